package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/config"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

const token = "s3cret-admin-token-0123456789abcdef"

type fixedConfig struct{ st config.LoadStatus }

func (f fixedConfig) Status() config.LoadStatus { return f.st }

type outbox struct{ err error }

func (o outbox) OutboxCounts(context.Context) (map[string]int, error) {
	if o.err != nil {
		return nil, o.err
	}
	return map[string]int{"pending": 3, "sent": 997, "failed": 1}, nil
}

// newServer runs a real scheduler on a real store behind the site's mux.
func newServer(t *testing.T, tok string, ob OutboxCounter) (*httptest.Server, *Metrics, chan string) {
	t.Helper()
	ctx := context.Background()
	st := fixture.NewStore(t)
	m := NewMetrics()
	ran := make(chan string, 10)
	sched, err := schedule.New(schedule.Config{Store: st, Location: time.UTC,
		OnRun: func(r store.JobRun) { m.JobRun(r.Job, string(r.Outcome), r.Duration) }})
	if err != nil {
		t.Fatal(err)
	}
	jobs := []schedule.Job{
		{Name: "digest:morning", Spec: "CRON_TZ=Asia/Shanghai 0 7 * * *", SlotKeyed: true, CatchUp: 3 * time.Hour,
			Run: func(ctx context.Context, slot time.Time, trig schedule.Trigger) error {
				ran <- "digest:morning"
				return nil
			}},
		{Name: "ingest", Spec: "@every 5m",
			Run: func(ctx context.Context, slot time.Time, trig schedule.Trigger) error {
				ran <- "ingest"
				return errors.New("/srv/paperboy/pages/bad.txt: line 3: no date; 550 5.1.1 no such user li.si@example.org")
			}},
	}
	if err := sched.Start(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Stop(context.Background()) })
	refused := config.Problems{
		{File: "/srv/paperboy/config.toml", Line: 41, Key: "digest.shedule", Message: "unknown key digest.shedule"},
		{File: "/srv/paperboy/lists/residents.txt", Line: 7, Key: "lists.addresses", Message: `list "residents": "zhang.example.org" is not an email address`},
	}
	h, err := New(Config{Token: tok, Scheduler: sched, Metrics: m, Outbox: ob, FailureDelay: time.Millisecond, FailureBurst: 1000,
		ConfigState: fixedConfig{config.LoadStatus{Path: "/srv/paperboy/config.toml", LastError: refused.Error(), Problems: refused}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "site") })
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, m, ran
}

func do(t *testing.T, method, url, auth string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAuth(t *testing.T) {
	srv, _, _ := newServer(t, token, nil)
	tests := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"status without token", "GET", "/admin/status", "", 401},
		{"status with a wrong token", "GET", "/admin/status", "Bearer nope", 401},
		{"status with a token prefix", "GET", "/admin/status", "Bearer " + token[:5], 401},
		{"status with basic auth", "GET", "/admin/status", "Basic " + token, 401},
		{"status with the token", "GET", "/admin/status", "Bearer " + token, 200},
		{"scheme is case-insensitive", "GET", "/admin/status", "bearer " + token, 200},
		{"run without token", "POST", "/admin/jobs/ingest/run", "", 401},
		{"metrics without token", "GET", "/metrics", "", 401},
		{"metrics with the token", "GET", "/metrics", "Bearer " + token, 200},
		{"the site is untouched", "GET", "/", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, srv.URL+tc.path, tc.auth)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s = %d %q, want %d", tc.method, tc.path, resp.StatusCode, body, tc.want)
			}
			if tc.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without a Bearer challenge")
			}
		})
	}
}

func TestDisabledWithoutToken(t *testing.T) {
	srv, _, _ := newServer(t, "", nil)
	for _, path := range []string{"/admin/status", "/metrics"} {
		resp, body := do(t, "GET", srv.URL+path, "Bearer ")
		if resp.StatusCode != 404 || !strings.Contains(body, "disabled") {
			t.Errorf("GET %s with no token configured = %d %q, want 404 disabled", path, resp.StatusCode, body)
		}
	}
}

