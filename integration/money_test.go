package integration

import (
	"math"
	"strconv"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/cache"
)

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

// cancellable5sim waits for a waiting 5sim line that 5sim lets cancel
// now: no SMS and bought long enough ago.
func cancellable5sim(h *harness) backend.Line {
	h.t.Helper()
	acct := h.accountName(backend.FiveSim)
	return h.waitLine("a cancellable 5sim line", func(l backend.Line) bool {
		return l.Account == acct && l.State == backend.LineWaiting && l.Allowed.Has(backend.ActCancel) &&
			time.Since(l.CreatedAt.Time()) > sim.FiveSimCancelWait+5*time.Second
	})
}

func fiveSimOrder(t *testing.T, s *sim.Sim, id string) sim.FiveSimOrder {
	t.Helper()
	o, ok := s.FiveSim.Order(id)
	if !ok {
		t.Fatalf("5sim order %s not in the simulator", id)
	}
	return o
}

// TestLostRenewAnswerSettledWithoutSecondCharge: a piv.day renewal whose
// answer is lost is settled by re-reading the number: one renewal, one
// debit, the journal entry ends "happened" and the operator is told.
func TestLostRenewAnswerSettledWithoutSecondCharge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.PivDay}})
	h.waitReady()
	acct := h.accountName(backend.PivDay)
	l := h.waitLine("a renewable piv.day number", func(l backend.Line) bool {
		return l.Account == acct && l.State == backend.LineActive && l.Allowed.Has(backend.ActRenew) &&
			!l.AutoRenew && time.Until(l.ExpiresAt.Time()) > 5*24*time.Hour
	})
	balance, renewals := h.sim.PivDay.Balance(acct), h.sim.PivDay.Renewals(acct)
	_, expires, _ := h.sim.PivDay.Number(l.ID)

	h.sim.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultLoseResponse, Method: "POST", Path: "/numbers/" + l.ID + "/renew", Times: 1})
	act := h.submit(backend.Action{Kind: backend.ActRenew, Account: acct, Target: l.Key, Months: 1})
	e := h.waitJournal(act.ID, backend.JournalHappened, backend.JournalNotDone, backend.JournalFailed, backend.JournalDone)
	if e.State != backend.JournalHappened {
		t.Fatalf("journal %s (%s), want happened", e.State, e.Note)
	}
	h.waitNotice("renew", "confirmed by re-reading")

	if got := h.sim.PivDay.Renewals(acct); got != renewals+1 {
		t.Errorf("%d renewals, want exactly one more than %d", got, renewals)
	}
	_, after, _ := h.sim.PivDay.Number(l.ID)
	if !after.Equal(expires.Add(30 * 24 * time.Hour)) {
		t.Errorf("expiry moved from %s to %s, want one 30-day month", expires, after)
	}
	paid := balance - h.sim.PivDay.Balance(acct)
	if paid <= 0 {
		t.Fatalf("nothing was debited (%.2f)", paid)
	}
	h.waitLine("the renewed expiry on the line", func(x backend.Line) bool {
		return x.Key == l.Key && x.ExpiresAt.Time().Equal(after.Truncate(time.Second)) // the API gives seconds
	})
	// Nothing is sent again after the settlement.
	if got := h.sim.PivDay.Renewals(acct); got != renewals+1 {
		t.Errorf("%d renewals after settling, want %d", got, renewals+1)
	}
}

