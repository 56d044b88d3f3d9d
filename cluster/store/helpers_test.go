package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/cluster"
	"switchboard/cluster/etcdtest"
)

// One etcd cluster serves the package; each test has its own cluster name
// (its own prefix). Tests that kill members put them back.
var etcd *etcdtest.Cluster

func TestMain(m *testing.M) { etcdtest.Main(m, 3, &etcd) }

// fences is a Fencer for tests: this "node" holds an election key per
// account, under a lease of its own, and can give one up or keep a stale
// one (as a node that has not noticed its loss would).
type fences struct {
	mu sync.Mutex
	m  map[string]fence
}

type fence struct {
	key string
	rev int64
}

func (f *fences) Fence(account string) (string, int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	x, ok := f.m[account]
	return x.key, x.rev, ok
}

func (f *fences) set(account string, x fence) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[account] = x
}

// elect puts an election key for each account, as the owner package
// does, and returns fences holding them.
func elect(t *testing.T, c *clientv3.Client, accounts ...string) *fences {
	t.Helper()
	lease, err := c.Grant(etcdtest.Ctx(t), 120)
	if err != nil {
		t.Fatal(err)
	}
	f := &fences{m: make(map[string]fence)}
	layout, _ := cluster.NewLayout(etcdtest.Name(t))
	for _, a := range accounts {
		key := fmt.Sprintf("%s/%x", layout.Key(cluster.Owners, a), lease.ID)
		resp, err := c.Put(etcdtest.Ctx(t), key, "test", clientv3.WithLease(lease.ID))
		if err != nil {
			t.Fatal(err)
		}
		f.set(a, fence{key, resp.Header.Revision})
	}
	return f
}

func open(t *testing.T, c *clientv3.Client, f Fencer, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(Options{Client: c, Cluster: etcdtest.Name(t), Fence: f, FlushInterval: time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Unix(1_750_000_000, 0).UTC()

func fixed(at time.Time) func() time.Time { return func() time.Time { return at } }

func lineKey(account string, i int) backend.Key {
	return backend.MakeKey(backend.FiveSim, account, backend.ItemLine, strconv.Itoa(i))
}

func sampleLine(account string, i int) backend.Line {
	return backend.Line{
		Key: lineKey(account, i), Account: account, Provider: backend.FiveSim, ID: strconv.Itoa(i),
		Number: fmt.Sprintf("+4479%08d", i), Service: "telegram", State: backend.LineWaiting,
		Price:     backend.NewMoney(decimal.New(int64(120+i), -2), ""),
		CreatedAt: backend.InstantOf(t0), ExpiresAt: backend.InstantOf(t0.Add(20 * time.Minute)), Allowed: backend.Allow(backend.ActCancel),
		Extra: map[string]string{"type": "short_term"}, Version: uint64(i),
	}
}

func sampleMessage(line backend.Key, id string, at time.Time) backend.Message {
	return backend.Message{ID: id, Line: line, Sender: "Telegram", Text: "Your code is 12345 (" + id + ")",
		Code: "12345", ReceivedAt: at}
}

func entry(account, id string, kind backend.ActionKind, target backend.Key, state backend.JournalState, at time.Time) backend.JournalEntry {
	return backend.JournalEntry{
		Action: backend.Action{ID: id, Kind: kind, Account: account, Target: target, CreatedAt: at},
		State:  state, UpdatedAt: at,
	}
}

func ids(msgs []backend.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func entryIDs(es []backend.JournalEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action.ID
	}
	return out
}

// ctxFor is a context for one test call.
func ctxFor(t *testing.T) context.Context { return etcdtest.Ctx(t) }
