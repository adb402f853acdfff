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

func TestUnsubscribeToken(t *testing.T) {
	secret := []byte("test-secret-0123456789")
	tok := UnsubscribeToken(secret, "residents", "a@example.org")
	list, addr, err := ParseUnsubscribeToken(secret, tok)
	if err != nil || list != "residents" || addr != "a@example.org" {
		t.Fatalf("parse own token = %q %q %v", list, addr, err)
	}
	parts := strings.Split(tok, ".")
	forged := UnsubscribeToken([]byte("another-secret-0123456"), "residents", "b@example.org")
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"two parts", parts[0] + "." + parts[1]},
		{"other address, same mac", parts[0] + "." + b64.EncodeToString([]byte("b@example.org")) + "." + parts[2]},
		{"other list, same mac", b64.EncodeToString([]byte("staff")) + "." + parts[1] + "." + parts[2]},
		{"flipped mac", parts[0] + "." + parts[1] + "." + strings.ToUpper(parts[2][:1]) + strings.ToLower(parts[2][1:])},
		{"wrong secret", forged},
		{"not base64", "!!.??." + parts[2]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ParseUnsubscribeToken(secret, tc.token); err == nil {
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
	tampered := strings.Replace(token, ".", ".x", 1)

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
}
