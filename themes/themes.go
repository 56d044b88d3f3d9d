// Package themes builds every lipgloss style the dashboard uses from one
// palette per theme: dark (default), light, high-contrast, and plain (for
// NO_COLOR: attributes only, no colour).
package themes

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Names lists the themes a config or `:theme` may name.
var Names = []string{"dark", "light", "high-contrast", "plain"}

// Palette is a theme's colours.
type Palette struct {
	Text, Muted, Faint  color.Color
	Accent, Code        color.Color
	CodeBg              color.Color
	OK, Warn, Hot, Bad  color.Color
	SelBg, SelFg        color.Color
	Border, BorderFocus color.Color
	BadgeBg, BadgeFg    color.Color
	DialogBg            color.Color
}

// Theme holds the styles, built once.
type Theme struct {
	Name  string
	Plain bool

	Text, Muted, Faint, Accent, Bold lipgloss.Style

	Title, TitleFocused   lipgloss.Style
	Pane, PaneFocused     lipgloss.Style // bordered boxes
	Selected, Header      lipgloss.Style
	Code, CodeBig, CodeOn lipgloss.Style // code in a row, the big code, a just-arrived code

	OK, Warn, Hot, Bad, Unknown lipgloss.Style // health dots and urgency
	Badge                       lipgloss.Style // DEMO
	Stale                       lipgloss.Style
	Key, KeyDesc                lipgloss.Style // status-bar hints
	StatusBar                   lipgloss.Style
	Toast                       [4]lipgloss.Style // by backend.Level
	Dialog, DialogTitle         lipgloss.Style
	Tab, TabActive              lipgloss.Style
	Input                       lipgloss.Style
	Match                       lipgloss.Style // filter matches
	Escape                      lipgloss.Style // visible escapes in provider text

	Ink Inks // row and border styles, pre-rendered
}

// New builds the named theme; an unknown name gives dark.
func New(name string) Theme { return withInks(palette(name)) }

func palette(name string) Theme {
	switch name {
	case "light":
		return build("light", false, Palette{
			Text: lipgloss.Color("#1F2328"), Muted: lipgloss.Color("#656D76"), Faint: lipgloss.Color("#8C959F"),
			Accent: lipgloss.Color("#0969DA"), Code: lipgloss.Color("#6F3800"), CodeBg: lipgloss.Color("#FFE8A3"),
			OK: lipgloss.Color("#1A7F37"), Warn: lipgloss.Color("#9A6700"), Hot: lipgloss.Color("#BC4C00"), Bad: lipgloss.Color("#CF222E"),
			SelBg: lipgloss.Color("#D8E8FF"), SelFg: lipgloss.Color("#0B1F3A"),
			Border: lipgloss.Color("#C9D1D9"), BorderFocus: lipgloss.Color("#0969DA"),
			BadgeBg: lipgloss.Color("#BF3989"), BadgeFg: lipgloss.Color("#FFFFFF"), DialogBg: lipgloss.Color("#F6F8FA"),
		})
	case "high-contrast":
		return build("high-contrast", false, Palette{
			Text: lipgloss.BrightWhite, Muted: lipgloss.White, Faint: lipgloss.White,
			Accent: lipgloss.BrightCyan, Code: lipgloss.Black, CodeBg: lipgloss.BrightYellow,
			OK: lipgloss.BrightGreen, Warn: lipgloss.BrightYellow, Hot: lipgloss.BrightMagenta, Bad: lipgloss.BrightRed,
			// A blue bar: every bright ink stays readable on it (white-on-white was not).
			SelBg: lipgloss.Blue, SelFg: lipgloss.BrightWhite,
			Border: lipgloss.White, BorderFocus: lipgloss.BrightCyan,
			BadgeBg: lipgloss.BrightMagenta, BadgeFg: lipgloss.Black, DialogBg: lipgloss.Black,
		})
	case "plain":
		return plain()
	}
	return build("dark", false, Palette{
		Text: lipgloss.Color("#D8DAE5"), Muted: lipgloss.Color("#8A8FA3"), Faint: lipgloss.Color("#5C6177"),
		Accent: lipgloss.Color("#7AA2F7"), Code: lipgloss.Color("#1A1B26"), CodeBg: lipgloss.Color("#E0AF68"),
		OK: lipgloss.Color("#73D787"), Warn: lipgloss.Color("#E5C07B"), Hot: lipgloss.Color("#FF9E64"), Bad: lipgloss.Color("#F7768E"),
		SelBg: lipgloss.Color("#2D3452"), SelFg: lipgloss.Color("#FFFFFF"),
		Border: lipgloss.Color("#3B4058"), BorderFocus: lipgloss.Color("#7AA2F7"),
		BadgeBg: lipgloss.Color("#BB9AF7"), BadgeFg: lipgloss.Color("#1A1B26"), DialogBg: lipgloss.Color("#1F2335"),
	})
}

