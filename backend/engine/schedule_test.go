package engine

import (
	"switchboard/backend"

	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// orderRecorder remembers the order in which lines are read one by one.
type orderRecorder struct {
	*fakeProvider
	mu    sync.Mutex
	reads []string
}

func (r *orderRecorder) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	r.mu.Lock()
	for _, l := range lines {
		r.reads = append(r.reads, l.ID)
	}
	r.mu.Unlock()
	return r.fakeProvider.Check(ctx, lines)
}

func (r *orderRecorder) sequence() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reads...)
}

// Lines of equal weight are read in the same order every round, so each
// is read exactly one round apart and a code waits half a round on
// average.
func TestEqualLinesAreReadInAFixedRound(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 1200) // about 15 hot reads a second
	ids := []string{"e", "b", "d", "a", "c", "f"}
	for _, id := range ids {
		f.addLine(id, backend.LineWaiting, 0)
	}
	rec := &orderRecorder{fakeProvider: f}
	startEngine(t, newMemStore(), AccountSpec{Provider: rec, Budget: f.budget})
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.sequence()) < 4*len(ids) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	seq := rec.sequence()
	if len(seq) < 4*len(ids) {
		t.Fatalf("only %d reads in 10 s", len(seq))
	}
	n := len(ids)
	for i := n; i < 4*n; i++ {
		if seq[i] != seq[i-n] {
			t.Fatalf("read %d is %s but a round earlier it was %s: %v", i, seq[i], seq[i-n], seq[:4*n])
		}
	}
	seen := map[string]bool{}
	for _, id := range seq[:n] {
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("a round does not read every line once: %v", seq[:n])
	}
}

func TestLineWeightAndHotRate(t *testing.T) {
	now := time.Now()
	cases := []struct {
		l    backend.Line
		last time.Time
		want float64
	}{
		{backend.Line{State: backend.LineWaiting}, time.Time{}, 1},
		{backend.Line{State: backend.LineReceived, CodeAt: now.Add(-time.Minute)}, time.Time{}, 0.5},
		{backend.Line{State: backend.LineReceived, CodeAt: now.Add(-10 * time.Minute)}, time.Time{}, 0.2},
		{backend.Line{State: backend.LineActive, CreatedAt: now.Add(-30 * 24 * time.Hour)}, now.Add(-time.Minute), 0.5},
		{backend.Line{State: backend.LineActive, CreatedAt: now.Add(-30 * 24 * time.Hour)}, time.Time{}, 0.01},
		{backend.Line{State: backend.LinePending}, time.Time{}, 0},
		{backend.Line{State: backend.LineFinished}, time.Time{}, 0},
	}
	for _, c := range cases {
		if got := LineWeight(c.l, c.last, now); got != c.want {
			t.Errorf("LineWeight(%s, code %s ago) = %v, want %v", c.l.State, now.Sub(c.l.CodeAt), got, c.want)
		}
	}
	if got := HotRate(100, 0.2, 6); math.Abs(got-70) > 1e-9 {
		t.Errorf("HotRate(100, 0.2, 6) = %v, want 70", got)
	}
	if got := HotRate(100, 0.2, 90); math.Abs(got-15.2) > 1e-9 {
		t.Errorf("HotRate never goes under a fifth of the share: %v", got)
	}
}
