package mailer

import (
	"context"
	"fmt"
	"time"

	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// The web archive of sent digests: every run that delivered anything has a
// page at site.DigestIssuePath(digest, date), which every message of the
// run links to ("view in browser"). The page is rendered when asked for,
// from the run's frozen article list and subject, laid out as the message
// was and dated from the run's slot, without the reader's parts. An
// article corrected since shows its correction.

// maxIssues bounds how many issues the archive lists: years of a daily
// digest.
const maxIssues = 5000

// Issue is one sent digest in the archive.
type Issue = site.DigestIssue

// issueDate is the date a run's archive page is filed under: its slot's
// day in the site's time zone.
func (m *Digests) issueDate(slot time.Time) string {
	return slot.In(m.cfg.Site.Location).Format(time.DateOnly)
}

// IssueURL is the address of the archive page of digest name's run for
// slot, which its messages link to.
func (m *Digests) IssueURL(name string, slot time.Time) string {
	return m.cfg.Site.URL(site.DigestIssuePath(name, m.issueDate(slot)))
}

// Issues lists the sent digests, newest first: for each digest and day,
// the latest run that delivered anything (a day with a scheduled run and
// one started by hand has one page, the later). Runs of digests no longer
// configured are left out: their title and layout are gone.
func (m *Digests) Issues(ctx context.Context) ([]Issue, error) {
	runs, err := m.sentRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("mailer: list sent digests: %w", err)
	}
	issues := make([]Issue, 0, len(runs))
	for _, r := range runs {
		d := m.digests[r.Digest]
		date := m.issueDate(r.Slot)
		issues = append(issues, Issue{Digest: r.Digest, Title: d.Title, Date: date, Subject: r.Subject, Sent: r.Slot})
	}
	return issues, nil
}

// sentRuns is the latest sent run of each configured digest and day,
// newest first.
func (m *Digests) sentRuns(ctx context.Context) ([]store.DigestRun, error) {
	all, err := m.store.SentDigestRuns(ctx, "", maxIssues)
	if err != nil {
		return nil, err
	}
	seen := map[[2]string]bool{}
	var runs []store.DigestRun
	for _, r := range all {
		key := [2]string{r.Digest, m.issueDate(r.Slot)}
		if _, ok := m.digests[r.Digest]; !ok || seen[key] {
			continue
		}
		seen[key] = true
		runs = append(runs, r)
	}
	return runs, nil
}

// IssuePage renders the archive page of digest name's issue of date: the
// HTML that was mailed, without the reader's parts. The error wraps
// store.ErrNotFound when no such issue was sent.
func (m *Digests) IssuePage(ctx context.Context, name, date string) (Issue, []byte, error) {
	d, ok := m.digests[name]
	if !ok {
		return Issue{}, nil, fmt.Errorf("mailer: digest %s: %w", name, store.ErrNotFound)
	}
	runs, err := m.store.SentDigestRuns(ctx, name, maxIssues)
	if err != nil {
		return Issue{}, nil, fmt.Errorf("mailer: digest %s of %s: %w", name, date, err)
	}
	for _, r := range runs {
		if m.issueDate(r.Slot) != date {
			continue
		}
		arts, err := m.frozenArticles(ctx, r.ArticleIDs)
		if err != nil {
			return Issue{}, nil, fmt.Errorf("mailer: digest %s of %s: %w", name, date, err)
		}
		// Laid out as the message to the run's first list was: the list's
		// name and the link back here count towards the message's size.
		p := digestPage{subject: r.Subject, site: m.cfg.Site.Title, digest: d.Title, articles: arts, at: r.Slot,
			archiveURL: m.cfg.Site.URL(site.DigestIssuePath(name, date))}
		if len(r.Lists) > 0 {
			p.list = r.Lists[0]
		}
		html, err := m.renderArchive(p)
		if err != nil {
			return Issue{}, nil, fmt.Errorf("mailer: digest %s of %s: %w", name, date, err)
		}
		is := Issue{Digest: name, Title: d.Title, Date: date, Subject: r.Subject, Sent: r.Slot}
		return is, []byte(html), nil
	}
	return Issue{}, nil, fmt.Errorf("mailer: digest %s of %s: %w", name, date, store.ErrNotFound)
}
