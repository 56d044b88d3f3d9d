package views

import (
	"strings"
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
	View(now time.Time) string // exactly w×h cells
	SelectedKey() backend.Key
	SetFilter(q string) int // returns matches
	Filter() string
	Ticking(now time.Time) bool // a countdown or spinner is on screen
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

func (p *listPane[T]) HandleKey(msg tea.KeyPressMsg, km *keymap.KeyMap) bool {
	return navigate(p.list, msg, km)
}

// position is "3/120" and the filter, for the pane's title.
func (p *listPane[T]) position() string {
	i, n := p.list.Position()
	s := ""
	if n > 0 {
		s = itoa(i) + "/" + itoa(n)
	}
	return s + p.filterNote()
}

func (p *listPane[T]) filterNote() string {
	if q := p.list.Filter(); q != "" {
		return " · /" + q
	}
	return ""
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

// Box draws a titled border around body (already w-2 × h-2).
func Box(t themes.Theme, title, info, body string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return ""
	}
	border := t.Pane
	ts := t.Title
	if focused {
		border, ts = t.PaneFocused, t.TitleFocused
	}
	bs := border.GetBorderStyle()
	bc := border.UnsetBorderStyle().UnsetPadding().Foreground(border.GetBorderTopForeground())
	inner := w - 2
	head := " " + title + " "
	if info != "" {
		head += info + " "
	}
	headW := Width(head)
	if headW > inner-2 {
		head = Fit(head, inner-2)
		headW = inner - 2
	}
	var b strings.Builder
	b.WriteString(bc.Render(bs.TopLeft + bs.Top))
	if title != "" {
		b.WriteString(ts.Render(head))
	} else {
		b.WriteString(bc.Render(strings.Repeat(bs.Top, headW)))
	}
	b.WriteString(bc.Render(strings.Repeat(bs.Top, max(inner-1-headW, 0)) + bs.TopRight))
	lines := strings.Split(body, "\n")
	left, right := bc.Render(bs.Left), bc.Render(bs.Right)
	for i := 0; i < h-2; i++ {
		b.WriteByte('\n')
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(left)
		if l == "" {
			b.WriteString(blank(inner))
		} else {
			b.WriteString(l) // panes hand over lines exactly inner wide
		}
		b.WriteString(right)
	}
	b.WriteByte('\n')
	b.WriteString(bc.Render(bs.BottomLeft + strings.Repeat(bs.Bottom, inner) + bs.BottomRight))
	return b.String()
}

// blank is n spaces (cached: every frame needs a few).
func blank(n int) string {
	if n < len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

var blanks = strings.Repeat(" ", 512)

// pad fills a body to h lines.
func pad(lines []string, h int) string {
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines[:h], "\n")
}

// empty is a centred hint for a pane with nothing to show.
func empty(t themes.Theme, msg string, w, h int) string {
	lines := make([]string, h)
	if h > 0 {
		mid := h / 2
		pad := max((w-Width(msg))/2, 0)
		lines[mid] = Fit(strings.Repeat(" ", pad)+t.Faint.Render(msg), w)
	}
	return strings.Join(lines, "\n")
}

// tickOf is the render-cache tick for rows that show seconds.
func tickOf(now time.Time) int64 { return now.Unix() }
