package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/internal/address"
)

// RunStatus is a digest run's state, as stored in digest_runs.status.
type RunStatus string

// The digest run statuses. A run is sending until every delivery is
// settled or it is closed; skipped runs had nothing to send.
const (
	RunSending RunStatus = "sending"
	RunDone    RunStatus = "done"
	RunSkipped RunStatus = "skipped"
	RunFailed  RunStatus = "failed"
)

// DeliveryStatus is a delivery's state, as stored in deliveries.status.
type DeliveryStatus string

// The delivery statuses. A delivery is pending until the server accepts it
// (sent), refuses it for good or runs out of attempts (failed), or it will
// not be sent: its address unsubscribed after the run was created, or its
// run was closed past its catch-up window (skipped).
const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
	DeliverySkipped DeliveryStatus = "skipped"
)

// DigestRun is the outbox's head: one digest for one scheduled slot.
type DigestRun struct {
	ID     int64
	Digest string
	Slot   time.Time
	Status RunStatus
	// Subject and ArticleIDs are frozen when the run is created, so a
	// resumed run sends the very same digest.
	Subject    string
	ArticleIDs []string
	// WindowStart and WindowEnd bound the articles' creation times the run
	// covers: (WindowStart, WindowEnd].
	WindowStart time.Time
	WindowEnd   time.Time
	// Lists are the recipient lists the run sends to: an address that
	// unsubscribed from any of them gets no delivery, so leaving one list
	// stops the digest even when the address is on another. Read by
	// CreateDigestRun only; not stored.
	Lists    []string
	Error    string
	Created  time.Time
	Finished time.Time
}

// OutboxRecipient is one recipient handed to CreateDigestRun.
type OutboxRecipient struct {
	Address   string
	List      string
	MessageID string
	// Err, if set, is why the recipients could not all be read (a list
	// streamed as the outbox is written): CreateDigestRun then writes
	// nothing and returns it.
	Err error
}

// Delivery is one recipient's row of a run.
type Delivery struct {
	RunID       int64
	Recipient   string
	List        string
	MessageID   string
	Status      DeliveryStatus
	Attempts    int
	NextAttempt time.Time
	LastCode    int
	LastError   string
	Sent        time.Time
	// Unsubscribed is true when the address left its list after the run
	// was created.
	Unsubscribed bool
}

// DeliveryCounts sums a run's deliveries by status.
type DeliveryCounts struct {
	Pending, Sent, Failed, Skipped int
	// NextAttempt is the earliest time a pending delivery may be tried
	// again; zero when one is due now or none is pending.
	NextAttempt time.Time
}

// DigestRunStatus is a run with its delivery counts and its most recent
// delivery errors, for status reports.
type DigestRunStatus struct {
	DigestRun
	Counts     DeliveryCounts
	LastErrors []string
}

const runColumns = `id, digest, slot, status, subject, article_ids, window_start, window_end, error, created_at, finished_at`

func scanRun(row interface{ Scan(...any) error }) (DigestRun, error) {
	var (
		r                                          DigestRun
		slot, ids, wStart, wEnd, created, finished string
	)
	if err := row.Scan(&r.ID, &r.Digest, &slot, &r.Status, &r.Subject, &ids, &wStart, &wEnd, &r.Error, &created, &finished); err != nil {
		return DigestRun{}, err
	}
	if err := json.Unmarshal([]byte(ids), &r.ArticleIDs); err != nil {
		return DigestRun{}, fmt.Errorf("run %d: article ids: %w", r.ID, err)
	}
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&r.Slot, slot}, {&r.WindowStart, wStart}, {&r.WindowEnd, wEnd}, {&r.Created, created}, {&r.Finished, finished}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return DigestRun{}, fmt.Errorf("run %d: %w", r.ID, err)
		}
	}
	return r, nil
}

