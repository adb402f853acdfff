package main

// End-to-end tests of `paperboy serve`: the whole daemon in-process, on
// 127.0.0.1:0, with a temporary config.toml and store, the sample page, and
// digests delivered over TCP to an in-process go-smtp server.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/mailer"
	"github.com/paperboy-news/paperboy/store"
)

const (
	e2eTokenEnv  = "PAPERBOY_E2E_ADMIN_TOKEN"
	e2eToken     = "e2e-admin-token-0123456789abcdefghij"
	e2eSecretEnv = "PAPERBOY_E2E_UNSUBSCRIBE_SECRET"
	// Digest slots: the first spec fires on even seconds, the second on
	// odd ones, so a message's slot (in its Message-ID) tells which spec
	// sent it.
	evenSeconds = "*/2 * * * * *"
	oddSeconds  = "1-59/2 * * * * *"
)

// daemonConfig is what the tests vary in config.toml.
type daemonConfig struct {
	SMTPPort        int
	Schedule        string
	Addresses       []string // inline addresses of the list "residents"
	ListFile        bool     // the list also reads lists/residents.txt
	FromName        string
	CatchUp         string
	ShutdownTimeout string
	Connections     int
	AdminListen     string
	Signup          bool // the list "residents" is open for sign-up
	// DSNEnv, when set, puts the store on PostgreSQL: the variable
	// holding its connection string.
	DSNEnv          string
	FailoverTimeout string
}

// configTemplate is a complete config.toml; <% %> delimits the template's
// actions, as TOML uses [[ ]].
var configTemplate = template.Must(template.New("config.toml").Delims("<%", "%>").Parse(`# written by serve_test.go
[site]
title = "示范区新闻"
description = "示范区（高新区）每日新闻"
base_url = "http://news.example.org/"
language = "zh-CN"
time_zone = "Asia/Shanghai"
publisher_address = "示范区新闻编辑部 · 示范区（高新区）示例路 1 号"

[content]
pages_dir = "pages"
markdown_dir = ""

[store]
path = "data/paperboy.db"
<% if .DSNEnv %>driver = "postgres"
dsn_env = "<% .DSNEnv %>"
failover_timeout = "<% .FailoverTimeout %>"<% end %>

[server]
listen = "127.0.0.1:0"
admin_token_env = "` + e2eTokenEnv + `"
shutdown_timeout = "<% .ShutdownTimeout %>"
<% if .AdminListen %>admin_listen = "<% .AdminListen %>"<% end %>

[log]
format = "text"
level = "info"

[feeds]
items = 50
formats = ["rss", "atom", "json"]

[smtp]
transport = "smtp"
file_dir = "outbox"
host = "127.0.0.1"
port = <% .SMTPPort %>
tls = "none"
user = ""
password_env = "PAPERBOY_E2E_SMTP_PASSWORD"
from = "news@example.org"
from_name = "<% .FromName %>"
rate = 1000
connections = <% .Connections %>
retries = 2
backoff = "100ms"
timeout = "10s"

[unsubscribe]
secret_env = "` + e2eSecretEnv + `"

[[lists]]
name = "residents"
addresses = [<% range $i, $a := .Addresses %><% if $i %>, <% end %>"<% $a %>"<% end %>]
<% if .ListFile %>file = "lists/residents.txt"<% end %>
<% if .Signup %>signup = true
title = "每日新闻摘要"<% end %>

[[digests]]
name = "daily"
schedule = "<% .Schedule %>"
lists = ["residents"]
topics = []
subject = "{{.Site}} {{.Date}}：{{.Lead}} 等{{.Count}}条"
skip_empty = true
catch_up = "<% .CatchUp %>"
period = "72h"
max_articles = 0

[jobs]
ingest = ""
watch_pages = true
feeds = ""
`))

