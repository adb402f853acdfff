package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Outcome is how a job run ended, as stored in job_runs.outcome.
type Outcome string

// The job run outcomes.
const (
	OutcomeRunning     Outcome = "running"
	OutcomeOK          Outcome = "ok"
	OutcomeSkipped     Outcome = "skipped"
	OutcomeMissed      Outcome = "missed"
	OutcomeFailed      Outcome = "failed"
	OutcomeInterrupted Outcome = "interrupted" // shutdown cut the run short; resumable
)

// ErrSlotTaken is returned, wrapped, when a job run is claimed for a slot
// that already has a run: a slot never runs twice.
var ErrSlotTaken = errors.New("slot already has a run")

// JobRun is one run of a scheduled job: a row of job_runs.
type JobRun struct {
	Job        string
	Slot       time.Time // the scheduled time the run is for (manual runs: start time)
	Trigger    string    // schedule | catchup | resume | manual | watch | startup | ...
	Outcome    Outcome
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
	Duration   time.Duration
}

const jobRunColumns = `job, slot, trigger, outcome, error, started_at, finished_at, duration_ms`

func scanJobRun(row interface{ Scan(...any) error }) (JobRun, error) {
	var r JobRun
	var slot, started, finished string
	var ms int64
	if err := row.Scan(&r.Job, &slot, &r.Trigger, &r.Outcome, &r.Error, &started, &finished, &ms); err != nil {
		return JobRun{}, err
	}
	var err error
	if r.Slot, err = parseTime(slot); err != nil {
		return JobRun{}, err
	}
	if r.StartedAt, err = parseTime(started); err != nil {
		return JobRun{}, err
	}
	if r.FinishedAt, err = parseTime(finished); err != nil {
		return JobRun{}, err
	}
	r.Duration = time.Duration(ms) * time.Millisecond
	return r, nil
}

// ClaimJobRun records the start of run (its Outcome should be "running").
// If the slot already has a run it returns an error wrapping ErrSlotTaken,
// unless resume is set and that run never finished (outcome running or
// interrupted, left by a crash or a shutdown), in which case the row is
// taken over with run's trigger and start time.
func (s *Store) ClaimJobRun(ctx context.Context, run JobRun, resume bool) error {
	if err := s.withTx(ctx, func(tx *sql.Tx) error { return claimJobRun(ctx, tx, run, resume) }); err != nil {
		return fmt.Errorf("store: claim job run %s at %s: %w", run.Job, formatTime(run.Slot), err)
	}
	return nil
}

func claimJobRun(ctx context.Context, tx *sql.Tx, run JobRun, resume bool) error {
	var outcome Outcome
	err := tx.QueryRowContext(ctx, `SELECT outcome FROM job_runs WHERE job = ? AND slot = ?`,
		run.Job, formatTime(run.Slot)).Scan(&outcome)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `INSERT INTO job_runs (`+jobRunColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			run.Job, formatTime(run.Slot), run.Trigger, run.Outcome, run.Error,
			formatTime(run.StartedAt), formatTime(run.FinishedAt), run.Duration.Milliseconds())
		return err
	case err != nil:
		return err
	case resume && (outcome == OutcomeRunning || outcome == OutcomeInterrupted):
		_, err = tx.ExecContext(ctx, `UPDATE job_runs SET trigger = ?, outcome = ?, error = '', started_at = ?, finished_at = '', duration_ms = 0
			WHERE job = ? AND slot = ?`,
			run.Trigger, run.Outcome, formatTime(run.StartedAt), run.Job, formatTime(run.Slot))
		return err
	default:
		return fmt.Errorf("%w (outcome %s)", ErrSlotTaken, outcome)
	}
}

// FinishJobRun records how a claimed run ended. If advance is set, the
// job's last completed slot moves forward to run.Slot (never backward), in
// the same transaction.
func (s *Store) FinishJobRun(ctx context.Context, run JobRun, advance bool) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE job_runs SET outcome = ?, error = ?, finished_at = ?, duration_ms = ?
			WHERE job = ? AND slot = ?`,
			run.Outcome, run.Error, formatTime(run.FinishedAt), run.Duration.Milliseconds(), run.Job, formatTime(run.Slot))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("no claimed run: %w", ErrNotFound)
		}
		if advance {
			return advanceJobSlot(ctx, tx, run.Job, run.Slot, run.FinishedAt)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: finish job run %s at %s: %w", run.Job, formatTime(run.Slot), err)
	}
	return nil
}

// RecordJobRun inserts a run that never ran (outcome missed or skipped) and,
// if advance is set, moves the job's last completed slot to it, atomically.
// A slot that already has a run gives an error wrapping ErrSlotTaken.
func (s *Store) RecordJobRun(ctx context.Context, run JobRun, advance bool) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := claimJobRun(ctx, tx, run, false); err != nil {
			return err
		}
		if advance {
			return advanceJobSlot(ctx, tx, run.Job, run.Slot, run.FinishedAt)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record job run %s at %s: %w", run.Job, formatTime(run.Slot), err)
	}
	return nil
}

// advanceJobSlot moves job's last completed slot forward to slot. The
// fixed-width time format makes the string comparison a time comparison.
func advanceJobSlot(ctx context.Context, tx *sql.Tx, job string, slot, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO job_state (job, last_slot, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (job) DO UPDATE SET last_slot = excluded.last_slot, updated_at = excluded.updated_at
		WHERE excluded.last_slot > job_state.last_slot`,
		job, formatTime(slot), formatTime(now))
	return err
}

