package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// gated is a fake whose actions wait for the test to let them answer.
type gated struct {
	*fakeProvider
	gate chan struct{}
}

func newGated(f *fakeProvider) *gated { return &gated{fakeProvider: f, gate: make(chan struct{})} }

func (g *gated) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	g.mu.Lock()
	g.doCalls = append(g.doCalls, act)
	g.mu.Unlock()
	select {
	case <-g.gate:
	case <-ctx.Done():
		return backend.Outcome{}, ctx.Err()
	}
	return backend.Outcome{Done: true}, nil
}

var team = map[string]backend.Role{"alice": backend.RoleOperator, "bob": backend.RoleViewer, "carol": backend.RoleAdmin}

// noticeFor matches a notice about one action.
func noticeFor(id, sub string) func(backend.Event) bool {
	return func(ev backend.Event) bool {
		for _, n := range ev.Notices {
			if n.Action != nil && n.Action.ID == id && strings.Contains(n.Text, sub) {
				return true
			}
		}
		return false
	}
}

// settledAs waits for an action's journal entry to reach a settled state.
func settledAs(id string, st backend.JournalState) func(backend.Event) bool {
	return func(ev backend.Event) bool {
		for _, a := range ev.Actions {
			if a.Action.ID == id && a.State == st {
				return true
			}
		}
		return false
	}
}

func TestViewerIsRefusedMoneyActionsInTheEngine(t *testing.T) {
	f := newFake(backend.FiveSim, "5s", true, 600)
	l := f.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel, backend.ActBan))
	store := newMemStore()
	e, c := startEngineWith(t, Options{Store: store, Operators: team}, AccountSpec{Provider: f, Budget: f.budget})
	c.lineWhere(t, l.Key, func(backend.Line) bool { return true })
	e.As("bob").Submit(backend.Action{ID: "bob-cancel", Kind: backend.ActCancel, Account: "5s", Target: l.Key})
	ev := c.waitFor(t, 5*time.Second, noticeFor("bob-cancel", "bob is a viewer"))
	if n := ev.Notices[0]; n.Operator != "bob" || n.Action.Operator != "bob" {
		t.Fatalf("the refusal is not addressed to bob: %+v", n)
	}
	e.Submit(backend.Action{ID: "nobody", Kind: backend.ActBan, Account: "5s", Target: l.Key, Operator: "mallory"})
	c.waitFor(t, 5*time.Second, noticeFor("nobody", "unknown operator mallory"))
	if f.calls() != 0 || len(store.order) != 0 {
		t.Fatalf("a refused action reached the provider (%d calls) or the journal (%v)", f.calls(), store.order)
	}
	e.As("alice").Submit(backend.Action{ID: "alice-cancel", Kind: backend.ActCancel, Account: "5s", Target: l.Key})
	c.waitFor(t, 5*time.Second, settledAs("alice-cancel", backend.JournalDone))
	if got := store.entry("alice-cancel").Action.Operator; got != "alice" {
		t.Fatalf("the journal records %q as the operator", got)
	}
}

