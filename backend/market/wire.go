package market

// wire.go is the tolerant JSON machinery: it reads any body into a generic
// tree and pulls values out of it by one of several names, coercing
// numbers-as-strings and strings-as-numbers. It knows no field names of its
// own; every name and shape it is asked for comes from shapes.go.

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/sanitize"
)

// parseJSON reads a body into a tree of map[string]any, []any, string,
// json.Number, bool and nil.
func parseJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	// Trailing garbage after the value means the body is not what we think.
	if d.More() {
		return nil, errTrailing
	}
	return v, nil
}

type wireError string

func (e wireError) Error() string { return string(e) }

const errTrailing = wireError("unexpected data after the JSON value")

// maxFoldKeys bounds the objects searched case-insensitively.
const maxFoldKeys = 64

// obj is one JSON object of an answer.
type obj map[string]any

func asObj(v any) (obj, bool) {
	switch m := v.(type) {
	case map[string]any:
		return obj(m), m != nil
	case obj:
		return m, m != nil
	}
	return nil, false
}

// get returns the first present, non-null value among names: an exact key
// first, then a key that differs only in case.
func (o obj) get(names []string) (any, bool) {
	if o == nil {
		return nil, false
	}
	for _, n := range names {
		if v, ok := o[n]; ok && v != nil {
			return v, true
		}
	}
	// Case-insensitive fallback; the smallest matching key wins so the
	// answer does not depend on map order. Real objects are small; a huge
	// one gets exact keys only, keeping decoding linear.
	if len(o) > maxFoldKeys {
		return nil, false
	}
	for _, n := range names {
		best := ""
		for k, v := range o {
			if v != nil && strings.EqualFold(k, n) && (best == "" || k < best) {
				best = k
			}
		}
		if best != "" {
			return o[best], true
		}
	}
	return nil, false
}

// rawString is a scalar rendered as text (numbers as written, booleans as
// true/false); objects and lists are not strings.
func rawString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	}
	return "", false
}

// str is a one-line, sanitized string value.
func (o obj) str(names []string) string {
	v, ok := o.get(names)
	if !ok {
		return ""
	}
	s, _ := rawString(v)
	return strings.TrimSpace(sanitize.Line(s))
}

// text is a multi-line, sanitized string value (SMS bodies).
func (o obj) text(names []string) string {
	v, ok := o.get(names)
	if !ok {
		return ""
	}
	s, _ := rawString(v)
	return strings.TrimSpace(sanitize.Text(s))
}

// raw is an unsanitized scalar, for values that are sanitized by a
// stricter rule afterwards (codes through sanitize.Code) or only parsed.
func (o obj) raw(names []string) string {
	v, ok := o.get(names)
	if !ok {
		return ""
	}
	s, _ := rawString(v)
	return strings.TrimSpace(s)
}

// named reads a value that may be a plain string or an object carrying a
// name (e.g. "service": "WhatsApp" or "service": {"id": 3, "name": "WhatsApp"}).
func (o obj) named(names, inner []string) string {
	v, ok := o.get(names)
	if !ok {
		return ""
	}
	if c, ok := asObj(v); ok {
		return c.str(inner)
	}
	s, _ := rawString(v)
	return strings.TrimSpace(sanitize.Line(s))
}

// child is a nested object.
func (o obj) child(names []string) obj {
	v, ok := o.get(names)
	if !ok {
		return nil
	}
	c, _ := asObj(v)
	return c
}

// amount is a decimal given as a number or a string, read strictly by
// backend.ParseAmount once a currency sign or code around it is dropped
// ("₦1.500,00", "1500.00 NGN"). An amount that reads two ways ("1,500":
// 1500 or 1.5) is no amount at all, never a guess.
func (o obj) amount(names []string) (decimal.Decimal, bool) {
	v, ok := o.get(names)
	if !ok {
		return decimal.Decimal{}, false
	}
	if c, ok := asObj(v); ok { // {"amount": "12.00", "currency": "NGN"}
		return c.amount(moneyAmountInner)
	}
	s, ok := rawString(v)
	if !ok {
		return decimal.Decimal{}, false
	}
	d, err := backend.ParseAmount(strings.TrimFunc(s, func(r rune) bool { return !amountRune(r) }))
	return d, err == nil
}

// amountRune is a rune that may be part of an amount as written: digits,
// separators and a sign.
func amountRune(r rune) bool {
	return r >= '0' && r <= '9' || r == '.' || r == ',' || r == ' ' || r == '-'
}

// integer is a whole number given as a number or a string.
func (o obj) integer(names []string) (int, bool) {
	v, ok := o.get(names)
	if !ok {
		return 0, false
	}
	s, ok := rawString(v)
	if !ok {
		return 0, false
	}
	return parseInt(s)
}

func parseInt(s string) (int, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt32 || n < math.MinInt32 {
			return 0, false
		}
		return int(n), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && math.Abs(f) < math.MaxInt32 {
		return int(f), true
	}
	return 0, false
}

// boolean is true/false given as a boolean, a number or a word.
func (o obj) boolean(names []string) (value, ok bool) {
	v, ok := o.get(names)
	if !ok {
		return false, false
	}
	s, ok := rawString(v)
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y", "on":
		return true, true
	case "false", "0", "no", "n", "off", "":
		return false, true
	}
	return false, false
}

