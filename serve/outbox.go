package serve

import (
	"errors"
	"io"
	"sync"
	"time"
)

// errStalled is what a session's writer sees once its client stopped
// reading and the connection was closed.
var errStalled = errors.New("the client stopped reading")

// outbox stands between what a session writes (its dashboard's renderer,
// a verb) and the SSH channel: writes are queued and a pump sends them.
// A client that stops reading blocks only the pump, never the writer:
// a renderer blocked in a write would hold its program (and, through
// the window changes the program then cannot take, the connection's
// request loop) forever. After stall, or once max bytes wait, the
// connection is closed and the writer gets errStalled.
type outbox struct {
	w     io.Writer
	stall time.Duration
	max   int
	kill  func() // closes the connection

	mu     sync.Mutex
	queue  []byte
	err    error
	closed bool
	wake   chan struct{}
	done   chan struct{} // the pump has returned
}

func newOutbox(w io.Writer, stall time.Duration, max int, kill func()) *outbox {
	o := &outbox{w: w, stall: stall, max: max, kill: kill, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go o.pump()
	return o
}

// Write queues p; it never waits for the client.
func (o *outbox) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.err != nil:
		return 0, o.err
	case o.closed:
		return 0, io.ErrClosedPipe
	case len(o.queue)+len(p) > o.max:
		o.err = errStalled
		o.kill()
		return 0, o.err
	}
	o.queue = append(o.queue, p...)
	o.signal()
	return len(p), nil
}

// Close sends what is queued, then ends the pump; it returns when the
// pump has (at most stall later: a client that does not read is cut).
func (o *outbox) Close() {
	o.mu.Lock()
	o.closed = true
	o.signal()
	o.mu.Unlock()
	<-o.done
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) pump() {
	defer close(o.done)
	for range o.wake {
		o.mu.Lock()
		chunk, closed := o.queue, o.closed
		o.queue = nil
		o.mu.Unlock()
		if len(chunk) > 0 {
			t := time.AfterFunc(o.stall, o.kill)
			_, err := o.w.Write(chunk)
			t.Stop()
			if err != nil {
				o.mu.Lock()
				o.err = err
				o.mu.Unlock()
				return
			}
			o.mu.Lock()
			more := len(o.queue) > 0 || o.closed
			o.mu.Unlock()
			if more {
				o.signal()
			}
			continue
		}
		if closed {
			return
		}
	}
}
