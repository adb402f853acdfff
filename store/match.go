package store

// Recognising a corrected article as the one already stored, so it keeps
// its id (and permalink, and feed entry) when its headline is fixed.

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"unicode/utf8"
)

// matchText is what two versions of an article are compared by: headline
// parts and the start of the paragraphs as stored (JSON), the same text
// migration 0009's delete trigger keeps for a removed article.
func matchText(kicker, title, subtitle, paragraphs string) string {
	return kicker + title + subtitle + truncRunes(paragraphs, matchParagraphRunes)
}

// matchParagraphRunes bounds the paragraph text compared: enough to tell
// articles apart, little enough to compare many quickly.
const matchParagraphRunes = 600

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// similarity is the Dice coefficient of the two texts' character bigram
// multisets: 1 for equal texts, about 0.95 for a one-character headline
// fix, under 0.2 for two different articles of one page.
func similarity(a, b string) float64 {
	ga, gb := bigrams(a), bigrams(b)
	total := 0
	for _, n := range ga {
		total += n
	}
	for _, n := range gb {
		total += n
	}
	if total == 0 {
		if a == b {
			return 1
		}
		return 0
	}
	common := 0
	for g, n := range ga {
		common += min(n, gb[g])
	}
	return 2 * float64(common) / float64(total)
}

func bigrams(s string) map[[2]rune]int {
	m := make(map[[2]rune]int, len(s)/3)
	var prev rune = -1
	for _, r := range s {
		if prev >= 0 {
			m[[2]rune{prev, r}]++
		}
		prev = r
	}
	return m
}

// Thresholds of similarity for taking a stored article's id: anywhere on
// the page, or at the same position (where a heavier correction still is
// the same article).
const (
	matchAnywhere   = 0.6
	matchInPlace    = 0.35
	matchRemovedOne = 0.85
)

// orphan is a stored article of the source that no new item claims by id.
type orphan struct {
	id, kind, text string
	position       int
}

