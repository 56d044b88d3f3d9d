package views

import (
	"iter"
	"slices"
	"sort"

	"switchboard/backend"
)

// List is an ordered, filtered, scrolling list that selects by key: a
// refresh or a re-sort keeps the cursor on the same item, not the same
// row, and an untouched cursor stays on the first row as items arrive.
// The list keeps its items in order itself, so a changed item costs a
// binary search and a move, and a filter keystroke reads only the
// items it can change; only the visible window is ever rendered.
type List[T any] struct {
	cmp   func(a, b T) int // the order; 0 only for the same key
	keyOf func(T) backend.Key
	text  func(T) string // what the filter searches (nil: no filter)

	byKey map[backend.Key]*entry[T]
	all   []*entry[T] // in order
	// indexed: every entry's filter text is read. Until the first filter
	// (or Index, which the dashboard calls once it has drawn its first
	// frame) no text is read, so starting up and --print read none.
	indexed bool
	// levels are the filter's queries as typed, each narrowing the one
	// before, with their matches in order: the last one is shown, and a
	// backspace goes back a level instead of reading every item again.
	levels []level[T]
	spare  [][]*entry[T] // arrays of dropped levels, for reuse

	counted func(T) bool // what Count counts (nil: nothing)
	count   int

	sel    backend.Key
	cursor int
	offset int
	height int
	// moved: the operator has chosen a row. Until then the cursor stays
	// on the first row as items arrive, instead of following whatever
	// item happened to be first when the pane opened.
	moved bool
}

// entry is an item with its filter text read once per change.
type entry[T any] struct {
	item T
	text string // itemText of the filter's text
	bits uint64 // byteBits(text)
	gone bool   // leaving in a batch
}

// NewList makes a list ordered by cmp, which must tell apart any two
// items of different keys.
func NewList[T any](keyOf func(T) backend.Key, cmp func(a, b T) int, text func(T) string) *List[T] {
	return &List[T]{keyOf: keyOf, cmp: cmp, text: text, height: 1, byKey: map[backend.Key]*entry[T]{}}
}

// CountWhere makes Count count the items f holds for, kept as they change.
func (l *List[T]) CountWhere(f func(T) bool) {
	l.counted, l.count = f, 0
	for _, e := range l.all {
		l.tally(e.item, 1)
	}
}

// Count is how many items the CountWhere function holds for.
func (l *List[T]) Count() int { return l.count }

func (l *List[T]) tally(it T, d int) {
	if l.counted != nil && l.counted(it) {
		l.count += d
	}
}

// level is a filter query and its matches.
type level[T any] struct {
	query string
	pat   pattern
	shown []*entry[T]
}

// maxLevels bounds the levels kept (a longer query just reads more).
const maxLevels = 16

// view is what the filter lets through, in order.
func (l *List[T]) view() []*entry[T] {
	if len(l.levels) == 0 {
		return l.all
	}
	return l.levels[len(l.levels)-1].shown
}

func (l *List[T]) index(e *entry[T]) {
	if l.indexed && l.text != nil {
		e.text = itemText(l.text(e.item))
		e.bits = byteBits(e.text)
	}
}

// Index reads every item's filter text now, if not yet read.
func (l *List[T]) Index() {
	if l.indexed {
		return
	}
	l.indexed = true
	for _, e := range l.all {
		l.index(e)
	}
}

// Set replaces every item.
func (l *List[T]) Set(items []T) {
	items = slices.Clone(items)
	slices.SortFunc(items, l.cmp)
	// Entries and texts are made in order, so a scan of the list reads
	// memory front to back.
	l.byKey = make(map[backend.Key]*entry[T], len(items))
	l.all = make([]*entry[T], len(items))
	l.count = 0
	for i, it := range items {
		e := &entry[T]{item: it}
		l.index(e)
		l.byKey[l.keyOf(it)] = e
		l.all[i] = e
		l.tally(it, 1)
	}
	for i := range l.levels {
		lv := &l.levels[i]
		lv.shown = matching(lv.pat, l.all, lv.shown[:0])
	}
	l.follow()
}

