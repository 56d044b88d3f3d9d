package otp

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"
)

// A message that replaces a code names the old one too: "Your old code
// 1111 has expired. Your new code is 2222", "Предыдущий код 1234
// недействителен", "代码 1234 已失效，新验证码 5678". The old code is never
// the answer; a code called new wins over one that is not.

type freshness uint8

const (
	unmarked freshness = iota
	stale              // old, previous, expired: never the answer
	fresh              // new, current: wins over unmarked codes
)

// staleWords, placed before a code's keyword or between it and the code,
// make it an old one ("old code 1111", "código anterior 1234").
var staleWords = setOf(
	"old", "older", "previous", "prior", "earlier", "expired", "invalid", "former", "outdated",
	"ancien", "ancienne", "précédent", "précédente", "expiré", "anterior", "antiguo", "antigua",
	"viejo", "vieja", "caducado", "alte", "alter", "alten", "altes", "vorherige", "vorheriger",
	"vorherigen", "vorheriges", "abgelaufene", "abgelaufener", "precedente", "vecchio", "scaduto",
	"antigo", "antiga", "expirado", "предыдущий", "предыдущего", "предыдущим", "прежний",
	"старый", "старого", "просроченный", "недействительный", "önceki", "eski", "poprzedni",
	"stary", "wygasły", "vorige", "oude", "tidligere", "gamle", "gamla", "tidigare", "edellinen",
	"vanha", "sebelumnya", "cũ", "이전", "기존", "예전", "지난", "पुराना", "पिछला", "السابق",
	"القديم", "قبلی", "قدیمی", "הקודם", "קודם", "הישן", "ישן",
)

// freshWords, in the same places, make it the current one ("new code").
var freshWords = setOf(
	"new", "newest", "latest", "current", "fresh", "nouveau", "nouvel", "nouvelle", "nuevo",
	"nueva", "neuer", "neue", "neuen", "neues", "nuovo", "nuova", "novo", "nova", "новый",
	"нового", "новым", "актуальный", "текущий", "yeni", "nowy", "nieuwe", "ny", "nya", "nye",
	"uusi", "baru", "mới", "새", "새로운", "신규", "नया", "الجديد", "جديد", "جدید", "החדש", "חדש",
)

// Markers written without a space before a CJK keyword ("新验证码",
// "以前の認証番号"), possibly followed by 的 or の.
var (
	staleCJK = []string{"旧", "舊", "之前", "以前", "前回", "上次", "上一个", "上一個", "古い"}
	freshCJK = []string{"新", "新しい", "最新", "本次"}
)

// linkWords may stand between a keyword and its code without ending the
// phrase ("old code was 1111").
var linkWords = setOf("was", "were", "are", "war", "était", "era", "был", "была", "は", "が", "는", "은")

// staleAfter, following a code in its clause, say it no longer works
// ("1111 has expired", "1234 ist abgelaufen").
var staleAfter = setOf(
	"expired", "invalid", "invalidated", "revoked", "cancelled", "canceled", "deactivated",
	"superseded", "replaced", "expiré", "expirée", "invalide", "caducado", "caducó", "expiró",
	"inválido", "expirou", "abgelaufen", "ungültig", "scaduto", "недействителен", "истёк", "истек",
	"устарел", "аннулирован", "geçersiz", "wygasł", "nieważny", "verlopen", "ongeldig", "utløpt",
	"ogiltig", "udløbet", "vanhentunut", "kedaluwarsa",
)

// A negation followed by one of these says the same ("is no longer valid",
// "n'est plus valable", "больше не действует").
var (
	negations    = setOf("no", "not", "n", "ne", "non", "não", "nao", "nicht", "не", "nie", "artık")
	noLongerWith = setOf("longer", "plus", "più", "mais", "más", "mehr", "больше", "действует",
		"действителен", "valid", "válido", "valido", "valide", "gültig", "geçerli", "ważny", "works", "work")
)

// notYet, before such a word, make it a warning about the future ("will be
// invalid after 5 minutes"), not a statement about the code.
var notYet = setOf("will", "would", "after", "if", "once", "when", "unless", "until", "soon",
	"becomes", "become", "in", "через", "после", "nach", "après", "después", "dopo", "após", "후")

