package mailer

import (
	"context"
	"fmt"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// BenchmarkSendDigest sends the sample digest through the outbox to every
// recipient over real SMTP (the go-smtp sink on 127.0.0.1), one run per
// iteration (each a digest of its own). It reports messages per second,
// the peak heap (objects, including garbage not yet collected) and the peak
// live heap (as marked by the last GC) while sending, sampled every 2 ms,
// and bytes allocated per message: compare the recipient counts to see
// memory stay flat. The in-process sink's own allocations are included.
func BenchmarkSendDigest(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("recipients=%d", n), func(b *testing.B) {
			s := startSink(b, false, nil)
			st := fixture.NewStore(b)
			saveEdition(b, st, sampleEdition(b, "2021-07-20"))
			// One digest per iteration, so each sends the full sample
			// edition as its first run.
			cfg := testConfig(s, n)
			cfg.Digests = nil
			for i := range b.N {
				cfg.Digests = append(cfg.Digests, Digest{Name: fmt.Sprintf("d%d", i), Lists: []string{"residents"}})
			}
			m := newDigests(b, cfg, st, st)
			ctx := context.Background()

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := sampler(b)
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				res, err := m.Run(ctx, fmt.Sprintf("d%d", i), slot)
				if err != nil || res.Sent != n {
					b.Fatalf("run %d = %+v, %v", i, res, err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			peakInUse, peakLive := peak()
			runtime.ReadMemStats(&after)
			msgs := float64(n * b.N)
			if got := s.total(); got != n*b.N {
				b.Fatalf("sink got %d messages, want %d", got, n*b.N)
			}
			b.ReportMetric(msgs/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(peakInUse)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-MB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/msgs, "alloc-B/msg")
		})
	}
}

// sampler samples the heap every few milliseconds until the returned
// function is called, which returns the peaks of the heap in use (live and
// garbage not yet collected) and of the live heap as the last GC marked it.
func sampler(b *testing.B) func() (inUse, live uint64) {
	b.Helper()
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	var peakInUse, peakLive uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			peakInUse = max(peakInUse, samples[0].Value.Uint64())
			peakLive = max(peakLive, samples[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		return peakInUse, peakLive
	}
}
