package engine

import (
	"switchboard/backend"

	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// dearEverything reads its lines in three requests, as a marketplace read
// that asks for two codes does, and its balance and listing in two each.
// It notes when each hot read answers.
type dearEverything struct {
	*fakeProvider
	mu       sync.Mutex
	answered []time.Time
}

func (d *dearEverything) spend(ctx context.Context, n int) error {
	for range n {
		if err := d.budget.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (d *dearEverything) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	if err := d.spend(ctx, 3); err != nil {
		return nil, nil, err
	}
	d.mu.Lock()
	d.answered = append(d.answered, d.clock.Now())
	d.mu.Unlock()
	return lines, nil, nil
}

func (d *dearEverything) Balance(ctx context.Context) (backend.Account, error) {
	return backend.Account{}, d.spend(ctx, 2)
}

func (d *dearEverything) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	if err := d.spend(ctx, 2); err != nil {
		return nil, nil, err
	}
	return (&costly{fakeProvider: d.fakeProvider}).Lines(ctx)
}

func (d *dearEverything) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }
func (d *dearEverything) Jobs(context.Context, []backend.Job) ([]backend.Job, error) {
	return nil, nil
}

// A hot read that costs a bucketful needs a full bucket at its slot.
// Cold reads, which yield by keeping all but one token, took the tokens
// that refilled just before it (two requests in one gap), and the read,
// with the codes it found, came a token later: a second at 60 a minute.
// They give way to the read planned next (backend.YieldingAhead).
func TestColdReadsDoNotTakeTheTokensOfADueHotRead(t *testing.T) {
	t.Parallel()
	f := newFake(backend.Market, "m", true, 60) // a bucket of 3, a token every 1.05 s
	f.addLine("1", backend.LineWaiting, 0)
	d := &dearEverything{fakeProvider: f}
	startEngine(t, newMemStore(), AccountSpec{Provider: d, Budget: f.budget})
	for range 5 {
		sleepFake(t, f.clock, time.Minute)
	}
	d.mu.Lock()
	answered := append([]time.Time(nil), d.answered...)
	d.mu.Unlock()

	// The spacing: the gaps' median, after the first minute's learning.
	var gaps []time.Duration
	for i := 1; i < len(answered); i++ {
		if answered[i].Sub(answered[0]) > time.Minute {
			gaps = append(gaps, answered[i].Sub(answered[i-1]))
		}
	}
	if len(gaps) < 40 {
		t.Fatalf("%d hot reads after the first minute, want 40 or more", len(gaps))
	}
	sorted := append([]time.Duration(nil), gaps...)
	slices.Sort(sorted)
	spacing := sorted[len(sorted)/2]
	late := 0
	for _, g := range gaps {
		if g > spacing+700*time.Millisecond {
			t.Logf("gap %v", g)
			late++
		}
	}
	if late > 0 {
		t.Errorf("%d of %d hot reads answered a token late (gap over %v, spacing %v)", late, len(gaps), spacing+700*time.Millisecond, spacing)
	}
}
