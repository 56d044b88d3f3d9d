// Package cache implements backend.Store with two bbolt files in the state
// directory:
//
//   - state.db holds what the providers can give back (accounts, lines,
//     leases, jobs — and NonVoip's orders, which only Switchboard knows of).
//     If it is damaged it is moved aside and rebuilt.
//   - ledger.db holds what they cannot: every SMS ever seen, the action
//     journal, and the keys of the orders only Switchboard knows of (so a
//     rebuilt state.db can look them up again). It is never moved or
//     rebuilt behind the operator's back.
//
// Message and journal writes are durable (committed with fsync) before they
// return; state writes are queued and batched by a background writer.
package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

const (
	stateFile  = "state.db"
	ledgerFile = "ledger.db"
	pidFile    = "switchboard.pid"

	// DefaultRetention is how long messages and settled journal entries
	// are kept when Options.Retention is zero.
	DefaultRetention = 90 * 24 * time.Hour
	// DefaultFlushInterval is how long queued state waits before it is
	// written when Options.FlushInterval is zero.
	DefaultFlushInterval = 300 * time.Millisecond
	// DefaultLockTimeout is how long Open waits for another Switchboard
	// to let go of the files when Options.LockTimeout is zero.
	DefaultLockTimeout = time.Second
)

var (
	// ErrInUse is returned (wrapped in an *InUseError) when another
	// process holds the state directory.
	ErrInUse = errors.New("state is in use by another switchboard")
	// ErrNewerSchema is returned when a file was written by a newer
	// Switchboard than this one.
	ErrNewerSchema = errors.New("written by a newer Switchboard")
	// ErrLedgerDamaged is returned when ledger.db cannot be read. The file
	// is left where it is: it holds codes no provider can give back.
	ErrLedgerDamaged = errors.New("ledger.db is damaged")
	// ErrClosed is returned by calls on a closed store.
	ErrClosed = errors.New("cache: store is closed")
)

// InUseError says which process holds the state directory.
type InUseError struct {
	Dir string
	PID int // 0 when the pid file could not be read
}

func (e *InUseError) Error() string {
	pid := "pid unknown"
	if e.PID > 0 {
		pid = "pid " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("state is in use by another switchboard (%s); state directory %s", pid, e.Dir)
}

func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// Retention is how long messages and settled journal entries are kept
	// (see RetentionCutoff). Default 90 days.
	Retention time.Duration
	// FlushInterval is how long Save batches changes before writing them.
	// Default 300 ms.
	FlushInterval time.Duration
	// LockTimeout bounds the wait for another Switchboard to release the
	// files. Default 1 s.
	LockTimeout time.Duration
	// Now is the clock (SeenAt of new messages, journal times, names of
	// damaged files). Default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is the bbolt-backed backend.Store. It is safe for concurrent use.
type Store struct {
	dir    string
	opts   Options
	state  *bolt.DB
	ledger *bolt.DB
	notes  []string
	// readOnly: opened by OpenReadOnly, to be read and closed.
	readOnly bool

	// life guards closing: calls hold it for reading, Close for writing.
	life   sync.RWMutex
	closed bool
	// shut tells Save, which must never wait on Close, to drop changes.
	shut atomic.Bool

	// mu guards pending; flushMu serializes writes of state.db.
	mu      sync.Mutex
	pending stateBatch
	flushMu sync.Mutex

	dirty      chan struct{}
	stop       chan struct{}
	writerDone chan struct{}
}

var _ backend.Store = (*Store)(nil)

// DefaultDir is where Switchboard keeps its files:
// $XDG_STATE_HOME/switchboard, else ~/.local/state/switchboard.
func DefaultDir() (string, error) {
	// The XDG spec says relative paths are invalid and must be ignored.
	if x := os.Getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "switchboard"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cache: no state directory (set XDG_STATE_HOME or HOME): %w", err)
	}
	return filepath.Join(home, ".local", "state", "switchboard"), nil
}

