package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestMemoryHasNoFixedCap: once the state is loaded the heap may grow
// with what is live — no fixed limit (48 MiB was reached at 23,000 lines,
// and the collector then ran without end) — to a quarter over its live
// size.
func TestMemoryHasNoFixedCap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	limit := debug.SetMemoryLimit(-1)
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	defer func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(gc)
	}()
	settleMemory()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("a fixed memory limit of %d MiB is set", got>>20)
	}
	if got := debug.SetGCPercent(gc); got != 25 {
		t.Fatalf("the heap may grow to %d%% over what is live, want 25%%", got)
	}
}