// CreateDigestRun creates run (its ID, Created and Finished are ignored)
// together with a pending delivery for every recipient, in one transaction,
// so a crash leaves either the whole outbox or none of it. Addresses that
// unsubscribed from their list or from any of run.Lists are left out; an
// address on several lists gets one delivery, from the first list naming
// it: the database keeps the first of a run's deliveries with one
// address.Key, so the recipients may be streamed without a set of those
// seen.
//
// If a run for (run.Digest, run.Slot) exists already, CreateDigestRun
// changes nothing and returns that run with created false.
//
// The recipients are read once, as they are inserted, so a long list need
// not be held in memory twice.
func (s *Store) CreateDigestRun(ctx context.Context, run DigestRun, recipients iter.Seq[OutboxRecipient]) (_ DigestRun, created bool, err error) {
	ids := run.ArticleIDs
	if ids == nil {
		ids = []string{}
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return DigestRun{}, false, fmt.Errorf("store: create digest run %s: %w", run.Digest, err)
	}
	now := s.now()
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		existing, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE digest = ? AND slot = ?`,
			run.Digest, formatTime(run.Slot)))
		if err == nil {
			run = existing
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		finished := ""
		if run.Status != RunSending {
			finished = formatTime(now)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO digest_runs
			(digest, slot, status, subject, article_ids, window_start, window_end, error, created_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			run.Digest, formatTime(run.Slot), run.Status, run.Subject, string(idsJSON),
			formatTime(run.WindowStart), formatTime(run.WindowEnd), run.Error, formatTime(now), finished).Scan(&run.ID); err != nil {
			return err
		}
		// The run's lists are bound once as a JSON array; the recipient's
		// own list is checked too, should a caller leave run.Lists out.
		lists := run.Lists
		if lists == nil {
			lists = []string{}
		}
		listsJSON, err := json.Marshal(lists)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (run_id, recipient, recipient_key, list, message_id, status)
			SELECT CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), 'pending'
			WHERE NOT EXISTS (SELECT 1 FROM unsubscribes WHERE address = ?
				AND (list = ? OR list IN (`+s.sql(listsOfRun)+`)))
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		if recipients != nil {
			for r := range recipients {
				if r.Err != nil {
					return r.Err
				}
				key := address.Key(r.Address)
				if _, err := stmt.ExecContext(ctx, run.ID, r.Address, key, r.List, r.MessageID, key, r.List, string(listsJSON)); err != nil {
					return fmt.Errorf("delivery to %s: %w", r.Address, err)
				}
			}
		}
		// Hook (mail, issue 13): suppressed addresses are skipped with their reason.
		if err := skipSuppressed(ctx, tx, run.ID); err != nil {
			return err
		}
		run.Created = now.UTC().Truncate(time.Microsecond)
		if finished != "" {
			run.Finished = run.Created
		}
		run.ArticleIDs = ids
		created = true
		return nil
	})
	if err != nil {
		return DigestRun{}, false, fmt.Errorf("store: create digest run %s %s: %w", run.Digest, formatTime(run.Slot), err)
	}
	return run, created, nil
}

// DigestRunBySlot returns the run of digest for slot, or an error wrapping
// ErrNotFound.
func (s *Store) DigestRunBySlot(ctx context.Context, digest string, slot time.Time) (DigestRun, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE digest = ? AND slot = ?`,
		digest, formatTime(slot)))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return DigestRun{}, fmt.Errorf("store: digest run %s %s: %w", digest, formatTime(slot), err)
	}
	return r, nil
}

// LastDigestRun returns digest's run with the latest window end among those
// that did not fail (sending, done or skipped: a run still sending has
// frozen its articles and will deliver them), or an error wrapping
// ErrNotFound if there is none. The next run covers the articles created
// after its window.
func (s *Store) LastDigestRun(ctx context.Context, digest string) (DigestRun, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs
		WHERE digest = ? AND status != 'failed' ORDER BY window_end DESC, id DESC LIMIT 1`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return DigestRun{}, fmt.Errorf("store: last run of digest %s: %w", digest, err)
	}
	return r, nil
}

// UnfinishedDigestRuns returns the runs still sending (interrupted by a
// crash or shutdown), oldest slot first.
func (s *Store) UnfinishedDigestRuns(ctx context.Context) ([]DigestRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE status = 'sending' ORDER BY slot, id`)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished digest runs: %w", err)
	}
	defer rows.Close()
	var runs []DigestRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unfinished digest runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unfinished digest runs: %w", err)
	}
	return runs, nil
}

