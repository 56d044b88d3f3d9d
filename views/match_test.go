package views

import (
	"math/rand/v2"
	"testing"

	"github.com/sahilm/fuzzy"
)

// TestFilterMatchesAsTheFuzzyMatcher: the filter keeps the semantics of
// the fuzzy matcher it replaced (sahilm/fuzzy, as bubbles' list uses
// it): on random texts and queries over letters of both cases, digits,
// spaces, separators and runes whose case folds across scripts, both
// pick the same items.
func TestFilterMatchesAsTheFuzzyMatcher(t *testing.T) {
	word := randomWords(1, "aAbBkKsS019 +-._/éÉſKΣσςß\x00")
	texts := make([]string, 400)
	for i := range texts {
		texts[i] = word(14)
	}
	for range 3000 {
		q := word(4)
		want := map[int]bool{}
		for _, m := range fuzzy.FindNoSort(q, texts) {
			want[m.Index] = true
		}
		p := compile(q)
		for i, s := range texts {
			txt := itemText(s)
			if got := p.matches(txt, byteBits(txt)); got != want[i] {
				t.Fatalf("query %q, text %q: filter says %v, fuzzy says %v", q, s, got, want[i])
			}
		}
	}
}

// TestNarrowingKeepsOnlyMatchesOfTheShorterQuery: whenever narrows says
// yes, every text the longer query matches, the shorter one matches too.
func TestNarrowingKeepsOnlyMatchesOfTheShorterQuery(t *testing.T) {
	word := randomWords(3, "abkK19 é")
	checked := 0
	for range 20000 {
		prev, next, text := word(3), word(5), itemText(word(10))
		if !narrows(prev, next) {
			continue
		}
		checked++
		if compile(next).matches(text, byteBits(text)) && !compile(prev).matches(text, byteBits(text)) {
			t.Fatalf("%q narrows %q, yet %q matches only the longer", next, prev, text)
		}
	}
	if checked < 100 || !narrows("tele", "telegram") || narrows("tele", "tle") || narrows("", "a") {
		t.Fatalf("narrows is too strict or too loose (%d cases)", checked)
	}
}

// randomWords makes words of 1 to n runes from an alphabet, seeded.
func randomWords(seed uint64, alphabet string) func(n int) string {
	runes := []rune(alphabet)
	rnd := rand.New(rand.NewPCG(seed, seed+1))
	return func(n int) string {
		r := make([]rune, rnd.IntN(n)+1)
		for i := range r {
			r[i] = runes[rnd.IntN(len(runes))]
		}
		return string(r)
	}
}
