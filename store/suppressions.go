package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Suppression reasons (suppressions.reason).
const (
	SuppressHardBounce  = "hard-bounce"
	SuppressSoftBounces = "soft-bounces"
	SuppressComplaint   = "complaint"
	SuppressManual      = "manual"
)

// Bounce kinds (bounces.kind).
const (
	BounceHard      = "hard"
	BounceSoft      = "soft"
	BounceDelayed   = "delayed"
	BounceComplaint = "complaint"
)

// Suppression is an address no digest goes to any more.
type Suppression struct {
	Address string
	// Reason is SuppressHardBounce, SuppressSoftBounces, SuppressComplaint
	// or SuppressManual.
	Reason string
	// Evidence says why: the status code and the server's words, the
	// report's Message-ID, or the admin's note.
	Evidence string
	Created  time.Time
}

// Suppress adds sup to the suppression list (Created defaults to now) and
// skips the address's pending deliveries, in one transaction. An address
// already suppressed keeps its first reason; added is false then.
func (s *Store) Suppress(ctx context.Context, sup Suppression) (added bool, err error) {
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		added, err = s.suppress(ctx, tx, sup)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: suppress %s: %w", sup.Address, err)
	}
	return added, nil
}

func (s *Store) suppress(ctx context.Context, tx *sql.Tx, sup Suppression) (bool, error) {
	addr := strings.TrimSpace(sup.Address)
	if addr == "" || sup.Reason == "" {
		return false, errors.New("address and reason are required")
	}
	if sup.Created.IsZero() {
		sup.Created = s.now()
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO suppressions (address, reason, evidence, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (address) DO NOTHING`, addr, sup.Reason, sup.Evidence, formatTime(sup.Created))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	// A run still sending (or resumed after a crash) must not mail the
	// address either.
	_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', last_error = ?, next_attempt_at = ''
		WHERE recipient = ? COLLATE NOCASE AND status = 'pending'`, suppressedNote(sup.Reason), addr)
	return true, err
}

// suppressedNote is a delivery's last_error when it is skipped because its
// address is suppressed.
func suppressedNote(reason string) string { return "suppressed: " + reason }

// skipSuppressed marks the pending deliveries of run whose address is
// suppressed as skipped, with the suppression's reason: a new run's
// outbox is created complete, then this drops whoever bounced or
// complained, as an unsubscribe does, but counted and explained.
func skipSuppressed(ctx context.Context, tx *sql.Tx, runID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', last_error = 'suppressed: ' || s.reason, next_attempt_at = ''
		FROM suppressions s
		WHERE deliveries.run_id = ? AND deliveries.status = 'pending' AND s.address = deliveries.recipient`, runID)
	if err != nil {
		return fmt.Errorf("skip suppressed addresses: %w", err)
	}
	return nil
}

// Unsuppress removes address from the suppression list, or returns an
// error wrapping ErrNotFound if it is not on it. Its bounce history stays,
// but bounces before now no longer count towards soft bounces in a row.
func (s *Store) Unsuppress(ctx context.Context, address string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE address = ?`, strings.TrimSpace(address))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrNotFound
			}
			return err
		}
		// A fresh start: earlier bounces would otherwise suppress the
		// address again on its next soft bounce.
		_, err = tx.ExecContext(ctx, `UPDATE bounces SET kind = kind || '-cleared' WHERE address = ? AND kind IN ('soft', 'hard')`, strings.TrimSpace(address))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unsuppress %s: %w", address, err)
	}
	return nil
}

