package ui_test

import (
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/views"
)

// A message (a toast or a refusal) shows in the status bar's own line:
// every other line of the screen is what it was without it, at any size.
func TestMessagesCoverNoBorderOrRow(t *testing.T) {
	for _, size := range [][2]int{{200, 50}, {160, 48}, {80, 24}, {60, 15}} {
		b := newBoard(t, size[0], size[1])
		before := strings.Split(b.screen(), "\n")
		b.send(backend.Event{Notices: []backend.Notice{{Level: backend.Failure, Text: "5sim: a long failure that would once have covered the rows"}}})
		b.press("f") // and a refusal: the waiting 5sim line has nothing to finish
		after := strings.Split(b.screen(), "\n")
		for i := range len(before) - 1 {
			if after[i] != before[i] {
				t.Fatalf("%dx%d: line %d changed under a message:\n%s\n%s", size[0], size[1], i, before[i], after[i])
			}
		}
		if last := after[len(after)-1]; !strings.Contains(last, "finish") {
			t.Fatalf("%dx%d: the status bar does not say why f did not apply: %q", size[0], size[1], last)
		}
	}
}

// "cannot be cancelled — press f" goes once f has been pressed: the
// confirmation opens without it, and the status bar then says the
// finish went out.
func TestRefusalClearsWhenTheNextActionSucceeds(t *testing.T) {
	b := newBoard(t, 160, 48)
	b.press("/", "79000000012", "enter", "x")
	if bar := b.statusBar(); !strings.Contains(bar, "press f to finish") {
		t.Fatalf("x on a line with an SMS: %q", bar)
	}
	b.press("f")
	b.shows("y confirm")
	if bar := b.statusBar(); strings.Contains(bar, "cannot be cancelled") {
		t.Fatalf("the refusal stayed once f opened the confirmation: %q", bar)
	}
	b.later(time.Second) // past the grace period
	b.press("y")
	bar := b.statusBar()
	if strings.Contains(bar, "cannot be cancelled") || !strings.Contains(bar, "finish +79000000012") {
		t.Fatalf("after the finish went out the status bar says %q", bar)
	}
	if len(b.be.submitted) != 1 || b.be.submitted[0].Kind != backend.ActFinish {
		t.Fatalf("sent %+v", b.be.submitted)
	}
}

// A terminal below the minimum gets the reason wrapped to its width.
func TestTooSmallMessageWraps(t *testing.T) {
	b := newBoard(t, 24, 8)
	lines := strings.Split(b.screen(), "\n")
	if len(lines) < 3 || len(lines) > 8 {
		t.Fatalf("%d lines:\n%s", len(lines), b.screen())
	}
	for _, l := range lines {
		if w := views.Width(l); w > 24 {
			t.Fatalf("a line %d wide in a 24-wide terminal: %q", w, l)
		}
	}
	if all := strings.Join(strings.Fields(b.screen()), " "); !strings.Contains(all, "this terminal is 24×8. Make the window larger.") {
		t.Fatalf("the reason is cut: %q", all)
	}
}
