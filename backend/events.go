package backend

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Event is what the engine tells the UI: every object that changed since
// the last event (latest version only), keys that went away, new SMS and
// notices. Events are coalesced, so a UI that is busy rendering receives
// one merged event later instead of stalling polling.
type Event struct {
	Accounts []Account
	Lines    []Line
	Leases   []Lease
	Jobs     []Job
	Removed  []Key
	Messages []Message // new SMS, oldest first
	Notices  []Notice
}

// Empty reports whether the event carries nothing.
func (e Event) Empty() bool {
	return len(e.Accounts)+len(e.Lines)+len(e.Leases)+len(e.Jobs)+len(e.Removed)+
		len(e.Messages)+len(e.Notices) == 0
}

// Level is a notice's severity.
type Level int

const (
	Info Level = iota
	Success
	Warning
	Failure
)

// Notice is a message for the operator: an action's result, a settlement,
// a provider offer that needs a decision, a store note.
type Notice struct {
	Level  Level
	Text   string // operator-facing, sanitized, secret-free
	Key    Key    // the item concerned, if any
	Action *Action
	Offer  *Offer // set when the operator must accept or refuse
	Data   string // what a read-type action returned (a proxy export); never shown, only copied or saved
	At     time.Time
}

// maxPendingMessages bounds what a stalled UI can make the outbox hold;
// messages are in the ledger regardless.
const maxPendingMessages = 2000

// outbox coalesces events per item until the UI takes them.
type outbox struct {
	mu       sync.Mutex
	accounts map[string]Account
	lines    map[Key]Line
	leases   map[Key]Lease
	jobs     map[Key]Job
	removed  map[Key]bool
	messages []Message
	notices  []Notice
	signal   chan struct{}
	out      chan Event
}

func newOutbox() *outbox {
	o := &outbox{signal: make(chan struct{}, 1), out: make(chan Event)}
	o.reset()
	return o
}

func (o *outbox) reset() {
	o.accounts = map[string]Account{}
	o.lines = map[Key]Line{}
	o.leases = map[Key]Lease{}
	o.jobs = map[Key]Job{}
	o.removed = map[Key]bool{}
	o.messages = nil
	o.notices = nil
}

// push merges ev into the pending event.
func (o *outbox) push(ev Event) {
	if ev.Empty() {
		return
	}
	o.mu.Lock()
	for _, a := range ev.Accounts {
		o.accounts[a.Name] = a
	}
	for _, k := range ev.Removed {
		delete(o.lines, k)
		delete(o.leases, k)
		delete(o.jobs, k)
		o.removed[k] = true
	}
	for _, l := range ev.Lines {
		o.lines[l.Key] = l
		delete(o.removed, l.Key)
	}
	for _, l := range ev.Leases {
		o.leases[l.Key] = l
		delete(o.removed, l.Key)
	}
	for _, j := range ev.Jobs {
		o.jobs[j.Key] = j
		delete(o.removed, j.Key)
	}
	o.messages = append(o.messages, ev.Messages...)
	if n := len(o.messages); n > maxPendingMessages {
		o.messages = append([]Message(nil), o.messages[n-maxPendingMessages:]...)
	}
	o.notices = append(o.notices, ev.Notices...)
	o.mu.Unlock()
	select {
	case o.signal <- struct{}{}:
	default:
	}
}

// take returns the pending event and clears it.
func (o *outbox) take() Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ev Event
	for _, a := range o.accounts {
		ev.Accounts = append(ev.Accounts, a)
	}
	for _, l := range o.lines {
		ev.Lines = append(ev.Lines, l)
	}
	for _, l := range o.leases {
		ev.Leases = append(ev.Leases, l)
	}
	for _, j := range o.jobs {
		ev.Jobs = append(ev.Jobs, j)
	}
	for k := range o.removed {
		ev.Removed = append(ev.Removed, k)
	}
	ev.Messages = o.messages
	ev.Notices = o.notices
	o.reset()
	return ev
}

// run hands merged events to the UI until ctx ends.
func (o *outbox) run(ctx context.Context) {
	defer close(o.out)
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.signal:
		}
		ev := o.take()
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

// Merge folds a later event into e: the latest version of each item
// wins, removed items go, messages and notices accumulate.
func (e *Event) Merge(later Event) {
	o := newOutbox()
	o.push(*e)
	o.push(later)
	msgs := append(append([]Message(nil), e.Messages...), later.Messages...)
	notes := append(append([]Notice(nil), e.Notices...), later.Notices...)
	*e = o.take()
	e.Messages, e.Notices = msgs, notes
	sortEvent(e)
}

// sortEvent orders an event's items by key, so a merged event reads the
// same on every run.
func sortEvent(e *Event) {
	sort.Slice(e.Accounts, func(i, j int) bool { return e.Accounts[i].Name < e.Accounts[j].Name })
	sort.Slice(e.Lines, func(i, j int) bool { return e.Lines[i].Key < e.Lines[j].Key })
	sort.Slice(e.Leases, func(i, j int) bool { return e.Leases[i].Key < e.Leases[j].Key })
	sort.Slice(e.Jobs, func(i, j int) bool { return e.Jobs[i].Key < e.Jobs[j].Key })
	sort.Slice(e.Removed, func(i, j int) bool { return e.Removed[i] < e.Removed[j] })
}
