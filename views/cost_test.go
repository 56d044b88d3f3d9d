package views

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/themes"
)

// The costs the dashboard's benchmarks guard, as counts that do not
// depend on the machine: what a change allocates says whether it touched
// one item or all of them.

var t0 = time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)

// kinds are the four providers (views tests do not register descriptors).
var kinds = []backend.ProviderKind{backend.PivDay, backend.FiveSim, backend.NonVoip, backend.Market}

// manyLines is a Data of n lines over 20 accounts, made by tweak.
func manyLines(n int, tweak func(i int, l *backend.Line)) *Data {
	d := NewData(nil)
	d.Started = t0.Add(-time.Hour)
	var ev backend.Event
	for i := range 20 {
		k := kinds[i%4]
		ev.Accounts = append(ev.Accounts, backend.Account{Name: fmt.Sprintf("%s-%02d", k, i), Provider: k, Health: backend.HealthOK,
			LastGood: t0, Balance: backend.NewMoney(decimal.NewFromInt(100), "USD")})
	}
	for i := range n {
		a := ev.Accounts[i%20]
		l := backend.Line{Key: backend.MakeKey(a.Provider, a.Name, backend.ItemLine, fmt.Sprint(i)), Account: a.Name,
			Provider: a.Provider, ID: fmt.Sprint(i), Number: fmt.Sprintf("+7900%07d", i), Service: "telegram", Country: "russia",
			State: backend.LineWaiting, CreatedAt: backend.InstantOf(t0.Add(-time.Duration(i) * time.Second)), ExpiresAt: backend.InstantOf(t0.Add(15 * time.Minute)),
			Version: uint64(i + 1)}
		if tweak != nil {
			tweak(i, &l)
		}
		ev.Lines = append(ev.Lines, &l)
	}
	d.Apply(ev)
	return d
}

// cost is what f allocates per call, on average over n calls.
func cost(n int, f func()) (allocs, bytes float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(n), float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
}

// TestRowsShowingMinutesAreNotRedrawnEverySecond: as the clock moves on
// by seconds, a pane whose rows show minutes ("code 5m ago") draws
// nothing again.
func TestRowsShowingMinutesAreNotRedrawnEverySecond(t *testing.T) {
	d := manyLines(200, func(i int, l *backend.Line) {
		l.State, l.Code, l.CodeAt, l.ExpiresAt = backend.LineReceived, fmt.Sprintf("%06d", i), backend.InstantOf(t0.Add(-5*time.Minute-time.Second)), 0
	})
	p := NewLines(themes.New("dark"))
	p.SetSize(120, 40)
	p.SetData(d, t0)
	now := t0
	_ = p.View(now)
	allocs, _ := cost(20, func() {
		now = now.Add(time.Second)
		_ = p.View(now)
	})
	if allocs > 8 {
		t.Fatalf("a second later the pane allocates %.0f times: it draws its rows again", allocs)
	}
}

// TestRowsDrawWithoutLipgloss: rows whose seconds do change (waiting
// lines: spinners, countdowns) are painted with pre-rendered styles, a
// few allocations a row instead of a lipgloss Render per cell.
func TestRowsDrawWithoutLipgloss(t *testing.T) {
	p := NewLines(themes.New("dark"))
	p.SetSize(120, 40)
	p.SetData(manyLines(200, nil), t0)
	now := t0
	_ = p.View(now)
	allocs, _ := cost(20, func() {
		now = now.Add(time.Second)
		_ = p.View(now)
	})
	if rows := float64(p.listHeight()); allocs > 8*rows {
		t.Fatalf("a frame of %.0f changed rows allocates %.0f times (%.1f a row)", rows, allocs, allocs/rows)
	}
}

