package serve_test

import (
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// schedEvents counts goroutines scheduled to run so far (the runtime
// samples them, one in eight: the count is proportional).
func schedEvents() uint64 {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}

// Dashboards whose screens do not change send nothing and do not wake:
// neither their screens nor, 60 times a second each, a frame ticker
// (Bubble Tea's renderer flushed on one in every program).
func TestIdleDashboardsSleep(t *testing.T) {
	r := newRigAt(t, 60, nil)
	const idle = 2 * time.Second
	quiet := func() uint64 {
		time.Sleep(200 * time.Millisecond) // let what is under way finish
		before := schedEvents()
		time.Sleep(idle)
		return schedEvents() - before
	}
	alone := quiet()
	var screens []*screen
	for range 20 {
		s := r.dashboard("vic")
		s.keys("/no such line\r") // lines the engine's reads reorder would change the screen
		screens = append(screens, s)
	}
	eventually(t, "the screens settling", func() bool { // first frames, history loads, the engine's first reads
		for _, s := range screens {
			s.mark()
		}
		time.Sleep(500 * time.Millisecond)
		for _, s := range screens {
			if len(s.out.String()) > 0 {
				return false
			}
		}
		return true
	})
	wakes := r.srv.ScreenWakes()
	with := quiet()
	for i, s := range screens {
		if n := len(s.out.String()); n > 0 {
			t.Errorf("idle screen %d was sent %d bytes: %q", i, n, tail(s.out.String(), 200))
		}
	}
	if n := r.srv.ScreenWakes() - wakes; n != 0 {
		t.Errorf("idle screens woke %d times", n)
	}
	t.Logf("goroutines scheduled (sampled) in %v: %d without sessions, %d with 20", idle, alone, with)
	// A 60 Hz frame ticker is 7.5 sampled a session a second; what is left
	// (Bubble Tea's ticker at 1 Hz, the engine's reads reaching each
	// model, and each model's tick once a second: under the simulator's
	// frozen clock the change it waits for never comes) is 1–1.5.
	if perSession := float64(with-min(with, alone)) / 20 / idle.Seconds(); perSession > 4 {
		t.Errorf("idle sessions woke about %.0f goroutines a second each", perSession*8)
	}
}

// A session draws, redraws what changes, redraws whole when its window
// changes, and leaves the terminal as it found it when it ends.
func TestSessionDrawsResizesAndRestores(t *testing.T) {
	r := newRig(t, nil)
	waiting := r.line(waiting5sim)
	vic := r.dashboard("vic")
	first := vic.out.String()
	for _, want := range []string{ansi.SetModeAltScreenSaveCursor, ansi.ResetModeTextCursorEnable, ansi.SetModeBracketedPaste,
		ansi.SetWindowTitle("Switchboard")} {
		if !strings.Contains(first, want) {
			t.Errorf("the first frame does not set %q", want)
		}
	}
	vic.mark()
	if err := r.sim.FiveSim.Deliver(waiting.ID, "Your Telegram code is 482913"); err != nil {
		t.Fatal(err)
	}
	vic.waitFor("the code", "482913")
	if strings.Contains(vic.out.String(), ansi.EraseEntireScreen) {
		t.Errorf("a new code redrew the whole screen: %d bytes", len(vic.out.String()))
	}
	vic.mark()
	if err := vic.sess.WindowChange(40, 150); err != nil {
		t.Fatal(err)
	}
	// Redrawn whole: the screen erased, then every box again.
	eventually(t, "a whole redraw", func() bool {
		out := vic.out.String()
		return strings.Contains(out, ansi.EraseEntireScreen) && strings.Contains(ansi.Strip(out[strings.LastIndex(out, ansi.EraseEntireScreen):]), "5sim-main")
	})
	vic.mark()
	ended := make(chan error, 1)
	go func() { ended <- vic.sess.Wait() }()
	vic.keys("q")
	select {
	case <-ended:
	case <-time.After(15 * time.Second):
		t.Fatal("q did not end the session")
	}
	last := vic.out.String()
	for _, want := range []string{ansi.ResetModeAltScreenSaveCursor, ansi.SetModeTextCursorEnable, ansi.ResetModeBracketedPaste,
		ansi.ResetModifyOtherKeys, ansi.SetWindowTitle("")} {
		if !strings.Contains(last, want) {
			t.Errorf("the session's end does not restore %q: %q", want, tail(last, 300))
		}
	}
}

// A code copied over SSH reaches the client's terminal as an OSC 52
// clipboard write, once.
func TestCopyReachesTheClient(t *testing.T) {
	r := newRig(t, nil)
	waiting := r.line(waiting5sim)
	olga := r.dashboard("olga")
	if err := r.sim.FiveSim.Deliver(waiting.ID, "Your Telegram code is 573019"); err != nil {
		t.Fatal(err)
	}
	olga.waitFor("the code", "573019")
	olga.mark()
	olga.keys("/" + waiting.Number + "\rc")
	if olga.waitFor("the copy's guard", "press c again"); !strings.Contains(olga.text(), "copied code") {
		olga.keys("c") // a code that just changed is copied on the second press
	}
	olga.waitFor("the copy's toast", "copied code 573019")
	osc := ansi.SetSystemClipboard("573019")
	eventually(t, "the clipboard write", func() bool { return strings.Contains(olga.out.String(), osc) })
	if n := strings.Count(olga.out.String(), osc); n != 1 {
		t.Fatalf("the clipboard was written %d times", n)
	}
}

// A terminal that answers the first frame's question with "synchronized
// output supported" gets every later frame whole.
func TestSessionSynchronizesWhenTheTerminalCan(t *testing.T) {
	r := newRig(t, nil)
	vic := r.dashboard("vic")
	if !strings.Contains(vic.out.String(), ansi.RequestModeSynchronizedOutput) {
		t.Fatal("the first frame does not ask")
	}
	vic.mark()
	vic.keys("\x1b[?2026;2$y" + "/") // DECRPM: supported, off; then a key that opens the filter
	vic.waitFor("the filter", "esc clear")
	out := vic.out.String()
	if i := strings.Index(out, ansi.SetModeSynchronizedOutput); i < 0 || !strings.Contains(ansi.Strip(out[i:]), "esc clear") {
		t.Fatalf("the frame after the answer is not synchronized: %q", tail(out, 300))
	}
}