// AdvanceJobSlot moves job's last completed slot forward to slot (never
// backward), e.g. when its schedule changes, so that slots of the new
// schedule before the change are not taken for missed ones.
func (s *Store) AdvanceJobSlot(ctx context.Context, job string, slot time.Time) error {
	if err := s.withTx(ctx, func(tx *sql.Tx) error { return advanceJobSlot(ctx, tx, job, slot, slot) }); err != nil {
		return fmt.Errorf("store: advance job slot %s: %w", job, err)
	}
	return nil
}

// InitJobSlot gives job a last completed slot of baseline unless it already
// has one: a newly scheduled job does not catch up slots from before it
// existed.
func (s *Store) InitJobSlot(ctx context.Context, job string, baseline time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO job_state (job, last_slot, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (job) DO NOTHING`, job, formatTime(baseline), formatTime(baseline))
	if err != nil {
		return fmt.Errorf("store: init job slot %s: %w", job, err)
	}
	return nil
}

// JobLastSlot is job's last completed slot (or its baseline); an error
// wrapping ErrNotFound if the job was never scheduled.
func (s *Store) JobLastSlot(ctx context.Context, job string) (time.Time, error) {
	var slot string
	err := s.db.QueryRowContext(ctx, `SELECT last_slot FROM job_state WHERE job = ?`, job).Scan(&slot)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("store: last slot of job %s: %w", job, ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last slot of job %s: %w", job, err)
	}
	t, err := parseTime(slot)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last slot of job %s: %w", job, err)
	}
	return t, nil
}

// LastJobRun is job's most recently started run (ties: the newest slot); an
// error wrapping ErrNotFound if it never ran.
func (s *Store) LastJobRun(ctx context.Context, job string) (JobRun, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+jobRunColumns+` FROM job_runs WHERE job = ?
		ORDER BY started_at DESC, slot DESC LIMIT 1`, job)
	r, err := scanJobRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return JobRun{}, fmt.Errorf("store: last run of job %s: %w", job, ErrNotFound)
	}
	if err != nil {
		return JobRun{}, fmt.Errorf("store: last run of job %s: %w", job, err)
	}
	return r, nil
}

// JobRunAt is job's run for slot; an error wrapping ErrNotFound if none.
func (s *Store) JobRunAt(ctx context.Context, job string, slot time.Time) (JobRun, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+jobRunColumns+` FROM job_runs WHERE job = ? AND slot = ?`, job, formatTime(slot))
	r, err := scanJobRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return JobRun{}, fmt.Errorf("store: run of job %s at %s: %w", job, formatTime(slot), ErrNotFound)
	}
	if err != nil {
		return JobRun{}, fmt.Errorf("store: run of job %s at %s: %w", job, formatTime(slot), err)
	}
	return r, nil
}

// UnfinishedJobRuns lists job's runs that never finished (outcome running or
// interrupted), oldest slot first: what a crash or a cut-short shutdown left.
func (s *Store) UnfinishedJobRuns(ctx context.Context, job string) ([]JobRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobRunColumns+` FROM job_runs
		WHERE job = ? AND outcome IN (?, ?) ORDER BY slot`, job, OutcomeRunning, OutcomeInterrupted)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished runs of job %s: %w", job, err)
	}
	defer rows.Close()
	var runs []JobRun
	for rows.Next() {
		r, err := scanJobRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unfinished runs of job %s: %w", job, err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unfinished runs of job %s: %w", job, err)
	}
	return runs, nil
}

// PruneJobRuns deletes finished runs that started before cutoff, keeping
// each job's newest run, and reports how many it deleted.
func (s *Store) PruneJobRuns(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM job_runs WHERE started_at < ? AND outcome NOT IN (?, ?)
		AND id NOT IN (SELECT MAX(id) FROM job_runs GROUP BY job)`, formatTime(cutoff), OutcomeRunning, OutcomeInterrupted)
	if err != nil {
		return 0, fmt.Errorf("store: prune job runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune job runs: %w", err)
	}
	return n, nil
}

// Lease is a named, expiring lock row.
type Lease struct {
	Name      string
	Holder    string
	ExpiresAt time.Time
}

// AcquireLease takes or renews the lease name for holder until expires. It
// succeeds when the lease is free, already holder's, expired at now, or held
// by evict (a holder the caller knows is dead; "" for none). It returns the
// lease as it stands afterwards: holder got it if and only if
// Lease.Holder == holder.
func (s *Store) AcquireLease(ctx context.Context, name, holder, evict string, now, expires time.Time) (Lease, error) {
	var l Lease
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ? OR leases.holder = ?`,
			name, holder, formatTime(expires), formatTime(now), evict); err != nil {
			return err
		}
		var exp string
		if err := tx.QueryRowContext(ctx, `SELECT name, holder, expires_at FROM leases WHERE name = ?`, name).
			Scan(&l.Name, &l.Holder, &exp); err != nil {
			return err
		}
		var err error
		l.ExpiresAt, err = parseTime(exp)
		return err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("store: acquire lease %s: %w", name, err)
	}
	return l, nil
}

// ReleaseLease gives up the lease name if holder has it; releasing a lease
// held by someone else (or nobody) changes nothing.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}
