package content

import "strings"

// Image is the picture of a photo item, as the store keeps it: the file a
// newsroom supplied, known by the hash of its bytes, served as the
// re-encoded renditions listed here. Readers never get the original.
type Image struct {
	// ID is the first 32 hex digits of the SHA-256 of the supplied file:
	// the same file supplied twice is stored once.
	ID string `json:"id"`
	// Renditions are the widths the picture is served at, narrowest first.
	Renditions []Rendition `json:"renditions"`
}

// Rendition is one re-encoded size of an Image.
type Rendition struct {
	// Name is the file's name on the site: its content hash (32 hex
	// digits of SHA-256) and an extension, so a URL never changes what it
	// names and caches may keep it forever.
	Name string `json:"name"`
	// Type is the media type, "image/jpeg" or "image/png".
	Type   string `json:"type"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// Size is the file's length in bytes.
	Size int `json:"size"`
}

// Largest is the widest rendition; the zero Rendition for an image with
// none.
func (im *Image) Largest() Rendition {
	if im == nil || len(im.Renditions) == 0 {
		return Rendition{}
	}
	return im.Renditions[len(im.Renditions)-1]
}

// AtLeast is the narrowest rendition at least width pixels wide, or the
// widest when none is that wide: what a layout width pixels wide shows
// sharply without sending more than it needs.
func (im *Image) AtLeast(width int) Rendition {
	if im == nil {
		return Rendition{}
	}
	for _, r := range im.Renditions {
		if r.Width >= width {
			return r
		}
	}
	return im.Largest()
}

// Alt is the text that stands for a photo's picture: its caption, as one
// line.
func (a Article) Alt() string {
	return OneLine(strings.Join(a.Paragraphs, " "))
}
