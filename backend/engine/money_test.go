package engine

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

// base lets fakeOf find the fake under any wrapper that embeds it.
func (f *fakeProvider) base() *fakeProvider { return f }

// orderBook is a provider whose purchases never answer (the answer is
// lost) and whose Settle finds orders the way the adapters must: the
// oldest order not known before the buy and not claimed by another
// journal entry.
type orderBook struct {
	*fakeProvider
	orders []string // provider order ids, oldest first
	seen   []map[string]bool
}

func (o *orderBook) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.doCalls = append(o.doCalls, act)
	return backend.Outcome{}, &backend.Error{Provider: o.kind, Kind: backend.ErrOutcomeUnknown, Message: "connection reset"}
}

func (o *orderBook) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.settles++
	o.seen = append(o.seen, t.Claimed)
	for _, id := range o.orders {
		if t.KnownIDs[id] || t.Claimed[id] {
			continue
		}
		l := backend.Line{Key: backend.MakeKey(o.kind, o.account, backend.ItemLine, id), Account: o.account, Provider: o.kind,
			ID: id, Number: "+1555" + id, State: backend.LineWaiting, CreatedAt: backend.InstantOf(o.clock.Now())}
		return backend.SettledHappened, backend.Outcome{Lines: []backend.Line{l}, Note: "found order " + id}, nil
	}
	return backend.SettledNotDone, backend.Outcome{}, nil
}

// Two identical purchases whose answers were lost settle onto two
// different orders; a third identical one finds nothing left and settles
// as not done.
func TestIdenticalLostBuysClaimDifferentOrders(t *testing.T) {
	t.Parallel()
	f := &orderBook{fakeProvider: newFake(backend.FiveSim, "5sim", true, 600), orders: []string{"701", "702"}}
	store := newMemStore()
	e, c := startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Accounts) > 0 })
	req := backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}
	ids := []string{"buy-a", "buy-b", "buy-c"}
	for _, id := range ids {
		r := req
		e.Submit(backend.Action{ID: id, Kind: backend.ActBuy, Account: "5sim", Buy: &r})
	}
	waitSettled(t, store, ids...)
	got := map[string]string{} // order → action
	notDone := 0
	for _, id := range ids {
		entry := store.entry(id)
		switch entry.State {
		case backend.JournalHappened:
			if len(entry.Claimed) != 1 {
				t.Fatalf("%s settled onto %v, want one order", id, entry.Claimed)
			}
			if other, dup := got[entry.Claimed[0]]; dup {
				t.Fatalf("%s and %s both settled onto order %s", other, id, entry.Claimed[0])
			}
			got[entry.Claimed[0]] = id
		case backend.JournalNotDone:
			notDone++
		default:
			t.Fatalf("%s ended %s", id, entry.State)
		}
	}
	if len(got) != 2 || notDone != 1 {
		t.Fatalf("orders %v and %d not done; want both orders taken once and one purchase not done", got, notDone)
	}
	if f.calls() != len(ids) {
		t.Fatalf("%d purchases sent, want %d (settling never re-sends)", f.calls(), len(ids))
	}
}

// waitSettled waits until the journal entries are settled.
func waitSettled(t *testing.T, store *memStore, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range ids {
		for !store.entry(id).State.Settled() {
			if time.Now().After(deadline) {
				t.Fatalf("%s is still %s", id, store.entry(id).State)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// A buy whose answer named its order holds that order: a lost identical
// buy settled later, or in the next session, is never matched to it.
func TestCompletedBuyHoldsItsOrder(t *testing.T) {
	t.Parallel()
	f := &orderBook{fakeProvider: newFake(backend.FiveSim, "5sim", true, 600), orders: []string{"801"}}
	store := newMemStore()
	done := backend.Action{ID: "buy-done", Kind: backend.ActBuy, Account: "5sim", Buy: &backend.BuyRequest{Product: "telegram"}}
	_ = store.Journal(backend.JournalEntry{Action: done, State: backend.JournalDone, Claimed: []string{"801"}})
	lost := backend.Action{ID: "buy-lost", Kind: backend.ActBuy, Account: "5sim", Buy: &backend.BuyRequest{Product: "telegram"}}
	_ = store.Journal(backend.JournalEntry{Action: lost, State: backend.JournalUnknown})
	startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	waitSettled(t, store, lost.ID)
	if st := store.entry("buy-lost").State; st != backend.JournalNotDone {
		t.Fatalf("the lost buy settled as %s, want not done: order 801 is the completed buy's", st)
	}
}

// Event.Actions tells the UI each state of an action's journal entry, in
// order: sent, no clear answer, then settled.
func TestActionsEventCarriesJournalStates(t *testing.T) {
	t.Parallel()
	f := &orderBook{fakeProvider: newFake(backend.FiveSim, "5sim", true, 600), orders: []string{"901"}}
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Accounts) > 0 })
	e.Submit(backend.Action{ID: "buy-1", Kind: backend.ActBuy, Account: "5sim", Buy: &backend.BuyRequest{Product: "telegram"}})
	var states []backend.JournalState
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		for _, a := range ev.Actions {
			if a.Action.ID == "buy-1" && (len(states) == 0 || states[len(states)-1] != a.State) {
				states = append(states, a.State)
			}
		}
		return len(states) > 0 && states[len(states)-1].Settled()
	})
	// The outbox merges changes per action, so a reader may miss a
	// state; it never sees them out of order, and it always sees the end.
	order := map[backend.JournalState]int{backend.JournalPending: 0, backend.JournalUnknown: 1, backend.JournalHappened: 2}
	for i := 1; i < len(states); i++ {
		if order[states[i]] <= order[states[i-1]] {
			t.Fatalf("journal states out of order: %v", states)
		}
	}
	if states[len(states)-1] != backend.JournalHappened {
		t.Fatalf("states %v, want to end with happened", states)
	}
}

