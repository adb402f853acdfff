package feed

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/paperboy-news/paperboy/internal/fixture"
)

// TestOPMLAndStylesheet: /feeds.opml lists every feed in every format,
// the icon is served and named by the Atom feed,
// and each XML feed names /feed.xsl in an xml-stylesheet instruction,
// which is served as a well-formed XSLT style sheet saying how to
// subscribe.
func TestOPMLAndStylesheet(t *testing.T) {
	svc, srv := newTestServer(t, memSource{arts: fixture.SampleArticles(t)})
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		return getOK(t, srv, path)
	}
	_, body := get(OPMLPath)
	var o opml
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	if err := dec.Decode(&o); err != nil {
		t.Fatal(err)
	}
	cfg := svc.Config()
	want := map[string]bool{}
	for _, slug := range []string{"", "flood", "economy"} {
		for _, f := range cfg.Formats {
			want[cfg.URL(FeedPath(slug, f))] = true
		}
	}
	for _, ol := range o.Body.Outlines {
		if !want[ol.XMLURL] || ol.Text == "" {
			t.Errorf("unexpected outline %+v", ol)
		}
		delete(want, ol.XMLURL)
	}
	if len(want) != 0 {
		t.Errorf("OPML lacks %v", want)
	}

	for _, f := range []Format{Atom, RSS} {
		_, feedBody := get(FeedPath("", f))
		if !bytes.Contains(feedBody, []byte(`<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>`)) {
			t.Errorf("%s names no style sheet", f)
		}
	}
	if resp, _ := get(IconPath); resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("icon served as %q", resp.Header.Get("Content-Type"))
	}
	if _, atom := get("/atom.xml"); !bytes.Contains(atom, []byte("<icon>"+cfg.URL(IconSmallPath)+"</icon>")) {
		t.Error("Atom feed has no icon")
	}
	resp, xsl := get("/feed.xsl")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xsl") {
		t.Errorf("style sheet served as %q", resp.Header.Get("Content-Type"))
	}
	dec = xml.NewDecoder(bytes.NewReader(xsl))
	dec.Strict = true
	var root struct {
		XMLName xml.Name
	}
	if err := dec.Decode(&root); err != nil || root.XMLName.Local != "stylesheet" || root.XMLName.Space != "http://www.w3.org/1999/XSL/Transform" {
		t.Errorf("style sheet root %v: %v", root.XMLName, err)
	}
	if !bytes.Contains(xsl, []byte("如何订阅")) {
		t.Error("style sheet does not say how to subscribe")
	}
}
