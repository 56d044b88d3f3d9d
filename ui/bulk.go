package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/views"
)

// marker is a pane whose items can be picked for a bulk action (space).
type marker interface {
	Mark()
	MarkedKeys() []backend.Key
	ClearMarks() bool
}

// marked is the focused pane's picked items, if any.
func (m *Model) marked() []backend.Key {
	if p, ok := m.panes[m.focus].(marker); ok && !m.showDet {
		return p.MarkedKeys()
	}
	return nil
}

// mark picks the selected item (or drops it) and moves to the next row.
func (m *Model) mark() {
	p, ok := m.panes[m.focus].(marker)
	if !ok || m.panes[m.focus].SelectedKey() == "" {
		m.setStatus("nothing here to mark")
		return
	}
	p.Mark()
	m.panes[m.focus].Scroll(1)
}

// clearMarks drops the focused pane's picks, reporting whether there
// were any.
func (m *Model) clearMarks() bool {
	p, ok := m.panes[m.focus].(marker)
	return ok && p.ClearMarks()
}

// bulkKinds are the actions a key applies to every marked item.
func bulkKind(k backend.ActionKind) bool {
	switch k {
	case backend.ActRenew, backend.ActCancel, backend.ActReject, backend.ActFinish:
		return true
	}
	return false
}

// refusal says why kind cannot apply to t ("" when it can).
func (m *Model) refusal(t target, kind backend.ActionKind) string {
	if a := m.data.Accounts[t.account]; a.ReadOnly {
		return t.account + " is read-only (config)"
	}
	if !t.allowed.Has(kind) || (t.cooldown > 0 && (kind == backend.ActCancel || kind == backend.ActReject)) {
		return backend.Explain(t.provider, t.state, t.allowed, kind, t.cooldown).Text(m.keyFor)
	}
	return ""
}

// newAction is kind on t, as the operator asks for it now.
func (m *Model) newAction(kind backend.ActionKind, t target) backend.Action {
	act := backend.Action{ID: backend.NewActionID(kind), Kind: kind, Account: t.account, Target: t.key,
		Label: t.label, CreatedAt: m.clock()}
	if kind == backend.ActRenew {
		act.Months = 1
	}
	return act
}

// bulk asks to apply kind to every marked item that allows it; the
// others are listed as skipped, with why. Cancel rejects the items that
// are rejected rather than cancelled (NonVoip).
func (m *Model) bulk(kind backend.ActionKind, keys []backend.Key) tea.Cmd {
	var acts []backend.Action
	var targets []target
	var skipped []string
	for _, k := range keys {
		t, ok := m.targetOf(k)
		if !ok {
			skipped = append(skipped, string(k)+": gone")
			continue
		}
		kk := kind
		if kind == backend.ActCancel || kind == backend.ActReject {
			kk = backend.ActCancel
			if !t.allowed.Has(backend.ActCancel) && t.allowed.Has(backend.ActReject) {
				kk = backend.ActReject
			}
		}
		if why := m.refusal(t, kk); why != "" {
			skipped = append(skipped, t.label+"\n"+strings.TrimPrefix(why, t.provider.Label()+": "))
			continue
		}
		acts, targets = append(acts, m.newAction(kk, t)), append(targets, t)
	}
	if len(acts) == 0 {
		m.setStatus("none of the " + itoa(len(keys)) + " marked can " + kind.Verb() + ": " + strings.ReplaceAll(skipped[0], "\n", " — "))
		return nil
	}
	m.dialog = m.confirmBulk(kind, acts, targets, skipped)
	return nil
}

// maxListed bounds the items a bulk confirmation lists, maxSkipped the
// skipped ones (each with its reason, wrapped to the dialog); a short
// screen lists fewer. dialogRows are the rows a confirmation takes
// besides its lists (frame, title, blanks, hint, a note of up to 4).
const (
	maxListed  = 5
	maxSkipped = 3
	dialogRows = 13
)

