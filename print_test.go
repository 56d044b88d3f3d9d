package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/cache"
	"switchboard/hub"
)

// holdEnv makes this test binary a dashboard holding a cache: it opens
// the state directory it names, says READY, and keeps it until its
// standard input closes.
const holdEnv = "SB_TEST_HOLD_CACHE"

func TestHelperHoldsTheCache(t *testing.T) {
	dir := os.Getenv(holdEnv)
	if dir == "" {
		t.Skip("helper for the --print tests")
	}
	s, err := cache.Open(dir, cache.Options{})
	if err != nil {
		os.Stdout.WriteString("ERROR " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("READY\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Close()
	os.Exit(0)
}

// holdCache starts another process holding the cache in dir, as a
// running dashboard does, until the test ends.
func holdCache(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsTheCache$")
	cmd.Env = append(os.Environ(), holdEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "READY\n" {
		t.Fatalf("the holding process: %q", line)
	}
}

// dirFiles is every file of dir with its contents.
func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// TestPrintLeavesTheCacheAsItWas: --print shows the cached lines and
// leaves the state directory byte for byte as it was — no file changed,
// none added (no pid file, no log) — whether it reads the cache in place
// or, while another process holds it, a copy. What the engine saves as
// it adopts the cache (the NonVoip lines the ledger does not list as
// watched) is dropped.
func TestPrintLeavesTheCacheAsItWas(t *testing.T) {
	for _, held := range []bool{false, true} {
		name := map[bool]string{false: "nothing runs", true: "a dashboard runs"}[held]
		t.Run(name, func(t *testing.T) {
			cfg, state := warm(t, t.TempDir(), warmSize{lines: 2000}) // four accounts, one of them NonVoip
			if held {
				holdCache(t, state)
			}
			before := dirFiles(t, state)
			var out, errb bytes.Buffer
			if code := run([]string{"--config", cfg, "--state-dir", state, "--print", "120x40", "--theme", "plain"}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if s := ansi.Strip(out.String()); !strings.Contains(s, "1/2000") {
				t.Fatalf("the frame lacks the cached lines:\n%s", s)
			}
			after := dirFiles(t, state)
			if !slices.Equal(slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after))) {
				t.Fatalf("files before %v, after %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
			for name, b := range before {
				if !bytes.Equal(b, after[name]) {
					t.Errorf("--print changed %s", name)
				}
			}
		})
	}
}

// TestPrintReadsTheCacheInPlace: with nothing running, --print reads the
// cache where it is — it makes no copy (here it could not: there is no
// temporary directory) — and holds nothing open once it has printed.
func TestPrintReadsTheCacheInPlace(t *testing.T) {
	cfg, state := warm(t, t.TempDir(), warmSize{lines: 50})
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	var out, errb bytes.Buffer
	if code := run([]string{"--config", cfg, "--state-dir", state, "--print", "120x40", "--theme", "plain"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := ansi.Strip(out.String()); !strings.Contains(s, "1/50") {
		t.Fatalf("the frame lacks the cached lines:\n%s", s)
	}
	s, err := cache.Open(state, cache.Options{LockTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("after --print: %v", err)
	}
	_ = s.Close()
}

// TestPrintStoreFallsBackToACopy: the print store reads in place when it
// can, and from a copy (removed afterwards) while the cache is held.
func TestPrintStoreFallsBackToACopy(t *testing.T) {
	cfg, state := warm(t, t.TempDir(), warmSize{lines: 50})
	for _, held := range []bool{false, true} {
		if held {
			holdCache(t, state)
		}
		a, err := setup(context.Background(), cfg, state, false, true, io.Discard, nil, nil)
		if err != nil {
			t.Fatalf("held %v: %v", held, err)
		}
		dir := a.stack.Store.(*printStore).Dir()
		if inPlace := dir == state; inPlace == held {
			t.Errorf("held %v: read %s", held, dir)
		}
		if n := len(a.engine.Initial().Lines); n != 50 {
			t.Errorf("held %v: %d lines", held, n)
		}
		a.close()
		if _, err := os.Stat(dir); held && err == nil {
			t.Errorf("the copy %s is still there", dir)
		}
	}
}

// initialSource hands a hub one initial event.
type initialSource struct{ ev backend.Event }

func (s initialSource) Initial() backend.Event     { return s.ev }
func (initialSource) Events() <-chan backend.Event { return nil }

// byKey is ev with its items in one order, for comparing events whose
// items came in different orders.
func byKey(ev backend.Event) backend.Event {
	slices.SortFunc(ev.Lines, func(a, b *backend.Line) int { return strings.Compare(string(a.Key), string(b.Key)) })
	slices.SortFunc(ev.Leases, func(a, b backend.Lease) int { return strings.Compare(string(a.Key), string(b.Key)) })
	slices.SortFunc(ev.Jobs, func(a, b backend.Job) int { return strings.Compare(string(a.Key), string(b.Key)) })
	slices.SortFunc(ev.Actions, func(a, b backend.JournalEntry) int { return strings.Compare(a.Action.ID, b.Action.ID) })
	if len(ev.Actions) == 0 {
		ev.Actions = nil
	}
	return ev
}

// TestPrintStartsFromWhatTheHubGives: the printed frame starts from the
// engine's initial event as a hub's subscriber would be handed it — the
// same accounts, items and standing notices, in another order, and no
// settled action — without building the hub.
func TestPrintStartsFromWhatTheHubGives(t *testing.T) {
	cfg, state := warm(t, t.TempDir(), warmSize{lines: 2000})
	a, err := setup(context.Background(), cfg, state, false, true, io.Discard, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ev := a.engine.Initial()
	if len(ev.Lines) != 2000 || len(ev.Leases) == 0 || len(ev.Jobs) == 0 {
		t.Fatalf("the warm state: %d lines, %d leases, %d jobs", len(ev.Lines), len(ev.Leases), len(ev.Jobs))
	}
	ev.Notices = append(ev.Notices, backend.Notice{Level: backend.Warning, Text: "from the store"})
	ev.Actions = []backend.JournalEntry{
		{Action: backend.Action{ID: "settled", Kind: backend.ActCancel}, State: backend.JournalDone},
		{Action: backend.Action{ID: "sent", Kind: backend.ActCancel}, State: backend.JournalPending},
	}
	standing := []backend.Notice{{Level: backend.Warning, Text: "an exposed webhook receiver"}}
	_, viaHub := hub.New(initialSource{ev}, hub.Options{Notices: standing}).Subscribe(engine.LocalOperator)
	direct := printedInitial(ev, standing)
	if got, want := byKey(direct), byKey(viaHub); !reflect.DeepEqual(got, want) {
		t.Fatalf("printed initial:\n%+v\nthe hub's:\n%+v", got.Actions, want.Actions)
	}
	if len(direct.Actions) != 1 || len(direct.Notices) != 2 {
		t.Fatalf("actions %+v, notices %+v", direct.Actions, direct.Notices)
	}
}