func TestStatusAndRun(t *testing.T) {
	srv, _, ran := newServer(t, token, outbox{})
	auth := "Bearer " + token

	resp, body := do(t, "POST", srv.URL+"/admin/jobs/ingest/run", auth)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("run = %d %s", resp.StatusCode, body)
	}
	var run runJSON
	if err := json.Unmarshal([]byte(body), &run); err != nil || run.Job != "ingest" || run.Trigger != "manual" {
		t.Fatalf("run body %s: %+v, %v", body, run, err)
	}
	<-ran
	if resp, body := do(t, "POST", srv.URL+"/admin/jobs/nope/run", auth); resp.StatusCode != 404 || !strings.Contains(body, "no such job") {
		t.Fatalf("unknown job = %d %s", resp.StatusCode, body)
	}

	var doc statusJSON
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, body = do(t, "GET", srv.URL+"/admin/status", auth)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("status = %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		doc = statusJSON{}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("status body: %v\n%s", err, body)
		}
		if len(doc.Jobs) == 2 && doc.Jobs[1].LastRun != nil && doc.Jobs[1].LastRun.Outcome != "running" || time.Now().After(deadline) {
			break
		}
	}
	if len(doc.Jobs) != 2 {
		t.Fatalf("jobs = %+v", doc.Jobs)
	}
	digest, ingest := doc.Jobs[0], doc.Jobs[1]
	if digest.Name != "digest:morning" || digest.TimeZone != "Asia/Shanghai" || len(digest.Next) != 3 || digest.CatchUp != "3h0m0s" || digest.LastRun != nil {
		t.Errorf("digest job = %+v", digest)
	}
	if h := digest.Next[0].In(time.FixedZone("CST", 8*3600)); h.Hour() != 7 || h.Minute() != 0 {
		t.Errorf("digest next run %v is not 07:00 in Shanghai", digest.Next[0])
	}
	if ingest.LastRun == nil || ingest.LastRun.Outcome != "failed" || ingest.LastRun.Trigger != "manual" ||
		ingest.LastRun.Error != "bad.txt: line 3: no date; 550 5.1.1 no such user <address>" {
		t.Errorf("ingest last run = %+v", ingest.LastRun)
	}
	if doc.Config == nil || doc.Config.File != "config.toml" || doc.Config.LastErrorProblems != 2 ||
		strings.Join(doc.Config.LastErrorAt, "|") != "config.toml:41 digest.shedule|residents.txt:7 lists.addresses" {
		t.Errorf("config state = %+v", doc.Config)
	}
	// Counts and line numbers only: no address, no absolute path.
	for _, leak := range []string{"zhang.example.org", "li.si@example.org", "/srv/"} {
		if strings.Contains(body, leak) {
			t.Errorf("/admin/status shows %q:\n%s", leak, body)
		}
	}
	if doc.Outbox["sent"] != 997 || doc.Outbox["pending"] != 3 {
		t.Errorf("outbox = %v", doc.Outbox)
	}
}

func TestStatusOutboxError(t *testing.T) {
	srv, _, _ := newServer(t, token, outbox{err: errors.New("database is locked")})
	resp, body := do(t, "GET", srv.URL+"/admin/status", "Bearer "+token)
	if resp.StatusCode != 200 || !strings.Contains(body, `"outbox_error"`) || strings.Contains(body, "database is locked") {
		t.Fatalf("status = %d %s; want 200 with an outbox_error that does not leak internals", resp.StatusCode, body)
	}
}

// TestMetricsExposition parses /metrics with Prometheus's own text parser
// and checks the values the callbacks put there.
func TestMetricsExposition(t *testing.T) {
	srv, m, ran := newServer(t, token, nil)
	m.ItemsIngested(13)
	m.ItemsIngested(0)
	m.FeedRendered()
	m.FeedRendered()
	m.MessagesSent("morning", 2)
	m.MessagesFailed("morning", 1)
	m.MessagesRetried("morning", 1)
	if resp, body := do(t, "POST", srv.URL+"/admin/jobs/ingest/run", "Bearer "+token); resp.StatusCode != 202 {
		t.Fatalf("run = %d %s", resp.StatusCode, body)
	}
	<-ran
	var families map[string]*dtoFamily
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, body := do(t, "GET", srv.URL+"/metrics", "Bearer "+token)
		if resp.StatusCode != 200 {
			t.Fatalf("metrics = %d", resp.StatusCode)
		}
		families = parseMetrics(t, body)
		if _, ok := families["paperboy_job_failures_total"]; ok || time.Now().After(deadline) {
			break
		}
	}
	tests := []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"paperboy_items_ingested_total", nil, 13},
		{"paperboy_feed_renders_total", nil, 2},
		{"paperboy_messages_sent_total", map[string]string{"digest": "morning"}, 2},
		{"paperboy_messages_failed_total", map[string]string{"digest": "morning"}, 1},
		{"paperboy_messages_retried_total", map[string]string{"digest": "morning"}, 1},
		{"paperboy_job_failures_total", map[string]string{"job": "ingest"}, 1},
		{"paperboy_job_duration_seconds", map[string]string{"job": "ingest", "outcome": "failed"}, 1}, // sample count
	}
	for _, tc := range tests {
		t.Run(tc.family, func(t *testing.T) {
			f, ok := families[tc.family]
			if !ok {
				t.Fatalf("no %s in the exposition", tc.family)
			}
			if got, ok := f.value(tc.labels); !ok || got != tc.want {
				t.Fatalf("%s%v = %v (found %v), want %v", tc.family, tc.labels, got, ok, tc.want)
			}
		})
	}
	if _, ok := families["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
}

