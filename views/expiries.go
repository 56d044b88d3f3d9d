package views

import (
	"sort"
	"time"

	"charm.land/lipgloss/v2"

	"switchboard/backend"
	"switchboard/themes"
)

// Thresholds colour countdowns by urgency.
type Thresholds struct{ Warn, Urgent, Critical time.Duration }

// Expiries is pane 3: every lease by time left.
type Expiries struct {
	listPane[backend.Lease]
	th   Thresholds
	data *Data
}

// NewExpiries makes the expiries pane.
func NewExpiries(t themes.Theme, th Thresholds) *Expiries {
	return &Expiries{th: th, listPane: listPane[backend.Lease]{t: t, list: NewList(func(l backend.Lease) backend.Key { return l.Key },
		func(l backend.Lease) string { return l.Name + " " + string(l.Kind) + " " + l.Account })}}
}

func (p *Expiries) Title() string { return "Expiries" }
func (p *Expiries) Info() string  { return p.position() }

// SelectedLease is the lease under the cursor.
func (p *Expiries) SelectedLease() (backend.Lease, bool) { return p.list.Selected() }

// SetData sorts leases by expiry, soonest (and expired) first.
func (p *Expiries) SetData(d *Data, now time.Time) {
	p.data = d
	items := make([]backend.Lease, 0, len(d.Leases))
	for _, l := range d.Leases {
		items = append(items, l)
	}
	// Soonest first; then what has already expired (most recent first,
	// often still restorable); then what never expires.
	rank := func(l backend.Lease) int {
		switch {
		case l.ExpiresAt.IsZero():
			return 2
		case l.ExpiresAt.Before(now):
			return 1
		}
		return 0
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if !a.ExpiresAt.Equal(b.ExpiresAt) {
			if rank(a) == 1 {
				return a.ExpiresAt.After(b.ExpiresAt)
			}
			return a.ExpiresAt.Before(b.ExpiresAt)
		}
		return a.Key < b.Key
	})
	p.list.SetItems(items)
	p.cache.trim(len(items))
}

func (p *Expiries) Ticking(now time.Time) bool {
	for _, l := range p.list.Window() {
		if !l.ExpiresAt.IsZero() {
			return true
		}
	}
	return false
}

// Urgency picks the style of a countdown.
func (p *Expiries) Urgency(left time.Duration) lipgloss.Style {
	switch {
	case left <= p.th.Critical:
		return p.t.Bad
	case left <= p.th.Urgent:
		return p.t.Hot
	case left <= p.th.Warn:
		return p.t.Warn
	}
	return p.t.OK
}

var leaseWord = map[backend.LeaseKind]string{
	backend.LeaseProxy: "proxy", backend.LeaseDomain: "domain", backend.LeaseNumber: "number", backend.LeaseSSL: "ssl",
}

func (p *Expiries) View(now time.Time) string {
	if p.list.Total() == 0 {
		return empty(p.t, "nothing expires", p.w, p.h)
	}
	lines := p.noMatch("lease")
	lines = append(lines, visibleRows(p.list, &p.cache, p.w, rowSpec[backend.Lease]{
		key: func(l backend.Lease) backend.Key { return l.Key },
		ver: func(l backend.Lease) uint64 { return l.Version },
		// Seconds matter only in the last hour: rows further out change
		// once a minute, so they are cached by the minute.
		tick: func(l backend.Lease) int64 {
			if l.ExpiresAt.Sub(now) > time.Hour {
				return tickOf(now) / 60
			}
			return tickOf(now)
		},
		render: func(l backend.Lease, sel bool) string { return p.row(l, sel, now) },
	})...)
	return pad(lines, p.h)
}

func (p *Expiries) row(l backend.Lease, sel bool, now time.Time) string {
	t := p.t
	left, leftSt := "no expiry", t.Faint
	if !l.ExpiresAt.IsZero() {
		d := l.ExpiresAt.Sub(now)
		left, leftSt = Left(l.ExpiresAt, now), p.Urgency(d)
		switch {
		case d < 0:
			left, leftSt = "expired "+Ago(l.ExpiresAt, now), t.Faint
		case d > time.Hour:
			left = Span(d.Truncate(time.Minute))
		}
	}
	auto, autoSt := "", t.Faint
	if l.HasAuto {
		if l.AutoRenew {
			auto, autoSt = "auto", t.OK
		} else {
			auto = "manual"
		}
	}
	if p.data != nil && p.data.Stale(l.Account) {
		leftSt = t.Stale
	}
	cells := []cell{
		{text: left, st: leftSt, w: 14, right: true},
		{text: leaseWord[l.Kind], st: t.Muted, w: 6},
		{text: l.Name, st: t.Text},
		{text: l.Account, st: t.Muted, w: 11},
		{text: auto, st: autoSt, w: 6},
	}
	if p.w < 60 {
		cells = []cell{cells[0], cells[2], cells[4]}
	}
	return renderRow(t, cells, p.w, sel)
}