// TestOneLineEventTouchesOnlyThatLine: a changed line, with a filter on,
// costs the same at 20,000 lines as at 2,000: it is re-placed by position
// and only it is matched again.
func TestOneLineEventTouchesOnlyThatLine(t *testing.T) {
	perEvent := func(n int) float64 {
		d := manyLines(n, nil)
		p := NewLines(themes.New("dark"))
		p.SetSize(120, 40)
		p.SetData(d, t0)
		p.SetFilter("7900 1")
		q := NewQueues(themes.New("dark"))
		q.SetData(d)
		i := 0
		event := func() {
			i++
			l := d.Line(backend.MakeKey(kinds[(n/2)%4], fmt.Sprintf("%s-%02d", kinds[(n/2)%4], (n/2)%20), backend.ItemLine, fmt.Sprint(n/2)))
			l.Version += uint64(n)
			l.State, l.Code, l.CodeAt = backend.LineReceived, fmt.Sprintf("%06d", i), backend.InstantOf(t0.Add(time.Duration(i)*time.Second))
			if i%2 == 0 {
				l.State = backend.LineWaiting
			}
			d.Apply(backend.Event{Lines: []*backend.Line{&l}})
			p.Update(d, []*backend.Line{&l}, nil, t0)
			q.Update(d, []*backend.Line{&l}, nil, nil)
		}
		event()
		_, bytes := cost(50, event)
		return bytes
	}
	small, big := perEvent(2_000), perEvent(20_000)
	if big > 2*small+4096 {
		t.Fatalf("one changed line allocates %.0f bytes among 20,000 lines, %.0f among 2,000: it costs what the pane holds", big, small)
	}
}

// TestFilterKeystrokeReadsNoMoreThanItMust: typing a character into the
// filter allocates little more than the list of matches, whatever the
// number of lines.
func TestFilterKeystrokeReadsNoMoreThanItMust(t *testing.T) {
	p := NewLines(themes.New("dark"))
	p.SetSize(120, 40)
	p.SetData(manyLines(20_000, nil), t0)
	queries := []string{"7", "79", "790", "7900", "79001", "790012", "7900123", "790012", "79001", "7900", "790", "79", "7", ""}
	i := 0
	keystroke := func() {
		p.SetFilter(queries[i%len(queries)])
		i++
	}
	for range queries {
		keystroke()
	}
	allocs, _ := cost(len(queries)*3, keystroke)
	if allocs > 8 {
		t.Fatalf("a filter keystroke allocates %.0f times among 20,000 lines", allocs)
	}
}

// TestAgingCodesMoveAlone: when fresh codes age out of the top group,
// only they move (the rest keep their places), and the pane's order is
// what sorting from scratch gives.
func TestAgingCodesMoveAlone(t *testing.T) {
	d := manyLines(20_000, func(i int, l *backend.Line) {
		if i%10 == 0 {
			l.State, l.Code, l.CodeAt = backend.LineReceived, fmt.Sprintf("%06d", i), backend.InstantOf(t0.Add(-time.Duration(i)*time.Second/10))
		}
	})
	p := NewLines(themes.New("dark"))
	p.SetSize(120, 40)
	p.SetData(d, t0)
	now := t0.Add(2 * time.Minute)
	_, bytes := cost(1, func() {
		now = now.Add(regroupEvery)
		p.Tick(now)
	})
	if bytes > 256<<10 {
		t.Fatalf("a regroup allocates %.0f KB: it sorts every line again", bytes/1024)
	}
	fresh := NewLines(themes.New("dark"))
	fresh.SetSize(120, 40)
	fresh.SetData(d, now)
	if got, want := slices.Collect(p.list.All()), slices.Collect(fresh.list.All()); !slices.Equal(got, want) {
		t.Fatal("after the regroup the order differs from a fresh sort")
	}
}

// A box's top line is drawn once for what it shows: the frames after
// find it (an underlined title is a lipgloss Render, rune by rune), and
// it is what drawing it anew makes.
func TestBoxTopIsDrawnOnce(t *testing.T) {
	th := themes.New("plain")
	body := []string{"one", "two"}
	first := Box(&th, "Lines & codes", " · 2/3700 · 1035 waiting", body, 120, 4, true)
	if allocs := testing.AllocsPerRun(100, func() {
		Box(&th, "Lines & codes", " · 2/3700 · 1035 waiting", body, 120, 4, true)
	}); allocs > 0 {
		t.Errorf("a box drawn again as it was allocates %v times", allocs)
	}
	clear(tops.m)
	if again := Box(&th, "Lines & codes", " · 2/3700 · 1035 waiting", body, 120, 4, true); again.top != first.top {
		t.Fatalf("the kept top line %q is not the one drawn anew, %q", first.top, again.top)
	}
	for i := range 3 * maxTops {
		Box(&th, "Queues", fmt.Sprintf(" · %d in motion", i), body, 80, 4, false)
	}
	if n := len(tops.m); n > maxTops {
		t.Fatalf("%d top lines kept, at most %d", n, maxTops)
	}
}
