package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// CopyTables are the tables Copy moves, parents before children, in the
// order `paperboy store copy` reports them. Every table of the schema is
// here or in copyLeftOut (TestCopyCoversEveryTable), so a table a new
// migration adds cannot be left behind unnoticed.
var CopyTables = []string{
	"sources", "articles", "article_topics", "article_gone",
	"digest_runs", "deliveries", "unsubscribes",
	"job_runs", "job_state",
	"suppressions", "bounces", "mailbox_marks",
	"images", "image_files",
	"admin_audit",
	"subscribers", "confirmation_mails",
}

// copyLeftOut are the tables Copy leaves, and why.
var copyLeftOut = map[string]string{
	"schema_migrations": "each database has its own",
	"leases":            "held by running processes",
	"change_log":        "the destination's triggers log every copied article, so its readers re-read all",
	"stamps":            "set from the copied articles",
}

// copyBatch is how many rows one INSERT of Copy carries.
const copyBatch = 200

// CopyStats counts what Copy moved, by table.
type CopyStats map[string]int

// Copy copies every row of from into to, which must be empty (no source,
// article, run or job run), keeping ids: a move from SQLite to PostgreSQL
// (paperboy store copy). It runs in one transaction on to, so a failed copy
// leaves to empty. Both must be at the same schema version (Open brings
// both to this binary's).
func Copy(ctx context.Context, from, to *Store) (CopyStats, error) {
	fv, err := from.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	tv, err := to.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	if fv != tv {
		return nil, fmt.Errorf("store: copy: schema versions differ (%d and %d): open both with this paperboy first", fv, tv)
	}
	stats := CopyStats{}
	err = to.withTx(ctx, func(tx *sql.Tx) error {
		clear(stats)
		for _, t := range []string{"sources", "digest_runs", "job_runs"} {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("the destination is not empty (%d rows in %s): copy into a new database", n, t)
			}
		}
		for _, t := range CopyTables {
			n, err := copyTable(ctx, from, tx, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			stats[t] = n
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stamps SET stamp = (SELECT COALESCE(MAX(updated_at), '') FROM articles) WHERE name = 'articles'`); err != nil {
			return fmt.Errorf("stamps: %w", err)
		}
		if q := to.sql(resetIdentities); q != "" {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("identities: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: copy %s to %s: %w", from.path, to.path, err)
	}
	return stats, nil
}

// copyTable copies table from from into tx, copyBatch rows per INSERT, and
// returns the number of rows.
func copyTable(ctx context.Context, from *Store, tx *sql.Tx, table string) (int, error) {
	rows, err := from.db.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	insert := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	one := `(` + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `)`
	var args []any
	n, pending := 0, 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, insert+repeatJoin(one, pending), args...)
		args, pending = args[:0], 0
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok { // text a driver handed over as bytes
				vals[i] = string(b)
			}
		}
		args = append(args, vals...)
		n++
		if pending++; pending == copyBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}