// Suppressions lists the suppression list, newest first.
func (s *Store) Suppressions(ctx context.Context) ([]Suppression, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT address, reason, evidence, created_at FROM suppressions ORDER BY created_at DESC, address`)
	if err != nil {
		return nil, fmt.Errorf("store: suppressions: %w", err)
	}
	defer rows.Close()
	var out []Suppression
	for rows.Next() {
		var (
			sup     Suppression
			created string
		)
		if err := rows.Scan(&sup.Address, &sup.Reason, &sup.Evidence, &created); err != nil {
			return nil, fmt.Errorf("store: suppressions: %w", err)
		}
		if sup.Created, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("store: suppressions: %w", err)
		}
		out = append(out, sup)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: suppressions: %w", err)
	}
	return out, nil
}

// Suppressed returns address's suppression, or an error wrapping
// ErrNotFound if it is not suppressed.
func (s *Store) Suppressed(ctx context.Context, address string) (Suppression, error) {
	var (
		sup     Suppression
		created string
	)
	err := s.db.QueryRowContext(ctx, `SELECT address, reason, evidence, created_at FROM suppressions WHERE address = ?`,
		strings.TrimSpace(address)).Scan(&sup.Address, &sup.Reason, &sup.Evidence, &created)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err == nil {
		sup.Created, err = parseTime(created)
	}
	if err != nil {
		return Suppression{}, fmt.Errorf("store: suppression of %s: %w", address, err)
	}
	return sup, nil
}

// SuppressionCounts counts the suppression list by reason, for status
// pages and metrics.
func (s *Store) SuppressionCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT reason, COUNT(*) FROM suppressions GROUP BY reason`)
	if err != nil {
		return nil, fmt.Errorf("store: suppression counts: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var (
			reason string
			n      int
		)
		if err := rows.Scan(&reason, &n); err != nil {
			return nil, fmt.Errorf("store: suppression counts: %w", err)
		}
		counts[reason] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: suppression counts: %w", err)
	}
	return counts, nil
}

// Bounce is one address's part of a bounce or complaint report.
type Bounce struct {
	Address string
	// Kind is BounceHard, BounceSoft, BounceDelayed or BounceComplaint.
	Kind string
	// Status is the enhanced status code (5.1.1); Detail the remote
	// server's words, or a complaint's feedback type.
	Status, Detail string
	// MessageID is the digest message the report is about, without angle
	// brackets, when the report quotes it.
	MessageID string
	// ReportID identifies the report: its own Message-ID, or where it was
	// read from. A report recorded once is not counted again.
	ReportID string
	Received time.Time
}

// BounceOutcome is what RecordBounce did.
type BounceOutcome struct {
	// Duplicate is true when the report was recorded before; nothing
	// changed.
	Duplicate bool
	// Suppressed is true when this bounce put the address on the
	// suppression list (false if it was there already).
	Suppressed bool
	// Reason is the suppression's reason when Suppressed.
	Reason string
}

// RecordBounce records b and applies the suppression rules, in one
// transaction: a hard bounce or a complaint suppresses the address at
// once; a soft bounce does when the address's last softLimit digests sent
// up to the one that bounced all bounced. A delayed-delivery notice is
// recorded only.
//
// A soft bounce that does not name a digest message this address was sent
// is counted against the address's latest sent message not yet bounced.
func (s *Store) RecordBounce(ctx context.Context, b Bounce, softLimit int) (BounceOutcome, error) {
	var out BounceOutcome
	if b.Received.IsZero() {
		b.Received = s.now()
	}
	b.Address = strings.TrimSpace(b.Address)
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if b.Kind == BounceSoft || b.Kind == BounceHard {
			id, err := bouncedMessage(ctx, tx, b)
			if err != nil {
				return err
			}
			b.MessageID = id
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO bounces (address, kind, status, detail, message_id, report_id, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, address) DO NOTHING`,
			b.Address, b.Kind, b.Status, b.Detail, b.MessageID, b.ReportID, formatTime(b.Received))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			out.Duplicate = err == nil
			return err
		}
		sup := Suppression{Address: b.Address, Created: b.Received}
		switch b.Kind {
		case BounceHard:
			sup.Reason, sup.Evidence = SuppressHardBounce, evidence(b)
		case BounceComplaint:
			sup.Reason, sup.Evidence = SuppressComplaint, evidence(b)
		case BounceSoft:
			n, err := softStreak(ctx, tx, b, softLimit)
			if err != nil || n < softLimit {
				return err
			}
			sup.Reason = SuppressSoftBounces
			sup.Evidence = fmt.Sprintf("%d soft bounces in a row; last: %s", n, evidence(b))
		default:
			return nil
		}
		out.Suppressed, err = s.suppress(ctx, tx, sup)
		if out.Suppressed {
			out.Reason = sup.Reason
		}
		return err
	})
	if err != nil {
		return BounceOutcome{}, fmt.Errorf("store: record bounce of %s: %w", b.Address, err)
	}
	return out, nil
}

func evidence(b Bounce) string {
	var parts []string
	for _, p := range []string{b.Status, b.Detail} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if b.ReportID != "" {
		parts = append(parts, "report "+b.ReportID)
	}
	return strings.Join(parts, "; ")
}

// bouncedMessage is the Message-ID of the delivery b is about: the one it
// names if this address was sent it, else the address's latest sent
// delivery up to b's arrival that has no bounce yet, else "".
func bouncedMessage(ctx context.Context, tx *sql.Tx, b Bounce) (string, error) {
	var id string
	if b.MessageID != "" {
		err := tx.QueryRowContext(ctx, `SELECT message_id FROM deliveries
			WHERE recipient = ? COLLATE NOCASE AND message_id = ? AND status = 'sent' LIMIT 1`, b.Address, b.MessageID).Scan(&id)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return id, err
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT d.message_id FROM deliveries d
		WHERE d.recipient = ? COLLATE NOCASE AND d.status = 'sent' AND d.sent_at <= ?
			AND NOT EXISTS (SELECT 1 FROM bounces x WHERE x.address = d.recipient AND x.message_id = d.message_id)
		ORDER BY d.sent_at DESC LIMIT 1`, b.Address, formatTime(b.Received)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return b.MessageID, nil
	}
	return id, err
}

