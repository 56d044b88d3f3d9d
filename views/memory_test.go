package views

import (
	"fmt"
	"runtime"
	"testing"

	"switchboard/backend"
	"switchboard/themes"
)

// heapGrowth is what the live heap grows by while f runs, after a
// collection on each side.
func heapGrowth(f func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
}

// TestLinesPaneBytesPerLine: the lines pane holds, for every line, its
// place (the entry and its sort key) and what the filter reads (the
// folded text; the state, account, provider and service words shared by
// every line that has the same four). At 100,000 lines each byte here is
// 100 kB of every screen's heap; the pane took 311 bytes a line when each
// entry held its own four words (232 since they are shared).
func TestLinesPaneBytesPerLine(t *testing.T) {
	const n = 10_000
	d := manyLines(n, func(i int, l *backend.Line) {
		if i%3 == 0 {
			l.State, l.Code = backend.LineReceived, fmt.Sprintf("%06d", i)
		}
	})
	var p *Lines
	grew := heapGrowth(func() {
		p = NewLines(themes.New("dark"))
		p.SetSize(200, 60)
		p.SetData(d, t0)
		p.Index()
	})
	perLine := grew / n
	t.Logf("the lines pane holds %.0f bytes a line", perLine)
	if perLine > 240 {
		t.Fatalf("the lines pane holds %.0f bytes a line, want at most 240", perLine)
	}
	runtime.KeepAlive(p)
}
