package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-news/paperboy/internal/address"
)

// SubStatus is where a subscription stands.
type SubStatus string

// The subscription states.
const (
	// SubPending is a sign-up whose confirmation link has not been clicked.
	SubPending SubStatus = "pending"
	// SubConfirmed receives the list's digests.
	SubConfirmed SubStatus = "confirmed"
	// SubUnsubscribed left the list (its unsubscribe link, the preferences
	// page); coming back needs a fresh confirmation.
	SubUnsubscribed SubStatus = "unsubscribed"
)

// Subscription sources.
const (
	SourceSignup = "signup"
	SourceAdmin  = "admin"
	SourceImport = "import"
)

// Subscriber is one address on one list open for sign-up: all paperboy
// keeps about it.
type Subscriber struct {
	List    string `json:"list"`
	Address string `json:"address"`
	// Topics are the topic slugs chosen; empty means every article.
	Topics []string  `json:"topics"`
	Status SubStatus `json:"status"`
	// Source is how it came: signup, admin or import.
	Source string `json:"source"`
	// Note is the admin's reason for skipping the confirmation.
	Note         string    `json:"note,omitempty"`
	Created      time.Time `json:"created_at"`
	Confirmed    time.Time `json:"confirmed_at,omitzero"`
	Unsubscribed time.Time `json:"unsubscribed_at,omitzero"`
	// ConfirmIP is the address the confirmation click came from.
	ConfirmIP string `json:"confirm_ip,omitempty"`
}

// SubscriberCounts counts a list's subscribers by state; Suppressed are
// confirmed subscribers whom no digest reaches because their address is
// suppressed.
type SubscriberCounts struct {
	Confirmed, Pending, Unsubscribed, Suppressed int
}

// AddressHash is how an address is remembered without being kept: the
// SHA-256 of its matching form (internal/address.Key), in hex.
func AddressHash(addr string) string {
	h := sha256.Sum256([]byte(address.Key(strings.TrimSpace(addr))))
	return hex.EncodeToString(h[:])
}

// forgottenPrefix marks a suppression that holds an address's hash: the
// address was erased and must not come back by accident.
const forgottenPrefix = "sha256:"

const subscriberColumns = `list, address, topics, status, source, note, created_at, confirmed_at, confirm_ip, unsubscribed_at`

func scanSubscriber(row interface{ Scan(...any) error }) (Subscriber, error) {
	var (
		s                                   Subscriber
		topics, created, confirmed, unsubAt string
		err                                 error
	)
	if err = row.Scan(&s.List, &s.Address, &topics, &s.Status, &s.Source, &s.Note, &created, &confirmed, &s.ConfirmIP, &unsubAt); err != nil {
		return s, err
	}
	if topics != "" {
		s.Topics = strings.Split(topics, ",")
	}
	for _, t := range []struct {
		dst *time.Time
		src string
	}{{&s.Created, created}, {&s.Confirmed, confirmed}, {&s.Unsubscribed, unsubAt}} {
		if t.src == "" {
			continue
		}
		if *t.dst, err = parseTime(t.src); err != nil {
			return s, err
		}
	}
	return s, nil
}

// RequestSubscription records a sign-up for address on list, waiting for
// its confirmation; an address already on the list keeps its state (a
// confirmed reader stays confirmed, one who left stays away until the
// click).
func (s *Store) RequestSubscription(ctx context.Context, list, addr string) error {
	addr = strings.TrimSpace(addr)
	_, err := s.db.ExecContext(ctx, `INSERT INTO subscribers (list, address, addr_key, status, source, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (list, addr_key) DO NOTHING`,
		list, addr, address.Key(addr), SubPending, SourceSignup, formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("store: sign-up of %s to %s: %w", addr, list, err)
	}
	return nil
}