// DueDeliveries returns up to limit pending deliveries of run that may be
// tried at now, with recipients sorted after the given one (keyset paging:
// pass the last recipient of the previous page, "" for the first).
func (s *Store) DueDeliveries(ctx context.Context, runID int64, after string, now time.Time, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE run_id = ? AND status = 'pending' AND recipient > ? AND next_attempt_at <= ?
		ORDER BY recipient LIMIT ?`, runID, after, formatTime(now), limit)
	ds, err := runOf(runID).scanDeliveries(rows, err)
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries of run %d: %w", runID, err)
	}
	return ds, nil
}

// runOf is a run's id, for reading its deliveries.
type runOf int64

// deliveryColumns are the columns of a delivery as scanDeliveries reads
// them, qualified by the table's name, which a query must not alias (the
// claim returns them from an UPDATE). Unsubscribed compares the recipient,
// as its list spelled it, folded like the addresses Unsubscribe stores.
const deliveryColumns = `deliveries.recipient, deliveries.list, deliveries.message_id, deliveries.status, deliveries.attempts,
	deliveries.next_attempt_at, deliveries.last_code, deliveries.last_error, deliveries.sent_at,
	EXISTS (SELECT 1 FROM unsubscribes u WHERE u.list = deliveries.list AND u.address = lower(deliveries.recipient))`

// scanDeliveries reads the deliveries of run runID a query of
// deliveryColumns returned, passing on the query's error.
func (runID runOf) scanDeliveries(rows *sql.Rows, err error) ([]Delivery, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []Delivery
	for rows.Next() {
		d := Delivery{RunID: int64(runID)}
		var next, sent string
		if err := rows.Scan(&d.Recipient, &d.List, &d.MessageID, &d.Status, &d.Attempts, &next, &d.LastCode, &d.LastError, &sent, &d.Unsubscribed); err != nil {
			return nil, err
		}
		if d.NextAttempt, err = parseTime(next); err != nil {
			return nil, err
		}
		if d.Sent, err = parseTime(sent); err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}

// ClaimDeliveries claims up to limit pending deliveries of run that may be
// tried at now and are not claimed by anyone until after now, with
// recipients sorted after the given one (pass the last recipient of the
// previous batch, "" for the first), for holder until until, and returns
// them in recipient order. A batch costs the same at the end of a long run
// as at its start. Deliveries passed over (claimed by another instance, or
// not yet due) are claimed by a later pass starting again from "". Instances sending one
// run together each claim their own batches: on PostgreSQL rows another
// claimer is taking are skipped, not waited for (FOR UPDATE SKIP LOCKED);
// on SQLite the claim is one write and so one at a time. A batch whose
// holder died is claimed again once until has passed; its messages keep
// their Message-IDs. Marking a delivery retried ends its claim.
func (s *Store) ClaimDeliveries(ctx context.Context, runID int64, holder, after string, now, until time.Time, limit int) ([]Delivery, error) {
	nowS := formatTime(now)
	// One statement, outside withTx: on PostgreSQL it runs read committed,
	// so claimers skip each other's rows instead of failing to serialize.
	ds, err := runOf(runID).scanDeliveries(s.db.QueryContext(ctx, s.sql(claimDeliveries), holder, formatTime(until), runID, nowS, nowS, limit, after))
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries of run %d: %w", runID, err)
	}
	slices.SortFunc(ds, func(a, b Delivery) int { return strings.Compare(a.Recipient, b.Recipient) })
	return ds, nil
}

// updateDelivery runs one UPDATE on a delivery and insists it hit a row.
func (s *Store) updateDelivery(ctx context.Context, what string, runID int64, recipient, query string, args ...any) error {
	if err := oneRow(s.db.ExecContext(ctx, query, append(args, runID, recipient)...)); err != nil {
		return fmt.Errorf("store: %s delivery of run %d to %s: %w", what, runID, recipient, err)
	}
	return nil
}

// oneRow checks that a statement changed a row: ErrNotFound if none.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return err
}

// MarkDeliverySent records that the server accepted the message at at.
func (s *Store) MarkDeliverySent(ctx context.Context, runID int64, recipient string, at time.Time) error {
	return s.updateDelivery(ctx, "mark sent", runID, recipient,
		`UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?, next_attempt_at = ''
		WHERE run_id = ? AND recipient = ?`, formatTime(at))
}

// MarkDeliveryRetry records a temporary failure (SMTP code, 0 for a network
// error) and when to try again; the delivery stays pending.
func (s *Store) MarkDeliveryRetry(ctx context.Context, runID int64, recipient string, code int, reply string, next time.Time) error {
	return s.updateDelivery(ctx, "retry", runID, recipient,
		`UPDATE deliveries SET attempts = attempts + 1, last_code = ?, last_error = ?, next_attempt_at = ?, claimed_until = ''
		WHERE run_id = ? AND recipient = ?`, code, reply, formatTime(next))
}

// MarkDeliveryFailed records a permanent failure with the server's reply;
// the delivery is never tried again.
func (s *Store) MarkDeliveryFailed(ctx context.Context, runID int64, recipient string, code int, reply string) error {
	return s.updateDelivery(ctx, "mark failed", runID, recipient,
		`UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_code = ?, last_error = ?, next_attempt_at = ''
		WHERE run_id = ? AND recipient = ?`, code, reply)
}

// MarkDeliverySkipped records that the delivery will not be sent, and why.
func (s *Store) MarkDeliverySkipped(ctx context.Context, runID int64, recipient, reason string) error {
	return s.updateDelivery(ctx, "skip", runID, recipient,
		`UPDATE deliveries SET status = 'skipped', last_error = ?, next_attempt_at = ''
		WHERE run_id = ? AND recipient = ?`, reason)
}

// DeliveryCounts sums the deliveries of run by status.
func (s *Store) DeliveryCounts(ctx context.Context, runID int64) (DeliveryCounts, error) {
	var (
		c    DeliveryCounts
		next string
	)
	err := s.db.QueryRowContext(ctx, `SELECT
			COUNT(CASE WHEN status = 'pending' THEN 1 END), COUNT(CASE WHEN status = 'sent' THEN 1 END),
			COUNT(CASE WHEN status = 'failed' THEN 1 END), COUNT(CASE WHEN status = 'skipped' THEN 1 END),
			COALESCE(MIN(CASE WHEN status = 'pending' THEN next_attempt_at END), '')
		FROM deliveries WHERE run_id = ?`, runID).Scan(&c.Pending, &c.Sent, &c.Failed, &c.Skipped, &next)
	if err == nil {
		c.NextAttempt, err = parseTime(next)
	}
	if err != nil {
		return DeliveryCounts{}, fmt.Errorf("store: delivery counts of run %d: %w", runID, err)
	}
	return c, nil
}

// FinishDigestRun sets a run's final status (done or failed) and error.
func (s *Store) FinishDigestRun(ctx context.Context, runID int64, status RunStatus, errMsg string) error {
	if err := oneRow(s.db.ExecContext(ctx, `UPDATE digest_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`,
		status, errMsg, formatTime(s.now()), runID)); err != nil {
		return fmt.Errorf("store: finish digest run %d: %w", runID, err)
	}
	return nil
}

// CloseDigestRun ends a run that will not send any more: its pending
// deliveries are marked skipped with reason, and the run gets status and
// errMsg, in one transaction, so a crash leaves the run either open or
// closed with nothing pending. It returns the run's counts afterwards.
func (s *Store) CloseDigestRun(ctx context.Context, runID int64, status RunStatus, errMsg, reason string) (DeliveryCounts, error) {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', last_error = ?, next_attempt_at = ''
			WHERE run_id = ? AND status = 'pending'`, reason, runID); err != nil {
			return err
		}
		return oneRow(tx.ExecContext(ctx, `UPDATE digest_runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`,
			status, errMsg, formatTime(s.now()), runID))
	})
	if err != nil {
		return DeliveryCounts{}, fmt.Errorf("store: close digest run %d: %w", runID, err)
	}
	return s.DeliveryCounts(ctx, runID)
}

