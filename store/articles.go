package store

// Articles and the source files they come from. SaveEdition documents how
// article ids stay stable.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-news/paperboy/content"
)

// EditionChange counts what SaveEdition did to one source file's articles.
// Retagged counts the Unchanged ones whose topics changed.
type EditionChange struct {
	Added, Updated, Removed, Unchanged, Retagged int
	// Replaced is the source the edition was recognised as a rename of
	// (PreparedEdition.MayReplace), or "".
	Replaced string
}

// Changed reports whether any article was added, updated, removed or
// retagged.
func (c EditionChange) Changed() bool { return c.Added+c.Updated+c.Removed+c.Retagged > 0 }

// EditionSummary is one edition date with its article count and its
// newest change.
type EditionSummary struct {
	Date     string
	Articles int
	Updated  time.Time
}

// ArticleQuery selects articles for a digest.
type ArticleQuery struct {
	// CreatedAfter and CreatedUpTo bound created_at to (after, upTo]; a
	// zero time leaves that side open.
	CreatedAfter, CreatedUpTo time.Time
	// MinDate, YYYY-MM-DD, leaves out older editions; "" allows all.
	MinDate string
	// Topics: an article must have one of these topic slugs; none means
	// all articles.
	Topics []string
	// Limit caps the result; 0 means no cap.
	Limit int
}

// articleColumns are the columns scanArticle reads, in its order.
const articleColumns = `id, kind, title, kicker, subtitle, byline, authors, paragraphs, summary,
	edition_date, line_first, line_last, source, created_at, updated_at, image`

// pageOrder is the order of articles within and across editions: newest
// edition first, then each source file's items in page order.
const pageOrder = ` ORDER BY edition_date DESC, source, position`

// row is an article ready to write: its lists encoded once, and its
// content hash over them.
type row struct {
	a                   content.Article
	pos                 int
	authors, paragraphs string
	hash                string
	topics              []string
	// image is the id of the article's picture, "" for none.
	image string
}

func newRow(a content.Article, pos int) (row, error) {
	r := row{a: a, pos: pos, topics: normalizeTopics(a.Topics)}
	au := a.Authors
	if au == nil {
		au = []content.Author{}
	}
	ab, err := json.Marshal(au)
	if err != nil {
		return r, fmt.Errorf("article %s: %w", a.ID, err)
	}
	r.authors = string(ab)
	n := 2
	for _, p := range a.Paragraphs {
		n += len(p) + 3
	}
	r.paragraphs = string(appendJSONStrings(make([]byte, 0, n), a.Paragraphs))
	if a.Image != nil {
		r.image = a.Image.ID
	}
	r.hash = contentHash(a, r.authors, r.paragraphs, r.image)
	return r, nil
}

// contentHash is the SHA-256 of an article's content fields: what a
// correction changes. Lines, position and topics are left out on purpose.
// The picture's id counts only when there is one, so the articles stored
// before pictures existed keep their hashes.
func contentHash(a content.Article, authors, paragraphs, image string) string {
	fields := []string{string(a.Kind), a.Title, a.Kicker, a.Subtitle, a.Byline, authors, paragraphs, a.Summary, a.Date}
	if image != "" {
		fields = append(fields, "image:"+image)
	}
	n := 0
	for _, f := range fields {
		n += len(f) + 1
	}
	buf := make([]byte, 0, n)
	for _, f := range fields {
		buf = append(buf, f...)
		buf = append(buf, 0)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// needsEscape reports whether s has anything appendJSONStrings must
// escape or replace; most paragraphs do not and are copied as they are.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return !utf8.ValidString(s) || strings.Contains(s, "\u2028") || strings.Contains(s, "\u2029")
}

// appendJSONStrings appends ss as a JSON array of strings. It is
// encoding/json's output minus the HTML escaping (<, >, & are stored as
// they are), without reflection: paragraphs are most of what ingest
// writes. Invalid UTF-8 becomes U+FFFD, as with encoding/json.
func appendJSONStrings(b []byte, ss []string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		if !needsEscape(s) {
			b = append(b, s...)
			b = append(b, '"')
			continue
		}
		for j := 0; j < len(s); {
			c := s[j]
			if c < utf8.RuneSelf {
				switch {
				case c == '"' || c == '\\':
					b = append(b, '\\', c)
				case c == '\n':
					b = append(b, '\\', 'n')
				case c == '\r':
					b = append(b, '\\', 'r')
				case c == '\t':
					b = append(b, '\\', 't')
				case c == '\b':
					b = append(b, '\\', 'b')
				case c == '\f':
					b = append(b, '\\', 'f')
				case c < 0x20:
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				default:
					b = append(b, c)
				}
				j++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[j:])
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(b, "\\ufffd"...)
			case r == '\u2028' || r == '\u2029':
				// Valid JSON, but not valid JavaScript: escape as encoding/json does.
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			default:
				b = append(b, s[j:j+size]...)
			}
			j += size
		}
		b = append(b, '"')
	}
	return append(b, ']')
}

