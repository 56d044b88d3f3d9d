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
