package mailer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// TestRunStopsWhenItsWindowCloses: a run still sending when its catch-up
// window closes sends nothing more: the rest is recorded as skipped and
// the run closed, saying why.
func TestRunStopsWhenItsWindowCloses(t *testing.T) {
	const n = 60
	var mu sync.Mutex
	var acceptedAt []time.Time
	// 60 messages at 100ms each outlast the 2s window by far, and 2s leaves
	// room for the run's start on a loaded machine (under -race it took
	// more than 400ms to send the first message).
	s := startSinkWith(t, smtptest.Config{DataDelay: 100 * time.Millisecond})
	s.onAccept = func(string) {
		mu.Lock()
		acceptedAt = append(acceptedAt, time.Now())
		mu.Unlock()
	}
	st := sampleStore(t)
	cfg := testConfig(s, n)
	cfg.Connections = 1
	cfg.Now = time.Now
	cfg.Digests[0].CatchUp = 2 * time.Second
	cfg.Digests[0].Period = 10 * 365 * 24 * time.Hour // the 2021 sample counts
	m := newDigests(t, cfg, st, st)
	start := time.Now().UTC()
	res, err := m.Run(context.Background(), "daily", start)
	if err != nil {
		t.Fatal(err)
	}
	deadline := start.Add(cfg.Digests[0].CatchUp)
	if res.Status != store.RunDone || res.Sent == 0 || res.Sent >= n || res.Skipped != n-res.Sent || res.Pending != 0 ||
		!strings.Contains(res.Error, "past the catch-up window") {
		t.Fatalf("run = %+v; want it closed at its window with some sent and the rest skipped", res)
	}
	if s.total() != res.Sent {
		t.Fatalf("the server accepted %d, the run recorded %d sent", s.total(), res.Sent)
	}
	mu.Lock()
	defer mu.Unlock()
	// A message handed to the server before the deadline may be answered
	// after it; nothing is started later.
	for _, at := range acceptedAt {
		if at.After(deadline.Add(cfg.SMTP.Timeout / 10)) {
			t.Errorf("a message was accepted at %s, %s past the window", at, at.Sub(deadline))
		}
	}
	again, err := m.Run(context.Background(), "daily", start)
	if err != nil || again.Status != store.RunDone || s.total() != res.Sent {
		t.Fatalf("the slot again = %+v, %v; want the closed run, nothing more sent", again, err)
	}
}

// TestRunForNowSettlesUnfinishedRuns: `paperboy digest NAME` resumes an
// interrupted run within its window and starts no new one; past the window
// it closes it and runs the digest for now.
func TestRunForNowSettlesUnfinishedRuns(t *testing.T) {
	const n, stopAt = 100, 30
	tests := []struct {
		name    string
		after   time.Duration // from the interrupted run's slot to now
		resumed bool
	}{
		{"within the window", time.Hour, true},
		{"past the window", 8 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, st, first := interruptedRun(t, n, stopAt)
			cfg := testConfig(s, n)
			cfg.Digests[0].CatchUp = 7 * 24 * time.Hour
			cfg.Now = clockAt(slot.Add(tt.after))
			m := newDigests(t, cfg, st, st)
			res, err := m.Run(context.Background(), "daily", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			old, err := st.DigestRunBySlot(context.Background(), "daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			c, err := st.DeliveryCounts(context.Background(), old.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.resumed {
				if res.RunID != first.RunID || !res.Resumed || res.Status != store.RunDone || res.Sent != n || s.total() != n {
					t.Fatalf("run for now = %+v, sink %d; want run %d resumed and done with %d sent", res, s.total(), first.RunID, n)
				}
				return
			}
			if old.Status != store.RunDone || c.Sent != first.Sent || c.Skipped != n-first.Sent || !strings.Contains(old.Error, "past the catch-up window") {
				t.Fatalf("stale run %s %q %+v; want it closed with the rest skipped", old.Status, old.Error, c)
			}
			if res.RunID == first.RunID || res.Status != store.RunSkipped || s.total() != first.Sent {
				t.Fatalf("run for now = %+v, sink %d; want a new run for now that finds nothing new, nothing more sent", res, s.total())
			}
		})
	}
}

// TestRunSettlesEarlierRuns: a digest's run first settles the digest's
// earlier unfinished runs: resumed within their window, closed past it.
// CloseRemoved closes the runs of digests no longer configured.
func TestRunSettlesEarlierRuns(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 2)
	cfg.Digests[0].CatchUp = 3 * time.Hour
	now := slot.Add(24 * time.Hour)
	cfg.Now = clockAt(now)
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()
	open := func(digest string, at time.Time, rcpt string) {
		t.Helper()
		_, _, err := st.CreateDigestRun(ctx, store.DigestRun{Digest: digest, Slot: at, Status: store.RunSending, Subject: "left open"},
			slices.Values([]store.OutboxRecipient{{Address: rcpt, List: "residents", MessageID: rcpt + ".id@example.cn"}}))
		if err != nil {
			t.Fatal(err)
		}
	}
	open("daily", now.Add(-time.Hour), "within@example.org")
	open("daily", now.Add(-4*time.Hour), "past@example.org")
	open("weekly-removed", now.Add(-time.Minute), "removed@example.org")

	if _, err := m.Run(ctx, "daily", now); err != nil {
		t.Fatal(err)
	}
	closed, err := m.CloseRemoved(ctx)
	if err != nil || len(closed) != 1 || closed[0].Digest != "weekly-removed" || !strings.Contains(closed[0].Error, "removed from the configuration") {
		t.Fatalf("CloseRemoved = %+v, %v", closed, err)
	}
	if left, err := st.UnfinishedDigestRuns(ctx); err != nil || len(left) != 0 {
		t.Fatalf("unfinished runs = %+v, %v; want none", left, err)
	}
	for rcpt, want := range map[string]int{"within@example.org": 1, "past@example.org": 0, "removed@example.org": 0} {
		if got := len(s.messages(rcpt)); got != want {
			t.Errorf("%s got %d messages, want %d", rcpt, got, want)
		}
	}
}

