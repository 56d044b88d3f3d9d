package views

import (
	"time"

	"switchboard/backend"
)

// Data is the engine's state as the UI follows it from events; the lines
// are the hub's own values, shared by every screen and never changed.
type Data struct {
	Accounts map[string]backend.Account
	Order    []string                      // account names in config order
	Lines    map[backend.Key]*backend.Line // shared with the events and every subscriber: read only
	Leases   map[backend.Key]backend.Lease
	Jobs     map[backend.Key]backend.Job
	Demo     bool
	// Still is a frame printed once (--print): nothing on it turns.
	Still bool
	// Started is when this run began: an account with no good poll since
	// is shown stale.
	Started time.Time
	// LeasesListed: accounts whose leases the engine has listed in full
	// this run.
	LeasesListed map[string]bool
	// first is the first state's lines in the order they came (a still
	// engine's: the cache's, the order they lie in memory), until the
	// next event: the panes' first pass over every line reads them in
	// that order, not the map's, which at 100,000 lines is mostly
	// cache misses.
	first []*backend.Line
}

// NewData makes empty state for the given accounts.
func NewData(order []string) *Data {
	return &Data{Accounts: map[string]backend.Account{}, Order: order,
		Lines: map[backend.Key]*backend.Line{}, Leases: map[backend.Key]backend.Lease{},
		Jobs: map[backend.Key]backend.Job{}, LeasesListed: map[string]bool{}}
}

// Changed says which kinds of objects an event touched; Stale that an
// account's stale or health mark moved (rows show it).
type Changed struct{ Accounts, Lines, Leases, Jobs, Stale bool }

// Apply merges an engine event.
func (d *Data) Apply(ev backend.Event) Changed {
	var c Changed
	d.first = nil
	if len(d.Lines) == 0 && len(ev.Lines) > 0 { // the first state: room for all of it at once
		d.Lines = make(map[backend.Key]*backend.Line, len(ev.Lines))
		d.first = ev.Lines
	}
	if len(d.Leases) == 0 && len(ev.Leases) > 0 {
		d.Leases = make(map[backend.Key]backend.Lease, len(ev.Leases))
	}
	if len(d.Jobs) == 0 && len(ev.Jobs) > 0 {
		d.Jobs = make(map[backend.Key]backend.Job, len(ev.Jobs))
	}
	for _, a := range ev.Accounts {
		prev, ok := d.Accounts[a.Name]
		if !ok {
			d.Order = appendMissing(d.Order, a.Name)
		}
		wasStale := d.Stale(a.Name)
		d.Accounts[a.Name] = a
		c.Accounts = true
		c.Stale = c.Stale || !ok || wasStale != d.Stale(a.Name) || prev.Health != a.Health
	}
	for _, k := range ev.Removed {
		if _, ok := d.Lines[k]; ok {
			delete(d.Lines, k)
			c.Lines = true
		}
		if _, ok := d.Leases[k]; ok {
			delete(d.Leases, k)
			c.Leases = true
		}
		if _, ok := d.Jobs[k]; ok {
			delete(d.Jobs, k)
			c.Jobs = true
		}
	}
	for _, l := range ev.Lines {
		d.Lines[l.Key] = l
		c.Lines = true
	}
	for _, l := range ev.Leases {
		d.Leases[l.Key] = l
		c.Leases = true
	}
	for _, j := range ev.Jobs {
		d.Jobs[j.Key] = j
		c.Jobs = true
	}
	for _, a := range ev.LeasesListed {
		c.Leases = c.Leases || !d.LeasesListed[a] // "loading…" may become "nothing expires"
		d.LeasesListed[a] = true
	}
	// Waiting lines show in the queues pane too.
	if c.Lines {
		c.Jobs = true
	}
	return c
}

// allLines visits every line once: the first state's in the order they
// came while nothing changed since (the same lines as the map's unless
// a key came twice), else the map's.
func (d *Data) allLines(yield func(*backend.Line) bool) {
	if len(d.first) == len(d.Lines) {
		for _, l := range d.first {
			if !yield(l) {
				return
			}
		}
		return
	}
	for _, l := range d.Lines {
		if !yield(l) {
			return
		}
	}
}

// Line is a copy of the line with key k (the zero line when there is
// none): the lines are shared with the hub and every other screen, and
// never changed.
func (d *Data) Line(k backend.Key) backend.Line {
	if l := d.Lines[k]; l != nil {
		return *l
	}
	return backend.Line{}
}

// LineVersion is the version of the line with key k (0 when there is
// none), read without copying the line: every visible row asks it at
// every frame.
func (d *Data) LineVersion(k backend.Key) uint64 {
	if l := d.Lines[k]; l != nil {
		return l.Version
	}
	return 0
}

// Stale reports whether an account has had no good poll this run.
func (d *Data) Stale(account string) bool {
	a, ok := d.Accounts[account]
	return !ok || a.Health == backend.HealthUnknown || a.LastGood.Before(d.Started)
}

// LeasesLoading reports whether some account's leases have not been
// listed yet this run (an account turns healthy on its balance, before
// its leases arrive): an empty Expiries pane may only be empty so far. A
// failing account is not waited for, nor is a printed frame (nothing
// more will come).
func (d *Data) LeasesLoading() bool {
	if d.Still {
		return false
	}
	for name, a := range d.Accounts {
		if !d.LeasesListed[name] && a.Health != backend.HealthFailing {
			return true
		}
	}
	return false
}

func appendMissing(xs []string, x string) []string {
	for _, v := range xs {
		if v == x {
			return xs
		}
	}
	return append(xs, x)
}
