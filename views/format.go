// Package views renders the dashboard's panes: balances, lines with their
// codes, expiries, queues, and the detail view. Panes are plain structs
// with SetSize, SetData, HandleKey and View(now); only the ui package's
// root model is a tea.Model. Views do no I/O.
package views

import (
	"fmt"
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
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	case d < 100*24*time.Hour:
		return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
	}
	return fmt.Sprintf("%dd", int(d.Hours())/24)
}

// Ago formats how long ago t was: "12s ago", "3m ago", "never".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours())/24)
}

// Fit pads or truncates s (which may hold styles) to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// FitRight right-aligns s in w cells.
func FitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// Width is a string's width in cells.
func Width(s string) int { return ansi.StringWidth(s) }

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
