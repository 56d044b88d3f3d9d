package backend

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// A counter made inside another counts with it: the engine's count of a
// read stays whole when a wrapper counts the same requests.
func TestCountersNest(t *testing.T) {
	b := NewBudget(6000)
	var outer, inner atomic.Int64
	ctx := WithCounter(context.Background(), &outer)
	for range 2 {
		if err := b.Wait(WithCounter(ctx, &inner)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if outer.Load() != 3 || inner.Load() != 2 {
		t.Errorf("outer counted %d, inner %d; want 3 and 2", outer.Load(), inner.Load())
	}
}

// A yielding request takes a token only while the bucket keeps what the
// others need, and holds nothing while it waits: a request that does not
// yield goes first.
func TestYieldingRequestsGiveWay(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	b := NewBudgetClock(60, clock) // a bucket of 3, 0.95 a second
	ctx := context.Background()
	clock.Advance(5 * time.Second) // a full bucket
	for range 2 {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d := b.Ready(1); d != 0 {
		t.Fatalf("one token left, but Ready(1) = %s", d)
	}
	if d := b.Ready(2); d < time.Second || d > 1100*time.Millisecond {
		t.Fatalf("Ready(2) with one token = %s, want about 1.05s", d)
	}
	done := make(chan error, 1)
	go func() { done <- b.Wait(Yielding(ctx, 1)) }() // needs 2: takes one, keeps one
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("a yielding request took the last token (%v)", err)
	default:
	}
	if err := b.Wait(ctx); err != nil || b.Ready(1) == 0 {
		t.Fatalf("the request that does not yield did not take the token at once: %v, %s", err, b.Ready(1))
	}
	clock.Advance(3 * time.Second) // 2.85 tokens
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := b.Ready(1.8); d != 0 {
		t.Errorf("the yielding request took more than its token: Ready(1.8) = %s", d)
	}
	if d := b.Ready(10); d > 4*time.Second {
		t.Errorf("Ready asks for more than the bucket holds: %s", d)
	}
}
