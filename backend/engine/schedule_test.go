package engine

import (
	"switchboard/backend"

	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// orderRecorder remembers the order in which lines are read one by one.
type orderRecorder struct {
	*fakeProvider
	mu    sync.Mutex
	reads []string
}

func (r *orderRecorder) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	r.mu.Lock()
	for _, l := range lines {
		r.reads = append(r.reads, l.ID)
	}
	r.mu.Unlock()
	return r.fakeProvider.Check(ctx, lines)
}

func (r *orderRecorder) sequence() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reads...)
}

// Lines of equal weight are read in the same order every round, so each
// is read exactly one round apart and a code waits half a round on
// average.
func TestEqualLinesAreReadInAFixedRound(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 1200) // about 15 hot reads a second
	ids := []string{"e", "b", "d", "a", "c", "f"}
	for _, id := range ids {
		f.addLine(id, backend.LineWaiting, 0)
	}
	rec := &orderRecorder{fakeProvider: f}
	startEngine(t, newMemStore(), AccountSpec{Provider: rec, Budget: f.budget})
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.sequence()) < 4*len(ids) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	seq := rec.sequence()
	if len(seq) < 4*len(ids) {
		t.Fatalf("only %d reads in 10 s", len(seq))
	}
	n := len(ids)
	for i := n; i < 4*n; i++ {
		if seq[i] != seq[i-n] {
			t.Fatalf("read %d is %s but a round earlier it was %s: %v", i, seq[i], seq[i-n], seq[:4*n])
		}
	}
	seen := map[string]bool{}
	for _, id := range seq[:n] {
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("a round does not read every line once: %v", seq[:n])
	}
}

func TestLineWeightAndHotRate(t *testing.T) {
	now := time.Now()
	cases := []struct {
		l    backend.Line
		last time.Time
		want float64
	}{
		{backend.Line{State: backend.LineWaiting}, time.Time{}, 1},
		{backend.Line{State: backend.LineReceived, CodeAt: backend.InstantOf(now.Add(-time.Minute))}, time.Time{}, 0.5},
		{backend.Line{State: backend.LineReceived, CodeAt: backend.InstantOf(now.Add(-10 * time.Minute))}, time.Time{}, 0.2},
		{backend.Line{State: backend.LineActive, CreatedAt: backend.InstantOf(now.Add(-30 * 24 * time.Hour))}, now.Add(-time.Minute), 0.5},
		{backend.Line{State: backend.LineActive, CreatedAt: backend.InstantOf(now.Add(-30 * 24 * time.Hour))}, time.Time{}, 0.01},
		{backend.Line{State: backend.LinePending}, time.Time{}, 0},
		{backend.Line{State: backend.LineFinished}, time.Time{}, 0},
	}
	for _, c := range cases {
		if got := LineWeight(c.l, c.last, now); got != c.want {
			t.Errorf("LineWeight(%s, code %s ago) = %v, want %v", c.l.State, now.Sub(c.l.CodeAt.Time()), got, c.want)
		}
	}
	if got := HotRate(100, 0.2, 6); math.Abs(got-70) > 1e-9 {
		t.Errorf("HotRate(100, 0.2, 6) = %v, want 70", got)
	}
	if got := HotRate(100, 0.2, 90); math.Abs(got-15.2) > 1e-9 {
		t.Errorf("HotRate never goes under a fifth of the share: %v", got)
	}
}

// jobLister lists one job that is still running.
type jobLister struct {
	*fakeProvider
	mu    sync.Mutex
	reads int
}

func (j *jobLister) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	if err := j.wait(ctx); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.reads++
	return []backend.Job{{Key: backend.MakeKey(j.kind, j.account, backend.ItemJob, "q1"), Account: j.account,
		Provider: j.kind, ID: "q1", Kind: backend.JobDomainRegistration, State: backend.JobRunning}}, nil
}

// A first jobs listing that finds a running job brings the next one to
// the running period (30 s), not the idle one it was started with (5 min).
func TestJobsFoundRunningAreReadAtTheirPeriod(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 600)
	j := &jobLister{fakeProvider: f}
	startEngine(t, newMemStore(), AccountSpec{Provider: j, Budget: f.budget})
	sleepFake(t, f.clock, 70*time.Second)
	j.mu.Lock()
	reads := j.reads
	j.mu.Unlock()
	if reads < 3 {
		t.Errorf("%d jobs listings in 70 s with a job running, want one every 30 s", reads)
	}
}

// costly reads each line listing in three requests, and asks nothing
// else of the budget: only hot reads spend it.
type costly struct {
	*fakeProvider
	mu     sync.Mutex
	reads  int
	waited int // reads the budget could not grant at once
}

func (c *costly) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	c.mu.Lock()
	c.reads++
	if c.budget.Ready(3) > 0 {
		c.waited++
	}
	c.mu.Unlock()
	for range 2 {
		if err := c.budget.Wait(ctx); err != nil {
			return nil, nil, err
		}
	}
	return c.fakeProvider.Check(ctx, lines)
}

