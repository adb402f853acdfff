package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
//
// An archive that dropped old page files has thousands of candidates for
// every new day's file, so the cost is bounded: two batched queries over
// them, and the bigram comparison only for those at least half of whose
// headlines p has (a rename that also rewrites most headlines is then
// not recognised: it keeps its old edition, as before).
func (s *Store) findRenamed(ctx context.Context, tx *sql.Tx, p *PreparedEdition, sourceHash string) (name, date string, err error) {
	if len(p.candidates) == 0 {
		return "", "", nil
	}
	var titles []any
	seen := make(map[string]bool, len(p.rows))
	for _, r := range p.rows {
		if r.a.Title != "" && !seen[r.a.Title] {
			seen[r.a.Title] = true
			titles = append(titles, r.a.Title)
		}
	}
	batches := func(each func(args []any) error) error {
		for start := 0; start < len(p.candidates); start += topicBatch {
			batch := p.candidates[start:min(start+topicBatch, len(p.candidates))]
			args := make([]any, len(batch))
			for i, c := range batch {
				args[i] = c
			}
			if err := each(args); err != nil {
				return fmt.Errorf("look up renamed sources: %w", err)
			}
		}
		return nil
	}
	// The same bytes first, over every candidate: a whole archive moved
	// into subdirectories costs each file a few look-ups by name.
	dates := map[string]string{}
	var hashMatch string
	err = batches(func(args []any) error {
		return s.scanRows(ctx, tx, `SELECT name, edition_date, content_hash FROM sources WHERE name IN (`+placeholders(len(args))+`)`, args,
			func(rows *sql.Rows) error {
				var n, d, h string
				if err := rows.Scan(&n, &d, &h); err != nil {
					return err
				}
				dates[n] = d
				if h == sourceHash && n != p.ed.Source && (hashMatch == "" || n < hashMatch) {
					hashMatch = n
				}
				return nil
			})
	})
	if err != nil || hashMatch != "" {
		return hashMatch, dates[hashMatch], err
	}
	// Then the headlines: only a candidate at least half of whose
	// headlines p has is compared in full, so a column title recurring
	// every day does not make each new page compare with every gone one.
	// Counted by the database, which returns just those candidates. An
	// edition of more headlines than a batch is no page: only its hash
	// is compared.
	if len(titles) == 0 || len(titles) > topicBatch {
		return "", "", nil
	}
	near := map[string]bool{}
	err = batches(func(args []any) error {
		query := `SELECT source FROM articles WHERE source IN (` + placeholders(len(args)) + `) GROUP BY source
			HAVING 2 * SUM(CASE WHEN title IN (` + placeholders(len(titles)) + `) THEN 1 ELSE 0 END) >= COUNT(*)`
		return s.scanRows(ctx, tx, query, append(slices.Clone(args), titles...), func(rows *sql.Rows) error {
			var src string
			if err := rows.Scan(&src); err != nil {
				return err
			}
			near[src] = true
			return nil
		})
	})
	if err != nil {
		return "", "", err
	}
	best := 0.5 // more than half of its articles must match
	for _, c := range p.candidates {
		if !near[c] || c == p.ed.Source {
			continue
		}
		share, err := s.matchedShare(ctx, tx, c, p.rows)
		if err != nil {
			return "", "", err
		}
		if share > best {
			name, date, best = c, dates[c], share
		}
	}
	return name, date, nil
}

// scanRows runs query (through queryBatch) and calls each for every row.
func (s *Store) scanRows(ctx context.Context, tx *sql.Tx, query string, args []any, each func(*sql.Rows) error) error {
	rows, err := s.queryBatch(ctx, tx, len(args), query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// matchedShare is the share of source's stored articles that some row is
// similar to, or 0 when at most half of the rows are similar to one of
// them: a page merged into a larger one is no rename.
func (s *Store) matchedShare(ctx context.Context, tx *sql.Tx, source string, rows []row) (float64, error) {
	texts := make([]string, len(rows))
	for i, r := range rows {
		texts[i] = matchText(r.a.Kicker, r.a.Title, r.a.Subtitle, r.paragraphs)
	}
	total, matched := 0, 0
	rowMatched := make([]bool, len(rows))
	err := s.scanRows(ctx, tx, `SELECT kind, kicker, title, subtitle, paragraphs FROM articles WHERE source = ?`, []any{source},
		func(q *sql.Rows) error {
			var kind, kicker, title, subtitle, paragraphs string
			if err := q.Scan(&kind, &kicker, &title, &subtitle, &paragraphs); err != nil {
				return err
			}
			total++
			text := matchText(kicker, title, subtitle, paragraphs)
			for i, r := range rows {
				if string(r.a.Kind) == kind && similarity(text, texts[i]) >= matchAnywhere {
					matched++
					rowMatched[i] = true
					break
				}
			}
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("load articles of %s: %w", source, err)
	}
	newMatched := 0
	for _, m := range rowMatched {
		if m {
			newMatched++
		}
	}
	if total == 0 || 2*newMatched <= len(rows) {
		return 0, nil
	}
	return float64(matched) / float64(total), nil
}
