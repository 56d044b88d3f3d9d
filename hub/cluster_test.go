package hub

import (
	"testing"
	"time"

	"switchboard/backend"
)

// A screen that opens while etcd is unreachable starts with the banner;
// one that opens after it answers again does not.
func TestSnapshotCarriesClusterHealth(t *testing.T) {
	s := NewState()
	s.Apply(backend.Event{Cluster: &backend.ClusterHealth{Unreachable: true, Since: time.Unix(100, 0)}})
	if c := s.Snapshot().Cluster; c == nil || !c.Unreachable {
		t.Fatalf("snapshot while unreachable: %+v", c)
	}
	s.Apply(backend.Event{Cluster: &backend.ClusterHealth{Since: time.Unix(200, 0)}})
	if c := s.Snapshot().Cluster; c != nil {
		t.Fatalf("snapshot once back: %+v", c)
	}
}

// A change of only etcd's reach (or the ledger's health) reaches the
// subscribers: a cut-off node's screens get their banner though nothing
// else changes.
func TestHealthAloneReachesSubscribers(t *testing.T) {
	h, ch := started(t, backend.Event{}, Options{})
	sub, _ := h.Subscribe("alice")
	ch <- backend.Event{Cluster: &backend.ClusterHealth{Unreachable: true, Since: time.Unix(100, 0)}}
	if ev := next(t, sub); ev.Cluster == nil || !ev.Cluster.Unreachable {
		t.Fatalf("got %+v", ev)
	}
	ch <- backend.Event{Storage: &backend.StorageHealth{Failing: true}}
	if ev := next(t, sub); ev.Storage == nil {
		t.Fatalf("got %+v", ev)
	}
}
