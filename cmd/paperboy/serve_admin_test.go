package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

// TestServeRefusesAShortAdminToken: a guessable token stops the daemon
// at start with a message naming the variable, before anything listens.
func TestServeRefusesAShortAdminToken(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	_, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, Addresses: []string{"r1@example.org"}})
	t.Setenv(e2eTokenEnv, "a")
	var stdout, stderr fixture.SyncBuffer
	err := run(context.Background(), []string{"serve", "-config", cfgPath}, &stdout, &stderr)
	// The problem is printed with its line, as check prints it.
	if err == nil || !strings.Contains(stderr.String(), e2eTokenEnv) || !strings.Contains(stderr.String(), "at least 32") {
		t.Fatalf("serve with a 1-character admin token: %v; want a refusal naming %s", err, e2eTokenEnv)
	}
	if strings.Contains(stdout.String(), "serving") {
		t.Fatalf("it served: %s", stdout.String())
	}
}

var adminAddrRE = regexp.MustCompile(`msg=serving_admin addr=(\S+)`)

// TestServeAdminListen: with server.admin_listen, /admin and /metrics are
// served there and nowhere on the public listener, and so is the console.
func TestServeAdminListen(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	_, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, Addresses: []string{"r1@example.org"},
		AdminListen: "127.0.0.1:0"})
	d := startDaemon(t, cfgPath)
	var adminBase string
	waitFor(t, 5*time.Second, "the admin listener in the log", func() (bool, string) {
		m := adminAddrRE.FindStringSubmatch(d.log.String())
		if m != nil {
			adminBase = "http://" + m[1]
		}
		return m != nil, d.log.String()
	})
	get := func(url string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, path := range []string{"/admin/status", "/metrics", "/admin/login"} {
		if code := get(adminBase + path); code != http.StatusOK {
			t.Errorf("%s on admin_listen = %d, want 200", path, code)
		}
		if code := get(d.base + path); code != http.StatusNotFound {
			t.Errorf("%s on the public listener = %d, want 404", path, code)
		}
	}
	if code := get(d.base + "/rss.xml"); code != http.StatusOK {
		t.Errorf("the feed on the public listener = %d", code)
	}
	if code := get(adminBase + "/rss.xml"); code != http.StatusNotFound {
		t.Errorf("the feed on the admin listener = %d, want 404", code)
	}
}

// TestServeReportsSuppressionsAndProductionWarnings: the daemon logs what
// check would warn about at start (this file sends with transport smtp and
// no DKIM key), and /admin/status and /metrics count the suppression list.
func TestServeReportsSuppressionsAndProductionWarnings(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, Addresses: []string{"r1@example.org"}})
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dir)
	for _, sup := range []store.Suppression{
		{Address: "gone@example.org", Reason: store.SuppressHardBounce, Evidence: "550 5.1.1"},
		{Address: "angry@example.org", Reason: store.SuppressComplaint, Evidence: "ARF report"},
	} {
		if _, err := st.Suppress(context.Background(), sup); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	d := startDaemon(t, cfgPath)
	var warned string
	for _, line := range strings.Split(d.log.String(), "\n") {
		if strings.Contains(line, "production_warning") && strings.Contains(line, "dkim.key_file") {
			warned = line
		}
	}
	if warned == "" || !strings.Contains(warned, cfgPath) {
		t.Errorf("no production warning about dkim.key_file naming %s in the log:\n%s", cfgPath, d.log.String())
	}

	code, body := d.request(t, http.MethodGet, "/admin/status", e2eToken)
	var doc struct {
		Suppressions map[string]int `json:"suppressions"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("status = %d %s", code, body)
	}
	if doc.Suppressions[store.SuppressHardBounce] != 1 || doc.Suppressions[store.SuppressComplaint] != 1 {
		t.Errorf("status suppressions = %v, want one hard bounce and one complaint", doc.Suppressions)
	}
	code, body = d.request(t, http.MethodGet, "/metrics", e2eToken)
	if code != http.StatusOK || !strings.Contains(string(body), `paperboy_suppressed_addresses{reason="hard-bounce"} 1`) ||
		!strings.Contains(string(body), `paperboy_suppressed_addresses{reason="soft-bounces"} 0`) {
		t.Errorf("metrics = %d, suppression gauges:\n%s", code, grepLines(string(body), "paperboy_suppressed"))
	}
}
