package backend

import (
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
	Lines    []*Line // shared: a line handed out is never changed, a change is a new value
	Leases   []Lease
	Jobs     []Job
	Removed  []Key
	Messages []Message // new SMS, oldest first
	Notices  []Notice
	// Actions are journal entries that changed (sent, unsettled, settled):
	// the latest state of each action, by id.
	Actions []JournalEntry
	// Storage is set when the ledger's health changed: failing (a full
	// disk: codes are shown but not saved) or recovered.
	Storage *StorageHealth
	// LeasesListed names the accounts whose first full lease listing of
	// this run has been merged: until then an empty Expiries pane may
	// only be empty so far.
	LeasesListed []string
	// Cluster is set when this node's reach of the team's etcd changed:
	// unreachable (screens read-only, actions refused) or back.
	Cluster *ClusterHealth
}

// ClusterHealth says whether a cluster node reaches etcd.
type ClusterHealth struct {
	Unreachable bool
	Error       string    // what the client said, while unreachable
	Since       time.Time // when it stopped / started answering
}

// StorageHealth says whether the ledger can write.
type StorageHealth struct {
	Failing bool
	Error   string    // what the disk said, when failing
	Since   time.Time // when it started failing / recovered
}

// Size counts what the event carries (a storage or cluster change counts
// one).
func (e Event) Size() int {
	n := len(e.Accounts) + len(e.Lines) + len(e.Leases) + len(e.Jobs) + len(e.Removed) +
		len(e.Messages) + len(e.Notices) + len(e.Actions) + len(e.LeasesListed)
	if e.Storage != nil {
		n++
	}
	if e.Cluster != nil {
		n++
	}
	return n
}

// Empty reports whether the event carries nothing.
func (e Event) Empty() bool { return e.Size() == 0 }

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
	// Refusal is set when an action did not apply: the UI words it with
	// its own key bindings (Text is the wording without keys).
	Refusal *Refusal
	Data    string // what a read-type action returned (a proxy export); never shown, only copied or saved
	At      time.Time
	// Operator is who the notice answers (the operator whose action it
	// is about); "" = everyone. Other screens learn of that action from
	// Event.Actions instead.
	Operator string
}

// maxPendingMessages bounds what a stalled reader can make a Coalescer
// hold; messages are in the ledger regardless.
const maxPendingMessages = 2000

// Coalescer merges events per item until a reader takes them: the latest
// version of each item wins, removed items go, messages and notices
// accumulate (messages bounded). The engine's outbox and every subscriber
// of a fan-out use one, so a slow reader costs memory bounded by the
// number of items, never a stalled poller.
type Coalescer struct {
	mu       sync.Mutex
	accounts map[string]Account
	lines    map[Key]*Line
	leases   map[Key]Lease
	jobs     map[Key]Job
	removed  map[Key]bool
	messages []Message
	notices  []Notice
	actions  map[string]JournalEntry
	storage  *StorageHealth
	listed   map[string]bool
	cluster  *ClusterHealth
}

// NewCoalescer makes an empty coalescer.
func NewCoalescer() *Coalescer {
	c := &Coalescer{}
	c.reset()
	return c
}

func (c *Coalescer) reset() {
	c.accounts = map[string]Account{}
	c.lines = map[Key]*Line{}
	c.leases = map[Key]Lease{}
	c.jobs = map[Key]Job{}
	c.removed = map[Key]bool{}
	c.messages = nil
	c.notices = nil
	c.actions = map[string]JournalEntry{}
	c.storage = nil
	c.listed = map[string]bool{}
	c.cluster = nil
}

// Push merges ev into the pending event. It reports whether ev carried
// anything.
func (c *Coalescer) Push(ev Event) bool {
	if ev.Empty() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range ev.Accounts {
		c.accounts[a.Name] = a
	}
	for _, k := range ev.Removed {
		delete(c.lines, k)
		delete(c.leases, k)
		delete(c.jobs, k)
		c.removed[k] = true
	}
	for _, l := range ev.Lines {
		c.lines[l.Key] = l
		delete(c.removed, l.Key)
	}
	for _, l := range ev.Leases {
		c.leases[l.Key] = l
		delete(c.removed, l.Key)
	}
	for _, j := range ev.Jobs {
		c.jobs[j.Key] = j
		delete(c.removed, j.Key)
	}
	c.messages = append(c.messages, ev.Messages...)
	if n := len(c.messages); n > maxPendingMessages {
		c.messages = append([]Message(nil), c.messages[n-maxPendingMessages:]...)
	}
	c.notices = append(c.notices, ev.Notices...)
	for _, a := range ev.Actions {
		c.actions[a.Action.ID] = a
	}
	if ev.Storage != nil {
		c.storage = ev.Storage
	}
	for _, a := range ev.LeasesListed { // once listed, always listed: a set
		c.listed[a] = true
	}
	if ev.Cluster != nil {
		c.cluster = ev.Cluster
	}
	return true
}

// Take returns the pending event and clears it.
func (c *Coalescer) Take() Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ev Event
	for _, a := range c.accounts {
		ev.Accounts = append(ev.Accounts, a)
	}
	for _, l := range c.lines {
		ev.Lines = append(ev.Lines, l)
	}
	for _, l := range c.leases {
		ev.Leases = append(ev.Leases, l)
	}
	for _, j := range c.jobs {
		ev.Jobs = append(ev.Jobs, j)
	}
	for k := range c.removed {
		ev.Removed = append(ev.Removed, k)
	}
	ev.Messages = c.messages
	ev.Notices = c.notices
	for _, a := range c.actions {
		ev.Actions = append(ev.Actions, a)
	}
	ev.Storage = c.storage
	for a := range c.listed {
		ev.LeasesListed = append(ev.LeasesListed, a)
	}
	sort.Strings(ev.LeasesListed)
	ev.Cluster = c.cluster
	c.reset()
	return ev
}

// Merge folds a later event into e: the latest version of each item
// wins, removed items go, messages and notices accumulate.
func (e *Event) Merge(later Event) {
	c := NewCoalescer()
	c.Push(*e)
	c.Push(later)
	msgs := append(append([]Message(nil), e.Messages...), later.Messages...)
	notes := append(append([]Notice(nil), e.Notices...), later.Notices...)
	*e = c.Take()
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
	sort.Slice(e.Actions, func(i, j int) bool { return e.Actions[i].Action.ID < e.Actions[j].Action.ID })
}

// LineRefs points at each line of ls (for an event; ls is not to change
// after).
func LineRefs(ls []Line) []*Line {
	out := make([]*Line, len(ls))
	for i := range ls {
		out[i] = &ls[i]
	}
	return out
}
