// Package schedule runs paperboy's jobs (ingest, feed renders, digests) on
// cron specs with github.com/robfig/cron/v3, and adds what that library
// lacks: a context for every run, a job_runs row per run keyed by its slot
// (a slot never runs twice), catch-up of slots missed while the process was
// down, resuming runs a crash cut short (those in job_runs and those a
// job's own records know of, Job.Unfinished), a retry policy per job, hot
// reload of the job set, one scheduler per database (a lease), and a
// shutdown that lets running jobs finish. It knows nothing of what a job
// does: a digest's rules live in the mailer.
//
// Time zones and daylight saving: a spec is read in its job's zone (the
// site's, Asia/Shanghai by default) unless it starts with CRON_TZ=. In a zone
// with daylight saving, a time that does not exist on the spring-forward day
// does not run that day ("30 2 * * *" skips 2026-03-08 in America/New_York),
// and on the fall-back day a slot-keyed job runs a repeated wall-clock time
// once: the second "30 1 * * *" of 2026-11-01 is recorded as skipped
// (dst_repeat). @every ignores time zones.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-news/paperboy/store"
	"github.com/robfig/cron/v3"
)

// Trigger says why a job runs; it is stored with the run.
type Trigger string

// The triggers the scheduler itself uses; Trigger callers may add their own.
const (
	TriggerSchedule Trigger = "schedule" // its cron spec fired
	TriggerCatchUp  Trigger = "catchup"  // a slot missed while down, run late within the catch-up window
	TriggerResume   Trigger = "resume"   // a run cut short by a crash or shutdown, run again for its slot
	TriggerManual   Trigger = "manual"   // RunNow (admin endpoint)
	TriggerWatch    Trigger = "watch"    // a watched file changed
	TriggerChain    Trigger = "chain"    // another job asked for it (feeds after an ingest that changed something)
	TriggerStartup  Trigger = "startup"  // the daemon runs it once at start
)

// ErrSkip, returned (wrapped) by a RunFunc, records the run as skipped
// rather than failed: e.g. a digest with nothing new.
var ErrSkip = errors.New("nothing to do")

// Errors callers can test for with errors.Is.
var (
	ErrUnknownJob = errors.New("no such job")
	ErrBusy       = errors.New("job is running")
	ErrStopped    = errors.New("scheduler is stopped")
	ErrLeaseHeld  = errors.New("schedule lease held by another process")
)

// RunFunc does a job's work for slot, the scheduled time the run is for.
// ctx is cancelled when Stop's deadline passes; a RunFunc that returns
// early on it is recorded as interrupted and resumed at the next start if
// its job is slot-keyed and the catch-up window allows.
type RunFunc func(ctx context.Context, slot time.Time, trigger Trigger) error

// JobName identifies a job in job_runs, logs and the admin endpoints.
// The package that owns a job names it ("ingest", "feeds", and the
// mailer's mailer.JobName for a digest); nobody parses a name back.
type JobName string

// Retry is a job's retry policy: a run that fails (not one that is
// skipped or interrupted) is tried again after Base, then twice as long
// each time up to Max, as long as the next attempt would start within the
// job's catch-up window of its slot. The zero Retry never retries; neither
// does a job without a catch-up window.
type Retry struct {
	Base, Max time.Duration
}

// Job is one named job. The scheduler knows nothing else about it.
type Job struct {
	// Name identifies the job.
	Name JobName
	// Spec is the cron spec; "" means the job runs only when triggered.
	Spec string
	// Location is the zone for a Spec without CRON_TZ; nil means
	// Config.Location.
	Location *time.Location
	// SlotKeyed jobs do their work once per slot: catch-up and resume apply,
	// and a repeated wall-clock time on the fall-back day is skipped.
	SlotKeyed bool
	// CatchUp is how late a missed slot may still run (slot-keyed jobs with
	// a Spec). Zero: missed slots are recorded as missed and not run.
	CatchUp time.Duration
	// Run does the work. It closes over its own settings, so a run in
	// flight during a reload finishes under the settings it started with.
	Run RunFunc
	// Abandon, if set, is called at start for a run a crash or shutdown cut
	// short that will not be resumed (no catch-up window, or past it), so
	// the job can close what the run left open: a digest's outbox, which
	// must neither stay "sending" forever nor go out late. If it fails, the
	// run stays unfinished and the next start tries again.
	Abandon func(ctx context.Context, slot time.Time, reason string) error
	// Unfinished, if set, lists the slots the job's own records hold as
	// unfinished, e.g. a digest run a command started and was killed in,
	// which job_runs does not know. At Start they are resumed within the
	// catch-up window and abandoned past it, with the job's unfinished
	// job_runs.
	Unfinished func(ctx context.Context) ([]time.Time, error)
	// Retry is the job's retry policy for failed runs.
	Retry Retry
}

