package benchmetrics

import (
	"crypto/sha256"
	"testing"
	"time"
)

// TestCPUTimeCounts burns CPU and checks that CPUTime saw it.
func TestCPUTimeCounts(t *testing.T) {
	before := CPUTime(t)
	sum := sha256.Sum256(nil)
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		sum = sha256.Sum256(sum[:])
	}
	if got := CPUTime(t) - before; got < 10*time.Millisecond {
		t.Errorf("CPUTime grew by %v over 50ms of hashing, want at least 10ms", got)
	}
}