// ConfirmSubscription makes address a confirmed subscriber of list with
// topics, recording the confirming click's IP, and lifts an earlier
// unsubscribe from list: the reader asked to come back.
func (s *Store) ConfirmSubscription(ctx context.Context, list, addr string, topics []string, ip string) error {
	addr = strings.TrimSpace(addr)
	now := formatTime(s.now())
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscribers (list, address, addr_key, topics, status, source, created_at, confirmed_at, confirm_ip)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (list, addr_key) DO UPDATE SET address = excluded.address, topics = excluded.topics,
				status = excluded.status, confirmed_at = excluded.confirmed_at, confirm_ip = excluded.confirm_ip, unsubscribed_at = ''`,
			list, addr, address.Key(addr), strings.Join(topics, ","), SubConfirmed, SourceSignup, now, now, ip); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM unsubscribes WHERE list = ? AND address = ?`, list, address.Key(addr))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: confirm %s on %s: %w", addr, list, err)
	}
	return nil
}

// AddSubscriber puts sub on its list as an admin asked (add, import):
// Status confirmed skips the confirmation and Note says why. An address
// erased by ForgetAddress is refused with ErrForgotten.
func (s *Store) AddSubscriber(ctx context.Context, sub Subscriber) error {
	addr := strings.TrimSpace(sub.Address)
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM suppressions WHERE address = ?`, forgottenPrefix+AddressHash(addr)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrForgotten
		}
		if sub.Created.IsZero() {
			sub.Created = s.now()
		}
		confirmed := ""
		if sub.Status == SubConfirmed {
			confirmed = formatTime(s.now())
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscribers (list, address, addr_key, topics, status, source, note, created_at, confirmed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (list, addr_key) DO UPDATE SET topics = excluded.topics, status = excluded.status,
				source = excluded.source, note = excluded.note, confirmed_at = excluded.confirmed_at, unsubscribed_at = ''`,
			sub.List, addr, address.Key(addr), strings.Join(sub.Topics, ","), sub.Status, sub.Source, sub.Note,
			formatTime(sub.Created), confirmed); err != nil {
			return err
		}
		if sub.Status == SubConfirmed {
			_, err := tx.ExecContext(ctx, `DELETE FROM unsubscribes WHERE list = ? AND address = ?`, sub.List, address.Key(addr))
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add %s to %s: %w", addr, sub.List, err)
	}
	return nil
}

// ErrForgotten is returned, wrapped, for an address erased by
// ForgetAddress: it is not added again by accident.
var ErrForgotten = errors.New("address was erased on request (remove --forget); it is kept out as a hash in the suppression list")

// SetTopics changes the topics of a confirmed subscription.
func (s *Store) SetTopics(ctx context.Context, list, addr string, topics []string) error {
	err := oneRow(s.db.ExecContext(ctx, `UPDATE subscribers SET topics = ? WHERE list = ? AND addr_key = ? AND status = ?`,
		strings.Join(topics, ","), list, address.Key(addr), SubConfirmed))
	if err != nil {
		return fmt.Errorf("store: set topics of %s on %s: %w", addr, list, err)
	}
	return nil
}

// ConfirmedSubscribers lists list's confirmed subscribers' addresses.
func (s *Store) ConfirmedSubscribers(ctx context.Context, list string) ([]string, error) {
	var out []string
	err := s.EachConfirmedSubscriber(ctx, list, func(a string) bool {
		out = append(out, a)
		return true
	})
	return out, err
}

// EachConfirmedSubscriber calls yield with each of list's confirmed
// subscribers' addresses, oldest first, as the rows are read, until yield
// returns false: a run streams a long list into its outbox without
// holding it.
func (s *Store) EachConfirmedSubscriber(ctx context.Context, list string, yield func(addr string) bool) error {
	rows, err := s.db.QueryContext(ctx, `SELECT address FROM subscribers WHERE list = ? AND status = ? ORDER BY created_at, address`, list, SubConfirmed)
	if err != nil {
		return fmt.Errorf("store: subscribers of %s: %w", list, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return fmt.Errorf("store: subscribers of %s: %w", list, err)
		}
		if !yield(a) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: subscribers of %s: %w", list, err)
	}
	return nil
}

// Subscribers lists list's subscribers in every state, oldest first.
func (s *Store) Subscribers(ctx context.Context, list string) ([]Subscriber, error) {
	return s.subscribers(ctx, "list "+list, `WHERE list = ? ORDER BY created_at, address`, list)
}