// e2eSetup makes a site directory with the sample page, the environment
// the config names, and returns the config's path. The config itself is
// written by writeConfig.
func e2eSetup(t testing.TB) (dir, cfgPath string) {
	t.Helper()
	dir = t.TempDir()
	for _, d := range []string{"pages", "lists"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The first digest takes the latest edition only if it is within the
	// digest's period (72h): two days ago, leaving yesterday and today to
	// the tests.
	copyPage(t, dir, time.Now().In(mustZone(t, "Asia/Shanghai")).AddDate(0, 0, -2).Format(time.DateOnly))
	t.Setenv(e2eTokenEnv, e2eToken)
	t.Setenv(e2eSecretEnv, "e2e-unsubscribe-secret-0123456789")
	return dir, filepath.Join(dir, "config.toml")
}

// copyPage puts the sample page into the pages directory as the edition of
// date, atomically, as a careful uploader would.
func copyPage(t testing.TB, dir, date string) {
	t.Helper()
	writeAtomic(t, filepath.Join(dir, "pages", date+".txt"), fixture.SamplePage())
}

// writeAtomic replaces path by renaming a temporary file over it, as
// editors do.
func writeAtomic(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// renderConfig renders c as config.toml text.
func renderConfig(t testing.TB, c daemonConfig) string {
	t.Helper()
	if c.FromName == "" {
		c.FromName = "示范区新闻"
	}
	if c.CatchUp == "" {
		c.CatchUp = "1h"
	}
	if c.ShutdownTimeout == "" {
		c.ShutdownTimeout = "10s"
	}
	if c.Connections == 0 {
		c.Connections = 2
	}
	var b bytes.Buffer
	if err := configTemplate.Execute(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func writeConfig(t testing.TB, path string, c daemonConfig) {
	t.Helper()
	writeAtomic(t, path, []byte(renderConfig(t, c)))
}

// writeList writes the list file lists/residents.txt.
func writeList(t testing.TB, dir string, addrs []string) {
	t.Helper()
	writeAtomic(t, filepath.Join(dir, "lists", "residents.txt"), []byte("# residents\n"+strings.Join(addrs, "\n")+"\n"))
}

// daemon is one `paperboy serve` running in-process.
type runningDaemon struct {
	base   string // http://127.0.0.1:port
	cancel context.CancelFunc
	done   chan error
	log    *fixture.SyncBuffer

	stopOnce sync.Once
	stopErr  error
}

var servingRE = regexp.MustCompile(`paperboy: serving (http://\S+)\n`)

// startDaemon runs `paperboy serve -config cfgPath` until stop (or the
// test's end) and returns once it serves.
func startDaemon(t *testing.T, cfgPath string) *runningDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout fixture.SyncBuffer
	d := &runningDaemon{cancel: cancel, done: make(chan error, 1), log: &fixture.SyncBuffer{}}
	go func() { d.done <- run(ctx, []string{"serve", "-config", cfgPath}, &stdout, d.log) }()
	t.Cleanup(func() {
		if err := d.stop(t); err != nil {
			t.Errorf("daemon: %v", err)
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(stdout.String()); m != nil {
			d.base = m[1]
			return d
		}
		select {
		case err := <-d.done:
			d.done <- err
			t.Fatalf("serve ended before serving: %v\n%s", err, d.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start within 15s:\n%s", d.log.String())
		}
	}
}

// stop cancels the daemon's context, as SIGTERM does, and waits for run
// to return.
func (d *runningDaemon) stop(t *testing.T) error {
	t.Helper()
	d.stopOnce.Do(func() {
		d.cancel()
		select {
		case d.stopErr = <-d.done:
		case <-time.After(30 * time.Second):
			d.stopErr = errors.New("serve did not return within 30s of the cancel")
		}
	})
	return d.stopErr
}

// waitFor polls cond until it holds or timeout passes; state describes
// what cond saw last, for the failure message.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (ok bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last seen: %s", timeout, what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// request does one request; token "" sends no Authorization header.
func (d *runningDaemon) request(t *testing.T, method, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, d.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, body
}

// adminStatus is the part of /admin/status the tests read.
type adminStatus struct {
	Jobs []struct {
		Name    string `json:"name"`
		Spec    string `json:"spec"`
		Running bool   `json:"running"`
		LastRun *struct {
			Slot    time.Time `json:"slot"`
			Trigger string    `json:"trigger"`
			Outcome string    `json:"outcome"`
			Error   string    `json:"error"`
		} `json:"last_run"`
	} `json:"jobs"`
	Config struct {
		LastErrorProblems int      `json:"last_error_problems"`
		LastErrorAt       []string `json:"last_error_at"`
		Reloads           int      `json:"reloads"`
	} `json:"config"`
	Outbox map[string]int `json:"outbox"`
}

func (d *runningDaemon) status(t *testing.T) adminStatus {
	t.Helper()
	code, body := d.request(t, http.MethodGet, "/admin/status", e2eToken)
	if code != http.StatusOK {
		t.Fatalf("GET /admin/status = %d: %s", code, body)
	}
	var st adminStatus
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("/admin/status: %v\n%s", err, body)
	}
	return st
}

// digestJob is the status of job digest:daily.
func (st adminStatus) digestJob(t *testing.T) (spec string, lastSlot time.Time, lastOutcome string) {
	t.Helper()
	for _, j := range st.Jobs {
		if j.Name == "digest:daily" {
			if j.LastRun != nil {
				return j.Spec, j.LastRun.Slot, j.LastRun.Outcome
			}
			return j.Spec, time.Time{}, ""
		}
	}
	t.Fatalf("/admin/status lists no job digest:daily: %+v", st.Jobs)
	return "", time.Time{}, ""
}

// waitForReload waits until /admin/status shows the first reload done and
// digest:daily on spec.
func (d *runningDaemon) waitForReload(t *testing.T, spec string) {
	t.Helper()
	waitFor(t, 10*time.Second, "the reload", func() (bool, string) {
		st := d.status(t)
		got, _, _ := st.digestJob(t)
		return st.Config.Reloads == 1 && got == spec, fmt.Sprintf("reloads %d, spec %q, errors at %q", st.Config.Reloads, got, st.Config.LastErrorAt)
	})
}

// runIngest asks for an ingest through the admin endpoint; a 409 (one is
// running, e.g. started by the pages watcher) is retried.
func (d *runningDaemon) runIngest(t *testing.T) {
	t.Helper()
	waitFor(t, 10*time.Second, "POST /admin/jobs/ingest/run to be accepted", func() (bool, string) {
		code, body := d.request(t, http.MethodPost, "/admin/jobs/ingest/run", e2eToken)
		if code != http.StatusAccepted && code != http.StatusConflict {
			t.Fatalf("POST /admin/jobs/ingest/run = %d: %s", code, body)
		}
		return code == http.StatusAccepted, fmt.Sprintf("%d %s", code, body)
	})
}

// unsubscribeLink is the path and query of the https or http
// List-Unsubscribe link in rcpt's latest message.
func unsubscribeLink(t *testing.T, sink *smtptest.Server, rcpt string) string {
	t.Helper()
	msgs := sink.Messages(rcpt)
	if len(msgs) == 0 {
		t.Fatalf("%s has no message", rcpt)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[len(msgs)-1]))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range strings.Split(m.Header.Get("List-Unsubscribe"), ",") {
		u, err := url.Parse(strings.Trim(strings.TrimSpace(part), "<>"))
		if err == nil && strings.HasPrefix(u.Scheme, "http") {
			return u.RequestURI()
		}
	}
	t.Fatalf("%s: no http List-Unsubscribe link in %q", rcpt, m.Header.Get("List-Unsubscribe"))
	return ""
}

// postForm POSTs a form body to path and returns the status.
func (d *runningDaemon) postForm(t *testing.T, path, form string) int {
	t.Helper()
	resp, err := httpClient.Post(d.base+path, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// received is one message the sink accepted, parsed.
type received struct {
	messageID string
	slot      time.Time // from the Message-ID: digest.SLOT.hash@domain
	fromName  string
	subject   string
}

var messageIDRE = regexp.MustCompile(`^daily\.(\d{8}T\d{6}Z)\.[0-9a-f]+@`)

func messagesOf(t *testing.T, sink *smtptest.Server, rcpt string) []received {
	t.Helper()
	var out []received
	for _, raw := range sink.Messages(rcpt) {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message to %s: %v", rcpt, err)
		}
		r := received{messageID: strings.Trim(m.Header.Get("Message-Id"), "<>")}
		sm := messageIDRE.FindStringSubmatch(r.messageID)
		if sm == nil {
			t.Fatalf("message to %s: Message-ID %q is not digest.slot.hash@domain", rcpt, r.messageID)
		}
		if r.slot, err = time.Parse("20060102T150405Z", sm[1]); err != nil {
			t.Fatal(err)
		}
		from, err := (&mail.AddressParser{}).Parse(m.Header.Get("From"))
		if err != nil {
			t.Fatalf("message to %s: From: %v", rcpt, err)
		}
		r.fromName = from.Name
		if r.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
			t.Fatalf("message to %s: Subject: %v", rcpt, err)
		}
		if to := m.Header.Get("To"); !strings.Contains(to, rcpt) {
			t.Fatalf("message for %s has To %q", rcpt, to)
		}
		out = append(out, r)
	}
	return out
}

// waitForCounts waits until each recipient in want has exactly its count
// of messages (more fails at once).
func waitForCounts(t *testing.T, sink *smtptest.Server, want map[string]int) {
	t.Helper()
	waitFor(t, 15*time.Second, "every recipient's messages", func() (bool, string) {
		var short []string
		for rcpt, n := range want {
			got := len(sink.Messages(rcpt))
			if got > n {
				t.Fatalf("%s got %d messages, want %d: %+v", rcpt, got, n, messagesOf(t, sink, rcpt))
			}
			if got < n {
				short = append(short, fmt.Sprintf("%s %d/%d", rcpt, got, n))
			}
		}
		return len(short) == 0, strings.Join(short, ", ")
	})
}

// checkFeeds fetches the three feeds and checks they are well-formed and
// carry the sample page's articles.
func checkFeeds(t *testing.T, d *runningDaemon) {
	t.Helper()
	for _, f := range []struct{ path, kind string }{{"/atom.xml", "atom"}, {"/rss.xml", "rss"}, {"/feed.json", "json"}} {
		code, body := d.request(t, http.MethodGet, f.path, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", f.path, code, body)
		}
		if f.kind == "json" {
			if !json.Valid(body) {
				t.Fatalf("%s is not valid JSON", f.path)
			}
		} else {
			dec := xml.NewDecoder(bytes.NewReader(body))
			dec.Strict = true
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("%s: strict XML decode: %v", f.path, err)
				}
			}
		}
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		if feed.FeedType != f.kind {
			t.Errorf("%s is a %s feed, want %s", f.path, feed.FeedType, f.kind)
		}
		found := false
		for _, it := range feed.Items {
			found = found || it.Title == "示范区党政联席会议召开"
		}
		if !found {
			t.Errorf("%s: %d items, none titled 示范区党政联席会议召开", f.path, len(feed.Items))
		}
	}
}

// feedHasItems reports whether /atom.xml lists articles yet.
func feedHasItems(t *testing.T, d *runningDaemon) (bool, string) {
	code, body := d.request(t, http.MethodGet, "/atom.xml", "")
	if code != http.StatusOK {
		return false, fmt.Sprintf("GET /atom.xml = %d", code)
	}
	n := bytes.Count(body, []byte("<entry>"))
	return n > 0, fmt.Sprintf("%d entries", n)
}

// lineOf is the 1-based line of text's first line containing s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("config has no line with %q", s)
	return 0
}

// TestServe runs the daemon through a day in its life: feeds served, a
// digest sent on a seconds-level spec, the config rewritten (new spec, new
// recipient) and followed without a restart, a broken config refused while
// the old one keeps running, and the admin endpoints.
func TestServe(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	// r1 and r2 come from the list file, r3 is inline.
	writeList(t, dir, []string{"r1@example.org", "读者二 <r2@example.org>"})
	cfg := daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, Addresses: []string{"r3@example.org"}, ListFile: true}
	writeConfig(t, cfgPath, cfg)
	d := startDaemon(t, cfgPath)

	// 1. The startup ingest reads the sample page and the feeds follow.
	waitFor(t, 15*time.Second, "the sample in the feeds", func() (bool, string) { return feedHasItems(t, d) })
	checkFeeds(t, d)

	// 2. The digest goes out on its even-second spec, once per recipient:
	// later runs find nothing new and send nothing.
	old := []string{"r1@example.org", "r2@example.org", "r3@example.org"}
	waitForCounts(t, sink, map[string]int{old[0]: 1, old[1]: 1, old[2]: 1})
	first := messagesOf(t, sink, old[0])[0]
	if first.slot.Second()%2 != 0 {
		t.Errorf("first digest's slot %s is not on the even-second spec", first.slot)
	}
	if !strings.Contains(first.subject, "示范区党政联席会议召开") {
		t.Errorf("subject %q does not lead with the sample's first headline", first.subject)
	}
	waitFor(t, 10*time.Second, "a later digest run that sends nothing", func() (bool, string) {
		_, slot, outcome := d.status(t).digestJob(t)
		return slot.After(first.slot) && outcome == "skipped", fmt.Sprintf("last run %s %s", slot, outcome)
	})
	waitForCounts(t, sink, map[string]int{old[0]: 1, old[1]: 1, old[2]: 1})

	// 6. Admin needs the token.
	for _, p := range []string{"/admin/status", "/metrics"} {
		if code, _ := d.request(t, http.MethodGet, p, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without a token = %d, want 401", p, code)
		}
		if code, _ := d.request(t, http.MethodGet, p, "wrong-token"); code != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token = %d, want 401", p, code)
		}
	}
	if code, _ := d.request(t, http.MethodPost, "/admin/jobs/ingest/run", ""); code != http.StatusUnauthorized {
		t.Errorf("POST /admin/jobs/ingest/run without a token = %d, want 401", code)
	}

	// 3. A new spec (odd seconds) and a new recipient, without a restart.
	cfg.Schedule = oddSeconds
	cfg.Addresses = append(cfg.Addresses, "new@example.org")
	writeConfig(t, cfgPath, cfg)
	d.waitForReload(t, oddSeconds)
	today := time.Now().In(mustZone(t, "Asia/Shanghai"))
	copyPage(t, dir, today.Format(time.DateOnly))
	d.runIngest(t)
	waitForCounts(t, sink, map[string]int{old[0]: 2, old[1]: 2, old[2]: 2, "new@example.org": 1})
	second := messagesOf(t, sink, "new@example.org")[0]
	if second.slot.Second()%2 != 1 {
		t.Errorf("digest after the reload has slot %s, not on the new odd-second spec", second.slot)
	}
	for _, r := range old {
		ms := messagesOf(t, sink, r)
		if ms[1].messageID == ms[0].messageID || !ms[1].slot.Equal(second.slot) {
			t.Errorf("%s: second message %+v, first %+v: want a new run's Message-ID at slot %s", r, ms[1], ms[0], second.slot)
		}
	}

	// A resident unsubscribes through the link in the mail (one-click
	// POST, RFC 8058), served by the daemon; a forged link changes nothing.
	unsub := unsubscribeLink(t, sink, old[2])
	if code := d.postForm(t, unsub+"x", "List-Unsubscribe=One-Click"); code != http.StatusBadRequest {
		t.Errorf("POST of a forged unsubscribe link = %d, want 400", code)
	}
	if code := d.postForm(t, unsub, "List-Unsubscribe=One-Click"); code != http.StatusOK {
		t.Fatalf("POST %s = %d, want 200", unsub, code)
	}

	// 4. A broken config (a misspelled key, a bad cron spec) is refused
	// with file:line and key; the running one goes on.
	good := renderConfig(t, cfg)
	bad := strings.Replace(good, "connections = 2", "conections = 2", 1)
	bad = strings.Replace(bad, `schedule = "`+oddSeconds+`"`, `schedule = "*/5 * * * * * *"`, 1)
	writeAtomic(t, cfgPath, []byte(bad))
	var st adminStatus
	waitFor(t, 10*time.Second, "the refused reload in /admin/status", func() (bool, string) {
		st = d.status(t)
		return st.Config.LastErrorProblems != 0, fmt.Sprintf("%+v", st.Config)
	})
	// /admin/status says where the problems are, not what they say (a
	// list file's problem quotes an address) nor the absolute path.
	wantAt := []string{
		fmt.Sprintf("config.toml:%d smtp.conections", lineOf(t, bad, "conections")),
		fmt.Sprintf("config.toml:%d digests.schedule", lineOf(t, bad, `schedule = "*/5`)),
	}
	if st.Config.LastErrorProblems != 2 || strings.Join(st.Config.LastErrorAt, "|") != strings.Join(wantAt, "|") {
		t.Errorf("config errors at %q (%d), want %q", st.Config.LastErrorAt, st.Config.LastErrorProblems, wantAt)
	}
	if _, body := d.request(t, http.MethodGet, "/admin/status", e2eToken); bytes.Contains(body, []byte(dir)) {
		t.Errorf("/admin/status shows the absolute path %s:\n%s", dir, body)
	}
	if spec, _, _ := st.digestJob(t); spec != oddSeconds || st.Config.Reloads != 1 {
		t.Errorf("after a bad config: spec %q, reloads %d; want the running %q, 1", spec, st.Config.Reloads, oddSeconds)
	}
	checkFeeds(t, d)
	// The list file is read at each run, not only at reloads: a resident
	// added to it gets the next digest, here under the running config.
	writeList(t, dir, []string{"r1@example.org", "读者二 <r2@example.org>", "late@example.org"})
	copyPage(t, dir, today.AddDate(0, 0, -1).Format(time.DateOnly))
	d.runIngest(t)
	waitForCounts(t, sink, map[string]int{old[0]: 3, old[1]: 3, old[2]: 2, "new@example.org": 2, "late@example.org": 1})
	if third := messagesOf(t, sink, "late@example.org")[0]; third.slot.Second()%2 != 1 {
		t.Errorf("digest after the refused reload has slot %s, not on the running odd-second spec", third.slot)
	}

	// 6. Metrics count what the sink received. The sink has a message
	// before paperboy has the server's reply, and a run adds its progress
	// to /metrics every 250 ms and when it ends: wait for the run to catch up.
	var body []byte
	wantSent := fmt.Sprintf("paperboy_messages_sent_total{digest=\"daily\"} %d\n", sink.Total())
	waitFor(t, 10*time.Second, "/metrics to count every message the sink received", func() (bool, string) {
		var code int
		code, body = d.request(t, http.MethodGet, "/metrics", e2eToken)
		if code != http.StatusOK {
			t.Fatalf("GET /metrics = %d", code)
		}
		return strings.Contains(string(body), wantSent), wantSent + " not in:\n" + grepLines(string(body), "paperboy_messages")
	})
	if !regexp.MustCompile(`(?m)^paperboy_items_ingested_total [1-9]`).Match(body) {
		t.Errorf("/metrics counts no ingested items:\n%s", grepLines(string(body), "paperboy_"))
	}
	if st := d.status(t); st.Outbox["pending"] != 0 || st.Outbox["sent"] != sink.Total() {
		t.Errorf("outbox %v, want nothing pending and %d sent", st.Outbox, sink.Total())
	}
	if err := d.stop(t); err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// addressList makes n addresses r000@example.org ...
