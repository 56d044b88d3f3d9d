package hub

import (
	"context"
	"sync"
	"time"

	"switchboard/backend"
)

// Sub is one subscriber: a screen or a script. Its changes wait in its
// own coalescer (the latest version of each item wins), so publishing
// never waits for it.
type Sub struct {
	h        *Hub
	operator string
	wake     chan struct{} // a change or the end is waiting

	mu      sync.Mutex
	pending *backend.Coalescer
	pushed  int       // changes pushed since the last take (an upper bound of what waits)
	since   time.Time // when the oldest untaken change was pushed
	dropped bool      // fell behind: the next read is a snapshot
	gone    map[backend.Key]bool
	ended   bool // the hub stopped
	left    bool // Close was called
	reloads int
}

func newSub(h *Hub, operator string) *Sub {
	return &Sub{h: h, operator: operator, wake: make(chan struct{}, 1), pending: backend.NewCoalescer()}
}

// Next waits for the subscriber's changes and returns them merged. It
// reports false once the hub has stopped and nothing is left, or when ctx
// ends or Close was called.
func (s *Sub) Next(ctx context.Context) (backend.Event, bool) {
	for {
		if ev, ok := s.h.reload(s); ok {
			return ev, true
		}
		s.mu.Lock()
		if s.left {
			s.mu.Unlock()
			return backend.Event{}, false
		}
		if s.pushed > 0 {
			ev := s.pending.Take()
			s.pushed = 0
			s.mu.Unlock()
			if !ev.Empty() {
				return ev, true
			}
			continue
		}
		ended := s.ended
		s.mu.Unlock()
		if ended {
			return backend.Event{}, false
		}
		select {
		case <-ctx.Done():
			return backend.Event{}, false
		case <-s.wake:
		}
	}
}

// Close leaves the hub; a Next waiting returns false.
func (s *Sub) Close() {
	s.h.leave(s)
	s.mu.Lock()
	s.left = true
	s.pending = backend.NewCoalescer()
	s.mu.Unlock()
	s.signal()
}

// Reloads counts how often the subscriber fell behind and was reloaded.
func (s *Sub) Reloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloads
}

// push queues an event for the subscriber (hub lock held). A subscriber
// that has let more than limit changes pile up, or left them untaken
// longer than MaxLag, is dropped: from then on only the keys that go
// away are noted, until it reads a snapshot.
func (s *Sub) push(ev backend.Event, limit int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		s.noteGone(ev.Removed)
		return
	}
	ev = s.mine(ev)
	if ev.Empty() {
		return
	}
	if s.pushed == 0 {
		s.since = now
	}
	s.pushed += ev.Size()
	s.pending.Push(ev)
	if s.pushed > limit || now.Sub(s.since) > s.h.opts.MaxLag {
		s.pending, s.pushed = backend.NewCoalescer(), 0
		s.dropped, s.gone = true, map[backend.Key]bool{}
		s.noteGone(ev.Removed)
	}
	s.signal()
}

func (s *Sub) noteGone(keys []backend.Key) {
	for _, k := range keys {
		s.gone[k] = true
	}
}

// mine leaves out the notices that answer another operator's actions:
// they are told to that operator; everyone sees the actions themselves.
func (s *Sub) mine(ev backend.Event) backend.Event {
	for i, n := range ev.Notices {
		if n.Operator == "" || n.Operator == s.operator {
			continue
		}
		kept := append([]backend.Notice(nil), ev.Notices[:i]...)
		for _, n := range ev.Notices[i+1:] {
			if n.Operator == "" || n.Operator == s.operator {
				kept = append(kept, n)
			}
		}
		ev.Notices = kept
		break
	}
	return ev
}

// end marks the hub stopped (hub lock held).
func (s *Sub) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	s.signal()
}

func (s *Sub) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
