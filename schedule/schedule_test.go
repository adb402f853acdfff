package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
	"github.com/robfig/cron/v3"
)

// fakeClock is a settable clock for catch-up tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func openStore(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "paperboy.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st, path
}

type testOpts struct {
	now    func() time.Time
	logs   *fixture.SyncBuffer
	holder string
}

func newScheduler(t *testing.T, st Store, o testOpts) *Scheduler {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	if o.logs != nil {
		log = slog.New(slog.NewTextHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	s, err := New(Config{Store: st, Location: time.UTC, Logger: log, Now: o.now, Holder: o.holder, LeaseTTL: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stop(t *testing.T, s *Scheduler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// runLog records a job's calls.
type runLog struct {
	mu    sync.Mutex
	calls []string // "slot-in-UTC trigger"
}

func (l *runLog) job(name JobName, spec string, catchUp time.Duration) Job {
	return Job{Name: name, Spec: spec, SlotKeyed: true, CatchUp: catchUp, Run: func(ctx context.Context, slot time.Time, trigger Trigger) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.calls = append(l.calls, slot.UTC().Format(time.RFC3339)+" "+string(trigger))
		return nil
	}}
}

func (l *runLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// TestCatchUp: a digest at 07:00 whose process was down at 07:00.
func TestCatchUp(t *testing.T) {
	ctx := context.Background()
	day := func(d, h, m int) time.Time { return time.Date(2026, 7, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		downUntil   time.Time
		wantCalls   []string
		wantOutcome store.Outcome // of the 07:00 slot on the 20th
		wantTrigger string
	}{
		{"missed within the window runs once", day(20, 9, 30), []string{"2026-07-20T07:00:00Z catchup"}, store.OutcomeOK, "catchup"},
		{"at the edge of the window runs once", day(20, 10, 0), []string{"2026-07-20T07:00:00Z catchup"}, store.OutcomeOK, "catchup"},
		{"outside the window is recorded as missed", day(20, 10, 1), nil, store.OutcomeMissed, "catchup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openStore(t)
			clock := &fakeClock{t: day(20, 6, 0)}
			var rl runLog
			jobs := []Job{rl.job("digest:morning", "0 7 * * *", 3*time.Hour)}

			// First start at 06:00 sets the job's baseline; then the process
			// is down over 07:00.
			s := newScheduler(t, st, testOpts{now: clock.Now})
			if err := s.Start(ctx, jobs); err != nil {
				t.Fatal(err)
			}
			stop(t, s)

			clock.Set(tc.downUntil)
			s = newScheduler(t, st, testOpts{now: clock.Now})
			if err := s.Start(ctx, jobs); err != nil {
				t.Fatal(err)
			}
			stop(t, s) // waits for the catch-up run

			// A restart right after must not run the slot again.
			clock.Set(tc.downUntil.Add(time.Minute))
			s = newScheduler(t, st, testOpts{now: clock.Now})
			if err := s.Start(ctx, jobs); err != nil {
				t.Fatal(err)
			}
			stop(t, s)

			if got := rl.get(); fmt.Sprint(got) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("calls = %q, want %q", got, tc.wantCalls)
			}
			run, err := st.JobRunAt(ctx, "digest:morning", day(20, 7, 0))
			if err != nil {
				t.Fatal(err)
			}
			if run.Outcome != tc.wantOutcome || run.Trigger != tc.wantTrigger {
				t.Errorf("run = %+v, want outcome %s trigger %s", run, tc.wantOutcome, tc.wantTrigger)
			}
			last, err := st.JobLastSlot(ctx, "digest:morning")
			if err != nil || !last.Equal(day(20, 7, 0)) {
				t.Errorf("last slot = %v, %v; want the 07:00 slot", last, err)
			}
		})
	}
}

// TestCatchUpNewJobHasBaseline: a job seen for the first time does not
// catch up slots from before it existed.
func TestCatchUpNewJobHasBaseline(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	clock := &fakeClock{t: time.Date(2026, 7, 20, 7, 30, 0, 0, time.UTC)}
	var rl runLog
	s := newScheduler(t, st, testOpts{now: clock.Now})
	if err := s.Start(ctx, []Job{rl.job("digest:new", "0 7 * * *", 3*time.Hour)}); err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	if got := rl.get(); len(got) != 0 {
		t.Fatalf("a brand-new job ran %q", got)
	}
	if _, err := st.LastJobRun(ctx, "digest:new"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("last run: err = %v, want none recorded", err)
	}
}

// TestCatchUpSkipsDSTRepeat: on the fall-back day in America/New_York the
// second 01:30 is the same wall-clock time as the first, so a daily digest
// records it as skipped instead of sending twice.
func TestCatchUpSkipsDSTRepeat(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	ny := mustLoad(t, "America/New_York")
	first := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)  // 01:30 EDT
	second := time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC) // 01:30 EST
	if err := st.InitJobSlot(ctx, "digest:ny", first); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: second.Add(5 * time.Minute)}
	var rl runLog
	job := rl.job("digest:ny", "30 1 * * *", 3*time.Hour)
	job.Location = ny
	s := newScheduler(t, st, testOpts{now: clock.Now})
	if err := s.Start(ctx, []Job{job}); err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	if got := rl.get(); len(got) != 0 {
		t.Fatalf("the repeated 01:30 ran: %q", got)
	}
	run, err := st.JobRunAt(ctx, "digest:ny", second)
	if err != nil || run.Outcome != store.OutcomeSkipped || !strings.Contains(run.Error, "dst_repeat") {
		t.Fatalf("second 01:30: run = %+v, %v; want skipped dst_repeat", run, err)
	}
}

// TestResumeUnfinished: a run a crash left "running" is run again for its
// slot at the next start when within the catch-up window, and closed as
// failed when not, after the job's Abandon closed what it left open; if
// Abandon fails, the run stays unfinished for the next start.
func TestResumeUnfinished(t *testing.T) {
	ctx := context.Background()
	slot := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		restart      time.Time
		abandonErr   error
		wantCalls    []string
		wantAbandons []string
		wantOutcome  store.Outcome
	}{
		{"within the window", slot.Add(time.Hour), nil, []string{"2026-07-20T07:00:00Z resume"}, nil, store.OutcomeOK},
		{"past the window", slot.Add(5 * time.Hour), nil, nil, []string{"2026-07-20T07:00:00Z"}, store.OutcomeFailed},
		{"past the window, abandon fails", slot.Add(5 * time.Hour), errors.New("disk full"), nil, []string{"2026-07-20T07:00:00Z"}, store.OutcomeRunning},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openStore(t)
			if err := st.InitJobSlot(ctx, "digest:morning", slot.Add(-24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := st.ClaimJobRun(ctx, store.JobRun{Job: "digest:morning", Slot: slot, Trigger: "schedule", Outcome: store.OutcomeRunning, StartedAt: slot}, false); err != nil {
				t.Fatal(err)
			}
			clock := &fakeClock{t: tc.restart}
			var rl runLog
			var abandons []string
			job := rl.job("digest:morning", "0 7 * * *", 3*time.Hour)
			job.Abandon = func(_ context.Context, slot time.Time, reason string) error {
				abandons = append(abandons, slot.UTC().Format(time.RFC3339))
				if !strings.Contains(reason, "not resumed") {
					t.Errorf("abandon reason %q does not say why", reason)
				}
				return tc.abandonErr
			}
			s := newScheduler(t, st, testOpts{now: clock.Now})
			if err := s.Start(ctx, []Job{job}); err != nil {
				t.Fatal(err)
			}
			stop(t, s)
			if got := rl.get(); fmt.Sprint(got) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("calls = %q, want %q", got, tc.wantCalls)
			}
			if fmt.Sprint(abandons) != fmt.Sprint(tc.wantAbandons) {
				t.Errorf("abandoned %q, want %q", abandons, tc.wantAbandons)
			}
			run, err := st.JobRunAt(ctx, "digest:morning", slot)
			if err != nil || run.Outcome != tc.wantOutcome {
				t.Errorf("run = %+v, %v; want outcome %s", run, err, tc.wantOutcome)
			}
		})
	}
}

