package bounces_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/bounces"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/internal/imaptest"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

const returnPath = "bounces@news.example.cn"

var secret = []byte("test-secret-0123456789")

var quiet = slog.New(slog.DiscardHandler)

// report fills in a testdata report for rcpt's message id.
func report(t *testing.T, name, rcpt, msgID string, n int) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(
		"{{VERP}}", bounces.ReturnPath(returnPath, secret, rcpt),
		"{{RCPT}}", rcpt,
		"{{MSGID}}", msgID,
		"{{BASE}}", returnPath,
		"{{N}}", strconv.Itoa(n),
	).Replace(string(raw))
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

var recipients = []string{
	"hard@example.org", "soft@example.org", "delayed@example.org",
	"complainer@example.org", "ok@example.org", "away@example.org",
}

func newMailer(t *testing.T, smtpPort int, st *store.Store) *mailer.Digests {
	t.Helper()
	s, ps := site.New(site.Settings{
		Title: "示范区新闻", BaseURL: "https://news.example.cn/", Language: "zh-CN",
		TimeZone: "Asia/Shanghai", PublisherAddress: "示范区报社 · 示范区龙源路1号",
	})
	if ps != nil {
		t.Fatal(ps.Err("site"))
	}
	m, err := mailer.New(mailer.Config{
		Site: s, From: "news@example.cn",
		UnsubscribeSecret: secret,
		Lists:             map[string][]string{"residents": recipients},
		Digests:           []mailer.Digest{{Name: "daily", Lists: []string{"residents"}}},
		Transport:         "smtp",
		SMTP:              mailer.SMTPConfig{Host: "127.0.0.1", Port: smtpPort, TLSPolicy: mailer.TLSNone, Timeout: 5 * time.Second},
		Deliverability:    mailer.Deliverability{ReturnPath: returnPath},
		Connections:       1,
		Logger:            quiet,
	}, st, st)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBounceMailboxSuppressesAndNextRunSkips(t *testing.T) {
	ctx := context.Background()
	st, _ := fixture.StoreWithSample(t)
	smtp := smtptest.Start(t, smtptest.Config{})
	m := newMailer(t, smtp.Port, st)
	mb := imaptest.Start(t)
	p, err := bounces.NewPoller(bounces.Config{
		IMAP:       bounces.IMAPConfig{Host: mb.Host, Port: mb.Port, TLS: bounces.TLSNone, User: imaptest.User, Password: imaptest.Password},
		ReturnPath: returnPath, Secret: secret, Addresses: recipients, SoftBounceLimit: 2, Logger: quiet,
	}, st)
	if err != nil {
		t.Fatal(err)
	}

	slot1 := time.Date(2021, 7, 20, 23, 0, 0, 0, time.UTC)
	res, err := m.Run(ctx, "daily", slot1)
	if err != nil || res.Sent != len(recipients) {
		t.Fatalf("run 1: %+v, %v", res, err)
	}
	msgID := func(rcpt string) string {
		ids := smtp.MessageIDs(rcpt)
		return ids[len(ids)-1]
	}
	for _, r := range recipients {
		if got, want := smtp.Senders(r)[0], bounces.ReturnPath(returnPath, secret, r); got != want {
			t.Fatalf("MAIL FROM for %s = %q, want its VERP return path %q", r, got, want)
		}
	}

	// What comes back after the first digest, and what else lands there.
	forged := strings.Replace(string(report(t, "hard.eml", "ok@example.org", msgID("ok@example.org"), 0)),
		bounces.Token(secret, "ok@example.org"), strings.Repeat("a", len(bounces.Token(secret, "ok@example.org"))), -1)
	forged = strings.Replace(forged, "20210720230005.4B1C21A0F2@mail.example.com", "forged@mail.example.com", 1)
	noVERP := strings.Replace(string(report(t, "hard.eml", "away@example.org", msgID("away@example.org"), 0)),
		bounces.ReturnPath(returnPath, secret, "away@example.org"), returnPath, -1)
	noVERP = strings.Replace(noVERP, "20210720230005.4B1C21A0F2@mail.example.com", "noverp@mail.example.com", 1)
	for _, raw := range [][]byte{
		report(t, "hard.eml", "hard@example.org", msgID("hard@example.org"), 0),
		report(t, "soft.eml", "soft@example.org", msgID("soft@example.org"), 1),
		report(t, "delayed.eml", "delayed@example.org", msgID("delayed@example.org"), 0),
		report(t, "arf.eml", "complainer@example.org", msgID("complainer@example.org"), 0),
		report(t, "notspam.eml", "ok@example.org", msgID("ok@example.org"), 0),
		report(t, "plain.eml", "", "", 0),
		report(t, "autoreply.eml", "away@example.org", "", 1),
		[]byte(forged),
		[]byte(noVERP),
	} {
		mb.Deliver(t, raw)
	}

	got, err := p.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := bounces.Result{Read: 9, Hard: 1, Soft: 1, Delayed: 1, Complaints: 1, Unknown: 5, Suppressed: 2}
	if got != want {
		t.Fatalf("first poll: %+v, want %+v", got, want)
	}
	checkSuppressed(t, st, map[string]string{
		"hard@example.org": store.SuppressHardBounce, "complainer@example.org": store.SuppressComplaint,
	})
	sup, _ := st.Suppressed(ctx, "hard@example.org")
	if !strings.Contains(sup.Evidence, "5.1.1") || !strings.Contains(sup.Evidence, "User unknown") {
		t.Fatalf("hard bounce evidence %q lacks the status and the server's words", sup.Evidence)
	}

	// Reports recorded are flagged \Seen; everything else is as it was.
	seen := mb.Contents(t)
	if len(seen) != 9 {
		t.Fatalf("mailbox holds %d messages, want all 9 still there: %v", len(seen), seen)
	}
	for id, s := range seen {
		handled := strings.Contains(id, "4B1C21A0F2@") || strings.Contains(id, "relay.example.net") ||
			strings.Contains(id, "7F2E31A0F3@") || strings.Contains(id, "arf-1626945291")
		if s != handled {
			t.Fatalf("message %s: seen = %v, want %v", id, s, handled)
		}
	}

	// Polling again reads nothing new.
	if again, err := p.Run(ctx); err != nil || again != (bounces.Result{}) {
		t.Fatalf("second poll: %+v, %v", again, err)
	}

	// The next run skips the suppressed addresses, with their reason.
	slot2 := slot1.Add(24 * time.Hour)
	res, err = m.Run(ctx, "daily", slot2)
	if err != nil || res.Sent != 4 || res.Skipped != 2 {
		t.Fatalf("run 2: %+v, %v; want 4 sent, 2 skipped", res, err)
	}
	for _, r := range []string{"hard@example.org", "complainer@example.org"} {
		if n := len(smtp.Messages(r)); n != 1 {
			t.Fatalf("%s got %d messages, want only the first run's", r, n)
		}
	}

	// A second soft bounce in a row suppresses soft@.
	mb.Deliver(t, report(t, "soft.eml", "soft@example.org", msgID("soft@example.org"), 2))
	got, err = p.Run(ctx)
	if err != nil || got != (bounces.Result{Read: 1, Soft: 1, Suppressed: 1}) {
		t.Fatalf("third poll: %+v, %v", got, err)
	}
	checkSuppressed(t, st, map[string]string{
		"hard@example.org": store.SuppressHardBounce, "complainer@example.org": store.SuppressComplaint,
		"soft@example.org": store.SuppressSoftBounces,
	})
	res, err = m.Run(ctx, "daily", slot2.Add(24*time.Hour))
	if err != nil || res.Sent != 3 || res.Skipped != 3 {
		t.Fatalf("run 3: %+v, %v; want 3 sent, 3 skipped", res, err)
	}
}

func checkSuppressed(t *testing.T, st *store.Store, want map[string]string) {
	t.Helper()
	list, err := st.Suppressions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range list {
		got[s.Address] = s.Reason
	}
	if len(got) != len(want) {
		t.Fatalf("suppressed %v, want %v", got, want)
	}
	for a, r := range want {
		if got[a] != r {
			t.Fatalf("suppressed %v, want %v", got, want)
		}
	}
	for _, r := range recipients {
		_, err := st.Suppressed(context.Background(), r)
		if _, ok := want[r]; ok != (err == nil) || (!ok && !errors.Is(err, store.ErrNotFound)) {
			t.Fatalf("Suppressed(%s) = %v", r, err)
		}
	}
}

func TestParseReports(t *testing.T) {
	const rcpt, id = "reader@example.org", "daily.20210720T230000Z.abc@news.example.cn"
	for _, tc := range []struct {
		file       string
		typ        string
		action     string
		status     string
		diagnostic string
		feedback   string
	}{
		{"hard.eml", "delivery-status", "failed", "5.1.1", "550 5.1.1 <reader@example.org>: Recipient address rejected: User unknown in virtual mailbox table", ""},
		{"soft.eml", "delivery-status", "failed", "4.2.2", "452-4.2.2 The email account that you tried to reach is over quota.", ""},
		{"delayed.eml", "delivery-status", "delayed", "4.4.1", "connect to mx.example.org[192.0.2.26]:25: Connection timed out", ""},
		{"arf.eml", "feedback-report", "", "", "", "abuse"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := bounces.Parse(report(t, tc.file, rcpt, id, 1))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Type != tc.typ || rep.Original.MessageID != id || rep.FeedbackType != tc.feedback {
				t.Fatalf("report = %+v", rep)
			}
			if !slices.Contains(rep.To, bounces.ReturnPath(returnPath, secret, rcpt)) && rep.Original.ReturnPath != bounces.ReturnPath(returnPath, secret, rcpt) {
				t.Fatalf("the return path appears nowhere: To %v, original %+v", rep.To, rep.Original)
			}
			if tc.typ != "delivery-status" {
				return
			}
			if len(rep.Recipients) != 1 {
				t.Fatalf("recipients = %+v", rep.Recipients)
			}
			r := rep.Recipients[0]
			if r.Address != rcpt || r.Action != tc.action || r.Status != tc.status || r.Diagnostic != tc.diagnostic {
				t.Fatalf("recipient = %+v", r)
			}
		})
	}
	for _, name := range []string{"plain.eml", "autoreply.eml"} {
		if _, err := bounces.Parse(report(t, name, rcpt, id, 1)); !errors.Is(err, bounces.ErrNotReport) {
			t.Fatalf("%s: err = %v, want ErrNotReport", name, err)
		}
	}
	if _, err := bounces.Parse([]byte("\x00\x01 not mail")); !errors.Is(err, bounces.ErrNotReport) {
		t.Fatalf("garbage: err = %v", err)
	}
}

