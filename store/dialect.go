package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The store has one code path for both engines: its SQL is written once,
// with ? placeholders and the forms SQLite and PostgreSQL share (ON
// CONFLICT upserts, RETURNING, COALESCE, CAST). What still differs is
// decided here and nowhere else:
//   - placeholders: the PostgreSQL connection rewrites ? to $1, $2, ...
//     (pgConn), so no query is written twice for them;
//   - the few statements with no common form: the stmt values below, each
//     holding both spellings side by side (empty where one engine needs
//     no statement at all);
//   - the schema: migrations/*.sql (SQLite) and migrations/postgres/*.sql,
//     the same numbers, checked by TestMigrationsMatch;
//   - connections: SQLite's pragmas and immediate transactions, PostgreSQL's
//     serializable transactions retried on a serialization failure (the
//     counterpart of SQLite's busy wait), see Store.withTx;
//   - times stay TEXT in the same fixed-width UTC form on both, so they
//     compare and sort as strings alike (PostgreSQL databases are created
//     with the C collation, see the README).

// Driver names, as [store] driver spells them.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// stmt is a statement that SQLite and PostgreSQL spell differently: both
// spellings live together so that a change to one is seen beside the other.
type stmt struct {
	sqlite, postgres string
}

// Statements with no common spelling.
var (
	// listsOfRun lists the run's recipient lists bound as one JSON array.
	listsOfRun = stmt{
		sqlite:   `SELECT value FROM json_each(?)`,
		postgres: `SELECT json_array_elements_text(CAST(? AS json))`,
	}
	// lockStamp reads the newest article stamp as the first statement of
	// SaveEdition's transaction, holding the write lock: SQLite's
	// immediate transaction already does; PostgreSQL locks the row, so
	// ingests stamp (and commit) one after another.
	lockStamp = stmt{
		sqlite:   `SELECT stamp FROM stamps WHERE name = 'articles'`,
		postgres: `SELECT stamp FROM stamps WHERE name = 'articles' FOR UPDATE`,
	}
	// claimDeliveries is ClaimDeliveries' claim. PostgreSQL passes over
	// rows another claimer is taking (FOR UPDATE SKIP LOCKED), selected in
	// a CTE: as an IN sub-select with LIMIT and FOR UPDATE the planner may
	// evaluate it more than once and claim more than the limit. SQLite's
	// one writer makes locking needless. Both read the pending deliveries
	// in deliveries_by_status_recipient's order from the recipient after
	// the previous batch, so a claim steps over neither the deliveries
	// sent before it nor, on PostgreSQL, the dead index entries they left
	// until the next vacuum.
	claimDeliveries = stmt{
		sqlite: `UPDATE deliveries SET claimed_by = ?1, claimed_until = ?2
			WHERE run_id = ?3 AND recipient IN (SELECT recipient FROM deliveries
				WHERE run_id = ?3 AND status = 'pending' AND recipient > ?7 AND next_attempt_at <= ?4 AND claimed_until <= ?5
				ORDER BY recipient LIMIT ?6)
			RETURNING ` + deliveryColumns,
		postgres: `WITH c AS (SELECT run_id, recipient FROM deliveries
				WHERE run_id = $3 AND status = 'pending' AND recipient > $7 AND next_attempt_at <= $4 AND claimed_until <= $5
				ORDER BY recipient LIMIT $6 FOR UPDATE SKIP LOCKED)
			UPDATE deliveries SET claimed_by = $1, claimed_until = $2
			FROM c WHERE deliveries.run_id = c.run_id AND deliveries.recipient = c.recipient
			RETURNING ` + deliveryColumns,
	}
	// lockMigrations is the first statement of migrate's transaction:
	// PostgreSQL's counterpart of SQLite's immediate transaction, so that
	// processes migrating at once take turns (the lock goes with the
	// transaction).
	lockMigrations = stmt{
		sqlite:   ``,
		postgres: `SELECT pg_advisory_xact_lock(` + advisoryMigrate + `)`,
	}
	// analyzeArticles refreshes the planner's statistics after a large
	// save. PostgreSQL plans by statistics that autovacuum refreshes only
	// later: until then a table that grew from nothing at once looks
	// empty, and the next save's look-up by id scans it whole for every
	// batch (40,000 articles: a second per batch). SQLite plans without.
	analyzeArticles = stmt{
		sqlite:   ``,
		postgres: `ANALYZE articles, article_topics`,
	}
	// resetIdentities moves PostgreSQL's id sequences past the ids Copy
	// wrote; SQLite's next rowid is the largest plus one already.
	resetIdentities = stmt{
		sqlite: ``,
		postgres: `SELECT setval(pg_get_serial_sequence('digest_runs', 'id'), COALESCE((SELECT MAX(id) FROM digest_runs), 0) + 1, false);
			SELECT setval(pg_get_serial_sequence('job_runs', 'id'), COALESCE((SELECT MAX(id) FROM job_runs), 0) + 1, false);
			SELECT setval(pg_get_serial_sequence('bounces', 'id'), COALESCE((SELECT MAX(id) FROM bounces), 0) + 1, false);
			SELECT setval(pg_get_serial_sequence('admin_audit', 'id'), COALESCE((SELECT MAX(id) FROM admin_audit), 0) + 1, false)`,
	}
	// foldUnsubscribesSQL lower-cases stored unsubscribed addresses, one
	// row per folded address staying. SQLite's UPDATE OR IGNORE keeps the
	// first; PostgreSQL has no OR IGNORE, so duplicates go first.
	foldUnsubscribesSQL = stmt{
		sqlite: `UPDATE OR IGNORE unsubscribes SET address = lower(address) WHERE address <> lower(address);
			DELETE FROM unsubscribes WHERE address <> lower(address)`,
		postgres: `DELETE FROM unsubscribes u WHERE address <> lower(address) AND EXISTS (
				SELECT 1 FROM unsubscribes o WHERE o.list = u.list AND lower(o.address) = lower(u.address)
				AND (o.address = lower(o.address) OR o.address < u.address));
			UPDATE unsubscribes SET address = lower(address) WHERE address <> lower(address)`,
	}
)

