package engine

import (
	"context"

	"switchboard/backend"
)

// outbox hands the engine's coalesced changes to the one reader of
// Events: pushes never block the engine goroutine.
type outbox struct {
	pending *backend.Coalescer
	signal  chan struct{}
	out     chan backend.Event
}

func newOutbox() *outbox {
	return &outbox{pending: backend.NewCoalescer(), signal: make(chan struct{}, 1), out: make(chan backend.Event)}
}

// push merges ev into the pending event.
func (o *outbox) push(ev backend.Event) {
	if !o.pending.Push(ev) {
		return
	}
	select {
	case o.signal <- struct{}{}:
	default:
	}
}

// run hands merged events to the reader until ctx ends.
func (o *outbox) run(ctx context.Context) {
	defer close(o.out)
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.signal:
		}
		ev := o.pending.Take()
		if ev.Empty() {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case o.out <- ev:
		}
	}
}
