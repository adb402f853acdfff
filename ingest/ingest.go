// Package ingest brings edition files into the store: it scans the pages
// directory (*.txt) and the Markdown directory (*.md), parses the files that
// are new or changed since the last run, tags each article with the topics
// whose keywords it mentions, and saves each file's edition in one
// transaction.
//
// A file is identified by its path under its directory, prefixed with
// "pages/" or "markdown/", so moving the directories does not re-ingest
// anything. Whether it changed is decided by the SHA-256 of its bytes and
// of the topic configuration, so that adding a topic or a keyword retags
// the whole archive on the next run (articles keep their ids and times;
// only their topics change). A
// file that cannot be read, parsed or saved is reported in the Summary with
// its reason and skipped; the others go on, and nothing of the bad file is
// written.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/site"
	"github.com/paperboy-news/paperboy/store"
)

// Store is what ingest needs of the store.
type Store interface {
	// SourceHashes maps each ingested source file's name to its recorded
	// hash.
	SourceHashes(ctx context.Context) (map[string]string, error)
	// SavePrepared writes one file's edition, encoded by
	// store.PrepareEdition on a worker, in one transaction.
	SavePrepared(ctx context.Context, p *store.PreparedEdition, sourceHash string) (store.EditionChange, error)
	// RemoveSource deletes a source file's articles.
	RemoveSource(ctx context.Context, name string) (int, error)
	// Image returns a picture stored before, by the hash of its file; an
	// error wrapping store.ErrNotFound when there is none.
	Image(ctx context.Context, id string) (content.Image, error)
}

// Topic tags articles: an article gets Slug when any of Keywords appears
// in its headline, summary or text. It is the site's one Topic type.
type Topic = site.Topic

// Config is what Run scans and how it tags.
type Config struct {
	// PagesDir holds page text files (*.txt, searched recursively), named
	// by edition date.
	PagesDir string
	// MarkdownDir holds Markdown articles (*.md); "" skips Markdown.
	MarkdownDir string
	// Topics tag articles by keyword; see Topic. Topics a Markdown article
	// names in its front matter are kept too.
	Topics []Topic
	// Prune removes the articles of files that were ingested before but
	// are gone from the directories now. Off, they are kept (a page file
	// deleted to save disk space leaves its edition in the archive) and
	// counted in Summary.Gone, unless a new file is recognised as the gone
	// one renamed (see Summary.Renamed): its articles then move.
	Prune bool
	// Logger receives the parsers' warnings; nil discards them.
	Logger *slog.Logger
	// MaxFileSize is the largest file read, in bytes; a larger one fails
	// unread (its name and size in the Summary). Default DefaultMaxFileSize.
	// Parsing takes about ten times a file's size in memory, on up to one
	// file per CPU at once, so this bounds the run's memory (an 8 MB page
	// of 6,000 items ingests at about 95 MB resident, as the README says).
	MaxFileSize int64
}

// DefaultMaxFileSize is Config.MaxFileSize's default: 8 MB, some hundred
// times a real page's text.
const DefaultMaxFileSize = 8 << 20

// maxLoggedWarning bounds a warning's text in the log: a junk tail of
// megabytes must not become one log line of megabytes. The parse command
// shows the whole text.
const maxLoggedWarning = 300

// Progress is reported after each file.
type Progress struct {
	// Done of Total files are through; File is the last one.
	Done, Total int
	File        string
	// Summary is the running total.
	Summary Summary
}

// FileError is a file that was skipped because it could not be read,
// parsed or saved.
type FileError struct {
	File string
	Err  error
}

// Error names the file and what went wrong.
func (e FileError) Error() string { return e.File + ": " + e.Err.Error() }

// Unwrap gives the cause, for errors.Is and errors.As.
func (e FileError) Unwrap() error { return e.Err }

// Summary is what a run did.
type Summary struct {
	// Files is how many files were found.
	Files int
	// Editions is how many files were parsed and saved; Unchanged how many
	// were skipped because their hash had not changed.
	Editions, Unchanged int
	// Added, Updated and Removed count articles, Retagged the unchanged
	// articles whose topics changed; Warnings counts parser (and picture)
	// warnings.
	Added, Updated, Removed, Retagged, Warnings int
	// Pictures counts the photos of the saved editions that have their
	// picture.
	Pictures int
	// Gone lists the files ingested before that are no longer there and
	// that no new file is a rename of; with Config.Prune their articles
	// were removed (and counted in Removed).
	Gone []string
	// Renamed counts new files recognised as renames of gone ones: same
	// page label, and the same bytes or mostly the same articles. Their
	// articles moved to the new edition (the old ones counted in Removed,
	// their permalinks redirecting), even without Config.Prune.
	Renamed int
	// Failed lists the files skipped for errors, in scan order.
	Failed []FileError
	// Elapsed is the run's duration.
	Elapsed time.Duration
}

