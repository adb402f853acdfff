package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/schedule"
	"github.com/paperboy-news/paperboy/store"
)

type brokenCounts struct{}

func (brokenCounts) SuppressionCounts(context.Context) (map[string]int, error) {
	return nil, errors.New("database is locked")
}

// The suppression list's size by reason, read from a real store, is in
// /admin/status and in /metrics (every reason, 0 too); a store that cannot
// answer leaves the other metrics served.
func TestSuppressionCounts(t *testing.T) {
	ctx := context.Background()
	st := fixture.NewStore(t)
	for _, sup := range []store.Suppression{
		{Address: "gone@example.org", Reason: store.SuppressHardBounce, Evidence: "550 5.1.1"},
		{Address: "old@example.org", Reason: store.SuppressHardBounce, Evidence: "550 5.1.1"},
		{Address: "angry@example.org", Reason: store.SuppressComplaint, Evidence: "ARF"},
	} {
		if _, err := st.Suppress(ctx, sup); err != nil {
			t.Fatal(err)
		}
	}
	serve := func(t *testing.T, counter SuppressionCounter) *httptest.Server {
		t.Helper()
		sched, err := schedule.New(schedule.Config{Store: st, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		m := NewMetrics()
		if err := m.CountSuppressions(counter); err != nil {
			t.Fatal(err)
		}
		h, err := New(Config{Token: token, Scheduler: sched, Suppressions: counter, Metrics: m, FailureDelay: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Register(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv
	}

	t.Run("from the store", func(t *testing.T) {
		srv := serve(t, st)
		resp, body := do(t, "GET", srv.URL+"/admin/status", "Bearer "+token)
		var doc struct {
			Suppressions map[string]int `json:"suppressions"`
		}
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &doc) != nil {
			t.Fatalf("status = %d %s", resp.StatusCode, body)
		}
		if doc.Suppressions[store.SuppressHardBounce] != 2 || doc.Suppressions[store.SuppressComplaint] != 1 || len(doc.Suppressions) != 2 {
			t.Fatalf("status suppressions = %v, want 2 hard bounces and 1 complaint", doc.Suppressions)
		}
		resp, body = do(t, "GET", srv.URL+"/metrics", "Bearer "+token)
		if resp.StatusCode != 200 {
			t.Fatalf("metrics = %d", resp.StatusCode)
		}
		f, ok := parseMetrics(t, body)["paperboy_suppressed_addresses"]
		if !ok {
			t.Fatal("no paperboy_suppressed_addresses")
		}
		for reason, want := range map[string]float64{store.SuppressHardBounce: 2, store.SuppressComplaint: 1, store.SuppressSoftBounces: 0, store.SuppressManual: 0} {
			if got, ok := f.value(map[string]string{"reason": reason}); !ok || got != want {
				t.Errorf("paperboy_suppressed_addresses{reason=%q} = %v (found %v), want %v", reason, got, ok, want)
			}
		}
	})

	t.Run("store unavailable", func(t *testing.T) {
		srv := serve(t, brokenCounts{})
		resp, body := do(t, "GET", srv.URL+"/admin/status", "Bearer "+token)
		if resp.StatusCode != 200 || !strings.Contains(body, `"suppressions_error"`) || strings.Contains(body, "database is locked") {
			t.Fatalf("status = %d %s; want 200 with a suppressions_error that does not leak internals", resp.StatusCode, body)
		}
		resp, body = do(t, "GET", srv.URL+"/metrics", "Bearer "+token)
		fams := parseMetrics(t, body)
		if _, ok := fams["go_goroutines"]; resp.StatusCode != 200 || !ok {
			t.Fatalf("metrics = %d without the others; want them served", resp.StatusCode)
		}
		if _, ok := fams["paperboy_suppressed_addresses"]; ok {
			t.Fatal("suppression counts reported although the store failed")
		}
	})
}
