package ui

import (
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/views"
)

// restorePicker restores several expired numbers of one account at once
// (piv.day restores in batches): space picks, enter confirms with the
// total.
type restorePicker struct {
	account string
	lines   []backend.Line
	picked  map[backend.Key]bool
	cursor  int
}

// openRestore starts a restore of the selected item: several numbers when
// the account has more than one restorable, else the one item.
func (m *Model) openRestore() tea.Cmd {
	t, ok := m.target()
	if !ok || !t.allowed.Has(backend.ActRestore) {
		return m.act(backend.ActRestore) // explains why not
	}
	l, isLine := m.selectedLine()
	if !isLine || !l.Allowed.Has(backend.ActRestore) {
		return m.act(backend.ActRestore)
	}
	var lines []backend.Line
	for _, o := range m.data.Lines {
		if o.Account == l.Account && o.Allowed.Has(backend.ActRestore) {
			lines = append(lines, *o)
		}
	}
	if len(lines) < 2 {
		return m.act(backend.ActRestore)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].ExpiresAt.After(lines[j].ExpiresAt.Time()) })
	p := &restorePicker{account: l.Account, lines: lines, picked: map[backend.Key]bool{l.Key: true}}
	for i, o := range lines {
		if o.Key == l.Key {
			p.cursor = i
		}
	}
	m.dialog = p
	return nil
}

func (p *restorePicker) total() (backend.Money, int, bool) {
	var sum backend.Money
	n, known := 0, true
	for _, l := range p.lines {
		if !p.picked[l.Key] {
			continue
		}
		n++
		if !l.Price.Known {
			known = false
			continue
		}
		if !sum.Known {
			sum = l.Price
		} else {
			sum.Amount = sum.Amount.Add(l.Price.Amount)
		}
	}
	return sum, n, known && sum.Known
}

func (p *restorePicker) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc", "q":
		m.dialog = nil
		m.setStatus("nothing restored")
	case "up", "k":
		p.cursor = max(p.cursor-1, 0)
	case "down", "j":
		p.cursor = min(p.cursor+1, len(p.lines)-1)
	case "space", "x":
		k := p.lines[p.cursor].Key
		p.picked[k] = !p.picked[k]
	case "a":
		all := len(p.picked) < len(p.lines)
		for _, l := range p.lines {
			p.picked[l.Key] = all
		}
	case "enter":
		sum, n, known := p.total()
		if n == 0 {
			m.setStatus("pick at least one number (space)")
			return nil
		}
		var keys []backend.Key
		var names []string
		for _, l := range p.lines {
			if p.picked[l.Key] {
				keys = append(keys, l.Key)
				names = append(names, views.Number(l.Number))
			}
		}
		acc := m.data.Accounts[p.account]
		act := backend.Action{ID: backend.NewActionID(backend.ActRestore), Kind: backend.ActRestore, Account: p.account,
			Target: keys[0], Targets: keys, Label: plural(n, "number"), CreatedAt: m.clock()}
		rows := [][2]string{{"account", p.account + " (" + acc.Provider.Label() + ")"}, {"numbers", strings.Join(names, ", ")}}
		note := "Restoring costs more than a month's rent: " + acc.Provider.Label() +
			" adds its restore multiplier and charges the exact total; numbers that cannot come back are refunded."
		if known {
			act.Cost = sum
			rows = append(rows, [2]string{"monthly rent", sum.String() + " in all, before the multiplier"})
		}
		m.dialog = &confirm{title: "Restore " + act.Label, rows: rows, act: act, opened: m.clock(), note: note}
	}
	return nil
}

func (p *restorePicker) update(*Model, tea.Msg) tea.Cmd { return nil }

func (p *restorePicker) view(m *Model) string {
	t := m.theme
	w := min(max(m.w/2, 56), 84)
	inner := w - t.Dialog.GetHorizontalFrameSize()
	out := []string{t.DialogTitle.Render("Restore expired numbers · " + p.account), ""}
	for i, l := range p.lines {
		mark := "[ ] "
		if p.picked[l.Key] {
			mark = "[x] "
		}
		row := mark + views.Fit(views.Number(l.Number), 16) + " " + views.Fit(l.Name, 14) + " " +
			views.Fit(views.Left(l.ExpiresAt.Time(), m.now), 18) + " " + l.Price.String()
		row = views.Fit(row, inner)
		if i == p.cursor {
			row = t.Selected.Render(row)
		}
		out = append(out, row)
	}
	sum, n, known := p.total()
	total := itoa(n) + " picked"
	if known {
		total += " · " + sum.String() + " monthly rent before the restore multiplier"
	}
	out = append(out, "", t.Bold.Render(total), "", t.Faint.Render("space pick · a all · enter restore · esc cancel"))
	return t.Dialog.Width(w).Render(strings.Join(out, "\n"))
}

// plural counts things: "1 number", "2 numbers".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return itoa(n) + " " + thing + "s"
}
