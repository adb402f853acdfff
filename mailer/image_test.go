package mailer

import (
	"regexp"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/content"
)

// TestRenderPictures: a photo's picture is in the digest as an <img>
// linked from the site and wrapped in the article's link, sized for the
// 560 px column (or its own width when narrower), the caption as alt; a
// photo without a picture shows none.
func TestRenderPictures(t *testing.T) {
	arts := sampleEdition(t, "2021-07-20")
	var photos []int
	for i, a := range arts {
		if a.Kind == content.KindPhoto {
			photos = append(photos, i)
		}
	}
	if len(photos) != 2 {
		t.Fatalf("the sample has %d photos", len(photos))
	}
	arts[photos[0]].Image = &content.Image{ID: "0123456789abcdef0123456789abcdef", Renditions: []content.Rendition{
		{Name: "11111111111111111111111111111111.jpg", Type: "image/jpeg", Width: 480, Height: 320},
		{Name: "22222222222222222222222222222222.jpg", Type: "image/jpeg", Width: 960, Height: 720},
		{Name: "33333333333333333333333333333333.jpg", Type: "image/jpeg", Width: 1600, Height: 1200},
	}}
	m := newDigests(t, testConfig(nil, 1), nil, nil)
	b, err := m.render(digestPage{subject: "s", site: m.cfg.Site.Title, digest: "daily", list: "residents", articles: arts})
	if err != nil {
		t.Fatal(err)
	}
	html := b.htmlFor("https://news.example.cn/unsubscribe?t=x")
	tag := `<a href="https://news.example.cn/articles/` + arts[photos[0]].ID + `/" style="text-decoration:none;"><img src="https://news.example.cn/images/22222222222222222222222222222222.jpg" width="560" height="420" alt="`
	if !strings.Contains(html, tag) {
		t.Errorf("html lacks %s", tag)
	}
	if n := len(regexp.MustCompile(`<img `).FindAllString(html, -1)); n != 1 {
		t.Errorf("%d pictures, want 1 (the second photo has none)", n)
	}
	if !strings.Contains(html, `alt="`+content.OneLine(arts[photos[0]].Paragraphs[0])) {
		t.Error("the picture's alt is not its caption")
	}

	// A picture narrower than the column keeps its own size.
	arts[photos[0]].Image.Renditions = arts[photos[0]].Image.Renditions[:0]
	arts[photos[0]].Image.Renditions = append(arts[photos[0]].Image.Renditions,
		content.Rendition{Name: "44444444444444444444444444444444.png", Type: "image/png", Width: 300, Height: 200})
	if v := m.imageOf(arts[photos[0]]); v == nil || v.Width != 300 || v.Height != 200 {
		t.Errorf("a 300×200 picture shows as %+v", v)
	}
}
