package node

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/cluster"
)

// An action accepted on a node that does not own its account is handed to
// the owner as a key requests/<account>/<action id>; a webhook body as
// hints/<account>/<id>. The owner takes a key by deleting it in a
// transaction fenced on its election key, then runs the action through
// its own engine (roles, caps, single-flight, the fenced journal) or
// reads what the hint names. Taken once, by an owner, or never: a key is
// deleted before its action runs, so no failover runs it twice, and the
// journal (which every node watches) tells the asking node how it ended.

// request is what a requests/ or hints/ key holds.
type request struct {
	Action *backend.Action `json:"action,omitempty"`
	Body   []byte          `json:"body,omitempty"` // a webhook's, untouched
	From   string          `json:"from"`           // the node that took it in
	At     time.Time       `json:"at"`             // when, by that node's clock
}

// Forward hands an action to its account's owner. It answers the owner's
// name, or why nothing was sent (no owner, etcd unreachable).
func (n *Node) Forward(act backend.Action) (string, error) {
	owner, err := n.ownerOf(act.Account)
	if err != nil {
		return "", err
	}
	key := n.layout.Key(cluster.Requests, act.Account, act.ID)
	ctx, cancel := n.call(context.Background())
	defer cancel()
	resp, err := n.opts.Client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, marshal(request{Action: &act, From: n.opts.Node, At: time.Now()}))).Commit()
	if err != nil {
		return "", fmt.Errorf("%w: this node cannot hand the action to its owner, nothing was sent", unreachable(err))
	}
	if !resp.Succeeded {
		return "", fmt.Errorf("action %s was already handed over: not sent again", act.ID)
	}
	return owner, nil
}

// ForwardHint hands a webhook body to its account's owner; with no owner
// it is dropped (a hint is never news: polling reads the same).
func (n *Node) ForwardHint(account string, body []byte) error {
	if _, err := n.ownerOf(account); err != nil {
		return nil
	}
	ctx, cancel := n.call(context.Background())
	defer cancel()
	key := n.layout.Key(cluster.Hints, account, n.hintID())
	if _, err := n.opts.Client.Put(ctx, key, marshal(request{Body: body, From: n.opts.Node, At: time.Now()})); err != nil {
		return unreachable(err)
	}
	return nil
}

// takeRequests takes the requests and hints of the accounts this node
// owns: those waiting when it starts or gains an account, then each one
// as it comes.
func (n *Node) takeRequests(ctx context.Context) {
	for ctx.Err() == nil {
		rev, err := n.scan(ctx, "")
		if err != nil {
			sleep(ctx, n.opts.Timeout/5)
			continue
		}
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		requests := n.opts.Client.Watch(wctx, n.layout.Section(cluster.Requests), clientv3.WithPrefix(), clientv3.WithRev(rev+1))
		hints := n.opts.Client.Watch(wctx, n.layout.Section(cluster.Hints), clientv3.WithPrefix(), clientv3.WithRev(rev+1))
		n.serve(ctx, requests, hints)
		cancel()
	}
}

// serve takes what the watch reports, and rescans an account's waiting
// keys when this node gains it, until the watch ends.
func (n *Node) serve(ctx context.Context, requests, hints clientv3.WatchChan) {
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case <-ctx.Done():
			return
		case <-n.poke:
			n.mu.Lock()
			gained := n.rescan
			n.rescan = map[string]bool{}
			n.mu.Unlock()
			for account := range gained {
				if _, err := n.scan(ctx, account); err != nil {
					n.opts.Log.Warn("cluster: reading waiting requests", "account", account, "err", err)
				}
			}
			continue
		case resp, ok = <-requests:
		case resp, ok = <-hints:
		}
		if !ok || resp.Err() != nil {
			return
		}
		for _, ev := range resp.Events {
			if ev.Type == clientv3.EventTypePut {
				n.take(ctx, ev.Kv.Key, ev.Kv.Value, ev.Kv.ModRevision)
			}
		}
	}
}

// scan takes the waiting requests and hints of one account ("" = all); it
// returns the revision it read at.
func (n *Node) scan(ctx context.Context, account string) (int64, error) {
	cctx, cancel := n.call(ctx)
	defer cancel()
	var rev int64
	for _, section := range []string{cluster.Requests, cluster.Hints} {
		prefix := n.layout.Section(section)
		if account != "" {
			prefix = n.layout.Key(section, account) + "/"
		}
		opts := []clientv3.OpOption{clientv3.WithPrefix()}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := n.opts.Client.Get(cctx, prefix, opts...)
		if err != nil {
			return 0, err
		}
		rev = resp.Header.Revision
		for _, kv := range resp.Kvs {
			n.take(ctx, kv.Key, kv.Value, kv.ModRevision)
		}
	}
	return rev, nil
}

// take runs one request or hint if this node owns its account: a request
// deleted first (fenced on the election key, and only if unchanged), then
// handed to the engine; a hint handed over first, then deleted. One that
// waited too long is refused, never run late.
func (n *Node) take(ctx context.Context, key, value []byte, modRev int64) {
	section, parts, ok := n.layout.Split(string(key))
	if !ok || len(parts) != 2 || (section != cluster.Requests && section != cluster.Hints) {
		return
	}
	account := parts[0]
	fence, frev, owned := n.owner.Fence(account)
	if !owned {
		return
	}
	var req request
	if err := json.Unmarshal(value, &req); err != nil {
		n.opts.Log.Warn("cluster: a request that does not decode was dropped", "key", string(key), "err", err)
		n.delete(ctx, string(key), fence, frev, modRev)
		return
	}
	late := time.Since(req.At) > n.opts.RequestTTL
	eng := n.engine()
	if section == cluster.Hints {
		// A hint is never news and harmless twice (one more read, under
		// the hint cap), so the engine has it before the key is taken:
		// the fenced delete's round trip is not in a code's way.
		if !late {
			_ = eng.Hint(account, req.Body)
		}
		n.delete(ctx, string(key), fence, frev, modRev)
		return
	}
	if !n.delete(ctx, string(key), fence, frev, modRev) {
		return // another owner took it, or this node lost the account meanwhile
	}
	switch {
	case section == cluster.Requests && req.Action != nil && req.Action.Account == account && req.Action.ID == parts[1]:
		if late {
			n.refuseLate(*req.Action, req.From, time.Since(req.At))
			return
		}
		eng.SubmitHandedOver(*req.Action)
	}
}

// delete removes a taken key if this node still owns the account with
// fence and the key is as read.
func (n *Node) delete(ctx context.Context, key, fence string, frev, modRev int64) bool {
	cctx, cancel := n.call(ctx)
	defer cancel()
	resp, err := n.opts.Client.Txn(cctx).If(
		clientv3.Compare(clientv3.CreateRevision(fence), "=", frev),
		clientv3.Compare(clientv3.ModRevision(key), "=", modRev),
	).Then(clientv3.OpDelete(key)).Commit()
	return err == nil && resp.Succeeded
}

// refuseLate journals a request that waited too long as failed, so the
// node that took it in tells its operator; nothing is sent.
func (n *Node) refuseLate(act backend.Action, from string, waited time.Duration) {
	note := fmt.Sprintf("refused: it waited %s for the account's owner (more than %s); nothing was sent — ask again if it is still wanted",
		waited.Round(time.Second), n.opts.RequestTTL)
	err := n.store.Journal(backend.JournalEntry{Action: act, State: backend.JournalFailed, Note: note})
	if err != nil {
		n.opts.Log.Warn("cluster: journaling a refused request", "action", act.ID, "from", from, "err", err)
	}
}
