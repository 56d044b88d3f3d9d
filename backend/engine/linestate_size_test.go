package engine

import (
	"testing"
	"unsafe"
)

// TestLineStateSize: the engine holds one lineState per line, each its
// own allocation, so its size class is what a line costs: 96 bytes, not
// the 128-byte class a 120-byte layout took (3.2 MB at 100,000 lines).
func TestLineStateSize(t *testing.T) {
	if got := unsafe.Sizeof(lineState{}); got > 96 {
		t.Fatalf("lineState is %d bytes, want at most 96", got)
	}
}
