package fivesim_test

// Contract tests for the rules the documents set (and only those): reuse
// permission, settling lost purchases, hosting and early actions, 503
// limits, and the provider's own timestamps.

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/fivesim"
	"switchboard/backend/sim"
	simfivesim "switchboard/backend/sim/fivesim"
)

// merged is what the engine holds after a listing: the listed line with
// the details only Switchboard knew (Extra) kept.
func merged(prev, listed backend.Line) backend.Line {
	ex := map[string]string{}
	for k, v := range prev.Extra {
		ex[k] = v
	}
	for k, v := range listed.Extra {
		ex[k] = v
	}
	listed.Extra = ex
	return listed
}

// TestContractReuseSurvivesListing: an order bought with reuse=1 and
// finished still offers reuse after the next listing once the engine's
// merge is refined, and the reuse works.
func TestContractReuseSurvivesListing(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	l := e.buy(t, backend.BuyRequest{Country: "russia", Operator: "beeline", Product: "telegram", Reuse: true})
	if !e.order(t, l.ID).Reuse || !l.Allowed.Has(backend.ActReuse) {
		t.Fatalf("bought with reuse=1: simulator %+v, line allows %s", e.order(t, l.ID), l.Allowed)
	}
	if err := e.s.FiveSim.Deliver(l.ID, "Telegram code 31337"); err != nil {
		t.Fatal(err)
	}
	out, err := e.p.Do(ctx, backend.Action{ID: "f", Kind: backend.ActFinish, Target: l.Key}, backend.Target{Line: &l})
	if err != nil || e.order(t, l.ID).Status != "FINISHED" || !out.Lines[0].Allowed.Has(backend.ActReuse) {
		t.Fatalf("finish: %+v %v", out, err)
	}
	finished := out.Lines[0]

	lines, _, err := e.p.Lines(ctx)
	i := slices.IndexFunc(lines, func(x backend.Line) bool { return x.ID == l.ID })
	if err != nil || i < 0 {
		t.Fatalf("order %s not listed: %v", l.ID, err)
	}
	listed := lines[i]
	if listed.Allowed.Has(backend.ActReuse) {
		t.Fatal("the listing cannot know about reuse=1, yet offers it")
	}
	line := e.p.Refine(merged(finished, listed))
	if !line.Allowed.Has(backend.ActReuse) || line.State != backend.LineFinished {
		t.Fatalf("after the next poll the line allows %s (%s): the reuse permission is lost", line.Allowed, line.State)
	}

	before, count := e.balance(), e.s.FiveSim.Orders(e.acct)
	out, err = e.p.Do(ctx, backend.Action{ID: "r", Kind: backend.ActReuse, Target: line.Key, CreatedAt: e.s.Now()},
		backend.Target{Line: &line})
	if err != nil {
		t.Fatalf("reuse: %v", err)
	}
	o := e.order(t, out.Lines[0].ID)
	if e.s.FiveSim.Orders(e.acct) != count+1 || o.Phone != l.Number || o.Product != "telegram" || strconv.Itoa(o.ID) == l.ID ||
		!before.Sub(e.balance()).Equal(dec(o.Price)) || !out.Charged.Amount.Equal(dec(o.Price)) {
		t.Fatalf("reuse placed %+v (orders %d → %d)", o, count, e.s.FiveSim.Orders(e.acct))
	}
	if !out.Lines[0].Allowed.Has(backend.ActReuse) {
		t.Errorf("the reused number allows %s", out.Lines[0].Allowed)
	}
}

