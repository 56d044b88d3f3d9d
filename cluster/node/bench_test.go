package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/serve/servetest"
)

// BenchmarkCluster runs three nodes over one simulator and the package's
// three etcd members, each node with its SSH dashboards and webhook
// receiver, then reports what BENCHMARKS.md's "Cluster" section shows:
// requests per account and minute summed over the nodes against the
// account's budget; a code's time from the simulator to every node's
// engine and to every dashboard, for 5sim accounts (polled) and piv.day
// accounts (webhooks, each to a random node); the time an account takes
// to move after its owner is killed; and etcd's write rate and database
// growth. Run it once:
//
//	go test -run '^$' -bench Cluster -benchtime 1x -timeout 30m ./cluster/node
//
// CLUSTER_ACCOUNTS (accounts, half 5sim and half piv.day; default 200),
// CLUSTER_RATE (requests per account and minute, default 30),
// CLUSTER_SECONDS (the steady phase, default 120) and CLUSTER_SESSIONS
// (dashboards spread over the nodes, default 50; 0 for none) scale it.
func BenchmarkCluster(b *testing.B) {
	accounts := envInt("CLUSTER_ACCOUNTS", 200)
	rate := envInt("CLUSTER_RATE", 30)
	steady := time.Duration(envInt("CLUSTER_SECONDS", 120)) * time.Second
	sessions := 50
	if n, err := strconv.Atoi(os.Getenv("CLUSTER_SESSIONS")); err == nil && n >= 0 {
		sessions = n // 0: no dashboards, to tell their cost
	}
	for b.Loop() {
		runClusterBench(b, accounts, float64(rate), steady, sessions)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// linesPerAccount is the scale: the simulator's seed tops every
// account up to it.
const linesPerAccount = 20

// drain is how long the benchmark waits after the last code (a polled
// code's p99 is about two reads at 30 requests a minute).
const drain = 20 * time.Second

func runClusterBench(b *testing.B, accounts int, rate float64, steady time.Duration, sessions int) {
	tm := newTeamOf(b, max(accounts/2, 1), rate, backend.PivDay, backend.FiveSim)
	tm.screens = true
	tm.steps = newStepLog()
	fives, pivs := tm.accounts(backend.FiveSim), tm.accounts(backend.PivDay)
	for _, a := range fives {
		if err := tm.sim.FiveSim.SeedWaiting(a, linesPerAccount-tm.sim.FiveSim.Orders(a)); err != nil {
			b.Fatal(err)
		}
	}
	for _, a := range pivs {
		if err := tm.sim.PivDay.SeedNumbers(a, linesPerAccount-len(tm.sim.PivDay.NumberIDs(a))); err != nil {
			b.Fatal(err)
		}
	}
	front := newHookFront(tm, pivs)
	viewer := servetest.NewKey()
	started := time.Now()
	for _, n := range nodeNames {
		tm.serveScreens(tm.start(n), viewer, front.tokens)
	}
	// Every node shows the lines that get codes, and every account is owned.
	d := &deliverer{tm: tm, targets: map[string][]backend.Line{}, next: map[string]int{}, last: map[string]time.Time{},
		used: map[string]bool{}}
	all := append(slices.Clone(fives), pivs...)
	for _, acct := range all {
		for _, m := range tm.nodes {
			m.waitLine(b, "a line of "+acct+" to get codes", codeTarget(acct))
		}
		tm.owner(acct)
		d.targets[acct] = tm.nodes[nodeNames[0]].linesOf(codeTarget(acct))
	}
	// The steady phase starts once the accounts have spread and each
	// owner has polled after its first listings (they go before polls and
	// take every token: the screen fills first), so a move's first
	// seconds are the failover's, measured apart.
	tm.balanced()
	tm.firstListings(b, all)
	b.Logf("%d accounts (%d 5sim, %d piv.day), %d lines, 3 nodes: all owned and shown on every node after %v",
		len(all), len(fives), len(pivs), tm.nodes[nodeNames[0]].lineCount(), time.Since(started).Round(time.Millisecond))
	opened := time.Now()
	for i, m := range tm.running() {
		n := sessions / 3
		if i < sessions%3 {
			n++
		}
		m.screens.open(b, viewer, n)
	}
	b.Logf("%d dashboards (200×50) open over the nodes after %v", sessions, time.Since(opened).Round(time.Millisecond))

	before := etcdStatus(b)
	writes := tm.screenWrites()
	meter := startMeter(tm)
	// A code every 200 ms on a random account, each account at most one
	// every 15 s, each on the next of its lines.
	codes := d.run(b, time.Now().Add(steady), all)
	time.Sleep(drain)
	after := etcdStatus(b)
	elapsed := meter.elapsed()
	if sessions > 0 {
		b.Logf("each dashboard drew %.1f frames a second (the server's writes)", float64(tm.screenWrites()-writes)/float64(sessions)/elapsed.Seconds())
	}
	steadyRun := tm.measure(codes, front)
	b.Logf("steady phase %v: %d codes, each to 3 nodes and %d dashboards", elapsed.Round(time.Second), len(codes), sessions)
	steadyRun.log(b, "")
	tm.webhookTail(b, codes, front, steadyRun).log(b)

	// Failover: kill the node that owns most accounts.
	var victim *member
	for _, m := range tm.nodes {
		if victim == nil || len(m.node.Owner().Owned()) > len(victim.node.Owner().Owned()) {
			victim = m
		}
	}
	moving := victim.node.Owner().Owned()
	if len(moving) == 0 {
		for _, m := range tm.nodes {
			b.Logf("node %s: %d accounts owned; notices:\n%s", m.name, len(m.node.Owner().Owned()), m.noticeText())
		}
		b.Fatal("no node owns an account")
	}
	killed := time.Now()
	tm.kill(victim.name)
	moves := waitMoved(b, tm, moving, killed)
	moved := d.run(b, time.Now().Add(30*time.Second), moving)
	time.Sleep(drain)
	afterKill := tm.measure(moved, front)
	over, worst := meter.stop()

	b.Logf("failover after killing %s (%d accounts, TTL %v): %s", victim.name, len(moving), ttl, summary(moves))
	afterKill.log(b, "after the kill, on moved accounts, to the nodes left: ")
	b.Logf("after the kill, the moved accounts' webhook codes (the new owner's first listings run meanwhile):")
	tm.webhookTail(b, moved, front, afterKill).log(b)
	b.Logf("requests per account and minute, summed over the nodes: worst %.0f of a budget of %.0f; minutes over budget: %d", worst, rate, over)
	revs := after.rev - before.rev
	b.Logf("etcd: %d revisions (writes) in %v = %.1f/s; %.0f/hour", revs, elapsed.Round(time.Second),
		float64(revs)/elapsed.Seconds(), float64(revs)/elapsed.Hours())
	b.Logf("etcd database in use %s → %s (+%s in %v ≈ %s/hour without compaction); file %s",
		size(before.inUse), size(after.inUse), size(after.inUse-before.inUse), elapsed.Round(time.Second),
		size(int64(float64(after.inUse-before.inUse)/elapsed.Hours())), size(after.size))
}

// screenWrites counts what every dashboard has been sent so far.
func (tm *team) screenWrites() int {
	n := 0
	for _, m := range tm.running() {
		for _, v := range m.screens.viewers {
			n += v.Writes()
		}
	}
	return n
}

// codeTarget is a line of account that can get a code: a 5sim order
// waiting for its code, or a live piv.day number (not one waiting to be
// restored).
func codeTarget(account string) func(backend.Line) bool {
	waiting := waiting5sim(account)
	return func(l backend.Line) bool {
		live := l.State == backend.LineActive || l.State == backend.LineExpiring
		return waiting(l) || (l.Account == account && l.Provider == backend.PivDay && live)
	}
}

// linesOf lists the lines m shows that ok accepts, in key order.
func (m *member) linesOf(ok func(backend.Line) bool) []backend.Line {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []backend.Line
	for _, l := range m.lines {
		if ok(l) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b backend.Line) int { return strings.Compare(string(a.Key), string(b.Key)) })
	return out
}

func (m *member) lineCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.lines)
}