// Changed reports whether any article was added, updated, removed or
// retagged, so feeds need re-rendering.
func (s Summary) Changed() bool { return s.Added+s.Updated+s.Removed+s.Retagged > 0 }

// Err joins the failures, or is nil if every file went through.
func (s Summary) Err() error {
	errs := make([]error, len(s.Failed))
	for i, f := range s.Failed {
		errs[i] = f
	}
	return errors.Join(errs...)
}

// String is the one-line summary.
func (s Summary) String() string {
	gone := ""
	if s.Renamed > 0 {
		gone = fmt.Sprintf(", %d renamed", s.Renamed)
	}
	if len(s.Gone) > 0 {
		gone += fmt.Sprintf(", %d gone", len(s.Gone))
	}
	pictures := ""
	if s.Pictures > 0 {
		pictures = fmt.Sprintf("%d picture(s), ", s.Pictures)
	}
	return fmt.Sprintf("%d file(s): %d edition(s) saved, %d unchanged, %d failed%s; articles %d added, %d updated, %d removed, %d retagged; %s%d warning(s) in %s",
		s.Files, s.Editions, s.Unchanged, len(s.Failed), gone, s.Added, s.Updated, s.Removed, s.Retagged, pictures, s.Warnings, s.Elapsed.Round(time.Millisecond))
}

// goneFiles lists the stored sources whose files are gone from the
// scanned directories, sorted.
func goneFiles(cfg Config, files []file, stored map[string]string) []string {
	present := make(map[string]bool, len(files))
	for _, f := range files {
		present[f.name] = true
	}
	var gone []string
	for name := range stored {
		scanned := strings.HasPrefix(name, "pages/") || cfg.MarkdownDir != "" && strings.HasPrefix(name, "markdown/")
		if scanned && !present[name] {
			gone = append(gone, name)
		}
	}
	slices.Sort(gone)
	return gone
}

// prune removes the articles of the gone files (Config.Prune).
func prune(ctx context.Context, gone []string, st Store, logger *slog.Logger, sum *Summary) error {
	for _, name := range gone {
		n, err := st.RemoveSource(ctx, name)
		if err != nil {
			return fmt.Errorf("ingest: prune: %w", err)
		}
		sum.Removed += n
		logger.Info("source_file_pruned", "file", name, "articles_removed", n)
	}
	return nil
}

// renameCandidates are the gone files a new file f may be a rename of:
// same directory kind and same page label (the label is part of every id,
// so another page of the day is never one).
func renameCandidates(f file, gone []string, stored map[string]string) []string {
	if _, ok := stored[f.name]; ok {
		return nil
	}
	prefix, _, _ := strings.Cut(f.name, "/")
	label := content.PageLabel(f.name)
	var out []string
	for _, g := range gone {
		if strings.HasPrefix(g, prefix+"/") && content.PageLabel(g) == label {
			out = append(out, g)
		}
	}
	return out
}

// file is one source file found by the scan.
type file struct {
	path     string // on disk
	name     string // in the store: "pages/2021-07-20.txt"
	markdown bool
}

// Run ingests every new or changed file. A file's failure is recorded in
// the Summary and does not stop the run; the error is for what stops it:
// an unreadable directory or a cancelled ctx. progress, if not nil, is
// called after each file.
func Run(ctx context.Context, cfg Config, st Store, progress func(Progress)) (Summary, error) {
	start := time.Now()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	files, err := scan(cfg.PagesDir, "pages", ".txt", false)
	if err != nil {
		return Summary{}, err
	}
	if cfg.MarkdownDir != "" {
		md, err := scan(cfg.MarkdownDir, "markdown", ".md", true)
		if err != nil {
			return Summary{}, err
		}
		files = append(files, md...)
	}
	stored, err := st.SourceHashes(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("ingest: %w", err)
	}
	sum := Summary{Files: len(files)}
	gone := goneFiles(cfg, files, stored)
	if cfg.Prune {
		// Pruned first, so that a renamed file's articles find their
		// tombstones and their old permalinks redirect.
		if err := prune(ctx, gone, st, logger, &sum); err != nil {
			return sum, err
		}
		sum.Gone, gone = gone, nil
	}
	renamed := map[string]bool{}
	// Workers read, hash and parse files ahead while this goroutine saves
	// them one at a time in scan order: parsing and writing overlap, and
	// the store sees a single writer.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := 0
	maxSize := cfg.MaxFileSize
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	storedImage := func(id string) (content.Image, error) { return st.Image(ctx, id) }
	for next := range prepareAhead(ctx, files, stored, newTagger(cfg.Topics), maxSize, storedImage) {
		p := <-next
		if ctx.Err() != nil {
			break
		}
		err := p.err
		if err == nil && !p.unchanged {
			p.enc.MayReplace(slices.DeleteFunc(renameCandidates(p.f, gone, stored), func(g string) bool { return renamed[g] })...)
			var replaced string
			replaced, err = save(ctx, p, st, logger, &sum)
			if replaced != "" {
				renamed[replaced] = true
			}
		}
		if ctx.Err() != nil {
			break
		}
		switch {
		case err != nil:
			sum.Failed = append(sum.Failed, FileError{File: p.f.path, Err: err})
		case p.unchanged:
			sum.Unchanged++
		}
		done++
		if progress != nil {
			sum.Elapsed = time.Since(start)
			progress(Progress{Done: done, Total: len(files), File: p.f.path, Summary: sum})
		}
	}
	for _, name := range gone {
		if !renamed[name] {
			sum.Gone = append(sum.Gone, name)
			logger.Info("source_file_gone", "file", name, "action", "articles kept; ingest -prune removes them")
		}
	}
	sum.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("ingest: stopped after %d of %d files: %w", done, len(files), context.Cause(ctx))
	}
	return sum, nil
}

