package engine

import (
	"testing"
	"time"

	"switchboard/backend"
)

// TestLeasesListedOnceAfterTheListing: the UI learns that an account's
// leases were listed only once a full listing of them has been merged
// (not while its reads fail, not when it turns healthy), and once.
func TestLeasesListedOnceAfterTheListing(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 600)
	f.failAll = &backend.Error{Provider: backend.PivDay, Kind: backend.ErrUnavailable, Message: "server error 500"}
	_, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	listed := 0
	count := func(ev backend.Event) {
		for _, a := range ev.LeasesListed {
			if a == "piv" {
				listed++
			}
		}
	}
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		count(ev)
		return len(ev.Accounts) > 0 && ev.Accounts[0].Health == backend.HealthFailing
	})
	if listed > 0 {
		t.Fatal("an account whose lease listing failed was said listed")
	}
	f.mu.Lock()
	f.failAll = nil
	f.mu.Unlock()
	c.waitFor(t, 20*time.Second, func(ev backend.Event) bool {
		count(ev)
		return len(ev.Accounts) > 0 && ev.Accounts[0].Health == backend.HealthOK && listed > 0
	})
	sleepFake(t, f.clock, 10*time.Second) // the next reads
	for len(c.ch) > 0 {
		count(<-c.ch)
	}
	if listed != 1 {
		t.Fatalf("listed %d times, want once", listed)
	}
}
