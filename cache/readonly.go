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
	path := filepath.Join(dir, stateFile)
	fi, err := os.Stat(path)
	if err != nil {
		return snap, fmt.Errorf("cache: %w", err)
	}
	if err := makePrivate(path, fi, 0o600); err != nil {
		return snap, err
	}
	var db *bolt.DB
	err = protect(stateFile, func() error {
		db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
		return err
	})
	if err != nil {
		if errors.Is(classifyOpenError(stateFile, err), errLocked) {
			return snap, inUseError(dir)
		}
		return snap, classifyOpenError(stateFile, err)
	}
	defer func() { _ = protect(stateFile, db.Close) }()
	err = protect(stateFile, func() error {
		return db.View(func(tx *bolt.Tx) error {
			v, err := schemaOf(tx)
			if err != nil {
				return err
			}
			if want := uint64(len(stateLayout.migrations)); v != want {
				return fmt.Errorf("cache: %s has schema %d, this build reads %d: run Switchboard once to bring it up to date", path, v, want)
			}
			return loadItems(tx, &snap)
		})
	})
	return snap, err
}
