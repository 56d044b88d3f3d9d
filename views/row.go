package views

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/themes"
)

// cell is one column of a row: plain text, its style, its width (0 = take
// what is left), and its alignment.
type cell struct {
	text   string
	st     lipgloss.Style
	w      int
	right  bool
	keepBg bool // a highlight (a fresh code) that stays on the cursor row
}

// renderRow lays cells out in exactly width cells, one space between
// columns. A selected row paints every cell on the selection background,
// keeping each cell's foreground, so colours survive the cursor.
func renderRow(t themes.Theme, cells []cell, width int, selected bool) string {
	fixed := 0
	flex := -1
	for i, c := range cells {
		if c.w == 0 && flex < 0 {
			flex = i
			continue
		}
		fixed += c.w
	}
	gaps := len(cells) - 1
	flexW := max(width-fixed-gaps, 0)
	var b strings.Builder
	used := 0
	gap := lipgloss.NewStyle()
	if selected {
		gap = selectedOn(t, gap)
	}
	for i, c := range cells {
		w := c.w
		if i == flex {
			w = flexW
		}
		if used+w > width {
			w = max(width-used, 0)
		}
		if w == 0 {
			continue
		}
		txt := c.text
		if ansi.StringWidth(txt) > w {
			txt = ansi.Truncate(txt, w, "…")
		}
		padN := w - ansi.StringWidth(txt)
		if c.right {
			txt = strings.Repeat(" ", padN) + txt
		} else {
			txt += strings.Repeat(" ", padN)
		}
		st := c.st
		if selected && !c.keepBg {
			st = selectedOn(t, st)
		}
		b.WriteString(st.Render(txt))
		used += w
		if i < len(cells)-1 && used < width {
			b.WriteString(gap.Render(" "))
			used++
		}
	}
	if used < width {
		b.WriteString(gap.Render(strings.Repeat(" ", width-used)))
	}
	return b.String()
}

// selectedOn puts a style on the selection background.
func selectedOn(t themes.Theme, st lipgloss.Style) lipgloss.Style {
	if t.Plain {
		return st.Reverse(true)
	}
	return st.Background(t.Selected.GetBackground())
}
