package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// keepGC restores the collector's settings a test changes.
func keepGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	limit := debug.SetMemoryLimit(-1)
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	t.Cleanup(func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(gc)
	})
}

// TestMemoryHasNoFixedCap: once the state is loaded the heap may grow
// with what is live — no fixed limit (48 MiB was reached at 23,000 lines,
// and the collector then ran without end) — by a share of its live size.
func TestMemoryHasNoFixedCap(t *testing.T) {
	keepGC(t)
	settleMemory()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("a fixed memory limit of %d MiB is set", got>>20)
	}
	if got := debug.SetGCPercent(-1); got < 10 || got > 25 {
		t.Fatalf("the heap may grow %d%% over what is live, want 10–25%%", got)
	}
}

// TestSmallHeapsHoldLittleGarbage: a small live heap (this test's, or
// 10,000 lines' 10 MiB) may grow a tenth over what is live, not the
// quarter that held 5 MB more at 10,000 lines; a large one (100,000
// lines: 86 MiB) keeps the quarter, its cycles being dear.
func TestSmallHeapsHoldLittleGarbage(t *testing.T) {
	keepGC(t)
	settleMemory()
	if got := debug.SetGCPercent(-1); got != 10 {
		t.Fatalf("a small heap may grow %d%% over what is live, want 10%%", got)
	}
	for _, c := range []struct {
		mib  uint64
		want int
	}{{0, 10}, {10, 10}, {30, 10}, {45, 15}, {75, 25}, {86, 25}, {1 << 12, 25}} {
		if got := gcPercent(c.mib << 20); got != c.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", c.mib, got, c.want)
		}
	}
}
