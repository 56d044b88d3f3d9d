package bench

import (
	"context"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
)

// A default run must give every provider enough codes to tell its mean
// from the bound within about 10 %: a code waits a uniform share of its
// read interval, so the mean of n codes carries ±1.13/√n of the bound at
// 95 % (±1.96·Scatter/√n where the wait is less even, the marketplace's).
// (One NonVoip account gets about 45 codes: ±17 %.)
func TestDefaultRunGivesEveryProviderEnoughCodes(t *testing.T) {
	o := Options{}.withDefaults()
	for seed := uint64(1); seed <= 5; seed++ {
		for _, p := range providers {
			n := 0
			for i := range p.accountsOf(o.Accounts) {
				n += len(makePlan(seed, p.Kind, i, o.Lines, o.Duration, p.Pace))
			}
			sd := p.Scatter
			if sd == 0 {
				sd = 1 / math.Sqrt(3) // delay uniform over the interval: ÷ bound is U(0, 2)
			}
			if ci := 1.96 * sd / math.Sqrt(float64(n)); ci > 0.105 {
				t.Errorf("seed %d, %s: %d codes, mean ÷ bound known to ±%.0f %% only", seed, p.Kind.Label(), n, 100*ci)
			}
		}
	}
}

func TestPlanIsSeededUniqueAndPaced(t *testing.T) {
	p := pacing{MinGap: 10 * time.Second, Spread: 20 * time.Second}
	a := makePlan(7, backend.PivDay, 0, 25, 100*time.Second, p)
	b := makePlan(7, backend.PivDay, 0, 25, 100*time.Second, p)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("plans of one seed differ in size: %d, %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("plans of one seed differ at %d: %+v vs %+v", i, a[i], b[i])
		}
	}
	if c := makePlan(7, backend.FiveSim, 0, 25, 100*time.Second, p); len(c) > 0 && len(c) == len(a) && c[0] == a[0] {
		t.Error("two providers got the same plan")
	}
	if c := makePlan(7, backend.PivDay, 1, 25, 100*time.Second, p); len(c) > 0 && len(c) == len(a) && c[0] == a[0] {
		t.Error("two accounts of a provider got the same plan")
	}
	codes := map[string]bool{}
	last := map[int]time.Duration{}
	perLine := map[int]int{}
	for i, d := range a {
		if i > 0 && d.At < a[i-1].At {
			t.Fatalf("plan not sorted at %d", i)
		}
		if d.At < 0 || d.At >= 100*time.Second {
			t.Errorf("code at %s outside the window", d.At)
		}
		if codes[d.Code] || len(d.Code) != 6 {
			t.Errorf("code %q repeated or not 6 digits", d.Code)
		}
		codes[d.Code] = true
		if !strings.Contains(d.Text(), d.Code) {
			t.Errorf("text %q lacks its code", d.Text())
		}
		if n, ok := last[d.Line]; ok {
			if gap := d.At - n; gap < p.MinGap || gap >= p.MinGap+p.Spread {
				t.Errorf("line %d: gap %s outside [%s, %s)", d.Line, gap, p.MinGap, p.MinGap+p.Spread)
			}
		} else if d.At >= p.Spread {
			t.Errorf("line %d: first code at %s, after the spread", d.Line, d.At)
		}
		last[d.Line] = d.At
		perLine[d.Line]++
	}
	if len(perLine) != 25 {
		t.Errorf("%d lines got codes, want 25", len(perLine))
	}
}

func TestStats(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := statsOf(ds)
	if s.N != 100 || s.Mean != 50500*time.Microsecond || s.P50 != 50*time.Millisecond ||
		s.P95 != 95*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("stats = %+v", s)
	}
	// sd of 1..100 ms is 29.011 ms; 1.96 × sd / 10 = 5.686 ms.
	if math.Abs(s.CI95.Seconds()-0.005686) > 0.00001 {
		t.Errorf("CI95 = %s, want about 5.686ms", s.CI95)
	}
	if e := statsOf(nil); e.N != 0 || e.Mean != 0 {
		t.Errorf("empty stats = %+v", e)
	}
}

