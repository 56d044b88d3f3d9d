package cache

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// detach copies out every string of a line decoded in place (its record
// is a database page, valid only in its transaction): a line is held for
// the whole run (100,000 at the dashboard's scale), and a copy of its
// whole record (≈ 210 bytes) with its fields sliced from it was most of
// what it held besides the Line itself. The words many lines repeat
// (account, provider, service, state, currency, …) were read shared
// (decoder.word); detach copies the line's own strings (key, id, number,
// code, …) together into one string: about 50 bytes a line. Every string
// field of Line must be one or the other
// (TestDecodedItemsKeepNothingOfTheirRecords).
func detach(l *backend.Line) {
	n := len(l.Key) + len(l.ID) + len(l.Number) + len(l.Name) + len(l.Code)
	for _, c := range l.Candidates {
		n += len(c)
	}
	for _, v := range l.Extra {
		n += len(v)
	}
	o := ownStrings{buf: make([]byte, 0, n)}
	l.Key, l.ID, l.Number = backend.Key(o.copy(string(l.Key))), o.copy(l.ID), o.copy(l.Number)
	l.Name, l.Code = o.copy(l.Name), o.copy(l.Code)
	for i, c := range l.Candidates {
		l.Candidates[i] = o.copy(c)
	}
	for k, v := range l.Extra { // the keys are words already
		l.Extra[k] = o.copy(v)
	}
}

// decodeHeld decodes v in place with the shared words and amounts, then
// own copies out the item's own strings (leases and jobs: a few per
// item; decodeLine does the same without the indirection, for 100,000).
func decodeHeld[T any](v []byte, fields func(*decoder) T, own func(*T)) (T, error) {
	var it T
	d, err := viewRecord(v)
	if err != nil {
		return it, err
	}
	held.mu.Lock()
	defer held.mu.Unlock()
	d.held = &held
	it = fields(d)
	if err := d.done(); err != nil {
		var zero T
		return zero, err
	}
	own(&it)
	return it, nil
}

// copyOut copies the strings at ss into one allocation.
func copyOut(ss ...*string) {
	n := 0
	for _, s := range ss {
		n += len(*s)
	}
	o := ownStrings{buf: make([]byte, 0, n)}
	for _, s := range ss {
		*s = o.copy(*s)
	}
}

// ownStrings copies strings into one allocation sized beforehand: each
// copy is a view of bytes never written again.
type ownStrings struct{ buf []byte }

func (o *ownStrings) copy(s string) string {
	if s == "" {
		return ""
	}
	at := len(o.buf)
	o.buf = append(o.buf, s...) // within capacity: earlier views stay put
	return unsafe.String(&o.buf[at], len(s))
}

// held is what decoded items share: words and amounts, each kept once
// (up to maxHeld of each; past that they are copied, not shared).
var held = sharedWords{words: map[string]string{}, amounts: map[[2]int64]decimal.Decimal{}}

const maxHeld = 1 << 14

type sharedWords struct {
	mu      sync.Mutex
	words   map[string]string
	amounts map[[2]int64]decimal.Decimal
	// recent are the words last met, by length and end bytes: records
	// are read in key order, so most of a line's words are the previous
	// line's, found by one compare instead of hashing.
	recent [64]string
}

// word is s, shared (a copy, never a view of a record); the caller
// holds mu.
func (h *sharedWords) word(s string) string {
	if s == "" {
		return ""
	}
	last := &h.recent[(len(s)*31+int(s[0])*7+int(s[len(s)-1]))&(len(h.recent)-1)]
	if *last == s {
		return *last
	}
	w, ok := h.words[s]
	if !ok {
		w = strings.Clone(s)
		if len(h.words) < maxHeld {
			h.words[w] = w
		}
	}
	*last = w
	return w
}

// amount is coef×10^exp, one value for every line that holds it (a
// Decimal is immutable: sharing its coefficient is safe); the caller
// holds mu.
func (h *sharedWords) amount(coef int64, exp int32) decimal.Decimal {
	k := [2]int64{coef, int64(exp)}
	if a, ok := h.amounts[k]; ok {
		return a
	}
	a := decimal.New(coef, exp)
	if len(h.amounts) < maxHeld {
		h.amounts[k] = a
	}
	return a
}
