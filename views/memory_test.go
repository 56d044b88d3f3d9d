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
// place (the entry and its sort key) and, from the first filter on, what
// the filter reads (the folded text; the state, account, provider and
// service words shared by every line that has the same four). At 100,000
// lines each byte here is 100 kB of every screen's heap. With each
// entry's own four words, read once the dashboard was up, the pane took
// 311 bytes a line; 232 with them shared; 167 until the first filter
// and 241 after it (with the level arrays it keeps); now 151 and 225,
// a place pointing at its line instead of holding its key.
func TestLinesPaneBytesPerLine(t *testing.T) {
	const n = 10_000
	d := manyLines(n, func(i int, l *backend.Line) {
		if i%3 == 0 {
			l.State, l.Code = backend.LineReceived, fmt.Sprintf("%06d", i)
		}
	})
	var p *Lines
	placed := heapGrowth(func() {
		p = NewLines(themes.New("dark"))
		p.SetSize(200, 60)
		p.SetData(d, t0)
	}) / n
	filtered := placed + heapGrowth(func() {
		p.SetFilter("7")
		p.SetFilter("")
	})/n
	t.Logf("the lines pane holds %.0f bytes a line, %.0f once filtered", placed, filtered)
	if placed > 160 {
		t.Errorf("the lines pane holds %.0f bytes a line before any filter, want at most 160", placed)
	}
	if filtered > 240 {
		t.Errorf("the lines pane holds %.0f bytes a line once filtered, want at most 240 (its level arrays included)", filtered)
	}
	runtime.KeepAlive(p)
}
