package views

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"switchboard/backend"
	"switchboard/themes"
)

// ranked is a test item: a key, a rank that orders it, its text (the
// first word is its name) and its state.
type ranked struct {
	key    string
	rank   int
	text   string
	state  string
	closed bool
}

func rankOrder(a, b ranked) int {
	if a.rank != b.rank {
		return a.rank - b.rank
	}
	return strings.Compare(a.key, b.key)
}

func newTestList() *List[ranked] {
	return NewList(func(r ranked) backend.Key { return backend.Key(r.key) }, rankOrder, testText)
}

func testText(r ranked) searchable {
	text := r.text
	if text == "" {
		text = r.key
	}
	name, rest, _ := strings.Cut(text, " ")
	return searchable{name: name, rest: rest, fields: [numFields]string{fieldState: r.state}, closed: r.closed}
}

// shownKeys are the keys the list shows, in order.
func shownKeys(l *List[ranked]) []string {
	var out []string
	v := l.view()
	for i := range v.len() {
		out = append(out, v.at(i).item.key)
	}
	return out
}

// keys makes items ranked in the order given.
func keys(ids ...string) []ranked {
	out := make([]ranked, len(ids))
	for i, id := range ids {
		out[i] = ranked{key: id, rank: i}
	}
	return out
}

func TestSelectionFollowsTheItemNotTheRow(t *testing.T) {
	l := newTestList()
	l.SetHeight(3)
	l.Set(keys("a", "b", "c", "d"))
	l.Move(2) // the operator picks "c"
	l.Set(keys("x", "y", "a", "b", "c", "d"))
	if got := l.SelectedKey(); got != "c" {
		t.Fatalf("after a refresh the cursor is on %q, want c", got)
	}
	// The selected item goes away: the cursor stays at its position.
	l.Update(nil, []backend.Key{"c"})
	if got := l.SelectedKey(); got != "d" {
		t.Fatalf("after removal the cursor is on %q, want the row now at its place (d)", got)
	}
	// It moves: the cursor follows it.
	l.Update([]ranked{{key: "d", rank: -1}}, nil)
	if got, row := l.SelectedKey(), l.cursor; got != "d" || row != 0 {
		t.Fatalf("after a re-sort the cursor is on %q at row %d, want d at the top", got, row)
	}
}

func TestCursorStaysOnTopUntilTheOperatorMoves(t *testing.T) {
	l := newTestList()
	l.Set([]ranked{{key: "b", rank: 2}, {key: "c", rank: 3}})
	l.Update([]ranked{{key: "a", rank: 1}}, nil) // a new first item arrives
	if got := l.SelectedKey(); got != "a" {
		t.Fatalf("an untouched cursor should stay on the first row, got %q", got)
	}
}

func TestFilterAndWindow(t *testing.T) {
	l := newTestList()
	l.SetHeight(2)
	l.Set(keys("telegram +7900", "whatsapp +1415", "telegram +4479"))
	if n := func() int { l.SetFilter("tele"); return l.Len() }(); n != 2 {
		t.Fatalf("filter shows %d rows, want 2", n)
	}
	var rows []string
	for _, it := range l.Window() {
		rows = append(rows, it.key)
	}
	if len(rows) != 2 || rows[0] != "telegram +7900" {
		t.Fatalf("window %v", rows)
	}
	l.SetFilter("")
	l.Bottom()
	if !l.IsCursor(1) || l.SelectedKey() != "telegram +4479" {
		t.Fatal("bottom did not scroll the window to the last row")
	}
}

