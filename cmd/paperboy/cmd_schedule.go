package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/schedule"
)

// The daemon's own jobs; a digest's job is the mailer's (mailer.JobName).
const (
	jobIngest schedule.JobName = "ingest"
	jobFeeds  schedule.JobName = "feeds"
)

// jobWork is the work of each job: the daemon's own jobs, and digest
// gives a digest's whole job.
type jobWork struct {
	ingest, feeds, bounces schedule.RunFunc
	digest                 func(config.Digest) (schedule.Job, error)
}

// scheduleJobs maps the configuration onto the scheduler's jobs with
// work's work. The daemon and `paperboy schedule` share it, so what the
// command lists is what the daemon runs.
func scheduleJobs(c *config.Config, work jobWork) ([]schedule.Job, error) {
	jobs := []schedule.Job{
		{Name: jobIngest, Spec: c.Jobs.Ingest, Location: c.Site.Location, Run: work.ingest},
		{Name: jobFeeds, Spec: c.Jobs.Feeds, Location: c.Site.Location, Run: work.feeds},
	}
	for _, d := range c.Digests {
		j, err := work.digest(d)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	// Hook (mail, issue 13): the bounce mailbox.
	if c.Bounces.Schedule != "" {
		jobs = append(jobs, schedule.Job{Name: jobBounces, Spec: c.Bounces.Schedule, Location: c.Site.Location, Run: work.bounces})
	}
	return jobs, nil
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
	notHere := func(context.Context, time.Time, schedule.Trigger) error { return errNotHere }
	jobs, err := scheduleJobs(c, jobWork{ingest: notHere, feeds: notHere, bounces: notHere,
		digest: func(d config.Digest) (schedule.Job, error) {
			j := mailer.DigestJob(d.Name, d.ScheduledSpec(), c.Site.Location, d.CatchUp)
			j.Run = notHere
			return j, nil
		}})
	if err != nil {
		return err
	}
	if err := sched.Reload(ctx, jobs); err != nil {
		return err
	}
	status, err := sched.Status(ctx)
	if err != nil {
		return err
	}
	paused := map[schedule.JobName]string{}
	for _, d := range c.Digests {
		if d.Paused {
			paused[mailer.JobName(d.Name)] = d.Schedule
		}
	}
	return printJobs(stdout, status, c.Site.Location, paused)
}

// printJobs writes one block per job.
func printJobs(w io.Writer, jobs []schedule.JobStatus, site *time.Location, paused map[schedule.JobName]string) error {
	p := &summaryWriter{w: w}
	for i, j := range jobs {
		if i > 0 {
			p.f("\n")
		}
		p.f("%s\n", j.Name)
		loc := site
		spec, isPaused := paused[j.Name]
		switch {
		case isPaused:
			p.f("  spec      %s, paused (paused = true): not run on its schedule\n", spec)
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
