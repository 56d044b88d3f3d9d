// Package hub fans the engine's changes out to every screen and script.
// It is the engine's only reader: it keeps the current state (accounts,
// lines, leases, jobs and the actions not yet settled), hands each new
// subscriber a snapshot of it, then that subscriber's own coalesced
// changes. A subscriber that stops taking its changes is dropped to
// "reload": what it had pending is thrown away and its next read is a
// fresh snapshot, so a stalled session costs bounded memory and never
// slows polling or anyone else.
package hub

import (
	"context"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"switchboard/backend"
)

// Source feeds a hub: the engine on one machine (a cluster node's watch
// of the shared store later). Initial is called once, before Events.
type Source interface {
	Initial() backend.Event
	Events() <-chan backend.Event
}

// Options tune a hub.
type Options struct {
	// Notices are told to every subscriber when it joins (an exposed
	// webhook receiver, a note about the store).
	Notices []backend.Notice
	// MaxPending is how many changes beyond the size of the state a
	// subscriber may let pile up before it is dropped to reload
	// (default 4096).
	MaxPending int
	// MaxLag is how long a subscriber may leave changes untaken before
	// it is dropped to reload (default 5 s).
	MaxLag time.Duration
	// Clock measures MaxLag (tests pass a fake one).
	Clock clockwork.Clock
}

// Hub holds the state and the subscribers.
type Hub struct {
	opts Options
	src  Source

	mu       sync.RWMutex
	st       *State
	standing []backend.Notice
	subs     map[*Sub]struct{}
	closed   bool
	done     chan struct{}
}

// New takes the source's initial state; Run then follows its changes.
func New(src Source, o Options) *Hub {
	if o.MaxPending <= 0 {
		o.MaxPending = 4096
	}
	if o.MaxLag <= 0 {
		o.MaxLag = 5 * time.Second
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	h := &Hub{opts: o, src: src, st: NewState(), subs: map[*Sub]struct{}{}, done: make(chan struct{})}
	init := src.Initial()
	h.st.Apply(init)
	h.standing = append(append([]backend.Notice(nil), init.Notices...), o.Notices...)
	return h
}

// Run follows the source until its events end (the engine stopped) or ctx
// does; every subscriber's Next then reports the end once it has taken
// what was pending.
func (h *Hub) Run(ctx context.Context) {
	defer h.close()
	events := h.src.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			h.publish(ev)
		}
	}
}

// Done is closed when the hub has stopped.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Subscribe joins a subscriber acting as operator (notices answering
// another operator's actions are not passed to it) and returns the state
// it starts from: every item, the unsettled actions and the standing
// notices.
func (h *Hub) Subscribe(operator string) (*Sub, backend.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := newSub(h, operator)
	snap := h.st.Snapshot()
	snap.Notices = append(snap.Notices, h.standing...)
	if h.closed {
		s.ended = true
	} else {
		h.subs[s] = struct{}{}
	}
	return s, snap
}

// Snapshot is the current state, as a new subscriber would start from it
// (without the standing notices).
func (h *Hub) Snapshot() backend.Event {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.st.Snapshot()
}

// Subscribers counts the subscribers (tests, the service's status).
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// publish applies an event to the state and passes it to everyone.
func (h *Hub) publish(ev backend.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.Apply(ev)
	limit := h.opts.MaxPending + h.st.size()
	now := h.opts.Clock.Now()
	for s := range h.subs {
		s.push(ev, limit, now)
	}
}

func (h *Hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for s := range h.subs {
		s.end()
	}
	close(h.done)
}

func (h *Hub) leave(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
}

// reload hands a dropped subscriber the current state, with the keys
// removed while it was dropped.
func (h *Hub) reload(s *Sub) (backend.Event, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dropped {
		return backend.Event{}, false
	}
	snap := h.st.Snapshot()
	for k := range s.gone {
		if !h.st.has(k) {
			snap.Removed = append(snap.Removed, k)
		}
	}
	snap.Notices = append(snap.Notices, backend.Notice{Level: backend.Info, At: h.opts.Clock.Now(),
		Text: "this screen fell behind and was reloaded"})
	s.dropped, s.gone = false, nil
	s.reloads++
	return snap, true
}