func TestBoundStats(t *testing.T) {
	// One interval: delays uniform over [0, 20 s].
	s := boundStats([]time.Duration{20 * time.Second, 20 * time.Second})
	near := func(got, want time.Duration) bool { return (got - want).Abs() < time.Millisecond }
	if s.N != 2 || !near(s.Mean, 10*time.Second) || !near(s.P50, 10*time.Second) || !near(s.P95, 19*time.Second) ||
		!near(s.P99, 19800*time.Millisecond) || s.Max != 20*time.Second {
		t.Errorf("uniform bound = %+v", s)
	}
	// A 10 s and a 30 s interval: half of all delays are under 7.5 s
	// ((7.5/10 + 7.5/30) / 2 = 0.5).
	m := boundStats([]time.Duration{10 * time.Second, 30 * time.Second})
	if !near(m.Mean, 10*time.Second) || !near(m.P50, 7500*time.Millisecond) || m.Max != 30*time.Second {
		t.Errorf("mixed bound = %+v", m)
	}
	if e := boundStats(nil); e.N != 0 || e.Mean != 0 {
		t.Errorf("empty bound = %+v", e)
	}
}

func TestReadInterval(t *testing.T) {
	// 25 lines that got a code (0.5 each), 60 hot requests a minute, one
	// request per read: each line is read every 25 s.
	if got := readInterval(false, 60, 1, situation{Total: 12.5, Own: 0.5, Max: 0.5}); got != 25*time.Second {
		t.Errorf("per-line interval = %s, want 25s", got)
	}
	// A waiting line among them is read twice as often.
	if got := readInterval(false, 60, 1, situation{Total: 13, Own: 1, Max: 1}); got != 13*time.Second {
		t.Errorf("waiting-line interval = %s, want 13s", got)
	}
	// Batch: two requests per read, 60/min, heaviest weight 0.5 → 4 s.
	if got := readInterval(true, 60, 2, situation{Total: 12.5, Own: 0.5, Max: 0.5}); got != 4*time.Second {
		t.Errorf("batch interval = %s, want 4s", got)
	}
	if got := readInterval(false, 60, 1, situation{Total: 3}); got != 0 {
		t.Errorf("a line the scheduler does not read has interval %s", got)
	}
	// The budget split the bound relies on: 100/min leaves 76 for hot
	// reads before cold ones.
	if got := engine.HotRate(100, Headroom, 6); math.Abs(got-70) > 1e-9 {
		t.Errorf("HotRate(100, 0.2, 6) = %v, want 70", got)
	}
}

func TestHotUsageAndCost(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := []checkSample{
		{At: t0.Add(-time.Second), Requests: 9}, // before the window
		{At: t0, Requests: 1},
		{At: t0.Add(time.Second), Requests: 3},
		{At: t0.Add(2 * time.Second), Requests: 2},
		{At: t0.Add(10 * time.Second), Requests: 1}, // after
	}
	req, mean, reads := hotUsage(s, t0, t0.Add(10*time.Second))
	if req != 6 || mean != 2 || reads != 3 {
		t.Errorf("hotUsage = %v requests, mean %v, %d reads; want 6, 2, 3", req, mean, reads)
	}
	if c := costNear(s, t0.Add(500*time.Millisecond), time.Second, 5); c != 2 {
		t.Errorf("costNear = %v, want 2 (mean of the reads within 1 s)", c)
	}
	if c := costNear(s, t0.Add(time.Hour), time.Second, 5); c != 5 {
		t.Errorf("costNear with no sample = %v, want the default 5", c)
	}
}

// spender is a provider whose Check sends n requests through the budget,
// optionally holding until released.
type spender struct {
	backend.Provider
	budget *backend.Budget
	n      int
	hold   chan struct{}
}

func (s *spender) Check(ctx context.Context, _ []backend.Line) ([]backend.Line, []backend.Message, error) {
	for range s.n {
		if err := s.budget.Wait(ctx); err != nil {
			return nil, nil, err
		}
	}
	if s.hold != nil {
		<-s.hold
	}
	return nil, nil, nil
}