// confirmBulk shows what a bulk action does: the items, what each
// account pays (or gets back) and its balance after, the total, and
// what is skipped. The grace period and y-only confirm of every money
// dialog apply.
func (m *Model) confirmBulk(kind backend.ActionKind, acts []backend.Action, ts []target, skipped []string) *confirm {
	refund := kind == backend.ActCancel || kind == backend.ActReject
	var sums [][2]string
	unknown := 0
	if kind != backend.ActFinish {
		sums, unknown = m.bulkSums(ts, refund)
	}
	if long := splitLabels(sums); m.h-dialogRows-len(long) >= 3 {
		sums = long // room enough to give each long name a row
	}
	room := m.h - dialogRows - len(sums)
	items := make([]string, len(ts))
	for i, t := range ts {
		items[i] = t.label
		if t.price.Known && kind != backend.ActFinish {
			items[i] += "  " + t.price.String()
		}
	}
	// The items leave the first skipped one room for its reason (a label
	// and up to 3 lines), or share the room half and half.
	rows := listed(items, min(maxListed, max(room-4*min(len(skipped), 1), room/2)))
	rows[0][0] = plural(len(ts), "item")
	rows = append(rows, sums...)
	if len(skipped) > 0 {
		_, inner := m.confirmWidth()
		skip := skippedRows(skipped, room-len(rows)+len(sums), inner-labelWidth-2) // beside the label column, indented
		skip[0][0] = itoa(len(skipped)) + " skipped"
		rows = append(rows, skip...)
	}
	note := map[backend.ActionKind]string{
		backend.ActRenew:  "Each item is renewed for one period at the provider's price.",
		backend.ActCancel: "The numbers are given up; the balances after count each refund.",
		backend.ActReject: "The numbers are given up; the balances after count each refund.",
		backend.ActFinish: "Finishing cannot be undone: the numbers get no more SMS.",
	}[kind]
	if unknown > 0 && refund {
		note = "What some of them paid is unknown, so what comes back is too. " + note
	} else if unknown > 0 {
		note = priceUnknown + " " + note
	}
	verb := map[backend.ActionKind]string{backend.ActRenew: "Renew", backend.ActCancel: "Cancel", backend.ActReject: "Cancel",
		backend.ActFinish: "Finish"}[kind]
	acts = slices.Clone(acts)
	return &confirm{title: verb + " " + plural(len(acts), "marked item"), rows: rows, note: note, opened: m.clock(),
		onYes: func(m *Model) tea.Cmd {
			for _, a := range acts {
				m.o.Backend.Submit(a)
			}
			m.clearMarks()
			m.toast(backend.Info, strings.ToLower(verb)+" "+itoa(len(acts))+" items — sent")
			return nil
		}}
}

// bulkSums are what each account pays (or gets back) and its balance
// after, in the order first met, then the total; unknown counts the
// items at an unknown price.
func (m *Model) bulkSums(ts []target, refund bool) (rows [][2]string, unknown int) {
	sums := map[string]backend.Money{}
	var order []string
	for _, t := range ts {
		if !t.price.Known {
			unknown++
			continue
		}
		s, ok := sums[t.account]
		if !ok {
			order, s = append(order, t.account), backend.NewMoney(decimal.Zero, t.price.Currency)
		}
		s.Amount = s.Amount.Add(t.price.Amount)
		sums[t.account] = s
	}
	totals := map[string]decimal.Decimal{}
	var currencies []string
	for _, name := range order {
		s := sums[name]
		acc := m.data.Accounts[name]
		line := s.String()
		change := s
		if refund {
			// "if refunded" goes to the note: here it would be cut.
			line, change.Amount = line+" back", s.Amount.Neg()
		}
		if after, ok := acc.Balance.Sub(change); ok {
			line += " · " + balanceAfter(acc.Balance, after)
		}
		rows = append(rows, [2]string{name, line})
		if _, ok := totals[s.Currency]; !ok {
			currencies = append(currencies, s.Currency)
		}
		totals[s.Currency] = totals[s.Currency].Add(s.Amount)
	}
	var total []string
	for _, c := range currencies {
		total = append(total, backend.NewMoney(totals[c], c).String())
	}
	if unknown > 0 {
		total = append(total, itoa(unknown)+" at an unknown price")
	}
	label := "total"
	if refund {
		label = "back in all"
	}
	return append(rows, [2]string{label, strings.Join(total, " + ")}), unknown
}

// listed is up to limit rows (at least one) of items, the last saying
// how many more there are when they do not all fit.
func listed(items []string, limit int) [][2]string {
	limit = max(limit, 1)
	n := len(items)
	if n > limit {
		n = max(limit-1, 1)
	}
	rows := make([][2]string, 0, n+1)
	for _, it := range items[:n] {
		rows = append(rows, [2]string{"", it})
	}
	if n < len(items) {
		rows = append(rows, [2]string{"", "… and " + itoa(len(items)-n) + " more"})
	}
	return rows
}

// skippedRows are the skipped items ("label\nwhy"), each with its
// reason wrapped at whyWidth, as many as fit in room rows (at least one
// label).
func skippedRows(skipped []string, room, whyWidth int) [][2]string {
	var rows [][2]string
	shown := 0
	for i, s := range skipped {
		label, why, _ := strings.Cut(s, "\n")
		block := [][2]string{{"", label}}
		for _, l := range wrapText(why, whyWidth, 3) {
			block = append(block, [2]string{"", "  " + l})
		}
		more := 0
		if i < len(skipped)-1 {
			more = 1 // the "… and N more" row
		}
		if i == maxSkipped || (i > 0 && len(rows)+len(block)+more > room) {
			break
		}
		if len(rows)+len(block)+more > room {
			block = block[:1] // the first keeps its label at least
		}
		rows, shown = append(rows, block...), shown+1
	}
	if shown < len(skipped) {
		rows = append(rows, [2]string{"", "… and " + itoa(len(skipped)-shown) + " more"})
	}
	return rows
}

// splitLabels gives each label too long for the label column a row of
// its own, above its value, rather than cut it.
func splitLabels(rows [][2]string) [][2]string {
	out := make([][2]string, 0, len(rows))
	for _, r := range rows {
		if views.Width(r[0]) >= labelWidth {
			out = append(out, [2]string{"", r[0]})
			r[0] = ""
		}
		out = append(out, r)
	}
	return out
}
