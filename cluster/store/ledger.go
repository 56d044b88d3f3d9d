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

// errInvalidInput marks a call the store refuses before touching etcd.
var errInvalidInput = errors.New("cluster store: invalid input")

// AddMessages stores the messages not seen before (by line and ID),
// committed before it returns, and returns them with SeenAt set. A message
// without an ID gets one from a hash of its line, time, sender and text.
// Each account's messages are written in a transaction fenced on its
// owner; one that races another writer reads again and writes what is
// still new. A batch with an account this node does not own is refused
// whole; one that fails part-way (etcd lost) returns the messages stored
// so far with the error.
func (s *Store) AddMessages(msgs []backend.Message) ([]backend.Message, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	byAccount := make(map[string][]backend.Message)
	var accounts []string
	seen := make(map[string]bool)
	for _, m := range msgs {
		if m.Line == "" {
			return nil, fmt.Errorf("%w: message %q has no line", errInvalidInput, m.ID)
		}
		if m.ID == "" {
			m.ID = backend.DerivedMessageID(m)
		}
		k := s.messageKey(m)
		if seen[k] {
			continue
		}
		seen[k] = true
		a := m.Line.Account()
		if byAccount[a] == nil {
			accounts = append(accounts, a)
		}
		byAccount[a] = append(byAccount[a], m)
	}
	// Refuse the whole batch up front rather than half of it.
	for _, a := range accounts {
		if _, _, ok := s.opts.Fence.Fence(a); !ok {
			return nil, &NotOwnerError{Account: a}
		}
	}
	var fresh []backend.Message
	for _, a := range accounts {
		group := byAccount[a]
		for len(group) > 0 {
			n := min(len(group), maxOps/2) // a put and a compare each
			added, err := s.addMessages(a, group[:n])
			if err != nil {
				return fresh, err
			}
			fresh = append(fresh, added...)
			group = group[n:]
		}
	}
	return fresh, nil
}

func (s *Store) messageKey(m backend.Message) string {
	return s.layout.Key(cluster.Messages, string(m.Line), m.ID)
}

// addMessages writes one account's messages that are not stored yet.
func (s *Store) addMessages(account string, msgs []backend.Message) ([]backend.Message, error) {
	now := s.opts.Now()
	for range casRetries {
		gets := make([]clientv3.Op, len(msgs))
		for i, m := range msgs {
			gets[i] = clientv3.OpGet(s.messageKey(m), clientv3.WithKeysOnly())
		}
		resp, err := s.read(gets...)
		if err != nil {
			return nil, err
		}
		var fresh []backend.Message
		var cmps []clientv3.Cmp
		var ops []clientv3.Op
		for i, m := range msgs {
			if len(resp.Responses[i].GetResponseRange().GetKvs()) > 0 {
				continue
			}
			if m.SeenAt.IsZero() {
				m.SeenAt = now
			}
			k := s.messageKey(m)
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
			ops = append(ops, clientv3.OpPut(k, encode(storedMessage{Message: m, Seq: len(fresh)})))
			fresh = append(fresh, m)
		}
		if len(fresh) == 0 {
			return nil, nil
		}
		_, ok, err := s.fenced(account, cmps, ops)
		if err != nil {
			return nil, err
		}
		if ok {
			return fresh, nil
		}
	}
	return nil, fmt.Errorf("cluster store: messages of %s: too many concurrent writers", account)
}

// Messages returns a line's messages, newest first (by time received,
// then by arrival), at most limit of them (0 = all).
func (s *Store) Messages(line backend.Key, limit int) ([]backend.Message, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	resp, err := s.get(s.layout.Key(cluster.Messages, string(line))+"/", clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	type placed struct {
		m   backend.Message
		at  time.Time
		rev int64
		seq int
	}
	all := make([]placed, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		sm, err := decode[storedMessage]("message", kv.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kv.Key, err)
		}
		all = append(all, placed{sm.Message, messageTime(sm.Message), kv.CreateRevision, sm.Seq})
	}
	slices.SortFunc(all, func(a, b placed) int {
		return cmp.Or(b.at.Compare(a.at), cmp.Compare(b.rev, a.rev), cmp.Compare(b.seq, a.seq))
	})
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	out := make([]backend.Message, len(all))
	for i, p := range all {
		out[i] = p.m
	}
	return out, nil
}