// TestStopInterruptsAndNextStartResumes: SIGTERM during a digest run whose
// work outlives the shutdown timeout: the run is cancelled, recorded as
// interrupted, and the next start resumes the same slot.
func TestStopInterruptsAndNextStartResumes(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	slot := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
	if err := st.InitJobSlot(ctx, "digest:morning", slot.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: slot.Add(time.Minute)}
	started := make(chan struct{})
	var resumed atomic.Int32
	blocking := Job{Name: "digest:morning", Spec: "0 7 * * *", SlotKeyed: true, CatchUp: 3 * time.Hour,
		Run: func(ctx context.Context, s time.Time, trig Trigger) error {
			if trig == TriggerResume {
				resumed.Add(1)
				return nil
			}
			close(started)
			<-ctx.Done()
			return fmt.Errorf("send digest: %w", ctx.Err())
		}}
	s := newScheduler(t, st, testOpts{now: clock.Now})
	if err := s.Start(ctx, []Job{blocking}); err != nil {
		t.Fatal(err)
	}
	<-started
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.Stop(sctx); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stop: err = %v, want deadline exceeded", err)
	}
	run, err := st.JobRunAt(ctx, "digest:morning", slot)
	if err != nil || run.Outcome != store.OutcomeInterrupted {
		t.Fatalf("run = %+v, %v; want interrupted", run, err)
	}
	s = newScheduler(t, st, testOpts{now: clock.Now})
	if err := s.Start(ctx, []Job{blocking}); err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	if resumed.Load() != 1 {
		t.Fatalf("resumed %d times, want 1", resumed.Load())
	}
	if run, _ := st.JobRunAt(ctx, "digest:morning", slot); run.Outcome != store.OutcomeOK || run.Trigger != "resume" {
		t.Fatalf("after resume: run = %+v", run)
	}
}

