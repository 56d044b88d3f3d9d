// Package views renders the dashboard's panes: balances, lines with their
// codes, expiries, queues, and the detail view. Panes are plain structs
// with SetSize, SetData, HandleKey and View(now); only the ui package's
// root model is a tea.Model. Views do no I/O.
package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/naming"
)

// Left formats time left until t: "12m 31s", "4h 10m", "23d 4h",
// "expired 3m ago".
func Left(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	if d < 0 {
		return "expired " + Span(-d) + " ago"
	}
	return Span(d)
}

// Span formats a duration coarsely, two units at most.
func Span(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	var buf [24]byte
	b := buf[:0]
	switch {
	case d < time.Minute:
		b = append(strconv.AppendInt(b, int64(d/time.Second), 10), 's')
	case d < time.Hour:
		b = append(strconv.AppendInt(b, int64(d/time.Minute), 10), "m "...)
		b = append(twoDigits(b, d/time.Second%60), 's')
	case d < 24*time.Hour:
		b = append(strconv.AppendInt(b, int64(d/time.Hour), 10), "h "...)
		b = append(twoDigits(b, d/time.Minute%60), 'm')
	case d < 100*24*time.Hour:
		b = append(strconv.AppendInt(b, int64(d/(24*time.Hour)), 10), "d "...)
		b = append(strconv.AppendInt(b, int64(d/time.Hour%24), 10), 'h')
	default:
		b = append(strconv.AppendInt(b, int64(d/(24*time.Hour)), 10), 'd')
	}
	return string(b)
}

func twoDigits(b []byte, n time.Duration) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// Ago formats how long ago t was: "12s ago", "3m ago", "never".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := max(now.Sub(t), 0)
	n, unit := d/time.Second, "s ago"
	switch {
	case d >= 48*time.Hour:
		n, unit = d/(24*time.Hour), "d ago"
	case d >= time.Hour:
		n, unit = d/time.Hour, "h ago"
	case d >= time.Minute:
		n, unit = d/time.Minute, "m ago"
	}
	var buf [24]byte
	return string(append(strconv.AppendInt(buf[:0], int64(n), 10), unit...))
}

// Fit pads or truncates s (which may hold styles) to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := textWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + blank(w-sw)
}

// FitRight right-aligns s in w cells.
func FitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := textWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return blank(w-sw) + s
}

// Width is a string's width in cells.
func Width(s string) int { return textWidth(s) }

// ShortAccount keeps account names readable in narrow columns.
func ShortAccount(name string, w int) string { return ansi.Truncate(name, w, "…") }

// CountryName is a country code as the operator reads it, "United
// Kingdom (GB)"; a code the naming tables do not know, as given.
func CountryName(code string) string {
	iso, name := naming.Country(code)
	if name == "" {
		return code
	}
	return name + " (" + iso + ")"
}

// Count is a whole number in the one number format: 12,000.
func Count(n int) string {
	return strings.TrimSuffix(backend.NewMoney(decimal.NewFromInt(int64(n)), "").String(), ".00")
}

// Number prettifies a phone number for display (the copied value is the
// raw number).
func Number(n string) string {
	if n == "" {
		return ""
	}
	if n[0] != '+' && len(n) >= 10 && isDigits(n) {
		return "+" + n
	}
	return n
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// StateWord is a line state as the operator reads it: a provider's word
// the adapter did not know, in plain words.
func StateWord(s backend.LineState, raw string) string {
	if s == backend.LineUnknown && raw != "" {
		return strings.ToLower(naming.Word(raw))
	}
	return string(s)
}
