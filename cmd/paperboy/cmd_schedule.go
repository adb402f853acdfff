package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
)

// Job names, as stored in job_runs and shown by the admin endpoints.
const (
	jobIngest       = "ingest"
	jobFeeds        = "feeds"
	jobDigestPrefix = "digest:"
)

// scheduleJobs maps the configuration onto the scheduler's jobs; run gives
// each job's work. The daemon and `paperboy schedule` share it, so what the
// command lists is what the daemon runs.
func scheduleJobs(c *config.Config, run func(name string) schedule.RunFunc) []schedule.Job {
	jobs := []schedule.Job{
		{Name: jobIngest, Spec: c.Jobs.Ingest, Location: c.Site.Location, Run: run(jobIngest)},
		{Name: jobFeeds, Spec: c.Jobs.Feeds, Location: c.Site.Location, Run: run(jobFeeds)},
	}
	for _, d := range c.Digests {
		name := jobDigestPrefix + d.Name
		jobs = append(jobs, schedule.Job{Name: name, Spec: d.ScheduledSpec(), Location: c.Site.Location,
			SlotKeyed: true, CatchUp: d.CatchUp, Run: run(name)})
	}
	// Hook (mail, issue 13): the bounce mailbox.
	if c.Bounces.Schedule != "" {
		jobs = append(jobs, schedule.Job{Name: jobBounces, Spec: c.Bounces.Schedule, Location: c.Site.Location, Run: run(jobBounces)})
	}
	return jobs
}

// errNotHere is the work of a job listed by `paperboy schedule`, which
// never runs it.
var errNotHere = errors.New("paperboy schedule only lists jobs")

// runSchedule lists every job with its spec, zone, next three runs and last
// run.
func runSchedule(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Like the daemon, create the database if it is not there yet: on a
	// fresh clone every job then shows "never".
	c, st, help, err := storeCommand(ctx, "schedule", "Lists every job with its schedule, time zone, next three runs and last run.", args, stderr)
	if help || err != nil {
		return err
	}
	defer st.Close()
	sched, err := schedule.New(schedule.Config{Store: st, Location: c.Site.Location})
	if err != nil {
		return err
	}
	notHere := func(string) schedule.RunFunc {
		return func(context.Context, time.Time, schedule.Trigger) error { return errNotHere }
	}
	if err := sched.Reload(ctx, scheduleJobs(c, notHere)); err != nil {
		return err
	}
	jobs, err := sched.Status(ctx)
	if err != nil {
		return err
	}
	return printJobs(stdout, jobs, c.Site.Location)
}

// printJobs writes one block per job.
func printJobs(w io.Writer, jobs []schedule.JobStatus, site *time.Location) error {
	p := &summaryWriter{w: w}
	for i, j := range jobs {
		if i > 0 {
			p.f("\n")
		}
		p.f("%s\n", j.Name)
		loc := site
		switch {
		case j.Spec == "":
			p.f("  spec      none: runs when triggered\n")
		case j.TimeZone == "":
			p.f("  spec      %s (fixed interval from start, no time zone)\n", j.Spec)
		default:
			loc, _ = time.LoadLocation(j.TimeZone) // the scheduler loaded it already
			p.f("  spec      %s (%s)\n", j.Spec, j.TimeZone)
		}
		if j.CatchUp > 0 {
			p.f("  catch-up  %s\n", j.CatchUp)
		}
		if len(j.Next) > 0 {
			p.f("  next      %s\n", formatRuns(j.Next, loc))
		}
		if r := j.LastRun; r == nil {
			p.f("  last run  never\n")
		} else {
			line := fmt.Sprintf("%s %s (%s, %s)", r.Slot.In(loc).Format("2006-01-02 15:04:05 MST"), r.Outcome, r.Trigger, r.Duration)
			if r.Error != "" {
				line += ": " + strings.ReplaceAll(r.Error, "\n", " ")
			}
			p.f("  last run  %s\n", line)
		}
	}
	return p.err
}
