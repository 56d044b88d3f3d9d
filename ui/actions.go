package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/keymap"
	"switchboard/views"
)

func matches(msg tea.KeyPressMsg, b key.Binding) bool { return key.Matches(msg, b) }

// selectedKey is the item the operator is pointing at.
func (m *Model) selectedKey() backend.Key {
	if m.showDet {
		return m.detail.Key()
	}
	return m.panes[m.focus].SelectedKey()
}

// selectedLine is the line behind the selection: the line itself, a
// waiting order in the queues, or a number lease.
func (m *Model) selectedLine() (backend.Line, bool) {
	k := m.selectedKey()
	if l, ok := m.data.Lines[k]; ok {
		return *l, true
	}
	if ls, ok := m.data.Leases[k]; ok && ls.Line != "" {
		if l, ok := m.data.Lines[ls.Line]; ok {
			return *l, true
		}
	}
	return backend.Line{}, false
}

// target is what an action key applies to.
type target struct {
	key      backend.Key
	account  string
	provider backend.ProviderKind
	label    string
	state    string
	allowed  backend.ActionSet
	price    backend.Money // what the item cost / costs to renew
	period   string        // what one renewal buys: month, year
	auto     bool
	hasAuto  bool
	cooldown time.Duration
}

func (m *Model) target() (target, bool) { return m.targetOf(m.selectedKey()) }

func (m *Model) targetOf(k backend.Key) (target, bool) {
	now := m.clock()
	if l, ok := m.data.Lines[k]; ok {
		t := target{key: k, account: l.Account, provider: l.Provider, label: lineLabel(*l), state: views.StateWord(l.State, l.RawState),
			allowed: l.Allowed, price: l.Price, auto: l.AutoRenew, hasAuto: l.HasAuto, cooldown: l.CooldownUntil.Time().Sub(now)}
		for _, ls := range m.data.Leases {
			if ls.Line == k {
				t.period = ls.Period
				if ls.RenewPrice.Known {
					t.price = ls.RenewPrice
				}
			}
		}
		return t, true
	}
	if ls, ok := m.data.Leases[k]; ok {
		label := ls.Name
		if !strings.HasPrefix(strings.ToLower(label), string(ls.Kind)) {
			label = string(ls.Kind) + " " + label
		}
		price := ls.RenewPrice
		if l, ok := m.data.Lines[ls.Line]; ok && !price.Known {
			price = l.Price // a number lease renews at the number's price
		}
		return target{key: k, account: ls.Account, provider: ls.Provider, label: label, state: naming.Word(ls.State),
			allowed: ls.Allowed, price: price, period: ls.Period, auto: ls.AutoRenew, hasAuto: ls.HasAuto}, true
	}
	if j, ok := m.data.Jobs[k]; ok {
		return target{key: k, account: j.Account, provider: j.Provider, label: string(j.Kind) + " " + j.Title,
			state: views.JobState(j), allowed: j.Allowed, price: j.Cost}, true
	}
	return target{}, false
}

func lineLabel(l backend.Line) string {
	s := views.Number(l.Number)
	if l.Service != "" {
		s += " " + l.Service
	}
	return s
}

// actionKey handles the keys that act on the selected item.
func (m *Model) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := &m.keys
	switch {
	case matches(msg, k.Copy):
		return m.copyCode(), true
	case matches(msg, k.CopyNumber):
		l, ok := m.selectedLine()
		if !ok || l.Number == "" {
			m.setStatus("no number here to copy")
			return nil, true
		}
		return copyCmd(m.o.Clipboard, l.Number, "number "+views.Number(l.Number)), true
	case matches(msg, k.CopySMS):
		return m.copySMS(), true
	case matches(msg, k.Renew):
		return m.act(backend.ActRenew), true
	case matches(msg, k.Cancel):
		t, ok := m.target()
		if ok && !t.allowed.Has(backend.ActCancel) && t.allowed.Has(backend.ActReject) {
			return m.act(backend.ActReject), true
		}
		return m.act(backend.ActCancel), true
	case matches(msg, k.Finish):
		return m.act(backend.ActFinish), true
	case matches(msg, k.Ban):
		return m.act(backend.ActBan), true
	case matches(msg, k.Restore):
		if !m.mayAct(backend.ActRestore) {
			return nil, true
		}
		return m.openRestore(), true
	case matches(msg, k.Export):
		return m.openExport(), true
	case matches(msg, k.Reuse):
		return m.act(backend.ActReuse), true
	case matches(msg, k.AutoRenew):
		t, ok := m.target()
		if ok && t.auto {
			return m.act(backend.ActAutoRenewOff), true
		}
		return m.act(backend.ActAutoRenewOn), true
	case matches(msg, k.Buy):
		if !m.mayAct(backend.ActBuy) {
			return nil, true
		}
		return m.openBuy(), true
	case matches(msg, k.BuyAgain):
		if !m.mayAct(backend.ActBuy) {
			return nil, true
		}
		return m.buyAgain(), true
	case matches(msg, k.Command):
		return m.openCommand(), true
	case matches(msg, k.Mark):
		m.mark()
		return nil, true
	case matches(msg, k.HideClosed):
		if p, ok := m.panes[m.focus].(interface{ ToggleClosed() }); ok && !m.showDet {
			p.ToggleClosed()
		}
		return nil, true
	case matches(msg, k.Sort):
		if m.focus == paneLines && !m.showDet {
			m.lines.CycleSort(m.clock())
		} else {
			m.setStatus("sorting is for the lines pane")
		}
		return nil, true
	}
	return nil, false
}