// Get is the item with key k.
func (l *List[T]) Get(k backend.Key) (T, bool) {
	if e, ok := l.byKey[k]; ok {
		return e.item, true
	}
	var zero T
	return zero, false
}

// batch is how many changes are made one by one; more are merged.
const batch = 32

// Update puts items (new, or replacing the item of the same key) in
// their places and removes the items of the given keys.
func (l *List[T]) Update(put []T, remove []backend.Key) {
	if len(put)+len(remove) > batch {
		l.merge(put, remove)
	} else {
		for _, k := range remove {
			l.remove(k)
		}
		for _, it := range put {
			l.put(it)
		}
	}
	l.follow()
}

// find is e's position in s (which holds it when found).
func (l *List[T]) find(s []*entry[T], it T) (int, bool) {
	return slices.BinarySearchFunc(s, it, func(e *entry[T], t T) int { return l.cmp(e.item, t) })
}

func (l *List[T]) remove(k backend.Key) {
	e, ok := l.byKey[k]
	if !ok {
		return
	}
	delete(l.byKey, k)
	l.tally(e.item, -1)
	if i, ok := l.find(l.all, e.item); ok {
		l.all = slices.Delete(l.all, i, i+1)
	}
	for i := range l.levels {
		lv := &l.levels[i]
		if j, ok := l.find(lv.shown, e.item); ok {
			lv.shown = slices.Delete(lv.shown, j, j+1)
		}
	}
}

func (l *List[T]) put(it T) {
	k := l.keyOf(it)
	e, ok := l.byKey[k]
	l.tally(it, 1)
	if !ok {
		e = &entry[T]{item: it}
		l.index(e)
		l.byKey[k] = e
		i, _ := l.find(l.all, it)
		l.all = slices.Insert(l.all, i, e)
		for i := range l.levels {
			if lv := &l.levels[i]; lv.pat.matches(e.text, e.bits) {
				j, _ := l.find(lv.shown, it)
				lv.shown = slices.Insert(lv.shown, j, e)
			}
		}
		return
	}
	// Find it by its old item in every array, then re-place it.
	i, _ := l.find(l.all, e.item)
	was := make([]int, len(l.levels))
	for j := range l.levels {
		if at, ok := l.find(l.levels[j].shown, e.item); ok {
			was[j] = at
		} else {
			was[j] = -1
		}
	}
	l.tally(e.item, -1)
	e.item = it
	l.index(e)
	l.moveInto(l.all, i)
	for j := range l.levels {
		lv := &l.levels[j]
		is := lv.pat.matches(e.text, e.bits)
		switch {
		case was[j] >= 0 && is:
			l.moveInto(lv.shown, was[j])
		case was[j] >= 0:
			lv.shown = slices.Delete(lv.shown, was[j], was[j]+1)
		case is:
			at, _ := l.find(lv.shown, it)
			lv.shown = slices.Insert(lv.shown, at, e)
		}
	}
}

// moveInto moves s[i], whose item changed, to its place, shifting only
// the entries between its old and new place.
func (l *List[T]) moveInto(s []*entry[T], i int) {
	e := s[i]
	j := sort.Search(len(s)-1, func(k int) bool {
		if k >= i {
			k++
		}
		return l.cmp(s[k].item, e.item) > 0
	})
	if j < i {
		copy(s[j+1:i+1], s[j:i])
	} else {
		copy(s[i:j], s[i+1:j+1])
	}
	s[j] = e
}

