package cache

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

// ReadSnapshot reads what the last run left without writing a byte, and
// says so when a Switchboard holds the directory.
func TestReadSnapshotReadsWithoutChangingAnything(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := backend.Line{Key: "fivesim/a/line/1", Account: "a", Provider: backend.FiveSim, ID: "1", Code: "4321"}
	s.Save(backend.StateChange{Lines: []backend.Line{l}, Accounts: []backend.Account{{Name: "a", Provider: backend.FiveSim}}})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSnapshot(dir); !errors.Is(err, ErrInUse) {
		t.Fatalf("while the store is open: %v, want ErrInUse", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, stateFile)
	before, _ := os.Stat(path)
	snap, err := ReadSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Lines) != 1 || snap.Lines[0].Code != "4321" || len(snap.Accounts) != 1 {
		t.Fatalf("snapshot: %+v", snap)
	}
	after, _ := os.Stat(path)
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Fatal("reading the snapshot changed state.db")
	}
	if _, err := ReadSnapshot(t.TempDir()); err == nil {
		t.Fatal("an empty directory gave a snapshot")
	}
}

// OpenReadOnly reads the store in place and writes nothing: no pid file,
// Save dropped, the files as they were. While a Switchboard holds the
// directory it says so at once instead of waiting for the lock, and a
// file of another schema is refused (the caller reads a migrated copy).
func TestOpenReadOnlyReadsInPlaceWithoutWaitingOrWriting(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}, Accounts: []backend.Account{sampleAccount(1)}})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := OpenReadOnly(dir, Options{LockTimeout: time.Minute}); !errors.Is(err, ErrInUse) {
		t.Fatalf("while the store is open: %v, want ErrInUse", err)
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Fatalf("waited %v for the lock", waited)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files := func() map[string]string {
		out := map[string]string{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			out[e.Name()] = string(b)
		}
		return out
	}
	before := files()
	ro, err := OpenReadOnly(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ro.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Lines) != 1 || snap.Lines[0].Key != sampleLine(1).Key {
		t.Fatalf("lines: %+v", snap.Lines)
	}
	ro.Save(backend.StateChange{Lines: []backend.Line{sampleLine(2)}, Watch: []backend.Key{lineKey(3)}})
	if _, err := ro.Messages(lineKey(1), 10); err != nil {
		t.Fatal(err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if after := files(); !reflect.DeepEqual(before, after) {
		t.Fatal("OpenReadOnly changed the state directory")
	}

	// A ledger of the schema before the watched orders is migrated by a
	// writer only.
	db, err := bolt.Open(filepath.Join(dir, ledgerFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return setSchema(tx, 1) }); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if _, err := OpenReadOnly(dir, Options{}); err == nil || !strings.Contains(err.Error(), "schema 1") {
		t.Fatalf("an older ledger: %v", err)
	}
}
