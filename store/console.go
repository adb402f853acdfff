package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditEntry is one change made through the admin console.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string
	Key    string
	Old    string
	New    string
}

// AddAudit appends e (its ID is ignored; a zero At means now).
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO admin_audit (at, actor, action, key, old_value, new_value)
		VALUES (?, ?, ?, ?, ?, ?)`, formatTime(e.At), e.Actor, e.Action, e.Key, e.Old, e.New); err != nil {
		return fmt.Errorf("store: add audit entry %s %s: %w", e.Action, e.Key, err)
	}
	return nil
}

// AuditLog returns the newest limit audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, action, key, old_value, new_value
		FROM admin_audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Key, &e.Old, &e.New); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}

// DigestRunByID returns run id, or an error wrapping ErrNotFound.
func (s *Store) DigestRunByID(ctx context.Context, id int64) (DigestRun, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return DigestRun{}, fmt.Errorf("store: digest run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return DigestRun{}, fmt.Errorf("store: digest run %d: %w", id, err)
	}
	return r, nil
}

// RunDeliveries returns up to limit deliveries of run, failed first, then
// pending, skipped and sent, each by recipient.
func (s *Store) RunDeliveries(ctx context.Context, runID int64, limit int) ([]Delivery, error) {
	ds, err := runOf(runID).scanDeliveries(s.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE run_id = ?
		ORDER BY CASE status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 WHEN 'skipped' THEN 2 ELSE 3 END, recipient
		LIMIT ?`, runID, limit))
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of run %d: %w", runID, err)
	}
	return ds, nil
}

// RetryFailedDeliveries puts run's failed deliveries back to pending, due
// at once, and reopens the run (status sending) so that the mailer's next
// run of the digest resumes it and sends them, and only them: a failed
// delivery was never accepted by the server, so nobody gets the digest
// twice. An address suppressed since (a bounce, a complaint) is skipped
// instead, as in a new run. It returns how many deliveries it requeued; a
// run with none is left finished.
func (s *Store) RetryFailedDeliveries(ctx context.Context, runID int64) (int, error) {
	var n int
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, attempts = 0,
				claimed_by = '', claimed_until = ''
			WHERE run_id = ? AND status = 'failed'`, formatTime(s.now()), runID); err != nil {
			return err
		}
		if err := skipSuppressed(ctx, tx, runID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE run_id = ? AND status = 'pending'`, runID).Scan(&n); err != nil || n == 0 {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE digest_runs SET status = 'sending', finished_at = '' WHERE id = ? AND status != 'sending'`, runID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: retry failed deliveries of run %d: %w", runID, err)
	}
	return n, nil
}

// CurrentLease returns the lease named name as it stands, or an error
// wrapping ErrNotFound when nobody holds it.
func (s *Store) CurrentLease(ctx context.Context, name string) (Lease, error) {
	l := Lease{Name: name}
	var exp string
	err := s.db.QueryRowContext(ctx, `SELECT holder, expires_at FROM leases WHERE name = ?`, name).Scan(&l.Holder, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, fmt.Errorf("store: lease %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Lease{}, fmt.Errorf("store: lease %s: %w", name, err)
	}
	if l.ExpiresAt, err = parseTime(exp); err != nil {
		return Lease{}, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return l, nil
}
