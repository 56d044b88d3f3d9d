package engine

import (
	"github.com/jonboulle/clockwork"
	"switchboard/backend"

	"context"
	"strings"
	"testing"
	"time"
)

// collector gathers engine events in the background.
type collector struct {
	ch chan backend.Event
}

func collect(e *Engine) *collector {
	c := &collector{ch: make(chan backend.Event, 1024)}
	go func() {
		for ev := range e.Events() {
			c.ch <- ev
		}
	}()
	return c
}

// waitFor reads events until cond holds or the timeout passes.
func (c *collector) waitFor(t *testing.T, d time.Duration, cond func(backend.Event) bool) backend.Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-c.ch:
			if cond(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("condition not met within %s", d)
			return backend.Event{}
		}
	}
}

func hasNotice(sub string) func(backend.Event) bool {
	return func(ev backend.Event) bool {
		for _, n := range ev.Notices {
			if strings.Contains(n.Text, sub) {
				return true
			}
		}
		return false
	}
}

// startEngine runs an engine over fake providers on the first one's fake
// clock, which a pacer moves 20× faster than real time (so waits of
// seconds take milliseconds, and no test depends on the wall clock).
// Cleanup stops the engine and waits for Run to return.
func startEngine(t *testing.T, store backend.Store, specs ...AccountSpec) (*Engine, *collector) {
	t.Helper()
	return startEngineWith(t, Options{Store: store}, specs...)
}

// startEngineWith is startEngine with more options (the clock is the
// fakes' own).
func startEngineWith(t *testing.T, opts Options, specs ...AccountSpec) (*Engine, *collector) {
	t.Helper()
	clock := fakeOf(specs[0].Provider).clock
	opts.Clock = clock
	e, c, ctx := runEngine(t, specs, opts)
	go pace(ctx, clock)
	return e, c
}

// runEngine builds an engine and runs it until the test ends; Cleanup
// stops it and waits for Run to return. ctx ends when it stops.
func runEngine(t *testing.T, specs []AccountSpec, opts Options) (*Engine, *collector, context.Context) {
	t.Helper()
	e, err := New(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := collect(e)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return e, c, ctx
}

// fakeOf finds the fake under a wrapping provider (wrappers embed it).
func fakeOf(p backend.Provider) *fakeProvider {
	switch f := p.(type) {
	case interface{ fake() *fakeProvider }:
		return f.fake()
	case interface{ base() *fakeProvider }:
		return f.base()
	}
	panic("not a fake provider")
}

// pace moves a fake clock 20 ms every real millisecond until ctx ends.
func pace(ctx context.Context, clock *clockwork.FakeClock) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			clock.Advance(20 * time.Millisecond)
		}
	}
}

// sleepFake waits until the fake clock has moved d.
func sleepFake(t *testing.T, clock clockwork.Clock, d time.Duration) {
	t.Helper()
	until := clock.Now().Add(d)
	for real := time.Now(); clock.Now().Before(until); time.Sleep(time.Millisecond) {
		if time.Since(real) > 10*time.Second {
			t.Fatal("the fake clock does not move")
		}
	}
}

func TestCodeArrivesAndIsStoredBeforeEmitted(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim-main", true, 600)
	l := f.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel))
	store := newMemStore()
	_, c := startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	f.deliver("1", "482913")
	ev := c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Messages) > 0 })
	if ev.Messages[0].Code != "482913" {
		t.Fatalf("code %q", ev.Messages[0].Code)
	}
	stored, _ := store.Messages(l.Key, 0)
	if len(stored) != 1 {
		t.Fatalf("message not in the ledger when emitted: %d", len(stored))
	}
	var got *backend.Line
	for _, el := range ev.Lines {
		if el.Key == l.Key {
			got = el
		}
	}
	if got == nil || got.Code != "482913" || got.State != backend.LineReceived {
		t.Fatalf("line not updated with its code: %+v", got)
	}
}

func TestCodeSurvivesProviderForgettingIt(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "a", true, 600)
	f.addLine("1", backend.LineWaiting, 0)
	_, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	f.deliver("1", "1234")
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Messages) > 0 })
	// The provider's listing changes (finished), with no SMS attached.
	f.mu.Lock()
	l := f.lines["1"]
	l.State = backend.LineFinished
	f.lines["1"] = l
	f.mu.Unlock()
	ev := c.waitFor(t, 5*time.Second, func(ev backend.Event) bool {
		return len(ev.Lines) > 0 && ev.Lines[0].State == backend.LineFinished
	})
	if ev.Lines[0].Code != "1234" {
		t.Fatalf("code lost after the provider's answer lost it: %+v", ev.Lines[0])
	}
}

