package schedule

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRunOverhead measures what the scheduler adds to each run: the
// slot claim and the outcome record in SQLite (the job itself does
// nothing).
func BenchmarkRunOverhead(b *testing.B) {
	st, _ := openStore(b)
	t0 := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	s, err := New(Config{Store: st, Location: time.UTC, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	job := Job{Name: "digest:bench", Spec: "* * * * * *", SlotKeyed: true, Run: func(context.Context, time.Time, Trigger) error { return nil }}
	if err := s.Start(context.Background(), []Job{job}); err != nil {
		b.Fatal(err)
	}
	defer s.Stop(context.Background())
	s.mu.Lock()
	r := s.regs[job.Name]
	s.mu.Unlock()
	b.ResetTimer()
	for i := range b.N {
		s.execute(job, r, t0.Add(time.Duration(i+1)*time.Second), TriggerSchedule, false, false)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}
