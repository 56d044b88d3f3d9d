package backend

import (
	"slices"
	"testing"
)

// TestLeasesListedIsCarriedAndMerged: an event saying only which
// accounts' leases were listed is not empty, and merging keeps the union.
func TestLeasesListedIsCarriedAndMerged(t *testing.T) {
	if (Event{LeasesListed: []string{"piv"}}).Empty() {
		t.Fatal("an event naming listed accounts counts as empty (a coalescer would drop it)")
	}
	c := NewCoalescer()
	c.Push(Event{LeasesListed: []string{"piv"}})
	c.Push(Event{LeasesListed: []string{"5sim", "piv"}})
	if got := c.Take().LeasesListed; !slices.Equal(got, []string{"5sim", "piv"}) {
		t.Fatalf("taken %v, want [5sim piv]", got)
	}
	if got := c.Take().LeasesListed; len(got) != 0 {
		t.Fatalf("taken again %v", got)
	}
	ev := Event{LeasesListed: []string{"piv"}}
	ev.Merge(Event{LeasesListed: []string{"m"}})
	if !slices.Equal(ev.LeasesListed, []string{"m", "piv"}) {
		t.Fatalf("merged %v", ev.LeasesListed)
	}
}
