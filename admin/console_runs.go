package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

func (c *Console) runNow(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	job := r.PathValue("job")
	run, err := c.cfg.Scheduler.RunNow(r.Context(), job)
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/admin/") {
		back = "/admin/"
	}
	switch {
	case err == nil:
		c.audit1(r.Context(), ss, "run", job, "", run.Slot.In(v.Loc).Format(time.DateTime))
		c.log.Info("admin_job_run", "job", job, "actor", ss.Actor)
		redirect(w, r, back, site.Fill(v.W.RunStarted, "job", job))
	case errors.Is(err, schedule.ErrBusy):
		redirect(w, r, back, site.Fill(v.W.RunBusy, "job", job))
	case errors.Is(err, schedule.ErrStopped):
		// A standby instance, or one shutting down: the schedule runs
		// elsewhere.
		redirect(w, r, back, v.W.RunElsewhere)
	case errors.Is(err, schedule.ErrUnknownJob):
		http.Error(w, err.Error(), http.StatusNotFound)
	default:
		c.fail(w, "run", err)
	}
}

type runData struct {
	Run        store.DigestRun
	Counts     store.DeliveryCounts
	Deliveries []store.Delivery
	Duration   string
	Job        string
	// CanResume: unfinished and within its window; CanRetry: finished
	// with failures, within its window.
	CanResume, CanRetry bool
	// ArchiveURL is the run's page in the web archive of digests, once
	// it has sent anything.
	ArchiveURL string
}

func (c *Console) loadRun(r *http.Request) (runData, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return runData{}, fmt.Errorf("run %q: %w", r.PathValue("id"), store.ErrNotFound)
	}
	ctx := r.Context()
	var d runData
	if d.Run, err = c.cfg.Store.DigestRunByID(ctx, id); err != nil {
		return d, err
	}
	if d.Counts, err = c.cfg.Store.DeliveryCounts(ctx, id); err != nil {
		return d, err
	}
	if d.Deliveries, err = c.cfg.Store.RunDeliveries(ctx, id, 1000); err != nil {
		return d, err
	}
	if !d.Run.Finished.IsZero() {
		d.Duration = d.Run.Finished.Sub(d.Run.Created).Round(time.Millisecond).String()
	}
	d.Job = string(mailer.JobName(d.Run.Digest))
	cfg, m := c.cfg.Current()
	if d.Counts.Sent > 0 && m != nil {
		d.ArchiveURL = m.IssueURL(d.Run.Digest, d.Run.Slot)
	}
	if dg, err := cfg.Digest(d.Run.Digest); err == nil {
		end, open := mailer.WindowEnd(d.Run.Slot, dg.CatchUp)
		open = open && !c.cfg.Now().After(end)
		d.CanResume = open && d.Run.Status == store.RunSending
		d.CanRetry = open && d.Run.Status != store.RunSending && d.Counts.Failed > 0
	}
	return d, nil
}

// runOrFail loads the request's run, or answers 404 or 500.
func (c *Console) runOrFail(w http.ResponseWriter, r *http.Request) (runData, bool) {
	d, err := c.loadRun(r)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return d, false
	}
	if err != nil {
		c.fail(w, "run", err)
		return d, false
	}
	return d, true
}

func (c *Console) runPage(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	d, ok := c.runOrFail(w, r)
	if !ok {
		return
	}
	v.Data = d
	c.render(w, http.StatusOK, "run", v)
}

// retry sends a run's failed messages again: they are queued again and
// the digest's job runs now, which resumes the reopened run within its
// window and sends only them.
func (c *Console) retry(w http.ResponseWriter, r *http.Request, ss *session, v *view) {
	d, ok := c.runOrFail(w, r)
	if !ok {
		return
	}
	back := "/admin/runs/" + strconv.FormatInt(d.Run.ID, 10)
	if !d.CanRetry {
		http.Error(w, "this run cannot be retried: it has no failed messages, is still sending, or its catch-up window has closed", http.StatusConflict)
		return
	}
	n, err := c.cfg.Store.RetryFailedDeliveries(r.Context(), d.Run.ID)
	if err != nil {
		c.fail(w, "retry", err)
		return
	}
	flash := site.Fill(v.W.Retried, "count", strconv.Itoa(n))
	if _, err := c.cfg.Scheduler.RunNow(r.Context(), d.Job); errors.Is(err, schedule.ErrBusy) {
		// Queued: the digest's next run within the window resumes it;
		// "resume" on this page asks for one as soon as this one ends.
		flash = site.Fill(v.W.RunBusy, "job", d.Job)
	} else if err != nil {
		c.fail(w, "retry", err)
		return
	}
	c.audit1(r.Context(), ss, "retry", d.Job, "run "+strconv.FormatInt(d.Run.ID, 10), strconv.Itoa(n))
	redirect(w, r, back, flash)
}
