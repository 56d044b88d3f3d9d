package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/backend"
)

// meter wraps the adapter the engine drives and learns what each call
// costs, so the bound can split the budget between hot reads (Check) and
// cold ones: every call counts the requests it sends through the budget
// (backend.WithCounter), exactly, whatever else runs at the same time.
type meter struct {
	backend.Provider

	mu     sync.Mutex
	checks []checkSample
	others []otherCall
}

// otherCall is a call that is not a hot read (a cold read or an action).
type otherCall struct {
	At       time.Time
	Method   string
	Requests int64
}

// checkSample is one hot read.
type checkSample struct {
	At       time.Time
	Took     time.Duration // until the adapter answered
	Requests int64
}

func newMeter(p backend.Provider) *meter { return &meter{Provider: p} }

// counted runs a call with a counter of its own and returns its requests.
func counted(ctx context.Context, call func(context.Context)) int64 {
	var n atomic.Int64
	call(backend.WithCounter(ctx, &n))
	return n.Load()
}

func (m *meter) Check(ctx context.Context, lines []backend.Line) (got []backend.Line, msgs []backend.Message, err error) {
	at := time.Now()
	n := counted(ctx, func(ctx context.Context) { got, msgs, err = m.Provider.Check(ctx, lines) })
	m.mu.Lock()
	m.checks = append(m.checks, checkSample{At: at, Took: time.Since(at), Requests: n})
	m.mu.Unlock()
	return got, msgs, err
}

// The other calls are counted and listed.

func (m *meter) other(ctx context.Context, method string, call func(context.Context)) {
	at := time.Now()
	n := counted(ctx, call)
	m.mu.Lock()
	m.others = append(m.others, otherCall{At: at, Method: method, Requests: n})
	m.mu.Unlock()
}

func (m *meter) Balance(ctx context.Context) (a backend.Account, err error) {
	m.other(ctx, "balance", func(ctx context.Context) { a, err = m.Provider.Balance(ctx) })
	return a, err
}

func (m *meter) Lines(ctx context.Context) (lines []backend.Line, msgs []backend.Message, err error) {
	m.other(ctx, "lines", func(ctx context.Context) { lines, msgs, err = m.Provider.Lines(ctx) })
	return lines, msgs, err
}

func (m *meter) Leases(ctx context.Context) (leases []backend.Lease, err error) {
	m.other(ctx, "leases", func(ctx context.Context) { leases, err = m.Provider.Leases(ctx) })
	return leases, err
}

func (m *meter) Jobs(ctx context.Context, known []backend.Job) (jobs []backend.Job, err error) {
	m.other(ctx, "jobs", func(ctx context.Context) { jobs, err = m.Provider.Jobs(ctx, known) })
	return jobs, err
}

func (m *meter) Do(ctx context.Context, act backend.Action, t backend.Target) (o backend.Outcome, err error) {
	m.other(ctx, "action", func(ctx context.Context) { o, err = m.Provider.Do(ctx, act, t) })
	return o, err
}

func (m *meter) Settle(ctx context.Context, act backend.Action, t backend.Target) (st backend.Settled, o backend.Outcome, err error) {
	m.other(ctx, "settle", func(ctx context.Context) { st, o, err = m.Provider.Settle(ctx, act, t) })
	return st, o, err
}

func (m *meter) Catalog(ctx context.Context, req backend.CatalogRequest) (items []backend.CatalogItem, err error) {
	m.other(ctx, "catalog", func(ctx context.Context) { items, err = m.Provider.Catalog(ctx, req) })
	return items, err
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

// hotUsage sums the requests of the hot reads that started in [from,
// to) and returns their mean cost (1 when there was none) and number.
func hotUsage(s []checkSample, from, to time.Time) (requests, meanCost float64, reads int) {
	for _, c := range s {
		if !c.At.Before(from) && c.At.Before(to) {
			reads++
			requests += float64(c.Requests)
		}
	}
	meanCost = 1
	if reads > 0 {
		meanCost = requests / float64(reads)
	}
	return requests, meanCost, reads
}

// costNear is the mean cost of the hot reads within span of t (the cost
// drifts: the marketplace adapter asks the provider to fetch codes of
// orders that wait long), falling back to def.
func costNear(s []checkSample, t time.Time, span time.Duration, def float64) float64 {
	var n, sum float64
	for _, c := range s {
		if c.At.After(t.Add(-span)) && c.At.Before(t.Add(span)) {
			n++
			sum += float64(c.Requests)
		}
	}
	if n == 0 {
		return def
	}
	return sum / n
}
