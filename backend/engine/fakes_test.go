package engine

import (
	"github.com/jonboulle/clockwork"
	"switchboard/backend"

	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// memStore is an in-memory Store for engine tests.
type memStore struct {
	mu      sync.Mutex
	snap    backend.Snapshot
	state   backend.StateChange
	msgs    map[backend.Key][]backend.Message
	journal map[string]backend.JournalEntry
	order   []string
	// full makes AddMessages fail as a full disk does.
	full atomic.Bool
	adds atomic.Int64 // AddMessages calls
}

// errDiskFull is what a full disk says.
var errDiskFull = errors.New("write ledger.db: no space left on device")

func newMemStore() *memStore {
	return &memStore{msgs: map[backend.Key][]backend.Message{}, journal: map[string]backend.JournalEntry{}}
}

func (s *memStore) Load() (backend.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.snap
	for _, e := range s.journal {
		if !e.State.Settled() {
			snap.Pending = append(snap.Pending, e)
		}
	}
	return snap, nil
}

func (s *memStore) Save(ch backend.StateChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Accounts = append(s.state.Accounts, ch.Accounts...)
	s.state.Lines = append(s.state.Lines, ch.Lines...)
	s.state.Leases = append(s.state.Leases, ch.Leases...)
	s.state.Jobs = append(s.state.Jobs, ch.Jobs...)
	s.state.Watch = append(s.state.Watch, ch.Watch...)
	s.state.Unwatch = append(s.state.Unwatch, ch.Unwatch...)
}

// saved returns every state change saved so far, merged.
func (s *memStore) saved() backend.StateChange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *memStore) Flush() error { return nil }

