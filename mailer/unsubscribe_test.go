package mailer

import (
	"context"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// flip changes one character of a token in the middle.
func flip(tok string) string {
	i := len(tok) / 2
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

func TestUnsubscribeToken(t *testing.T) {
	secret := []byte("test-secret-0123456789")
	old := []byte("old-secret-9876543210")
	const site = "https://news.example.cn"
	keys := NewUnsubscribeKeys(site, secret, old)
	tok := keys.Token("residents", "a@example.org")
	list, addr, err := keys.Parse(tok)
	if err != nil || list != "residents" || addr != "a@example.org" {
		t.Fatalf("parse own token = %q %q %v", list, addr, err)
	}
	if tok != keys.Token("residents", "a@example.org") {
		t.Error("the same list and address gave two tokens: a re-sent message would carry another link")
	}
	// Opaque: neither the address nor its base64 is in the token.
	for _, leak := range []string{"a@example.org", b64.EncodeToString([]byte("a@example.org")), "residents", b64.EncodeToString([]byte("residents"))} {
		if strings.Contains(tok, leak) || strings.Contains(tok, leak[:len(leak)-2]) {
			t.Errorf("token %q shows %q", tok, leak)
		}
	}
	// The scheme and a trailing slash are not the site: a move to https
	// keeps the links working.
	if _, _, err := NewUnsubscribeKeys("http://NEWS.example.cn/", secret).Parse(tok); err != nil {
		t.Errorf("a token of https://news.example.cn does not open under http://NEWS.example.cn/: %v", err)
	}
	// Rotation: tokens sealed with the old secret, and today's format
	// (mail already sent) signed with it, keep working while it is listed.
	oldKeys := NewUnsubscribeKeys(site, old)
	for name, good := range map[string]string{
		"sealed with the old secret":     oldKeys.Token("residents", "b@example.org"),
		"earlier format, old secret":     legacyToken(old, "residents", "b@example.org"),
		"earlier format, current secret": legacyToken(secret, "residents", "b@example.org"),
	} {
		if l, a, err := keys.Parse(good); err != nil || l != "residents" || a != "b@example.org" {
			t.Errorf("%s: parse = %q %q %v", name, l, a, err)
		}
		if _, _, err := NewUnsubscribeKeys(site, []byte("a-third-secret-0123456")).Parse(good); err == nil {
			t.Errorf("%s: opened once its secret is no longer listed", name)
		}
	}
	legacy := legacyToken(secret, "residents", "a@example.org")
	parts := strings.Split(legacy, ".")
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"altered", flip(tok)},
		{"truncated", tok[:len(tok)-4]},
		{"too short", tok[:10]},
		{"other site", NewUnsubscribeKeys("https://other.example.cn", secret).Token("residents", "a@example.org")},
		{"other path on the same host", NewUnsubscribeKeys("https://news.example.cn/other/", secret).Token("residents", "a@example.org")},
		{"unlisted secret", NewUnsubscribeKeys(site, []byte("another-secret-0123456")).Token("residents", "a@example.org")},
		{"not base64", "!!" + tok[2:]},
		{"earlier format, two parts", parts[0] + "." + parts[1]},
		{"earlier format, other address, same mac", parts[0] + "." + b64.EncodeToString([]byte("b@example.org")) + "." + parts[2]},
		{"earlier format, other list, same mac", b64.EncodeToString([]byte("staff")) + "." + parts[1] + "." + parts[2]},
		{"earlier format, flipped mac", parts[0] + "." + parts[1] + "." + strings.ToUpper(parts[2][:1]) + strings.ToLower(parts[2][1:])},
		{"earlier format, unlisted secret", legacyToken([]byte("another-secret-0123456"), "residents", "b@example.org")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := keys.Parse(tc.token); err == nil {
				t.Fatalf("token %q accepted", tc.token)
			}
		})
	}
}

func TestUnsubscribeHandler(t *testing.T) {
	st := fixture.NewStore(t)
	cfg := testConfig(nil, 3)
	m := newDigests(t, cfg, st, st)
	mux := http.NewServeMux()
	mux.Handle("/unsubscribe", m.UnsubscribeHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()
	link, _ := url.Parse(m.unsubscribeURL("residents", "r0001@example.org"))
	token := link.Query().Get("t")
	unsubscribed := func(addr string) bool {
		t.Helper()
		ok, err := st.IsUnsubscribed(ctx, "residents", addr)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	do := func(method, query, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/unsubscribe?"+query, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tampered := flip(token)

	// GET only asks.
	code, page := do("GET", "t="+url.QueryEscape(token), "")
	if code != 200 || !strings.Contains(page, "确认退订") || !strings.Contains(page, "r0001@example.org") ||
		!strings.Contains(page, `<form method="post" action="?t=`+url.QueryEscape(token)+`">`) {
		t.Fatalf("GET = %d %s", code, page)
	}
	if unsubscribed("r0001@example.org") {
		t.Fatal("GET unsubscribed")
	}
	// A tampered token: 400, nothing changes.
	for _, method := range []string{"GET", "POST"} {
		if code, page := do(method, "t="+url.QueryEscape(tampered), "List-Unsubscribe=One-Click"); code != 400 || !strings.Contains(page, "链接无效") {
			t.Fatalf("%s tampered = %d %s", method, code, page)
		}
	}
	if unsubscribed("r0001@example.org") {
		t.Fatal("tampered token unsubscribed")
	}
	// RFC 8058 one-click POST.
	if code, page := do("POST", "t="+url.QueryEscape(token), "List-Unsubscribe=One-Click"); code != 200 || !strings.Contains(page, "已退订") {
		t.Fatalf("one-click POST = %d %s", code, page)
	}
	if !unsubscribed("r0001@example.org") {
		t.Fatal("one-click POST did not unsubscribe")
	}
	// The confirmation form's POST, token in the body.
	other, _ := url.Parse(m.unsubscribeURL("residents", "r0002@example.org"))
	if code, _ := do("POST", "", "t="+url.QueryEscape(other.Query().Get("t"))); code != 200 || !unsubscribed("r0002@example.org") {
		t.Fatalf("form POST = %d", code)
	}
	if code, _ := do("DELETE", "t="+url.QueryEscape(token), ""); code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE = %d", code)
	}
	if unsubscribed("r0000@example.org") {
		t.Fatal("an address nobody unsubscribed is unsubscribed")
	}
	// A link in mail sent before tokens became opaque still works.
	legacy := legacyToken(cfg.UnsubscribeSecret, "residents", "r0000@example.org")
	if code, _ := do("POST", "t="+url.QueryEscape(legacy), "List-Unsubscribe=One-Click"); code != 200 || !unsubscribed("r0000@example.org") {
		t.Fatalf("POST with a token of the earlier format = %d", code)
	}
}

// TestUnsubscribePageNotFramed: the confirmation page, whose button
// unsubscribes at once, refuses to be framed and is never cached.
func TestUnsubscribePageNotFramed(t *testing.T) {
	st := fixture.NewStore(t)
	m := newDigests(t, testConfig(nil, 1), st, st)
	link, _ := url.Parse(m.unsubscribeURL("residents", "r0000@example.org"))
	rec := httptest.NewRecorder()
	m.UnsubscribeHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/unsubscribe?"+link.RawQuery, nil))
	h := rec.Result().Header
	if rec.Code != 200 || h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		h.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET = %d, headers %v", rec.Code, h)
	}
}
