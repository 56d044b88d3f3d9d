package views

import (
	"iter"

	"github.com/sahilm/fuzzy"

	"switchboard/backend"
)

// List is a scrolling list that selects by key: a refresh or a re-sort
// keeps the cursor on the same item, not the same row. Only the visible
// window is ever rendered.
type List[T any] struct {
	all    []T
	shown  []int // indexes into all that pass the filter
	keyOf  func(T) backend.Key
	text   func(T) string // what the filter searches
	sel    backend.Key
	cursor int
	offset int
	height int
	query  string
	// moved: the operator has chosen a row. Until then the cursor stays
	// on the first row as items arrive, instead of following whatever
	// item happened to be first when the pane opened.
	moved bool
}

// NewList makes a list.
func NewList[T any](keyOf func(T) backend.Key, text func(T) string) *List[T] {
	return &List[T]{keyOf: keyOf, text: text, height: 1}
}

// SetItems replaces the items (already in display order), keeping the
// selection on its item; if the item is gone, the cursor stays at the
// same position.
func (l *List[T]) SetItems(items []T) {
	l.all = items
	l.refilter()
}

// SetHeight sets how many rows are visible.
func (l *List[T]) SetHeight(h int) {
	l.height = max(h, 1)
	l.scroll()
}

// SetFilter shows only items matching q (fuzzy); "" shows all.
func (l *List[T]) SetFilter(q string) {
	l.query = q
	l.refilter()
}

// Filter is the current query.
func (l *List[T]) Filter() string { return l.query }

func (l *List[T]) refilter() {
	l.shown = l.shown[:0]
	if l.query == "" {
		for i := range l.all {
			l.shown = append(l.shown, i)
		}
	} else {
		seq := iter.Seq[string](func(yield func(string) bool) {
			for _, it := range l.all {
				if !yield(l.text(it)) {
					return
				}
			}
		})
		for _, m := range fuzzy.FindFromIterNoSort(l.query, seq) {
			l.shown = append(l.shown, m.Index)
		}
	}
	// Follow the selected item.
	found := false
	if !l.moved {
		l.cursor, l.sel = 0, ""
	}
	if l.sel != "" {
		for i, idx := range l.shown {
			if l.keyOf(l.all[idx]) == l.sel {
				l.cursor, found = i, true
				break
			}
		}
	}
	if !found {
		l.cursor = min(l.cursor, len(l.shown)-1)
		l.cursor = max(l.cursor, 0)
		l.remember()
	}
	l.scroll()
}

func (l *List[T]) remember() {
	if len(l.shown) == 0 {
		return
	}
	l.sel = l.keyOf(l.all[l.shown[l.cursor]])
}

func (l *List[T]) scroll() {
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = max(0, min(l.offset, len(l.shown)-l.height))
}

// Move moves the cursor by delta rows.
func (l *List[T]) Move(delta int) {
	if len(l.shown) == 0 {
		return
	}
	l.moved = true
	l.cursor = max(0, min(l.cursor+delta, len(l.shown)-1))
	l.remember()
	l.scroll()
}

// Top selects the first row; Bottom the last.
func (l *List[T]) Top()    { l.Move(-len(l.shown)) }
func (l *List[T]) Bottom() { l.Move(len(l.shown)) }

// Page moves by a screen.
func (l *List[T]) Page(dir int) { l.Move(dir * max(l.height-1, 1)) }

// Select moves the cursor to the item with key k, if shown.
func (l *List[T]) Select(k backend.Key) bool {
	for i, idx := range l.shown {
		if l.keyOf(l.all[idx]) == k {
			l.cursor = i
			l.sel = k
			l.moved = true
			l.scroll()
			return true
		}
	}
	return false
}

// SelectRow selects the row at a visible position (mouse).
func (l *List[T]) SelectRow(row int) {
	if i := l.offset + row; i >= 0 && i < len(l.shown) {
		l.cursor = i
		l.moved = true
		l.remember()
	}
}

// Selected returns the selected item.
func (l *List[T]) Selected() (T, bool) {
	var zero T
	if len(l.shown) == 0 {
		return zero, false
	}
	return l.all[l.shown[l.cursor]], true
}

// SelectedKey is the selected item's key ("" when empty).
func (l *List[T]) SelectedKey() backend.Key {
	if len(l.shown) == 0 {
		return ""
	}
	return l.sel
}

// Len is the number of shown items; Total counts all items.
func (l *List[T]) Len() int   { return len(l.shown) }
func (l *List[T]) Total() int { return len(l.all) }

// Window yields the visible items with their row index and whether each
// is selected.
func (l *List[T]) Window() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		end := min(l.offset+l.height, len(l.shown))
		for i := l.offset; i < end; i++ {
			if !yield(i-l.offset, l.all[l.shown[i]]) {
				return
			}
		}
	}
}

// IsCursor reports whether visible row r is the selected one.
func (l *List[T]) IsCursor(r int) bool { return l.offset+r == l.cursor }

// Position is "3/120" for the pane title.
func (l *List[T]) Position() (int, int) {
	if len(l.shown) == 0 {
		return 0, 0
	}
	return l.cursor + 1, len(l.shown)
}

// rowCache keeps rendered rows by (key, version, width, selected, tick)
// so an unchanged row is never rendered twice.
type rowCache struct {
	m map[backend.Key]cachedRow
}

type cachedRow struct {
	ver  uint64
	w    int
	sel  bool
	tick int64
	s    string
}

func (c *rowCache) get(k backend.Key, ver uint64, w int, sel bool, tick int64) (string, bool) {
	r, ok := c.m[k]
	if !ok || r.ver != ver || r.w != w || r.sel != sel || r.tick != tick {
		return "", false
	}
	return r.s, true
}

func (c *rowCache) put(k backend.Key, ver uint64, w int, sel bool, tick int64, s string) {
	if c.m == nil {
		c.m = map[backend.Key]cachedRow{}
	}
	c.m[k] = cachedRow{ver: ver, w: w, sel: sel, tick: tick, s: s}
}

// reset drops the cache (theme change, many removals).
func (c *rowCache) reset() { c.m = nil }

// trim drops the cache when it holds far more rows than exist.
func (c *rowCache) trim(n int) {
	if len(c.m) > 2*n+64 {
		c.reset()
	}
}

// rowSpec says how to cache and draw one kind of row.
type rowSpec[T any] struct {
	key    func(T) backend.Key
	ver    func(T) uint64
	tick   func(T) int64 // the row's clock resolution: it redraws when this changes
	render func(T, bool) string
}

// visibleRows renders the list's visible window, reusing cached rows.
func visibleRows[T any](l *List[T], c *rowCache, w int, spec rowSpec[T]) []string {
	var out []string
	for r, it := range l.Window() {
		sel := l.IsCursor(r)
		k, v, t := spec.key(it), spec.ver(it), spec.tick(it)
		if s, ok := c.get(k, v, w, sel, t); ok {
			out = append(out, s)
			continue
		}
		s := spec.render(it, sel)
		c.put(k, v, w, sel, t, s)
		out = append(out, s)
	}
	return out
}
