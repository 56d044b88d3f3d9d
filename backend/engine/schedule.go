package engine

import (
	"switchboard/backend"

	"context"
	"math"
	"math/rand/v2"
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
	cost  float64 // requests per run (moving average)
	fails int     // runs failed in a row
}

// lineState is a line plus what the scheduler knows about reading it.
type lineState struct {
	backend.Line
	pass         float64 // stride scheduling position
	lastActivity time.Time
	checking     bool
	autoTried    bool      // the auto-cancel policy already acted on it
	codeSeen     time.Time // when Switchboard saw Code: what orders codes (see codes.go)
	codeFrom     string    // id of the message that gave Code (to clear CodeUnsaved once it is saved)
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

	inflight int
	nextSlot time.Time
	// hotKnown: the last look found lines to read (nextSlot is theirs);
	// hotIdleUntil: it found none, so do not look again before then
	// unless linesChanged.
	hotKnown     bool
	hotIdleUntil time.Time
	linesChanged bool
	hotCost      float64 // requests per hot check (moving average)
	cold         [taskCount]coldState
	failures     int                 // calls failed in a row
	failing      [taskCount + 1]bool // per kind of read (cold tasks, then hot): last call failed
	backoff      time.Time
	goodRun      bool // a poll succeeded this run
	// announcedGood is the LastGood the UI last heard of, at announcedAt.
	announcedGood time.Time
	announcedAt   time.Time
	lastFailAt    time.Time
	hint          *hintState // webhook hints waiting for a read (hint.go)
	leasesListed  bool       // a full lease listing was merged this run (listed.go)
}

// syncAnnounce is how stale "synced … ago" may get before a good poll is
// announced on its own.
const syncAnnounce = 5 * time.Second

// maxInflight bounds concurrent polls per account (actions are apart).
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

// pollRate is requests per minute the scheduler may spend on hot reads.
func (a *acct) pollRate(headroom float64) float64 {
	cold := 0.0
	for t := range taskCount {
		cold += a.cold[t].cost / a.period(t).Minutes()
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
	return LineWeight(l.Line, l.lastActivity, now)
}

// LineWeight is a line's share of hot reads: 1 while waiting for a code,
// less after one (follow-ups are common at first, then rare), 0 when it
// cannot receive. lastActivity is its newest SMS.
func LineWeight(l backend.Line, lastActivity, now time.Time) float64 {
	if !l.State.Open() || l.State == backend.LinePending {
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

func (a *acct) minPass() float64 {
	m := math.Inf(1)
	for _, l := range a.lines {
		if l.pass < m && l.State.Open() {
			m = l.pass
		}
	}
	if math.IsInf(m, 1) {
		return 0
	}
	return m
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

func (a *acct) lineView(l *lineState) backend.Line {
	v := l.Line
	if a.spec.ReadOnly {
		v.Allowed = 0
	}
	return v
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
		e.autoCancel(ctx, a, now)
		if t := a.budget.PausedUntil(); t.After(now) {
			next = earliest(next, t)
			continue
		}
		if a.backoff.After(now) {
			next = earliest(next, a.backoff)
			continue
		}
		e.hintReads(ctx, a, now)
		for t := range taskCount {
			c := &a.cold[t]
			if c.next.IsZero() {
				// Stagger the first reads so start-up is not a burst.
				c.next = now.Add(time.Duration(t) * 150 * time.Millisecond)
			}
			if !now.Before(c.next) && a.inflight < maxInflight {
				c.next = now.Add(a.period(t))
				e.runCold(ctx, a, t)
			}
			next = earliest(next, c.next)
		}
		if t, ok := e.hot(ctx, a, now); ok {
			next = earliest(next, t)
		}
	}
	return next
}

// hot launches a hot read when a slot is due; it returns the next slot.
func (e *Engine) hot(ctx context.Context, a *acct, now time.Time) (time.Time, bool) {
	// The scheduler runs after every event and timer: leave before
	// looking at every line when nothing can be launched anyway.
	if !a.linesChanged && now.Before(a.hotIdleUntil) {
		return time.Time{}, false // no line wanted reading a moment ago
	}
	if a.hotKnown && now.Before(a.nextSlot) {
		return a.nextSlot, true
	}
	if a.inflight >= maxInflight {
		return now.Add(50 * time.Millisecond), true
	}
	a.linesChanged = false
	var best *lineState
	var batch []*lineState
	wmax := 0.0
	for _, l := range a.lines {
		w := a.weight(l, now)
		if w == 0 || l.checking {
			continue
		}
		wmax = math.Max(wmax, w)
		if a.traits.BatchCheck {
			batch = append(batch, l)
		} else if best == nil || l.pass < best.pass || (l.pass == best.pass && l.ID < best.ID) {
			// Ties go to the lower id, so lines of equal weight are read
			// in the same order every round and each one exactly a
			// round apart. (Map order would shuffle every round: a line
			// read first, then last, waits two rounds, and a code's
			// average wait grows by a sixth.)
			best = l
		}
	}
	if wmax == 0 {
		a.hotKnown = false
		a.hotIdleUntil = now.Add(time.Second) // weights change with time: look again soon
		return time.Time{}, false
	}
	a.hotKnown = true
	spacing := time.Duration(a.hotCost * float64(time.Minute) / a.pollRate(e.opts.Headroom))
	if a.traits.BatchCheck {
		spacing = time.Duration(float64(spacing) / wmax)
	}
	if a.nextSlot.Before(now.Add(-spacing)) {
		a.nextSlot = now // do not burst to catch up on missed slots
	}
	if now.Before(a.nextSlot) {
		return a.nextSlot, true
	}
	a.nextSlot = a.nextSlot.Add(spacing)
	if a.traits.BatchCheck {
		lines := make([]backend.Line, len(batch))
		for i, l := range batch {
			l.checking = true
			lines[i] = l.Line
		}
		e.runCheck(ctx, a, lines)
	} else {
		best.pass += 1 / a.weight(best, now)
		best.checking = true
		e.runCheck(ctx, a, []backend.Line{best.Line})
	}
	return a.nextSlot, true
}

// callTimeout bounds one poll.
func (a *acct) callTimeout() time.Duration {
	if a.traits.CheckTimeout > 0 {
		return a.traits.CheckTimeout
	}
	return 30 * time.Second
}

// runCheck reads some lines in a worker and merges the answer.
func (e *Engine) runCheck(ctx context.Context, a *acct, lines []backend.Line) {
	a.inflight++
	e.spawn(func() {
		var n atomic.Int64
		cctx, cancel := context.WithTimeout(backend.WithCounter(ctx, &n), a.callTimeout())
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
				}
			}
			a.hotCost = 0.8*a.hotCost + 0.2*math.Max(float64(n.Load()), 1)
			e.checkDone(a, lines, len(fresh) > 0)
			if e.callDone(a, taskHot, err) {
				e.mergeLines(a, got, fresh)
			}
		})
	})
}

