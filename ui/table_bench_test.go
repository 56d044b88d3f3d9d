package ui_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/table"
	"github.com/sahilm/fuzzy"

	"switchboard/backend/naming"
	"switchboard/views"
)

// The bubbles v2 table beside the dashboard: the same lines as rows, the
// whole 200×60 screen, doing what a table app would do for each of the
// dashboard's benchmarks (BENCHMARKS.md compares them).

// eachTable runs a benchmark on the table at each scale.
func eachTable(b *testing.B, run func(b *testing.B, t *table.Model, rows []table.Row, texts []string, start time.Time)) {
	for _, n := range scales {
		b.Run(n.String(), func(b *testing.B) {
			t, rows, texts, start := tableOf(b, n)
			b.ReportAllocs()
			run(b, t, rows, texts, start)
		})
	}
}

// tableOf is a focused 200×60 table of the state's lines, and the text
// each row's filter searches.
func tableOf(b *testing.B, n scale) (*table.Model, []table.Row, []string, time.Time) {
	b.Helper()
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, _ := bigState(now, n)
	rows := make([]table.Row, len(ev.Lines))
	texts := make([]string, len(ev.Lines))
	for i, l := range ev.Lines {
		rows[i] = table.Row{"·", l.Code, views.Number(l.Number), l.Service, naming.CountryCode(l.Country), l.Account,
			"waiting · " + views.Left(l.ExpiresAt.Time(), now) + " left"}
		texts[i] = l.Number + " " + l.Service + " " + l.Name + " " + l.Account + " " + l.Country + " " + l.Code
	}
	cols := []table.Column{{Title: "", Width: 1}, {Title: "code", Width: 9}, {Title: "number", Width: 16},
		{Title: "service", Width: 12}, {Title: "cc", Width: 3}, {Title: "account", Width: 12}, {Title: "state", Width: 130}}
	t := table.New(table.WithColumns(cols), table.WithRows(rows), table.WithWidth(200), table.WithHeight(60), table.WithFocused(true))
	_ = t.View()
	return &t, rows, texts, now
}

// BenchmarkTableTick: a second passes; the visible rows' countdowns are
// rewritten (the least a table app can do) and the table re-renders.
func BenchmarkTableTick(b *testing.B) {
	eachTable(b, func(b *testing.B, t *table.Model, rows []table.Row, _ []string, start time.Time) {
		now := start
		for b.Loop() {
			now = now.Add(time.Second)
			for r := range min(2*t.Height(), len(rows)) {
				rows[r][6] = "waiting · " + views.Left(start.Add(15*time.Minute), now) + " left"
			}
			t.SetRows(rows)
			_ = t.View()
		}
	})
}

// BenchmarkTableLineEvent: a code arrives on one line, which moves to
// the top, and the table re-renders.
func BenchmarkTableLineEvent(b *testing.B) {
	eachTable(b, func(b *testing.B, t *table.Model, rows []table.Row, _ []string, _ time.Time) {
		for i := 0; b.Loop(); i++ {
			j := (i * 7919) % len(rows)
			r := slices.Clone(rows[j])
			r[1] = fmt.Sprintf("%06d", i%999_999)
			rows = slices.Insert(slices.Delete(rows, j, j+1), 0, r)
			t.SetRows(rows)
			_ = t.View()
		}
	})
}

// BenchmarkTableFilterKeystroke: the table has no filter; a bubbles app
// filters its rows with the fuzzy matcher bubbles' list uses and sets
// the matches, on every keystroke.
func BenchmarkTableFilterKeystroke(b *testing.B) {
	q := "79001234"
	eachTable(b, func(b *testing.B, t *table.Model, rows []table.Row, texts []string, _ time.Time) {
		shown := make([]table.Row, 0, len(rows))
		for i := 0; b.Loop(); i++ {
			k := i % (2 * len(q))
			typed := q[:min(k+1, 2*len(q)-k-1)]
			shown = shown[:0]
			if strings.TrimSpace(typed) == "" {
				shown = append(shown, rows...)
			} else {
				for _, m := range fuzzy.FindNoSort(typed, texts) {
					shown = append(shown, rows[m.Index])
				}
			}
			t.SetRows(shown)
			_ = t.View()
		}
	})
}

// BenchmarkTableKeyPress: a cursor move and the table's frame.
func BenchmarkTableKeyPress(b *testing.B) {
	eachTable(b, func(b *testing.B, t *table.Model, _ []table.Row, _ []string, _ time.Time) {
		for i := 0; b.Loop(); i++ {
			if i%2 == 0 {
				t.MoveDown(1)
			} else {
				t.MoveUp(1)
			}
			_ = t.View()
		}
	})
}

// BenchmarkTableView: the table's frame with nothing changed.
func BenchmarkTableView(b *testing.B) {
	eachTable(b, func(b *testing.B, t *table.Model, _ []table.Row, _ []string, _ time.Time) {
		for b.Loop() {
			_ = t.View()
		}
	})
}
