package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// picture is a w×h test picture: left half red, right half blue, and a
// transparent top row when alpha is set.
func picture(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{R: 220, G: 30, B: 30, A: 255}
			if x >= w/2 {
				c = color.NRGBA{R: 30, G: 30, B: 220, A: 255}
			}
			if alpha && y == 0 {
				c.A = 0
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProcess(t *testing.T) {
	type size struct{ w, h int }
	tests := []struct {
		name  string
		data  func(t *testing.T) []byte
		typ   string
		sizes []size
	}{
		{"large jpeg gets every width", func(t *testing.T) []byte { return encodeJPEG(t, picture(2000, 1000, false)) },
			"image/jpeg", []size{{480, 240}, {960, 480}, {1600, 800}}},
		{"mid-size png is not blown up", func(t *testing.T) []byte { return encodePNG(t, picture(700, 350, false)) },
			"image/jpeg", []size{{480, 240}, {700, 350}}},
		{"small picture keeps its size", func(t *testing.T) []byte { return encodeJPEG(t, picture(300, 200, false)) },
			"image/jpeg", []size{{300, 200}}},
		{"exactly a width", func(t *testing.T) []byte { return encodeJPEG(t, picture(960, 640, false)) },
			"image/jpeg", []size{{480, 320}, {960, 640}}},
		{"transparent png stays png", func(t *testing.T) []byte { return encodePNG(t, picture(600, 300, true)) },
			"image/png", []size{{480, 240}, {600, 300}}},
		{"lossy webp", func(t *testing.T) []byte { return readFile(t, "blue-purple-pink.lossy.webp") },
			"image/jpeg", nil},
		{"webp with alpha", func(t *testing.T) []byte { return readFile(t, "gopher-doc.with-alpha.lossless.webp") },
			"image/png", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			p, err := Process(data)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if want := hex.EncodeToString(sum[:16]); p.Image.ID != want {
				t.Errorf("id %s, want %s", p.Image.ID, want)
			}
			if len(p.Files) != len(p.Image.Renditions) || len(p.Files) == 0 {
				t.Fatalf("%d files for %d renditions", len(p.Files), len(p.Image.Renditions))
			}
			if tt.sizes != nil && len(p.Files) != len(tt.sizes) {
				t.Fatalf("%d renditions, want %d", len(p.Files), len(tt.sizes))
			}
			for i, f := range p.Files {
				if f.Type != tt.typ {
					t.Errorf("rendition %d: type %s, want %s", i, f.Type, tt.typ)
				}
				if tt.sizes != nil && (f.Width != tt.sizes[i].w || f.Height != tt.sizes[i].h) {
					t.Errorf("rendition %d: %dx%d, want %dx%d", i, f.Width, f.Height, tt.sizes[i].w, tt.sizes[i].h)
				}
				// The bytes are what the rendition says they are.
				cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
				if err != nil {
					t.Fatalf("rendition %d does not decode: %v", i, err)
				}
				if "image/"+format != f.Type || cfg.Width != f.Width || cfg.Height != f.Height || f.Size != len(f.Data) {
					t.Errorf("rendition %d says %s %dx%d %d bytes, is %s %dx%d %d bytes", i, f.Type, f.Width, f.Height, f.Size, format, cfg.Width, cfg.Height, len(f.Data))
				}
				sum := sha256.Sum256(f.Data)
				if want := hex.EncodeToString(sum[:16]) + map[string]string{"image/jpeg": ".jpg", "image/png": ".png"}[f.Type]; f.Name != want {
					t.Errorf("rendition %d named %s, want %s", i, f.Name, want)
				}
			}
			again, err := Process(data)
			if err != nil {
				t.Fatal(err)
			}
			for i := range again.Files {
				if again.Files[i].Name != p.Files[i].Name {
					t.Errorf("rendition %d: %s the first time, %s the second: names must not change", i, p.Files[i].Name, again.Files[i].Name)
				}
			}
		})
	}
}

// withOrientation puts an EXIF APP1 segment with the orientation tag
// right after a JPEG's SOI marker, as cameras write it.
func withOrientation(jpg []byte, o uint16, order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}) []byte {
	tiff := make([]byte, 0, 26)
	if order == binary.LittleEndian {
		tiff = append(tiff, 'I', 'I')
	} else {
		tiff = append(tiff, 'M', 'M')
	}
	tiff = order.AppendUint16(tiff, 42)
	tiff = order.AppendUint32(tiff, 8)
	tiff = order.AppendUint16(tiff, 1) // one entry
	tiff = order.AppendUint16(tiff, 0x0112)
	tiff = order.AppendUint16(tiff, 3) // SHORT
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, o)
	tiff = order.AppendUint16(tiff, 0)
	tiff = order.AppendUint32(tiff, 0) // no next directory
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestProcessTurnsUpright(t *testing.T) {
	src := encodeJPEG(t, picture(400, 200, false)) // red left, blue right
	tests := []struct {
		name  string
		o     uint16
		order interface {
			binary.ByteOrder
			binary.AppendByteOrder
		}
		w, h   int
		redAt  image.Point // a point that must be red
		blueAt image.Point
	}{
		{"none", 1, binary.BigEndian, 400, 200, image.Pt(50, 100), image.Pt(350, 100)},
		{"upside down", 3, binary.LittleEndian, 400, 200, image.Pt(350, 100), image.Pt(50, 100)},
		// Stored turned left: turned right, the left half becomes the top.
		{"turned left", 6, binary.BigEndian, 200, 400, image.Pt(100, 50), image.Pt(100, 350)},
		{"turned right", 8, binary.LittleEndian, 200, 400, image.Pt(100, 350), image.Pt(100, 50)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Process(withOrientation(src, tt.o, tt.order))
			if err != nil {
				t.Fatal(err)
			}
			f := p.Files[0]
			img, err := jpeg.Decode(bytes.NewReader(f.Data))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Fatalf("%dx%d, want %dx%d", b.Dx(), b.Dy(), tt.w, tt.h)
			}
			if r, _, b, _ := img.At(tt.redAt.X, tt.redAt.Y).RGBA(); r < 2*b {
				t.Errorf("%v is not red", tt.redAt)
			}
			if r, _, b, _ := img.At(tt.blueAt.X, tt.blueAt.Y).RGBA(); b < 2*r {
				t.Errorf("%v is not blue", tt.blueAt)
			}
		})
	}
}

