package cache

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

// ledgerTx runs fn on the ledger, turning damage into an error that tells
// the operator what to do with the file. The caller holds s.begin.
func (s *Store) ledgerTx(write bool, fn func(tx *bolt.Tx) error) error {
	err := protect(ledgerFile, func() error {
		if write {
			return s.ledger.Update(fn)
		}
		return s.ledger.View(fn)
	})
	switch {
	case err == nil:
		return nil
	case isDamage(err):
		return ledgerDamaged(filepath.Join(s.dir, ledgerFile), err)
	}
	return fmt.Errorf("cache: ledger.db: %w", err)
}

// errInvalidInput marks a call the store refuses before touching the disk.
var errInvalidInput = errors.New("cache: invalid input")

func ledgerBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if b := tx.Bucket(name); b != nil {
		return b, nil
	}
	return nil, &damageError{file: ledgerFile, cause: fmt.Errorf("bucket %s is missing", name)}
}

// AddMessages stores the messages not seen before (by line and ID),
// committed to disk before it returns, and returns them with SeenAt set.
// A message without an ID gets one from a hash of its line, time, sender
// and text, so it is still stored exactly once.
func (s *Store) AddMessages(msgs []backend.Message) ([]backend.Message, error) {
	end, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	if len(msgs) == 0 {
		return nil, nil
	}
	for _, m := range msgs {
		if m.Line == "" {
			return nil, fmt.Errorf("%w: message %q has no line", errInvalidInput, m.ID)
		}
	}
	now := s.opts.Now()
	var fresh []backend.Message
	err = s.ledgerTx(true, func(tx *bolt.Tx) error {
		fresh = fresh[:0]
		byLine, err := ledgerBucket(tx, bucketMsgByLine)
		if err != nil {
			return err
		}
		byID, err := ledgerBucket(tx, bucketMsgByID)
		if err != nil {
			return err
		}
		byTime, err := ledgerBucket(tx, bucketMsgByTime)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.ID == "" {
				m.ID = backend.DerivedMessageID(m)
			}
			idKey := messageIDKey(m.Line, m.ID)
			if byID.Get(idKey) != nil {
				continue
			}
			if m.SeenAt.IsZero() {
				m.SeenAt = now
			}
			at := m.ReceivedAt
			if at.IsZero() {
				at = m.SeenAt
			}
			seq, err := byLine.NextSequence()
			if err != nil {
				return err
			}
			stamp := appendStamp(make([]byte, 0, stampLen), at, seq)
			if err := byLine.Put(messageLineKey(m.Line, stamp), encodeMessage(m)); err != nil {
				return err
			}
			if err := byID.Put(idKey, stamp); err != nil {
				return err
			}
			if err := byTime.Put(stamp, idKey); err != nil {
				return err
			}
			fresh = append(fresh, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// Messages returns a line's messages, newest first (by time received, then
// by arrival), at most limit of them (0 = all).
func (s *Store) Messages(line backend.Key, limit int) ([]backend.Message, error) {
	return collect(s, limit, func(tx *bolt.Tx, add func(backend.Message) bool) error {
		byLine, err := ledgerBucket(tx, bucketMsgByLine)
		if err != nil {
			return err
		}
		prefix := appendLine(nil, line)
		// Past every key of this line: its keys end in stampLen bytes.
		upper := append(slices.Clone(prefix), bytes.Repeat([]byte{0xff}, stampLen+1)...)
		c := byLine.Cursor()
		k, _ := c.Seek(upper)
		var v []byte
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			m, err := decodeMessage(v)
			if err != nil {
				return fmt.Errorf("message %x: %w", k, err)
			}
			if !add(m) {
				break
			}
		}
		return nil
	})
}

// collect runs a read of the ledger that gathers items in the order read
// finds them: add keeps one and says whether to go on (limit items at
// most; 0 = all).
func collect[T any](s *Store, limit int, read func(tx *bolt.Tx, add func(T) bool) error) ([]T, error) {
	end, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	var out []T
	add := func(v T) bool {
		out = append(out, v)
		return limit <= 0 || len(out) < limit
	}
	if err := s.ledgerTx(false, func(tx *bolt.Tx) error { return read(tx, add) }); err != nil {
		return nil, err
	}
	return out, nil
}

// Journal writes an entry durably, replacing any earlier entry of the same
// action. An entry without UpdatedAt is stamped with the store's clock.
func (s *Store) Journal(e backend.JournalEntry) error {
	end, err := s.begin()
	if err != nil {
		return err
	}
	defer end()
	if e.Action.ID == "" {
		return fmt.Errorf("%w: journal entry without an action id", errInvalidInput)
	}
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = s.opts.Now()
	}
	id := []byte(e.Action.ID)
	return s.ledgerTx(true, func(tx *bolt.Tx) error {
		journal, byTime, pending, err := journalBuckets(tx)
		if err != nil {
			return err
		}
		if old := journal.Get(id); old != nil {
			prev, err := decodeJournal(old)
			if err != nil {
				return fmt.Errorf("journal %q: %w", id, err)
			}
			if err := byTime.Delete(journalTimeKey(prev.UpdatedAt, e.Action.ID)); err != nil {
				return err
			}
		}
		if err := journal.Put(id, encodeJournal(e)); err != nil {
			return err
		}
		if err := byTime.Put(journalTimeKey(e.UpdatedAt, e.Action.ID), nil); err != nil {
			return err
		}
		if e.State.Settled() {
			return pending.Delete(id)
		}
		return pending.Put(id, nil)
	})
}

func journalBuckets(tx *bolt.Tx) (journal, byTime, pending *bolt.Bucket, err error) {
	if journal, err = ledgerBucket(tx, bucketJournal); err != nil {
		return
	}
	if byTime, err = ledgerBucket(tx, bucketJournalByTime); err != nil {
		return
	}
	pending, err = ledgerBucket(tx, bucketJournalPending)
	return
}

// Pending lists the journal entries not settled, oldest action first.
func (s *Store) Pending() ([]backend.JournalEntry, error) {
	end, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer end()
	return s.pendingEntries()
}

func (s *Store) pendingEntries() ([]backend.JournalEntry, error) {
	var out []backend.JournalEntry
	err := s.ledgerTx(false, func(tx *bolt.Tx) error {
		journal, _, pending, err := journalBuckets(tx)
		if err != nil {
			return err
		}
		return pending.ForEach(func(id, _ []byte) error {
			v := journal.Get(id)
			if v == nil {
				return &damageError{file: ledgerFile, cause: fmt.Errorf("pending action %q has no journal entry", id)}
			}
			e, err := decodeJournal(v)
			if err != nil {
				return fmt.Errorf("journal %q: %w", id, err)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b backend.JournalEntry) int {
		if c := a.Action.CreatedAt.Compare(b.Action.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Action.ID, b.Action.ID)
	})
	return out, nil
}

// RecentJournal lists the most recently updated entries, newest first, at
// most limit of them (0 = all).
func (s *Store) RecentJournal(limit int) ([]backend.JournalEntry, error) {
	return collect(s, limit, func(tx *bolt.Tx, add func(backend.JournalEntry) bool) error {
		journal, byTime, _, err := journalBuckets(tx)
		if err != nil {
			return err
		}
		c := byTime.Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if len(k) < timeKeyLen {
				return &damageError{file: ledgerFile, cause: fmt.Errorf("journal index key %x", k)}
			}
			id := k[timeKeyLen:]
			v := journal.Get(id)
			if v == nil {
				return &damageError{file: ledgerFile, cause: fmt.Errorf("journal index names missing action %q", id)}
			}
			e, err := decodeJournal(v)
			if err != nil {
				return fmt.Errorf("journal %q: %w", id, err)
			}
			if !add(e) {
				break
			}
		}
		return nil
	})
}

// Prune drops messages received before cutoff unless their line is in
// keep, and settled journal entries last updated before cutoff. It returns
// how many messages went.
func (s *Store) Prune(cutoff time.Time, keep map[backend.Key]bool) (int, error) {
	end, err := s.begin()
	if err != nil {
		return 0, err
	}
	defer end()
	limit := appendTime(nil, cutoff)
	var dropped int
	err = s.ledgerTx(true, func(tx *bolt.Tx) error {
		dropped = 0
		byLine, err := ledgerBucket(tx, bucketMsgByLine)
		if err != nil {
			return err
		}
		byID, err := ledgerBucket(tx, bucketMsgByID)
		if err != nil {
			return err
		}
		byTime, err := ledgerBucket(tx, bucketMsgByTime)
		if err != nil {
			return err
		}
		// Collect first: deleting under a moving bbolt cursor skips keys.
		type doomed struct{ stamp, idKey, lineKey []byte }
		var msgs []doomed
		c := byTime.Cursor()
		for k, v := c.First(); k != nil && before(k, limit); k, v = c.Next() {
			line, _, err := splitMessageIDKey(v)
			if err != nil {
				return err
			}
			if keep[line] {
				continue
			}
			msgs = append(msgs, doomed{slices.Clone(k), slices.Clone(v), messageLineKey(line, k)})
		}
		for _, d := range msgs {
			for _, del := range []struct {
				b *bolt.Bucket
				k []byte
			}{{byTime, d.stamp}, {byID, d.idKey}, {byLine, d.lineKey}} {
				if err := del.b.Delete(del.k); err != nil {
					return err
				}
			}
		}
		dropped = len(msgs)

		journal, jByTime, _, err := journalBuckets(tx)
		if err != nil {
			return err
		}
		var entries [][]byte
		jc := jByTime.Cursor()
		for k, _ := jc.First(); k != nil && before(k, limit); k, _ = jc.Next() {
			id := k[timeKeyLen:]
			v := journal.Get(id)
			if v == nil {
				continue
			}
			e, err := decodeJournal(v)
			if err != nil {
				return fmt.Errorf("journal %q: %w", id, err)
			}
			if e.State.Settled() {
				entries = append(entries, slices.Clone(k))
			}
		}
		for _, k := range entries {
			if err := jByTime.Delete(k); err != nil {
				return err
			}
			if err := journal.Delete(k[timeKeyLen:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return dropped, nil
}
