package store

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/photo"
)

// testPicture is a JPEG of one colour, processed as ingest does.
func testPicture(t *testing.T, c color.RGBA, w, h int) (*content.Image, NewImage) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	p, err := photo.Process(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ni := NewImage{Image: p.Image}
	for _, f := range p.Files {
		ni.Data = append(ni.Data, f.Data)
	}
	im := p.Image
	return &im, ni
}

func photoArticle(date, caption string) content.Article {
	return content.Article{
		ID:         content.StableID(date, content.KindPhoto, caption),
		Kind:       content.KindPhoto,
		Title:      caption,
		Byline:     "本报记者 林晓 摄",
		Authors:    []content.Author{{Name: "林晓", Role: "记者"}},
		Paragraphs: []string{caption + "。"},
		Date:       date,
	}
}

func saveWithImages(t *testing.T, s *Store, ed content.Edition, hash string, images ...NewImage) EditionChange {
	t.Helper()
	p, err := PrepareEdition(ed)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AttachImages(images); err != nil {
		t.Fatal(err)
	}
	c, err := s.SavePrepared(context.Background(), p, hash)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImagesStoredLoadedAndDeduplicated: pictures saved with an edition
// come back on its articles with their renditions and bytes; the same
// picture in another edition is stored once; an article whose picture
// changes is updated and its edition logged for the feeds.
func TestImagesStoredLoadedAndDeduplicated(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		const date = "2026-11-03"
		red, redNew := testPicture(t, color.RGBA{200, 20, 20, 255}, 1200, 800)
		blue, blueNew := testPicture(t, color.RGBA{20, 20, 200, 255}, 640, 480)
		a1, a2 := photoArticle(date, "工作人员在换热站检修管道"), photoArticle(date, "河滨公园的银杏叶变黄")
		a1.Image, a2.Image = red, blue
		ed := testEdition(date, testArticle(date, "城东区部署冬季供暖检修"), a1, a2)
		ed.Source = "pages/" + date + ".txt"
		if c := saveWithImages(t, s, ed, "h1", redNew, blueNew); c.Added != 3 {
			t.Fatalf("first save: %+v", c)
		}
		arts, err := s.EditionArticles(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		if arts[0].Image != nil {
			t.Errorf("the report has a picture: %+v", arts[0].Image)
		}
		for i, want := range []*content.Image{red, blue} {
			got := arts[i+1].Image
			if got == nil || got.ID != want.ID || !slices.Equal(got.Renditions, want.Renditions) {
				t.Fatalf("photo %d: picture %+v, want %+v", i+1, got, want)
			}
		}
		if n := len(red.Renditions); n != 3 { // 480, 960 and its own 1200
			t.Fatalf("red has %d renditions", n)
		}
		for i, r := range red.Renditions {
			f, err := s.ImageFile(ctx, r.Name)
			if err != nil {
				t.Fatal(err)
			}
			if f.Type != "image/jpeg" || !bytes.Equal(f.Data, redNew.Data[i]) || f.Created.IsZero() {
				t.Errorf("file %s: type %s, %d bytes, created %v", r.Name, f.Type, len(f.Data), f.Created)
			}
		}
		for _, name := range []string{"0123456789abcdef0123456789abcdef.jpg", "../../etc/passwd", "x.gif"} {
			if _, err := s.ImageFile(ctx, name); !errors.Is(err, ErrNotFound) {
				t.Errorf("ImageFile(%q) = %v, want not found", name, err)
			}
		}
		// EditionRange (the feeds' reader) carries pictures too.
		placed, err := s.EditionRange(ctx, "", date, date)
		if err != nil {
			t.Fatal(err)
		}
		if placed[1].Image == nil || placed[1].Image.ID != red.ID {
			t.Errorf("EditionRange lost the picture: %+v", placed[1].Image)
		}

		// The same red picture in another edition: stored once.
		const other = "2026-11-04"
		b := photoArticle(other, "又一张照片")
		b.Image = red
		ed2 := testEdition(other, b)
		ed2.Source = "pages/" + other + ".txt"
		saveWithImages(t, s, ed2, "h2", redNew)
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM image_files`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := len(red.Renditions) + len(blue.Renditions); n != want {
			t.Errorf("%d image files stored, want %d", n, want)
		}

		// Swapping the two pictures updates both photos, and the feeds hear of it.
		gen, err := s.ChangeGeneration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a1.Image, a2.Image = blue, red
		ed = testEdition(date, testArticle(date, "城东区部署冬季供暖检修"), a1, a2)
		ed.Source = "pages/" + date + ".txt"
		if c := saveWithImages(t, s, ed, "h3", redNew, blueNew); c.Updated != 2 || c.Unchanged != 1 {
			t.Fatalf("swap: %+v, want 2 updated, 1 unchanged", c)
		}
		dates, _, err := s.ChangedEditions(ctx, gen)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(dates, []string{date}) {
			t.Errorf("changed editions %v, want [%s]", dates, date)
		}
		got, err := s.Article(ctx, a1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Image == nil || got.Image.ID != blue.ID || !got.Updated.After(got.Created) {
			t.Errorf("after the swap: picture %+v, created %v, updated %v", got.Image, got.Created, got.Updated)
		}

		// Dropping a picture (its file removed) updates the photo too.
		a2.Image = nil
		ed = testEdition(date, testArticle(date, "城东区部署冬季供暖检修"), a1, a2)
		ed.Source = "pages/" + date + ".txt"
		if c := saveWithImages(t, s, ed, "h4", blueNew); c.Updated != 1 {
			t.Fatalf("drop: %+v, want 1 updated", c)
		}
		if got, err := s.Article(ctx, a2.ID); err != nil || got.Image != nil {
			t.Errorf("dropped picture still shown: %+v, %v", got.Image, err)
		}
	})
}

// TestArticlesWithoutImagesKeepTheirHash: the picture's id enters the
// content hash only when there is one, so articles stored before pictures
// existed are not all "corrected" by the upgrade.
func TestArticlesWithoutImagesKeepTheirHash(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		a := testArticle("2026-11-03", "城东区部署冬季供暖检修")
		r, err := newRow(a, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The hash as computed before pictures: the nine content fields.
		if want := contentHash(a, r.authors, r.paragraphs, ""); r.hash != want {
			t.Fatalf("hash %s, want %s", r.hash, want)
		}
		a.Image = &content.Image{ID: "0123456789abcdef0123456789abcdef"}
		r2, err := newRow(a, 0)
		if err != nil {
			t.Fatal(err)
		}
		if r2.hash == r.hash {
			t.Error("a picture does not change the content hash")
		}
	})
}

func TestAttachImagesRefusesBadNames(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		p, err := PrepareEdition(testEdition("2026-11-03", testArticle("2026-11-03", "标题")))
		if err != nil {
			t.Fatal(err)
		}
		bad := []NewImage{
			{Image: content.Image{ID: "nothex", Renditions: []content.Rendition{{Name: "0123456789abcdef0123456789abcdef.jpg"}}}, Data: [][]byte{{1}}},
			{Image: content.Image{ID: "0123456789abcdef0123456789abcdef", Renditions: []content.Rendition{{Name: "../x.jpg"}}}, Data: [][]byte{{1}}},
			{Image: content.Image{ID: "0123456789abcdef0123456789abcdef", Renditions: []content.Rendition{{Name: "0123456789abcdef0123456789abcdef.jpg"}}}},
		}
		for i, im := range bad {
			if err := p.AttachImages([]NewImage{im}); err == nil {
				t.Errorf("case %d accepted", i)
			}
		}
	})
}