// sql is st in the store's engine.
func (s *Store) sql(st stmt) string {
	if s.driver == DriverPostgres {
		return st.postgres
	}
	return st.sqlite
}

// pgConnector opens PostgreSQL connections through pgx's database/sql
// driver, wrapped so that the store's ? placeholders work.
type pgConnector struct {
	driver.Connector
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn.(*stdlib.Conn)}, nil
}

// pgConn is pgx's connection with ? placeholders rewritten to PostgreSQL's
// numbered ones; everything else is pgx's own.
type pgConn struct {
	*stdlib.Conn
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// rebound caches rewritten queries: the store runs a few hundred distinct
// ones, millions of times.
var rebound sync.Map // string -> string

// rebind rewrites ? placeholders to $1, $2, ..., leaving those inside
// quoted strings, quoted identifiers and comments alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch c {
		case '\'', '"':
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				i = len(query)
				continue
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case '-':
			if strings.HasPrefix(query[i:], "--") {
				j := strings.IndexByte(query[i:], '\n')
				if j < 0 {
					j = len(query) - i - 1
				}
				b.WriteString(query[i : i+j+1])
				i += j
				continue
			}
			b.WriteByte(c)
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	q := b.String()
	rebound.Store(query, q)
	return q
}

// openPostgres opens the PostgreSQL database dsn names.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the connection string, password and all.
		return nil, errors.New("bad PostgreSQL connection string (see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING)")
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	// A bounded pool: every instance of paperboy holds at most this many
	// of the server's max_connections.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	return db, nil
}

// pgCode is PostgreSQL's SQLSTATE of err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// retryable reports whether a transaction that failed with err may simply
// be run again: SQLite was busy, or PostgreSQL found it could not be
// serialized with another (40001) or chose it as a deadlock's victim
// (40P01).
func retryable(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01":
		return true
	}
	return isBusy(err)
}

// changesChannel is the PostgreSQL notification channel the change-log
// triggers notify (migrations/postgres/0001_init.sql).
const changesChannel = "paperboy_changes"

// Changes returns a channel that receives soon after any process commits
// a change to the articles (PostgreSQL: LISTEN/NOTIFY on a connection of
// its own, listening again after a lost connection), until ctx ends. On
// SQLite, which has no notifications, it returns nil, a channel that
// never receives: readers keep polling the change log (ChangeGeneration),
// which remains the rule on both; the channel only shortens the wait.
// Signals are coalesced: one receive may stand for many changes. onErr
// hears why listening stopped before it starts again.
func (s *Store) Changes(ctx context.Context, onErr func(error)) <-chan struct{} {
	if s.driver != DriverPostgres {
		return nil
	}
	ch := make(chan struct{}, 1)
	go func() {
		for delay := time.Second; ctx.Err() == nil; {
			err := s.listen(ctx, ch)
			if ctx.Err() != nil {
				return
			}
			// A lost connection may have missed notifications: wake the
			// reader, who polls anyway, and listen again.
			signal(ch)
			onErr(fmt.Errorf("store: listen for changes: %w", err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, 30*time.Second)
		}
	}()
	return ch
}

// listen LISTENs on a connection of its own and signals ch at every
// notification, until ctx ends or the connection fails.
func (s *Store) listen(ctx context.Context, ch chan<- struct{}) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c := dc.(*pgConn).Conn.Conn()
		if _, err := c.Exec(ctx, "LISTEN "+changesChannel); err != nil {
			return errors.Join(driver.ErrBadConn, err)
		}
		for {
			if _, err := c.WaitForNotification(ctx); err != nil {
				// The connection is listening (or broken): never back
				// to the pool (ErrBadConn).
				return errors.Join(driver.ErrBadConn, err)
			}
			signal(ch)
		}
	})
}

// signal sends on ch unless a signal is already waiting there.
func signal(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