// Every call is counted exactly, however many run at once, and the
// engine's own counter (the caller's) still sees every request.
func TestMeterCountsEachCallExactly(t *testing.T) {
	b := backend.NewBudget(6000)
	slow := &spender{budget: b, n: 3, hold: make(chan struct{})}
	m := newMeter(slow)
	var outer atomic.Int64
	ctx := backend.WithCounter(context.Background(), &outer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = m.Check(ctx, nil) // 3 requests, held open
	}()
	for b.Used() < 3 {
		time.Sleep(time.Millisecond)
	}
	fast := &spender{budget: b, n: 2}
	m.Provider = fast
	if _, _, err := m.Check(ctx, nil); err != nil { // 2 requests while the other is open
		t.Fatal(err)
	}
	close(slow.hold)
	<-done
	got := m.samples()
	if len(got) != 2 || got[0].Requests != 2 || got[1].Requests != 3 {
		t.Fatalf("overlapping calls: %+v, want 2 then 3 requests", got)
	}
	if outer.Load() != 5 {
		t.Errorf("the caller's counter saw %d requests, want 5", outer.Load())
	}
}

func TestRegistryMatchesByLineAndCode(t *testing.T) {
	r := newRegistry()
	k1 := backend.MakeKey(backend.FiveSim, "acct", backend.ItemLine, "11")
	k2 := backend.MakeKey(backend.FiveSim, "acct", backend.ItemLine, "12")
	c := &codeRec{kind: backend.FiveSim, d: delivery{Code: "482913"}, sbKey: k1, nvID: "11"}
	r.add(c)
	if !r.allSeen() {
		t.Fatal("a code not yet delivered is waited for")
	}
	r.stamp(&c.sb)
	r.stamp(&c.nv)
	if r.allSeen() {
		t.Fatal("a delivered code nobody saw counts as seen")
	}
	at := time.Now()
	r.seenSB([]backend.Message{{Line: k2, Code: "482913"}}, at) // another line
	r.seenSB([]backend.Message{{Line: k1, Code: "111111", Text: "old code 111111"}}, at)
	if !c.sb.seen.IsZero() {
		t.Fatal("matched a message of another line or another code")
	}
	r.seenSB([]backend.Message{{Line: k1, Text: "Your code is 482913."}}, at)
	if !c.sb.seen.Equal(at) {
		t.Fatal("a message carrying the code in its text was not matched")
	}
	if r.allSeen() {
		t.Fatal("the naive side has not seen it yet")
	}
	r.seenNaive(backend.FiveSim, "11", []backend.Message{{Code: "482913"}}, at.Add(time.Second))
	if !c.nv.seen.Equal(at.Add(time.Second)) || !r.allSeen() {
		t.Fatal("the naive side's message was not matched")
	}
	// A failed delivery is not waited for.
	bad := &codeRec{kind: backend.NonVoip, d: delivery{Code: "222222"}, sbKey: k2, nvID: "9"}
	r.add(bad)
	r.stamp(&bad.sb)
	r.delivered(bad, &bad.sb, context.DeadlineExceeded)
	if !r.allSeen() || len(r.errors(backend.NonVoip)) != 1 {
		t.Error("a failed delivery is waited for or not reported")
	}
}

func TestWatcherWeighsLinesLikeTheScheduler(t *testing.T) {
	w := newWatcher(newRegistry())
	now := time.Now()
	key := func(id string) backend.Key { return backend.MakeKey(backend.PivDay, "a", backend.ItemLine, id) }
	ev := make(chan backend.Event, 4)
	ev <- backend.Event{Lines: []*backend.Line{
		{Key: key("1"), Account: "a", ID: "1", State: backend.LineWaiting, CreatedAt: backend.InstantOf(now)},
		{Key: key("2"), Account: "a", ID: "2", State: backend.LineReceived, CreatedAt: backend.InstantOf(now.Add(-time.Hour)), CodeAt: backend.InstantOf(now.Add(-time.Minute))},
		{Key: key("3"), Account: "a", ID: "3", State: backend.LineActive, CreatedAt: backend.InstantOf(now.Add(-48 * time.Hour))},
		{Key: key("4"), Account: "a", ID: "4", State: backend.LineExpired},
	}}
	// A fresh SMS on the old rental makes it recent again.
	ev <- backend.Event{Messages: []backend.Message{{Line: key("3"), ReceivedAt: now.Add(-10 * time.Second)}}}
	act := backend.Action{ID: "buy-1", Kind: backend.ActBuy}
	ev <- backend.Event{Notices: []backend.Notice{{Level: backend.Success, Key: key("1"), Action: &act}}}
	close(ev)
	w.run(ev)
	s := w.situation("a", key("2"), now)
	if s.Total != 2 || s.Own != 0.5 || s.Max != 1 {
		t.Errorf("situation = %+v, want total 2 (1 + 0.5 + 0.5 + 0), own 0.5, max 1", s)
	}
	if k, ok := w.boughtKey("buy-1"); !ok || k != key("1") {
		t.Errorf("bought = %v, %v", k, ok)
	}
	if _, ok := w.boughtKey("buy-2"); ok {
		t.Error("an unknown buy counts as bought")
	}
}

