package backend

import (
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// ErrAmbiguousAmount is returned for an amount whose separators could be
// read two ways ("1,500" is 1500 in one locale and 1.5 in another).
var ErrAmbiguousAmount = errors.New("ambiguous amount: the separator could be a decimal point or a thousands separator")

// maxAmountLen bounds what ParseAmount reads: no price is that long, and a
// huge exponent would make arithmetic slow.
const maxAmountLen = 40

// ParseAmount reads an amount as providers write it, strictly:
//
//   - "12", "12.5", "-3.25": a point is the decimal separator;
//   - "4,00", "0,5": a lone comma followed by other than three digits is a
//     decimal comma;
//   - "1,500.00", "1.500,00", "1 500,00", "1'500.00": with two kinds of
//     separator, the last one is the decimal separator and the others
//     group thousands (groups of exactly three digits);
//   - "1,500,000", "1.500.000": one separator repeated groups thousands.
//
// "1,500" is refused (ErrAmbiguousAmount): it is 1500 or 1.5 depending on
// the writer. So is anything else that is not a plain number: currency
// signs, exponents, letters, misplaced groups.
func ParseAmount(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxAmountLen {
		return decimal.Decimal{}, errors.New("not an amount")
	}
	sign := ""
	switch s[0] {
	case '-', '+':
		sign, s = s[:1], s[1:]
		if sign == "+" {
			sign = ""
		}
	}
	if s == "" {
		return decimal.Decimal{}, errors.New("not an amount")
	}
	// Which separators appear, and where the last one is.
	var seps []int
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' || r == ',' || r == ' ' || r == '\'' || r == '\u00a0' || r == '\u202f':
			seps = append(seps, i)
		default:
			return decimal.Decimal{}, errors.New("not an amount: unexpected " + string(r))
		}
	}
	if len(seps) == 0 {
		return decimal.NewFromString(sign + s)
	}
	last := seps[len(seps)-1]
	lastSep := sepAt(s, last)
	kinds := map[string]bool{}
	for _, i := range seps {
		kinds[sepAt(s, i)] = true
	}
	var intPart, frac string
	switch {
	case len(kinds) == 1 && len(seps) == 1 && (lastSep == "." || lastSep == ","):
		// One point or one comma.
		after := s[last+len(lastSep):]
		if lastSep == "," && len(after) == 3 {
			return decimal.Decimal{}, ErrAmbiguousAmount
		}
		intPart, frac = s[:last], after
	case len(kinds) == 1:
		// One separator repeated (or a space / apostrophe): thousands only.
		intPart = s
	default:
		if lastSep != "." && lastSep != "," {
			return decimal.Decimal{}, errors.New("not an amount: it ends in a group separator")
		}
		intPart, frac = s[:last], s[last+len(lastSep):]
		if strings.Contains(intPart, lastSep) {
			return decimal.Decimal{}, errors.New("not an amount: the decimal separator appears twice")
		}
	}
	digits, ok := ungroup(intPart)
	if !ok {
		return decimal.Decimal{}, errors.New("not an amount: thousands must come in groups of three")
	}
	if frac != "" && strings.Trim(frac, "0123456789") != "" || (frac == "" && intPart != s) {
		return decimal.Decimal{}, errors.New("not an amount: nothing after the decimal separator")
	}
	num := sign + digits
	if frac != "" {
		num += "." + frac
	}
	return decimal.NewFromString(num)
}

// sepAt is the separator starting at byte i (one rune).
func sepAt(s string, i int) string {
	for _, r := range s[i:] {
		return string(r)
	}
	return ""
}

// ungroup removes one kind of thousands separator from an integer part,
// checking that every group after the first has three digits.
func ungroup(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if strings.Trim(s, "0123456789") == "" {
		return s, true
	}
	var sep string
	var groups []string
	start := 0
	for i, r := range s {
		if r >= '0' && r <= '9' {
			continue
		}
		if sep == "" {
			sep = string(r)
		} else if string(r) != sep {
			return "", false
		}
		groups = append(groups, s[start:i])
		start = i + len(string(r))
	}
	groups = append(groups, s[start:])
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}
