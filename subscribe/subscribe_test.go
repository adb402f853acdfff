package subscribe_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
	"github.com/paperboy-news/paperboy/subscribe"
)

// TestSignupConfirmThenDigest: the whole double opt-in over HTTP and SMTP.
// A sign-up gets one confirmation mail and nothing else; the digest run
// before the click does not include it; after the click, the next run
// does.
func TestSignupConfirmThenDigest(t *testing.T) {
	e := newEnv(t, envOptions{})
	const reader = "reader@example.net"
	csrf := e.csrf()
	code, body := e.signup(csrf, reader, nil)
	if code != http.StatusOK || !strings.Contains(body, e.site.Words.SignupSentTitle) {
		t.Fatalf("sign-up answered %d:\n%s", code, body)
	}
	msgs := e.smtp.Messages(reader)
	if len(msgs) != 1 {
		t.Fatalf("%d mails to %s after the sign-up, want the one confirmation", len(msgs), reader)
	}
	raw := string(msgs[0])
	for _, h := range []string{"From: ", "<news@example.org>", "Auto-Submitted: auto-generated", "Content-Language: zh-CN", "Message-ID: <confirm."} {
		if !strings.Contains(raw, h) {
			t.Errorf("confirmation mail lacks %q:\n%s", h, raw[:min(len(raw), 800)])
		}
	}
	// The digests' DKIM signature and VERP return path.
	if !strings.Contains(raw, "DKIM-Signature: ") || !strings.Contains(raw, "d=example.org") || !strings.Contains(raw, "s=paperboy") {
		t.Errorf("confirmation mail is not DKIM-signed like the digests:\n%s", raw[:min(len(raw), 800)])
	}
	if senders := e.smtp.Senders(reader); len(senders) != 1 || !strings.HasPrefix(senders[0], "bounces+") {
		t.Errorf("confirmation mail's envelope sender = %q, want the digests' VERP return path", senders)
	}
	link := e.confirmLink(reader)
	if !strings.HasPrefix(link, e.srv.URL+"/paper/subscribe/confirm/?t=") {
		t.Errorf("link %s is not under the site's base URL", link)
	}

	// Unconfirmed: the digest goes to the configured address only.
	if got := e.runDigest(); !slices.Equal(got, []string{editor}) {
		t.Fatalf("digest before the click went to %q, want only %s", got, editor)
	}
	// A link scanner's GET confirms nothing.
	if code, _ := e.get(link); code != http.StatusOK {
		t.Fatalf("confirmation page: %d", code)
	}
	if subs, _ := e.st.SubscriptionsOf(context.Background(), reader); len(subs) != 1 || subs[0].Status != store.SubPending {
		t.Fatalf("after a GET of the link: %+v, want one pending sign-up", subs)
	}
	code, body = e.confirm(link)
	if code != http.StatusOK || !strings.Contains(body, e.site.Words.ConfirmedTitle) {
		t.Fatalf("confirm answered %d:\n%s", code, body)
	}
	subs, err := e.st.SubscriptionsOf(context.Background(), reader)
	if err != nil || len(subs) != 1 || subs[0].Status != store.SubConfirmed || subs[0].ConfirmIP != "127.0.0.1" {
		t.Fatalf("after the click: %+v, %v; want confirmed from 127.0.0.1", subs, err)
	}

	e.addEdition("2021-07-21")
	got := e.runDigest()
	if !slices.Equal(got, []string{editor, reader}) {
		t.Fatalf("digest after the click went to %q, want %s and %s", got, editor, reader)
	}
	// The digest carries the preferences link, which opens the page.
	digest := mailText(t, e.smtp.Messages(reader)[1])
	manage := regexp.MustCompile(`https?://\S+/unsubscribe\?t=\S+&manage=1`).FindString(digest)
	if manage == "" {
		t.Fatalf("the digest has no manage link:\n%s", digest)
	}
	code, body = e.get(manage)
	if code != http.StatusOK || !strings.Contains(body, e.site.Words.ManageTitle) || !strings.Contains(body, reader) {
		t.Fatalf("manage link answered %d:\n%s", code, body)
	}

	// The digest's unsubscribe link (one click, as a mail client posts
	// it) takes the reader off, and its page links the way back.
	unsub := strings.TrimSuffix(manage, "&manage=1")
	resp, err := e.client.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if subs, _ := e.st.SubscriptionsOf(context.Background(), reader); subs[0].Status != store.SubUnsubscribed {
		t.Fatalf("after the unsubscribe link: %s", subs[0].Status)
	}
	back := regexp.MustCompile(`href="([^"]*/subscribe/manage/\?t=[^"]+)"`).FindStringSubmatch(string(page))
	if back == nil {
		t.Fatalf("the unsubscribed page has no way back:\n%s", page)
	}
	body = mustGet(t, e, htmlUnescape(back[1]))
	tok := regexp.MustCompile(`name="t" value="([^"]+)"`).FindStringSubmatch(body)
	form := csrfRE.FindStringSubmatch(body)
	if tok == nil || form == nil {
		t.Fatalf("preferences page without its form:\n%s", body)
	}
	mails := len(e.smtp.Messages(reader))
	if code, _ := e.post(e.site.Path(site.ManagePath), url.Values{"csrf": {htmlUnescape(form[1])}, "t": {htmlUnescape(tok[1])}, "action": {"save"}, "list": {"residents"}}); code != http.StatusOK {
		t.Fatalf("coming back: %d", code)
	}
	e.h.Wait()
	if len(e.smtp.Messages(reader)) != mails+1 {
		t.Fatal("coming back sent no fresh confirmation")
	}
	if code, _ := e.confirm(e.confirmLink(reader)); code != http.StatusOK {
		t.Fatal("confirming the return failed")
	}
	if subs, _ := e.st.SubscriptionsOf(context.Background(), reader); subs[0].Status != store.SubConfirmed {
		t.Fatalf("after coming back: %s", subs[0].Status)
	}
}

