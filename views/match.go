package views

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The pane filter. A query is free text and field filters
// ("state:waiting account:main"): an item matches when each field filter
// is found in that field and the free text's characters appear in the
// item's text in order, ignoring case (the semantics of the fuzzy matcher
// bubbles' list uses, sahilm/fuzzy). Matches are ranked like fzf: the
// item's name (a line's number) equal to the free text, then starting
// with it, then a word starting with it, then the text holding it, then
// the rest; within a rank, items keep their pane's order. Everything the
// filter decides is in this file.

// field is what a field filter names.
type field int8

const (
	fieldState field = iota
	fieldAccount
	fieldProvider
	fieldService
	numFields
)

// FieldNames are the field filters' names, as typed before the colon.
var FieldNames = [numFields]string{"state", "account", "provider", "service"}

// searchable is what the filter reads in an item.
type searchable struct {
	name   string // ranked first: a line's number, a lease's name, a job's title
	rest   string // the other words free text finds
	fields [numFields]string
	closed bool // finished, expired: left out while closed items are hidden
}

// ranks, best first.
const (
	rankExact = iota
	rankPrefix
	rankWord
	rankContains
	rankFuzzy
	numRanks
)

// pattern is a compiled query.
type pattern struct {
	q      string // the free text, folded
	bits   uint64 // the bytes it needs (see byteBits)
	ascii  bool
	fields []fieldTerm
	open   bool // closed items are hidden
}

type fieldTerm struct {
	f field
	v string // folded
}

// parseQuery splits a query into its free text (words joined by single
// spaces where field filters stood between them) and its field filters.
// A word naming no known field ("10:30") is free text.
func parseQuery(query string) (free string, terms []fieldTerm) {
	if !strings.Contains(query, ":") {
		return query, nil
	}
	var words []string
	for _, w := range strings.Fields(query) {
		if name, v, ok := strings.Cut(w, ":"); ok {
			if f := fieldNamed(foldText(name)); f >= 0 {
				terms = append(terms, fieldTerm{f, foldText(v)})
				continue
			}
		}
		words = append(words, w)
	}
	return strings.Join(words, " "), terms
}

func fieldNamed(s string) field {
	for i, n := range FieldNames {
		if n == s {
			return field(i)
		}
	}
	return -1
}

func compile(query string) pattern {
	free, terms := parseQuery(query)
	q := foldText(free)
	return pattern{q: q, bits: byteBits(q), ascii: isASCII(q), fields: terms}
}

// rank is where an item's entry ranks for the query (-1: no match).
func (p *pattern) rank(text string, name int, fields *[numFields]string, bits uint64, closed bool) int {
	if p.open && closed {
		return -1
	}
	for _, t := range p.fields {
		if !strings.Contains(fields[t.f], t.v) {
			return -1
		}
	}
	if !p.matches(text, bits) {
		return -1
	}
	if p.q == "" {
		return rankExact // field filters alone keep the pane's order
	}
	nm, q := strings.TrimPrefix(text[:name], "+"), strings.TrimPrefix(p.q, "+") // "7900…" finds "+7900…"
	switch {
	case nm == q:
		return rankExact
	case strings.HasPrefix(nm, q):
		return rankPrefix
	case startsWord(text, p.q):
		return rankWord
	case strings.Contains(text, p.q):
		return rankContains
	}
	return rankFuzzy
}

// startsWord reports whether a word of text starts with q.
func startsWord(text, q string) bool {
	for at := 0; ; {
		i := strings.Index(text[at:], q)
		if i < 0 {
			return false
		}
		if i += at; i == 0 || !isWordByte(text[i-1]) {
			return true
		}
		at = i + 1
	}
}

func isWordByte(c byte) bool {
	return c >= utf8.RuneSelf || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// matches reports whether an item's text (itemText, with its byteBits)
// holds the free text's characters in order.
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
// characters to a query, and a query holding all of another's free-text
// characters in order, and each of its field filters or a longer one,
// can only match fewer items.
func narrows(prev, next string) bool {
	if prev == "" {
		return false
	}
	pf, pt := parseQuery(prev)
	nf, nt := parseQuery(next)
	for _, a := range pt {
		if a.v == "" {
			continue // "state:" as typed so far filters nothing
		}
		found := false
		for _, b := range nt {
			found = found || (a.f == b.f && strings.Contains(b.v, a.v))
		}
		if !found {
			return false
		}
	}
	return subsequence(foldText(pf), foldText(nf))
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

// Rank is the indexes of the items a picker's query matches, best first
// (ranked as the panes rank: an exact or leading name, a word, anywhere,
// in order), each rank in the items' own order. item gives an item's
// name and its other words.
func Rank(query string, n int, item func(i int) (name, rest string)) []int {
	p := compile(query)
	var byRank [numRanks][]int
	var none [numFields]string
	for i := range n {
		name, rest := item(i)
		text, nl := joinText(name, rest)
		if r := p.rank(text, nl, &none, byteBits(text), false); r >= 0 {
			byRank[r] = append(byRank[r], i)
		}
	}
	var out []int
	for _, r := range byRank {
		out = append(out, r...)
	}
	return out
}

// joinText is the folded text of a name and its other words, and where
// the name ends in it.
func joinText(name, rest string) (string, int) {
	n := itemText(name)
	if rest == "" || strings.IndexByte(name, 0) >= 0 { // a NUL ends the text
		return n, len(n)
	}
	return n + " " + itemText(rest), len(n)
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
