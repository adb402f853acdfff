package subscribe

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

//go:embed templates/page.html
var templateFS embed.FS

var pageTmpl = template.Must(template.ParseFS(templateFS, "templates/page.html"))

// csrfCookie holds a browser's CSRF secret; forms carry a MAC of it.
const csrfCookie = "pb_csrf"

// pageView is what the page template sees.
type pageView struct {
	S     *site.Words
	Lang  string
	Site  string
	Home  string
	Title string
	// Notice is a line on top: an error or what just happened.
	Notice string
	Error  bool
	Text   string
	CSRF   string

	Signup  *signupView
	Confirm *confirmView
	Manage  *manageView
	// Link, if set, is one link under the text.
	Link *linkView
}

type linkView struct{ Href, Text string }

type signupView struct {
	Action string
	Email  string
	Lists  []listChoice
}

type listChoice struct {
	Name, Title, Description string
	Checked                  bool
	// TopicsLabel heads Topics, the topics the list may be narrowed to.
	TopicsLabel string
	Topics      []topicChoice
	// Status is the reader's state on the list (preferences page).
	Status string
}

type topicChoice struct {
	Slug, Name string
	Checked    bool
}

type confirmView struct {
	Action string
	Token  string
	Lists  []string
}

type manageView struct {
	Action string
	Token  string
	Lists  []listChoice
	// Other is a list not open for sign-up the link came from.
	Other string
}

// page writes a page with the headers of a page holding a token
// (site.SetTokenPageHeaders).
func (h *Handler) page(w http.ResponseWriter, status int, v pageView) {
	v.S, v.Lang, v.Site, v.Home = h.words, h.words.Lang, h.cfg.Site.Title, h.cfg.Site.Path("/")
	site.SetTokenPageHeaders(w.Header())
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, v); err != nil {
		h.log.Error("subscribe_page_failed", "err", err)
	}
}

// csrf returns the form token for r's browser, setting its cookie first
// if it has none.
func (h *Handler) csrf(w http.ResponseWriter, r *http.Request) string {
	value := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 16 {
		value = c.Value
	} else {
		value = newCookieValue()
		http.SetCookie(w, &http.Cookie{
			Name: csrfCookie, Value: value, Path: h.cfg.Site.Path(site.SubscribePath),
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.cfg.Site.BaseURL.Scheme == "https",
		})
	}
	return h.sealer.csrfFor(value)
}

// readForm parses a post under the body limit and checks its CSRF token.
// On failure it has answered.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request, again func(notice string)) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
			return false
		}
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return false
	}
	c, _ := r.Cookie(csrfCookie)
	cookie := ""
	if c != nil {
		cookie = c.Value
	}
	if !h.sealer.csrfOK(cookie, r.PostForm.Get("csrf")) {
		h.log.Info("form_refused", "reason", "csrf token missing or wrong", "path", r.URL.Path)
		again(h.words.SignupFormExpired)
		return false
	}
	if !h.cfg.IPLimiter.Allow(clientIP(r, h.cfg.TrustedProxies), h.cfg.Now()) {
		h.log.Info("form_refused", "reason", "client ip over its rate", "path", r.URL.Path)
		w.Header().Set("Retry-After", "60")
		h.page(w, http.StatusTooManyRequests, pageView{Title: h.words.SignupTitle, Notice: h.words.SignupTooMany, Error: true})
		return false
	}
	return true
}

func allow(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
		return true
	}
	w.Header().Set("Allow", "GET, HEAD, POST")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

// signupForm is the sign-up page's form, with email and the lists
// checked (all of them when none is).
func (h *Handler) signupForm(email string, checked []string, topics map[string][]string) *signupView {
	v := &signupView{Action: h.cfg.Site.Path(site.SubscribePath), Email: email}
	for _, l := range h.cfg.Lists {
		v.Lists = append(v.Lists, h.choice(l, len(checked) == 0 || slices.Contains(checked, l.Name), topics[l.Name]))
	}
	return v
}

func (h *Handler) choice(l List, checked bool, topics []string) listChoice {
	c := listChoice{Name: l.Name, Title: l.Title, Description: l.Description, Checked: checked}
	if len(l.Topics) > 0 {
		c.TopicsLabel = site.Fill(h.words.SignupTopics, "list", l.Title)
	}
	for _, t := range l.Topics {
		c.Topics = append(c.Topics, topicChoice{Slug: t.Slug, Name: t.Name, Checked: slices.Contains(topics, t.Slug)})
	}
	return c
}