// act starts an action on the selected item: it explains why not, asks
// for confirmation where money moves, or sends it.
func (m *Model) act(kind backend.ActionKind) tea.Cmd {
	if !m.mayAct(kind) {
		return nil
	}
	if keys := m.marked(); len(keys) > 0 && bulkKind(kind) {
		return m.bulk(kind, keys)
	}
	t, ok := m.target()
	if !ok {
		m.setStatus("select a line, lease or job first")
		return nil
	}
	if why := m.refusal(t, kind); why != "" {
		m.setStatus(why)
		return nil
	}
	act := m.newAction(kind, t)
	if !needsConfirm(kind) {
		m.o.Backend.Submit(act)
		m.toast(backend.Info, kind.Verb()+" "+t.label+" …")
		return nil
	}
	m.dialog = m.confirmFor(act, t)
	return nil
}

// needsConfirm: actions that spend or forfeit money, finish (it cannot be
// undone) and auto-renew on (it spends later) ask first.
func needsConfirm(k backend.ActionKind) bool {
	return k.Spends() || k == backend.ActFinish || k == backend.ActAutoRenewOn
}

// priceUnknown is said when neither the provider nor the picker gave a
// price (the price row then reads "unknown").
const priceUnknown = "Price unknown — the provider will charge its current price."

// confirmFor builds the confirmation naming the item, the price and the
// balance after.
func (m *Model) confirmFor(act backend.Action, t target) *confirm {
	acc := m.data.Accounts[t.account]
	var rows [][2]string
	var note string
	rows = append(rows, [2]string{"account", t.account + " (" + t.provider.Label() + ")"})
	switch act.Kind {
	case backend.ActRestore:
		if t.price.Known {
			rows = append(rows, [2]string{"monthly rent", t.price.String() + ", before the restore multiplier"})
		}
		rows = append(rows, [2]string{"note", t.provider.Label() + " charges the exact total; a failed restore is refunded"})
	case backend.ActReuse:
		if !t.price.Known {
			rows, note = append(rows, [2]string{"price", "unknown"}), priceUnknown
		} else {
			rows = append(rows, [2]string{"last price", t.price.String()})
			if after, ok := acc.Balance.Sub(t.price); ok {
				rows = append(rows, [2]string{"balance after", balanceAfter(acc.Balance, after) + " at that price"})
			}
		}
		rows = append(rows, [2]string{"note", "the same number, bought again; it is then watched for a new code"})
	case backend.ActRenew:
		if !t.price.Known {
			rows, note = append(rows, [2]string{"price", "unknown"}), priceUnknown
			break
		}
		rows = append(rows, [2]string{"price", t.price.String() + " for 1 " + cmp.Or(t.period, "period")})
		if after, ok := acc.Balance.Sub(t.price); ok {
			rows = append(rows, [2]string{"balance after", balanceAfter(acc.Balance, after)})
		}
	case backend.ActAutoRenewOn:
		price := "unknown"
		if t.price.Known {
			price = t.price.String() + " each " + cmp.Or(t.period, "period")
		}
		rows = append(rows, [2]string{"renews at", price})
		note = t.provider.Label() + " will charge every renewal by itself until auto-renew is turned off."
		if !t.price.Known {
			note = priceUnknown + " " + note
		}
	case backend.ActFinish:
		note = "Finishing cannot be undone: the number gets no more SMS."
	case backend.ActCancel, backend.ActReject, backend.ActBan:
		if t.price.Known {
			rows = append(rows, [2]string{"paid", t.price.String()})
			if act.Kind != backend.ActBan {
				if after, ok := acc.Balance.Sub(backend.NewMoney(t.price.Amount.Neg(), t.price.Currency)); ok {
					rows = append(rows, [2]string{"balance after", balanceAfter(acc.Balance, after) + " if refunded"})
				}
			}
		}
		rows = append(rows, [2]string{"note", "the number is given up"})
	}
	title := map[backend.ActionKind]string{backend.ActRenew: "Renew", backend.ActRestore: "Restore", backend.ActReuse: "Buy again",
		backend.ActCancel: "Cancel", backend.ActReject: "Reject", backend.ActBan: "Ban", backend.ActFinish: "Finish",
		backend.ActAutoRenewOn: "Turn auto-renew on for"}[act.Kind]
	return &confirm{title: title + " " + t.label, rows: rows, note: note, act: act, opened: m.clock()}
}

