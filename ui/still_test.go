package ui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
)

// TestStillFrameHasNoSpinner: a frame printed once (--print) shows the
// waiting lines as waiting, without a spinner glyph caught mid-turn.
func TestStillFrameHasNoSpinner(t *testing.T) {
	for _, still := range []bool{false, true} {
		m := ui.New(ui.Options{Backend: &scripted{}, Initial: world(t0), Theme: "dark", Keys: keymap.Default(),
			Now: func() time.Time { return t0 }, Still: still})
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		s := ansi.Strip(m.View().Content)
		spins := strings.ContainsAny(s, "⠋⠙⠸⠴⠦⠇")
		if !strings.Contains(s, "waiting") || spins == still {
			t.Errorf("still %v: spinner shown %v:\n%s", still, spins, s)
		}
	}
}

// withHistory is a backend whose lines each have one SMS.
type withHistory struct{ scripted }

func (b *withHistory) History(k backend.Key, _ int) ([]backend.Message, error) {
	return []backend.Message{{ID: "h1", Line: k, Text: "your code is 4242", Code: "4242", ReceivedAt: t0}}, nil
}

// TestStillFrameShowsTheSMS: a printed frame runs no command, so the
// selected line's SMS are read before it is drawn, not left "loading".
func TestStillFrameShowsTheSMS(t *testing.T) {
	m := ui.New(ui.Options{Backend: &withHistory{}, Initial: world(t0), Theme: "dark", Keys: keymap.Default(),
		Now: func() time.Time { return t0 }, Still: true})
	s := ansi.Strip(m.Print(160, 48))
	if strings.Contains(s, "loading SMS") || !strings.Contains(s, "your code is 4242") {
		t.Fatalf("the printed frame lacks the SMS:\n%s", s)
	}
}
