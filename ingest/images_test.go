package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
	"github.com/paperboy-news/paperboy/photo"
	"github.com/paperboy-news/paperboy/store"
)

// photoEdition ingests the photo page with the given files in its image
// directory and returns the stored edition, the summary and the log.
func photoEdition(t *testing.T, dir string, s *store.Store) (Summary, []content.Article, string) {
	t.Helper()
	var log bytes.Buffer
	cfg := Config{PagesDir: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	sum := mustRun(t, cfg, s)
	arts, err := s.EditionArticles(context.Background(), fixture.PhotoDate)
	if err != nil {
		t.Fatal(err)
	}
	return sum, arts, log.String()
}

func photoDir(t *testing.T, images map[string][]byte) string {
	t.Helper()
	files := map[string][]byte{fixture.PhotoDate + ".txt": fixture.PhotoPage()}
	for name, data := range images {
		files[filepath.Join(fixture.PhotoDate, name)] = data
	}
	return pagesDir(t, files)
}

// pictureIDs are the ids of the photos' pictures in page order, "" for a
// photo without one; it fails unless the report is first and has none.
func pictureIDs(t *testing.T, arts []content.Article) []string {
	t.Helper()
	if len(arts) != 3 || arts[0].Kind != content.KindArticle || arts[0].Image != nil {
		t.Fatalf("edition: %d articles, first %s with picture %v", len(arts), arts[0].Kind, arts[0].Image)
	}
	var ids []string
	for _, a := range arts[1:] {
		if a.Image == nil {
			ids = append(ids, "")
			continue
		}
		if len(a.Image.Renditions) == 0 {
			t.Fatalf("%s: picture without renditions", a.ID)
		}
		ids = append(ids, a.Image.ID)
	}
	return ids
}

// idOf is the picture id ingest gives a file's bytes.
func idOf(t *testing.T, data []byte) string {
	t.Helper()
	p, err := photo.Process(data)
	if err != nil {
		t.Fatal(err)
	}
	return p.Image.ID
}

// The check: an edition with two photos and two picture files has
// both pictures, in page order; one unreadable file leaves the other
// picture and every article in place, with a warning naming the file.
func TestIngestPicturesInPageOrder(t *testing.T) {
	one, two := fixture.Picture(t, "jpeg", 1200, 800, 1), fixture.Picture(t, "png", 500, 400, 2)
	// "2.png" before "10.jpg": numbers in names count as numbers.
	dir := photoDir(t, map[string][]byte{"2.png": one, "10.jpg": two})
	s := fixture.NewStore(t)

	sum, arts, log := photoEdition(t, dir, s)
	if sum.Added != 3 || sum.Warnings != 0 {
		t.Fatalf("summary %+v; log:\n%s", sum, log)
	}
	if got, want := pictureIDs(t, arts), []string{idOf(t, one), idOf(t, two)}; !slices.Equal(got, want) {
		t.Fatalf("pictures %v, want %v", got, want)
	}

	// Nothing changed: nothing read again.
	if sum, _, _ := photoEdition(t, dir, s); sum.Unchanged != 1 || sum.Editions != 0 {
		t.Fatalf("second run: %+v", sum)
	}

	// The second file becomes unreadable (a truncated upload).
	bad := filepath.Join(dir, fixture.PhotoDate, "10.jpg")
	writeFile(t, bad, two[:len(two)/3])
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(bad, later, later); err != nil {
		t.Fatal(err)
	}
	sum, arts, log = photoEdition(t, dir, s)
	if sum.Updated != 1 || sum.Removed != 0 || sum.Warnings != 1 {
		t.Fatalf("after the bad file: %+v; log:\n%s", sum, log)
	}
	if got, want := pictureIDs(t, arts), []string{idOf(t, one), ""}; !slices.Equal(got, want) {
		t.Fatalf("pictures %v, want %v", got, want)
	}
	if !strings.Contains(log, "10.jpg") || !strings.Contains(log, "picture skipped, photo published without it") {
		t.Errorf("the log does not name the bad file:\n%s", log)
	}
	if len(arts[2].Paragraphs) == 0 || !strings.Contains(arts[2].Paragraphs[0], "银杏") {
		t.Errorf("the photo lost its caption: %+v", arts[2])
	}
}

func TestIngestPictureSidecar(t *testing.T) {
	a, b, c := fixture.Picture(t, "jpeg", 600, 400, 1), fixture.Picture(t, "jpeg", 600, 400, 2), fixture.Picture(t, "jpeg", 600, 400, 3)
	tests := []struct {
		name    string
		images  map[string][]byte
		sidecar string
		want    []string // picture per photo
		warn    []string // in the log
	}{
		{
			name:   "sidecar by caption words and by number",
			images: map[string][]byte{"a.jpg": a, "b.jpg": b},
			// "a" would go first in name order; the sidecar says otherwise.
			sidecar: "# which picture shows which photo\nb.jpg  1\na.jpg\t银杏 叶\n",
			want:    []string{idOf(t, b), idOf(t, a)},
		},
		{
			name:    "one named, the rest in order",
			images:  map[string][]byte{"a.jpg": a, "b.jpg": b},
			sidecar: "a.jpg 2\n",
			want:    []string{idOf(t, b), idOf(t, a)},
		},
		{
			name:   "more files than photos",
			images: map[string][]byte{"1.jpg": a, "2.jpg": b, "3.jpg": c},
			want:   []string{idOf(t, a), idOf(t, b)},
			warn:   []string{"3 picture file(s) for 2 photo(s)", "not used: 3.jpg"},
		},
		{
			name:   "fewer files than photos",
			images: map[string][]byte{"1.jpg": a},
			want:   []string{idOf(t, a), ""},
			warn:   []string{"1 picture file(s) for 2 photo(s)", "without a picture: photo 2"},
		},
		{
			name:    "sidecar mistakes",
			images:  map[string][]byte{"a.jpg": a, "b.jpg": b},
			sidecar: "c.jpg 1\na.jpg 7\nb.jpg 11月\nb.jpg 河滨\n",
			// b.jpg by its last line; a.jpg falls back to page order.
			want: []string{idOf(t, a), idOf(t, b)},
			warn: []string{`no picture file \"c.jpg\"`, "photo 7: the page has 2 photo(s)", `2 photos' captions have \"11月\"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images := tt.images
			if tt.sidecar != "" {
				images = map[string][]byte{SidecarName: []byte(tt.sidecar)}
				for k, v := range tt.images {
					images[k] = v
				}
			}
			s := fixture.NewStore(t)
			sum, arts, log := photoEdition(t, photoDir(t, images), s)
			if sum.Files != 1 {
				t.Errorf("%d files ingested: the sidecar (or the image directory) was taken for a page", sum.Files)
			}
			if got := pictureIDs(t, arts); !slices.Equal(got, tt.want) {
				t.Errorf("pictures %v, want %v; log:\n%s", got, tt.want, log)
			}
			for _, w := range tt.warn {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			if len(tt.warn) == 0 && sum.Warnings != 0 {
				t.Errorf("%d warnings:\n%s", sum.Warnings, log)
			}
		})
	}
}

func TestNaturalCompare(t *testing.T) {
	names := []string{"10.jpg", "2.jpg", "a10.png", "a9.png", "1.jpg", "01b.jpg", "b.jpg"}
	slices.SortFunc(names, naturalCompare)
	want := []string{"1.jpg", "01b.jpg", "2.jpg", "10.jpg", "a9.png", "a10.png", "b.jpg"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %v, want %v", names, want)
	}
}

// reuseCounter counts the pictures ingest looked up (asked) and found
// stored before (reused).
type reuseCounter struct {
	*store.Store
	asked, reused int
}

func (r *reuseCounter) Image(ctx context.Context, id string) (content.Image, error) {
	r.asked++
	im, err := r.Store.Image(ctx, id)
	if err == nil {
		r.reused++
	}
	return im, err
}

// TestIngestSamePictureTwice: two files with the same bytes under two
// photos are one picture, looked up and encoded once.
func TestIngestSamePictureTwice(t *testing.T) {
	one := fixture.Picture(t, "jpeg", 900, 600, 1)
	dir := photoDir(t, map[string][]byte{"1.jpg": one, "2.jpg": one})
	s := &reuseCounter{Store: fixture.NewStore(t)}
	sum, err := Run(context.Background(), Config{PagesDir: dir}, s, nil)
	if err != nil || sum.Pictures != 2 || sum.Warnings != 0 {
		t.Fatalf("run: %+v, %v", sum, err)
	}
	if s.asked != 1 {
		t.Errorf("the picture was looked up %d times, want once", s.asked)
	}
	arts, err := s.EditionArticles(context.Background(), fixture.PhotoDate)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pictureIDs(t, arts), []string{idOf(t, one), idOf(t, one)}; !slices.Equal(got, want) {
		t.Errorf("pictures %v, want %v", got, want)
	}
}

// TestIngestReusesStoredPictures: correcting a page's text keeps its
// pictures without decoding and re-encoding them.
func TestIngestReusesStoredPictures(t *testing.T) {
	ctx := context.Background()
	one, two := fixture.Picture(t, "jpeg", 1200, 800, 1), fixture.Picture(t, "jpeg", 700, 500, 2)
	dir := photoDir(t, map[string][]byte{"1.jpg": one, "2.jpg": two})
	s := &reuseCounter{Store: fixture.NewStore(t)}
	if _, err := Run(ctx, Config{PagesDir: dir}, s, nil); err != nil {
		t.Fatal(err)
	}
	if s.reused != 0 {
		t.Fatalf("%d pictures found stored on the first run", s.reused)
	}
	before, err := s.EditionArticles(ctx, fixture.PhotoDate)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, fixture.PhotoDate+".txt")
	writeFile(t, page, bytes.Replace(fixture.PhotoPage(), []byte("安全供暖"), []byte("稳定供暖"), 1))
	sum, err := Run(ctx, Config{PagesDir: dir}, s, nil)
	if err != nil || sum.Updated != 1 {
		t.Fatalf("correction: %+v, %v", sum, err)
	}
	if s.reused != 2 {
		t.Errorf("%d pictures reused, want 2", s.reused)
	}
	after, err := s.EditionArticles(ctx, fixture.PhotoDate)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if after[i].Image == nil || !slices.Equal(after[i].Image.Renditions, before[i].Image.Renditions) || after[i].Updated != before[i].Updated {
			t.Errorf("photo %d changed with the report's text: %+v", i, after[i].Image)
		}
	}
}

// TestIngestUnreadablePictureDirectory: a picture directory that cannot
// be read costs the pictures, with a warning, not the page.
func TestIngestUnreadablePictureDirectory(t *testing.T) {
	// A file where the directory should be: ReadDir fails as it would on
	// a directory without permission (which root, running tests, has).
	dir := pagesDir(t, map[string][]byte{fixture.PhotoDate + ".txt": fixture.PhotoPage(), fixture.PhotoDate: []byte("not a directory")})
	s := fixture.NewStore(t)
	sum, arts, log := photoEdition(t, dir, s)
	if sum.Added != 3 || sum.Warnings != 1 || len(sum.Failed) != 0 {
		t.Fatalf("summary %+v; log:\n%s", sum, log)
	}
	if got := pictureIDs(t, arts); !slices.Equal(got, []string{"", ""}) {
		t.Errorf("pictures %v", got)
	}
	if !strings.Contains(log, "pictures skipped, photos published without them") {
		t.Errorf("log:\n%s", log)
	}
}
