package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/pgtest"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

// failoverDSNEnv is the variable the failover test's config names.
const failoverDSNEnv = "PAPERBOY_E2E_DSN"

// TestFailoverToTheStandbyMidDigest: two `paperboy serve` on one PostgreSQL
// database; the first runs the schedule, the second serves and waits. The
// leader is killed (SIGKILL) in the middle of a 2,000-recipient digest;
// the standby takes the schedule over within the failover timeout and
// resumes the run: every recipient gets the digest, twice only for a
// message in flight at the kill, with the same Message-ID.
func TestFailoverToTheStandbyMidDigest(t *testing.T) {
	// killed: SIGKILL; on one host the standby sees the leader's pid gone
	// and takes over at once. frozen: SIGSTOP, as a machine that hangs or
	// is cut off: the pid lives on, so the standby waits for the lease to
	// run out (failover_timeout), as an instance on another host would.
	for _, how := range []string{"killed", "frozen"} {
		t.Run(how, func(t *testing.T) { testFailover(t, how == "frozen") })
	}
}

func testFailover(t *testing.T, freeze bool) {
	const (
		n        = 2000
		killAt   = 400
		conns    = 2
		failover = 3 * time.Second
	)
	dsn := pgtest.Fresh(t)
	t.Setenv(failoverDSNEnv, dsn)
	var victim atomic.Pointer[child]
	var accepted atomic.Int64
	killedAt := make(chan time.Time, 1)
	// The leader is killed at the killAt-th message or, if the standby was
	// not up yet, at the first message after it is.
	sink := smtptest.Start(t, smtptest.Config{DataDelay: 10 * time.Millisecond, OnAccept: func(string) {
		if accepted.Add(1) >= killAt {
			if c := victim.Swap(nil); c != nil {
				if freeze {
					_ = c.cmd.Process.Signal(syscall.SIGSTOP)
				} else {
					_ = c.cmd.Process.Kill() // SIGKILL, mid-send
				}
				killedAt <- time.Now()
			}
		}
	}})
	_, cfgPath := e2eSetup(t)
	residents := make([]string, n)
	for i := range residents {
		residents[i] = fmt.Sprintf("r%04d@example.org", i)
	}
	// The digest fires on the next even second: the leader sends it.
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Addresses: residents, Connections: conns, CatchUp: "1h",
		Schedule: evenSeconds, DSNEnv: failoverDSNEnv, FailoverTimeout: failover.String()})

	// The leader starts first and takes the schedule; the standby waits.
	leader := startChild(t, "serve", "-config", cfgPath)
	waitFor(t, 20*time.Second, "the leader runs the schedule", func() (bool, string) {
		return strings.Contains(leader.out.String(), "schedule_started"), leader.out.String()
	})
	standby := startChild(t, "serve", "-config", cfgPath)
	waitFor(t, 20*time.Second, "the second instance stands by", func() (bool, string) {
		return strings.Contains(standby.out.String(), "scheduler_standby"), standby.out.String()
	})
	victim.Store(leader)

	var killed time.Time
	select {
	case killed = <-killedAt:
	case <-time.After(60 * time.Second):
		t.Fatalf("the leader was not killed within 60s (%d messages)", sink.Total())
	}
	waitFor(t, 4*failover, "the standby takes the schedule over", func() (bool, string) {
		return strings.Contains(standby.out.String(), "scheduler_took_over"), standby.out.String()
	})
	takeover := time.Since(killed)
	if freeze {
		leader.kill() // the frozen leader never wakes up to send again
	}
	t.Logf("takeover %.1fs after the kill (failover_timeout %s)", takeover.Seconds(), failover)
	if takeover > failover+failover/2 {
		t.Errorf("takeover took %s; want within the failover timeout (%s) and one poll", takeover, failover)
	}
	waitFor(t, 60*time.Second, "every recipient has the digest", func() (bool, string) {
		got := len(sink.Recipients())
		return got == n, fmt.Sprintf("%d of %d recipients", got, n)
	})

	dups := checkResent(t, sink, residents, conns)
	t.Logf("%d recipients, %d duplicates (in flight at the kill)", n, dups)

	st, err := store.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitFor(t, 20*time.Second, "the run is done", func() (bool, string) {
		open, err := st.UnfinishedDigestRuns(context.Background())
		return err == nil && len(open) == 0, "unfinished runs remain"
	})
}
