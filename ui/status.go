package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/views"
)

// A toast is a message the status bar shows for a while: what an event
// or an action did, or (tag statusTag) why a key did not apply. The
// newest is shown in the status bar's own line, so no message ever
// covers a pane's border or rows.
type toast struct {
	level backend.Level
	text  string
	tag   string // a new toast with the same tag replaces the old one
	until time.Time
}

// maxToasts bounds what is kept; only the newest is shown.
const maxToasts = 3

// statusTag marks why a key did not apply: it goes as soon as something
// else succeeds, so an old refusal never sits beside a done action.
const statusTag = "status"

// How long messages stay: a status and a success briefly, a warning or a
// failure longer.
const (
	statusFor  = 6 * time.Second
	toastFor   = 5 * time.Second
	warningFor = 9 * time.Second
)

// toast shows a short message in the status bar.
func (m *Model) toast(l backend.Level, text string) { m.tagToast(l, "", text) }

// setStatus says why a key did not apply.
func (m *Model) setStatus(s string) { m.tagToast(backend.Warning, statusTag, s) }

// clearStatus drops the reason a key did not apply (the operator has
// moved on: a dialog opened, an action went out).
func (m *Model) clearStatus() { m.dropTag(statusTag) }

// tagToast replaces any toast with the same tag (codes arrive often: one
// line says the latest). A success or a notice also clears the status.
func (m *Model) tagToast(l backend.Level, tag, text string) {
	d := toastFor
	switch {
	case tag == statusTag:
		d = statusFor
	case l == backend.Failure || l == backend.Warning:
		d = warningFor
	}
	if tag != "" {
		m.dropTag(tag)
	}
	if l == backend.Success || l == backend.Info {
		m.clearStatus()
	}
	m.toasts = append(m.toasts, toast{level: l, text: text, tag: tag, until: m.clock().Add(d)})
	if n := len(m.toasts); n > maxToasts {
		m.toasts = append([]toast(nil), m.toasts[n-maxToasts:]...)
	}
	m.said++
}

// dropTag removes the toasts with a tag.
func (m *Model) dropTag(tag string) {
	kept := m.toasts[:0]
	for _, t := range m.toasts {
		if t.tag != tag {
			kept = append(kept, t)
		}
	}
	if len(kept) != len(m.toasts) {
		m.said++
	}
	m.toasts = kept
}

var levelIcon = map[backend.Level]string{backend.Info: "•", backend.Success: "✓", backend.Warning: "!", backend.Failure: "✗"}

// message is the newest toast as the status bar shows it ("" for none).
func (m *Model) message() string {
	if len(m.toasts) == 0 {
		return ""
	}
	t := m.toasts[len(m.toasts)-1]
	ink := m.theme.Toast[t.level].GetBorderTopForeground()
	icon := m.theme.Toast[t.level].UnsetBorderStyle().UnsetPadding().Foreground(ink).Bold(true).Render(levelIcon[t.level])
	text := m.theme.Bold.Render(t.text)
	if t.level == backend.Warning || t.level == backend.Failure {
		text = m.theme.Toast[t.level].UnsetBorderStyle().UnsetPadding().Foreground(ink).Render(t.text)
	}
	return icon + " " + text
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

// statusBar: DEMO badge, account health, then the newest message or
// the key hints. A message that does not fit beside the health dots
// takes their room (it says what just happened); hints take at most
// half the bar from them.
func (m *Model) statusBar() string {
	t := &m.theme
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
	right, need := "", m.w/2
	switch {
	case m.filting:
		right = m.filter.View() + t.Faint.Render("  enter keep · esc clear")
		need = views.Width(right)
	case len(m.toasts) > 0:
		right = m.message()
		need = views.Width(right)
	}
	health := m.healthSummary(false)
	room := func() int { return m.w - views.Width(strings.Join(append(left, health), " ")) - 2 }
	if room() < need {
		health = m.healthSummary(true)
		if room() < need && right != "" {
			health = ""
		}
	}
	if right == "" {
		right = m.hints(room())
	}
	if health != "" {
		left = append(left, health)
	}
	l := strings.Join(left, " ")
	return l + " " + views.FitRight(right, m.w-views.Width(l)-1)
}

// healthSummary is one dot per account, or counts when there are many
// (or when compact).
func (m *Model) healthSummary(compact bool) string {
	t := &m.theme
	if len(m.data.Order) <= 6 && !compact {
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

// hints are the keys that apply to what is selected, in the bindings in
// force, then the pane's own keys; the help and quit keys always show,
// and what does not fit in width goes from the end of the rest.
func (m *Model) hints(width int) string {
	k := &m.keys
	var items []keymap.Hint
	add := func(b key.Binding, desc string) {
		if first := keymap.First(b); first != "" {
			items = append(items, keymap.Hint{Key: first, Desc: desc})
		}
	}
	if m.showDet {
		add(k.Back, "back")
	}
	if tg, ok := m.target(); ok {
		items = append(items, k.ItemHints(m.o.Role.Permits(tg.allowed), m.copyable())...)
		if !m.showDet {
			add(k.Detail, "details")
		}
	}
	if !m.showDet {
		if m.focus == paneBalances {
			add(k.Refresh, "refresh")
		}
		if m.o.Role.Permits(backend.Allow(backend.ActBuy)) != 0 {
			add(k.Buy, "buy")
		}
		add(k.Filter, "filter")
	}
	n := len(items)
	add(k.Help, "help")
	add(k.Quit, "quit")
	always := items[n:]
	for rest := items[:n]; ; rest = rest[:len(rest)-1] {
		s := m.hintLine(append(append([]keymap.Hint(nil), rest...), always...))
		if len(rest) == 0 || views.Width(s) <= width {
			return s
		}
	}
}

// hintLine renders hints: "c copy code · x cancel · ? help".
func (m *Model) hintLine(hs []keymap.Hint) string {
	t := &m.theme
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = t.Key.Render(h.Key) + " " + t.KeyDesc.Render(h.Desc)
	}
	return strings.Join(parts, t.Faint.Render(" · "))
}

// copyable says what the copy key does on the selection.
func (m *Model) copyable() keymap.Copyable {
	l, ok := m.selectedLine()
	switch {
	case !ok:
		return keymap.NoCode
	case len(l.Candidates) > 0:
		return keymap.CodeChoice
	case l.Code != "":
		return keymap.OneCode
	}
	return keymap.NoCode
}