// storedArticle is what SaveEdition compares against: an existing row.
type storedArticle struct {
	source, hash string
	position     int
	lines        [2]int
	topics       []string
}

// SaveEdition writes the articles of one source file (ed.Source) in one
// transaction: it records the file's hash in sources, inserts new ids,
// updates the articles whose content changed (same id and created_at, new
// updated_at), deletes that file's articles that are gone, and sets each
// article's topics from Article.Topics. On error nothing is written.
//
// How ids stay stable: an article's id is content.StableID, computed by the
// parser from the edition date, the item's kind and its key (the page label
// of the file name and the display title without white space; for photos,
// the credit line and the caption's start). It depends neither on the body
// text nor on line numbers, and every write here is keyed by it, so:
//   - re-ingesting an unchanged file changes nothing (ingest skips it by
//     its hash; here every article's content hash would compare equal);
//   - a corrected paragraph changes the article's content hash and the row
//     is updated in place: same id, same created_at, new updated_at;
//   - an item gone from the corrected file is deleted with its topics;
//   - a changed headline is a new key, but the new item is matched to the
//     stored one it corrects (same source and kind, similar text, position
//     on the page lowering the bar: matchCorrections) and takes its id, so
//     its permalink and feed entry stay; only a really new article gets a
//     new id;
//   - a removed article leaves a tombstone (article_gone, by trigger): its
//     permalink answers 410, or 301 when the same text comes back under
//     another date's id;
//   - an id already stored under another file of the same date (a renamed
//     or copied file) is taken over by this file.
//
// Line numbers and positions are stored but are not content: an edit that
// shifts the lines of later articles does not mark them updated.
func (s *Store) SaveEdition(ctx context.Context, ed content.Edition, sourceHash string) (EditionChange, error) {
	p, err := PrepareEdition(ed)
	if err != nil {
		return EditionChange{}, err
	}
	return s.SavePrepared(ctx, p, sourceHash)
}

// PreparedEdition is an edition checked and encoded for SavePrepared.
type PreparedEdition struct {
	ed     content.Edition
	rows   []row
	images []NewImage
	// candidates are sources whose files are gone that this one may be a
	// rename of: see MayReplace.
	candidates []string
}

// MayReplace names stored sources whose files are gone and that this
// edition's file may be a rename of (a page file renamed to fix its
// date). SavePrepared takes the one whose recorded hash is the file's, or
// most of whose articles the edition's match (the similarity that keeps
// corrected articles' ids), as renamed: in the same transaction its
// articles are removed, and their permalinks redirect to the new ids (an
// edition of the same date simply takes its articles over), and its
// source row goes, so no article is left twice. A candidate that matches
// neither is left alone.
func (p *PreparedEdition) MayReplace(sources ...string) {
	p.candidates = append(p.candidates, sources...)
}

// PrepareEdition checks an edition and encodes its articles (JSON columns,
// content hashes) without touching the database, so that callers saving
// many editions can do this work in parallel and leave the single writer
// only the writing.
func PrepareEdition(ed content.Edition) (*PreparedEdition, error) {
	if err := checkEdition(ed); err != nil {
		return nil, fmt.Errorf("store: save edition %s: %w", ed.Source, err)
	}
	rows := make([]row, len(ed.Articles))
	for i, a := range ed.Articles {
		r, err := newRow(a, i)
		if err != nil {
			return nil, fmt.Errorf("store: save edition %s: %w", ed.Source, err)
		}
		rows[i] = r
	}
	return &PreparedEdition{ed: ed, rows: rows}, nil
}

