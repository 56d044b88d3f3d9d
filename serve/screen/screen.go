// Package screen draws a dashboard's views on a terminal (an SSH
// session's, or the local one) only when they change. Bubble Tea's own renderer wakes on a frame ticker in every
// program, even while nothing changes (50 SSH sessions: 1,500 wake-ups a
// second); a Screen's goroutine sleeps until a new view, a resize or a raw
// sequence arrives, then draws at most once a frame interval, the latest
// view winning. It diffs cells with ultraviolet's TerminalRenderer, the
// same as Bubble Tea.
package screen

import (
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/jonboulle/clockwork"
)

// Options describe the terminal a Screen draws on.
type Options struct {
	Env           []string // the client's environment, with TERM
	Profile       colorprofile.Profile
	Width, Height int
	Frame         time.Duration // the shortest time between two frames
	Clock         clockwork.Clock
	// Local: the program's own terminal, which Bubble Tea puts in raw
	// mode (a newline is not a carriage return too, as it is in an SSH
	// session's emulated terminal).
	Local bool
}

// Screen is one terminal's display. Show, Resize and Send never wait for
// the terminal; Close restores it.
type Screen struct {
	out   io.Writer
	frame time.Duration
	clock clockwork.Clock

	mu      sync.Mutex
	next    tea.View // the latest view shown
	fresh   bool     // next is not drawn yet
	w, h    int
	resized bool
	raw     strings.Builder // sequences sent as they are, before the next frame
	synced  bool            // the terminal takes each frame whole (mode 2026)
	closed  bool
	wake    chan struct{}
	done    chan struct{}

	wakes atomic.Int64 // times the goroutine woke, for tests

	// The drawing goroutine's own.
	term   *uv.TerminalRenderer
	shown  *tea.View    // the last view drawn (nil: none yet)
	last   time.Time    // when it was drawn
	size   uv.Rectangle // its frame
	rows   []string     // its rows, when all began clean (cleanRows)
	cursor bool         // the terminal's cursor is visible
}

// New starts a Screen writing to out.
func New(out io.Writer, o Options) *Screen {
	term := uv.NewTerminalRenderer(out, o.Env)
	term.SetColorProfile(o.Profile)
	term.SetRelativeCursor(true) // inline until the first view says otherwise
	term.SetTabStops(-1)
	// An SSH session's emulated terminal turns \n into \r\n (as Bubble
	// Tea assumes there too); a local one in raw mode does not.
	term.SetMapNewline(!o.Local)
	// No scrolling regions: the panes sit side by side, so a whole-width
	// scroll seldom matches, and looking for one reads every row of every
	// frame, which drawing only the changed rows must not have to fill.
	term.SetScrollOptim(false)
	term.Resize(o.Width, o.Height)
	s := &Screen{out: out, frame: o.Frame, clock: o.Clock, w: o.Width, h: o.Height, term: term, cursor: true,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if s.clock == nil {
		s.clock = clockwork.NewRealClock()
	}
	rows.show(o.Width * o.Height)
	go s.run()
	return s
}

// Show hands the screen a view to draw; a later one replaces it. The
// same view again (the model woke, nothing on screen changed) wakes
// nothing.
func (s *Screen) Show(v tea.View) {
	s.mu.Lock()
	same := sameView(&s.next, &v)
	s.next, s.fresh = v, s.fresh || !same
	s.mu.Unlock()
	if !same {
		s.signal()
	}
}

// Resize tells the screen the terminal's new size: the next frame is
// drawn whole.
func (s *Screen) Resize(w, h int) {
	s.mu.Lock()
	if w == s.w && h == s.h {
		s.mu.Unlock()
		return
	}
	rows.show(w*h - s.w*s.h)
	s.w, s.h, s.resized = w, h, true
	s.mu.Unlock()
	s.signal()
}

// Send writes a sequence the frames do not manage (a clipboard write, a
// bell) as soon as the screen next draws.
func (s *Screen) Send(seq string) {
	s.mu.Lock()
	s.raw.WriteString(seq)
	s.mu.Unlock()
	s.signal()
}

// Synchronize says the terminal supports synchronized output (it said so
// when asked on the first frame): each frame is then shown whole, never
// half drawn.
func (s *Screen) Synchronize() {
	s.mu.Lock()
	s.synced = true
	s.mu.Unlock()
}

// Close draws the last view shown, restores the terminal's modes and
// returns once all of it is written.
func (s *Screen) Close() {
	s.mu.Lock()
	if !s.closed {
		rows.show(-s.w * s.h)
	}
	s.closed = true
	s.mu.Unlock()
	s.signal()
	<-s.done
}

// Wakes counts the times the screen's goroutine woke up.
func (s *Screen) Wakes() int64 { return s.wakes.Load() }

func (s *Screen) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Screen) run() {
	defer close(s.done)
	for range s.wake {
		s.wakes.Add(1)
		s.mu.Lock()
		closed, pending := s.closed, s.fresh || s.resized || s.raw.Len() > 0
		s.mu.Unlock()
		if !pending && !closed {
			continue // taken by the frame before
		}
		if wait := s.frame - s.clock.Since(s.last); wait > 0 && !closed {
			s.clock.Sleep(wait) // what arrives meanwhile joins this frame
		}
		s.mu.Lock()
		v, fresh, w, h, resized, raw, synced := s.next, s.fresh, s.w, s.h, s.resized, s.raw.String(), s.synced
		s.fresh, s.resized, closed = false, false, s.closed
		s.raw.Reset()
		s.mu.Unlock()
		drawing <- struct{}{}
		_, _ = s.term.WriteString(raw)
		if resized {
			s.term.Resize(w, h)
			s.term.Erase()
		}
		if (fresh || resized) && (s.shown == nil || resized || !sameView(s.shown, &v)) {
			if synced {
				_, _ = s.term.WriteString(ansi.SetModeSynchronizedOutput)
			}
			s.draw(v, w, h, resized)
			if synced {
				_, _ = s.term.WriteString(ansi.ResetModeSynchronizedOutput)
			}
			s.last = s.clock.Now()
		}
		if closed {
			s.restore(h)
		}
		<-drawing
		_ = s.term.Flush() // the writer never blocks; a stalled client is cut by it
		if closed {
			return
		}
	}
}