// Lines are bought one at a time: a purchase is submitted only once the
// one before it has bought its line.
func TestBuyViaEngineBuysOneAtATime(t *testing.T) {
	var submitted []string
	answered := map[string]bool{}
	polls := map[string]int{}
	submit := func(a backend.Action) {
		for _, id := range submitted {
			if !answered[id] {
				t.Fatalf("%s submitted while %s had not bought its line", a.ID, id)
			}
		}
		if a.Kind != backend.ActBuy || a.Account != "acct" || a.Buy == nil || a.Buy.Product != "telegram" {
			t.Fatalf("submitted %+v", a)
		}
		submitted = append(submitted, a.ID)
	}
	bought := func(id string) (backend.Key, bool) {
		polls[id]++
		if polls[id] < 3 { // the engine answers a little later
			return "", false
		}
		answered[id] = true
		return backend.Key("k-" + id), true
	}
	keys, err := buyViaEngine(context.Background(), submit, bought, func() string { return "" }, "acct",
		backend.BuyRequest{Product: "telegram"}, 4)
	if err != nil || len(keys) != 4 || len(submitted) != 4 || keys[3] != backend.Key("k-"+submitted[3]) {
		t.Fatalf("keys %v, err %v, submitted %v", keys, err, submitted)
	}
}

func sampleReport() Report {
	return Report{
		Options: Options{Duration: 100 * time.Second, Lines: 25, Seed: 1, Scale: 1, NaiveEvery: 5 * time.Second},
		Elapsed: 170 * time.Second, Machine: "test machine",
		Accounts: []AccountReport{{
			Provider: backend.NonVoip, Lines: 25, Limit: "60/min", Budget: 60, ColdPerMin: 1, HotPerMin: 44.6, CheckCost: 1,
			Bound:       Stats{N: 40, Mean: 16 * time.Second},
			Switchboard: Side{Codes: 40, Delay: Stats{N: 40, Mean: 17 * time.Second, CI95: 1600 * time.Millisecond, P95: 30 * time.Second}, PerMinute: 46},
			Naive:       Side{Codes: 40, Delay: Stats{N: 39, Mean: 20 * time.Second, CI95: 2 * time.Second}, PerMinute: 85, Limited: 25, LimitedTotal: 31},
		}},
	}
}

