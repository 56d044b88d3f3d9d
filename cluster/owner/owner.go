// Package owner decides which node of a cluster owns each account: the
// one node that polls it, takes its webhooks and sends its actions.
//
// Each account has an election (the concurrency package's layout:
// owners/<account>/<lease>, lowest create revision leads) and each node
// one session, a lease of a few seconds. A node's fence for an account is
// its election key and that key's create revision; every write the store
// makes for the account compares them, so a node whose key is gone can no
// longer write.
//
// Spreading rule (simple and deterministic): with A accounts and N live
// nodes (the nodes/ keys of live sessions), each node's fair share is
// ceil(A/N). A node below its share takes unowned accounts, the ones it
// ranks highest first (a hash of node and account, so nodes rarely want
// the same one); a node above its share resigns the accounts it ranks
// lowest. Nobody waits in an election queue: a node takes an account only
// if nobody holds it, so a node that joins gets accounts as the others
// resign their extras, and a node that leaves frees its accounts when its
// lease expires — within the TTL — for the others to take on their next
// look (a watch makes that look immediate; Poll is the backstop).
//
// A node trusts its lease only until the last keep-alive it SENT plus the
// TTL: etcd cannot have expired it before then. Past that instant Fence
// answers no and every owned account is reported lost at once, before
// etcd deletes the keys and another node can take them.
package owner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"switchboard/cluster"
)

const (
	// DefaultTTL is the session lease when Options.TTL is zero.
	DefaultTTL = 5 * time.Second
	// DefaultPoll is how often ownership is re-read when Options.Poll is
	// zero, besides every change the watch reports.
	DefaultPoll = time.Second
)

// Event reports one account gained or lost by this node.
type Event struct {
	Account string
	Gained  bool   // false: lost
	Key     string // the election key: with Rev, the fence
	Rev     int64
	Reason  string // why, for the log and the operator
}

// Options configure a Node. Client, Cluster, Node and Accounts are
// required; every node of a cluster should list the same accounts.
type Options struct {
	Client   *clientv3.Client
	Cluster  string
	Node     string
	Accounts []string
	// TTL is the session lease, whole seconds. Default 5 s.
	TTL time.Duration
	// Poll is how often ownership is re-read. Default 1 s.
	Poll time.Duration
	// OnChange hears every gain and loss, in order, from one goroutine at
	// a time. It must not block: a loss is reported while the node
	// stops using the account.
	OnChange func(Event)
	Log      *slog.Logger
}

type fence struct {
	key string
	rev int64
}

// holder is who holds an account's election.
type holder struct {
	fence
	node string
}

// Node takes part in the ownership of a cluster's accounts.
type Node struct {
	opts     Options
	layout   cluster.Layout
	accounts []string // sorted, unique
	ttl      int64    // seconds

	// emitMu orders changes of ownership with their reports: it is held
	// from the change to the end of OnChange.
	emitMu sync.Mutex

	mu         sync.Mutex
	owned      map[string]fence
	validUntil time.Time // the lease cannot have expired before this; zero once lost
	gen        uint64    // the session validUntil belongs to
	holders    map[string]holder
	live       []string
}

// New checks the options and returns a node that owns nothing until Run.
func New(opts Options) (*Node, error) {
	if opts.Client == nil || opts.Node == "" {
		return nil, errors.New("owner: a client and a node name are required")
	}
	layout, err := cluster.NewLayout(opts.Cluster)
	if err != nil {
		return nil, err
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.OnChange == nil {
		opts.OnChange = func(Event) {}
	}
	accounts := slices.Clone(opts.Accounts)
	slices.Sort(accounts)
	return &Node{
		opts: opts, layout: layout, accounts: slices.Compact(accounts),
		ttl:   max(1, int64((opts.TTL+time.Second-1)/time.Second)),
		owned: make(map[string]fence), holders: make(map[string]holder),
	}, nil
}

// Name is the node's name.
func (n *Node) Name() string { return n.opts.Node }

// Fence says whether this node owns account now, and its election key and
// create revision, which every write for the account compares.
func (n *Node) Fence(account string) (key string, rev int64, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f, ok := n.owned[account]
	if !ok || !time.Now().Before(n.validUntil) {
		return "", 0, false
	}
	return f.key, f.rev, true
}

// Owner says which node owns account, as last read (for forwarding a
// webhook, and for screens); ok is false when nobody does.
func (n *Node) Owner(account string) (node string, ok bool) {
	if _, _, mine := n.Fence(account); mine {
		return n.opts.Node, true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	h, ok := n.holders[account]
	if !ok || h.node == n.opts.Node { // ours, but no longer valid
		return "", false
	}
	return h.node, true
}

// Owned lists the accounts this node owns now, sorted.
func (n *Node) Owned() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !time.Now().Before(n.validUntil) {
		return nil
	}
	return slices.Sorted(maps.Keys(n.owned))
}

// Live lists the nodes with a live session, as last read.
func (n *Node) Live() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.live)
}

