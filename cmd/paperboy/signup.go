package main

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/subscribe"
)

// Wiring of the lists open for sign-up (issue 14): their recipients, the
// sign-up pages, the footer form.

// openLists names the lists with signup = true.
func openLists(c *config.Config) map[string]bool {
	open := map[string]bool{}
	for _, l := range c.Lists {
		if l.Signup {
			open[l.Name] = true
		}
	}
	return open
}

// withSubscribers makes the mailer read each open list as its configured
// addresses plus its confirmed subscribers, at every run, and narrow the
// digest of each subscriber who chose topics to them.
func withSubscribers(mc mailer.Config, c *config.Config, st *store.Store) mailer.Config {
	open := openLists(c)
	if len(open) == 0 {
		return mc
	}
	mc.ListReader = subscribe.Recipients{Config: listReader{c, mc.Logger}, Store: st, Open: open}
	mc.Topics = st
	return mc
}

// signupConfig is the sign-up pages' configuration: the open lists, each
// with the topics its digests filter by.
func signupConfig(c *config.Config, mc mailer.Config, m *mailer.Digests, limiter *subscribe.IPLimiter, logger *slog.Logger) subscribe.Config {
	sc := subscribe.Config{
		Site: c.Site, Keys: m.UnsubscribeKeys(), IPLimiter: limiter, Logger: logger,
		TrustedProxies: c.Server.TrustedProxies,
		Secrets:        append([][]byte{mc.UnsubscribeSecret}, mc.UnsubscribeOldSecrets...),
	}
	for _, l := range c.Lists {
		if !l.Signup {
			continue
		}
		sl := subscribe.List{Name: l.Name, Title: l.Title, Description: l.Description}
		for _, d := range c.Digests {
			if !slices.Contains(d.Lists, l.Name) {
				continue
			}
			for _, slug := range d.Topics {
				for _, t := range c.Site.Topics {
					if t.Slug == slug && !slices.ContainsFunc(sl.Topics, func(x site.Topic) bool { return x.Slug == slug }) {
						sl.Topics = append(sl.Topics, t)
					}
				}
			}
		}
		sc.Lists = append(sc.Lists, sl)
	}
	return sc
}

// signupPath is the footer form's target, "" when no list is open.
func signupPath(c *config.Config) string {
	if len(openLists(c)) == 0 {
		return ""
	}
	return site.SubscribePath
}

// subscriberStatus adds each open list's subscriber counts to `status`.
func subscriberStatus(ctx context.Context, p *summaryWriter, c *config.Config, st *store.Store) error {
	open := openLists(c)
	if len(open) == 0 {
		return nil
	}
	counts, err := st.SubscriberCountsByList(ctx)
	if err != nil {
		return err
	}
	for _, l := range c.Lists {
		if !l.Signup {
			continue
		}
		n := counts[l.Name]
		p.f("list %s (sign-up): %d confirmed, %d pending, %d unsubscribed, %d suppressed; see paperboy subscribers %s\n",
			l.Name, n.Confirmed, n.Pending, n.Unsubscribed, n.Suppressed, l.Name)
	}
	return nil
}

// defaultSignupLimiter is the per-IP limit of the sign-up forms: 10 posts
// at once, then one a minute.
func defaultSignupLimiter() *subscribe.IPLimiter { return subscribe.NewIPLimiter(10, time.Minute) }