// messageTime is when a message counts as received: the provider's time,
// else when Switchboard first stored it.
func messageTime(m backend.Message) time.Time {
	if m.ReceivedAt.IsZero() {
		return m.SeenAt
	}
	return m.ReceivedAt
}

// flightKey names what may run once at a time: one action kind on one
// item, or one purchase (identical purchases are separate decisions) —
// the engine's single-flight rule, held in etcd for every node.
func flightKey(act backend.Action) string {
	target := string(act.Target)
	if act.Kind == backend.ActBuy {
		target = act.ID
	}
	return act.Account + "|" + string(act.Kind) + "|" + target
}

// entryAccount is the account an entry belongs to.
func entryAccount(e backend.JournalEntry) string {
	if e.Action.Account != "" {
		return e.Action.Account
	}
	return e.Action.Target.Account()
}

// Journal writes an entry durably, replacing any earlier entry of the same
// action, in a transaction fenced on the account's owner. An unsettled
// entry holds the item's single-flight key, taken in the same transaction
// (ErrInFlight while another unsettled action holds it); a settled entry
// lets go of it. An entry without UpdatedAt is stamped with the clock.
func (s *Store) Journal(e backend.JournalEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	if e.Action.ID == "" {
		return fmt.Errorf("%w: journal entry without an action id", errInvalidInput)
	}
	account := entryAccount(e)
	if account == "" {
		return fmt.Errorf("%w: journal entry %s names no account", errInvalidInput, e.Action.ID)
	}
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = s.opts.Now()
	}
	id := e.Action.ID
	jk := s.layout.Key(cluster.Journal, id)
	fk := s.layout.Key(cluster.Flight, flightKey(e.Action))
	for range casRetries {
		resp, err := s.read(clientv3.OpGet(jk), clientv3.OpGet(fk))
		if err != nil {
			return err
		}
		var jRev, fRev int64
		var prev *backend.JournalEntry
		if kvs := resp.Responses[0].GetResponseRange().GetKvs(); len(kvs) > 0 {
			jRev = kvs[0].ModRevision
			p, err := decode[backend.JournalEntry]("journal", kvs[0].Value)
			if err != nil {
				return fmt.Errorf("%s: %w", jk, err)
			}
			prev = &p
		}
		holder := ""
		if kvs := resp.Responses[1].GetResponseRange().GetKvs(); len(kvs) > 0 {
			fRev, holder = kvs[0].ModRevision, string(kvs[0].Value)
		}

		cmps := []clientv3.Cmp{
			clientv3.Compare(clientv3.ModRevision(jk), "=", jRev),
			clientv3.Compare(clientv3.ModRevision(fk), "=", fRev),
		}
		ops := []clientv3.Op{clientv3.OpPut(jk, encode(e))}
		byTime := s.layout.Key(cluster.JournalByTime, timeKey(e.UpdatedAt), id)
		if prev != nil && timeKey(prev.UpdatedAt) != timeKey(e.UpdatedAt) {
			ops = append(ops, clientv3.OpDelete(s.layout.Key(cluster.JournalByTime, timeKey(prev.UpdatedAt), id)))
		}
		ops = append(ops, clientv3.OpPut(byTime, ""))
		pk := s.layout.Key(cluster.Pending, id)
		switch {
		case e.State.Settled():
			ops = append(ops, clientv3.OpDelete(pk))
			if holder == id {
				ops = append(ops, clientv3.OpDelete(fk))
			}
		case holder != "" && holder != id:
			// Busy, as far as this node may know: one that lost the
			// account hears that first.
			_, ok, err := s.fenced(account, cmps, nil)
			if err != nil {
				return err
			}
			if ok {
				return &InFlightError{Action: e.Action, Holder: holder}
			}
			continue // the entry or the key changed meanwhile: read again
		default:
			ops = append(ops, clientv3.OpPut(pk, ""), clientv3.OpPut(fk, id))
		}
		if _, ok, err := s.fenced(account, cmps, ops); err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("cluster store: journal %s: too many concurrent writers", id)
}

// Pending lists the journal entries not settled, of every node, oldest
// action first.
func (s *Store) Pending() ([]backend.JournalEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.pendingAt(0)
}

func (s *Store) pendingAt(rev int64) ([]backend.JournalEntry, error) {
	pending, err := s.getPrefix(cluster.Pending, rev)
	if err != nil {
		return nil, err
	}
	out, err := s.indexed(pending)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b backend.JournalEntry) int {
		return cmp.Or(a.Action.CreatedAt.Compare(b.Action.CreatedAt), strings.Compare(a.Action.ID, b.Action.ID))
	})
	return out, nil
}

