package bench

import (
	"context"
	"sync"
	"time"

	"switchboard/backend"
)

// meter wraps the adapter the engine drives and learns what each hot read
// (Check) costs, so the bound can split the budget between hot and cold
// reads. A call's cost is the growth of the account's budget counter while
// it ran; it is exact when no other call of the account overlapped it
// (clean), and only clean calls are used as samples.
type meter struct {
	backend.Provider
	budget *backend.Budget

	mu     sync.Mutex
	active map[*call]struct{}
	checks []checkSample
	others []otherCall
}

// otherCall is a call that is not a hot read (a cold read or an action).
type otherCall struct {
	At       time.Time
	Method   string
	Requests int64
}

type call struct {
	used  int64
	dirty bool
}

// checkSample is one hot read.
type checkSample struct {
	At       time.Time
	Took     time.Duration // until the adapter answered
	Requests int64
	Clean    bool // no other call overlapped: Requests is exact
}

func newMeter(p backend.Provider, b *backend.Budget) *meter {
	return &meter{Provider: p, budget: b, active: map[*call]struct{}{}}
}

func (m *meter) begin() *call {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &call{used: m.budget.Used()}
	if len(m.active) > 0 {
		c.dirty = true
		for o := range m.active {
			o.dirty = true
		}
	}
	m.active[c] = struct{}{}
	return c
}

func (m *meter) end(c *call) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.active, c)
	return m.budget.Used() - c.used, !c.dirty
}

func (m *meter) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	at := time.Now()
	c := m.begin()
	l, msgs, err := m.Provider.Check(ctx, lines)
	n, clean := m.end(c)
	m.mu.Lock()
	m.checks = append(m.checks, checkSample{At: at, Took: time.Since(at), Requests: n, Clean: clean})
	m.mu.Unlock()
	return l, msgs, err
}

// The other calls are watched for overlaps and counted.

func (m *meter) other(method string) func() {
	at := time.Now()
	c := m.begin()
	return func() {
		n, _ := m.end(c)
		m.mu.Lock()
		m.others = append(m.others, otherCall{At: at, Method: method, Requests: n})
		m.mu.Unlock()
	}
}

func (m *meter) Balance(ctx context.Context) (backend.Account, error) {
	defer m.other("balance")()
	return m.Provider.Balance(ctx)
}

func (m *meter) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	defer m.other("lines")()
	return m.Provider.Lines(ctx)
}

func (m *meter) Leases(ctx context.Context) ([]backend.Lease, error) {
	defer m.other("leases")()
	return m.Provider.Leases(ctx)
}

func (m *meter) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	defer m.other("jobs")()
	return m.Provider.Jobs(ctx, known)
}

func (m *meter) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	defer m.other("action")()
	return m.Provider.Do(ctx, act, t)
}

func (m *meter) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	defer m.other("settle")()
	return m.Provider.Settle(ctx, act, t)
}

func (m *meter) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	defer m.other("catalog")()
	return m.Provider.Catalog(ctx, req)
}

// otherCalls returns the calls other than hot reads made so far.
func (m *meter) otherCalls() []otherCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]otherCall(nil), m.others...)
}

// samples returns the hot reads made so far.
func (m *meter) samples() []checkSample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]checkSample(nil), m.checks...)
}

// hotUsage sums the requests of the hot reads that started in [from, to):
// clean calls as measured, the others at the mean clean cost. It also
// returns that mean cost and the number of reads.
func hotUsage(s []checkSample, from, to time.Time) (requests, meanCost float64, reads int) {
	var clean, cleanSum float64
	for _, c := range s {
		if c.At.Before(from) || !c.At.Before(to) {
			continue
		}
		reads++
		if c.Clean {
			clean++
			cleanSum += float64(c.Requests)
		}
	}
	meanCost = 1
	if clean > 0 {
		meanCost = cleanSum / clean
	}
	for _, c := range s {
		if c.At.Before(from) || !c.At.Before(to) {
			continue
		}
		if c.Clean {
			requests += float64(c.Requests)
		} else {
			requests += meanCost
		}
	}
	return requests, meanCost, reads
}

// costNear is the mean cost of clean hot reads within span of t (the cost
// drifts: the marketplace adapter asks for codes until it sees its listing
// update by itself), falling back to def.
func costNear(s []checkSample, t time.Time, span time.Duration, def float64) float64 {
	var n, sum float64
	for _, c := range s {
		if c.Clean && c.At.After(t.Add(-span)) && c.At.Before(t.Add(span)) {
			n++
			sum += float64(c.Requests)
		}
	}
	if n == 0 {
		return def
	}
	return sum / n
}