// TestSameAnswerForKnownAndUnknown: a confirmed reader and a stranger get
// byte-identical answers (once the address itself is taken out).
func TestSameAnswerForKnownAndUnknown(t *testing.T) {
	e := newEnv(t, envOptions{})
	const known, unknown = "known@example.net", "stranger@example.net"
	csrf := e.csrf()
	e.signup(csrf, known, nil)
	if code, _ := e.confirm(e.confirmLink(known)); code != http.StatusOK {
		t.Fatal("confirm failed")
	}
	answer := func(addr string) (int, string) {
		code, body := e.signup(csrf, addr, nil)
		return code, strings.ReplaceAll(body, addr, "ADDRESS")
	}
	kc, kb := answer(known)
	uc, ub := answer(unknown)
	if kc != uc || kb != ub {
		t.Fatalf("known: %d\n%s\nunknown: %d\n%s", kc, kb, uc, ub)
	}
	// Configured addresses, too.
	if ec, eb := answer(editor); ec != uc || eb != ub {
		t.Fatalf("configured address answered differently: %d\n%s", ec, eb)
	}
}

// TestExpiredLinkFailsClearly: past its time a link shows its own page
// (410) and confirms nothing; an altered one is refused (400).
func TestExpiredLinkFailsClearly(t *testing.T) {
	e := newEnv(t, envOptions{})
	const reader = "late@example.net"
	e.signup(e.csrf(), reader, nil)
	link := e.confirmLink(reader)
	e.clock.Add(48*time.Hour + time.Minute)
	code, body := e.get(link)
	if code != http.StatusGone || !strings.Contains(body, e.site.Words.LinkExpiredTitle) || !strings.Contains(body, e.site.Words.LinkExpiredText) {
		t.Fatalf("expired link: %d\n%s", code, body)
	}
	// Posting it straight (a page kept open) fails the same way.
	u, _ := url.Parse(link)
	csrf := csrfRE.FindStringSubmatch(mustGet(t, e, e.site.Path(site.SubscribePath)))[1]
	code, body = e.post(e.site.Path(site.ConfirmPath), url.Values{"csrf": {htmlUnescape(csrf)}, "t": {u.Query().Get("t")}})
	if code != http.StatusGone {
		t.Fatalf("posting an expired link: %d\n%s", code, body)
	}
	if subs, _ := e.st.SubscriptionsOf(context.Background(), reader); len(subs) == 1 && subs[0].Status == store.SubConfirmed {
		t.Fatal("an expired link confirmed")
	}
	tok := u.Query().Get("t")
	altered := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(tok, "AA")]
	if code, body := e.get(e.site.Path(site.ConfirmPath) + "?t=" + altered); code != http.StatusBadRequest || !strings.Contains(body, e.site.Words.LinkBadTitle) {
		t.Fatalf("altered link: %d\n%s", code, body)
	}
	// The expired sign-up is deleted at the next digest run.
	e.runDigest()
	if subs, err := e.st.SubscriptionsOf(context.Background(), reader); err != nil || len(subs) != 0 {
		t.Fatalf("expired sign-up still stored: %+v, %v", subs, err)
	}
}

func mustGet(t *testing.T, e *env, path string) string {
	t.Helper()
	code, body := e.get(path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, code)
	}
	return body
}

