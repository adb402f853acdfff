package mailer

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkSendDigest sends the sample digest through the outbox to every
// recipient over real SMTP (the go-smtp sink on 127.0.0.1), one run per
// iteration. It reports messages per second, the peak heap in use while
// sending (sampled), and bytes allocated per message: compare the
// recipient counts to see memory stay flat.
func BenchmarkSendDigest(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("recipients=%d", n), func(b *testing.B) {
			s := startSink(b, false, nil)
			st := openStore(b)
			saveEdition(b, st, sampleEdition(b, "2021-07-20"))
			m := newDigests(b, testConfig(s, n), st, st)
			ctx := context.Background()

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := sampler(b)
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				res, err := m.Run(ctx, "daily", slot.Add(time.Duration(i)*time.Hour))
				if err != nil || res.Sent != n {
					b.Fatalf("run %d = %+v, %v", i, res, err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			peakHeap := peak()
			runtime.ReadMemStats(&after)
			msgs := float64(n * b.N)
			if got := s.total(); got != n*b.N {
				b.Fatalf("sink got %d messages, want %d", got, n*b.N)
			}
			b.ReportMetric(msgs/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/msgs, "alloc-B/msg")
		})
	}
}

// sampler samples HeapInuse every few milliseconds until the returned
// function is called, which returns the peak.
func sampler(b *testing.B) func() uint64 {
	b.Helper()
	var (
		mu   sync.Mutex
		peak uint64
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
