package themes

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Pen is a style rendered once to the escape codes around its text, so
// painting a table cell is two concatenations instead of a lipgloss
// Render (which re-derives the codes on every call). Underlined and
// struck-through styles are painted rune by rune by lipgloss, spaces
// apart: a pen of such a style hands its text to lipgloss, so a pen
// always paints exactly what the style renders.
type Pen struct {
	on, off string
	style   *lipgloss.Style // set when lipgloss must do the painting
}

// NewPen renders st once.
func NewPen(st lipgloss.Style) Pen {
	if st.GetUnderline() || st.GetStrikethrough() {
		return Pen{style: &st}
	}
	const probe = "\x00"
	on, off, _ := strings.Cut(st.Render(probe), probe)
	return Pen{on: on, off: off}
}

// Paint is s in the pen's style.
func (p Pen) Paint(s string) string {
	if p.style != nil {
		return p.style.Render(s)
	}
	return p.on + s + p.off
}

// WriteTo appends the pieces, as one text in the pen's style, to b.
func (p Pen) WriteTo(b *strings.Builder, pieces ...string) {
	if p.style != nil {
		b.WriteString(p.style.Render(strings.Join(pieces, "")))
		return
	}
	b.WriteString(p.on)
	for _, s := range pieces {
		b.WriteString(s)
	}
	b.WriteString(p.off)
}

// Ink is a style in a table row: on its own and on the selection bar.
type Ink struct{ Plain, Selected Pen }

// Paint is s in the ink, off the selection bar.
func (i Ink) Paint(s string) string { return i.Plain.Paint(s) }

// Pen is the ink's pen for a row that is or is not selected.
func (i Ink) Pen(selected bool) Pen {
	if selected {
		return i.Selected
	}
	return i.Plain
}

// Inks are the styles table rows and pane borders use, pre-rendered.
type Inks struct {
	Text, Muted, Faint, Accent, Bold Ink
	Code, CodeOn, CodeBig            Ink
	OK, Warn, Hot, Bad, Unknown      Ink
	Stale                            Ink
	Gap                              Ink // between cells: no style of its own
	// Pane borders and titles, unfocused and focused (not selectable).
	Border, BorderFocused Pen
	Title, TitleFocused   Pen
}

// OnSelection puts a style on the selection bar, keeping its
// foreground, so colours survive the cursor.
func (t Theme) OnSelection(st lipgloss.Style) lipgloss.Style {
	if t.Plain {
		return st.Reverse(true)
	}
	return st.Background(t.Selected.GetBackground())
}

func (t Theme) ink(st lipgloss.Style) Ink {
	return Ink{Plain: NewPen(st), Selected: NewPen(t.OnSelection(st))}
}

// BorderColour is a bordered style's border drawn as a plain foreground
// (how panes draw their edges piece by piece).
func BorderColour(box lipgloss.Style) lipgloss.Style {
	return box.UnsetBorderStyle().UnsetPadding().Foreground(box.GetBorderTopForeground())
}

// withInks renders the row and border styles of t once.
func withInks(t Theme) Theme {
	t.Ink = Inks{
		Text: t.ink(t.Text), Muted: t.ink(t.Muted), Faint: t.ink(t.Faint), Accent: t.ink(t.Accent), Bold: t.ink(t.Bold),
		Code: t.ink(t.Code), CodeOn: t.ink(t.CodeOn), CodeBig: t.ink(t.CodeBig),
		OK: t.ink(t.OK), Warn: t.ink(t.Warn), Hot: t.ink(t.Hot), Bad: t.ink(t.Bad), Unknown: t.ink(t.Unknown),
		Stale: t.ink(t.Stale), Gap: t.ink(lipgloss.NewStyle()),
		Border: NewPen(BorderColour(t.Pane)), BorderFocused: NewPen(BorderColour(t.PaneFocused)),
		Title: NewPen(t.Title), TitleFocused: NewPen(t.TitleFocused),
	}
	return t
}