// Open opens (creating if needed) the store in dir. It fails within about
// LockTimeout with an *InUseError if another Switchboard holds the
// directory. A damaged state.db is moved aside and replaced by an empty
// one (Load then carries a note saying so); a damaged ledger.db is an
// error wrapping ErrLedgerDamaged.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("cache: no state directory given")
	}
	opts = opts.withDefaults()
	if err := ensureDir(dir); err != nil {
		return nil, err
	}

	// The ledger is opened first: its lock is the instance lock, and it is
	// never renamed, so state.db's repair below happens under it.
	ledgerPath := filepath.Join(dir, ledgerFile)
	ledger, err := openFile(ledgerPath, ledgerLayout, opts.LockTimeout)
	switch {
	case errors.Is(err, errLocked):
		return nil, inUseError(dir)
	case isDamage(err):
		return nil, ledgerDamaged(ledgerPath, err)
	case err != nil:
		return nil, err
	}

	s := &Store{
		dir:        dir,
		opts:       opts,
		ledger:     ledger,
		pending:    newStateBatch(),
		dirty:      make(chan struct{}, 1),
		stop:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}

	statePath := filepath.Join(dir, stateFile)
	state, err := openFile(statePath, stateLayout, opts.LockTimeout)
	if isDamage(err) {
		aside, moveErr := moveAside(statePath, opts.Now())
		if moveErr != nil {
			_ = ledger.Close()
			return nil, fmt.Errorf("cache: %v; moving it aside failed: %w", err, moveErr)
		}
		s.notes = append(s.notes, fmt.Sprintf(
			"state.db was damaged (%s); moved aside to %s; rebuilding from the providers "+
				"(NonVoip orders the ledger lists as watched are looked up again)", damageCause(err), aside))
		state, err = openFile(statePath, stateLayout, opts.LockTimeout)
	}
	if err != nil {
		_ = ledger.Close()
		if errors.Is(err, errLocked) {
			return nil, inUseError(dir)
		}
		return nil, err
	}
	s.state = state

	if err := writePID(filepath.Join(dir, pidFile)); err != nil {
		_ = state.Close()
		_ = ledger.Close()
		return nil, err
	}
	go s.writer()
	return s, nil
}

// Dir is the state directory.
func (s *Store) Dir() string { return s.dir }

// RetentionCutoff is the cutoff to give Prune for the configured
// retention: now minus Options.Retention.
func (s *Store) RetentionCutoff() time.Time { return s.opts.Now().Add(-s.opts.Retention) }

// Close writes queued state and closes both files. Closing twice is a
// no-op.
func (s *Store) Close() error {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return nil
	}
	s.closed = true
	s.shut.Store(true)
	s.life.Unlock()

	close(s.stop)
	<-s.writerDone

	// Wait for calls in flight, then write what is left.
	s.life.Lock()
	defer s.life.Unlock()
	flushErr := s.flushState()
	// The pid file goes while the locks are still held, so it can never
	// delete the file of a Switchboard that opened after us.
	removePID(filepath.Join(s.dir, pidFile))
	return errors.Join(flushErr, s.state.Close(), s.ledger.Close())
}

// begin marks the start of a call; the returned func ends it.
func (s *Store) begin() (func(), error) {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return nil, ErrClosed
	}
	return s.life.RUnlock, nil
}

func inUseError(dir string) error {
	e := &InUseError{Dir: dir}
	if b, err := os.ReadFile(filepath.Join(dir, pidFile)); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			e.PID = pid
		}
	}
	return e
}

func ledgerDamaged(path string, cause error) error {
	return fmt.Errorf("%w: %s: %s. It holds every SMS code and the action journal, "+
		"so Switchboard will not move or rebuild it: quit Switchboard, keep a copy of the file, "+
		"then move it out of the directory (Switchboard starts a new, empty ledger) or restore it from a backup",
		ErrLedgerDamaged, path, damageCause(cause))
}
