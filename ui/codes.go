package ui

import (
	"slices"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
)

// chooseCode asks which code of an ambiguous SMS ("1234 or 5678") to
// copy. The codes are those on screen when the copy key was pressed; if
// the line's code changed since, nothing is copied.
func (m *Model) chooseCode(l backend.Line) *choice {
	codes, label := l.Candidates, lineLabel(l)
	opts := make([]option, len(codes))
	for i, c := range codes {
		opts[i] = option{label: c}
	}
	return &choice{title: "Which code? " + label, question: "The SMS names " + itoa(len(codes)) + " codes; copy one:",
		options: opts, none: "nothing copied", pick: func(m *Model, i int) tea.Cmd {
			if cur, ok := m.data.Lines[l.Key]; !ok || !slices.Equal(cur.Candidates, codes) {
				m.setStatus("nothing copied: the code of " + label + " changed meanwhile — press " + keymap.First(m.keys.Copy) + " again")
				return nil
			}
			return m.copyLineCode(l.Key, codes[i])
		}}
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