func addressList(n int) []string {
	as := make([]string, n)
	for i := range as {
		as[i] = "r" + strconv.Itoa(1000 + i)[1:] + "@example.org"
	}
	return as
}

// openStore opens the daemon's database while no daemon runs.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "data", "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestServeShutdownMidDigest stops the daemon (SIGTERM: ctx cancelled) while
// a digest goes out slowly to 200 residents, then starts it again on the
// same store and config. Within the catch-up window the scheduler resumes
// the interrupted run: everyone ends with exactly one message (one in
// flight at the stop may come twice, with the same Message-ID). Past the
// window the run is closed instead: nothing goes out late, and the outbox
// keeps nothing pending.
func TestServeShutdownMidDigest(t *testing.T) {
	tests := []struct {
		name    string
		catchUp string
		resumed bool
	}{
		{"within catch-up window: resumed", "1h", true},
		{"past catch-up window: closed", "3s", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n, stopAt = 200, 40
			// The sink itself sends the "SIGTERM" at its stopAt-th message,
			// so a slow test goroutine cannot let the run finish first.
			var stopFn atomic.Pointer[context.CancelFunc]
			var accepted atomic.Int64
			sink := smtptest.Start(t, smtptest.Config{DataDelay: 15 * time.Millisecond, OnAccept: func(string) {
				if accepted.Add(1) >= stopAt {
					if f := stopFn.Load(); f != nil {
						(*f)()
					}
				}
			}})
			dir, cfgPath := e2eSetup(t)
			residents := addressList(n)
			writeList(t, dir, residents)
			writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, ListFile: true,
				CatchUp: tt.catchUp, ShutdownTimeout: "100ms"})

			d := startDaemon(t, cfgPath)
			stopFn.Store(&d.cancel)
			waitFor(t, 20*time.Second, fmt.Sprintf("%d messages at the sink", stopAt), func() (bool, string) {
				return sink.Total() >= stopAt, strconv.Itoa(sink.Total())
			})
			stopFn.Store(nil)
			if err := d.stop(t); err != nil {
				t.Fatalf("serve after cancel: %v", err)
			}
			sentBefore := sink.Total()
			if sentBefore >= n {
				t.Fatalf("the run finished (%d sent) before the stop took effect; slow the sink down", sentBefore)
			}

			st := openStore(t, dir)
			ctx := context.Background()
			open, err := st.UnfinishedDigestRuns(ctx)
			if err != nil || len(open) != 1 {
				t.Fatalf("after the stop: unfinished runs %+v, %v; want the interrupted one", open, err)
			}
			slot := open[0].Slot
			if jr, err := st.JobRunAt(ctx, "digest:daily", slot); err != nil || jr.Outcome != store.OutcomeInterrupted {
				t.Fatalf("job run of the stopped slot: %+v, %v; want outcome interrupted", jr, err)
			}
			st.Close()
			// Stay down over two more slots (S+2s, S+4s), and past the
			// window of 3s in the second case (the run itself, slow as it is,
			// must not reach the end of its window before the stop).
			time.Sleep(time.Until(slot.Add(4200 * time.Millisecond)))

			d2 := startDaemon(t, cfgPath)
			if tt.resumed {
				waitFor(t, 20*time.Second, "every resident's message", func() (bool, string) {
					return len(sink.Recipients()) == n, fmt.Sprintf("%d of %d residents", len(sink.Recipients()), n)
				})
			}
			// Later runs (even seconds) find nothing new: wait for one, so a
			// late blast would have happened by now.
			waitFor(t, 10*time.Second, "a later digest run", func() (bool, string) {
				st := d2.status(t)
				_, last, outcome := st.digestJob(t)
				return last.After(slot) && outcome == "skipped" && st.Outbox["pending"] == 0,
					fmt.Sprintf("last run %s %s, outbox %v", last, outcome, st.Outbox)
			})
			if err := d2.stop(t); err != nil {
				t.Fatalf("second serve: %v", err)
			}
			stopped := time.Now()

			st = openStore(t, dir)
			jr, err := st.JobRunAt(ctx, "digest:daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			run, err := st.DigestRunBySlot(ctx, "daily", slot)
			if err != nil {
				t.Fatal(err)
			}
			counts, err := st.DeliveryCounts(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if counts.Pending != 0 {
				t.Errorf("outbox keeps %d deliveries pending: %+v", counts.Pending, counts)
			}
			// The slots after S: none ran while the daemon was down; at the
			// restart the newest of them was caught up (or recorded as
			// missed when past the window), once; the cron ran the rest,
			// but for a slot that fired while the resumed run still held
			// the job.
			var later []string
			for at := slot.Add(2 * time.Second); at.Before(stopped); at = at.Add(2 * time.Second) {
				r, err := st.JobRunAt(ctx, "digest:daily", at)
				switch {
				case errors.Is(err, store.ErrNotFound):
					later = append(later, "-")
				case err != nil:
					t.Fatal(err)
				default:
					later = append(later, r.Trigger+":"+string(r.Outcome))
				}
			}
			if !regexp.MustCompile(`^(- )+catchup:(skipped|missed)( schedule:skipped| -)*$`).MatchString(strings.Join(later, " ")) {
				t.Errorf("runs of the slots after the interrupted one: %q; want none while down, the newest caught up once, then the cron's", later)
			}
			if tt.resumed {
				if jr.Trigger != "resume" || jr.Outcome != store.OutcomeOK {
					t.Errorf("job run of the interrupted slot: trigger %q outcome %q, want resume, ok", jr.Trigger, jr.Outcome)
				}
				if run.Status != store.RunDone || counts.Sent != n {
					t.Errorf("digest run %s with %+v, want done with %d sent", run.Status, counts, n)
				}
				for _, r := range residents {
					ms := messagesOf(t, sink, r)
					if len(ms) == 0 {
						t.Errorf("%s got no message", r)
						continue
					}
					for _, m := range ms[1:] {
						// Only a message in flight at the stop may come
						// again, and then as the same message.
						if m.messageID != ms[0].messageID {
							t.Errorf("%s got two different messages: %s and %s", r, ms[0].messageID, m.messageID)
						}
					}
				}
				if dups := sink.Total() - n; dups > 2 {
					t.Errorf("%d messages sent twice; at most one per connection may be in flight at a stop", dups)
				}
				return
			}
			if jr.Outcome != store.OutcomeFailed || !strings.Contains(jr.Error, "catch-up window") {
				t.Errorf("job run of the interrupted slot: %q %q, want failed for being past the catch-up window", jr.Outcome, jr.Error)
			}
			if sink.Total() != sentBefore {
				t.Errorf("%d messages went out after the restart past the catch-up window", sink.Total()-sentBefore)
			}
			if run.Status == store.RunSending || counts.Sent+counts.Skipped != n || counts.Sent != sentBefore {
				t.Errorf("digest run %s %q with %+v; want it closed, %d sent and the rest skipped", run.Status, run.Error, counts, sentBefore)
			}
		})
	}
}

