package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/themes"
)

func matches(msg tea.KeyPressMsg, b key.Binding) bool { return key.Matches(msg, b) }

// Balances is pane 1: one row per account, in config order.
type Balances struct {
	listPane[accountRef]
	data *Data
	// the widest name and balance held: their columns fit them, so a
	// balance is never cut and the amounts line up
	nameW, balW int
	// what each account's row adds to the columns and counts, so one
	// account's event need not read all of them again
	held        map[string]heldAccount
	low, failed int
}

type heldAccount struct {
	balW        int
	low, failed bool
}

// hold notes what account a adds to the columns and counts, returning
// its balance's width before and now.
func (p *Balances) hold(a backend.Account) (was, now int) {
	h := heldAccount{balW: Width(a.Balance.String()), low: a.Low(), failed: a.Health == backend.HealthFailing}
	prev := p.held[a.Name]
	p.held[a.Name] = h
	p.low += boolInt(h.low) - boolInt(prev.low)
	p.failed += boolInt(h.failed) - boolInt(prev.failed)
	return prev.balW, h.balW
}

// accountRef is an account's place: its position in the config.
type accountRef struct {
	name string
	at   int
}

// NewBalances makes the balances pane.
func NewBalances(t themes.Theme) *Balances {
	p := &Balances{}
	p.listPane = listPane[accountRef]{t: t, list: NewList(func(a accountRef) backend.Key { return backend.Key(a.name) },
		func(a, b accountRef) int { return a.at - b.at },
		func(a accountRef) searchable {
			return searchable{name: a.name, rest: p.data.Accounts[a.name].Provider.Label()}
		})}
	return p
}

func (p *Balances) Title() string { return "Balances" }
func (p *Balances) Info() string {
	low, bad := p.low, p.failed
	var parts []string
	parts = append(parts, fmt.Sprintf("%d accounts", p.list.Total()))
	if bad > 0 {
		parts = append(parts, fmt.Sprintf("%d failing", bad))
	}
	if low > 0 {
		parts = append(parts, fmt.Sprintf("%d low", low))
	}
	return strings.Join(parts, " · ")
}

// SelectedAccount is the account under the cursor.
func (p *Balances) SelectedAccount() (backend.Account, bool) {
	r, ok := p.list.Selected()
	if !ok {
		return backend.Account{}, false
	}
	return p.data.Accounts[r.name], true
}

// SetData takes the accounts in config order.
func (p *Balances) SetData(d *Data) {
	p.data = d
	items := make([]accountRef, 0, len(d.Order))
	for i, n := range d.Order {
		if _, ok := d.Accounts[n]; ok {
			items = append(items, accountRef{n, i})
		}
	}
	p.list.Set(items)
	nameW := 0
	p.held, p.low, p.failed = make(map[string]heldAccount, len(d.Accounts)), 0, 0
	for _, a := range d.Accounts {
		nameW = max(nameW, Width(a.Name))
		p.hold(a)
	}
	p.fit(nameW, p.widestBalance())
}

// Update applies changed accounts: a row reads its account from d, so
// only an account new to the list is placed, and only the changed
// balances are measured (at 200 accounts and tens of events a second,
// re-listing them all was most of a session's work).
func (p *Balances) Update(d *Data, changed []backend.Account) {
	p.data = d
	var put []accountRef
	nameW, balW, shrank := p.nameW, p.balW, false
	for _, a := range changed {
		if _, ok := p.list.Get(backend.Key(a.Name)); !ok {
			if at := slices.Index(d.Order, a.Name); at >= 0 {
				put = append(put, accountRef{a.Name, at})
			}
		}
		was, w := p.hold(a)
		nameW, balW = max(nameW, Width(a.Name)), max(balW, w)
		shrank = shrank || (was == p.balW && w < was)
	}
	if shrank { // the widest balance may have narrowed
		balW = p.widestBalance()
	}
	if len(put) > 0 {
		p.list.Update(put, nil)
	}
	p.fit(nameW, balW)
}

// fit sizes the name and balance columns, redrawing the rows when
// they change.
func (p *Balances) fit(nameW, balW int) {
	if nameW != p.nameW || balW != p.balW {
		p.nameW, p.balW = nameW, balW
		p.cache.reset()
	}
}

func (p *Balances) widestBalance() int {
	w := 0
	for _, h := range p.held {
		w = max(w, h.balW)
	}
	return w
}

