package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
)

// The desktop notification is used only where the terminal is known to
// show it, passed through tmux when inside it; the bell is the default.
func TestTerminalAlert(t *testing.T) {
	cases := []struct {
		mode string
		env  map[string]string
		want Alert
	}{
		{"bell", map[string]string{"TERM_PROGRAM": "iTerm.app"}, Alert{Bell: true}},
		{"off", map[string]string{"TERM_PROGRAM": "iTerm.app"}, Alert{}},
		{"desktop", map[string]string{"TERM": "xterm-256color"}, Alert{Bell: true}},
		{"desktop", map[string]string{"TERM_PROGRAM": "iTerm.app"}, Alert{Bell: true, Desktop: "osc9"}},
		{"desktop", map[string]string{"TERM_PROGRAM": "WezTerm"}, Alert{Bell: true, Desktop: "osc9"}},
		{"desktop", map[string]string{"TERM": "xterm-kitty"}, Alert{Bell: true, Desktop: "osc99"}},
		{"desktop", map[string]string{"TERM": "foot"}, Alert{Bell: true, Desktop: "osc777"}},
		{"desktop", map[string]string{"TERM_PROGRAM": "tmux", "LC_TERMINAL": "iTerm2", "TMUX": "/tmp/tmux-1/default,1,0"},
			Alert{Bell: true, Desktop: "osc9", Tmux: true}},
	}
	for _, c := range cases {
		if got := TerminalAlert(c.mode, func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%s %v: %+v, want %+v", c.mode, c.env, got, c.want)
		}
	}
}

func alertLine() backend.Line {
	return backend.Line{Key: backend.MakeKey(backend.FiveSim, "5sim-main", backend.ItemLine, "1"), Account: "5sim-main",
		Provider: backend.FiveSim, ID: "1", Number: "+79001234567", Service: "Tele\x1b]52;gram\u202e", State: backend.LineReceived,
		Code: "482193", CodeAt: backend.InstantOf(t0()), CreatedAt: backend.InstantOf(t0())}
}

func t0() time.Time { return time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC) }

// The sequences: a bell, the notification in the terminal's own family
// (wrapped for tmux), naming the line but never the code, with nothing in
// it that a terminal would act on.
func TestAlertSequences(t *testing.T) {
	l := alertLine()
	if s := (Alert{Bell: true}).sequence(l); s != "\a" {
		t.Fatalf("bell: %q", s)
	}
	if s := (Alert{}).sequence(l); s != "" {
		t.Fatalf("off: %q", s)
	}
	s := (Alert{Bell: true, Desktop: "osc9"}).sequence(l)
	if want := "\a\x1b]9;Switchboard: new code · +79001234567 Tele]52;gram · 5sim-main\a"; s != want {
		t.Fatalf("osc9:\n%q\nwant\n%q", s, want)
	}
	if s := (Alert{Desktop: "osc777"}).sequence(l); !strings.HasPrefix(s, "\x1b]777;notify;Switchboard;new code · ") {
		t.Fatalf("osc777: %q", s)
	}
	if s := (Alert{Desktop: "osc99"}).sequence(l); !strings.HasPrefix(s, "\x1b]99;;Switchboard: new code") || !strings.HasSuffix(s, "\x1b\\") {
		t.Fatalf("osc99: %q", s)
	}
	s = (Alert{Desktop: "osc9", Tmux: true}).sequence(l)
	if !strings.HasPrefix(s, "\x1bPtmux;\x1b\x1b]9;") || !strings.HasSuffix(s, "\a\x1b\\") {
		t.Fatalf("tmux: %q", s)
	}
	for _, d := range []string{"osc9", "osc99", "osc777"} {
		if s := (Alert{Desktop: d}).sequence(l); strings.Contains(s, l.Code) {
			t.Fatalf("%s names the code: %q", d, s)
		}
	}
}

// A code a first sync finds rings nothing; a code arriving once its
// account has polled well rings, once per event.
func TestNewCodesRingFirstSyncDoesNot(t *testing.T) {
	now := t0().Add(30 * time.Second)
	l := alertLine()
	l.Code, l.State = "", backend.LineWaiting
	cached := backend.Account{Name: "5sim-main", Provider: backend.FiveSim, LastGood: t0().Add(-time.Hour)} // last run's
	m := New(Options{Initial: backend.Event{Accounts: []backend.Account{cached}, Lines: []*backend.Line{new(l)}},
		Accounts: []string{"5sim-main"}, Now: func() time.Time { return now }, Alert: Alert{Bell: true}})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})

	rings := func(ev backend.Event) int {
		m.pending = nil
		m.apply(ev)
		n := 0
		for _, c := range m.pending {
			if r, ok := c().(tea.RawMsg); ok && r.Msg == "\a" {
				n++
			}
		}
		return n
	}
	code := func(c string, at time.Time) backend.Event {
		l.Code, l.CodeAt, l.State, l.Version = c, backend.InstantOf(at), backend.LineReceived, l.Version+1
		return backend.Event{Lines: []*backend.Line{new(l)}, Messages: []backend.Message{{ID: c, Line: l.Key, Code: c, Text: "code " + c, ReceivedAt: at, SeenAt: at}}}
	}
	polled := cached
	polled.Health, polled.LastGood = backend.HealthOK, now
	first := code("111111", now.Add(-10*time.Second)) // arrived while Switchboard was starting
	first.Accounts = []backend.Account{polled}
	if n := rings(first); n != 0 {
		t.Fatalf("the first sync rang %d times", n)
	}
	if !strings.Contains(m.View().Content, "111111") {
		t.Fatal("the first sync's code is not shown")
	}
	now = now.Add(5 * time.Second)
	if n := rings(code("222222", now)); n != 1 {
		t.Fatalf("a new code rang %d times", n)
	}
	m.o.Alert = Alert{}
	now = now.Add(5 * time.Second)
	if n := rings(code("333333", now)); n != 0 {
		t.Fatalf("notify off rang %d times", n)
	}
}
