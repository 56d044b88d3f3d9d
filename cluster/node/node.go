// Package node makes a serve process one node of a team cluster: it glues
// the ownership of accounts (cluster/owner), the etcd store
// (cluster/store) and the engine together, in one direction each:
//
//   - ownership → engine: gained and lost accounts (the engine polls,
//     settles and sends only for what it owns);
//   - store's watch → engine: what the other nodes write, shown for the
//     accounts this node does not own ("remote state");
//   - engine → owner: actions and webhook hints for accounts owned
//     elsewhere, as request keys the owner takes (fenced) and runs through
//     its own engine; their outcome comes back through the journal.
//
// The engine needs the node (its Store, Ownership and Forwarder) when it
// is built, and the node needs the engine when it runs: New, then
// engine.New, then Run.
package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/cluster"
	"switchboard/cluster/owner"
	"switchboard/cluster/store"
)

// DefaultRequestTTL is how long a handed-over action may wait for an
// owner when Options.RequestTTL is zero. Older ones are refused, never
// sent late: the operator decided on a price and a moment.
const DefaultRequestTTL = 30 * time.Second

// Engine is what the node drives (engine.Engine implements it).
type Engine interface {
	Gained(account string)
	Lost(account, reason string)
	ApplyRemote(engine.Remote)
	SubmitHandedOver(backend.Action)
	Hint(account string, body []byte) error
	ClusterHealth(backend.ClusterHealth)
}

// Options configure a Node. Client, Cluster, Node and Accounts are
// required.
type Options struct {
	Client   *clientv3.Client
	Cluster  string
	Node     string
	Accounts []string      // every node of a cluster lists the same accounts
	TTL      time.Duration // the ownership lease (owner.DefaultTTL when zero)
	// RequestTTL bounds how long a handed-over action waits for its owner.
	RequestTTL time.Duration
	// Timeout bounds one etcd call (store.DefaultTimeout when zero).
	Timeout time.Duration
	Log     *slog.Logger
}

// Node is one serve process of a cluster.
type Node struct {
	opts   Options
	layout cluster.Layout
	owner  *owner.Node
	store  *store.Store
	hintNo atomic.Int64

	mu     sync.Mutex
	eng    Engine
	rescan map[string]bool // accounts gained: their waiting requests are taken
	poke   chan struct{}
}

// New builds the node's ownership and store. Nothing runs until Run.
func New(opts Options) (*Node, error) {
	if opts.RequestTTL <= 0 {
		opts.RequestTTL = DefaultRequestTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = store.DefaultTimeout
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	layout, err := cluster.NewLayout(opts.Cluster)
	if err != nil {
		return nil, err
	}
	n := &Node{opts: opts, layout: layout, rescan: map[string]bool{}, poke: make(chan struct{}, 1)}
	n.owner, err = owner.New(owner.Options{Client: opts.Client, Cluster: opts.Cluster, Node: opts.Node,
		Accounts: opts.Accounts, TTL: opts.TTL, OnChange: n.onChange, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	n.store, err = store.Open(store.Options{Client: opts.Client, Cluster: opts.Cluster, Fence: n.owner, Timeout: opts.Timeout})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Store is the engine's store: etcd, every write fenced on ownership.
func (n *Node) Store() *store.Store { return n.store }

// Owner is the node's share of the accounts (for screens and tests).
func (n *Node) Owner() *owner.Node { return n.owner }

// Owned says whether this node owns account at this instant (the engine's
// check right before a call).
func (n *Node) Owned(account string) bool {
	_, _, ok := n.owner.Fence(account)
	return ok
}

// Run takes part in the cluster until ctx ends: ownership, the watch that
// feeds the engine other nodes' writes, the requests handed to this node,
// and the watch on etcd's reach. The caller then stops the engine and
// closes the store.
func (n *Node) Run(ctx context.Context, eng Engine) {
	n.mu.Lock()
	n.eng = eng
	n.mu.Unlock()
	var wg sync.WaitGroup
	for _, f := range []func(context.Context){
		func(ctx context.Context) { _ = n.owner.Run(ctx) },
		n.replicate,
		n.takeRequests,
		n.watchReach,
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	wg.Wait()
}

// onChange hands ownership changes to the engine (never blocks).
func (n *Node) onChange(ev owner.Event) {
	n.mu.Lock()
	eng := n.eng
	if ev.Gained {
		n.rescan[ev.Account] = true
	}
	n.mu.Unlock()
	if eng == nil {
		return
	}
	if !ev.Gained {
		eng.Lost(ev.Account, ev.Reason)
		return
	}
	eng.Gained(ev.Account)
	select {
	case n.poke <- struct{}{}:
	default:
	}
}

// call is a context for one etcd call.
func (n *Node) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, n.opts.Timeout)
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// unreachable words an etcd failure for the operator.
func unreachable(err error) error {
	return fmt.Errorf("etcd unreachable: %w", err)
}

var errNoOwner = errors.New("no node owns the account right now")

// ownerOf names the account's owner, or says why there is none.
func (n *Node) ownerOf(account string) (string, error) {
	name, ok := n.owner.Owner(account)
	if !ok {
		return "", fmt.Errorf("%w (%s): nothing was sent", errNoOwner, account)
	}
	return name, nil
}

// marshal encodes a request's envelope.
func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return string(b)
}

func (n *Node) hintID() string {
	return n.opts.Node + "-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(n.hintNo.Add(1), 36)
}
