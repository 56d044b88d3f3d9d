package views

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"switchboard/backend"
)

// ranked is a test item: a key, a rank that orders it, and its text.
type ranked struct {
	key  string
	rank int
	text string
}

func rankOrder(a, b ranked) int {
	if a.rank != b.rank {
		return a.rank - b.rank
	}
	return strings.Compare(a.key, b.key)
}

func newTestList() *List[ranked] {
	return NewList(func(r ranked) backend.Key { return backend.Key(r.key) }, rankOrder, func(r ranked) string {
		if r.text != "" {
			return r.text
		}
		return r.key
	})
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
		return ranked{key: k, rank: rnd.IntN(50), text: fmt.Sprintf("%s %c%c", k, 'a'+rnd.IntN(4), 'a'+rnd.IntN(4))}
	}
	l := newTestList()
	l.SetHeight(7)
	even := func(r ranked) bool { return r.rank%2 == 0 }
	l.CountWhere(even)
	queries := []string{"", "a", "ab", "abc", "k1", "k1 b", "b", ""}
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
		want := slices.SortedFunc(func(yield func(ranked) bool) {
			for _, it := range items {
				if !yield(it) {
					return
				}
			}
		}, rankOrder)
		p := compile(l.Filter())
		var shown []string
		for _, it := range want {
			txt := itemText(it.text)
			if p.matches(txt, byteBits(txt)) {
				shown = append(shown, it.key)
			}
		}
		var got []string
		for _, e := range l.view() {
			got = append(got, e.item.key)
		}
		if !slices.Equal(got, shown) || l.Total() != len(items) {
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
	l.byKey["whatsapp"].text = itemText("telegram too")
	l.byKey["whatsapp"].bits = byteBits(l.byKey["whatsapp"].text)
	if l.SetFilter("tel"); l.Len() != 1 {
		t.Fatalf("narrowing read %d items' texts again", l.Len()-1)
	}
	if l.SetFilter("t"); l.Len() != 2 {
		t.Fatalf("widening must read every item again: %d shown", l.Len())
	}
}
