package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/pgtest"
	"github.com/paperboy-news/paperboy/internal/smtptest"
)

// TestInstancesSendOneRunTogether: three `paperboy serve` on one
// PostgreSQL database send one 10,000-recipient run together: the leader
// runs it, the standbys claim batches of it; every recipient gets it
// exactly once. One instance alone sends the same run for comparison; the
// log reports both rates.
func TestInstancesSendOneRunTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 20,000 messages")
	}
	const n = 10000
	rates := map[int]float64{}
	for _, instances := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d instances", instances), func(t *testing.T) {
			dsn := pgtest.Fresh(t)
			t.Setenv(failoverDSNEnv, dsn)
			var mu sync.Mutex
			var first, last time.Time
			// Each message costs the server a little time, as a real
			// relay does: sending is then bound by waiting, which more
			// instances share.
			sink := smtptest.Start(t, smtptest.Config{DataDelay: 2 * time.Millisecond, OnAccept: func(string) {
				mu.Lock()
				defer mu.Unlock()
				now := time.Now()
				if first.IsZero() {
					first = now
				}
				last = now
			}})
			dir, cfgPath := e2eSetup(t)
			residents := make([]string, n)
			for i := range residents {
				residents[i] = fmt.Sprintf("r%05d@example.org", i)
			}
			writeList(t, dir, residents)
			writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, ListFile: true, Connections: 2,
				CatchUp: "1h", DSNEnv: failoverDSNEnv, FailoverTimeout: "15s"})

			var children []*child
			for i := range instances {
				c := startChild(t, "serve", "-config", cfgPath)
				want := "scheduler_standby"
				if i == 0 {
					want = "schedule_started"
				}
				waitFor(t, 20*time.Second, "instance "+strconv.Itoa(i)+" up", func() (bool, string) {
					return strings.Contains(c.out.String(), want), c.out.String()
				})
				children = append(children, c)
			}
			waitFor(t, 120*time.Second, "every recipient has the digest", func() (bool, string) {
				got := len(sink.Recipients())
				return got == n, fmt.Sprintf("%d of %d recipients", got, n)
			})
			time.Sleep(500 * time.Millisecond) // a message sent twice would land by now
			for _, rcpt := range residents {
				if ids := sink.MessageIDs(rcpt); len(ids) != 1 {
					t.Errorf("%s got %d messages", rcpt, len(ids))
				}
			}
			if total := sink.Total(); total != n {
				t.Errorf("%d messages for %d recipients", total, n)
			}
			helped := regexp.MustCompile(`msg=digest_helped sent=(\d+)`)
			var byHelpers int
			for i, c := range children[1:] {
				// A standby logs what it sent once the run has no
				// delivery left pending.
				waitFor(t, 10*time.Second, "standby "+strconv.Itoa(i+1)+" reports", func() (bool, string) {
					return strings.Contains(c.out.String(), "digest_helped"), c.out.String()
				})
				for _, m := range helped.FindAllStringSubmatch(c.out.String(), -1) {
					k, _ := strconv.Atoi(m[1])
					byHelpers += k
				}
			}
			if instances > 1 && byHelpers == 0 {
				t.Errorf("the standbys sent nothing of the run")
			}
			mu.Lock()
			rate := float64(n-1) / last.Sub(first).Seconds()
			mu.Unlock()
			rates[instances] = rate
			t.Logf("%d instance(s): %d messages in %.1fs, %.0f msg/s; %d sent by the standbys", instances, n, float64(n-1)/rate, rate, byHelpers)
		})
	}
	if rates[1] > 0 && rates[3] > 0 {
		t.Logf("3 instances send %.1fx as fast as one (%.0f vs %.0f msg/s)", rates[3]/rates[1], rates[3], rates[1])
	}
}