// loseBuys makes the next n purchases go through at the simulator with
// their answers lost, and returns their actions in order.
func (e *fsEnv) loseBuys(t *testing.T, n int, req backend.BuyRequest, known map[string]bool) []backend.Action {
	t.Helper()
	if _, err := e.c.Profile(ctxT(t)); err != nil { // a kept-alive connection, as in a running program
		t.Fatal(err)
	}
	e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/user/buy/activation/", Times: n})
	var acts []backend.Action
	for i := range n {
		r := req
		act := backend.Action{ID: "lost-" + strconv.Itoa(i), Kind: backend.ActBuy, CreatedAt: e.s.Now(), Buy: &r}
		_, err := e.p.Do(ctxT(t), act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		acts = append(acts, act)
	}
	return acts
}

// TestContractSettleProviderClockBehind: with 5sim's clock a minute behind,
// a purchase whose answer was lost is still found, by the orders that were
// not there before it, and shown with 5sim's own times.
func TestContractSettleProviderClockBehind(t *testing.T) {
	e := newFsEnv(t, nil)
	e.s.FiveSim.SetClockOffset(-time.Minute)
	known := e.known()
	act := e.loseBuys(t, 1, backend.BuyRequest{Category: "activation", Country: "russia", Operator: "beeline", Product: "telegram"}, known)[0]
	ids := e.s.FiveSim.OrderIDs(e.acct)
	placed := e.order(t, ids[len(ids)-1])

	st, out, err := e.p.Settle(ctxT(t), act, backend.Target{KnownIDs: known})
	if err != nil || st != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != strconv.Itoa(placed.ID) {
		t.Fatalf("Settle: %v %+v %v; the purchase was order %d", st, out.Lines, err, placed.ID)
	}
	if l := out.Lines[0]; !l.CreatedAt.Time().Equal(placed.Created.Add(-time.Minute)) || !out.Charged.Amount.Equal(dec(placed.Price)) {
		t.Errorf("line %+v, simulator %+v", l, placed)
	}
}

// TestContractSettleClaims: two identical purchases with lost answers are
// matched to two different orders, the oldest first; a third that never
// went through is not matched to either.
func TestContractSettleClaims(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	req := backend.BuyRequest{Category: "activation", Country: "russia", Operator: "beeline", Product: "telegram"}
	known := e.known()
	acts := e.loseBuys(t, 2, req, known)
	ids := e.s.FiveSim.OrderIDs(e.acct)
	first, second := strconv.Itoa(ids[len(ids)-2]), strconv.Itoa(ids[len(ids)-1])

	claimed := map[string]bool{}
	for i, want := range []string{first, second} {
		st, out, err := e.p.Settle(ctx, acts[i], backend.Target{KnownIDs: known, Claimed: claimed})
		if err != nil || st != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != want {
			t.Fatalf("Settle of purchase %d: %v %+v %v, want order %s", i+1, st, out.Lines, err, want)
		}
		claimed[out.Lines[0].ID] = true // the engine records the order it was matched to
	}

	e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultDrop, Path: "/user/buy/activation/", Times: 1})
	r := req
	third := backend.Action{ID: "dropped", Kind: backend.ActBuy, CreatedAt: e.s.Now(), Buy: &r}
	_, err := e.p.Do(ctx, third, backend.Target{KnownIDs: known})
	mustKind(t, err, backend.ErrOutcomeUnknown)
	if n := len(e.s.FiveSim.OrderIDs(e.acct)); n != len(ids) {
		t.Fatalf("a dropped purchase was placed (%d orders, was %d)", n, len(ids))
	}
	st, out, err := e.p.Settle(ctx, third, backend.Target{KnownIDs: known, Claimed: claimed})
	if err != nil || st != backend.SettledNotDone {
		t.Fatalf("Settle of the purchase that never went through: %v %+v %v", st, out.Lines, err)
	}
}

