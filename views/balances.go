package views

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"switchboard/backend"
	"switchboard/themes"
)

func matches(msg tea.KeyPressMsg, b key.Binding) bool { return key.Matches(msg, b) }

// Balances is pane 1: one row per account.
type Balances struct {
	listPane[backend.Account]
	data *Data
}

// NewBalances makes the balances pane.
func NewBalances(t themes.Theme) *Balances {
	return &Balances{listPane: listPane[backend.Account]{t: t, list: NewList(func(a backend.Account) backend.Key {
		return backend.Key(a.Name)
	}, func(a backend.Account) string {
		return a.Name + " " + a.Provider.Label()
	})}}
}

func (p *Balances) Title() string { return "Balances" }
func (p *Balances) Info() string {
	low, bad := 0, 0
	for _, a := range p.data.Accounts {
		if a.Low() {
			low++
		}
		if a.Health == backend.HealthFailing {
			bad++
		}
	}
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
func (p *Balances) SelectedAccount() (backend.Account, bool) { return p.list.Selected() }

// SetData takes the accounts in config order.
func (p *Balances) SetData(d *Data) {
	p.data = d
	items := make([]backend.Account, 0, len(d.Order))
	for _, n := range d.Order {
		if a, ok := d.Accounts[n]; ok {
			items = append(items, a)
		}
	}
	p.list.SetItems(items)
}

// Ticking: "synced 12s ago" counts up.
func (p *Balances) Ticking(time.Time) bool { return p.list.Len() > 0 }

func (p *Balances) View(now time.Time) string {
	if p.list.Len() == 0 {
		return empty(p.t, "no accounts", p.w, p.h)
	}
	nameW, balW := 14, 14
	if p.w < 70 {
		nameW, balW = 10, 12
	}
	var lines []string
	tick := tickOf(now)
	for r, a := range p.list.Window() {
		sel := p.list.IsCursor(r)
		stale := p.data.Stale(a.Name)
		// "synced 12s ago" changes every second; the rest with the account.
		ver := a.Version<<1 | boolBit(stale)
		if s, ok := p.cache.get(backend.Key(a.Name), ver, p.w, sel, tick); ok {
			lines = append(lines, s)
			continue
		}
		balStyle := p.t.Bold
		switch {
		case stale:
			balStyle = p.t.Stale
		case a.Low():
			balStyle = p.t.Bad
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
		statusText, statusStyle := p.status(a, stale, now)
		dot, dotStyle := healthDot(p.t, a, stale)
		cells := []cell{
			{text: dot, st: dotStyle, w: 1},
			{text: a.Provider.Label(), st: p.t.Muted, w: 7},
			{text: a.Name, st: p.t.Text, w: nameW},
			{text: a.Balance.String(), st: balStyle, w: balW, right: true},
			{text: strings.Join(extra, " · "), st: p.t.Muted},
			{text: statusText, st: statusStyle, w: min(max(Width(statusText), 14), p.w/2), right: true},
		}
		row := renderRow(p.t, cells, p.w, sel)
		p.cache.put(backend.Key(a.Name), ver, p.w, sel, tick, row)
		lines = append(lines, row)
	}
	return pad(lines, p.h)
}

// healthDot is an account's health as a glyph and style.
func healthDot(t themes.Theme, a backend.Account, stale bool) (string, lipgloss.Style) {
	switch {
	case a.Health == backend.HealthFailing:
		return "●", t.Bad
	case a.Health == backend.HealthDegraded:
		return "●", t.Warn
	case stale:
		return "○", t.Unknown
	}
	return "●", t.OK
}

// HealthDot renders an account's health dot.
func HealthDot(t themes.Theme, a backend.Account, stale bool) string {
	s, st := healthDot(t, a, stale)
	return st.Render(s)
}

// status is the right-hand sync words of an account row.
func (p *Balances) status(a backend.Account, stale bool, now time.Time) (string, lipgloss.Style) {
	switch {
	case !a.PausedUntil.IsZero() && a.PausedUntil.After(now):
		return "rate limited · resumes in " + Span(a.PausedUntil.Sub(now)), p.t.Warn
	case a.Health == backend.HealthFailing:
		return "failing: " + shortErr(a.LastError), p.t.Bad
	case a.Health == backend.HealthDegraded:
		return "degraded: " + shortErr(a.LastError), p.t.Warn
	case stale && a.LastGood.IsZero():
		return "not synced yet", p.t.Stale
	case stale:
		return "stale · synced " + Ago(a.LastGood, now), p.t.Stale
	}
	return "synced " + Ago(a.LastGood, now), p.t.Faint
}

// shortErr drops the provider prefix the row already shows.
func shortErr(s string) string {
	if i := strings.Index(s, ": "); i >= 0 && i < 10 {
		return s[i+2:]
	}
	return s
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
