package node

import (
	"context"
	"errors"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/cluster/store"
)

// replicate feeds the engine what every node writes: a whole load, then
// the watch from the revision after it; a broken watch resumes from the
// revision after the last change applied, and one that fell behind etcd's
// compaction loads again. The engine keeps what concerns the accounts it
// does not own.
func (n *Node) replicate(ctx context.Context) {
	for ctx.Err() == nil {
		snap, rev, err := n.store.LoadRev()
		if err != nil {
			n.opts.Log.Warn("cluster: loading the shared state", "err", err)
			sleep(ctx, n.opts.Timeout/5)
			continue
		}
		n.engine().ApplyRemote(engine.Remote{Full: true, Snapshot: snap, Journal: snap.Pending})
		for ctx.Err() == nil {
			last, err := n.follow(ctx, rev)
			rev = max(rev, last)
			if errors.Is(err, store.ErrCompacted) {
				break // load again
			}
			if err != nil && ctx.Err() == nil {
				n.opts.Log.Warn("cluster: watch ended, resuming", "rev", rev+1, "err", err)
				sleep(ctx, n.opts.Timeout/5)
			}
		}
	}
}

// follow applies the watch from rev+1 until it ends; it returns the
// revision of the last change applied and why it ended.
func (n *Node) follow(ctx context.Context, rev int64) (int64, error) {
	changes := n.store.Watch(ctx, rev+1)
	for c := range changes {
		var r engine.Remote
		for {
			if c.Err != nil {
				n.apply(r)
				return rev, c.Err
			}
			add(&r, c)
			rev = c.Rev
			// Take what is already there in one go: one event for a burst.
			var more bool
			select {
			case c, more = <-changes:
			default:
			}
			if !more {
				break
			}
		}
		n.apply(r)
	}
	return rev, ctx.Err()
}

func (n *Node) apply(r engine.Remote) {
	if len(r.Snapshot.Accounts)+len(r.Snapshot.Lines)+len(r.Snapshot.Leases)+len(r.Snapshot.Jobs)+
		len(r.Removed)+len(r.Messages)+len(r.Journal) > 0 {
		n.engine().ApplyRemote(r)
	}
}

// add puts one change into a batch.
func add(r *engine.Remote, c store.Change) {
	if c.Deleted {
		switch c.Kind {
		case store.KindLine, store.KindLease, store.KindJob:
			r.Removed = append(r.Removed, backend.Key(c.Key))
		}
		return
	}
	switch {
	case c.Account != nil:
		r.Snapshot.Accounts = append(r.Snapshot.Accounts, *c.Account)
	case c.Line != nil:
		r.Snapshot.Lines = append(r.Snapshot.Lines, *c.Line)
	case c.Lease != nil:
		r.Snapshot.Leases = append(r.Snapshot.Leases, *c.Lease)
	case c.Job != nil:
		r.Snapshot.Jobs = append(r.Snapshot.Jobs, *c.Job)
	case c.Message != nil:
		r.Messages = append(r.Messages, *c.Message)
	case c.Journal != nil:
		r.Journal = append(r.Journal, *c.Journal)
	}
}

func (n *Node) engine() Engine {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.eng
}