// hugePNG is a valid PNG whose header claims w×h pixels.
func hugePNG(t *testing.T, w, h uint32) []byte {
	b := encodePNG(t, picture(2, 2, false))
	ihdr := b[8+8 : 8+8+13] // after signature, length and type
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	crc := crc32.ChecksumIEEE(b[8+4 : 8+8+13])
	binary.BigEndian.PutUint32(b[8+8+13:], crc)
	return b
}

func TestProcessRefuses(t *testing.T) {
	jpg := encodeJPEG(t, picture(400, 300, false))
	tests := []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"text", []byte("图为抢险人员在现场作业"), "not a JPEG, PNG or WebP", ErrUnsupported},
		{"empty", nil, "not a JPEG, PNG or WebP", ErrUnsupported},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "not a JPEG, PNG or WebP", ErrUnsupported},
		{"truncated jpeg", jpg[:len(jpg)/2], "damaged", nil},
		{"decompression bomb", hugePNG(t, 100000, 100000), "megapixels", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(tt.data)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

// BenchmarkProcess re-encodes a 12-megapixel photograph (4000×3000) to
// every width: the cost per picture at ingest.
func BenchmarkProcess(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for y := 0; y < 3000; y++ {
		for x := 0; x < 4000; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Process(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(12, "megapixels/op")
}

// FuzzProcess: no input makes Process panic, and whatever it accepts
// comes out as renditions that decode to the sizes they claim.
func FuzzProcess(f *testing.F) {
	for _, name := range []string{"blue-purple-pink.lossy.webp", "gopher-doc.with-alpha.lossless.webp"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var jb, pb bytes.Buffer
	jpeg.Encode(&jb, picture(40, 30, false), nil)
	png.Encode(&pb, picture(30, 40, true))
	f.Add(jb.Bytes())
	f.Add(pb.Bytes())
	f.Add(withOrientation(jb.Bytes(), 6, binary.BigEndian))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Large pictures take the path real photographs take (see
		// BenchmarkProcess), seconds each under the fuzzer's coverage
		// counting: small ones find the decoders' corners faster.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > 1<<20 {
			return
		}
		p, err := Process(data)
		if err != nil {
			return
		}
		for _, r := range p.Files {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(r.Data))
			if err != nil || cfg.Width != r.Width || cfg.Height != r.Height {
				t.Fatalf("rendition %s: %v, %dx%d, claims %dx%d", r.Name, err, cfg.Width, cfg.Height, r.Width, r.Height)
			}
		}
	})
}

// TestProcessSurvivesDamage: pictures with bytes overwritten at random (a
// fixed sequence, so a failure repeats) are refused or processed, never
// left to a decoder's panic, and what is accepted decodes as it claims.
func TestProcessSurvivesDamage(t *testing.T) {
	seeds := [][]byte{readFile(t, "blue-purple-pink.lossy.webp"), readFile(t, "gopher-doc.with-alpha.lossless.webp"),
		encodeJPEG(t, picture(40, 30, false)), encodePNG(t, picture(30, 40, true))}
	r := rand.New(rand.NewPCG(1, 1))
	accepted := 0
	for i := range 800 {
		d := bytes.Clone(seeds[i%len(seeds)])
		for range 1 + r.IntN(4) {
			d[r.IntN(len(d))] = byte(r.IntN(256))
		}
		p, err := Process(d)
		if err != nil {
			if strings.Contains(err.Error(), "the decoder failed") {
				t.Fatalf("mutation %d: a decoder panicked: %v", i, err)
			}
			continue
		}
		accepted++
		for _, f := range p.Files {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Data))
			if err != nil || cfg.Width != f.Width || cfg.Height != f.Height {
				t.Fatalf("mutation %d: rendition %s: %v, %dx%d, claims %dx%d", i, f.Name, err, cfg.Width, cfg.Height, f.Width, f.Height)
			}
		}
	}
	t.Logf("%d of 800 damaged pictures still processed", accepted)
}
