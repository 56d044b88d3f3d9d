package main

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

// rendering draws '│' strokes on a dark background, one per row (rows are
// 20px apart, 16.8px text: cells 10px wide), each at the x given.
func rendering(strokeAt ...int) (image.Image, []border) {
	img := image.NewRGBA(image.Rect(0, 0, 60, 20*len(strokeAt)+20))
	for i := range img.Pix {
		img.Pix[i] = 30
	}
	var bs []border
	for row, x := range strokeAt {
		y := float64(20 * (row + 1))
		bs = append(bs, border{x: 20, y: y})
		for py := int(y) - 12; py < int(y)+3; py++ {
			img.Set(x, py, color.RGBA{120, 160, 240, 255})
		}
	}
	return img, bs
}

func TestCheckFindsABorderOutOfLine(t *testing.T) {
	img, bs := rendering(25, 25, 25)
	if err := check(img, bs, nil, 10, 16.8); err != nil {
		t.Fatalf("aligned borders: %v", err)
	}
	img, bs = rendering(25, 27, 25) // a fallback glyph pushed one row's border 2px
	if err := check(img, bs, nil, 10, 16.8); err == nil || !strings.Contains(err.Error(), "wobbles") {
		t.Fatalf("a border 2px out of line: %v", err)
	}
	img, bs = rendering(25, 29, 25) // pushed to its cell's edge
	if err := check(img, bs, nil, 10, 16.8); err == nil || !strings.Contains(err.Error(), "not drawn inside its cell") {
		t.Fatalf("a border at its cell's edge: %v", err)
	}
	// A highlighted row's background is not measured as ink.
	img, bs = rendering(25, 29, 25)
	if err := check(img, bs, []box{{x: 0, y: 25, w: 40, h: 20}}, 10, 16.8); err != nil {
		t.Fatalf("the highlighted row was measured: %v", err)
	}
}

func TestBordersReadsPinnedRows(t *testing.T) {
	pinned, err := pin(row(`<tspan xml:space="preserve" fill="#7aa2f7">│ab│</tspan>`))
	if err != nil {
		t.Fatal(err)
	}
	got := borders(pinned)
	if len(got) != 2 || got[0] != (border{20, 10}) || got[1] != (border{50, 10}) {
		t.Fatalf("borders %v", got)
	}
}