// drawing bounds how many of the process's dashboards make (View) and
// draw frames at once: one fewer than the processors. However many are
// open, the engine, its webhooks and etcd find a processor free, so a
// code's way to the screens does not queue behind fifty screens' frames
// (at 200 accounts the provider's answer waited up to 0.4 s for a
// processor). A frame waits its turn instead; it is the latest view when
// it is drawn.
var drawing = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// scratch holds the cell buffers frames are drawn into: the terminal
// renderer keeps its own model of the screen, so a session at rest needs
// no second buffer of its size.
var scratch = buffers{keep: 2}

// buffers is a free list of cell buffers that keeps up to keep of them
// (as many as frames are drawn at once on a small machine). Not a
// sync.Pool: the collector empties that, and the buffer was made again
// after every other collection (0.6 MB a second with countdowns on
// screen).
type buffers struct {
	mu   sync.Mutex
	free []*uv.ScreenBuffer
	keep int
}

func (l *buffers) get() *uv.ScreenBuffer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b
	}
	b := uv.NewScreenBuffer(0, 0)
	return &b
}

func (l *buffers) put(b *uv.ScreenBuffer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.free) < l.keep {
		l.free = append(l.free, b)
	}
}

// draw renders v as the terminal's next frame (w×h cells).
func (s *Screen) draw(v tea.View, w, h int, resized bool) {
	first := s.shown == nil
	var was tea.View
	if !first {
		was = *s.shown
	}
	if first || was.AltScreen != v.AltScreen {
		if !first {
			s.keyboard(nil)
		}
		if v.AltScreen {
			s.term.EnterAltScreen()
		} else if !first {
			s.term.ExitAltScreen()
		}
		s.keyboard(&v.KeyboardEnhancements) // the alternate screen has its own
		_, _ = s.term.WriteString(ansi.RequestKittyKeyboard)
		if first { // the answer, if any, comes as input: see Synchronize
			_, _ = s.term.WriteString(ansi.RequestModeSynchronizedOutput)
		}
	} else if v.KeyboardEnhancements != was.KeyboardEnhancements {
		_, _ = s.term.WriteString(ansi.KittyKeyboard(kittyFlags(v.KeyboardEnhancements), 1))
	}
	s.modes(was, v, first)
	if s.cursor {
		_, _ = s.term.WriteString(ansi.ResetModeTextCursorEnable) // no cursor running across the update
		s.cursor = false
	}

	buf := scratch.get()
	defer scratch.put(buf)
	content := uv.NewStyledString(v.Content)
	frameH := h
	if !v.AltScreen { // an inline frame is as tall as its content (its first h lines)
		frameH = min(content.Height(), h)
	}
	if v.Content == "" {
		frameH = 0
	}
	buf.Resize(w, frameH)
	// The rows the terminal shows already are neither drawn nor compared
	// (a new code changes a few rows of fifty): the buffer holds another
	// frame's cells there, which the renderer does not read.
	text, clean := cleanRows(v.Content, frameH)
	var shown []bool
	if size := uv.Rect(0, 0, w, frameH); clean && s.rows != nil && size == s.size && !resized && !first && was.AltScreen == v.AltScreen {
		shown = sameRows(s.rows, text, frameH)
	}
	if clean {
		drawRows(buf, text, shown)
	} else {
		content.Draw(buf, uv.Rect(0, 0, w, max(content.Height(), frameH))) // every cell: it blanks them first
	}
	s.rows = text // nil when not clean: the next frame draws every row
	for y := range frameH {
		if y < len(shown) && shown[y] {
			buf.Touched[y] = nil
		} else {
			buf.TouchLine(0, y, w) // changed, or the buffer held another frame
		}
	}
	s.size = uv.Rect(0, 0, w, frameH)
	s.term.Render(buf.RenderBuffer)

	if c := v.Cursor; c != nil {
		s.term.MoveTo(c.X, c.Y)
		_, _ = s.term.WriteString(ansi.SetModeTextCursorEnable)
		s.cursor = true
	}
	s.shown = &v
}

