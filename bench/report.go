package bench

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"switchboard/backend"
)

// Report is one run's figures.
type Report struct {
	Options  Options
	Started  time.Time
	Elapsed  time.Duration
	Machine  string
	Accounts []AccountReport
}

// AccountReport is one provider's accounts on both sides: their codes
// pooled, rates and costs per account averaged, 429s summed.
type AccountReport struct {
	Provider backend.ProviderKind
	Account  string  // the first account's name
	Accounts int     // accounts of this provider
	Batch    bool    // one read covers every line (5sim, marketplace)
	Lines    int     // waiting lines per account
	Limit    string  // the limit the simulators enforce
	Budget   float64 // per account
	// What Switchboard's budget left for hot reads while codes arrived:
	// cold reads per minute (measured), the hot-read rate
	// engine.HotRate gives for them, and requests per hot read.
	ColdPerMin, HotPerMin, CheckCost float64
	// HotUsedPerMin is what Switchboard spent on hot reads.
	HotUsedPerMin float64
	// ColdCalls lists Switchboard's other calls while codes arrived;
	// ReadTime is how long a hot read took on average, waiting for a
	// token of the budget included (the delay includes it, the bound
	// does not).
	ColdCalls string
	ReadTime  time.Duration
	// Bound is what a scheduler reading each line exactly at the
	// interval the budget allows would show: every code waits uniformly
	// between 0 and the interval of its line at the time it arrived, so
	// the mean is half the interval (see boundStats).
	Bound       Stats
	Switchboard Side
	Naive       Side
	Errors      []string // deliveries that failed
}

// Side is one poller's figures for an account.
type Side struct {
	Codes        int     // delivered
	Delay        Stats   // delivery → seen, over the codes seen
	PerMinute    float64 // requests per account the provider received per minute while codes arrived
	Limited      int     // 429s while codes arrived (steady state)
	LimitedTotal int     // 429s over the whole run, buying the lines included
}

// Missed counts codes the side never saw before the run ended.
func (s Side) Missed() int { return s.Codes - s.Delay.N }

// Stats summarizes durations.
type Stats struct {
	N                        int
	Mean, P50, P95, P99, Max time.Duration
	CI95                     time.Duration // half-width of the mean's 95% confidence interval
}

func statsOf(ds []time.Duration) Stats {
	s := Stats{N: len(ds)}
	if s.N == 0 {
		return s
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	var sum float64
	for _, d := range sorted {
		sum += float64(d)
	}
	mean := sum / float64(s.N)
	var sq float64
	for _, d := range sorted {
		sq += (float64(d) - mean) * (float64(d) - mean)
	}
	s.Mean = time.Duration(mean)
	if s.N > 1 {
		s.CI95 = time.Duration(1.96 * math.Sqrt(sq/float64(s.N-1)) / math.Sqrt(float64(s.N)))
	}
	s.P50, s.P95, s.P99 = rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99)
	s.Max = sorted[s.N-1]
	return s
}

// boundStats describes delays spread uniformly over [0, interval] for each
// code's interval: the mean is the mean half-interval, the percentiles
// those of that mixture, Max the longest interval.
func boundStats(intervals []time.Duration) Stats {
	s := Stats{N: len(intervals)}
	if s.N == 0 {
		return s
	}
	var sum float64
	for _, iv := range intervals {
		sum += float64(iv)
		s.Max = max(s.Max, iv)
	}
	s.Mean = time.Duration(sum / float64(2*s.N))
	// share(q) is the fraction of delays at most q: increasing in q.
	share := func(q float64) float64 {
		var f float64
		for _, iv := range intervals {
			f += math.Min(q/float64(iv), 1)
		}
		return f / float64(s.N)
	}
	quantile := func(p float64) time.Duration {
		lo, hi := 0.0, float64(s.Max)
		for range 60 {
			mid := (lo + hi) / 2
			if share(mid) < p {
				lo = mid
			} else {
				hi = mid
			}
		}
		return time.Duration(hi)
	}
	s.P50, s.P95, s.P99 = quantile(0.50), quantile(0.95), quantile(0.99)
	return s
}

// rank is the nearest-rank percentile of sorted values.
func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// BoundRatio is Switchboard's mean delay over the mean bound.
func (a AccountReport) BoundRatio() float64 {
	if a.Bound.Mean <= 0 {
		return math.NaN()
	}
	return float64(a.Switchboard.Delay.Mean) / float64(a.Bound.Mean)
}

// RatioCI is the 95% uncertainty of BoundRatio from the delays' spread.
func (a AccountReport) RatioCI() float64 {
	if a.Bound.Mean <= 0 {
		return math.NaN()
	}
	return float64(a.Switchboard.Delay.CI95) / float64(a.Bound.Mean)
}

