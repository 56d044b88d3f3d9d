// Package engine polls every configured account within its rate budget,
// keeps the state (one goroutine owns it), carries out the operator's
// actions (journaled before the call, settled by re-reading, never re-sent)
// and tells the UI what changed through one coalescing event channel.
package engine

import (
	"github.com/jonboulle/clockwork"

	"switchboard/backend"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// AccountSpec is one configured account as the engine runs it.
type AccountSpec struct {
	Provider   backend.Provider
	Budget     *backend.Budget // the same budget the provider's transport waits on
	LowBalance *decimal.Decimal
	ReadOnly   bool
	// AutoFinishOnCopy finishes a 5sim order once its code is copied.
	AutoFinishOnCopy bool
	// AutoCancelAfter cancels (or rejects) a line that got no code after
	// this long, before the provider's timeout costs rating. 0 = off.
	AutoCancelAfter time.Duration
}

// Options configure the engine.
type Options struct {
	Store     backend.Store
	Retention time.Duration // messages kept (default 90 days); live lines always kept
	Log       *slog.Logger  // never stdout: the terminal belongs to the UI
	Demo      bool
	// Headroom is the share of each budget kept for the operator's actions
	// (default 0.2).
	Headroom float64
	// Clock is the engine's time (tests pass a fake one); default the
	// real clock.
	Clock clockwork.Clock
	// Operators gives each operator's role (see operators.go); nil when
	// one person uses the engine from its terminal.
	Operators map[string]backend.Role
	// Caps limit spending per day, per account and per operator.
	Caps backend.SpendCaps
	// Ownership makes the engine poll and act only for the accounts this
	// cluster node owns (ownership.go); nil: all of them.
	Ownership Ownership
	// Forwarder hands actions and webhooks for accounts owned elsewhere
	// to their owner.
	Forwarder Forwarder
	// Trace, when set, hears each step of every line read and webhook
	// hint (hint.go), so a benchmark can tell where a code's time went.
	// It is called from the engine goroutine and from workers.
	Trace func(ReadStep)
	// Still builds an engine only to hand over its Initial event and read
	// the store (--print): it keeps no polling state for the cached lines
	// and must not Run.
	Still bool
}

// Engine polls every account, keeps the state, carries out actions and
// tells the UI what changed. One goroutine (Run) owns all state and all
// scheduling; provider calls run in worker goroutines and hand their
// results back to it.
type Engine struct {
	opts  Options
	store backend.Store
	log   *slog.Logger
	accts map[string]*acct
	order []string // account names in config order

	out     *outbox
	inbox   inbox          // work for the engine goroutine
	workers sync.WaitGroup // every goroutine Run starts; Run waits for them

	catMu sync.Mutex
	cat   map[string]catEntry

	initial backend.Event
	started time.Time
	clock   clockwork.Clock
	version uint64
	sent    map[string]bool // action ids already carried out this run
	claims  claims          // provider orders matched to journal entries
	buying  map[string]int  // per account: buys sent and not yet answered
	held    heldMessages    // what the ledger could not write yet
	stored  storedMessages  // what it holds, of the lines in the state
	lost    []backend.Key   // watched orders state.db no longer had: looked up at start
	own     ownership       // which accounts this node polls and acts for (cluster)

	flight   map[string]string // single-flight: account/kind/target → the operator holding it
	spend    spending          // today's spending against the caps
	inCall   int               // actions whose call is in the air
	draining bool              // Drain was called: no new actions
	drained  chan struct{}     // closed when draining and nothing is in the air
}

// New builds the engine and loads the cached state (no network).
func New(specs []AccountSpec, opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("engine: no store")
	}
	if opts.Retention <= 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	if opts.Headroom <= 0 || opts.Headroom >= 1 {
		opts.Headroom = 0.2
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	e := &Engine{
		opts: opts, store: opts.Store, log: opts.Log,
		accts:  map[string]*acct{},
		out:    newOutbox(),
		inbox:  newInbox(),
		cat:    map[string]catEntry{},
		clock:  opts.Clock,
		flight: map[string]string{},
		spend:  newSpending(opts.Caps),
		sent:   map[string]bool{},
		claims: claims{},
		buying: map[string]int{},
		own:    newOwnership(opts.Ownership),
	}
	for _, s := range specs {
		name := s.Provider.Account()
		if _, dup := e.accts[name]; dup {
			return nil, fmt.Errorf("engine: account %q configured twice", name)
		}
		if s.Budget == nil {
			s.Budget = backend.NewBudgetClock(s.Provider.Traits().PerMinute, opts.Clock)
		}
		a := newAcct(s, opts.Demo)
		e.accts[name] = a
		e.order = append(e.order, name)
	}
	snap, err := e.store.Load()
	if err != nil {
		return nil, err
	}
	e.adopt(snap)
	return e, nil
}

// Initial is the cached state to show before any network call: every
// account and item, stale until its account's first good poll. It is
// handed over once (the engine keeps no second copy of a large state).
func (e *Engine) Initial() backend.Event {
	ev := e.initial
	e.initial = backend.Event{Accounts: ev.Accounts}
	return ev
}

// Events is the one channel of changes for the UI.
func (e *Engine) Events() <-chan backend.Event { return e.out.out }

// Accounts lists the configured account names in config order.
func (e *Engine) Accounts() []string { return append([]string(nil), e.order...) }

// Submit hands an action to the engine. It never blocks: the engine
// journals and runs it on its own goroutines.
func (e *Engine) Submit(a backend.Action) {
	if a.ID == "" {
		a.ID = backend.NewActionID(a.Kind)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = e.now()
	}
	e.inbox.push(func(ctx context.Context) { e.start(ctx, a) })
}

// Refresh asks for an immediate poll of one account ("" = all).
func (e *Engine) Refresh(account string) {
	e.post(func() { e.refreshNow(account) })
}

// Copied tells the engine the operator copied a line's code (for the
// auto-finish policy).
func (e *Engine) Copied(k backend.Key) {
	e.inbox.push(func(ctx context.Context) { e.onCopied(ctx, k) })
}

// Journal lists recent actions, newest first (disk I/O, as History).
func (e *Engine) Journal(limit int) ([]backend.JournalEntry, error) {
	return e.store.RecentJournal(limit)
}

// now is the engine's clock reading.
func (e *Engine) now() time.Time { return e.clock.Now() }

// post runs f on the engine goroutine. It never blocks; after Run has
// returned, f is never run.
func (e *Engine) post(f func()) {
	e.inbox.push(func(context.Context) { f() })
}

// spawn runs f on a worker goroutine that Run waits for before it
// returns. Only the engine goroutine spawns, so no worker starts after
// Run has begun to wait.
func (e *Engine) spawn(f func()) {
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		f()
	}()
}