// Two operators pressing renew on one item send one call; the second
// learns who holds it.
func TestSingleFlightAcrossOperatorsNamesTheHolder(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 600)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	g := newGated(f)
	e, c := startEngineWith(t, Options{Store: newMemStore(), Operators: team}, AccountSpec{Provider: g, Budget: f.budget})
	c.lineWhere(t, l.Key, func(backend.Line) bool { return true })
	e.As("alice").Submit(backend.Action{ID: "a1", Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	for f.calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	e.As("carol").Submit(backend.Action{ID: "c1", Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	ev := c.waitFor(t, 5*time.Second, noticeFor("c1", "alice is renewing this"))
	if ev.Notices[0].Operator != "carol" {
		t.Fatalf("told to %q, not carol", ev.Notices[0].Operator)
	}
	e.As("alice").Submit(backend.Action{ID: "a2", Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	c.waitFor(t, 5*time.Second, noticeFor("a2", "renew already in progress"))
	close(g.gate)
	c.waitFor(t, 5*time.Second, settledAs("a1", backend.JournalDone))
	if n := f.calls(); n != 1 {
		t.Fatalf("%d renew calls, want one", n)
	}
}

// renewAndWait renews a line as an operator and waits for the engine's
// answer: done, or the refusal's text.
func renewAndWait(t *testing.T, e *Engine, c *collector, who, id string, l backend.Line) string {
	t.Helper()
	e.As(who).Submit(backend.Action{ID: id, Kind: backend.ActRenew, Account: l.Account, Target: l.Key})
	var text string
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool {
		for _, n := range ev.Notices {
			if n.Action != nil && n.Action.ID == id && n.Level != backend.Success {
				text = n.Text
				return true
			}
		}
		return settledAs(id, backend.JournalDone)(ev)
	})
	return text
}

// Spend caps hold on every path into the engine, per account and per
// operator per day; the refusal says what is left; the totals come back
// from the journal after a restart and start over at midnight.
func TestSpendCapsRefuseWithTheAmountLeft(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 600)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	l.Price = backend.NewMoney(decimal.NewFromInt(4), "USD")
	f.setLine(l)
	caps := backend.SpendCaps{Accounts: map[string]decimal.Decimal{"piv": decimal.NewFromInt(10)},
		Operators: map[string]map[string]decimal.Decimal{"alice": {backend.AnyAccount: decimal.NewFromInt(5)}}}
	store := newMemStore()
	opts := Options{Store: store, Operators: team, Caps: caps, Clock: f.clock}
	e, c, ctx := runEngine(t, []AccountSpec{{Provider: f, Budget: f.budget}}, opts)
	go pace(ctx, f.clock)
	c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Price.Known })
	if why := renewAndWait(t, e, c, "alice", "a1", l); why != "" {
		t.Fatalf("first renew refused: %s", why)
	}
	if why := renewAndWait(t, e, c, "alice", "a2", l); !strings.Contains(why, "over alice's spend cap on piv — $1.00 of $5.00 left today, this renew costs $4.00") {
		t.Fatalf("alice's second renew: %q", why)
	}
	if why := renewAndWait(t, e, c, "carol", "c1", l); why != "" {
		t.Fatalf("carol's renew refused: %s", why)
	}
	if why := renewAndWait(t, e, c, LocalOperator, "l1", l); !strings.Contains(why, "over piv's spend cap — $2.00 of $10.00 left today") {
		t.Fatalf("the local dashboard's renew over the account cap: %q", why)
	}
	if n := f.calls(); n != 2 {
		t.Fatalf("%d renews reached the provider, want 2", n)
	}
	// A restart reads today's spending back from the journal.
	e2, c2, ctx2 := runEngine(t, []AccountSpec{{Provider: f, Budget: f.budget}}, opts)
	go pace(ctx2, f.clock)
	c2.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Price.Known })
	if why := renewAndWait(t, e2, c2, "carol", "c2", l); !strings.Contains(why, "$2.00 of $10.00 left") {
		t.Fatalf("after a restart: %q", why)
	}
	// A new day starts at midnight (UTC by default).
	now := f.clock.Now()
	f.clock.Advance(now.Truncate(24 * time.Hour).Add(24*time.Hour + time.Minute).Sub(now))
	if why := renewAndWait(t, e2, c2, "alice", "a3", l); why != "" {
		t.Fatalf("the next day: %s", why)
	}
}

// A cap that applies needs a price, and an action that spent nothing
// gives its amount back.
func TestSpendCapNeedsAPriceAndFailedActionsDoNotCount(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 600)
	unpriced := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	priced := f.addLine("2", backend.LineActive, backend.Allow(backend.ActRenew))
	priced.Price = backend.NewMoney(decimal.NewFromInt(6), "USD")
	f.setLine(priced)
	f.doErr = &backend.Error{Kind: backend.ErrNoBalance, Message: "insufficient funds"}
	caps := backend.SpendCaps{Accounts: map[string]decimal.Decimal{"piv": decimal.NewFromInt(10)}}
	e, c := startEngineWith(t, Options{Store: newMemStore(), Caps: caps}, AccountSpec{Provider: f, Budget: f.budget})
	c.lineWhere(t, priced.Key, func(l backend.Line) bool { return l.Price.Known })
	if why := renewAndWait(t, e, c, "", "u", unpriced); !strings.Contains(why, "the price of this renew is unknown, so it cannot be held to piv's spend cap ($10.00 of $10.00 left today)") {
		t.Fatalf("unpriced renew: %q", why)
	}
	for _, id := range []string{"f1", "f2"} { // refused by the provider: nothing spent
		e.Submit(backend.Action{ID: id, Kind: backend.ActRenew, Account: "piv", Target: priced.Key})
		c.waitFor(t, 5*time.Second, settledAs(id, backend.JournalFailed))
	}
	f.mu.Lock()
	f.doErr = nil
	f.mu.Unlock()
	if why := renewAndWait(t, e, c, "", "ok", priced); why != "" {
		t.Fatalf("failed renews were counted: %s", why)
	}
}

