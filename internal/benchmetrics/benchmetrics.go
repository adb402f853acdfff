// Package benchmetrics reports the figures the archive benchmarks (ingest
// and the store's SaveEdition) share, so that they read the same. Only
// benchmarks import it.
package benchmetrics

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the process's user plus system CPU time so far, all threads.
func CPUTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportArchive reports articles per CPU second since cpu0, editions and
// articles per second of the benchmark's elapsed time, and the database
// size in MiB. CPU time shows the cost apart from how busy the machine
// was: wall time can only be lower with idle cores.
func ReportArchive(b *testing.B, cpu0 time.Duration, editions, articles int, dbBytes float64) {
	b.Helper()
	secs := b.Elapsed().Seconds()
	cpu := (CPUTime(b) - cpu0).Seconds()
	b.ReportMetric(float64(articles)/cpu, "articles/cpu-s")
	b.ReportMetric(float64(editions)/secs, "editions/s")
	b.ReportMetric(float64(articles)/secs, "articles/s")
	b.ReportMetric(dbBytes/(1<<20), "db-MB")
}
