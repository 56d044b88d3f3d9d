package engine

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"switchboard/backend"
)

// A webhook is a hint, never news. Anyone who can reach the receiver can
// send one, and the providers sign nothing, so the body is parsed (as
// untrusted input, by the adapter) only to learn which of the account's
// items it is about. The engine then reads exactly those items from the
// provider's API — the calls polling makes, merged the same way — so a
// forged body can at most bring a read forward: it cannot plant a code,
// create a line or write the ledger. Hint reads come out of the poll
// share of the budget (each one moves the next poll back) and are capped
// per minute, so a flood cannot spend the operator's headroom. A hint read
// that finds news (a message new to the ledger) earns its place under the
// cap back: genuine webhooks keep their reads, forged ones cannot.

// HintShare is the share of an account's poll rate that hint reads may
// take; HintBurst how many may come at once (codes for a few numbers
// bought together).
const (
	HintShare = 0.25
	HintBurst = 4
)

// HintCounts says what became of an account's webhook hints.
type HintCounts struct {
	Hints     int64 // bodies taken
	Unknown   int64 // items the account does not hold (or closed ones): ignored
	Coalesced int64 // items already waiting for a read
	Limited   int64 // items over the per-minute cap: left to polling
	Reads     int64 // targeted reads made
}

// ReadStep is one step of a line's read or of a webhook hint about it
// (Options.Trace).
type ReadStep struct {
	Account, Line string // the line's provider id
	Step          Step
	At            time.Time
	News          bool          // StepAnswer: the read found a message new to the ledger
	Ready         time.Duration // the budget's wait for a token then (Budget.Ready)
}

// Step is what happened to a line.
type Step int

const (
	StepHint      Step = iota // a hint named it: a read is due
	StepHintWaits             // a hint named it while a read of it was queued or in the air
	StepCoalesced             // a hint named it while a hint read was already due
	StepLimited               // its hint read was over the cap
	StepHintRead              // a read for a hint started
	StepPollRead              // a scheduled (hot) read started
	StepGranted               // the read's first request got its token
	StepAnswer                // the read's answer came back to the engine
	StepColdRead              // a periodic listing started (Line names it)
	StepRide                  // a hint named it while its poll waited for a token: the poll went at once
)

// trace tells Options.Trace of a step (any goroutine).
func (e *Engine) trace(a *acct, line string, step Step, news bool) {
	if e.opts.Trace != nil {
		e.opts.Trace(ReadStep{Account: a.info.Name, Line: line, Step: step, At: e.now(), News: news, Ready: a.budget.Ready(1)})
	}
}

// hintState is one account's pending hints (engine goroutine) and its
// counters (read from any goroutine).
type hintState struct {
	lines   map[string]bool             // line ids to read
	tasks   map[coldTask]bool           // listings (leases, jobs) to bring forward
	reading map[string]bool             // line ids a hint read is reading
	polls   map[string]*backend.Urgency // line ids a poll is reading: a hint may hurry it
	limit   *rate.Limiter               // hint reads; its rate follows the poll rate
	credit  int                         // hint reads earned back by finding news
	last    time.Time                   // the last hint about a line

	hints, unknown, coalesced, limited, reads atomic.Int64
}

func newHintState() *hintState {
	return &hintState{lines: map[string]bool{}, tasks: map[coldTask]bool{}, reading: map[string]bool{},
		polls: map[string]*backend.Urgency{}, limit: rate.NewLimiter(0, HintBurst)}
}

// hintRef is what a webhook body is about, and nothing else of it.
type hintRef struct {
	lines, leases, jobs []backend.Key
}

// Hint takes a webhook body for an account. It parses the body with the
// account's adapter and keeps only the items it names; the engine reads
// them from the provider soon after. It never blocks and keeps nothing
// else of the body. An error means the body could not be read or the
// account takes no webhooks.
func (e *Engine) Hint(account string, body []byte) error {
	a := e.accts[account]
	if a == nil {
		return fmt.Errorf("no account %q", account)
	}
	if !e.owns(a) {
		return e.forwardHint(a, body)
	}
	wp, ok := a.p.(backend.WebhookParser)
	if !ok {
		return fmt.Errorf("%s sends no webhooks", a.p.Kind().Label())
	}
	lines, msgs, leases, jobs, err := wp.ParseWebhook(body)
	if err != nil {
		return err
	}
	var ref hintRef
	seen := map[backend.Key]bool{}
	add := func(list *[]backend.Key, k backend.Key) {
		if !seen[k] {
			seen[k] = true
			*list = append(*list, k)
		}
	}
	for _, l := range lines {
		add(&ref.lines, l.Key)
	}
	for _, m := range msgs {
		add(&ref.lines, m.Line)
	}
	for _, l := range leases {
		add(&ref.leases, l.Key)
	}
	for _, j := range jobs {
		add(&ref.jobs, j.Key)
	}
	a.hint.hints.Add(1)
	e.post(func() { e.noteHint(a, ref) })
	return nil
}