func TestPerLineReadsAreSharedFairly(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 600) // 10 requests/s
	for _, id := range []string{"a", "b", "c", "d"} {
		f.addLine(id, backend.LineWaiting, 0)
	}
	startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	sleepFake(t, f.clock, 3*time.Second)
	counts := f.checkCounts()
	lo, hi := 1<<30, 0
	for _, id := range []string{"a", "b", "c", "d"} {
		lo, hi = min(lo, counts[id]), max(hi, counts[id])
	}
	if lo < 3 || hi-lo > 1 {
		t.Fatalf("unfair or too few reads: %v", counts)
	}
	// Budget: 600/min * 0.95 * 0.8 headroom = 7.6/s at most for polls, plus
	// cold reads; 3 s must not exceed the budget's own ceiling.
	if used := f.budget.Used(); used > int64(3*10+5) {
		t.Fatalf("%d requests in 3s exceeds the budget", used)
	}
}

func TestUnknownOutcomeIsSettledNotResent(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 600)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	f.doErr = &backend.Error{Provider: backend.PivDay, Kind: backend.ErrOutcomeUnknown, Message: "timed out"}
	f.settled = backend.SettledHappened
	store := newMemStore()
	e, c := startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Lines) > 0 })
	act := backend.Action{ID: "renew-1", Kind: backend.ActRenew, Account: "piv", Target: l.Key}
	e.Submit(act)
	e.Submit(backend.Action{ID: "renew-2", Kind: backend.ActRenew, Account: "piv", Target: l.Key}) // a second press
	c.waitFor(t, 10*time.Second, hasNotice("confirmed by re-reading"))
	if n := f.calls(); n != 1 {
		t.Fatalf("Do called %d times, want 1", n)
	}
	if st := store.entry("renew-1").State; st != backend.JournalHappened {
		t.Fatalf("journal state %s", st)
	}
}

func TestDisallowedActionExplains(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim", true, 600)
	l := f.addLine("1", backend.LineReceived, backend.Allow(backend.ActFinish, backend.ActBan))
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Lines) > 0 })
	e.Submit(backend.Action{Kind: backend.ActCancel, Account: "5sim", Target: l.Key})
	c.waitFor(t, 5*time.Second, hasNotice("an SMS has arrived, so it cannot be cancelled — finish it instead"))
	if f.calls() != 0 {
		t.Fatal("a disallowed action reached the provider")
	}
}

func TestPendingJournalSettledAtStart(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 600)
	store := newMemStore()
	_ = store.Journal(backend.JournalEntry{Action: backend.Action{ID: "buy-9", Kind: backend.ActBuy, Account: "piv",
		Buy: &backend.BuyRequest{Category: "number", Country: "SE"}}, State: backend.JournalPending})
	f.settled = backend.SettledNotDone
	_, c := startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	c.waitFor(t, 10*time.Second, hasNotice("did not go through"))
	if st := store.entry("buy-9").State; st != backend.JournalNotDone {
		t.Fatalf("journal state %s", st)
	}
	if f.calls() != 0 {
		t.Fatal("a pending buy was re-sent instead of settled")
	}
}

func TestFailingAccountDegradesAlone(t *testing.T) {
	t.Parallel()
	bad := newFake(backend.Market, "m", true, 600)
	bad.failAll = &backend.Error{Provider: backend.Market, Kind: backend.ErrUnavailable, Message: "server error 500"}
	good := newFake(backend.FiveSim, "g", true, 600)
	bad.shareClock(good)
	_, c := startEngine(t, newMemStore(), AccountSpec{Provider: bad, Budget: bad.budget},
		AccountSpec{Provider: good, Budget: good.budget})
	seen := map[string]backend.Health{}
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		for _, a := range ev.Accounts {
			seen[a.Name] = a.Health
		}
		return seen["m"] == backend.HealthFailing && seen["g"] == backend.HealthOK
	})
}

func TestReadOnlyRefusesActions(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 600)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget, ReadOnly: true})
	ev := c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Lines) > 0 })
	if ev.Lines[0].Allowed != 0 {
		t.Fatal("read-only account's line still offers actions")
	}
	e.Submit(backend.Action{Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	c.waitFor(t, 5*time.Second, hasNotice("read-only"))
	if f.calls() != 0 {
		t.Fatal("read-only account sent an action")
	}
}

func TestAutoCancelPolicy(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim", true, 600)
	l := f.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel))
	f.mu.Lock()
	l.CreatedAt = backend.InstantOf(f.clock.Now().Add(-10 * time.Minute))
	f.lines["1"] = l
	f.mu.Unlock()
	_, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget, AutoCancelAfter: 5 * time.Minute})
	c.waitFor(t, 5*time.Second, hasNotice("cancel"))
	if f.calls() != 1 || f.doCalls[0].Kind != backend.ActCancel {
		t.Fatalf("auto-cancel calls: %+v", f.doCalls)
	}
}
