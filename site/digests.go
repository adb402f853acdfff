package site

import "time"

// DigestIssue is one sent digest in the web archive of digests: the
// mailer lists them and renders their pages, the website serves and
// exports them.
type DigestIssue struct {
	// Digest is the digest's name, Title its reader-facing title.
	Digest, Title string
	// Date is the day (YYYY-MM-DD, site time zone) it is filed under.
	Date    string
	Subject string
	// Sent is the run's slot: when it was due to go out.
	Sent time.Time
}

// Path is the issue's page, DigestIssuePath(Digest, Date).
func (i DigestIssue) Path() string { return DigestIssuePath(i.Digest, i.Date) }
