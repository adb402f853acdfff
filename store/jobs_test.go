package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestJobRunSlotRunsOnce(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		slot := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
		run := JobRun{Job: "digest:morning", Slot: slot, Trigger: "schedule", Outcome: OutcomeRunning, StartedAt: slot}
		if err := s.ClaimJobRun(ctx, run, false); err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimJobRun(ctx, run, false); !errors.Is(err, ErrSlotTaken) {
			t.Fatalf("second claim: err = %v, want ErrSlotTaken", err)
		}
		// A run left "running" by a crash can be resumed, but only on request.
		if err := s.ClaimJobRun(ctx, JobRun{Job: run.Job, Slot: slot, Trigger: "resume", Outcome: OutcomeRunning, StartedAt: slot.Add(time.Minute)}, true); err != nil {
			t.Fatalf("resume: %v", err)
		}
		run.Outcome, run.FinishedAt, run.Duration = OutcomeOK, slot.Add(2*time.Minute), 90*time.Second
		if err := s.FinishJobRun(ctx, run, true); err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimJobRun(ctx, run, true); !errors.Is(err, ErrSlotTaken) {
			t.Fatalf("resume of a finished run: err = %v, want ErrSlotTaken", err)
		}
		got, err := s.JobRunAt(ctx, run.Job, slot)
		if err != nil {
			t.Fatal(err)
		}
		if got.Outcome != OutcomeOK || got.Trigger != "resume" || got.Duration != 90*time.Second || !got.Slot.Equal(slot) {
			t.Fatalf("run = %+v", got)
		}
		last, err := s.JobLastSlot(ctx, run.Job)
		if err != nil || !last.Equal(slot) {
			t.Fatalf("last slot = %v, %v; want %v", last, err, slot)
		}
	})
}

func TestJobLastSlotOnlyMovesForward(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		t0 := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
		if _, err := s.JobLastSlot(ctx, "j"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown job: err = %v, want ErrNotFound", err)
		}
		if err := s.InitJobSlot(ctx, "j", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.InitJobSlot(ctx, "j", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			slot time.Time
			want time.Time
		}{
			{"forward", t0.Add(24 * time.Hour), t0.Add(24 * time.Hour)},
			{"backward is ignored", t0.Add(time.Hour), t0.Add(24 * time.Hour)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := s.RecordJobRun(ctx, JobRun{Job: "j", Slot: tc.slot, Trigger: "catchup", Outcome: OutcomeMissed, StartedAt: tc.slot}, true); err != nil {
					t.Fatal(err)
				}
				got, err := s.JobLastSlot(ctx, "j")
				if err != nil || !got.Equal(tc.want) {
					t.Fatalf("last slot = %v, %v; want %v", got, err, tc.want)
				}
			})
		}
		if err := s.AdvanceJobSlot(ctx, "j", t0); err != nil { // backward: ignored
			t.Fatal(err)
		}
		if err := s.AdvanceJobSlot(ctx, "j", t0.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.JobLastSlot(ctx, "j"); err != nil || !got.Equal(t0.Add(48*time.Hour)) {
			t.Fatalf("after AdvanceJobSlot: last slot = %v, %v", got, err)
		}
		if err := s.RecordJobRun(ctx, JobRun{Job: "j", Slot: t0.Add(time.Hour), Outcome: OutcomeMissed, StartedAt: t0}, true); !errors.Is(err, ErrSlotTaken) {
			t.Fatalf("record twice: err = %v, want ErrSlotTaken", err)
		}
	})
}

func TestUnfinishedAndPrune(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		t0 := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
		for i, outcome := range []Outcome{OutcomeOK, OutcomeRunning, OutcomeInterrupted, OutcomeFailed, OutcomeOK} {
			slot := t0.Add(time.Duration(i) * time.Hour)
			if err := s.ClaimJobRun(ctx, JobRun{Job: "j", Slot: slot, Trigger: "schedule", Outcome: outcome, StartedAt: slot}, false); err != nil {
				t.Fatal(err)
			}
		}
		un, err := s.UnfinishedJobRuns(ctx, "j")
		if err != nil || len(un) != 2 || un[0].Outcome != OutcomeRunning || un[1].Outcome != OutcomeInterrupted {
			t.Fatalf("unfinished = %+v, %v", un, err)
		}
		n, err := s.PruneJobRuns(ctx, t0.Add(10*time.Hour))
		if err != nil || n != 2 { // ok@0 and failed@3; unfinished and the newest stay
			t.Fatalf("pruned %d, %v; want 2", n, err)
		}
		last, err := s.LastJobRun(ctx, "j")
		if err != nil || !last.Slot.Equal(t0.Add(4*time.Hour)) {
			t.Fatalf("last run = %+v, %v", last, err)
		}
	})
}

func TestLease(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		t0 := time.Date(2026, 7, 20, 7, 0, 0, 0, time.UTC)
		ttl := 30 * time.Second
		steps := []struct {
			name, holder, evict string
			now                 time.Time
			wantHolder          string
		}{
			{"free lease is taken", "a", "", t0, "a"},
			{"held lease is refused", "b", "", t0.Add(10 * time.Second), "a"},
			{"holder renews", "a", "", t0.Add(20 * time.Second), "a"},
			{"still held after renewal", "b", "", t0.Add(40 * time.Second), "a"},
			{"dead holder is evicted", "b", "a", t0.Add(41 * time.Second), "b"},
			{"expired lease is taken over", "c", "", t0.Add(41*time.Second + ttl), "c"},
		}
		for _, st := range steps {
			l, err := s.AcquireLease(ctx, "scheduler", st.holder, st.evict, st.now, st.now.Add(ttl))
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if l.Holder != st.wantHolder {
				t.Fatalf("%s: holder = %q, want %q", st.name, l.Holder, st.wantHolder)
			}
		}
		if err := s.ReleaseLease(ctx, "scheduler", "a"); err != nil { // not a's: no effect
			t.Fatal(err)
		}
		if l, _ := s.AcquireLease(ctx, "scheduler", "d", "", t0.Add(72*time.Second), t0.Add(100*time.Second)); l.Holder != "c" {
			t.Fatalf("release by a non-holder freed the lease: holder %q", l.Holder)
		}
		if err := s.ReleaseLease(ctx, "scheduler", "c"); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.AcquireLease(ctx, "scheduler", "d", "", t0.Add(72*time.Second), t0.Add(100*time.Second)); l.Holder != "d" {
			t.Fatalf("after release: holder %q, want d", l.Holder)
		}
	})
}
