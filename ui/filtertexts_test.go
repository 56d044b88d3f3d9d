package ui_test

import (
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/ui"
)

// TestFilterTextsWaitForTheFirstFilter: a running dashboard (every item
// placed) holds no filter text until the operator filters: the texts are
// ≈ 70 bytes a line (7 MB at 100,000 lines, on every screen), read once by
// the first keystroke. Reading them as soon as the dashboard was up made
// that keystroke cheap and every screen that never filters pay.
func TestFilterTextsWaitForTheFirstFilter(t *testing.T) {
	m := runningModel()
	m.Update(keyPress('/'))
	if n := mallocs(func() { m.Update(keyPress('7')) }); n < uint64(lines10k) {
		t.Fatalf("the first filter keystroke allocated %d times among %d lines: their texts were read before anyone filtered", n, int(lines10k))
	}
	if n := mallocs(func() { m.Update(keyPress('9')) }); n > 100 {
		t.Fatalf("the second filter keystroke allocated %d times: the texts are read again", n)
	}
}

// runningModel is a dashboard of 10,000 lines that has drawn its first
// frame and placed every item.
func runningModel() *ui.Model {
	m := firstFrameModel(lines10k, false)
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	_ = m.View()
	m.Update(ui.Indexed())
	_ = m.View()
	return m
}

// TestFilterPromptReadsTextsBetweenKeys: opening the prompt reads the
// filter texts a slice at a time, each slice a message of its own that
// keys can come between, so the first letter typed finds them read
// instead of reading all 100,000 (60–95 ms) itself.
func TestFilterPromptReadsTextsBetweenKeys(t *testing.T) {
	m := runningModel()
	_, cmd := m.Update(keyPress('/'))
	msg := awaitFilterTexts(t, cmd)
	slices := 0
	for msg != nil {
		slices++
		_, cmd = m.Update(msg)
		msg = nil
		if cmd != nil {
			msg = cmd()
		}
	}
	if slices < 2 {
		t.Fatalf("the texts of %d lines were read in %d slice(s): one message read them all", int(lines10k), slices)
	}
	if n := mallocs(func() { m.Update(keyPress('7')) }); n > 200 {
		t.Fatalf("the first filter keystroke allocated %d times: the texts were not read while the prompt was open", n)
	}
}

// awaitFilterTexts runs the commands the prompt's key returned (the
// cursor's blink among them) and returns the first slice's message.
func awaitFilterTexts(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	found := make(chan tea.Msg, 8)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			default:
				if ui.IsFilterTexts(msg) {
					found <- msg
				}
			}
		}()
	}
	run(cmd)
	select {
	case msg := <-found:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("opening the filter prompt read no filter text")
		return nil
	}
}

// BenchmarkFirstFilterKeystroke is the first keystroke of a filter on a
// running dashboard, which reads every item's filter text once, and its
// frame (the next keystrokes: BenchmarkFilterKeystroke). Run with
// -benchtime 5x: each operation is set up on a fresh model.
func BenchmarkFirstFilterKeystroke(b *testing.B) {
	for _, n := range scales {
		b.Run(n.String(), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				m, _, _ := perfModel(b, n)
				m.Update(keyPress('/'))
				_ = m.View()
				runtime.GC() // not the garbage of setting up
				b.StartTimer()
				m.Update(keyPress('7'))
				_ = m.View()
			}
		})
	}
}
