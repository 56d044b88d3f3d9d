package hub

import "switchboard/backend"

// state is the hub's one copy of what the engine knows: the latest
// version of every item (values share their strings and slices with the
// events they came in, which nobody changes) and the actions not yet
// settled.
type state struct {
	order    []string // account names as first seen (config order)
	accounts map[string]backend.Account
	lines    map[backend.Key]backend.Line
	leases   map[backend.Key]backend.Lease
	jobs     map[backend.Key]backend.Job
	actions  map[string]backend.JournalEntry
	storage  *backend.StorageHealth // while the ledger cannot write
}

func newState() state {
	return state{accounts: map[string]backend.Account{}, lines: map[backend.Key]backend.Line{},
		leases: map[backend.Key]backend.Lease{}, jobs: map[backend.Key]backend.Job{},
		actions: map[string]backend.JournalEntry{}}
}

func (s *state) apply(ev backend.Event) {
	for _, a := range ev.Accounts {
		if _, ok := s.accounts[a.Name]; !ok {
			s.order = append(s.order, a.Name)
		}
		s.accounts[a.Name] = a
	}
	for _, k := range ev.Removed {
		delete(s.lines, k)
		delete(s.leases, k)
		delete(s.jobs, k)
	}
	for _, l := range ev.Lines {
		s.lines[l.Key] = l
	}
	for _, l := range ev.Leases {
		s.leases[l.Key] = l
	}
	for _, j := range ev.Jobs {
		s.jobs[j.Key] = j
	}
	for _, a := range ev.Actions {
		if a.State.Settled() {
			delete(s.actions, a.Action.ID)
		} else {
			s.actions[a.Action.ID] = a
		}
	}
	if ev.Storage != nil {
		s.storage = ev.Storage
		if !ev.Storage.Failing {
			s.storage = nil
		}
	}
}

// snapshot is the whole state as one event.
func (s *state) snapshot() backend.Event {
	ev := backend.Event{
		Accounts: make([]backend.Account, 0, len(s.order)),
		Lines:    make([]backend.Line, 0, len(s.lines)),
		Leases:   make([]backend.Lease, 0, len(s.leases)),
		Jobs:     make([]backend.Job, 0, len(s.jobs)),
		Storage:  s.storage,
	}
	for _, n := range s.order {
		ev.Accounts = append(ev.Accounts, s.accounts[n])
	}
	for _, l := range s.lines {
		ev.Lines = append(ev.Lines, l)
	}
	for _, l := range s.leases {
		ev.Leases = append(ev.Leases, l)
	}
	for _, j := range s.jobs {
		ev.Jobs = append(ev.Jobs, j)
	}
	for _, a := range s.actions {
		ev.Actions = append(ev.Actions, a)
	}
	return ev
}

// size counts the items held.
func (s *state) size() int {
	return len(s.accounts) + len(s.lines) + len(s.leases) + len(s.jobs) + len(s.actions)
}

func (s *state) has(k backend.Key) bool {
	_, l := s.lines[k]
	_, ls := s.leases[k]
	_, j := s.jobs[k]
	return l || ls || j
}
