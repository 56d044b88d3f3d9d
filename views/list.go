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
	text  func(T) searchable // what the filter reads (nil: no filter)

	byKey map[backend.Key]*entry[T]
	all   []*entry[T] // in order
	// words are the field texts as read, each with its folded array,
	// which every entry of the same four shares: a few hundred arrays for
	// 100,000 lines instead of one each. Set starts them again.
	words map[[numFields]string]*[numFields]string
	whole runs[T] // all, as the unfiltered view
	// indexed: filter texts are wanted, so a changed entry's is read at
	// once. Until the filter prompt opens (or closed items are hidden) no
	// text is read: a screen that never filters holds none (≈ 70 bytes a
	// line at 100,000 lines). IndexSome then reads them a slice at a time
	// between keystrokes; read says every entry's is read.
	indexed, read bool
	unread        int // where IndexSome goes on in all
	// levels are the filter's queries as typed, each narrowing the one
	// before, with their matches ranked: the last one is shown, and a
	// backspace goes back a level instead of reading every item again.
	// While closed items are hidden, the first level is the query ""
	// that hides them.
	levels []level[T]
	hide   bool
	spare  [][]*entry[T] // arrays of dropped levels, for reuse
	ranks  []int8        // scratch: the ranks of a level's source
	merged []*entry[T]   // scratch: a run being merged

	counted func(T) bool // what Count counts (nil: nothing)
	count   int
	// unplaced counts the items SetHead left out of the order (the
	// first frame's tail): they count in Len and Total until Set.
	unplaced int

	marks map[backend.Key]bool // picked for a bulk action

	sel    backend.Key
	cursor int
	offset int
	height int
	// moved: the operator has chosen a row. Until then the cursor stays
	// on the first row (the best match, while filtering) as items
	// arrive, instead of following whatever item happened to be first.
	moved bool
}

// entry is an item with its filter text read once per change. What a
// filter scan reads comes first, in one cache line.
type entry[T any] struct {
	bits   uint64 // byteBits(text)
	text   string // the folded name and words (joinText)
	name   int32  // where the name ends in text
	closed bool
	gone   bool               // leaving in a batch
	fields *[numFields]string // folded, shared (List.words)
	item   T
}

