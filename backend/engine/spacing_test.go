package engine

import (
	"switchboard/backend"

	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// pullingReads costs what a marketplace read costs: one request, plus
// a request for each fetch of a code the provider owes (at most two a
// read). Fetches fall due at random moments, whenever reads come, as the
// adapter's per-order pulls do. The requests go to a budget of their own,
// so only the engine's planning decides when reads start.
type pullingReads struct {
	*fakeProvider
	spend *backend.Budget
	mu    sync.Mutex
	pulls []time.Time // when each fetch falls due, oldest first
	reads []pricedRead
}

type pricedRead struct {
	at   time.Time
	cost int
}

func newPullingReads(f *fakeProvider, perSecond float64, over time.Duration, seed uint64) *pullingReads {
	p := &pullingReads{fakeProvider: f, spend: backend.NewBudgetClock(1e6, f.clock)}
	rng := rand.New(rand.NewPCG(seed, 1))
	for at := f.clock.Now(); at.Before(f.clock.Now().Add(over)); {
		at = at.Add(time.Duration(rng.ExpFloat64() / perSecond * float64(time.Second)))
		p.pulls = append(p.pulls, at)
	}
	return p
}

func (p *pullingReads) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	p.mu.Lock()
	now := p.clock.Now()
	cost := 1
	for len(p.pulls) > 0 && !p.pulls[0].After(now) && cost < 3 {
		p.pulls, cost = p.pulls[1:], cost+1
	}
	p.reads = append(p.reads, pricedRead{now, cost})
	p.mu.Unlock()
	for range cost {
		if err := p.spend.Wait(ctx); err != nil {
			return nil, nil, err
		}
	}
	return lines, nil, nil
}

// A code arriving at a random moment waits for the next read: on average
// Σgap²/(2·Σgap). The bound is half the interval the budget allows at the
// reads' mean cost (what bench measures). Reads whose cost varies must
// stay evenly spaced and spend the hot share, no more: spaced by a cost
// averaged over 4 s, the gaps after dear reads stretched and the others
// shrank, 2.5 % more requests than the share went, and codes still
// waited 2.2 % over the bound.
func TestReadsOfVaryingCostStayEvenlySpaced(t *testing.T) {
	const over = 20 * time.Minute
	f := newFake(backend.Market, "m", true, 60)
	p := newPullingReads(f, 0.2, over, 7)
	e := idleEngine(t, newMemStore(), p)
	a := e.accts["m"]
	var lines []backend.Line
	for _, id := range []string{"1", "2", "3"} {
		lines = append(lines, f.addLine(id, backend.LineWaiting, 0))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.mergeLines(a, lines, nil)
	answerReads(ctx, e)

	t0 := f.clock.Now()
	per := time.Duration(float64(time.Minute) / a.pollRate(t0, e.opts.Headroom)) // a request's share, unchanging here
	for f.clock.Now().Before(t0.Add(over)) {
		if _, ok := e.hot(ctx, a, f.clock.Now()); !ok {
			t.Fatal("no read planned with lines waiting")
		}
		answerReads(ctx, e) // at once: the answer sets the next slot again
		f.clock.Advance(max(a.nextSlot.Sub(f.clock.Now()), time.Millisecond))
	}

	// Skip the first minute: the mean cost is still being learnt.
	var reads []pricedRead
	for _, r := range p.reads {
		if r.at.Sub(t0) >= time.Minute {
			reads = append(reads, r)
		}
	}
	var sumGap, sumGap2, cost float64
	for i := 1; i < len(reads); i++ {
		g := reads[i].at.Sub(reads[i-1].at).Seconds()
		sumGap += g
		sumGap2 += g * g
		cost += float64(reads[i].cost)
	}
	n := float64(len(reads) - 1)
	meanCost := cost / n
	wait := sumGap2 / (2 * sumGap)
	bound := meanCost * per.Seconds() / 2
	spent := cost / sumGap * per.Seconds() // of the hot share
	t.Logf("%d reads, mean cost %.3f, spent %.3f of the hot share, wait ÷ bound %.3f", len(reads), meanCost, spent, wait/bound)
	if wait/bound > 1.02 {
		t.Errorf("codes wait %.3f × the bound: reads are not evenly spaced", wait/bound)
	}
	if spent < 0.98 || spent > 1.02 {
		t.Errorf("hot reads spent %.3f of their share, want 1 ± 0.02", spent)
	}
}

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
	d.fakeProvider.mu.Lock()
	defer d.fakeProvider.mu.Unlock()
	var out []backend.Line
	for _, l := range d.lines {
		out = append(out, l)
	}
	return out, nil, nil
}

func (d *dearEverything) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }
func (d *dearEverything) Jobs(context.Context, []backend.Job) ([]backend.Job, error) {
	return nil, nil
}

// A hot read that costs what the bucket holds waited for a full bucket
// before it started, and a cold read yielding for the same token took it
// as often as not: the hot read then waited a whole token more (a second
// at 60 a minute), and the codes it found with it. It starts at its slot
// once its first request can go; the others queue for their tokens, ahead
// of the yielding cold reads.
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
			late++
		}
	}
	if late > 0 {
		t.Errorf("%d of %d hot reads answered a token late (gap over %v, spacing %v)", late, len(gaps), spacing+700*time.Millisecond, spacing)
	}
}
