package views

import (
	"fmt"
	"slices"
	"testing"

	"switchboard/backend"
)

// The first state's lines are read in the order they came (the cache's,
// as they lie in memory), each once, until an event changes them; then
// the map's. A first state naming a key twice is read from the map, so
// no line is counted twice.
func TestFirstStateIsReadInItsOwnOrder(t *testing.T) {
	var lines []*backend.Line
	for i := range 50 {
		k := backend.MakeKey(backend.FiveSim, "a", backend.ItemLine, fmt.Sprint(i))
		lines = append(lines, &backend.Line{Key: k, Account: "a", ID: fmt.Sprint(i)})
	}
	read := func(d *Data) []*backend.Line {
		var out []*backend.Line
		for l := range d.allLines {
			out = append(out, l)
		}
		return out
	}
	d := NewData([]string{"a"})
	d.Apply(backend.Event{Lines: lines})
	if got := read(d); !slices.Equal(got, lines) {
		t.Fatal("the first state was not read in its own order")
	}
	d.Apply(backend.Event{Removed: []backend.Key{lines[0].Key}})
	if got := read(d); len(got) != 49 || slices.Contains(got, lines[0]) {
		t.Fatalf("after a removal: %d lines", len(got))
	}

	twice := NewData([]string{"a"})
	twice.Apply(backend.Event{Lines: append(slices.Clone(lines), lines[3])})
	if got := read(twice); len(got) != 50 {
		t.Fatalf("a key given twice: %d lines read", len(got))
	}
}
