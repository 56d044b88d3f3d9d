package ui

import (
	"github.com/charmbracelet/x/ansi"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/views"
)

type toast struct {
	level backend.Level
	text  string
	tag   string // a new toast with the same tag replaces the old one
	until time.Time
}

// maxToasts keeps the corner readable.
const maxToasts = 3

// toast shows a short message above the status bar.
func (m *Model) toast(l backend.Level, text string) { m.tagToast(l, "", text) }

// tagToast replaces any toast with the same tag (codes arrive often: one
// line says the latest).
func (m *Model) tagToast(l backend.Level, tag, text string) {
	d := 5 * time.Second
	if l == backend.Failure || l == backend.Warning {
		d = 9 * time.Second
	}
	if tag != "" {
		kept := m.toasts[:0]
		for _, t := range m.toasts {
			if t.tag != tag {
				kept = append(kept, t)
			}
		}
		m.toasts = kept
	}
	m.toasts = append(m.toasts, toast{level: l, text: text, tag: tag, until: m.clock().Add(d)})
	if n := len(m.toasts); n > maxToasts {
		m.toasts = append([]toast(nil), m.toasts[n-maxToasts:]...)
	}
}

var levelIcon = map[backend.Level]string{backend.Info: "•", backend.Success: "✓", backend.Warning: "!", backend.Failure: "✗"}

// drawToasts stacks one-line toasts at the bottom right, just above the
// status bar, newest lowest, so they cover as little as possible.
func (m *Model) drawToasts(lines []string) {
	y := len(lines) - 2
	w := min(max(m.w/2, 40), 90)
	for i := len(m.toasts) - 1; i >= 0 && y >= 1; i-- {
		t := m.toasts[i]
		icon := m.theme.Toast[t.level].GetBorderTopForeground()
		st := m.theme.Toast[t.level].UnsetBorderStyle().UnsetPadding().Foreground(icon).Bold(true)
		text := ansi.Truncate(t.text, w-4, "…")
		box := st.Render(" "+levelIcon[t.level]+" ") + m.theme.Bold.Render(text+" ")
		overlay(lines, box, m.w-views.Width(box)-1, y)
		y--
	}
}

// wrapText wraps to width, at most maxLines lines (the last one cut).
func wrapText(s string, w, maxLines int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case views.Width(line)+1+views.Width(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	if len(out) > maxLines {
		out = out[:maxLines]
		out[maxLines-1] = views.Fit(out[maxLines-1]+" …", w)
	}
	for i := range out {
		out[i] = views.Fit(out[i], w)
	}
	return out
}

// statusBar: DEMO badge, account health, then the status message or key
// hints.
func (m *Model) statusBar() string {
	t := m.theme
	var left []string
	if m.o.Demo {
		left = append(left, t.Badge.Render("DEMO"))
	}
	if note := m.storageNote(); note != "" {
		left = append(left, note)
	}
	if note := m.clusterNote(); note != "" {
		left = append(left, note)
	}
	left = append(left, m.healthSummary())
	right := ""
	switch {
	case m.filting:
		right = m.filter.View() + t.Faint.Render("  enter keep · esc clear")
	case m.status != "":
		right = t.Warn.Render(m.status)
	default:
		right = m.hints()
	}
	l := strings.Join(left, " ")
	space := m.w - views.Width(l) - 1
	return l + " " + views.FitRight(right, space)
}

// healthSummary is one dot per account, or counts when there are many.
func (m *Model) healthSummary() string {
	t := m.theme
	if len(m.data.Order) <= 6 {
		var parts []string
		for _, n := range m.data.Order {
			a := m.data.Accounts[n]
			parts = append(parts, views.HealthDot(t, a, m.data.Stale(n))+t.Muted.Render(" "+n))
		}
		return strings.Join(parts, " ")
	}
	ok, bad, stale := 0, 0, 0
	for _, n := range m.data.Order {
		a := m.data.Accounts[n]
		switch {
		case a.Health == backend.HealthFailing || a.Health == backend.HealthDegraded:
			bad++
		case m.data.Stale(n):
			stale++
		default:
			ok++
		}
	}
	s := t.OK.Render("●") + t.Muted.Render(" "+itoa(ok)+" ok")
	if bad > 0 {
		s += " " + t.Bad.Render("●") + t.Muted.Render(" "+itoa(bad)+" failing")
	}
	if stale > 0 {
		s += " " + t.Unknown.Render("○") + t.Muted.Render(" "+itoa(stale)+" stale")
	}
	return s
}

// hints are the keys that matter for the focused pane.
func (m *Model) hints() string {
	t := m.theme
	k := m.keys
	pair := func(key, desc string) string { return t.Key.Render(key) + " " + t.KeyDesc.Render(desc) }
	var parts []string
	if m.showDet {
		parts = append(parts, pair(k.Back.Help().Key, "back"), pair(k.Copy.Help().Key, "copy code"))
	} else {
		switch m.focus {
		case paneLines:
			parts = append(parts, pair(k.Copy.Help().Key, "copy"), pair(k.Cancel.Help().Key, "cancel"), pair(k.Finish.Help().Key, "finish"))
		case paneExpiries:
			parts = append(parts, pair(k.Renew.Help().Key, "renew"), pair(k.AutoRenew.Help().Key, "auto-renew"))
		case paneQueues:
			parts = append(parts, pair(k.Cancel.Help().Key, "cancel"), pair(k.Detail.Help().Key, "details"))
		case paneBalances:
			parts = append(parts, pair(k.Refresh.Help().Key, "refresh"), pair(k.Detail.Help().Key, "details"))
		}
		parts = append(parts, pair(k.Buy.Help().Key, "buy"), pair(k.Filter.Help().Key, "filter"))
	}
	parts = append(parts, pair(k.Help.Help().Key, "help"), pair(k.Quit.Help().Key, "quit"))
	return strings.Join(parts, t.Faint.Render(" · "))
}