// dtoFamily wraps a parsed metric family for lookups by label.
type dtoFamily struct {
	samples []sample
}

type sample struct {
	labels map[string]string
	value  float64
}

func (f *dtoFamily) value(labels map[string]string) (float64, bool) {
next:
	for _, s := range f.samples {
		for k, v := range labels {
			if s.labels[k] != v {
				continue next
			}
		}
		return s.value, true
	}
	return 0, false
}

func parseMetrics(t *testing.T, body string) map[string]*dtoFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	out := map[string]*dtoFamily{}
	for name, mf := range mfs {
		f := &dtoFamily{}
		for _, m := range mf.GetMetric() {
			s := sample{labels: map[string]string{}}
			for _, lp := range m.GetLabel() {
				s.labels[lp.GetName()] = lp.GetValue()
			}
			switch {
			case m.Counter != nil:
				s.value = m.GetCounter().GetValue()
			case m.Gauge != nil:
				s.value = m.GetGauge().GetValue()
			case m.Histogram != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
			}
			f.samples = append(f.samples, s)
		}
		out[name] = f
	}
	return out
}

func TestShortTokenRefused(t *testing.T) {
	for _, tok := range []string{"a", strings.Repeat("x", MinTokenLength-1)} {
		_, err := New(Config{Token: tok, TokenEnv: "MY_ADMIN_TOKEN"})
		if err == nil || !strings.Contains(err.Error(), "MY_ADMIN_TOKEN") || !strings.Contains(err.Error(), "at least 32") {
			t.Errorf("token of %d characters: err = %v, want a refusal naming the variable and the minimum", len(tok), err)
		}
	}
	if _, err := New(Config{Token: strings.Repeat("xy", MinTokenLength/2)}); err != nil {
		t.Errorf("a 32-character token: %v", err)
	}
	if _, err := New(Config{Token: strings.Repeat("a", 36), TokenEnv: "MY_ADMIN_TOKEN"}); err == nil || !strings.Contains(err.Error(), "one character repeated") {
		t.Errorf("36 times a: err = %v, want a refusal", err)
	}
	if _, err := New(Config{}); err != nil {
		t.Errorf("no token (admin off): %v", err)
	}
}

// TestWrongTokensAreSlowedThrottledAndLogged: each wrong token waits
// FailureDelay; past the burst, requests get 429 without a check (the
// right token too, until the budget refills); failures are logged, one
// line per minute at most, with their count.
func TestWrongTokensAreSlowedThrottledAndLogged(t *testing.T) {
	var logs fixture.SyncBuffer
	const delay = 200 * time.Millisecond
	h, err := New(Config{Token: token, Scheduler: nopScheduler{}, FailureDelay: delay, FailureBurst: 3,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// Five guesses at once: three are checked, each answered only after
	// the delay; the other two find the budget spent.
	type answer struct {
		code  int
		retry string
		took  time.Duration
	}
	answers := make(chan answer, 5)
	for range 5 {
		go func() {
			start := time.Now()
			resp, _ := do(t, "GET", srv.URL+"/admin/status", "Bearer guess")
			answers <- answer{resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(start)}
		}()
	}
	codes := map[int]int{}
	for range 5 {
		a := <-answers
		codes[a.code]++
		if a.code == 401 && a.took < delay {
			t.Errorf("a wrong token was answered in %v, want it held %v", a.took, delay)
		}
		if a.code == 429 && a.retry == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[401] != 3 || codes[429] != 2 {
		t.Fatalf("answers to 5 simultaneous guesses = %v, want 3×401 and 2×429", codes)
	}
	time.Sleep(delay + 50*time.Millisecond) // the budget refills one
	if resp, _ := do(t, "GET", srv.URL+"/admin/status", "Bearer "+token); resp.StatusCode != 200 {
		t.Fatalf("the right token after the refill = %d, want 200", resp.StatusCode)
	}
	out := logs.String()
	if n := strings.Count(out, "msg=admin_auth_failed"); n != 1 {
		t.Errorf("%d log lines for 4 failures, want 1 (rate-limited):\n%s", n, out)
	}
	if !strings.Contains(out, "remote_addr=127.0.0.1") || strings.Contains(out, "guess") {
		t.Errorf("log lacks the client or shows the guessed token:\n%s", out)
	}
}

type nopScheduler struct{}

func (nopScheduler) Status(context.Context) ([]schedule.JobStatus, error) { return nil, nil }
func (nopScheduler) RunNow(context.Context, string) (store.JobRun, error) {
	return store.JobRun{}, schedule.ErrUnknownJob
}
