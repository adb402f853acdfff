// Package photo turns the image files a newsroom supplies into what
// readers get: each file is checked, decoded (JPEG, PNG, WebP), turned
// upright (a JPEG's EXIF orientation), scaled to a few widths and
// re-encoded (JPEG, or PNG for pictures with transparency), so that no
// reader downloads a 20-megapixel original, and no metadata (camera
// serials, GPS positions) leaves the newsroom.
//
// It is pure: bytes in, bytes out. The store keeps the results and the web
// package serves them.
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP decoding

	"github.com/paperboy-news/paperboy/content"
)

// Widths are the widths pictures are served at: a phone's column (480),
// a phone at 2x or a desktop column (960), a desktop at 2x (1600). A
// picture narrower than one of them is not blown up; its own width is then
// the widest.
var Widths = []int{480, 960, 1600}

// MaxPixels bounds a picture's size before it is decoded: a small file can
// claim a huge picture (a decompression bomb), and decoding takes 4 bytes a
// pixel. 40 megapixels is more than any newsroom camera's.
const MaxPixels = 40_000_000

// MaxFileSize is the largest file read, in bytes.
const MaxFileSize = 50 << 20

// JPEGQuality is the re-encoding quality: good for photographs at a
// third of the size of quality 95.
const JPEGQuality = 82

// ErrUnsupported is returned, wrapped, for a file that is not a JPEG, PNG
// or WebP picture.
var ErrUnsupported = errors.New("not a JPEG, PNG or WebP picture")

// File is one rendition with its bytes.
type File struct {
	content.Rendition
	Data []byte
}

// Processed is a supplied file made ready for readers.
type Processed struct {
	// Image is what an article carries: the id and the renditions.
	Image content.Image
	// Files are the renditions' bytes, in Image.Renditions' order.
	Files []File
}

// Process checks, decodes and re-encodes a supplied file. The error says
// what is wrong in words an editor can act on.
func Process(data []byte) (p Processed, err error) {
	// The decoders are written not to panic on bad input; should one
	// still, the picture is refused and the run goes on.
	defer func() {
		if r := recover(); r != nil {
			p, err = Processed{}, fmt.Errorf("file is damaged: the decoder failed: %v", r)
		}
	}()
	if len(data) > MaxFileSize {
		return Processed{}, fmt.Errorf("file is %d MB, more than %d MB", len(data)>>20, MaxFileSize>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Processed{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	switch format {
	case "jpeg", "png", "webp":
	default:
		return Processed{}, fmt.Errorf("%w: it is %s", ErrUnsupported, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Processed{}, fmt.Errorf("picture has no pixels (%dx%d)", cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return Processed{}, fmt.Errorf("picture is %dx%d, more than %d megapixels: scale it down first", cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Processed{}, fmt.Errorf("%s file is damaged: %v", format, err)
	}
	o := 1
	if format == "jpeg" {
		o = jpegOrientation(data)
	}
	p.Image.ID = ID(data)
	opaque := isOpaque(src)
	// The picture as shown: orientations 5 to 8 swap width and height.
	b := src.Bounds()
	dw, dh := b.Dx(), b.Dy()
	if o >= 5 {
		dw, dh = dh, dw
	}
	height := func(w int) int { return max(1, (dh*w+dw/2)/dw) }
	widths := widthsFor(dw)
	// The widest is scaled from the original and then turned upright
	// (turning the smaller picture is cheaper); each narrower one is
	// scaled from the one before, which costs a fraction of scaling the
	// original again and looks the same.
	w := widths[len(widths)-1]
	tw, th := w, height(w)
	if o >= 5 {
		tw, th = th, tw
	}
	imgs := make([]*image.RGBA, len(widths))
	imgs[len(widths)-1] = orient(scale(src, tw, th), o)
	for i := len(widths) - 2; i >= 0; i-- {
		imgs[i] = scale(imgs[i+1], widths[i], height(widths[i]))
	}
	for _, img := range imgs {
		f, err := encode(img, opaque)
		if err != nil {
			return Processed{}, err
		}
		p.Files = append(p.Files, f)
		p.Image.Renditions = append(p.Image.Renditions, f.Rendition)
	}
	return p, nil
}

// ID is the id of a supplied file: the first 32 hex digits of its SHA-256.
func ID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// widthsFor are the rendition widths of a picture w pixels wide.
func widthsFor(w int) []int {
	var out []int
	for _, x := range Widths {
		if x < w {
			out = append(out, x)
		}
	}
	if widest := Widths[len(Widths)-1]; w < widest {
		out = append(out, w)
	}
	return out
}

// scale draws src into a w×h picture with Catmull-Rom resampling (sharp,
// without the ringing of Lanczos); src's own size is copied. The result is
// *image.RGBA, for which x/image/draw has fast paths from what the
// decoders return.
func scale(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if b.Dx() == w && b.Dy() == h {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// encode writes a rendition: JPEG, or PNG when the picture has
// transparency (a logo, a chart), which JPEG would turn black.
func encode(img image.Image, opaque bool) (File, error) {
	var buf bytes.Buffer
	typ, ext := "image/jpeg", ".jpg"
	var err error
	if opaque {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality})
	} else {
		typ, ext = "image/png", ".png"
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	}
	if err != nil {
		return File{}, fmt.Errorf("encode %s: %w", typ, err)
	}
	b := img.Bounds()
	return File{
		// Named by its content, as the supplied file is (ID).
		Rendition: content.Rendition{Name: ID(buf.Bytes()) + ext, Type: typ, Width: b.Dx(), Height: b.Dy(), Size: buf.Len()},
		Data:      buf.Bytes(),
	}, nil
}

// isOpaque reports whether img has no transparent pixel.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}