// RecentDigestRuns returns the latest limit runs of digest ("" for every
// digest), newest slot first, each with its delivery counts and up to three
// delivery errors, permanent failures first.
func (s *Store) RecentDigestRuns(ctx context.Context, digest string, limit int) ([]DigestRunStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM digest_runs
		WHERE ? = '' OR digest = ? ORDER BY slot DESC, id DESC LIMIT ?`, digest, digest, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent digest runs: %w", err)
	}
	var runs []DigestRunStatus
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: recent digest runs: %w", err)
		}
		runs = append(runs, DigestRunStatus{DigestRun: r})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("store: recent digest runs: %w", err)
	}
	for i := range runs {
		if runs[i].Counts, err = s.DeliveryCounts(ctx, runs[i].ID); err != nil {
			return nil, err
		}
		if runs[i].LastErrors, err = s.lastDeliveryErrors(ctx, runs[i].ID, 3); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

func (s *Store) lastDeliveryErrors(ctx context.Context, runID int64, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT recipient, last_error FROM deliveries
		WHERE run_id = ? AND last_error != '' AND status IN ('pending', 'failed')
		ORDER BY status = 'failed' DESC, recipient LIMIT ?`, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: errors of run %d: %w", runID, err)
	}
	defer rows.Close()
	var errs []string
	for rows.Next() {
		var rcpt, msg string
		if err := rows.Scan(&rcpt, &msg); err != nil {
			return nil, fmt.Errorf("store: errors of run %d: %w", runID, err)
		}
		errs = append(errs, rcpt+": "+msg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: errors of run %d: %w", runID, err)
	}
	return errs, nil
}