// MeetsBound: the mean delay is at most 10% over the bound. Under it is
// met too: the bound is what reading at the budget's interval gives, and a
// code seen sooner is no failure.
func (a AccountReport) MeetsBound() bool { return a.BoundRatio() <= 1.1 }

// NoSteady429: Switchboard got no 429 while codes arrived.
func (a AccountReport) NoSteady429() bool { return a.Switchboard.Limited == 0 }

// BeatsNaive: a lower mean delay than the naive poller, at fewer requests.
func (a AccountReport) BeatsNaive() bool {
	return a.Switchboard.Delay.N > 0 && a.Naive.Delay.N > 0 &&
		a.Switchboard.Delay.Mean < a.Naive.Delay.Mean && a.Switchboard.PerMinute < a.Naive.PerMinute
}

// NaiveGapSignificant: the two mean delays differ by more than the 95%
// uncertainty of their difference.
func (a AccountReport) NaiveGapSignificant() bool {
	s, n := a.Switchboard.Delay, a.Naive.Delay
	diff := math.Abs(float64(s.Mean - n.Mean))
	return diff > math.Hypot(float64(s.CI95), float64(n.CI95))
}

// Command is the command line that repeats a run.
func (r Report) Command() string {
	o := r.Options
	cmd := fmt.Sprintf("switchboard bench --duration %s --lines %d --seed %d", o.Duration, o.Lines, o.Seed)
	if o.Accounts > 1 {
		cmd += fmt.Sprintf(" --accounts %d", o.Accounts)
	}
	if o.Scale != 1 {
		cmd += fmt.Sprintf(" --scale %g", o.Scale)
	}
	if o.NoNaive {
		cmd += " --naive=false"
	}
	return cmd
}

// accountsText says how many accounts of each provider a run with
// perProvider measures: "1 account(s) per provider (NonVoip 6)".
func accountsText(perProvider int) string {
	var more []string
	for _, p := range providers {
		if n := p.accountsOf(perProvider); n != perProvider {
			more = append(more, fmt.Sprintf("%s %d", p.Kind.Label(), n))
		}
	}
	s := fmt.Sprintf("%d account(s) per provider", perProvider)
	if len(more) > 0 {
		s += " (" + strings.Join(more, ", ") + ")"
	}
	return s
}

// name is the provider with its number of accounts.
func (a AccountReport) name() string {
	if a.Accounts > 1 {
		return fmt.Sprintf("%s ×%d", a.Provider.Label(), a.Accounts)
	}
	return a.Provider.Label()
}

// sides are the pollers the run measured.
func (r Report) sides(a AccountReport) []namedSide {
	out := []namedSide{{"Switchboard", a.Switchboard}}
	if !r.Options.NoNaive {
		out = append(out, namedSide{fmt.Sprintf("naive %g s", r.Options.NaiveEvery.Seconds()), a.Naive})
	}
	return out
}

type namedSide struct {
	name string
	Side
}

// vsNaive compares Switchboard with the naive poller in format (delay,
// share of its requests, verdict), or says it was skipped.
func (r Report) vsNaive(a AccountReport, format string, mark func(bool) string) string {
	if r.Options.NoNaive {
		return "naive side skipped"
	}
	return fmt.Sprintf(format, speed(a), 100*a.Switchboard.PerMinute/math.Max(a.Naive.PerMinute, 1e-9), mark(a.BeatsNaive()))
}

