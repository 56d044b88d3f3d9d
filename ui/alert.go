package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
)

// Alert is how the dashboard calls the operator when a new code arrives
// (never for codes a first sync finds: those are history).
type Alert struct {
	Bell bool // ring the terminal's bell
	// Desktop is the escape sequence family of a desktop notification
	// ("osc9", "osc99", "osc777"; "" for none). The notification names
	// the line, never the code: it may show on a locked screen.
	Desktop string
	Tmux    bool // pass the notification through tmux (allow-passthrough on)
}

// TerminalAlert is the alert for a config's notify mode ("bell",
// "desktop", "off") in the terminal the environment describes: a desktop
// notification only where the terminal is known to show one.
func TerminalAlert(mode string, getenv func(string) string) Alert {
	a := Alert{Bell: mode == "bell" || mode == "desktop"}
	if mode != "desktop" {
		return a
	}
	term, program := getenv("TERM"), getenv("TERM_PROGRAM")
	switch {
	case program == "iTerm.app" || getenv("LC_TERMINAL") == "iTerm2" || program == "WezTerm" || program == "WarpTerminal":
		a.Desktop = "osc9"
	case getenv("KITTY_WINDOW_ID") != "" || term == "xterm-kitty":
		a.Desktop = "osc99"
	case program == "ghostty" || strings.HasPrefix(term, "foot") || strings.HasPrefix(term, "rxvt"):
		a.Desktop = "osc777"
	}
	a.Tmux = getenv("TMUX") != ""
	return a
}

// sequence is what the terminal is sent for a new code on line l ("" for
// nothing).
func (a Alert) sequence(l backend.Line) string {
	var b strings.Builder
	if a.Bell {
		b.WriteByte('\a')
	}
	text := printable("new code · " + lineLabel(l) + " · " + l.Account)
	var osc string
	switch a.Desktop {
	case "osc9":
		osc = "\x1b]9;Switchboard: " + text + "\a"
	case "osc99":
		osc = "\x1b]99;;Switchboard: " + text + "\x1b\\"
	case "osc777":
		osc = "\x1b]777;notify;Switchboard;" + text + "\a"
	}
	if osc != "" && a.Tmux {
		osc = "\x1bPtmux;" + strings.ReplaceAll(osc, "\x1b", "\x1b\x1b") + "\x1b\\"
	}
	b.WriteString(osc)
	return b.String()
}

// printable keeps a notification's text to printable characters: it is
// sent inside an escape sequence, and shown outside the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, s)
}

// ring calls the operator for a new code on l.
func (m *Model) ring(l backend.Line) tea.Cmd {
	if seq := m.o.Alert.sequence(l); seq != "" {
		return tea.Raw(seq)
	}
	return nil
}
