package store

import (
	"context"
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
