package cache

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

func nonvoipKey(id string) backend.Key {
	return backend.MakeKey(backend.NonVoip, "nv", backend.ItemLine, id)
}

// The orders only Switchboard knows of are listed in the ledger too, so a
// damaged state.db, moved aside and rebuilt empty, does not lose them.
func TestWatchedOrdersSurviveDamagedState(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, slowFlush)
	line := sampleLine(1)
	line.Key, line.Provider, line.Account, line.ID = nonvoipKey("146185"), backend.NonVoip, "nv", "146185"
	s.Save(backend.StateChange{Lines: []backend.Line{line},
		Watch: []backend.Key{nonvoipKey("146185"), nonvoipKey("146186"), nonvoipKey("146187")}})
	s.Save(backend.StateChange{Unwatch: []backend.Key{nonvoipKey("146186")}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	statePath := filepath.Join(dir, stateFile)
	if err := os.WriteFile(statePath, []byte(strings.Repeat("junk", 5000)), 0o600); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dir, Options{})
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Lines) != 0 || len(snap.Notes) != 1 || !strings.Contains(snap.Notes[0], "looked up again") {
		t.Fatalf("state.db not rebuilt: %d lines, notes %q", len(snap.Lines), snap.Notes)
	}
	if want := []backend.Key{nonvoipKey("146185"), nonvoipKey("146187")}; !slices.Equal(snap.Watched, want) {
		t.Fatalf("watched after state.db was rebuilt = %v, want %v", snap.Watched, want)
	}
}

// A ledger of schema 1 (before the watched orders) gains the bucket and
// keeps everything it held.
func TestLedgerSchema1GainsWatchedOrders(t *testing.T) {
	dir := t.TempDir()
	populate(t, dir)
	handMade(t, filepath.Join(dir, ledgerFile), func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketWatched); err != nil {
			return err
		}
		return setSchema(tx, 1)
	})

	s := openStore(t, dir, Options{})
	s.Save(backend.StateChange{Watch: []backend.Key{nonvoipKey("1")}})
	snap, err := s.Load()
	if err != nil || !slices.Equal(snap.Watched, []backend.Key{nonvoipKey("1")}) {
		t.Fatalf("watched on a migrated ledger: %v, %v", snap.Watched, err)
	}
	if len(snap.Lines) != damageLines || len(snap.Pending) != 2 {
		t.Fatalf("after the migration: %d lines, %d pending", len(snap.Lines), len(snap.Pending))
	}
	if msgs, err := s.Messages(lineKey(0), 0); err != nil || len(msgs) != 10 {
		t.Fatalf("messages after the migration: %d, %v", len(msgs), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v := readSchema(t, filepath.Join(dir, ledgerFile)); v != 2 {
		t.Errorf("ledger schema %d, want 2", v)
	}
}

// A file that cannot take its writes keeps them queued without holding
// back the other file's.
func TestFailedLedgerFlushKeepsWatchedAndWritesState(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{FlushInterval: time.Hour})
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}, Watch: []backend.Key{nonvoipKey("7")}})
	ledger := s.ledger
	if err := ledger.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err == nil || !strings.Contains(err.Error(), ledgerFile) {
		t.Fatalf("Flush with a closed ledger: %v", err)
	}
	if n := countRecords(t, s, bucketLines); n != 1 {
		t.Fatalf("state.db did not get its line: %d", n)
	}
	db, err := bolt.Open(filepath.Join(dir, ledgerFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.ledger = db
	snap, err := s.Load()
	if err != nil || !slices.Equal(snap.Watched, []backend.Key{nonvoipKey("7")}) {
		t.Fatalf("after the retry: watched %v, %v", snap.Watched, err)
	}
}
