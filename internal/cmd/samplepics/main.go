// Command samplepics draws the two pictures of the shipped sample edition
// (pages/2021-07-20/): simple illustrations standing in for the
// newsroom's photographs, which are not ours to ship.
//
//	go run ./internal/cmd/samplepics pages/2021-07-20
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

const w, h = 720, 480

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: samplepics DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, img := range map[string]image.Image{"1-flood.jpg": flood(), "2-welding.jpg": welding()} {
		if err := save(filepath.Join(dir, name), img); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func save(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 72}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type canvas struct{ *image.RGBA }

func newCanvas() canvas { return canvas{image.NewRGBA(image.Rect(0, 0, w, h))} }

// gradient fills rows y0..y1 from colour a to b.
func (c canvas) gradient(y0, y1 int, a, b color.RGBA) {
	for y := y0; y < y1; y++ {
		t := float64(y-y0) / float64(y1-y0)
		col := color.RGBA{mix(a.R, b.R, t), mix(a.G, b.G, t), mix(a.B, b.B, t), 255}
		for x := 0; x < w; x++ {
			c.SetRGBA(x, y, col)
		}
	}
}

func mix(a, b uint8, t float64) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t) }

func (c canvas) rect(x0, y0, x1, y1 int, col color.RGBA) {
	for y := max(y0, 0); y < min(y1, h); y++ {
		for x := max(x0, 0); x < min(x1, w); x++ {
			c.SetRGBA(x, y, col)
		}
	}
}

func (c canvas) disc(cx, cy, r float64, col color.RGBA) {
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if (float64(x)-cx)*(float64(x)-cx)+(float64(y)-cy)*(float64(y)-cy) <= r*r && image.Pt(x, y).In(c.Bounds()) {
				c.SetRGBA(x, y, col)
			}
		}
	}
}

// line draws a thick segment as discs along it.
func (c canvas) line(x0, y0, x1, y1, width float64, col color.RGBA) {
	n := int(math.Hypot(x1-x0, y1-y0)) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		c.disc(x0+(x1-x0)*t, y0+(y1-y0)*t, width/2, col)
	}
}

// person draws a worker: helmet, head, body and legs.
func (c canvas) person(x, y float64, coat, helmet color.RGBA) {
	c.line(x-8, y+40, x-10, y+80, 9, color.RGBA{40, 45, 60, 255})
	c.line(x+8, y+40, x+10, y+80, 9, color.RGBA{40, 45, 60, 255})
	c.rect(int(x-15), int(y), int(x+15), int(y+45), coat)
	c.disc(x, y-12, 11, color.RGBA{225, 190, 160, 255})
	c.disc(x, y-18, 12, helmet)
}

// flood: a street under brown water, rescuers by a pump and its hose.
func flood() image.Image {
	c := newCanvas()
	c.gradient(0, 250, color.RGBA{120, 135, 150, 255}, color.RGBA{185, 192, 198, 255})
	for i, b := range []struct{ x, y, bw int }{{20, 90, 120}, {160, 60, 90}, {270, 120, 140}, {430, 70, 110}, {560, 100, 150}} {
		c.rect(b.x, b.y, b.x+b.bw, 260, color.RGBA{uint8(95 + 12*i), uint8(100 + 8*i), 110, 255})
		for wy := b.y + 15; wy < 240; wy += 28 {
			for wx := b.x + 12; wx < b.x+b.bw-14; wx += 26 {
				c.rect(wx, wy, wx+12, wy+14, color.RGBA{70, 80, 95, 255})
			}
		}
	}
	c.gradient(250, h, color.RGBA{140, 115, 80, 255}, color.RGBA{95, 78, 55, 255})
	c.rect(470, 300, 640, 370, color.RGBA{200, 60, 40, 255}) // the pump
	c.rect(480, 280, 560, 305, color.RGBA{170, 45, 30, 255})
	c.disc(500, 372, 18, color.RGBA{30, 30, 30, 255})
	c.disc(610, 372, 18, color.RGBA{30, 30, 30, 255})
	c.line(470, 340, 380, 360, 8, color.RGBA{30, 30, 30, 255}) // the hose
	c.line(380, 360, 250, 395, 8, color.RGBA{30, 30, 30, 255})
	c.person(300, 300, color.RGBA{240, 120, 20, 255}, color.RGBA{250, 200, 30, 255})
	c.person(380, 290, color.RGBA{240, 120, 20, 255}, color.RGBA{250, 200, 30, 255})
	// Muddy water up to the knees, in front of everything.
	for y := 335; y < h; y++ {
		for x := 0; x < w; x++ {
			p := c.RGBAAt(x, y)
			c.SetRGBA(x, y, color.RGBA{mix(p.R, 125, .8), mix(p.G, 100, .8), mix(p.B, 70, .8), 255})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 160; i++ {
		x, y := r.Float64()*w, 255+r.Float64()*(h-255)
		c.line(x, y, x+20+r.Float64()*30, y, 2, color.RGBA{165, 140, 100, 255})
	}
	return c
}

// welding: an orange robot arm welding at a bench, sparks, an engineer.
func welding() image.Image {
	c := newCanvas()
	c.gradient(0, 330, color.RGBA{50, 56, 66, 255}, color.RGBA{80, 88, 98, 255})
	c.gradient(330, h, color.RGBA{105, 110, 115, 255}, color.RGBA{70, 74, 78, 255})
	for x := 30; x < w; x += 120 {
		c.rect(x, 40, x+70, 120, color.RGBA{150, 175, 195, 255}) // windows
	}
	c.rect(120, 300, 260, 360, color.RGBA{60, 80, 110, 255}) // the arm's base
	orange := color.RGBA{235, 120, 25, 255}
	c.line(190, 300, 250, 180, 34, orange)
	c.line(250, 180, 390, 220, 26, orange)
	c.line(390, 220, 430, 285, 16, color.RGBA{90, 90, 95, 255})
	c.disc(250, 180, 22, color.RGBA{60, 60, 65, 255})
	c.rect(380, 300, 620, 330, color.RGBA{150, 150, 155, 255}) // the bench
	c.rect(400, 330, 415, 420, color.RGBA{120, 120, 125, 255})
	c.rect(585, 330, 600, 420, color.RGBA{120, 120, 125, 255})
	c.rect(440, 285, 520, 300, color.RGBA{185, 185, 190, 255})
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 60; i++ {
		a := r.Float64() * 2 * math.Pi
		d := 8 + r.Float64()*55
		c.line(432, 288, 432+math.Cos(a)*d, 288+math.Sin(a)*d*0.7, 2, color.RGBA{255, uint8(200 + r.IntN(55)), 90, 255})
	}
	c.disc(432, 288, 9, color.RGBA{255, 250, 220, 255})
	c.person(640, 290, color.RGBA{40, 90, 170, 255}, color.RGBA{240, 240, 240, 255})
	return c
}