// serveSignup is /subscribe/: GET shows the form (the footer form's
// address filled in), POST answers "check your inbox" to every valid
// sign-up alike and processes it afterwards.
func (h *Handler) serveSignup(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != h.cfg.Site.Path(site.SubscribePath) {
		http.NotFound(w, r)
		return
	}
	if !allow(w, r) {
		return
	}
	if len(h.cfg.Lists) == 0 {
		h.page(w, http.StatusNotFound, pageView{Title: h.words.SignupTitle, Text: h.words.SignupClosed})
		return
	}
	form := func(status int, notice string, email string, lists []string, topics map[string][]string) {
		h.page(w, status, pageView{Title: h.words.SignupTitle, Text: h.words.SignupIntro, Notice: notice, Error: notice != "",
			CSRF: h.csrf(w, r), Signup: h.signupForm(email, lists, topics)})
	}
	if r.Method != http.MethodPost {
		email, _ := parseAddress(r.URL.Query().Get("email"))
		form(http.StatusOK, "", email, nil, nil)
		return
	}
	if !h.readForm(w, r, func(notice string) {
		form(http.StatusForbidden, notice, strings.TrimSpace(r.PostForm.Get("email")), r.PostForm["list"], nil)
	}) {
		return
	}
	addr, ok := parseAddress(r.PostForm.Get("email"))
	lists, topics := h.choices(r)
	if !ok || len(lists) == 0 {
		form(http.StatusUnprocessableEntity, h.words.SignupInvalid, strings.TrimSpace(r.PostForm.Get("email")), r.PostForm["list"], topics)
		return
	}
	// The honeypot: people never see the field, simple bots fill it. They
	// get the same answer, and nothing happens.
	if r.PostForm.Get("website") == "" {
		h.enqueue(request{address: addr, lists: lists, topics: topics})
	} else {
		h.log.Info("form_refused", "reason", "honeypot filled", "path", r.URL.Path)
	}
	h.sent(w, addr)
}

// sent is the one answer to a sign-up.
func (h *Handler) sent(w http.ResponseWriter, addr string) {
	h.page(w, http.StatusOK, pageView{Title: h.words.SignupSentTitle,
		Text: site.Fill(h.words.SignupSentText, "address", addr, "hours", hours(h.cfg.ConfirmWithin))})
}

// serveConfirm is the confirmation link: GET shows what it confirms and a
// button, so that a link scanner opening it confirms nothing; POST (the
// button) confirms.
func (h *Handler) serveConfirm(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r) {
		return
	}
	token := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		if !h.readForm(w, r, func(notice string) { h.confirmPage(w, r, r.PostForm.Get("t"), notice) }) {
			return
		}
		token = r.PostForm.Get("t")
	}
	c, err := h.sealer.open(token, h.cfg.Now())
	if err != nil {
		h.linkError(w, err)
		return
	}
	if r.Method != http.MethodPost {
		h.confirmPage(w, r, token, "")
		return
	}
	forgotten, err := h.st.IsForgotten(r.Context(), c.Address)
	if err != nil {
		h.serverError(w, err)
		return
	}
	confirmed := 0
	for _, name := range c.Lists {
		if _, open := h.list(name); !open || forgotten {
			continue // closed since the link was sent
		}
		if err := h.st.ConfirmSubscription(r.Context(), name, c.Address, c.Topics[name], clientIP(r, h.cfg.TrustedProxies)); err != nil {
			h.serverError(w, err)
			return
		}
		confirmed++
	}
	if confirmed == 0 {
		h.linkError(w, errBadToken)
		return
	}
	h.log.Info("subscription_confirmed", "lists", strings.Join(c.Lists, ","))
	h.page(w, http.StatusOK, pageView{Title: h.words.ConfirmedTitle,
		Text: site.Fill(h.words.ConfirmedText, "address", c.Address),
		Link: &linkView{Href: h.manageHref(c.Lists[0], c.Address), Text: h.words.ManageSubscription}})
}

func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request, token, notice string) {
	c, err := h.sealer.open(token, h.cfg.Now())
	if err != nil {
		h.linkError(w, err)
		return
	}
	v := &confirmView{Action: h.cfg.Site.Path(site.ConfirmPath), Token: token}
	for _, name := range c.Lists {
		if l, ok := h.list(name); ok {
			v.Lists = append(v.Lists, l.Title)
		}
	}
	status := http.StatusOK
	if notice != "" {
		status = http.StatusForbidden
	}
	h.page(w, status, pageView{Title: h.words.ConfirmTitle, Notice: notice, Error: notice != "",
		Text: site.Fill(h.words.ConfirmText, "address", c.Address), CSRF: h.csrf(w, r), Confirm: v})
}

// linkError answers a confirmation link that does not open: 410 with
// its own words when it expired, 400 otherwise.
func (h *Handler) linkError(w http.ResponseWriter, err error) {
	if errors.Is(err, errExpiredToken) {
		h.page(w, http.StatusGone, pageView{Title: h.words.LinkExpiredTitle, Text: h.words.LinkExpiredText,
			Link: &linkView{Href: h.cfg.Site.Path(site.SubscribePath), Text: h.words.SignupTitle}})
		return
	}
	h.page(w, http.StatusBadRequest, pageView{Title: h.words.LinkBadTitle, Text: h.words.LinkBadText})
}

