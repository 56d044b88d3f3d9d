package owner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/cluster"
	"switchboard/cluster/etcdtest"
)

// One etcd cluster serves every test of the package; each test has its
// own cluster name, so its own prefix.
var etcd *etcdtest.Cluster

func TestMain(m *testing.M) { etcdtest.Main(m, 3, &etcd) }

const ttl = 2 * time.Second

// journal records every node's ownership changes in one order, and
// checks as they come that no account ever has two holders.
type journal struct {
	t      *testing.T
	mu     sync.Mutex
	holder map[string]string // account → node
	revs   map[string]int64  // account → fence revision of the last gain
	events []string
}

// newJournal starts a journal, which the test's log shows if it fails.
func newJournal(t *testing.T) *journal {
	j := &journal{t: t, holder: make(map[string]string), revs: make(map[string]int64)}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(j.dump())
		}
	})
	return j
}

func (j *journal) hear(node string) func(Event) {
	return func(e Event) {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.events = append(j.events, fmt.Sprintf("%s %v %s@%d (%s)", node, e.Gained, e.Account, e.Rev, e.Reason))
		switch {
		case e.Gained && j.holder[e.Account] != "":
			j.t.Errorf("%s gained %s at revision %d while %s still holds it", node, e.Account, e.Rev, j.holder[e.Account])
		case e.Gained && e.Rev <= j.revs[e.Account]:
			j.t.Errorf("%s gained %s at revision %d, not after the last gain at %d", node, e.Account, e.Rev, j.revs[e.Account])
		case e.Gained:
			j.holder[e.Account], j.revs[e.Account] = node, e.Rev
		case j.holder[e.Account] != node:
			j.t.Errorf("%s lost %s, which it did not hold (%q does)", node, e.Account, j.holder[e.Account])
		default:
			delete(j.holder, e.Account)
		}
	}
}

func (j *journal) holderOf(account string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.holder[account]
}

func (j *journal) dump() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.events, "\n")
}

type running struct {
	*Node
	link *etcdtest.Link
	stop func()
}

func start(t *testing.T, j *journal, link *etcdtest.Link, name string, accounts []string) *running {
	t.Helper()
	if link == nil {
		link = etcd.Link(t)
	}
	n, err := New(Options{Client: link.Client, Cluster: etcdtest.Name(t), Node: name, Accounts: accounts,
		TTL: ttl, Poll: 200 * time.Millisecond, OnChange: j.hear(name)})
	if err != nil {
		t.Fatal(err)
	}
	stop := etcdtest.Go(t, func(ctx context.Context) { _ = n.Run(ctx) })
	return &running{Node: n, link: link, stop: stop}
}

func accountNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("acct-%02d", i)
	}
	return out
}

// settled reports whether every account has exactly one owner among the
// nodes and nobody holds more than max.
func settled(nodes []*running, accounts []string, most int) bool {
	count := make(map[string]int)
	for _, n := range nodes {
		owned := n.Owned()
		if len(owned) > most {
			return false
		}
		for _, a := range owned {
			count[a]++
		}
	}
	for _, a := range accounts {
		if count[a] != 1 {
			return false
		}
	}
	return true
}

// Accounts spread to fair shares as nodes come and go, and every node
// agrees on who owns what.
func TestAccountsSpreadOverLiveNodes(t *testing.T) {
	j := newJournal(t)
	accounts := accountNames(10)
	a := start(t, j, nil, "a", accounts)
	etcdtest.Wait(t, 10*time.Second, "one node owns all", func() bool { return settled([]*running{a}, accounts, 10) })

	b, c := start(t, j, nil, "b", accounts), start(t, j, nil, "c", accounts)
	nodes := []*running{a, b, c}
	etcdtest.Wait(t, 10*time.Second, "three nodes share 10 accounts, at most 4 each", func() bool { return settled(nodes, accounts, 4) })
	for _, n := range nodes {
		for _, acct := range accounts {
			if owner, ok := n.Owner(acct); !ok || owner != j.holderOf(acct) {
				etcdtest.Wait(t, 5*time.Second, "owners agree", func() bool { o, ok := n.Owner(acct); return ok && o == j.holderOf(acct) })
			}
		}
	}
	if live := a.Live(); !slices.Equal(live, []string{"a", "b", "c"}) {
		t.Errorf("live nodes %v", live)
	}

	b.stop() // a clean stop resigns at once
	etcdtest.Wait(t, 5*time.Second, "two nodes take b's accounts", func() bool { return settled([]*running{a, c}, accounts, 5) })
}

// A node cut off from etcd reports every account lost before etcd lets
// its election keys go — so before anyone else can take them — and the
// accounts move within the TTL plus a poll. When it comes back it gets
// its share again, and at no point do two nodes hold one account (the
// journal checks each change).
func TestCutOffOwnerLosesFirstAndAccountsMove(t *testing.T) {
	j := newJournal(t)
	accounts := accountNames(4)
	a := start(t, j, etcd.Link(t), "a", accounts)
	etcdtest.Wait(t, 10*time.Second, "a owns all", func() bool { return settled([]*running{a}, accounts, 4) })
	b := start(t, j, nil, "b", accounts)
	etcdtest.Wait(t, 10*time.Second, "a and b share", func() bool { return settled([]*running{a, b}, accounts, 2) })
	cutOff := a.Owned()

	// Watch a's election keys go, from a client that stays connected.
	watcher := etcd.Client(t)
	gone := make(chan time.Time, len(cutOff))
	wctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	go func() {
		wch := watcher.Watch(wctx, cluster.Prefix(etcdtest.Name(t))+cluster.Owners+"/", clientv3.WithPrefix())
		close(ready)
		for resp := range wch {
			for _, ev := range resp.Events {
				if ev.Type == clientv3.EventTypeDelete {
					gone <- time.Now()
				}
			}
		}
	}()
	<-ready
	time.Sleep(50 * time.Millisecond) // the watch is registered

	cut := time.Now()
	a.link.Cut()
	var lostAt time.Time
	etcdtest.Wait(t, 2*ttl, "a reports its accounts lost", func() bool {
		if len(a.Owned()) == 0 {
			lostAt = time.Now()
			return true
		}
		return false
	})
	var firstGone time.Time
	select {
	case firstGone = <-gone:
	case <-time.After(3 * ttl):
		t.Fatal("a's election keys were never deleted")
	}
	if !lostAt.Before(firstGone) {
		t.Errorf("a gave up its accounts %v after the cut, but etcd deleted its keys already %v after it",
			lostAt.Sub(cut), firstGone.Sub(cut))
	}
	etcdtest.Wait(t, ttl+1500*time.Millisecond-time.Since(cut), "b owns every account within TTL plus a poll of the cut",
		func() bool { return settled([]*running{b}, accounts, 4) })

	a.link.Heal(etcd)
	etcdtest.Wait(t, 10*time.Second, "a is back with its share", func() bool { return settled([]*running{a, b}, accounts, 2) })
}

