package backend

import "time"

// Store is the persistence the engine needs. The cache package implements
// it with two bbolt files: state.db for what providers can give back
// (accounts, lines, leases, jobs, the NonVoip orders only we know of) and
// ledger.db for what they cannot (every SMS ever seen, the action journal).
//
// Only the engine calls a Store, never the UI goroutine.
type Store interface {
	// Load reads the last known state for the first frame.
	Load() (Snapshot, error)

	// Save queues state changes; the store batches them into few
	// transactions. Deleted keys are removed.
	Save(ch StateChange)
	// Flush writes queued state changes now.
	Flush() error

	// AddMessages stores messages durably (committed before it returns)
	// and returns those not seen before. Duplicates (same line and ID) are
	// ignored; a message never changes or disappears once stored, except
	// by retention.
	AddMessages(msgs []Message) ([]Message, error)
	// Messages returns a line's messages, newest first, at most limit
	// (0 = all).
	Messages(line Key, limit int) ([]Message, error)

	// Journal writes an action's entry durably (before its call is made,
	// and again when it settles).
	Journal(e JournalEntry) error
	// Pending lists journal entries that are not settled.
	Pending() ([]JournalEntry, error)
	// RecentJournal lists the newest entries, newest first.
	RecentJournal(limit int) ([]JournalEntry, error)

	// Prune drops messages received before the cutoff unless their line is
	// in keep, and settled journal entries older than the cutoff. It
	// returns how many messages went.
	Prune(cutoff time.Time, keep map[Key]bool) (int, error)

	Close() error
}

// Snapshot is the state loaded at start-up, shown (as stale) before any
// network call.
type Snapshot struct {
	Accounts []Account
	Lines    []Line
	Leases   []Lease
	Jobs     []Job
	Pending  []JournalEntry
	// Watched lists the orders of providers that cannot list them
	// (NonVoip), kept in the ledger: a state.db that lost some of them
	// (damaged, rebuilt) is made good by looking them up again.
	Watched []Key
	// Notes tell the operator about the store itself ("state.db was
	// damaged and moved aside to …; rebuilding from the providers").
	Notes []string
}

// StateChange is a batch of upserts and deletions for state.db, and of
// changes to the ledger's set of watched orders (Snapshot.Watched).
type StateChange struct {
	Accounts     []Account
	Lines        []Line
	Leases       []Lease
	Jobs         []Job
	DeleteLines  []Key
	DeleteLeases []Key
	DeleteJobs   []Key
	Watch        []Key // orders the engine learned of (providers that cannot list)
	Unwatch      []Key // orders it stopped showing
}

// Empty reports whether the change holds nothing.
func (c StateChange) Empty() bool {
	return len(c.Accounts)+len(c.Lines)+len(c.Leases)+len(c.Jobs)+
		len(c.DeleteLines)+len(c.DeleteLeases)+len(c.DeleteJobs)+len(c.Watch)+len(c.Unwatch) == 0
}

// JournalState is where an action stands.
type JournalState string

const (
	JournalPending  JournalState = "pending"  // written, call not known to be answered
	JournalDone     JournalState = "done"     // the provider confirmed it
	JournalFailed   JournalState = "failed"   // the provider refused it: nothing happened
	JournalUnknown  JournalState = "unknown"  // no clear answer: being settled by re-reading
	JournalHappened JournalState = "happened" // settled: the provider shows the effect
	JournalNotDone  JournalState = "not-done" // settled: the provider shows no effect
	JournalOffer    JournalState = "offer"    // the provider asked a question (NonVoip price change)
)

// Settled reports whether the entry needs no more work.
func (s JournalState) Settled() bool {
	switch s {
	case JournalDone, JournalFailed, JournalHappened, JournalNotDone, JournalOffer:
		return true
	}
	return false
}

// JournalEntry is one action in the journal.
type JournalEntry struct {
	Action   Action
	Target   Target
	State    JournalState
	Note     string // outcome or error, operator-facing
	Attempts int    // calls sent (a buy re-sent with the same idempotency key counts)
	// Claimed lists the provider order ids a settled buy was matched to;
	// no other entry may be matched to them.
	Claimed   []string
	UpdatedAt time.Time
}