// TestLostCancelAnswerSettled: a 5sim cancel whose answer is lost is
// settled by re-reading the order: refunded once, journal "happened".
func TestLostCancelAnswerSettled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)
	l := cancellable5sim(h)
	price := fiveSimOrder(t, h.sim, l.ID).Price
	balance := h.sim.FiveSim.Balance(acct)

	h.sim.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/user/cancel/", Times: 1})
	act := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
	e := h.waitJournal(act.ID, backend.JournalHappened, backend.JournalNotDone, backend.JournalFailed, backend.JournalDone)
	if e.State != backend.JournalHappened || e.Attempts != 1 {
		t.Fatalf("journal %s after %d attempts (%s), want happened after 1", e.State, e.Attempts, e.Note)
	}
	h.waitNotice("cancel", "confirmed by re-reading")
	if o := fiveSimOrder(t, h.sim, l.ID); o.Status != "CANCELED" {
		t.Errorf("order is %s, want CANCELED", o.Status)
	}
	if got := h.sim.FiveSim.Balance(acct); !near(got, balance+price) {
		t.Errorf("balance %.2f, want %.2f + refund %.2f once", got, balance, price)
	}
	h.waitLine("the line cancelled", func(x backend.Line) bool {
		return x.Key == l.Key && x.State == backend.LineCanceled
	})
}

// TestLostBuyAnswerSettled: a 5sim purchase whose answer is lost is found
// by re-reading the orders: one order, one debit, journal "happened", and
// the new line is shown and selected.
func TestLostBuyAnswerSettled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)
	before := h.sim.FiveSim.OrderIDs(acct)
	balance := h.sim.FiveSim.Balance(acct)

	h.sim.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/user/buy/activation/", Times: 1})
	act := h.submit(backend.Action{Kind: backend.ActBuy, Account: acct,
		Buy: &backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}})
	e := h.waitJournal(act.ID, backend.JournalHappened, backend.JournalNotDone, backend.JournalFailed, backend.JournalDone)
	if e.State != backend.JournalHappened {
		t.Fatalf("journal %s (%s), want happened", e.State, e.Note)
	}
	after := h.sim.FiveSim.OrderIDs(acct)
	if len(after) != len(before)+1 {
		t.Fatalf("%d orders, want exactly one more than %d", len(after), len(before))
	}
	id := strconv.Itoa(after[len(after)-1])
	o := fiveSimOrder(t, h.sim, id)
	if got := h.sim.FiveSim.Balance(acct); !near(got, balance-o.Price) {
		t.Errorf("balance %.2f, want %.2f - %.2f", got, balance, o.Price)
	}
	n := h.waitNotice("buy", "confirmed by re-reading")
	key := backend.MakeKey(backend.FiveSim, acct, backend.ItemLine, id)
	if n.Key != key {
		t.Errorf("notice points at %s, want the new line %s", n.Key, key)
	}
	h.waitLine("the bought line", func(l backend.Line) bool { return l.Key == key })
}

// TestSameActionSubmittedTwiceMakesOneCall: an action submitted twice in
// a row (a double key press, a UI that re-sends) reaches the provider once.
func TestSameActionSubmittedTwiceMakesOneCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)

	t.Run("buy", func(t *testing.T) {
		defer h.use(t)()
		orders := h.sim.FiveSim.Orders(acct)
		act := backend.Action{ID: backend.NewActionID(backend.ActBuy), Kind: backend.ActBuy, Account: acct, CreatedAt: time.Now(),
			Buy: &backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}}
		h.eng().Submit(act)
		h.eng().Submit(act)
		h.waitJournal(act.ID, backend.JournalDone)
		h.waitNotice("buy already in progress")
		if got := h.sim.FiveSim.Orders(acct); got != orders+1 {
			t.Errorf("%d orders, want exactly one more than %d", got, orders)
		}
	})
	t.Run("again after it finished", func(t *testing.T) {
		defer h.use(t)()
		orders := h.sim.FiveSim.Orders(acct)
		act := h.submit(backend.Action{Kind: backend.ActBuy, Account: acct,
			Buy: &backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}})
		h.waitJournal(act.ID, backend.JournalDone)
		h.waitFor("the purchase's notice", func() bool { return h.countNoticesFor(act.ID, backend.Success) == 1 })
		h.eng().Submit(act)
		h.waitNotice("was already sent: not sent again")
		if got := h.sim.FiveSim.Orders(acct); got != orders+1 {
			t.Errorf("%d orders, want exactly one more than %d", got, orders)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		defer h.use(t)()
		l := cancellable5sim(h)
		balance := h.sim.FiveSim.Balance(acct)
		price := fiveSimOrder(t, h.sim, l.ID).Price
		first := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
		second := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
		h.waitJournal(first.ID, backend.JournalDone)
		h.waitNotice("cancel already in progress")
		if _, ok := h.journal(second.ID); ok {
			t.Errorf("the second cancel was journaled: it was meant to be refused before any call")
		}
		if got := h.sim.FiveSim.Balance(acct); !near(got, balance+price) {
			t.Errorf("balance %.2f, want %.2f + one refund of %.2f", got, balance, price)
		}
	})
}

