package mailer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

// A digest run's life, in one place. A run is one row of digest_runs per
// (digest, slot), created with its whole outbox; digest_runs is the record
// of the run, and job_runs only logs when the daemon's scheduler ran the
// job. The rules, for whoever starts next (the daemon or `paperboy digest`):
//
//   - A run sends only within its window, from its slot to slot+CatchUp,
//     checked before every message: past it, what is left is recorded as
//     skipped and the run is closed, so nothing ever goes out late.
//   - An unfinished run (a crash, a kill, a shutdown, an error) is resumed,
//     sending only what is pending, while its window is open, and closed
//     past it. The next run of the digest, or the next start of a process,
//     settles it, whichever comes first.
//   - A closed run is done if it sent anything, failed if not, so that the
//     next run covers its articles again.
//   - The first run takes the latest edition only if it is dated within
//     the digest's period (selectArticles).

// RunResult is what a run did, counted over the whole run (including
// earlier attempts when it was resumed).
type RunResult struct {
	RunID   int64
	Digest  string
	Slot    time.Time
	Status  store.RunStatus
	Subject string
	// Articles is how many articles the digest lists.
	Articles int
	// Resumed is true when the run existed before this call.
	Resumed bool
	// Error says why a run was skipped or closed.
	Error string
	// Closed is true when this call closed the run: past its window, what
	// it had not sent was recorded as skipped.
	Closed                         bool
	Sent, Failed, Skipped, Pending int
}

// ErrPastWindow is returned, wrapped, for a slot whose catch-up window
// closed before its run was created: it is not created.
var ErrPastWindow = errors.New("past the digest's catch-up window")

// JobName is the scheduler job that sends digest name.
func JobName(digest string) schedule.JobName { return schedule.JobName("digest:" + digest) }

// Retry is the retry policy of digest jobs: a run that failed (the
// database busy, a list file being rewritten) is tried again while its
// slot's window is open.
var Retry = schedule.Retry{Base: 30 * time.Second, Max: 10 * time.Minute}

// DigestJob is the scheduler's description of digest name's job: slot-keyed
// with the digest's catch-up window, retried within it. It has no work; Job
// adds it. `paperboy schedule` lists it as it is.
func DigestJob(name, spec string, loc *time.Location, catchUp time.Duration) schedule.Job {
	return schedule.Job{Name: JobName(name), Spec: spec, Location: loc, SlotKeyed: true, CatchUp: catchUp, Retry: Retry}
}

// Job is digest name's scheduler job with its work on this mailer: runs go
// through Run, runs the scheduler will not resume are closed,
// and the digest's unfinished runs, whoever started them, are offered for
// resuming at start. progress, if set, gives each run's progress callback.
func (m *Digests) Job(name, spec string, loc *time.Location, progress func() func(Progress)) (schedule.Job, error) {
	d, err := m.digest(name)
	if err != nil {
		return schedule.Job{}, err
	}
	job := DigestJob(name, spec, loc, d.CatchUp)
	job.Run = func(ctx context.Context, slot time.Time, trigger schedule.Trigger) error {
		if trigger == schedule.TriggerManual {
			// A run asked for by hand (the admin console's "run now")
			// is `paperboy digest NAME`'s: an unfinished run within its
			// window is resumed as the run, else one starts for now.
			slot = time.Time{}
		}
		var p func(Progress)
		if progress != nil {
			p = progress()
		}
		res, err := m.Run(ctx, name, slot, WithProgress(p))
		switch {
		case errors.Is(err, ErrPastWindow):
			return fmt.Errorf("%w: %w", schedule.ErrSkip, err)
		case err != nil:
			return err
		case res.Status == store.RunSkipped:
			return fmt.Errorf("%w: %s", schedule.ErrSkip, res.Error)
		case res.Closed:
			// Not retried: the window is closed.
			return fmt.Errorf("digest %s: %s", name, res.Error)
		case res.Pending > 0 || res.Failed > 0:
			m.log.Warn("digest_incomplete", "digest", name, "sent", res.Sent, "failed", res.Failed, "pending", res.Pending, "skipped", res.Skipped)
		}
		return nil
	}
	job.Abandon = func(ctx context.Context, slot time.Time, reason string) error {
		_, err := m.Abandon(ctx, name, slot, reason)
		return err
	}
	job.Unfinished = func(ctx context.Context) ([]time.Time, error) {
		runs, err := m.unfinished(ctx, name)
		slots := make([]time.Time, len(runs))
		for i, r := range runs {
			slots[i] = r.Slot
		}
		return slots, err
	}
	return job, nil
}

