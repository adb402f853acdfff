package feed

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"sync"
)

// The site's icon comes in the forms readers ask for. The SVG (IconPath)
// is the pages' favicon; feed readers want bitmaps: RSS's <image> must be
// GIF, JPEG or PNG at most 144 pixels wide, Atom's <icon> and JSON Feed's
// favicon are shown small, JSON Feed's icon and the apple-touch-icon
// (which NetNewsWire and phones' home screens use) large, and many readers
// (Feedly, Inoreader, Miniflux) fetch /favicon.ico without looking at the
// page. All are drawn here from one drawing, so they never disagree.
const (
	// IconSmallPath is the 144-pixel PNG icon: RSS <image>, Atom <icon>,
	// JSON Feed favicon.
	IconSmallPath = "/icon-144.png"
	// IconLargePath is the 512-pixel PNG icon: JSON Feed icon and the
	// pages' apple-touch-icon.
	IconLargePath = "/icon-512.png"
	// FaviconICOPath is the icon as readers look for it by convention, a
	// 64-pixel PNG in an ICO file.
	FaviconICOPath = "/favicon.ico"
)

// IconSmallSize and IconLargeSize are the PNG icons' widths and heights.
const (
	IconSmallSize = 144
	IconLargeSize = 512
	faviconSize   = 64
)

// iconRect is a rounded rectangle of the drawing, on a 64-unit grid.
type iconRect struct{ x, y, w, h, r float64 }

// iconRed is the icon's ground, the site's red (#a5121b).
var iconRed = color.NRGBA{0xa5, 0x12, 0x1b, 0xff}

// iconGround and iconMarks are favicon.svg's drawing: a red rounded
// square holding a newspaper's masthead, picture and lines of text.
var (
	iconGround = iconRect{0, 0, 64, 64, 12}
	iconMarks  = []iconRect{
		{12, 12, 40, 8, 2},
		{12, 26, 18, 26, 2},
		{34, 26, 18, 4, 1},
		{34, 34, 18, 4, 1},
		{34, 42, 18, 4, 1},
		{34, 50, 12, 2, 1},
	}
)

// contains reports whether the point (x, y) lies in the rounded rectangle.
func (r iconRect) contains(x, y float64) bool {
	if x < r.x || y < r.y || x > r.x+r.w || y > r.y+r.h {
		return false
	}
	// The nearest point of the rectangle shrunk by the radius; inside
	// when within the radius of it.
	cx := min(max(x, r.x+r.r), r.x+r.w-r.r)
	cy := min(max(y, r.y+r.r), r.y+r.h-r.r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r.r*r.r
}

// iconSamples is how many samples a pixel takes per axis: edges are
// smoothed by the share of samples inside.
const iconSamples = 4

// drawIcon draws the icon size pixels square.
func drawIcon(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scale := 64 / float64(size)
	const n = iconSamples * iconSamples
	for py := range size {
		for px := range size {
			ground, marks := 0, 0
			for sy := range iconSamples {
				for sx := range iconSamples {
					x := (float64(px) + (float64(sx)+0.5)/iconSamples) * scale
					y := (float64(py) + (float64(sy)+0.5)/iconSamples) * scale
					if !iconGround.contains(x, y) {
						continue
					}
					ground++
					for _, m := range iconMarks {
						if m.contains(x, y) {
							marks++
							break
						}
					}
				}
			}
			if ground == 0 {
				continue
			}
			// White marks over red, both as shares of the samples the
			// ground covers; the ground's own coverage is the alpha.
			mix := func(red uint8) uint8 {
				return uint8((255*marks + int(red)*(ground-marks) + ground/2) / ground)
			}
			img.SetNRGBA(px, py, color.NRGBA{mix(iconRed.R), mix(iconRed.G), mix(iconRed.B), uint8((255*ground + n/2) / n)})
		}
	}
	return img
}

// iconPNG is the icon as a PNG size pixels square. The encoding is
// deterministic, so the bytes (and the ETag) stay the same from run to run.
func iconPNG(size int) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, drawIcon(size)); err != nil {
		panic(err) // encoding an in-memory image into a buffer cannot fail
	}
	return b.Bytes()
}

// The bitmaps depend on nothing configured, so they are drawn once per
// process rather than by every Service (each config reload builds one):
// drawing the three takes about 0.2 s.
var (
	iconSmallPNG  = sync.OnceValue(func() []byte { return iconPNG(IconSmallSize) })
	iconLargePNG  = sync.OnceValue(func() []byte { return iconPNG(IconLargeSize) })
	faviconICOPNG = sync.OnceValue(faviconICO)
)

// faviconICO is an ICO file holding one PNG image: every browser and
// reader since Windows Vista reads PNG inside ICO.
func faviconICO() []byte {
	img := iconPNG(faviconSize)
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) } // a bytes.Buffer never fails
	le(uint16(0))                                                      // reserved
	le(uint16(1))                                                      // type: icon
	le(uint16(1))                                                      // one image
	le(uint8(faviconSize))                                             // width
	le(uint8(faviconSize))                                             // height
	le(uint8(0))                                                       // no palette
	le(uint8(0))                                                       // reserved
	le(uint16(1))                                                      // colour planes
	le(uint16(32))                                                     // bits per pixel
	le(uint32(len(img)))                                               // image size
	le(uint32(6 + 16))                                                 // image offset: after this header and entry
	b.Write(img)
	return b.Bytes()
}
