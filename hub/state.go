package hub

import (
	"slices"

	"switchboard/backend"
)

// State is what the engine knows, kept from its events: the latest
// version of every item (the lines are the engine's published values
// themselves, handed on to every subscriber; the other values share
// their strings and slices with the events they came in; nobody changes
// any of them) and the actions not yet settled. The hub keeps the one copy its subscribers start from; a
// script keeps its own to find items by number or name.
type State struct {
	Order    []string // account names as first seen (config order)
	Accounts map[string]backend.Account
	Lines    map[backend.Key]*backend.Line // shared with the events and every subscriber: read only
	Leases   map[backend.Key]backend.Lease
	Jobs     map[backend.Key]backend.Job
	Actions  map[string]backend.JournalEntry
	storage  *backend.StorageHealth // while the ledger cannot write
	listed   []string               // accounts whose leases were listed this run
	cluster  *backend.ClusterHealth // while this node cannot reach etcd
}

// NewState is an empty state.
func NewState() *State {
	return &State{Accounts: map[string]backend.Account{}, Lines: map[backend.Key]*backend.Line{},
		Leases: map[backend.Key]backend.Lease{}, Jobs: map[backend.Key]backend.Job{},
		Actions: map[string]backend.JournalEntry{}}
}

// Apply merges an event.
func (s *State) Apply(ev backend.Event) {
	for _, a := range ev.Accounts {
		if _, ok := s.Accounts[a.Name]; !ok {
			s.Order = append(s.Order, a.Name)
		}
		s.Accounts[a.Name] = a
	}
	for _, k := range ev.Removed {
		delete(s.Lines, k)
		delete(s.Leases, k)
		delete(s.Jobs, k)
	}
	for _, l := range ev.Lines {
		s.Lines[l.Key] = l
	}
	for _, l := range ev.Leases {
		s.Leases[l.Key] = l
	}
	for _, j := range ev.Jobs {
		s.Jobs[j.Key] = j
	}
	for _, a := range ev.Actions {
		if a.State.Settled() {
			delete(s.Actions, a.Action.ID)
		} else {
			s.Actions[a.Action.ID] = a
		}
	}
	for _, a := range ev.LeasesListed {
		if !slices.Contains(s.listed, a) {
			s.listed = append(s.listed, a)
		}
	}
	if ev.Storage != nil {
		s.storage = ev.Storage
		if !ev.Storage.Failing {
			s.storage = nil
		}
	}
	if ev.Cluster != nil {
		s.cluster = ev.Cluster
		if !ev.Cluster.Unreachable {
			s.cluster = nil
		}
	}
}

// Snapshot is the whole state as one event.
func (s *State) Snapshot() backend.Event {
	ev := backend.Event{Accounts: make([]backend.Account, 0, len(s.Order)), Storage: s.storage, Cluster: s.cluster,
		Lines: values(s.Lines), Leases: values(s.Leases), Jobs: values(s.Jobs), Actions: values(s.Actions),
		LeasesListed: slices.Clone(s.listed)}
	for _, n := range s.Order {
		ev.Accounts = append(ev.Accounts, s.Accounts[n])
	}
	return ev
}

// values lists a map's values (in no order: the screens sort).
func values[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// size counts the items held.
func (s *State) size() int {
	return len(s.Accounts) + len(s.Lines) + len(s.Leases) + len(s.Jobs) + len(s.Actions)
}

func (s *State) has(k backend.Key) bool {
	_, l := s.Lines[k]
	_, ls := s.Leases[k]
	_, j := s.Jobs[k]
	return l || ls || j
}