// matchCorrections gives each new item without a stored id the id of the
// stored article of the same source it is a correction of: same kind, and
// similar text (position on the page breaks ties and lowers the bar). What
// is left unmatched is then compared with recently removed articles (a
// page file renamed or re-dated): the same date takes the old id back; a
// different date keeps its new id and the old permalink will redirect
// (moved returns old id -> new id for recordMoves).
func (s *Store) matchCorrections(ctx context.Context, tx *sql.Tx, ed string, source string, rows []row, existing map[string]*storedArticle) (moved map[string]string, err error) {
	var fresh []int
	claimed := make(map[string]bool, len(rows))
	for i, r := range rows {
		if _, ok := existing[r.a.ID]; ok {
			claimed[r.a.ID] = true
			continue
		}
		fresh = append(fresh, i)
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	var orphanIDs []any
	for id, old := range existing {
		if old.source == source && !claimed[id] {
			orphanIDs = append(orphanIDs, id)
		}
	}
	if len(orphanIDs) > 0 {
		orphans, err := s.loadOrphans(ctx, tx, orphanIDs)
		if err != nil {
			return nil, err
		}
		usedRow := pairOrphans(rows, fresh, orphans, func(row, orphan int) { rows[row].a.ID = orphans[orphan].id })
		var left []int
		for _, i := range fresh {
			if !usedRow[i] {
				left = append(left, i)
			}
		}
		fresh = left
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	return s.matchRemoved(ctx, tx, ed, rows, fresh)
}

// pairOrphans pairs rows (those at the indexes fresh) with the stored
// articles they correct: same kind, similar text anywhere on the page, or
// less similar at the same position; the most similar pairs first. It
// calls match for each pair and returns the rows paired.
func pairOrphans(rows []row, fresh []int, orphans []orphan, match func(row, orphan int)) map[int]bool {
	type pair struct {
		row, orphan int
		score       float64
	}
	var pairs []pair
	for _, i := range fresh {
		r := rows[i]
		text := matchText(r.a.Kicker, r.a.Title, r.a.Subtitle, r.paragraphs)
		for j, o := range orphans {
			if o.kind != string(r.a.Kind) {
				continue
			}
			sim := similarity(text, o.text)
			if sim >= matchAnywhere || (sim >= matchInPlace && o.position == r.pos) {
				// Position breaks ties between equally similar texts.
				pairs = append(pairs, pair{i, j, sim - 0.001*float64(abs(o.position-r.pos))})
			}
		}
	}
	sort.Slice(pairs, func(a, b int) bool { return pairs[a].score > pairs[b].score })
	usedRow, usedOrphan := map[int]bool{}, map[int]bool{}
	for _, p := range pairs {
		if usedRow[p.row] || usedOrphan[p.orphan] {
			continue
		}
		usedRow[p.row], usedOrphan[p.orphan] = true, true
		match(p.row, p.orphan)
	}
	return usedRow
}

// renamedMoves pairs the articles of source, a renamed file of another
// date, with the new edition's rows as corrections of one page are paired
// (a lower bar than matchRemoved's for any removed article: these are
// known to be the same page), and returns old id -> new id.
func (s *Store) renamedMoves(ctx context.Context, tx *sql.Tx, source string, rows []row) (map[string]string, error) {
	var ids []any
	err := s.scanRows(ctx, tx, `SELECT id FROM articles WHERE source = ?`, []any{source}, func(r *sql.Rows) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load articles of %s: %w", source, err)
	}
	orphans, err := s.loadOrphans(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	all := make([]int, len(rows))
	for i := range rows {
		all[i] = i
	}
	moved := map[string]string{}
	pairOrphans(rows, all, orphans, func(row, orphan int) { moved[orphans[orphan].id] = rows[row].a.ID })
	return moved, nil
}

// matchRemoved compares still unmatched new items with the most recently
// removed articles.
func (s *Store) matchRemoved(ctx context.Context, tx *sql.Tx, date string, rows []row, fresh []int) (map[string]string, error) {
	gone, err := s.query(ctx, tx, `SELECT id, edition_date, kind, text FROM article_gone
		WHERE moved_to = '' ORDER BY removed_at DESC LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("load removed articles: %w", err)
	}
	type removed struct{ id, date, kind, text string }
	var rs []removed
	for gone.Next() {
		var r removed
		if err := gone.Scan(&r.id, &r.date, &r.kind, &r.text); err != nil {
			gone.Close()
			return nil, fmt.Errorf("load removed articles: %w", err)
		}
		rs = append(rs, r)
	}
	err = gone.Err()
	gone.Close()
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	taken := map[int]bool{}
	ids := make(map[string]bool, len(rows))
	for _, r := range rows {
		ids[r.a.ID] = true
	}
	moved := map[string]string{}
	for _, i := range fresh {
		r := &rows[i]
		text := matchText(r.a.Kicker, r.a.Title, r.a.Subtitle, r.paragraphs)
		best, bestSim := -1, matchRemovedOne
		for j, g := range rs {
			if taken[j] || g.kind != string(r.a.Kind) {
				continue
			}
			if sim := similarity(text, g.text); sim >= bestSim {
				best, bestSim = j, sim
			}
		}
		if best < 0 {
			continue
		}
		taken[best] = true
		g := rs[best]
		if g.date == date && !ids[g.id] {
			ids[g.id] = true
			r.a.ID = g.id // re-inserting it clears its tombstone
			continue
		}
		moved[g.id] = r.a.ID
	}
	return moved, nil
}

// recordMoves points the removed articles' permalinks at their new ids.
func recordMoves(ctx context.Context, tx *sql.Tx, moved map[string]string) error {
	for from, to := range moved {
		if _, err := tx.ExecContext(ctx, `UPDATE article_gone SET moved_to = ? WHERE id = ?`, to, from); err != nil {
			return fmt.Errorf("record move of %s: %w", from, err)
		}
	}
	return nil
}

func (s *Store) loadOrphans(ctx context.Context, tx *sql.Tx, ids []any) ([]orphan, error) {
	var out []orphan
	for start := 0; start < len(ids); start += topicBatch {
		batch := ids[start:min(start+topicBatch, len(ids))]
		err := s.scanRows(ctx, tx, `SELECT id, kind, position, kicker, title, subtitle, paragraphs
			FROM articles WHERE id IN (`+placeholders(len(batch))+`) ORDER BY position`, batch, func(rows *sql.Rows) error {
			var o orphan
			var kicker, title, subtitle, paragraphs string
			if err := rows.Scan(&o.id, &o.kind, &o.position, &kicker, &title, &subtitle, &paragraphs); err != nil {
				return err
			}
			o.text = matchText(kicker, title, subtitle, paragraphs)
			out = append(out, o)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load stored articles to match: %w", err)
		}
	}
	return out, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
