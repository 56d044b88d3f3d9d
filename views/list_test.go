package views

import (
	"testing"

	"switchboard/backend"
)

func keys(ids ...string) []string { return ids }

func newTestList() *List[string] {
	return NewList(func(s string) backend.Key { return backend.Key(s) }, func(s string) string { return s })
}

func TestSelectionFollowsTheItemNotTheRow(t *testing.T) {
	l := newTestList()
	l.SetHeight(3)
	l.SetItems(keys("a", "b", "c", "d"))
	l.Move(2) // the operator picks "c"
	l.SetItems(keys("x", "y", "a", "b", "c", "d"))
	if got := l.SelectedKey(); got != "c" {
		t.Fatalf("after a refresh the cursor is on %q, want c", got)
	}
	// The selected item goes away: the cursor stays at its position.
	l.SetItems(keys("x", "y", "a", "b", "d"))
	if got := l.SelectedKey(); got != "d" {
		t.Fatalf("after removal the cursor is on %q, want the row now at its place (d)", got)
	}
}

func TestCursorStaysOnTopUntilTheOperatorMoves(t *testing.T) {
	l := newTestList()
	l.SetItems(keys("b", "c"))
	l.SetItems(keys("a", "b", "c")) // a new first item arrives
	if got := l.SelectedKey(); got != "a" {
		t.Fatalf("an untouched cursor should stay on the first row, got %q", got)
	}
}

func TestFilterAndWindow(t *testing.T) {
	l := newTestList()
	l.SetHeight(2)
	l.SetItems(keys("telegram +7900", "whatsapp +1415", "telegram +4479"))
	if n := func() int { l.SetFilter("tele"); return l.Len() }(); n != 2 {
		t.Fatalf("filter shows %d rows, want 2", n)
	}
	var rows []string
	for _, it := range l.Window() {
		rows = append(rows, it)
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