// TestLiveRunsAndPanic runs on the real clock with a per-second spec: a job
// that panics on its first run is recorded as failed and runs again on the
// next slot; the scheduler keeps going; one log line per run.
func TestLiveRunsAndPanic(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	logs := &fixture.SyncBuffer{}
	var calls atomic.Int32
	done := make(chan struct{})
	job := Job{Name: "flaky", Spec: "* * * * * *", SlotKeyed: true, Run: func(ctx context.Context, slot time.Time, trig Trigger) error {
		switch calls.Add(1) {
		case 1:
			panic("boom")
		case 2:
			close(done)
		}
		return nil
	}}
	s := newScheduler(t, st, testOpts{logs: logs})
	if err := s.Start(ctx, []Job{job}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("the job ran %d times in 5s; a panic stopped it", calls.Load())
	}
	stop(t, s)
	out := logs.String()
	for _, want := range []string{"msg=job_panic", "msg=job_run job=flaky", "outcome=failed", "error=\"panic: boom\"", "outcome=ok", "duration_ms="} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	last, err := st.LastJobRun(ctx, "flaky")
	if err != nil || last.Trigger != "schedule" || last.Slot.Nanosecond() != 0 {
		t.Errorf("last run = %+v, %v; want a whole-second scheduled slot", last, err)
	}
}

// TestJobChainOrder: with Skip outside Recover, a panic gives the skip slot
// back, so the next invocation runs. (Recover outside Skip would skip it.)
func TestJobChainOrder(t *testing.T) {
	var calls int
	j := cron.NewChain(jobChain(cronLogger{slog.New(slog.DiscardHandler)})...).Then(cron.FuncJob(func() {
		calls++
		if calls == 1 {
			panic("boom")
		}
	}))
	j.Run()
	j.Run()
	if calls != 2 {
		t.Fatalf("job ran %d times, want 2: the skip slot leaked after a panic", calls)
	}
}

