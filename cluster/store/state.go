package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/cluster"
)

// batch is one account's queued state writes: etcd key → value, or a
// deletion. Later writes to a key replace earlier ones.
type batch map[string]write

type write struct {
	value string
	del   bool
}

func (w write) op(key string) clientv3.Op {
	if w.del {
		return clientv3.OpDelete(key)
	}
	return clientv3.OpPut(key, w.value)
}

// Save queues ch for the background writer and returns at once. Within
// one change, deletions apply after upserts. Changes saved after Close
// are dropped.
func (s *Store) Save(ch backend.StateChange) {
	if ch.Empty() || s.closed.Load() {
		return
	}
	type queued struct {
		account, key string
		w            write
	}
	var ws []queued
	put := func(account, section, id, value string) {
		ws = append(ws, queued{account, s.layout.Key(section, id), write{value: value}})
	}
	del := func(section string, k backend.Key) {
		ws = append(ws, queued{k.Account(), s.layout.Key(section, string(k)), write{del: true}})
	}
	for _, a := range ch.Accounts {
		put(a.Name, cluster.Accounts, accountID(a), encode(a))
	}
	for _, l := range ch.Lines {
		put(l.Key.Account(), cluster.Lines, string(l.Key), encodeLine(l))
	}
	for _, l := range ch.Leases {
		put(l.Key.Account(), cluster.Leases, string(l.Key), encode(l))
	}
	for _, j := range ch.Jobs {
		put(j.Key.Account(), cluster.Jobs, string(j.Key), encode(j))
	}
	for _, k := range ch.Watch {
		put(k.Account(), cluster.Watched, string(k), "")
	}
	for _, k := range ch.DeleteLines {
		del(cluster.Lines, k)
	}
	for _, k := range ch.DeleteLeases {
		del(cluster.Leases, k)
	}
	for _, k := range ch.DeleteJobs {
		del(cluster.Jobs, k)
	}
	for _, k := range ch.Unwatch {
		del(cluster.Watched, k)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range ws {
		b := s.pending[q.account]
		if b == nil {
			b = make(batch)
			s.pending[q.account] = b
		}
		b[q.key] = q.w
	}
	s.scheduleLocked()
}

// scheduleLocked arms a background flush FlushInterval from now, unless
// one is due already. The caller holds s.mu.
func (s *Store) scheduleLocked() {
	if s.timer == nil {
		s.timer = time.AfterFunc(s.opts.FlushInterval, s.flushLater)
	}
}

// flushLater is the background flush. What it could not write stays
// queued for the next interval; Flush and Close report the error.
func (s *Store) flushLater() {
	s.mu.Lock()
	s.timer = nil
	s.mu.Unlock()
	if s.check() != nil {
		return
	}
	if s.flushState() != nil {
		s.mu.Lock()
		if len(s.pending) > 0 {
			s.scheduleLocked()
		}
		s.mu.Unlock()
	}
}

// Flush writes queued state changes now.
func (s *Store) Flush() error {
	if err := s.check(); err != nil {
		return err
	}
	return s.flushState()
}

// flushState writes each account's queued batch in fenced transactions.
// An account this node no longer owns loses its batch (its new owner
// writes the state it reads); a batch that failed otherwise is queued
// again under any newer writes.
func (s *Store) flushState() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	queued := s.pending
	s.pending = make(map[string]batch)
	s.mu.Unlock()

	accounts := make([]string, 0, len(queued))
	for a := range queued {
		accounts = append(accounts, a)
	}
	slices.Sort(accounts)
	var errs []error
	for _, account := range accounts {
		err := s.writeBatch(account, queued[account])
		switch {
		case err == nil:
		case errors.Is(err, ErrNotOwner):
			errs = append(errs, fmt.Errorf("%w; %d queued state writes dropped", err, len(queued[account])))
		default:
			s.requeue(account, queued[account])
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) requeue(account string, b batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	newer := s.pending[account]
	if newer == nil {
		s.pending[account] = b
		return
	}
	for k, w := range b {
		if _, ok := newer[k]; !ok {
			newer[k] = w
		}
	}
}

// writeBatch writes one account's batch in key order, in transactions
// under etcd's size limits.
func (s *Store) writeBatch(account string, b batch) error {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var ops []clientv3.Op
	size := 0
	commit := func() error {
		if len(ops) == 0 {
			return nil
		}
		_, _, err := s.fenced(account, nil, ops)
		ops, size = ops[:0], 0
		return err
	}
	for _, k := range keys {
		n := len(k) + len(b[k].value)
		if len(ops) == maxOps || (size+n > maxTxnBytes && len(ops) > 0) {
			if err := commit(); err != nil {
				return err
			}
		}
		ops = append(ops, b[k].op(k))
		size += n
	}
	return commit()
}

// Load writes what is queued, then reads the cluster's state.
func (s *Store) Load() (backend.Snapshot, error) {
	snap, _, err := s.LoadRev()
	return snap, err
}

// LoadRev is Load that also returns the revision the snapshot was read
// at: Watch(ctx, rev+1) then misses nothing and repeats nothing.
func (s *Store) LoadRev() (backend.Snapshot, int64, error) {
	var snap backend.Snapshot
	if err := s.check(); err != nil {
		return snap, 0, err
	}
	if err := s.flushState(); err != nil && !errors.Is(err, ErrNotOwner) {
		return snap, 0, err
	}
	first, err := s.getPrefix(cluster.Accounts, 0)
	if err != nil {
		return snap, 0, err
	}
	rev := first.Header.Revision
	if snap.Accounts, err = decodeAll[backend.Account](first, "account"); err != nil {
		return snap, 0, err
	}
	slices.SortFunc(snap.Accounts, func(a, b backend.Account) int { return strings.Compare(accountID(a), accountID(b)) })
	if snap.Lines, err = loadSection[backend.Line](s, cluster.Lines, rev); err != nil {
		return snap, 0, err
	}
	slices.SortFunc(snap.Lines, func(a, b backend.Line) int { return cmp.Compare(a.Key, b.Key) })
	if snap.Leases, err = loadSection[backend.Lease](s, cluster.Leases, rev); err != nil {
		return snap, 0, err
	}
	slices.SortFunc(snap.Leases, func(a, b backend.Lease) int { return cmp.Compare(a.Key, b.Key) })
	if snap.Jobs, err = loadSection[backend.Job](s, cluster.Jobs, rev); err != nil {
		return snap, 0, err
	}
	slices.SortFunc(snap.Jobs, func(a, b backend.Job) int { return cmp.Compare(a.Key, b.Key) })
	if snap.Pending, err = s.pendingAt(rev); err != nil {
		return snap, 0, err
	}
	watched, err := s.getPrefix(cluster.Watched, rev)
	if err != nil {
		return snap, 0, err
	}
	for _, kv := range watched.Kvs {
		if _, parts, ok := s.layout.Split(string(kv.Key)); ok && len(parts) == 1 {
			snap.Watched = append(snap.Watched, backend.Key(parts[0]))
		}
	}
	slices.Sort(snap.Watched)
	return snap, rev, nil
}

func loadSection[T any](s *Store, section string, rev int64) ([]T, error) {
	resp, err := s.getPrefix(section, rev)
	if err != nil {
		return nil, err
	}
	return decodeAll[T](resp, section)
}

func decodeAll[T any](resp *clientv3.GetResponse, what string) ([]T, error) {
	out := make([]T, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		v, err := decode[T](what, kv.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kv.Key, err)
		}
		out = append(out, v)
	}
	return out, nil
}