// Run owns the state until ctx ends. It settles pending journal entries
// first, then polls. When ctx ends it waits for every worker it started
// (their calls end with ctx) and flushes the store, so the caller may
// close the store as soon as Run returns: cancel, wait, close.
func (e *Engine) Run(ctx context.Context) {
	e.started = e.now()
	defer func() {
		e.workers.Wait()
		_ = e.store.Flush()
	}()
	e.spawn(func() { e.out.run(ctx) })
	// Orders already matched to journal entries, before anything settles.
	journal, err := e.store.RecentJournal(0)
	if err != nil {
		e.notify(backend.Failure, "", "cannot read the action journal: "+err.Error())
	}
	e.claims.load(journal)
	e.spend.load(journal)
	pending, err := e.store.Pending()
	if err != nil {
		e.notify(backend.Failure, "", "cannot read the action journal: "+err.Error())
	}
	for _, p := range e.ownedPending(pending) {
		e.resume(ctx, p)
	}
	e.rewatch(ctx)
	pruneAt := e.now().Add(30 * time.Second)
	timer := e.clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.inbox.wake:
			for _, f := range e.inbox.take() {
				f(ctx)
			}
		case <-timer.Chan():
		}
		now := e.now()
		if now.After(pruneAt) {
			pruneAt = now.Add(6 * time.Hour)
			e.prune()
		}
		next := e.schedule(ctx, now)
		timer.Reset(max(next.Sub(e.now()), 10*time.Millisecond))
	}
}

// inbox queues work for the engine goroutine: actions, requests from the
// UI and the results of workers. Pushing never blocks and starts no
// goroutine, so nothing waits forever once Run has returned.
type inbox struct {
	mu    sync.Mutex
	items []func(context.Context)
	wake  chan struct{}
}

