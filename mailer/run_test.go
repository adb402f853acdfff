package mailer

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

const wantSubject = "示范区新闻 7月20日：示范区党政联席会议召开 等13条"

var slot = time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC) // 07:00 in Shanghai

func TestRunDeliversOnceToEveryRecipientThroughTemporaryFailures(t *testing.T) {
	const n = 1000
	// A third of the recipients get 451 at first and are accepted later.
	s := startSink(t, true, func(rcpt string, attempt int) sinkAction {
		if rcpt[4]%3 == 0 && attempt == 1 {
			return tempFail
		}
		return accept
	})
	st := sampleStore(t)
	m := newDigests(t, testConfig(s, n), st, st)

	var progressCalls atomic.Int64
	res, err := m.Run(context.Background(), "daily", slot, WithProgress(func(p Progress) { progressCalls.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != store.RunDone || res.Sent != n || res.Failed != 0 || res.Pending != 0 || res.Articles != 13 {
		t.Fatalf("result = %+v", res)
	}
	if progressCalls.Load() == 0 {
		t.Fatal("progress never reported")
	}
	deferred := 0
	for _, rcpt := range addresses(n) {
		msgs := s.messages(rcpt)
		if len(msgs) != 1 {
			t.Fatalf("%s got %d messages, want 1", rcpt, len(msgs))
		}
		checkMessage(t, msgs[0], rcpt, wantSubject, 13)
		if s.rcptAttempts(rcpt) == 2 {
			deferred++
		}
	}
	if deferred < n/4 {
		t.Fatalf("only %d recipients were deferred and retried; want about a third", deferred)
	}

	// Running the same slot again sends nothing.
	again, err := m.Run(context.Background(), "daily", slot)
	if err != nil || !again.Resumed || again.Sent != n || again.Status != store.RunDone {
		t.Fatalf("second run = %+v, %v", again, err)
	}
	if got := s.total(); got != n {
		t.Fatalf("sink has %d messages after the second run, want %d", got, n)
	}
}

func TestPermanentFailuresAreRecordedAndNeverRetried(t *testing.T) {
	const n = 30
	rcpts := addresses(n)
	perm, dropped, inFlight := rcpts[3], rcpts[7], rcpts[11]
	s := startSink(t, true, func(rcpt string, attempt int) sinkAction {
		switch {
		case rcpt == perm:
			return permFail
		case rcpt == dropped && attempt == 1:
			return dropAtRcpt
		case rcpt == inFlight && attempt == 1:
			return dropAfterData
		case rcpt == rcpts[20]:
			return tempFail // always: gives up after MaxAttempts
		}
		return accept
	})
	st := sampleStore(t)
	cfg := testConfig(s, n)
	m := newDigests(t, cfg, st, st)

	res, err := m.Run(context.Background(), "daily", slot)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != n-2 || res.Failed != 2 || res.Status != store.RunDone {
		t.Fatalf("result = %+v; want %d sent, 2 failed", res, n-2)
	}
	if got := s.rcptAttempts(perm); got != 1 {
		t.Fatalf("550 recipient offered %d times, want 1", got)
	}
	if got := s.rcptAttempts(rcpts[20]); got != cfg.MaxAttempts {
		t.Fatalf("always-451 recipient offered %d times, want %d", got, cfg.MaxAttempts)
	}
	if got := len(s.messages(dropped)); got != 1 {
		t.Fatalf("recipient whose connection dropped got %d messages, want 1 after re-dial", got)
	}
	// The message in flight when the connection died is sent again, with
	// the same Message-ID.
	copies := s.messages(inFlight)
	if len(copies) != 2 {
		t.Fatalf("in-flight recipient got %d copies, want 2", len(copies))
	}
	id1, id2 := parseMessage(t, copies[0]).header.Get("Message-Id"), parseMessage(t, copies[1]).header.Get("Message-Id")
	if id1 != id2 || id1 == "" {
		t.Fatalf("re-sent Message-ID %q differs from first %q", id2, id1)
	}
	runs, err := st.RecentDigestRuns(context.Background(), "daily", 1)
	if err != nil || len(runs) != 1 {
		t.Fatal(runs, err)
	}
	errs := strings.Join(runs[0].LastErrors, "\n")
	if !strings.Contains(errs, perm) || !strings.Contains(errs, "550") || !strings.Contains(errs, "no such user") {
		t.Fatalf("recorded errors %q lack the 550 reply for %s", errs, perm)
	}
	if !strings.Contains(errs, "gave up after 4 attempts") || !strings.Contains(errs, "451") {
		t.Fatalf("recorded errors %q lack the give-up on 451", errs)
	}
}

// TestIdleConnectionClosedByServerIsRedialed: the server drops idle
// connections faster than the rate limit sends, so every message after the
// first finds its connection dead (go-mail's ErrConnCheck) and must re-dial
// without counting a failed attempt.
func TestIdleConnectionClosedByServerIsRedialed(t *testing.T) {
	const n = 4
	s := startSink(t, true, nil, func(srv *smtp.Server) { srv.ReadTimeout = 30 * time.Millisecond })
	st := sampleStore(t)
	cfg := testConfig(s, n)
	cfg.Connections = 1
	cfg.RatePerSecond = 10
	m := newDigests(t, cfg, st, st)
	var last Progress
	res, err := m.Run(context.Background(), "daily", slot, WithProgress(func(p Progress) { last = p }))
	if err != nil || res.Sent != n {
		t.Fatalf("run = %+v, %v", res, err)
	}
	if last.Retried != 0 || last.Sent != n {
		t.Fatalf("progress = %+v; want every message sent at its first attempt", last)
	}
	for _, rcpt := range addresses(n) {
		if got, tries := len(s.messages(rcpt)), s.rcptAttempts(rcpt); got != 1 || tries != 1 {
			t.Fatalf("%s: %d messages after %d RCPTs, want 1 and 1", rcpt, got, tries)
		}
	}
}

// interruptedRun runs digest "daily" to n recipients and cancels it once
// the sink has accepted stopAt messages, as a shutdown would.
func interruptedRun(t *testing.T, n, stopAt int) (*sink, *store.Store, RunResult) {
	t.Helper()
	s := startSink(t, true, nil)
	st := sampleStore(t)
	m := newDigests(t, testConfig(s, n), st, st)

	ctx, cancel := context.WithCancel(context.Background())
	var accepted atomic.Int64
	var once sync.Once
	s.onAccept = func(string) {
		if accepted.Add(1) == int64(stopAt) {
			once.Do(cancel)
		}
	}
	res, err := m.Run(ctx, "daily", slot)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	if res.Status != store.RunSending || res.Pending == 0 || res.Sent < stopAt || res.Sent+res.Pending != n {
		t.Fatalf("interrupted result = %+v", res)
	}
	if got := s.total(); got != res.Sent {
		t.Fatalf("sink accepted %d, store says %d sent: every accepted message must be marked", got, res.Sent)
	}
	s.onAccept = nil
	return s, st, res
}

func TestCancelledRunResumesWithOnlyTheRest(t *testing.T) {
	const n = 600
	s, st, first := interruptedRun(t, n, 200)

	// As after a restart: a new mailer runs the same slot again, which
	// resumes what was left.
	m := newDigests(t, testConfig(s, n), st, st)
	res2, err := m.Run(context.Background(), "daily", first.Slot)
	if err != nil || !res2.Resumed || res2.RunID != first.RunID || res2.Sent != n || res2.Status != store.RunDone {
		t.Fatalf("resumed result = %+v, %v", res2, err)
	}
	for _, rcpt := range addresses(n) {
		if got := len(s.messages(rcpt)); got != 1 {
			t.Fatalf("%s got %d messages across both runs, want 1", rcpt, got)
		}
	}
}

// TestAbandonClosesAnInterruptedRun: a run the scheduler will not resume
// (past its catch-up window) is closed with its pending deliveries skipped,
// so nothing goes out late; a later Run for the slot sends nothing.
func TestAbandonClosesAnInterruptedRun(t *testing.T) {
	const n = 300
	s, st, _ := interruptedRun(t, n, 100)
	m := newDigests(t, testConfig(s, n), st, st)
	sent := s.total()

	ab, err := m.Abandon(context.Background(), "daily", slot, "past the catch-up window")
	if err != nil {
		t.Fatal(err)
	}
	if ab.Status != store.RunDone || ab.Pending != 0 || ab.Sent != sent || ab.Skipped != n-sent {
		t.Fatalf("abandoned = %+v; want done, %d sent, %d skipped, none pending", ab, sent, n-sent)
	}
	open, err := st.UnfinishedDigestRuns(context.Background())
	if err != nil || len(open) != 0 {
		t.Fatalf("unfinished runs after abandon: %+v, %v", open, err)
	}
	again, err := m.Run(context.Background(), "daily", slot)
	if err != nil || again.Status != store.RunDone || s.total() != sent {
		t.Fatalf("run after abandon = %+v, %v; sink %d, want nothing more sent than %d", again, err, s.total(), sent)
	}
	if ab, err := m.Abandon(context.Background(), "daily", slot.Add(time.Hour), "no run"); err != nil || ab.RunID != 0 {
		t.Fatalf("abandon of a slot with no run = %+v, %v; want nothing done", ab, err)
	}
}

func TestDigestSelectsNewArticlesWithinPeriodAndSkipsEmpty(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 3)
	cfg.Digests = append(cfg.Digests, Digest{Name: "politics", Lists: []string{"residents"}, Topics: []string{"politics"}, SkipEmpty: true})
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()

	// First run: the latest edition, all of it / its politics articles.
	if res, err := m.Run(ctx, "daily", slot); err != nil || res.Articles != 13 {
		t.Fatalf("first daily run = %+v, %v", res, err)
	}
	if res, err := m.Run(ctx, "politics", slot); err != nil || res.Articles != 7 || res.Sent != 3 {
		t.Fatalf("first politics run = %+v, %v; want the 7 politics articles", res, err)
	}

	// Nothing new: skipped, nothing sent.
	next := slot.Add(24 * time.Hour)
	res, err := m.Run(ctx, "daily", next)
	if err != nil || res.Status != store.RunSkipped || res.Sent != 0 {
		t.Fatalf("empty run = %+v, %v; want skipped", res, err)
	}
	if got := s.total(); got != 6 {
		t.Fatalf("sink has %d messages, want 6 (no mail for the skipped run)", got)
	}

	// A new edition and a backfilled old one: only the new one counts.
	saveEdition(t, st, sampleEdition(t, "2021-07-22")[:2])
	saveEdition(t, st, sampleEdition(t, "2020-01-01"))
	res, err = m.Run(ctx, "daily", next.Add(24*time.Hour))
	if err != nil || res.Articles != 2 || res.Sent != 3 {
		t.Fatalf("third run = %+v, %v; want the 2 new articles, not the backfill", res, err)
	}
	p := checkMessage(t, s.messages("r0000@example.org")[2], "r0000@example.org",
		"示范区新闻 7月22日：示范区党政联席会议召开 等2条", 2)
	if strings.Contains(p.text, "2020-01-01") {
		t.Fatal("backfilled edition leaked into the digest")
	}
}

func TestUnsubscribedAddressesAreSkipped(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	m := newDigests(t, testConfig(s, 5), st, st)
	ctx := context.Background()
	if err := st.Unsubscribe(ctx, "residents", "r0001@example.org"); err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(ctx, "daily", slot)
	if err != nil || res.Sent != 4 {
		t.Fatalf("run = %+v, %v; want 4 sent", res, err)
	}
	if got := len(s.messages("r0001@example.org")); got != 0 {
		t.Fatalf("unsubscribed address got %d messages", got)
	}
}

func TestFirstRunOnEmptyStoreDoesNotHideTheFirstEdition(t *testing.T) {
	s := startSink(t, true, nil)
	st := fixture.NewStore(t)
	m := newDigests(t, testConfig(s, 2), st, st)
	ctx := context.Background()
	res, err := m.Run(ctx, "daily", slot.Add(-24*time.Hour))
	if err != nil || res.Status != store.RunSkipped || !strings.Contains(res.Error, "no edition yet") {
		t.Fatalf("run on an empty store = %+v, %v; want skipped: no edition yet", res, err)
	}
	// The first edition arrives later, within the period: no digest has
	// carried an edition yet, so the next run is still a first run.
	saveEdition(t, st, sampleEdition(t, "2021-07-20"))
	res, err = m.Run(ctx, "daily", slot)
	if err != nil || res.Articles != 13 || res.Sent != 2 {
		t.Fatalf("next run = %+v, %v; want the latest edition", res, err)
	}
}

// TestFirstRunHonoursPeriod: a fresh install whose only editions are older
// than the digest's period sends nothing: the run is skipped and says why,
// and `status` shows it. An edition within the period then goes out.
func TestFirstRunHonoursPeriod(t *testing.T) {
	tests := []struct {
		name    string
		period  time.Duration
		slot    time.Time
		want    store.RunStatus
		reason  string
		sent    int
		article int
	}{
		{"years later", 24 * time.Hour, time.Date(2026, 7, 20, 23, 0, 0, 0, time.UTC), store.RunSkipped,
			"nothing within the digest's period (24h): the latest edition, 2021-07-20, is older than 2026-07-20", 0, 0},
		{"two days later, period a day", 24 * time.Hour, slot.Add(48 * time.Hour), store.RunSkipped,
			"the latest edition, 2021-07-20, is older than 2021-07-22", 0, 0},
		{"two days later, period a week", 7 * 24 * time.Hour, slot.Add(48 * time.Hour), store.RunDone, "", 2, 13},
		{"the morning after", 24 * time.Hour, slot, store.RunDone, "", 2, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSink(t, true, nil)
			st := sampleStore(t)
			cfg := testConfig(s, 2)
			cfg.Digests[0].Period = tt.period
			cfg.Now = clockAt(tt.slot.Add(time.Minute))
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), "daily", tt.slot)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.want || res.Sent != tt.sent || res.Articles != tt.article || s.total() != tt.sent || !strings.Contains(res.Error, tt.reason) {
				t.Fatalf("first run = %+v; sink %d; want %s with %d sent, %d articles, error containing %q", res, s.total(), tt.want, tt.sent, tt.article, tt.reason)
			}
			runs, err := st.RecentDigestRuns(context.Background(), "daily", 1)
			if err != nil || len(runs) != 1 || runs[0].Status != tt.want || runs[0].Error != res.Error {
				t.Fatalf("stored run = %+v, %v", runs, err)
			}
		})
	}
}