// SubscriptionsOf lists address's subscriptions on every list: all
// paperboy keeps about it as a subscriber.
func (s *Store) SubscriptionsOf(ctx context.Context, addr string) ([]Subscriber, error) {
	return s.subscribers(ctx, addr, `WHERE addr_key = ? ORDER BY list`, address.Key(strings.TrimSpace(addr)))
}

func (s *Store) subscribers(ctx context.Context, what, where string, args ...any) ([]Subscriber, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: subscribers of %s: %w", what, err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("store: subscribers of %s: %w", what, err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: subscribers of %s: %w", what, err)
	}
	return out, nil
}

// RemoveSubscriber deletes address's row on list (ErrNotFound if none).
func (s *Store) RemoveSubscriber(ctx context.Context, list, addr string) error {
	if err := oneRow(s.db.ExecContext(ctx, `DELETE FROM subscribers WHERE list = ? AND addr_key = ?`, list, address.Key(strings.TrimSpace(addr)))); err != nil {
		return fmt.Errorf("store: remove %s from %s: %w", addr, list, err)
	}
	return nil
}

// ForgetAddress erases address everywhere paperboy recorded it
// (subscriptions, unsubscribes, deliveries, bounces, suppressions) and
// keeps only its hash in the suppression list, so that no list, import or
// sign-up brings it back by accident.
func (s *Store) ForgetAddress(ctx context.Context, addr string) error {
	addr = strings.TrimSpace(addr)
	key := address.Key(addr)
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		// bounces and suppressions compare addresses without regard to
		// case (their columns' NOCASE), deliveries by its NOCASE index:
		// each delete searches its index, not the whole table.
		for _, q := range []string{
			`DELETE FROM subscribers WHERE addr_key = ?`,
			`DELETE FROM unsubscribes WHERE address = ?`,
			`DELETE FROM deliveries WHERE recipient = ? COLLATE NOCASE`,
			`DELETE FROM bounces WHERE address = ?`,
			`DELETE FROM suppressions WHERE address = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, key); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO suppressions (address, reason, evidence, created_at) VALUES (?, 'forgotten', '', ?)
			ON CONFLICT (address) DO NOTHING`, forgottenPrefix+AddressHash(addr), formatTime(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: forget an address: %w", err)
	}
	return nil
}

// IsForgotten reports whether address was erased by ForgetAddress.
func (s *Store) IsForgotten(ctx context.Context, addr string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM suppressions WHERE address = ?`, forgottenPrefix+AddressHash(addr)).Scan(&n); err != nil {
		return false, fmt.Errorf("store: is an address forgotten: %w", err)
	}
	return n > 0, nil
}

// ExpireSignups deletes the sign-ups still pending that were made before
// before, and returns how many.
func (s *Store) ExpireSignups(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM subscribers WHERE status = ? AND created_at < ?`, SubPending, formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("store: expire sign-ups: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: expire sign-ups: %w", err)
	}
	return int(n), nil
}

// ConfirmationMailLimits bound the confirmation mails to one address over
// any 24 hours: Stranger for an address that never confirmed a list (a
// sign-up must not make paperboy pester someone who never asked), Known
// for a reader who did (changing preferences, coming back).
type ConfirmationMailLimits struct {
	Stranger, Known int
}

