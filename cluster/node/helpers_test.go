package node

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cluster/etcdtest"
	"switchboard/config"
	"switchboard/wiring"
)

// One etcd cluster of three members serves every test of the package;
// each test has its own cluster name, so its own prefix.
var etcd *etcdtest.Cluster

func TestMain(m *testing.M) { etcdtest.Main(m, 3, &etcd) }

// ttl is the ownership lease: short, so failovers are quick, yet long
// enough for a loaded two-core machine running the race detector.
const ttl = 2 * time.Second

// waitLimit bounds every wait on the cluster.
const waitLimit = 20 * time.Second

// team is one test's simulator and the nodes running over it.
type team struct {
	t       testing.TB
	sim     *sim.Sim
	cluster string
	accts   []config.Account
	nodes   map[string]*member // running
	// screens makes each node's engine events also feed a hub (the
	// benchmark's SSH dashboards): see member.feed.
	screens bool
	// steps, when set, keeps every engine's read steps (tail_test.go).
	steps *stepLog
	// wrapKV, when set, stands between each node started and etcd.
	wrapKV func(clientv3.KV) clientv3.KV

	mu  sync.Mutex
	all []*member // every node started, killed ones included
}

// newTeam starts a quiet simulator (SMS only when a test delivers them)
// with accounts piv.day and as many 5sim accounts.
func newTeam(t testing.TB, accounts int) *team {
	return newTeamOf(t, accounts, 300, backend.PivDay, backend.FiveSim)
}

// newTeamOf is newTeam with a request budget per account and minute, for
// accounts of the given providers.
func newTeamOf(t testing.TB, accounts int, rate float64, kinds ...backend.ProviderKind) *team {
	rates := map[backend.ProviderKind]int{}
	for _, k := range kinds {
		rates[k] = 1 << 20 // the budgets are the accounts', not the simulator's
	}
	s := sim.New(sim.Options{Seed: 11, Quiet: true, Accounts: accounts, Rates: rates})
	t.Cleanup(s.Close)
	accts := wiring.SimAccounts(s, kinds...)
	for i := range accts {
		accts[i].RatePerMinute = rate
	}
	tm := &team{t: t, sim: s, cluster: etcdtest.Name(t), accts: accts, nodes: map[string]*member{}}
	t.Cleanup(func() {
		for _, m := range tm.nodes {
			m.stop()
		}
		if t.Failed() {
			for _, m := range tm.nodes {
				t.Logf("node %s owned %v; notices:\n%s", m.name, m.node.Owner().Owned(), m.noticeText())
			}
		}
	})
	return tm
}

// member is one node: its etcd link, node, engine and everything its
// engine said.
type member struct {
	name string
	link *etcdtest.Link
	node *Node
	eng  *engine.Engine
	stop func() // cancel, wait, close the store

	// initial and feed are the engine's events after take has seen each
	// (with team.screens): a hub's source.
	initial backend.Event
	feed    chan backend.Event
	screens *screens    // with team.screens
	dead    atomic.Bool // killed

	budgets map[string]*backend.Budget // by account: what this node spent

	mu      sync.Mutex
	codes   map[string]time.Time // "<line key> <code>": when the engine first showed it
	lines   map[backend.Key]backend.Line
	actions map[string]backend.JournalEntry
	notices []backend.Notice
	cluster []backend.ClusterHealth
}

