package feed

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/store"
)

// hub is an in-process WebSub hub that records publish pings.
type hub struct {
	mu    sync.Mutex
	pings [][]string // hub.url values of each ping
	bad   int        // requests that were not a valid publish
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("hub.mode") != "publish" {
		h.bad++
		http.Error(w, "bad ping", http.StatusBadRequest)
		return
	}
	h.pings = append(h.pings, r.PostForm["hub.url"])
	w.WriteHeader(http.StatusNoContent)
}

func (h *hub) seen() ([][]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.pings), h.bad
}

// TestFollowPingsHub: with a hub configured, every feed links it, and a
// new edition saved by anyone makes Follow ping the hub with the changed
// feeds; without a change, no ping. Off (no hubs) by default.
func TestFollowPingsHub(t *testing.T) {
	s, eds, h, svc := hubService(t)
	hubURL := svc.cfg.Hubs[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, f := range svc.cfg.Formats {
		body := resource(t, svc, FeedPath("", f)).Body
		if !strings.Contains(string(body), hubURL) {
			t.Errorf("%s does not link the hub", f)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Follow(ctx, 20*time.Millisecond, nil, func() *Service { return svc }, slog.New(slog.DiscardHandler))
	}()
	time.Sleep(100 * time.Millisecond)
	if pings, _ := h.seen(); len(pings) != 0 {
		t.Fatalf("pinged without a change: %v", pings)
	}
	saveTestEdition(t, s, "2021-07-21", 5, eds)
	deadline := time.Now().Add(5 * time.Second)
	for {
		pings, bad := h.seen()
		if bad > 0 {
			t.Fatalf("%d bad pings", bad)
		}
		if len(pings) == 1 && slices.Contains(pings[0], svc.Config().URL("/atom.xml")) && slices.Contains(pings[0], svc.Config().URL("/topics/flood/rss.xml")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pings %v, want one naming the main and topic feeds", pings)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	// Off by default: the test config has no hubs, so no hub link.
	plain := refreshedService(t, s)
	if body := resource(t, plain, "/atom.xml").Body; strings.Contains(string(body), `rel="hub"`) {
		t.Error("a hub link without a configured hub")
	}
}

// TestSyncReportsRefreshChanges: when the feeds job's Refresh renders a
// change before the follower's Sync sees it, Sync still reports the
// changed feeds (so the hubs hear of it), once.
func TestSyncReportsRefreshChanges(t *testing.T) {
	s, eds := archiveStore(t)
	svc := refreshedService(t, s)
	ctx := context.Background()
	if urls, err := svc.Sync(ctx); err != nil || len(urls) != 0 {
		t.Fatalf("first sync = %v, %v; want nothing (a first render changes nothing)", urls, err)
	}
	saveTestEdition(t, s, "2021-07-21", 3, eds)
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	urls, err := svc.Sync(ctx)
	if err != nil || !slices.Contains(urls, svc.Config().URL("/rss.xml")) {
		t.Fatalf("sync after a refresh = %v, %v; want the main feeds", urls, err)
	}
	if urls, _ := svc.Sync(ctx); len(urls) != 0 {
		t.Errorf("reported twice: %v", urls)
	}
}

// TestFollowWakesOnNotice: a receive on wake (the store's change
// notification) makes Follow sync at once, not at the next interval.
func TestFollowWakesOnNotice(t *testing.T) {
	s, eds, h, svc := hubService(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Follow(ctx, time.Hour, wake, func() *Service { return svc }, slog.New(slog.DiscardHandler))
	}()
	saveTestEdition(t, s, "2021-07-21", 5, eds)
	wake <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if pings, _ := h.seen(); len(pings) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sync within 5s of the notice (the interval is an hour)")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

// hubService is a refreshed Service on the archive store whose config names
// a recording hub.
func hubService(t *testing.T) (*store.Store, map[string][]content.Article, *hub, *Service) {
	t.Helper()
	s, eds := archiveStore(t)
	h := &hub{}
	hsrv := httptest.NewServer(h)
	t.Cleanup(hsrv.Close)
	cfg := testConfig(t)
	cfg.Hubs = []string{hsrv.URL + "/hub"}
	svc, err := NewService(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, eds, h, svc
}
