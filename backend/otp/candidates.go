package otp

import (
	"strings"
)

type kind uint8

const (
	numeric kind = iota // 4–8 digits, or two groups of three
	mixed               // letters and at least one digit, maybe in hyphenated groups
	letters             // capitals only
	grouped             // groups of two or four digits ("48 21 93")
	spaced              // single digits ("1 2 3 4")
)

// candidate is a token that could be the code.
type candidate struct {
	start, end int // span in the working copy, separators included
	code       string
	kind       kind
	numbered   bool // written "#1234": an order or ticket number if unanchored
	fresh      bool // called new or current ("new code 2222")
}

// Keyword distances, in characters of the gap between keyword and code.
const (
	maxNumericGap = 80
	maxMixedGap   = 24
)

// units are what follows the digits of a measure ("10min", "5GB", "2nd").
var units = setOf("st", "nd", "rd", "th", "h", "hr", "hrs", "m", "min", "mins", "s", "sec", "secs", "d",
	"day", "days", "am", "pm", "x", "k", "kb", "mb", "gb", "tb", "g", "kg", "km", "ml", "mm", "cm", "fps",
	"p", "mp", "mah", "gbps", "mbps")

// isMeasure reports digits followed by a unit.
func isMeasure(tok []byte) bool {
	k := 0
	for k < len(tok) && isDigit(tok[k]) {
		k++
	}
	if k == 0 || k == len(tok) {
		return false
	}
	_, ok := units[strings.ToLower(string(tok[k:]))]
	return ok
}

// newCandidate is the candidate written as w[start:end].
func newCandidate(w []byte, start, end int, k kind) candidate {
	return candidate{start: start, end: end, code: string(w[start:end]), kind: k, numbered: start > 0 && w[start-1] == '#'}
}

// token is a run of ASCII letters and digits.
type token struct {
	start, end     int
	digits, uppers int
	lowers         int
}

func (t token) len() int { return t.end - t.start }

func tokens(w []byte) []token {
	var out []token
	for i := 0; i < len(w); {
		if !isAlnum(w[i]) {
			i++
			continue
		}
		t := token{start: i}
		for i < len(w) && isAlnum(w[i]) {
			switch c := w[i]; {
			case isDigit(c):
				t.digits++
			case c >= 'A' && c <= 'Z':
				t.uppers++
			default:
				t.lowers++
			}
			i++
		}
		t.end = i
		out = append(out, t)
	}
	return out
}

// candidates lists every token of w that could be a code.
func candidates(w []byte) []candidate {
	toks := tokens(w)
	var out []candidate
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if c, next, ok := hyphenated(w, toks, i); ok {
			out = append(out, c)
			i = next - 1
			continue
		}
		switch {
		case t.digits == t.len():
			if c, next, ok := digitGroups(w, toks, i); ok {
				out = append(out, c)
				i = next - 1
				continue
			}
			if t.len() >= minLen && t.len() <= maxLen && digitsStandAlone(w, t.start, t.end) {
				out = append(out, newCandidate(w, t.start, t.end, numeric))
			}
		case t.digits > 0:
			if c, ok := keywordGlued(w, t); ok {
				out = append(out, c)
				continue
			}
			if t.len() >= minLen && t.len() <= maxLen && mixedStandsAlone(w, t) {
				out = append(out, newCandidate(w, t.start, t.end, mixed))
			}
		case t.uppers == t.len() && t.len() >= minLen && t.len() <= maxLen:
			if !touchesJunk(w, t.start, t.end) {
				out = append(out, newCandidate(w, t.start, t.end, letters))
			}
		}
	}
	return out
}

// digitsStandAlone reports whether the digits w[start:end] are a number of
// their own: not part of a decimal, a fraction, a time, a phone number or a
// chain of digit groups, and not touching masked text.
func digitsStandAlone(w []byte, start, end int) bool {
	if touchesJunk(w, start, end) {
		return false
	}
	before, after := byte(0), byte(0)
	if start > 0 {
		before = w[start-1]
	}
	if end < len(w) {
		after = w[end]
	}
	digitBefore := start >= 2 && isDigit(w[start-2])
	digitAfter := end+1 < len(w) && isDigit(w[end+1])
	switch {
	case before == '/' || after == '/' || before == '+' || after == '%':
		return false
	case digitBefore && (before == '.' || before == ',' || before == ':' || before == '-'):
		return false
	case digitAfter && (after == '.' || after == ',' || after == ':' || after == '-'):
		return false
	case digitBefore && digitAfter && before == ' ' && after == ' ':
		return false // the middle of "8 800 555 35 35"
	}
	return true
}

// mixedStandsAlone reports whether a letters-and-digits token can be a code:
// not a measure ("10min", "5GB"), not part of an address or identifier.
func mixedStandsAlone(w []byte, t token) bool {
	if touchesJunk(w, t.start, t.end) || isMeasure(w[t.start:t.end]) {
		return false
	}
	for _, at := range []int{t.start - 1, t.end} {
		if at < 0 || at >= len(w) {
			continue
		}
		switch w[at] {
		case '@', '_', '/', '\\', '.', '%', '&', '=', '+':
			if at == t.end && w[at] == '.' && (at+1 == len(w) || !isAlnum(w[at+1])) {
				continue // end of sentence
			}
			return false
		}
	}
	return true
}

// keywordGlued reads "OTP482913" as the digits after the keyword.
func keywordGlued(w []byte, t token) (candidate, bool) {
	k := t.start
	for k < t.end && !isDigit(w[k]) {
		k++
	}
	if k == t.start || t.end-k != t.digits || t.digits < minLen || t.digits > maxLen {
		return candidate{}, false
	}
	if classify(strings.ToLower(string(w[t.start:k]))) != isKeyword {
		return candidate{}, false
	}
	if touchesJunk(w, t.start, t.end) {
		return candidate{}, false
	}
	return newCandidate(w, k, t.end, numeric), true
}

func touchesJunk(w []byte, start, end int) bool {
	return start > 0 && w[start-1] == junk || end < len(w) && w[end] == junk
}