// Text renders the report for a terminal.
func (r Report) Text() string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "Time to code — %s\n", r.Command())
	fmt.Fprintf(&b, "%s, %d lines per account, codes for %s, naive poller every %s, ran %s on %s\n\n",
		accountsText(o.Accounts), o.Lines, o.Duration, o.NaiveEvery, r.Elapsed.Round(time.Second), r.Machine)
	for _, a := range r.Accounts {
		kind := "per-line reads"
		if a.Batch {
			kind = "batch reads"
		}
		fmt.Fprintf(&b, "%s (%s; limit %s, budget %.0f/min; cold reads %.1f/min leave %.1f/min for hot reads, %.1f used, %.2f req/read)\n",
			a.name(), kind, a.Limit, a.Budget, a.ColdPerMin, a.HotPerMin, a.HotUsedPerMin, a.CheckCost)
		fmt.Fprintf(&b, "  %-12s %5s %6s %9s %9s %9s %9s %9s %8s %6s\n", "", "codes", "missed", "mean", "±95%", "p50", "p95", "p99", "req/min", "429s")
		for _, s := range r.sides(a) {
			d := s.Delay
			fmt.Fprintf(&b, "  %-12s %5d %6d %9s %9s %9s %9s %9s %8.1f %6s\n", strings.ToLower(s.name), s.Codes, s.Missed(),
				ms(d.Mean), ms(d.CI95), ms(d.P50), ms(d.P95), ms(d.P99), s.PerMinute, limited(s.Side))
		}
		fmt.Fprintf(&b, "  %-12s %5d %6s %9s %9s %9s %9s %9s   (read every %s at most)\n", "bound", a.Bound.N, "", ms(a.Bound.Mean), "",
			ms(a.Bound.P50), ms(a.Bound.P95), ms(a.Bound.P99), ms(a.Bound.Max))
		fmt.Fprintf(&b, "  mean/bound %.2f±%.2f (%s)  steady 429s %d (%s)  %s\n",
			a.BoundRatio(), a.RatioCI(), verdict(a.MeetsBound()), a.Switchboard.Limited, verdict(a.NoSteady429()),
			r.vsNaive(a, "vs naive: %s at %.0f%% of its requests (%s)", verdict))
		fmt.Fprintf(&b, "  a hot read took %s on average (token wait included); other calls while codes arrived: %s\n", ms(a.ReadTime), a.ColdCalls)
		for _, e := range a.Errors {
			fmt.Fprintf(&b, "  delivery failed: %s\n", e)
		}
		b.WriteString("\n")
	}
	b.WriteString(formulaText)
	return b.String()
}

// Markdown renders the report for BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "`%s` — %s, %d lines per account, codes for %s, naive poller every %s; ran %s on %s.\n\n",
		r.Command(), accountsText(o.Accounts), o.Lines, o.Duration, o.NaiveEvery, r.Elapsed.Round(time.Second), r.Machine)
	b.WriteString("| account | side | codes | missed | mean | ±95% | p50 | p95 | p99 | req/min | 429s (steady/total) |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, a := range r.Accounts {
		name := fmt.Sprintf("%s (limit %s, budget %.0f/min)", a.name(), a.Limit, a.Budget)
		for _, s := range r.sides(a) {
			d := s.Delay
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %s | %s | %s | %s | %s | %.1f | %d / %d |\n", name, s.name, s.Codes, s.Missed(),
				ms(d.Mean), ms(d.CI95), ms(d.P50), ms(d.P95), ms(d.P99), s.PerMinute, s.Limited, s.LimitedTotal)
			name = ""
		}
		fmt.Fprintf(&b, "|  | bound | %d |  | %s |  | %s | %s | %s |  |  |\n", a.Bound.N, ms(a.Bound.Mean),
			ms(a.Bound.P50), ms(a.Bound.P95), ms(a.Bound.P99))
	}
	b.WriteString("\n| account | reads | cold req/min | hot req/min allowed / used | req per read | read time | mean ÷ bound | steady 429s | vs naive |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, a := range r.Accounts {
		kind := "per line"
		if a.Batch {
			kind = "batch"
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f | %.1f / %.1f | %.2f | %s | %.2f ± %.2f %s | %d %s | %s |\n",
			a.name(), kind, a.ColdPerMin, a.HotPerMin, a.HotUsedPerMin, a.CheckCost, ms(a.ReadTime), a.BoundRatio(), a.RatioCI(), mark(a.MeetsBound()),
			a.Switchboard.Limited, mark(a.NoSteady429()), r.vsNaive(a, "%s, %.0f%% of its requests %s", mark))
	}
	return b.String()
}

const formulaText = `Bound: half the interval at which the budget lets the scheduler read the line.
  hot   = budget/min × 0.95 (safety) × 0.8 (operator headroom) − cold reads/min (measured)
  slot  = requests per read × 60 s / hot
  per-line providers: interval = slot × W / w  (W: weight of all open lines, w: this line's;
    waiting 1, 0.5 within 3 min of a code, less later — engine.LineWeight)
  batch providers:    interval = slot / heaviest weight
  computed when each code arrives. A code waits for the next read of its line, uniformly
  between 0 and the interval: the bound row is that ideal (mean = half the interval);
  "mean/bound" compares the measured mean with it (± its 95% uncertainty).
`

func speed(a AccountReport) string {
	n, s := a.Naive.Delay.Mean, a.Switchboard.Delay.Mean
	if n <= 0 || s <= 0 {
		return "n/a"
	}
	word := fmt.Sprintf("%.2f× lower delay", float64(n)/float64(s))
	if s >= n {
		word = fmt.Sprintf("%.2f× higher delay", float64(s)/float64(n))
	}
	if !a.NaiveGapSignificant() {
		word += " (within noise)"
	}
	return word
}

func limited(s Side) string { return fmt.Sprintf("%d/%d", s.Limited, s.LimitedTotal) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// ms renders a duration in seconds with millisecond precision.
func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}