// TestPendingJournalSettledAfterRestart: entries the last session left
// pending (it crashed between journaling and hearing back) are settled at
// the next start, and the operator is told: a purchase that reached 5sim
// is found (happened, not bought again); a cancel that never left is
// "not done" (the order is untouched).
func TestPendingJournalSettledAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)
	waiting := cancellable5sim(h)
	h.stop()

	// The purchase the crashed session sent: it reached 5sim.
	known := map[string]bool{}
	for _, id := range h.sim.FiveSim.OrderIDs(acct) {
		known[strconv.Itoa(id)] = true
	}
	buy := backend.Action{ID: backend.NewActionID(backend.ActBuy), Kind: backend.ActBuy, Account: acct,
		CreatedAt: time.Now().Add(-time.Second),
		Buy:       &backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}}
	var bought struct {
		ID int `json:"id"`
	}
	simGet(t, h.sim, backend.FiveSim, h.sim.FiveSim.Key(acct), "/user/buy/activation/any/any/telegram", &bought)
	orders := h.sim.FiveSim.Orders(acct)
	// The cancel it journaled but never sent.
	cancel := backend.Action{ID: backend.NewActionID(backend.ActCancel), Kind: backend.ActCancel, Account: acct,
		Target: waiting.Key, CreatedAt: time.Now().Add(-time.Second)}

	st, err := cache.Open(h.dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []backend.JournalEntry{
		{Action: buy, Target: backend.Target{KnownIDs: known}, State: backend.JournalPending, UpdatedAt: buy.CreatedAt},
		{Action: cancel, Target: backend.Target{Line: &waiting}, State: backend.JournalPending, UpdatedAt: cancel.CreatedAt},
	} {
		if err := st.Journal(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	h.open()
	h.run()
	if e := h.waitJournal(buy.ID, backend.JournalHappened, backend.JournalNotDone); e.State != backend.JournalHappened {
		t.Errorf("the purchase settled as %s, want happened", e.State)
	}
	if e := h.waitJournal(cancel.ID, backend.JournalHappened, backend.JournalNotDone); e.State != backend.JournalNotDone {
		t.Errorf("the cancel settled as %s, want not done", e.State)
	}
	if n := h.countNotices("unfinished action from the last session"); n != 2 {
		t.Errorf("%d notices about unfinished actions, want 2\n%s", n, h.dump())
	}
	n := h.waitNotice("buy", "confirmed by re-reading")
	if want := backend.MakeKey(backend.FiveSim, acct, backend.ItemLine, strconv.Itoa(bought.ID)); n.Key != want {
		t.Errorf("the purchase notice points at %s, want %s", n.Key, want)
	}
	h.waitNotice("cancel", "did not go through")
	if got := h.sim.FiveSim.Orders(acct); got != orders {
		t.Errorf("%d orders after the restart, want %d (nothing bought again)", got, orders)
	}
	if o := fiveSimOrder(t, h.sim, waiting.ID); o.Status == "CANCELED" {
		t.Errorf("the order was cancelled by settling a cancel that never left")
	}
	if pending, err := h.stack.Store.Pending(); err != nil || len(pending) != 0 {
		t.Errorf("journal still has %d pending entries (%v)", len(pending), err)
	}
}