// runCold runs a periodic read in a worker.
func (e *Engine) runCold(ctx context.Context, a *acct, t coldTask) {
	a.inflight++
	var known []backend.Job
	if t == taskJobs {
		for _, j := range a.jobs {
			known = append(known, j)
		}
	}
	e.spawn(func() {
		var n atomic.Int64
		cctx, cancel := context.WithTimeout(backend.WithCounter(ctx, &n), 2*a.callTimeout())
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
			a.inflight--
			c := &a.cold[t]
			c.cost = 0.7*c.cost + 0.3*float64(n.Load())
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
			}
		})
	})
}

// callDone updates the account's health after a call and reports whether
// the answer may be merged.
func (e *Engine) callDone(a *acct, t coldTask, err error) bool {
	now := e.now()
	before := a.info
	switch {
	case err == nil:
		a.failures = 0
		a.backoff = time.Time{}
		a.goodRun = true
		a.info.LastGood = now
		a.failing[t] = false
	case backend.KindOf(err) == backend.ErrRateLimited:
		a.failing[t] = true
		a.info.LastError = err.Error()
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
		a.info.LastError = err.Error()
		d := min(time.Second<<min(a.failures, 8), 2*time.Minute)
		if backend.KindOf(err) == backend.ErrAuth {
			d = 5 * time.Minute
		}
		a.backoff = later(a.backoff, now.Add(d/2+time.Duration(rand.Int64N(int64(d)/2+1))))
		e.log.Warn("poll failed", "account", a.info.Name, "read", t.String(), "err", err.Error())
	}
	failing := false
	for _, f := range a.failing {
		failing = failing || f
	}
	switch {
	case !failing:
		a.info.Health, a.info.LastError = backend.HealthOK, ""
	case a.failures >= 3 && (!a.goodRun || now.Sub(a.info.LastGood) > 2*time.Minute):
		a.info.Health = backend.HealthFailing
	default:
		a.info.Health = backend.HealthDegraded
	}
	// "synced 3s ago" may lag a little: a good poll alone re-announces the
	// account at most every few seconds, and so does a new error text in
	// the same trouble (each failing read words it differently), so a
	// busy or failing account does not make the UI redraw on every read.
	changed := before.Health != a.info.Health || !before.PausedUntil.Equal(a.budget.PausedUntil())
	due := now.Sub(a.announcedAt) >= syncAnnounce
	if changed || (due && (before.LastError != a.info.LastError || a.info.LastGood.Sub(a.announcedGood) >= syncAnnounce)) {
		a.info.PausedUntil = a.budget.PausedUntil()
		a.announcedGood, a.announcedAt = a.info.LastGood, now
		e.accountChanged(a)
	}
	return err == nil
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
