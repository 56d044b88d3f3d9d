// Package bench measures time to code: the delay from "a code is
// available at the provider" to "the engine emitted an event carrying it",
// for Switchboard's scheduler and, in the same run, for a naive poller that
// reads every line on its own every few seconds, each against its own set
// of simulators with the same seed, the same lines and the same delivery
// schedule. See BENCHMARKS.md for the method and the figures.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/config"
	"switchboard/wiring"
)

// Options shape a run. Zero values take the defaults.
type Options struct {
	Duration time.Duration // how long codes keep arriving (default 100 s)
	Lines    int           // waiting lines per account (default 25)
	Accounts int           // accounts per provider (default 1; NonVoip at least 6, marketplace 8, see providers)
	Seed     uint64        // simulators and delivery schedule (default 1)
	// Scale multiplies every simulated per-minute limit and every account
	// budget together (default 1: the documented limits).
	Scale      float64
	NaiveEvery time.Duration // the naive poller's period per line (default 5 s)
	// NoNaive skips the naive side: with many accounts its thousands of
	// pollers would take the CPU Switchboard is measured on.
	NoNaive  bool
	Warmup   time.Duration // after the lines are bought, before the first code (default 15 s)
	Drain    time.Duration // longest wait for the last codes (default 60 s)
	Progress io.Writer     // progress lines (nil: none)
}

