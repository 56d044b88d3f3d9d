package screen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/jonboulle/clockwork"
)

// terminal is what a Screen wrote, with a signal per write.
type terminal struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes chan struct{}
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b.Write(p)
	select {
	case t.writes <- struct{}{}:
	default:
	}
	return len(p), nil
}

// take returns what was written since the last take.
func (t *terminal) take() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.b.String()
	t.b.Reset()
	return s
}

func (t *terminal) wait(tb testing.TB) {
	tb.Helper()
	select {
	case <-t.writes:
	case <-time.After(10 * time.Second):
		tb.Fatal("the screen wrote nothing")
	}
}

const interval = 16 * time.Millisecond

func newScreen(t *testing.T) (*Screen, *terminal, *clockwork.FakeClock) {
	term := &terminal{writes: make(chan struct{}, 1)}
	clock := clockwork.NewFakeClock()
	s := New(term, Options{Env: []string{"TERM=xterm-256color"}, Profile: colorprofile.ANSI256, Width: 40, Height: 10,
		Frame: interval, Clock: clock})
	t.Cleanup(s.Close)
	return s, term, clock
}

// frame shows v, returns what the screen wrote for it, and lets the frame
// interval pass (the next view is drawn at once).
func frame(t *testing.T, s *Screen, term *terminal, clock *clockwork.FakeClock, v tea.View) string {
	t.Helper()
	s.Show(v)
	term.wait(t)
	defer clock.Advance(time.Second)
	return term.take()
}

func view(content string) tea.View {
	v := tea.NewView(content)
	v.AltScreen, v.WindowTitle = true, "Switchboard"
	return v
}

// The first frame sets the terminal up (alternate screen, no cursor,
// bracketed paste, the keyboard Bubble Tea reads, the title) and draws;
// closing restores every mode it set, in the main screen, cursor shown.
func TestFirstFrameSetsUpAndCloseRestores(t *testing.T) {
	s, term, _ := newScreen(t)
	s.Show(view("hello\nworld"))
	term.wait(t)
	first := term.take()
	for _, want := range []string{ansi.SetModeAltScreenSaveCursor, ansi.ResetModeTextCursorEnable, ansi.SetModeBracketedPaste,
		ansi.SetModifyOtherKeys2, ansi.SetWindowTitle("Switchboard"), "hello", "world"} {
		if !strings.Contains(first, want) {
			t.Errorf("the first frame lacks %q: %q", want, first)
		}
	}
	if strings.Index(first, ansi.SetModeAltScreenSaveCursor) > strings.Index(first, "hello") {
		t.Errorf("drawn before entering the alternate screen: %q", first)
	}
	s.Close()
	last := term.take()
	for _, want := range []string{ansi.ResetModeAltScreenSaveCursor, ansi.SetModeTextCursorEnable, ansi.ResetModeBracketedPaste,
		ansi.ResetModifyOtherKeys, ansi.PopKittyKeyboard(1), ansi.SetWindowTitle("")} {
		if !strings.Contains(last, want) {
			t.Errorf("closing does not restore %q: %q", want, last)
		}
	}
}

// A view like the one drawn wakes nothing and writes nothing; a change
// writes only what changed.
func TestOnlyChangesAreDrawn(t *testing.T) {
	s, term, clock := newScreen(t)
	frame(t, s, term, clock, view("code 111111\nstatus"))
	s.Show(view("code 111111\nstatus"))
	if n := s.Wakes(); n != 1 {
		t.Fatalf("an unchanged view woke the screen: %d wakes", n)
	}
	if got := frame(t, s, term, clock, view("code 222222\nstatus")); !strings.Contains(got, "222222") || strings.Contains(got, "status") {
		t.Fatalf("a changed code wrote %q", got)
	}
}

