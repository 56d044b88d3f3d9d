package ui_test

import (
	"cmp"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// The dashboard's cost at 10,000 and 100,000 lines, with the clock
// running: a frozen clock measures only cached rows. Every benchmark
// renders the frame its message causes, as Bubble Tea does after every
// message. BENCHMARKS.md ("The dashboard") has the figures and the
// bubbles table beside them (table_bench_test.go).

var scales = []scale{lines10k, lines100k}

// benchClock is the dashboard's clock in a benchmark: real time running
// from the state's moment, plus what the benchmark adds (a tick, a
// second).
type benchClock struct {
	base, start time.Time
	extra       time.Duration
}

func (c *benchClock) now() time.Time { return c.base.Add(time.Since(c.start) + c.extra) }

// perfModel is the dashboard at 200×60 over a state of n lines, on a
// running clock; it returns the state's lines for events to change.
func perfModel(b *testing.B, n scale) (*ui.Model, *benchClock, []*backend.Line) {
	b.Helper()
	base := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigState(base, n)
	c := &benchClock{base: base, start: time.Now()}
	m := ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now:        c.now})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	_ = m.View()
	m.Update(ui.Indexed()) // as the program does once it is up
	_ = m.View()
	return m, c, ev.Lines
}

// benchFilter is what the filtered benchmarks type: part of a number,
// as an operator looks one up (it matches about a tenth of the lines).
const benchFilter = "7900 1"

func typeKeys(m *ui.Model, s string) {
	for _, r := range s {
		m.Update(keyPress(r))
	}
}

func keyPress(r rune) tea.KeyPressMsg {
	if r == ' ' {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: r, Text: string(r)}
}

var enter = tea.KeyPressMsg{Code: tea.KeyEnter}
var backspace = tea.KeyPressMsg{Code: tea.KeyBackspace}

// BenchmarkTickFrame is the once-a-second frame: the clock moves a
// second, every row showing seconds redraws.
func BenchmarkTickFrame(b *testing.B) {
	for _, n := range scales {
		b.Run(n.String(), func(b *testing.B) {
			m, c, _ := perfModel(b, n)
			b.ReportAllocs()
			for b.Loop() {
				c.extra += time.Second
				m.Update(ui.Tick(c.now()))
				_ = m.View()
			}
		})
	}
}

// BenchmarkLineEvent is a code arriving on one line (it moves to the top
// of its pane) and the frame, without and with a filter.
func BenchmarkLineEvent(b *testing.B) {
	withFilters(b, func(b *testing.B, m *ui.Model, c *benchClock, lines []*backend.Line) {
		for i := 0; b.Loop(); i++ {
			l := *lines[(i*7919)%len(lines)]
			l.Version += uint64(1_000_000 + i)
			l.State, l.Code, l.CodeAt = backend.LineReceived, fmt.Sprintf("%06d", i%999_999), backend.InstantOf(c.now())
			m.Update(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}}})
			_ = m.View()
		}
	})
}

// BenchmarkFilterKeystroke is one keystroke in the filter and its frame:
// the operator types a number fragment and erases it again, so half the
// keystrokes narrow the filter and half widen it.
func BenchmarkFilterKeystroke(b *testing.B) { typeAndErase(b, "79001234") }

// typeAndErase types query into the filter key by key and erases it
// again, drawing a frame after each keystroke.
func typeAndErase(b *testing.B, query string) {
	q := []rune(query)
	for _, n := range scales {
		b.Run(n.String(), func(b *testing.B) {
			m, _, _ := perfModel(b, n)
			m.Update(keyPress('/'))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if k := i % (2 * len(q)); k < len(q) {
					m.Update(keyPress(q[k]))
				} else {
					m.Update(backspace)
				}
				_ = m.View()
			}
		})
	}
}

// BenchmarkKeyPress is a cursor move and its frame, without and with a
// filter.
func BenchmarkKeyPress(b *testing.B) {
	withFilters(b, func(b *testing.B, m *ui.Model, _ *benchClock, _ []*backend.Line) { downAndUp(b, m) })
}

// downAndUp moves the cursor down and up again, drawing a frame after
// each key.
func downAndUp(b *testing.B, m *ui.Model) {
	down, up := keyPress('j'), keyPress('k')
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			m.Update(down)
		} else {
			m.Update(up)
		}
		_ = m.View()
	}
}

// withFilters runs a benchmark at each scale, without and with the
// filter set.
func withFilters(b *testing.B, run func(b *testing.B, m *ui.Model, c *benchClock, lines []*backend.Line)) {
	for _, n := range scales {
		for _, filter := range []string{"", benchFilter} {
			b.Run(n.String()+"/filter="+cmp.Or(filter, "none"), func(b *testing.B) {
				m, c, lines := perfModel(b, n)
				if filter != "" {
					typeKeys(m, "/"+filter)
					m.Update(enter)
					_ = m.View()
				}
				b.ReportAllocs()
				run(b, m, c, lines)
			})
		}
	}
}