// neverSend fails the test on any Do: at start-up nothing may be sent.
type neverSend struct {
	*fakeProvider
	t *testing.T
}

func (n *neverSend) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	n.t.Errorf("Do called for %s %s at start-up: a pending action must be settled by reading only", act.Kind, act.ID)
	return n.fakeProvider.Do(ctx, act, t)
}

// A purchase the last session journaled (and may never have sent) is
// settled by reading only; when the order is not there, the operator is
// told, and the notice carries the purchase so it can be repeated.
func TestStartSettlesPendingBuyByReadingOnly(t *testing.T) {
	t.Parallel()
	f := &neverSend{fakeProvider: newFake(backend.Market, "m", true, 600), t: t}
	f.settled = backend.SettledNotDone
	store := newMemStore()
	buy := backend.Action{ID: "buy-9", Kind: backend.ActBuy, Account: "m", Label: "numbers Uber · NG",
		Buy: &backend.BuyRequest{Category: "numbers", Country: "NG", Product: "uber"}}
	_ = store.Journal(backend.JournalEntry{Action: buy, State: backend.JournalPending})
	_, c := startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	var pending bool
	ev := c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		for _, a := range ev.Actions {
			pending = pending || (a.Action.ID == buy.ID && !a.State.Settled())
		}
		return hasNotice("did not go through")(ev)
	})
	if !pending {
		t.Error("the UI was not told the purchase is being checked")
	}
	var n backend.Notice
	for _, x := range ev.Notices {
		if strings.Contains(x.Text, "did not go through") {
			n = x
		}
	}
	if n.Action == nil || n.Action.ID != buy.ID || !reflect.DeepEqual(n.Action.Buy, buy.Buy) {
		t.Fatalf("the notice does not carry the purchase: %+v", n.Action)
	}
	if st := store.entry(buy.ID).State; st != backend.JournalNotDone {
		t.Fatalf("journal state %s, want not done", st)
	}
	if f.calls() != 0 {
		t.Fatalf("%d calls sent at start-up", f.calls())
	}
}

// refining is a provider that re-derives what a line allows.
type refining struct {
	*fakeProvider
	mu      sync.Mutex
	refined int
}

func (r *refining) Refine(l backend.Line) backend.Line {
	r.mu.Lock()
	r.refined++
	r.mu.Unlock()
	if !l.State.Open() {
		l.Allowed = backend.Allow(backend.ActCheck, backend.ActReuse)
	}
	return l
}

// A refusal that says what the line has become ("already rejected")
// updates the line instead of leaving it waiting, and says so.
func TestRefusalStatingStateUpdatesLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		refine bool
		want   backend.ActionSet
	}{
		{"without a refiner only check stays", false, backend.Allow(backend.ActCheck)},
		{"the provider refines what is left", true, backend.Allow(backend.ActCheck, backend.ActReuse)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(backend.NonVoip, "nv", false, 600)
			l := f.addLine("146185", backend.LineWaiting, backend.Allow(backend.ActReject, backend.ActRenew))
			f.doErr = &backend.Error{Provider: backend.NonVoip, Op: "reject order 146185", Kind: backend.ErrRefused,
				Message: "Order already rejected", State: backend.LineCanceled}
			var p backend.Provider = f
			if tc.refine {
				p = &refining{fakeProvider: f}
			}
			store := newMemStore()
			e, c := startEngine(t, store, AccountSpec{Provider: p, Budget: f.budget})
			c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Lines) > 0 })
			e.Submit(backend.Action{ID: "reject-1", Kind: backend.ActReject, Account: "nv", Target: l.Key})
			var got *backend.Line
			var text string
			c.waitFor(t, 5*time.Second, func(ev backend.Event) bool {
				for _, el := range ev.Lines {
					if el.Key == l.Key && el.State == backend.LineCanceled {
						got = el
					}
				}
				for _, n := range ev.Notices {
					if strings.Contains(n.Text, "reject") {
						text = n.Text
					}
				}
				return got != nil && text != ""
			})
			if got.Allowed != tc.want {
				t.Errorf("the line allows %s, want %s", got.Allowed, tc.want)
			}
			if !strings.Contains(text, "already canceled") || !strings.Contains(text, "now shows as canceled") {
				t.Errorf("notice %q does not say what happened", text)
			}
			store.mu.Lock()
			saved := false
			for _, s := range store.state.Lines {
				saved = saved || (s.Key == l.Key && s.State == backend.LineCanceled)
			}
			store.mu.Unlock()
			if !saved {
				t.Error("the new state was not saved")
			}
		})
	}
}