func (h *Handler) serverError(w http.ResponseWriter, err error) {
	h.log.Error("subscribe_failed", "err", err)
	h.page(w, http.StatusInternalServerError, pageView{Title: h.words.ServerError, Text: h.words.ServerErrText})
}

// manageHref is the preferences page of address, reached as from list's
// digests.
func (h *Handler) manageHref(list, address string) string {
	return h.cfg.Site.Path(site.ManagePath) + "?" + url.Values{"t": {h.cfg.Keys.Token(list, address)}}.Encode()
}

// serveManage is the preferences page, ?t= the token of a digest's
// unsubscribe link: GET shows the address's lists and topics; POST saves
// them (lists left are unsubscribed, lists chosen again wait for a fresh
// confirmation) or, with action=unsubscribe, leaves every list.
func (h *Handler) serveManage(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r) {
		return
	}
	token := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		if !h.readForm(w, r, func(notice string) { h.managePage(w, r, r.PostForm.Get("t"), notice, true) }) {
			return
		}
		token = r.PostForm.Get("t")
	}
	if r.Method != http.MethodPost {
		h.managePage(w, r, token, "", false)
		return
	}
	from, addr, subs, ok := h.manageState(w, r, token)
	if !ok {
		return
	}
	ctx := r.Context()
	if r.PostForm.Get("action") == "unsubscribe" {
		if _, open := h.list(from); !open {
			if err := h.st.Unsubscribe(ctx, from, addr); err != nil {
				h.serverError(w, err)
				return
			}
		}
		for _, l := range h.cfg.Lists {
			if s, ok := subs[l.Name]; ok && s.Status != store.SubUnsubscribed {
				if err := h.st.Unsubscribe(ctx, l.Name, addr); err != nil {
					h.serverError(w, err)
					return
				}
			}
		}
		h.log.Info("unsubscribed", "list", "all", "from", from)
		h.managePage(w, r, token, h.words.ManageUnsubscribed, false)
		return
	}
	lists, topics := h.choices(r)
	var again []string
	for _, l := range h.cfg.Lists {
		s, ok := subs[l.Name]
		confirmed := ok && s.Status == store.SubConfirmed
		chosen := slices.Contains(lists, l.Name)
		var err error
		switch {
		case chosen && confirmed:
			err = h.st.SetTopics(ctx, l.Name, addr, topics[l.Name])
		case !chosen && confirmed:
			err = h.st.Unsubscribe(ctx, l.Name, addr)
		case chosen:
			again = append(again, l.Name)
		}
		if err != nil {
			h.serverError(w, err)
			return
		}
	}
	notice := h.words.ManageSaved
	if len(again) > 0 {
		h.enqueue(request{address: addr, lists: again, topics: topics})
		notice = site.Fill(h.words.ManageConfirmSent, "address", addr)
	}
	h.managePage(w, r, token, notice, false)
}

// manageState opens a preferences token: the list its link came from,
// the address and its subscriptions by list. On failure it has answered.
func (h *Handler) manageState(w http.ResponseWriter, r *http.Request, token string) (from, addr string, subs map[string]store.Subscriber, ok bool) {
	from, addr, err := h.cfg.Keys.Parse(token)
	if err != nil {
		h.linkError(w, errBadToken)
		return "", "", nil, false
	}
	all, err := h.st.SubscriptionsOf(r.Context(), addr)
	if err != nil {
		h.serverError(w, err)
		return "", "", nil, false
	}
	subs = make(map[string]store.Subscriber, len(all))
	for _, s := range all {
		subs[s.List] = s
	}
	return from, addr, subs, true
}

func (h *Handler) managePage(w http.ResponseWriter, r *http.Request, token, notice string, isErr bool) {
	from, addr, subs, ok := h.manageState(w, r, token)
	if !ok {
		return
	}
	v := &manageView{Action: h.cfg.Site.Path(site.ManagePath), Token: token}
	if _, open := h.list(from); !open {
		v.Other = site.Fill(h.words.ManageOtherList, "list", from)
	}
	for _, l := range h.cfg.Lists {
		s, ok := subs[l.Name]
		c := h.choice(l, ok && s.Status == store.SubConfirmed, s.Topics)
		v.Lists = append(v.Lists, c)
	}
	status := http.StatusOK
	if isErr {
		status = http.StatusForbidden
	}
	h.page(w, status, pageView{Title: h.words.ManageTitle, Notice: notice, Error: isErr,
		Text: site.Fill(h.words.ManageText, "address", addr), CSRF: h.csrf(w, r), Manage: v})
}

// hours is a duration in whole hours, as the pages and mail say it.
func hours(d time.Duration) string { return strconv.Itoa(int(d.Hours())) }
