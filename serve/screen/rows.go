package screen

import (
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

// line returns the cells of row text at width w, to be copied, not
// changed. The row must begin with no style or link left open.
func (c *rowCache) line(text string, w int) uv.Line {
	k := rowKey{text, w}
	c.mu.Lock()
	l, ok := c.cur[k]
	if !ok {
		if l, ok = c.old[k]; ok {
			c.put(k, l)
		}
	}
	c.mu.Unlock()
	if ok {
		return l
	}
	buf := uv.NewScreenBuffer(w, 1)
	uv.NewStyledString(text).Draw(buf, buf.Bounds())
	l = buf.Line(0)
	c.mu.Lock()
	c.put(k, l)
	c.mu.Unlock()
	return l
}

func (c *rowCache) put(k rowKey, l uv.Line) {
	if c.cells+len(l) > c.limit() {
		c.old, c.cur, c.cells = c.cur, map[rowKey]uv.Line{}, 0
	}
	c.cur[k] = l
	c.cells += len(l)
}

// drawRows draws content's rows into buf from the cache; false (nothing
// drawn) when a row begins with a style or link left open by the rows
// above, which only drawing the whole content renders right.
func drawRows(buf *uv.ScreenBuffer, content string) bool {
	text := strings.Split(content, "\n")
	clean := true
	for _, row := range text[:min(len(text), buf.Height())] {
		if clean = endsClean(row, clean); !clean {
			return false
		}
	}
	w := buf.Width()
	for y := range buf.Height() {
		row := ""
		if y < len(text) {
			row = text[y]
		}
		copy(buf.Lines[y], rows.line(row, w))
	}
	return true
}

// untouchSame marks the rows of a frame that are as the terminal shows
// them already, so the renderer does not compare them cell by cell (a new
// code changes a row or two of a screen of fifty). A row is the same when
// its text is and it starts with no style or link left open by the rows
// above, in both frames.
func untouchSame(buf *uv.RenderBuffer, was, now string) {
	old, cur := strings.Split(was, "\n"), strings.Split(now, "\n")
	oldClean, curClean := true, true
	for y := 0; y < len(old) && y < len(cur) && y < len(buf.Touched); y++ {
		if oldClean && curClean && old[y] == cur[y] {
			buf.Touched[y] = nil
		}
		oldClean, curClean = endsClean(old[y], oldClean), endsClean(cur[y], curClean)
	}
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
