package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/views"
)

// quietModel is a wide dashboard whose accounts fail (no sync times) and
// whose lines are finished without a code: nothing on screen changes
// with time, unless tweak adds something that does.
func quietModel(t *testing.T, tweak func(*backend.Event)) (*Model, time.Time) {
	t.Helper()
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	var ev backend.Event
	var names []string
	for i := range 4 {
		k := backend.Kinds()[i]
		name := fmt.Sprintf("%s-%d", k, i)
		names = append(names, name)
		ev.Accounts = append(ev.Accounts, backend.Account{Name: name, Provider: k, Health: backend.HealthFailing,
			LastError: "connection refused", Version: 1})
	}
	for i := range 50 {
		a := ev.Accounts[i%4]
		ev.Lines = append(ev.Lines, &backend.Line{Key: backend.MakeKey(a.Provider, a.Name, backend.ItemLine, fmt.Sprint(i)),
			Account: a.Name, Provider: a.Provider, ID: fmt.Sprint(i), Number: fmt.Sprintf("+7900%07d", i), Service: "telegram",
			State: backend.LineFinished, CreatedAt: backend.InstantOf(now.Add(-4 * time.Hour)), Version: 1})
	}
	if tweak != nil {
		tweak(&ev)
	}
	m := New(Options{Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(), Now: func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	_ = m.View()
	return m, now
}

// TestNothingChangingOnScreenMeansNoTick: the wide layout with nothing
// counting asks for no clock at all (the balances pane used to count as
// ticking whatever it showed, so the dashboard redrew every second).
func TestNothingChangingOnScreenMeansNoTick(t *testing.T) {
	m, _ := quietModel(t, nil)
	if m.ticking {
		t.Fatal("the clock ticks with nothing on screen that changes with time")
	}
}

// TestTheClockTicksWhenTheScreenChanges: the tick comes when the first
// thing on screen changes — at the next second for a spinner, at the
// minute for an age in minutes, hourly at most a minute apart; a session
// with a phase (serve spreads its dashboards' ticks over the second)
// ticks at its phase of those seconds.
func TestTheClockTicksWhenTheScreenChanges(t *testing.T) {
	const phase = 300 * time.Millisecond
	for _, tc := range []struct {
		name         string
		tweak        func(ev *backend.Event, now time.Time)
		want, phased time.Duration
	}{
		{"spinner", func(ev *backend.Event, now time.Time) {
			ev.Lines[0].State, ev.Lines[0].Code, ev.Lines[0].CreatedAt = backend.LineWaiting, "", backend.InstantOf(now)
		}, time.Second, time.Second + phase},
		{"code 5m ago", func(ev *backend.Event, now time.Time) {
			ev.Lines[0].State, ev.Lines[0].Code, ev.Lines[0].CodeAt = backend.LineReceived, "123456", backend.InstantOf(now.Add(-5*time.Minute-20*time.Second))
		}, 40 * time.Second, 40*time.Second + phase},
		{"code 3h ago", func(ev *backend.Event, now time.Time) {
			ev.Lines[0].State, ev.Lines[0].Code, ev.Lines[0].CodeAt = backend.LineReceived, "123456", backend.InstantOf(now.Add(-3*time.Hour))
		}, tickGap, tickGap - time.Second + phase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := quietModel(t, func(ev *backend.Event) {
				tc.tweak(ev, time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC))
			})
			if !m.ticking || m.tickAt.Sub(m.now) != tc.want {
				t.Fatalf("ticking %v, next tick in %v, want %v", m.ticking, m.tickAt.Sub(m.now), tc.want)
			}
			m.o.TickPhase, m.ticking = phase, false
			m.ensureTick()
			if !m.ticking || m.tickAt.Sub(m.now) != tc.phased {
				t.Fatalf("at a phase of %v: ticking %v, next tick in %v, want %v", phase, m.ticking, m.tickAt.Sub(m.now), tc.phased)
			}
		})
	}
}

// TestAnOvertakenTickStartsNoSecondClock: a tick asked for later and
// overtaken by an earlier one (something started counting seconds)
// arrives as a plain redraw; it does not start a second chain of ticks.
func TestAnOvertakenTickStartsNoSecondClock(t *testing.T) {
	m, now := quietModel(t, func(ev *backend.Event) {
		ev.Lines[0].State, ev.Lines[0].Code, ev.Lines[0].CodeAt = backend.LineReceived, "123456", backend.InstantOf(time.Date(2026, 5, 22, 11, 54, 40, 0, time.UTC))
	})
	later := m.tickAt // the age in minutes
	l := backend.Line{Key: "waiting", Account: "pivday-0", Provider: backend.PivDay, State: backend.LineWaiting, CreatedAt: backend.InstantOf(now), Version: 9}
	m.Update(EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}}})
	if !m.tickAt.Before(later) {
		t.Fatalf("a spinner appeared, yet the next tick stays at %v", m.tickAt)
	}
	m.Update(tickMsg{m.tickAt}) // the spinner's tick: the next is asked for
	if _, cmd := m.Update(tickMsg{later}); cmd != nil || !m.ticking {
		t.Fatalf("the overtaken tick asked for another (%v) or stopped the clock (ticking %v)", cmd != nil, m.ticking)
	}
}

// askedPane counts how often the clock asks a pane when it next changes.
type askedPane struct {
	views.Pane
	asked *int
}

func (p askedPane) NextChange(now time.Time) time.Time { *p.asked++; return p.Pane.NextChange(now) }

// TestEventsDoNotAskThePanesWhileASecondTickIsDue: with a spinner on
// screen the tick is due at the next second, and nothing can be sooner;
// account events (tens a second at 200 accounts) do not make every
// visible pane work out its next change again. The tick does.
func TestEventsDoNotAskThePanesWhileASecondTickIsDue(t *testing.T) {
	m, now := quietModel(t, func(ev *backend.Event) {
		ev.Lines[0].State, ev.Lines[0].Code = backend.LineWaiting, ""
		ev.Lines[0].CreatedAt = backend.InstantOf(time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC))
	})
	asked := 0
	for i, p := range m.panes {
		m.panes[i] = askedPane{p, &asked}
	}
	for i := range 10 {
		a := m.data.Accounts[m.data.Order[i%4]]
		a.Version++
		m.Update(EventMsg{Event: backend.Event{Accounts: []backend.Account{a}}})
	}
	if asked != 0 {
		t.Fatalf("10 account events asked the panes %d times with a tick due at the next second", asked)
	}
	m.Update(tickMsg{m.tickAt})
	if asked == 0 || !m.ticking || !m.tickAt.After(now) {
		t.Fatalf("after the tick: asked %d, ticking %v at %v", asked, m.ticking, m.tickAt)
	}
}