// HintCounts says what became of an account's hints so far.
func (e *Engine) HintCounts(account string) HintCounts {
	a := e.accts[account]
	if a == nil {
		return HintCounts{}
	}
	h := a.hint
	return HintCounts{Hints: h.hints.Load(), Unknown: h.unknown.Load(), Coalesced: h.coalesced.Load(),
		Limited: h.limited.Load(), Reads: h.reads.Load()}
}

// noteHint records which held items a hint names (engine goroutine); the
// schedule pass that follows reads them.
func (e *Engine) noteHint(a *acct, ref hintRef) {
	h := a.hint
	if len(ref.lines) > 0 {
		h.last = e.now()
	}
	for _, k := range ref.lines {
		l := a.lineByKey(k)
		switch {
		case l == nil || l.Key != k || !l.State.Open():
			e.ignoreHint(a, k)
		case h.lines[l.ID]:
			h.coalesced.Add(1)
			e.trace(a, l.ID, StepCoalesced, false)
		case l.checking && h.polls[l.ID] != nil && h.polls[l.ID].Hurry():
			// The line's poll has sent nothing yet: hurried, it reads
			// the news itself.
			h.coalesced.Add(1)
			e.trace(a, l.ID, StepRide, false)
		default:
			h.lines[l.ID] = true
			step := StepHint
			if l.checking {
				step = StepHintWaits
			}
			e.trace(a, l.ID, step, false)
		}
	}
	for _, k := range ref.leases {
		if _, ok := a.leases[k]; !ok {
			e.ignoreHint(a, k)
			continue
		}
		e.wantTask(a, taskLeases)
	}
	for _, k := range ref.jobs {
		if _, ok := a.jobs[k]; !ok {
			e.ignoreHint(a, k)
			continue
		}
		e.wantTask(a, taskJobs)
	}
}

func (e *Engine) wantTask(a *acct, t coldTask) {
	if a.hint.tasks[t] {
		a.hint.coalesced.Add(1)
		return
	}
	a.hint.tasks[t] = true
}

// ignoreHint drops a hint about an item the account does not hold: an
// unknown order never becomes a line.
func (e *Engine) ignoreHint(a *acct, k backend.Key) {
	a.hint.unknown.Add(1)
	item := string(k)
	if len(item) > 80 {
		item = item[:80] + "…"
	}
	e.log.Debug("webhook hint ignored: not an item of the account", "account", a.info.Name, "item", strconv.QuoteToASCII(item))
}

// hintReads starts the reads pending hints ask for (engine goroutine,
// from the schedule pass, when the account is neither paused nor backing
// off). A line being read already waits for that read to come back,
// since it may have started before the news: hints for it coalesce into
// one read after it.
func (e *Engine) hintReads(ctx context.Context, a *acct, now time.Time) {
	h := a.hint
	if len(h.lines) == 0 && len(h.tasks) == 0 {
		return
	}
	h.limit.SetLimitAt(now, rate.Limit(HintShare*a.pollRate(now, e.opts.Headroom)/60))
	var ready []*lineState
	for id := range h.lines {
		switch l := a.lines[id]; {
		case l == nil || !l.State.Open():
			delete(h.lines, id)
		case !l.checking:
			ready = append(ready, l)
		}
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i].ID < ready[j].ID })
	groups := make([][]*lineState, 0, len(ready))
	if a.traits.BatchCheck && len(ready) > 0 {
		groups = append(groups, ready) // one listing covers them all
	} else {
		for _, l := range ready {
			groups = append(groups, []*lineState{l})
		}
	}
	for _, g := range groups {
		for _, l := range g {
			delete(h.lines, l.ID)
		}
		if !e.takeHintRead(a, now, a.hotCost) {
			h.limited.Add(int64(len(g)))
			for _, l := range g {
				e.trace(a, l.ID, StepLimited, false)
				a.pollNext(l)
			}
			continue
		}
		lines := make([]backend.Line, len(g))
		for i, l := range g {
			e.trace(a, l.ID, StepHintRead, false)
			l.checking = true
			a.queue(l)
			h.reading[l.ID] = true
			lines[i] = *l.Line
		}
		e.runCheck(ctx, a, lines, 0)
	}
	for t := range h.tasks {
		delete(h.tasks, t)
		if !e.takeHintRead(a, now, a.cold[t].cost) {
			h.limited.Add(1)
			continue
		}
		a.cold[t].next = now
	}
}