// when is a timestamp: RFC 3339 with or without fractional seconds, the
// layouts in timeLayouts (read as UTC when they carry no zone), or Unix
// seconds / milliseconds. Zero when absent or unreadable.
func (o obj) when(names []string) time.Time {
	v, ok := o.get(names)
	if !ok {
		return time.Time{}
	}
	s, ok := rawString(v)
	if !ok {
		return time.Time{}
	}
	return parseTime(s)
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 { // milliseconds
			return time.UnixMilli(n).UTC()
		}
		if n > 1e8 {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Time{}
}

// --- envelopes, lists and pages -------------------------------------------

// unwrap strips a {success, data} envelope (see envelope* in shapes.go).
func unwrap(v any) any {
	o, ok := asObj(v)
	if !ok {
		return v
	}
	if _, has := o.get(envelopeFlag); !has {
		return v
	}
	if d, has := o.get(envelopeData); has {
		return d
	}
	return v
}

// Page is what a listing says about its pagination. Known is false when
// the answer carried none (a bare list).
type Page struct {
	Current, Last, PerPage, Total int
	HasNext                       bool
	Known                         bool
}

func readPage(o obj) Page {
	var p Page
	for _, src := range []obj{o, o.child(pageMetaKeys)} {
		if src == nil {
			continue
		}
		if n, ok := src.integer(pageCurrent); ok {
			p.Current, p.Known = n, true
		}
		if n, ok := src.integer(pageLast); ok {
			p.Last, p.Known = n, true
		}
		if n, ok := src.integer(pagePer); ok {
			p.PerPage = n
		}
		if n, ok := src.integer(pageTotal); ok {
			p.Total = n
		}
		if next := src.raw(pageNext); next != "" {
			p.HasNext, p.Known = true, true
		}
		if links := src.child(pageLinksKeys); links != nil {
			if next := links.raw(pageNext); next != "" {
				p.HasNext, p.Known = true, true
			}
		}
	}
	if p.Last > 0 && p.Current > 0 && p.Current < p.Last {
		p.HasNext = true
	}
	return p
}

func (p Page) merge(inner Page) Page {
	if !inner.Known {
		if inner.PerPage > 0 && p.PerPage == 0 {
			p.PerPage = inner.PerPage
		}
		return p
	}
	return inner
}

// listOf finds the list in an answer: the value itself when it is a list,
// else the first key of keys holding a list, searched through envelopes
// and paginator objects (e.g. {"success":true,"data":{"current_page":1,
// "data":[…]}}). A PHP array that came out as an object keyed by id
// ({"12": {…}, "13": {…}}) counts as a list. The Page is the pagination
// meta found on the way.
func listOf(v any, keys []string) ([]any, Page, bool) {
	return listAt(v, keys, 0)
}

func listAt(v any, keys []string, depth int) ([]any, Page, bool) {
	if depth > 4 {
		return nil, Page{}, false
	}
	if l, ok := v.([]any); ok {
		return l, Page{}, true
	}
	o, ok := asObj(v)
	if !ok {
		return nil, Page{}, false
	}
	page := readPage(o)
	for _, k := range keys {
		c, ok := o.get([]string{k})
		if !ok {
			continue
		}
		if l, ok := c.([]any); ok {
			return l, page, true
		}
		if inner, ok := asObj(c); ok {
			if l, ip, ok := listAt(inner, keys, depth+1); ok {
				return l, page.merge(ip), true
			}
		}
	}
	if l, ok := keyedList(o); ok {
		return l, page, true
	}
	return nil, page, false
}

// keyedList reads {"12": {…}, "13": {…}} as a list ordered by key, adding
// the key as "id" where the object has none.
func keyedList(o obj) ([]any, bool) {
	if len(o) == 0 {
		return nil, false
	}
	type kv struct {
		n int
		k string
		v map[string]any
	}
	var items []kv
	for k, v := range o {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, false
		}
		m, ok := asObj(v)
		if !ok {
			return nil, false
		}
		items = append(items, kv{n, k, m})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].n < items[j].n })
	out := make([]any, 0, len(items))
	for _, it := range items {
		if _, has := obj(it.v).get(keyedListID); !has {
			c := make(map[string]any, len(it.v)+1)
			for k, v := range it.v {
				c[k] = v
			}
			c[keyedListID[0]] = it.k
			it.v = c
		}
		out = append(out, it.v)
	}
	return out, true
}

// objectOf finds the single object an answer is about: after any envelope,
// it descends through the container keys (e.g. {"data": {"order": {…}}}).
func objectOf(v any, keys []string) (obj, bool) {
	o, ok := asObj(unwrap(v))
	if !ok {
		return nil, false
	}
	for depth := 0; depth < 4; depth++ {
		next := obj(nil)
		for _, k := range keys {
			if c := o.child([]string{k}); c != nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		o = next
	}
	return o, true
}

// objects keeps the objects of a list; scalar items become {"name": s}
// style objects through the given key so string lists decode too.
func objects(l []any, scalarKey string) []obj {
	out := make([]obj, 0, len(l))
	for _, it := range l {
		if o, ok := asObj(it); ok {
			out = append(out, o)
			continue
		}
		if s, ok := rawString(it); ok && scalarKey != "" {
			out = append(out, obj{scalarKey: s})
		}
	}
	return out
}
