package views

import (
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/themes"
)

// Thresholds colour countdowns by urgency.
type Thresholds struct{ Warn, Urgent, Critical time.Duration }

// Expiries is pane 3: every lease by time left.
type Expiries struct {
	listPane[leaseRef]
	th   Thresholds
	data *Data
}

// leaseRef is a lease's place: soonest first; then what has already
// expired (most recent first, often still restorable); then what never
// expires.
type leaseRef struct {
	key     backend.Key
	expires int64 // unix nanos
	rank    int8  // 0 ahead, 1 expired, 2 never
}

func leaseOrder(a, b leaseRef) int {
	switch {
	case a.rank != b.rank:
		return int(a.rank) - int(b.rank)
	case a.expires != b.expires:
		if (a.expires < b.expires) == (a.rank != 1) {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a.key), string(b.key))
}

func leaseRefOf(l backend.Lease, now time.Time) leaseRef {
	r := leaseRef{key: l.Key, expires: nanos(l.ExpiresAt)}
	switch {
	case l.ExpiresAt.IsZero():
		r.rank, r.expires = 2, 0
	case l.ExpiresAt.Before(now):
		r.rank = 1
	}
	return r
}

// NewExpiries makes the expiries pane.
func NewExpiries(t themes.Theme, th Thresholds) *Expiries {
	p := &Expiries{th: th}
	p.listPane = listPane[leaseRef]{t: t, list: NewList(func(r leaseRef) backend.Key { return r.key }, leaseOrder,
		func(r leaseRef) searchable { return leaseText(p.data.Leases[r.key], r.rank == 1) })}
	return p
}

func (p *Expiries) Title() string { return "Expiries" }
func (p *Expiries) Info() string  { return p.position(p.Title()) }

// expiriesNarrow is the width below which the kind and auto-renew
// columns give way to the name and account.
const expiriesNarrow = 60

// SelectedLease is the lease under the cursor.
func (p *Expiries) SelectedLease() (backend.Lease, bool) {
	r, ok := p.list.Selected()
	if !ok {
		return backend.Lease{}, false
	}
	l, ok := p.data.Leases[r.key]
	return l, ok
}

// SetData places every lease (at start).
func (p *Expiries) SetData(d *Data, now time.Time) {
	p.data = d
	refs := make([]leaseRef, 0, len(d.Leases))
	for _, l := range d.Leases {
		refs = append(refs, leaseRefOf(l, now))
		p.holdAccount(l.Account)
	}
	p.list.Set(refs)
}

// Update re-places the leases an event changed or removed, and the
// leases that have expired since they were placed.
func (p *Expiries) Update(d *Data, changed []backend.Lease, removed []backend.Key, now time.Time) {
	p.data = d
	for _, l := range changed {
		p.holdAccount(l.Account)
	}
	put, gone := sortOut(changed, removed, func(l backend.Lease) backend.Key { return l.Key }, func(k backend.Key) (leaseRef, bool) {
		cur, ok := d.Leases[k]
		return leaseRefOf(cur, now), ok
	})
	p.list.Update(append(put, p.expired(now)...), gone)
}

// expired are the leases placed ahead that have expired by now: they
// lead the list.
func (p *Expiries) expired(now time.Time) []leaseRef {
	var out []leaseRef
	for r := range p.list.All() {
		if r.rank != 0 || r.expires >= nanos(now) {
			break
		}
		out = append(out, leaseRefOf(p.data.Leases[r.key], now))
	}
	return out
}

// Tick moves the leases that have expired since they were placed.
func (p *Expiries) Tick(now time.Time) {
	if gone := p.expired(now); len(gone) > 0 {
		p.list.Update(gone, nil)
	}
}

// NextChange: countdowns on screen, and the next lease to expire (it
// moves among the expired).
func (p *Expiries) NextChange(now time.Time) time.Time {
	_, next := p.rows(now)
	for r := range p.list.All() {
		if r.rank == 0 {
			next = earliest(next, time.Unix(0, r.expires).Add(1))
		}
		break
	}
	return next
}

// urgency colours a countdown to e by the time left, noting when the
// colour turns.
func (p *Expiries) urgency(e time.Time, c *rowClock) themes.Ink {
	switch {
	case c.reached(e.Add(-p.th.Critical)):
		return p.t.Ink.Bad
	case c.reached(e.Add(-p.th.Urgent)):
		return p.t.Ink.Hot
	case c.reached(e.Add(-p.th.Warn)):
		return p.t.Ink.Warn
	}
	return p.t.Ink.OK
}

var leaseWord = map[backend.LeaseKind]string{
	backend.LeaseProxy: "proxy", backend.LeaseDomain: "domain", backend.LeaseNumber: "number", backend.LeaseSSL: "ssl",
}

func (p *Expiries) rows(now time.Time) ([]string, time.Time) {
	return visibleRows(p.list, &p.cache, p.w, now, rowSpec[leaseRef]{
		key:    func(r leaseRef) backend.Key { return r.key },
		ver:    func(r leaseRef) uint64 { return p.data.Leases[r.key].Version },
		render: func(r leaseRef, sel bool, c *rowClock) string { return p.row(p.data.Leases[r.key], sel, c) },
	})
}

func (p *Expiries) View(now time.Time) []string {
	if p.list.Total() == 0 {
		if p.data.LeasesLoading() {
			return empty(&p.t, "loading…", p.w, p.h)
		}
		return empty(&p.t, "nothing expires", p.w, p.h)
	}
	rows, _ := p.rows(now)
	return pad(append(p.noMatch("lease"), rows...), p.h)
}

func (p *Expiries) row(l backend.Lease, sel bool, c *rowClock) string {
	t := &p.t
	left, leftInk := "no expiry", t.Ink.Faint
	if e := l.ExpiresAt; !e.IsZero() {
		switch {
		case c.after(e):
			left, leftInk = "expired "+c.ago(e), t.Ink.Faint
		case c.before(e.Add(-time.Hour)):
			left, leftInk = c.countdownMinutes(e), p.urgency(e, c)
		default:
			left, leftInk = c.left(e), p.urgency(e, c)
		}
	}
	auto, autoInk := "", t.Ink.Faint
	if l.HasAuto {
		if l.AutoRenew {
			auto, autoInk = "auto", t.Ink.OK
		} else {
			auto = "manual"
		}
	}
	if p.data != nil && p.data.Stale(l.Account) {
		leftInk = t.Ink.Stale
	}
	mark, markInk := p.markIcon(l.Key, "", t.Ink.Faint)
	cells := []cell{
		{text: mark, ink: markInk, w: 1},
		{text: left, ink: leftInk, w: 14, right: true},
		{text: leaseWord[l.Kind], ink: t.Ink.Muted, w: 6},
		{text: l.Name, ink: t.Ink.Text},
		{text: l.Account, ink: t.Ink.Muted, w: p.accountWidth(11, 1+14+6+6+5, 24), grow: true},
		{text: auto, ink: autoInk, w: 6},
	}
	if p.w < expiriesNarrow { // the kind and auto-renew give way first
		cells = []cell{cells[0], cells[1], cells[3], cells[4]}
	}
	return renderRow(t, cells, p.w, sel)
}

// leaseText is what the filter searches in a lease: its name first; an
// expired lease is closed.
func leaseText(l backend.Lease, expired bool) searchable {
	state := l.State
	if expired {
		state += " expired"
	}
	return searchable{name: l.Name, rest: string(l.Kind) + " " + l.Account,
		fields: [numFields]string{state, l.Account, providerWords(l.Provider), string(l.Kind)}, closed: expired}
}
