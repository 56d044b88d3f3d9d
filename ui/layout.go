package ui

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/views"
)

type rect struct{ x, y, w, h int }

// Sizes: all four panes side by side from 120×32; below that, tabs.
const (
	wideW, wideH = 120, 32
	minW, minH   = 40, 10
)

func (m *Model) narrow() bool { return m.w < wideW || m.h < wideH }

// rects places the panes for the current size, focus and zoom.
func (m *Model) rects() [4]rect {
	var r [4]rect
	body := m.h - 1 // status bar
	switch {
	case m.narrow():
		r[m.focus] = rect{0, 1, m.w, body - 1}
	case m.zoom:
		r[m.focus] = rect{0, 0, m.w, body}
	default:
		lw := m.w * 3 / 5
		balH := min(max(len(m.data.Order)+2, 4), body/3)
		r[paneBalances] = rect{0, 0, lw, balH}
		r[paneLines] = rect{0, balH, lw, body - balH}
		expH := body / 2
		r[paneExpiries] = rect{lw, 0, m.w - lw, expH}
		r[paneQueues] = rect{lw, expH, m.w - lw, body - expH}
	}
	return r
}

// visible reports whether pane i is on screen.
func (m *Model) visible(i int) bool {
	if m.showDet || m.help != nil {
		return false
	}
	return m.rects()[i].w > 0
}

// layout tells each pane its inner size.
func (m *Model) layout() {
	if m.w == 0 {
		return
	}
	for i, r := range m.rects() {
		if r.w > 0 {
			m.panes[i].SetSize(r.w-2, r.h-2)
		}
	}
	m.detail.SetSize(m.w-2, m.h-3)
}

// View renders the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.WindowTitle = "Switchboard"
	if m.o.Demo {
		v.WindowTitle = "Switchboard — DEMO"
	}
	return v
}

func (m *Model) render() string {
	if m.w == 0 || m.h == 0 {
		return ""
	}
	m.drawn = true // index may now place the rest
	if m.w < minW || m.h < minH {
		return tooSmall(m.w, m.h)
	}
	now := m.now
	// The boxes, left column first so right-column boxes follow it.
	var boxes []placed
	top := ""
	switch {
	case m.showDet:
		boxes = append(boxes, placed{0, m.h - 1, views.Box(&m.theme, m.detail.Title(), keymap.First(m.keys.Back)+" back", m.detail.View(now), m.w, m.h-1, true)})
	default:
		if m.narrow() {
			top = m.tabs()
		}
		rs := m.rects()
		for _, i := range []int{paneBalances, paneLines, paneExpiries, paneQueues} {
			r := rs[i]
			if r.w == 0 {
				continue
			}
			p := m.panes[i]
			boxes = append(boxes, placed{r.y, r.h, views.Box(&m.theme, p.Title(), p.Info(), p.View(now), r.w, r.h, i == m.focus)})
		}
	}
	status := m.statusLine()
	writeLine := func(b *strings.Builder, y int) {
		switch {
		case y == m.h-1:
			b.WriteString(status)
		case y == 0 && top != "":
			b.WriteString(top)
		default:
			for _, p := range boxes {
				if i := y - p.y; i >= 0 && i < p.h {
					p.box.WriteLine(b, i)
				}
			}
		}
	}
	if m.help == nil && m.dialog == nil {
		// Nothing drawn over the panes: write the frame once, unless it
		// is drawn from what the last was (an account's event off
		// screen, tens a second at 200 accounts).
		f := frameMemo{h: m.h, top: top, status: status, boxes: boxes}
		if f.same(m.frame) {
			return m.frame.drawn
		}
		var b strings.Builder
		b.Grow(m.frameLen + m.frameLen/8)
		for y := range m.h {
			if y > 0 {
				b.WriteByte('\n')
			}
			writeLine(&b, y)
		}
		m.frameLen = b.Len()
		f.drawn = b.String()
		m.frame = f
		return f.drawn
	}
	m.frame = frameMemo{}
	lines := make([]string, m.h)
	for y := range lines {
		var b strings.Builder
		writeLine(&b, y)
		lines[y] = b.String()
	}
	if m.help != nil {
		box := m.help.view(m)
		overlay(lines, box, (m.w-views.Width(firstLine(box)))/2, 1)
	}
	if m.dialog != nil {
		box := m.dialog.view(m)
		bw, bh := views.Width(firstLine(box)), strings.Count(box, "\n")+1
		overlay(lines, box, (m.w-bw)/2, max((m.h-bh)/2-1, 0))
	}
	return strings.Join(lines, "\n")
}

