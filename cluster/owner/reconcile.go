package owner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"switchboard/cluster"
)

// reconcile reads every election and the live nodes at one revision, lets
// go of what this node no longer holds, resigns what is over its fair
// share and takes unowned accounts up to it.
func (n *Node) reconcile(ctx context.Context, sess *concurrency.Session) error {
	resp, err := n.opts.Client.Txn(ctx).Then(
		clientv3.OpGet(n.layout.Section(cluster.Owners), clientv3.WithPrefix()),
		clientv3.OpGet(n.layout.Section(cluster.Nodes), clientv3.WithPrefix(), clientv3.WithKeysOnly()),
	).Commit()
	if err != nil {
		return fmt.Errorf("reading the elections: %w", err)
	}
	holders := make(map[string]holder)
	for _, kv := range resp.Responses[0].GetResponseRange().GetKvs() {
		_, parts, ok := n.layout.Split(string(kv.Key))
		if !ok || len(parts) != 2 {
			continue
		}
		// The lowest create revision leads an election.
		if h, seen := holders[parts[0]]; !seen || kv.CreateRevision < h.rev {
			holders[parts[0]] = holder{fence{string(kv.Key), kv.CreateRevision}, string(kv.Value)}
		}
	}
	var live []string
	for _, kv := range resp.Responses[1].GetResponseRange().GetKvs() {
		if _, parts, ok := n.layout.Split(string(kv.Key)); ok && len(parts) == 1 {
			live = append(live, parts[0])
		}
	}

	n.mu.Lock()
	n.holders, n.live = holders, live
	owned := maps.Clone(n.owned)
	n.mu.Unlock()
	for a, f := range owned {
		if holders[a].fence != f {
			n.lose(a, f, "its election key is gone")
			delete(owned, a)
		}
	}
	if !n.trusted() {
		return nil
	}

	share := fairShare(len(n.accounts), max(1, len(live)))
	if len(owned) > share {
		mine := slices.Sorted(maps.Keys(owned))
		n.rank(mine)
		for _, a := range mine[share:] {
			n.lose(a, owned[a], fmt.Sprintf("rebalancing: %d live nodes, a fair share is %d accounts", len(live), share))
			if err := concurrency.ResumeElection(sess, n.electionPrefix(a), owned[a].key, owned[a].rev).Resign(ctx); err != nil {
				return fmt.Errorf("resigning %s: %w", a, err)
			}
		}
		return nil
	}
	var free []string
	for _, a := range n.accounts {
		if _, held := holders[a]; !held {
			free = append(free, a)
		}
	}
	n.rank(free)
	for _, a := range free[:min(len(free), share-len(owned))] {
		if err := n.acquire(ctx, sess, a); err != nil {
			return err
		}
	}
	return nil
}

// fairShare is ceil(accounts/nodes).
func fairShare(accounts, nodes int) int { return (accounts + nodes - 1) / nodes }

// trusted reports whether the lease can be trusted now.
func (n *Node) trusted() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return time.Now().Before(n.validUntil)
}

func (n *Node) electionPrefix(account string) string {
	return n.layout.Key(cluster.Owners, account) + "/"
}

// acquire takes an account's election if nobody holds it: the key is put
// only while the election's prefix is empty, so there is never a queue.
func (n *Node) acquire(ctx context.Context, sess *concurrency.Session, account string) error {
	pfx := n.electionPrefix(account)
	key := fmt.Sprintf("%s%x", pfx, sess.Lease())
	resp, err := n.opts.Client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(pfx), "=", 0).WithPrefix()).
		Then(clientv3.OpPut(key, n.opts.Node, clientv3.WithLease(sess.Lease()))).Commit()
	if err != nil {
		return fmt.Errorf("taking %s: %w", account, err)
	}
	if !resp.Succeeded {
		return nil // taken meanwhile by another node
	}
	f := fence{key, resp.Header.Revision}
	if !n.gain(account, f) {
		_ = concurrency.ResumeElection(sess, pfx, f.key, f.rev).Resign(ctx)
	}
	return nil
}
