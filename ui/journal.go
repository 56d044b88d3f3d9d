package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/views"
)

type journalMsg struct {
	entries []backend.JournalEntry
	err     error
}

// openJournal reads the action journal in a command (`:journal`).
func (m *Model) openJournal() tea.Cmd {
	b := m.o.Backend
	return func() tea.Msg {
		es, err := b.Journal(200)
		return journalMsg{entries: es, err: err}
	}
}

// journalView lists what was sent and how it ended, newest first.
type journalView struct {
	entries []backend.JournalEntry
	offset  int
}

func (j *journalView) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc", "q", "enter":
		m.dialog = nil
	case "up", "k":
		j.offset = max(j.offset-1, 0)
	case "down", "j":
		j.offset = min(j.offset+1, max(len(j.entries)-1, 0))
	case "g":
		j.offset = 0
	case "G":
		j.offset = max(len(j.entries)-1, 0)
	}
	return nil
}

func (j *journalView) update(*Model, tea.Msg) tea.Cmd { return nil }

var journalState = map[backend.JournalState]string{
	backend.JournalPending: "sending", backend.JournalDone: "done", backend.JournalFailed: "refused",
	backend.JournalUnknown: "checking", backend.JournalHappened: "done (confirmed)", backend.JournalNotDone: "did not happen",
	backend.JournalOffer: "asked a question",
}

func (j *journalView) view(m *Model) string {
	t := m.theme
	w := m.w - 6
	inner := w - t.Dialog.GetHorizontalFrameSize()
	out := []string{t.DialogTitle.Render("Journal") + t.Faint.Render("   every action sent, newest first · esc closes"), ""}
	if len(j.entries) == 0 {
		out = append(out, t.Faint.Render("nothing sent yet"))
	}
	rows := max(m.h-10, 3)
	for i := j.offset; i < len(j.entries) && i < j.offset+rows; i++ {
		e := j.entries[i]
		st := t.OK
		switch e.State {
		case backend.JournalFailed, backend.JournalNotDone:
			st = t.Bad
		case backend.JournalPending, backend.JournalUnknown, backend.JournalOffer:
			st = t.Warn
		}
		what := e.Action.Kind.Verb()
		if e.Action.Label != "" {
			what += " " + e.Action.Label
		}
		when := e.UpdatedAt.Local().Format("Jan 02 15:04:05")
		line := t.Faint.Render(views.Fit(when, 16)) + " " + t.Muted.Render(views.Fit(e.Action.Account, 12)) + " " +
			t.Text.Render(views.Fit(what, 34)) + " " + st.Render(views.Fit(journalState[e.State], 16)) + " " +
			t.Muted.Render(e.Note)
		out = append(out, views.Fit(line, inner))
	}
	if len(j.entries) > rows {
		out = append(out, "", t.Faint.Render(itoa(j.offset+1)+"–"+itoa(min(j.offset+rows, len(j.entries)))+" of "+itoa(len(j.entries))+" · j/k scroll"))
	}
	return t.Dialog.Width(w).Render(strings.Join(out, "\n"))
}