// TestChangesKeepTheOrderAndTheFilter: after any mix of puts, removals,
// batches and filter edits, the list shows exactly what sorting and
// filtering everything from scratch shows, and the cursor stays on the
// operator's item while it is shown.
func TestChangesKeepTheOrderAndTheFilter(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	items := map[string]ranked{}
	random := func() ranked {
		k := fmt.Sprintf("k%03d", rnd.IntN(300))
		r := rnd.IntN(50)
		return ranked{key: k, rank: r, text: fmt.Sprintf("%s %c%c", k, 'a'+rnd.IntN(4), 'a'+rnd.IntN(4)),
			state: []string{"even", "odd"}[r%2], closed: r%5 == 0}
	}
	l := newTestList()
	l.SetHeight(7)
	even := func(r ranked) bool { return r.rank%2 == 0 }
	l.CountWhere(even)
	queries := []string{"", "a", "ab", "abc", "k1", "k1 b", "b", "", "k0", "k00", "state:ev", "state:even a", "k0 state:o", "state:"}
	for step := range 3000 {
		var put []ranked
		var gone []backend.Key
		n := 1 + rnd.IntN(3)
		if rnd.IntN(10) == 0 {
			n = batch + 1 + rnd.IntN(40) // merged, not one by one
		}
		for range n {
			if rnd.IntN(4) == 0 {
				gone = append(gone, backend.Key(fmt.Sprintf("k%03d", rnd.IntN(300))))
			} else {
				put = append(put, random())
			}
		}
		// Removals first, then puts: a key removed and put in one change
		// is put, a key put twice keeps its last item.
		for _, k := range gone {
			delete(items, string(k))
		}
		for _, it := range put {
			items[it.key] = it
		}
		l.Update(put, gone)
		if rnd.IntN(5) == 0 {
			l.SetFilter(queries[rnd.IntN(len(queries))])
		}
		if rnd.IntN(3) == 0 {
			l.Move(rnd.IntN(9) - 4)
		}
		if rnd.IntN(40) == 0 {
			l.HideClosed(!l.Hidden())
		}
		want := slices.SortedFunc(func(yield func(ranked) bool) {
			for _, it := range items {
				if !yield(it) {
					return
				}
			}
		}, rankOrder)
		p := compile(l.Filter())
		p.open = l.Hidden()
		var byRank [numRanks][]string
		for _, it := range want {
			s := testText(it)
			txt, name := joinText(s.name, s.rest)
			if r := p.rank(txt, name, &s.fields, byteBits(txt), s.closed); r >= 0 {
				byRank[r] = append(byRank[r], it.key)
			}
		}
		shown := slices.Concat(byRank[:]...)
		got := shownKeys(l)
		if !slices.Equal(got, shown) || l.Total() != len(items) || l.Len() != len(shown) {
			t.Fatalf("step %d (filter %q): list shows %v (of %d), want %v (of %d)", step, l.Filter(), got, l.Total(), shown, len(items))
		}
		evens := 0
		for _, it := range items {
			if even(it) {
				evens++
			}
		}
		if l.Count() != evens {
			t.Fatalf("step %d: counts %d items, want %d", step, l.Count(), evens)
		}
		if sel := l.SelectedKey(); len(shown) > 0 && (sel == "" || string(sel) != shown[l.cursor]) {
			t.Fatalf("step %d: selection %q is not the item under the cursor (%d)", step, sel, l.cursor)
		}
	}
}

// TestNarrowingReadsOnlyThePreviousMatches: a query that adds to the last
// one tests only the last one's matches — an item that did not match
// before is not read again (here its text is changed behind the list's
// back, so reading it would show it).
func TestNarrowingReadsOnlyThePreviousMatches(t *testing.T) {
	l := newTestList()
	l.Set(keys("telegram", "whatsapp", "google"))
	l.SetFilter("te")
	l.byKey["whatsapp"].text, _ = joinText("telegram", "too")
	l.byKey["whatsapp"].bits = byteBits(l.byKey["whatsapp"].text)
	if l.SetFilter("tel"); l.Len() != 1 {
		t.Fatalf("narrowing read %d items' texts again", l.Len()-1)
	}
	if l.SetFilter("t"); l.Len() != 2 {
		t.Fatalf("widening must read every item again: %d shown", l.Len())
	}
}

// TestFilterRanksTheExactNumberFirst: "/79000381456" once selected
// +79000381455, listed first, whose order id holds the remaining digits
// (a fuzzy match), so a one-key cancel landed on the wrong line. The
// exact number now ranks first and the cursor is on it, even after the
// operator had moved it; then a number starting with the query, then a
// word starting with it, then one holding it, then the fuzzy matches.
func TestFilterRanksTheExactNumberFirst(t *testing.T) {
	l := newTestList()
	l.SetHeight(10)
	l.Set([]ranked{
		{key: "a", rank: 1, text: "+79000381455 telegram 86"},
		{key: "b", rank: 2, text: "+4479000381456 x"},
		{key: "c", rank: 3, text: "+790003814567 whatsapp"},
		{key: "d", rank: 4, text: "+79000381456 telegram"},
		{key: "e", rank: 5, text: "+15550000000 79000381456-ref"},
	})
	l.Move(1) // the operator was looking at another line
	l.SetFilter("79000381456")
	if got, want := shownKeys(l), []string{"d", "c", "e", "b", "a"}; !slices.Equal(got, want) {
		t.Fatalf("ranked %v, want %v (exact, prefix, word, inside a word, fuzzy)", got, want)
	}
	if got := l.SelectedKey(); got != "d" {
		t.Fatalf("the cursor is on %q, want the exact number (d)", got)
	}
	l.SetFilter("790003814")
	if got, want := shownKeys(l), []string{"a", "c", "d", "e", "b"}; !slices.Equal(got, want) {
		t.Fatalf("ranked %v, want %v (three numbers starting with it, in pane order; a word; inside a word)", got, want)
	}
	// A line arriving that ranks better takes the untouched cursor.
	l.SetFilter("+79000381456")
	l.Update([]ranked{{key: "f", rank: 0, text: "+79000381456 viber"}}, nil)
	if got := l.SelectedKey(); got != "f" {
		t.Fatalf("cursor on %q, want the new best match f", got)
	}
}