// hintsLately is how long after a hint about a line polling keeps a
// token in the bucket for the next hint's read.
const hintsLately = 10 * time.Minute

// spareForHints is how many tokens an account's polling leaves in the
// bucket (engine goroutine): one while the account takes webhooks, so a
// hint's read finds it at once instead of waiting for the next refill
// (2 s at 30 a minute) or queueing behind a poll that reserved it. An
// adapter that parses webhooks keeps it from the start, for the first
// hint; it goes after hintsLately without one.
func (a *acct) spareForHints(now time.Time) float64 {
	if _, ok := a.p.(backend.WebhookParser); ok && a.hint.last.IsZero() {
		a.hint.last = now
	}
	if last := a.hint.last; !last.IsZero() && now.Sub(last) < hintsLately {
		return 1
	}
	return 0
}

// yieldToHints makes a poll's requests leave the spare token to hints.
func (a *acct) yieldToHints(ctx context.Context, now time.Time) context.Context {
	if keep := a.spareForHints(now); keep > 0 {
		return backend.Yielding(ctx, keep)
	}
	return ctx
}

// pollCtx is the context of a poll of lines: it yields to hints
// (yieldToHints), and a hint about one of the lines before its first
// request goes can hurry it (noteHint).
func (a *acct) pollCtx(ctx context.Context, now time.Time, lines []backend.Line) context.Context {
	ctx = a.yieldToHints(ctx, now)
	if _, ok := a.p.(backend.WebhookParser); !ok {
		return ctx
	}
	u := backend.NewUrgency()
	for _, l := range lines {
		a.hint.polls[l.ID] = u
	}
	return backend.WithUrgency(ctx, u)
}

// takeHintRead spends one hint read (an earned one first) if the cap
// allows, and moves the next poll back by what the read costs, so hint
// reads come out of the poll share and the operator's headroom stays
// untouched.
func (e *Engine) takeHintRead(a *acct, now time.Time, cost float64) bool {
	switch h := a.hint; {
	case h.credit > 0:
		h.credit--
	case !h.limit.AllowN(now, 1):
		return false
	}
	a.hint.reads.Add(1)
	per := float64(time.Minute) / a.pollRate(now, e.opts.Headroom)
	a.nextSlot = later(a.nextSlot, now).Add(time.Duration(math.Max(cost, 1) * per))
	return true
}

// pollNext makes a line the next one hot reads pick: a hint over the
// cap still brings its read forward to the next poll slot, which costs
// nothing, instead of leaving the code to the line's turn (up to a round
// of all the account's lines, a minute at 30 requests a minute).
func (a *acct) pollNext(l *lineState) {
	l.pass = math.Nextafter(a.floor, math.Inf(-1))
	if l.slot >= 0 {
		heap.Fix(&a.due, l.slot)
	}
}

// checkDone is told of every line read's end (engine goroutine): a hint
// read that found news earns its place under the cap back; a hint that
// came while the read was out needs no read after it when the read found
// the line's news (its line is polled next, in case that news was an
// earlier SMS).
func (e *Engine) checkDone(a *acct, lines []backend.Line, fresh []backend.Message) {
	h := a.hint
	hinted := false
	for _, l := range lines {
		hinted = hinted || h.reading[l.ID]
		delete(h.reading, l.ID)
		delete(h.polls, l.ID)
		if s := a.lines[l.ID]; s != nil && h.lines[l.ID] && newsFor(fresh, l.Key) {
			delete(h.lines, l.ID)
			h.coalesced.Add(1) // into the read that was out
			a.pollNext(s)
		}
	}
	if hinted && len(fresh) > 0 {
		h.credit = min(h.credit+1, HintBurst)
	}
}

// newsFor reports whether fresh holds a message of the line.
func newsFor(fresh []backend.Message, line backend.Key) bool {
	return slices.ContainsFunc(fresh, func(m backend.Message) bool { return m.Line == line })
}

// traceGrants makes a read's first token a StepGranted of its lines.
func (e *Engine) traceGrants(ctx context.Context, a *acct, lines []backend.Line) context.Context {
	if e.opts.Trace == nil {
		return ctx
	}
	var once sync.Once
	return backend.OnGrant(ctx, func() {
		once.Do(func() {
			for _, l := range lines {
				e.trace(a, l.ID, StepGranted, false)
			}
		})
	})
}

// traceAnswer tells of a read's answer, line by line, with whether it
// brought the line news.
func (e *Engine) traceAnswer(a *acct, lines []backend.Line, fresh []backend.Message) {
	if e.opts.Trace == nil {
		return
	}
	for _, l := range lines {
		e.trace(a, l.ID, StepAnswer, newsFor(fresh, l.Key))
	}
}
