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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"switchboard/cache"
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
