package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"switchboard/views"
)

// helpView lists every key, the focused pane's first, and the `:`
// commands, in as many columns as fit; j/k, pgup/pgdn, g/G scroll, /
// filters.
type helpView struct {
	input     textinput.Model
	filtering bool
	offset    int
	pane      int // the pane it was opened over
	page      int // rows shown, for pgup/pgdn
}

func newHelp(m *Model) *helpView {
	h := &helpView{input: textinput.New(), pane: m.focus}
	h.input.Prompt = "/"
	h.input.Placeholder = "find a key or a command"
	return h
}

func (h *helpView) focus() tea.Cmd { return nil }

// paneKeys are the config names of the keys that act in each pane.
var paneKeys = map[int][]string{
	paneBalances: {"refresh", "detail", "buy"},
	paneLines:    {"copy", "copy_sms", "copy_number", "cancel", "finish", "ban", "renew", "restore", "auto_renew", "reuse", "detail", "top"},
	paneExpiries: {"renew", "auto_renew", "restore", "export", "copy", "copy_number", "detail"},
	paneQueues:   {"cancel", "copy", "copy_number", "detail"},
}

// paneNotes say more than a key's name where a pane gives it more to do.
var paneNotes = map[string]string{"top": "top: the cursor then follows new codes"}

func (h *helpView) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	s := msg.String()
	if h.filtering {
		switch s {
		case "esc":
			h.filtering = false
			h.input.SetValue("")
			h.input.Blur()
		case "enter":
			h.filtering = false
			h.input.Blur()
		case "up", "down", "pgup", "pgdown":
			h.scroll(s)
		default:
			var c tea.Cmd
			h.input, c = h.input.Update(msg)
			h.offset = 0
			return c
		}
		return nil
	}
	switch {
	case s == "esc" && h.input.Value() != "":
		h.input.SetValue("")
		h.offset = 0
	case s == "esc", s == "?", s == "q", matches(msg, k.Help):
		m.help = nil
	case s == "/" || matches(msg, k.Filter):
		h.filtering = true
		return h.input.Focus()
	case matches(msg, k.Up):
		h.scroll("up")
	case matches(msg, k.Down):
		h.scroll("down")
	case matches(msg, k.PageUp):
		h.scroll("pgup")
	case matches(msg, k.PageDown):
		h.scroll("pgdown")
	case matches(msg, k.Top):
		h.offset = 0
	case matches(msg, k.Bottom):
		h.offset = 1 << 30 // the view clamps it
	}
	return nil
}

func (h *helpView) scroll(how string) {
	step := map[string]int{"up": -1, "down": 1, "pgup": -max(h.page-1, 1), "pgdown": max(h.page-1, 1)}[how]
	h.offset = max(h.offset+step, 0)
}

// helpRow is a line of the help: a section's title, a key (or command)
// and what it does, or a note under the line before.
type helpRow struct{ title, key, desc, note string }

// sections are the help's contents, filtered by q.
func (h *helpView) sections(m *Model, q string) [][]helpRow {
	var out [][]helpRow
	add := func(title string, rows []helpRow) {
		var kept []helpRow
		for _, r := range rows {
			if q == "" || strings.Contains(strings.ToLower(r.key+" "+r.desc+" "+r.note+" "+title), q) {
				kept = append(kept, r)
				if r.note != "" { // under its command, on a line of its own
					kept = append(kept, helpRow{note: r.note})
				}
			}
		}
		if len(kept) > 0 {
			out = append(out, append([]helpRow{{title: title}}, kept...))
		}
	}
	inPane := paneKeys[h.pane]
	type group struct {
		title string
		rows  []helpRow
	}
	var groups []group
	byName := map[string]helpRow{}
	for _, g := range m.keys.Groups() {
		gr := group{title: map[string]string{"Act": "Other items", "General": "Everywhere"}[g.Title]}
		if gr.title == "" {
			gr.title = g.Title
		}
		for i, b := range g.Bindings {
			if !b.Enabled() || len(b.Keys()) == 0 {
				continue
			}
			r := helpRow{key: b.Help().Key, desc: b.Help().Desc}
			byName[g.Names[i]] = r
			if g.Title != "Act" || !slices.Contains(inPane, g.Names[i]) {
				gr.rows = append(gr.rows, r)
			}
		}
		groups = append(groups, gr)
	}
	var own []helpRow
	for _, n := range inPane {
		if r, ok := byName[n]; ok {
			if note, ok := paneNotes[n]; ok {
				r.desc = note
			}
			own = append(own, r)
		}
	}
	add(m.panes[h.pane].Title()+" (this pane)", own)
	for _, g := range groups {
		add(g.title, g.rows)
	}
	var cmds []helpRow
	for _, c := range commands {
		cmds = append(cmds, helpRow{key: ":" + c.name, desc: c.args, note: c.help})
	}
	add("Commands (:)", cmds)
	return out
}

