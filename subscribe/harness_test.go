package subscribe_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/feed"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/subscribe"
	"github.com/paperboy-news/paperboy/web"
)

// editor is the open list's one configured address.
const editor = "editor@example.org"

// clock is a settable clock for the handler (link expiry).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// staticLists is config.toml's side of the lists.
type staticLists map[string][]string

func (s staticLists) ReadList(_ context.Context, name string) ([]string, error) { return s[name], nil }

// env is paperboy's sign-up as the daemon wires it: a real store, the
// mailer sending to a real SMTP server over TCP, and the pages on a real
// HTTP server, the site published under /paper/.
type env struct {
	t      testing.TB
	st     *store.Store
	smtp   *smtptest.Server
	m      *mailer.Digests
	h      *subscribe.Handler
	srv    *httptest.Server
	site   *site.Site
	clock  *clock
	client *http.Client
	runs   int
}

type envOptions struct {
	lang    string
	limiter *subscribe.IPLimiter
	// digestTopics, if set, makes the digest filter by them.
	digestTopics []string
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.lang == "" {
		o.lang = "zh-CN"
	}
	if o.limiter == nil {
		o.limiter = subscribe.NewIPLimiter(10000, time.Millisecond)
	}
	st, _ := fixture.StoreWithSample(t)
	smtp := smtptest.Start(t, smtptest.Config{})
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String() + "/paper/"
	var topics []site.Topic
	for _, tp := range fixture.SampleTopics {
		topics = append(topics, site.Topic{Name: map[string]string{"flood": "防汛", "economy": "经济"}[tp.Slug], Slug: tp.Slug, Keywords: tp.Keywords})
	}
	s, ps := site.New(site.Settings{Title: "示范区新闻", BaseURL: base, Language: o.lang, TimeZone: "Asia/Shanghai",
		PublisherAddress: "示范区新闻编辑部", Topics: topics})
	if ps != nil {
		t.Fatal(ps.Err("site"))
	}
	logger := slog.New(slog.DiscardHandler)
	_, port, _ := net.SplitHostPort(smtp.Addr())
	secret := []byte("signup-test-secret-0123456789")
	mc := mailer.Config{
		Site: s, UnsubscribePath: site.UnsubscribePath, From: "news@example.org", FromName: "示范区新闻",
		UnsubscribeSecret: secret,
		Lists:             map[string][]string{"residents": {editor}},
		Digests: []mailer.Digest{{Name: "daily", Lists: []string{"residents"}, Topics: o.digestTopics, SkipEmpty: true,
			CatchUp: 10 * 365 * 24 * time.Hour, Period: 10 * 365 * 24 * time.Hour}},
		// Signed and with VERP return paths, as a production setup is: the
		// confirmation mail must go out the same way.
		Deliverability: mailer.Deliverability{
			DKIM:       &mailer.DKIM{Domain: "example.org", Selector: "paperboy", Key: dkimKey(t)},
			ReturnPath: "bounces@example.org",
		},
		Transport: "smtp",
		SMTP:      mailer.SMTPConfig{Host: "127.0.0.1", Port: atoi(t, port), TLSPolicy: mailer.TLSNone, Timeout: 5 * time.Second},
		Logger:    logger,
	}
	clk := &clock{t: time.Now()}
	mc.Topics = st
	mc.ListReader = subscribe.Recipients{Config: staticLists{"residents": {editor}}, Store: st, Open: map[string]bool{"residents": true}, Now: clk.Now}
	m, err := mailer.New(mc, st, st)
	if err != nil {
		t.Fatal(err)
	}
	list := subscribe.List{Name: "residents", Title: "每日新闻摘要", Description: "每天早上 7 点，前一天的新闻。"}
	for _, slug := range o.digestTopics {
		for _, tp := range topics {
			if tp.Slug == slug {
				list.Topics = append(list.Topics, tp)
			}
		}
	}
	h, err := subscribe.New(subscribe.Config{
		Site: s, Lists: []subscribe.List{list}, Keys: m.UnsubscribeKeys(), Secrets: [][]byte{secret},
		IPLimiter: o.limiter, Logger: logger, Now: clk.Now,
	}, st, m)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	mux.Handle(s.Path(site.UnsubscribePath), m.UnsubscribeHandler())
	// The site's own pages, whose footer has the sign-up form.
	feeds, err := feed.NewService(feed.Config{Site: s, Items: 20, Formats: []feed.Format{"atom", "rss"}, Logger: logger}, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := feeds.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Config{Logger: logger, SignupPath: site.SubscribePath}, st, feeds)
	if err != nil {
		t.Fatal(err)
	}
	pages.Register(mux)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(h.Wait)
	jar, _ := cookiejar.New(nil)
	return &env{t: t, st: st, smtp: smtp, m: m, h: h, srv: srv, site: s, clock: clk,
		client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// dkimKey is a fresh Ed25519 signing key.
func dkimKey(t testing.TB) crypto.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a site path (or an absolute URL) and returns status and body.
func (e *env) get(target string) (int, string) {
	e.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = e.srv.URL + target
	}
	resp, err := e.client.Get(target)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) post(path string, form url.Values) (int, string) {
	e.t.Helper()
	resp, err := e.client.PostForm(e.srv.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// csrf opens the sign-up page once, for its cookie and form token.
func (e *env) csrf() string {
	e.t.Helper()
	code, body := e.get(e.site.Path(site.SubscribePath))
	m := csrfRE.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		e.t.Fatalf("sign-up page: %d without a CSRF token:\n%s", code, body)
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// signup posts the sign-up form for addr and waits until it is processed.
func (e *env) signup(csrf, addr string, extra url.Values) (int, string) {
	e.t.Helper()
	form := url.Values{"csrf": {csrf}, "email": {addr}, "list": {"residents"}, "website": {""}}
	for k, v := range extra {
		form[k] = v
	}
	code, body := e.post(e.site.Path(site.SubscribePath), form)
	e.h.Wait()
	return code, body
}

var confirmRE = regexp.MustCompile(`https?://\S+/subscribe/confirm/\?t=[A-Za-z0-9_-]+`)

// confirmLink is the link in addr's latest confirmation mail.
func (e *env) confirmLink(addr string) string {
	e.t.Helper()
	msgs := e.smtp.Messages(addr)
	if len(msgs) == 0 {
		e.t.Fatalf("no mail to %s", addr)
	}
	text := mailText(e.t, msgs[len(msgs)-1])
	link := confirmRE.FindString(text)
	if link == "" {
		e.t.Fatalf("no confirmation link in the mail to %s:\n%s", addr, text)
	}
	return link
}

// confirm opens link and presses its button.
func (e *env) confirm(link string) (int, string) {
	e.t.Helper()
	code, body := e.get(link)
	if code != http.StatusOK {
		return code, body
	}
	u, _ := url.Parse(link)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("confirmation page without a form:\n%s", body)
	}
	return e.post(e.site.Path(site.ConfirmPath), url.Values{"csrf": {htmlUnescape(m[1])}, "t": {u.Query().Get("t")}})
}

// mailText decodes a message's text/plain part.
func mailText(t testing.TB, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return partText(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func partText(t testing.TB, ctype, cte string, body io.Reader) string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return ""
			}
			if s := partText(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); s != "" {
				return s
			}
		}
	}
	if mt != "text/plain" {
		return ""
	}
	var r io.Reader = body
	switch strings.ToLower(cte) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runDigest runs the digest now and returns who got it.
func (e *env) runDigest() []string {
	e.t.Helper()
	before := map[string]int{}
	for _, r := range e.smtp.Recipients() {
		before[r] = len(e.smtp.Messages(r))
	}
	// Each run its own slot: a run of the same second is the same run.
	e.runs++
	res, err := e.m.Run(context.Background(), "daily", time.Now().Truncate(time.Second).Add(time.Duration(e.runs)*time.Second))
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Status == store.RunSkipped {
		e.t.Fatalf("digest run skipped: %s", res.Error)
	}
	var got []string
	for _, r := range e.smtp.Recipients() {
		if len(e.smtp.Messages(r)) > before[r] {
			got = append(got, r)
		}
	}
	return got
}

// addEdition stores a copy of the sample edition as date, so that a later
// digest run has something new.
func (e *env) addEdition(date string) {
	e.t.Helper()
	ed := fixture.SampleEdition(e.t)
	old := ed.Date
	ed.Date = date
	ed.Source = "pages/" + date + ".txt"
	arts := make([]content.Article, len(ed.Articles))
	for i, a := range ed.Articles {
		a.Date = date
		a.ID = strings.Replace(a.ID, old, date, 1)
		arts[i] = a
	}
	fixture.TagTopics(arts)
	ed.Articles = arts
	if _, err := e.st.SaveEdition(context.Background(), ed, "hash-"+date); err != nil {
		e.t.Fatal(err)
	}
}