// Store is what the scheduler needs from the database; *store.Store has it.
type Store interface {
	ClaimJobRun(ctx context.Context, run store.JobRun, resume bool) error
	FinishJobRun(ctx context.Context, run store.JobRun, advance bool) error
	RecordJobRun(ctx context.Context, run store.JobRun, advance bool) error
	InitJobSlot(ctx context.Context, job string, baseline time.Time) error
	AdvanceJobSlot(ctx context.Context, job string, slot time.Time) error
	JobLastSlot(ctx context.Context, job string) (time.Time, error)
	JobRunAt(ctx context.Context, job string, slot time.Time) (store.JobRun, error)
	LastJobRun(ctx context.Context, job string) (store.JobRun, error)
	UnfinishedJobRuns(ctx context.Context, job string) ([]store.JobRun, error)
	AcquireLease(ctx context.Context, name, holder, evict string, now, expires time.Time) (store.Lease, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	PruneJobRuns(ctx context.Context, cutoff time.Time) (int64, error)
}

// Config configures a Scheduler.
type Config struct {
	Store Store
	// Location is the default zone for specs (the site's time zone);
	// required.
	Location *time.Location
	Logger   *slog.Logger
	// Now is the clock for slots, catch-up and the lease; nil means
	// time.Now. (robfig/cron itself always fires on the real clock.)
	Now func() time.Time
	// LeaseTTL is how long the scheduler lease lasts unrenewed; it is
	// renewed every third of it. Zero means 30s.
	LeaseTTL time.Duration
	// Holder names this process in the lease; "" means hostname:pid:random.
	Holder string
	// OnRun, if set, is called after every run with its final record
	// (metrics).
	OnRun func(store.JobRun)
	// KeepRuns is how long finished job runs are kept (each job's newest
	// is always kept); pruned at start and daily. Zero means 90 days.
	KeepRuns time.Duration
}

// leaseName is the leases row that makes one scheduler per database.
const leaseName = "scheduler"

// cancelGrace is how long Stop waits, after its deadline, for cancelled
// runs to record their outcome.
const cancelGrace = 2 * time.Second

// Scheduler runs jobs. Create it with New, give it jobs with Start (or, to
// only describe them, Reload), change them with Reload, end with Stop.
type Scheduler struct {
	cfg    Config
	log    *slog.Logger
	store  Store
	now    func() time.Time
	holder string

	mu      sync.Mutex
	regs    map[JobName]*registration
	states  map[JobName]*jobState // survives reloads
	cron    *cron.Cron
	started bool
	closing bool // Stop was called
	// leaseLost: another process took the lease, or this one could not
	// renew it before it expired; no new runs.
	leaseLost bool
	// leaseExpires is when the lease as last taken or renewed runs out.
	leaseExpires time.Time
	runCtx       context.Context
	cancel       context.CancelFunc
	wg           sync.WaitGroup // every run goroutine
	leaseEnd     chan struct{}  // closed to stop the renewal loop
	leaseWG      sync.WaitGroup
	lost         chan struct{} // closed if the lease is lost
	lostOnce     sync.Once
}

// registration is a job as scheduled: its parsed spec and cron entry.
type registration struct {
	job   Job
	sched cron.Schedule // nil: triggered only
	zone  *time.Location
	entry cron.EntryID

	cursorMu sync.Mutex
	cursor   time.Time // newest slot handed to a scheduled run
}

// jobState serializes a job's runs across triggers and reloads.
type jobState struct {
	mu      sync.Mutex
	pending atomic.Bool // a triggered run is queued
	running atomic.Bool
}

// New returns a scheduler; nothing runs until Start.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("schedule: config has no store")
	}
	if cfg.Location == nil {
		// No silent default: the server's zone (time.Local) is rarely the
		// paper's, and a digest at 07:00 UTC instead of Beijing is a bug
		// no test on a UTC machine would show.
		return nil, errors.New("schedule: config has no time zone: pass the site's (site.time_zone)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.Holder == "" {
		cfg.Holder = newHolder()
	}
	if cfg.KeepRuns <= 0 {
		cfg.KeepRuns = 90 * 24 * time.Hour
	}
	return &Scheduler{
		cfg: cfg, log: cfg.Logger, store: cfg.Store, now: cfg.Now, holder: cfg.Holder,
		regs: map[JobName]*registration{}, states: map[JobName]*jobState{},
		lost: make(chan struct{}),
	}, nil
}