// TestJobMapsOutcomesForTheScheduler: the digest's job is slot-keyed with
// the digest's window and retry policy; a skipped run is schedule.ErrSkip,
// a slot whose window closed before its run began is skipped too, and
// Unfinished lists the digest's open runs.
func TestJobMapsOutcomesForTheScheduler(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 2)
	cfg.Digests[0].CatchUp = 7 * 24 * time.Hour
	cfg.Now = clockAt(slot.Add(time.Minute))
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()
	job, err := m.Job("daily", "0 7 * * *", shanghai, nil)
	if err != nil {
		t.Fatal(err)
	}
	if job.Name != "digest:daily" || !job.SlotKeyed || job.CatchUp != cfg.Digests[0].CatchUp || job.Retry != Retry {
		t.Fatalf("job = %+v", job)
	}
	if err := job.Run(ctx, slot, schedule.TriggerSchedule); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if err := job.Run(ctx, slot.Add(time.Hour), schedule.TriggerSchedule); !errors.Is(err, schedule.ErrSkip) {
		t.Fatalf("a run with nothing new: %v, want ErrSkip", err)
	}
	if err := job.Run(ctx, slot.Add(-8*24*time.Hour), schedule.TriggerCatchUp); !errors.Is(err, schedule.ErrSkip) || !errors.Is(err, ErrPastWindow) {
		t.Fatalf("a slot past its window: %v, want ErrSkip and ErrPastWindow", err)
	}
	_, _, err = st.CreateDigestRun(ctx, store.DigestRun{Digest: "daily", Slot: slot.Add(2 * time.Hour), Status: store.RunSending}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slots, err := job.Unfinished(ctx); err != nil || len(slots) != 1 || !slots[0].Equal(slot.Add(2*time.Hour)) {
		t.Fatalf("unfinished = %v, %v", slots, err)
	}
	if _, err := m.Job("nope", "0 7 * * *", shanghai, nil); err == nil {
		t.Fatal("a job for an unknown digest")
	}
}

// TestManualJobRunIsRunNow: the job run by hand (the admin console's "run
// now", POST /admin/jobs/digest:NAME/run) is `paperboy digest NAME`: an
// unfinished run within its window is resumed as the run, and no other
// starts; with none, a run starts for now, not for the manual slot.
func TestManualJobRunIsRunNow(t *testing.T) {
	s := startSink(t, true, nil)
	st := sampleStore(t)
	cfg := testConfig(s, 2)
	cfg.Digests[0].CatchUp = 3 * time.Hour
	cfg.Digests[0].Period = 10 * 365 * 24 * time.Hour // the 2021 sample counts
	now := slot.Add(24 * time.Hour)
	cfg.Now = clockAt(now)
	m := newDigests(t, cfg, st, st)
	ctx := context.Background()
	job, err := m.Job("daily", "0 7 * * *", shanghai, nil)
	if err != nil {
		t.Fatal(err)
	}
	open, _, err := st.CreateDigestRun(ctx, store.DigestRun{Digest: "daily", Slot: now.Add(-time.Hour), Status: store.RunSending, Subject: "left open"},
		slices.Values([]store.OutboxRecipient{{Address: "retry@example.org", List: "residents", MessageID: "retry.id@example.cn"}}))
	if err != nil {
		t.Fatal(err)
	}
	manualSlot := now.Add(-time.Second)
	if err := job.Run(ctx, manualSlot, schedule.TriggerManual); err != nil {
		t.Fatal(err)
	}
	runs, err := st.RecentDigestRuns(ctx, "daily", 10)
	if err != nil || len(runs) != 1 || runs[0].ID != open.ID || runs[0].Status != store.RunDone || len(s.messages("retry@example.org")) != 1 {
		t.Fatalf("runs after a manual run = %+v, %v; want the open run resumed and done, no other", runs, err)
	}
	if err := job.Run(ctx, manualSlot, schedule.TriggerManual); err != nil {
		t.Fatal(err)
	}
	runs, err = st.RecentDigestRuns(ctx, "daily", 10)
	if err != nil || len(runs) != 2 || !runs[0].Slot.Equal(now) {
		t.Fatalf("runs after a second manual run = %+v, %v; want a new run for now (%s)", runs, err, now)
	}
}
