package admin

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

const consoleToken = "console-test-token-0123456789abcdef"

// consoleServer is the console over a real store and scheduler (not
// started: nobody holds the lease) and a config file, on an httptest
// server, with a clock the test moves.
type consoleServer struct {
	url   string
	st    *store.Store
	mu    sync.Mutex
	clock time.Time
	// cfg is the running configuration, which a test may replace as a
	// reload would.
	cfg atomic.Pointer[config.Config]
}

func (s *consoleServer) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

func (s *consoleServer) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(d)
}

func startConsole(t *testing.T, lang ...string) *consoleServer {
	t.Helper()
	language := "zh-CN"
	if len(lang) > 0 {
		language = lang[0]
	}
	return startConsoleWith(t, language, consoleToken)
}

// startConsoleWith is startConsole in language with the admin token.
func startConsoleWith(t *testing.T, language, token string) *consoleServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	data := `[site]
language = "` + language + `"

[smtp]
from = "news@example.org"

[[lists]]
name = "demo"
addresses = ["a@example.org"]

[[digests]]
name = "daily"
schedule = "0 7 * * *"
lists = ["demo"]
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &consoleServer{st: st, clock: time.Now()}
	s.cfg.Store(cfg)
	sched, err := schedule.New(schedule.Config{Store: st, Location: cfg.Site.Location, Now: s.now})
	if err != nil {
		t.Fatal(err)
	}
	noop := func(context.Context, time.Time, schedule.Trigger) error { return nil }
	if err := sched.Reload(ctx, []schedule.Job{{Name: "digest:daily", Spec: "0 7 * * *", SlotKeyed: true, Run: noop}}); err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Token: token, Scheduler: sched, FailureDelay: 10 * time.Millisecond, Now: s.now})
	if err != nil {
		t.Fatal(err)
	}
	c := NewConsole(ConsoleConfig{
		Admin: h, Scheduler: sched, Store: st,
		Current:   func() (*config.Config, DigestMailer) { return s.cfg.Load(), nil },
		LeaseName: schedule.LeaseName,
		Now:       s.now,
	})
	mux := http.NewServeMux()
	h.Register(mux)
	c.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// client logs in and returns a client with the session cookie.
func (s *consoleServer) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, page := get(t, c, s.url+"/admin/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on the login form:\n%s", page)
	}
	resp, err := c.PostForm(s.url+"/admin/login", url.Values{"csrf": {m[1]}, "token": {consoleToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login = %d", resp.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The overview says when nobody holds the scheduler's lease, and when its
// holder stopped renewing it.
func TestConsoleLease(t *testing.T) {
	s := startConsole(t)
	c := s.client(t)
	if _, body := get(t, c, s.url+"/admin/"); !strings.Contains(body, "没有进程持有调度锁") {
		t.Errorf("overview without a lease does not say so:\n%s", body)
	}
	now := s.now()
	if _, err := s.st.AcquireLease(context.Background(), schedule.LeaseName, "otherhost:42:x", "", now, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, c, s.url+"/admin/"); strings.Contains(body, "调度锁") {
		t.Errorf("overview reports a live lease as a problem:\n%s", body)
	}
	s.advance(time.Minute)
	if _, body := get(t, c, s.url+"/admin/"); !strings.Contains(body, "调度锁过期未续（持有者 otherhost:42:x") {
		t.Errorf("overview does not report the stale lease:\n%s", body)
	}
}

// A job whose last run failed is on the overview's list of problems,
// with its time and error, until a run succeeds.
func TestConsoleFailedRun(t *testing.T) {
	s := startConsole(t)
	c := s.client(t)
	ctx := context.Background()
	slot := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
	run := store.JobRun{Job: "digest:daily", Slot: slot, Trigger: "schedule", Outcome: store.OutcomeFailed,
		Error: "render: template: boom", StartedAt: slot, FinishedAt: slot}
	if err := s.st.RecordJobRun(ctx, run, false); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, c, s.url+"/admin/"); !strings.Contains(body, "digest:daily 在 2026-07-20 15:00 运行失败：render: template: boom") {
		t.Errorf("overview does not report the failed run:\n%s", body)
	}
	run.Slot, run.Outcome, run.Error = slot.Add(24*time.Hour), store.OutcomeOK, ""
	if err := s.st.RecordJobRun(ctx, run, false); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, c, s.url+"/admin/"); strings.Contains(body, "运行失败") {
		t.Errorf("overview still reports a failure after a good run:\n%s", body)
	}
}

// A session ends after 12 idle hours; each request extends it.
func TestConsoleSessionExpires(t *testing.T) {
	s := startConsole(t)
	c := s.client(t)
	for range 3 {
		s.advance(11 * time.Hour)
		if code, _ := get(t, c, s.url+"/admin/"); code != http.StatusOK {
			t.Fatalf("after 11 idle hours = %d, want 200", code)
		}
	}
	s.advance(13 * time.Hour)
	if code, body := get(t, c, s.url+"/admin/"); code != http.StatusForbidden || !strings.Contains(body, `id="token"`) {
		t.Errorf("after 13 idle hours = %d, want 403 and the login form", code)
	}
}

// TestConsoleSessionAcrossInstances: the session is the sealed cookie, so
// another instance with the same admin token (behind a load balancer, or
// this one restarted) takes it; an instance with another token, an
// altered cookie or a cookie of another kind does not.
func TestConsoleSessionAcrossInstances(t *testing.T) {
	first := startConsole(t)
	c := first.client(t) // the jar sends the cookie to every 127.0.0.1 port
	var cookie *http.Cookie
	u, _ := url.Parse(first.url + "/admin/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie after login")
	}
	other := startConsoleWith(t, "zh-CN", consoleToken)
	if code, _ := get(t, c, other.url+"/admin/"); code != http.StatusOK {
		t.Errorf("another instance with the same token = %d, want 200", code)
	}
	rotated := startConsoleWith(t, "zh-CN", consoleToken+"-rotated")
	if code, _ := get(t, c, rotated.url+"/admin/"); code != http.StatusForbidden {
		t.Errorf("an instance with another token = %d, want 403", code)
	}
	altered := []byte(cookie.Value)
	altered[len(altered)/2] ^= 1
	for name, value := range map[string]string{
		"altered":           string(altered),
		"another kind":      newSessions(consoleToken, time.Now).keys.Seal([]byte(`{"a":"token"}`)),
		"empty":             "",
		"not base64 at all": "%%%",
	} {
		req, _ := http.NewRequest(http.MethodGet, other.url+"/admin/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s cookie = %d, want 403", name, resp.StatusCode)
		}
	}
}

// TestConsoleNamedAdminRevoked: a named admin's session, though sealed in
// the cookie, ends when a reload drops the admin or changes the password;
// a session of the admin token is not bound to the admins file.
func TestConsoleNamedAdminRevoked(t *testing.T) {
	s := startConsole(t)
	withAdmins := func(admins ...config.Admin) {
		cfg := *s.cfg.Load()
		cfg.Server.Admins = admins
		s.cfg.Store(&cfg)
	}
	hash := func(password string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	login := func(name, secret string) *http.Client {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		_, page := get(t, c, s.url+"/admin/login")
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF field on the login form:\n%s", page)
		}
		resp, err := c.PostForm(s.url+"/admin/login", url.Values{"csrf": {m[1]}, "name": {name}, "token": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login as %s = %d", name, resp.StatusCode)
		}
		return c
	}
	alice := config.Admin{Name: "alice", Hash: hash("alice's password")}
	withAdmins(alice)
	c := login("alice", "alice's password")
	byToken := s.client(t)
	if code, _ := get(t, c, s.url+"/admin/"); code != http.StatusOK {
		t.Fatalf("named admin after login = %d, want 200", code)
	}
	withAdmins(config.Admin{Name: "alice", Hash: hash("a new password")})
	if code, _ := get(t, c, s.url+"/admin/"); code != http.StatusForbidden {
		t.Errorf("named admin after a password change = %d, want 403", code)
	}
	withAdmins(alice)
	if code, _ := get(t, c, s.url+"/admin/"); code != http.StatusOK {
		t.Errorf("named admin with the password back = %d, want 200", code)
	}
	withAdmins()
	if code, _ := get(t, c, s.url+"/admin/"); code != http.StatusForbidden {
		t.Errorf("named admin removed from the admins file = %d, want 403", code)
	}
	if code, _ := get(t, byToken, s.url+"/admin/"); code != http.StatusOK {
		t.Errorf("token session with no admins file = %d, want 200", code)
	}
}

// Without a token the console is off, like the bearer endpoints.
func TestConsoleDisabledWithoutToken(t *testing.T) {
	h, err := New(Config{Scheduler: nil})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	NewConsole(ConsoleConfig{Admin: h}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, p := range []string{"/admin/", "/admin/login"} {
		if code, _ := get(t, srv.Client(), srv.URL+p); code != http.StatusNotFound {
			t.Errorf("GET %s without a token = %d, want 404", p, code)
		}
	}
}

// An English site has an English console.
func TestConsoleEnglish(t *testing.T) {
	s := startConsole(t, "en")
	c := s.client(t)
	_, body := get(t, c, s.url+"/admin/")
	for _, want := range []string{`<html lang="en">`, "every day at 07:00 (Beijing time)", "Next five runs", "Nobody holds the schedule lease"} {
		if !strings.Contains(body, want) {
			t.Errorf("English overview lacks %q", want)
		}
	}
	_, body = get(t, c, s.url+"/admin/digests/daily")
	if !strings.Contains(body, "Edit “daily”") || !strings.Contains(body, "Preview times") {
		t.Errorf("English edit form:\n%s", body)
	}
}

// A run's page offers "resume" while the run is unfinished and "retry
// failed" once it has finished with failures, each only within the
// digest's catch-up window (3h here); retry puts the failed messages back
// and reopens the run, and past the window it is refused.
func TestConsoleRunActions(t *testing.T) {
	s := startConsole(t)
	c := s.client(t)
	ctx := context.Background()
	slot := s.now().Add(-time.Hour).UTC().Truncate(time.Second)
	rcpts := func(yield func(store.OutboxRecipient) bool) {
		for _, a := range []string{"a@example.org", "b@example.org"} {
			if !yield(store.OutboxRecipient{Address: a, List: "demo", MessageID: a}) {
				return
			}
		}
	}
	run, _, err := s.st.CreateDigestRun(ctx, store.DigestRun{Digest: "daily", Slot: slot, Status: store.RunSending, Subject: "今日新闻"}, rcpts)
	if err != nil {
		t.Fatal(err)
	}
	page := "/admin/runs/" + strconv.FormatInt(run.ID, 10)
	_, body := get(t, c, s.url+page)
	if !strings.Contains(body, "继续发送") || strings.Contains(body, "重发失败的") {
		t.Errorf("an unfinished run's page does not offer resume only:\n%s", body)
	}
	if err := s.st.MarkDeliverySent(ctx, run.ID, "a@example.org", s.now()); err != nil {
		t.Fatal(err)
	}
	if err := s.st.MarkDeliveryFailed(ctx, run.ID, "b@example.org", 550, "5.1.1 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := s.st.FinishDigestRun(ctx, run.ID, store.RunDone, ""); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, c, s.url+page)
	if strings.Contains(body, "继续发送") || !strings.Contains(body, "重发失败的") || !strings.Contains(body, "550 5.1.1 mailbox unavailable") {
		t.Errorf("a finished run with a failure does not offer retry with the reply:\n%s", body)
	}
	csrf := csrfField.FindStringSubmatch(body)[1]

	s.advance(3 * time.Hour)
	_, body = get(t, c, s.url+page)
	if strings.Contains(body, "重发失败的") {
		t.Errorf("retry offered past the window:\n%s", body)
	}
	resp, err := c.PostForm(s.url+page+"/retry", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("retry past the window = %d, want 409", resp.StatusCode)
	}
	if counts, _ := s.st.DeliveryCounts(ctx, run.ID); counts.Failed != 1 || counts.Pending != 0 {
		t.Errorf("a refused retry changed the deliveries: %+v", counts)
	}
}

// "Run now" on an instance whose scheduler is not running (a standby)
// says where to go instead of failing.
func TestConsoleRunNowOnStandby(t *testing.T) {
	s := startConsole(t)
	c := s.client(t)
	_, page := get(t, c, s.url+"/admin/")
	resp, err := c.PostForm(s.url+"/admin/run/digest:daily", url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "这个实例没有在运行调度") {
		t.Errorf("run now on a standby = %d:\n%s", resp.StatusCode, body)
	}
}
