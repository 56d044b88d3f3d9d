package views

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/themes"
)

// Pane is what the root model needs from each of the four panes.
type Pane interface {
	Title() string
	Info() string // position, counts: shown beside the title
	SetSize(w, h int)
	SetTheme(t themes.Theme)
	HandleKey(msg tea.KeyPressMsg, km *keymap.KeyMap) bool
	View(now time.Time) []string // exactly h lines of w cells
	SelectedKey() backend.Key
	SetFilter(q string) int // returns matches
	Filter() string
	// NextChange is when something the pane shows next changes with
	// time (zero: nothing does), so the clock ticks only for that.
	NextChange(now time.Time) time.Time
	Click(row int)
	Scroll(delta int)
}

// listPane is what the list panes share: a themed, sized list of items
// with a cache of rendered rows.
type listPane[T any] struct {
	t     themes.Theme
	w, h  int
	list  *List[T]
	cache rowCache
	accW  int // the widest account name held: the account column's width
}

// holdAccount widens the account column to an account's name, so short
// names leave room to the others and every row keeps its columns.
func (p *listPane[T]) holdAccount(name string) {
	if w := textWidth(name); w > p.accW {
		p.accW = w
		p.cache.reset()
	}
}

// accountWidth is the account column's width: the widest name held, at
// most what leaves the row's other columns (others wide, gaps counted)
// and room for its flexible one, and never less than least unless the
// names are shorter. A longer name takes what its row leaves blank.
func (p *listPane[T]) accountWidth(least, others, room int) int {
	return max(min(p.accW, max(least, p.w-others-room)), 1)
}

func (p *listPane[T]) SetTheme(t themes.Theme)   { p.t = t; p.cache.reset() }
func (p *listPane[T]) SetSize(w, h int)          { p.w, p.h = w, h; p.list.SetHeight(h) }
func (p *listPane[T]) SelectedKey() backend.Key  { return p.list.SelectedKey() }
func (p *listPane[T]) SetFilter(q string) int    { p.list.SetFilter(q); return p.list.Len() }
func (p *listPane[T]) Filter() string            { return p.list.Filter() }
func (p *listPane[T]) Click(row int)             { p.list.SelectRow(row) }
func (p *listPane[T]) Scroll(d int)              { p.list.Move(d) }
func (p *listPane[T]) Select(k backend.Key) bool { return p.list.Select(k) }

// Redraw forgets rendered rows (account health changed: stale marks move).
func (p *listPane[T]) Redraw() { p.cache.reset() }

// Mark picks the selected item for a bulk action, or drops it.
func (p *listPane[T]) Mark() { p.list.Mark() }

// MarkedKeys are the picked items, in the pane's order.
func (p *listPane[T]) MarkedKeys() []backend.Key { return p.list.MarkedKeys() }

// ClearMarks drops every pick, reporting whether there was one.
func (p *listPane[T]) ClearMarks() bool { return p.list.ClearMarks() }

// ToggleClosed hides finished and expired items, or shows them again.
func (p *listPane[T]) ToggleClosed() { p.list.HideClosed(!p.list.Hidden()) }

// ReadFilterTexts reads up to n more of the filter's texts; true when
// all are read.
func (p *listPane[T]) ReadFilterTexts(n int) bool { return p.list.IndexSome(n) }

// note is one part of a pane title's info: its words, a shorter form,
// and how much it matters (the higher, the longer it stays).
type note struct {
	long, short string
	rank        int
}

// Ranks of the title notes, least important first.
const (
	rankHidden = iota + 1
	rankSort
	rankWaiting
	rankPinned
	rankFilter
	rankMarks
	rankPosition
)

// fitNotes joins the notes, in order, into what a box titled title
// shows beside its title when its inside is w wide: each part whole,
// never cut. When they do not fit, the notes take their short forms, then
// the least important go, then the most important that still fit in full
// get their long forms back.
func fitNotes(title string, w int, notes []note) string {
	room := w - Width(title) - 5 // the spaces and rule around title and notes
	fits := func() bool { return Width(joinNotes(notes)) <= room }
	if fits() {
		return joinNotes(notes)
	}
	long := make([]string, len(notes))
	for i := range notes {
		long[i] = notes[i].long
		notes[i].long = cmp.Or(notes[i].short, notes[i].long)
	}
	for r := rankHidden; r <= rankPosition && !fits(); r++ {
		for i := range notes {
			if notes[i].rank == r {
				notes[i].long = ""
			}
		}
	}
	for r := rankPosition; r >= rankHidden; r-- {
		for i := range notes {
			if short := notes[i].long; notes[i].rank == r && short != "" {
				if notes[i].long = long[i]; !fits() {
					notes[i].long = short
				}
			}
		}
	}
	return joinNotes(notes)
}

