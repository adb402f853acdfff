package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/store"
)

// TestSubscriberCounts: /admin/status and /metrics count each open list's
// subscribers by state, read from a real store.
func TestSubscriberCounts(t *testing.T) {
	ctx := context.Background()
	st := fixture.NewStore(t)
	for _, a := range []string{"a@example.net", "b@example.net", "c@example.net"} {
		if err := st.AddSubscriber(ctx, store.Subscriber{List: "residents", Address: a, Status: store.SubConfirmed, Source: store.SourceAdmin, Note: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RequestSubscription(ctx, "residents", "p@example.net"); err != nil {
		t.Fatal(err)
	}
	if err := st.Unsubscribe(ctx, "residents", "b@example.net"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Suppress(ctx, store.Suppression{Address: "C@example.net", Reason: store.SuppressManual}); err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	if err := m.CountSubscribers(st); err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Token: token, Scheduler: nopScheduler{}, Subscribers: st, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	_, body := do(t, "GET", srv.URL+"/admin/status", "Bearer "+token)
	var doc struct {
		Subscribers map[string]map[string]int `json:"subscribers"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"confirmed": 1, "pending": 1, "unsubscribed": 1, "suppressed": 1}
	for k, v := range want {
		if doc.Subscribers["residents"][k] != v {
			t.Errorf("status: residents %s = %d, want %d (%s)", k, doc.Subscribers["residents"][k], v, body)
		}
	}
	_, metrics := do(t, "GET", srv.URL+"/metrics", "Bearer "+token)
	for _, line := range []string{
		`paperboy_subscribers{list="residents",state="confirmed"} 1`,
		`paperboy_subscribers{list="residents",state="pending"} 1`,
		`paperboy_subscribers{list="residents",state="unsubscribed"} 1`,
		`paperboy_subscribers{list="residents",state="suppressed"} 1`,
	} {
		if !strings.Contains(metrics, line) {
			t.Errorf("metrics lack %s", line)
		}
	}
}
