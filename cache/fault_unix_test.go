//go:build unix

package cache

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
)

// A read past the end of a memory-mapped file (what a truncated bbolt file
// does) raises SIGBUS; under protect it is an error, not a crash, and the
// goroutine's fault setting is restored.
func TestProtectTurnsAFaultIntoDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	size := 4 * os.Getpagesize()
	if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(data)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}

	var sink byte
	err = protect("test.db", func() error {
		sink = data[size-1]
		return nil
	})
	if !isDamage(err) || !strings.Contains(err.Error(), "test.db is damaged") {
		t.Fatalf("protect = %v (read %d), want a damage error", err, sink)
	}
	if debug.SetPanicOnFault(false) {
		t.Error("protect left SetPanicOnFault on")
	}
}

// A file shorter than its own meta page says is damage, found before any
// page past the end is touched.
func TestCheckSeesATruncatedFile(t *testing.T) {
	dir := t.TempDir()
	populate(t, dir)
	path := filepath.Join(dir, stateFile)
	db, err := openFile(path, stateLayout, DefaultLockTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := os.Truncate(path, int64(3*os.Getpagesize())); err != nil {
		t.Fatal(err)
	}
	err = protect(stateFile, func() error { return check(db, stateLayout) })
	if !isDamage(err) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("check of a truncated file = %v", err)
	}
}
