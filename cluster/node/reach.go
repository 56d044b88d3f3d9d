package node

import (
	"context"
	"time"

	"switchboard/backend"
	"switchboard/cluster"
	"switchboard/cluster/owner"
)

// watchReach tells the engine when etcd stops answering this node and
// when it answers again: the screens then say so (read-only, since when).
// Polling has stopped by then on its own (the ownership lease can no
// longer be trusted), and actions are refused with the reason, since
// neither the journal nor a hand-over can be written.
func (n *Node) watchReach(ctx context.Context) {
	every := max(n.ttl()/4, 100*time.Millisecond)
	key := n.layout.Key(cluster.Nodes, n.opts.Node)
	var down time.Time
	for sleep(ctx, every) {
		cctx, cancel := context.WithTimeout(ctx, n.ttl()/2)
		_, err := n.opts.Client.Get(cctx, key)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && down.IsZero():
			down = time.Now()
			n.engine().ClusterHealth(backend.ClusterHealth{Unreachable: true, Error: err.Error(), Since: down})
		case err == nil && !down.IsZero():
			down = time.Time{}
			n.engine().ClusterHealth(backend.ClusterHealth{Since: time.Now()})
		}
	}
}

func (n *Node) ttl() time.Duration {
	if n.opts.TTL > 0 {
		return n.opts.TTL
	}
	return owner.DefaultTTL
}
