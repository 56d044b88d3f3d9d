package servetest

import (
	"fmt"
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

// A code drawn over another by rewriting only the cells that differ, as
// a renderer that sends only changes does, shows: the bytes never hold
// it whole, the screen does.
func TestViewerSeesACodeDrawnOverAnother(t *testing.T) {
	v := &Viewer{want: map[string]chan time.Time{}}
	v.read([]byte("\x1b[5;10H12345678"))
	seen := v.Expect("12945673")
	v.read([]byte("\x1b[5;12H9\x1b[5;17H3"))
	select {
	case <-seen:
	default:
		t.Fatalf("12945673 on the screen was not seen; row 5 reads %q", v.cells(4, 0, 80))
	}
}

// A text that a write draws and then overwrites, or breaks over two
// rows, is not on the screen after it, however its bytes run.
func TestViewerTellsAScreenFromItsBytes(t *testing.T) {
	v := &Viewer{want: map[string]chan time.Time{}}
	seen := v.Expect("12345678")
	v.read([]byte("\x1b[1;1H12345678\x1b[1;1Hxxxxxxxx"))
	v.read([]byte("\x1b[1;77H1234\x1b[2;1H5678"))
	select {
	case <-seen:
		t.Fatal("a text no longer or never whole on the screen was taken for the text")
	default:
	}
}

// The terminal keeps one screen and no history, however much the server
// scrolls and clears: a dashboard's hour would otherwise keep 10,000
// copied rows.
func TestViewerKeepsNoScrollback(t *testing.T) {
	v := &Viewer{want: map[string]chan time.Time{}}
	v.read([]byte("\x1b[?1049h\x1b[2;20r"))
	for i := range 200 {
		v.read([]byte("\x1b[2;1H" + strings.Repeat(RotatingCode(i), 10) + "\x1b[S\x1b[2J"))
	}
	if v.term.IsAltScreen() || v.term.ScrollbackLen() != 0 {
		t.Errorf("alternate screen %v, %d lines of scrollback", v.term.IsAltScreen(), v.term.ScrollbackLen())
	}
}

// A heavy frame: 23 rows of a 200×50 screen rewritten, 40 codes
// awaited. The emulator takes most of it (and allocates a string a
// grapheme); the search, a few percent.
func BenchmarkViewerRead(b *testing.B) {
	v := &Viewer{want: map[string]chan time.Time{}, term: newTerm(200, 50)}
	for i := range 40 {
		v.Expect("9" + RotatingCode(i) + "0")
	}
	var frames [][]byte
	for f := range 10 {
		var fr strings.Builder
		for y := range 23 {
			fmt.Fprintf(&fr, "\x1b[%d;1H%s  %s\x1b[%d;150H%02d", y+5, RotatingCode(y+f), strings.Repeat("─", 100), y+5, f)
		}
		frames = append(frames, []byte(fr.String()))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v.read(frames[i%len(frames)])
	}
}

// A forgotten viewer holds no terminal and goes on counting writes.
func TestForgottenViewerKeepsNoScreen(t *testing.T) {
	v := &Viewer{want: map[string]chan time.Time{}}
	v.read([]byte("12345678"))
	v.Forget()
	seen := v.Expect("87654321")
	v.read([]byte("87654321"))
	select {
	case <-seen:
		t.Error("a forgotten viewer saw a text")
	default:
	}
	if v.term != nil || v.Writes() != 2 {
		t.Errorf("terminal kept %v, %d writes counted (want 2)", v.term != nil, v.Writes())
	}
}
