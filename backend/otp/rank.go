package otp

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"
)

// rank is how well a candidate is anchored to a keyword: the gap in
// characters (0 for the value right after the keyword, "code: 4821"), then
// after the keyword over before it. Lower is better.
type rank struct {
	gap    int
	before bool
}

func (a rank) less(b rank) bool {
	return a.gap < b.gap || a.gap == b.gap && !a.before && b.before
}

// byKeyword returns the candidates best anchored to a keyword, in text
// order: one when a single candidate ranks best, several when they tie or
// are offered as alternatives ("code 1234 or 5678"). In an advert, only
// digit codes count.
func byKeyword(w []byte, keywords []span, cands []candidate, advert bool) []int {
	if len(keywords) == 0 || len(cands) == 0 {
		return nil
	}
	// A rune is at most 4 bytes: past this many bytes no gap is short
	// enough. Candidates are in text order, so each keyword looks only at
	// those within reach.
	const reach = maxNumericGap * utf8.UTFMax
	runes := runeOffsets(w)
	ranks := make([]rank, len(cands))
	ranked := make([]bool, len(cands))
	for _, kw := range keywords {
		// The token right after the keyword: the value it introduces.
		valueStart, valueEnd, strong := valueAfter(w, kw.end)
		first := sort.Search(len(cands), func(i int) bool { return cands[i].end >= kw.start-reach })
		for ci := first; ci < len(cands) && cands[ci].start <= kw.end+reach; ci++ {
			c := cands[ci]
			after := c.start >= kw.end
			var gap int
			switch {
			case after:
				gap = runes.between(kw.end, c.start)
			case c.end <= kw.start:
				gap = runes.between(c.end, kw.start)
			default:
				continue
			}
			value := after && valueStart == c.start
			switch c.kind {
			case numeric:
				// In an advert, a long number is a prize or ticket number.
				if gap > maxNumericGap || advert && len(c.code) > maxPlainLen {
					continue
				}
			case mixed:
				if advert || !after || gap > maxMixedGap {
					continue
				}
			case letters:
				if advert || !value || !strong || valueEnd != c.end {
					continue
				}
			case grouped:
				if !value && (gap > maxMixedGap || !sameClause(w, min(c.end, kw.end), max(c.start, kw.start))) {
					continue
				}
			case spaced:
				if !value {
					continue
				}
			}
			if value {
				gap = 0
			}
			r := rank{gap, !after}
			if !ranked[ci] || r.less(ranks[ci]) {
				ranks[ci], ranked[ci] = r, true
			}
		}
	}
	// A code called new or current wins over the others.
	freshOnly := false
	for ci, c := range cands {
		freshOnly = freshOnly || ranked[ci] && c.fresh
	}
	var best []int
	for ci, c := range cands {
		switch {
		case !ranked[ci] || freshOnly && !c.fresh:
		case len(best) == 0 || ranks[ci].less(ranks[best[0]]):
			best = append(best[:0], ci)
		case !ranks[best[0]].less(ranks[ci]):
			best = append(best, ci)
		}
	}
	return withAlternatives(w, cands, best)
}

// sameClause reports whether w[from:to] holds no end of a sentence.
func sameClause(w []byte, from, to int) bool {
	if from >= to {
		return true
	}
	between := w[from:to]
	if bytes.ContainsAny(between, ".!?;\n") {
		return false
	}
	return !hasWideScript(between) || !bytes.ContainsAny(between, "。！？；")
}

// maxPlainLen bounds a code found without a keyword: a longer number
// standing alone is a ticket, prize, account or tracking number.
const maxPlainLen = 6

// fallback returns the plain numbers of a message without an anchored
// code: all of them if they are one and the same code, or alternatives of
// one another ("use 4821 or 9934"); nil otherwise, and nil in an advert or
// a message that does not read like a verification message.
func fallback(w []byte, l lexemes, cands []candidate, advert bool) []int {
	if advert || !readsLikeVerification(w, l) {
		return nil
	}
	var plain []int
	for ci, c := range cands {
		if c.kind != numeric || c.numbered || len(c.code) > maxPlainLen || looksLikeYear(c.code) {
			continue
		}
		plain = append(plain, ci)
	}
	if len(plain) == 0 {
		return nil
	}
	same := true
	for _, ci := range plain {
		same = same && cands[ci].code == cands[plain[0]].code
	}
	if same {
		return plain
	}
	alts := withAlternatives(w, cands, plain[:1])
	if len(alts) != len(plain) {
		return nil
	}
	for k := range alts {
		if alts[k] != plain[k] {
			return nil
		}
	}
	return plain
}

