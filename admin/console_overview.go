package admin

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

type runRow struct {
	ID                             int64
	Slot                           time.Time
	Status                         string
	Sent, Pending, Failed, Skipped int
	Duration                       string
	Errors                         []string
}

type digestRow struct {
	Name      string
	Job       string
	Spec      string
	Words     string
	Paused    bool
	Next      []time.Time
	Running   bool
	Runs      []runRow
	Lists     []string
	Topics    []string
	LastError string
}

type reasonCount struct {
	Reason string
	Count  int
}

type jobRow struct {
	Name    string
	Spec    string
	Words   string
	Next    []time.Time
	Running bool
	Last    *store.JobRun
}

type overviewData struct {
	Config   *config.LoadStatus
	Problems []string
	// Suppressed counts the addresses no digest goes to, by reason.
	Suppressed []reasonCount
	Digests    []digestRow
	Jobs       []jobRow
	Audit      []store.AuditEntry
}

const nextCount = 5

// nextRuns lists the next five runs of spec, in the zone the schedule
// is read in (the site's, or the spec's own CRON_TZ=), as the words
// describing it say.
func nextRuns(spec string, loc *time.Location, now time.Time) []time.Time {
	s, err := schedule.ParseSpec(spec, loc)
	if err != nil {
		return nil
	}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		loc = ss.Location
	}
	next := schedule.NextRuns(s, now, nextCount)
	for i := range next {
		next[i] = next[i].In(loc)
	}
	return next
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request, _ *session, v *view) {
	ctx := r.Context()
	cfg, _ := c.cfg.Current()
	loc := cfg.Site.Location
	now := c.cfg.Now()
	var d overviewData
	if c.cfg.ConfigState != nil {
		cs := c.cfg.ConfigState.Status()
		d.Config = &cs
		if cs.LastError != "" {
			d.Problems = append(d.Problems, v.W.ConfigError)
			d.Problems = append(d.Problems, strings.Split(cs.LastError, "\n")...)
		}
	}
	jobs, err := c.cfg.Scheduler.Status(ctx)
	if err != nil {
		c.fail(w, "job status", err)
		return
	}
	byJob := map[schedule.JobName]schedule.JobStatus{}
	digestJobs := map[schedule.JobName]bool{}
	for _, j := range jobs {
		byJob[j.Name] = j
		if j.LastRun != nil && j.LastRun.Outcome == store.OutcomeFailed {
			d.Problems = append(d.Problems, site.Fill(v.W.FailedRun, "job", string(j.Name),
				"when", j.LastRun.Slot.In(loc).Format("2006-01-02 15:04"), "error", j.LastRun.Error))
		}
	}
	if c.cfg.LeaseName != "" {
		l, err := c.cfg.Store.CurrentLease(ctx, c.cfg.LeaseName)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.Problems = append(d.Problems, v.W.NoLease)
		case err != nil:
			c.fail(w, "lease", err)
			return
		case now.After(l.ExpiresAt):
			d.Problems = append(d.Problems, site.Fill(v.W.StaleLease, "holder", l.Holder, "expired", l.ExpiresAt.In(loc).Format("2006-01-02 15:04:05")))
		}
	}
	for _, dg := range cfg.Digests {
		job := mailer.JobName(dg.Name)
		digestJobs[job] = true
		row := digestRow{Name: dg.Name, Job: string(job), Spec: dg.Schedule, Words: describeSchedule(v.W, dg.Schedule, loc),
			Paused: dg.Paused, Running: byJob[job].Running, Lists: dg.Lists, Topics: dg.Topics}
		if !dg.Paused {
			row.Next = nextRuns(dg.Schedule, loc, now)
		}
		runs, err := c.cfg.Store.RecentDigestRuns(ctx, dg.Name, 5)
		if err != nil {
			c.fail(w, "digest runs", err)
			return
		}
		for _, rs := range runs {
			row.Runs = append(row.Runs, toRunRow(rs))
		}
		d.Digests = append(d.Digests, row)
	}
	for _, j := range jobs {
		if digestJobs[j.Name] {
			continue
		}
		jr := jobRow{Name: string(j.Name), Spec: j.Spec, Running: j.Running, Last: j.LastRun}
		if j.Spec != "" {
			jr.Words = describeSchedule(v.W, j.Spec, loc)
			jr.Next = nextRuns(j.Spec, loc, now)
		}
		d.Jobs = append(d.Jobs, jr)
	}
	sup, err := c.cfg.Store.SuppressionCounts(ctx)
	if err != nil {
		c.fail(w, "suppressions", err)
		return
	}
	for _, reason := range slices.Sorted(maps.Keys(sup)) {
		d.Suppressed = append(d.Suppressed, reasonCount{Reason: reason, Count: sup[reason]})
	}
	if d.Audit, err = c.cfg.Store.AuditLog(ctx, 10); err != nil {
		c.fail(w, "audit log", err)
		return
	}
	v.Data = d
	v.Problem = len(d.Problems) > 0
	c.render(w, http.StatusOK, "overview", v)
}

func toRunRow(rs store.DigestRunStatus) runRow {
	row := runRow{ID: rs.ID, Slot: rs.Slot, Status: string(rs.Status), Sent: rs.Counts.Sent, Pending: rs.Counts.Pending,
		Failed: rs.Counts.Failed, Skipped: rs.Counts.Skipped, Errors: rs.LastErrors}
	if !rs.Finished.IsZero() {
		row.Duration = rs.Finished.Sub(rs.Created).Round(time.Millisecond).String()
	}
	return row
}
