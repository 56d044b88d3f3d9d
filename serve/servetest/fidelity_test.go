package servetest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"switchboard/serve/screen"
)

// The viewer's screen is the frame serve's renderer drew: 1,000 frames of
// a list whose new rows land among the top ones, as old polled codes do,
// some views replaced before they are drawn, each compared row by row
// with the view's text.
func TestViewerScreenIsTheServersFrame(t *testing.T) {
	const w, h = 120, 40
	pr, pw := io.Pipe()
	v := &Viewer{want: map[string]chan time.Time{}, term: newTerm(w, h)}
	go v.follow(pr)
	s := screen.New(pw, screen.Options{Env: []string{"TERM=xterm-256color"}, Profile: colorprofile.ANSI256, Width: w, Height: h, Frame: time.Millisecond, Local: true})
	rng := rand.New(rand.NewPCG(1, 2))
	var list []string
	for i := range 60 {
		list = append(list, fmt.Sprintf("%08d +1%010d rental", rng.IntN(1e8), i))
	}
	for frame := range 1000 {
		at := rng.IntN(25)
		row := fmt.Sprintf("%08d +1%010d rental", rng.IntN(1e8), rng.IntN(1e10))
		list = append(list[:at], append([]string{row}, list[at:len(list)-1]...)...)
		var b strings.Builder
		b.WriteString("\x1b[1m┏━ Lines " + fmt.Sprint(frame) + "\x1b[0m")
		for y := 1; y < h-1; y++ {
			b.WriteString("\n┃✓ ")
			if y-1 < len(list) {
				b.WriteString(list[y-1])
			}
			b.WriteString(fmt.Sprintf("  \x1b[2m%ds left\x1b[0m", (frame/20+y)%60))
		}
		b.WriteString("\n\x1b[7m status · filter\x1b[0m")
		want := b.String()
		s.Show(tea.View{Content: want, AltScreen: true})
		if rng.IntN(3) == 0 {
			continue // the next view replaces this one, maybe before it is drawn
		}
		wantRows := strings.Split(ansi.Strip(want), "\n")
		deadline := time.Now().Add(10 * time.Second)
		for {
			v.mu.Lock()
			var bad []string
			for y := range h {
				got := strings.TrimRight(string(v.cells(y, 0, w)), " ")
				if exp := strings.TrimRight(wantRows[y], " "); got != exp {
					bad = append(bad, fmt.Sprintf("row %d:\n got %q\nwant %q", y, got, exp))
				}
			}
			v.mu.Unlock()
			if len(bad) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("frame %d differs on %d rows; first: %s", frame, len(bad), bad[0])
			}
			time.Sleep(time.Millisecond)
		}
	}
}