func looksLikeYear(code string) bool {
	return len(code) == 4 && (strings.HasPrefix(code, "19") || strings.HasPrefix(code, "20"))
}

// withAlternatives adds to the chosen candidates (in text order) those
// offered beside them as alternatives: "1234 or 5678", "1234/5678",
// "1234, 5678 или 9012". A list joined by commas alone is not one.
func withAlternatives(w []byte, cands []candidate, chosen []int) []int {
	if len(chosen) == 0 {
		return chosen
	}
	in := make(map[int]bool, len(chosen))
	for _, ci := range chosen {
		in[ci] = true
	}
	out := append([]int(nil), chosen...)
	for _, ci := range chosen {
		// The run of candidates joined to ci by connectors.
		lo, hi, alt := ci, ci, false
		for lo > 0 {
			link := connector(w[cands[lo-1].end:cands[lo].start])
			if link == noLink || cands[lo-1].kind == letters {
				break
			}
			alt = alt || link == orLink
			lo--
		}
		for hi+1 < len(cands) {
			link := connector(w[cands[hi].end:cands[hi+1].start])
			if link == noLink || cands[hi+1].kind == letters {
				break
			}
			alt = alt || link == orLink
			hi++
		}
		if !alt {
			continue
		}
		for k := lo; k <= hi; k++ {
			if !in[k] {
				in[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Ints(out)
	return out
}

type link uint8

const (
	noLink    link = iota
	commaLink      // "1234, 5678"
	orLink         // "1234 or 5678", "1234 / 5678"
)

// orWords join alternatives.
var orWords = setOf(
	"or", "или", "либо", "o", "ou", "oder", "oppure", "ossia", "bzw", "of", "lub", "albo", "veya", "ya", "da", "atau", "hoặc",
	"eller", "tai", "sau", "vagy", "nebo", "alebo", "ili", "ή", "או", "یا", "أو", "या",
	"and", "и", "y", "e", "et", "und", "en", "oraz", "ve", "và", "dan", "och", "og",
	"或", "或者", "或是", "及", "和", "または", "か", "또는", "혹은", "및",
)

// connector reads the text between two candidates.
func connector(between []byte) link {
	between = bytes.Trim(between, " ")
	switch {
	case len(between) == 0 || len(between) > 24:
		return noLink
	case len(between) == 1 && (between[0] == '/' || between[0] == '|'):
		return orLink
	case len(between) == 1 && between[0] == ',':
		return commaLink
	}
	for _, comma := range []string{",", "，", "、"} {
		between = bytes.TrimPrefix(between, []byte(comma))
	}
	// "ya da" (Turkish) is a two-word connector; "or use" says the same.
	sawOr := false
	for _, word := range strings.Fields(strings.ToLower(string(between))) {
		_, isOr := orWords[word]
		_, isFiller := altFillers[word]
		if !isOr && !isFiller {
			return noLink
		}
		sawOr = sawOr || isOr
	}
	if !sawOr {
		return noLink
	}
	return orLink
}

// altFillers may follow the connector: "1234, or use 5678".
var altFillers = setOf("use", "enter", "type", "try", "just", "the", "code", "codes")

// runeOffsets32 counts the characters before each byte offset; nil when
// every character is one byte.
type runeOffsets32 []int32

func runeOffsets(w []byte) runeOffsets32 {
	if !hasMultibyte(w) {
		return nil
	}
	offsets := make(runeOffsets32, len(w)+1)
	n := int32(0)
	for i, c := range w {
		offsets[i] = n
		if utf8.RuneStart(c) {
			n++
		}
	}
	offsets[len(w)] = n
	return offsets
}

// between is the number of characters in w[from:to].
func (o runeOffsets32) between(from, to int) int {
	if o == nil {
		return to - from
	}
	return int(o[to] - o[from])
}

func hasMultibyte(w []byte) bool {
	for _, c := range w {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}