// TestServeReloadDuringDigest: a config change (sender name, spec) lands
// while a digest is going out; the run finishes under the settings it
// started with, and the next run uses the new ones.
func TestServeReloadDuringDigest(t *testing.T) {
	const n, holdAt = 30, 5
	release := make(chan struct{})
	var accepted sync.WaitGroup
	accepted.Add(holdAt)
	var count sync.Mutex
	seen := 0
	sink := smtptest.Start(t, smtptest.Config{OnAccept: func(string) {
		count.Lock()
		seen++
		k := seen
		count.Unlock()
		if k <= holdAt {
			accepted.Done()
		}
		if k == holdAt {
			<-release // the server holds its answer until the reload is in
		}
	}})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	dir, cfgPath := e2eSetup(t)
	residents := addressList(n)
	cfg := daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, Addresses: residents, FromName: "旧名字", Connections: 1}
	writeConfig(t, cfgPath, cfg)
	d := startDaemon(t, cfgPath)

	held := make(chan struct{})
	go func() { accepted.Wait(); close(held) }()
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatalf("the digest did not start within 20s (%d messages)", sink.Total())
	}
	cfg.FromName, cfg.Schedule = "新名字", oddSeconds
	writeConfig(t, cfgPath, cfg)
	d.waitForReload(t, oddSeconds)
	close(release)
	want := map[string]int{}
	// check waits for every resident's n-th message and checks its
	// sender name and which spec (parity of the slot's second) sent it.
	check := func(n int, fromName string, parity int) {
		t.Helper()
		for _, r := range residents {
			want[r] = n
		}
		waitForCounts(t, sink, want)
		for _, r := range residents {
			if m := messagesOf(t, sink, r)[n-1]; m.fromName != fromName || m.slot.Second()%2 != parity {
				t.Errorf("%s: message %d from %q, slot %s; want %s with a slot second of parity %d", r, n, m.fromName, m.slot, fromName, parity)
			}
		}
	}
	// The run in flight keeps its own settings.
	check(1, "旧名字", 0)
	// The next run, for a new edition, is the new settings'.
	copyPage(t, dir, time.Now().In(mustZone(t, "Asia/Shanghai")).Format(time.DateOnly))
	d.runIngest(t)
	check(2, "新名字", 1)
}

