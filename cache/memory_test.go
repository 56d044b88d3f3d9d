package cache

import (
	"fmt"
	"runtime"
	"testing"

	"switchboard/backend"
)

// TestDecodedLineBytes: a loaded line is held for the whole run (100,000
// at the dashboard's scale), so what one costs once decoded is the
// program's size: the Line (336 bytes in its slice), its own strings
// (key, id, number, code) and its amount. It must not keep its record:
// 560 bytes a line here when every string was a slice of it.
func TestDecodedLineBytes(t *testing.T) {
	const n = 10_000
	records := make([][]byte, n)
	for i := range records {
		l := sampleLine(i)
		l.Code = fmt.Sprintf("%06d", i)
		records[i] = encodeLine(l)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	lines := make([]backend.Line, n)
	for i, v := range records {
		l, err := decodeLine(v)
		if err != nil {
			t.Fatal(err)
		}
		lines[i] = l
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perLine := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	t.Logf("a decoded line holds %.0f bytes", perLine)
	if perLine > 480 {
		t.Fatalf("a decoded line holds %.0f bytes, want at most 480", perLine)
	}
	runtime.KeepAlive(lines)
}

// TestDecodedItemsKeepNothingOfTheirRecords: lines, leases and jobs are
// decoded from their records in place (a database page, valid only in its
// transaction), so every one of their strings must be copied out: a field
// read and not copied would change here when the record's bytes do, as a
// page does once the transaction ends.
func TestDecodedItemsKeepNothingOfTheirRecords(t *testing.T) {
	line := filled[backend.Line]()
	line.NewWindow = false // never stored
	line.Candidates = []string{"1234", "5678"}
	line.Extra = map[string]string{"type": "short_term", "product": "p-1"}
	keepsNothing(t, "Line", line, encodeLine, decodeLine)
	keepsNothing(t, "Lease", filled[backend.Lease](), encodeLease, decodeLease)
	keepsNothing(t, "Job", filled[backend.Job](), encodeJob, decodeJob)
}

func keepsNothing[T any](t *testing.T, what string, it T, encode func(T) []byte, decode func([]byte) (T, error)) {
	t.Helper()
	rec := encode(it)
	got, err := decode(rec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rec {
		rec[i] = '#'
	}
	assertSame(t, what, it, got)
}
