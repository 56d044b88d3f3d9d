package integration

import (
	"testing"

	"switchboard/backend"
	"switchboard/backend/sim"
)

// TestPivDayDroppedProxyPurchaseNotDone: a piv.day proxy purchase that
// never reached piv.day settles "not done" although the account holds an
// order of the same server and size: the ids known before a buy include
// the account's leases, so the old order is not taken for the new one.
func TestPivDayDroppedProxyPurchaseNotDone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.PivDay}})
	h.waitReady()
	acct := h.accountName(backend.PivDay)
	orders := h.sim.PivDay.ProxyOrderIDs(acct)
	h.waitFor("the proxy orders listed", func() bool {
		snap, err := h.stack.Store.Load()
		n := 0
		for _, l := range snap.Leases {
			if l.Kind == backend.LeaseProxy {
				n++
			}
		}
		return err == nil && n == len(orders)
	})
	servers, err := h.eng().Catalog(h.ctx(), acct, backend.CatalogRequest{Category: "proxy", Step: backend.StepProduct})
	if err != nil || len(servers) == 0 {
		t.Fatalf("proxy servers: %v %v", servers, err)
	}

	// The seed holds a DE order of 10 proxies from the first server.
	h.sim.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultDrop, Path: "/proxy/purchase", Times: 1})
	act := h.submit(backend.Action{Kind: backend.ActBuy, Account: acct,
		Buy: &backend.BuyRequest{Category: "proxy", Product: servers[0].ID, Quantity: 10, Months: 1}})
	e := h.waitJournal(act.ID, backend.JournalHappened, backend.JournalNotDone, backend.JournalFailed, backend.JournalDone)
	if e.State != backend.JournalNotDone {
		t.Fatalf("journal %s (%s), want not done: nothing reached piv.day", e.State, e.Note)
	}
	if got := h.sim.PivDay.ProxyOrderIDs(acct); len(got) != len(orders) {
		t.Fatalf("%d proxy orders, want %d", len(got), len(orders))
	}
}