// Run is the one entry point to a digest run, for the daemon's scheduler
// (the slot it fires for) and for `paperboy digest NAME` (a zero slot:
// now). First it settles the digest's unfinished runs, whoever started
// them: each is resumed within its window, sending only what is pending,
// and closed past it. Then, for a slot, it creates the run and sends it,
// or resumes it if it exists and is unfinished; a finished run is returned
// as it is, sending nothing. For now, a resumed run is the run (no new one
// starts, so a digest interrupted and run again is sent once); otherwise
// it runs the digest for the current second.
//
// If ctx is cancelled, it stops taking new messages, lets those in flight
// finish, and returns an error wrapping ctx's with the rest left pending.
func (m *Digests) Run(ctx context.Context, name string, slot time.Time, opts ...RunOption) (RunResult, error) {
	var (
		res      RunResult
		err      error
		progress func(Progress)
	)
	for _, o := range opts {
		progress = o.progress
	}
	if slot.IsZero() {
		res, err = m.runNow(ctx, name, progress)
	} else {
		res, err = m.run(ctx, name, slot.UTC(), progress)
	}
	if err != nil {
		when := "now"
		if !slot.IsZero() {
			when = "for " + slot.UTC().Format(time.RFC3339)
		}
		return res, fmt.Errorf("mailer: run digest %s %s: %w", name, when, err)
	}
	return res, nil
}

// RunOption adjusts a Run.
type RunOption struct{ progress func(Progress) }

// WithProgress has Run call progress (from one goroutine) a few times a
// second while it sends, and once at the end.
func WithProgress(progress func(Progress)) RunOption { return RunOption{progress: progress} }

func (m *Digests) run(ctx context.Context, name string, slot time.Time, progress func(Progress)) (RunResult, error) {
	d, err := m.digest(name)
	if err != nil {
		return RunResult{Digest: name, Slot: slot}, err
	}
	open, err := m.unfinished(ctx, name)
	if err != nil {
		return RunResult{Digest: name, Slot: slot}, err
	}
	for _, r := range open {
		if !r.Slot.Before(slot) {
			continue
		}
		if _, _, err := m.settle(ctx, d, r, progress); err != nil {
			return RunResult{Digest: name, Slot: slot}, err
		}
	}
	return m.runSlot(ctx, d, slot, progress)
}

func (m *Digests) runNow(ctx context.Context, name string, progress func(Progress)) (RunResult, error) {
	d, err := m.digest(name)
	if err != nil {
		return RunResult{Digest: name}, err
	}
	open, err := m.unfinished(ctx, name)
	if err != nil {
		return RunResult{Digest: name}, err
	}
	var resumed *RunResult
	for _, r := range open {
		res, ok, err := m.settle(ctx, d, r, progress)
		if err != nil {
			return res, err
		}
		if ok {
			resumed = &res
		}
	}
	if resumed != nil {
		return *resumed, nil
	}
	return m.runSlot(ctx, d, m.cfg.Now().UTC().Truncate(time.Second), progress)
}

