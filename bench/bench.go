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
	"log/slog"
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
	"switchboard/cache"
	"switchboard/config"
	"switchboard/wiring"
)

// Options shape a run. Zero values take the defaults.
type Options struct {
	Duration time.Duration // how long codes keep arriving (default 100 s)
	Lines    int           // waiting lines per account (default 25)
	Seed     uint64        // simulators and delivery schedule (default 1)
	// Scale multiplies every simulated per-minute limit and every account
	// budget together (default 1: the documented limits).
	Scale      float64
	NaiveEvery time.Duration // the naive poller's period per line (default 5 s)
	Warmup     time.Duration // after the lines are bought, before the first code (default 15 s)
	Drain      time.Duration // longest wait for the last codes (default 60 s)
	Progress   io.Writer     // progress lines (nil: none)
}

func (o Options) withDefaults() Options {
	if o.Duration <= 0 {
		o.Duration = 100 * time.Second
	}
	if o.Lines <= 0 {
		o.Lines = 25
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
		// Long enough for the budgets to refill after buying the lines
		// (25 NonVoip purchases take the whole bucket).
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

// Run measures both sides and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	o = o.withDefaults()
	rep := Report{Options: o, Started: time.Now(), Machine: machine()}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "bench: "+format+"\n", args...)
		}
	}

	simOpts := sim.Options{Seed: o.Seed, Quiet: true, Rates: simRates(o.Scale)}
	sbSim := sim.New(simOpts)
	defer sbSim.Close()
	nvSim := sim.New(simOpts)
	defer nvSim.Close()

	type acctRun struct {
		p       provider
		acc     string
		budget  float64
		sbMeter *meter
		sbSpec  engine.AccountSpec
		sbKeys  []backend.Key
		nvLines []backend.Line
		plan    []delivery
		recs    []*codeRec
	}
	var runs []*acctRun
	var specs []engine.AccountSpec
	for _, p := range providers {
		rate := wiring.DefaultRate(p.Kind) * o.Scale
		acc, err := account(sbSim, p.Kind, rate)
		if err != nil {
			return rep, err
		}
		for _, s := range []*sim.Sim{sbSim, nvSim} {
			if err := p.stock(s, acc.Name, o.Lines); err != nil {
				return rep, err
			}
		}
		spec, err := wiring.BuildAccount(acc)
		if err != nil {
			return rep, err
		}
		m := newMeter(spec.Provider, spec.Budget)
		spec.Provider = m
		specs = append(specs, spec)
		runs = append(runs, &acctRun{p: p, acc: acc.Name, budget: rate, sbMeter: m, sbSpec: spec,
			plan: makePlan(o.Seed, p.Kind, o.Lines, o.Duration, p.Pace)})
	}

	dir, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	store, err := cache.Open(dir, cache.Options{})
	if err != nil {
		return rep, err
	}
	defer store.Close()
	eng, err := engine.New(specs, engine.Options{Store: store, Headroom: Headroom, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return rep, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	engDone := make(chan struct{})
	go func() {
		defer close(engDone)
		eng.Run(runCtx)
	}()
	defer func() { stop(); <-engDone }() // before the store closes
	reg := newRegistry()
	w := newWatcher(reg)
	go w.run(eng.Events())

	// Buy the lines: through the engine on Switchboard's side (as the
	// operator would, so the engine knows them at once), through a
	// budgeted adapter on the naive side.
	say("buying %d lines per account on both sides", o.Lines)
	var wg sync.WaitGroup
	errs := make([]error, 2*len(runs))
	for i, r := range runs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.sbKeys, errs[2*i] = buyViaEngine(runCtx, eng, w, r.acc, r.p.Buy, o.Lines)
		}()
		go func() {
			defer wg.Done()
			acc, err := account(nvSim, r.p.Kind, r.budget)
			if err != nil {
				errs[2*i+1] = err
				return
			}
			r.nvLines, errs[2*i+1] = buyDirect(runCtx, acc, r.p.Buy, o.Lines)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return rep, err
	}

	// The naive poller: one goroutine per line, each with its own adapter
	// (a typical bot shares nothing between lines), started at a random
	// phase within its period.
	nvCtx, nvStop := context.WithCancel(runCtx)
	var nvWG sync.WaitGroup
	defer func() { nvStop(); nvWG.Wait() }()
	phase := rand.New(rand.NewPCG(o.Seed, 0x9a17e))
	for _, r := range runs {
		acc, err := account(nvSim, r.p.Kind, naiveBudget)
		if err != nil {
			return rep, err
		}
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
	before := snapshot(sbSim, nvSim, runs, func(r *acctRun) int64 { return r.sbSpec.Budget.Used() })

	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.recs = deliverPlan(ctx, t0, r.p, r.acc, r.plan, r.sbKeys, r.nvLines, sbSim, nvSim, reg, w)
		}()
	}
	wg.Wait()
	tEnd := t0.Add(o.Duration)
	if err := sleepUntil(ctx, tEnd); err != nil {
		return rep, err
	}
	after := snapshot(sbSim, nvSim, runs, func(r *acctRun) int64 { return r.sbSpec.Budget.Used() })

	say("waiting up to %s for the last codes", o.Drain)
	deadline := time.Now().Add(o.Drain)
	for !reg.allSeen() && time.Now().Before(deadline) {
		if err := sleepUntil(ctx, time.Now().Add(250*time.Millisecond)); err != nil {
			return rep, err
		}
	}
	nvStop()
	nvWG.Wait()

	minutes := o.Duration.Minutes()
	for i, r := range runs {
		checks := r.sbMeter.samples()
		hot, meanCost, _ := hotUsage(checks, t0, tEnd)
		hotUsed := hot / minutes
		coldCalls, readTime := callSummary(r.sbMeter.otherCalls(), checks, t0, tEnd)
		used := float64(after.used[i] - before.used[i])
		cold := max(used-hot, 0) / minutes
		perMinute := r.sbSpec.Budget.PerMinute()
		hotRate := engine.HotRate(perMinute, Headroom, cold)
		batch := r.sbMeter.Traits().BatchCheck
		ar := AccountReport{
			Provider: r.p.Kind, Account: r.acc, Batch: batch, Lines: o.Lines, Limit: scaledLimit(r.p, o.Scale),
			Budget: perMinute, ColdPerMin: cold, HotPerMin: hotRate, HotUsedPerMin: hotUsed, CheckCost: meanCost,
			ColdCalls: coldCalls, ReadTime: readTime, Errors: reg.errors(r.p.Kind),
		}
		var sbDelays, nvDelays, intervals []time.Duration
		reg.mu.Lock()
		for _, c := range r.recs {
			if !c.sb.at.IsZero() {
				ar.Switchboard.Codes++
				if !c.sb.seen.IsZero() {
					sbDelays = append(sbDelays, max(c.sb.seen.Sub(c.sb.at), 0))
					cost := costNear(checks, c.sb.at, 15*time.Second, meanCost)
					if iv := readInterval(batch, hotRate, cost, c.sit); iv > 0 {
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
		ar.Switchboard.Delay = statsOf(sbDelays)
		ar.Naive.Delay = statsOf(nvDelays)
		ar.Bound = boundStats(intervals)
		ar.Switchboard.PerMinute = float64(after.sbHits[i]-before.sbHits[i]) / minutes
		ar.Naive.PerMinute = float64(after.nvHits[i]-before.nvHits[i]) / minutes
		ar.Switchboard.Limited = after.sbLimited[i] - before.sbLimited[i]
		ar.Naive.Limited = after.nvLimited[i] - before.nvLimited[i]
		ar.Switchboard.LimitedTotal = sbSim.RateLimited(r.p.Kind)
		ar.Naive.LimitedTotal = nvSim.RateLimited(r.p.Kind)
		rep.Accounts = append(rep.Accounts, ar)
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
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

// counters is what the simulators and budgets had counted at one moment.
type counters struct {
	sbHits, nvHits, sbLimited, nvLimited []int
	used                                 []int64
}

func snapshot[R any](sbSim, nvSim *sim.Sim, runs []*R, used func(*R) int64) counters {
	var c counters
	for i, r := range runs {
		k := providers[i].Kind
		c.sbHits = append(c.sbHits, sbSim.Hits(k))
		c.nvHits = append(c.nvHits, nvSim.Hits(k))
		c.sbLimited = append(c.sbLimited, sbSim.RateLimited(k))
		c.nvLimited = append(c.nvLimited, nvSim.RateLimited(k))
		c.used = append(c.used, used(r))
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

// buyViaEngine buys n lines through the engine and returns their keys.
func buyViaEngine(ctx context.Context, eng *engine.Engine, w *watcher, acct string, req backend.BuyRequest, n int) ([]backend.Key, error) {
	ids := make([]string, n)
	for i := range ids {
		r := req
		ids[i] = backend.NewActionID(backend.ActBuy)
		eng.Submit(backend.Action{ID: ids[i], Kind: backend.ActBuy, Account: acct, Buy: &r, Label: "bench line"})
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		keys, ok := w.boughtKeys(ids)
		if ok {
			return keys, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: bought %d of %d lines through the engine: %s", acct, len(keys), n, w.failureText())
		}
		if err := sleepUntil(ctx, time.Now().Add(100*time.Millisecond)); err != nil {
			return nil, err
		}
	}
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
// at its time and returns the records.
func deliverPlan(ctx context.Context, t0 time.Time, p provider, acct string, plan []delivery, sbKeys []backend.Key,
	nvLines []backend.Line, sbSim, nvSim *sim.Sim, reg *registry, w *watcher) []*codeRec {
	var recs []*codeRec
	for _, d := range plan {
		if sleepUntil(ctx, t0.Add(d.At)) != nil {
			break
		}
		rec := &codeRec{kind: p.Kind, d: d, sbKey: sbKeys[d.Line], nvID: nvLines[d.Line].ID}
		rec.sit = w.situation(acct, rec.sbKey, time.Now())
		reg.add(rec)
		reg.stamp(&rec.sb)
		reg.delivered(rec, &rec.sb, p.deliver(sbSim, rec.sbKey.ID(), d.Text()))
		reg.stamp(&rec.nv)
		reg.delivered(rec, &rec.nv, p.deliver(nvSim, rec.nvID, d.Text()))
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