// TestReload on the real clock: a reload that keeps a job's spec keeps its
// cron entry (the very next run uses the new function), a changed spec
// takes effect, and a bad spec changes nothing.
func TestReload(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	got := make(chan string, 100)
	mk := func(version, spec string) Job {
		return Job{Name: "tick", Spec: spec, Run: func(ctx context.Context, slot time.Time, trig Trigger) error {
			got <- version
			return nil
		}}
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.After(4 * time.Second)
		for {
			select {
			case v := <-got:
				if v == want {
					return
				}
			case <-deadline:
				t.Fatalf("no run of %s within 4s", want)
			}
		}
	}
	s := newScheduler(t, st, testOpts{})
	if err := s.Start(ctx, []Job{mk("v1", "* * * * * *")}); err != nil {
		t.Fatal(err)
	}
	defer stop(t, s)
	waitFor("v1")

	// Same spec: the entry stays, so the next fire (under a second away)
	// runs v2; nothing from v1 may follow it.
	if err := s.Reload(ctx, []Job{mk("v2", "* * * * * *")}); err != nil {
		t.Fatal(err)
	}
	for len(got) > 0 { // a v1 run that had already started
		<-got
	}
	select {
	case v := <-got:
		if v != "v2" {
			t.Fatalf("first run after reload = %s, want v2", v)
		}
	case <-time.After(1500 * time.Millisecond):
		t.Fatal("the run after the reload was lost")
	}

	// New spec: half-second... every 2 seconds, in another zone.
	if err := s.Reload(ctx, []Job{mk("v3", "CRON_TZ=Asia/Shanghai */2 * * * * *")}); err != nil {
		t.Fatal(err)
	}
	waitFor("v3")
	status, err := s.Status(ctx)
	if err != nil || len(status) != 1 || status[0].TimeZone != "Asia/Shanghai" || len(status[0].Next) != 3 || status[0].Next[0].Second()%2 != 0 {
		t.Fatalf("status after reload = %+v, %v", status, err)
	}

	// A bad spec is refused and the old job keeps running.
	if err := s.Reload(ctx, []Job{mk("v4", "CRON_TZ=UTC")}); err == nil || !strings.Contains(err.Error(), "job tick") {
		t.Fatalf("reload with a bad spec: err = %v", err)
	}
	waitFor("v3")
}