// softStreak is the length, up to limit, of the run of consecutive sent
// deliveries to b's address that bounced and includes the one b bounced:
// a digest that went through in between breaks it. Reports arrive in any
// order, so the run is counted both ways from b's delivery.
func softStreak(ctx context.Context, tx *sql.Tx, b Bounce, limit int) (int, error) {
	if limit <= 1 {
		return limit, nil
	}
	var sentAt string
	err := tx.QueryRowContext(ctx, `SELECT sent_at FROM deliveries WHERE recipient = ? COLLATE NOCASE AND message_id = ? AND status = 'sent'`,
		b.Address, b.MessageID).Scan(&sentAt)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // not one of our digests: nothing to count in a row
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, way := range []struct{ cmp, order string }{{"<=", "DESC"}, {">", "ASC"}} {
		k, err := leadingBounced(ctx, tx, `SELECT EXISTS (SELECT 1 FROM bounces x WHERE x.address = last.recipient
				AND x.message_id = last.message_id AND x.kind IN ('soft', 'hard'))
			FROM (SELECT d.recipient, d.message_id, d.sent_at FROM deliveries d
				WHERE d.recipient = ? COLLATE NOCASE AND d.status = 'sent' AND d.sent_at `+way.cmp+` ?
				ORDER BY d.sent_at `+way.order+` LIMIT ?) last
			ORDER BY last.sent_at `+way.order, b.Address, sentAt, limit)
		if err != nil {
			return 0, err
		}
		n += k
	}
	return min(n, limit), nil
}

// leadingBounced counts the leading rows of query that say bounced.
func leadingBounced(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var bounced bool
		if err := rows.Scan(&bounced); err != nil {
			return 0, err
		}
		if !bounced {
			break
		}
		n++
	}
	return n, rows.Err()
}

// MailboxMark returns how far mailbox has been read: its UIDVALIDITY and
// the last UID handled, both zero if it never was.
func (s *Store) MailboxMark(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT uid_validity, last_uid FROM mailbox_marks WHERE mailbox = ?`, mailbox).Scan(&uidValidity, &lastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: mailbox mark of %s: %w", mailbox, err)
	}
	return uidValidity, lastUID, nil
}

// SetMailboxMark records that mailbox has been read up to lastUID under
// uidValidity.
func (s *Store) SetMailboxMark(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mailbox_marks (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
		mailbox, uidValidity, lastUID, formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("store: set mailbox mark of %s: %w", mailbox, err)
	}
	return nil
}