// NewList makes a list ordered by cmp, which must tell apart any two
// items of different keys.
func NewList[T any](keyOf func(T) backend.Key, cmp func(a, b T) int, text func(T) searchable) *List[T] {
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

// level is a filter query and its matches, one run per rank, each run
// in the list's order.
type level[T any] struct {
	query string
	pat   pattern
	runs  runs[T]
	buf   []*entry[T] // the array the runs were cut from
}

// runs are what a view shows: its ranks one after another.
type runs[T any] [numRanks][]*entry[T]

func (v *runs[T]) len() int {
	n := 0
	for _, r := range v {
		n += len(r)
	}
	return n
}

// at is the i-th entry shown.
func (v *runs[T]) at(i int) *entry[T] {
	for _, r := range v {
		if i < len(r) {
			return r[i]
		}
		i -= len(r)
	}
	return nil
}

// maxLevels bounds the levels kept (a longer query just reads more).
const maxLevels = 16

// view is what the filter lets through, best rank first.
func (l *List[T]) view() *runs[T] {
	if n := len(l.levels); n > 0 {
		return &l.levels[n-1].runs
	}
	l.whole[0] = l.all
	return &l.whole
}

// rank is e's rank at a level (-1: not shown).
func (lv *level[T]) rank(e *entry[T]) int {
	return lv.pat.rank(e.text, int(e.name), e.fields, e.bits, e.closed)
}

func (l *List[T]) index(e *entry[T]) {
	if l.indexed && l.text != nil {
		s := l.text(e.item)
		var name int
		e.text, name = joinText(s.name, s.rest)
		e.name = int32(name)
		e.bits = byteBits(e.text)
		e.fields = l.folded(s.fields)
		e.closed = s.closed
	}
}

// folded is the shared folded array of the field texts raw.
func (l *List[T]) folded(raw [numFields]string) *[numFields]string {
	if f, ok := l.words[raw]; ok {
		return f
	}
	f := new([numFields]string)
	for i, s := range raw {
		f[i] = foldText(s)
	}
	if l.words == nil {
		l.words = map[[numFields]string]*[numFields]string{}
	}
	l.words[raw] = f
	return f
}

// Index reads every item's filter text now, if not yet read.
func (l *List[T]) Index() { l.IndexSome(len(l.all)) }

// IndexSome reads up to n more unread filter texts, so a large list's
// are read in slices the keys can come between; it reports whether
// every one is read. An entry placed or changed meanwhile is read as it
// comes; one moved behind the slices is caught by the last pass.
func (l *List[T]) IndexSome(n int) bool {
	if l.read {
		return true
	}
	l.indexed = true
	for ; l.unread < len(l.all) && n > 0; l.unread++ {
		if e := l.all[l.unread]; e.fields == nil {
			l.index(e)
			n--
		}
	}
	if l.unread < len(l.all) {
		return false
	}
	for _, e := range l.all {
		if e.fields == nil {
			l.index(e)
		}
	}
	l.read = true
	return true
}

// SetHead is Set for a first frame: every item is counted, only the
// first n in order are placed — without sorting, or even holding, them
// all. Set places them all later.
func (l *List[T]) SetHead(items iter.Seq[T], n int) {
	if n <= 0 {
		l.Set(slices.Collect(items))
		return
	}
	total, count := 0, 0
	head := firstN(func(yield func(T) bool) {
		for it := range items {
			total++
			if l.counted != nil && l.counted(it) {
				count++
			}
			if !yield(it) {
				return
			}
		}
	}, n, l.cmp)
	l.Set(head)
	l.unplaced, l.count = total-len(head), count
}

// firstN is the first n items in cmp's order (all, when fewer), sorted:
// candidates gather up to 2n, then are cut to the best n, whose last
// then turns away every item not ahead of it.
func firstN[T any](items iter.Seq[T], n int, cmp func(a, b T) int) []T {
	top := make([]T, 0, 2*n)
	cut := false
	for it := range items {
		if cut && cmp(it, top[n-1]) >= 0 {
			continue
		}
		top = append(top, it)
		if len(top) == cap(top) {
			slices.SortFunc(top, cmp)
			top, cut = top[:n], true
		}
	}
	slices.SortFunc(top, cmp)
	return top[:min(n, len(top))]
}

// Set replaces every item.
func (l *List[T]) Set(items []T) {
	l.unplaced = 0
	items = slices.Clone(items)
	slices.SortFunc(items, l.cmp)
	// Entries and texts are made in order, so a scan of the list reads
	// memory front to back.
	l.byKey = make(map[backend.Key]*entry[T], len(items))
	l.all = make([]*entry[T], len(items))
	l.words = nil
	l.count = 0
	for i, it := range items {
		e := &entry[T]{item: it}
		l.index(e)
		l.byKey[l.keyOf(it)] = e
		l.all[i] = e
		l.tally(it, 1)
	}
	for k := range l.marks {
		if _, ok := l.byKey[k]; !ok {
			delete(l.marks, k)
		}
	}
	l.refilter()
}

// refilter reads every level again from every item.
func (l *List[T]) refilter() {
	whole := runs[T]{l.all}
	for i := range l.levels {
		l.fill(&l.levels[i], &whole)
	}
	l.follow()
}

// SetOrder orders the list by cmp from now on.
func (l *List[T]) SetOrder(cmp func(a, b T) int) {
	l.cmp = cmp
	byItem := func(a, b *entry[T]) int { return cmp(a.item, b.item) }
	slices.SortFunc(l.all, byItem)
	for i := range l.levels {
		for _, r := range l.levels[i].runs {
			slices.SortFunc(r, byItem)
		}
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

// find is it's position in s (which holds it when found).
func (l *List[T]) find(s []*entry[T], it T) (int, bool) {
	return slices.BinarySearchFunc(s, it, func(e *entry[T], t T) int { return l.cmp(e.item, t) })
}

// locate is which run of v holds it, and where.
func (l *List[T]) locate(v *runs[T], it T) (run, i int) {
	for r := range v {
		if i, ok := l.find(v[r], it); ok {
			return r, i
		}
	}
	return -1, -1
}

// position is it's row in v.
func (l *List[T]) position(v *runs[T], it T) (int, bool) {
	r, i := l.locate(v, it)
	if r < 0 {
		return 0, false
	}
	for _, before := range v[:r] {
		i += len(before)
	}
	return i, true
}

func (l *List[T]) remove(k backend.Key) {
	e, ok := l.byKey[k]
	if !ok {
		return
	}
	delete(l.byKey, k)
	delete(l.marks, k)
	l.tally(e.item, -1)
	if i, ok := l.find(l.all, e.item); ok {
		l.all = slices.Delete(l.all, i, i+1)
	}
	for i := range l.levels {
		v := &l.levels[i].runs
		if r, j := l.locate(v, e.item); r >= 0 {
			v[r] = slices.Delete(v[r], j, j+1)
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
			l.insert(&l.levels[i], e)
		}
		return
	}
	// Find it by its old item in every array, then re-place it.
	i, _ := l.find(l.all, e.item)
	type place struct{ run, at int }
	was := make([]place, len(l.levels))
	for j := range l.levels {
		r, at := l.locate(&l.levels[j].runs, e.item)
		was[j] = place{r, at}
	}
	l.tally(e.item, -1)
	e.item = it
	l.index(e)
	l.moveInto(l.all, i)
	for j := range l.levels {
		lv := &l.levels[j]
		r, w := lv.rank(e), was[j]
		switch {
		case w.run >= 0 && w.run == r:
			l.moveInto(lv.runs[r], w.at)
		case w.run >= 0:
			lv.runs[w.run] = slices.Delete(lv.runs[w.run], w.at, w.at+1)
			l.insert(lv, e)
		default:
			l.insert(lv, e)
		}
	}
}

// insert puts e in its run at a level, if it matches.
func (l *List[T]) insert(lv *level[T], e *entry[T]) {
	if r := lv.rank(e); r >= 0 {
		at, _ := l.find(lv.runs[r], e.item)
		lv.runs[r] = slices.Insert(lv.runs[r], at, e)
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
			delete(l.marks, k)
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
	for i := range l.levels {
		for r, run := range l.levels[i].runs {
			l.levels[i].runs[r] = slices.DeleteFunc(run, gone)
		}
	}
	for _, e := range fresh {
		e.gone = false
	}
	slices.SortFunc(fresh, func(a, b *entry[T]) int { return l.cmp(a.item, b.item) })
	l.all = l.mergeInto(all, fresh)
	var add runs[T]
	for i := range l.levels {
		lv := &l.levels[i]
		for r := range add {
			add[r] = add[r][:0]
		}
		for _, e := range fresh {
			if r := lv.rank(e); r >= 0 {
				add[r] = append(add[r], e)
			}
		}
		for r := range add {
			lv.runs[r] = l.mergeInto(lv.runs[r], add[r])
		}
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

// fill ranks the entries of src (runs in order) into lv's runs: each
// rank's entries come from up to every run of src, each part in order,
// merged as they come.
func (l *List[T]) fill(lv *level[T], src *runs[T]) {
	n := src.len()
	if cap(l.ranks) < n {
		l.ranks = make([]int8, n)
	}
	ranks := l.ranks[:n]
	var count [numRanks]int
	i := 0
	for _, run := range src {
		for _, e := range run {
			r := lv.rank(e)
			ranks[i] = int8(r)
			if r >= 0 {
				count[r]++
			}
			i++
		}
	}
	total := 0
	for _, c := range count {
		total += c
	}
	if cap(lv.buf) < total {
		lv.buf = make([]*entry[T], total)
	}
	lv.buf = lv.buf[:total]
	at := 0
	for r, c := range count {
		lv.runs[r] = lv.buf[at : at : at+c]
		at += c
	}
	i = 0
	for _, run := range src {
		var start [numRanks]int
		for r := range start {
			start[r] = len(lv.runs[r])
		}
		for _, e := range run {
			if r := ranks[i]; r >= 0 {
				lv.runs[r] = append(lv.runs[r], e)
			}
			i++
		}
		for r, s := range start {
			if s > 0 && len(lv.runs[r]) > s {
				l.merged = append(l.merged[:0], lv.runs[r][s:]...)
				lv.runs[r] = l.mergeInto(lv.runs[r][:s], l.merged)
			}
		}
	}
	clear(l.merged[:cap(l.merged)])
}

// SetHeight sets how many rows are visible.
func (l *List[T]) SetHeight(h int) {
	l.height = max(h, 1)
	l.scroll()
}

// SetFilter shows only the items matching q, best match first, with the
// cursor on the best; "" shows all. A query typed further reads only the
// last one's matches; erasing back to an earlier query shows its matches
// again without reading anything.
func (l *List[T]) SetFilter(q string) {
	if q == l.Filter() {
		return
	}
	base := l.base()
	if q == "" { // the cursor stays on its item
		l.truncate(base)
		l.follow()
		return
	}
	l.moved = false // on the best match, until the operator picks a row
	l.Index()
	// Back to the deepest level q is, or narrows.
	from := base - 1
	for i := len(l.levels) - 1; i >= base && from < base; i-- {
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
	src := &runs[T]{l.all}
	if from >= 0 {
		src = &l.levels[from].runs
	}
	if len(l.levels) == maxLevels {
		l.levels = slices.Delete(l.levels, base, base+1)
		src = &l.levels[len(l.levels)-1].runs
	}
	l.push(q, src)
	l.follow()
}

// push adds a level for q, read from src.
func (l *List[T]) push(q string, src *runs[T]) {
	lv := level[T]{query: q, pat: compile(q)}
	lv.pat.open = l.hide
	need := src.len()
	for i, b := range l.spare { // the smallest array that holds every match
		if cap(b) >= need && (lv.buf == nil || cap(b) < cap(lv.buf)) {
			lv.buf = b
			l.spare = slices.Delete(l.spare, i, i+1)
			break
		}
	}
	if lv.buf == nil {
		lv.buf = make([]*entry[T], 0, need)
	}
	// src may be an earlier level's: fill before appending moves levels.
	l.fill(&lv, src)
	l.levels = append(l.levels, lv)
}

// base is how many levels come before the operator's queries.
func (l *List[T]) base() int {
	if l.hide {
		return 1
	}
	return 0
}

// HideClosed leaves closed items (finished, expired) out of the list, or
// shows them again.
func (l *List[T]) HideClosed(on bool) {
	if on == l.hide {
		return
	}
	q := l.Filter()
	l.truncate(0)
	l.hide = on
	if on {
		l.Index()
		l.push("", &runs[T]{l.all})
	}
	if q != "" {
		moved := l.moved
		l.SetFilter(q)
		l.moved = moved
	}
	l.follow()
}

// Hidden reports whether closed items are hidden.
func (l *List[T]) Hidden() bool { return l.hide }

// truncate keeps the first n levels; the arrays of the others are
// reused (a scan allocating its result at every keystroke would make
// the collector mark every item each time).
func (l *List[T]) truncate(n int) {
	for _, lv := range l.levels[n:] {
		if len(l.spare) < maxSpare {
			clear(lv.buf[:cap(lv.buf)])
			l.spare = append(l.spare, lv.buf[:0])
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
		if i, ok := l.position(v, e.item); ok {
			l.cursor, found = i, true
		}
	}
	if !found {
		l.cursor = max(min(l.cursor, v.len()-1), 0)
		l.remember()
	}
	l.scroll()
}

func (l *List[T]) remember() {
	if e := l.view().at(l.cursor); e != nil {
		l.sel = l.keyOf(e.item)
	}
}

func (l *List[T]) scroll() {
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = max(0, min(l.offset, l.view().len()-l.height))
}

// Move moves the cursor by delta rows.
func (l *List[T]) Move(delta int) {
	n := l.view().len()
	if n == 0 {
		return
	}
	l.moved = true
	l.cursor = max(0, min(l.cursor+delta, n-1))
	l.remember()
	l.scroll()
}

// Top selects the first row (the best match, while filtering); Bottom
// the last.
func (l *List[T]) Top()    { l.Move(-l.view().len()) }
func (l *List[T]) Bottom() { l.Move(l.view().len()) }

// Page moves by a screen.
func (l *List[T]) Page(dir int) { l.Move(dir * max(l.height-1, 1)) }

// Select moves the cursor to the item with key k, if shown.
func (l *List[T]) Select(k backend.Key) bool {
	e, ok := l.byKey[k]
	if !ok {
		return false
	}
	i, found := l.position(l.view(), e.item)
	if !found {
		return false
	}
	l.cursor, l.sel, l.moved = i, k, true
	l.scroll()
	return true
}

// SelectRow selects the row at a visible position (mouse).
func (l *List[T]) SelectRow(row int) {
	if i := l.offset + row; i >= 0 && i < l.view().len() {
		l.cursor = i
		l.moved = true
		l.remember()
	}
}

// Selected returns the selected item.
func (l *List[T]) Selected() (T, bool) {
	if e := l.view().at(l.cursor); e != nil {
		return e.item, true
	}
	var zero T
	return zero, false
}

// SelectedKey is the selected item's key ("" when empty).
func (l *List[T]) SelectedKey() backend.Key {
	if l.view().len() == 0 {
		return ""
	}
	return l.sel
}

// Len is the number of shown items; Total counts all items.
func (l *List[T]) Len() int   { return l.view().len() + l.unplaced }
func (l *List[T]) Total() int { return len(l.all) + l.unplaced }

// Window yields the visible items with their row index.
func (l *List[T]) Window() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		skip, row := l.offset, 0
		for _, run := range l.view() {
			if skip >= len(run) {
				skip -= len(run)
				continue
			}
			for _, e := range run[skip:] {
				if row == l.height || !yield(row, e.item) {
					return
				}
				row++
			}
			skip = 0
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
	if n := l.Len(); n > 0 {
		return l.cursor + 1, n
	}
	return 0, 0
}

// Mark picks the selected item for a bulk action, or drops it.
func (l *List[T]) Mark() {
	k := l.SelectedKey()
	switch {
	case k == "":
	case l.marks[k]:
		delete(l.marks, k)
	default:
		if l.marks == nil {
			l.marks = map[backend.Key]bool{}
		}
		l.marks[k] = true
	}
}

// Marked reports whether the item of key k is picked.
func (l *List[T]) Marked(k backend.Key) bool { return l.marks[k] }

// MarkedKeys are the picked items' keys, in the list's order.
func (l *List[T]) MarkedKeys() []backend.Key {
	es := make([]*entry[T], 0, len(l.marks))
	for k := range l.marks {
		es = append(es, l.byKey[k])
	}
	slices.SortFunc(es, func(a, b *entry[T]) int { return l.cmp(a.item, b.item) })
	out := make([]backend.Key, len(es))
	for i, e := range es {
		out[i] = l.keyOf(e.item)
	}
	return out
}

// ClearMarks drops every pick; it reports whether there was one.
func (l *List[T]) ClearMarks() bool {
	had := len(l.marks) > 0
	clear(l.marks)
	return had
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
