package engine

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// stubOwnership is a cluster node's view of which accounts it owns.
type stubOwnership struct {
	mu    sync.Mutex
	owned map[string]bool
}

func newStubOwnership(owned ...string) *stubOwnership {
	s := &stubOwnership{owned: map[string]bool{}}
	for _, a := range owned {
		s.owned[a] = true
	}
	return s
}

func (s *stubOwnership) Owned(account string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.owned[account]
}

func (s *stubOwnership) set(account string, owned bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owned[account] = owned
}

// stubForwarder records what the engine hands to other nodes.
type stubForwarder struct {
	mu      sync.Mutex
	actions []backend.Action
	hints   []string
}

func (f *stubForwarder) Forward(act backend.Action) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, act)
	return "beta", nil
}

func (f *stubForwarder) ForwardHint(account string, body []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hints = append(f.hints, account)
	return nil
}

func (f *stubForwarder) forwarded() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.actions)
}

// clusterPair is an engine over two accounts, "piv" and "sim", each with a
// waiting line, of which the node owns what own says.
func clusterPair(t *testing.T, store *memStore, own *stubOwnership, fw *stubForwarder) (*Engine, *collector, *fakeProvider, *fakeProvider) {
	t.Helper()
	a := newFake(backend.PivDay, "piv", false, 600)
	b := newFake(backend.FiveSim, "sim", true, 600)
	a.shareClock(b)
	a.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel))
	b.addLine("2", backend.LineWaiting, backend.Allow(backend.ActCancel))
	opts := Options{Store: store, Ownership: own}
	if fw != nil {
		opts.Forwarder = fw
	}
	e, c := startEngineWith(t, opts, AccountSpec{Provider: a, Budget: a.budget}, AccountSpec{Provider: b, Budget: b.budget})
	return e, c, a, b
}