func (c *costly) Balance(context.Context) (backend.Account, error) { return backend.Account{}, nil }
func (c *costly) Lines(context.Context) ([]backend.Line, []backend.Message, error) {
	c.fakeProvider.mu.Lock()
	defer c.fakeProvider.mu.Unlock()
	var out []backend.Line
	for _, l := range c.lines {
		out = append(out, l)
	}
	return out, nil, nil
}
func (c *costly) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }
func (c *costly) Jobs(context.Context, []backend.Job) ([]backend.Job, error) {
	return nil, nil
}

// A hot read starts when the budget can grant what reads cost, so its
// requests do not wait for tokens (and its codes do not come late), and
// reads that cost three requests come three shares apart.
func TestHotReadsStartWhenTheBudgetCanGrantThem(t *testing.T) {
	t.Parallel()
	f := newFake(backend.Market, "m", true, 60) // a bucket of 3
	f.addLine("1", backend.LineWaiting, 0)
	c := &costly{fakeProvider: f}
	startEngine(t, newMemStore(), AccountSpec{Provider: c, Budget: f.budget})
	sleepFake(t, f.clock, time.Minute)
	c.mu.Lock()
	reads, waited := c.reads, c.waited
	c.mu.Unlock()
	if reads < 8 || waited > 1 {
		t.Errorf("%d of %d reads started without the tokens they need", waited, reads)
	}
	// 60/min × 0.95 × 0.8 = 45.6 requests a minute for hot reads: 15 reads.
	if perMin := float64(reads); perMin > 45.6/3*1.1 {
		t.Errorf("%.1f reads of 3 requests a minute, over the hot share", perMin)
	}
}

// freeReads answers hot reads without spending the budget, so a test
// decides alone what the bucket holds.
type freeReads struct{ *fakeProvider }

func (freeReads) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	return lines, nil, nil
}

// answerReads lets the calls in flight answer and merges their answers,
// as Run would, for a test that drives e.hot itself on the fake clock.
func answerReads(ctx context.Context, e *Engine) {
	e.workers.Wait()
	for _, f := range e.inbox.take() {
		f(ctx)
	}
}

// A hot read the budget cannot grant at once starts when it can, but
// keeps its slot: the next read comes a spacing after that slot, not after
// the wait. (Pushing every later slot back by each wait left part of the
// hot share unspent, and codes waited longer.)
func TestAWaitForTokensDoesNotPushLaterSlots(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 60) // a bucket of 3
	p := freeReads{f}
	e := idleEngine(t, newMemStore(), p)
	a := e.accts["piv"]
	var lines []backend.Line
	for _, id := range []string{"1", "2", "3"} {
		lines = append(lines, f.addLine(id, backend.LineWaiting, 0))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answer := func() { answerReads(ctx, e) }
	e.mergeLines(a, lines, nil)
	answer()

	t0 := f.clock.Now()
	slot1, ok := e.hot(ctx, a, t0)
	if !ok || !slot1.After(t0) {
		t.Fatalf("first read: next slot %v (ok %v)", slot1.Sub(t0), ok)
	}
	answer()
	spacing := slot1.Sub(t0)
	f.clock.Advance(spacing)
	for f.budget.Ready(1) == 0 { // the operator's actions empty the bucket
		if err := f.budget.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	start, ok := e.hot(ctx, a, slot1)
	if !ok || !start.After(slot1) || start.Sub(slot1) >= spacing {
		t.Fatalf("second read not held for a token: wake %v after its slot", start.Sub(slot1))
	}
	f.clock.Advance(start.Sub(slot1))
	next, _ := e.hot(ctx, a, start)
	if want := slot1.Add(spacing); !next.Equal(want) {
		t.Errorf("after a read held %v for tokens the next slot is %v after the first read, want %v (its own slot plus the spacing)",
			start.Sub(slot1), next.Sub(t0), want.Sub(t0))
	}
}

// dearBalance reads the balance in five requests and its lines for
// free, so the cold requests an account spends are the balance reads.
type dearBalance struct{ *fakeProvider }

func (d dearBalance) Balance(ctx context.Context) (backend.Account, error) {
	for range 5 {
		if err := d.budget.Wait(ctx); err != nil {
			return backend.Account{}, err
		}
	}
	return backend.Account{}, nil
}
func (d dearBalance) Lines(context.Context) ([]backend.Line, []backend.Message, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []backend.Line
	for _, l := range d.lines {
		out = append(out, l)
	}
	return out, nil, nil
}
func (dearBalance) Leases(context.Context) ([]backend.Lease, error)            { return nil, nil }
func (dearBalance) Jobs(context.Context, []backend.Job) ([]backend.Job, error) { return nil, nil }

// pollRateNow asks the running engine for an account's hot rate.
func pollRateNow(t *testing.T, e *Engine, account string) float64 {
	t.Helper()
	got := make(chan float64, 1)
	e.post(func() { got <- e.accts[account].pollRate(e.now(), e.opts.Headroom) })
	select {
	case r := <-got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the engine did not answer")
		return 0
	}
}

// Hot reads are planned with the cold requests actually spent over the
// last minute (here a balance read of 5 requests every minute), not with
// a slow average of each task's cost over its period, which lagged and
// left part of the hot share unspent. The re-read after an action is the
// action's, paid from the operator's headroom: it does not cut the hot
// share for a minute.
func TestHotReadsArePlannedWithTheColdRequestsSpentLately(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 60)
	l := f.addLine("1", backend.LineActive, backend.Allow(backend.ActRenew))
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: dearBalance{f}, Budget: f.budget})
	for range 3 { // balance read at 0, 60 and 120 s; each sleep within sleepFake's 10 s on a busy machine
		sleepFake(t, f.clock, 50*time.Second)
	}
	want := HotRate(60, e.opts.Headroom, 5)
	if got := pollRateNow(t, e, "piv"); math.Abs(got-want) > 0.01 {
		t.Errorf("hot rate %.2f/min with 5 cold requests spent in the last minute, want %.2f", got, want)
	}
	e.Submit(backend.Action{ID: "renew-1", Kind: backend.ActRenew, Account: "piv", Target: l.Key})
	c.waitFor(t, 5*time.Second, hasNotice("renew"))
	sleepFake(t, f.clock, 15*time.Second) // the balance is read again
	if got := f.calls(); got != 1 {
		t.Fatalf("%d renewals sent, want 1", got)
	}
	if got := pollRateNow(t, e, "piv"); math.Abs(got-want) > 0.01 {
		t.Errorf("after an action's re-read the hot rate is %.2f/min, want %.2f", got, want)
	}
}

