package cache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

// handMade writes a bbolt file directly, as an older Switchboard would have.
func handMade(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func readSchema(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v uint64
	if err := db.View(func(tx *bolt.Tx) (err error) { v, err = schemaOf(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

// A file from before schema versions (no meta bucket) is brought up to
// date, keeping what it held.
func TestMigrateFromSchema0File(t *testing.T) {
	dir := t.TempDir()
	handMade(t, filepath.Join(dir, stateFile), func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("notes"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("kept"))
	})
	handMade(t, filepath.Join(dir, ledgerFile), func(*bolt.Tx) error { return nil })

	s := openStore(t, dir, Options{})
	if _, err := s.AddMessages([]backend.Message{sampleMessage(lineKey(1), "m", t0)}); err != nil {
		t.Fatalf("ledger not migrated: %v", err)
	}
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}})
	snap, err := s.Load()
	if err != nil || len(snap.Lines) != 1 || len(snap.Notes) != 0 {
		t.Fatalf("Load after migration: %+v, %v", snap, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, l := range []fileLayout{stateLayout, ledgerLayout} {
		if v, want := readSchema(t, filepath.Join(dir, l.name)), uint64(len(l.migrations)); v != want {
			t.Errorf("%s schema = %d after migration, want %d", l.name, v, want)
		}
	}
	db, _ := bolt.Open(filepath.Join(dir, stateFile), 0o600, &bolt.Options{ReadOnly: true})
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte("notes")); b == nil || string(b.Get([]byte("k"))) != "kept" {
			t.Error("migration lost data it did not own")
		}
		return nil
	})
}

// withStateMigrations runs the test with extra state.db migrations.
func withStateMigrations(t *testing.T, extra ...migration) {
	saved := stateLayout.migrations
	stateLayout.migrations = append(append([]migration(nil), saved...), extra...)
	t.Cleanup(func() { stateLayout.migrations = saved })
}

// A data migration (schema 1 → 2) rewrites records once, in one
// transaction with the version bump.
func TestMigrationRewritesRecordsOnce(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1), sampleLine(2)}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v := readSchema(t, filepath.Join(dir, stateFile)); v != 1 {
		t.Fatalf("fixture schema %d", v)
	}

	runs := 0
	withStateMigrations(t, func(tx *bolt.Tx) error {
		runs++
		b := tx.Bucket(bucketLines)
		var recs [][2][]byte
		if err := b.ForEach(func(k, v []byte) error {
			l, err := decodeLine(v)
			if err != nil {
				return err
			}
			l.Name = "migrated " + l.ID
			recs = append(recs, [2][]byte{append([]byte(nil), k...), encodeLine(l)})
			return nil
		}); err != nil {
			return err
		}
		for _, r := range recs {
			if err := b.Put(r[0], r[1]); err != nil {
				return err
			}
		}
		return nil
	})

	for range 2 {
		s = openStore(t, dir, Options{})
		snap, err := s.Load()
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Lines) != 2 || snap.Lines[0].Name != "migrated 1" || snap.Lines[1].Name != "migrated 2" {
			t.Fatalf("lines after migration: %+v", snap.Lines)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Errorf("migration ran %d times, want once", runs)
	}
	if v := readSchema(t, filepath.Join(dir, stateFile)); v != 2 {
		t.Errorf("schema = %d, want 2", v)
	}
}

// A failing migration leaves the file exactly as it was, and is not
// mistaken for damage.
func TestFailedMigrationRollsBackAndKeepsFile(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withStateMigrations(t,
		func(tx *bolt.Tx) error { return tx.Bucket(bucketLines).Delete([]byte(lineKey(1))) },
		func(*bolt.Tx) error { return errors.New("disk says no") },
	)
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "disk says no") {
		t.Fatalf("Open with a failing migration: %v", err)
	}
	assertNoDamagedFiles(t, dir)
	stateLayout.migrations = stateLayout.migrations[:1]
	s = openStore(t, dir, Options{})
	snap, err := s.Load()
	if err != nil || len(snap.Lines) != 1 {
		t.Fatalf("after rolled-back migration: %+v, %v", snap.Lines, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v := readSchema(t, filepath.Join(dir, stateFile)); v != 1 {
		t.Errorf("schema = %d, want 1", v)
	}
}

func assertNoDamagedFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "damaged") {
			t.Errorf("unexpected %s", e.Name())
		}
	}
}

// A file from a newer Switchboard is refused, untouched, with advice.
func TestNewerSchemaIsRefusedUntouched(t *testing.T) {
	for _, file := range []string{stateFile, ledgerFile} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir, Options{})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, file)
			handMade(t, path, func(tx *bolt.Tx) error { return setSchema(tx, 7) })
			before, _ := os.ReadFile(path)

			_, err := Open(dir, Options{})
			if !errors.Is(err, ErrNewerSchema) {
				t.Fatalf("Open: %v, want ErrNewerSchema", err)
			}
			for _, want := range []string{file, "schema 7", "upgrade Switchboard"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the newer file was modified")
			}
			assertNoDamagedFiles(t, dir)
		})
	}
}
