package fivesim_test

// Contract tests for the rules the documents set (and only those): reuse
// permission, settling lost purchases, hosting and early actions, 503
// limits, and the provider's own timestamps.

import (
	"slices"
	"strconv"
	"testing"

	"switchboard/backend"
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