// merge applies many changes at once: drop what changed in one pass,
// sort the changes, merge them in.
func (l *List[T]) merge(put []T, remove []backend.Key) {
	for _, k := range remove {
		if e, ok := l.byKey[k]; ok {
			e.gone = true
			delete(l.byKey, k)
			l.tally(e.item, -1)
		}
	}
	fresh := make([]*entry[T], 0, len(put))
	for _, it := range put {
		k := l.keyOf(it)
		e, ok := l.byKey[k]
		if !ok {
			e = &entry[T]{}
			l.byKey[k] = e
		}
		if !e.gone { // queued once, with its last item; placed ones leave their place first
			fresh = append(fresh, e)
			e.gone = true
		}
		if ok {
			l.tally(e.item, -1)
		}
		l.tally(it, 1)
		e.item = it
		l.index(e)
	}
	gone := func(e *entry[T]) bool { return e.gone }
	all := slices.DeleteFunc(l.all, gone)
	levels := make([][]*entry[T], len(l.levels))
	for i := range l.levels {
		levels[i] = slices.DeleteFunc(l.levels[i].shown, gone)
	}
	for _, e := range fresh {
		e.gone = false
	}
	slices.SortFunc(fresh, func(a, b *entry[T]) int { return l.cmp(a.item, b.item) })
	l.all = l.mergeInto(all, fresh)
	for i := range l.levels {
		lv := &l.levels[i]
		lv.shown = l.mergeInto(levels[i], matching(lv.pat, fresh, nil))
	}
}

// mergeInto merges sorted add into sorted s, in place from the back.
func (l *List[T]) mergeInto(s, add []*entry[T]) []*entry[T] {
	n := len(s)
	s = slices.Grow(s, len(add))[:n+len(add)]
	i, j := n-1, len(add)-1
	for k := len(s) - 1; j >= 0; k-- {
		if i >= 0 && l.cmp(s[i].item, add[j].item) > 0 {
			s[k] = s[i]
			i--
		} else {
			s[k] = add[j]
			j--
		}
	}
	return s
}

// matching appends the entries of src that p matches to dst.
func matching[T any](p pattern, src, dst []*entry[T]) []*entry[T] {
	for _, e := range src {
		if p.matches(e.text, e.bits) {
			dst = append(dst, e)
		}
	}
	return dst
}

// SetHeight sets how many rows are visible.
func (l *List[T]) SetHeight(h int) {
	l.height = max(h, 1)
	l.scroll()
}

// SetFilter shows only items matching q (fuzzy); "" shows all. A query
// typed further reads only the last one's matches; erasing back to an
// earlier query shows its matches again without reading anything.
func (l *List[T]) SetFilter(q string) {
	if q == l.Filter() {
		return
	}
	if q == "" {
		l.truncate(0)
		l.follow()
		return
	}
	l.Index()
	// Back to the deepest level q is, or narrows.
	from := -1
	for i := len(l.levels) - 1; i >= 0 && from < 0; i-- {
		switch {
		case l.levels[i].query == q:
			l.truncate(i + 1)
			l.follow()
			return
		case narrows(l.levels[i].query, q):
			from = i
		}
	}
	l.truncate(from + 1)
	src := l.all
	if from >= 0 {
		src = l.levels[from].shown
	}
	if len(l.levels) == maxLevels {
		l.levels = slices.Delete(l.levels, 0, 1)
	}
	var buf []*entry[T]
	if n := len(l.spare); n > 0 {
		buf, l.spare = l.spare[n-1], l.spare[:n-1]
	} else {
		buf = make([]*entry[T], 0, len(src))
	}
	p := compile(q)
	l.levels = append(l.levels, level[T]{query: q, pat: p, shown: matching(p, src, buf)})
	l.follow()
}

// truncate keeps the first n levels; the arrays of the others are
// reused (a scan allocating its result at every keystroke would make
// the collector mark every item each time).
func (l *List[T]) truncate(n int) {
	for _, lv := range l.levels[n:] {
		if len(l.spare) < maxSpare {
			clear(lv.shown)
			l.spare = append(l.spare, lv.shown[:0])
		}
	}
	clear(l.levels[n:])
	l.levels = l.levels[:n]
}

// maxSpare bounds the arrays kept for reuse.
const maxSpare = 4

// Filter is the current query.
func (l *List[T]) Filter() string {
	if len(l.levels) == 0 {
		return ""
	}
	return l.levels[len(l.levels)-1].query
}