// TestFieldFilters: state:, account:, provider: and service: narrow to
// the items whose field holds the value, combined with free text and
// with each other; an unknown field name is free text.
func TestFieldFilters(t *testing.T) {
	items := []ranked{
		{key: "w1", rank: 1, text: "+7900 telegram", state: "waiting"},
		{key: "r1", rank: 2, text: "+7901 telegram", state: "received"},
		{key: "w2", rank: 3, text: "+7902 whatsapp", state: "waiting"},
	}
	l := newTestList()
	l.Set(items)
	for q, want := range map[string][]string{
		"state:waiting":          {"w1", "w2"},
		"state:wait whatsapp":    {"w2"},
		"telegram state:WAITING": {"w1"},
		"state:rec state:ei":     {"r1"},
		"state:":                 {"w1", "r1", "w2"},
		"state:waiting +7901":    nil,
		"x:1":                    nil,
	} {
		l.SetFilter(q)
		if got := shownKeys(l); !slices.Equal(got, want) {
			t.Errorf("%q shows %v, want %v", q, got, want)
		}
	}
	if !narrows("state:wa", "state:wai x") || narrows("state:wai", "state:wa") || narrows("state:wa", "account:wa") {
		t.Fatal("narrows misreads field filters")
	}
}

// TestHideClosed: closed items leave the list, with and without a
// filter, and come back; the cursor stays on its item.
func TestHideClosed(t *testing.T) {
	l := newTestList()
	l.SetHeight(5)
	l.Set([]ranked{{key: "a", rank: 1}, {key: "b", rank: 2, closed: true}, {key: "c", rank: 3}, {key: "d", rank: 4, closed: true}})
	l.Move(2) // c
	l.HideClosed(true)
	if got := shownKeys(l); !slices.Equal(got, []string{"a", "c"}) || l.SelectedKey() != "c" {
		t.Fatalf("hiding shows %v with %q selected", got, l.SelectedKey())
	}
	l.Update([]ranked{{key: "a", rank: 1, closed: true}, {key: "e", rank: 5}}, nil)
	if got := shownKeys(l); !slices.Equal(got, []string{"c", "e"}) {
		t.Fatalf("after a finished and a new item: %v", got)
	}
	l.SetFilter("e")
	l.SetFilter("")
	if got := shownKeys(l); !slices.Equal(got, []string{"c", "e"}) {
		t.Fatalf("clearing the filter shows the closed items again: %v", got)
	}
	l.HideClosed(false)
	if got := shownKeys(l); len(got) != 5 {
		t.Fatalf("showing closed again: %v", got)
	}
}

// TestMarksSurviveRefreshes: picks are kept by key through refreshes,
// re-sorts and filters, leave with their item, and are listed in order.
func TestMarksSurviveRefreshes(t *testing.T) {
	l := newTestList()
	l.Set(keys("a", "b", "c", "d"))
	l.Mark() // a
	l.Move(2)
	l.Mark() // c
	l.Set(keys("x", "d", "c", "b", "a"))
	if got := l.MarkedKeys(); !slices.Equal(got, []backend.Key{"c", "a"}) {
		t.Fatalf("after a refresh the marks are %v", got)
	}
	l.SetFilter("c")
	l.Mark() // c again: unpicked
	l.SetFilter("")
	l.Update(nil, []backend.Key{"a"})
	if got := l.MarkedKeys(); len(got) != 0 {
		t.Fatalf("marks left: %v", got)
	}
	l.Mark()
	if !l.ClearMarks() || l.ClearMarks() {
		t.Fatal("ClearMarks does not say whether there were marks")
	}
}

// TestSetOrderKeepsTheSelection: a new sort order places every item
// again, filtered or not; the cursor stays on its item.
func TestSetOrderKeepsTheSelection(t *testing.T) {
	l := newTestList()
	l.SetHeight(10)
	l.Set(keys("a1", "b2", "a3", "b4"))
	l.SetFilter("a")
	l.Move(1) // a3
	l.SetOrder(func(a, b ranked) int { return strings.Compare(b.key, a.key) })
	if got := shownKeys(l); !slices.Equal(got, []string{"a3", "a1"}) || l.SelectedKey() != "a3" {
		t.Fatalf("reordered %v, selected %q", got, l.SelectedKey())
	}
	l.SetFilter("")
	if got := shownKeys(l); !slices.Equal(got, []string{"b4", "b2", "a3", "a1"}) {
		t.Fatalf("unfiltered order %v", got)
	}
}

