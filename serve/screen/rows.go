package screen

import (
	"slices"
	"strings"
	"sync"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// rows holds the cells of rows the screens drew, by text and width, for
// every screen: fifty dashboards showing a new code turn its row into
// cells once, and a screen's unchanged rows are copied rather than parsed
// again. Turning text into cells is most of a frame's cost.
var rows = rowCache{cur: map[rowKey]uv.Line{}}

// maxRowCells bounds the cells the cache holds in each of its two
// generations (112 bytes a cell: 7 MB). With few screens open it holds
// less: the cells they show in each generation (one local dashboard at
// 160×48: 0.9 MB), enough for every row of their frames: a generation
// turns at most once between a row's use and its next, so the row is in
// one of the two.
const maxRowCells = 1 << 16

type rowKey struct {
	text  string
	width int
}

// rowCache keeps two generations: when the current one is full it becomes
// the old one, which goes at the next turn (rows in use are carried over).
type rowCache struct {
	mu       sync.Mutex
	cur, old map[rowKey]uv.Line
	cells    int
	shown    int // the cells of every open screen
}

// show counts a screen's cells in (or, negative, out of) what the cache
// is sized for.
func (c *rowCache) show(cells int) {
	c.mu.Lock()
	c.shown += cells
	c.mu.Unlock()
}

func (c *rowCache) limit() int { return min(maxRowCells, max(c.shown, 1<<12)) }

// draw puts row text into buf's row y. Its cells are kept from the
// second time a screen draws it: a countdown's row is new every second
// and drawn once, so it goes straight into the frame and only its text is
// remembered; a row that stays, or one fifty screens show, becomes cells
// once and is copied after. The row must begin with no style or link
// left open.
func (c *rowCache) draw(buf *uv.ScreenBuffer, y int, text string) {
	w := buf.Width()
	k := rowKey{text, w}
	c.mu.Lock()
	l, seen := c.cur[k]
	if !seen {
		if l, seen = c.old[k]; seen {
			c.put(k, l)
		}
	}
	c.mu.Unlock()
	if l != nil {
		copy(buf.Lines[y], l)
		return
	}
	uv.NewStyledString(text).Draw(buf, uv.Rect(0, y, w, 1))
	var keep uv.Line // none the first time
	if seen {
		keep = slices.Clone(buf.Lines[y])
	}
	c.mu.Lock()
	c.put(k, keep)
	c.mu.Unlock()
}

// put keeps a row's cells, or (nil) that it was seen, in the current
// generation, which turns first if that would fill it.
func (c *rowCache) put(k rowKey, l uv.Line) {
	if was, ok := c.cur[k]; ok {
		c.cells -= weight(k, was)
	}
	if c.cells+weight(k, l) > c.limit() {
		c.old, c.cur, c.cells = c.cur, map[rowKey]uv.Line{}, 0
	}
	c.cur[k] = l
	c.cells += weight(k, l)
}

// weight is what an entry counts for in cells: its cells, or for a row
// seen once its text (a cell is 112 bytes).
func weight(k rowKey, l uv.Line) int {
	if l != nil {
		return len(l)
	}
	return 1 + len(k.text)/112
}

// cleanRows splits content into rows; false when one of its first h
// begins with a style or link left open by the rows above, which only
// drawing the whole content renders right.
func cleanRows(content string, h int) ([]string, bool) {
	text := strings.Split(content, "\n")
	clean := true
	for _, row := range text[:min(len(text), h)] {
		if clean = endsClean(row, clean); !clean {
			return nil, false
		}
	}
	return text, true
}

// drawRows draws clean rows (cleanRows) into buf from the cache, but for
// the rows shown marks (the terminal shows them already).
func drawRows(buf *uv.ScreenBuffer, text []string, shown []bool) {
	for y := range buf.Height() {
		if y < len(shown) && shown[y] {
			continue
		}
		row := ""
		if y < len(text) {
			row = text[y]
		}
		rows.draw(buf, y, row)
	}
}

// sameRows marks the rows of a frame of h clean rows that are as the
// terminal shows them already (was, the clean rows drawn last): their
// text is the same. The last rows up to one that shows a character are
// never marked: the renderer reads them to find blank rows it can erase
// at once.
func sameRows(was, now []string, h int) []bool {
	same := make([]bool, h)
	for y := 0; y < len(was) && y < len(now) && y < h; y++ {
		same[y] = was[y] == now[y]
	}
	for y := h - 1; y >= 0; y-- {
		same[y] = false
		if y < len(now) && strings.TrimSpace(ansi.Strip(now[y])) != "" {
			break
		}
	}
	return same
}

// endsClean says whether a row that starts clean (no style or link open)
// or not ends so: it does when the last style sequence in it is a full
// reset and it has no link. It errs on "not clean".
func endsClean(row string, clean bool) bool {
	for i := strings.IndexByte(row, ansi.ESC); i >= 0 && i+1 < len(row); {
		switch row[i+1] {
		case '[': // CSI: parameters, then a final byte
			j := i + 2
			for j < len(row) && (row[j] < 0x40 || row[j] > 0x7e) {
				j++
			}
			if j < len(row) && row[j] == 'm' {
				params := row[i+2 : j]
				clean = params == "" || params == "0"
			}
		case ']': // OSC: of those, only a link stays open
			if strings.HasPrefix(row[i+2:], "8;") {
				clean = false
			}
		}
		next := strings.IndexByte(row[i+1:], ansi.ESC)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return clean
}