// SavePrepared is SaveEdition for an edition PrepareEdition encoded.
func (s *Store) SavePrepared(ctx context.Context, p *PreparedEdition, sourceHash string) (EditionChange, error) {
	var change EditionChange
	ed, rows := p.ed, p.rows
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		change = EditionChange{} // afresh when PostgreSQL runs the transaction again
		// Stamped once the write lock is held (BEGIN IMMEDIATE), not
		// before waiting for it, and after every stamp already committed
		// even if the clock stepped back: stamps then follow commit order,
		// so a digest whose window ends at the newest stamp it can see
		// (LatestArticleStamp) misses no article committing meanwhile.
		now, err := s.nextStamp(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.logBarrier(ctx, tx); err != nil {
			return err
		}
		if err := s.saveImages(ctx, tx, p, now); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO sources (name, edition_date, content_hash, warnings, ingested_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET edition_date = excluded.edition_date,
				content_hash = excluded.content_hash, warnings = excluded.warnings, ingested_at = excluded.ingested_at`,
			ed.Source, ed.Date, sourceHash, len(ed.Warnings), now); err != nil {
			return fmt.Errorf("record source: %w", err)
		}
		renamed, renamedDate, err := s.findRenamed(ctx, tx, p, sourceHash)
		if err != nil {
			return err
		}
		var renamedTo map[string]string
		if renamed != "" && renamedDate != ed.Date {
			// Other date, other ids: the old articles go, their
			// permalinks redirecting to the new ids they pair with.
			if renamedTo, err = s.renamedMoves(ctx, tx, renamed, rows); err != nil {
				return err
			}
			n, err := s.removeSourceTx(ctx, tx, renamed)
			if err != nil {
				return err
			}
			change.Removed += n
		}
		change.Replaced = renamed
		existing, err := s.storedArticles(ctx, tx, ed)
		if err != nil {
			return err
		}
		rows := slices.Clone(rows)
		moved, err := s.matchCorrections(ctx, tx, ed.Date, ed.Source, rows, existing)
		if err != nil {
			return err
		}
		var added []row
		keep := make(map[string]bool, len(rows))
		for _, r := range rows {
			keep[r.a.ID] = true
			old, found := existing[r.a.ID]
			switch {
			case !found:
				change.Added++
				added = append(added, r)
				continue
			case old.hash != r.hash || old.source != ed.Source:
				change.Updated++
				if err := updateArticle(ctx, tx, ed, r, now); err != nil {
					return err
				}
			default:
				change.Unchanged++
				if old.position != r.pos || old.lines != r.a.Lines {
					if _, err := tx.ExecContext(ctx, `UPDATE articles SET position = ?, line_first = ?, line_last = ? WHERE id = ?`,
						r.pos, r.a.Lines[0], r.a.Lines[1], r.a.ID); err != nil {
						return fmt.Errorf("move article %s: %w", r.a.ID, err)
					}
				}
				if slices.Equal(old.topics, r.topics) {
					continue
				}
				change.Retagged++
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM article_topics WHERE article_id = ?`, r.a.ID); err != nil {
				return fmt.Errorf("set topics of %s: %w", r.a.ID, err)
			}
			if err := s.insertTopics(ctx, tx, ed.Date, []row{r}); err != nil {
				return err
			}
		}
		if err := s.insertArticles(ctx, tx, ed, added, now); err != nil {
			return err
		}
		if err := s.insertTopics(ctx, tx, ed.Date, added); err != nil {
			return err
		}
		for id, old := range existing {
			if old.source == ed.Source && !keep[id] {
				change.Removed++
				if _, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id); err != nil {
					return fmt.Errorf("remove article %s: %w", id, err)
				}
			}
		}
		if err := recordMoves(ctx, tx, moved); err != nil {
			return err
		}
		if err := recordMoves(ctx, tx, renamedTo); err != nil {
			return err
		}
		if renamed != "" && renamedDate == ed.Date {
			// Same date, same label: same ids, taken over above; what
			// the new file no longer has goes with the old source row.
			n, err := s.removeSourceTx(ctx, tx, renamed)
			if err != nil {
				return err
			}
			change.Removed += n
		}
		return s.trimChangeLog(ctx, tx)
	})
	if err != nil {
		return EditionChange{}, fmt.Errorf("store: save edition %s: %w", ed.Source, err)
	}
	if q := s.sql(analyzeArticles); q != "" && change.Added >= analyzeAfter {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return EditionChange{}, fmt.Errorf("store: save edition %s: analyze: %w", ed.Source, err)
		}
	}
	return change, nil
}

