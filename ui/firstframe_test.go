package ui_test

import (
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// firstFrameModel is a dashboard over n lines, not yet sized.
func firstFrameModel(n scale, still bool) *ui.Model {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigState(now, n)
	return ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now:        func() time.Time { return now }, Still: still})
}

// mallocs counts the allocations f makes, run once (AllocsPerRun would
// run it twice, and the first run does what is measured here).
func mallocs(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// TestPrintedFrameCostsTheSameAtAnySize: --print's one frame (its size
// message, the selected line's SMS read at once, the drawing) places no
// line beyond the frame's rows: 20,000 lines cost what 2,000 do. (The SMS
// message placed every line: an entry, a filter text and a key-map
// insert each.)
func TestPrintedFrameCostsTheSameAtAnySize(t *testing.T) {
	frame := func(n scale) uint64 {
		m := firstFrameModel(n, true)
		return mallocs(func() {
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			_ = m.View()
		})
	}
	small, big := frame(2_000), frame(20_000)
	if big > small+500 {
		t.Fatalf("the printed frame took %d allocations at 20,000 lines, %d at 2,000", big, small)
	}
}

// TestIndexWaitsForTheFirstFrame: the request to order every item
// (Init's, which arrives before the terminal's size) waits until a frame
// is drawn, so the first frame never pays for 20,000 lines; once drawn it
// places them.
func TestIndexWaitsForTheFirstFrame(t *testing.T) {
	m := firstFrameModel(20_000, false)
	var again tea.Cmd
	if n := mallocs(func() { _, again = m.Update(ui.Indexed()) }); n > 1_000 {
		t.Fatalf("ordering before the first frame took %d allocations", n)
	}
	if again == nil {
		t.Fatal("the undrawn dashboard dropped the request to order its items")
	}
	if n := mallocs(func() {
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 60}) // the answer to Init's RequestWindowSize
		_ = m.View()
	}); n > 5_000 {
		t.Fatalf("the first frame took %d allocations for 20,000 lines", n)
	}
	if n := mallocs(func() { m.Update(ui.Indexed()) }); n < 20_000 {
		t.Fatalf("once drawn, ordering every item took only %d allocations: not every line was placed", n)
	}
}

// TestFirstFrameHoldsNoPlaceForEveryLine: building the first frame's
// panes reads every line (the titles count them all) but keeps a place
// only for the rows it shows: what 18,000 more lines (1,800 more leases
// and jobs) add is Data's maps (≈ 130 bytes a line, the leases' entries
// with them), not also a list of every line's and waiting order's place
// (≈ 320 bytes a line when SetHead gathered them all before choosing).
func TestFirstFrameHoldsNoPlaceForEveryLine(t *testing.T) {
	built := func(n scale) uint64 {
		now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
		ev, names := bigState(now, n)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_ = ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
			Now: func() time.Time { return now }})
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, big := built(2_000), built(20_000)
	if perLine := (big - small) / 18_000; perLine > 200 {
		t.Fatalf("the first frame's model took %d more bytes a line", perLine)
	}
}
