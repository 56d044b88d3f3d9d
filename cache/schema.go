package cache

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A migration takes a file from schema version i to i+1. All the
// migrations a file needs run in one transaction with the new version
// number, so a file is never left half-migrated.
type migration func(tx *bolt.Tx) error

// fileLayout describes one of the two files.
type fileLayout struct {
	name string
	// migrations[i] takes the file from schema i to i+1; the current
	// schema is len(migrations). Schema 0 is a file without a meta bucket
	// (a new file).
	migrations []migration
	// buckets must exist once the file is migrated.
	buckets [][]byte
	// records are the buckets whose values are checksummed records.
	records [][]byte
	// fullCheck walks every record and runs bbolt's consistency check on
	// open. state.db is small and can be rebuilt, so it is checked fully;
	// the ledger grows with every SMS, so only its journal is checked on
	// open and messages are checked as they are read.
	fullCheck bool
}

var stateLayout = fileLayout{
	name: stateFile,
	migrations: []migration{
		createBuckets(bucketAccounts, bucketLines, bucketLeases, bucketJobs),
	},
	buckets:   [][]byte{bucketAccounts, bucketLines, bucketLeases, bucketJobs},
	records:   [][]byte{bucketAccounts, bucketLines, bucketLeases, bucketJobs},
	fullCheck: true,
}

var ledgerLayout = fileLayout{
	name: ledgerFile,
	migrations: []migration{
		createBuckets(bucketMsgByLine, bucketMsgByID, bucketMsgByTime,
			bucketJournal, bucketJournalByTime, bucketJournalPending),
		createBuckets(bucketWatched), // 2: the watched orders
	},
	buckets: [][]byte{bucketMsgByLine, bucketMsgByID, bucketMsgByTime,
		bucketJournal, bucketJournalByTime, bucketJournalPending, bucketWatched},
	records: [][]byte{bucketJournal},
}

func createBuckets(names ...[]byte) migration {
	return func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}
}

// schemaOf reads a file's schema version; a file without one is schema 0.
func schemaOf(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keySchema)
	if v == nil {
		return 0, nil
	}
	n, w := binary.Uvarint(v)
	if w <= 0 || w != len(v) {
		return 0, fmt.Errorf("%w: unreadable schema version %x", errRecord, v)
	}
	return n, nil
}

func setSchema(tx *bolt.Tx, version uint64) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(keySchema, binary.AppendUvarint(nil, version))
}

// migrate brings the file up to the current schema, or refuses a file
// written by a newer Switchboard.
func migrate(db *bolt.DB, layout fileLayout) error {
	target := uint64(len(layout.migrations))
	var current uint64
	if err := db.View(func(tx *bolt.Tx) (err error) {
		current, err = schemaOf(tx)
		return err
	}); err != nil {
		return err
	}
	if current > target {
		return newerSchemaError(db.Path(), current, target)
	}
	if current == target {
		return nil
	}
	return db.Update(func(tx *bolt.Tx) error {
		for v := current; v < target; v++ {
			if err := layout.migrations[v](tx); err != nil {
				return fmt.Errorf("%s: migrating schema %d to %d: %w", layout.name, v, v+1, err)
			}
		}
		return setSchema(tx, target)
	})
}

func newerSchemaError(path string, found, known uint64) error {
	return fmt.Errorf("cache: %s has schema %d: %w (this build knows up to schema %d); "+
		"upgrade Switchboard to open it (the file is left untouched)", path, found, ErrNewerSchema, known)
}