// cancelUnsent asks to cancel piv's line 1 and checks that the operator
// is told why (notice) and that no call was made.
func cancelUnsent(t *testing.T, e *Engine, c *collector, a *fakeProvider, notice string) {
	t.Helper()
	key := backend.MakeKey(backend.PivDay, "piv", backend.ItemLine, "1")
	e.Submit(backend.Action{ID: "cancel-1", Kind: backend.ActCancel, Account: "piv", Target: key})
	c.waitFor(t, 5*time.Second, hasNotice(notice))
	if a.calls() != 0 {
		t.Fatal("the cancel was sent")
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// A node polls only the accounts it owns, and hands actions and webhooks
// for the others to their owner without a call of its own.
func TestEngineWithOwnershipPollsAndActsOnlyForOwnedAccounts(t *testing.T) {
	t.Parallel()
	own := newStubOwnership("piv")
	fw := &stubForwarder{}
	e, c, a, b := clusterPair(t, newMemStore(), own, fw)
	e.Gained("piv")
	waitUntil(t, "the owned account's line read", func() bool { return a.checkCounts()["1"] > 0 })
	sleepFake(t, a.clock, time.Minute)
	if n := b.budget.Used(); n != 0 {
		t.Fatalf("the account owned elsewhere got %d requests from this node", n)
	}
	key := backend.MakeKey(backend.FiveSim, "sim", backend.ItemLine, "2")
	e.Submit(backend.Action{ID: "cancel-2", Kind: backend.ActCancel, Account: "sim", Target: key})
	c.waitFor(t, 5*time.Second, hasNotice("handed to node beta"))
	if fw.forwarded() != 1 || b.calls() != 0 {
		t.Fatalf("forwarded %d, sent %d: want the action handed over, never sent here", fw.forwarded(), b.calls())
	}
	if err := e.Hint("sim", []byte(`{"id":"2"}`)); err != nil || len(fw.hints) != 1 {
		t.Fatalf("webhook for an account owned elsewhere: err %v, forwarded %v", err, fw.hints)
	}
	e.Add("sim", "77")
	c.waitFor(t, 5*time.Second, hasNotice("this node does not own account sim"))
}

// Losing an account stops its polling at once; an action accepted after
// the loss is forwarded, not sent.
func TestLostAccountStopsPollingAndActingAtOnce(t *testing.T) {
	t.Parallel()
	own := newStubOwnership("piv")
	fw := &stubForwarder{}
	e, c, a, _ := clusterPair(t, newMemStore(), own, fw)
	e.Gained("piv")
	waitUntil(t, "polling", func() bool { return a.checkCounts()["1"] > 2 })
	own.set("piv", false)
	e.Lost("piv", "lease expired")
	sleepFake(t, a.clock, time.Second) // reads already past the budget answer
	used := a.budget.Used()
	sleepFake(t, a.clock, time.Minute)
	if n := a.budget.Used(); n != used {
		t.Fatalf("%d requests after the loss", n-used)
	}
	cancelUnsent(t, e, c, a, "handed to node beta")
}

// A lease can run out before the engine hears of the loss: the action's
// call checks ownership right before it is made, and is not made.
func TestActionNotSentWhenOwnershipEndedJustBefore(t *testing.T) {
	t.Parallel()
	own := newStubOwnership("piv")
	e, c, a, _ := clusterPair(t, newMemStore(), own, nil)
	e.Gained("piv")
	waitUntil(t, "polling", func() bool { return a.checkCounts()["1"] > 0 })
	own.set("piv", false) // no Lost yet
	cancelUnsent(t, e, c, a, "no longer owns the account")
}

// Gaining an account settles what its previous owner left pending by
// reading, never by sending again; until then nothing touches it.
func TestGainedAccountSettlesPendingByReadingOnly(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	key := backend.MakeKey(backend.PivDay, "piv", backend.ItemLine, "1")
	act := backend.Action{ID: "cancel-old", Kind: backend.ActCancel, Account: "piv", Target: key}
	if err := store.Journal(backend.JournalEntry{Action: act, State: backend.JournalPending}); err != nil {
		t.Fatal(err)
	}
	own := newStubOwnership()
	e, c, a, _ := clusterPair(t, store, own, nil)
	a.settled = backend.SettledHappened
	sleepFake(t, a.clock, 10*time.Second)
	a.mu.Lock()
	settles := a.settles
	a.mu.Unlock()
	if settles != 0 || a.budget.Used() != 0 {
		t.Fatalf("before the gain: %d settles, %d requests", settles, a.budget.Used())
	}
	own.set("piv", true)
	e.Gained("piv")
	waitSettled(t, store, "cancel-old")
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Lines) > 0 })
	waitUntil(t, "polling after the gain", func() bool { return a.checkCounts()["1"] > 0 })
	if a.calls() != 0 || store.entry("cancel-old").State != backend.JournalHappened {
		t.Fatalf("calls %d, entry %s: want settled by reading, never re-sent", a.calls(), store.entry("cancel-old").State)
	}
}

// Other nodes' writes show for the accounts this node does not own; for
// its own accounts their echo is ignored. A forwarded action's outcome is
// told here when its owner journals it.
func TestRemoteStateShowsOnlyAccountsOwnedElsewhere(t *testing.T) {
	t.Parallel()
	own := newStubOwnership("piv")
	fw := &stubForwarder{}
	e, c, a, _ := clusterPair(t, newMemStore(), own, fw)
	e.Gained("piv")
	waitUntil(t, "piv taken over", func() bool { return a.checkCounts()["1"] > 0 })
	mine := backend.Line{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLine, "9"), Account: "piv", Provider: backend.PivDay, ID: "9", State: backend.LineWaiting}
	theirs := backend.Line{Key: backend.MakeKey(backend.FiveSim, "sim", backend.ItemLine, "7"), Account: "sim", Provider: backend.FiveSim,
		ID: "7", State: backend.LineReceived, Code: "4242"}
	e.ApplyRemote(Remote{Snapshot: backend.Snapshot{Lines: []backend.Line{mine, theirs}}})
	ev := c.waitFor(t, 5*time.Second, func(ev backend.Event) bool {
		for _, l := range ev.Lines {
			if l.Key == theirs.Key {
				return true
			}
		}
		return false
	})
	for _, l := range ev.Lines {
		if l.Key == mine.Key {
			t.Fatal("an owned account took another node's write")
		}
	}
	e.ApplyRemote(Remote{Full: true})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool {
		for _, k := range ev.Removed {
			if k == theirs.Key {
				return true
			}
		}
		return false
	})
	act := backend.Action{ID: "cancel-7", Kind: backend.ActCancel, Account: "sim", Target: theirs.Key}
	e.Submit(act)
	c.waitFor(t, 5*time.Second, hasNotice("handed to node beta"))
	e.ApplyRemote(Remote{Journal: []backend.JournalEntry{{Action: act, State: backend.JournalDone}}})
	ev = c.waitFor(t, 5*time.Second, hasNotice("by the account's owner"))
	if !strings.Contains(ev.Notices[0].Text, "done") {
		t.Fatalf("notice %q", ev.Notices[0].Text)
	}
}