func (o Options) withDefaults() Options {
	if o.Duration <= 0 {
		o.Duration = 100 * time.Second
	}
	if o.Lines <= 0 {
		o.Lines = 25
	}
	if o.Accounts <= 0 {
		o.Accounts = 1
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.NaiveEvery <= 0 {
		o.NaiveEvery = 5 * time.Second
	}
	if o.Warmup <= 0 {
		// Long enough for the budgets to refill after buying the lines.
		o.Warmup = 15 * time.Second
	}
	if o.Drain <= 0 {
		o.Drain = 60 * time.Second
	}
	return o
}

// Headroom is the share of each budget the engine keeps for the
// operator's actions in this benchmark (the engine's default).
const Headroom = 0.2

// naiveBudget is the naive poller's client-side budget: far above any
// provider limit, so only the provider's 429s slow it down.
const naiveBudget = 1e6

// acctRun is one account on both sides.
type acctRun struct {
	p       provider
	acc     config.Account // on Switchboard's simulator
	nvAcc   config.Account // the same account on the naive side's
	index   int            // among the provider's accounts
	meter   *meter
	spec    engine.AccountSpec
	sbKeys  []backend.Key
	nvLines []backend.Line
	plan    []delivery
	recs    []*codeRec
}

// Run measures both sides and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	o = o.withDefaults()
	rep := Report{Options: o, Started: time.Now(), Machine: machine()}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "bench: "+format+"\n", args...)
		}
	}

	simOpts := sim.Options{Seed: o.Seed, Quiet: true, Rates: simRates(o.Scale), Accounts: mostAccounts(o.Accounts)}
	sbSim := sim.New(simOpts)
	defer sbSim.Close()
	var nvSim *sim.Sim // nil when the naive side is skipped
	sims := []*sim.Sim{sbSim}
	if !o.NoNaive {
		nvSim = sim.New(simOpts)
		defer nvSim.Close()
		sims = append(sims, nvSim)
	}

	var runs []*acctRun
	var sbAccs []config.Account
	for _, p := range providers {
		rate := wiring.DefaultRate(p.Kind) * o.Scale
		per := make([][]config.Account, len(sims))
		for i, s := range sims {
			accs, err := accounts(s, p.Kind, p.accountsOf(o.Accounts), rate)
			if err != nil {
				return rep, err
			}
			var names []string
			for _, a := range accs {
				names = append(names, a.Name)
			}
			if err := p.stock(s, names, o.Lines); err != nil {
				return rep, err
			}
			per[i] = accs
		}
		for i, acc := range per[0] {
			r := &acctRun{p: p, acc: acc, index: i, plan: makePlan(o.Seed, p.Kind, i, o.Lines, o.Duration, p.Pace)}
			if nvSim != nil {
				r.nvAcc = per[1][i]
			}
			runs = append(runs, r)
			sbAccs = append(sbAccs, acc)
		}
	}
	sb, err := startSwitchboard(sbAccs)
	if err != nil {
		return rep, err
	}
	defer sb.stop()
	for i, r := range runs {
		r.meter, r.spec = sb.meters[i], sb.specs[i]
	}
	reg := newRegistry()
	w := newWatcher(reg)
	go w.run(sb.eng.Events())

	// Buy the lines: through the engine on Switchboard's side (as the
	// operator would, so the engine knows them at once), through a
	// budgeted adapter on the naive side.
	say("buying %d lines on each account: %s", o.Lines, accountsText(o.Accounts))
	var wg sync.WaitGroup
	errs := make([]error, 2*len(runs))
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.sbKeys, errs[2*i] = buyViaEngine(ctx, sb.eng.Submit, w.boughtKey, w.failureText, r.acc.Name, r.p.Buy, o.Lines)
		}()
		if nvSim != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.nvLines, errs[2*i+1] = buyDirect(ctx, r.nvAcc, r.p.Buy, o.Lines)
			}()
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return rep, err
	}

	// The naive poller: one goroutine per line, each with its own adapter
	// (a typical bot shares nothing between lines), started at a random
	// phase within its period.
	nvCtx, nvStop := context.WithCancel(ctx)
	var nvWG sync.WaitGroup
	defer func() { nvStop(); nvWG.Wait() }()
	phase := rand.New(rand.NewPCG(o.Seed, 0x9a17e))
	for _, r := range runs {
		acc := r.nvAcc
		acc.RatePerMinute = naiveBudget
		for _, l := range r.nvLines {
			spec, err := wiring.BuildAccount(acc)
			if err != nil {
				return rep, err
			}
			start := time.Duration(phase.Int64N(int64(o.NaiveEvery)))
			nvWG.Add(1)
			go func() {
				defer nvWG.Done()
				pollNaive(nvCtx, spec.Provider, l, o.NaiveEvery, start, reg)
			}()
		}
	}

	t0 := time.Now().Add(o.Warmup)
	say("warming up %s, then codes arrive for %s", o.Warmup, o.Duration)
	if err := sleepUntil(ctx, t0); err != nil {
		return rep, err
	}
	before := snapshot(sbSim, nvSim, runs)
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.recs = deliverPlan(ctx, t0, r, sbSim, nvSim, reg, w)
		}()
	}
	wg.Wait()
	tEnd := t0.Add(o.Duration)
	if err := sleepUntil(ctx, tEnd); err != nil {
		return rep, err
	}
	after := snapshot(sbSim, nvSim, runs)

	say("waiting up to %s for the last codes", o.Drain)
	deadline := time.Now().Add(o.Drain)
	for !reg.allSeen() && time.Now().Before(deadline) {
		if err := sleepUntil(ctx, time.Now().Add(250*time.Millisecond)); err != nil {
			return rep, err
		}
	}
	nvStop()
	nvWG.Wait()
	final := snapshot(sbSim, nvSim, runs)

	for _, p := range providers {
		var group []int
		for i, r := range runs {
			if r.p.Kind == p.Kind {
				group = append(group, i)
			}
		}
		rep.Accounts = append(rep.Accounts, summarize(o, p, runs, group, []counters{before, after, final}, t0, tEnd, reg))
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

// summarize reports a provider's accounts (the runs in group) together:
// their codes pooled, their rates averaged, their 429s summed.
// The counters are those at the first code, at the end of the window in
// which codes arrived and at the end of the run.
func summarize(o Options, p provider, runs []*acctRun, group []int, at []counters, t0, tEnd time.Time, reg *registry) AccountReport {
	before, after, final := at[0], at[1], at[2]
	minutes := o.Duration.Minutes()
	n := float64(len(group))
	first := runs[group[0]]
	ar := AccountReport{
		Provider: p.Kind, Account: first.acc.Name, Accounts: len(group), Batch: first.meter.Traits().BatchCheck,
		Lines: o.Lines, Limit: scaledLimit(p, o.Scale), Budget: first.spec.Budget.PerMinute(), Errors: reg.errors(p.Kind),
	}
	var sbDelays, nvDelays, intervals []time.Duration
	var others []otherCall
	var allChecks []checkSample
	for _, i := range group {
		r := runs[i]
		checks := r.meter.samples()
		allChecks = append(allChecks, checks...)
		others = append(others, r.meter.otherCalls()...)
		hot, meanCost, _ := hotUsage(checks, t0, tEnd)
		cold := max(float64(after.used[i]-before.used[i])-hot, 0) / minutes
		hotRate := engine.HotRate(r.spec.Budget.PerMinute(), Headroom, cold)
		ar.ColdPerMin += cold / n
		ar.HotPerMin += hotRate / n
		ar.HotUsedPerMin += hot / minutes / n
		ar.CheckCost += meanCost / n
		reg.mu.Lock()
		for _, c := range r.recs {
			if !c.sb.at.IsZero() {
				ar.Switchboard.Codes++
				if !c.sb.seen.IsZero() {
					sbDelays = append(sbDelays, max(c.sb.seen.Sub(c.sb.at), 0))
					cost := costNear(checks, c.sb.at, 15*time.Second, meanCost)
					if iv := readInterval(ar.Batch, hotRate, cost, c.sit); iv > 0 {
						intervals = append(intervals, iv)
					}
				}
			}
			if !c.nv.at.IsZero() {
				ar.Naive.Codes++
				if !c.nv.seen.IsZero() {
					nvDelays = append(nvDelays, max(c.nv.seen.Sub(c.nv.at), 0))
				}
			}
		}
		reg.mu.Unlock()
	}
	ar.ColdCalls, ar.ReadTime = callSummary(others, allChecks, t0, tEnd)
	ar.Switchboard.Delay = statsOf(sbDelays)
	ar.Naive.Delay = statsOf(nvDelays)
	ar.Bound = boundStats(intervals)
	k := p.Kind
	ar.Switchboard.PerMinute = float64(after.sbHits[k]-before.sbHits[k]) / minutes / n
	ar.Naive.PerMinute = float64(after.nvHits[k]-before.nvHits[k]) / minutes / n
	ar.Switchboard.Limited = after.sbLimited[k] - before.sbLimited[k]
	ar.Naive.Limited = after.nvLimited[k] - before.nvLimited[k]
	ar.Switchboard.LimitedTotal = final.sbLimited[k]
	ar.Naive.LimitedTotal = final.nvLimited[k]
	return ar
}

// callSummary describes the calls other than hot reads made in [from,
// to) ("balance 2 (2 req), jobs 1 (3 req)") and the mean time a hot read
// took.
func callSummary(others []otherCall, checks []checkSample, from, to time.Time) (string, time.Duration) {
	type tally struct{ calls, requests int64 }
	by := map[string]*tally{}
	var order []string
	for _, c := range others {
		if c.At.Before(from) || !c.At.Before(to) {
			continue
		}
		t := by[c.Method]
		if t == nil {
			t = &tally{}
			by[c.Method] = t
			order = append(order, c.Method)
		}
		t.calls++
		t.requests += c.Requests
	}
	sort.Strings(order)
	var parts []string
	for _, m := range order {
		parts = append(parts, fmt.Sprintf("%s %d (%d req)", m, by[m].calls, by[m].requests))
	}
	var took time.Duration
	var n int
	for _, c := range checks {
		if !c.At.Before(from) && c.At.Before(to) {
			took += c.Took
			n++
		}
	}
	if n > 0 {
		took /= time.Duration(n)
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	return strings.Join(parts, ", "), took
}

// counters is what the simulators (per provider) and the budgets (per
// account run) had counted at one moment.
type counters struct {
	sbHits, nvHits, sbLimited, nvLimited map[backend.ProviderKind]int
	used                                 []int64
}

// snapshot reads the counters; nvSim is nil when the naive side is
// skipped.
func snapshot(sbSim, nvSim *sim.Sim, runs []*acctRun) counters {
	c := counters{sbHits: map[backend.ProviderKind]int{}, nvHits: map[backend.ProviderKind]int{},
		sbLimited: map[backend.ProviderKind]int{}, nvLimited: map[backend.ProviderKind]int{}}
	for _, p := range providers {
		k := p.Kind
		c.sbHits[k], c.sbLimited[k] = sbSim.Hits(k), sbSim.RateLimited(k)
		if nvSim != nil {
			c.nvHits[k], c.nvLimited[k] = nvSim.Hits(k), nvSim.RateLimited(k)
		}
	}
	for _, r := range runs {
		c.used = append(c.used, r.spec.Budget.Used())
	}
	return c
}

func scaledLimit(p provider, scale float64) string {
	if p.Rate == 0 || scale == 1 {
		return p.Limit
	}
	return fmt.Sprintf("%d/min", int(p.Rate*scale))
}

// readInterval is how often the budget lets the scheduler read a line:
// hot reads come every cost×60 s/hotPerMin; a per-line provider shares
// them by weight (a line of weight w among lines weighing W in all is read
// every W/w slots), a batch provider reads every line in each slot and
// spaces slots by the heaviest weight.
func readInterval(batch bool, hotPerMin, cost float64, s situation) time.Duration {
	if hotPerMin <= 0 || cost <= 0 {
		return 0
	}
	slot := cost * float64(time.Minute) / hotPerMin
	if batch {
		if s.Max <= 0 {
			return 0
		}
		return time.Duration(slot / s.Max)
	}
	if s.Own <= 0 {
		return 0
	}
	return time.Duration(slot * s.Total / s.Own)
}

// buyViaEngine buys n lines through the engine (submit), one at a time
// as an operator would, and returns their keys; bought says whether an
// action bought its line yet, failures what went wrong. (Each purchase
// first reads the account's listing: many at once would queue their reads
// on the budget past the call's timeout.)
func buyViaEngine(ctx context.Context, submit func(backend.Action), bought func(id string) (backend.Key, bool),
	failures func() string, acct string, req backend.BuyRequest, n int) ([]backend.Key, error) {
	var keys []backend.Key
	for len(keys) < n {
		r := req
		id := backend.NewActionID(backend.ActBuy)
		submit(backend.Action{ID: id, Kind: backend.ActBuy, Account: acct, Buy: &r, Label: "bench line"})
		for deadline := time.Now().Add(time.Minute); ; {
			if k, ok := bought(id); ok {
				keys = append(keys, k)
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%s: bought %d of %d lines through the engine: %s", acct, len(keys), n, failures())
			}
			if err := sleepUntil(ctx, time.Now().Add(20*time.Millisecond)); err != nil {
				return nil, err
			}
		}
	}
	return keys, nil
}

// buyDirect buys n lines through an adapter of its own (the naive side).
func buyDirect(ctx context.Context, acc config.Account, req backend.BuyRequest, n int) ([]backend.Line, error) {
	spec, err := wiring.BuildAccount(acc)
	if err != nil {
		return nil, err
	}
	var out []backend.Line
	for len(out) < n {
		r := req
		res, err := spec.Provider.Do(ctx, backend.Action{ID: backend.NewActionID(backend.ActBuy), Kind: backend.ActBuy,
			Account: acc.Name, Buy: &r}, backend.Target{})
		if e, ok := backend.AsError(err); ok && e.Kind == backend.ErrRateLimited {
			if err := sleepUntil(ctx, time.Now().Add(max(e.RetryAfter, time.Second))); err != nil {
				return nil, err
			}
			continue // a 429 means the purchase was not made
		}
		if err != nil {
			return nil, fmt.Errorf("%s: buy: %w", acc.Name, err)
		}
		if len(res.Lines) == 0 {
			return nil, fmt.Errorf("%s: a purchase returned no line", acc.Name)
		}
		out = append(out, res.Lines[0])
	}
	return out, nil
}

// pollNaive is what typical bots do: read one line, wait, read again; on
// a 429 sleep what the provider asked (1 s when it did not say) and retry.
func pollNaive(ctx context.Context, p backend.Provider, line backend.Line, every, phase time.Duration, reg *registry) {
	if sleepUntil(ctx, time.Now().Add(phase)) != nil {
		return
	}
	for ctx.Err() == nil {
		got, msgs, err := p.Check(ctx, []backend.Line{line})
		at := time.Now()
		if e, ok := backend.AsError(err); ok && e.Kind == backend.ErrRateLimited {
			d := e.RetryAfter
			if d <= 0 {
				d = time.Second
			}
			if sleepUntil(ctx, at.Add(d)) != nil {
				return
			}
			continue
		}
		if err == nil {
			reg.seenNaive(line.Provider, line.ID, msgs, at)
			for _, l := range got {
				if l.ID == line.ID {
					line = l
				}
			}
		}
		if sleepUntil(ctx, at.Add(every)) != nil {
			return
		}
	}
}

// deliverPlan makes every code of an account's plan arrive on both sides
// (only Switchboard's when nvSim is nil) at its time and returns the
// records.
func deliverPlan(ctx context.Context, t0 time.Time, r *acctRun, sbSim, nvSim *sim.Sim, reg *registry, w *watcher) []*codeRec {
	var recs []*codeRec
	for _, d := range r.plan {
		if sleepUntil(ctx, t0.Add(d.At)) != nil {
			break
		}
		rec := &codeRec{kind: r.p.Kind, d: d, sbKey: r.sbKeys[d.Line]}
		if nvSim != nil {
			rec.nvID = r.nvLines[d.Line].ID
		}
		rec.sit = w.situation(r.acc.Name, rec.sbKey, time.Now())
		reg.add(rec)
		reg.stamp(&rec.sb)
		reg.delivered(rec, &rec.sb, r.p.deliver(sbSim, rec.sbKey.ID(), d.Text()))
		if nvSim != nil {
			reg.stamp(&rec.nv)
			reg.delivered(rec, &rec.nv, r.p.deliver(nvSim, rec.nvID, d.Text()))
		}
		recs = append(recs, rec)
	}
	return recs
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// machine names the hardware the figures come from.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	s := fmt.Sprintf("%s/%s, %d CPU cores visible to Go, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if model != "" {
		s += ", " + model
	}
	return s
}
