package engine

import (
	"testing"
	"time"

	"switchboard/backend"
)

// TestLeasesListedOncePerAccountAfterItsListing: the UI learns that an
// account's leases were listed only once a full listing of them has been
// merged (not when the account turns healthy), once per account.
func TestLeasesListedOncePerAccountAfterItsListing(t *testing.T) {
	bad := newFake(backend.Market, "m", true, 600)
	bad.failAll = &backend.Error{Provider: backend.Market, Kind: backend.ErrUnavailable, Message: "server error 500"}
	good := newFake(backend.FiveSim, "g", true, 600)
	bad.shareClock(good)
	_, c := startEngine(t, newMemStore(), AccountSpec{Provider: bad, Budget: bad.budget},
		AccountSpec{Provider: good, Budget: good.budget})
	listed := map[string]int{}
	failing := false
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		for _, a := range ev.Accounts {
			failing = failing || a.Name == "m" && a.Health == backend.HealthFailing
		}
		for _, a := range ev.LeasesListed {
			listed[a]++
		}
		return failing && listed["g"] > 0
	})
	if listed["m"] > 0 {
		t.Fatal("an account whose lease listing failed was said listed")
	}
	bad.mu.Lock()
	bad.failAll = nil
	bad.mu.Unlock()
	c.waitFor(t, 20*time.Second, func(ev backend.Event) bool {
		for _, a := range ev.LeasesListed {
			listed[a]++
		}
		return listed["m"] > 0
	})
	if listed["m"] != 1 || listed["g"] != 1 {
		t.Fatalf("listed %v, want each account once", listed)
	}
}
