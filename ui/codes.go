package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/views"
)

// codeChoice asks which code of an ambiguous SMS ("1234 or 5678") to
// copy: a digit or j/k and enter copies one, esc copies none. The codes
// are those on screen when `c` was pressed; if the line's code changed
// since, nothing is copied.
type codeChoice struct {
	line  backend.Key
	label string
	codes []string
	at    int
}

func (c *codeChoice) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	s := msg.String()
	switch {
	case len(s) == 1 && s[0] >= '1' && s[0] <= '9':
		if i := int(s[0] - '1'); i < len(c.codes) {
			return c.choose(m, i)
		}
	case matches(msg, m.keys.Up):
		c.at = max(c.at-1, 0)
	case matches(msg, m.keys.Down):
		c.at = min(c.at+1, len(c.codes)-1)
	case s == "enter":
		return c.choose(m, c.at)
	case matches(msg, m.keys.Refuse), s == "q":
		m.dialog = nil
		m.setStatus("nothing copied")
	}
	return nil
}

// choose copies code i if the line still offers the same codes.
func (c *codeChoice) choose(m *Model, i int) tea.Cmd {
	m.dialog = nil
	if l, ok := m.data.Lines[c.line]; !ok || !slices.Equal(l.Candidates, c.codes) {
		m.setStatus("nothing copied: the code of " + c.label + " changed meanwhile — press " + keymap.First(m.keys.Copy) + " again")
		return nil
	}
	return m.copyLineCode(c.line, c.codes[i])
}

func (c *codeChoice) update(*Model, tea.Msg) tea.Cmd { return nil }

func (c *codeChoice) view(m *Model) string {
	t := m.theme
	w := min(max(m.w/3, 44), 60)
	inner := w - t.Dialog.GetHorizontalFrameSize()
	b := []string{t.DialogTitle.Render(views.Fit("Which code? "+c.label, inner)), "",
		t.Muted.Render(views.Fit("The SMS names "+itoa(len(c.codes))+" codes; copy one:", inner))}
	for i, code := range c.codes {
		row := t.Key.Render(" "+itoa(i+1)+" ") + " " + t.Code.Render(" "+code+" ")
		if i == c.at {
			row = t.Key.Render(" "+itoa(i+1)+" ") + " " + t.CodeOn.Render(" "+code+" ") + t.Faint.Render(" ←")
		}
		b = append(b, row)
	}
	b = append(b, "", t.Key.Render("1-"+itoa(min(len(c.codes), 9)))+t.KeyDesc.Render(" or ↑↓ enter copy   ")+
		t.Key.Render("esc")+t.KeyDesc.Render(" copy nothing"))
	return t.Dialog.Width(w).Render(strings.Join(b, "\n"))
}

// storageChanged takes the ledger's health: failing shows in the status
// bar until it writes again; then the SMS histories are read again, now
// that what was held is stored.
func (m *Model) storageChanged(h backend.StorageHealth) {
	if h.Failing {
		m.storage = &h
		m.toast(backend.Failure, "cannot save codes ("+h.Error+"): they are shown, marked not saved, and saved once the disk allows")
		return
	}
	if m.storage == nil {
		return
	}
	m.storage = nil
	m.lines.ForgetHistory()
	m.histReq = ""
	m.toast(backend.Success, "the disk writes again: the codes shown are saved")
}

// storageNote is the status bar's red warning while codes are not saved.
func (m *Model) storageNote() string {
	if m.storage == nil {
		return ""
	}
	return m.theme.Bad.Render("✗ codes not saved: " + m.storage.Error)
}