// Holder is the name this scheduler holds the lease under.
func (s *Scheduler) Holder() string { return s.holder }

// LeaseLost is closed if another process took the lease over (this one
// stalled past LeaseTTL): the scheduler has stopped taking runs and the
// daemon should exit.
func (s *Scheduler) LeaseLost() <-chan struct{} { return s.lost }

// build parses every job's spec; any error leaves the scheduler unchanged.
func (s *Scheduler) build(jobs []Job) (map[JobName]*registration, error) {
	regs := make(map[JobName]*registration, len(jobs))
	var errs []error
	for _, j := range jobs {
		if j.Name == "" {
			errs = append(errs, errors.New("job with no name"))
			continue
		}
		if _, dup := regs[j.Name]; dup {
			errs = append(errs, fmt.Errorf("job %s: defined twice", j.Name))
			continue
		}
		if j.Run == nil {
			errs = append(errs, fmt.Errorf("job %s: no run function", j.Name))
			continue
		}
		r := &registration{job: j}
		if j.Spec != "" {
			loc := j.Location
			if loc == nil {
				loc = s.cfg.Location
			}
			sched, err := ParseSpec(j.Spec, loc)
			if err != nil {
				errs = append(errs, fmt.Errorf("job %s: %w", j.Name, err))
				continue
			}
			r.sched, r.zone = sched, scheduleZone(sched)
		}
		regs[j.Name] = r
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	return regs, nil
}

// sameSchedule reports whether a reload to n can keep r's cron entry.
func (r *registration) sameSchedule(n *registration) bool {
	if r.job.Spec != n.job.Spec || (r.sched == nil) != (n.sched == nil) {
		return false
	}
	if r.zone == nil || n.zone == nil {
		return r.zone == n.zone
	}
	return r.zone.String() == n.zone.String()
}

// Start takes the scheduler lease, registers jobs, resumes runs a crash or
// shutdown cut short, catches up missed slots and starts the cron. It fails
// with an error wrapping ErrLeaseHeld if another process runs the schedule
// on this database. ctx bounds the start-up work; runs get a context that
// keeps ctx's values but is cancelled only by Stop.
func (s *Scheduler) Start(ctx context.Context, jobs []Job) error {
	regs, err := s.build(jobs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.started || s.closing {
		s.mu.Unlock()
		return errors.New("schedule: start: already started")
	}
	s.mu.Unlock()
	if err := s.acquireLease(ctx); err != nil {
		return err
	}
	c := cron.New(
		cron.WithLocation(s.cfg.Location),
		cron.WithLogger(cronLogger{s.log}),
		// Skip must wrap Recover: the other order never gives the skip slot
		// back after a panic and the job silently stops running.
		cron.WithChain(jobChain(cronLogger{s.log})...),
	)
	s.mu.Lock()
	s.cron = c
	s.runCtx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.leaseEnd = make(chan struct{})
	s.started = true
	s.regs = map[JobName]*registration{}
	s.install(regs)
	s.mu.Unlock()

	if err := s.resumeUnfinished(ctx); err != nil {
		s.log.Error("schedule_resume_failed", "error", err)
	}
	if err := s.catchUp(ctx); err != nil {
		s.log.Error("schedule_catchup_failed", "error", err)
	}
	s.prune(ctx)
	c.Start()
	s.leaseWG.Add(1)
	go s.renewLease()
	s.log.Info("schedule_started", "jobs", len(regs), "holder", s.holder)
	return nil
}

// prune deletes finished runs older than KeepRuns.
func (s *Scheduler) prune(ctx context.Context) {
	n, err := s.store.PruneJobRuns(ctx, s.now().Add(-s.cfg.KeepRuns))
	if err != nil {
		s.log.Error("job_runs_prune_failed", "error", err)
		return
	}
	if n > 0 {
		s.log.Info("job_runs_pruned", "deleted", n)
	}
}

// jobChain is the wrapper chain for cron-fired runs, outermost first.
func jobChain(l cron.Logger) []cron.JobWrapper {
	return []cron.JobWrapper{cron.SkipIfStillRunning(l), cron.Recover(l)}
}

// install adds regs to s.regs and, once started, to the cron. s.mu is held.
func (s *Scheduler) install(regs map[JobName]*registration) {
	for name, r := range regs {
		if _, ok := s.states[name]; !ok {
			s.states[name] = &jobState{}
		}
		if s.cron != nil && r.sched != nil {
			r.cursor = s.now()
			r.entry = s.cron.Schedule(r.sched, cron.FuncJob(func() { s.fire(r) }))
		}
		s.regs[name] = r
	}
}

// Reload swaps the job set: new jobs are added, removed ones dropped, and
// a job whose spec and zone did not change keeps its cron entry (so its
// next run is not lost) but runs its new settings from then on. Runs in
// flight finish under the settings they started with. Missed slots are then
// caught up as at Start. On a bad spec nothing changes.
func (s *Scheduler) Reload(ctx context.Context, jobs []Job) error {
	regs, err := s.build(jobs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return fmt.Errorf("schedule: reload: %w", ErrStopped)
	}
	fresh := map[JobName]*registration{}
	var respec []JobName // slot-keyed jobs whose schedule changed
	for name, n := range regs {
		old, ok := s.regs[name]
		if ok && old.sameSchedule(n) {
			old.job = n.job
			continue
		}
		if ok && n.job.SlotKeyed && n.sched != nil {
			respec = append(respec, name)
		}
		fresh[name] = n
	}
	for name, old := range s.regs {
		if n, ok := regs[name]; ok && old.sameSchedule(n) {
			continue
		}
		if s.cron != nil && old.entry != 0 {
			s.cron.Remove(old.entry)
		}
		delete(s.regs, name)
	}
	s.install(fresh)
	started := s.started
	s.mu.Unlock()
	s.log.Info("schedule_reloaded", "jobs", len(regs), "changed", len(fresh))
	// A changed schedule starts now: its slots before the change were never
	// due, so catch-up must not take them for missed ones (moving a digest
	// from 07:00 to 07:15 at 07:30 must not send it again).
	now := s.now()
	for _, name := range respec {
		if err := s.store.AdvanceJobSlot(ctx, string(name), now); err != nil {
			return fmt.Errorf("schedule: reload: %w", err)
		}
	}
	if started {
		if err := s.catchUp(ctx); err != nil {
			return fmt.Errorf("schedule: reload: %w", err)
		}
	}
	return nil
}

// begin registers a run goroutine unless the scheduler is stopping.
func (s *Scheduler) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.leaseLost {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Scheduler) current(name JobName) (*registration, *jobState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.regs[name]
	if !ok {
		return nil, nil, false
	}
	return r, s.states[name], true
}

// fire is a cron-fired run of r.
func (s *Scheduler) fire(r *registration) {
	if !s.begin() {
		return
	}
	defer s.wg.Done()
	s.mu.Lock()
	job, st := r.job, s.states[r.job.Name]
	s.mu.Unlock()
	slot := r.nextSlot(s.now())
	st.mu.Lock()
	defer st.mu.Unlock()
	s.execute(job, r, slot, TriggerSchedule, false, false)
}

// nextSlot is the slot a cron fire at now is for: the newest scheduled
// time after the previous fire's slot and not after now.
func (r *registration) nextSlot(now time.Time) time.Time {
	r.cursorMu.Lock()
	defer r.cursorMu.Unlock()
	slot, ok := newestSlot(r.sched, r.cursor, now)
	if !ok { // the clock is behind the cron's timer
		slot = now.Truncate(time.Second)
	}
	r.cursor = slot
	return slot
}

// execute claims slot for job and runs it. The caller holds the job's lock.
func (s *Scheduler) execute(job Job, r *registration, slot time.Time, trigger Trigger, resume, foreign bool) {
	if job.SlotKeyed && r != nil && r.sched != nil && (trigger == TriggerSchedule || trigger == TriggerCatchUp) {
		if earlier, ok := repeatedWallClock(slot, r.zone); ok && r.sched.Next(earlier.Add(-time.Nanosecond)).Equal(earlier) {
			s.record(job, slot, trigger, store.OutcomeSkipped,
				fmt.Sprintf("dst_repeat: wall-clock time %s already ran at %s", slot.In(r.zone).Format(time.DateTime), earlier.UTC().Format(time.RFC3339)))
			return
		}
	}
	run := store.JobRun{Job: string(job.Name), Slot: slot, Trigger: string(trigger), Outcome: store.OutcomeRunning, StartedAt: s.now()}
	if err := s.store.ClaimJobRun(s.runCtx, run, resume); err != nil {
		if errors.Is(err, store.ErrSlotTaken) {
			s.log.Warn("job_run_refused", "job", job.Name, "slot", slot, "trigger", trigger, "error", err)
		} else {
			s.log.Error("job_run_claim_failed", "job", job.Name, "slot", slot, "error", err)
		}
		return
	}
	s.runClaimed(job, run, foreign)
}

// runClaimed runs a claimed run and records how it ended. A foreign run,
// one another process started (a command's, resumed here), does not move
// the job's last slot: its scheduled slots before it must still be caught
// up.
func (s *Scheduler) runClaimed(job Job, run store.JobRun, foreign bool) {
	st := s.state(job.Name)
	st.running.Store(true)
	defer st.running.Store(false)
	start := time.Now()
	err := s.callWithRetry(job, run.Slot, Trigger(run.Trigger))
	run.FinishedAt = s.now()
	run.Duration = time.Since(start)
	switch {
	case err == nil:
		run.Outcome = store.OutcomeOK
	case errors.Is(err, ErrSkip):
		run.Outcome, run.Error = store.OutcomeSkipped, err.Error()
	case s.runCtx.Err() != nil && errors.Is(err, context.Canceled):
		run.Outcome, run.Error = store.OutcomeInterrupted, err.Error()
	default:
		run.Outcome, run.Error = store.OutcomeFailed, err.Error()
	}
	advance := job.SlotKeyed && run.Outcome != store.OutcomeInterrupted && Trigger(run.Trigger) != TriggerManual && !foreign
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.runCtx), 10*time.Second)
	defer cancel()
	if err := s.store.FinishJobRun(ctx, run, advance); err != nil {
		s.log.Error("job_run_record_failed", "job", run.Job, "slot", run.Slot, "error", err)
	}
	s.logRun(run)
}