// start runs a node named name.
func (tm *team) start(name string) *member {
	t := tm.t
	t.Helper()
	link := etcd.Link(t)
	if tm.wrapKV != nil {
		link.Client.KV = tm.wrapKV(link.Client.KV)
	}
	var specs []engine.AccountSpec
	var names []string
	budgets := map[string]*backend.Budget{}
	for _, acc := range tm.accts {
		spec, err := wiring.Build(acc, wiring.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, spec)
		names = append(names, acc.Name)
		budgets[acc.Name] = spec.Budget
	}
	nd, err := New(Options{Client: link.Client, Cluster: tm.cluster, Node: name, Accounts: names, TTL: ttl,
		Timeout: 2 * time.Second, RequestTTL: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(specs, engine.Options{Store: nd.Store(), Ownership: nd, Forwarder: nd, Trace: tm.steps.tracer(name)})
	if err != nil {
		t.Fatal(err)
	}
	m := &member{name: name, link: link, node: nd, eng: eng, budgets: budgets, codes: map[string]time.Time{},
		lines: map[backend.Key]backend.Line{}, actions: map[string]backend.JournalEntry{}}
	m.initial = eng.Initial()
	m.take(m.initial)
	if tm.screens {
		m.feed = make(chan backend.Event, 1024)
	}
	// Stopping is serve's order: the engine (its last state written under
	// its fences), the store, then the node (resigning its accounts).
	engCtx, stopEngine := context.WithCancel(context.Background())
	nodeCtx, stopNode := context.WithCancel(context.Background())
	var engine, node sync.WaitGroup
	engine.Add(2)
	node.Add(1)
	go func() { defer engine.Done(); eng.Run(engCtx) }()
	go func() { defer node.Done(); nd.Run(nodeCtx, eng) }()
	go func() {
		defer engine.Done()
		for ev := range eng.Events() {
			m.take(ev)
			if m.feed != nil {
				m.feed <- ev
			}
		}
		if m.feed != nil {
			close(m.feed)
		}
	}()
	m.stop = sync.OnceFunc(func() {
		stopEngine()
		engine.Wait()
		_ = nd.Store().Close()
		stopNode()
		node.Wait()
	})
	tm.nodes[name] = m
	tm.mu.Lock()
	tm.all = append(tm.all, m)
	tm.mu.Unlock()
	return m
}

// kill stops a node the way kill -9 does as far as etcd can tell: cut
// off first, so it cannot resign or revoke its lease.
func (tm *team) kill(name string) {
	m := tm.nodes[name]
	m.dead.Store(true)
	m.link.Cut()
	delete(tm.nodes, name)
	// Its goroutines end in the background (their etcd calls time out),
	// as a dead process's would not matter to the others.
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.stop()
	}()
	tm.t.Cleanup(func() { <-done })
}

func (m *member) take(ev backend.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for _, l := range ev.Lines {
		m.lines[l.Key] = *l
		if k := string(l.Key) + " " + l.Code; l.Code != "" && m.codes[k].IsZero() {
			m.codes[k] = now
		}
	}
	for _, k := range ev.Removed {
		delete(m.lines, k)
	}
	for _, a := range ev.Actions {
		m.actions[a.Action.ID] = a
	}
	m.notices = append(m.notices, ev.Notices...)
	if ev.Cluster != nil {
		m.cluster = append(m.cluster, *ev.Cluster)
	}
}

func (m *member) line(k backend.Key) backend.Line {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lines[k]
}

func (m *member) action(id string) backend.JournalEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.actions[id]
}

func (m *member) noticed(sub string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.ContainsFunc(m.notices, func(n backend.Notice) bool { return strings.Contains(n.Text, sub) })
}

func (m *member) noticeText() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	for _, n := range m.notices {
		fmt.Fprintf(&b, "  %s\n", n.Text)
	}
	return b.String()
}

