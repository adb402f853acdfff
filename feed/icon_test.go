package feed

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestIcons serves every form of the icon and reads each back as the
// reader would: its media type, its pixels decoded (a corner clear, the
// ground red, the masthead white, at every size), the ICO's directory
// pointing at a PNG, and the feeds naming the bitmaps, read by gofeed.
func TestIcons(t *testing.T) {
	svc, srv := newTestServer(t, memSource{arts: fixture.SampleArticles(t)})
	get := func(path string) (string, []byte) {
		t.Helper()
		resp, body := getOK(t, srv, path)
		return resp.Header.Get("Content-Type"), body
	}
	checkPNG := func(name string, b []byte, size int) {
		t.Helper()
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := img.Bounds(); got != image.Rect(0, 0, size, size) {
			t.Fatalf("%s is %v, want %dx%d", name, got, size, size)
		}
		// On the 64-unit grid: the corner lies outside the rounded
		// ground, (6, 32) on the ground, (32, 16) on the masthead.
		at := func(x, y float64) (r, g, b, a uint32) {
			return img.At(int(x*float64(size)/64), int(y*float64(size)/64)).RGBA()
		}
		if _, _, _, a := at(0, 0); a != 0 {
			t.Errorf("%s: corner alpha %d, want clear", name, a)
		}
		if r, g, b, a := at(6, 32); r>>8 != 0xa5 || g>>8 != 0x12 || b>>8 != 0x1b || a>>8 != 0xff {
			t.Errorf("%s: ground is %02x%02x%02x/%02x, want a5121b opaque", name, r>>8, g>>8, b>>8, a>>8)
		}
		if r, g, b, _ := at(32, 16); r>>8 != 0xff || g>>8 != 0xff || b>>8 != 0xff {
			t.Errorf("%s: masthead is %02x%02x%02x, want white", name, r>>8, g>>8, b>>8)
		}
	}
	for _, tc := range []struct {
		path string
		size int
	}{{IconSmallPath, IconSmallSize}, {IconLargePath, IconLargeSize}} {
		typ, b := get(tc.path)
		if typ != "image/png" {
			t.Errorf("%s served as %q", tc.path, typ)
		}
		checkPNG(tc.path, b, tc.size)
	}
	typ, ico := get(FaviconICOPath)
	if typ != "image/x-icon" {
		t.Errorf("%s served as %q", FaviconICOPath, typ)
	}
	var dir struct {
		Reserved, Type, Count  uint16
		Width, Height, Colours uint8
		Reserved2              uint8
		Planes, Bits           uint16
		Size, Offset           uint32
	}
	if err := binary.Read(bytes.NewReader(ico), binary.LittleEndian, &dir); err != nil {
		t.Fatalf("ICO header: %v", err)
	}
	if dir.Type != 1 || dir.Count != 1 || int(dir.Offset)+int(dir.Size) != len(ico) {
		t.Fatalf("ICO header %+v does not describe its %d bytes", dir, len(ico))
	}
	checkPNG("the ICO's image", ico[dir.Offset:], int(dir.Width))

	if again := iconPNG(IconSmallSize); !bytes.Equal(again, iconPNG(IconSmallSize)) {
		t.Error("two renders of the icon differ: its ETag would change from run to run")
	}

	cfg := svc.Config()
	for _, f := range []Format{RSS, Atom, JSON} {
		_, body := get(FeedPath("", f))
		fd, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := cfg.URL(IconSmallPath)
		if f == JSON {
			want = cfg.URL(IconLargePath) // gofeed takes JSON Feed's icon, not its favicon
		}
		if fd.Image == nil || fd.Image.URL != want {
			t.Errorf("%s: feed image %+v, want %s", f, fd.Image, want)
		}
	}
	_, rss := get(FeedPath("", RSS))
	for _, want := range []string{"<width>144</width>", "<height>144</height>", "<title>" + cfg.Site.Title + "</title>"} {
		if !bytes.Contains(rss, []byte(want)) {
			t.Errorf("RSS <image> lacks %s", want)
		}
	}
	if _, js := get(FeedPath("", JSON)); !bytes.Contains(js, []byte(`"icon": "`+cfg.URL(IconLargePath)+`"`)) {
		t.Errorf("JSON Feed names no large icon %s", cfg.URL(IconLargePath))
	}
}