// record stores a run that did not run (missed, skipped).
func (s *Scheduler) record(job Job, slot time.Time, trigger Trigger, outcome store.Outcome, msg string) {
	now := s.now()
	run := store.JobRun{Job: string(job.Name), Slot: slot, Trigger: string(trigger), Outcome: outcome, Error: msg, StartedAt: now, FinishedAt: now}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.runCtx), 10*time.Second)
	defer cancel()
	if err := s.store.RecordJobRun(ctx, run, job.SlotKeyed); err != nil {
		if errors.Is(err, store.ErrSlotTaken) {
			s.log.Warn("job_run_refused", "job", job.Name, "slot", slot, "trigger", trigger, "error", err)
		} else {
			s.log.Error("job_run_record_failed", "job", job.Name, "slot", slot, "error", err)
		}
		return
	}
	s.logRun(run)
}

// logRun writes the one log line per run and feeds OnRun.
func (s *Scheduler) logRun(run store.JobRun) {
	level := slog.LevelInfo
	switch run.Outcome {
	case store.OutcomeFailed:
		level = slog.LevelError
	case store.OutcomeMissed, store.OutcomeInterrupted:
		level = slog.LevelWarn
	}
	attrs := []any{"job", run.Job, "slot", run.Slot.UTC(), "trigger", run.Trigger, "outcome", run.Outcome, "duration_ms", run.Duration.Milliseconds()}
	if run.Error != "" {
		attrs = append(attrs, "error", run.Error)
	}
	s.log.Log(context.Background(), level, "job_run", attrs...)
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(run)
	}
}