// A line still open past its expiry ("pending · expired 3d ago") counts
// as expired: h hides it and state:expired finds it.
func TestHideClosedHidesLapsedLines(t *testing.T) {
	d := manyLines(4, func(i int, l *backend.Line) {
		if i%2 == 1 {
			l.State, l.ExpiresAt = backend.LinePending, backend.InstantOf(t0.Add(-72*time.Hour))
		}
	})
	p := NewLines(themes.New("dark"))
	p.SetSize(120, 20)
	p.SetData(d, t0)
	if _, n := p.list.Position(); n != 4 {
		t.Fatalf("%d lines shown, want 4", n)
	}
	p.ToggleClosed()
	if _, n := p.list.Position(); n != 2 {
		t.Fatalf("closed hidden: %d lines shown, want the 2 not lapsed", n)
	}
	p.ToggleClosed()
	if n := p.SetFilter("state:expired"); n != 2 {
		t.Fatalf("state:expired finds %d lines, want 2", n)
	}
}

// TestFirstNIsTheHeadOfTheOrder: the first frame's selection is exactly
// the first n of a full sort (all, when fewer), whatever order the items
// come in.
func TestFirstNIsTheHeadOfTheOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 100} {
		for _, size := range []int{n - 1, n + 1, 3*n + 5, 5000} {
			items := r.Perm(size)
			want := slices.Sorted(slices.Values(items))[:min(n, size)]
			if got := firstN(slices.Values(items), n, cmp.Compare[int]); !slices.Equal(got, want) {
				t.Fatalf("first %d of %d: %v, want %v", n, size, got, want)
			}
			slices.Sort(items) // sorted and reversed input: the cut's worst cases
			slices.Reverse(items)
			if got := firstN(slices.Values(items), n, cmp.Compare[int]); !slices.Equal(got, want) {
				t.Fatalf("first %d of %d reversed: %v, want %v", n, size, got, want)
			}
		}
	}
}

// TestNarrowLinesTitleSaysEachNoteWhole: at 60 wide a Lines title with a
// sort, hidden closed lines and a filter shortens its notes (short forms,
// then the least important go) instead of cutting one mid-word; a wide
// title says everything in full.
func TestNarrowLinesTitleSaysEachNoteWhole(t *testing.T) {
	d := manyLines(120, func(i int, l *backend.Line) {
		if i%3 == 0 {
			l.State = backend.LineFinished
		}
	})
	p := NewLines(themes.New("dark"))
	p.SetData(d, t0)
	p.CycleSort(t0)
	p.ToggleClosed()
	p.SetKeys(defaultKeys())
	top := func(w int) string {
		p.SetSize(w-2, 20)
		plain := themes.New("plain")
		b := Box(&plain, p.Title(), p.Info(), p.View(t0), w, 22, true)
		var s strings.Builder
		b.WriteLine(&s, 0)
		return ansi.Strip(s.String())
	}
	if s := top(160); !strings.Contains(s, "80 waiting · by expiry · closed hidden") {
		t.Fatalf("a wide title shortens: %q", s)
	}
	for _, w := range []int{60, 50, 40} {
		s := top(w)
		if strings.Contains(s, "…") || !strings.Contains(s, "1/80") {
			t.Errorf("%d wide: a note is cut or the position went: %q", w, s)
		}
	}
	if s := top(60); !strings.Contains(s, "open only") || !strings.Contains(s, "by expiry") {
		t.Errorf("60 wide: the sort or the hidden lines are not said: %q", s)
	}
	p.SetFilter("+7900000001")
	if s := top(160); !strings.Contains(s, "80 waiting in all") {
		t.Errorf("filtered, the count of every waiting line reads as the filtered ones': %q", s)
	}
	p.SetFilter("telegram")
	if s := top(50); strings.Contains(s, "…") || !strings.Contains(s, "/telegram") {
		t.Errorf("50 wide, filtered: the filter is cut or gone: %q", s)
	}
}

// TestFilterFindsTheStateWordTheRowsShow: typing the word the rows show
// ("waiting") finds those lines first, as state:waiting does.
func TestFilterFindsTheStateWordTheRowsShow(t *testing.T) {
	d := manyLines(40, func(i int, l *backend.Line) {
		if i%2 == 0 {
			l.State, l.Code = backend.LineReceived, fmt.Sprint(1000+i)
		}
	})
	p := NewLines(themes.New("dark"))
	p.SetSize(120, 30)
	p.SetData(d, t0)
	if n := p.SetFilter("waiting"); n < 20 {
		t.Fatalf("/waiting finds %d lines, want the 20 waiting", n)
	}
	if l := d.Lines[p.SelectedKey()]; l.State != backend.LineWaiting {
		t.Fatalf("/waiting selects a %s line", l.State)
	}
}
