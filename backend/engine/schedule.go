package engine

import (
	"switchboard/backend"

	"container/heap"
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// How the engine spends an account's budget:
//
//   - hot: open lines, weighted (a line waiting for a code weighs 1, one
//     that just got a code less, a quiet rental little). Per-line providers
//     get one slot per request, shared by stride scheduling so every line
//     of equal weight is read at the same interval; batch providers read
//     every line in one call per slot. Slots come as fast as the budget
//     allows after cold work and the operator's headroom.
//   - cold: balance, listings, leases and jobs, every minute or few.
//
// Time to code is half the interval at which a waiting line is read, so
// the slot rate is the budget, not a fixed period.

// coldTask is a periodic read.
type coldTask int

const (
	taskBalance coldTask = iota
	taskLines
	taskLeases
	taskJobs
	taskCount
	taskHot = taskCount // index of hot reads in acct.failing
)

func (t coldTask) String() string {
	return [...]string{"balance", "lines", "leases", "jobs", "check"}[t]
}

type coldState struct {
	next  time.Time
	last  time.Time // when the last run started
	cost  float64   // requests per run (moving average)
	fails int       // runs failed in a row
}

// lineState is a line plus what the scheduler knows about reading it.
// Line is the engine's value of the line, and the very value it publishes:
// once published (shared) it is never changed — edit copies it first — so
// the engine, the hub and every screen hold one copy of each line.
type lineState struct {
	*backend.Line
	pass         float64 // stride scheduling position
	slot         int     // place in acct.due, -1 when not there (due.go)
	lastActivity time.Time
	// codeSeen is when Switchboard saw Code: what orders codes (see
	// codes.go). An Instant, not a time.Time: one per line, 16 bytes each.
	codeSeen backend.Instant
	codeFrom string // id of the message that gave Code (to clear CodeUnsaved once it is saved)
	// mergeNo and mergeAt: the last merge that touched the line and its
	// place in that merge's list (see mergeLines).
	mergeNo uint64
	mergeAt int
	// The flags last, side by side: padding between fields would take
	// the line into the allocator's next size class (TestLineStateSize).
	shared    bool // Line has been published: edit before changing it
	checking  bool
	autoTried bool // the auto-cancel policy already acted on it
}

func newLineState(l *backend.Line) *lineState { return &lineState{Line: l, slot: -1} }

// edit returns the line's value to change: its own, or a copy of it when
// the value has been published (copy-on-write).
func (l *lineState) edit() *backend.Line {
	if l.shared {
		n := *l.Line
		l.Line, l.shared = &n, false
	}
	return l.Line
}

// acct is one account's state, owned by the engine goroutine.
type acct struct {
	spec   AccountSpec
	p      backend.Provider
	traits backend.Traits
	budget *backend.Budget
	info   backend.Account
	lines  map[string]*lineState // by provider id
	leases map[backend.Key]backend.Lease
	jobs   map[backend.Key]backend.Job

	inflight int  // hot reads in flight
	coldBusy bool // a cold read is in flight: they run one at a time
	nextSlot time.Time
	slotFrom time.Time // the slot the last scheduled hot read took
	due      dueLines  // lines hot reads may pick (due.go)
	floor    float64   // the pass of the line hot reads picked last
	merges   uint64    // merges so far (mergeLines)
	hotCost  float64   // requests per hot read, averaged over the last seconds (costMemory)
	costAt   time.Time // when hotCost last took a read
	cold     [taskCount]coldState
	coldCost coldSpend           // what periodic cold reads spent lately (coldspend.go)
	plan     hotPlan             // the next hot read, for cold reads to give way to
	failures int                 // calls failed in a row
	failing  [taskCount + 1]bool // per kind of read (cold tasks, then hot): last call failed
	errKind  backend.ErrKind     // the kind of info.LastError (backoff.go)
	backoff  time.Time
	goodRun  bool // a poll succeeded this run
	// announcedGood is the LastGood the UI last heard of, at announcedAt.
	announcedGood time.Time
	announcedAt   time.Time
	lastFailAt    time.Time
	hint          *hintState // webhook hints waiting for a read (hint.go)
	leasesListed  bool       // a full lease listing was merged this run (listed.go)
	firstListing  bool       // the cold read in flight is its task's first: hot reads let it go first
	takenOver     bool       // taken over with a state polled before (on screen already): see runCold
}

// syncAnnounce is how stale "synced … ago" may get before a good poll is
// announced on its own.
const syncAnnounce = 5 * time.Second

// maxInflight bounds concurrent hot reads per account (cold reads and
// actions are apart).
const maxInflight = 2

func newAcct(s AccountSpec, demo bool) *acct {
	a := &acct{
		spec: s, p: s.Provider, traits: s.Provider.Traits(), budget: s.Budget,
		lines: map[string]*lineState{}, leases: map[backend.Key]backend.Lease{}, jobs: map[backend.Key]backend.Job{},
		hotCost: 1, hint: newHintState(),
	}
	a.info = backend.Account{Name: s.Provider.Account(), Provider: s.Provider.Kind(), ReadOnly: s.ReadOnly, Demo: demo}
	if s.LowBalance != nil {
		a.info.LowBalance, a.info.HasLow = *s.LowBalance, true
	}
	for i := range a.cold {
		a.cold[i].cost = 1
	}
	return a
}

// period is how often a cold task runs.
func (a *acct) period(t coldTask) time.Duration {
	switch t {
	case taskBalance:
		return time.Minute
	case taskLines:
		if a.traits.BatchCheck {
			return time.Minute
		}
		return 2 * time.Minute
	case taskLeases:
		return 5 * time.Minute
	case taskJobs:
		for _, j := range a.jobs {
			if !j.State.Terminal() {
				return 30 * time.Second
			}
		}
		return 5 * time.Minute
	}
	return time.Minute
}

// pollRate is requests per minute the scheduler may spend on hot reads:
// what cold reads spent over the last minute is set aside, or, in the
// account's first minute, what each task costs over its period.
func (a *acct) pollRate(now time.Time, headroom float64) float64 {
	cold, ok := a.coldCost.perMinute(now)
	if !ok {
		for t := range taskCount {
			cold += a.cold[t].cost / a.period(t).Minutes()
		}
	}
	return HotRate(a.budget.PerMinute(), headroom, cold)
}

// HotRate is the requests per minute a budget of perMinute leaves for hot
// reads once the safety margin, the operator's headroom and cold reads
// (coldPerMinute) are set aside; never below a fifth of the share. The
// benchmark computes its time-to-code bound from it.
func HotRate(perMinute, headroom, coldPerMinute float64) float64 {
	total := perMinute * backend.BudgetSafety * (1 - headroom)
	return math.Max(total-coldPerMinute, total*0.2)
}

// weight is a line's share of hot reads.
func (a *acct) weight(l *lineState, now time.Time) float64 {
	return LineWeight(*l.Line, l.lastActivity, now)
}

// LineWeight is a line's share of hot reads: 1 while waiting for a code,
// less after one (follow-ups are common at first, then rare), 0 when it
// cannot receive. lastActivity is its newest SMS.
func LineWeight(l backend.Line, lastActivity, now time.Time) float64 {
	if !readable(l.State) {
		return 0
	}
	if l.State == backend.LineWaiting {
		return 1
	}
	recent := later(later(l.CreatedAt, l.CodeAt), lastActivity)
	switch since := now.Sub(recent); {
	case since < 3*time.Minute:
		return 0.5 // follow-up SMS are common right after a code
	case since < 15*time.Minute:
		return 0.2
	case since < time.Hour:
		return 0.05
	}
	return 0.01
}

func (a *acct) lineByKey(k backend.Key) *lineState {
	return a.lines[k.ID()]
}

// view is the account as the UI sees it.
func (a *acct) view() backend.Account {
	v := a.info
	v.PausedUntil = a.budget.PausedUntil()
	return v
}

// lineView publishes a line: the engine's own value, never changed after.
func (a *acct) lineView(l *lineState) *backend.Line {
	l.shared = true
	if a.spec.ReadOnly {
		v := *l.Line
		v.Allowed = 0
		return &v
	}
	return l.Line
}

func (a *acct) leaseView(l backend.Lease) backend.Lease {
	if a.spec.ReadOnly {
		l.Allowed = 0
	}
	return l
}

func (a *acct) jobView(j backend.Job) backend.Job {
	if a.spec.ReadOnly {
		j.Allowed = 0
	}
	return j
}

// schedule launches what is due and returns when to look again.
func (e *Engine) schedule(ctx context.Context, now time.Time) time.Time {
	next := now.Add(time.Second)
	for _, name := range e.order {
		a := e.accts[name]
		ctx, owned := e.accountCtx(ctx, a) // a lost account's reads end with its context
		if !owned {
			continue
		}
		e.autoCancel(ctx, a, now)
		if t := a.budget.PausedUntil(); t.After(now) {
			next = earliest(next, t)
			continue
		}
		if a.backoff.After(now) {
			next = earliest(next, a.backoff)
			continue
		}
		if a.probing() {
			continue // the call in flight answers first
		}
		e.hintReads(ctx, a, now)
		for t := range taskCount {
			c := &a.cold[t]
			if c.next.IsZero() {
				c.next = now
			}
			if !now.Before(c.next) {
				if a.coldBusy {
					continue // its turn comes when the read in flight answers
				}
				prev := c.last
				c.last, c.next = now, now.Add(a.period(t))
				e.runCold(ctx, a, t, prev)
			}
			next = earliest(next, c.next)
		}
		if a.probing() {
			continue
		}
		if t, ok := e.hot(ctx, a, now); ok {
			next = earliest(next, t)
		}
	}
	return next
}

// hot launches a hot read when a slot is due; it returns the next slot.
// Slots are spaced by what reads cost (hotCost, an average over the last
// seconds), so the gaps stay even when some reads cost more; the next
// slot is set again when the read answers, with its cost counted.
func (e *Engine) hot(ctx context.Context, a *acct, now time.Time) (time.Time, bool) {
	next := a.nextDue()
	defer a.publishPlan(next != nil)
	if next == nil || a.inflight >= maxInflight {
		return time.Time{}, false // a line queued or a read answering wakes the loop
	}
	if a.firstListing {
		// The screen fills first: the listing's requests yield (to a
		// hint's read), and a poll would take the tokens they wait for.
		return time.Time{}, false // its answer wakes the loop
	}
	if now.Before(a.nextSlot) {
		return a.nextSlot, true
	}
	// Start only when the budget can grant what a read costs at once: a
	// read whose requests wait for tokens shows its codes late. The slot
	// stays where it was, so the next read comes a spacing after it, not
	// after the wait: a wait that pushed every later slot back left part
	// of the hot share unspent.
	if wait := a.budget.Ready(max(1, math.Round(a.hotCost)) + a.spareForHints(now)); wait > 0 {
		return now.Add(wait), true
	}
	var batch []*lineState
	per := time.Duration(float64(time.Minute) / a.pollRate(now, e.opts.Headroom)) // a request's share
	if a.traits.BatchCheck {
		// Every line in one read, as often as the heaviest one needs.
		batch = a.takeAllDue()
		wmax := 0.0
		for _, l := range batch {
			wmax = math.Max(wmax, a.weight(l, now))
		}
		per = time.Duration(float64(per) / wmax)
	}
	spacing := time.Duration(a.hotCost * float64(per))
	if a.nextSlot.Before(now.Add(-spacing)) {
		a.nextSlot = now // do not burst to catch up on missed slots
	}
	a.slotFrom = a.nextSlot
	a.nextSlot = a.nextSlot.Add(spacing)
	if !a.traits.BatchCheck {
		// The smallest pass, ties to the lower id, so lines of equal
		// weight are read in the same order every round and each one
		// exactly a round apart. (Map order would shuffle every round: a
		// line read first, then last, waits two rounds, and a code's
		// average wait grows by a sixth.)
		heap.Pop(&a.due)
		a.floor = next.pass
		next.pass += 1 / a.weight(next, now)
		batch = []*lineState{next}
	}
	lines := make([]backend.Line, len(batch))
	for i, l := range batch {
		e.trace(a, l.ID, StepPollRead, false)
		l.checking = true
		lines[i] = *l.Line
	}
	e.runCheck(a.pollCtx(ctx, now, lines), a, lines, per)
	return a.nextSlot, true
}

// costMemory is how long a hot read's cost weighs in hotCost: long enough
// that a read which cost more (a marketplace read that asked for codes)
// stretches the following gaps evenly, short enough that the gaps shrink
// within seconds once reads are cheap again.
const costMemory = 4 * time.Second

// costTook averages a hot read's cost into hotCost, weighted by the time
// since the last one, so the average follows time whatever the read rate.
func (a *acct) costTook(now time.Time, cost float64) {
	w := 1.0
	if !a.costAt.IsZero() {
		w = 1 - math.Exp(-float64(now.Sub(a.costAt))/float64(costMemory))
	}
	a.hotCost += w * (cost - a.hotCost)
	a.costAt = now
}

// hotPlan is the hot read planned next as the account's cold reads see
// it, from their own goroutines: what it needs and when it starts (need
// 0: none planned). They give way to it (backend.YieldingAhead).
type hotPlan struct {
	mu   sync.Mutex
	need float64
	at   time.Time
}

// publishPlan tells the cold reads which hot read to give way to: the
// one in flight until it answers (its requests may still be taking their
// tokens: moving on to the next slot at its start let a cold request take
// one of them), else the next slot if a line is due (due).
func (a *acct) publishPlan(due bool) {
	need := max(1, math.Round(a.hotCost))
	switch {
	case a.inflight > 0:
		a.plan.set(need, a.slotFrom)
	case due:
		a.plan.set(need, a.nextSlot)
	default:
		a.plan.set(0, time.Time{})
	}
}

func (p *hotPlan) set(need float64, at time.Time) {
	p.mu.Lock()
	p.need, p.at = need, at
	p.mu.Unlock()
}

func (p *hotPlan) next() (float64, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.need, p.at
}

// callTimeout bounds one poll.
func (a *acct) callTimeout() time.Duration {
	if a.traits.CheckTimeout > 0 {
		return a.traits.CheckTimeout
	}
	return 30 * time.Second
}

// runCheck reads some lines in a worker and merges the answer. A read
// the schedule made (per, a request's share of its slot, > 0) sets the
// next slot again from its own once its cost is known, if no read
// started after it.
func (e *Engine) runCheck(ctx context.Context, a *acct, lines []backend.Line, per time.Duration) {
	from := a.slotFrom
	a.inflight++
	e.spawn(func() {
		var n atomic.Int64
		cctx, cancel := context.WithTimeout(backend.WithCounter(e.traceGrants(ctx, a, lines), &n), a.callTimeout())
		got, msgs, err := a.p.Check(cctx, lines)
		cancel()
		var fresh []backend.Message
		if err == nil {
			fresh = e.admit(msgs)
		}
		e.post(func() {
			a.inflight--
			for _, l := range lines {
				if s := a.lines[l.ID]; s != nil {
					s.checking = false
					a.queue(s)
				}
			}
			a.costTook(e.now(), math.Max(float64(n.Load()), 1))
			if per > 0 && a.slotFrom.Equal(from) {
				a.nextSlot = from.Add(time.Duration(a.hotCost * float64(per)))
			}
			e.checkDone(a, lines, fresh)
			e.traceAnswer(a, lines, fresh)
			if e.callDone(a, taskHot, err) {
				e.mergeLines(a, got, fresh)
			}
		})
	})
}

// runCold runs a periodic read in a worker; prev is when the task last
// ran (zero: never). Its requests yield to hot reads: each waits until the
// bucket keeps what a hot read needs. The first run keeps nothing (at the
// start nothing is known, and yielding to the hot reads of the lines just
// listed left the leases and jobs off the screen for 20 s): its requests
// take each token as it comes, but not one a hint's read already waits
// for — reserving, they queued ahead of it, a refill more. After a
// takeover they keep the hints' spare token as polls do.
func (e *Engine) runCold(ctx context.Context, a *acct, t coldTask, prev time.Time) {
	a.coldBusy, a.firstListing = true, prev.IsZero()
	e.trace(a, t.String(), StepColdRead, false)
	started := e.now()
	// A run a period after the last is the periodic one; the others
	// (re-reads after an action, hints, retries) are paid for apart and
	// not planned with (pollRate).
	periodic := prev.IsZero() || started.Sub(prev) >= a.period(t)
	cctx := backend.YieldingAhead(ctx, math.Ceil(a.hotCost), a.plan.next)
	if prev.IsZero() {
		keep := 0.0
		if a.takenOver {
			// Its state is on every screen already (the store's): a
			// hint's read finds the spare token rather than waiting a
			// refill behind the listings.
			keep = a.spareForHints(started)
		}
		cctx = backend.Yielding(ctx, keep)
	}
	var known []backend.Job
	if t == taskJobs {
		for _, j := range a.jobs {
			known = append(known, j)
		}
	}
	e.spawn(func() {
		var n atomic.Int64
		cctx, cancel := context.WithTimeout(backend.WithCounter(cctx, &n), 2*a.callTimeout())
		defer cancel()
		var apply func()
		var err error
		switch t {
		case taskBalance:
			var b backend.Account
			b, err = a.p.Balance(cctx)
			apply = func() { e.setBalance(a, b) }
		case taskLines:
			var lines []backend.Line
			var msgs, fresh []backend.Message
			lines, msgs, err = a.p.Lines(cctx)
			if err == nil {
				fresh = e.admit(msgs)
			}
			apply = func() {
				e.mergeLines(a, lines, fresh)
				e.dropOldLines(a, e.now())
			}
		case taskLeases:
			var leases []backend.Lease
			leases, err = a.p.Leases(cctx)
			apply = func() { e.setLeases(a, leases, true); e.leasesListed(a) }
		case taskJobs:
			var jobs []backend.Job
			jobs, err = a.p.Jobs(cctx, known)
			apply = func() { e.setJobs(a, jobs, true) }
		}
		e.post(func() {
			a.coldBusy, a.firstListing = false, false
			c := &a.cold[t]
			c.cost = 0.7*c.cost + 0.3*float64(n.Load())
			if periodic {
				a.coldCost.add(e.now(), float64(n.Load()))
			}
			if err == nil && n.Load() == 0 {
				// Nothing was asked of the provider (it has no such
				// listing): no news about the account's health.
				apply()
				return
			}
			switch {
			case err == nil:
				c.fails = 0
			case !errorsIsCanceled(err):
				// Try a failed read again once the backoff or pause
				// allows, not a whole period later: until it succeeds
				// the account cannot be ok again.
				c.fails++
				c.next = earliest(c.next, e.now().Add(min(time.Second<<min(c.fails, 7), a.period(t))))
			}
			if e.callDone(a, t, err) {
				apply()
				// The answer may shorten the period (jobs now open): the
				// next read comes a new period after this one.
				c.next = earliest(c.next, started.Add(a.period(t)))
			}
		})
	})
}

// callDone updates the account's health after a call and reports whether
// the answer may be merged.
func (e *Engine) callDone(a *acct, t coldTask, err error) bool {
	now := e.now()
	before := a.info
	wasFailing := a.isFailing()
	switch {
	case err == nil:
		a.failures = 0
		a.backoff = time.Time{}
		a.goodRun = true
		a.info.LastGood = now
		a.failing[t] = false
	case backend.KindOf(err) == backend.ErrRateLimited:
		a.failing[t] = true
		a.noteError(err, wasFailing)
	case errorsIsCanceled(err):
		return false
	default:
		if !a.backoff.After(now) {
			// Calls already in flight when another failed are the same
			// outage: counting each would double the backoff per round.
			a.failures++
		}
		a.failing[t] = true
		a.lastFailAt = now
		a.backoff = later(a.backoff, now.Add(backoffAfter(a.failures, backend.KindOf(err))))
		level := slog.LevelDebug // the same trouble again: logged once
		if a.noteError(err, wasFailing) {
			level = slog.LevelWarn
		}
		e.log.Log(context.Background(), level, "poll failed", "account", a.info.Name, "read", t.String(), "err", err.Error())
	}
	switch {
	case !a.isFailing():
		a.info.Health, a.info.LastError = backend.HealthOK, ""
	case a.failures >= 3 && (!a.goodRun || now.Sub(a.info.LastGood) > 2*time.Minute):
		a.info.Health = backend.HealthFailing
	default:
		a.info.Health = backend.HealthDegraded
	}
	// "synced 3s ago" may lag a little: a good poll alone re-announces the
	// account at most every few seconds, and so does a new error (of
	// another kind: noteError), so a busy or failing account does not
	// make the UI redraw on every read.
	changed := before.Health != a.info.Health || !before.PausedUntil.Equal(a.budget.PausedUntil())
	due := now.Sub(a.announcedAt) >= syncAnnounce
	if changed || (due && (before.LastError != a.info.LastError || a.info.LastGood.Sub(a.announcedGood) >= syncAnnounce)) {
		a.info.PausedUntil = a.budget.PausedUntil()
		a.announcedGood, a.announcedAt = a.info.LastGood, now
		e.accountChanged(a)
	}
	return err == nil
}

// isFailing reports whether the last call of any kind of read failed.
func (a *acct) isFailing() bool {
	for _, f := range a.failing {
		if f {
			return true
		}
	}
	return false
}

// refreshNow makes every cold read of an account (or all) due now and
// lifts the error backoff, keeping any 429 pause.
func (e *Engine) refreshNow(name string) {
	for n, a := range e.accts {
		if name != "" && n != name {
			continue
		}
		a.backoff = time.Time{}
		for t := range taskCount {
			a.cold[t].next = e.now()
		}
		a.nextSlot = time.Time{}
	}
}

// autoCancel applies the optional "cancel a line with no code after N
// minutes" policy.
func (e *Engine) autoCancel(ctx context.Context, a *acct, now time.Time) {
	after := a.spec.AutoCancelAfter
	if after <= 0 || a.spec.ReadOnly {
		return
	}
	for _, l := range a.lines {
		waiting := later(l.CreatedAt, l.WindowAt) // a reuse starts the wait over
		if l.autoTried || l.State != backend.LineWaiting || l.Code != "" || now.Sub(waiting) < after || l.CooldownUntil.After(now) {
			continue
		}
		kind := backend.ActCancel
		if !l.Allowed.Has(backend.ActCancel) {
			kind = backend.ActReject
		}
		if _, held := e.flight[flightKey(a.info.Name, kind, l.Key)]; !l.Allowed.Has(kind) || held {
			continue
		}
		l.autoTried = true
		e.start(ctx, backend.Action{ID: backend.NewActionID(kind), Kind: kind, Account: a.info.Name,
			Target: l.Key, Label: "auto-cancel: no code after " + after.String(), CreatedAt: now, Operator: AutoOperator})
	}
}

func earliest(a, b time.Time) time.Time {
	if b.IsZero() || (!a.IsZero() && a.Before(b)) {
		return a
	}
	return b
}