// callWithRetry calls job.Run and, while it fails and the job's retry
// policy allows, calls it again.
func (s *Scheduler) callWithRetry(job Job, slot time.Time, trigger Trigger) error {
	deadline := slot.Add(job.CatchUp)
	delay := job.Retry.Base
	for attempt := 1; ; attempt++ {
		err := s.call(job, slot, trigger)
		if err == nil || errors.Is(err, ErrSkip) || s.runCtx.Err() != nil {
			return err
		}
		if delay <= 0 || job.CatchUp <= 0 || !job.SlotKeyed {
			return err
		}
		if s.now().Add(delay).After(deadline) {
			return fmt.Errorf("gave up after %d attempt(s), the catch-up window ends %s: %w", attempt, deadline.UTC().Format(time.RFC3339), err)
		}
		s.log.Warn("run_failed_retrying", "job", job.Name, "slot", slot.UTC(), "attempt", attempt, "retry_in", delay, "error", err)
		t := time.NewTimer(delay)
		select {
		case <-s.runCtx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = 2 * delay
		if job.Retry.Max > 0 {
			delay = min(delay, job.Retry.Max)
		}
	}
}

// call runs job.Run, turning a panic into an error so the run is recorded
// as failed and the job keeps its schedule.
func (s *Scheduler) call(job Job, slot time.Time, trigger Trigger) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("job_panic", "job", job.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return job.Run(s.runCtx, slot, trigger)
}

func (s *Scheduler) state(name JobName) *jobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[name]
	if !ok {
		st = &jobState{}
		s.states[name] = st
	}
	return st
}

