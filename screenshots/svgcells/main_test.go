package main

import (
	"strings"
	"testing"
)

// row is a freeze-shaped SVG: 16.8px text, so cells are 10px wide.
func row(body string) string {
	return `<svg><g font-family="JetBrains Mono" font-size="16.80px"><text x="20.00px" y="10px" xml:space="preserve">` +
		body + `</text></g></svg>`
}

func TestPinPutsEveryCharacterInItsCell(t *testing.T) {
	in := row(`<tspan xml:space="preserve" fill="#7aa2f7">│</tspan><tspan xml:space="preserve"/>` +
		`<tspan xml:space="preserve">⠇ a&amp;b</tspan><tspan xml:space="preserve" dx="3.36px">界</tspan>` +
		`<tspan xml:space="preserve">e` + "\u0301" + `│</tspan>`)
	out, err := pin(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<tspan xml:space="preserve" fill="#7aa2f7" x="20.00">│</tspan>`,
		`<tspan xml:space="preserve"/>`,
		// the braille glyph takes one cell whatever font draws it; an entity is one character
		`<tspan xml:space="preserve" x="30.00 40.00 50.00 60.00 70.00">⠇ a&amp;b</tspan>`,
		// a wide glyph takes two cells, and freeze's dx nudge goes
		`<tspan xml:space="preserve" x="80.00">界</tspan>`,
		// a combining accent sits on its letter; the border lands after the two cells of 界
		`<tspan xml:space="preserve" x="100.00 100.00 110.00">e` + "\u0301" + `│</tspan>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	again, err := pin(out)
	if err != nil || again != out {
		t.Errorf("pinning twice changed the SVG:\n%s", again)
	}
}

func TestPinRefusesWhatItDoesNotKnow(t *testing.T) {
	if _, err := pin(`<svg><text x="1px">hi</text></svg>`); err == nil {
		t.Error("an SVG without freeze's font size was pinned")
	}
	if _, err := pin(row(`loose text<tspan xml:space="preserve">a</tspan>`)); err == nil {
		t.Error("a row with text outside tspans was pinned")
	}
}
