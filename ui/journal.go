package ui

import (
	"reflect"
	"sort"
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
	several := false // operators: say who did each action
	for _, e := range j.entries {
		several = several || e.Action.Operator != j.entries[0].Action.Operator
	}
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
		line := t.Faint.Render(views.Fit(when, 16)) + " "
		if several {
			line += t.Text.Render(views.Fit(e.Action.Operator, 10)) + " "
		}
		line += t.Muted.Render(views.Fit(e.Action.Account, 12)) + " " +
			t.Text.Render(views.Fit(what, 34)) + " " + st.Render(views.Fit(journalState[e.State], 16)) + " " +
			t.Muted.Render(e.Note)
		out = append(out, views.Fit(line, inner))
	}
	if len(j.entries) > rows {
		out = append(out, "", t.Faint.Render(itoa(j.offset+1)+"–"+itoa(min(j.offset+rows, len(j.entries)))+" of "+itoa(len(j.entries))+" · j/k scroll"))
	}
	return t.Dialog.Width(w).Render(strings.Join(out, "\n"))
}

// --- journal entries as the engine reports them -------------------------

// identicalUnsettled lists the purchases still being checked that buy
// the same thing on the same account as act.
func (m *Model) identicalUnsettled(act backend.Action) []backend.JournalEntry {
	var out []backend.JournalEntry
	for _, e := range m.unsettled {
		if e.Action.ID != act.ID && e.Action.Kind == backend.ActBuy && e.Action.Account == act.Account &&
			sameRequest(e.Action.Buy, act.Buy) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action.ID < out[j].Action.ID })
	return out
}

// sameRequest: two purchases of the same thing (answers to an offer
// aside).
func sameRequest(a, b *backend.BuyRequest) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.AcceptedMaxPrice, x.Auction, y.AcceptedMaxPrice, y.Auction = nil, 0, nil, 0
	return reflect.DeepEqual(x, y)
}

// trackActions keeps the purchases still being checked, and offers a
// purchase that turned out not to have happened for buy-again.
func (m *Model) trackActions(entries []backend.JournalEntry) {
	for _, e := range entries {
		if !e.State.Settled() {
			m.unsettled[e.Action.ID] = e
			continue
		}
		delete(m.unsettled, e.Action.ID)
		if e.State == backend.JournalNotDone && e.Action.Kind == backend.ActBuy && e.Action.Buy != nil {
			again := e.Action
			m.lastBuy, m.lastBuyRows = &again, requestRows(*e.Action.Buy)
		}
	}
}

// requestRows describe a purchase known only from the journal.
func requestRows(r backend.BuyRequest) [][2]string {
	var rows [][2]string
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, [2]string{k, v})
		}
	}
	add("category", r.Category)
	add("country", r.Country)
	add("operator", r.Operator)
	products := r.Products
	if len(products) == 0 {
		products = []string{r.Product}
	}
	add("product", strings.Join(products, ", "))
	add("area codes", strings.Join(r.AreaCodes, ", "))
	add("link", r.Link)
	if r.Quantity > 0 {
		add("quantity", views.Count(r.Quantity))
	}
	if r.Months > 0 {
		add("months", itoa(r.Months))
	}
	if r.AutoRenew {
		add("auto-renew", "yes")
	}
	add("name", r.Name)
	if r.Reuse {
		add("reusable", "yes")
	}
	add("same number", r.ReuseNumber)
	return rows
}
