package ui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
