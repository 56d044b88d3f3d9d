package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

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