// TestContractDocumentedOrderActions: 5sim.md's "Order management" names
// no condition on finish, cancel or ban, so Switchboard offers finishing
// before an SMS and cancelling or banning a hosting order, and the
// simulator carries them out: state and money as documented (a finish
// spends, a cancel or a ban refunds). NOTES.md's `order has sms` still
// holds for a cancel.
func TestContractDocumentedOrderActions(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	e.s.FiveSim.SetBalance(e.acct, 10000)
	check := func(l backend.Line) backend.Line {
		t.Helper()
		lines, _, err := e.p.Check(ctx, []backend.Line{l})
		if err != nil || len(lines) != 1 {
			t.Fatalf("Check: %v %v", lines, err)
		}
		return lines[0]
	}
	do := func(kind backend.ActionKind, l backend.Line) backend.Line {
		t.Helper()
		out, err := e.p.Do(ctx, backend.Action{ID: string(kind), Kind: kind, Target: l.Key}, backend.Target{Line: &l})
		if err != nil {
			t.Fatalf("%s %s: %v", kind, l.Kind, err)
		}
		return out.Lines[0]
	}

	// Finish before an SMS: the frozen price is spent, nothing refunded.
	l := check(e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"}))
	if !l.Allowed.Has(backend.ActFinish) {
		t.Fatalf("an activation without an SMS allows %s: no finish", l.Allowed)
	}
	balance, frozen, price := e.balance(), e.frozen(), dec(e.order(t, l.ID).Price)
	if got := do(backend.ActFinish, l); got.State != backend.LineFinished || e.order(t, l.ID).Status != "FINISHED" {
		t.Fatalf("finish: line %s, simulator %s", got.State, e.order(t, l.ID).Status)
	}
	if !e.balance().Equal(balance) || !frozen.Sub(e.frozen()).Equal(price) {
		t.Errorf("finish before an SMS: balance %v → %v, frozen %v → %v", balance, e.balance(), frozen, e.frozen())
	}

	// Cancel and ban a hosting order: refunded.
	for _, kind := range []backend.ActionKind{backend.ActCancel, backend.ActBan} {
		h := check(e.buy(t, backend.BuyRequest{Category: "hosting", Country: "russia", Product: "3hours"}))
		if !h.Allowed.Has(kind) || !h.Allowed.Has(backend.ActFinish) {
			t.Fatalf("a hosting order allows %s: no %s", h.Allowed, kind)
		}
		e.s.Advance(sim.FiveSimCancelWait) // NOTES.md: too early right after purchase
		balance, price := e.balance(), dec(e.order(t, h.ID).Price)
		want := map[backend.ActionKind]backend.LineState{backend.ActCancel: backend.LineCanceled, backend.ActBan: backend.LineBanned}[kind]
		if got := do(kind, h); got.State != want || !e.balance().Sub(balance).Equal(price) {
			t.Errorf("%s a hosting order: line %s, simulator %s, balance %v → %v (price %v)",
				kind, got.State, e.order(t, h.ID).Status, balance, e.balance(), price)
		}
	}

	// Once an SMS arrived a hosting order offers no cancel, and 5sim
	// refuses one.
	h := e.buy(t, backend.BuyRequest{Category: "hosting", Country: "russia", Product: "3hours"})
	if err := e.s.FiveSim.Deliver(h.ID, "Use 415127 as your login code"); err != nil {
		t.Fatal(err)
	}
	if h = check(h); h.Allowed.Has(backend.ActCancel) || !h.Allowed.Has(backend.ActFinish) {
		t.Fatalf("a hosting order with an SMS allows %s", h.Allowed)
	}
	_, err := e.c.Cancel(ctx, mustID(t, h))
	if be := mustKind(t, err, backend.ErrRefused); be.Code != "order has sms" {
		t.Fatalf("cancel with an SMS: %+v", be)
	}
}

// TestContractPurchaseLimit503: 5sim's per-purchase limit answers 503; the
// adapter reads it as a rate limit (nothing was bought, the budget pauses
// at least a second, nothing is retried) rather than as a server error.
func TestContractPurchaseLimit503(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	count, balance := e.s.FiveSim.Orders(e.acct), e.balance()
	e.s.FiveSim.LimitPurchases(1)
	hits := e.s.Hits(backend.FiveSim)
	_, err := e.p.Do(ctx, backend.Action{ID: "b", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
		Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "telegram"}}, backend.Target{})
	be := mustKind(t, err, backend.ErrRateLimited)
	if be.Status != 503 || be.RetryAfter < time.Second || e.s.Hits(backend.FiveSim)-hits != 1 || e.s.RateLimited(backend.FiveSim) != 1 {
		t.Fatalf("503 limit: %+v, %d requests", be, e.s.Hits(backend.FiveSim)-hits)
	}
	if e.s.FiveSim.Orders(e.acct) != count || !e.balance().Equal(balance) {
		t.Fatal("a purchase refused by the limit placed an order")
	}
	assertPaused(t, e.s, e.p.Balance)

	// The simulator's own limit: FiveSimPurchasesPerSecond a second.
	e = newFsEnv(t, nil)
	e.s.FiveSim.SetBalance(e.acct, 10000)
	for i := range simfivesim.FiveSimPurchasesPerSecond {
		if _, err := e.c.BuyActivation(ctx, "russia", "beeline", "telegram", fivesim.BuyOptions{}); err != nil {
			t.Fatalf("purchase %d: %v", i+1, err)
		}
	}
	_, err = e.c.BuyActivation(ctx, "russia", "beeline", "telegram", fivesim.BuyOptions{})
	mustKind(t, err, backend.ErrRateLimited)
}

// TestContractFutureDatedSMS: an SMS 5sim dates in 2099 reaches the
// engine with 5sim's date unchanged (the engine, not the adapter, clamps a
// provider's time and orders codes by its own clock).
func TestContractFutureDatedSMS(t *testing.T) {
	e := newFsEnv(t, nil)
	l := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	at := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := e.s.FiveSim.DeliverAt(l.ID, "Telegram code 424242", at); err != nil {
		t.Fatal(err)
	}
	lines, msgs, err := e.p.Check(ctxT(t), []backend.Line{l})
	if err != nil || len(lines) != 1 || len(msgs) != 1 {
		t.Fatalf("Check: %v %v %v", lines, msgs, err)
	}
	if !msgs[0].ReceivedAt.Equal(at) || msgs[0].Code != "424242" || !lines[0].CodeAt.Time().Equal(at) || lines[0].Code != "424242" {
		t.Fatalf("message %+v, line code %q at %v; 5sim said %v", msgs[0], lines[0].Code, lines[0].CodeAt, at)
	}
}