func balanceAfter(before, after backend.Money) string {
	return fmt.Sprintf("%s → %s", before.String(), after.String())
}

// copyCode copies the selected line's latest code, and only the code; an
// ambiguous SMS asks which of its codes.
func (m *Model) copyCode() tea.Cmd {
	l, ok := m.selectedLine()
	switch {
	case !ok:
		m.setStatus("select a line to copy its code")
		return nil
	case len(l.Candidates) > 0:
		m.dialog = m.chooseCode(l)
		return nil
	case l.Code == "" && !l.WindowAt.IsZero():
		m.setStatus("nothing copied: no code yet in the new receiving window of " + lineLabel(l) +
			" (its earlier code is history: enter shows it)")
		return nil
	case l.Code == "":
		m.setStatus("no code yet on " + lineLabel(l))
		return nil
	case l.Key == m.followed && m.clock().Sub(m.followedAt) < grace:
		// The cursor has just gone to this new code: the key may have
		// been meant for the one shown before. Copy nothing; say so.
		m.followed = ""
		m.setStatus("the code just changed to " + l.Code + " on " + lineLabel(l) + ": press " +
			keymap.First(m.keys.Copy) + " again to copy it")
		return nil
	}
	return m.copyLineCode(l.Key, l.Code)
}

// copySMS copies the selected line's SMS that carries its code (else its
// newest SMS) whole: the sanitized text, as the detail view shows it.
func (m *Model) copySMS() tea.Cmd {
	l, ok := m.selectedLine()
	if !ok {
		m.setStatus("select a line to copy its SMS")
		return nil
	}
	msgs, loaded := m.lines.History(l.Key)
	switch {
	case !loaded:
		m.setStatus("the SMS of " + lineLabel(l) + " are still loading")
		return nil
	case len(msgs) == 0:
		m.setStatus("no SMS yet on " + lineLabel(l))
		return nil
	}
	sms := msgs[0] // newest first
	for _, msg := range msgs {
		if (l.Code != "" && msg.Code == l.Code) || (len(l.Candidates) > 0 && slices.Equal(msg.Candidates, l.Candidates)) {
			sms = msg
			break
		}
	}
	what := "the SMS"
	if sms.Sender != "" {
		what += " from " + sms.Sender
	}
	return copyCmd(m.o.Clipboard, sms.Text, what)
}

// copyLineCode copies a line's code and tells the engine (auto-finish).
func (m *Model) copyLineCode(k backend.Key, code string) tea.Cmd {
	m.o.Backend.Copied(k)
	return copyCmd(m.o.Clipboard, code, "code "+code)
}

// copyCmd writes the system clipboard in a command; when that is not
// possible the result asks for OSC 52 instead.
func copyCmd(write func(string) error, text, what string) tea.Cmd {
	return func() tea.Msg {
		native := write != nil && write(text) == nil
		return copiedMsg{text: text, what: what, native: native}
	}
}

// copied reports the copy and falls back to OSC 52 through the terminal.
func (m *Model) copied(c copiedMsg) tea.Cmd {
	if c.native {
		m.toast(backend.Success, "copied "+c.what+" (system clipboard)")
		return nil
	}
	m.toast(backend.Success, "copied "+c.what+" (terminal clipboard, OSC 52)")
	return tea.SetClipboard(c.text)
}

// keyFor names the first key bound to an action, for wording refusals
// with the operator's own bindings.
func (m *Model) keyFor(k backend.ActionKind) string { return keymap.First(m.keys.ForAction(k)) }