// Views arriving within a frame of the last one are drawn together, the
// latest winning, once the frame interval is over.
func TestBurstIsOneFrame(t *testing.T) {
	s, term, clock := newScreen(t)
	s.Show(view("one"))
	term.wait(t)
	term.take()
	s.Show(view("two"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 1); err != nil { // waiting out the frame
		t.Fatal(err)
	}
	s.Show(view("three"))
	clock.Advance(interval)
	term.wait(t)
	if got := term.take(); strings.Contains(got, "two") || !strings.Contains(got, "three") {
		t.Fatalf("the burst drew %q", got)
	}
}

// A resize redraws the whole screen, even for the same view.
func TestResizeRedrawsWhole(t *testing.T) {
	s, term, clock := newScreen(t)
	frame(t, s, term, clock, view("left\nbelow"))
	s.Resize(60, 12)
	if got := frame(t, s, term, clock, view("left\nbelow")); !strings.Contains(got, ansi.EraseEntireScreen) || !strings.Contains(got, "below") {
		t.Fatalf("a resize drew %q", got)
	}
}

// A raw sequence (a clipboard write) goes out even when no frame changes.
func TestSendGoesOutAlone(t *testing.T) {
	s, term, clock := newScreen(t)
	frame(t, s, term, clock, view("x"))
	s.Send(ansi.SetSystemClipboard("123456"))
	term.wait(t)
	if got := term.take(); got != ansi.SetSystemClipboard("123456") {
		t.Fatalf("sent %q", got)
	}
}

// A cursor the view places is shown there, and hidden again when a view
// has none.
func TestCursorIsPlacedAndHidden(t *testing.T) {
	s, term, clock := newScreen(t)
	v := view("type here")
	v.Cursor = tea.NewCursor(5, 0)
	if got := frame(t, s, term, clock, v); !strings.HasSuffix(got, ansi.SetModeTextCursorEnable) ||
		!strings.Contains(got, ansi.CursorPosition(6, 1)) && !strings.Contains(got, "\r"+ansi.CursorForward(5)) {
		t.Fatalf("a placed cursor drew %q", got)
	}
	if got := frame(t, s, term, clock, view("type here")); !strings.Contains(got, ansi.ResetModeTextCursorEnable) || strings.Contains(got, ansi.SetModeTextCursorEnable) {
		t.Fatalf("a view without a cursor drew %q", got)
	}
}

// dashboard is a 200×50 screen of styled rows, as a dashboard's.
func dashboard(code string) tea.View {
	var b strings.Builder
	for y := range 50 {
		if y > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "\x1b[94m│\x1b[m\x1b[1m%-8d\x1b[m +7928188%04d  \x1b[2mInstagram  RU  5sim-main\x1b[m%*s\x1b[94m│\x1b[m", y*7919%100000, y, 143, "")
		if y == 20 {
			b.WriteString(" code " + code)
		}
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	return v
}

// BenchmarkCodeFrame: the frame a new code makes on a 200×50 screen (one
// row changed).
func BenchmarkCodeFrame(b *testing.B) {
	s := &Screen{term: uv.NewTerminalRenderer(io.Discard, nil)}
	s.term.Resize(200, 50)
	s.draw(dashboard("000000"), 200, 50, false)
	for i := 0; b.Loop(); i++ {
		s.draw(dashboard(fmt.Sprintf("%06d", i)), 200, 50, false)
		s.term.Flush()
	}
}

// Rows drawn one by one from the cache are the cells drawing the whole
// content makes: styles, wide characters, rows cut at the width, blank
// rows below.
func TestRowsDrawAsTheWholeDoes(t *testing.T) {
	content := strings.Join([]string{
		"\x1b[94m│\x1b[m \x1b[1;31m965929\x1b[m +12642381097 \x1b[2mAds US\x1b[m",
		"✓ 73642 Instagram 日本語 👨‍👩‍👧 café",
		strings.Repeat("wide 語", 20) + "\x1b[7m cut \x1b[0m",
		"",
		"\x1b[38;5;210;48;5;23;1m4\x1b[m plain",
	}, "\n")
	whole, rowwise := uv.NewScreenBuffer(60, 8), uv.NewScreenBuffer(60, 8)
	uv.NewStyledString(content).Draw(whole, whole.Bounds())
	text, clean := cleanRows(content, 8)
	if !clean {
		t.Fatal("clean rows were not drawn from the cache")
	}
	drawRows(&rowwise, text, nil)
	for y := range 8 {
		for x := range 60 {
			if a, b := whole.CellAt(x, y), rowwise.CellAt(x, y); !a.Equal(b) {
				t.Fatalf("cell %d,%d: %+v drawn whole, %+v row by row", x, y, a, b)
			}
		}
	}
}

// A row that leaves a style or a link open colours the next one: such a
// frame is drawn whole, and its rows are never taken as unchanged.
func TestOpenStyleIsNotCut(t *testing.T) {
	for _, row := range []string{"\x1b[1mbold", "\x1b[1mbold\x1b[22m", "\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\"} {
		if endsClean(row, true) {
			t.Errorf("%q ends clean", row)
		}
		if _, clean := cleanRows(row+"\nnext", 2); clean {
			t.Errorf("%q then a row: drawn row by row", row)
		}
	}
	for _, row := range []string{"plain", "\x1b[1mbold\x1b[m", "\x1b[31mred\x1b[0m", "\x1b[1m\x1b[?7lx\x1b[?7h\x1b[m"} {
		if !endsClean(row, true) {
			t.Errorf("%q does not end clean", row)
		}
	}
	if endsClean("plain", false) {
		t.Error("a plain row ends a style left open")
	}
}

// The first frame asks whether the terminal takes frames whole; once it
// said so, every frame is wrapped in synchronized output.
func TestSynchronizedFrames(t *testing.T) {
	s, term, clock := newScreen(t)
	if got := frame(t, s, term, clock, view("one")); !strings.Contains(got, ansi.RequestModeSynchronizedOutput) ||
		strings.Contains(got, ansi.SetModeSynchronizedOutput) {
		t.Fatalf("the first frame: %q", got)
	}
	s.Synchronize()
	got := frame(t, s, term, clock, view("two"))
	if !strings.HasPrefix(got, ansi.SetModeSynchronizedOutput) || !strings.HasSuffix(got, ansi.ResetModeSynchronizedOutput) {
		t.Fatalf("a frame after: %q", got)
	}
}

// TestRowCacheIsSizedByTheScreensOpen: each of the shared row cache's
// generations holds the cells of the screens open, so one local dashboard
// does not keep the 7 MB fifty SSH sessions use (nor the twice its cells
// that held 2.7 MB more at 200×60); it follows resizes and closes.
func TestRowCacheIsSizedByTheScreensOpen(t *testing.T) {
	rows.mu.Lock()
	base := rows.shown
	rows.mu.Unlock()
	s, term, clock := newScreen(t) // 40×10
	limit := func() int { rows.mu.Lock(); defer rows.mu.Unlock(); return rows.limit() }
	if got, want := limit(), min(maxRowCells, max(base+400, 1<<12)); got != want {
		t.Fatalf("limit with a 40×10 screen open: %d cells, want %d", got, want)
	}
	s.Resize(200, 50)
	if got, want := limit(), min(maxRowCells, max(base+10000, 1<<12)); got != want {
		t.Fatalf("limit after a resize to 200×50: %d cells, want %d", got, want)
	}
	frame(t, s, term, clock, dashboard("1"))
	for i := range 100 { // 100 new rows of 200 cells: twice the limit
		drawRow(&rows, fmt.Sprintf("row %d", i), 200)
		drawRow(&rows, fmt.Sprintf("row %d", i), 200) // kept from the second time
	}
	rows.mu.Lock()
	held := rows.cells
	rows.mu.Unlock()
	if held > limit() {
		t.Fatalf("the cache holds %d cells, over its limit of %d", held, limit())
	}
	s.Close()
	if got, want := limit(), min(maxRowCells, max(base, 1<<12)); got != want {
		t.Fatalf("limit after the screen closed: %d cells, want %d", got, want)
	}
}

// TestRowCacheKeepsTheLastFrame: with a generation the size of the one
// screen open, a row of the last frame is still cached when the next
// frame draws it again, however many frames of new rows came before; and
// the cache holds no more than twice the screen's cells.
func TestRowCacheKeepsTheLastFrame(t *testing.T) {
	c := rowCache{cur: map[rowKey]uv.Line{}}
	const w, h = 100, 50
	c.show(w * h)
	row := func(f, y int) rowKey { // a third of the rows change each frame
		if y%3 == 0 {
			return rowKey{fmt.Sprintf("frame %d row %d", f, y), w}
		}
		return rowKey{fmt.Sprintf("row %d", y), w}
	}
	for f := range 20 {
		for y := range h {
			k := row(f, y)
			_, inCur := c.cur[k]
			_, inOld := c.old[k]
			if f > 0 && k == row(f-1, y) && !inCur && !inOld {
				t.Fatalf("frame %d: row %d, drawn in the frame before, is no longer cached", f, y)
			}
			drawRow(&c, k.text, w)
		}
		if held := c.cells + heldCells(c.old); held > 2*w*h {
			t.Fatalf("frame %d: %d cells held, over twice the screen's %d", f, held, w*h)
		}
	}
}

// drawRow draws one row through the cache c, as a frame does.
func drawRow(c *rowCache, text string, w int) uv.Line {
	buf := uv.NewScreenBuffer(w, 1)
	c.draw(&buf, 0, text)
	return buf.Line(0)
}

// heldCells counts the cells of a generation's rows.
func heldCells(gen map[rowKey]uv.Line) int {
	n := 0
	for k, l := range gen {
		n += weight(k, l)
	}
	return n
}

// TestRowsDrawnOnceKeepNoCells: a row drawn once (a countdown's, new each
// second) costs the cache its text only; from its second drawing its
// cells are kept and copied, and come out the same as drawn.
func TestRowsDrawnOnceKeepNoCells(t *testing.T) {
	c := rowCache{cur: map[rowKey]uv.Line{}}
	c.show(80 * 24)
	const text = "\x1b[1mcode\x1b[0m 123456 · 4m 59s left"
	first := drawRow(&c, text, 80)
	if l := c.cur[rowKey{text, 80}]; l != nil || c.cells > 1 {
		t.Fatalf("a row drawn once holds %d cells (%d counted)", len(l), c.cells)
	}
	second := drawRow(&c, text, 80)
	if l := c.cur[rowKey{text, 80}]; len(l) != 80 {
		t.Fatalf("a row drawn twice holds %d cells, want 80", len(l))
	}
	third := drawRow(&c, text, 80)
	for x := range 80 {
		if !first[x].Equal(&second[x]) || !first[x].Equal(&third[x]) {
			t.Fatalf("cell %d: %v, %v, %v", x, first[x], second[x], third[x])
		}
	}
	buf := uv.NewScreenBuffer(80, 1)
	for i := range 1000 {
		c.draw(&buf, 0, fmt.Sprintf("%d left", i))
	}
	cells := 0
	for _, gen := range []map[rowKey]uv.Line{c.cur, c.old} {
		for _, l := range gen {
			cells += len(l)
		}
	}
	if cells > 3*80 { // the three drawn twice above
		t.Errorf("1000 rows drawn once keep %d cells", cells)
	}
	if held := c.cells + heldCells(c.old); held > 2*c.limit() {
		t.Fatalf("1000 rows drawn once: %d cells held, over twice the limit of %d", held, c.limit())
	}
}

// TestScratchBuffersOutliveCollections: the buffer a frame is drawn into
// is the same one after a collection (a sync.Pool made it again), and no
// more than keep are held.
func TestScratchBuffersOutliveCollections(t *testing.T) {
	l := buffers{keep: 2}
	a, b, c := l.get(), l.get(), l.get()
	a.Resize(200, 50)
	l.put(a)
	l.put(b)
	l.put(c)
	if len(l.free) != 2 {
		t.Fatalf("%d buffers held, want 2", len(l.free))
	}
	runtime.GC()
	runtime.GC()
	if got := l.get(); got != b && got != a {
		t.Fatal("a buffer put back was made again after a collection")
	}
}

// Rows drawn from earlier frames are not drawn again: the terminal holds
// them. Two screens take turns with the shared scratch buffers, so the
// rows a frame skips hold the other screen's cells; what each terminal
// shows after every frame is still that frame, cell for cell. Frames
// shift, change and blank rows, the last rows among them.
func TestFramesOfChangedRowsShowTheWhole(t *testing.T) {
	const w, h = 48, 12
	pool := []string{
		"", "   ", "plain row", "\x1b[1;31m965929\x1b[m +12642381097 \x1b[2mAds US\x1b[m",
		"✓ 73642 Instagram 日本語 café", "\x1b[7m selected \x1b[m" + strings.Repeat("·", 30),
		"\x1b[38;5;210;48;5;23;1m4\x1b[m countdown 7m 02s", strings.Repeat("wide 語", 12),
		"\x1b[94m│\x1b[m boxed \x1b[94m│\x1b[m", "\x1b[2msynced 2s ago\x1b[m",
	}
	rng := rand.New(rand.NewPCG(7, 13))
	type side struct {
		s    *Screen
		emu  *vt.Emulator
		rows []string
	}
	sides := make([]*side, 2)
	for i := range sides {
		emu := vt.NewEmulator(w, h)
		go func() { _, _ = io.Copy(io.Discard, emu) }() // its answers to the first frame's questions (Close races with Read: left open)
		s := &Screen{term: uv.NewTerminalRenderer(emu, []string{"TERM=xterm-256color"})}
		s.term.SetColorProfile(colorprofile.TrueColor)
		s.term.SetTabStops(-1)
		s.term.SetScrollOptim(false)
		s.term.Resize(w, h)
		rows := make([]string, h)
		for y := range rows {
			rows[y] = pool[rng.IntN(len(pool))]
		}
		sides[i] = &side{s: s, emu: emu, rows: rows}
	}
	for n := range 400 {
		sd := sides[n%2]
		switch rng.IntN(4) {
		case 0: // a new row on top, the rest shifted down (a new code)
			copy(sd.rows[1:], sd.rows[:h-1])
			sd.rows[0] = pool[rng.IntN(len(pool))]
		case 1: // the last rows blank or not
			sd.rows[h-1-rng.IntN(3)] = pool[rng.IntN(3)]
		default: // a few rows change in place
			for range 1 + rng.IntN(3) {
				sd.rows[rng.IntN(h)] = pool[rng.IntN(len(pool))]
			}
		}
		content := strings.Join(sd.rows, "\n")
		sd.s.draw(view(content), w, h, false)
		_ = sd.s.term.Flush()
		want := uv.NewScreenBuffer(w, h)
		uv.NewStyledString(content).Draw(want, want.Bounds())
		for y := range h {
			for x := range w {
				if got, c := sd.emu.CellAt(x, y), want.CellAt(x, y); !cellsAlike(got, c) {
					t.Fatalf("frame %d, cell %d,%d: the terminal shows %q, the frame %q\nframe:\n%s", n, x, y, cellText(got), cellText(c), content)
				}
			}
		}
	}
}

// cellsAlike compares what a terminal shows: the text and its style (an
// emulator's blank cell may be empty where a drawn one is a space).
func cellsAlike(a, b *uv.Cell) bool {
	return cellText(a) == cellText(b) && styleOf(a).Equal(styleOf(b))
}

func cellText(c *uv.Cell) string {
	if c == nil || c.Content == "" {
		return " "
	}
	return c.Content
}

func styleOf(c *uv.Cell) *uv.Style {
	if c == nil {
		return &uv.Style{}
	}
	return &c.Style
}

// counting is a model whose View notes how many views are being made at
// once.
type counting struct {
	now, most *atomic.Int32
}

func (c counting) Init() tea.Cmd                       { return nil }
func (c counting) Update(tea.Msg) (tea.Model, tea.Cmd) { return c, nil }
func (c counting) View() tea.View {
	n := c.now.Add(1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	time.Sleep(time.Millisecond)
	c.now.Add(-1)
	return tea.NewView("x")
}

// Dashboards make their views in turns, one fewer at once than the
// processors (at least one), so a processor stays free for the engine.
func TestViewsAreMadeInTurns(t *testing.T) {
	var now, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		s, _, _ := newScreen(t)
		d := Drawn{Model: counting{&now, &most}, Screen: s}
		wg.Go(func() {
			for range 20 {
				d.View()
			}
		})
	}
	wg.Wait()
	if want := int32(max(1, runtime.GOMAXPROCS(0)-1)); most.Load() != want {
		t.Fatalf("%d views made at once, want %d", most.Load(), want)
	}
}