// NextChange: "synced 12s ago" counts up, "resumes in 40s" down.
func (p *Balances) NextChange(now time.Time) time.Time {
	_, next := p.rows(now)
	return next
}

func (p *Balances) rows(now time.Time) ([]string, time.Time) {
	return visibleRows(p.list, &p.cache, p.w, now, rowSpec[accountRef]{
		key: func(r accountRef) backend.Key { return backend.Key(r.name) },
		ver: func(r accountRef) uint64 {
			// The row shows the account and whether it is stale.
			return p.data.Accounts[r.name].Version<<1 | boolBit(p.data.Stale(r.name))
		},
		render: func(r accountRef, sel bool, c *rowClock) string { return p.row(p.data.Accounts[r.name], sel, c) },
	})
}

func (p *Balances) View(now time.Time) []string {
	if p.list.Len() == 0 {
		return empty(&p.t, "no accounts", p.w, p.h)
	}
	rows, _ := p.rows(now)
	return pad(rows, p.h)
}

func (p *Balances) row(a backend.Account, sel bool, c *rowClock) string {
	nameW, balW := 14, 14
	if p.w < 70 {
		nameW, balW = 10, 12
	}
	// Names as wide as the widest, up to a quarter of the row; balances
	// whole.
	nameW, balW = max(nameW, min(p.nameW, p.w/4)), max(balW, p.balW)
	stale := p.data.Stale(a.Name)
	balInk := p.t.Ink.Bold
	switch {
	case stale:
		balInk = p.t.Ink.Stale
	case a.Low():
		balInk = p.t.Ink.Bad
	}
	var extra []string
	if a.Frozen.Known && !a.Frozen.Amount.IsZero() {
		extra = append(extra, "frozen "+a.Frozen.String())
	}
	if a.Rating != nil {
		extra = append(extra, fmt.Sprintf("rating %g", *a.Rating))
	}
	if a.Low() {
		extra = append(extra, "⚠ low")
	}
	if a.ReadOnly {
		extra = append(extra, "read-only")
	}
	statusText, statusInk := p.status(a, stale, c)
	dot, dotInk := healthDot(&p.t, a, stale)
	cells := []cell{
		{text: dot, ink: dotInk, w: 1},
		{text: a.Provider.Label(), ink: p.t.Ink.Muted, w: 7},
		{text: a.Name, ink: p.t.Ink.Text, w: nameW},
		{text: a.Balance.String(), ink: balInk, w: balW, right: true},
		{text: strings.Join(extra, " · "), ink: p.t.Ink.Muted},
		{text: statusText, ink: statusInk, w: min(max(Width(statusText), 14), p.w/2), right: true},
	}
	return renderRow(&p.t, cells, p.w, sel)
}

// healthDot is an account's health as a glyph and ink.
func healthDot(t *themes.Theme, a backend.Account, stale bool) (string, themes.Ink) {
	switch {
	case a.Health == backend.HealthFailing:
		return "●", t.Ink.Bad
	case a.Health == backend.HealthDegraded:
		return "●", t.Ink.Warn
	case stale:
		return "○", t.Ink.Unknown
	}
	return "●", t.Ink.OK
}

// HealthDot renders an account's health dot.
func HealthDot(t *themes.Theme, a backend.Account, stale bool) string {
	s, ink := healthDot(t, a, stale)
	return ink.Paint(s)
}

// status is the right-hand sync words of an account row.
func (p *Balances) status(a backend.Account, stale bool, c *rowClock) (string, themes.Ink) {
	switch {
	case !a.PausedUntil.IsZero() && c.before(a.PausedUntil):
		return "rate limited · resumes in " + c.countdown(a.PausedUntil), p.t.Ink.Warn
	case a.Health == backend.HealthFailing:
		return "failing: " + shortErr(a.LastError), p.t.Ink.Bad
	case a.Health == backend.HealthDegraded:
		return "degraded: " + shortErr(a.LastError), p.t.Ink.Warn
	case stale && a.LastGood.IsZero():
		return "not synced yet", p.t.Ink.Stale
	case stale:
		return "stale · synced " + c.ago(a.LastGood), p.t.Ink.Stale
	}
	return "synced " + c.ago(a.LastGood), p.t.Ink.Faint
}

// shortErr drops the provider prefix the row already shows.
func shortErr(s string) string {
	if i := strings.Index(s, ": "); i >= 0 && i < 10 {
		return s[i+2:]
	}
	return s
}

func boolInt(b bool) int { return int(boolBit(b)) }

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
