package main

// The admin console over the real daemon: its HTTP server, its reloads,
// its scheduler and config.toml on disk.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/linediff"
	"github.com/paperboy-news/paperboy/internal/smtptest"
	"github.com/paperboy-news/paperboy/store"
)

// consoleClient is a browser without JavaScript: cookies, forms,
// redirects followed.
type consoleClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newConsoleClient(t *testing.T, d *runningDaemon) *consoleClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &consoleClient{t: t, base: d.base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (cc *consoleClient) do(req *http.Request) (int, string) {
	cc.t.Helper()
	resp, err := cc.c.Do(req)
	if err != nil {
		cc.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		cc.t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func (cc *consoleClient) get(path string) (int, string) {
	cc.t.Helper()
	req, err := http.NewRequest(http.MethodGet, cc.base+path, nil)
	if err != nil {
		cc.t.Fatal(err)
	}
	return cc.do(req)
}

func (cc *consoleClient) post(path string, form url.Values) (int, string) {
	cc.t.Helper()
	req, err := http.NewRequest(http.MethodPost, cc.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		cc.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return cc.do(req)
}

var (
	csrfRE    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	versionRE = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`)
)

func submatch(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, body)
	}
	return m[1]
}

// login logs in with token and returns the session's CSRF token.
func (cc *consoleClient) login(token string) (int, string) {
	cc.t.Helper()
	_, page := cc.get("/admin/login")
	code, body := cc.post("/admin/login", url.Values{"csrf": {submatch(cc.t, csrfRE, page)}, "token": {token}, "name": {"测试员"}})
	if code != http.StatusOK {
		return code, ""
	}
	return code, submatch(cc.t, csrfRE, body)
}

// editForm loads the digest's edit form: its CSRF token and the file
// version it was made from.
func (cc *consoleClient) editForm(digest string) (csrf, version string) {
	cc.t.Helper()
	code, body := cc.get("/admin/digests/" + digest)
	if code != http.StatusOK {
		cc.t.Fatalf("GET edit form = %d:\n%s", code, body)
	}
	return submatch(cc.t, csrfRE, body), submatch(cc.t, versionRE, body)
}

func digestForm(csrf, version, schedule, op string) url.Values {
	return url.Values{"csrf": {csrf}, "version": {version}, "schedule": {schedule}, "catch_up": {"1h"},
		"skip_empty": {"on"}, "lists": {"residents"}, "op": {op}}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jobRuns is digest:daily's last run slot and outcome.
func (d *runningDaemon) lastDigestRun(t *testing.T) (spec string, slot time.Time, outcome string) {
	t.Helper()
	return d.status(t).digestJob(t)
}

// secondsAhead is a six-field spec that fires once a day, n seconds
// from now (Asia/Shanghai), and that time.
func secondsAhead(t *testing.T, n int) (string, time.Time) {
	at := time.Now().In(mustZone(t, "Asia/Shanghai")).Add(time.Duration(n) * time.Second).Truncate(time.Second)
	return fmt.Sprintf("%d %d %d * * *", at.Second(), at.Minute(), at.Hour()), at
}

func TestConsole(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	today := time.Now().In(mustZone(t, "Asia/Shanghai"))
	copyPage(t, dir, today.Format(time.DateOnly))
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: "0 7 * * *", Addresses: []string{"r1@example.org"}})
	d := startDaemon(t, cfgPath)
	cc := newConsoleClient(t, d)
	orig := readFile(t, cfgPath)

	// Without a session every page and form is refused, and so is a form
	// without the session's CSRF token.
	for _, p := range []string{"/admin/", "/admin/digests/daily", "/admin/runs/1", "/admin/audit"} {
		if code, _ := cc.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s without a session = %d, want 403", p, code)
		}
	}
	if code, _ := cc.post("/admin/digests/daily", digestForm("x", "x", "0 6 * * *", "save")); code != http.StatusForbidden {
		t.Errorf("POST edit without a session = %d, want 403", code)
	}
	if code, _ := cc.post("/admin/login", url.Values{"token": {e2eToken}}); code != http.StatusForbidden {
		t.Errorf("POST login without its CSRF token = %d, want 403", code)
	}
	// The cookies are HttpOnly and SameSite=Strict, and Secure when the
	// client came over https (here: a proxy saying so).
	for _, https := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodGet, d.base+"/admin/login", nil)
		if https {
			req.Header.Set("X-Forwarded-Proto", "https")
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Secure != https || cookies[0].Path != "/admin/" {
			t.Errorf("https %v: login cookie %+v, want HttpOnly, SameSite=Strict, Secure %v, Path /admin/", https, cookies, https)
		}
	}
	if code, _ := cc.login("wrong-token"); code != http.StatusUnauthorized {
		t.Errorf("login with a wrong token = %d, want 401", code)
	}
	code, csrf := cc.login(e2eToken)
	if code != http.StatusOK {
		t.Fatalf("login = %d", code)
	}
	_, version := cc.editForm("daily")
	for name, token := range map[string]string{"no CSRF token": "", "a wrong CSRF token": csrf + "x"} {
		form := digestForm(token, version, "0 6 * * *", "save")
		if token == "" {
			form.Del("csrf")
		}
		if code, _ := cc.post("/admin/digests/daily", form); code != http.StatusForbidden {
			t.Errorf("POST edit with %s = %d, want 403", name, code)
		}
		if code, _ := cc.post("/admin/run/digest:daily", url.Values{"csrf": {token}}); code != http.StatusForbidden {
			t.Errorf("POST run now with %s = %d, want 403", name, code)
		}
	}
	if got := readFile(t, cfgPath); got != orig {
		t.Fatalf("refused requests changed config.toml:\n%s", strings.Join(linediff.Changed(orig, got), "\n"))
	}

	// The overview says the schedule in words, with its next runs, and
	// counts the suppressed addresses.
	if _, err := openStore(t, dir).Suppress(context.Background(), store.Suppression{
		Address: "gone@example.org", Reason: store.SuppressHardBounce, Evidence: "550 5.1.1"}); err != nil {
		t.Fatal(err)
	}
	code, body := cc.get("/admin/")
	for _, want := range []string{"每天 07:00（北京时间）", "停发地址：硬退信 1"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("overview = %d, lacks %q:\n%s", code, want, body)
		}
	}

	// An invalid spec is refused with its reason, and the file untouched.
	code, body = cc.post("/admin/digests/daily", digestForm(csrf, version, "0 25 * * *", "save"))
	wantAt := fmt.Sprintf("%s:%d: digests.schedule: bad cron spec", cfgPath, lineOf(t, orig, `schedule = "0 7 * * *"`))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, wantAt) {
		t.Errorf("save of a bad spec = %d; want 422 and %q in:\n%s", code, wantAt, body)
	}
	if got := readFile(t, cfgPath); got != orig {
		t.Fatalf("a refused spec changed config.toml:\n%s", strings.Join(linediff.Changed(orig, got), "\n"))
	}

	// A change to the file after the form was loaded is detected: the
	// save is refused and the other change kept.
	other := strings.Replace(orig, "# written by serve_test.go", "# written by serve_test.go, then by hand", 1)
	writeAtomic(t, cfgPath, []byte(other))
	code, body = cc.post("/admin/digests/daily", digestForm(csrf, version, "0 6 * * *", "save"))
	if code != http.StatusConflict || !strings.Contains(body, "被别人改过了") {
		t.Errorf("save over a changed file = %d, want 409 and the reason:\n%s", code, body)
	}
	if got := readFile(t, cfgPath); got != other {
		t.Fatalf("a stale save changed config.toml:\n%s", strings.Join(linediff.Changed(other, got), "\n"))
	}
	orig = other

	// A new time a few seconds ahead: the preview shows it, the save is a
	// one-line diff, the daemon reloads it and the digest goes out then.
	_, version = cc.editForm("daily")
	spec, at := secondsAhead(t, 6)
	code, body = cc.post("/admin/digests/daily", digestForm(csrf, version, spec, "preview"))
	if code != http.StatusOK || !strings.Contains(body, at.Format("2006-01-02 15:04")) {
		t.Errorf("preview = %d, lacks the next run %s:\n%s", code, at.Format("2006-01-02 15:04"), body)
	}
	if got := readFile(t, cfgPath); got != orig {
		t.Fatal("the preview changed config.toml")
	}
	code, body = cc.post("/admin/digests/daily", digestForm(csrf, version, spec, "save"))
	if code != http.StatusOK || !strings.Contains(body, "已保存") {
		t.Fatalf("save = %d:\n%s", code, body)
	}
	saved := readFile(t, cfgPath)
	diff := linediff.Changed(orig, saved)
	want := []string{`-schedule = "0 7 * * *"`, `+schedule = "` + spec + `"`}
	if strings.Join(diff, "\n") != strings.Join(want, "\n") {
		t.Errorf("config.toml diff:\n%s\nwant:\n%s", strings.Join(diff, "\n"), strings.Join(want, "\n"))
	}
	if gotSpec, _, _ := d.lastDigestRun(t); gotSpec != spec {
		t.Errorf("after the save the daemon runs %q, want %q", gotSpec, spec)
	}
	waitFor(t, 15*time.Second, "the digest at the new time", func() (bool, string) {
		_, slot, outcome := d.lastDigestRun(t)
		return slot.Equal(at) && outcome == "ok", fmt.Sprintf("last run %s %s", slot, outcome)
	})
	waitForCounts(t, sink, map[string]int{"r1@example.org": 1})
	if m := messagesOf(t, sink, "r1@example.org")[0]; !m.slot.Equal(at) {
		t.Errorf("the digest's slot is %s, want %s", m.slot, at)
	}

	// The audit log has who changed which key from what to what.
	_, body = cc.get("/admin/audit")
	for _, want := range []string{"测试员 (token)", "digests.daily.schedule", `&#34;0 7 * * *&#34;`, `&#34;` + spec + `&#34;`} {
		if !strings.Contains(body, want) {
			t.Errorf("audit log lacks %q:\n%s", want, body)
		}
	}

	// Pause stops the digest until it is resumed.
	_, version = cc.editForm("daily")
	if code, body := cc.post("/admin/digests/daily", digestForm(csrf, version, evenSeconds, "save")); code != http.StatusOK {
		t.Fatalf("save = %d:\n%s", code, body)
	}
	_, first, _ := d.lastDigestRun(t)
	waitFor(t, 10*time.Second, "runs every two seconds", func() (bool, string) {
		_, slot, outcome := d.lastDigestRun(t)
		return slot.After(first) && slot.Second()%2 == 0, fmt.Sprintf("last run %s %s", slot, outcome)
	})
	if code, body := cc.post("/admin/digests/daily/pause", url.Values{"csrf": {csrf}, "paused": {"true"}}); code != http.StatusOK {
		t.Fatalf("pause = %d:\n%s", code, body)
	}
	if !strings.Contains(readFile(t, cfgPath), "\npaused = true\n") {
		t.Fatalf("config.toml lacks paused = true:\n%s", readFile(t, cfgPath))
	}
	if spec, _, _ := d.lastDigestRun(t); spec != "" {
		t.Errorf("a paused digest is scheduled on %q", spec)
	}
	time.Sleep(time.Second) // a run that began before the pause finishes
	_, pausedAt, _ := d.lastDigestRun(t)
	time.Sleep(4 * time.Second)
	if _, slot, _ := d.lastDigestRun(t); !slot.Equal(pausedAt) {
		t.Errorf("a paused digest ran at %s", slot)
	}
	_, body = cc.get("/admin/")
	if !strings.Contains(body, "已暂停") {
		t.Errorf("overview does not show the digest paused:\n%s", body)
	}
	if code, body := cc.post("/admin/digests/daily/pause", url.Values{"csrf": {csrf}, "paused": {"false"}}); code != http.StatusOK {
		t.Fatalf("resume = %d:\n%s", code, body)
	}
	waitFor(t, 10*time.Second, "runs after the resume", func() (bool, string) {
		_, slot, outcome := d.lastDigestRun(t)
		return slot.After(pausedAt), fmt.Sprintf("last run %s %s", slot, outcome)
	})

	// A mistake made in an editor shows on the overview with its place,
	// until it is fixed.
	good := readFile(t, cfgPath)
	writeAtomic(t, cfgPath, []byte(strings.Replace(good, "skip_empty = true", "skip_empty = yes", 1)))
	want = []string{"配置文件有错", fmt.Sprintf("%s:%d:", cfgPath, lineOf(t, good, "skip_empty = true"))}
	waitFor(t, 10*time.Second, "the config error on the overview", func() (bool, string) {
		_, body := cc.get("/admin/")
		return strings.Contains(body, want[0]) && strings.Contains(body, want[1]), body
	})
	writeAtomic(t, cfgPath, []byte(good))
	waitFor(t, 10*time.Second, "the overview without the config error", func() (bool, string) {
		_, body := cc.get("/admin/")
		return strings.Contains(body, "一切正常"), body
	})

	// Run now goes through the scheduler as a manual run.
	if code, body := cc.post("/admin/run/digest:daily", url.Values{"csrf": {csrf}}); code != http.StatusOK || !strings.Contains(body, "已开始运行") {
		t.Errorf("run now = %d:\n%s", code, body)
	}
	waitFor(t, 10*time.Second, "the manual run", func() (bool, string) {
		for _, j := range d.status(t).Jobs {
			if j.Name == "digest:daily" && j.LastRun != nil {
				return j.LastRun.Trigger == "manual", j.LastRun.Trigger
			}
		}
		return false, "no run"
	})
}

var (
	runLinkRE = regexp.MustCompile(`href="/admin/runs/(\d+)"`)
	archiveRE = regexp.MustCompile(`href="https?://[^/"]+(/[^"]*)" id="archive"`)
)

// TestConsoleRetryFailed: a run whose messages failed for good offers
// "retry failed"; it sends those again, and only those, in the same run.
func TestConsoleRetryFailed(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	sink := smtptest.Start(t, smtptest.Config{Rule: func(rcpt string, _ int) smtptest.Action {
		if rcpt == "bad@example.org" && failing.Load() {
			return smtptest.TempFail
		}
		return smtptest.Accept
	}})
	dir, cfgPath := e2eSetup(t)
	copyPage(t, dir, time.Now().In(mustZone(t, "Asia/Shanghai")).Format(time.DateOnly))
	writeConfig(t, cfgPath, daemonConfig{SMTPPort: sink.Port, Schedule: "0 7 * * *", Addresses: []string{"r1@example.org", "bad@example.org"}})
	d := startDaemon(t, cfgPath)
	waitFor(t, 15*time.Second, "the startup ingest", func() (bool, string) { return feedHasItems(t, d) })
	cc := newConsoleClient(t, d)
	_, csrf := cc.login(e2eToken)

	// Preview: the digest's HTML for its first recipient; test send: one
	// copy to the address given, outside the outbox.
	code, body := cc.get("/admin/digests/daily/mail")
	if code != http.StatusOK || !strings.Contains(body, "示范区党政联席会议召开") {
		t.Errorf("preview = %d, lacks the lead headline:\n%.500s", code, body)
	}
	if code, body := cc.post("/admin/digests/daily/test", url.Values{"csrf": {csrf}, "to": {"editor@example.org"}}); code != http.StatusOK || !strings.Contains(body, "测试邮件已发给 editor@example.org") {
		t.Errorf("test send = %d:\n%s", code, body)
	}
	waitForCounts(t, sink, map[string]int{"editor@example.org": 1})

	if code, body = cc.post("/admin/run/digest:daily", url.Values{"csrf": {csrf}}); code != http.StatusOK {
		t.Fatalf("run now = %d:\n%s", code, body)
	}
	var runPath, page string
	waitFor(t, 15*time.Second, "a finished run with a failure", func() (bool, string) {
		_, body := cc.get("/admin/")
		m := runLinkRE.FindStringSubmatch(body)
		if m == nil {
			return false, "no run yet"
		}
		runPath = "/admin/runs/" + m[1]
		_, page = cc.get(runPath)
		return strings.Contains(page, "重发失败的"), page
	})
	for _, want := range []string{"bad@example.org", "451", "r1@example.org"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	// The run's page links its copy in the web archive of digests, which
	// the daemon serves.
	m := archiveRE.FindStringSubmatch(page)
	today := time.Now().In(mustZone(t, "Asia/Shanghai")).Format(time.DateOnly)
	if m == nil || m[1] != "/digests/daily/"+today+"/" {
		t.Errorf("run page's archive link %q, want /digests/daily/%s/", m, today)
	} else if code, body := cc.get(m[1]); code != http.StatusOK || !strings.Contains(body, "示范区党政联席会议召开") {
		t.Errorf("GET %s = %d:\n%.300s", m[1], code, body)
	}
	waitForCounts(t, sink, map[string]int{"r1@example.org": 1})

	// Retry without the session's CSRF token is refused.
	if code, _ := cc.post(runPath+"/retry", url.Values{}); code != http.StatusForbidden {
		t.Errorf("retry without a CSRF token = %d, want 403", code)
	}
	failing.Store(false)
	code, body = cc.post(runPath+"/retry", url.Values{"csrf": {submatch(t, csrfRE, page)}})
	if code != http.StatusOK || !strings.Contains(body, "1 封重新排队") {
		t.Fatalf("retry = %d:\n%s", code, body)
	}
	waitForCounts(t, sink, map[string]int{"r1@example.org": 1, "bad@example.org": 1, "editor@example.org": 1})
	waitFor(t, 10*time.Second, "the run done with nothing failed", func() (bool, string) {
		_, page = cc.get(runPath)
		return strings.Contains(page, "完成") && !strings.Contains(page, "重发失败的") && strings.Contains(page, "已发 2"), page
	})
	// The same run, the same Message-ID: no second digest.
	if a, b := sink.MessageIDs("r1@example.org"), sink.MessageIDs("bad@example.org"); len(a) != 1 || len(b) != 1 || strings.Split(a[0], ".")[1] != strings.Split(b[0], ".")[1] {
		t.Errorf("message ids r1 %v, bad %v: want one each, of one run", a, b)
	}
	_, body = cc.get("/admin/")
	if n := len(runLinkRE.FindAllString(body, -1)); n != 1 {
		t.Errorf("the overview lists %d runs, want the one", n)
	}
	time.Sleep(500 * time.Millisecond)
	waitForCounts(t, sink, map[string]int{"r1@example.org": 1, "bad@example.org": 1, "editor@example.org": 1})
}

// TestConsoleNamedAdmin: an admin on server.admins_file logs in with a
// name and password (the line made by `paperboy admin-password`) and is
// named in the audit log; a wrong password is refused.
func TestConsoleNamedAdmin(t *testing.T) {
	var line, stderr strings.Builder
	if err := adminPassword([]string{"chen"}, strings.NewReader("short\n"), &line, &stderr); err == nil {
		t.Error("admin-password took a 5-character password")
	}
	if err := adminPassword([]string{"chen"}, strings.NewReader("correct horse battery\n"), &line, &stderr); err != nil {
		t.Fatal(err)
	}
	sink := smtptest.Start(t, smtptest.Config{})
	dir, cfgPath := e2eSetup(t)
	writeAtomic(t, filepath.Join(dir, "admins.txt"), []byte("# console admins\n"+line.String()))
	cfg := renderConfig(t, daemonConfig{SMTPPort: sink.Port, Schedule: "0 7 * * *", Addresses: []string{"r1@example.org"}})
	writeAtomic(t, cfgPath, []byte(strings.Replace(cfg, "[server]\n", "[server]\nadmins_file = \"admins.txt\"\n", 1)))
	d := startDaemon(t, cfgPath)

	login := func(name, secret string) (int, string) {
		cc := newConsoleClient(t, d)
		_, page := cc.get("/admin/login")
		code, _ := cc.post("/admin/login", url.Values{"csrf": {submatch(t, csrfRE, page)}, "name": {name}, "token": {secret}})
		_, audit := cc.get("/admin/audit")
		return code, audit
	}
	if code, _ := login("chen", "wrong horse battery"); code != http.StatusUnauthorized {
		t.Errorf("a wrong password = %d, want 401", code)
	}
	if code, _ := login("chen", e2eToken); code != http.StatusUnauthorized {
		t.Errorf("a named admin with the token instead of the password = %d, want 401", code)
	}
	if code, audit := login("chen", "correct horse battery"); code != http.StatusOK || !strings.Contains(audit, "· chen</small>") {
		t.Errorf("login as chen = %d; audit log:\n%s", code, audit)
	}
	if code, audit := login("li", e2eToken); code != http.StatusOK || !strings.Contains(audit, "· li (token)</small>") {
		t.Errorf("login with the token = %d; audit log:\n%s", code, audit)
	}
}

// `paperboy check` and `paperboy schedule` say a paused digest is paused
// instead of listing runs it will not make.
func TestCheckPausedDigest(t *testing.T) {
	cfgPath := freshClone(t)
	writeAtomic(t, cfgPath, []byte(strings.Replace(readFile(t, cfgPath), "paused = false", "paused = true", 1)))
	out, _, err := runCmd(t, "check", "-config", cfgPath)
	if err != nil || !strings.Contains(out, `daily: "0 7 * * *" to demo; paused (paused = true): not run on its schedule`) {
		t.Errorf("check of a paused digest: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "schedule", "-config", cfgPath)
	if err != nil || !strings.Contains(out, "digest:daily\n  spec      0 7 * * *, paused (paused = true): not run on its schedule\n") || strings.Contains(out, "digest:daily\n  spec      0 7 * * *, paused (paused = true): not run on its schedule\n  next") {
		t.Errorf("schedule of a paused digest: %v\n%s", err, out)
	}
}