// indexed reads the journal entries an index names, in its order, at the
// index's revision: each key's last part is an action id.
func (s *Store) indexed(index *clientv3.GetResponse) ([]backend.JournalEntry, error) {
	ids := make([]string, 0, len(index.Kvs))
	for _, kv := range index.Kvs {
		_, parts, ok := s.layout.Split(string(kv.Key))
		if !ok || len(parts) == 0 {
			return nil, fmt.Errorf("cluster store: journal index key %q", kv.Key)
		}
		ids = append(ids, parts[len(parts)-1])
	}
	return s.entries(ids, index.Header.Revision)
}

// entries reads journal entries by action id at rev, in the order given.
func (s *Store) entries(ids []string, rev int64) ([]backend.JournalEntry, error) {
	out := make([]backend.JournalEntry, 0, len(ids))
	for chunk := range slices.Chunk(ids, maxOps) {
		gets := make([]clientv3.Op, len(chunk))
		for i, id := range chunk {
			gets[i] = clientv3.OpGet(s.layout.Key(cluster.Journal, id), clientv3.WithRev(rev))
		}
		resp, err := s.read(gets...)
		if err != nil {
			return nil, err
		}
		for i, r := range resp.Responses {
			kvs := r.GetResponseRange().GetKvs()
			if len(kvs) == 0 {
				return nil, fmt.Errorf("cluster store: the journal index names missing action %q", chunk[i])
			}
			e, err := decode[backend.JournalEntry]("journal", kvs[0].Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kvs[0].Key, err)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// RecentJournal lists the most recently updated entries of every node,
// newest first, at most limit of them (0 = all).
func (s *Store) RecentJournal(limit int) ([]backend.JournalEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithKeysOnly(),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend)}
	if limit > 0 {
		opts = append(opts, clientv3.WithLimit(int64(limit)))
	}
	resp, err := s.get(s.layout.Section(cluster.JournalByTime), opts...)
	if err != nil {
		return nil, err
	}
	return s.indexed(resp)
}

// Prune drops, for the accounts this node owns, messages received before
// cutoff unless their line is in keep, and settled journal entries last
// updated before cutoff. Other accounts are their owners' to prune. It
// returns how many messages went.
func (s *Store) Prune(cutoff time.Time, keep map[backend.Key]bool) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	doomed := make(map[string][]clientv3.Op) // account → deletions
	msgs, err := s.getPrefix(cluster.Messages, 0)
	if err != nil {
		return 0, err
	}
	dropped := make(map[string]int)
	for _, kv := range msgs.Kvs {
		sm, err := decode[storedMessage]("message", kv.Value)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", kv.Key, err)
		}
		if keep[sm.Line] || !messageTime(sm.Message).Before(cutoff) {
			continue
		}
		a := sm.Line.Account()
		doomed[a] = append(doomed[a], clientv3.OpDelete(string(kv.Key)))
		dropped[a]++
	}

	byTime, err := s.get(s.layout.Section(cluster.JournalByTime),
		clientv3.WithRange(s.layout.Key(cluster.JournalByTime, timeKey(cutoff))), clientv3.WithKeysOnly())
	if err != nil {
		return 0, err
	}
	entries, err := s.indexed(byTime)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if !e.State.Settled() {
			continue
		}
		a := entryAccount(e)
		doomed[a] = append(doomed[a],
			clientv3.OpDelete(s.layout.Key(cluster.Journal, e.Action.ID)),
			clientv3.OpDelete(s.layout.Key(cluster.JournalByTime, timeKey(e.UpdatedAt), e.Action.ID)))
	}

	total := 0
	for a, ops := range doomed {
		n, err := s.pruneAccount(a, ops)
		total += min(n, dropped[a])
		if err != nil && !errors.Is(err, ErrNotOwner) {
			return total, err
		}
	}
	return total, nil
}

// pruneAccount runs one account's deletions (messages first) if this node
// owns it, and says how many ran.
func (s *Store) pruneAccount(account string, ops []clientv3.Op) (int, error) {
	if _, _, ok := s.opts.Fence.Fence(account); !ok {
		return 0, nil
	}
	done := 0
	for chunk := range slices.Chunk(ops, maxOps) {
		if _, _, err := s.fenced(account, nil, chunk); err != nil {
			return done, err
		}
		done += len(chunk)
	}
	return done, nil
}