// modes sets the terminal modes v asks for that differ from was (all of
// them on the first frame).
func (s *Screen) modes(was, v tea.View, first bool) {
	w := func(seq string) { _, _ = s.term.WriteString(seq) }
	if first || was.DisableBracketedPasteMode != v.DisableBracketedPasteMode {
		if !v.DisableBracketedPasteMode {
			w(ansi.SetModeBracketedPaste)
		} else if !first {
			w(ansi.ResetModeBracketedPaste)
		}
	}
	if was.ReportFocus != v.ReportFocus {
		w(map[bool]string{true: ansi.SetModeFocusEvent, false: ansi.ResetModeFocusEvent}[v.ReportFocus])
	}
	if was.MouseMode != v.MouseMode {
		if was.MouseMode != tea.MouseModeNone {
			w(ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr)
		}
		switch v.MouseMode {
		case tea.MouseModeCellMotion:
			w(ansi.SetModeMouseButtonEvent + ansi.SetModeMouseExtSgr)
		case tea.MouseModeAllMotion:
			w(ansi.SetModeMouseAnyEvent + ansi.SetModeMouseExtSgr)
		}
	}
	if was.WindowTitle != v.WindowTitle {
		w(ansi.SetWindowTitle(v.WindowTitle))
	}
	if shape(was.Cursor) != shape(v.Cursor) {
		w(ansi.SetCursorStyle(shape(v.Cursor)))
	}
}

// restore undoes what the frames set, leaving the terminal as it was
// found: the cursor below the frame (or back where it was, after the
// alternate screen), visible, every mode off.
func (s *Screen) restore(h int) {
	v := s.shown
	if v == nil {
		return
	}
	s.keyboard(nil)
	s.term.MoveTo(0, max(h-1, 0))
	if v.AltScreen {
		s.term.ExitAltScreen()
	} else {
		_, _ = s.term.WriteString(ansi.EraseScreenBelow)
	}
	if !s.cursor {
		_, _ = s.term.WriteString(ansi.SetModeTextCursorEnable)
	}
	s.modes(*v, tea.View{DisableBracketedPasteMode: true}, false)
}

// keyboard asks for the keyboard enhancements Bubble Tea's renderer asks
// for (its input reader decodes them), or drops them (nil).
func (s *Screen) keyboard(ke *tea.KeyboardEnhancements) {
	if ke == nil {
		_, _ = s.term.WriteString(ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1))
		return
	}
	_, _ = s.term.WriteString(ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(kittyFlags(*ke)))
}

func kittyFlags(ke tea.KeyboardEnhancements) int {
	flags := ansi.KittyDisambiguateEscapeCodes
	for _, f := range []struct {
		on   bool
		flag int
	}{{ke.ReportEventTypes, ansi.KittyReportEventTypes}, {ke.ReportAlternateKeys, ansi.KittyReportAlternateKeys},
		{ke.ReportAllKeysAsEscapeCodes, ansi.KittyReportAllKeysAsEscapeCodes}, {ke.ReportAssociatedText, ansi.KittyReportAssociatedKeys}} {
		if f.on {
			flags |= f.flag
		}
	}
	return flags
}

// shape is the cursor style sequence's number (0: the terminal's default).
func shape(c *tea.Cursor) int {
	if c == nil {
		return 0
	}
	n := int(c.Shape)*2 + 1
	if !c.Blink {
		n++
	}
	return n
}

// sameView: b would draw nothing new over a.
func sameView(a, b *tea.View) bool {
	if (a.Cursor == nil) != (b.Cursor == nil) || a.Cursor != nil && *a.Cursor != *b.Cursor {
		return false
	}
	return a.Content == b.Content && a.AltScreen == b.AltScreen && a.MouseMode == b.MouseMode &&
		a.WindowTitle == b.WindowTitle && a.ReportFocus == b.ReportFocus &&
		a.DisableBracketedPasteMode == b.DisableBracketedPasteMode && a.KeyboardEnhancements == b.KeyboardEnhancements
}
