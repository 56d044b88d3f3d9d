package cache

import (
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

// batchBuckets indexes a stateBatch: state.db's buckets, then the
// ledger's watched orders, which change with the lines and so are queued
// with them (written in a transaction of their own: another file).
var batchBuckets = [...][]byte{bucketAccounts, bucketLines, bucketLeases, bucketJobs, bucketWatched}

const (
	slotAccounts = iota
	slotLines
	slotLeases
	slotJobs
	slotWatched
)

// slotsOf lists the slots each file holds.
var (
	stateSlots  = []int{slotAccounts, slotLines, slotLeases, slotJobs}
	ledgerSlots = []int{slotWatched}
)

// watchedMark is a watched order's value: it is present (nil deletes).
var watchedMark = []byte{}

// stateBatch holds queued writes per bucket: key → encoded record, or nil
// for a deletion. Later writes to a key replace earlier ones.
type stateBatch [len(batchBuckets)]map[string][]byte

func newStateBatch() stateBatch {
	var b stateBatch
	for i := range b {
		b[i] = make(map[string][]byte)
	}
	return b
}

func (b stateBatch) empty() bool {
	for _, m := range b {
		if len(m) > 0 {
			return false
		}
	}
	return true
}

// Save queues ch for the background writer and returns at once. Values
// are encoded here, so the caller may reuse them. Within one change,
// deletions apply after upserts. Changes saved after Close are dropped.
func (s *Store) Save(ch backend.StateChange) {
	if ch.Empty() || s.shut.Load() {
		return
	}
	type write struct {
		slot int
		key  string
		rec  []byte
	}
	writes := make([]write, 0, len(ch.Accounts)+len(ch.Lines)+len(ch.Leases)+len(ch.Jobs)+
		len(ch.DeleteLines)+len(ch.DeleteLeases)+len(ch.DeleteJobs)+len(ch.Watch)+len(ch.Unwatch))
	for _, a := range ch.Accounts {
		writes = append(writes, write{slotAccounts, accountKey(a), encodeAccount(a)})
	}
	for _, l := range ch.Lines {
		writes = append(writes, write{slotLines, string(l.Key), encodeLine(l)})
	}
	for _, l := range ch.Leases {
		writes = append(writes, write{slotLeases, string(l.Key), encodeLease(l)})
	}
	for _, j := range ch.Jobs {
		writes = append(writes, write{slotJobs, string(j.Key), encodeJob(j)})
	}
	for _, k := range ch.DeleteLines {
		writes = append(writes, write{slotLines, string(k), nil})
	}
	for _, k := range ch.DeleteLeases {
		writes = append(writes, write{slotLeases, string(k), nil})
	}
	for _, k := range ch.DeleteJobs {
		writes = append(writes, write{slotJobs, string(k), nil})
	}
	for _, k := range ch.Watch {
		writes = append(writes, write{slotWatched, string(k), watchedMark})
	}
	for _, k := range ch.Unwatch {
		writes = append(writes, write{slotWatched, string(k), nil})
	}

	s.mu.Lock()
	for _, w := range writes {
		s.pending[w.slot][w.key] = w.rec
	}
	s.mu.Unlock()
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// Flush writes queued state changes now.
func (s *Store) Flush() error {
	end, err := s.begin()
	if err != nil {
		return err
	}
	defer end()
	return s.flushState()
}

// writer flushes queued changes FlushInterval after the first of them.
func (s *Store) writer() {
	defer close(s.writerDone)
	for {
		select {
		case <-s.stop:
			return
		case <-s.dirty:
		}
		t := time.NewTimer(s.opts.FlushInterval)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
		if err := s.flushState(); err != nil {
			// The batch went back to the queue; try again next interval.
			// Flush and Close report the error if it persists.
			select {
			case s.dirty <- struct{}{}:
			default:
			}
		}
	}
}

// flushState writes the queued batch: one transaction per file. What a
// file could not take is queued again under any newer writes.
func (s *Store) flushState() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()

	s.mu.Lock()
	batch := s.pending
	if batch.empty() {
		s.mu.Unlock()
		return nil
	}
	s.pending = newStateBatch()
	s.mu.Unlock()

	var errs []error
	for _, f := range []struct {
		db    *bolt.DB
		name  string
		slots []int
	}{{s.state, stateFile, stateSlots}, {s.ledger, ledgerFile, ledgerSlots}} {
		err := writeSlots(f.db, f.name, batch, f.slots)
		if err == nil {
			continue
		}
		s.mu.Lock()
		for _, slot := range f.slots {
			for k, rec := range batch[slot] {
				if _, newer := s.pending[slot][k]; !newer {
					s.pending[slot][k] = rec
				}
			}
		}
		s.mu.Unlock()
		errs = append(errs, fmt.Errorf("cache: writing %s: %w", f.name, err))
	}
	return errors.Join(errs...)
}

// writeSlots writes some slots of a batch to one file in one transaction.
func writeSlots(db *bolt.DB, file string, batch stateBatch, slots []int) error {
	n := 0
	for _, slot := range slots {
		n += len(batch[slot])
	}
	if n == 0 {
		return nil
	}
	return protect(file, func() error {
		return db.Update(func(tx *bolt.Tx) error {
			for _, slot := range slots {
				writes := batch[slot]
				if len(writes) == 0 {
					continue
				}
				b := tx.Bucket(batchBuckets[slot])
				if b == nil {
					return fmt.Errorf("bucket %s is missing", batchBuckets[slot])
				}
				keys := make([]string, 0, len(writes))
				for k := range writes {
					keys = append(keys, k)
				}
				slices.Sort(keys) // bbolt fills pages best in key order
				for _, k := range keys {
					var err error
					if rec := writes[k]; rec == nil {
						err = b.Delete([]byte(k))
					} else {
						err = b.Put([]byte(k), rec)
					}
					if err != nil {
						return fmt.Errorf("key %q: %w", k, err)
					}
				}
			}
			return nil
		})
	})
}

// Load returns the saved state (after writing anything queued), sorted by
// key, with the journal entries still pending and notes about the store.
// Messages are not loaded: Messages reads a line's history on demand.
func (s *Store) Load() (backend.Snapshot, error) {
	var snap backend.Snapshot
	end, err := s.begin()
	if err != nil {
		return snap, err
	}
	defer end()
	if err := s.flushState(); err != nil {
		return snap, err
	}
	snap.Notes = slices.Clone(s.notes)

	if err := s.loadState(&snap); err != nil {
		return backend.Snapshot{Notes: snap.Notes}, err
	}
	if snap.Pending, err = s.pendingEntries(); err != nil {
		return backend.Snapshot{Notes: snap.Notes}, err
	}
	if snap.Watched, err = s.watchedOrders(); err != nil {
		return backend.Snapshot{Notes: snap.Notes}, err
	}
	return snap, nil
}

// loadState reads state.db's items into snap, then closes the file and
// opens it again. The check at open and the load read every page of the
// file's memory map, and those pages stay in the process's RSS for as
// long as the map lives (46 MB at 100,000 lines); a new map holds only
// what later writes touch. Nothing else opens the directory meanwhile:
// the ledger's lock is the instance lock. flushMu keeps the writer off
// the handle while it changes.
func (s *Store) loadState(snap *backend.Snapshot) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	err := protect(stateFile, func() error {
		return s.state.View(func(tx *bolt.Tx) error { return loadItems(tx, snap) })
	})
	if err != nil {
		return fmt.Errorf("cache: reading state.db: %w", err)
	}
	if s.readOnly {
		return nil // read once and closed: no later writes to map
	}
	path := s.state.Path()
	if err := s.state.Close(); err != nil {
		return fmt.Errorf("cache: re-opening state.db: %w", err)
	}
	err = protect(stateFile, func() error {
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout})
		if err == nil {
			s.state = db
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("cache: re-opening state.db: %w", err)
	}
	return nil
}