// follow keeps the cursor on the selected item after a change.
func (l *List[T]) follow() {
	v := l.view()
	found := false
	if !l.moved {
		l.cursor, l.sel = 0, ""
	}
	if e, ok := l.byKey[l.sel]; ok && l.sel != "" {
		if i, ok := l.find(v, e.item); ok {
			l.cursor, found = i, true
		}
	}
	if !found {
		l.cursor = max(min(l.cursor, len(v)-1), 0)
		l.remember()
	}
	l.scroll()
}

func (l *List[T]) remember() {
	if v := l.view(); len(v) > 0 {
		l.sel = l.keyOf(v[l.cursor].item)
	}
}

func (l *List[T]) scroll() {
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = max(0, min(l.offset, len(l.view())-l.height))
}

// Move moves the cursor by delta rows.
func (l *List[T]) Move(delta int) {
	v := l.view()
	if len(v) == 0 {
		return
	}
	l.moved = true
	l.cursor = max(0, min(l.cursor+delta, len(v)-1))
	l.remember()
	l.scroll()
}

// Top selects the first row; Bottom the last.
func (l *List[T]) Top()    { l.Move(-len(l.view())) }
func (l *List[T]) Bottom() { l.Move(len(l.view())) }

// Page moves by a screen.
func (l *List[T]) Page(dir int) { l.Move(dir * max(l.height-1, 1)) }

// Select moves the cursor to the item with key k, if shown.
func (l *List[T]) Select(k backend.Key) bool {
	e, ok := l.byKey[k]
	if !ok {
		return false
	}
	i, found := l.find(l.view(), e.item)
	if !found {
		return false
	}
	l.cursor, l.sel, l.moved = i, k, true
	l.scroll()
	return true
}

// SelectRow selects the row at a visible position (mouse).
func (l *List[T]) SelectRow(row int) {
	if i := l.offset + row; i >= 0 && i < len(l.view()) {
		l.cursor = i
		l.moved = true
		l.remember()
	}
}

// Selected returns the selected item.
func (l *List[T]) Selected() (T, bool) {
	v := l.view()
	if len(v) == 0 {
		var zero T
		return zero, false
	}
	return v[l.cursor].item, true
}

// SelectedKey is the selected item's key ("" when empty).
func (l *List[T]) SelectedKey() backend.Key {
	if len(l.view()) == 0 {
		return ""
	}
	return l.sel
}

// Len is the number of shown items; Total counts all items.
func (l *List[T]) Len() int   { return len(l.view()) }
func (l *List[T]) Total() int { return len(l.all) }

// Window yields the visible items with their row index.
func (l *List[T]) Window() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		v := l.view()
		end := min(l.offset+l.height, len(v))
		for i := l.offset; i < end; i++ {
			if !yield(i-l.offset, v[i].item) {
				return
			}
		}
	}
}

// All yields every item in order, shown or not (stop early to read the
// head).
func (l *List[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, e := range l.all {
			if !yield(e.item) {
				return
			}
		}
	}
}

// IsCursor reports whether visible row r is the selected one.
func (l *List[T]) IsCursor(r int) bool { return l.offset+r == l.cursor }

// Position is "3/120" for the pane title.
func (l *List[T]) Position() (int, int) {
	if n := len(l.view()); n > 0 {
		return l.cursor + 1, n
	}
	return 0, 0
}

// sortOut splits an event's changed items into the places of those still
// held (place says) and the keys of the others, added to gone.
func sortOut[I, R any](changed []I, gone []backend.Key, key func(I) backend.Key, place func(backend.Key) (R, bool)) ([]R, []backend.Key) {
	var put []R
	gone = slices.Clip(gone) // the event's own slice is not to be written
	for _, it := range changed {
		if r, ok := place(key(it)); ok {
			put = append(put, r)
		} else {
			gone = append(gone, key(it))
		}
	}
	return put, gone
}