// TestRateLimitsUnderALoop: 1,000 sign-ups of one address (spelt in
// different cases) send it one mail; 1,000 sign-ups from one IP are cut
// off after the limiter's burst.
func TestRateLimitsUnderALoop(t *testing.T) {
	t.Run("one address", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		csrf := e.csrf()
		spellings := []string{"target@example.net", "Target@example.net", "target@EXAMPLE.net", "TARGET@example.NET"}
		for i := range 1000 {
			code, _ := e.post(e.site.Path(site.SubscribePath), url.Values{"csrf": {csrf}, "email": {spellings[i%len(spellings)]}, "list": {"residents"}})
			if code != http.StatusOK {
				t.Fatalf("sign-up %d: %d", i, code)
			}
		}
		e.h.Wait()
		if n := e.smtp.Total(); n != 1 {
			t.Fatalf("1,000 sign-ups of one address sent %d mails, want 1 (a stranger is mailed at most once a day)", n)
		}
	})
	t.Run("one IP", func(t *testing.T) {
		e := newEnv(t, envOptions{limiter: subscribe.NewIPLimiter(10, time.Hour)})
		csrf := e.csrf()
		ok, limited := 0, 0
		for i := range 1000 {
			code, _ := e.post(e.site.Path(site.SubscribePath), url.Values{"csrf": {csrf}, "email": {"r" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@example.net"}, "list": {"residents"}})
			switch code {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited++
			default:
				t.Fatalf("sign-up %d: %d", i, code)
			}
		}
		e.h.Wait()
		if ok != 10 || limited != 990 || e.smtp.Total() > 10 {
			t.Fatalf("from one IP: %d accepted, %d limited, %d mails; want 10, 990, at most 10", ok, limited, e.smtp.Total())
		}
	})
}

// TestAbuseGuards: a filled honeypot gets the usual answer and no mail; a
// post without the CSRF token or with a huge body changes nothing.
func TestAbuseGuards(t *testing.T) {
	e := newEnv(t, envOptions{})
	csrf := e.csrf()
	code, body := e.signup(csrf, "bot@example.net", url.Values{"website": {"http://spam.example"}})
	if code != http.StatusOK || !strings.Contains(body, e.site.Words.SignupSentTitle) {
		t.Fatalf("honeypot answer: %d", code)
	}
	code, _ = e.signup("", "nocsrf@example.net", nil)
	if code != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d, want 403", code)
	}
	code, _ = e.signup("forged"+csrf, "forged@example.net", nil)
	if code != http.StatusForbidden {
		t.Fatalf("wrong CSRF token: %d, want 403", code)
	}
	code, _ = e.signup(csrf, "big@example.net", url.Values{"pad": {strings.Repeat("x", 64<<10)}})
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("64 KB body: %d, want 413", code)
	}
	code, _ = e.signup(csrf, "not an address", nil)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d, want 422", code)
	}
	if n := e.smtp.Total(); n != 0 {
		t.Fatalf("%d mails sent, want none", n)
	}
}