// prepared is a file read, hashed and, unless unchanged, parsed and
// tagged.
type prepared struct {
	f         file
	hash      string
	unchanged bool
	ed        content.Edition
	// enc is ed encoded for the store, off the single writer's path.
	enc *store.PreparedEdition
	err error
}

// prepareAhead prepares files on as many workers as there are CPUs. It
// sends one channel per file, in scan order, each of which delivers that
// file's result; a bounded window keeps memory flat on large archives.
func prepareAhead(ctx context.Context, files []file, stored map[string]string, tag *tagger, maxSize int64, storedImage imageLookup) <-chan chan prepared {
	workers := runtime.GOMAXPROCS(0)
	out := make(chan chan prepared, 4*workers)
	go func() {
		defer close(out)
		sem := make(chan struct{}, workers)
		for _, f := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			result := make(chan prepared, 1)
			go func() {
				defer func() { <-sem }()
				result <- prepare(f, stored[f.name], tag, maxSize, storedImage)
			}()
			select {
			case out <- result:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// prepare reads and hashes a file and, if its hash is not storedHash,
// parses and tags it.
func prepare(f file, storedHash string, tag *tagger, maxSize int64, storedImage imageLookup) prepared {
	p := prepared{f: f}
	data, err := readLimited(f.path, maxSize)
	if err != nil {
		p.err = err
		return p
	}
	var set imageSet
	var pictures []byte
	var picturesErr error
	if !f.markdown {
		// An unreadable picture directory costs the pictures, not the
		// page: it is saved without them, with a warning, and ingested
		// again once the directory can be read (its fingerprint changes).
		set, pictures, picturesErr = readImageSet(f.path)
	}
	h := sha256.New()
	h.Write(data)
	h.Write(tag.fingerprint)
	// Only a page with pictures hashes them, so pages without keep the
	// hashes they were stored with.
	h.Write(pictures)
	p.hash = hex.EncodeToString(h.Sum(nil))
	if p.hash == storedHash {
		p.unchanged = true
		return p
	}
	p.ed, p.err = parse(f, bytes.NewReader(data))
	if p.err != nil {
		return p
	}
	if len(p.ed.Articles) == 0 {
		// Saving it would delete the edition's articles; a truncated or
		// garbled file must not do that.
		p.err = errors.New("no articles found; the edition stored before is kept: fix the file, or remove it and run 'paperboy ingest -prune' to remove the edition")
		return p
	}
	p.ed.Source = f.name
	for i := range p.ed.Articles {
		p.ed.Articles[i].Source = f.name
		p.ed.Articles[i].Topics = tag.topics(p.ed.Articles[i])
	}
	if picturesErr != nil {
		p.ed.Warnings = append(p.ed.Warnings, content.Warning{File: set.dir, Message: fmt.Sprintf("pictures skipped, photos published without them: %v", picturesErr)})
	}
	images := attachImages(&p.ed, set, storedImage)
	if p.enc, p.err = store.PrepareEdition(p.ed); p.err == nil {
		p.err = p.enc.AttachImages(images)
	}
	return p
}

// ErrTooLarge is returned, wrapped, for a file over Config.MaxFileSize.
var ErrTooLarge = errors.New("file too large")

// readLimited reads the file at path, refusing one over maxSize bytes
// before reading it (and one that grows past it while being read).
func readLimited(path string, maxSize int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	tooLarge := func(size int64) error {
		return fmt.Errorf("%w: %s is larger than content.max_page_size (%s): split the edition into page files, or raise max_page_size in the config file",
			ErrTooLarge, formatSize(size), formatSize(maxSize))
	}
	if fi.Size() > maxSize {
		return nil, tooLarge(fi.Size())
	}
	data := make([]byte, 0, fi.Size()+1)
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxSize+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > maxSize {
		return nil, tooLarge(int64(buf.Len()))
	}
	return buf.Bytes(), nil
}

// formatSize is a byte count for people: "200 MB", "8 MB", "512 KB".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.3g MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.3g KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// truncate cuts s to about max bytes on a rune boundary, saying how much
// was left out.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes; paperboy parse FILE shows all)", s[:cut], len(s)-cut)
}

// save writes a prepared edition and adds what it did to sum; it returns
// the gone source the file was recognised as a rename of, or "".
func save(ctx context.Context, p prepared, st Store, logger *slog.Logger, sum *Summary) (string, error) {
	change, err := st.SavePrepared(ctx, p.enc, p.hash)
	if err != nil {
		return "", err
	}
	if change.Replaced != "" {
		sum.Renamed++
		logger.Info("source_file_renamed", "file", p.f.path, "renamed_from", change.Replaced)
	}
	for _, w := range p.ed.Warnings {
		logger.Warn("parse_warning", "file", p.f.path, "warning", truncate(w.String(), maxLoggedWarning))
	}
	sum.Editions++
	sum.Added += change.Added
	sum.Updated += change.Updated
	sum.Removed += change.Removed
	sum.Retagged += change.Retagged
	sum.Warnings += len(p.ed.Warnings)
	for _, a := range p.ed.Articles {
		if a.Image != nil {
			sum.Pictures++
		}
	}
	return change.Replaced, nil
}

// scan lists the files with the extension under dir, sorted, named in the
// store as prefix + "/" + their slash path under dir.
func scan(dir, prefix, ext string, markdown bool) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			// A page's image directory (pages/2021-07-20/ beside
			// 2021-07-20.txt) holds pictures and their sidecar, no pages.
			if path != dir && !markdown {
				if fi, err := os.Stat(path + ext); err == nil && fi.Mode().IsRegular() {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.EqualFold(filepath.Ext(path), ext) || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files = append(files, file{path: path, name: prefix + "/" + filepath.ToSlash(rel), markdown: markdown})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: scan %s directory: %w", prefix, err)
	}
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return files, nil
}

func parse(f file, r io.Reader) (content.Edition, error) {
	opts := content.ParseOptions{Name: f.path}
	if f.markdown {
		return content.ParseMarkdown(r, opts)
	}
	return content.ParsePage(r, opts)
}

// mentions reports whether any keyword appears in any of the texts.
// Keywords are matched within each text, never across two.
func mentions(texts [][]string, keywords []string) bool {
	for _, k := range keywords {
		if k == "" {
			continue
		}
		for _, group := range texts {
			for _, text := range group {
				if strings.Contains(text, k) {
					return true
				}
			}
		}
	}
	return false
}

// tagger assigns topics by keyword.
type tagger struct {
	list []Topic
	// fingerprint identifies the topic configuration; it goes into each
	// file's hash so that a change retags every file. Empty without topics,
	// so the hash is then the file's own.
	fingerprint []byte
}

func newTagger(topics []Topic) *tagger {
	t := &tagger{list: topics}
	if len(topics) > 0 {
		// Topic order matters: it is the order of an article's topics.
		b, _ := json.Marshal(topics) // strings only: cannot fail
		sum := sha256.Sum256(b)
		t.fingerprint = sum[:]
	}
	return t
}

// topics returns the slugs of the topics whose keywords appear in the
// article's headline, summary or paragraphs, in config order, then the
// topics the article names itself (Markdown front matter) that are not
// among them. A named topic that matches a configured topic's name or slug
// becomes its slug; any other is kept as written.
func (t *tagger) topics(a content.Article) []string {
	parts := [][]string{{a.Kicker, a.Title, a.Subtitle, a.Summary}, a.Paragraphs}
	var slugs []string
	for _, topic := range t.list {
		if mentions(parts, topic.Keywords) || names(a.Topics, topic) {
			slugs = append(slugs, topic.Slug)
		}
	}
	for _, own := range a.Topics {
		if own = strings.TrimSpace(own); own != "" && !slices.ContainsFunc(t.list, func(t Topic) bool { return t.Name == own || t.Slug == own }) && !slices.Contains(slugs, own) {
			slugs = append(slugs, own)
		}
	}
	return slugs
}

// names reports whether the article's own topics name topic.
func names(own []string, topic Topic) bool {
	for _, o := range own {
		if o = strings.TrimSpace(o); o == topic.Name || o == topic.Slug {
			return true
		}
	}
	return false
}