// Unsubscribe removes address from list for every later run; doing it
// twice is not an error.
func (s *Store) Unsubscribe(ctx context.Context, list, addr string) error {
	key, now := address.Key(strings.TrimSpace(addr)), formatTime(s.now())
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO unsubscribes (list, address, created_at) VALUES (?, ?, ?)
			ON CONFLICT (list, address) DO NOTHING`, list, key, now); err != nil {
			return err
		}
		// A subscriber who signed up leaves the same way.
		_, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = ?, unsubscribed_at = ? WHERE list = ? AND addr_key = ? AND status <> ?`,
			SubUnsubscribed, now, list, key, SubUnsubscribed)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unsubscribe %s from %s: %w", addr, list, err)
	}
	return nil
}

// IsUnsubscribed reports whether address left list.
func (s *Store) IsUnsubscribed(ctx context.Context, list, addr string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM unsubscribes WHERE list = ? AND address = ?`, list, address.Key(addr)).Scan(&n); err != nil {
		return false, fmt.Errorf("store: is %s unsubscribed from %s: %w", addr, list, err)
	}
	return n > 0, nil
}

// OutboxCounts counts every run's deliveries by status (pending, sent,
// failed, skipped), for the admin status page.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM deliveries GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("store: outbox counts: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("store: outbox counts: %w", err)
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: outbox counts: %w", err)
	}
	return counts, nil
}

// SentDigestRuns returns up to limit runs of digest ("" for every digest)
// that delivered at least one message, newest slot first: the web archive
// of digests lists them.
func (s *Store) SentDigestRuns(ctx context.Context, digest string, limit int) ([]DigestRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM digest_runs r
		WHERE (? = '' OR digest = ?)
		AND EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = r.id AND d.status = 'sent')
		ORDER BY slot DESC, id DESC LIMIT ?`, digest, digest, limit)
	if err != nil {
		return nil, fmt.Errorf("store: sent digest runs: %w", err)
	}
	defer rows.Close()
	var runs []DigestRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: sent digest runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sent digest runs: %w", err)
	}
	return runs, nil
}
