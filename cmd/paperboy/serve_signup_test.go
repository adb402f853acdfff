package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/smtptest"
)

// TestServeSignup: the daemon wires sign-up: every page's footer has the
// form, /subscribe/ takes a sign-up, the confirmation goes through the
// daemon's SMTP transport with a link under base_url, the click confirms,
// and /admin/status counts the subscriber.
func TestServeSignup(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	_, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: "0 7 * * *", Addresses: []string{"r3@example.org"}, Signup: true})
	d := startDaemon(t, cfgPath)
	if code, body := d.request(t, http.MethodGet, "/", ""); code != http.StatusOK || !bytes.Contains(body, []byte(`<form class="signup" method="get" action="/subscribe/">`)) {
		t.Fatalf("home page (%d) has no sign-up form in its footer", code)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	read := func(resp *http.Response, err error) (int, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	code, page := read(client.Get(d.base + "/subscribe/?email=new@example.net"))
	m := csrfRE.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil || !strings.Contains(page, `value="new@example.net"`) || !strings.Contains(page, "每日新闻摘要") {
		t.Fatalf("sign-up page: %d\n%s", code, page)
	}
	csrf := strings.ReplaceAll(m[1], "&#43;", "+")
	if code, _ := read(client.PostForm(d.base+"/subscribe/", url.Values{"csrf": {csrf}, "email": {"new@example.net"}, "list": {"residents"}})); code != http.StatusOK {
		t.Fatalf("sign-up: %d", code)
	}
	waitFor(t, 10*time.Second, "the confirmation mail", func() (bool, string) {
		return len(sink.Messages("new@example.net")) == 1, ""
	})
	raw := string(sink.Messages("new@example.net")[0])
	_, b64body, _ := strings.Cut(raw, "\r\n\r\n")
	text, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64body, "\r\n", ""))
	if err != nil {
		t.Fatalf("confirmation body: %v\n%s", err, raw)
	}
	link := regexp.MustCompile(`http://news\.example\.org/subscribe/confirm/\?t=[A-Za-z0-9_-]+`).FindString(string(text))
	if link == "" {
		t.Fatalf("no link under base_url in:\n%s", text)
	}
	u, _ := url.Parse(link)
	code, page = read(client.Get(d.base + u.RequestURI()))
	m = csrfRE.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("confirmation page: %d\n%s", code, page)
	}
	if code, page := read(client.PostForm(d.base+"/subscribe/confirm/", url.Values{"csrf": {strings.ReplaceAll(m[1], "&#43;", "+")}, "t": {u.Query().Get("t")}})); code != http.StatusOK {
		t.Fatalf("confirm: %d\n%s", code, page)
	}
	_, body := d.request(t, http.MethodGet, "/admin/status", e2eToken)
	var st struct {
		Subscribers map[string]map[string]int `json:"subscribers"`
	}
	if err := json.Unmarshal(body, &st); err != nil || st.Subscribers["residents"]["confirmed"] != 1 {
		t.Fatalf("admin status subscribers: %v %s", err, body)
	}
}
