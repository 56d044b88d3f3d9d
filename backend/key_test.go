package backend

import "testing"

// TestKeyPartsReadsWithoutAllocating: a key's parts are slices of it —
// the engine reads every line's key at start (a split allocated 11 MB at
// 100,000 lines) — and an id may hold slashes of its own.
func TestKeyPartsReadsWithoutAllocating(t *testing.T) {
	for _, c := range []struct {
		k                    Key
		p, account, kind, id string
	}{
		{MakeKey(FiveSim, "5sim-main", ItemLine, "77"), "fivesim", "5sim-main", "line", "77"},
		{"pivday/piv/lease/number/n1", "pivday", "piv", "lease", "number/n1"},
		{"nonvoip/nv", "nonvoip", "nv", "", ""},
		{"", "", "", "", ""},
	} {
		p, account, kind, id := c.k.Parts()
		if string(p) != c.p || account != c.account || string(kind) != c.kind || id != c.id {
			t.Errorf("%q: %q %q %q %q", c.k, p, account, kind, id)
		}
	}
	k := MakeKey(FiveSim, "5sim-main", ItemLine, "77")
	if n := testing.AllocsPerRun(100, func() { _, _, _, _ = k.Parts() }); n != 0 {
		t.Fatalf("Parts allocates %.0f times", n)
	}
}
