package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"switchboard/backend"
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
// skipped ones (each with its reason, wrapped at whyWidth).
const (
	maxListed  = 5
	maxSkipped = 3
	whyWidth   = 48
)

// confirmBulk shows what a bulk action does: the items, what each
// account pays (or gets back) and its balance after, the total, and
// what is skipped. The grace period and y-only confirm of every money
// dialog apply.
func (m *Model) confirmBulk(kind backend.ActionKind, acts []backend.Action, ts []target, skipped []string) *confirm {
	refund := kind == backend.ActCancel || kind == backend.ActReject
	var rows [][2]string
	for i, t := range ts {
		if i == maxListed {
			rows = append(rows, [2]string{"", "… and " + itoa(len(ts)-maxListed) + " more"})
			break
		}
		item := t.label
		if t.price.Known && kind != backend.ActFinish {
			item += "  " + t.price.String()
		}
		rows = append(rows, [2]string{"", item})
	}
	rows[0][0] = itoa(len(ts)) + " items"
	unknown := 0
	if kind != backend.ActFinish {
		// Per account, in the order first met: the sum and the balance after.
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
		rows = append(rows, [2]string{label, strings.Join(total, " + ")})
	}
	start := len(rows)
	for i, s := range skipped {
		if i == maxSkipped {
			rows = append(rows, [2]string{"", "… and " + itoa(len(skipped)-maxSkipped) + " more"})
			break
		}
		label, why, _ := strings.Cut(s, "\n")
		rows = append(rows, [2]string{"", label})
		for _, l := range wrapText(why, whyWidth, 3) {
			rows = append(rows, [2]string{"", "  " + l})
		}
	}
	if len(skipped) > 0 {
		rows[start][0] = itoa(len(skipped)) + " skipped"
	}
	note := map[backend.ActionKind]string{
		backend.ActRenew:  "Each item is renewed for one period at the provider's price.",
		backend.ActCancel: "The numbers are given up; the balances after count each refund.",
		backend.ActReject: "The numbers are given up; the balances after count each refund.",
		backend.ActFinish: "Finishing cannot be undone: the numbers get no more SMS.",
	}[kind]
	if unknown > 0 {
		note = priceUnknown + " " + note
	}
	verb := map[backend.ActionKind]string{backend.ActRenew: "Renew", backend.ActCancel: "Cancel", backend.ActReject: "Cancel",
		backend.ActFinish: "Finish"}[kind]
	acts = slices.Clone(acts)
	return &confirm{title: verb + " " + itoa(len(acts)) + " marked items", rows: rows, note: note, opened: m.clock(),
		onYes: func(m *Model) tea.Cmd {
			for _, a := range acts {
				m.o.Backend.Submit(a)
			}
			m.clearMarks()
			m.toast(backend.Info, strings.ToLower(verb)+" "+itoa(len(acts))+" items — sent")
			return nil
		}}
}
