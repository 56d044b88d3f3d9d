package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/views"
)

// modal is an open dialog: it gets every key until it closes itself.
type modal interface {
	key(m *Model, msg tea.KeyPressMsg) tea.Cmd
	update(m *Model, msg tea.Msg) tea.Cmd
	view(m *Model) string
}

// grace is how long a dialog that spends or forfeits money ignores its
// confirming key after it opens, so a keystroke meant for something else
// (Enter pressed fast, a key typed as an offer appears) cannot confirm it.
const grace = 600 * time.Millisecond

// confirm asks before money moves: y (after the grace period) sends the
// action, n/esc drops it at any time. Enter never confirms.
type confirm struct {
	title  string
	rows   [][2]string
	note   string
	act    backend.Action
	opened time.Time
	// onYes, when set, replaces submitting act (offers re-send a buy).
	onYes func(m *Model) tea.Cmd
	onNo  func(m *Model)
}

// waiting is what is left of the grace period.
func (c *confirm) waiting(now time.Time) time.Duration { return grace - now.Sub(c.opened) }

func (c *confirm) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(msg, m.keys.Refuse), msg.String() == "q":
		m.dialog = nil
		if c.onNo != nil {
			c.onNo(m)
		}
		m.setStatus("nothing sent")
	case msg.String() == "enter" || c.waiting(m.clock()) > 0:
		// Not a decision, whatever the key map says.
	case matches(msg, m.keys.Confirm):
		m.dialog = nil
		if c.onYes != nil {
			return c.onYes(m)
		}
		m.o.Backend.Submit(c.act)
		m.toast(backend.Info, c.act.Kind.Verb()+" "+c.act.Label+" — sent")
	}
	return nil
}

func (c *confirm) update(*Model, tea.Msg) tea.Cmd { return nil }

// labelWidth is the width of a confirmation's label column.
const labelWidth = 15

// confirmWidth is a confirmation's width and the width its text gets.
func (m *Model) confirmWidth() (w, inner int) {
	w = min(max(m.w/2, 50), 72)
	return w, w - m.theme.Dialog.GetHorizontalFrameSize()
}

func (c *confirm) view(m *Model) string {
	t := m.theme
	w, inner := m.confirmWidth()
	style := t.Dialog.Width(w)
	// It fits above the status bar. A long label (an account's name) goes
	// whole on a row of its own when there is room; on a short screen the
	// blank padding goes first, then the note's last lines: the rows (the
	// price, the balance after) and the keys always show.
	notes := 4
	b := c.body(m, inner, splitLabels(c.rows), notes)
	fits := func() bool { return len(b)+style.GetVerticalFrameSize() <= m.h-1 }
	if !fits() {
		b = c.body(m, inner, c.rows, notes)
	}
	if !fits() {
		style = style.PaddingTop(0).PaddingBottom(0)
	}
	for ; !fits() && notes > 0; notes-- {
		b = c.body(m, inner, c.rows, notes-1)
	}
	return style.Render(strings.Join(b, "\n"))
}

// body is the dialog's text with at most notes lines of its note.
func (c *confirm) body(m *Model, inner int, rows [][2]string, notes int) []string {
	t := m.theme
	var b []string
	b = append(b, t.DialogTitle.Render(views.Fit(c.title, inner)), "")
	for _, r := range rows {
		// The column keeps a space before the value even when it cuts.
		label := views.Fit(r[0], labelWidth-1) + " "
		b = append(b, views.Fit(t.Muted.Render(label)+t.Text.Render(r[1]), inner))
	}
	if c.note != "" && notes > 0 {
		b = append(b, "")
		for _, l := range wrapText(c.note, inner, notes) {
			b = append(b, t.Muted.Render(l))
		}
	}
	return append(b, "", m.graceHint(c.waiting(m.clock()), "confirm", "refuse"))
}

// graceHint is a money question's keys: the confirming one faint, with
// its countdown, while the grace period runs.
func (m *Model) graceHint(left time.Duration, yesDo, noDo string) string {
	t := m.theme
	yes, no := m.keys.Confirm.Help().Key, m.keys.Refuse.Help().Key
	if left > 0 {
		return t.Faint.Render(fmt.Sprintf("%s %s (ready in %.1fs)   ", yes, yesDo, left.Seconds())) +
			t.Key.Render(no) + t.KeyDesc.Render(" "+noDo)
	}
	return t.Key.Render(yes) + t.KeyDesc.Render(" "+yesDo+"   ") + t.Key.Render(no) + t.KeyDesc.Render(" "+noDo)
}

// graceMsg redraws a confirmation while its grace period runs out.
type graceMsg struct{}

// graceTick schedules the next redraw of an open confirmation's grace
// countdown, one at a time.
func (m *Model) graceTick() tea.Cmd {
	c, ok := m.dialog.(interface{ waiting(time.Time) time.Duration })
	if !ok || m.graceTicking {
		return nil
	}
	left := c.waiting(m.clock())
	if left <= 0 {
		return nil
	}
	m.graceTicking = true
	return tea.Tick(min(left, 100*time.Millisecond), func(time.Time) tea.Msg { return graceMsg{} })
}

// openOffer shows a provider's question (NonVoip price change, premium
// bid): accepting re-sends the purchase with the answer, refusing drops
// it.
func (m *Model) openOffer(n backend.Notice) {
	o := *n.Offer
	act := *n.Action
	acc := m.data.Accounts[act.Account]
	rows := [][2]string{{"account", act.Account}}
	var title string
	switch o.Kind {
	case backend.OfferPriceChange:
		title = "Price changed"
		price := backend.NewMoney(o.Available, acc.Balance.Currency)
		quoted := backend.NewMoney(o.Quoted, acc.Balance.Currency)
		rows = append(rows, [2]string{"quoted", quoted.String()}, [2]string{"now", price.String()})
		if after, ok := acc.Balance.Sub(price); ok {
			rows = append(rows, [2]string{"balance after", balanceAfter(acc.Balance, after)})
		}
	case backend.OfferPremium:
		title = "No ordinary stock — premium bid?"
		rows = append(rows, [2]string{"recommended", itoa(o.RecommendedBid) + "% above the price"})
	}
	next := act
	next.ID = backend.NewActionID(backend.ActBuy)
	if act.Buy != nil {
		b := *act.Buy
		switch o.Kind {
		case backend.OfferPriceChange:
			v := o.Available
			b.AcceptedMaxPrice = &v
		case backend.OfferPremium:
			b.Auction = o.RecommendedBid
		}
		next.Buy = &b
	}
	m.dialog = &confirm{title: title, rows: rows, act: next, opened: m.clock(),
		note: "Accepting places the order at this price. Refusing leaves nothing bought.",
		onNo: func(m *Model) { m.toast(backend.Info, "offer refused: nothing bought") }}
}
