package engine

import (
	"context"
	"strconv"

	"switchboard/backend"
)

// Orders of a provider that cannot list them (NonVoip) are known only to
// Switchboard. state.db holds them, but it is rebuilt when damaged, so the
// ledger keeps their keys too (StateChange.Watch / Unwatch, written when
// the engine first learns an order and when it stops showing it), and at
// start the engine looks up again every watched order state.db lost.

// adoptWatched compares the ledger's watched orders with the lines
// state.db gave back: the lost ones are looked up when Run starts, and
// orders known from before the ledger kept the set join it.
func (e *Engine) adoptWatched(s backend.Snapshot) {
	watched := map[backend.Key]bool{}
	for _, k := range s.Watched {
		watched[k] = true
		if ac := e.unlisted(k); ac != nil && ac.lines[k.ID()] == nil {
			e.lost = append(e.lost, k)
		}
	}
	var ch backend.StateChange
	for _, l := range s.Lines {
		if ac := e.unlisted(l.Key); ac != nil && !watched[l.Key] {
			ch.Watch = append(ch.Watch, l.Key)
		}
	}
	if !ch.Empty() {
		e.store.Save(ch)
	}
}

// unlisted is the configured account of k when its provider cannot list
// its orders.
func (e *Engine) unlisted(k backend.Key) *acct {
	p, account, kind, _ := k.Parts()
	ac := e.accts[account]
	if ac == nil || ac.info.Provider != p || kind != backend.ItemLine || ac.traits.ListsLines {
		return nil
	}
	return ac
}

// rewatch looks up the watched orders state.db lost, of the accounts this
// node owns; the others wait until it gains them (engine goroutine).
func (e *Engine) rewatch(ctx context.Context) {
	var now, later []backend.Key
	for _, k := range e.lost {
		if a := e.accts[k.Account()]; a != nil && e.owns(a) {
			now = append(now, k)
		} else {
			later = append(later, k)
		}
	}
	e.lost = later
	if len(now) == 0 {
		return
	}
	e.notify(backend.Info, "", "looking up "+strconv.Itoa(len(now))+
		" watched order(s) that state.db no longer had (kept in the ledger)")
	for _, k := range now {
		e.add(ctx, k.Account(), k.ID(), false)
	}
}

// unwatch forgets an order the provider no longer knows.
func (e *Engine) unwatch(ac *acct, id string) {
	if !ac.traits.ListsLines {
		e.store.Save(backend.StateChange{Unwatch: []backend.Key{backend.MakeKey(ac.info.Provider, ac.info.Name, backend.ItemLine, id)}})
	}
}
