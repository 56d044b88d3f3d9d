//go:build linux

package cache

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"switchboard/backend"
)

// mappedKB is how much of a file's memory maps is resident in this
// process (/proc/self/smaps), in kB.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	defer f.Close()
	kb, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = len(fields) >= 6 && fields[5] == path // a mapping's header line
		case in && len(fields) == 3 && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			kb += n
		}
	}
	return kb
}

// Once the snapshot is loaded, state.db's pages leave the process: the
// check at open and the load read every page of its memory map, and a
// running dashboard would carry them all (63 MB at 100,000 lines).
func TestLoadLeavesStateDBPagesOutOfMemory(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	var ch backend.StateChange
	for i := range 20000 {
		ch.Lines = append(ch.Lines, sampleLine(i))
	}
	s.Save(ch)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, stateFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, Options{})
	if kb := mappedKB(t, path); kb < int(fi.Size()/1024)/2 {
		t.Skipf("the check at open left only %d kB of %d resident: nothing to measure here", kb, fi.Size()/1024)
	}
	snap, err := s.Load()
	if err != nil || len(snap.Lines) != 20000 {
		t.Fatalf("load: %d lines, %v", len(snap.Lines), err)
	}
	if kb, size := mappedKB(t, path), int(fi.Size()/1024); kb > size/8 {
		t.Fatalf("after the load %d kB of state.db's %d kB are still mapped in", kb, size)
	}
	// The store still writes and reads after letting the pages go.
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(20000)}})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if snap, err := s.Load(); err != nil || len(snap.Lines) != 20001 {
		t.Fatalf("after re-opening: %d lines, %v", len(snap.Lines), err)
	}
}