// TestTwoSchedulersOneDatabase: the second refuses with a clear message
// naming the holder, and can start once the first has stopped.
func TestTwoSchedulersOneDatabase(t *testing.T) {
	ctx := context.Background()
	st1, path := openStore(t)
	st2, err := store.Open(ctx, path) // a second process's connection
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	var rl runLog
	a := newScheduler(t, st1, testOpts{holder: "host-a:1:aaaa"})
	if err := a.Start(ctx, []Job{rl.job("digest:morning", "0 7 * * *", time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := newScheduler(t, st2, testOpts{holder: "host-b:2:bbbb"})
	err = b.Start(ctx, []Job{rl.job("digest:morning", "0 7 * * *", time.Hour)})
	if !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("second start: err = %v, want ErrLeaseHeld", err)
	}
	for _, want := range []string{"another paperboy (holder host-a:1:aaaa", "stop it or use another store.path"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := b.RunNow(ctx, "digest:morning"); err == nil {
		t.Error("the refused scheduler accepted a manual run")
	}
	stop(t, a)
	b = newScheduler(t, st2, testOpts{holder: "host-b:2:bbbb"})
	if err := b.Start(ctx, []Job{rl.job("digest:morning", "0 7 * * *", time.Hour)}); err != nil {
		t.Fatalf("start after the first stopped: %v", err)
	}
	stop(t, b)
}

// TestLeaseFromDeadProcess: a lease left by a process of this host that no
// longer exists is taken over at once, without waiting for it to expire.
func TestLeaseFromDeadProcess(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := fmt.Sprintf("%s:%d:dead", host, cmd.Process.Pid)
	now := time.Now()
	if _, err := st.AcquireLease(ctx, leaseName, dead, "", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, st, testOpts{})
	if err := s.Start(ctx, nil); err != nil {
		t.Fatalf("start over a dead holder's lease: %v", err)
	}
	stop(t, s)
}

// TestRunNowAndTrigger covers manual runs (unknown, busy) and triggered
// runs folding into one while a run is in progress.
func TestRunNowAndTrigger(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	release := make(chan struct{})
	var runs atomic.Int32
	var triggers sync.Map
	job := Job{Name: "ingest", Run: func(ctx context.Context, slot time.Time, trig Trigger) error {
		n := runs.Add(1)
		triggers.Store(n, trig)
		if n == 1 {
			<-release
		}
		return nil
	}}
	s := newScheduler(t, st, testOpts{})
	if _, err := s.RunNow(ctx, "ingest"); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("run before start: err = %v, want ErrUnknownJob", err)
	}
	if err := s.Start(ctx, []Job{job}); err != nil {
		t.Fatal(err)
	}
	run, err := s.RunNow(ctx, "ingest")
	if err != nil || run.Trigger != "manual" || run.Outcome != store.OutcomeRunning {
		t.Fatalf("run now = %+v, %v", run, err)
	}
	if _, err := s.RunNow(ctx, "ingest"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second run now: err = %v, want ErrBusy", err)
	}
	if _, err := s.RunNow(ctx, "nope"); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("unknown job: err = %v, want ErrUnknownJob", err)
	}
	for range 5 {
		if err := s.Trigger("ingest", TriggerWatch); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	for deadline := time.Now().Add(3 * time.Second); runs.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for a wrong third run
	stop(t, s)
	if n := runs.Load(); n != 2 {
		t.Fatalf("runs = %d, want 2 (the manual one, then the five triggers folded into one)", n)
	}
	if trig, _ := triggers.Load(int32(2)); trig != TriggerWatch {
		t.Fatalf("second run's trigger = %v, want watch", trig)
	}
	if r, err := st.LastJobRun(ctx, "ingest"); err != nil || r.Outcome != store.OutcomeOK {
		t.Fatalf("last run = %+v, %v", r, err)
	}
	if err := s.Trigger("ingest", TriggerWatch); !errors.Is(err, ErrStopped) {
		t.Fatalf("trigger after stop: err = %v, want ErrStopped", err)
	}
}

// TestSlotRunsOnce: a second attempt at a slot is refused and logged.
func TestSlotRunsOnce(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	logs := &fixture.SyncBuffer{}
	clock := &fakeClock{t: time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)}
	var rl runLog
	s := newScheduler(t, st, testOpts{now: clock.Now, logs: logs})
	job := rl.job("digest:morning", "0 7 * * *", time.Hour)
	if err := s.Start(ctx, []Job{job}); err != nil {
		t.Fatal(err)
	}
	slot := clock.Now()
	for range 2 {
		s.mu.Lock()
		r := s.regs[job.Name]
		s.mu.Unlock()
		s.execute(job, r, slot, TriggerSchedule, false, false)
	}
	stop(t, s)
	if got := rl.get(); len(got) != 1 {
		t.Fatalf("calls = %q, want one", got)
	}
	if !strings.Contains(logs.String(), "msg=job_run_refused job=digest:morning") {
		t.Fatalf("no refusal logged:\n%s", logs)
	}
}

// TestLeaseLost: if another process takes the lease over (this one stalled
// past its TTL), the scheduler notices at the next renewal, stops taking
// runs and says so on LeaseLost.
func TestLeaseLost(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	var rl runLog
	s := newScheduler(t, st, testOpts{holder: "host-a:1:aaaa"}) // TTL 3s: renewal every second
	if err := s.Start(ctx, []Job{rl.job("ingest", "", 0)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if l, err := st.AcquireLease(ctx, leaseName, "host-b:2:bbbb", "host-a:1:aaaa", now, now.Add(time.Hour)); err != nil || l.Holder != "host-b:2:bbbb" {
		t.Fatalf("take-over: %+v, %v", l, err)
	}
	select {
	case <-s.LeaseLost():
	case <-time.After(3 * time.Second):
		t.Fatal("the lost lease went unnoticed")
	}
	if _, err := s.RunNow(ctx, "ingest"); !errors.Is(err, ErrStopped) {
		t.Fatalf("run after losing the lease: err = %v, want ErrStopped", err)
	}
	stop(t, s)
	if l, _ := st.AcquireLease(ctx, leaseName, "host-c:3:cccc", "", now, now.Add(time.Hour)); l.Holder != "host-b:2:bbbb" {
		t.Fatalf("stop released a lease it no longer held: holder %q", l.Holder)
	}
}

// TestReloadCatchesUp: a reload catches up like a start (here the cron, on
// the real clock, never fired the fake clock's 07:00), once; a job new in
// the reload gets a baseline and does not make up older slots.
func TestReloadCatchesUp(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	clock := &fakeClock{t: time.Date(2026, 7, 20, 6, 0, 0, 0, time.UTC)}
	var rl runLog
	s := newScheduler(t, st, testOpts{now: clock.Now})
	if err := s.Start(ctx, []Job{rl.job("digest:morning", "0 7 * * *", 3*time.Hour)}); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 7, 20, 7, 0, 30, 0, time.UTC))
	jobs := []Job{rl.job("digest:morning", "0 7 * * *", 3*time.Hour), rl.job("digest:evening", "0 6 * * *", 3*time.Hour)}
	if err := s.Reload(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(ctx, jobs); err != nil { // again: nothing more to catch up
		t.Fatal(err)
	}
	// Moving the digest to 07:00:15 after 07:00 went out does not send it
	// again for the new, earlier slot.
	clock.Set(time.Date(2026, 7, 20, 7, 1, 0, 0, time.UTC))
	if err := s.Reload(ctx, []Job{rl.job("digest:morning", "15 0 7 * * *", 3*time.Hour)}); err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	if got, want := rl.get(), []string{"2026-07-20T07:00:00Z catchup"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("calls = %q, want %q", got, want)
	}
}

// TestWithLease: a command holding the lease keeps the daemon's scheduler
// from starting, and is refused while another live process holds it.
func TestWithLease(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	ran := false
	err := WithLease(ctx, st, time.Minute, func(ctx context.Context) error {
		ran = true
		now := time.Now()
		l, err := st.AcquireLease(ctx, leaseName, "host-b:2:bbbb", "", now, now.Add(time.Minute))
		if err != nil {
			return err
		}
		if l.Holder == "host-b:2:bbbb" {
			t.Error("another holder took the lease while WithLease held it")
		}
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("WithLease on a free lease: ran %v, err %v", ran, err)
	}

	// Released: another holder gets it, and WithLease is then refused.
	now := time.Now()
	if l, err := st.AcquireLease(ctx, leaseName, "host-b:2:bbbb", "", now, now.Add(time.Minute)); err != nil || l.Holder != "host-b:2:bbbb" {
		t.Fatalf("lease after WithLease = %+v, %v; want it free", l, err)
	}
	ran = false
	err = WithLease(ctx, st, time.Minute, func(context.Context) error { ran = true; return nil })
	if !errors.Is(err, ErrLeaseHeld) || ran || !strings.Contains(err.Error(), "host-b:2:bbbb") {
		t.Fatalf("WithLease while held: ran %v, err %v; want ErrLeaseHeld naming the holder", ran, err)
	}
}

// failingLeases is the real store whose lease renewals start failing on
// demand, as when the database stalls.
type failingLeases struct {
	*store.Store
	fail atomic.Bool
}

func (f *failingLeases) AcquireLease(ctx context.Context, name, holder, evict string, now, expires time.Time) (store.Lease, error) {
	if f.fail.Load() {
		return store.Lease{}, errors.New("database is locked")
	}
	return f.Store.AcquireLease(ctx, name, holder, evict, now, expires)
}

// TestLeaseExpiresUnrenewed: a scheduler that cannot renew its lease
// before it runs out stops as if it had lost it, and cancels its running
// jobs, since another process may take the lease and resume their work.
func TestLeaseExpiresUnrenewed(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	fl := &failingLeases{Store: st}
	s := newScheduler(t, fl, testOpts{}) // TTL 3s
	cancelled := make(chan struct{})
	started := make(chan struct{})
	long := Job{Name: "digest:daily", Run: func(ctx context.Context, _ time.Time, _ Trigger) error {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	}}
	if err := s.Start(ctx, []Job{long}); err != nil {
		t.Fatal(err)
	}
	defer stop(t, s)
	if err := s.Trigger("digest:daily", TriggerManual); err != nil {
		t.Fatal(err)
	}
	<-started
	fl.fail.Store(true)
	select {
	case <-s.LeaseLost():
	case <-time.After(6 * time.Second):
		t.Fatal("an expired, unrenewed lease went unnoticed")
	}
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("the running job was not cancelled when the lease was lost")
	}
}

// TestRetryPolicy: a failed run is tried again, Base apart and doubling,
// while the next attempt starts within the job's catch-up window of its
// slot; a skipped run, a job without a window and the zero policy are not
// retried.
func TestRetryPolicy(t *testing.T) {
	errBusy := errors.New("database is locked")
	tests := []struct {
		name      string
		failures  int           // attempts that fail before one succeeds
		catchUp   time.Duration // from the slot, which is now
		retry     Retry
		skip      bool // the first attempt finds nothing to do
		wantCalls int
		wantOut   store.Outcome
		wantErr   string
	}{
		{"succeeds at once", 0, time.Second, Retry{Base: 50 * time.Millisecond}, false, 1, store.OutcomeOK, ""},
		{"retried until it succeeds", 2, 2 * time.Second, Retry{Base: 50 * time.Millisecond}, false, 3, store.OutcomeOK, ""},
		// Attempts at 0, 100ms, 300ms; the next, at 700ms, is past 500ms.
		{"gives up past the window", 100, 500 * time.Millisecond, Retry{Base: 100 * time.Millisecond}, false, 3, store.OutcomeFailed, "gave up after 3 attempt(s)"},
		{"capped by Max", 3, 2 * time.Second, Retry{Base: 50 * time.Millisecond, Max: 60 * time.Millisecond}, false, 4, store.OutcomeOK, ""},
		{"nothing to do is not retried", 0, 2 * time.Second, Retry{Base: 50 * time.Millisecond}, true, 1, store.OutcomeSkipped, "nothing to do"},
		{"zero policy", 5, 2 * time.Second, Retry{}, false, 1, store.OutcomeFailed, "database is locked"},
		{"no window", 5, 0, Retry{Base: 50 * time.Millisecond}, false, 1, store.OutcomeFailed, "database is locked"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openStore(t)
			s := newScheduler(t, st, testOpts{})
			var calls atomic.Int32
			done := make(chan struct{})
			job := Job{Name: "digest:retry", SlotKeyed: true, CatchUp: tc.catchUp, Retry: tc.retry,
				Run: func(ctx context.Context, slot time.Time, trigger Trigger) error {
					n := calls.Add(1)
					switch {
					case tc.skip:
						return fmt.Errorf("%w: nothing new", ErrSkip)
					case int(n) <= tc.failures:
						return errBusy
					}
					return nil
				}}
			s.cfg.OnRun = func(store.JobRun) { close(done) }
			if err := s.Start(context.Background(), []Job{job}); err != nil {
				t.Fatal(err)
			}
			run, err := s.RunNow(context.Background(), "digest:retry")
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the run did not finish")
			}
			stop(t, s)
			got, err := st.JobRunAt(context.Background(), "digest:retry", run.Slot)
			if err != nil {
				t.Fatal(err)
			}
			if int(calls.Load()) != tc.wantCalls || got.Outcome != tc.wantOut || !strings.Contains(got.Error, tc.wantErr) {
				t.Errorf("%d calls, run %s %q; want %d calls, %s with %q", calls.Load(), got.Outcome, got.Error, tc.wantCalls, tc.wantOut, tc.wantErr)
			}
		})
	}
}