// TestDigestRunRereadsListFiles: the mailer, built once, reads list files
// at each run through the configuration's reader; a bad line in a list
// file is left out of the run (never mailed), and logged by file and line
// at that run.
func TestDigestRunRereadsListFiles(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	writeList(t, dir, []string{"r1@example.org"})
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: evenSeconds, ListFile: true, CatchUp: "1h"})
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	var log fixture.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	st := openStore(t, dir)
	mc, err := mailerConfig(c, logger)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mailer.New(mc, st, st)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Each run needs an edition of its own to send anything.
	edition := func(daysAgo int) {
		t.Helper()
		saveSampleAs(t, st, time.Now().In(c.Site.Location).AddDate(0, 0, -daysAgo).Format(time.DateOnly))
	}
	run := func(want string) {
		t.Helper()
		before := map[string]int{}
		for _, r := range sink.Recipients() {
			before[r] = len(sink.Messages(r))
		}
		res, err := m.Run(ctx, "daily", time.Now().Truncate(time.Second))
		if err != nil || res.Status != store.RunDone {
			t.Fatalf("run = %+v, %v", res, err)
		}
		var got []string
		for _, r := range sink.Recipients() {
			if len(sink.Messages(r)) > before[r] {
				got = append(got, r)
			}
		}
		if fmt.Sprint(got) != want {
			t.Errorf("the run went to %q, want %s", got, want)
		}
	}

	edition(2)
	writeList(t, dir, []string{"r1@example.org", "added@example.org"})
	run("[added@example.org r1@example.org]")

	time.Sleep(time.Second) // the next slot
	edition(1)
	writeList(t, dir, []string{"r1@example.org", "not an address", "x@y.z;"})
	run("[r1@example.org]")
	want := filepath.Join(dir, "lists", "residents.txt")
	if strings.Count(log.String(), "recipient_skipped") != 2 || !strings.Contains(log.String(), "line=3") || !strings.Contains(log.String(), "line=4") || !strings.Contains(log.String(), want) {
		t.Errorf("log %q does not report the broken list file at %s", log.String(), want)
	}
}
