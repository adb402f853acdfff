package mailer

import "time"

// issueDate is the date a run's archive page is filed under: its slot's
// day in the site's time zone.
func (m *Digests) issueDate(slot time.Time) string {
	return slot.In(m.cfg.Site.Location).Format(time.DateOnly)
}
