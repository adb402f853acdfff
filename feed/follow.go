package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/store"
)

// ChangeSource tells what changed in the store, whoever changed it; the
// store's ChangeGeneration and ChangedEditions.
type ChangeSource interface {
	ChangeGeneration(ctx context.Context) (int64, error)
	ChangedEditions(ctx context.Context, since int64) ([]string, int64, error)
}

// Sync brings the feeds up to date with the store if it changed since the
// last Refresh or Sync, re-rendering only what the changed editions touch
// (Update), and returns the absolute URLs of the subscription documents
// whose bytes changed since the last Sync, by its own work or a
// Refresh's. When nothing changed it costs one read of one row.
// A source that is not a ChangeSource makes it a no-op.
func (s *Service) Sync(ctx context.Context) ([]string, error) {
	cs, ok := s.src.(ChangeSource)
	if !ok {
		return nil, nil
	}
	gen, err := cs.ChangeGeneration(ctx)
	if err != nil {
		return nil, fmt.Errorf("feed: sync: %w", err)
	}
	if gen != s.syncedGen.Load() {
		if err := s.syncFrom(ctx, cs); err != nil {
			return nil, err
		}
	}
	paths := s.takePending()
	if len(paths) == 0 {
		return nil, nil
	}
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = s.cfg.URL(p)
	}
	return urls, nil
}

// maxUpdateDates is how many changed editions Update takes on; more (an
// archive ingested in bulk) are a Refresh.
const maxUpdateDates = 500

// syncFrom re-renders what changed since the generation last synced.
func (s *Service) syncFrom(ctx context.Context, cs ChangeSource) error {
	if s.plans.Load() == nil {
		return s.Refresh(ctx)
	}
	dates, gen, err := cs.ChangedEditions(ctx, s.syncedGen.Load())
	if errors.Is(err, store.ErrChangesForgotten) {
		// Too far behind to know what changed: render everything.
		return s.Refresh(ctx)
	}
	if err != nil {
		return fmt.Errorf("feed: sync: %w", err)
	}
	if len(dates) > maxUpdateDates {
		// A bulk ingest: one full pass is cheaper than counting each date
		// (Refresh records the generation it read).
		return s.Refresh(ctx)
	}
	if _, err := s.Update(ctx, dates); err != nil {
		return err
	}
	s.syncedGen.Store(gen)
	return nil
}

// Follow keeps the service that current returns up to date with the
// store until ctx ends: every interval, and at once when wake receives (the
// store's change notifications; nil for none), it calls Sync, and pings
// the configured WebSub hubs with the feeds that changed. current is asked
// each time, so a config reload's new service is followed from then on.
// Errors are logged and the next tick tries again.
func Follow(ctx context.Context, interval time.Duration, wake <-chan struct{}, current func() *Service, logger *slog.Logger) {
	client := &http.Client{Timeout: 10 * time.Second}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		svc := current()
		changed, err := svc.Sync(ctx)
		if err != nil {
			logger.LogAttrs(ctx, slog.LevelWarn, "feeds_sync_failed", slog.String("error", err.Error()))
			continue
		}
		if len(changed) > 0 && len(svc.cfg.Hubs) > 0 {
			if err := Ping(ctx, client, svc.cfg.Hubs, changed); err != nil {
				logger.LogAttrs(ctx, slog.LevelWarn, "websub_ping_failed", slog.String("error", err.Error()))
			}
		}
	}
}

// Ping tells each WebSub hub that the feeds at urls changed (a "publish"
// notification, hub.mode=publish with one hub.url per feed), so
// subscribers hear of an edition without polling. A hub must answer 2xx.
func Ping(ctx context.Context, client *http.Client, hubs, urls []string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": urls}
	body := form.Encode()
	var failed []string
	for _, hub := range hubs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, bytes.NewReader([]byte(body)))
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", hub, err))
			continue
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", hub, err))
			continue
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			failed = append(failed, fmt.Sprintf("%s: %s", hub, resp.Status))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("feed: websub ping: %s", strings.Join(failed, "; "))
	}
	return nil
}
