// Package subscribe lets residents put themselves on the lists open for
// sign-up: the sign-up form (/subscribe/), double opt-in by a confirmation
// mail whose signed link expires, and the preferences page every digest
// links to. Its rules against abuse: the answer to a sign-up is the same
// whatever the address (the work happens after the answer), confirmation
// mails to one address are capped per day in the store (one for an address
// no list has confirmed, whatever the IPs), requests per client IP are
// capped in memory, every form carries a CSRF token and a honeypot field,
// and bodies are small. Only the click on the link's page confirms; a
// link scanner's GET changes nothing.
package subscribe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperboy-news/paperboy/internal/address"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// List is a list open for sign-up, as readers see it.
type List struct {
	Name, Title, Description string
	// Topics are the topics a reader may narrow the list to: those its
	// digests filter by. None: the list is taken whole.
	Topics []site.Topic
}

// Config configures a Handler.
type Config struct {
	Site *site.Site
	// Lists are the lists open for sign-up, in the order shown.
	Lists []List
	// Keys open the preferences links, which carry the digests'
	// unsubscribe tokens (mailer.Digests.UnsubscribeKeys).
	Keys *mailer.UnsubscribeKeys
	// Secrets seal the confirmation links and make the CSRF tokens: the
	// unsubscribe secrets, the first signing, so they rotate together.
	Secrets [][]byte
	// ConfirmWithin is how long a confirmation link works and a sign-up
	// waits for it; default 48 h.
	ConfirmWithin time.Duration
	// MailLimits cap confirmation mails per address per day; default one
	// for a stranger, three for a confirmed reader.
	MailLimits store.ConfirmationMailLimits
	// IPLimiter caps form posts per client IP; default 10 at once, then
	// one a minute. The daemon passes one that outlives reloads.
	IPLimiter *IPLimiter
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (config's server.trusted_proxies).
	TrustedProxies []netip.Prefix
	// MaxPending caps sign-ups being processed at once; past it, new ones
	// are dropped (and logged). Default 256.
	MaxPending int
	Logger     *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Store is the part of the store sign-ups use; *store.Store is one.
type Store interface {
	RequestSubscription(ctx context.Context, list, addr string) error
	ConfirmSubscription(ctx context.Context, list, addr string, topics []string, ip string) error
	SetTopics(ctx context.Context, list, addr string, topics []string) error
	Unsubscribe(ctx context.Context, list, addr string) error
	SubscriptionsOf(ctx context.Context, addr string) ([]store.Subscriber, error)
	IsForgotten(ctx context.Context, addr string) (bool, error)
	ExpireSignups(ctx context.Context, before time.Time) (int, error)
	AllowConfirmationMail(ctx context.Context, addr string, limits store.ConfirmationMailLimits) (bool, error)
}

// Mailer sends the confirmation mails; *mailer.Digests is one.
type Mailer interface {
	SendNotice(ctx context.Context, n mailer.Notice) (string, error)
}

// Handler serves the sign-up, confirmation and preferences pages.
type Handler struct {
	cfg    Config
	words  *site.Words
	st     Store
	mail   Mailer
	sealer *sealer
	log    *slog.Logger

	work    sync.WaitGroup
	pending atomic.Int64
}

// maxBody bounds a form post: an address, a few lists and topics.
const maxBody = 8 << 10

// New checks cfg and returns the handler.
func New(cfg Config, st Store, m Mailer) (*Handler, error) {
	if cfg.Site == nil || cfg.Keys == nil || st == nil || m == nil {
		return nil, errors.New("subscribe: need a site, unsubscribe keys, a store and a mailer")
	}
	if cfg.ConfirmWithin <= 0 {
		cfg.ConfirmWithin = 48 * time.Hour
	}
	if cfg.MailLimits == (store.ConfirmationMailLimits{}) {
		cfg.MailLimits = store.ConfirmationMailLimits{Stranger: 1, Known: 3}
	}
	if cfg.IPLimiter == nil {
		cfg.IPLimiter = NewIPLimiter(10, time.Minute)
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sl, err := newSealer(cfg.Site.LinkScope(), cfg.Secrets)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return &Handler{cfg: cfg, words: cfg.Site.Words, st: st, mail: m, sealer: sl, log: cfg.Logger}, nil
}

// Register mounts the pages on mux under the site's base path.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc(h.cfg.Site.Path(site.SubscribePath), h.serveSignup)
	mux.HandleFunc(h.cfg.Site.Path(site.ConfirmPath), h.serveConfirm)
	mux.HandleFunc(h.cfg.Site.Path(site.ManagePath), h.serveManage)
}

// Wait waits for the sign-ups being processed (confirmation mails on
// their way) to finish.
func (h *Handler) Wait() { h.work.Wait() }

func (h *Handler) list(name string) (List, bool) {
	for _, l := range h.cfg.Lists {
		if l.Name == name {
			return l, true
		}
	}
	return List{}, false
}

// parseAddress accepts what the form may sign up: a bare address
// (internal/address.Parse) of a domain with a dot, at most 254 bytes.
func parseAddress(s string) (string, bool) {
	a, err := address.Parse(s)
	if err != nil || len(a) > 254 || !strings.Contains(a[strings.LastIndexByte(a, '@')+1:], ".") {
		return "", false
	}
	return a, true
}

// choices reads the lists and topics a form chose, keeping only open
// lists and their topics.
func (h *Handler) choices(r *http.Request) (lists []string, topics map[string][]string) {
	topics = map[string][]string{}
	for _, name := range r.PostForm["list"] {
		l, ok := h.list(name)
		if !ok || slices.Contains(lists, name) {
			continue
		}
		lists = append(lists, name)
		for _, slug := range r.PostForm["topic:"+name] {
			if slices.ContainsFunc(l.Topics, func(t site.Topic) bool { return t.Slug == slug }) && !slices.Contains(topics[name], slug) {
				topics[name] = append(topics[name], slug)
			}
		}
	}
	return lists, topics
}

// request is a sign-up (or a return from the preferences page) to
// process after the answer has gone.
type request struct {
	address string
	lists   []string
	topics  map[string][]string
}

// enqueue processes req in the background, so that the answer takes the
// same time whatever the address and whether a mail goes.
func (h *Handler) enqueue(req request) {
	if h.pending.Add(1) > int64(h.cfg.MaxPending) {
		h.pending.Add(-1)
		h.log.Warn("signup_dropped", "reason", "too many sign-ups being processed", "max_pending", h.cfg.MaxPending)
		return
	}
	h.work.Add(1)
	go func() {
		defer h.work.Done()
		defer h.pending.Add(-1)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := h.process(ctx, req); err != nil {
			h.log.Error("signup_failed", "lists", strings.Join(req.lists, ","), "err", err)
		}
	}()
}

// process records the sign-up and sends its confirmation mail, if the
// address's daily allowance has room.
func (h *Handler) process(ctx context.Context, req request) error {
	now := h.cfg.Now()
	if n, err := h.st.ExpireSignups(ctx, now.Add(-h.cfg.ConfirmWithin)); err != nil {
		return err
	} else if n > 0 {
		h.log.Info("signups_expired", "count", n)
	}
	forgotten, err := h.st.IsForgotten(ctx, req.address)
	if err != nil {
		return err
	}
	if forgotten {
		h.log.Info("signup_refused", "reason", "address erased on request")
		return nil
	}
	for _, l := range req.lists {
		if err := h.st.RequestSubscription(ctx, l, req.address); err != nil {
			return err
		}
	}
	ok, err := h.st.AllowConfirmationMail(ctx, req.address, h.cfg.MailLimits)
	if err != nil {
		return err
	}
	if !ok {
		h.log.Info("confirmation_mail_limited", "lists", strings.Join(req.lists, ","))
		return nil
	}
	token, err := h.sealer.seal(confirmation{Address: req.address, Lists: req.lists, Topics: req.topics, Expires: now.Add(h.cfg.ConfirmWithin).Unix()})
	if err != nil {
		return err
	}
	link := h.cfg.Site.URL(site.ConfirmPath) + "?t=" + token
	titles := make([]string, len(req.lists))
	for i, name := range req.lists {
		l, _ := h.list(name)
		titles[i] = "\u201c" + l.Title + "\u201d"
	}
	w := h.words
	kv := []string{"site", h.cfg.Site.Title, "address", req.address, "lists", strings.Join(titles, w.ListSeparator),
		"hours", hours(h.cfg.ConfirmWithin), "link", link}
	if _, err := h.mail.SendNotice(ctx, mailer.Notice{
		Kind: "confirm", To: req.address,
		Subject: site.Fill(w.ConfirmMailSubject, kv...),
		Text:    site.Fill(w.ConfirmMailText, kv...) + "\n",
	}); err != nil {
		return err
	}
	h.log.Info("confirmation_mail_sent", "lists", strings.Join(req.lists, ","))
	return nil
}

// Request signs address up for lists (with topics) as the form does, now:
// the sign-up is recorded and, within the address's daily allowance, a
// confirmation mail goes. `paperboy subscribers add` and `import` use it
// when the admin does not skip the confirmation.
func (h *Handler) Request(ctx context.Context, address string, lists []string, topics map[string][]string) error {
	addr, ok := parseAddress(address)
	if !ok {
		return fmt.Errorf("subscribe: %q is not a bare email address", address)
	}
	for _, l := range lists {
		if _, open := h.list(l); !open {
			return fmt.Errorf("subscribe: list %q is not open for sign-up (signup = true in config.toml)", l)
		}
	}
	if err := h.process(ctx, request{address: addr, lists: lists, topics: topics}); err != nil {
		return fmt.Errorf("subscribe: sign up %s: %w", addr, err)
	}
	return nil
}