// nextStamp is the time SaveEdition stamps its articles with, inside its
// write transaction: now, or just after the newest stamp given before if
// the clock is behind it; it records the stamp as the newest.
func (s *Store) nextStamp(ctx context.Context, tx *sql.Tx) (string, error) {
	var latest string
	if err := tx.QueryRowContext(ctx, s.sql(lockStamp)).Scan(&latest); err != nil {
		return "", fmt.Errorf("latest stamp: %w", err)
	}
	last, err := parseTime(latest)
	if err != nil {
		return "", fmt.Errorf("latest stamp: %w", err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if !now.After(last) {
		now = last.Add(time.Microsecond)
	}
	stamp := formatTime(now)
	if _, err := tx.ExecContext(ctx, `UPDATE stamps SET stamp = ? WHERE name = 'articles'`, stamp); err != nil {
		return "", fmt.Errorf("record stamp: %w", err)
	}
	return stamp, nil
}

// LatestArticleStamp returns the newest article stamp (created_at or
// updated_at; zero if there is no article). SaveEdition stamps after
// taking the write lock and after every stamp committed before, so an
// ingest not yet committed when this returns stamps later: a digest whose
// window ends here, read before its selection, never leaves an article
// behind it unseen.
func (s *Store) LatestArticleStamp(ctx context.Context) (time.Time, error) {
	var latest string
	err := s.db.QueryRowContext(ctx, `SELECT stamp FROM stamps WHERE name = 'articles'`).Scan(&latest)
	var t time.Time
	if err == nil {
		t, err = parseTime(latest)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: latest article stamp: %w", err)
	}
	return t, nil
}

func checkEdition(ed content.Edition) error {
	if ed.Source == "" {
		return errors.New("edition has no source name")
	}
	if !content.IsDate(ed.Date) {
		return fmt.Errorf("edition date %q is not YYYY-MM-DD", ed.Date)
	}
	seen := make(map[string]bool, len(ed.Articles))
	for i, a := range ed.Articles {
		switch {
		case a.ID == "":
			return fmt.Errorf("item %d (%q) has no id", i+1, a.DisplayTitle())
		case seen[a.ID]:
			return fmt.Errorf("item %d (%q): id %s appears twice in the edition", i+1, a.DisplayTitle(), a.ID)
		}
		seen[a.ID] = true
	}
	return nil
}

// storedArticles loads the rows the edition may touch: the source's own
// articles and any of the edition's ids stored under another source (a
// file renamed or copied), which SaveEdition takes over.
func (s *Store) storedArticles(ctx context.Context, tx *sql.Tx, ed content.Edition) (map[string]*storedArticle, error) {
	existing := map[string]*storedArticle{}
	load := func(where string, args []any) error {
		err := s.scanRows(ctx, tx, `SELECT a.id, a.source, a.content_hash, a.position, a.line_first, a.line_last
			FROM articles a WHERE `+where, args, func(rows *sql.Rows) error {
			var id string
			var a storedArticle
			if err := rows.Scan(&id, &a.source, &a.hash, &a.position, &a.lines[0], &a.lines[1]); err != nil {
				return err
			}
			existing[id] = &a
			return nil
		})
		if err != nil {
			return fmt.Errorf("load stored articles: %w", err)
		}
		return nil
	}
	if err := load(`a.source = ?`, []any{ed.Source}); err != nil {
		return nil, err
	}
	// By id, not by date: the other pages of the same day are none of this
	// edition's business, and reading them made each save cost more with
	// every page of the day. In batches, so that no edition's size can
	// pass the database's limit on bound parameters.
	for start := 0; start < len(ed.Articles); start += topicBatch {
		batch := ed.Articles[start:min(start+topicBatch, len(ed.Articles))]
		args := make([]any, len(batch))
		for i, a := range batch {
			args[i] = a.ID
		}
		if err := load(`a.id IN (`+placeholders(len(args))+`)`, args); err != nil {
			return nil, err
		}
	}
	if len(existing) == 0 {
		return existing, nil
	}
	ids := slices.Sorted(maps.Keys(existing))
	for start := 0; start < len(ids); start += topicBatch {
		batch := ids[start:min(start+topicBatch, len(ids))]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		if err := s.loadStoredTopics(ctx, tx, existing, args); err != nil {
			return nil, err
		}
	}
	return existing, nil
}

// loadStoredTopics adds the topics of the articles with the ids in args.
func (s *Store) loadStoredTopics(ctx context.Context, tx *sql.Tx, existing map[string]*storedArticle, args []any) error {
	err := s.scanRows(ctx, tx, `SELECT article_id, topic FROM article_topics
		WHERE article_id IN (`+placeholders(len(args))+`) ORDER BY article_id, topic`, args, func(rows *sql.Rows) error {
		var id, topic string
		if err := rows.Scan(&id, &topic); err != nil {
			return err
		}
		if a := existing[id]; a != nil {
			a.topics = append(a.topics, topic)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load stored topics: %w", err)
	}
	return nil
}

// queryBatch runs a query of n bound parameters in tx: prepared once per
// Store when n is one or a full batch, plain otherwise, so the statement
// cache does not keep one statement for every edition size.
func (s *Store) queryBatch(ctx context.Context, tx *sql.Tx, n int, query string, args ...any) (*sql.Rows, error) {
	if n == 1 || n == topicBatch {
		return s.query(ctx, tx, query, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// normalizeTopics sorts and dedups, so stored and new topics compare.
func normalizeTopics(topics []string) []string {
	if len(topics) == 0 {
		return nil
	}
	t := slices.Clone(topics)
	slices.Sort(t)
	return slices.Compact(t)
}

// exec runs a statement of SaveEdition's in tx, prepared once per Store.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.stmts.in(ctx, s.db, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// query runs a query of SaveEdition's in tx, prepared once per Store.
func (s *Store) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmts.in(ctx, s.db, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// analyzeAfter is how many articles one save adds before it refreshes
// the planner's statistics itself (analyzeArticles).
const analyzeAfter = 5000

// batchRows bounds the rows of one multi-row INSERT, keeping its bound
// parameters under every database's limit.
const batchRows = 50

// insertArticles inserts new articles, many rows per statement.
func (s *Store) insertArticles(ctx context.Context, tx *sql.Tx, ed content.Edition, rows []row, now string) error {
	const cols = `INSERT INTO articles (id, source, edition_date, position, kind, title, kicker, subtitle, byline,
		authors, paragraphs, summary, line_first, line_last, content_hash, created_at, updated_at, image) VALUES `
	const values = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for len(rows) > 0 {
		batch := rows[:min(batchRows, len(rows))]
		rows = rows[len(batch):]
		args := make([]any, 0, 18*len(batch))
		for _, r := range batch {
			a := r.a
			args = append(args, a.ID, ed.Source, ed.Date, r.pos, string(a.Kind), a.Title, a.Kicker, a.Subtitle,
				a.Byline, r.authors, r.paragraphs, a.Summary, a.Lines[0], a.Lines[1], r.hash, now, now, r.image)
		}
		if _, err := s.exec(ctx, tx, cols+repeatJoin(values, len(batch)), args...); err != nil {
			return fmt.Errorf("insert articles: %w", err)
		}
	}
	return nil
}

// insertTopics inserts the topics of the rows, many per statement.
func (s *Store) insertTopics(ctx context.Context, tx *sql.Tx, date string, rows []row) error {
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := s.exec(ctx, tx, `INSERT INTO article_topics (article_id, topic, edition_date) VALUES `+repeatJoin(`(?, ?, ?)`, len(args)/3), args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("insert topics: %w", err)
		}
		return nil
	}
	for _, r := range rows {
		for _, t := range r.topics {
			args = append(args, r.a.ID, t, date)
			if len(args) >= 3*batchRows*4 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func updateArticle(ctx context.Context, tx *sql.Tx, ed content.Edition, r row, now string) error {
	a := r.a
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET source = ?, edition_date = ?, position = ?, kind = ?, title = ?,
		kicker = ?, subtitle = ?, byline = ?, authors = ?, paragraphs = ?, summary = ?, line_first = ?, line_last = ?,
		content_hash = ?, updated_at = CASE WHEN content_hash = ? THEN updated_at ELSE ? END, image = ? WHERE id = ?`,
		ed.Source, ed.Date, r.pos, string(a.Kind), a.Title, a.Kicker, a.Subtitle, a.Byline, r.authors, r.paragraphs,
		a.Summary, a.Lines[0], a.Lines[1], r.hash, r.hash, now, r.image, a.ID); err != nil {
		return fmt.Errorf("update article %s: %w", a.ID, err)
	}
	return nil
}

// repeatJoin repeats s n times, comma separated.
func repeatJoin(s string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+", ", n), ", ")
}

// SourceHash is the content hash recorded for the source file name; it
// wraps ErrNotFound for a file never ingested.
func (s *Store) SourceHash(ctx context.Context, name string) (string, error) {
	var h string
	err := s.db.QueryRowContext(ctx, `SELECT content_hash FROM sources WHERE name = ?`, name).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: source %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: source %s: %w", name, err)
	}
	return h, nil
}

// Article returns the article with the id; it wraps ErrNotFound if there
// is none.
func (s *Store) Article(ctx context.Context, id string) (content.Article, error) {
	as, err := s.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, id)
	if err != nil {
		return content.Article{}, fmt.Errorf("store: article %s: %w", id, err)
	}
	if len(as) == 0 {
		return content.Article{}, fmt.Errorf("store: article %s: %w", id, ErrNotFound)
	}
	return as[0], nil
}

// LatestArticles returns up to limit articles, newest edition first and in
// page order within an edition, of the topic slug, or of all topics if
// topic is "".
func (s *Store) LatestArticles(ctx context.Context, topic string, limit int) ([]content.Article, error) {
	var (
		as  []content.Article
		err error
	)
	if topic == "" {
		as, err = s.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles`+pageOrder+` LIMIT ?`, limit)
	} else {
		// The cut-off is the edition date of the topic's limit-th newest
		// article: only articles from that date on can be among the newest.
		as, err = s.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles
			WHERE id IN (SELECT article_id FROM article_topics WHERE topic = ? AND edition_date >= COALESCE(
				(SELECT edition_date FROM article_topics WHERE topic = ? ORDER BY edition_date DESC LIMIT 1 OFFSET ?), ''))`+
			pageOrder+` LIMIT ?`, topic, topic, max(limit-1, 0), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("store: latest articles of topic %q: %w", topic, err)
	}
	return as, nil
}

// EditionArticles returns the articles of the edition dated date in page
// order; it wraps ErrNotFound when there are none.
func (s *Store) EditionArticles(ctx context.Context, date string) ([]content.Article, error) {
	as, err := s.queryArticles(ctx, `SELECT `+articleColumns+` FROM articles WHERE edition_date = ?`+pageOrder, date)
	if err != nil {
		return nil, fmt.Errorf("store: edition %s: %w", date, err)
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("store: edition %s: %w", date, ErrNotFound)
	}
	return as, nil
}

// Editions returns up to limit edition dates, newest first, with their
// article counts and the time of their newest change.
func (s *Store) Editions(ctx context.Context, limit int) ([]EditionSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT edition_date, COUNT(*), MAX(updated_at) FROM articles
		GROUP BY edition_date ORDER BY edition_date DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: editions: %w", err)
	}
	defer rows.Close()
	var eds []EditionSummary
	for rows.Next() {
		var e EditionSummary
		var updated string
		if err := rows.Scan(&e.Date, &e.Articles, &updated); err != nil {
			return nil, fmt.Errorf("store: editions: %w", err)
		}
		if e.Updated, err = parseTime(updated); err != nil {
			return nil, fmt.Errorf("store: editions: %w", err)
		}
		eds = append(eds, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: editions: %w", err)
	}
	return eds, nil
}

// ArticlesSince returns the articles a digest covers: created in
// (q.CreatedAfter, q.CreatedUpTo], of editions dated q.MinDate or later,
// with any of q.Topics; newest edition first, in page order.
func (s *Store) ArticlesSince(ctx context.Context, q ArticleQuery) ([]content.Article, error) {
	var (
		where []string
		args  []any
	)
	if !q.CreatedAfter.IsZero() {
		where = append(where, `created_at > ?`)
		args = append(args, formatTime(q.CreatedAfter))
	}
	if !q.CreatedUpTo.IsZero() {
		where = append(where, `created_at <= ?`)
		args = append(args, formatTime(q.CreatedUpTo))
	}
	if q.MinDate != "" {
		where = append(where, `edition_date >= ?`)
		args = append(args, q.MinDate)
	}
	if len(q.Topics) > 0 {
		where = append(where, `id IN (SELECT article_id FROM article_topics WHERE topic IN (`+placeholders(len(q.Topics))+`))`)
		for _, t := range q.Topics {
			args = append(args, t)
		}
	}
	query := `SELECT ` + articleColumns + ` FROM articles`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += pageOrder
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	as, err := s.queryArticles(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: articles since %s: %w", formatTime(q.CreatedAfter), err)
	}
	return as, nil
}

// CountArticles is the number of articles stored.
func (s *Store) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count articles: %w", err)
	}
	return n, nil
}

func placeholders(n int) string { return repeatJoin("?", n) }

// queryArticles runs a SELECT of articleColumns and loads the topics of
// the articles it returns.
func (s *Store) queryArticles(ctx context.Context, query string, args ...any) ([]content.Article, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []content.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.loadTopics(ctx, as); err != nil {
		return nil, err
	}
	if err := s.loadImages(ctx, as); err != nil {
		return nil, err
	}
	return as, nil
}

// scanArticle reads the articleColumns of a row, and into extra any
// columns selected after them.
func scanArticle(rows *sql.Rows, extra ...any) (content.Article, error) {
	var (
		a                         content.Article
		kind, authors, paragraphs string
		created, updated, image   string
	)
	dest := []any{&a.ID, &kind, &a.Title, &a.Kicker, &a.Subtitle, &a.Byline, &authors, &paragraphs, &a.Summary,
		&a.Date, &a.Lines[0], &a.Lines[1], &a.Source, &created, &updated, &image}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return a, err
	}
	if image != "" {
		// loadImages fills in the renditions.
		a.Image = &content.Image{ID: image}
	}
	a.Kind = content.Kind(kind)
	if err := json.Unmarshal([]byte(authors), &a.Authors); err != nil {
		return a, fmt.Errorf("article %s: bad stored authors: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(paragraphs), &a.Paragraphs); err != nil {
		return a, fmt.Errorf("article %s: bad stored paragraphs: %w", a.ID, err)
	}
	var err error
	if a.Created, err = parseTime(created); err != nil {
		return a, fmt.Errorf("article %s: %w", a.ID, err)
	}
	if a.Updated, err = parseTime(updated); err != nil {
		return a, fmt.Errorf("article %s: %w", a.ID, err)
	}
	return a, nil
}

// topicBatch bounds the ids per IN list, under every database's limit on
// bound parameters.
const topicBatch = 500

func (s *Store) loadTopics(ctx context.Context, as []content.Article) error {
	index := make(map[string]int, len(as))
	for i, a := range as {
		index[a.ID] = i
	}
	for start := 0; start < len(as); start += topicBatch {
		batch := as[start:min(start+topicBatch, len(as))]
		args := make([]any, len(batch))
		for i, a := range batch {
			args[i] = a.ID
		}
		rows, err := s.db.QueryContext(ctx, `SELECT article_id, topic FROM article_topics
			WHERE article_id IN (`+placeholders(len(batch))+`) ORDER BY article_id, topic`, args...)
		if err != nil {
			return fmt.Errorf("load topics: %w", err)
		}
		for rows.Next() {
			var id, topic string
			if err := rows.Scan(&id, &topic); err != nil {
				rows.Close()
				return fmt.Errorf("load topics: %w", err)
			}
			as[index[id]].Topics = append(as[index[id]].Topics, topic)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("load topics: %w", err)
		}
	}
	return nil
}
