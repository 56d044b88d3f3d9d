//go:build unix

package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// giveAway makes p another user's: chown as root, else pretend to be
// someone else (which gives away everything of ours at once).
func giveAway(t *testing.T, p string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := os.Chown(p, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		return
	}
	old := currentUID
	currentUID = func() int { return os.Geteuid() + 1 }
	t.Cleanup(func() { currentUID = old })
}

// An existing state directory that group or others can enter is made
// private (it was left as it was).
func TestLooseStateDirectoryIsTightened(t *testing.T) {
	for _, m := range []os.FileMode{0o755, 0o777, 0o710, 0o701} {
		dir := filepath.Join(t.TempDir(), "switchboard")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, m); err != nil {
			t.Fatal(err)
		}
		openStore(t, dir, Options{})
		assertMode(t, dir, 0o700)
	}
}

func TestStateOfAnotherUserIsRefused(t *testing.T) {
	t.Run("directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "switchboard")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		giveAway(t, dir)
		_, err := Open(dir, Options{})
		if !errors.Is(err, ErrNotYours) || !strings.Contains(err.Error(), "state directory "+dir) ||
			!strings.Contains(err.Error(), "--state-dir") {
			t.Fatalf("Open: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("wrote %s in another user's directory", entries[0].Name())
		}
		assertMode(t, dir, 0o755) // not ours to change
	})
	if os.Geteuid() != 0 {
		t.Skip("giving away one file of a directory of ours needs root")
	}
	for _, name := range []string{stateFile, ledgerFile} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "switchboard")
			s := openStore(t, dir, Options{})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			giveAway(t, path)
			_, err := Open(dir, Options{})
			if !errors.Is(err, ErrNotYours) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open: %v", err)
			}
			assertMode(t, path, 0o644)
			// The refusal released the ledger: once the file is ours
			// again, Open works.
			if err := os.Chown(path, 0, 0); err != nil {
				t.Fatal(err)
			}
			openStore(t, dir, Options{})
			assertMode(t, path, 0o600)
		})
	}
}

func TestStateDirectoryThatIsAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "switchboard")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Open: %v", err)
	}
}