// TestUnfinishedHook: slots a job's own records hold as unfinished (a run
// a command started and was killed in) are resumed at start within the
// catch-up window and abandoned past it, like unfinished job_runs, and
// each slot once when both know it.
func TestUnfinishedHook(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 7, 20, 12, 0, 0, 0, time.UTC)
	within, past, both := now.Add(-time.Hour), now.Add(-5*time.Hour), now.Add(-2*time.Hour)
	st, _ := openStore(t)
	if err := st.InitJobSlot(ctx, "digest:d", now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.ClaimJobRun(ctx, store.JobRun{Job: "digest:d", Slot: both, Trigger: "schedule", Outcome: store.OutcomeRunning, StartedAt: both}, false); err != nil {
		t.Fatal(err)
	}
	var rl runLog
	var abandons []string
	job := rl.job("digest:d", "0 7 1 1 *", 3*time.Hour)
	job.Unfinished = func(context.Context) ([]time.Time, error) { return []time.Time{past, within, both}, nil }
	job.Abandon = func(_ context.Context, slot time.Time, _ string) error {
		abandons = append(abandons, slot.UTC().Format(time.RFC3339))
		return nil
	}
	s := newScheduler(t, st, testOpts{now: (&fakeClock{t: now}).Now})
	if err := s.Start(ctx, []Job{job}); err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	calls := rl.get()
	slices.Sort(calls)
	if want := []string{"2026-07-20T10:00:00Z resume", "2026-07-20T11:00:00Z resume"}; fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
	if want := []string{"2026-07-20T07:00:00Z"}; fmt.Sprint(abandons) != fmt.Sprint(want) {
		t.Errorf("abandoned %q, want %q", abandons, want)
	}
	for slot, want := range map[time.Time]store.Outcome{within: store.OutcomeOK, both: store.OutcomeOK, past: store.OutcomeFailed} {
		r, err := st.JobRunAt(ctx, "digest:d", slot)
		if err != nil || r.Outcome != want {
			t.Errorf("job run at %s = %+v, %v; want %s", slot, r, err, want)
		}
	}
	if last, err := st.JobLastSlot(ctx, "digest:d"); err != nil || last.After(both) {
		t.Errorf("last slot %s, %v: a run started elsewhere must not move it past the job's own %s", last, err, both)
	}
}
