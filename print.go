package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"switchboard/backend"
	"switchboard/cache"
	"switchboard/ui"
)

// The sizes --print draws: below the smallest the dashboard reads as a
// message; above the largest, a typo (1600x4800).
const (
	printMinW, printMinH = 40, 10
	printMaxW, printMaxH = 1000, 1000
)

// printSize reads --print's WxH and refuses what no terminal is.
func printSize(size string) (w, h int, err error) {
	var rest string
	if n, _ := fmt.Sscanf(size+" ", "%dx%d%s", &w, &h, &rest); n < 2 || rest != "" {
		return 0, 0, fmt.Errorf("--print wants a size like 160x48, not %q", size)
	}
	if w < printMinW || h < printMinH || w > printMaxW || h > printMaxH {
		return 0, 0, fmt.Errorf("--print size %dx%d is outside %dx%d to %dx%d", w, h, printMinW, printMinH, printMaxW, printMaxH)
	}
	return w, h, nil
}

// printFrame renders the dashboard once, from the cache alone, and exits
// (a snapshot for scripts; also how the first-frame time is measured).
func printFrame(m *ui.Model, w, h int, stdout io.Writer) int {
	fmt.Fprintln(stdout, m.Print(w, h))
	return 0
}

// printedInitial is the state a printed frame starts from: what a
// subscriber of a hub over the engine starts from (hub.Subscribe), with
// no hub — it would build a map of every line only to hand over this
// one event. The engine's initial event holds every item once, so the
// hub's snapshot differs from it only in order (the panes sort); the
// hub keeps no settled action (one would be toasted) and adds its
// standing notices after the engine's.
func printedInitial(ev backend.Event, notices []backend.Notice) backend.Event {
	ev.Actions = slices.DeleteFunc(ev.Actions, func(a backend.JournalEntry) bool { return a.State.Settled() })
	ev.Notices = append(ev.Notices, notices...)
	return ev
}

// demoDirPattern names the demo's state directory in the temporary
// directory: --print finds a running demo's state by it.
const demoDirPattern = "switchboard-demo-*"

// runningDemo is the state directory of the newest demo still running
// (its pid file is there while it runs).
func runningDemo() (string, error) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), demoDirPattern))
	var best string
	var bestAt time.Time
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "switchboard.pid")); err == nil && fi.ModTime().After(bestAt) {
			best, bestAt = d, fi.ModTime()
		}
	}
	if best == "" {
		return "", errors.New("no demo running (start one with switchboard --demo; --print --demo then shows its state)")
	}
	return best, nil
}

// snapshot copies the cache files of dir into a new temporary directory
// for --print to open when it cannot read them in place: a running
// dashboard holds the files' locks (a read-only open takes a shared
// lock, which waits on the writer's), or they need what only a writer
// does (a migration, a repair). --print never waits, and never writes
// the originals.
func snapshot(dir string) (string, error) {
	tmp, err := os.MkdirTemp("", "switchboard-print-")
	if err != nil {
		return "", err
	}
	for _, name := range []string{"state.db", "ledger.db"} {
		if err := copyFile(filepath.Join(dir, name), filepath.Join(tmp, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("reading the cache for --print: %w", err)
		}
	}
	return tmp, nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

// printStore is the cache a printed frame reads, loaded as it opens (so
// that a cache it cannot read in place is read from a copy instead).
// What the engine saves as it starts (the watched set it adopts) is
// dropped: --print writes nothing, not even to a copy.
type printStore struct {
	*cache.Store
	snap backend.Snapshot // handed to the engine once
}

func (*printStore) Save(backend.StateChange) {}

func (p *printStore) Load() (backend.Snapshot, error) {
	snap := p.snap
	p.snap = backend.Snapshot{}
	return snap, nil
}

// openPrintStore opens and loads the cache in dir for --print: in place
// and read-only when it can (no copy, no lock waited for, no pid file),
// else from a copy (snapshot) that remove deletes once the store is
// closed. Another user's cache is refused, as a dashboard refuses it.
func openPrintStore(dir string, o cache.Options) (store *printStore, remove func(), err error) {
	if store, err = loadPrintStore(cache.OpenReadOnly(dir, o)); err == nil || errors.Is(err, cache.ErrNotYours) {
		return store, func() {}, err
	}
	tmp, err := snapshot(dir)
	if err != nil {
		return nil, nil, err
	}
	remove = func() { os.RemoveAll(tmp) }
	if store, err = loadPrintStore(cache.Open(tmp, o)); err != nil {
		remove()
		return nil, nil, err
	}
	return store, remove, nil
}

// loadPrintStore loads the cache just opened, closing it if it cannot.
func loadPrintStore(s *cache.Store, err error) (*printStore, error) {
	if err != nil {
		return nil, err
	}
	snap, err := s.Load()
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return &printStore{s, snap}, nil
}