func build(name string, isPlain bool, p Palette) Theme {
	s := lipgloss.NewStyle
	t := Theme{Name: name, Plain: isPlain}
	t.Text = s().Foreground(p.Text)
	t.Muted = s().Foreground(p.Muted)
	t.Faint = s().Foreground(p.Faint)
	t.Accent = s().Foreground(p.Accent)
	t.Bold = s().Foreground(p.Text).Bold(true)
	t.Title = s().Foreground(p.Muted).Bold(true)
	t.TitleFocused = s().Foreground(p.Accent).Bold(true)
	t.Pane = s().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border)
	t.PaneFocused = s().Border(lipgloss.RoundedBorder()).BorderForeground(p.BorderFocus)
	t.Selected = s().Background(p.SelBg).Foreground(p.SelFg)
	t.Header = s().Foreground(p.Muted).Bold(true)
	t.Code = s().Foreground(p.CodeBg).Bold(true)
	t.CodeOn = s().Foreground(p.Code).Background(p.CodeBg).Bold(true)
	t.CodeBig = s().Foreground(p.CodeBg).Bold(true)
	t.OK = s().Foreground(p.OK)
	t.Warn = s().Foreground(p.Warn)
	t.Hot = s().Foreground(p.Hot)
	t.Bad = s().Foreground(p.Bad).Bold(true)
	t.Unknown = s().Foreground(p.Faint)
	t.Badge = s().Foreground(p.BadgeFg).Background(p.BadgeBg).Bold(true).Padding(0, 1)
	t.Stale = s().Foreground(p.Faint).Italic(true)
	t.Key = s().Foreground(p.Accent).Bold(true)
	t.KeyDesc = s().Foreground(p.Muted)
	t.StatusBar = s().Foreground(p.Muted)
	t.Toast = [4]lipgloss.Style{
		s().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Foreground(p.Text).Padding(0, 1),
		s().Border(lipgloss.RoundedBorder()).BorderForeground(p.OK).Foreground(p.Text).Padding(0, 1),
		s().Border(lipgloss.RoundedBorder()).BorderForeground(p.Warn).Foreground(p.Text).Padding(0, 1),
		s().Border(lipgloss.RoundedBorder()).BorderForeground(p.Bad).Foreground(p.Text).Padding(0, 1),
	}
	t.Dialog = s().Border(lipgloss.RoundedBorder()).BorderForeground(p.BorderFocus).Padding(1, 2)
	t.DialogTitle = s().Foreground(p.Accent).Bold(true)
	t.Tab = s().Foreground(p.Muted).Padding(0, 1)
	t.TabActive = s().Foreground(p.SelFg).Background(p.SelBg).Bold(true).Padding(0, 1)
	t.Input = s().Foreground(p.Text)
	t.Match = s().Foreground(p.Accent).Underline(true)
	t.Escape = s().Foreground(p.Hot)
	return t
}

// plain uses attributes only (NO_COLOR): bold, reverse, underline, faint.
func plain() Theme {
	s := lipgloss.NewStyle
	t := Theme{Name: "plain", Plain: true}
	t.Text = s()
	t.Muted = s().Faint(true)
	t.Faint = s().Faint(true)
	t.Accent = s().Bold(true)
	t.Bold = s().Bold(true)
	t.Title = s().Bold(true)
	t.TitleFocused = s().Bold(true).Underline(true)
	t.Pane = s().Border(lipgloss.NormalBorder())
	t.PaneFocused = s().Border(lipgloss.ThickBorder())
	t.Selected = s().Reverse(true)
	t.Header = s().Bold(true)
	t.Code = s().Bold(true)
	t.CodeOn = s().Bold(true).Reverse(true)
	t.CodeBig = s().Bold(true)
	t.OK = s()
	t.Warn = s().Bold(true)
	t.Hot = s().Bold(true)
	t.Bad = s().Bold(true).Underline(true)
	t.Unknown = s().Faint(true)
	t.Badge = s().Reverse(true).Bold(true).Padding(0, 1)
	t.Stale = s().Faint(true).Italic(true)
	t.Key = s().Bold(true)
	t.KeyDesc = s()
	t.StatusBar = s()
	for i := range t.Toast {
		t.Toast[i] = s().Border(lipgloss.NormalBorder()).Padding(0, 1)
	}
	t.Dialog = s().Border(lipgloss.DoubleBorder()).Padding(1, 2)
	t.DialogTitle = s().Bold(true)
	t.Tab = s().Padding(0, 1)
	t.TabActive = s().Reverse(true).Bold(true).Padding(0, 1)
	t.Input = s()
	t.Match = s().Underline(true)
	t.Escape = s().Underline(true)
	return t
}

// Valid reports whether name is a theme.
func Valid(name string) bool {
	for _, n := range Names {
		if n == name {
			return true
		}
	}
	return false
}