// RunNow starts a run of the named job at once (trigger manual, slot = now)
// and returns its claimed record without waiting for it to finish. It fails
// with ErrUnknownJob, ErrBusy (a run of the job is in progress) or
// ErrStopped.
//
// name is taken as given (e.g. from a URL), hence a plain string.
func (s *Scheduler) RunNow(ctx context.Context, name string) (store.JobRun, error) {
	r, st, ok := s.current(JobName(name))
	if !ok {
		return store.JobRun{}, fmt.Errorf("schedule: run %s: %w", name, ErrUnknownJob)
	}
	if !s.isStarted() {
		return store.JobRun{}, fmt.Errorf("schedule: run %s: %w", name, ErrStopped)
	}
	if !st.mu.TryLock() {
		return store.JobRun{}, fmt.Errorf("schedule: run %s: %w", name, ErrBusy)
	}
	if !s.begin() {
		st.mu.Unlock()
		return store.JobRun{}, fmt.Errorf("schedule: run %s: %w", name, ErrStopped)
	}
	s.mu.Lock()
	job := r.job
	s.mu.Unlock()
	run := store.JobRun{Job: name, Slot: s.now().Truncate(time.Microsecond), Trigger: string(TriggerManual), Outcome: store.OutcomeRunning}
	run.StartedAt = run.Slot
	if err := s.store.ClaimJobRun(ctx, run, false); err != nil {
		st.mu.Unlock()
		s.wg.Done()
		return store.JobRun{}, fmt.Errorf("schedule: run %s: %w", name, err)
	}
	go func() {
		defer s.wg.Done()
		defer st.mu.Unlock()
		s.runClaimed(job, run, false)
	}()
	return run, nil
}

// Trigger asks for a run of the named job soon (slot = when it starts),
// after any run in progress. Triggers that arrive while one is already
// queued are folded into it. It does not wait for the run.
func (s *Scheduler) Trigger(name JobName, trigger Trigger) error {
	_, st, ok := s.current(name)
	if !ok {
		return fmt.Errorf("schedule: trigger %s: %w", name, ErrUnknownJob)
	}
	if !s.isStarted() {
		return fmt.Errorf("schedule: trigger %s: %w", name, ErrStopped)
	}
	if !st.pending.CompareAndSwap(false, true) {
		return nil
	}
	if !s.begin() {
		st.pending.Store(false)
		return fmt.Errorf("schedule: trigger %s: %w", name, ErrStopped)
	}
	go func() {
		defer s.wg.Done()
		st.mu.Lock()
		defer st.mu.Unlock()
		st.pending.Store(false)
		r, _, ok := s.current(name)
		if !ok || s.isClosing() {
			return
		}
		s.mu.Lock()
		job := r.job
		s.mu.Unlock()
		s.execute(job, r, s.now().Truncate(time.Microsecond), trigger, false, false)
	}()
	return nil
}

func (s *Scheduler) isStarted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started && !s.closing && !s.leaseLost
}

func (s *Scheduler) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing || s.leaseLost
}