// unfinished lists digest name's runs still sending, oldest slot first.
func (m *Digests) unfinished(ctx context.Context, name string) ([]store.DigestRun, error) {
	all, err := m.store.UnfinishedDigestRuns(ctx)
	if err != nil {
		return nil, err
	}
	var runs []store.DigestRun
	for _, r := range all {
		if r.Digest == name {
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// settle resumes an unfinished run within its window (resumed true) or
// closes it past it.
func (m *Digests) settle(ctx context.Context, d *digestConf, r store.DigestRun, progress func(Progress)) (res RunResult, resumed bool, err error) {
	if m.open(d, r.Slot) {
		m.log.Info("digest_run_resuming", "digest", d.Name, "run", r.ID, "run_slot", r.Slot)
		res, err = m.runSlot(ctx, d, r.Slot, progress)
		return res, true, err
	}
	res, err = m.close(ctx, d.Name, r, m.pastWindow(d, r.Slot))
	return res, false, err
}

// WindowEnd is when the window of a digest's run for slot closes: nothing
// of it is sent later, and an unfinished run is closed rather than resumed
// after it. ok is false for a digest without a window (catch-up zero).
func WindowEnd(slot time.Time, catchUp time.Duration) (end time.Time, ok bool) {
	if catchUp <= 0 {
		return time.Time{}, false
	}
	return slot.Add(catchUp), true
}

// open reports whether slot's window is open now: an unfinished run may
// be resumed, a new one created.
func (m *Digests) open(d *digestConf, slot time.Time) bool {
	end, ok := WindowEnd(slot, d.CatchUp)
	return ok && !m.cfg.Now().After(end)
}

// pastWindow is the reason recorded for what a run did not send.
func (m *Digests) pastWindow(d *digestConf, slot time.Time) string {
	if d.CatchUp == 0 {
		return "the run was cut short and the digest has no catch-up window (catch_up = 0)"
	}
	end, _ := WindowEnd(slot, d.CatchUp)
	return fmt.Sprintf("past the catch-up window (%s after the slot, %s)", d.CatchUp, end.UTC().Format(time.RFC3339))
}

// runSlot creates or resumes the run of d for slot and sends it within
// its window.
func (m *Digests) runSlot(ctx context.Context, d *digestConf, slot time.Time, progress func(Progress)) (RunResult, error) {
	res := RunResult{Digest: d.Name, Slot: slot}
	var arts []content.Article
	run, err := m.store.DigestRunBySlot(ctx, d.Name, slot)
	switch {
	case err == nil:
		res.Resumed = true
		if run.Status == store.RunSending && !m.open(d, slot) {
			return m.close(ctx, d.Name, run, m.pastWindow(d, slot))
		}
	case errors.Is(err, store.ErrNotFound):
		if end, ok := WindowEnd(slot, d.CatchUp); ok && m.cfg.Now().After(end) {
			return res, fmt.Errorf("%w: its window closed at %s", ErrPastWindow, end.UTC().Format(time.RFC3339))
		}
		if run, arts, err = m.createRun(ctx, d, slot); err != nil {
			return res, err
		}
	default:
		return res, err
	}
	res.RunID, res.Status, res.Subject, res.Articles, res.Error = run.ID, run.Status, run.Subject, len(run.ArticleIDs), run.Error
	if run.Status == store.RunSending {
		if res.Resumed {
			if arts, err = m.frozenArticles(ctx, run.ArticleIDs); err != nil {
				return res, err
			}
		}
		m.log.Info("digest_run_sending", "digest", d.Name, "run", run.ID, "articles", len(arts), "resumed", res.Resumed)
		err = m.deliver(ctx, d, run, arts, progress)
	}
	if errors.Is(err, errWindowClosed) {
		return m.close(ctx, d.Name, run, m.pastWindow(d, slot))
	}
	counts, cerr := m.store.DeliveryCounts(context.WithoutCancel(ctx), run.ID)
	if cerr != nil {
		return res, errors.Join(err, cerr)
	}
	res.Sent, res.Failed, res.Skipped, res.Pending = counts.Sent, counts.Failed, counts.Skipped, counts.Pending
	if err != nil {
		return res, err
	}
	if run.Status == store.RunSending {
		res.Status, err = m.finish(ctx, run, counts)
		m.log.Info("digest_run_finished", "digest", d.Name, "run", run.ID, "status", res.Status,
			"sent", counts.Sent, "failed", counts.Failed, "skipped", counts.Skipped)
	}
	return res, err
}

// createRun selects the articles and creates the run with its whole
// outbox; with nothing to send and SkipEmpty it records a skipped run
// saying why.
func (m *Digests) createRun(ctx context.Context, d *digestConf, slot time.Time) (store.DigestRun, []content.Article, error) {
	sel, err := m.selectArticles(ctx, d, slot)
	if err != nil {
		return store.DigestRun{}, nil, err
	}
	subject, err := m.subject(d, sel.articles, slot)
	if err != nil {
		return store.DigestRun{}, nil, err
	}
	run := store.DigestRun{
		Digest: d.Name, Slot: slot, Status: store.RunSending, Subject: subject,
		WindowStart: sel.windowStart, WindowEnd: sel.windowEnd,
		// Leaving any of the digest's lists stops the digest.
		Lists: d.Lists,
	}
	for _, a := range sel.articles {
		run.ArticleIDs = append(run.ArticleIDs, a.ID)
	}
	var rcpts iter.Seq[store.OutboxRecipient]
	if len(sel.articles) == 0 && d.SkipEmpty {
		run.Status, run.Error = store.RunSkipped, "skipped: "+sel.empty
		m.log.Info("digest_run_skipped", "digest", d.Name, "reason", sel.empty)
	} else {
		rcpts = m.recipients(ctx, d, slot)
	}
	run, created, err := m.store.CreateDigestRun(ctx, run, rcpts)
	if err != nil {
		return store.DigestRun{}, nil, err
	}
	if !created {
		// Another process created it between our look-up and now.
		arts, err := m.frozenArticles(ctx, run.ArticleIDs)
		return run, arts, err
	}
	return run, sel.articles, nil
}

// recipients yields the digest's recipients with their Message-IDs, which
// depend only on the digest, the slot and the address: a message sent
// again after a crash has the same one. One message per reader, however
// the lists spell the address: the store keeps the first delivery per
// address.Key. A reader that can stream its lists is read as the outbox
// is written, so a long list is never held; a list it cannot read ends
// the sequence with a recipient carrying the error, and the run is not
// created (nothing of the list is kept to fall back on).
func (m *Digests) recipients(ctx context.Context, d *digestConf, slot time.Time) iter.Seq[store.OutboxRecipient] {
	if s, ok := m.lists.reader.(ListStreamer); ok {
		var prepared error
		if p, ok := s.(listPreparer); ok {
			prepared = p.PrepareLists(ctx, d.Lists)
		}
		return func(yield func(store.OutboxRecipient) bool) {
			if prepared != nil {
				yield(store.OutboxRecipient{Err: fmt.Errorf("mailer: prepare lists: %w", prepared)})
				return
			}
			for _, list := range d.Lists {
				more := true
				err := m.lists.stream(ctx, s, list, func(addr string) bool {
					more = yield(store.OutboxRecipient{Address: addr, List: list, MessageID: m.messageID(d.Name, slot, addr)})
					return more
				})
				if err != nil {
					yield(store.OutboxRecipient{List: list, Err: fmt.Errorf("mailer: read list %s: %w", list, err)})
					return
				}
				if !more {
					return
				}
			}
		}
	}
	lists := m.lists.read(ctx, d.Lists)
	return func(yield func(store.OutboxRecipient) bool) {
		for _, list := range d.Lists {
			for _, addr := range lists[list] {
				if !yield(store.OutboxRecipient{Address: addr, List: list, MessageID: m.messageID(d.Name, slot, addr)}) {
					return
				}
			}
		}
	}
}

// finish closes a run whose deliveries are all settled: failed if nothing
// could be delivered, done otherwise.
func (m *Digests) finish(ctx context.Context, run store.DigestRun, c store.DeliveryCounts) (store.RunStatus, error) {
	status, msg := store.RunDone, ""
	if c.Sent == 0 && c.Failed > 0 {
		status, msg = store.RunFailed, fmt.Sprintf("all %d deliveries failed", c.Failed)
	}
	if err := m.store.FinishDigestRun(context.WithoutCancel(ctx), run.ID, status, msg); err != nil {
		return store.RunSending, err
	}
	return status, nil
}

// Abandon closes the unfinished run of digest name for slot, which will
// not be resumed (the scheduler found it past its window): its pending
// deliveries are recorded as skipped with reason. A slot with no run, or a
// finished one, is left alone.
func (m *Digests) Abandon(ctx context.Context, name string, slot time.Time, reason string) (RunResult, error) {
	slot = slot.UTC()
	run, err := m.store.DigestRunBySlot(ctx, name, slot)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return RunResult{Digest: name, Slot: slot}, nil // stopped before its outbox was created
	case err != nil:
		return RunResult{Digest: name, Slot: slot}, fmt.Errorf("mailer: abandon digest %s for %s: %w", name, slot.Format(time.RFC3339), err)
	}
	if d, derr := m.digest(name); derr == nil && run.Status == store.RunSending {
		reason = m.pastWindow(d, slot) + "; " + reason
	}
	res, err := m.close(ctx, name, run, reason)
	if err != nil {
		return res, fmt.Errorf("mailer: abandon digest %s for %s: %w", name, slot.Format(time.RFC3339), err)
	}
	return res, nil
}

// CloseRemoved closes the unfinished runs of digests this mailer does not
// have (removed from the configuration): nothing would ever resume them.
func (m *Digests) CloseRemoved(ctx context.Context) ([]RunResult, error) {
	open, err := m.store.UnfinishedDigestRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("mailer: close runs of removed digests: %w", err)
	}
	var out []RunResult
	for _, r := range open {
		if _, ok := m.digests[r.Digest]; ok {
			continue
		}
		res, err := m.close(ctx, r.Digest, r, "the digest was removed from the configuration")
		if err != nil {
			return out, fmt.Errorf("mailer: close run %d of removed digest %s: %w", r.ID, r.Digest, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// close ends run, if still sending, with its pending deliveries skipped:
// done if it sent anything, failed if not (so that the next run covers
// its articles again). The run's error says what happened, for `paperboy
// status`.
func (m *Digests) close(ctx context.Context, name string, run store.DigestRun, reason string) (RunResult, error) {
	ctx = context.WithoutCancel(ctx)
	res := RunResult{RunID: run.ID, Digest: name, Slot: run.Slot, Status: run.Status, Subject: run.Subject,
		Articles: len(run.ArticleIDs), Resumed: true, Error: run.Error}
	c, err := m.store.DeliveryCounts(ctx, run.ID)
	if err != nil {
		return res, err
	}
	if run.Status == store.RunSending {
		status := store.RunDone
		if c.Sent == 0 {
			status = store.RunFailed
		}
		notSent := c.Pending + c.Skipped
		why := "skipped"
		if inFlight := min(m.cfg.Connections, notSent); inFlight > 0 && c.Sent+c.Failed > 0 {
			// A sender stopped (killed, or at the window's end) while
			// each connection had a message on the wire: the server may
			// have taken those before their outcome was recorded, so
			// they count as not sent here but may have arrived.
			why = fmt.Sprintf("skipped; up to %d of them may have been in flight when the sender stopped", inFlight)
		}
		msg := fmt.Sprintf("closed with %d of %d sent, %d not sent (%s): %s",
			c.Sent, c.Sent+c.Failed+c.Skipped+c.Pending, notSent, why, reason)
		if c, err = m.store.CloseDigestRun(ctx, run.ID, status, msg, "not sent: "+reason); err != nil {
			return res, err
		}
		res.Status, res.Error, res.Closed = status, msg, true
		m.log.Warn("digest_run_closed", "digest", name, "run", run.ID, "status", status, "sent", c.Sent, "skipped", c.Skipped, "reason", reason)
	}
	res.Sent, res.Failed, res.Skipped, res.Pending = c.Sent, c.Failed, c.Skipped, c.Pending
	return res, nil
}

// Help sends with the instances sending runs (Config.Share): for every
// run still sending whose digest this configuration has and whose window
// is open, it claims and sends batches until none is left to claim. It
// never creates, finishes or closes a run: the scheduler's instance does.
// It returns how many messages it sent.
func (m *Digests) Help(ctx context.Context) (int, error) {
	if m.cfg.Share == nil {
		return 0, errors.New("mailer: help: this instance does not share sending (Config.Share)")
	}
	runs, err := m.store.UnfinishedDigestRuns(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, run := range runs {
		d, ok := m.digests[run.Digest]
		if !ok || !m.open(d, run.Slot) {
			continue
		}
		arts, err := m.frozenArticles(ctx, run.ArticleIDs)
		if err != nil {
			return sent, err
		}
		var last Progress
		err = m.deliver(ctx, d, run, arts, func(p Progress) { last = p })
		sent += last.Sent
		if err != nil && !errors.Is(err, errWindowClosed) {
			return sent, err
		}
	}
	return sent, nil
}