func (h *helpView) view(m *Model) string {
	t := m.theme
	w := max(m.w-4, 20)
	inner := w - t.Dialog.GetHorizontalFrameSize()
	q := strings.ToLower(strings.TrimSpace(h.input.Value()))
	secs := h.sections(m, q)
	keyW, colW := 10, 0
	for _, sec := range secs {
		for _, r := range sec {
			keyW = max(keyW, min(views.Width(r.key), 14))
			colW = max(colW, views.Width(r.title), keyW+2+views.Width(r.desc))
		}
	}
	colW = min(colW+2, helpColumn, inner)
	cols := max(inner/max(colW, 1), 1)
	rowsFit := max(m.h-9, 2) // the box's borders, padding, title and filter lines
	// The shortest columns that hold every section in cols columns.
	height, total := 1, 0
	for _, sec := range secs {
		height = max(height, min(len(sec), rowsFit))
		total += len(sec) + 1
	}
	height = max(height, (total+cols-1)/cols)
	grid := flow(secs, height)
	for len(grid) > cols {
		height++
		grid = flow(secs, height)
	}
	h.page = rowsFit
	h.offset = min(h.offset, max(height-rowsFit, 0))
	var lines []string
	for y := h.offset; y < min(height, h.offset+rowsFit); y++ {
		var b strings.Builder
		for i, col := range grid {
			cell := ""
			if y < len(col) {
				r := col[y]
				switch {
				case r.title != "":
					cell = t.Header.Render(r.title)
				case r.key != "":
					cell = t.Key.Render(views.Fit(r.key, keyW)) + "  " + t.KeyDesc.Render(r.desc)
				case r.note != "":
					cell = blankKey(keyW+2) + t.Faint.Render(r.note)
				}
			}
			if i < len(grid)-1 {
				cell = views.Fit(cell, colW)
			}
			b.WriteString(cell) // the last column has the rest of the width
		}
		lines = append(lines, views.Fit(b.String(), inner))
	}
	if len(secs) == 0 {
		lines = append(lines, t.Faint.Render("no key or command matches /"+q))
	}
	// The title's least needed words go first on a narrow screen, never
	// cut.
	pos, scroll, scrollShort := "", "", ""
	if height > rowsFit {
		pos = "  " + itoa(h.offset+1) + "–" + itoa(min(height, h.offset+rowsFit)) + " of " + itoa(height)
		scroll, scrollShort = " · j/k pgup/pgdn scroll", " · j/k scroll"
	}
	const closes, config = " · esc closes", " · set keys in the config under keys:"
	var head string
	for _, words := range [][2]string{{scroll, closes + config}, {scroll, closes}, {scrollShort, closes}, {"", closes}, {"", ""}} {
		if views.Width("Keys"+pos+words[0]+words[1]) <= inner || words == [2]string{} {
			head = t.DialogTitle.Render("Keys") + t.Text.Render(pos+words[0]) + t.Faint.Render(words[1])
			break
		}
	}
	h.input.SetWidth(max(min(40, inner-26), 8))
	filter := t.Faint.Render("/ filter")
	switch {
	case h.filtering:
		filter = h.input.View() + t.Faint.Render("  enter keep · esc clear")
	case h.input.Value() != "":
		filter = t.Text.Render("/"+h.input.Value()) + t.Faint.Render("  / change · esc clear")
	}
	body := views.Fit(head, inner) + "\n" + views.Fit(filter, inner) + "\n\n" + strings.Join(lines, "\n")
	return t.Dialog.Width(w).Height(m.h - 2).Render(body)
}

func blankKey(n int) string { return strings.Repeat(" ", n) }

// helpColumn is the widest a help column gets: more columns fit, and a
// long description is cut rather than widening every column.
const helpColumn = 56

// flow pours sections into columns of height rows: a section that does
// not fit below another starts a column of its own, and only one taller
// than a column is split.
func flow(secs [][]helpRow, height int) [][]helpRow {
	var cols [][]helpRow
	var col []helpRow
	for _, sec := range secs {
		if len(col) > 0 && len(col)+1+len(sec) > height && len(sec) <= height {
			cols, col = append(cols, col), nil
		}
		if len(col) > 0 {
			col = append(col, helpRow{})
		}
		for _, r := range sec {
			if len(col) == height {
				cols, col = append(cols, col), nil
			}
			col = append(col, r)
		}
	}
	if len(col) > 0 {
		cols = append(cols, col)
	}
	return cols
}
