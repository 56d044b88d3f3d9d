package themes

import (
	"image/color"
	"math"
	"testing"

	"charm.land/lipgloss/v2"
)

// TestHighContrastSelectionIsReadable: on the high-contrast theme's
// selection bar every row ink keeps a contrast of at least 3:1 (WCAG's
// floor for large text) — not white on white.
func TestHighContrastSelectionIsReadable(t *testing.T) {
	th := New("high-contrast")
	bg := th.Selected.GetBackground()
	for name, st := range map[string]lipgloss.Style{"Text": th.Text, "Muted": th.Muted, "Faint": th.Faint, "Accent": th.Accent,
		"Bold": th.Bold, "Code": th.Code, "OK": th.OK, "Warn": th.Warn, "Hot": th.Hot, "Bad": th.Bad, "Unknown": th.Unknown,
		"Stale": th.Stale, "selection": th.Selected} {
		fg := th.OnSelection(st).GetForeground()
		if r := contrast(fg, bg); r < 3 {
			t.Errorf("%s on the selection bar: contrast %.1f:1", name, r)
		}
	}
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