func joinNotes(notes []note) string {
	parts := make([]string, 0, len(notes))
	for _, n := range notes {
		if n.long != "" {
			parts = append(parts, n.long)
		}
	}
	return strings.Join(parts, " · ")
}

// hiddenNote says what the list leaves out.
func (p *listPane[T]) hiddenNote() note {
	if p.list.Hidden() {
		return note{"closed hidden", "open only", rankHidden}
	}
	return note{}
}

// markNote counts the marks; it comes right after the position, so a
// narrow title still shows it.
func (p *listPane[T]) markNote() note {
	if n := len(p.list.marks); n > 0 {
		return note{itoa(n) + " marked", "", rankMarks}
	}
	return note{}
}

// markIcon is a picked row's icon.
func (p *listPane[T]) markIcon(k backend.Key, icon string, ink themes.Ink) (string, themes.Ink) {
	if p.list.Marked(k) {
		return "●", p.t.Ink.Accent
	}
	return icon, ink
}

func (p *listPane[T]) HandleKey(msg tea.KeyPressMsg, km *keymap.KeyMap) bool {
	return navigate(p.list, msg, km)
}

// position is "3/120", the marks, the filter and what is hidden, for
// the pane's title.
func (p *listPane[T]) position(title string) string {
	return fitNotes(title, p.w, []note{p.positionNote(), p.markNote(), p.filterNote(), p.hiddenNote()})
}

func (p *listPane[T]) positionNote() note {
	if i, n := p.list.Position(); n > 0 {
		return note{itoa(i) + "/" + itoa(n), "", rankPosition}
	}
	return note{}
}

func (p *listPane[T]) filterNote() note {
	if q := p.list.Filter(); q != "" {
		return note{"/" + q, "", rankFilter}
	}
	return note{}
}

// noMatch is the line shown when the filter hides every item.
func (p *listPane[T]) noMatch(what string) []string {
	if p.list.Len() > 0 {
		return nil
	}
	return []string{Fit(p.t.Faint.Render("no "+what+" matches /"+p.list.Filter()), p.w)}
}

// navigate applies the list keys every pane shares.
func navigate[T any](l *List[T], msg tea.KeyPressMsg, km *keymap.KeyMap) bool {
	switch {
	case matches(msg, km.Up):
		l.Move(-1)
	case matches(msg, km.Down):
		l.Move(1)
	case matches(msg, km.Top):
		l.Top()
	case matches(msg, km.Bottom):
		l.Bottom()
	case matches(msg, km.PageUp):
		l.Page(-1)
	case matches(msg, km.PageDown):
		l.Page(1)
	default:
		return false
	}
	return true
}

// Boxed is a pane in its titled border, h lines: written line by line
// into the frame, so a frame is one string built once.
type Boxed struct {
	top      string
	e        *edges
	body     []string
	inner, h int
}

// Box draws a titled border around body (lines already w-2 wide; missing
// lines are blank). The theme is pointed to: it is kilobytes of styles,
// and every frame draws four boxes.
func Box(t *themes.Theme, title, info string, body []string, w, h int, focused bool) Boxed {
	if w < 4 || h < 2 {
		return Boxed{}
	}
	e := edgesOf(t, w, focused)
	k := topKey{t.Name, title, info, w, focused}
	if top, ok := tops.get(k); ok {
		return Boxed{top: top, e: e, body: body, inner: w - 2, h: h}
	}
	pen, ts := t.Ink.Border, t.Ink.Title
	if focused {
		pen, ts = t.Ink.BorderFocused, t.Ink.TitleFocused
	}
	inner := w - 2
	head := " " + title + " "
	// With no position (nothing matches) info starts with its separator.
	if info = strings.TrimPrefix(info, " · "); info != "" {
		head += info + " "
	}
	headW := Width(head)
	if headW > inner-2 {
		head = Fit(head, inner-2)
		headW = inner - 2
	}
	var b strings.Builder
	b.Grow(4*w + len(head) + 64)
	pen.WriteTo(&b, e.topLeft)
	if title != "" {
		ts.WriteTo(&b, head)
	} else {
		pen.WriteTo(&b, e.rule(headW))
	}
	pen.WriteTo(&b, e.rule(max(inner-1-headW, 0)), e.topRight)
	top := b.String()
	tops.put(k, top)
	return Boxed{top: top, e: e, body: body, inner: inner, h: h}
}

