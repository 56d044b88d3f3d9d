package engine

import (
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
	News          bool // StepAnswer: the read found a message new to the ledger
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
)

// trace tells Options.Trace of a step (any goroutine).
func (e *Engine) trace(a *acct, line string, step Step, news bool) {
	if e.opts.Trace != nil {
		e.opts.Trace(ReadStep{Account: a.info.Name, Line: line, Step: step, At: e.now(), News: news})
	}
}

// hintState is one account's pending hints (engine goroutine) and its
// counters (read from any goroutine).
type hintState struct {
	lines   map[string]bool   // line ids to read
	tasks   map[coldTask]bool // listings (leases, jobs) to bring forward
	reading map[string]bool   // line ids a hint read is reading
	limit   *rate.Limiter     // hint reads; its rate follows the poll rate
	credit  int               // hint reads earned back by finding news

	hints, unknown, coalesced, limited, reads atomic.Int64
}

func newHintState() *hintState {
	return &hintState{lines: map[string]bool{}, tasks: map[coldTask]bool{}, reading: map[string]bool{},
		limit: rate.NewLimiter(0, HintBurst)}
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
	for _, k := range ref.lines {
		l := a.lineByKey(k)
		switch {
		case l == nil || l.Key != k || !l.State.Open():
			e.ignoreHint(a, k)
		case h.lines[l.ID]:
			h.coalesced.Add(1)
			e.trace(a, l.ID, StepCoalesced, false)
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

// checkDone is told of every line read's end (engine goroutine): a hint
// read that found news earns its place under the cap back.
func (e *Engine) checkDone(a *acct, lines []backend.Line, news bool) {
	h := a.hint
	hinted := false
	for _, l := range lines {
		hinted = hinted || h.reading[l.ID]
		delete(h.reading, l.ID)
	}
	if hinted && news {
		h.credit = min(h.credit+1, HintBurst)
	}
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
		news := slices.ContainsFunc(fresh, func(m backend.Message) bool { return m.Line == l.Key })
		e.trace(a, l.ID, StepAnswer, news)
	}
}