// AllowConfirmationMail decides, atomically, whether a confirmation mail
// may go to address now under limits, and if so records it. Records older
// than a day are deleted on the way.
func (s *Store) AllowConfirmationMail(ctx context.Context, addr string, limits ConfirmationMailLimits) (bool, error) {
	now := s.now()
	hash := AddressHash(addr)
	var allowed bool
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM confirmation_mails WHERE sent_at <= ?`, formatTime(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		var sent, confirmed int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM confirmation_mails WHERE addr_hash = ?`, hash).Scan(&sent); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscribers WHERE addr_key = ? AND confirmed_at <> ''`, address.Key(strings.TrimSpace(addr))).Scan(&confirmed); err != nil {
			return err
		}
		limit := limits.Stranger
		if confirmed > 0 {
			limit = limits.Known
		}
		if sent >= limit {
			return nil
		}
		allowed = true
		_, err := tx.ExecContext(ctx, `INSERT INTO confirmation_mails (addr_hash, sent_at) VALUES (?, ?)`, hash, formatTime(now))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: confirmation mail allowance: %w", err)
	}
	return allowed, nil
}

// SubscriberCountsByList counts each list's subscribers by state. (The
// suppression list's address compares without regard to ASCII case, as
// addr_key is folded, so the look-up uses its index.)
func (s *Store) SubscriberCountsByList(ctx context.Context) (map[string]SubscriberCounts, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.list, s.status, COUNT(*),
			SUM(CASE WHEN s.status = 'confirmed' AND EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.addr_key) THEN 1 ELSE 0 END)
		FROM subscribers s GROUP BY s.list, s.status`)
	if err != nil {
		return nil, fmt.Errorf("store: subscriber counts: %w", err)
	}
	defer rows.Close()
	out := map[string]SubscriberCounts{}
	for rows.Next() {
		var (
			list   string
			status SubStatus
			n, sup int
		)
		if err := rows.Scan(&list, &status, &n, &sup); err != nil {
			return nil, fmt.Errorf("store: subscriber counts: %w", err)
		}
		c := out[list]
		switch status {
		case SubConfirmed:
			c.Confirmed += n - sup
			c.Suppressed += sup
		case SubPending:
			c.Pending += n
		case SubUnsubscribed:
			c.Unsubscribed += n
		}
		out[list] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: subscriber counts: %w", err)
	}
	return out, nil
}

// AddressRecord is everything paperboy keeps about one address, for a
// reader who asks (export of one address).
type AddressRecord struct {
	Address       string       `json:"address"`
	Subscriptions []Subscriber `json:"subscriptions"`
	// Unsubscribed are the lists the address left.
	Unsubscribed []string `json:"unsubscribed_lists"`
	// Suppression is set when no digest goes to the address.
	Suppression *Suppression `json:"suppression,omitempty"`
	// Deliveries counts the digest messages recorded for the address.
	Deliveries int `json:"deliveries"`
	// Bounces counts the bounce reports read about it.
	Bounces int `json:"bounces"`
}

// AddressData gathers AddressRecord for address.
func (s *Store) AddressData(ctx context.Context, addr string) (AddressRecord, error) {
	addr = strings.TrimSpace(addr)
	key := address.Key(addr)
	rec := AddressRecord{Address: addr}
	var err error
	if rec.Subscriptions, err = s.SubscriptionsOf(ctx, addr); err != nil {
		return rec, err
	}
	fail := func(err error) (AddressRecord, error) {
		return rec, fmt.Errorf("store: data of an address: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT list FROM unsubscribes WHERE address = ? ORDER BY list`, key)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return fail(err)
		}
		rec.Unsubscribed = append(rec.Unsubscribed, l)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	sup, err := s.Suppressed(ctx, addr)
	switch {
	case err == nil:
		rec.Suppression = &sup
	case !errors.Is(err, ErrNotFound):
		return rec, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE recipient = ? COLLATE NOCASE`, key).Scan(&rec.Deliveries); err != nil {
		return fail(err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bounces WHERE address = ?`, key).Scan(&rec.Bounces); err != nil {
		return fail(err)
	}
	return rec, nil
}

// SubscriberTopics maps each confirmed subscriber of list who chose
// topics, by address.Key, to the topic slugs.
func (s *Store) SubscriberTopics(ctx context.Context, list string) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT addr_key, topics FROM subscribers WHERE list = ? AND status = ? AND topics <> ''`, list, SubConfirmed)
	if err != nil {
		return nil, fmt.Errorf("store: topics of %s's subscribers: %w", list, err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var key, topics string
		if err := rows.Scan(&key, &topics); err != nil {
			return nil, fmt.Errorf("store: topics of %s's subscribers: %w", list, err)
		}
		out[key] = strings.Split(topics, ",")
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: topics of %s's subscribers: %w", list, err)
	}
	return out, nil
}
