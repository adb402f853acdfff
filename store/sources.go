package store

import (
	"context"
	"database/sql"
	"errors"
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
		var err error
		removed, err = s.removeSourceTx(ctx, tx, name)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: remove source %s: %w", name, err)
	}
	return removed, nil
}

// removeSourceTx deletes a source row and, by cascade, its articles
// (leaving their tombstones); it returns how many articles went.
func (s *Store) removeSourceTx(ctx context.Context, tx *sql.Tx, name string) (int, error) {
	var removed int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE source = ?`, name).Scan(&removed); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE name = ?`, name)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 0 {
		return 0, ErrNotFound
	}
	return removed, nil
}

// findRenamed picks, among p's MayReplace candidates, the source p's file
// is a rename of: the one with the same recorded hash, else the one most
// of whose articles have a similar item of the same kind in p (the bar
// matchCorrections uses anywhere on a page). It returns "" when none is.
func (s *Store) findRenamed(ctx context.Context, tx *sql.Tx, p *PreparedEdition, sourceHash string) (name, date string, err error) {
	best := 0.5 // more than half of its articles must match
	for _, c := range p.candidates {
		if c == p.ed.Source {
			continue
		}
		var d, hash string
		err := tx.QueryRowContext(ctx, `SELECT edition_date, content_hash FROM sources WHERE name = ?`, c).Scan(&d, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", "", fmt.Errorf("look up %s as renamed: %w", c, err)
		}
		if hash == sourceHash {
			return c, d, nil
		}
		share, err := s.matchedShare(ctx, tx, c, p.rows)
		if err != nil {
			return "", "", err
		}
		if share > best {
			name, date, best = c, d, share
		}
	}
	return name, date, nil
}

// matchedShare is the share of source's stored articles that some row is
// similar to.
func (s *Store) matchedShare(ctx context.Context, tx *sql.Tx, source string, rows []row) (float64, error) {
	q, err := tx.QueryContext(ctx, `SELECT kind, kicker, title, subtitle, paragraphs FROM articles WHERE source = ?`, source)
	if err != nil {
		return 0, fmt.Errorf("load articles of %s: %w", source, err)
	}
	defer q.Close()
	texts := make([]string, len(rows))
	for i, r := range rows {
		texts[i] = matchText(r.a.Kicker, r.a.Title, r.a.Subtitle, r.paragraphs)
	}
	total, matched := 0, 0
	for q.Next() {
		var kind, kicker, title, subtitle, paragraphs string
		if err := q.Scan(&kind, &kicker, &title, &subtitle, &paragraphs); err != nil {
			return 0, fmt.Errorf("load articles of %s: %w", source, err)
		}
		total++
		text := matchText(kicker, title, subtitle, paragraphs)
		for i, r := range rows {
			if string(r.a.Kind) == kind && similarity(text, texts[i]) >= matchAnywhere {
				matched++
				break
			}
		}
	}
	if err := q.Err(); err != nil {
		return 0, fmt.Errorf("load articles of %s: %w", source, err)
	}
	if total == 0 {
		return 0, nil
	}
	return float64(matched) / float64(total), nil
}