// placed is a pane's box and where it goes.
type placed struct {
	y, h int
	box  views.Boxed
}

// frameMemo is a frame and what it was drawn from.
type frameMemo struct {
	h           int
	top, status string
	boxes       []placed
	drawn       string
}

// same reports whether f draws the frame m drew (rows are compared as
// the panes' cached strings: the same row is the same string).
func (f frameMemo) same(m frameMemo) bool {
	return m.drawn != "" && f.h == m.h && f.top == m.top && f.status == m.status &&
		slices.EqualFunc(f.boxes, m.boxes, func(a, b placed) bool { return a.y == b.y && a.h == b.h && a.box.Same(b.box) })
}

// tooSmall says, wrapped to the terminal, that it is too small.
func tooSmall(w, h int) string {
	msg := "Switchboard needs at least " + itoa(minW) + "×" + itoa(minH) + "; this terminal is " + itoa(w) + "×" + itoa(h) +
		". Make the window larger."
	return strings.Join(wrapText(msg, w, max(h, 1)), "\n")
}

// barMemo is the status bar and what it was drawn from: it changes
// with these, not with every frame.
type barMemo struct {
	w, focus int
	showDet  bool
	said     uint64
	theme    string
	storage  *backend.StorageHealth
	cluster  *backend.ClusterHealth
	accounts uint64
	sel      backend.Key // the hints follow the selection
	selVer   uint64
	drawn    string
}

// statusLine is the status bar, drawn again only when what it shows
// may have changed (the filter being typed always redraws it).
func (m *Model) statusLine() string {
	if m.filting {
		return m.statusBar()
	}
	k := barMemo{w: m.w, focus: m.focus, showDet: m.showDet, said: m.said, theme: m.theme.Name, storage: m.storage,
		cluster: m.cluster, accounts: m.accountsSeen, sel: m.selectedKey(), selVer: m.selectedVersion()}
	if k.drawn = m.bar.drawn; m.bar == k && k.drawn != "" {
		return m.bar.drawn
	}
	k.drawn = m.statusBar()
	m.bar = k
	return k.drawn
}

// selectedVersion changes whenever what the hints read of the
// selection does: the item, or the line behind it.
func (m *Model) selectedVersion() uint64 {
	k := m.selectedKey()
	v := m.data.LineVersion(k) + m.data.Leases[k].Version + m.data.Jobs[k].Version + m.data.Accounts[string(k)].Version
	if l, ok := m.selectedLine(); ok && l.Key != k {
		v += l.Version << 32
	}
	return v
}

// tabs is the narrow layout's pane switcher.
func (m *Model) tabs() string {
	var b strings.Builder
	for i, p := range m.panes {
		label := itoa(i+1) + " " + p.Title()
		if i == m.focus {
			b.WriteString(m.theme.TabActive.Render(label))
		} else {
			b.WriteString(m.theme.Tab.Render(label))
		}
	}
	if m.o.Demo {
		b.WriteString(" " + m.theme.Badge.Render("DEMO"))
	}
	return views.Fit(b.String(), m.w)
}

// overlay draws box over lines at x, y.
func overlay(lines []string, box string, x, y int) {
	x = max(x, 0)
	for i, bl := range strings.Split(box, "\n") {
		row := y + i
		if row < 0 || row >= len(lines) {
			continue
		}
		base := lines[row]
		bw := ansi.StringWidth(bl)
		left := ansi.Truncate(base, x, "")
		if pad := x - ansi.StringWidth(left); pad > 0 {
			left += strings.Repeat(" ", pad)
		}
		right := ansi.TruncateLeft(base, x+bw, "")
		lines[row] = left + "\x1b[m" + bl + "\x1b[m" + right
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
