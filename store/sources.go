package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SourceHashes returns the content hash recorded for every ingested source
// file, by name: one query instead of one per file when ingest scans an
// archive.
func (s *Store) SourceHashes(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, content_hash FROM sources`)
	if err != nil {
		return nil, fmt.Errorf("store: source hashes: %w", err)
	}
	defer rows.Close()
	hashes := map[string]string{}
	for rows.Next() {
		var name, hash string
		if err := rows.Scan(&name, &hash); err != nil {
			return nil, fmt.Errorf("store: source hashes: %w", err)
		}
		hashes[name] = hash
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: source hashes: %w", err)
	}
	return hashes, nil
}

// RemoveSource deletes an ingested source file's row and, with it, every
// article that came from it; it returns how many articles went. It wraps
// ErrNotFound for a source never ingested.
func (s *Store) RemoveSource(ctx context.Context, name string) (int, error) {
	var removed int
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE source = ?`, name).Scan(&removed); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: remove source %s: %w", name, err)
	}
	return removed, nil
}
