package engine

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"switchboard/backend"
)

// Run owns every goroutine it starts: when its context ends it returns
// only after its workers (an action still waiting on the provider
// included), and nothing the UI calls afterwards starts a goroutine that
// blocks forever.
func TestRunLeavesNoGoroutineBehind(t *testing.T) {
	before := goleak.IgnoreCurrent()
	f := newFake(backend.PivDay, "piv", false, 600)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew, backend.ActAutoRenewOn))
	f.block = true // the renew is still in flight when Run is told to stop
	e, err := New([]AccountSpec{{Provider: f, Budget: f.budget}}, Options{Store: newMemStore(), Clock: f.clock})
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
	go pace(ctx, f.clock)
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Lines) > 0 })
	e.Submit(backend.Action{ID: "renew-1", Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	for f.calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	// Calls after Run returned must not leave goroutines waiting on it.
	for i := range 500 {
		e.Submit(backend.Action{Kind: backend.ActAutoRenewOn, Account: "piv", Target: l.Key})
		e.Copied(l.Key)
		e.Refresh("")
		e.Add("piv", string(rune('a'+i%26)))
	}
	goleak.VerifyNone(t, before)
}
