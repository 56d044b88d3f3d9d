package integration

import (
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
)

// TestFiveSimCancelRefusedAfterSMS: once an SMS arrived, 5sim does not
// cancel; the operator is offered finish instead — by the engine when it
// already knows of the SMS, by 5sim's refusal when it does not yet.
func TestFiveSimCancelRefusedAfterSMS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)

	t.Run("known", func(t *testing.T) {
		defer h.use(t)()
		l := cancellable5sim(h)
		deliver(h, l, "Your code is 55123")
		got := h.waitLine("the code on the line", func(x backend.Line) bool {
			return x.Key == l.Key && x.State == backend.LineReceived && x.Code == "55123"
		})
		if got.Allowed.Has(backend.ActCancel) || !got.Allowed.Has(backend.ActFinish) {
			t.Errorf("a line with an SMS allows %s, want finish and not cancel", got.Allowed)
		}
		balance := h.sim.FiveSim.Balance(acct)
		act := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
		n := h.waitNotice("an SMS has arrived", "finish it instead")
		if n.Level != backend.Warning || n.Key != l.Key {
			t.Errorf("notice level %d key %s", n.Level, n.Key)
		}
		if _, ok := h.journal(act.ID); ok {
			t.Errorf("the refused cancel was journaled (sent)")
		}
		if o := fiveSimOrder(t, h.sim, l.ID); o.Status != "RECEIVED" || !near(h.sim.FiveSim.Balance(acct), balance) {
			t.Errorf("order %s, balance %.2f → %.2f: want untouched", o.Status, balance, h.sim.FiveSim.Balance(acct))
		}
	})
	t.Run("not yet seen", func(t *testing.T) {
		defer h.use(t)()
		l := cancellable5sim(h)
		// Reads fail, so the engine cannot learn of the SMS before the
		// cancel reaches 5sim.
		h.sim.Inject(backend.FiveSim, sim.Fault{Kind: sim.Fault500, Path: "/user/orders"})
		h.sim.Inject(backend.FiveSim, sim.Fault{Kind: sim.Fault500, Path: "/user/check/"})
		deliver(h, l, "Your code is 66234")
		act := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
		e := h.waitJournal(act.ID, backend.JournalFailed, backend.JournalDone, backend.JournalUnknown)
		if e.State != backend.JournalFailed {
			t.Fatalf("journal %s (%s), want failed", e.State, e.Note)
		}
		n := h.waitNotice("already has an SMS", "finish it instead")
		if n.Level != backend.Failure || n.Key != l.Key {
			t.Errorf("notice level %d key %s", n.Level, n.Key)
		}
		h.sim.ClearFaults(backend.FiveSim)
		h.waitLine("finish offered once the SMS is read", func(x backend.Line) bool {
			return x.Key == l.Key && x.Code == "66234" && x.Allowed.Has(backend.ActFinish) && !x.Allowed.Has(backend.ActCancel)
		})
		waitCode(h, l.Key, "66234")
	})
}

// TestEarlyCancelCooldown: a cancel 5sim refuses right after the purchase
// sets the line's cooldown and the notice says when to try again.
func TestEarlyCancelCooldown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)
	buy := h.submit(backend.Action{Kind: backend.ActBuy, Account: acct,
		Buy: &backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}})
	h.waitJournal(buy.ID, backend.JournalDone)
	bought := h.waitNotice("buy", "bought")
	l := h.waitLine("the bought line", func(x backend.Line) bool { return x.Key == bought.Key })

	cancel := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
	if e := h.waitJournal(cancel.ID, backend.JournalFailed, backend.JournalDone); e.State != backend.JournalFailed {
		t.Fatalf("an immediate cancel was %s, want refused", e.State)
	}
	at := time.Now()
	n := h.waitNotice("too early to cancel", "try again in")
	if n.Key != l.Key || n.Level != backend.Failure {
		t.Errorf("notice key %s level %d", n.Key, n.Level)
	}
	cooled := h.waitLine("the line's cooldown", func(x backend.Line) bool {
		return x.Key == l.Key && !x.CooldownUntil.IsZero()
	})
	if d := cooled.CooldownUntil.Time().Sub(at); d < 20*time.Second || d > 35*time.Second {
		t.Errorf("cooldown ends %s from the refusal, want about 30s", d)
	}
	if !strings.Contains(n.Text, "30s") {
		t.Errorf("notice %q does not say how long", n.Text)
	}
	if o := fiveSimOrder(t, h.sim, l.ID); o.Status == "CANCELED" {
		t.Errorf("the order was cancelled")
	}
}

// TestLateSMSAfterCancel: an SMS that reaches a number after its order was
// cancelled is still stored and emitted (codes are never lost).
func TestLateSMSAfterCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim}})
	h.waitReady()
	acct := h.accountName(backend.FiveSim)
	l := cancellable5sim(h)
	act := h.submit(backend.Action{Kind: backend.ActCancel, Account: acct, Target: l.Key})
	h.waitJournal(act.ID, backend.JournalDone)
	h.waitLine("the cancelled line", func(x backend.Line) bool { return x.Key == l.Key && x.State == backend.LineCanceled })

	deliver(h, l, "Late one: your code is 907311")
	// A closed line is no longer read on its own; the account's listing
	// (every minute) carries it. The operator's refresh asks for it now.
	h.eng().Refresh(acct)
	waitCode(h, l.Key, "907311")
	if x, _ := h.line(l.Key); x.State != backend.LineCanceled {
		t.Errorf("the late SMS reopened the line: %s", x.State)
	}
}