func newInbox() inbox { return inbox{wake: make(chan struct{}, 1)} }

func (q *inbox) push(f func(context.Context)) {
	q.mu.Lock()
	q.items = append(q.items, f)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *inbox) take() []func(context.Context) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// adopt takes the cached snapshot as the starting state.
func (e *Engine) adopt(s backend.Snapshot) {
	var ev backend.Event
	for _, a := range s.Accounts {
		if ac := e.accts[a.Name]; ac != nil && ac.info.Provider == a.Provider {
			ac.info.Balance, ac.info.Frozen, ac.info.Rating, ac.info.Email = a.Balance, a.Frozen, a.Rating, a.Email
			ac.info.LastGood = a.LastGood
		}
	}
	now := e.now()
	ev.Lines = make([]*backend.Line, 0, len(s.Lines))
	for i := range s.Lines {
		l := &s.Lines[i] // the decoded value itself becomes the engine's (and the published) one
		if ac := e.accts[l.Account]; ac != nil && ac.info.Provider == l.Provider {
			if !l.CodeAt.IsZero() {
				l.CodeAt = backend.InstantOf(clampProviderTime(l.CodeAt.Time(), now)) // saved before codes were ordered by Switchboard's clock
			}
			if e.opts.Still {
				ev.Lines = append(ev.Lines, ac.lineView(&lineState{Line: l}))
				continue
			}
			ls := newLineState(l)
			ac.lines[l.ID] = ls
			ac.queue(ls)
		}
	}
	if !e.opts.Still {
		e.adoptWatched(s)
	}
	for _, l := range s.Leases {
		if ac := e.accts[l.Account]; ac != nil && ac.info.Provider == l.Provider {
			ac.leases[l.Key] = l
		}
	}
	for _, j := range s.Jobs {
		if ac := e.accts[j.Account]; ac != nil && ac.info.Provider == j.Provider {
			ac.jobs[j.Key] = j
		}
	}
	ev.Leases = make([]backend.Lease, 0, len(s.Leases))
	ev.Jobs = make([]backend.Job, 0, len(s.Jobs))
	for _, name := range e.order {
		ac := e.accts[name]
		ev.Accounts = append(ev.Accounts, ac.view())
		for _, l := range ac.lines {
			ev.Lines = append(ev.Lines, ac.lineView(l))
		}
		for _, l := range ac.leases {
			ev.Leases = append(ev.Leases, ac.leaseView(l))
		}
		for _, j := range ac.jobs {
			ev.Jobs = append(ev.Jobs, ac.jobView(j))
		}
	}
	for _, n := range s.Notes {
		ev.Notices = append(ev.Notices, backend.Notice{Level: backend.Warning, Text: n, At: e.now()})
	}
	e.initial = ev
}

// notify queues a notice for the UI.
func (e *Engine) notify(l backend.Level, k backend.Key, text string) {
	e.out.push(backend.Event{Notices: []backend.Notice{{Level: l, Key: k, Text: text, At: e.now()}}})
}

// nextVersion numbers changes so the UI can cache rendered rows.
func (e *Engine) nextVersion() uint64 {
	e.version++
	return e.version
}

// --- merging provider answers into the state ---------------------------