func (s *memStore) AddMessages(msgs []backend.Message) ([]backend.Message, error) {
	s.adds.Add(1)
	if s.full.Load() {
		return nil, errDiskFull
	}
	for _, m := range msgs {
		if m.Line == "" {
			return nil, errors.New("message without a line") // as the cache refuses it
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var fresh []backend.Message
	for _, m := range msgs {
		dup := false
		for _, o := range s.msgs[m.Line] {
			if o.ID == m.ID {
				dup = true
			}
		}
		if !dup {
			s.msgs[m.Line] = append(s.msgs[m.Line], m)
			fresh = append(fresh, m)
		}
	}
	return fresh, nil
}

func (s *memStore) Messages(k backend.Key, limit int) ([]backend.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]backend.Message(nil), s.msgs[k]...)
	sort.Slice(out, func(i, j int) bool { return out[i].ReceivedAt.After(out[j].ReceivedAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *memStore) Journal(e backend.JournalEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.journal[e.Action.ID]; !ok {
		s.order = append(s.order, e.Action.ID)
	}
	s.journal[e.Action.ID] = e
	return nil
}

func (s *memStore) entry(id string) backend.JournalEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.journal[id]
}

func (s *memStore) Pending() ([]backend.JournalEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []backend.JournalEntry
	for _, e := range s.journal {
		if !e.State.Settled() {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) RecentJournal(limit int) ([]backend.JournalEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []backend.JournalEntry
	for i := len(s.order) - 1; i >= 0 && (limit == 0 || len(out) < limit); i-- {
		out = append(out, s.journal[s.order[i]])
	}
	return out, nil
}

func (s *memStore) Prune(time.Time, map[backend.Key]bool) (int, error) { return 0, nil }
func (s *memStore) Close() error                                       { return nil }

// fakeProvider is a scriptable provider: lines, per-line SMS queues,
// action results.
type fakeProvider struct {
	mu        sync.Mutex
	kind      backend.ProviderKind
	account   string
	traits    backend.Traits
	budget    *backend.Budget
	lines     map[string]backend.Line
	inbox     map[string][]backend.Message // delivered on the next Check of the line
	checks    map[string]int
	doCalls   []backend.Action
	doTargets []backend.Target
	doErr     error
	outcome   backend.Outcome
	settled   backend.Settled
	settles   int
	failAll   error
	clock     *clockwork.FakeClock
	block     bool // Do and Check wait for their context to end (in-flight calls at shutdown)
}

// testStart is where every test's fake clock starts.
var testStart = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func newFake(kind backend.ProviderKind, account string, batch bool, perMinute float64) *fakeProvider {
	clock := clockwork.NewFakeClockAt(testStart)
	return &fakeProvider{kind: kind, account: account,
		traits: backend.Traits{BatchCheck: batch, ListsLines: true, PerMinute: perMinute},
		budget: backend.NewBudgetClock(perMinute, clock), clock: clock,
		lines: map[string]backend.Line{}, inbox: map[string][]backend.Message{}, checks: map[string]int{}}
}

// shareClock puts g on f's clock (several accounts in one engine).
func (f *fakeProvider) shareClock(g *fakeProvider) {
	g.clock = f.clock
	g.budget = backend.NewBudgetClock(g.traits.PerMinute, f.clock)
}

func (f *fakeProvider) addLine(id string, st backend.LineState, allowed backend.ActionSet) backend.Line {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := backend.Line{Key: backend.MakeKey(f.kind, f.account, backend.ItemLine, id), Account: f.account, Provider: f.kind, ID: id,
		Number: "+1555" + id, Service: "telegram", State: st, CreatedAt: backend.InstantOf(f.clock.Now()), Allowed: allowed}
	f.lines[id] = l
	return l
}

func (f *fakeProvider) deliver(id, code string) {
	f.deliverMsg(id, backend.Message{ID: "m-" + id + "-" + code, Text: "code " + code, Code: code, ReceivedAt: f.clock.Now()})
}

// deliverMsg queues an SMS for the next Check of line id.
func (f *fakeProvider) deliverMsg(id string, m backend.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m.Line = backend.MakeKey(f.kind, f.account, backend.ItemLine, id)
	f.inbox[id] = append(f.inbox[id], m)
}

// setLine replaces what the provider says about a line.
func (f *fakeProvider) setLine(l backend.Line) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines[l.ID] = l
}

func (f *fakeProvider) fake() *fakeProvider        { return f }
func (f *fakeProvider) Kind() backend.ProviderKind { return f.kind }
func (f *fakeProvider) Account() string            { return f.account }
func (f *fakeProvider) Traits() backend.Traits     { return f.traits }

func (f *fakeProvider) wait(ctx context.Context) error { return f.budget.Wait(ctx) }

func (f *fakeProvider) Balance(ctx context.Context) (backend.Account, error) {
	if err := f.wait(ctx); err != nil {
		return backend.Account{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAll != nil {
		return backend.Account{}, f.failAll
	}
	return backend.Account{Balance: backend.NewMoney(decimal.NewFromInt(100), "USD")}, nil
}

func (f *fakeProvider) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	if err := f.wait(ctx); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAll != nil {
		return nil, nil, f.failAll
	}
	var out []backend.Line
	for _, l := range f.lines {
		out = append(out, l)
	}
	return out, nil, nil
}

func (f *fakeProvider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	if err := f.wait(ctx); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAll != nil {
		return nil, nil, f.failAll
	}
	var out []backend.Line
	var msgs []backend.Message
	for _, l := range lines {
		f.checks[l.ID]++
		msgs = append(msgs, f.inbox[l.ID]...)
		f.inbox[l.ID] = nil
		if cur, ok := f.lines[l.ID]; ok {
			out = append(out, cur)
		}
	}
	return out, msgs, nil
}

func (f *fakeProvider) Leases(ctx context.Context) ([]backend.Lease, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return nil, f.failAll
}

func (f *fakeProvider) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return nil, f.failAll
}

func (f *fakeProvider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	f.mu.Lock()
	f.doCalls = append(f.doCalls, act)
	f.doTargets = append(f.doTargets, t)
	block := f.block
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return backend.Outcome{}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.outcome, f.doErr
}

func (f *fakeProvider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settles++
	return f.settled, f.outcome, nil
}

func (f *fakeProvider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	return []backend.CatalogItem{{ID: "x", Label: "X", Stock: -1}}, nil
}

func (f *fakeProvider) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.doCalls)
}

func (f *fakeProvider) checkCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.checks {
		out[k] = v
	}
	return out
}
