// Command svgcells pins every character of a freeze SVG to its terminal
// cell, rewriting the files in place, and checks a browser's rendering of
// one (borders drawn at one x in every row):
//
//	go run ./screenshots/svgcells screenshots/*.svg
//	go run ./screenshots/svgcells -check screenshots/wide.svg wide.png
//
// freeze draws each terminal row as one run of flowing text, so a glyph
// its embedded font lacks (the braille spinner) comes from a fallback font
// of another width and pushes the rest of the row sideways: right borders
// wobble in a browser. Its backgrounds already sit on a grid of
// font-size/1.68 per cell; this gives every character the x of its cell
// on that grid (SVG's per-character x list), counting cells the way the
// terminal does (a wide grapheme takes two), so no font can move a column.
package main

import (
	"errors"
	"fmt"
	"html"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

// freezeCellRatio is freeze's font-size to cell-width ratio
// (fontHeightToWidthRatio in its ansi.go).
const freezeCellRatio = 1.68

var (
	fontSizeRe = regexp.MustCompile(`<g [^>]*font-size="([0-9.]+)px"`)
	textRe     = regexp.MustCompile(`(?s)<text x="([0-9.]+)px"([^>]*)>(.*?)</text>`)
	tspanRe    = regexp.MustCompile(`<tspan([^>]*?)(?:/>|>([^<]*)</tspan>)`)
	placeRe    = regexp.MustCompile(` d?x="[^"]*"`)
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "-check" {
		if len(args) < 3 || len(args)%2 == 0 {
			usage()
		}
		failed := false
		for i := 1; i < len(args); i += 2 {
			if err := checkFile(args[i], args[i+1]); err != nil {
				fmt.Fprintf(os.Stderr, "svgcells: %s: %v\n", args[i], err)
				failed = true
			}
		}
		if failed {
			os.Exit(1)
		}
		return
	}
	if len(args) == 0 {
		usage()
	}
	for _, path := range args {
		if err := pinFile(path); err != nil {
			fmt.Fprintf(os.Stderr, "svgcells: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: svgcells file.svg...            pin every character to its cell")
	fmt.Fprintln(os.Stderr, "       svgcells -check file.svg file.png...  check a browser's rendering: borders line up")
	os.Exit(2)
}

func pinFile(path string) error {
	out, err := readPinned(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// readPinned is an SVG file, pinned.
func readPinned(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return pin(string(b))
}

// pin gives every character of every row its cell's x. It refuses an SVG
// whose rows are not freeze's flat runs of tspans rather than guess.
func pin(svg string) (string, error) {
	m := fontSizeRe.FindStringSubmatch(svg)
	if m == nil {
		return "", errors.New("no font size: not an SVG from freeze")
	}
	size, err := strconv.ParseFloat(m[1], 64)
	if err != nil || size <= 0 {
		return "", fmt.Errorf("font size %q", m[1])
	}
	cell := size / freezeCellRatio
	var bad error
	out := textRe.ReplaceAllStringFunc(svg, func(row string) string {
		p := textRe.FindStringSubmatch(row)
		x0, _ := strconv.ParseFloat(p[1], 64)
		if rest := tspanRe.ReplaceAllString(p[3], ""); strings.TrimSpace(rest) != "" && bad == nil {
			bad = fmt.Errorf("a row holds more than tspans: %.40q", rest)
		}
		col := 0
		body := tspanRe.ReplaceAllStringFunc(p[3], func(span string) string {
			q := tspanRe.FindStringSubmatch(span)
			if q[2] == "" {
				return span
			}
			var xs []string
			g := uniseg.NewGraphemes(html.UnescapeString(q[2]))
			for g.Next() {
				x := strconv.FormatFloat(x0+float64(col)*cell, 'f', 2, 64)
				for range g.Runes() { // one x per character; a cluster's later ones sit on its first
					xs = append(xs, x)
				}
				col += ansi.StringWidth(g.Str())
			}
			// The cells' x replaces freeze's dx nudge of wide glyphs (and
			// the x of an earlier run, so pinning twice changes nothing).
			return "<tspan" + placeRe.ReplaceAllString(q[1], "") + ` x="` + strings.Join(xs, " ") + `">` + q[2] + "</tspan>"
		})
		return `<text x="` + p[1] + `px"` + p[2] + ">" + body + "</text>"
	})
	if bad != nil {
		return "", bad
	}
	return out, nil
}
