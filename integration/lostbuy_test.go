package integration

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/cache"
)

// TestUnsentBuyIsNotPlacedAtRestart: a purchase the last session
// journaled but never sent (it crashed first) is settled at the next
// start by reading only: nothing is bought, the entry ends "not done",
// and the notice carries the purchase so the operator can repeat it.
func TestUnsentBuyIsNotPlacedAtRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind      backend.ProviderKind
		buy       backend.BuyRequest
		purchases func(h *harness, acct string) int
		known     func(h *harness, acct string) []string
	}{
		{backend.FiveSim, backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"},
			func(h *harness, acct string) int { return h.sim.FiveSim.Orders(acct) },
			func(h *harness, acct string) []string {
				var ids []string
				for _, id := range h.sim.FiveSim.OrderIDs(acct) {
					ids = append(ids, strconv.Itoa(id))
				}
				return ids
			}},
		{backend.PivDay, backend.BuyRequest{Category: "number", Country: "SE", Months: 1},
			func(h *harness, acct string) int { return h.sim.PivDay.Purchases(acct) },
			func(h *harness, acct string) []string { return h.sim.PivDay.NumberIDs(acct) }},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{kinds: []backend.ProviderKind{tc.kind}})
			h.waitReady()
			acct := h.accountName(tc.kind)
			h.stop()

			known := map[string]bool{}
			for _, id := range tc.known(h, acct) {
				known[id] = true
			}
			buy := tc.buy
			act := backend.Action{ID: backend.NewActionID(backend.ActBuy), Kind: backend.ActBuy, Account: acct,
				CreatedAt: time.Now().Add(-time.Second), Buy: &buy}
			st, err := cache.Open(h.dir, cache.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Journal(backend.JournalEntry{Action: act, Target: backend.Target{KnownIDs: known},
				State: backend.JournalPending, UpdatedAt: act.CreatedAt}); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			before := tc.purchases(h, acct)

			h.open()
			h.run()
			if e := h.waitJournal(act.ID, backend.JournalHappened, backend.JournalNotDone); e.State != backend.JournalNotDone {
				t.Fatalf("the purchase settled as %s (%s), want not done", e.State, e.Note)
			}
			n := h.waitNotice("buy", "did not go through")
			if n.Action == nil || !reflect.DeepEqual(n.Action.Buy, act.Buy) {
				t.Errorf("the notice does not carry the purchase to repeat: %+v", n.Action)
			}
			if got := tc.purchases(h, acct); got != before {
				t.Errorf("%d purchases after the restart, want %d: nothing may be bought without the operator", got, before)
			}
		})
	}
}
