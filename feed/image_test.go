package feed

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/content"
	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestRenderPicture: a photo's picture is the item's one enclosure (RSS
// enclosure and media:content, Atom link rel="enclosure", JSON Feed
// image), 960 px wide when there is such a rendition, and an <img> in the
// content whose alt text (a hostile caption) stays text; a feed without
// pictures declares no Media RSS namespace.
func TestRenderPicture(t *testing.T) {
	cfg := testConfig(t)
	a := fixture.NastyArticle()
	a.Kind = content.KindPhoto
	a.Image = &content.Image{ID: "0123456789abcdef0123456789abcdef", Renditions: []content.Rendition{
		{Name: "11111111111111111111111111111111.jpg", Type: "image/jpeg", Width: 480, Height: 320, Size: 20000},
		{Name: "22222222222222222222222222222222.jpg", Type: "image/jpeg", Width: 960, Height: 640, Size: 70000},
		{Name: "33333333333333333333333333333333.jpg", Type: "image/jpeg", Width: 1600, Height: 1067, Size: 180000},
	}}
	plain := fixture.NastyArticle()
	want := cfg.URL("/images/22222222222222222222222222222222.jpg")
	for _, tf := range formats {
		t.Run(string(tf.format), func(t *testing.T) {
			b, err := tf.render(cfg, cfg.MainMeta(), []content.Article{a, plain})
			if err != nil {
				t.Fatal(err)
			}
			doc := strictCheck(t, tf.format, b)
			fd, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			pic, other := fd.Items[0], fd.Items[1]
			switch tf.format {
			case JSON:
				if pic.Image == nil || pic.Image.URL != want || doc.Items[1].Image != "" {
					t.Errorf("image %+v, want %s; the other item's %q", pic.Image, want, doc.Items[1].Image)
				}
			default:
				if len(pic.Enclosures) != 1 || pic.Enclosures[0].URL != want || pic.Enclosures[0].Length != "70000" || pic.Enclosures[0].Type != "image/jpeg" {
					t.Errorf("enclosures %+v, want %s (70000 bytes)", pic.Enclosures, want)
				}
				if len(other.Enclosures) != 0 {
					t.Errorf("the item without a picture encloses %+v", other.Enclosures)
				}
			}
			if tf.format == RSS {
				mc := pic.Extensions["media"]["content"]
				if len(mc) != 1 || mc[0].Attrs["url"] != want || mc[0].Attrs["width"] != "960" || mc[0].Attrs["height"] != "640" || mc[0].Attrs["fileSize"] != "70000" {
					t.Errorf("media:content %+v", mc)
				}
				only, err := RenderRSS(cfg, cfg.MainMeta(), []content.Article{plain})
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(only, []byte("xmlns:media")) {
					t.Error("a feed without pictures declares the Media RSS namespace")
				}
			}
			img := pic.Content[strings.Index(pic.Content, "<img"):]
			img = img[:strings.Index(img, ">")+1]
			if !strings.Contains(img, `src="`+want+`"`) || !strings.Contains(img, `width="960" height="640"`) || !strings.Contains(img, " 1600w") {
				t.Errorf("content's img: %s", img)
			}
			if !strings.Contains(img, `alt="第一段 &lt;script&gt;`) || strings.Contains(pic.Content, "<script") {
				t.Errorf("the caption is not escaped text in alt: %s", img)
			}
		})
	}
}