// Run takes part until ctx ends: one session after another (a lost lease
// ends one; the next starts once etcd answers again). On return every
// account is reported lost and, etcd permitting, resigned.
func (n *Node) Run(ctx context.Context) error {
	var last clientv3.LeaseID
	for {
		lease, err := n.session(ctx, last)
		if lease != 0 {
			last = lease
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			n.opts.Log.Warn("cluster ownership: session ended", "node", n.opts.Node, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(n.opts.Poll):
		}
	}
}

// session runs one lease's lifetime: register the node, keep the lease
// alive, and reconcile ownership on every change and poll.
func (n *Node) session(ctx context.Context, previous clientv3.LeaseID) (clientv3.LeaseID, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sent := time.Now()
	grant, err := n.opts.Client.Grant(sctx, n.ttl)
	if err != nil {
		return 0, fmt.Errorf("granting a lease: %w", err)
	}
	lease := grant.ID
	sess, err := concurrency.NewSession(n.opts.Client, concurrency.WithLease(lease), concurrency.WithContext(sctx))
	if err != nil {
		return lease, fmt.Errorf("starting a session: %w", err)
	}
	defer func() {
		cancel()
		n.end(ctx, sess)
	}()
	gen := n.begin(sent, grant.TTL)
	if err := n.register(sctx, lease, previous); err != nil {
		return lease, err
	}

	go n.keep(sctx, cancel, gen, lease)
	trigger := make(chan struct{}, 1)
	for _, section := range []string{cluster.Owners, cluster.Nodes} {
		go n.watch(sctx, section, trigger)
	}
	tick := time.NewTicker(n.opts.Poll)
	defer tick.Stop()
	for {
		if err := n.reconcile(sctx, sess); err != nil && sctx.Err() == nil {
			n.opts.Log.Warn("cluster ownership: reconcile", "node", n.opts.Node, "err", err)
		}
		select {
		case <-sctx.Done():
			return lease, nil
		case <-sess.Done():
			n.loseAll("the session's lease ended")
			return lease, errors.New("lease ended")
		case <-tick.C:
		case <-trigger:
		}
	}
}

// end closes a session: every account lost, then (if etcd answers in
// time) resigned and the lease revoked, so others need not wait the TTL.
func (n *Node) end(ctx context.Context, sess *concurrency.Session) {
	reason := "the lease was lost"
	if ctx.Err() != nil {
		reason = "this node is stopping"
	}
	n.loseAll(reason)
	sess.Orphan()
	rctx, cancel := context.WithTimeout(context.Background(), time.Duration(n.ttl)*time.Second)
	defer cancel()
	_, _ = n.opts.Client.Revoke(rctx, sess.Lease())
}

// register puts the node's key under the lease. A key of the same name
// under another live lease is another process using this node's name;
// one under this process's previous lease is replaced.
func (n *Node) register(ctx context.Context, lease, previous clientv3.LeaseID) error {
	key := n.layout.Key(cluster.Nodes, n.opts.Node)
	got, err := n.opts.Client.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("reading the node key: %w", err)
	}
	var modRev int64
	if len(got.Kvs) > 0 {
		if kv := got.Kvs[0]; clientv3.LeaseID(kv.Lease) != previous {
			return fmt.Errorf("node name %q is in use by another live process (lease %x)", n.opts.Node, kv.Lease)
		}
		modRev = got.Kvs[0].ModRevision
	}
	resp, err := n.opts.Client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
		Then(clientv3.OpPut(key, strconv.FormatInt(int64(lease), 16), clientv3.WithLease(lease))).Commit()
	if err != nil {
		return fmt.Errorf("registering the node: %w", err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("node name %q was registered meanwhile", n.opts.Node)
	}
	return nil
}

// begin trusts a new session's lease from its grant, sent at sent.
func (n *Node) begin(sent time.Time, ttl int64) uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.gen++
	n.validUntil = trustUntil(sent, ttl)
	return n.gen
}