// jobView is a registration's job and schedule at one moment.
type jobView struct {
	job   Job
	sched cron.Schedule
	zone  *time.Location
}

// snapshot lists the registrations with their current jobs, by name.
func (s *Scheduler) snapshot() []jobView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]jobView, 0, len(s.regs))
	for _, r := range s.regs {
		out = append(out, jobView{job: r.job, sched: r.sched, zone: r.zone})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].job.Name < out[j].job.Name })
	return out
}

// resumeUnfinished runs again the runs a crash or shutdown cut short, if
// their slot is still within the catch-up window, and closes the others as
// failed. Besides the job's unfinished job_runs, it takes the slots the
// job's own records hold as unfinished (Job.Unfinished). Only Start calls
// it: holding the lease, nobody else runs them.
func (s *Scheduler) resumeUnfinished(ctx context.Context) error {
	now := s.now()
	var errs []error
	for _, r := range s.snapshot() {
		runs, err := s.unfinished(ctx, r.job)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, u := range runs {
			run := u.run
			if r.job.SlotKeyed && r.job.CatchUp > 0 && now.Sub(run.Slot) <= r.job.CatchUp {
				s.spawn(r.job.Name, run.Slot, TriggerResume, true, !u.recorded)
				continue
			}
			reason := fmt.Sprintf("%s when the process stopped, and not resumed: no catch-up window or past it", run.Outcome)
			if r.job.Abandon != nil {
				if err := r.job.Abandon(ctx, run.Slot, reason); err != nil {
					errs = append(errs, fmt.Errorf("schedule: abandon %s at %s: %w", r.job.Name, run.Slot.UTC().Format(time.RFC3339), err))
					continue
				}
			}
			run.Error, run.Outcome = reason, store.OutcomeFailed
			run.FinishedAt = now
			if u.recorded {
				err = s.store.FinishJobRun(ctx, run, r.job.SlotKeyed)
			} else {
				// Started elsewhere (by a command): recorded here, but it
				// does not move the job's last slot.
				run.StartedAt = now
				err = s.store.RecordJobRun(ctx, run, false)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			s.logRun(run)
		}
	}
	return errors.Join(errs...)
}

// unfinishedRun is a run to resume or abandon at start; recorded is
// whether job_runs has it.
type unfinishedRun struct {
	run      store.JobRun
	recorded bool
}

// unfinished merges job's unfinished job_runs with the slots its own
// records hold as unfinished, oldest slot first, each slot once.
func (s *Scheduler) unfinished(ctx context.Context, job Job) ([]unfinishedRun, error) {
	runs, err := s.store.UnfinishedJobRuns(ctx, string(job.Name))
	if err != nil {
		return nil, err
	}
	out := make([]unfinishedRun, 0, len(runs))
	seen := map[time.Time]bool{}
	for _, run := range runs {
		seen[run.Slot.UTC()] = true
		out = append(out, unfinishedRun{run: run, recorded: true})
	}
	if job.Unfinished == nil {
		return out, nil
	}
	slots, err := job.Unfinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("schedule: unfinished runs of %s: %w", job.Name, err)
	}
	for _, slot := range slots {
		if seen[slot.UTC()] {
			continue
		}
		seen[slot.UTC()] = true
		if _, err := s.store.JobRunAt(ctx, string(job.Name), slot); err == nil {
			continue // finished here: the job's next run settles it
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		out = append(out, unfinishedRun{run: store.JobRun{Job: string(job.Name), Slot: slot,
			Trigger: string(TriggerResume), Outcome: store.OutcomeInterrupted}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].run.Slot.Before(out[j].run.Slot) })
	return out, nil
}

// catchUp looks, for each slot-keyed job with a spec, for the newest slot
// after its last completed one and not after now: within the job's
// catch-up window it runs once for that slot, otherwise it is recorded as
// missed. A job seen for the first time gets now as its baseline.
func (s *Scheduler) catchUp(ctx context.Context) error {
	now := s.now()
	var errs []error
	for _, r := range s.snapshot() {
		if !r.job.SlotKeyed || r.sched == nil {
			continue
		}
		last, err := s.store.JobLastSlot(ctx, string(r.job.Name))
		if errors.Is(err, store.ErrNotFound) {
			if err := s.store.InitJobSlot(ctx, string(r.job.Name), now); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		slot, ok := newestSlot(r.sched, last, now)
		if !ok {
			continue
		}
		if _, err := s.store.JobRunAt(ctx, string(r.job.Name), slot); err == nil {
			continue // running now, or resumed
		} else if !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		if r.job.CatchUp > 0 && now.Sub(slot) <= r.job.CatchUp {
			s.spawn(r.job.Name, slot, TriggerCatchUp, false, false)
			continue
		}
		s.record(r.job, slot, TriggerCatchUp, store.OutcomeMissed,
			fmt.Sprintf("missed: paperboy was not running at %s, and %s late is past the catch-up window of %s",
				slot.Format(time.RFC3339), now.Sub(slot).Round(time.Second), r.job.CatchUp))
	}
	return errors.Join(errs...)
}

// spawn runs name for slot in the background under the job's lock.
func (s *Scheduler) spawn(name JobName, slot time.Time, trigger Trigger, resume, foreign bool) {
	if !s.begin() {
		return
	}
	st := s.state(name)
	go func() {
		defer s.wg.Done()
		st.mu.Lock()
		defer st.mu.Unlock()
		// No closing check: a catch-up or resume decided at start runs even
		// if Stop follows at once, as a run the cron had started would.
		r, _, ok := s.current(name)
		if !ok {
			return
		}
		s.mu.Lock()
		job := r.job
		s.mu.Unlock()
		s.execute(job, r, slot, trigger, resume, foreign)
	}()
}

// Stop stops taking new runs, waits for running ones until ctx is done,
// then cancels their context (they are recorded as interrupted and resumed
// at the next start) and releases the lease. It returns an error if runs
// were still going at the deadline.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	c, started := s.cron, s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	c.Stop()
	close(s.leaseEnd)
	s.leaseWG.Wait()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		select {
		case <-done:
		case <-time.After(cancelGrace):
		}
		err = fmt.Errorf("schedule: stop: runs still going at the deadline were cancelled: %w", ctx.Err())
	}
	s.cancel()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if rerr := s.store.ReleaseLease(rctx, leaseName, s.holder); rerr != nil {
		err = errors.Join(err, fmt.Errorf("schedule: stop: %w", rerr))
	}
	s.log.Info("schedule_stopped")
	return err
}

