// Package store implements backend.Store over etcd, for a team of serve
// nodes that share their accounts: everything lives under one prefix per
// cluster (see package cluster for the key layout), every node reads all
// of it, and only an account's owner writes that account's records.
//
// Every write is a transaction fenced on the owner's election key: it
// holds only while the key this node was elected with still exists with
// the same create revision. A node that lost its lease (cut off, expired,
// replaced) therefore cannot write state, journal an action or settle
// one, even if it has not noticed yet and reconnects with its old fence;
// it gets ErrNotOwner instead. Journaling a new action also takes the
// item's single-flight key in the same transaction, so one action runs per
// item across every node and across a failover.
//
// Message and journal writes are committed (a raft quorum) before they
// return; state writes are queued and batched like the bbolt store's.
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/cluster"
)

// Fencer says whether this node owns an account now, and with which
// election key: the key and its create revision fence every write.
// owner.Node implements it.
type Fencer interface {
	Fence(account string) (key string, rev int64, ok bool)
}

var (
	// ErrNotOwner refuses a write for an account this node does not own
	// (or no longer owns: its fence is stale).
	ErrNotOwner = errors.New("this node does not own the account")
	// ErrInFlight refuses a new action while another action of the same
	// kind on the same item is not settled, on any node.
	ErrInFlight = errors.New("already in progress")
	// ErrClosed is returned by calls on a closed store.
	ErrClosed = errors.New("cluster store: store is closed")
)

// NotOwnerError names the account a write was refused for.
type NotOwnerError struct{ Account string }

func (e *NotOwnerError) Error() string {
	return fmt.Sprintf("account %s: %v: write refused", e.Account, ErrNotOwner)
}

func (e *NotOwnerError) Is(target error) bool { return target == ErrNotOwner }

// InFlightError names the action that holds the item.
type InFlightError struct {
	Action backend.Action // the refused action
	Holder string         // id of the unsettled action holding the item
}

func (e *InFlightError) Error() string {
	return fmt.Sprintf("%s on %s: %v (action %s)", e.Action.Kind.Verb(), e.Action.Target, ErrInFlight, e.Holder)
}

func (e *InFlightError) Is(target error) bool { return target == ErrInFlight }

const (
	// DefaultFlushInterval is how long queued state waits before it is
	// written when Options.FlushInterval is zero.
	DefaultFlushInterval = 300 * time.Millisecond
	// DefaultTimeout bounds one etcd call when Options.Timeout is zero.
	DefaultTimeout = 5 * time.Second

	// maxOps keeps a transaction under etcd's default limit of 128
	// operations (--max-txn-ops), leaving room for the fence.
	maxOps = 100
	// maxTxnBytes keeps a transaction under etcd's default request limit
	// of 1.5 MiB (--max-request-bytes).
	maxTxnBytes = 1 << 20
	// casRetries bounds retries of a read-compare-write that lost a race
	// to another writer.
	casRetries = 20
)

// Options configure a Store. Client, Cluster and Fence are required.
type Options struct {
	Client  *clientv3.Client
	Cluster string // the prefix is /switchboard/<Cluster>/
	Fence   Fencer
	// FlushInterval is how long Save batches changes. Default 300 ms.
	FlushInterval time.Duration
	// Timeout bounds each etcd call. Default 5 s.
	Timeout time.Duration
	// Now is the clock for SeenAt of new messages and journal times.
	// Default time.Now.
	Now func() time.Time
}

// Store is the etcd-backed backend.Store. It is safe for concurrent use.
// It does not close the client.
type Store struct {
	opts   Options
	kv     *clientv3.Client
	layout cluster.Layout

	closed atomic.Bool
	ctx    context.Context // canceled by Close after the last flush: calls in flight end
	cancel context.CancelFunc

	mu      sync.Mutex
	pending map[string]batch // account → queued state writes
	timer   *time.Timer      // the next background flush, while one is due
	flushMu sync.Mutex
}

var _ backend.Store = (*Store)(nil)

// Open returns a store over the cluster's prefix. It reads nothing yet.
func Open(opts Options) (*Store, error) {
	if opts.Client == nil || opts.Fence == nil {
		return nil, errors.New("cluster store: a client and a fence are required")
	}
	layout, err := cluster.NewLayout(opts.Cluster)
	if err != nil {
		return nil, err
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{opts: opts, kv: opts.Client, layout: layout, ctx: ctx, cancel: cancel,
		pending: make(map[string]batch)}, nil
}

// Close writes queued state this node may still write and stops the
// store. Closing twice is a no-op.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	err := s.flushState()
	s.cancel()
	return err
}

// check refuses a call on a closed store.
func (s *Store) check() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

// call is a context for one etcd call.
func (s *Store) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, s.opts.Timeout)
}

// fenced commits ops if this node owns account and every cmp holds. It
// returns false (and no error) when only the cmps failed, so the caller can
// read again; a missing or stale fence is a *NotOwnerError.
func (s *Store) fenced(account string, cmps []clientv3.Cmp, ops []clientv3.Op) (*clientv3.TxnResponse, bool, error) {
	key, rev, ok := s.opts.Fence.Fence(account)
	if !ok {
		return nil, false, &NotOwnerError{Account: account}
	}
	all := append([]clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", rev)}, cmps...)
	ctx, cancel := s.call()
	defer cancel()
	resp, err := s.kv.Txn(ctx).If(all...).Then(ops...).Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).Commit()
	if err != nil {
		return nil, false, fmt.Errorf("cluster store: %w", err)
	}
	if resp.Succeeded {
		return resp, true, nil
	}
	if kvs := resp.Responses[0].GetResponseRange().GetKvs(); len(kvs) == 0 || kvs[0].CreateRevision != rev {
		return nil, false, &NotOwnerError{Account: account}
	}
	return resp, false, nil
}

// read runs gets at one revision.
func (s *Store) read(ops ...clientv3.Op) (*clientv3.TxnResponse, error) {
	ctx, cancel := s.call()
	defer cancel()
	resp, err := s.kv.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return nil, fmt.Errorf("cluster store: %w", err)
	}
	return resp, nil
}

// get reads a key or range.
func (s *Store) get(key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	ctx, cancel := s.call()
	defer cancel()
	resp, err := s.kv.Get(ctx, key, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster store: reading %s: %w", key, err)
	}
	return resp, nil
}

// getPrefix reads a section at rev (0 = now).
func (s *Store) getPrefix(section string, rev int64) (*clientv3.GetResponse, error) {
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	return s.get(s.layout.Section(section), opts...)
}