// deliverer sends the simulator's codes.
type deliverer struct {
	tm      *team
	targets map[string][]backend.Line // by account: the lines that get codes
	next    map[string]int            // by account: the line the next code goes to
	last    map[string]time.Time      // by account: its last code
	used    map[string]bool           // codes sent
}

// sent is one code the simulator took, and where to see it.
type sent struct {
	line  backend.Line
	code  string
	at    time.Time
	shown []showing // one for every dashboard of the nodes running then
}

// showing is a dashboard awaiting a code, and its node.
type showing struct {
	node *member
	seen <-chan time.Time
}

// run delivers a code every 200 ms on a random account of among (each
// at most every 15 s: a line that gets two codes in one read shows only
// the second) until until.
func (d *deliverer) run(b *testing.B, until time.Time, among []string) []*sent {
	var out []*sent
	for time.Now().Before(until) {
		time.Sleep(200 * time.Millisecond)
		acct := among[rand.IntN(len(among))]
		if time.Since(d.last[acct]) < 15*time.Second {
			continue
		}
		d.last[acct] = time.Now()
		lines := d.targets[acct]
		c := &sent{line: lines[d.next[acct]%len(lines)], code: d.newCode()}
		d.next[acct]++
		for _, m := range d.tm.running() {
			for _, v := range m.screens.viewers {
				c.shown = append(c.shown, showing{m, v.Expect(c.code)})
			}
		}
		c.at = time.Now()
		var err error
		if c.line.Provider == backend.PivDay {
			err = d.tm.sim.PivDay.Deliver(c.line.ID, "Your code is "+c.code)
		} else {
			err = d.tm.sim.FiveSim.Deliver(c.line.ID, "Your code is "+c.code)
		}
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// newCode is a code never sent before, of eight digits none of which
// repeats the one before it (a terminal would be told to repeat it, and
// the dashboards' bytes would not hold the code as written).
func (d *deliverer) newCode() string {
	for {
		var c []byte
		for len(c) < 8 {
			if digit := byte('0' + rand.IntN(10)); len(c) == 0 || digit != c[len(c)-1] {
				c = append(c, digit)
			}
		}
		if !d.used[string(c)] {
			d.used[string(c)] = true
			return string(c)
		}
	}
}

// run is what codes took, by provider.
type run struct {
	engine  map[backend.ProviderKind][]time.Duration // simulator → each running node's engine
	screens map[backend.ProviderKind][]time.Duration // simulator → each dashboard
	lost    int                                      // nodes that never showed a code (by the end of the wait)
	missed  int                                      // dashboards that never showed a code
	why     misses                                   // why they did not
	shown   int
	spread  []time.Duration // owner's engine → the other nodes' engines

	// piv.day webhooks: simulator → the front; the front → the owner's
	// engine, for webhooks that reached the owner and those forwarded;
	// the owner's engine → every dashboard.
	toFront, direct, forwarded, ownerToScreens []time.Duration
	spreadWebhook                              []time.Duration // spread, of webhook codes

	// By code, in the order measured: its slowest dashboard (or engine,
	// without dashboards), and whether one never showed it.
	slowest []time.Duration
	late    []bool
}

// measure reads what the running nodes and their dashboards made of
// codes.
func (tm *team) measure(codes []*sent, front *hookFront) run {
	r := run{engine: map[backend.ProviderKind][]time.Duration{}, screens: map[backend.ProviderKind][]time.Duration{}}
	for _, c := range codes {
		slowest, late := time.Duration(0), false
		var seen []time.Time
		for _, m := range tm.running() {
			t, ok := m.codeAt(c)
			if !ok {
				r.lost++
				late = true
				continue
			}
			seen = append(seen, t)
			slowest = max(slowest, t.Sub(c.at))
			r.engine[c.line.Provider] = append(r.engine[c.line.Provider], t.Sub(c.at))
		}
		first := time.Time{}
		if len(seen) > 0 {
			first = slices.MinFunc(seen, func(a, b time.Time) int { return a.Compare(b) })
			for _, t := range seen {
				if !t.Equal(first) {
					r.spread = append(r.spread, t.Sub(first))
				}
			}
		}
		hit, hooked := front.hit(c.line.ID, c.code)
		if hooked && !first.IsZero() {
			for _, t := range seen {
				if !t.Equal(first) {
					r.spreadWebhook = append(r.spreadWebhook, t.Sub(first))
				}
			}
			r.toFront = append(r.toFront, hit.at.Sub(c.at))
			if hit.owner {
				r.direct = append(r.direct, first.Sub(hit.at))
			} else {
				r.forwarded = append(r.forwarded, first.Sub(hit.at))
			}
		}
		if len(c.shown) > 0 {
			slowest = 0
		}
		showedOn := map[*member]int{} // by node: its dashboards that showed c
		var missedOn []*member
		for _, sh := range c.shown {
			select {
			case t := <-sh.seen:
				slowest = max(slowest, t.Sub(c.at))
				r.shown++
				showedOn[sh.node]++
				r.screens[c.line.Provider] = append(r.screens[c.line.Provider], t.Sub(c.at))
				if hooked && !first.IsZero() {
					r.ownerToScreens = append(r.ownerToScreens, t.Sub(first))
				}
			default:
				r.missed++
				missedOn = append(missedOn, sh.node)
				late = true
			}
		}
		for _, m := range missedOn {
			r.why.add(c, m, codes, showedOn[m])
		}
		r.slowest, r.late = append(r.slowest, slowest), append(r.late, late)
	}
	return r
}

func (r run) log(b *testing.B, prefix string) {
	b.Logf("%scode, simulator → every node's engine: 5sim (polled) %s; piv.day (webhooks) %s; %d never reached a node", prefix,
		summary(r.engine[backend.FiveSim]), summary(r.engine[backend.PivDay]), r.lost)
	b.Logf("%scode, simulator → every dashboard: 5sim (polled) %s; piv.day (webhooks) %s; %d of %d never showed it (%s)", prefix,
		summary(r.screens[backend.FiveSim]), summary(r.screens[backend.PivDay]), r.missed, r.missed+r.shown, r.why)
	for _, e := range r.why.examples {
		b.Logf("%s  among the top rows, not shown: %s", prefix, e)
	}
	b.Logf("%scode, owner's engine → the other nodes' engines: %s", prefix, summary(r.spread))
	b.Logf("%spiv.day webhook: simulator → the front %s; → the owner's engine, webhook at the owner %s, forwarded %s; owner's engine → dashboards %s",
		prefix, summary(r.toFront), summary(r.direct), summary(r.forwarded), summary(r.ownerToScreens))
}

// paneRows is how many lines the Lines pane of a 200×50 dashboard
// shows.
const paneRows = 23

// drawnWithin is how long a line stays among the pane's rows before a
// dashboard that drew it would have shown it: a few frames (a dashboard
// draws about 13 a second) and the way from the engine to the screen
// (owner's engine → dashboards p99 ~0.1 s).
const drawnWithin = 250 * time.Millisecond

// misses sorts the showings a dashboard never made by cause. The Lines
// pane (views/lines.go) puts fresh codes first, newest code first (the
// provider's time, here the order sent): a code that reaches an engine
// late sorts below the newer ones already there, and each newer code
// arriving pushes it down a row. (The cursor goes to the newest code of
// each event the dashboard takes, scrolling the pane to it, and its toast
// names that code: a code below the rows shows when it is that one.)
type misses struct {
	engine   int      // its node's engine never had the code
	below    int      // on arrival, paneRows newer codes were above it: never among the top rows
	pushed   int      // among the top rows, pushed off within drawnWithin
	unshown  int      // among the top rows longer, passed on by its node's hub: the dashboard's model had it
	lost     int      // among the top rows longer, never passed on by its node's hub: lost on the way
	examples []string // the first few of unshown and lost
}

// add sorts the showing of c that a dashboard of m never made (showed:
// how many of m's other dashboards did), against codes (the run's: each
// line gets at most one, so a newer code is on another line).
func (w *misses) add(c *sent, m *member, codes []*sent, showed int) {
	arrived, ok := m.codeAt(c)
	if !ok {
		w.engine++
		return
	}
	var newer []time.Time // when the codes newer than c reached m
	for _, d := range codes {
		if t, ok := m.codeAt(d); ok && d.at.After(c.at) {
			newer = append(newer, t)
		}
	}
	slices.SortFunc(newer, func(a, b time.Time) int { return a.Compare(b) })
	row := 0
	for row < len(newer) && !newer[row].After(arrived) {
		row++
	}
	if row >= paneRows {
		w.below++
		return
	}
	stayed := time.Duration(-1) // among the rows to the end
	if len(newer) >= paneRows {
		stayed = newer[paneRows-1].Sub(arrived)
	}
	if stayed >= 0 && stayed < drawnWithin {
		w.pushed++
		return
	}
	hub := "never passed on by its hub"
	if passed, ok := m.screens.hubPassed(c); ok {
		w.unshown++
		hub = fmt.Sprintf("passed on by its hub %v after", passed.Sub(arrived).Round(time.Millisecond))
	} else {
		w.lost++
	}
	e := fmt.Sprintf("%s on %s, %v old at node %s's engine, %s, row %d, among the top rows %v; %d of the node's %d dashboards showed it",
		c.code, c.line.Key, arrived.Sub(c.at).Round(time.Millisecond), m.name, hub, row+1, stayed.Round(time.Millisecond), showed, len(m.screens.viewers))
	if len(w.examples) < 5 && !slices.Contains(w.examples, e) {
		w.examples = append(w.examples, e)
	}
}

func (w misses) String() string {
	return fmt.Sprintf("%d never reached its node's engine, %d arrived below the pane's top %d rows, %d pushed off them within %v, "+
		"%d among them longer, passed on by the node's hub yet not drawn, %d among them longer and never passed on by the hub (lost)",
		w.engine, w.below, paneRows, w.pushed, drawnWithin, w.unshown, w.lost)
}

// codeAt is when m's engine first had c.
func (m *member) codeAt(c *sent) (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.codes[string(c.line.Key)+" "+c.code]
	return t, ok
}

// meter samples, every second, what each account spent summed over the
// nodes, and keeps the largest count in any 60-second window.
type meter struct {
	stopOnce func() (over int, worst float64)
	start    time.Time
}

func startMeter(tm *team) *meter {
	ctx, cancel := context.WithCancel(context.Background())
	type sample struct{ used map[string]int64 }
	var samples []sample
	// A killed node stays in the sum: what it spent was spent.
	total := func() map[string]int64 {
		out := map[string]int64{}
		for _, m := range tm.nodesSnapshot() {
			for a, bud := range m.budgets {
				out[a] += bud.Used()
			}
		}
		return out
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			samples = append(samples, sample{total()})
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	mt := &meter{start: time.Now()}
	mt.stopOnce = func() (int, float64) {
		cancel()
		<-done
		over, worst := 0, 0.0
		for i := 60; i < len(samples); i++ {
			for a, now := range samples[i].used {
				n := float64(now - samples[i-60].used[a])
				worst = max(worst, n)
				if n > float64(tm.accts[0].RatePerMinute) {
					over++
				}
			}
		}
		return over, worst
	}
	return mt
}

func (m *meter) elapsed() time.Duration          { return time.Since(m.start) }
func (m *meter) stop() (over int, worst float64) { return m.stopOnce() }

// nodesSnapshot lists the nodes, killed ones included (their spending
// counts), safely while the test changes tm.nodes.
func (tm *team) nodesSnapshot() []*member {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return slices.Clone(tm.all)
}

// waitMoved waits until every account of moving is owned by a node left
// and returns how long each took from killed.
func waitMoved(b *testing.B, tm *team, moving []string, killed time.Time) []time.Duration {
	var out []time.Duration
	left := map[string]bool{}
	for _, a := range moving {
		left[a] = true
	}
	deadline := time.Now().Add(time.Minute)
	for len(left) > 0 && time.Now().Before(deadline) {
		for a := range left {
			for _, m := range tm.nodes {
				if m.node.Owned(a) {
					out = append(out, time.Since(killed))
					delete(left, a)
					break
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	if len(left) > 0 {
		b.Errorf("%d accounts never moved", len(left))
	}
	return out
}

// summary is p50, p99 and max.
func summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	return fmt.Sprintf("n=%d p50 %v p99 %v max %v", len(ds), q(0.5).Round(time.Millisecond), q(0.99).Round(time.Millisecond),
		ds[len(ds)-1].Round(time.Millisecond))
}

type status struct{ rev, size, inUse int64 }

// etcdStatus reads the leader's revision and database sizes.
func etcdStatus(b *testing.B) status {
	c := etcd.Client(b)
	var st status
	for _, ep := range c.Endpoints() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := c.Status(ctx, ep)
		cancel()
		if err == nil && s.Header.Revision > st.rev {
			st = status{rev: s.Header.Revision, size: s.DbSize, inUse: s.DbSizeInUse}
		}
	}
	if st.rev == 0 {
		b.Fatal("no etcd member answered Status")
	}
	return st
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + " B"
}