// owner waits until some running node owns account and names it.
func (tm *team) owner(account string) *member {
	tm.t.Helper()
	var got *member
	etcdtest.Wait(tm.t, waitLimit, "an owner of "+account, func() bool {
		for _, m := range tm.nodes {
			if m.node.Owned(account) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// balanced waits until the running nodes have spread the accounts: each
// owned by one node, none over its fair share. (A node that starts
// first takes everything, then resigns its extras as the others join.)
func (tm *team) balanced() {
	tm.t.Helper()
	share := (len(tm.accts) + len(tm.nodes) - 1) / len(tm.nodes)
	etcdtest.Wait(tm.t, waitLimit, "the accounts spread over the nodes", func() bool {
		owned := 0
		for _, m := range tm.nodes {
			n := len(m.node.Owner().Owned())
			if n > share {
				return false
			}
			owned += n
		}
		return owned == len(tm.accts)
	})
}

// others are the running nodes but m.
func (tm *team) others(m *member) []*member {
	var out []*member
	for _, o := range tm.nodes {
		if o != m {
			out = append(out, o)
		}
	}
	return out
}

// accounts lists the team's account names of a provider.
func (tm *team) accounts(kind backend.ProviderKind) []string {
	var out []string
	for _, a := range tm.accts {
		if a.Provider == kind {
			out = append(out, a.Name)
		}
	}
	return out
}

// waitLine waits until m shows a line of account that ok accepts.
func (m *member) waitLine(t testing.TB, what string, ok func(backend.Line) bool) backend.Line {
	t.Helper()
	var got backend.Line
	etcdtest.Wait(t, waitLimit, what+" on node "+m.name, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, l := range m.lines {
			if ok(l) {
				got = l
				return true
			}
		}
		return false
	})
	return got
}

// waiting5sim is a 5sim order waiting for its code, of account.
func waiting5sim(account string) func(backend.Line) bool {
	return func(l backend.Line) bool {
		return l.Account == account && l.Provider == backend.FiveSim && l.State == backend.LineWaiting && l.Code == ""
	}
}

// renewable is a piv.day number of account the simulator prices.
func renewable(account string) func(backend.Line) bool {
	return func(l backend.Line) bool {
		return l.Account == account && l.Provider == backend.PivDay && l.Allowed.Has(backend.ActRenew) && l.Price.Known
	}
}

// deliver sends an SMS with code to a 5sim order and waits until every
// running node's engine shows the code on it.
func (tm *team) deliver(line backend.Line, code string) {
	tm.t.Helper()
	if err := tm.sim.FiveSim.Deliver(line.ID, "Your code is "+code); err != nil {
		tm.t.Fatal(err)
	}
	tm.waitCode(line.Key, code)
}

// waitCode waits until every running node shows code on the line.
func (tm *team) waitCode(key backend.Key, code string) {
	tm.t.Helper()
	for _, m := range tm.nodes {
		etcdtest.Wait(tm.t, waitLimit, fmt.Sprintf("code %s on node %s", code, m.name), func() bool {
			return m.line(key).Code == code
		})
	}
}

// settled waits until m shows action id settled and returns its entry.
func (m *member) settled(t testing.TB, id string) backend.JournalEntry {
	t.Helper()
	etcdtest.Wait(t, waitLimit, "action "+id+" settled on node "+m.name, func() bool {
		return m.action(id).State.Settled()
	})
	return m.action(id)
}

// nodeNames are the three nodes a test starts.
var nodeNames = []string{"alpha", "beta", "gamma"}

// renewing is three nodes, the piv.day account, its owner, one of its
// numbers to renew, and the simulator's books before anything is sent.
type renewing struct {
	*team
	acct     string
	owner    *member
	line     backend.Line
	renewals int
	balance  float64
}

func newRenewing(t *testing.T) renewing {
	tm := newTeam(t, 1)
	for _, name := range nodeNames {
		tm.start(name)
	}
	tm.balanced()
	r := renewing{team: tm, acct: tm.accounts(backend.PivDay)[0]}
	r.owner = tm.owner(r.acct)
	r.line = r.owner.waitLine(t, "a renewable number", renewable(r.acct))
	r.renewals, r.balance = tm.sim.PivDay.Renewals(r.acct), tm.sim.PivDay.Balance(r.acct)
	return r
}

// renew is a renewal of the number, with its own id.
func (r renewing) renew(id string) backend.Action {
	return backend.Action{ID: id, Kind: backend.ActRenew, Account: r.acct, Target: r.line.Key, Months: 1}
}

// books checks the simulator's books: n renewals more than before, each
// paid once.
func (r renewing) books(t *testing.T, n int) {
	t.Helper()
	if got := r.sim.PivDay.Renewals(r.acct); got != r.renewals+n {
		t.Errorf("%d renewals, want %d more than %d", got, n, r.renewals)
	}
	paid := r.balance - r.sim.PivDay.Balance(r.acct)
	if want := float64(n) * r.line.Price.Amount.InexactFloat64(); math.Abs(paid-want) > 0.005 {
		t.Errorf("paid %.2f, want %d renewal(s) at %s", paid, n, r.line.Price)
	}
}
