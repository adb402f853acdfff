package store

// What readers of the store in other processes need to keep up with it:
// a change log appended by triggers (migration 0009) on every write to
// articles and their topics, the editions each change touched, and the
// permalinks of removed articles.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/paperboy-news/paperboy/content"
)

// ChangeGeneration is the store's change counter: it grows with every
// write to articles or their topics, by any process. Comparing it with a
// value read before is the cheap "did anything change?" a poll needs.
func (s *Store) ChangeGeneration(ctx context.Context) (int64, error) {
	var gen int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM change_log`).Scan(&gen); err != nil {
		return 0, fmt.Errorf("store: change generation: %w", err)
	}
	return gen, nil
}

// ErrChangesForgotten is returned, wrapped, by ChangedEditions when the
// change log no longer reaches back to since: the caller should re-read
// everything.
var ErrChangesForgotten = errors.New("changes since then are no longer logged")

// changeLogKeep is how many change log rows SaveEdition keeps: a reader
// polling every second is never that far behind (a page saved is one
// row).
const changeLogKeep = 20000

// ChangedEditions returns the edition dates changed after generation
// since (their articles added, corrected, removed, moved or retagged) and
// the generation to pass as since next time. The generation is read
// first: a write committing in between logs its dates after it, so the
// next call reports them again rather than never.
func (s *Store) ChangedEditions(ctx context.Context, since int64) ([]string, int64, error) {
	gen, err := s.ChangeGeneration(ctx)
	if err != nil {
		return nil, 0, err
	}
	var oldest int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MIN(seq), 0) FROM change_log`).Scan(&oldest); err != nil {
		return nil, 0, fmt.Errorf("store: changed editions since %d: %w", since, err)
	}
	if since < oldest-1 {
		return nil, gen, fmt.Errorf("store: changed editions since %d (log starts at %d): %w", since, oldest, ErrChangesForgotten)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT edition_date FROM change_log WHERE seq > ? AND edition_date <> '' ORDER BY edition_date DESC`, since)
	if err != nil {
		return nil, 0, fmt.Errorf("store: changed editions since %d: %w", since, err)
	}
	defer rows.Close()
	var dates []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, 0, fmt.Errorf("store: changed editions since %d: %w", since, err)
		}
		dates = append(dates, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: changed editions since %d: %w", since, err)
	}
	return dates, gen, nil
}

// logBarrier starts a save's run in the change log, so that the insert
// triggers, which log a date only when the newest row is another date,
// log this save's dates even if the previous save was of the same date.
func (s *Store) logBarrier(ctx context.Context, tx *sql.Tx) error {
	if _, err := s.exec(ctx, tx, `INSERT INTO change_log (edition_date) VALUES ('')`); err != nil {
		return fmt.Errorf("log barrier: %w", err)
	}
	return nil
}

// trimChangeLog drops all but the newest changeLogKeep rows of the change
// log; with nothing to drop it is one index look-up.
func (s *Store) trimChangeLog(ctx context.Context, tx *sql.Tx) error {
	if _, err := s.exec(ctx, tx, `DELETE FROM change_log WHERE seq <= (SELECT MAX(seq) FROM change_log) - ?`, changeLogKeep); err != nil {
		return fmt.Errorf("trim change log: %w", err)
	}
	return nil
}

// GoneArticle reports what became of a removed article: the id it lives
// on under (after a file renamed to another date), following moves, or ""
// when it is really gone. It wraps ErrNotFound for an id never stored and
// for one that exists.
func (s *Store) GoneArticle(ctx context.Context, id string) (string, error) {
	moved, cur := "", id
	for hop := 0; hop < 8; hop++ {
		var to string
		err := s.db.QueryRowContext(ctx, `SELECT moved_to FROM article_gone WHERE id = ?`, cur).Scan(&to)
		if errors.Is(err, sql.ErrNoRows) {
			if hop == 0 {
				return "", fmt.Errorf("store: gone article %s: %w", id, ErrNotFound)
			}
			return moved, nil
		}
		if err != nil {
			return "", fmt.Errorf("store: gone article %s: %w", id, err)
		}
		if to == "" {
			return "", nil
		}
		moved, cur = to, to
	}
	return moved, nil
}

// EditionCount is one edition date and how many articles a feed has of
// it.
type EditionCount struct {
	Date  string
	Count int
}

// EditionCounts lists every edition with articles of topic (all articles
// when topic is ""), newest first, with its count. When dates is not
// empty, only those dates are counted.
func (s *Store) EditionCounts(ctx context.Context, topic string, dates ...string) ([]EditionCount, error) {
	var (
		q    string
		args []any
	)
	if topic == "" {
		q = `SELECT edition_date, COUNT(*) FROM articles`
	} else {
		q = `SELECT edition_date, COUNT(*) FROM article_topics WHERE topic = ?`
		args = append(args, topic)
	}
	if len(dates) > 0 {
		if topic == "" {
			q += ` WHERE`
		} else {
			q += ` AND`
		}
		q += ` edition_date IN (` + placeholders(len(dates)) + `)`
		for _, d := range dates {
			args = append(args, d)
		}
	}
	q += ` GROUP BY edition_date ORDER BY edition_date DESC`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: edition counts of topic %q: %w", topic, err)
	}
	defer rows.Close()
	var out []EditionCount
	for rows.Next() {
		var e EditionCount
		if err := rows.Scan(&e.Date, &e.Count); err != nil {
			return nil, fmt.Errorf("store: edition counts of topic %q: %w", topic, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: edition counts of topic %q: %w", topic, err)
	}
	return out, nil
}

// PlacedArticle is an article with its place in its whole edition: Ordinal
// counts from 0 over every article of the edition date in page order, the
// same in the main feed and in a topic's, so it can order an edition's
// items by time.
type PlacedArticle struct {
	content.Article
	Ordinal int
}

// EditionRange returns the whole editions dated from through to
// (inclusive, YYYY-MM-DD) of topic ("" for all articles), newest edition
// first and in page order within each, with their ordinals.
func (s *Store) EditionRange(ctx context.Context, topic, from, to string) ([]PlacedArticle, error) {
	cols := strings.ReplaceAll(articleColumns, "\n\t", " ")
	inner := `SELECT ` + cols + `, position, ROW_NUMBER() OVER (PARTITION BY edition_date ORDER BY source, position) - 1 AS ordinal
		FROM articles WHERE edition_date BETWEEN ? AND ?`
	args := []any{from, to}
	q := `SELECT ` + cols + `, ordinal FROM (` + inner + `) AS ranked`
	if topic != "" {
		q += ` WHERE id IN (SELECT article_id FROM article_topics WHERE topic = ? AND edition_date BETWEEN ? AND ?)`
		args = append(args, topic, from, to)
	}
	q += pageOrder
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: editions %s to %s of topic %q: %w", from, to, topic, err)
	}
	defer rows.Close()
	var out []PlacedArticle
	for rows.Next() {
		var p PlacedArticle
		a, err := scanArticle(rows, &p.Ordinal)
		if err != nil {
			return nil, fmt.Errorf("store: editions %s to %s of topic %q: %w", from, to, topic, err)
		}
		p.Article = a
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: editions %s to %s of topic %q: %w", from, to, topic, err)
	}
	rows.Close()
	as := make([]content.Article, len(out))
	for i := range out {
		as[i] = out[i].Article
	}
	if err := s.loadTopics(ctx, as); err != nil {
		return nil, fmt.Errorf("store: editions %s to %s of topic %q: %w", from, to, topic, err)
	}
	if err := s.loadImages(ctx, as); err != nil {
		return nil, fmt.Errorf("store: editions %s to %s of topic %q: %w", from, to, topic, err)
	}
	for i := range out {
		out[i].Topics = as[i].Topics
		out[i].Image = as[i].Image
	}
	return out, nil
}
