package integration

import (
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/config"
	"switchboard/wiring"
)

// TestAutoFinishOnCopy: with auto_finish_on_copy, copying a 5sim code
// finishes the order; an account without it leaves its order alone.
func TestAutoFinishOnCopy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{
		kinds: []backend.ProviderKind{backend.FiveSim},
		sim:   sim.Options{Accounts: 2},
		tweak: func(a *config.Account) { a.AutoFinishOnCopy = a.Name == "5sim-main" },
	})
	h.waitReady()
	lineWithCode := func(acct, code string) backend.Line {
		l := h.waitLine("a waiting line of "+acct, func(x backend.Line) bool {
			return x.Account == acct && x.State == backend.LineWaiting && x.Allowed.Has(backend.ActCancel)
		})
		deliver(h, l, "Your code is "+code)
		return h.waitLine("the code on "+acct, func(x backend.Line) bool {
			return x.Key == l.Key && x.Code == code && x.Allowed.Has(backend.ActFinish)
		})
	}
	off := lineWithCode("5sim-alt", "41410")
	on := lineWithCode("5sim-main", "42420")

	// The engine handles copies in order: by the time the second one has
	// finished its order, the first one was long since handled.
	h.eng().Copied(off.Key)
	h.eng().Copied(on.Key)
	h.waitNotice("auto-finish after copy")
	h.waitLine("the copied line finished", func(x backend.Line) bool {
		return x.Key == on.Key && x.State == backend.LineFinished
	})
	if o := fiveSimOrder(t, h.sim, on.ID); o.Status != "FINISHED" {
		t.Errorf("order %s, want FINISHED", o.Status)
	}
	if o := fiveSimOrder(t, h.sim, off.ID); o.Status != "RECEIVED" {
		t.Errorf("the account without the policy had its order %s", o.Status)
	}
	if n := h.countNotices("auto-finish after copy"); n != 1 {
		t.Errorf("%d auto-finish notices, want 1", n)
	}
}

// TestAutoCancelWithoutCode: with auto_cancel_after, a line that got no
// code in that time is cancelled (refunded) by itself; younger lines and
// lines with a code are left alone. The simulator seeds a waiting 5sim
// order bought 60–90 s before the start, so a one-minute policy acts on it
// at once.
func TestAutoCancelWithoutCode(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Options{Seed: 7, Quiet: true, Rates: simRates})
	t.Cleanup(s.Close)
	acct := wiring.SimAccounts(s, backend.FiveSim)[0].Name
	old, young := "", ""
	for _, id := range s.FiveSim.OrderIDs(acct) {
		o, _ := s.FiveSim.Order(id)
		if o.Category != "activation" || o.SMS > 0 || (o.Status != "RECEIVED" && o.Status != "PENDING") {
			continue
		}
		switch age := time.Since(o.Created); {
		case age > time.Minute:
			old = itoa(id)
		case age < 30*time.Second:
			young = itoa(id)
		}
	}
	if old == "" || young == "" {
		t.Fatalf("the simulator seeded no old (%q) and young (%q) waiting orders", old, young)
	}
	balance := s.FiveSim.Balance(acct)
	price := fiveSimOrder(t, s, old).Price

	h := newHarnessOn(t, s, setup{kinds: []backend.ProviderKind{backend.FiveSim},
		tweak: func(a *config.Account) { a.AutoCancelAfter = time.Minute }})
	n := h.waitNotice("auto-cancel: no code after 1m0s")
	key := backend.MakeKey(backend.FiveSim, acct, backend.ItemLine, old)
	if n.Key != key || n.Level != backend.Success {
		t.Errorf("notice %q at %s level %d, want success on %s", n.Text, n.Key, n.Level, key)
	}
	h.waitLine("the old line cancelled", func(x backend.Line) bool { return x.Key == key && x.State == backend.LineCanceled })
	if o := fiveSimOrder(t, s, old); o.Status != "CANCELED" {
		t.Errorf("old order %s, want CANCELED", o.Status)
	}
	if got := s.FiveSim.Balance(acct); !near(got, balance+price) {
		t.Errorf("balance %.2f, want the refund %.2f once on %.2f", got, price, balance)
	}
	if o := fiveSimOrder(t, s, young); o.Status == "CANCELED" {
		t.Errorf("the young order was cancelled too")
	}
	for _, id := range s.FiveSim.OrderIDs(acct) {
		if o, _ := s.FiveSim.Order(id); o.SMS > 0 && o.Status == "CANCELED" && time.Since(o.Created) < time.Hour {
			t.Errorf("order %d with an SMS was cancelled", id)
		}
	}
	if c := h.countNotices("auto-cancel"); c != 1 {
		t.Errorf("%d auto-cancel notices, want 1", c)
	}
}
