package themes

import (
	"reflect"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

// TestPensPaintWhatTheStylesRender: a pre-rendered pen is invisible — for
// every theme, every ink, on and off the selection bar, it paints exactly
// the bytes lipgloss renders.
func TestPensPaintWhatTheStylesRender(t *testing.T) {
	texts := []string{"", " ", "abc", "a b c ", "+79001234567", "é ☃ x", "⠋", "code 12s ago · 14m 59s left", "  padded  "}
	for _, name := range Names {
		th := New(name)
		inks := reflect.ValueOf(th.Ink)
		styles := map[string]lipgloss.Style{"Text": th.Text, "Muted": th.Muted, "Faint": th.Faint, "Accent": th.Accent,
			"Bold": th.Bold, "Code": th.Code, "CodeOn": th.CodeOn, "CodeBig": th.CodeBig, "OK": th.OK, "Warn": th.Warn, "Hot": th.Hot, "Bad": th.Bad,
			"Unknown": th.Unknown, "Stale": th.Stale, "Gap": lipgloss.NewStyle()}
		for field, st := range styles {
			ink := inks.FieldByName(field).Interface().(Ink)
			for _, s := range texts {
				if got, want := ink.Plain.Paint(s), st.Render(s); got != want {
					t.Errorf("%s %s %q: pen %q, lipgloss %q", name, field, s, got, want)
				}
				if got, want := ink.Selected.Paint(s), th.OnSelection(st).Render(s); got != want {
					t.Errorf("%s %s selected %q: pen %q, lipgloss %q", name, field, s, got, want)
				}
				var b strings.Builder
				ink.Plain.WriteTo(&b, s)
				if b.String() != st.Render(s) {
					t.Errorf("%s %s %q: WriteTo %q", name, field, s, b.String())
				}
			}
		}
		for pen, st := range map[*Pen]lipgloss.Style{&th.Ink.Border: BorderColour(th.Pane), &th.Ink.BorderFocused: BorderColour(th.PaneFocused),
			&th.Ink.Title: th.Title, &th.Ink.TitleFocused: th.TitleFocused} {
			for _, s := range texts {
				if got, want := pen.Paint(s), st.Render(s); got != want {
					t.Errorf("%s border/title %q: pen %q, lipgloss %q", name, s, got, want)
				}
			}
		}
	}
}

// TestPenPaintsWithoutLipgloss: a pen of a plain colour costs one
// allocation (the painted string), not a lipgloss Render's dozens.
func TestPenPaintsWithoutLipgloss(t *testing.T) {
	p := New("dark").Ink.Bad.Selected
	if n := testing.AllocsPerRun(100, func() { _ = p.Paint("code 12s ago") }); n > 1 {
		t.Fatalf("painting a cell allocates %v times", n)
	}
}
