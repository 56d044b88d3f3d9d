package store

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/cluster"
)

// Kind says what a Change is about.
type Kind string

const (
	KindAccount Kind = cluster.Accounts
	KindLine    Kind = cluster.Lines
	KindLease   Kind = cluster.Leases
	KindJob     Kind = cluster.Jobs
	KindWatched Kind = cluster.Watched
	KindMessage Kind = cluster.Messages
	KindJournal Kind = cluster.Journal
)

// Change is one upsert or deletion another node (or this one) made, at
// the etcd revision Rev. Exactly one of the record fields is set for an
// upsert of its kind; a deletion carries only Key.
type Change struct {
	Rev     int64
	Kind    Kind
	Deleted bool
	// Key is the item's own key: provider/name for an account, the item
	// key for a line, lease, job or watched order, the action id for a
	// journal entry, "<line key>/<message id>" for a message.
	Key string

	Account *backend.Account
	Line    *backend.Line
	Lease   *backend.Lease
	Job     *backend.Job
	Message *backend.Message
	Journal *backend.JournalEntry

	// Err ends the stream: the channel closes after it. A *CompactedError
	// means the revisions asked for are gone: load again (LoadRev) and
	// watch from the new revision. A record that does not decode ends it
	// too (with Kind and Key naming it): Load reports the same damage.
	Err error
}

// ErrCompacted matches a *CompactedError.
var ErrCompacted = errors.New("compacted: reload")

// CompactedError says the watch asked for revisions etcd no longer has.
type CompactedError struct{ Rev int64 } // the oldest revision still kept

func (e *CompactedError) Error() string {
	return fmt.Sprintf("cluster store: revisions before %d are compacted: reload", e.Rev)
}

func (e *CompactedError) Is(target error) bool { return target == ErrCompacted }

// Watch streams every change to the cluster's records from revision
// fromRev on (0 = from now), in revision order, until ctx ends or the
// stream fails; the last Change then carries Err. A consumer that keeps
// the Rev of the last change it applied resumes with Watch(ctx, rev+1).
// The indexes the store keeps for itself (pending, flight, journal by
// time) and the ownership keys are not reported.
func (s *Store) Watch(ctx context.Context, fromRev int64) <-chan Change {
	out := make(chan Change, 64)
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if fromRev > 0 {
		opts = append(opts, clientv3.WithRev(fromRev))
	}
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	wch := s.kv.Watch(wctx, s.layout.Root(), opts...)
	go func() {
		defer close(out)
		defer cancel()
		send := func(c Change) bool {
			select {
			case out <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for resp := range wch {
			if resp.CompactRevision != 0 {
				send(Change{Err: &CompactedError{Rev: resp.CompactRevision}})
				return
			}
			if err := resp.Err(); err != nil {
				if errors.Is(err, rpctypes.ErrCompacted) {
					err = &CompactedError{Rev: resp.CompactRevision}
				}
				send(Change{Err: err})
				return
			}
			for _, ev := range resp.Events {
				c, ok := s.change(ev)
				if ok && (!send(c) || c.Err != nil) {
					return
				}
			}
		}
		if ctx.Err() == nil {
			send(Change{Err: errors.New("cluster store: watch closed")})
		} else {
			send(Change{Err: ctx.Err()})
		}
	}()
	return out
}

// change decodes one event; ok is false for keys that are not records.
func (s *Store) change(ev *clientv3.Event) (Change, bool) {
	section, parts, ok := s.layout.Split(string(ev.Kv.Key))
	if !ok || len(parts) == 0 {
		return Change{}, false
	}
	c := Change{Rev: ev.Kv.ModRevision, Kind: Kind(section), Deleted: ev.Type == mvccpb.DELETE, Key: parts[0]}
	if section == cluster.Messages && len(parts) == 2 {
		c.Key = parts[0] + "/" + parts[1]
	}
	var err error
	switch c.Kind {
	case KindAccount:
		c.Account, err = decodeIf[backend.Account](c, ev.Kv.Value)
	case KindLine:
		c.Line, err = decodeIf[backend.Line](c, ev.Kv.Value)
	case KindLease:
		c.Lease, err = decodeIf[backend.Lease](c, ev.Kv.Value)
	case KindJob:
		c.Job, err = decodeIf[backend.Job](c, ev.Kv.Value)
	case KindJournal:
		c.Journal, err = decodeIf[backend.JournalEntry](c, ev.Kv.Value)
	case KindMessage:
		var sm *storedMessage
		if sm, err = decodeIf[storedMessage](c, ev.Kv.Value); sm != nil {
			c.Message = &sm.Message
		}
	case KindWatched:
	default:
		return Change{}, false
	}
	if err != nil {
		c.Err = fmt.Errorf("%s: %w", ev.Kv.Key, err)
	}
	return c, true
}

func decodeIf[T any](c Change, b []byte) (*T, error) {
	if c.Deleted {
		return nil, nil
	}
	v, err := decode[T](string(c.Kind), b)
	if err != nil {
		return nil, err
	}
	return &v, nil
}