// A node killed outright (no resign, no revoke: its process is gone)
// leaves its accounts to the others within the TTL plus a poll.
func TestAccountMovesWithinTTLAfterOwnerKilled(t *testing.T) {
	j := newJournal(t)
	accounts := accountNames(2)
	a := start(t, j, etcd.Link(t), "a", accounts)
	b := start(t, j, nil, "b", accounts)
	etcdtest.Wait(t, 10*time.Second, "one account each", func() bool { return settled([]*running{a, b}, accounts, 1) })
	moving := a.Owned()[0]

	killed := time.Now()
	a.link.Cut() // the process dies: nothing it does reaches etcd any more
	a.stop()
	etcdtest.Wait(t, ttl+time.Second, "b owns "+moving, func() bool {
		_, _, ok := b.Fence(moving)
		return ok
	})
	t.Logf("%s moved %v after the kill (TTL %v)", moving, time.Since(killed).Round(time.Millisecond), ttl)
}

// Two processes with one node name cannot both be that node.
func TestNodeNameInUseIsRefused(t *testing.T) {
	j := newJournal(t)
	a := start(t, j, nil, "same", accountNames(1))
	etcdtest.Wait(t, 10*time.Second, "the first owns the account", func() bool { return len(a.Owned()) == 1 })
	n, err := New(Options{Client: etcd.Client(t), Cluster: etcdtest.Name(t), Node: "same", Accounts: accountNames(1), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = n.session(ctx, 0)
	if err == nil || !strings.Contains(err.Error(), "in use by another live process") {
		t.Fatalf("second node of the same name: %v", err)
	}
	if len(n.Owned()) != 0 {
		t.Error("the second node owns accounts")
	}
}

func TestFairShare(t *testing.T) {
	for _, c := range []struct{ accounts, nodes, want int }{{10, 3, 4}, {9, 3, 3}, {1, 3, 1}, {0, 2, 0}, {200, 3, 67}} {
		if got := fairShare(c.accounts, c.nodes); got != c.want {
			t.Errorf("fairShare(%d, %d) = %d, want %d", c.accounts, c.nodes, got, c.want)
		}
	}
}

// Two nodes never both believe they own an account under one election
// revision: while nodes join, leave, are cut off and come back, a sampler
// reads node X's fence, then every other node's, then X's again; X holding
// the same fence before and after while another node holds one too would
// be two owners at once. The journal checks every reported change too.
func TestNeverTwoOwnersAtOnce(t *testing.T) {
	j := newJournal(t)
	accounts := accountNames(6)
	a := start(t, j, etcd.Link(t), "a", accounts)
	b := start(t, j, nil, "b", accounts)
	c := start(t, j, nil, "c", accounts)
	nodes := []*running{a, b, c}
	var mu sync.Mutex // guards nodes[1] (b is replaced below)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	samples := 0
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for ctx.Err() == nil {
			mu.Lock()
			ns := slices.Clone(nodes)
			mu.Unlock()
			for _, acct := range accounts {
				for i, x := range ns {
					k1, r1, ok1 := x.Fence(acct)
					for k, y := range ns {
						if k == i {
							continue
						}
						ky, ry, oky := y.Fence(acct)
						k2, r2, ok2 := x.Fence(acct)
						if ok1 && oky && ok2 && k1 == k2 && r1 == r2 {
							t.Errorf("%s: %s holds %s@%d while %s holds %s@%d", acct, x.Name(), k1, r1, y.Name(), ky, ry)
						}
					}
				}
			}
			samples++
			time.Sleep(time.Millisecond)
		}
	}()

	etcdtest.Wait(t, 10*time.Second, "three nodes share", func() bool { return settled(nodes, accounts, 2) })
	a.link.Cut()
	etcdtest.Wait(t, 3*ttl, "b and c take a's accounts", func() bool { return settled(nodes[1:], accounts, 3) })
	a.link.Heal(etcd)
	etcdtest.Wait(t, 10*time.Second, "a is back", func() bool { return settled(nodes, accounts, 2) })
	b.stop()
	etcdtest.Wait(t, 10*time.Second, "a and c cover b", func() bool { return settled([]*running{a, c}, accounts, 3) })
	b2 := start(t, j, nil, "b", accounts)
	mu.Lock()
	nodes[1] = b2
	mu.Unlock()
	etcdtest.Wait(t, 10*time.Second, "b is back", func() bool { return settled(nodes, accounts, 2) })
	cancel()
	<-sampled
	if samples < 100 {
		t.Errorf("only %d samples", samples)
	}
}
