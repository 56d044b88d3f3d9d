package ui_test

import (
	"encoding/json"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/hub"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// screenOn is a dashboard on its own subscription to h, as main and every
// SSH session start one.
func screenOn(h *hub.Hub, names []string, now time.Time) (*ui.Model, *hub.Sub) {
	sub, snap := h.Subscribe("local")
	m := ui.New(ui.Options{Backend: &nullBackend{}, Initial: snap, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now:        func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	_ = m.View()
	m.Update(ui.Indexed()) // as the program does once it is up: every item placed
	return m, sub
}

// TestScreensShareTheHubsLines: a screen holds the hub's lines, not a copy
// of them — one more SSH session costs its own part (the panes' places,
// filter texts and its map of the lines: ≈ 6 MB at 10k), not also
// another 432 bytes for each line (each screen copied every line into
// its own map: 10.4 MB at 10k, 50 MB more at 100k).
func TestScreensShareTheHubsLines(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigState(now, lines10k)
	h := hub.New(benchSource{init: ev, ch: make(chan backend.Event)}, hub.Options{})
	ev = backend.Event{} // the hub holds the lines from here on
	first, _ := screenOn(h, names, now)
	_ = first.View()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	second, _ := screenOn(h, names, now)
	_ = second.View()
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	aCopy := int64(lines10k) * int64(unsafe.Sizeof(backend.Line{}))
	t.Logf("a second screen on 10k lines: %.1f MB of heap (a copy of the lines: %.1f MB)", float64(grew)/(1<<20), float64(aCopy)/(1<<20))
	if grew > 2*aCopy {
		t.Fatalf("a second screen takes %.1f MB: it copies the lines (%.1f MB)", float64(grew)/(1<<20), float64(aCopy)/(1<<20))
	}
	runtime.KeepAlive(first)
	runtime.KeepAlive(second)
	runtime.KeepAlive(h)
}

// TestScreenLeavesTheHubsLinesAlone: the lines a screen holds are the
// hub's, shared with every other screen, so nothing a screen does — keys
// of every kind, events, the filter, marks, sorting, the detail view —
// may change one: each line reads the same afterwards, but for the one
// an event replaced.
func TestScreenLeavesTheHubsLinesAlone(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigState(now, 2_000)
	for i, l := range ev.Lines[:40] { // some to choose from, some to restore
		c := *l
		if i%2 == 0 {
			c.Code, c.Candidates = "", []string{"4821", "1234"}
		} else {
			c.Allowed = backend.Allow(backend.ActRestore, backend.ActRenew, backend.ActCancel)
		}
		ev.Lines[i] = &c
	}
	h, src, ctx := runningHub(t, ev)
	m, sub := screenOn(h, names, now)
	before := linesJSON(t, h)

	keys := []string{"j", "j", "k", "enter", "esc", "space", "j", "space", "s", "s", "G", "g", "/", "7", "9", "0",
		"backspace", "esc", "tab", "j", "tab", "j", "shift+tab", "2", "c", "esc", "R", "esc", "r", "esc", "x", "esc",
		"z", "z", "H", "H", ":", "r", "e", "n", "tab", "esc", "3", "j", "enter", "esc", "4", "j", "2", "?", "esc"}
	changed := *ev.Lines[1500]
	changed.Version, changed.Code, changed.CodeAt, changed.State = 1_000_000, "777111", backend.InstantOf(now), backend.LineReceived
	for i, k := range keys {
		press(m, k)
		_ = m.View()
		if i == len(keys)/2 { // an event in the middle: the changed line moves to the top
			src.ch <- backend.Event{Lines: []*backend.Line{new(changed)}, Messages: []backend.Message{
				{ID: "m1", Line: changed.Key, Code: changed.Code, Text: "code 777111", ReceivedAt: now, SeenAt: now}}}
			got, ok := sub.Next(ctx)
			if !ok {
				t.Fatal("the subscription ended")
			}
			m.Update(ui.EventMsg{Event: got})
			_ = m.View()
		}
	}
	after := linesJSON(t, h)
	want := before
	want[changed.Key] = mustJSON(t, changed)
	for k, w := range want {
		if after[k] != w {
			t.Fatalf("the screen changed the hub's line %s:\n was %s\n now %s", k, w, after[k])
		}
	}
}

// linesJSON is every line the hub holds, written out in full (slices
// included: a value copy would share them).
func linesJSON(t *testing.T, h *hub.Hub) map[backend.Key]string {
	out := map[backend.Key]string{}
	for _, l := range h.Snapshot().Lines {
		out[l.Key] = mustJSON(t, *l)
	}
	if len(out) == 0 || !slices.ContainsFunc(h.Snapshot().Lines, func(l *backend.Line) bool { return len(l.Candidates) > 0 }) {
		t.Fatal("the hub holds no lines to check")
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFirstFrameOrdersOnlyItsRows: the first frame (all --print draws)
// places only the rows a screen can show — no full sort, no entry for
// each of 20,000 lines and waiting orders (42,000 allocations; now
// 8,800, most of them the 2,000 leases' entries) — and draws exactly what the full order draws
// once the first message after it has placed the rest.
func TestFirstFrameOrdersOnlyItsRows(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigState(now, 20_000)
	opts := ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now:        func() time.Time { return now }}
	var m *ui.Model
	allocs := testing.AllocsPerRun(1, func() { m = ui.New(opts) })
	if allocs > 20_000/2 {
		t.Fatalf("the first frame's model took %.0f allocations for 20,000 lines", allocs)
	}
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	first := m.View().Content
	m.Update(ui.Indexed()) // the message from Init: the rest is placed
	if full := m.View().Content; full != first {
		t.Fatalf("the first frame differs from the full order's:\n%s\n---\n%s", first, full)
	}
}
