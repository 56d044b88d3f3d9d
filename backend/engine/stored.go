package engine

import (
	"slices"
	"sync"

	"switchboard/backend"
)

// storedMessages remembers which messages the ledger holds, by line, so a
// read that brings back only stored ones (every listing repeats the SMS of
// its orders) writes nothing: the ledger's work follows new SMS, not
// reads. Workers use it, so it has its own lock; a line's ids go when the
// line leaves the state.
type storedMessages struct {
	mu     sync.Mutex
	byLine map[backend.Key][]string
}

// unknown returns the messages not known to be stored.
func (s *storedMessages) unknown(msgs []backend.Message) []backend.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(msgs, func(m backend.Message) bool { return slices.Contains(s.byLine[m.Line], m.ID) })
}

// add records messages the ledger now holds.
func (s *storedMessages) add(msgs []backend.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byLine == nil {
		s.byLine = map[backend.Key][]string{}
	}
	for _, m := range msgs {
		if ids := s.byLine[m.Line]; !slices.Contains(ids, m.ID) {
			s.byLine[m.Line] = append(ids, m.ID)
		}
	}
}

// forget drops what it knows of a line.
func (s *storedMessages) forget(k backend.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byLine, k)
}
