package otp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The masks look at numbers in their context (the word or sign before and
// after), so the working copy is cut into lexemes once. Hand-written checks
// over lexemes cost a few microseconds per message; the equivalent regular
// expressions cost about a millisecond.

type lexKind uint8

const (
	lexWord  lexKind = iota // letters and marks
	lexNum                  // ASCII digits
	lexSpace                // spaces
	lexBreak                // line breaks
	lexJunk                 // masked or control bytes
	lexSign                 // any other single character
)

type lexeme struct {
	start, end int
	kind       lexKind
	r          rune   // lexSign: the character
	lower      string // lexWord: lowercased text
}

func (l lexeme) len() int { return l.end - l.start }

// maxWordLen bounds the words that are lowercased; longer ones are never
// keywords.
const maxWordLen = 48

func lex(w []byte) []lexeme {
	out := make([]lexeme, 0, len(w)/3+1)
	for i := 0; i < len(w); {
		start := i
		c := w[i]
		switch {
		case isDigit(c):
			for i < len(w) && isDigit(w[i]) {
				i++
			}
			out = append(out, lexeme{start: start, end: i, kind: lexNum})
		case c == ' ' || c == '\n' || c == junk || c == hard:
			for i < len(w) && w[i] == c {
				i++
			}
			kind := lexSpace
			switch c {
			case '\n':
				kind = lexBreak
			case junk, hard:
				kind = lexJunk
			}
			out = append(out, lexeme{start: start, end: i, kind: kind})
		default:
			r, size := utf8.DecodeRune(w[i:])
			if !isWordRune(r) {
				out = append(out, lexeme{start: i, end: i + size, kind: lexSign, r: r})
				i += size
				continue
			}
			for i < len(w) {
				r, size = utf8.DecodeRune(w[i:])
				if !isWordRune(r) {
					break
				}
				i += size
			}
			lower := ""
			if i-start <= maxWordLen {
				lower = strings.ToLower(string(w[start:i]))
			}
			out = append(out, lexeme{start: start, end: i, kind: lexWord, lower: lower})
		}
	}
	return out
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r)
}

// lexemes wraps the lexeme list with the lookups the masks need.
type lexemes []lexeme

// prev returns the index of the lexeme before i, past at most one space;
// -1 at the start.
func (l lexemes) prev(i int) int {
	i--
	if i >= 0 && l[i].kind == lexSpace && l[i].len() == 1 {
		i--
	}
	return i
}

// next returns the index of the lexeme after i, past at most one space;
// len(l) at the end.
func (l lexemes) next(i int) int {
	i++
	if i < len(l) && l[i].kind == lexSpace && l[i].len() == 1 {
		i++
	}
	return i
}

func (l lexemes) isSign(i int, signs string) bool {
	return i >= 0 && i < len(l) && l[i].kind == lexSign && strings.ContainsRune(signs, l[i].r)
}

func (l lexemes) isWord(i int, set map[string]struct{}) bool {
	if i < 0 || i >= len(l) || l[i].kind != lexWord {
		return false
	}
	_, ok := set[l[i].lower]
	return ok
}

func (l lexemes) isNum(i int) bool { return i >= 0 && i < len(l) && l[i].kind == lexNum }

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
