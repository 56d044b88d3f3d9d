package servetest

import (
	"strings"
	"testing"
	"time"
)

// A viewer awaits several texts at once, each seen once, also when the
// server's writes split it.
func TestViewerAwaitsSeveralTexts(t *testing.T) {
	v := &Viewer{want: map[string]chan time.Time{}}
	a, b := v.Expect("12345678"), v.Expect("87654321")
	v.read([]byte("\x1b[2;3H1234"))
	v.read([]byte("5678 and 8765"))
	select {
	case <-a:
	default:
		t.Fatal("a text split across two writes was not seen")
	}
	select {
	case <-b:
		t.Fatal("half a text was taken for the text")
	default:
	}
	v.read([]byte(strings.Repeat("x", 100)))
	v.read([]byte("4321"))
	select {
	case <-b:
		t.Fatal("a text broken by other writes was taken for the text")
	default:
	}
	v.read([]byte("87654321"))
	select {
	case <-b:
	default:
		t.Fatal("the second text was not seen")
	}
	if v.Writes() != 5 {
		t.Errorf("%d writes counted, want 5", v.Writes())
	}
}

// Every two codes of a run of ten differ at every place, and no code
// repeats a digit next to itself.
func TestRotatingCodes(t *testing.T) {
	for i := range 10 {
		c := RotatingCode(i)
		for j := 1; j < len(c); j++ {
			if c[j] == c[j-1] {
				t.Errorf("%s repeats a digit", c)
			}
		}
		for k := i + 1; k < i+10; k++ {
			d := RotatingCode(k)
			for p := range c {
				if c[p] == d[p] {
					t.Errorf("%s and %s share a digit at %d", c, d, p)
				}
			}
		}
	}
}
