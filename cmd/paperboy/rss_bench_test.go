package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/internal/pgtest"
	"github.com/paperboy-news/paperboy/internal/smtptest"
)

// benchRecipientsEnv lists the recipient counts BenchmarkDigestPeakRSS
// sends to, comma-separated; default 10000. A run to 1,000,000 takes
// minutes, so it is asked for by hand:
//
//	PAPERBOY_BENCH_RECIPIENTS=10000,100000,1000000 go test ./cmd/paperboy/ -run '^$' -bench DigestPeakRSS -benchtime 1x
const benchRecipientsEnv = "PAPERBOY_BENCH_RECIPIENTS"

// BenchmarkDigestPeakRSS builds paperboy and runs `paperboy digest daily`
// in a child process that sends one run to n recipients
// of a list file through a real SMTP sink, on SQLite and, when
// PAPERBOY_TEST_POSTGRES is set, on PostgreSQL. It reports the child's
// peak resident set (VmHWM of the whole process: heap, stacks, the SQLite
// page cache, the binary) and messages per second over
// the whole command, creating the outbox included.
func BenchmarkDigestPeakRSS(b *testing.B) {
	sizes := []int{10000}
	if v := os.Getenv(benchRecipientsEnv); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				b.Fatalf("%s=%q: want comma-separated recipient counts", benchRecipientsEnv, v)
			}
			sizes = append(sizes, n)
		}
	}
	bin := filepath.Join(b.TempDir(), "paperboy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, driver := range []string{"sqlite", "postgres"} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("driver=%s/recipients=%d", driver, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					dsnEnv := ""
					if driver == "postgres" {
						b.Setenv(failoverDSNEnv, pgtest.Fresh(b))
						dsnEnv = failoverDSNEnv
					}
					sink := smtptest.Start(b, smtptest.Config{CountOnly: true})
					dir, cfgPath := e2eSetup(b)
					writeBenchList(b, filepath.Join(dir, "lists", "residents.txt"), n)
					cfg := renderConfig(b, daemonConfig{SMTPPort: sink.Port, Schedule: "0 0 1 1 *", ListFile: true,
						Connections: 4, CatchUp: "1h", DSNEnv: dsnEnv, FailoverTimeout: "15s"})
					// No rate limit: the benchmark measures paperboy.
					cfg = strings.Replace(cfg, "rate = 1000", "rate = 0", 1)
					writeAtomic(b, cfgPath, []byte(cfg))
					var out bytes.Buffer
					if err := run(context.Background(), []string{"ingest", "-config", cfgPath}, &out, &out); err != nil {
						b.Fatalf("ingest: %v\n%s", err, out.String())
					}
					b.StartTimer()
					start := time.Now()
					// A long run shows its progress on stderr as it goes.
					done := make(chan struct{})
					go func() {
						t := time.NewTicker(10 * time.Second)
						defer t.Stop()
						for {
							select {
							case <-done:
								return
							case <-t.C:
								fmt.Fprintf(os.Stderr, "%s %d: %d sent after %.0fs\n", driver, n, sink.Total(), time.Since(start).Seconds())
							}
						}
					}()
					rss, log := runChild(b, bin, "digest", "daily", "-config", cfgPath)
					elapsed := time.Since(start)
					close(done)
					b.StopTimer()
					if got := sink.Total(); got != n {
						b.Fatalf("sink got %d messages, want %d\n%s", got, n, tail(log))
					}
					b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
					b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
				}
			})
		}
	}
}

// runChild runs the paperboy binary bin with args to its end and returns
// its peak resident set in bytes (VmHWM) and its output. VmHWM is read
// from /proc while the child runs, every 20 ms: the rusage of the ended
// child is no good, as Linux carries the parent's peak over the exec into
// ru_maxrss, so a large test process would be reported for paperboy.
func runChild(b *testing.B, bin string, args ...string) (maxRSS int64, out string) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var hwm int64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v := vmHWM(status); v > hwm {
				hwm = v
			}
			select {
			case <-done:
				peak <- hwm
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	maxRSS = <-peak
	if err != nil {
		b.Fatalf("paperboy %s: %v\n%s", strings.Join(args, " "), err, tail(buf.String()))
	}
	if maxRSS == 0 {
		b.Fatal("the child's VmHWM was never read")
	}
	return maxRSS, buf.String()
}

// vmHWM is the VmHWM line of a /proc/PID/status file in bytes, 0 if it
// cannot be read (the process has ended).
func vmHWM(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// writeBenchList writes a list file of n addresses, r0000000@example.org
// ...
func writeBenchList(b *testing.B, path string, n int) {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString("# residents\n")
	for i := range n {
		fmt.Fprintf(&buf, "r%07d@example.org\n", i)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}

// tail is the end of a long log.
func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}
