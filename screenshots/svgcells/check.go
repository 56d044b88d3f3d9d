package main

import (
	"fmt"
	"html"
	"image"
	"image/png"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A border is one '│' of a pinned SVG: the left x of its cell and the
// row's baseline.
type border struct{ x, y float64 }

var (
	rowYRe  = regexp.MustCompile(`(?s)<text [^>]*y="([0-9.]+)px"[^>]*>(.*?)</text>`)
	placeXs = regexp.MustCompile(` x="([^"]*)"`)
	// freeze's cell backgrounds
	rectRe = regexp.MustCompile(`<rect fill="[^"]*" x="([0-9.]+)px" y="([0-9.]+)px" height="([0-9.]+)px" width="([0-9.]+)px"/>`)
)

// A box is a background freeze drew behind some cells.
type box struct{ x, y, w, h float64 }

func (b box) covers(x0, x1, y float64) bool {
	return y >= b.y && y <= b.y+b.h && x1 > b.x && x0 < b.x+b.w
}

// boxes lists the backgrounds of an SVG.
func boxes(svg string) []box {
	var out []box
	for _, m := range rectRe.FindAllStringSubmatch(svg, -1) {
		var v [4]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(m[i+1], 64)
		}
		out = append(out, box{v[0], v[1], v[3], v[2]})
	}
	return out
}

// checkFile checks a browser's rendering (png) of an SVG: every vertical
// border in one column must be drawn at one x in every row. It pins the
// SVG first (pinning a pinned SVG changes nothing), so the cells it
// expects are the terminal's, whatever the file holds.
func checkFile(svgPath, pngPath string) error {
	pinned, err := readPinned(svgPath)
	if err != nil {
		return err
	}
	f, err := os.Open(pngPath)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %v", pngPath, err)
	}
	size, _ := strconv.ParseFloat(fontSizeRe.FindStringSubmatch(pinned)[1], 64)
	return check(img, borders(pinned), boxes(pinned), size/freezeCellRatio, size)
}

// borders lists the '│' of every row of a pinned SVG.
func borders(pinned string) []border {
	var out []border
	for _, row := range rowYRe.FindAllStringSubmatch(pinned, -1) {
		y, _ := strconv.ParseFloat(row[1], 64)
		for _, span := range tspanRe.FindAllStringSubmatch(row[2], -1) {
			m := placeXs.FindStringSubmatch(span[1])
			if m == nil {
				continue
			}
			xs := strings.Fields(m[1])
			for i, r := range []rune(html.UnescapeString(span[2])) {
				if r == '│' && i < len(xs) {
					x, _ := strconv.ParseFloat(xs[i], 64)
					out = append(out, border{x, y})
				}
			}
		}
	}
	return out
}

// check measures where each border's stroke is drawn (the ink's centre
// across its cell, half-way up the glyph) and fails when a column's
// strokes are not all within half a pixel, or a stroke is not inside its
// cell. A border on a drawn background (a highlighted row) is not
// measured: the background's own edge would read as ink.
func check(img image.Image, bs []border, bgs []box, cell, size float64) error {
	columns := map[float64][]float64{}
	var problems []string
	for _, b := range bs {
		if onBackground(b, bgs, cell, size) {
			continue
		}
		at, ok := stroke(img, b, cell, size)
		if !ok {
			problems = append(problems, fmt.Sprintf("the border in the cell at x=%.2f, row y=%.2f is not drawn inside its cell", b.x, b.y))
			continue
		}
		columns[b.x] = append(columns[b.x], at)
	}
	var xs []float64
	for x := range columns {
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	for _, x := range xs {
		at := columns[x]
		lo, hi := slicesMinMax(at)
		if hi-lo > 0.5 {
			problems = append(problems, fmt.Sprintf("the border in the cell at x=%.2f wobbles: drawn between x=%.1f and x=%.1f across %d rows", x, lo, hi, len(at)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d misaligned borders:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return nil
}

func onBackground(b border, bgs []box, cell, size float64) bool {
	for _, bg := range bgs {
		if bg.covers(b.x-cell, b.x+2*cell, b.y-0.3*size) {
			return true
		}
	}
	return false
}

// stroke is the centre of the ink in a border's cell, measured on the
// pixel row half-way up the glyph against the background at the cell's
// left edge. A centred stroke leaves both edges background; ink at an
// edge means the stroke was pushed out of its place.
func stroke(img image.Image, b border, cell, size float64) (float64, bool) {
	y := int(math.Round(b.y - 0.3*size))
	left, right := int(math.Ceil(b.x)), int(math.Floor(b.x+cell))-1 // the pixels wholly inside the cell
	bg := luma(img, left, y)
	if math.Abs(luma(img, right, y)-bg) > 4 {
		return 0, false
	}
	var sum, weight float64
	for px := left + 1; px < right; px++ {
		w := math.Abs(luma(img, px, y) - bg)
		sum += w * (float64(px) + 0.5)
		weight += w
	}
	if weight < 20 {
		return 0, false
	}
	return sum / weight, true
}

func luma(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func slicesMinMax(v []float64) (lo, hi float64) {
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}