func TestBounceMailboxBacklogIsReadInBatchesOnce(t *testing.T) {
	ctx := context.Background()
	st, _ := fixture.StoreWithSample(t)
	mb := imaptest.Start(t)
	p, err := bounces.NewPoller(bounces.Config{
		IMAP:       bounces.IMAPConfig{Host: mb.Host, Port: mb.Port, TLS: bounces.TLSNone, User: imaptest.User, Password: imaptest.Password},
		ReturnPath: returnPath, Secret: secret, Addresses: recipients, Logger: quiet,
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	const backlog = 120 // more than two fetch batches
	for i := range backlog {
		mb.Deliver(t, []byte(strings.Replace(string(report(t, "plain.eml", "", "", 0)), "offer-1@", fmt.Sprintf("offer-%d@", i), 1)))
	}
	mb.Deliver(t, report(t, "hard.eml", "away@example.org", "", 0))
	got, err := p.Run(ctx)
	if want := (bounces.Result{Read: backlog + 1, Hard: 1, Unknown: backlog, Suppressed: 1}); err != nil || got != want {
		t.Fatalf("first run: %+v, %v; want %+v", got, err, want)
	}
	if again, err := p.Run(ctx); err != nil || again != (bounces.Result{}) {
		t.Fatalf("second run: %+v, %v; want nothing read", again, err)
	}
	mb.Deliver(t, report(t, "delayed.eml", "ok@example.org", "", 0))
	if got, err := p.Run(ctx); err != nil || got != (bounces.Result{Read: 1, Delayed: 1}) {
		t.Fatalf("third run: %+v, %v", got, err)
	}
	if n := len(mb.Contents(t)); n != backlog+2 {
		t.Fatalf("mailbox holds %d messages, want %d", n, backlog+2)
	}

	// A mailbox the server renumbered (new UIDVALIDITY) is read again,
	// and the reports in it are not counted twice.
	mark := fmt.Sprintf("imap://%s@%s:%d/INBOX", imaptest.User, mb.Host, mb.Port)
	if err := st.SetMailboxMark(ctx, mark, 0xdeadbeef, 1<<30); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Run(ctx); err != nil || got != (bounces.Result{Read: backlog + 2, Unknown: backlog}) {
		t.Fatalf("after renumbering: %+v, %v", got, err)
	}
	if sup, err := st.Suppressions(ctx); err != nil || len(sup) != 1 {
		t.Fatalf("suppressions %+v, %v", sup, err)
	}
}