// TestPreferences: topics change at once; leaving a list unsubscribes;
// coming back needs a fresh confirmation; "unsubscribe from all" leaves.
func TestPreferences(t *testing.T) {
	e := newEnv(t, envOptions{digestTopics: []string{"flood", "economy"}})
	const reader = "prefs@example.net"
	ctx := context.Background()
	e.signup(e.csrf(), reader, url.Values{"topic:residents": {"flood"}})
	if code, _ := e.confirm(e.confirmLink(reader)); code != http.StatusOK {
		t.Fatal("confirm failed")
	}
	subs, _ := e.st.SubscriptionsOf(ctx, reader)
	if len(subs) != 1 || !slices.Equal(subs[0].Topics, []string{"flood"}) {
		t.Fatalf("after confirming: %+v, want topics [flood]", subs)
	}
	manage := e.site.Path(site.ManagePath) + "?t=" + url.QueryEscape(e.m.ManageToken("residents", reader))
	page := mustGet(t, e, manage)
	csrf := htmlUnescape(csrfRE.FindStringSubmatch(page)[1])
	tok := e.m.ManageToken("residents", reader)
	save := func(v url.Values) string {
		t.Helper()
		v.Set("csrf", csrf)
		v.Set("t", tok)
		code, body := e.post(e.site.Path(site.ManagePath), v)
		if code != http.StatusOK {
			t.Fatalf("manage post: %d\n%s", code, body)
		}
		e.h.Wait()
		return body
	}
	save(url.Values{"action": {"save"}, "list": {"residents"}, "topic:residents": {"economy"}})
	if subs, _ = e.st.SubscriptionsOf(ctx, reader); !slices.Equal(subs[0].Topics, []string{"economy"}) {
		t.Fatalf("topics after save: %v", subs[0].Topics)
	}
	save(url.Values{"action": {"save"}})
	if subs, _ = e.st.SubscriptionsOf(ctx, reader); subs[0].Status != store.SubUnsubscribed {
		t.Fatalf("after unticking the list: %s", subs[0].Status)
	}
	e.addEdition("2021-07-21")
	if got := e.runDigest(); slices.Contains(got, reader) || !slices.Contains(got, editor) {
		t.Fatalf("digest went to %q: want the editor and not the reader who left", got)
	}
	mails := len(e.smtp.Messages(reader))
	body := save(url.Values{"action": {"save"}, "list": {"residents"}})
	if !strings.Contains(body, strings.Split(e.site.Words.ManageConfirmSent, "{")[0]) {
		t.Fatalf("coming back does not say a confirmation is needed:\n%s", body)
	}
	if subs, _ = e.st.SubscriptionsOf(ctx, reader); subs[0].Status != store.SubUnsubscribed {
		t.Fatalf("coming back took effect before the confirmation: %s", subs[0].Status)
	}
	if len(e.smtp.Messages(reader)) != mails+1 {
		t.Fatal("no fresh confirmation mail for coming back")
	}
	if code, _ := e.confirm(e.confirmLink(reader)); code != http.StatusOK {
		t.Fatal("confirming the return failed")
	}
	if subs, _ = e.st.SubscriptionsOf(ctx, reader); subs[0].Status != store.SubConfirmed {
		t.Fatalf("after confirming the return: %s", subs[0].Status)
	}
	save(url.Values{"action": {"unsubscribe"}})
	if subs, _ = e.st.SubscriptionsOf(ctx, reader); subs[0].Status != store.SubUnsubscribed {
		t.Fatalf("after unsubscribe from all: %s", subs[0].Status)
	}
}

// TestTopicsNarrowTheDigest: a subscriber who chose topics gets the run's
// articles in them only; one who chose none gets the whole digest; one
// whose topics have nothing in the run gets nothing that run.
func TestTopicsNarrowTheDigest(t *testing.T) {
	e := newEnv(t, envOptions{digestTopics: []string{"flood", "economy"}})
	ctx := context.Background()
	for addr, topics := range map[string][]string{"economy@example.net": {"economy"}, "all@example.net": nil, "nothing@example.net": {"no-such-topic"}} {
		if err := e.st.AddSubscriber(ctx, store.Subscriber{List: "residents", Address: addr, Topics: topics, Status: store.SubConfirmed, Source: store.SourceAdmin, Note: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	e.addEdition("2021-07-21")
	got := e.runDigest()
	if !slices.Equal(got, []string{"all@example.net", "economy@example.net", editor}) {
		t.Fatalf("digest went to %q", got)
	}
	arts, err := e.st.EditionArticles(ctx, "2021-07-21")
	if err != nil {
		t.Fatal(err)
	}
	economy := mailText(t, e.smtp.Messages("economy@example.net")[0])
	all := mailText(t, e.smtp.Messages("all@example.net")[0])
	var in, out int
	for _, a := range arts {
		title := a.Title
		switch {
		case slices.Contains(a.Topics, "economy"):
			in++
			if !strings.Contains(economy, title) {
				t.Errorf("the economy reader's digest lacks %q in:\n%s", title, economy)
			}
		case slices.Contains(a.Topics, "flood"):
			out++
			if strings.Contains(economy, title) {
				t.Errorf("the economy reader's digest has the flood article %q", title)
			}
			if !strings.Contains(all, title) {
				t.Errorf("the whole digest lacks %q", title)
			}
		}
	}
	if in == 0 || out == 0 {
		t.Fatalf("the sample has %d economy and %d flood-only articles: the test needs both", in, out)
	}
}

// TestSiteLanguage: an English site signs up in English, pages and mail.
func TestSiteLanguage(t *testing.T) {
	e := newEnv(t, envOptions{lang: "en"})
	page := mustGet(t, e, e.site.Path(site.SubscribePath))
	for _, want := range []string{`<html lang="en">`, "Email subscription", "Email address", "Subscribe"} {
		if !strings.Contains(page, want) {
			t.Errorf("sign-up page lacks %q", want)
		}
	}
	_, body := e.signup(e.csrf(), "en@example.net", nil)
	if !strings.Contains(body, "Check your inbox") {
		t.Errorf("answer is not in English:\n%s", body)
	}
	text := mailText(t, e.smtp.Messages("en@example.net")[0])
	if !strings.Contains(text, "To confirm, open this link within 48 hours") {
		t.Errorf("confirmation mail is not in English:\n%s", text)
	}
}
