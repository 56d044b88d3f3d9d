package views

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"switchboard/themes"
)

// TestTextWidthCountsAsTheTerminalLibrary: the quick width agrees with
// ansi.StringWidth on styled and plain text of ASCII, the panes' symbols,
// wide and combining runes, emoji and escape sequences.
func TestTextWidthCountsAsTheTerminalLibrary(t *testing.T) {
	th := themes.New("dark")
	pieces := []string{"a", "Z", " ", "7", "~", "·", "×", "…", "○", "●", "✓", "✗", "▸", "⏎", "—", "→", "─", "█", "▀", "⠋",
		"é", "e\u0301", "漢", "😀", "⚠", "\u200d", "\ufe0f", "\t", "\x1b[1m", "\x1b[m", "\x1b]8;;x\x07", "\x1b[38;2;1;2;3m",
		th.Bad.Render("bad"), th.Ink.CodeOn.Selected.Paint(" 123 ")}
	rnd := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		var b strings.Builder
		for range 1 + rnd.IntN(8) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := textWidth(s), ansi.StringWidth(s); got != want {
			t.Fatalf("width of %q: %d, ansi says %d", s, got, want)
		}
	}
}