// pagedLists lists leases in three pages and jobs in two, and remembers
// when each listing first answered.
type pagedLists struct {
	*fakeProvider
	mu    sync.Mutex
	first map[string]time.Time
}

func (p *pagedLists) answered(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.first[what]; !ok {
		p.first[what] = p.clock.Now()
	}
}

func (p *pagedLists) pages(ctx context.Context, n int) error {
	for range n {
		if err := p.wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (p *pagedLists) Leases(ctx context.Context) ([]backend.Lease, error) {
	if err := p.pages(ctx, 3); err != nil {
		return nil, err
	}
	p.answered("leases")
	return nil, nil
}

func (p *pagedLists) Jobs(ctx context.Context, _ []backend.Job) ([]backend.Job, error) {
	if err := p.pages(ctx, 2); err != nil {
		return nil, err
	}
	p.answered("jobs")
	return nil, nil
}

func (p *pagedLists) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	lines, msgs, err := p.fakeProvider.Lines(ctx)
	p.answered("lines")
	return lines, msgs, err
}

func (p *pagedLists) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	got, msgs, err := p.fakeProvider.Check(ctx, lines)
	p.answered("check")
	return got, msgs, err
}

// At the start nothing is known: an account's first listings (lines,
// leases, jobs) do not yield to the hot reads of the lines just listed, so
// the first screen fills within seconds. (Yielding, the leases and jobs
// of four accounts at 60 requests a minute came 10–20 s after the start.)
// No poll takes a token they wait for: polls start once they are done.
func TestFirstListingsDoNotWaitForHotReads(t *testing.T) {
	t.Parallel()
	var specs []AccountSpec
	var provs []*pagedLists
	var clock *fakeProvider
	for i := range 4 {
		f := newFake(backend.Market, string(rune('a'+i)), false, 60) // per-line reads: a bucket of 3
		if clock == nil {
			clock = f
		} else {
			clock.shareClock(f)
		}
		for j := range 10 {
			f.addLine(string(rune('0'+j)), backend.LineWaiting, 0)
		}
		p := &pagedLists{fakeProvider: f, first: map[string]time.Time{}}
		provs = append(provs, p)
		specs = append(specs, AccountSpec{Provider: p, Budget: f.budget})
	}
	startEngine(t, newMemStore(), specs...)
	const within = 8 * time.Second
	sleepFake(t, clock.clock, within)
	for _, p := range provs {
		p.mu.Lock()
		for _, what := range []string{"lines", "leases", "jobs"} {
			at, ok := p.first[what]
			switch {
			case !ok:
				t.Errorf("account %s: no %s listing within %v of the start", p.account, what, within)
			case at.Sub(testStart) > within:
				t.Errorf("account %s: first %s listing %v after the start", p.account, what, at.Sub(testStart))
			}
		}
		if polled, ok := p.first["check"]; ok && polled.Before(p.first["jobs"]) {
			t.Errorf("account %s: a poll answered %v after the start, before the first listings were done (%v)",
				p.account, polled.Sub(testStart), p.first["jobs"].Sub(testStart))
		}
		p.mu.Unlock()
	}
}