// JobStatus describes one job for `paperboy schedule` and /admin/status.
type JobStatus struct {
	Name      JobName       `json:"name"`
	Spec      string        `json:"spec"`      // "" for a job that runs only when triggered
	TimeZone  string        `json:"time_zone"` // "" for @every and triggered jobs
	SlotKeyed bool          `json:"slot_keyed"`
	CatchUp   time.Duration `json:"catch_up_ns"`
	Next      []time.Time   `json:"next"` // the next three runs
	Running   bool          `json:"running"`
	LastRun   *store.JobRun `json:"last_run,omitempty"`
}

// Status lists the jobs by name with their next three runs and last run.
// It works before Start (after Reload), for `paperboy schedule`.
func (s *Scheduler) Status(ctx context.Context) ([]JobStatus, error) {
	now := s.now()
	var out []JobStatus
	for _, r := range s.snapshot() {
		js := JobStatus{Name: r.job.Name, Spec: r.job.Spec, SlotKeyed: r.job.SlotKeyed, CatchUp: r.job.CatchUp,
			Running: s.state(r.job.Name).running.Load()}
		if r.zone != nil {
			js.TimeZone = r.zone.String()
		}
		if r.sched != nil {
			js.Next = NextRuns(r.sched, now, 3)
			if r.zone != nil {
				for i := range js.Next {
					js.Next[i] = js.Next[i].In(r.zone)
				}
			}
		}
		last, err := s.store.LastJobRun(ctx, string(r.job.Name))
		switch {
		case err == nil:
			js.LastRun = &last
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("schedule: status: %w", err)
		}
		out = append(out, js)
	}
	return out, nil
}

// cronLogger sends robfig/cron's logging to slog; its chatty Info lines
// (every wake-up) go to Debug, except skipped runs.
type cronLogger struct{ l *slog.Logger }

// Info implements cron.Logger.
func (c cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		c.l.Warn("cron_run_skipped", "reason", "previous run still running")
		return
	}
	c.l.Debug("cron_event", append([]any{"event", msg}, kv...)...)
}

// Error implements cron.Logger.
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron_error", append([]any{"event", msg, "error", err}, kv...)...)
}