// Expiry words of CJK text, found as substrings, unless a future or a
// duration comes first ("5分钟后失效", "5분 후 만료").
var (
	staleAfterCJK = []string{"失效", "过期", "過期", "作废", "作廢", "無効", "期限切れ", "만료", "무효"}
	futureCJK     = "后後内內将將会會후に"
)

// markFreshness drops the stale candidates and marks the fresh ones.
func markFreshness(w []byte, l lexemes, keywords []span, cands []candidate) []candidate {
	out := cands[:0]
	for _, c := range cands {
		i := sort.Search(len(l), func(k int) bool { return l[k].end > c.start })
		state := markedBefore(w, l, keywords, i)
		if state != fresh && staleFollows(w, l, c) {
			state = stale
		}
		if state == stale {
			continue
		}
		c.fresh = state == fresh
		out = append(out, c)
	}
	return out
}

// markedBefore walks back from lexeme i (where a code starts) over the
// phrase that introduces it: separators, link words, the keyword, and up
// to two other words before the keyword ("your previous Telegram code").
func markedBefore(w []byte, l lexemes, keywords []span, i int) freshness {
	seenKeyword, others := false, 0
	for j := i - 1; j >= 0 && i-j <= 16; j-- {
		lx := l[j]
		switch lx.kind {
		case lexSpace:
			continue
		case lexSign:
			if strings.ContainsRune(`:：#-–—(["'«“【「`, lx.r) {
				continue
			}
			return unmarked
		case lexWord:
		default:
			return unmarked
		}
		switch {
		case l.isWord(j, staleWords):
			return stale
		case l.isWord(j, freshWords):
			return fresh
		}
		if kw, ok := keywordIn(keywords, lx); ok {
			seenKeyword = true
			if kw.start > lx.start {
				// a CJK word holding the keyword: what is written before it
				return markedCJK(w[lx.start:kw.start])
			}
			continue
		}
		if _, ok := copulas[lx.lower]; ok || l.isWord(j, linkWords) {
			continue
		}
		if others++; !seenKeyword || others > 2 {
			return unmarked
		}
	}
	return unmarked
}

// keywordIn returns the keyword that lies in lexeme lx.
func keywordIn(keywords []span, lx lexeme) (span, bool) {
	for _, kw := range keywords {
		if kw.start < lx.end && kw.end > lx.start {
			return kw, true
		}
	}
	return span{}, false
}

// markedCJK reads the end of the text glued before a CJK keyword.
func markedCJK(before []byte) freshness {
	s := strings.TrimSuffix(strings.TrimSuffix(string(before), "的"), "の")
	for _, m := range staleCJK {
		if strings.HasSuffix(s, m) {
			return stale
		}
	}
	for _, m := range freshCJK {
		if strings.HasSuffix(s, m) {
			return fresh
		}
	}
	return unmarked
}

// staleFollows reports a clause that says the code c no longer works:
// "1111 has expired", "1234 is no longer valid", "1234 已失效".
func staleFollows(w []byte, l lexemes, c candidate) bool {
	i := sort.Search(len(l), func(k int) bool { return l[k].start >= c.end })
	negated, words := false, 0
	for j := i; j < len(l) && words < 6; j++ {
		lx := l[j]
		switch lx.kind {
		case lexSpace, lexNum:
			continue
		case lexSign:
			if strings.ContainsRune(".;!?。；！？,，、\n", lx.r) {
				return false
			}
			continue
		case lexWord:
		default:
			return false
		}
		words++
		switch {
		case l.isWord(j, notYet):
			return false
		case l.isWord(j, staleAfter), negated && l.isWord(j, noLongerWith):
			// "invalid after 3 attempts" is a warning, not a statement.
			return !l.isWord(nextWord(l, j), notYet)
		case l.isWord(j, negations):
			negated = true
		}
		if lx.end-lx.start > 3 && hasWideScript(w[lx.start:lx.end]) && staleCJKWord(w[lx.start:lx.end]) {
			return true
		}
	}
	return false
}

// staleCJKWord finds an expiry word in a CJK run that no future or
// duration word comes right before.
func staleCJKWord(word []byte) bool {
	for _, m := range staleAfterCJK {
		k := bytes.Index(word, []byte(m))
		if k < 0 {
			continue
		}
		r, _ := utf8.DecodeLastRune(word[:k])
		return k == 0 || !strings.ContainsRune(futureCJK, r)
	}
	return false
}
