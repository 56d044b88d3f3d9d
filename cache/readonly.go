package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

// ReadSnapshot reads what state.db holds (accounts, lines with their
// codes, leases, jobs) without changing anything: no migration, no
// repair, no lock held beyond the read. It is for scripts asking while
// nothing runs; what it returns is as old as the last run. While a
// Switchboard holds the directory it is an *InUseError. A state.db of
// an older schema, or a damaged one, is an error: the next run fixes it.
func ReadSnapshot(dir string) (backend.Snapshot, error) {
	var snap backend.Snapshot
	db, err := openReadOnly(dir, stateLayout, 200*time.Millisecond)
	if err != nil {
		return snap, err
	}
	defer func() { _ = protect(stateFile, db.Close) }()
	err = protect(stateFile, func() error {
		return db.View(func(tx *bolt.Tx) error { return loadItems(tx, &snap) })
	})
	return snap, err
}

// OpenReadOnly opens the store in dir to read it in place, for one look
// (--print): both files read-only under a shared lock, no migration, no
// check beyond what reading does (every record read is checksummed),
// no pid file, and nothing written — Save drops its change, and the
// ledger refuses writes. It does not wait: while a Switchboard holds the
// directory it is an *InUseError at once. A file that is missing, of
// another schema or damaged is an error too: the caller reads a copy
// with Open instead, which brings the copy up to date.
func OpenReadOnly(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	ledger, err := openReadOnly(dir, ledgerLayout, noWait)
	if err != nil {
		return nil, err
	}
	state, err := openReadOnly(dir, stateLayout, noWait)
	if err != nil {
		_ = ledger.Close()
		return nil, err
	}
	s := &Store{dir: dir, opts: opts, state: state, ledger: ledger, readOnly: true,
		pending: newStateBatch(), stop: make(chan struct{}), writerDone: make(chan struct{})}
	s.shut.Store(true)  // Save drops every change
	close(s.writerDone) // there is no writer
	return s, nil
}

// noWait is a lock timeout that tries once: bbolt gives up when less
// than its 50 ms retry interval is left.
const noWait = time.Nanosecond

// openReadOnly opens one file of dir read-only under a shared lock,
// waiting at most timeout for a writer to let go (an *InUseError after
// that), and checks it is at this build's schema.
func openReadOnly(dir string, layout fileLayout, timeout time.Duration) (*bolt.DB, error) {
	path := filepath.Join(dir, layout.name)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if err := checkOwner(path, fi); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err = protect(layout.name, func() error {
		db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
		return err
	})
	if err != nil {
		if err = classifyOpenError(layout.name, err); errors.Is(err, errLocked) {
			return nil, inUseError(dir)
		}
		return nil, err
	}
	err = protect(layout.name, func() error {
		return db.View(func(tx *bolt.Tx) error {
			v, err := schemaOf(tx)
			if err != nil {
				return err
			}
			if want := uint64(len(layout.migrations)); v != want {
				return fmt.Errorf("cache: %s has schema %d, this build reads %d: run Switchboard once to bring it up to date", path, v, want)
			}
			return nil
		})
	})
	if err != nil {
		_ = protect(layout.name, db.Close)
		return nil, err
	}
	return db, nil
}