// mergeLines upserts lines of one account with the messages that came
// with them (see codes.go for how the code is chosen), then saves and
// emits the lines that changed. It costs what it is given: a listed line
// without news is merged and compared in a scratch value, and only a line
// that takes messages waits, with how it was, until they are in. A line
// that changed gets a new value; an unchanged one keeps the one published.
func (e *Engine) mergeLines(ac *acct, lines []backend.Line, msgs []backend.Message) {
	now := e.now()
	var ch backend.StateChange
	var changed []*lineState
	refiner, refines := ac.p.(backend.Refiner)
	// scratch holds a line merged in place while it settles, so that a
	// listing which changes nothing allocates nothing.
	var scratch backend.Line
	// settle ends a line's merge: the code a listing names, the state the
	// code implies, the provider's rules; it has changed if it is no
	// longer what it was before, and then keeps a value of its own.
	settle := func(cur *lineState, before *backend.Line, wasShared bool, listed *backend.Line) {
		if listed != nil {
			listedCode(cur, *listed, now)
		}
		if st := stateFromCode(cur.Line); st != cur.State {
			cur.edit().State = st
		}
		if refines {
			if r := refiner.Refine(*cur.Line); !r.Equal(*cur.Line) {
				*cur.edit() = r
			}
		}
		ac.queue(cur)
		if cur.Line == before {
			return // nothing was edited
		}
		cur.Version = before.Version
		if before.Key != "" && before.Equal(*cur.Line) {
			cur.Line, cur.shared = before, wasShared // keep the value already published
			return
		}
		cur.Version = e.nextVersion()
		if cur.Line == &scratch {
			n := scratch
			cur.Line = &n
		}
		changed = append(changed, cur)
	}
	// waiting are the lines that wait for messages (or appear twice), as
	// they were before, with where the listing last named them.
	type waitingLine struct {
		l      *lineState
		before *backend.Line
		listed int // index in lines, -1 when only a message named it
	}
	var waiting []waitingLine
	ac.merges++
	wait := func(l *lineState) *waitingLine {
		if l.mergeNo != ac.merges || l.mergeAt < 0 {
			l.mergeNo, l.mergeAt = ac.merges, len(waiting)
			l.shared = true // before stays as it is: edits copy
			waiting = append(waiting, waitingLine{l: l, before: l.Line, listed: -1})
		}
		return &waiting[l.mergeAt]
	}
	msgs = e.markHeld(msgs)
	sortBySeen(msgs)
	news := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		news[m.Line.ID()] = true
	}
	for i := range lines {
		l := &lines[i]
		cur := ac.lines[l.ID]
		if cur == nil {
			cur = newLineState(&backend.Line{})
			ac.lines[l.ID] = cur
			if !ac.traits.ListsLines {
				ch.Watch = append(ch.Watch, l.Key) // known only to us: the ledger keeps the order
			}
		}
		inPlace := !news[l.ID] && cur.mergeNo != ac.merges
		before, wasShared := cur.Line, cur.shared
		if inPlace {
			cur.mergeNo, cur.mergeAt = ac.merges, -1
			scratch = mergeListing(*before, *l, now)
			cur.Line, cur.shared = &scratch, false
		} else {
			wait(cur).listed = i
			n := mergeListing(*before, *l, now)
			cur.Line, cur.shared = &n, false
		}
		if l.NewWindow {
			cur.autoTried = false // the auto-cancel policy starts over with the window
			cur.codeSeen, cur.codeFrom = 0, ""
		}
		if inPlace {
			settle(cur, before, wasShared, l)
		}
	}
	for _, m := range msgs {
		if cur := ac.lineByKey(m.Line); cur != nil {
			wait(cur)
			takeMessage(cur, m)
		}
	}
	for _, w := range waiting {
		var listed *backend.Line
		if w.listed >= 0 {
			listed = &lines[w.listed]
		}
		settle(w.l, w.before, true, listed)
	}
	ev := backend.Event{Messages: msgs}
	if len(changed) > 0 {
		ch.Lines = make([]backend.Line, len(changed))
		ev.Lines = make([]*backend.Line, len(changed))
		for i, l := range changed {
			ch.Lines[i], ev.Lines[i] = *l.Line, ac.lineView(l)
		}
	}
	if !ch.Empty() {
		e.store.Save(ch)
	}
	e.out.push(ev)
}

// syncItems merges items (leases or jobs) into have: every given item is
// stored with a new version unless unchanged; with full, items missing
// from the listing are removed. It returns what changed and what went.
func syncItems[T any](e *Engine, have map[backend.Key]T, items []T, full bool, key func(T) backend.Key, ver func(*T) *uint64) ([]T, []backend.Key) {
	var changed []T
	var removed []backend.Key
	seen := map[backend.Key]bool{}
	for _, it := range items {
		k := key(it)
		seen[k] = true
		prev, ok := have[k]
		*ver(&it) = *ver(&prev)
		if full && ok && reflect.DeepEqual(prev, it) {
			continue
		}
		*ver(&it) = e.nextVersion()
		have[k] = it
		changed = append(changed, it)
	}
	if full {
		for k := range have {
			if !seen[k] {
				delete(have, k)
				removed = append(removed, k)
			}
		}
	}
	return changed, removed
}

