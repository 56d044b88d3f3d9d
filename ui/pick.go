package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"switchboard/views"
)

// choice asks which of a few things the operator means (the account of
// a `:` command, the line `:renew` names, the code of an ambiguous SMS):
// a digit, or the arrows and enter, picks one; esc picks none. Nothing
// is ever picked for the operator when several fit.
type choice struct {
	title, question string
	options         []option
	at              int
	pick            func(m *Model, i int) tea.Cmd
	none            string // said when esc picks nothing
}

// option is one line of a choice: what it is, and what tells it apart.
type option struct{ label, detail string }

// maxOptions is as many as digits can pick.
const maxOptions = 9

func (c *choice) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	s := msg.String()
	switch {
	case len(s) == 1 && s[0] >= '1' && s[0] <= '9':
		if i := int(s[0] - '1'); i < len(c.options) {
			m.dialog = nil
			return c.pick(m, i)
		}
	case matches(msg, m.keys.Up):
		c.at = max(c.at-1, 0)
	case matches(msg, m.keys.Down):
		c.at = min(c.at+1, len(c.options)-1)
	case s == "enter":
		m.dialog = nil
		return c.pick(m, c.at)
	case matches(msg, m.keys.Refuse), s == "q":
		m.dialog = nil
		m.setStatus(c.none)
	}
	return nil
}

func (c *choice) update(*Model, tea.Msg) tea.Cmd { return nil }

func (c *choice) view(m *Model) string {
	t := m.theme
	w := min(max(m.w/2, 48), 80, m.w)
	inner := w - t.Dialog.GetHorizontalFrameSize()
	labelW := 0
	for _, o := range c.options {
		labelW = max(labelW, views.Width(o.label))
	}
	labelW = min(labelW, inner*2/3)
	b := []string{t.DialogTitle.Render(views.Fit(c.title, inner)), ""}
	for _, l := range wrapText(c.question, inner, 3) {
		b = append(b, t.Muted.Render(l))
	}
	for i, o := range c.options {
		row := views.Fit(" "+itoa(i+1)+"  "+views.Fit(o.label, labelW)+"  "+o.detail, inner)
		if i == c.at {
			row = t.Selected.Render(row)
		}
		b = append(b, row)
	}
	last := itoa(min(len(c.options), maxOptions))
	b = append(b, "", t.Key.Render("1-"+last)+t.KeyDesc.Render(" or ↑↓ enter pick   ")+
		t.Key.Render("esc")+t.KeyDesc.Render(" none"))
	return t.Dialog.Width(w).Render(strings.Join(b, "\n"))
}
