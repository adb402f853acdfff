package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
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

const token = "s3cret-admin-token"

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
				return errors.New("pages/bad.txt: line 3: no date")
			}},
	}
	if err := sched.Start(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Stop(context.Background()) })
	h := New(Config{Token: tok, Scheduler: sched, Metrics: m, Outbox: ob,
		ConfigState: fixedConfig{config.LoadStatus{Path: "config.toml", LastError: "config.toml:41: unknown key digest.shedule"}}})
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
	if ingest.LastRun == nil || ingest.LastRun.Outcome != "failed" || ingest.LastRun.Trigger != "manual" || !strings.Contains(ingest.LastRun.Error, "pages/bad.txt") {
		t.Errorf("ingest last run = %+v", ingest.LastRun)
	}
	if doc.Config == nil || !strings.Contains(doc.Config.LastError, "config.toml:41") {
		t.Errorf("config state = %+v", doc.Config)
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
