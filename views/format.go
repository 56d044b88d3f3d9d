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

	"switchboard/backend"
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

// Country shows a country as its two-letter code where it is known
// ("russia", "United Kingdom", "england" → RU, GB, GB), else as given.
func Country(c string) string {
	if iso, ok := countryISO[strings.ToLower(strings.TrimSpace(c))]; ok {
		return iso
	}
	if len(c) <= 3 {
		return strings.ToUpper(c)
	}
	return c
}

// countryISO maps the country names providers use (5sim's lowercase
// names, the marketplace's English names) to ISO 3166 codes.
var countryISO = map[string]string{
	"afghanistan": "AF", "albania": "AL", "algeria": "DZ", "argentina": "AR", "armenia": "AM",
	"australia": "AU", "austria": "AT", "azerbaijan": "AZ", "bangladesh": "BD", "belarus": "BY",
	"belgium": "BE", "bolivia": "BO", "brazil": "BR", "bulgaria": "BG", "cambodia": "KH",
	"cameroon": "CM", "canada": "CA", "chile": "CL", "china": "CN", "colombia": "CO",
	"croatia": "HR", "cyprus": "CY", "czech": "CZ", "czech republic": "CZ", "denmark": "DK",
	"egypt": "EG", "england": "GB", "estonia": "EE", "ethiopia": "ET", "finland": "FI",
	"france": "FR", "georgia": "GE", "germany": "DE", "ghana": "GH", "greece": "GR",
	"hongkong": "HK", "hong kong": "HK", "hungary": "HU", "india": "IN", "indonesia": "ID",
	"ireland": "IE", "israel": "IL", "italy": "IT", "japan": "JP", "kazakhstan": "KZ",
	"kenya": "KE", "kyrgyzstan": "KG", "latvia": "LV", "lithuania": "LT", "malaysia": "MY",
	"mexico": "MX", "moldova": "MD", "morocco": "MA", "netherlands": "NL", "new zealand": "NZ",
	"nigeria": "NG", "norway": "NO", "pakistan": "PK", "peru": "PE", "philippines": "PH",
	"poland": "PL", "portugal": "PT", "romania": "RO", "russia": "RU", "russian federation": "RU",
	"saudiarabia": "SA", "saudi arabia": "SA", "serbia": "RS", "singapore": "SG", "slovakia": "SK",
	"slovenia": "SI", "southafrica": "ZA", "south africa": "ZA", "spain": "ES", "sweden": "SE",
	"switzerland": "CH", "taiwan": "TW", "tajikistan": "TJ", "thailand": "TH", "turkey": "TR",
	"ukraine": "UA", "united kingdom": "GB", "uk": "GB", "united states": "US", "usa": "US",
	"uzbekistan": "UZ", "vietnam": "VN", "any": "any",
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

// StateWord is a line state as the operator reads it.
func StateWord(s backend.LineState, raw string) string {
	if s == backend.LineUnknown && raw != "" {
		return strings.ToLower(raw)
	}
	return string(s)
}
