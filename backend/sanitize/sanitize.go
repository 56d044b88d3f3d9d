// Package sanitize neutralizes untrusted provider text where it enters the
// program. (Interim version: replaced by the full sanitizer.)
package sanitize

import "strings"

// Text keeps line breaks and escapes every other control character.
func Text(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// Line is Text on one line.
func Line(s string) string { return strings.ReplaceAll(Text(s), "\n", " ") }

// Code keeps only the characters a code may hold.
func Code(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' {
			return r
		}
		return -1
	}, s)
}
