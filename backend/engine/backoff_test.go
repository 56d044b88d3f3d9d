package engine

import (
	"switchboard/backend"

	"context"
	"sync"
	"testing"
	"time"
)

// unreachable is a provider nobody answers for: every call fails, each
// worded after what it was doing and how the connection failed, as the
// transport words them.
type unreachable struct {
	*fakeProvider
	mu    sync.Mutex
	calls []time.Time
}

func (u *unreachable) fail(ctx context.Context, op string) error {
	if err := u.wait(ctx); err != nil {
		return err
	}
	u.mu.Lock()
	u.calls = append(u.calls, u.clock.Now())
	how := [...]string{"connection refused", "connection reset by peer"}[len(u.calls)%2]
	u.mu.Unlock()
	return &backend.Error{Provider: u.kind, Op: op, Kind: backend.ErrUnavailable, Message: "dial tcp 127.0.0.1:9: " + how}
}

func (u *unreachable) callTimes() []time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]time.Time(nil), u.calls...)
}

func (u *unreachable) Balance(ctx context.Context) (backend.Account, error) {
	return backend.Account{}, u.fail(ctx, "balance")
}
func (u *unreachable) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	return nil, nil, u.fail(ctx, "list orders")
}
func (u *unreachable) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	return nil, nil, u.fail(ctx, "check order "+lines[0].ID)
}
func (u *unreachable) Leases(ctx context.Context) ([]backend.Lease, error) {
	return nil, u.fail(ctx, "list rentals")
}
func (u *unreachable) Jobs(ctx context.Context, _ []backend.Job) ([]backend.Job, error) {
	return nil, u.fail(ctx, "list jobs")
}

// An account whose provider cannot be reached backs off exponentially to
// a cap of minutes, one call at a time, and says so once: it publishes
// (and saves) the account only when its health or the kind of its error
// changes, not on every failed call worded differently. Refresh tries at
// once. (Before: a cap of 2 minutes, a cold and a hot read each round, and
// an account event nearly every round — 200 such accounts in the warm
// state kept the dashboard redrawing.)
func TestAnUnreachableAccountBacksOffToACapAndStaysQuiet(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 100)
	u := &unreachable{fakeProvider: f}
	store := newMemStore()
	line := backend.Line{Key: backend.MakeKey(f.kind, f.account, backend.ItemLine, "1"), Account: f.account,
		Provider: f.kind, ID: "1", State: backend.LineWaiting, CreatedAt: backend.InstantOf(f.clock.Now())} // known from the cache
	store.snap.Lines = []backend.Line{line}
	e, c, ctx := runEngine(t, []AccountSpec{{Provider: u, Budget: f.budget}}, Options{Store: store, Clock: f.clock})
	go func() { // 1 s of the fake clock every real millisecond
		for ctx.Err() == nil {
			f.clock.Advance(time.Second)
			time.Sleep(time.Millisecond)
		}
	}()
	sleepFake(t, f.clock, 20*time.Minute)
	failingAt := f.clock.Now()
	events := 0
	countEvents := func() {
		for {
			select {
			case ev := <-c.ch:
				for _, a := range ev.Accounts {
					if a.Name == "piv" && a.Health != backend.HealthOK {
						events++
					}
				}
			default:
				return
			}
		}
	}
	countEvents() // the account's way into failing
	events = 0
	sleepFake(t, f.clock, 30*time.Minute)
	countEvents()

	var late []time.Time
	for _, at := range u.callTimes() {
		if at.After(failingAt) {
			late = append(late, at)
		}
	}
	// At the cap (5 minutes, jittered down to half): 6–12 calls in 30 minutes.
	if len(late) > 12 || len(late) < 5 {
		t.Errorf("%d calls in 30 minutes of an outage, want one every 2.5–5 minutes", len(late))
	}
	for i := 1; i < len(late); i++ {
		if gap := late[i].Sub(late[i-1]); gap < 2*time.Minute || gap > 5*time.Minute+2*time.Second {
			t.Errorf("calls %v apart in a long outage, want 2.5–5 minutes", gap)
		}
	}
	if events != 0 {
		t.Errorf("%d account events in 30 minutes of the same outage, want none", events)
	}

	before := len(u.callTimes())
	e.Refresh("piv")
	sleepFake(t, f.clock, 3*time.Second)
	if len(u.callTimes()) == before {
		t.Error("refresh did not try the account at once")
	}
}