func leaseKey(l backend.Lease) backend.Key { return l.Key }
func leaseVer(l *backend.Lease) *uint64    { return &l.Version }
func jobKey(j backend.Job) backend.Key     { return j.Key }
func jobVer(j *backend.Job) *uint64        { return &j.Version }

// setLeases merges an account's leases: a full listing replaces them, a
// partial one (an action's answer, a webhook) changes only those given.
func (e *Engine) setLeases(ac *acct, leases []backend.Lease, full bool) {
	changed, removed := syncItems(e, ac.leases, leases, full, leaseKey, leaseVer)
	ev := backend.Event{Removed: removed}
	for _, l := range changed {
		ev.Leases = append(ev.Leases, ac.leaseView(l))
	}
	if ch := (backend.StateChange{Leases: changed, DeleteLeases: removed}); !ch.Empty() {
		e.store.Save(ch)
	}
	e.out.push(ev)
}

// setJobs is setLeases for jobs.
func (e *Engine) setJobs(ac *acct, jobs []backend.Job, full bool) {
	changed, removed := syncItems(e, ac.jobs, jobs, full, jobKey, jobVer)
	ev := backend.Event{Removed: removed}
	for _, j := range changed {
		ev.Jobs = append(ev.Jobs, ac.jobView(j))
	}
	if ch := (backend.StateChange{Jobs: changed, DeleteJobs: removed}); !ch.Empty() {
		e.store.Save(ch)
	}
	e.out.push(ev)
}

// setBalance records a fresh balance.
func (e *Engine) setBalance(ac *acct, b backend.Account) {
	ac.info.Balance, ac.info.Frozen, ac.info.Rating = b.Balance, b.Frozen, b.Rating
	if b.Email != "" {
		ac.info.Email = b.Email
	}
	e.accountChanged(ac)
}

// accountChanged emits and saves the account.
func (e *Engine) accountChanged(ac *acct) {
	ac.info.Version = e.nextVersion()
	v := ac.view()
	e.store.Save(backend.StateChange{Accounts: []backend.Account{v}})
	e.out.push(backend.Event{Accounts: []backend.Account{v}})
}

// dropOldLines removes closed lines the operator no longer needs to see
// from the state (their messages stay in the ledger).
func (e *Engine) dropOldLines(ac *acct, now time.Time) {
	var ch backend.StateChange
	for id, l := range ac.lines {
		if l.State.Open() {
			continue
		}
		last := later(later(l.CreatedAt, l.CodeAt), l.ExpiresAt)
		if now.Sub(last) > closedLineKeep {
			ac.forget(l)
			e.stored.forget(l.Key)
			delete(ac.lines, id)
			ch.DeleteLines = append(ch.DeleteLines, l.Key)
			if !ac.traits.ListsLines {
				ch.Unwatch = append(ch.Unwatch, l.Key)
			}
		}
	}
	if !ch.Empty() {
		e.store.Save(ch)
		e.out.push(backend.Event{Removed: ch.DeleteLines})
	}
}

// closedLineKeep is how long a finished, cancelled or expired line stays on
// the dashboard.
const closedLineKeep = 24 * time.Hour

func (e *Engine) prune() {
	keep := map[backend.Key]bool{}
	for _, ac := range e.accts {
		for _, l := range ac.lines {
			if l.State.Open() {
				keep[l.Key] = true
			}
		}
	}
	cutoff := e.now().Add(-e.opts.Retention)
	e.spawn(func() {
		if n, err := e.store.Prune(cutoff, keep); err != nil {
			e.log.Warn("prune failed", "err", err)
		} else if n > 0 {
			e.log.Info("pruned old messages", "count", n)
		}
	})
}

// later is the later of two moments, each a time.Time or a Line's
// backend.Instant.
func later[A, B moment](a A, b B) time.Time {
	ta, tb := timeOf(a), timeOf(b)
	if tb.After(ta) {
		return tb
	}
	return ta
}

// moment is a time as the engine holds it or as a Line does.
type moment interface{ time.Time | backend.Instant }

func timeOf[M moment](m M) time.Time {
	if i, ok := any(m).(backend.Instant); ok {
		return i.Time()
	}
	return any(m).(time.Time)
}
