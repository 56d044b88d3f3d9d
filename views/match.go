package views

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The pane filter: a query matches an item when its characters appear in
// the item's text in order, ignoring case (the semantics of the fuzzy
// matcher bubbles' list uses, sahilm/fuzzy, without its scores). Items
// keep their pane's order. Everything the filter decides is in this file:
// a ranked matcher replaces compile, matches and narrows.

// pattern is a compiled query.
type pattern struct {
	q     string // folded
	bits  uint64 // the bytes it needs (see byteBits)
	ascii bool
}

func compile(query string) pattern {
	q := foldText(query)
	return pattern{q: q, bits: byteBits(q), ascii: isASCII(q)}
}

// matches reports whether an item's text (itemText, with its byteBits)
// matches.
func (p pattern) matches(text string, bits uint64) bool {
	switch {
	case p.q == "":
		return true
	case p.bits&^bits != 0:
		return false
	case p.ascii:
		// Byte by byte: an ASCII byte never occurs inside a multi-byte
		// rune. (Texts are short; a call per character costs more.)
		q, qi := p.q, 0
		for i := 0; i < len(text); i++ {
			if text[i] == q[qi] {
				if qi++; qi == len(q) {
					return true
				}
			}
		}
		return false
	}
	return subsequence(p.q, text)
}

// narrows reports whether every item next matches also matched prev,
// so next needs testing only against prev's matches: typing adds
// characters to a query, and a query holding all of another's
// characters in order can only match fewer items.
func narrows(prev, next string) bool {
	return prev != "" && subsequence(foldText(prev), foldText(next))
}

// subsequence reports whether a's runes appear in b in order.
func subsequence(a, b string) bool {
	for _, r := range b {
		if a == "" {
			break
		}
		if w, n := utf8.DecodeRuneInString(a); w == r {
			a = a[n:]
		}
	}
	return a == ""
}

// itemText is an item's text as the filter reads it: folded, and cut at
// a NUL as the fuzzy matcher does.
func itemText(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return foldText(s)
}

// foldText folds every rune to one representative of its case class (so
// "K", "k" and the Kelvin sign compare equal, as unicode.SimpleFold
// says).
func foldText(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune is the case class's ASCII letter if it has one, else its
// smallest rune.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return unicode.ToLower(f)
		}
		least = min(least, f)
	}
	return least
}

// byteBits is a 64-bit summary of which bytes s holds: a query needing a
// byte the text lacks cannot match, which rules out most items without
// reading their text.
func byteBits(s string) uint64 {
	var bits uint64
	for i := 0; i < len(s); i++ {
		bits |= 1 << (s[i] & 63)
	}
	return bits
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
