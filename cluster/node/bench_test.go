package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

// BenchmarkCluster runs three nodes over one simulator and the package's
// three etcd members, then reports what BENCHMARKS.md's "Cluster" section
// shows: requests per account and minute summed over the nodes against
// the account's budget, a code's time from the simulator to every node's
// engine events (and from its owner's event to the other nodes'), the
// time an account takes to move after its owner is killed, and etcd's
// write rate and database growth. Run it once:
//
//	go test -run '^$' -bench Cluster -benchtime 1x -timeout 30m ./cluster/node
//
// CLUSTER_ACCOUNTS (5sim accounts, default 200), CLUSTER_RATE (requests
// per account and minute, default 30) and CLUSTER_SECONDS (the steady
// phase, default 120) scale it.
func BenchmarkCluster(b *testing.B) {
	accounts := envInt("CLUSTER_ACCOUNTS", 200)
	rate := envInt("CLUSTER_RATE", 30)
	steady := time.Duration(envInt("CLUSTER_SECONDS", 120)) * time.Second
	for b.Loop() {
		runClusterBench(b, accounts, float64(rate), steady)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func runClusterBench(b *testing.B, accounts int, rate float64, steady time.Duration) {
	tm := newTeamOf(b, accounts, rate, backend.FiveSim)
	names := tm.accounts(backend.FiveSim)
	started := time.Now()
	for _, n := range []string{"alpha", "beta", "gamma"} {
		tm.start(n)
	}
	// Every node shows a line of every account, and every account is owned.
	waiting := map[string]backend.Line{}
	for _, acct := range names {
		for _, m := range tm.nodes {
			l := m.waitLine(b, "a waiting order of "+acct, waiting5sim(acct))
			waiting[acct] = l
		}
		tm.owner(acct)
	}
	lines := 0
	for _, m := range tm.nodes {
		m.mu.Lock()
		lines = len(m.lines)
		m.mu.Unlock()
		break
	}
	b.Logf("%d accounts, %d lines, 3 nodes: all owned and shown on every node after %v", accounts, lines, time.Since(started).Round(time.Millisecond))

	before := etcdStatus(b)
	meter := startMeter(tm)
	codes := newCodeLog()
	// A code every 200 ms on a random account, each account at most one
	// every 15 s: a line that gets two codes in one read shows only the
	// second.
	last := map[string]time.Time{}
	deliver := func(until time.Time, among []string) {
		for time.Now().Before(until) {
			time.Sleep(200 * time.Millisecond)
			acct := among[rand.IntN(len(among))]
			if time.Since(last[acct]) < 15*time.Second {
				continue
			}
			last[acct] = time.Now()
			l := waiting[acct]
			code := fmt.Sprintf("%06d", rand.IntN(1_000_000))
			if err := tm.sim.FiveSim.Deliver(l.ID, "Your code is "+code); err != nil {
				b.Fatal(err)
			}
			codes.add(l.Key, code, time.Now())
		}
	}
	deliver(time.Now().Add(steady), names)
	time.Sleep(20 * time.Second) // the last codes arrive (p99 is about two reads)
	after := etcdStatus(b)
	elapsed := meter.elapsed()
	steadyNodes := slices.Collect(mapsValues(tm.nodes))
	fromSim, spread := codes.latencies(steadyNodes, tm)

	// Failover: kill the node that owns most accounts.
	var victim *member
	for _, m := range tm.nodes {
		if victim == nil || len(m.node.Owner().Owned()) > len(victim.node.Owner().Owned()) {
			victim = m
		}
	}
	moving := victim.node.Owner().Owned()
	killed := time.Now()
	tm.kill(victim.name)
	moves := waitMoved(b, tm, moving, killed)
	failoverCodes := newCodeLog()
	codes = failoverCodes
	deliver(time.Now().Add(30*time.Second), moving)
	time.Sleep(20 * time.Second)
	afterKill, _ := codes.latencies(slices.Collect(mapsValues(tm.nodes)), tm)
	over, worst := meter.stop()

	b.Logf("steady phase %v: %d codes × 3 nodes", elapsed.Round(time.Second), len(fromSim)/3)
	b.Logf("code, simulator → every node's engine: %s", summary(fromSim))
	b.Logf("code, owner's engine → the other nodes' engines: %s", summary(spread))
	b.Logf("failover after killing %s (%d accounts, TTL %v): %s", victim.name, len(moving), ttl, summary(moves))
	b.Logf("codes on moved accounts after the kill, simulator → both nodes left: %s", summary(afterKill))
	b.Logf("requests per account and minute, summed over the nodes: worst %.0f of a budget of %.0f; minutes over budget: %d", worst, rate, over)
	writes := after.rev - before.rev
	b.Logf("etcd: %d revisions (writes) in %v = %.1f/s; %.0f/hour", writes, elapsed.Round(time.Second),
		float64(writes)/elapsed.Seconds(), float64(writes)/elapsed.Hours())
	b.Logf("etcd database in use %s → %s (+%s in %v ≈ %s/hour without compaction); file %s",
		size(before.inUse), size(after.inUse), size(after.inUse-before.inUse), elapsed.Round(time.Second),
		size(int64(float64(after.inUse-before.inUse)/elapsed.Hours())), size(after.size))
}

func mapsValues(m map[string]*member) func(func(*member) bool) {
	return func(yield func(*member) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// codeLog is every code delivered, and when.
type codeLog struct {
	mu   sync.Mutex
	sent map[string]time.Time // "<line key> <code>"
}

func newCodeLog() *codeLog { return &codeLog{sent: map[string]time.Time{}} }

func (c *codeLog) add(k backend.Key, code string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent[string(k)+" "+code] = at
}

// latencies: for every code and node, from delivery to the node's engine
// event; and for every code, from its owner's event (the first node to
// show it) to each other node's.
func (c *codeLog) latencies(nodes []*member, tm *team) (fromSim, spread []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, at := range c.sent {
		var seen []time.Time
		for _, m := range nodes {
			m.mu.Lock()
			t, ok := m.codes[k]
			m.mu.Unlock()
			if !ok {
				tm.t.Errorf("node %s never showed %s", m.name, k)
				continue
			}
			seen = append(seen, t)
			fromSim = append(fromSim, t.Sub(at))
		}
		if len(seen) > 1 {
			first := slices.MinFunc(seen, func(a, b time.Time) int { return a.Compare(b) })
			for _, t := range seen {
				if !t.Equal(first) {
					spread = append(spread, t.Sub(first))
				}
			}
		}
	}
	return fromSim, spread
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