// loadItems reads every account, line, lease and job of state.db.
func loadItems(tx *bolt.Tx, snap *backend.Snapshot) error {
	var err error
	if snap.Accounts, err = loadBucket(tx, bucketAccounts, decodeAccount); err != nil {
		return err
	}
	if snap.Lines, err = loadBucket(tx, bucketLines, decodeLine); err != nil {
		return err
	}
	if snap.Leases, err = loadBucket(tx, bucketLeases, decodeLease); err != nil {
		return err
	}
	snap.Jobs, err = loadBucket(tx, bucketJobs, decodeJob)
	return err
}

// watchedOrders lists the ledger's watched orders in key order.
func (s *Store) watchedOrders() ([]backend.Key, error) {
	var out []backend.Key
	err := s.ledgerTx(false, func(tx *bolt.Tx) error {
		b, err := ledgerBucket(tx, bucketWatched)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, _ []byte) error {
			out = append(out, backend.Key(k))
			return nil
		})
	})
	return out, err
}

// loadBucket decodes every record of a bucket in key order.
func loadBucket[T any](tx *bolt.Tx, name []byte, decode func([]byte) (T, error)) ([]T, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("bucket %s is missing", name)
	}
	// Counting first (keys only, cheap) saves growing a slice of large
	// structs, which is most of Load's cost otherwise.
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	out := make([]T, 0, n)
	err := b.ForEach(func(k, v []byte) error {
		item, err := decode(v)
		if err != nil {
			return fmt.Errorf("%s %q: %w", name, k, err)
		}
		out = append(out, item)
		return nil
	})
	return out, err
}
