package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"switchboard/backend"
)

// The merge benchmarks run the engine's own merge of a provider listing
// (the engine goroutine's work for one answer) on a fake clock that each
// iteration moves forward by the real time the iteration took, so the
// engine sees time pass as it would. Their scale is in their names:
// lines in the listing.

// discardStore is a Store that keeps nothing: the benchmarks measure the
// engine, not the disk.
type discardStore struct{ *memStore }

func (discardStore) Save(backend.StateChange) {}

// benchEngine is an engine with one 5sim-like account (batch reads,
// lists its lines) and nothing running: the benchmark is the engine
// goroutine.
func benchEngine(b *testing.B, clock *clockwork.FakeClock) (*Engine, *acct) {
	b.Helper()
	f := newFake(backend.FiveSim, "5sim", true, 120)
	f.clock = clock
	e, err := New([]AccountSpec{{Provider: f, Budget: backend.NewBudgetClock(120, clock)}},
		Options{Store: discardStore{newMemStore()}, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	return e, e.accts["5sim"]
}

// listing is what a provider's listing of n waiting activations says.
func listing(n int, at time.Time) []backend.Line {
	out := make([]backend.Line, n)
	for i := range out {
		id := fmt.Sprintf("%09d", 700000000+i)
		out[i] = backend.Line{Key: backend.MakeKey(backend.FiveSim, "5sim", backend.ItemLine, id), Account: "5sim",
			Provider: backend.FiveSim, ID: id, Number: "+7900" + id[2:], Service: "telegram", Country: "russia",
			Operator: "beeline", Kind: "activation", State: backend.LineWaiting, RawState: "RECEIVED",
			CreatedAt: backend.InstantOf(at.Add(-time.Duration(i) * time.Second)), ExpiresAt: backend.InstantOf(at.Add(20 * time.Minute)),
			Allowed: backend.Allow(backend.ActCancel, backend.ActBan), Extra: map[string]string{"category": "activation"}}
	}
	return out
}

// timed runs one iteration's work and moves the clock on by what it took.
func timed(clock *clockwork.FakeClock, f func()) {
	start := time.Now()
	f()
	clock.Advance(time.Since(start))
}

// BenchmarkFirstListing: an account's first listing, 12,500 lines none of
// which the engine knew.
func BenchmarkFirstListing(b *testing.B) {
	const n = 12500
	clock := clockwork.NewFakeClockAt(testStart)
	for b.Loop() {
		b.StopTimer()
		e, ac := benchEngine(b, clock)
		lines := listing(n, clock.Now())
		b.StartTimer()
		timed(clock, func() { e.mergeLines(ac, lines, nil) })
	}
}

// benchChangedLine: a listing of n lines the engine holds, one of which
// changed (renewed: a later expiry).
func benchChangedLine(b *testing.B, n int) {
	clock := clockwork.NewFakeClockAt(testStart)
	e, ac := benchEngine(b, clock)
	lines := listing(n, clock.Now())
	e.mergeLines(ac, lines, nil)
	for i := 0; b.Loop(); i++ {
		l := &lines[i%n]
		l.ExpiresAt = backend.InstantOf(l.ExpiresAt.Time().Add(time.Minute))
		timed(clock, func() { e.mergeLines(ac, lines, nil) })
	}
}

func BenchmarkListingOneChanged10k(b *testing.B)  { benchChangedLine(b, 10000) }
func BenchmarkListingOneChanged100k(b *testing.B) { benchChangedLine(b, 100000) }
