package engine

import (
	"testing"
	"time"

	"switchboard/backend"
)

// A buy's "orders that were there before" come from the provider's own
// listing read just before the purchase, not only from the engine's
// state: an order the engine has not listed yet (or dropped after a day)
// must never pass for the purchase when its answer is lost.
func TestBuyKnowsEveryListedOrderFirst(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim", true, 600)
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Accounts) > 0 })
	// An identical order from yesterday that the engine never listed.
	f.mu.Lock()
	f.lines["old-7"] = backend.Line{Key: backend.MakeKey(f.kind, f.account, backend.ItemLine, "old-7"), Account: f.account,
		Provider: f.kind, ID: "old-7", Service: "telegram", State: backend.LineFinished}
	f.mu.Unlock()
	e.Submit(backend.Action{ID: "buy-1", Kind: backend.ActBuy, Account: "5sim",
		Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "telegram"}})
	for f.calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	f.mu.Lock()
	known := f.doTargets[0].KnownIDs
	f.mu.Unlock()
	if !known["old-7"] {
		t.Fatalf("the purchase did not know the listed order old-7: %v", known)
	}
}

// When the listing before a purchase fails, nothing is bought.
func TestBuyNotSentWithoutAListing(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim", true, 600)
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Accounts) > 0 })
	f.mu.Lock()
	f.failAll = &backend.Error{Provider: backend.FiveSim, Kind: backend.ErrUnavailable, Message: "server offline"}
	f.mu.Unlock()
	e.Submit(backend.Action{ID: "buy-1", Kind: backend.ActBuy, Account: "5sim",
		Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "telegram"}})
	c.waitFor(t, 5*time.Second, hasNotice("nothing was bought"))
	if f.calls() != 0 {
		t.Fatal("a purchase was sent without knowing the orders already there")
	}
}