func TestReportVerdictsAndRendering(t *testing.T) {
	r := sampleReport()
	a := r.Accounts[0]
	if !a.MeetsBound() || !a.NoSteady429() || !a.BeatsNaive() || a.Naive.Missed() != 1 {
		t.Errorf("verdicts: bound %v, no429 %v, beats %v, missed %d", a.MeetsBound(), a.NoSteady429(), a.BeatsNaive(), a.Naive.Missed())
	}
	// Codes seen sooner than the bound meet it: 0.8 of it is no miss.
	faster := a
	faster.Switchboard.Delay.Mean = 12800 * time.Millisecond
	if !faster.MeetsBound() {
		t.Errorf("a mean at %.2f of the bound was counted as missing it", faster.BoundRatio())
	}
	if !a.NaiveGapSignificant() || math.Abs(a.RatioCI()-0.1) > 1e-9 {
		t.Errorf("3 s apart with ±1.6 s and ±2 s is significant (%v); ratio CI %v, want 0.1", a.NaiveGapSignificant(), a.RatioCI())
	}
	a.Switchboard.Delay.Mean = 18 * time.Second // 1.125 × the bound
	if a.NaiveGapSignificant() {
		t.Error("2 s apart with ±1.6 s and ±2 s counted as significant")
	}
	a.Switchboard.PerMinute = 90
	if a.MeetsBound() || a.BeatsNaive() {
		t.Error("a mean 12.5% over the bound, or more requests than the naive poller, passed")
	}
	text := r.Text()
	for _, want := range []string{"switchboard bench --duration 1m40s --lines 25 --seed 1", "NonVoip", "17.000s", "25/31",
		"mean/bound 1.06±0.10 (met)", "1.18× lower delay at 54%", "W / w"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	md := r.Markdown()
	for _, want := range []string{"| NonVoip (limit 60/min, budget 60/min) | Switchboard | 40 | 0 | 17.000s", "| naive 5 s | 40 | 1 | 20.000s",
		"| 25 / 31 |", "| bound | 40 |", "1.06 ± 0.10 ✓", "44.6 / 0.0"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestRunSmall runs the whole benchmark briefly, with two accounts per
// provider at three times the documented limits (so buying is quick):
// every code reaches both sides, Switchboard is never rate limited, and
// the report adds up.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulators for about 20 s")
	}
	rep, err := Run(context.Background(), Options{Lines: 3, Accounts: 2, Scale: 3, Duration: 12 * time.Second, Warmup: 3 * time.Second, Drain: 30 * time.Second, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Accounts) != 4 {
		t.Fatalf("%d accounts, want 4", len(rep.Accounts))
	}
	for i, a := range rep.Accounts {
		if want := providers[i].accountsOf(2); a.Accounts != want {
			t.Errorf("%s: %d accounts, want %d", a.Provider, a.Accounts, want)
		}
		if len(a.Errors) > 0 {
			t.Errorf("%s: deliveries failed: %v", a.Provider, a.Errors)
		}
		sb, nv := a.Switchboard, a.Naive
		if sb.Codes == 0 || sb.Codes != nv.Codes {
			t.Errorf("%s: %d codes for Switchboard, %d naive", a.Provider, sb.Codes, nv.Codes)
		}
		if sb.Missed() != 0 || nv.Missed() != 0 {
			t.Errorf("%s: missed %d (Switchboard) and %d (naive)", a.Provider, sb.Missed(), nv.Missed())
		}
		if sb.LimitedTotal != 0 {
			t.Errorf("%s: Switchboard got %d 429s", a.Provider, sb.LimitedTotal)
		}
		if sb.Delay.Mean <= 0 || a.Bound.N != sb.Delay.N || a.Bound.Mean <= 0 || sb.PerMinute <= 0 || a.HotPerMin <= 0 {
			t.Errorf("%s: figures missing: %+v", a.Provider, a)
		}
		if sb.PerMinute > a.Budget {
			t.Errorf("%s: Switchboard sent %.1f requests a minute on a budget of %.0f", a.Provider, sb.PerMinute, a.Budget)
		}
	}
	if !strings.Contains(rep.Text(), "Time to code") {
		t.Error("no text report")
	}
}

// BenchmarkTimeToCode is a reduced run: the same 25 lines per account,
// codes for 40 s instead of 100 (so the per-line accounts see about one
// code per line, and the figures are noisier); `switchboard bench` is the
// full one. Metrics per account: Switchboard's mean delay, its bound, the
// naive poller's mean, both sides' requests a minute and Switchboard's
// steady 429s.
func BenchmarkTimeToCode(b *testing.B) {
	if testing.Short() {
		b.Skip("runs the simulators for about two minutes")
	}
	for b.Loop() {
		rep, err := Run(context.Background(), Options{Duration: 40 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range rep.Accounts {
			name := string(a.Provider)
			b.ReportMetric(a.Switchboard.Delay.Mean.Seconds(), name+"-s-mean")
			b.ReportMetric(a.Bound.Mean.Seconds(), name+"-s-bound")
			b.ReportMetric(a.Naive.Delay.Mean.Seconds(), name+"-naive-s-mean")
			b.ReportMetric(a.Switchboard.PerMinute, name+"-req/min")
			b.ReportMetric(a.Naive.PerMinute, name+"-naive-req/min")
			b.ReportMetric(float64(a.Switchboard.Limited), name+"-429s")
		}
	}
}
