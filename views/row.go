package views

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"switchboard/backend"
	"switchboard/themes"
)

// cell is one column of a row: plain text, its ink, its width (0 = take
// what is left), and its alignment.
type cell struct {
	text   string
	alt    string // said instead when text does not fit: the same, shorter
	ink    themes.Ink
	w      int
	right  bool
	keepBg bool // a highlight (a fresh code) that stays on the cursor row
	// grow: the text (an account name) may widen its column into the
	// blank of the flexible cell rather than be cut.
	grow bool
}

// maxCells bounds a row's columns (widths are kept on the stack).
const maxCells = 8

// renderRow lays cells out in exactly width cells, one space between
// columns. A selected row paints every cell on the selection background,
// keeping each cell's foreground, so colours survive the cursor. Columns
// keep their widths, so rows line up, except that a growing cell takes
// what the flexible cell leaves blank, and a cell too narrow for its text
// says its shorter alt.
func renderRow(t *themes.Theme, cells []cell, width int, selected bool) string {
	var ws [maxCells]int
	fixed := 0
	flex := -1
	for i, c := range cells {
		ws[i] = c.w
		if c.w == 0 && flex < 0 {
			flex = i
			continue
		}
		fixed += c.w
	}
	gaps := len(cells) - 1
	if flex >= 0 {
		ws[flex] = max(width-fixed-gaps, 0)
		f := cells[flex]
		blankW := ws[flex] - textWidth(f.text)
		if f.alt != "" && blankW < 0 {
			blankW = ws[flex] - textWidth(f.alt)
		}
		for i, c := range cells {
			if !c.grow {
				continue
			}
			if over := textWidth(c.text) - ws[i]; over > 0 && blankW > 0 {
				d := min(over, blankW)
				ws[i] += d
				ws[flex] -= d
				blankW -= d
			}
		}
	}
	var b strings.Builder
	b.Grow(width + 40*len(cells))
	used := 0
	gap := t.Ink.Gap.Pen(selected)
	for i, c := range cells {
		w := ws[i]
		if used+w > width {
			w = max(width-used, 0)
		}
		if w == 0 {
			continue
		}
		txt := c.text
		tw := textWidth(txt)
		if tw > w && c.alt != "" {
			txt, tw = c.alt, textWidth(c.alt)
		}
		if tw > w {
			txt = ansi.Truncate(txt, w, "…")
			tw = textWidth(txt)
		}
		pen := c.ink.Pen(selected && !c.keepBg)
		if c.right {
			pen.WriteTo(&b, blank(w-tw), txt)
		} else {
			pen.WriteTo(&b, txt, blank(w-tw))
		}
		used += w
		if i < len(cells)-1 && used < width {
			gap.WriteTo(&b, " ")
			used++
		}
	}
	if used < width {
		gap.WriteTo(&b, blank(width-used))
	}
	return b.String()
}

// textWidth is a text's width in cells, as ansi.StringWidth counts it,
// without reading the usual text grapheme by grapheme: printable ASCII,
// the one-cell symbols the panes draw, and colour codes are counted
// directly; anything else goes to ansi.StringWidth.
func textWidth(s string) int {
	w := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= ' ' && c <= '~':
			w++
			i++
		case c == '\x1b' && i+1 < len(s) && s[i+1] == '[':
			// A CSI sequence: parameters, then one final byte.
			j := i + 2
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x3f {
				j++
			}
			if j == len(s) || s[j] < 0x40 || s[j] > 0x7e {
				return ansi.StringWidth(s)
			}
			i = j + 1
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !oneCell(r) {
				return ansi.StringWidth(s)
			}
			w++
			i += n
		default:
			return ansi.StringWidth(s)
		}
	}
	return w
}

// oneCell reports whether r is one of the symbols the dashboard draws
// that take one cell and never join the rune after them.
func oneCell(r rune) bool {
	switch {
	case r >= 0x2500 && r <= 0x259f: // box drawing, blocks
	case r >= 0x2800 && r <= 0x28ff: // braille (spinners)
	case r == '·', r == '×', r == '…', r == '○', r == '●', r == '✓', r == '✗', r == '▸', r == '⏎', r == '—', r == '→':
	default:
		return false
	}
	return true
}

// rowCache keeps rendered rows by (key, version, width, selected) until
// the moment their text changes with time, so an unchanged row is never
// rendered twice and a row showing minutes is rendered once a minute.
type rowCache struct {
	m map[backend.Key]cachedRow
}

type cachedRow struct {
	ver   uint64
	w     int
	sel   bool
	mark  bool
	until time.Time // zero: until the item changes
	s     string
}

func (c *rowCache) get(k backend.Key, ver uint64, w int, sel, mark bool, now time.Time) (cachedRow, bool) {
	r, ok := c.m[k]
	if !ok || r.ver != ver || r.w != w || r.sel != sel || r.mark != mark || (!r.until.IsZero() && !now.Before(r.until)) {
		return cachedRow{}, false
	}
	return r, true
}

func (c *rowCache) put(k backend.Key, r cachedRow) {
	if c.m == nil {
		c.m = map[backend.Key]cachedRow{}
	}
	c.m[k] = r
}

// reset drops the cache (theme change, stale marks moved).
func (c *rowCache) reset() { c.m = nil }

// trim drops the cache when it holds far more rows than are shown.
func (c *rowCache) trim(shown int) {
	if len(c.m) > 4*shown+256 {
		c.reset()
	}
}

// rowSpec says how to cache and draw one kind of row.
type rowSpec[T any] struct {
	key    func(T) backend.Key
	ver    func(T) uint64
	render func(it T, sel bool, c *rowClock) string
}

// visibleRows renders the list's visible window, reusing cached rows,
// and says when the first of them changes with time (zero: none does).
func visibleRows[T any](l *List[T], c *rowCache, w int, now time.Time, spec rowSpec[T]) ([]string, time.Time) {
	out := make([]string, 0, l.height)
	var next time.Time
	for r, it := range l.Window() {
		sel := l.IsCursor(r)
		k, v := spec.key(it), spec.ver(it)
		mark := l.Marked(k) // the row shows it
		row, ok := c.get(k, v, w, sel, mark, now)
		if !ok {
			clk := rowClock{now: now}
			row = cachedRow{ver: v, w: w, sel: sel, mark: mark, s: spec.render(it, sel, &clk), until: clk.next}
			c.put(k, row)
		}
		out = append(out, row.s)
		next = earliest(next, row.until)
	}
	c.trim(l.height)
	return out, next
}

// earliest is the earlier of two moments, zero meaning never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