// extend trusts session gen's lease until a keep-alive sent at sent plus
// its TTL, unless the lease was given up meanwhile.
func (n *Node) extend(gen uint64, sent time.Time, ttl int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if gen == n.gen && !n.validUntil.IsZero() {
		n.validUntil = trustUntil(sent, ttl)
	}
}

// trustUntil is when a lease renewed by a request sent at sent for ttl
// seconds may expire at the earliest, less a margin for clocks that do not
// tick alike.
func trustUntil(sent time.Time, ttl int64) time.Time {
	d := time.Duration(ttl) * time.Second
	return sent.Add(d - d/20 - 50*time.Millisecond)
}

func (n *Node) deadline() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.validUntil
}

// keep renews the lease every quarter TTL. When the lease can no longer be
// trusted, every account is lost at that instant and the session ends.
func (n *Node) keep(ctx context.Context, endSession context.CancelFunc, gen uint64, lease clientv3.LeaseID) {
	beat := time.Duration(n.ttl) * time.Second / 4
	for {
		deadline := n.deadline()
		wait := min(beat, time.Until(deadline))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !time.Now().Before(deadline) {
			n.loseAll("cut off from etcd: the lease could not be renewed in time")
			endSession()
			return
		}
		sent := time.Now()
		kctx, cancel := context.WithDeadline(ctx, deadline)
		resp, err := n.opts.Client.KeepAliveOnce(kctx, lease)
		cancel()
		switch {
		case err == nil:
			n.extend(gen, sent, resp.TTL)
		case errors.Is(err, rpctypes.ErrLeaseNotFound):
			n.loseAll("the lease expired")
			endSession()
			return
		}
	}
}

// watch pokes trigger on every change of a section, watching again
// after a failure (a member without a leader ends a watch) until ctx ends.
func (n *Node) watch(ctx context.Context, section string, trigger chan<- struct{}) {
	for ctx.Err() == nil {
		for range n.opts.Client.Watch(clientv3.WithRequireLeader(ctx), n.layout.Section(section), clientv3.WithPrefix()) {
			select {
			case trigger <- struct{}{}:
			default:
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(n.opts.Poll):
		}
	}
}

// loseAll reports every owned account lost and makes every fence invalid.
func (n *Node) loseAll(reason string) {
	n.emitMu.Lock()
	defer n.emitMu.Unlock()
	n.mu.Lock()
	n.validUntil = time.Time{}
	lost := n.owned
	n.owned = make(map[string]fence)
	n.mu.Unlock()
	for _, a := range slices.Sorted(maps.Keys(lost)) {
		n.opts.OnChange(Event{Account: a, Key: lost[a].key, Rev: lost[a].rev, Reason: reason})
	}
}

// lose reports one account lost, if this node owned it with f.
func (n *Node) lose(account string, f fence, reason string) {
	n.emitMu.Lock()
	defer n.emitMu.Unlock()
	n.mu.Lock()
	cur, ok := n.owned[account]
	if ok && cur == f {
		delete(n.owned, account)
	}
	n.mu.Unlock()
	if ok && cur == f {
		n.opts.OnChange(Event{Account: account, Key: f.key, Rev: f.rev, Reason: reason})
	}
}

// gain records an account won, unless the lease can no longer be
// trusted (then the caller resigns it).
func (n *Node) gain(account string, f fence) bool {
	n.emitMu.Lock()
	defer n.emitMu.Unlock()
	n.mu.Lock()
	valid := time.Now().Before(n.validUntil)
	if valid {
		n.owned[account] = f
		n.holders[account] = holder{f, n.opts.Node}
	}
	n.mu.Unlock()
	if valid {
		n.opts.OnChange(Event{Account: account, Gained: true, Key: f.key, Rev: f.rev, Reason: "elected"})
	}
	return valid
}

// rank orders accounts by how much this node wants them: highest first.
func (n *Node) rank(accounts []string) {
	score := func(a string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(n.opts.Node))
		h.Write([]byte{0})
		h.Write([]byte(a))
		return h.Sum64()
	}
	slices.SortFunc(accounts, func(a, b string) int { return cmp.Or(cmp.Compare(score(b), score(a)), cmp.Compare(a, b)) })
}
