package ui_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/ui"
)

// twoEach is the world with a second account of 5sim and of NonVoip, and
// a second northwind domain.
func twoEach() backend.Event {
	ev := world(t0)
	ev.Accounts = append(ev.Accounts,
		backend.Account{Name: "5s-2", Provider: backend.FiveSim, Balance: money("80", ""), Health: backend.HealthOK, LastGood: t0},
		backend.Account{Name: "nv-2", Provider: backend.NonVoip, Balance: money("9", "USD"), Health: backend.HealthOK, LastGood: t0})
	l := ev.Leases[0]
	l.Key, l.ID, l.Name = backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, "domain/3"), "domain/3", "northwind-labs.net"
	ev.Leases = append(ev.Leases, l)
	return ev
}

// :buy naming a provider with two accounts asks which; naming an account
// goes straight on.
func TestBuyAsksWhichAccountOfAProvider(t *testing.T) {
	f := flow{cats: []string{"activation"}, steps: map[string][]string{"activation": {backend.StepProduct}},
		items: map[string][]backend.CatalogItem{backend.StepProduct: {{ID: "telegram", Label: "telegram", Price: money("12", ""), Stock: 10}}}}
	be := &scripted{flows: map[string]flow{"5s": f, "5s-2": f}}
	b := newBoardWith(t, 160, 48, twoEach(), func(o *ui.Options) { o.Backend = be })
	b.press(":", "buy fivesim telegram", "enter")
	b.shows("Which account?", "5s  (5sim)", "5s-2  (5sim)")

	b = newBoardWith(t, 160, 48, twoEach(), func(o *ui.Options) { o.Backend = be })
	b.press(":", "buy 5s-2 telegram", "enter")
	b.lacks("Which account?")
}

// :add naming a provider with two accounts asks which, and adds every id
// given to the one chosen; esc adds nothing.
func TestAddAsksWhichAccountAndTakesSeveralIDs(t *testing.T) {
	b := newBoardWith(t, 160, 48, twoEach(), nil)
	b.press(":", "add nonvoip 146185 146186", "enter")
	b.shows("Which account?", "nonvoip has 2 accounts: add order 146185, 146186 to which?", "nv-2")
	if len(b.be.added) != 0 {
		t.Fatalf("added before the account was chosen: %v", b.be.added)
	}
	b.press("2")
	if want := []string{"nv-2/146185", "nv-2/146186"}; !slices.Equal(b.be.added, want) {
		t.Fatalf("added %v, want %v", b.be.added, want)
	}
	b.press(":", "add nonvoip 7", "enter", "esc")
	if len(b.be.added) != 2 {
		t.Fatalf("esc added %v", b.be.added)
	}
	b.press(":", "add nv 9", "enter") // one account: no question
	if b.be.added[len(b.be.added)-1] != "nv/9" {
		t.Fatalf("added %v", b.be.added)
	}
}

// :renew naming two items asks which; naming one exactly opens its
// confirmation at once.
func TestRenewAsksWhichWhenSeveralMatch(t *testing.T) {
	b := newBoardWith(t, 160, 48, twoEach(), nil)
	b.press(":", "renew northwind", "enter")
	b.shows("Renew which?", "2 items match northwind", "northwind-labs.com", "northwind-labs.net")
	b.lacks("y confirm")
	b.press("j", "enter")
	b.shows("Renew domain northwind-labs.net", "y confirm")

	b = newBoardWith(t, 160, 48, twoEach(), nil)
	b.press(":", "renew northwind-labs.com", "enter")
	b.lacks("Renew which?")
	b.shows("Renew domain northwind-labs.com")
	b.later(time.Second)
	b.press("y")
	if len(b.be.submitted) != 1 || b.be.submitted[0].Target != backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, "domain/1") {
		t.Fatalf("sent %+v", b.be.submitted)
	}
	if s := b.screen(); strings.Contains(s, "Renew which?") {
		t.Fatal("a question stayed open")
	}
}

// :renew naming a rented number renews it at once: its line and its
// lease are the same number, not two items to choose between.
func TestRenewNumberIsOneItemNotItsLineAndLease(t *testing.T) {
	ev := world(t0)
	number := backend.Line{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLine, "n1"), Account: "piv",
		Provider: backend.PivDay, ID: "n1", Number: "+4915072750992", Kind: "rental", State: backend.LineActive,
		Price: money("4.00", "USD"), ExpiresAt: backend.InstantOf(t0.Add(15 * 24 * time.Hour)),
		Allowed: backend.Allow(backend.ActRenew), Version: 1}
	ev.Lines = append(ev.Lines, &number)
	ev.Leases = append(ev.Leases, backend.Lease{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, "number/n1"),
		Account: "piv", Provider: backend.PivDay, ID: "number/n1", Kind: backend.LeaseNumber, Name: "+4915072750992",
		Line: number.Key, State: "active", ExpiresAt: t0.Add(15 * 24 * time.Hour), RenewPrice: money("4.00", "USD"),
		Allowed: backend.Allow(backend.ActRenew), Version: 1})
	b := newBoardWith(t, 160, 48, ev, nil)
	b.press(":", "renew +4915072750992", "enter")
	b.lacks("Renew which?")
	b.shows("y confirm")
	b.later(time.Second)
	b.press("y")
	if len(b.be.submitted) != 1 || b.be.submitted[0].Target != number.Key {
		t.Fatalf("sent %+v", b.be.submitted)
	}
}