func TestJournalIsEachOperatorsOwnButAnAdminSeesAll(t *testing.T) {
	f := newFake(backend.FiveSim, "5s", true, 600)
	l := f.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel, backend.ActCheck))
	e, c := startEngineWith(t, Options{Store: newMemStore(), Operators: team}, AccountSpec{Provider: f, Budget: f.budget})
	c.lineWhere(t, l.Key, func(backend.Line) bool { return true })
	e.As("alice").Submit(backend.Action{ID: "a", Kind: backend.ActCheck, Account: "5s", Target: l.Key})
	c.waitFor(t, 5*time.Second, settledAs("a", backend.JournalDone))
	e.As("bob").Submit(backend.Action{ID: "b", Kind: backend.ActCheck, Account: "5s", Target: l.Key})
	c.waitFor(t, 5*time.Second, settledAs("b", backend.JournalDone))
	ids := func(who string) string {
		es, err := e.As(who).Journal(10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, en := range es {
			out = append(out, en.Action.Operator+":"+en.Action.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids("alice"); got != "alice:a" {
		t.Fatalf("alice reads %q", got)
	}
	if got := ids("bob"); got != "bob:b" {
		t.Fatalf("bob reads %q", got)
	}
	if got := ids("carol"); got != "bob:b alice:a" {
		t.Fatalf("the admin reads %q", got)
	}
}

// Drain refuses new actions at once, tells every screen, and returns
// only once the call in the air has answered and been journaled.
func TestDrainWaitsForCallsInTheAirAndRefusesNewOnes(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 600)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew, backend.ActAutoRenewOn))
	g := newGated(f)
	store := newMemStore()
	e, c := startEngineWith(t, Options{Store: store}, AccountSpec{Provider: g, Budget: f.budget})
	c.lineWhere(t, l.Key, func(backend.Line) bool { return true })
	e.Submit(backend.Action{ID: "r", Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	for f.calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	drained := make(chan error, 1)
	go func() { drained <- e.Drain(context.Background()) }()
	c.waitFor(t, 5*time.Second, hasNotice("Switchboard is stopping: new actions are refused; 1 in flight finish first"))
	e.Submit(backend.Action{ID: "late", Kind: backend.ActAutoRenewOn, Account: "piv", Target: l.Key})
	c.waitFor(t, 5*time.Second, noticeFor("late", "Switchboard is stopping"))
	select {
	case <-drained:
		t.Fatal("Drain returned with a call in the air")
	default:
	}
	close(g.gate)
	select {
	case err := <-drained:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return after the call answered")
	}
	if st := store.entry("r").State; st != backend.JournalDone {
		t.Fatalf("the renew in the air is journaled %q", st)
	}
	if n := f.calls(); n != 1 {
		t.Fatalf("%d calls after draining began", n)
	}
}

// What a policy did (auto-cancel) was asked for by no one at a screen:
// it is journaled as "auto" and told to everyone.
func TestWhatPoliciesDoIsToldToEveryone(t *testing.T) {
	f := newFake(backend.FiveSim, "5s", true, 600)
	f.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel))
	store := newMemStore()
	_, c := startEngineWith(t, Options{Store: store, Operators: team},
		AccountSpec{Provider: f, Budget: f.budget, AutoCancelAfter: 2 * time.Second})
	var told backend.Notice
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		for _, n := range ev.Notices {
			if n.Action != nil && n.Level == backend.Success {
				told = n
				return true
			}
		}
		return false
	})
	if told.Action.Operator != AutoOperator || told.Operator != "" {
		t.Fatalf("auto-cancel acted as %q and was told to %q", told.Action.Operator, told.Operator)
	}
	if got := store.entry(told.Action.ID).Action.Operator; got != AutoOperator {
		t.Fatalf("journaled as %q", got)
	}
}