// Another node's SMS shows its code on the line at once, before the
// owner's line record (which it batches) arrives.
func TestRemoteMessageShowsItsCodeAtOnce(t *testing.T) {
	t.Parallel()
	e, c, _, _ := clusterPair(t, newMemStore(), newStubOwnership(), nil)
	l := backend.Line{Key: backend.MakeKey(backend.FiveSim, "sim", backend.ItemLine, "7"), Account: "sim", Provider: backend.FiveSim,
		ID: "7", State: backend.LineWaiting}
	e.ApplyRemote(Remote{Snapshot: backend.Snapshot{Lines: []backend.Line{l}}})
	now := testStart.Add(time.Minute)
	e.ApplyRemote(Remote{Messages: []backend.Message{{Line: l.Key, ID: "m1", Text: "code 5150", Code: "5150", SeenAt: now, ReceivedAt: now}}})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool {
		for _, x := range ev.Lines {
			if x.Key == l.Key && x.Code == "5150" && x.State == backend.LineReceived {
				return true
			}
		}
		return false
	})
}

// What an account's previous owner spent today counts against its spend
// cap on the node that takes it over.
func TestGainedAccountKeepsTodaysSpending(t *testing.T) {
	store := newMemStore()
	own := newStubOwnership()
	a := newFake(backend.PivDay, "piv", false, 600)
	a.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	caps := backend.SpendCaps{Accounts: map[string]decimal.Decimal{"piv": decimal.NewFromInt(5)}}
	e, c := startEngineWith(t, Options{Store: store, Ownership: own, Caps: caps}, AccountSpec{Provider: a, Budget: a.budget})
	key := backend.MakeKey(backend.PivDay, "piv", backend.ItemLine, "1")
	// Run has read the journal once it answers an action: the entry below
	// is written after, by another node.
	e.Submit(backend.Action{ID: "probe", Kind: backend.ActRenew, Account: "piv", Target: key})
	c.waitFor(t, 5*time.Second, hasNotice("does not own account piv"))
	earlier := backend.Action{ID: "renew-elsewhere", Kind: backend.ActRenew, Account: "piv", Target: key,
		Cost: backend.NewMoney(decimal.NewFromInt(4), "USD"), CreatedAt: a.clock.Now()}
	if err := store.Journal(backend.JournalEntry{Action: earlier, State: backend.JournalDone}); err != nil {
		t.Fatal(err)
	}
	own.set("piv", true)
	e.Gained("piv")
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { // the number, read again after the gain
		return len(ev.Lines) > 0 && ev.Lines[0].Key == key
	})
	e.Submit(backend.Action{ID: "renew-here", Kind: backend.ActRenew, Account: "piv", Target: key,
		Cost: backend.NewMoney(decimal.NewFromInt(2), "USD")})
	c.waitFor(t, 5*time.Second, hasNotice("over piv's spend cap"))
	if a.calls() != 0 {
		t.Fatal("the renewal was sent over the cap")
	}
}
