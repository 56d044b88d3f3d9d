package fivesim

import (
	"context"
	"sync"

	"switchboard/backend"
)

const (
	// checkPageSize is the largest /user/orders page Check reads: it
	// covers every waiting line; lines older than it are read with
	// /user/check/{id}.
	checkPageSize = 100
	// checkPageSlack is how many orders Check's page holds beyond what
	// the last read needed: orders bought elsewhere between two reads.
	checkPageSlack = 3
)

// checkDepth sizes Check's page to the lines read, per category: each
// order on the page costs 5sim, the transfer and the decoder, and a read
// that carries fewer shows its codes sooner. It remembers how many orders
// on the last page were not being read (newest first, down to the oldest
// line read); the next page holds the lines, those and checkPageSlack.
// A line that fell off the page is still read by its id, and the next
// page is the full one again.
type checkDepth struct {
	mu     sync.Mutex
	others map[string]int // category → orders above the oldest line read
}

// limit is the page size for reading lines orders of cat.
func (d *checkDepth) limit(cat string, lines int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	others, ok := d.others[cat]
	if !ok {
		return checkPageSize
	}
	return min(checkPageSize, lines+others+checkPageSlack)
}

// learn records how deep in page the lines of want sat.
func (d *checkDepth) learn(cat string, page OrderList, want map[int64]backend.Line) {
	found, deepest := 0, 0
	for i, o := range page.Data {
		if _, ok := want[o.ID]; ok {
			found, deepest = found+1, i+1
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.others == nil {
		d.others = map[string]int{}
	}
	if found < len(want) {
		delete(d.others, cat) // some fell off (or are older): read the full page
		return
	}
	d.others[cat] = deepest - found
}

// firstPages reads the first /user/orders page of every category with
// lines to read (pages[i] for cats[i]), all at once: a read then takes one
// round trip, not one per category, and its codes show that much sooner.
// Each request still takes its token from the budget.
func (p *Provider) firstPages(ctx context.Context, cats []string, want map[string]map[int64]backend.Line) ([]OrderList, error) {
	pages := make([]OrderList, len(cats))
	errs := make([]error, len(cats))
	var wg sync.WaitGroup
	for i, cat := range cats {
		if len(want[cat]) > 0 {
			wg.Go(func() {
				pages[i], errs[i] = p.c.Orders(ctx, cat, p.depth.limit(cat, len(want[cat])), 0)
				if errs[i] == nil {
					p.depth.learn(cat, pages[i], want[cat])
				}
			})
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pages, nil
}
