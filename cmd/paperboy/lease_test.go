package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/schedule"
)

// TestSecondDaemonServesWithoutTheSchedule: a second daemon on the same
// database serves the site and feeds without running the schedule, and
// takes the schedule over once the first stops.
func TestSecondDaemonServesWithoutTheSchedule(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	_, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: "0 7 * * *", Addresses: []string{"r1@example.org"}})
	first := startDaemon(t, cfgPath)
	first.runIngest(t)
	second := startDaemon(t, cfgPath)
	if !strings.Contains(second.log.String(), "scheduler_standby") || !strings.Contains(second.log.String(), "another paperboy") {
		t.Errorf("the second daemon does not say it runs without the schedule:\n%s", second.log.String())
	}
	if strings.Contains(second.log.String(), "schedule_started") {
		t.Fatalf("both daemons run the schedule:\n%s", second.log.String())
	}
	if code, body := second.request(t, http.MethodGet, "/", ""); code != http.StatusOK {
		t.Errorf("GET / from the second daemon = %d: %s", code, body)
	}
	checkFeeds(t, second)
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the second daemon to take the schedule over", func() (bool, string) {
		return strings.Contains(second.log.String(), "schedule_started"), second.log.String()
	})
}

// TestDaemonStartedDuringAHandRunDigest: the lease a hand-run `paperboy
// digest` holds while it sends does not stop a daemon starting meanwhile
// from serving; it runs the schedule once the command is done.
func TestDaemonStartedDuringAHandRunDigest(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: "0 7 * * *", Addresses: []string{"r1@example.org"}})
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dir)
	sending, done := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- schedule.WithLease(context.Background(), st, 0, func(context.Context) error {
			close(sending)
			<-done
			return nil
		})
	}()
	<-sending
	d := startDaemon(t, cfgPath)
	if code, body := d.request(t, http.MethodGet, "/", ""); code != http.StatusOK {
		t.Errorf("GET / = %d: %s", code, body)
	}
	if strings.Contains(d.log.String(), "schedule_started") {
		t.Fatalf("the daemon runs the schedule while the command holds it:\n%s", d.log.String())
	}
	close(done)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the daemon to take the schedule", func() (bool, string) {
		return strings.Contains(d.log.String(), "schedule_started"), d.log.String()
	})
}
