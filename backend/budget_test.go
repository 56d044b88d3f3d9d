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
	done := waitHeld(t, clock, b, Yielding(ctx, 1), "a yielding request took the last token") // needs 2: takes one, keeps one
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

// A request yielding ahead waits while its token would leave the read
// planned next short when it starts, even with a full bucket (keeping all
// but one token cannot protect a read of a bucketful), and goes once that
// read has taken its tokens and the next one is a refill away.
func TestYieldingAheadKeepsThePlannedReadsTokens(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	b := NewBudgetClock(60, clock) // a bucket of 3, 0.95 a second
	ctx := context.Background()
	clock.Advance(5 * time.Second) // a full bucket
	var plan atomic.Pointer[time.Time]
	at := clock.Now().Add(500 * time.Millisecond)
	plan.Store(&at)
	next := func() (float64, time.Time) { return 3, *plan.Load() }
	done := waitHeld(t, clock, b, YieldingAhead(ctx, 1, next), "the yielding request took a token the planned read needs")
	clock.Advance(500 * time.Millisecond) // the planned read: three requests
	for range 3 {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	later := clock.Now().Add(5 * time.Second)
	plan.Store(&later)
	clock.Advance(3200 * time.Millisecond) // a full bucket again, the next read 1.8 s away
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// waitHeld starts a request on ctx and checks that it waits on the clock
// instead of taking a token (why says what taking one would mean); the
// channel gives its result.
func waitHeld(t *testing.T, clock *clockwork.FakeClock, b *Budget, ctx context.Context, why string) chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- b.Wait(ctx) }()
	if err := clock.BlockUntilContext(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("%s (%v)", why, err)
	default:
	}
	return done
}

// TestBudgetNeverCrossesItsMinute: a full bucket sent at once plus a
// minute of refill stays within the budget, at every size of bucket.
func TestBudgetNeverCrossesItsMinute(t *testing.T) {
	for _, perMinute := range []float64{6, 10, 19, 20, 30, 39, 40, 60, 100, 120, 300} {
		b := NewBudgetClock(perMinute, clockwork.NewFakeClock())
		if worst := float64(b.lim.Burst()) + float64(b.lim.Limit())*60; worst > perMinute+1e-9 {
			t.Errorf("%v a minute: a bucket of %d plus a minute's refill is %.2f requests", perMinute, b.lim.Burst(), worst)
		}
	}
}

// TestSpareTokenWaitsForAWebhook: at 30 a minute, polling at the rate it
// plans (the operator's headroom left: one read every 2.6 s) leaves a
// token in the bucket for a webhook's read, instead of the read waiting
// for the next refill.
func TestSpareTokenWaitsForAWebhook(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	b := NewBudgetClock(30, clock)
	const poll = 2631 * time.Millisecond // 22.8 a minute
	waited := 0
	for i := range 200 {
		takeToken(clock, b) // a hot read
		if i%6 != 0 {
			clock.Advance(poll)
			continue
		}
		// A webhook's read (a code every 16 s) at a moment between two polls.
		at := poll * time.Duration(i%7+1) / 8
		clock.Advance(at)
		if b.Ready(1) > 0 {
			waited++
		}
		takeToken(clock, b)
		clock.Advance(poll - at)
	}
	if waited > 2 {
		t.Fatalf("a webhook's read found no token %d times in 34", waited)
	}
}

// takeToken takes a token as soon as the bucket has one, moving the fake
// clock on to it.
func takeToken(clock *clockwork.FakeClock, b *Budget) {
	for {
		if d := b.Ready(1); d > 0 {
			clock.Advance(d)
			continue
		}
		if b.lim.AllowN(clock.Now(), 1) {
			return
		}
		clock.Advance(time.Millisecond)
	}
}

// TestYieldingTakesTheTokenTheMomentItIsWhole: a request yielding with
// nothing to keep, on a drained bucket, goes the moment a token is
// whole, as a reserved one would: its wait rounded down left the token a
// hair short, and it waited again (21 ms at 30 a minute, each request of
// a first listing).
func TestYieldingTakesTheTokenTheMomentItIsWhole(t *testing.T) {
	for _, perMinute := range []float64{30, 60, 100, 300} {
		clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
		b := NewBudgetClock(perMinute, clock)
		ctx := context.Background()
		for range 5 {
			takeToken(clock, b)
			d := b.Ready(1)
			done := waitHeld(t, clock, b, Yielding(ctx, 0), "a yielding request took a token the bucket did not hold")
			clock.Advance(d - time.Nanosecond) // where a wait rounded down woke
			if err := clock.BlockUntilContext(ctx, 1); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Nanosecond)
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second): // the clock stands: it never comes
				t.Fatalf("%v a minute: the request still waits %v after the bucket was empty, when a token is whole", perMinute, d)
			}
		}
	}
}

// TestHurryReportsARequestGrantedAfterIt: a read hurried before any of
// its requests had its token is told so, even when one takes it the
// moment the hurry frees it. (Hurry looked after letting it go, and said
// the read might have gone before the news: the hint read again.)
func TestHurryReportsARequestGrantedAfterIt(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	b := NewBudgetClock(6000, clock) // a full bucket of 5; the clock stands
	clock.Advance(time.Second)
	late := 0
	for range 2000 {
		if err := b.Wait(context.Background()); err != nil { // 4 left: the yielding request waits
			t.Fatal(err)
		}
		u := NewUrgency()
		done := waitHeld(t, clock, b, WithUrgency(Yielding(context.Background(), 5), u), "a request took a token it should keep")
		if !u.Hurry() {
			late++
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second) // the bucket full again
	}
	if late > 0 {
		t.Fatalf("%d of 2000 hurried reads were told a request of theirs had its token before the hurry", late)
	}
}