// tops holds the boxes' top lines by what they are drawn from: a title
// changes with its counts, far less often than frames are drawn, and
// every dashboard shows the same ones, while drawing one is a lipgloss
// Render (an underlined title is painted rune by rune).
var tops = topLines{m: map[topKey]string{}}

type topKey struct {
	theme, title, info string
	w                  int
	focused            bool
}

type topLines struct {
	mu sync.Mutex
	m  map[topKey]string
}

// maxTops bounds the cache: titles whose counts keep changing come and go.
const maxTops = 512

func (c *topLines) get(k topKey) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[k]
	return s, ok
}

func (c *topLines) put(k topKey, s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxTops {
		clear(c.m)
	}
	c.m[k] = s
}

// Same reports whether x draws what y does.
func (x Boxed) Same(y Boxed) bool {
	return x.top == y.top && x.e == y.e && x.inner == y.inner && x.h == y.h && slices.Equal(x.body, y.body)
}

// Height is the box's height in lines.
func (x Boxed) Height() int { return x.h }

// WriteLine appends line i of the box to b.
func (x Boxed) WriteLine(b *strings.Builder, i int) {
	switch {
	case i < 0 || i >= x.h:
	case i == 0:
		b.WriteString(x.top)
	case i == x.h-1:
		b.WriteString(x.e.bottom)
	default:
		l := ""
		if i-1 < len(x.body) {
			l = x.body[i-1]
		}
		if l == "" {
			l = blank(x.inner)
		}
		b.WriteString(x.e.left)
		b.WriteString(l) // panes hand over lines exactly inner wide
		b.WriteString(x.e.right)
	}
}

// edges are the painted pieces of a box's border, the same on every
// frame: made once per theme, focus and width.
type edges struct {
	left, right, bottom string
	topLeft, topRight   string // unpainted
	top                 string // the top glyph, inner times, unpainted
	glyph               int    // bytes of one top glyph
}

// rule is n top glyphs, unpainted.
func (e *edges) rule(n int) string { return e.top[:min(n, len(e.top)/e.glyph)*e.glyph] }

type edgeKey struct {
	theme   string
	w       int
	focused bool
}

var edgeCache sync.Map // edgeKey → *edges

func edgesOf(t *themes.Theme, w int, focused bool) *edges {
	k := edgeKey{t.Name, w, focused}
	if e, ok := edgeCache.Load(k); ok {
		return e.(*edges)
	}
	box, pen := t.Pane, t.Ink.Border
	if focused {
		box, pen = t.PaneFocused, t.Ink.BorderFocused
	}
	bs := box.GetBorderStyle()
	inner := w - 2
	e := &edges{left: pen.Paint(bs.Left), right: pen.Paint(bs.Right),
		bottom:  pen.Paint(bs.BottomLeft + strings.Repeat(bs.Bottom, inner) + bs.BottomRight),
		topLeft: bs.TopLeft + bs.Top, topRight: bs.TopRight, top: strings.Repeat(bs.Top, inner), glyph: max(len(bs.Top), 1)}
	edgeCache.Store(k, e)
	return e
}

// blank is n spaces (cached: every frame needs a few).
func blank(n int) string {
	if n <= 0 {
		return ""
	}
	if n < len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

var blanks = strings.Repeat(" ", 512)

// pad fills a body to h lines.
func pad(lines []string, h int) []string {
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines[:h]
}

// empty is a centred hint for a pane with nothing to show.
func empty(t *themes.Theme, msg string, w, h int) []string {
	lines := make([]string, h)
	if h > 0 {
		mid := h / 2
		pad := max((w-Width(msg))/2, 0)
		lines[mid] = Fit(strings.Repeat(" ", pad)+t.Faint.Render(msg), w)
	}
	return lines
}
