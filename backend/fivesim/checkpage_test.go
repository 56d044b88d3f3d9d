package fivesim

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"switchboard/backend"
)

// Check's page holds the lines it reads, the orders among them it does not
// read and a little slack — not 100 orders every read — and a line that
// falls off it is still read, by its id, and the next page is full again.
func TestCheckPageSizedToTheLinesRead(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	var limits []int
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		mu.Lock()
		limits = append(limits, limit)
		mu.Unlock()
		var orders []string
		for id := int64(60); id > 10 && len(orders) < limit; id-- { // 50 orders, newest first
			orders = append(orders, order(id, "PENDING"))
		}
		_, _ = w.Write([]byte(page(orders...)))
	})
	f.json("/user/check/20", 200, order(20, "PENDING"))
	p := newTestProvider(t, f)
	mk := func(id int64) backend.Line {
		s := strconv.FormatInt(id, 10)
		return backend.Line{ID: s, Kind: "activation", Key: backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, s)}
	}
	var read []backend.Line // 60…53 and 50: 52 and 51 are not read
	for id := int64(60); id >= 53; id-- {
		read = append(read, mk(id))
	}
	read = append(read, mk(50))
	for range 2 {
		lines, _, err := p.Check(ctx, read)
		if err != nil || len(lines) != len(read) {
			t.Fatalf("read %d of %d lines: %v", len(lines), len(read), err)
		}
	}
	lines, _, err := p.Check(ctx, append(read, mk(20))) // 20 is below the sized page
	if err != nil || len(lines) != len(read)+1 {
		t.Fatalf("read %d of %d lines: %v", len(lines), len(read)+1, err)
	}
	if _, _, err := p.Check(ctx, read); err != nil {
		t.Fatal(err)
	}
	want := []int{checkPageSize, len(read) + 2 + checkPageSlack, len(read) + 1 + 2 + checkPageSlack, checkPageSize}
	mu.Lock()
	defer mu.Unlock()
	if len(limits) != len(want) {
		t.Fatalf("page sizes %v, want %v", limits, want)
	}
	for i := range want {
		if limits[i] != want[i] {
			t.Fatalf("page sizes %v, want %v", limits, want)
		}
	}
	if f.count("/user/check/20") != 1 {
		t.Errorf("line 20 read %d times by its id, want 1", f.count("/user/check/20"))
	}
}
