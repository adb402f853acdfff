package main

// Crash tests of the digest run's lifecycle: a real `paperboy digest NAME`
// or `paperboy serve`, a child process (this test binary run as paperboy,
// see TestMain), is killed with SIGKILL while it sends to a slow SMTP
// server; then the next process, a command or a daemon, starts inside or
// past the digest's catch_up window.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

// child is paperboy running as a child process.
type child struct {
	cmd    *exec.Cmd
	out    *fixture.SyncBuffer
	waited chan error
}

// startChild runs paperboy args in a child process; the test's cleanup
// kills it if it still runs.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	// This test binary runs paperboy itself (TestMain, mainArgsEnv).
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$"), out: &fixture.SyncBuffer{}, waited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\x1f"))
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.waited <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("paperboy %s:\n%s", strings.Join(args, " "), c.out.String())
		}
	})
	return c
}

// kill sends SIGKILL and reaps the process, so that its pid is gone and
// the next process may take its lease at once.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	err := <-c.waited
	c.waited <- err
}

// TestKilledRunIsResumedInsideTheWindowAndClosedPastIt kills the process
// sending a digest (a command or a daemon) mid-send, then starts the next
// one (a command or a daemon). Inside the catch_up window every recipient
// gets the digest, twice only for a message in flight at the kill, with
// the same Message-ID. Past it nothing more goes out, the rest is recorded
// as skipped, and `paperboy status` says so.
func TestKilledRunIsResumedInsideTheWindowAndClosedPastIt(t *testing.T) {
	const (
		n      = 60
		killAt = 15
		conns  = 2
		window = 3 * time.Second // the short catch_up
	)
	type process string
	const (
		command process = "command"
		daemon  process = "daemon"
	)
	var tests []struct {
		first, next process
		inside      bool
	}
	for _, first := range []process{command, daemon} {
		for _, next := range []process{daemon, command} {
			for _, inside := range []bool{true, false} {
				tests = append(tests, struct {
					first, next process
					inside      bool
				}{first, next, inside})
			}
		}
	}
	for _, tt := range tests {
		where := "past the window"
		if tt.inside {
			where = "inside the window"
		}
		t.Run(fmt.Sprintf("%s then %s %s", tt.first, tt.next, where), func(t *testing.T) {
			var victim atomic.Pointer[child]
			var accepted atomic.Int64
			sink := smtptest.Start(t, smtptest.Config{DataDelay: 40 * time.Millisecond, OnAccept: func(string) {
				if accepted.Add(1) == killAt {
					if c := victim.Load(); c != nil {
						_ = c.cmd.Process.Kill() // SIGKILL, mid-send
					}
				}
			}})
			dir, cfgPath := e2eSetup(t)
			residents := addressList(n)
			cfg := daemonConfig{SMTPPort: sink.Port, Addresses: residents, Connections: conns, CatchUp: "1h",
				// The daemon that is killed sends on the next even
				// second; one that only resumes has no slot during the test.
				Schedule: "0 0 1 1 *"}
			if !tt.inside {
				cfg.CatchUp = window.String()
			}
			if tt.first == daemon {
				cfg.Schedule = evenSeconds
			}
			writeConfig(t, cfgPath, cfg)
			ctx := context.Background()
			var out, errOut bytes.Buffer
			if tt.first == command {
				if err := run(ctx, []string{"ingest", "-config", cfgPath}, &out, &errOut); err != nil {
					t.Fatalf("ingest: %v\n%s", err, errOut.String())
				}
			}

			// 1. The first process sends and is killed at the killAt-th
			// message the server accepts.
			args := []string{"digest", "daily", "-config", cfgPath}
			if tt.first == daemon {
				args = []string{"serve", "-config", cfgPath}
			}
			c := startChild(t, args...)
			victim.Store(c)
			select {
			case err := <-c.waited:
				c.waited <- err
			case <-time.After(30 * time.Second):
				t.Fatalf("the %s was not killed within 30s (%d messages)", tt.first, sink.Total())
			}
			time.Sleep(100 * time.Millisecond) // messages in flight land at the server
			atKill := sink.Total()
			if atKill >= n {
				t.Fatalf("the run finished (%d sent) before the kill; slow the sink down", atKill)
			}
			st := openStore(t, dir)
			open, err := st.UnfinishedDigestRuns(ctx)
			if err != nil || len(open) != 1 {
				t.Fatalf("after the kill: unfinished runs %+v, %v; want the killed one", open, err)
			}
			slot := open[0].Slot
			st.Close()
			out.Reset()
			if err := run(ctx, []string{"status", "-config", cfgPath}, &out, &errOut); err != nil {
				t.Fatalf("status: %v\n%s", err, errOut.String())
			}
			if want := "unfinished: sends (or is resumed by the next paperboy serve or digest) until "; !strings.Contains(out.String(), want) {
				t.Errorf("status after the kill lacks %q:\n%s", want, out.String())
			}
			if !tt.inside {
				time.Sleep(time.Until(slot.Add(window + 500*time.Millisecond)))
			}

			// 2. The next process settles it.
			if tt.next == command {
				out.Reset()
				if err := run(ctx, []string{"digest", "daily", "-config", cfgPath}, &out, &errOut); err != nil {
					t.Fatalf("digest: %v\n%s", err, errOut.String())
				}
			} else {
				d := startDaemon(t, cfgPath)
				waitFor(t, 20*time.Second, "the killed run settled", func() (bool, string) {
					st := d.status(t)
					return st.Outbox["pending"] == 0, fmt.Sprintf("outbox %v", st.Outbox)
				})
				if err := d.stop(t); err != nil {
					t.Fatalf("serve: %v", err)
				}
			}

			// 3. What went out, what the store and `paperboy status` say.
			st = openStore(t, dir)
			r, err := st.DigestRunBySlot(ctx, "daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			counts, err := st.DeliveryCounts(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			out.Reset()
			if err := run(ctx, []string{"status", "-config", cfgPath}, &out, &errOut); err != nil {
				t.Fatalf("status: %v\n%s", err, errOut.String())
			}
			status := out.String()
			if counts.Pending != 0 || r.Status == store.RunSending {
				t.Fatalf("killed run %s with %+v; want it settled", r.Status, counts)
			}
			if tt.inside {
				if r.Status != store.RunDone || counts.Sent != n || counts.Skipped != 0 {
					t.Errorf("killed run %s %q with %+v; want done with all %d sent", r.Status, r.Error, counts, n)
				}
				checkResent(t, sink, residents, conns)
				if want := fmt.Sprintf("done     sent %d, pending 0, failed 0, skipped 0", n); !strings.Contains(status, want) {
					t.Errorf("status lacks %q:\n%s", want, status)
				}
				return
			}
			if got := sink.Total(); got != atKill {
				t.Errorf("%d messages went out past the window", got-atKill)
			}
			if counts.Sent+counts.Skipped != n || counts.Skipped == 0 || !strings.Contains(r.Error, "past the catch-up window") {
				t.Errorf("killed run %s %q with %+v; want the %d unsent recorded as skipped, past the catch-up window", r.Status, r.Error, counts, n-counts.Sent)
			}
			// Messages in flight at the kill may have reached the server
			// without their outcome recorded: status says how many may
			// have, and that bound holds.
			if extra := atKill - counts.Sent; extra < 0 || extra > conns {
				t.Errorf("the server got %d messages, the store counts %d sent: %d unrecorded, more than the %d connections", atKill, counts.Sent, extra, conns)
			}
			for _, want := range []string{
				fmt.Sprintf("sent %d, pending 0, failed 0, skipped %d", counts.Sent, counts.Skipped),
				fmt.Sprintf("error: closed with %d of %d sent, %d not sent (skipped; up to %d of them may have been in flight when the sender stopped): past the catch-up window",
					counts.Sent, n, counts.Skipped, conns),
			} {
				if !strings.Contains(status, want) {
					t.Errorf("status lacks %q:\n%s", want, status)
				}
			}
		})
	}
}

// checkResent checks that every recipient got the digest, and that at most
// conns got it twice (one in flight per connection at a kill), with the
// same Message-ID; it returns how many were sent twice.
func checkResent(t *testing.T, sink *smtptest.Server, recipients []string, conns int) int {
	t.Helper()
	dups := 0
	for _, rcpt := range recipients {
		ids := sink.MessageIDs(rcpt)
		if len(ids) == 0 {
			t.Errorf("%s got no digest", rcpt)
			continue
		}
		for _, id := range ids[1:] {
			dups++
			if id != ids[0] {
				t.Errorf("%s got two different messages: %s and %s", rcpt, ids[0], id)
			}
		}
	}
	if dups > conns {
		t.Errorf("%d messages sent twice; at most one per connection (%d) may be in flight at a kill", dups, conns)
	}
	return dups
}
