package ui_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/ui"
)

// followBoard is a dashboard with one fresh code (111111 on line a) and
// two waiting lines (b, c), on a clock the test moves.
func followBoard(t *testing.T) (*dash, *clipboard, *atomic.Int64, map[string]backend.Line) {
	t.Helper()
	var clock atomic.Int64
	clock.Store(t0.Add(time.Minute).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	lines := map[string]backend.Line{}
	for i, id := range []string{"a", "b", "c"} {
		l := codeLine(id)
		l.Number = "+7900000000" + string(rune('1'+i))
		l.State, l.CreatedAt = backend.LineWaiting, backend.InstantOf(t0.Add(time.Duration(i)*time.Second))
		lines[id] = l
	}
	a := lines["a"]
	a.State, a.Code, a.CodeAt = backend.LineReceived, "111111", backend.InstantOf(t0.Add(10*time.Second))
	lines["a"] = a
	ev := backend.Event{Accounts: []backend.Account{{Name: "5sim-main", Provider: backend.FiveSim, Health: backend.HealthOK,
		LastGood: now(), Balance: backend.NewMoney(decimal.NewFromInt(100), "")}}, Lines: backend.LineRefs([]backend.Line{lines["a"], lines["b"], lines["c"]})}
	clip := &clipboard{}
	d := openDash(t, 140, 40, ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: []string{"5sim-main"},
		Now: now, Clipboard: clip.write})
	d.waitFor("the lines", contains("111111"))
	return d, clip, &clock, lines
}

// codeArrives delivers a code to a line at the dashboard's now.
func codeArrives(d *dash, clock *atomic.Int64, l backend.Line, code string) backend.Line {
	at := time.Unix(0, clock.Load()).UTC()
	l.State, l.Code, l.CodeAt, l.Version = backend.LineReceived, code, backend.InstantOf(at), l.Version+1
	msg := backend.Message{ID: "m-" + code, Line: l.Key, Text: "Your code is " + code, Code: code, ReceivedAt: at, SeenAt: at}
	d.tm.Send(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}, Messages: []backend.Message{msg}}})
	return l
}

// The copy rule: a cursor on the first line goes to each new code, and
// the toast, the big code and c then name that code; c pressed as the
// code changes copies nothing. Moved off the first line the cursor is
// pinned (the title says so): new codes leave it, c copies its line's
// code and the toast does not claim otherwise; g follows again.
func TestCopyKeyCopiesTheCodeShown(t *testing.T) {
	d, clip, clock, lines := followBoard(t)
	clock.Add(int64(5 * time.Second))
	codeArrives(d, clock, lines["b"], "222222")
	s := d.waitFor("the toast", contains("code 222222 · +79000000002 telegram — c copies"))
	if !strings.Contains(s, "+79000000002 · telegram") { // the strip is line b's
		t.Fatalf("the big code is not the new code's line:\n%s", s)
	}
	if strings.Contains(s, "pinned") {
		t.Fatalf("an untouched cursor is shown pinned:\n%s", s)
	}

	d.key("c") // as the code changed: nothing copied
	d.waitFor("the warning", contains("the code just changed to 222222"))
	clip.nothingCopied(t, "c pressed as the code changed")
	clock.Add(int64(time.Second))
	d.key("c")
	d.waitFor("the copy", contains("copied code 222222"))
	if got := clip.get(); got != "222222" {
		t.Fatalf("clipboard %q, want 222222", got)
	}

	d.key("j") // line a, now second: pinned
	d.waitFor("the pin", contains("pinned (g follows new codes)"))
	clock.Add(int64(5 * time.Second))
	codeArrives(d, clock, lines["c"], "333333")
	s = d.waitFor("the toast", contains("code 333333 · +79000000003 telegram — g goes to it"))
	if strings.Contains(s, "333333 · +79000000003 telegram — c copies") || !strings.Contains(s, "+79000000001 · telegram") {
		t.Fatalf("a new code moved a pinned cursor, or the toast claims c:\n%s", s)
	}
	d.key("c")
	d.waitFor("the copy", contains("copied code 111111"))
	if got := clip.get(); got != "111111" {
		t.Fatalf("clipboard %q, want the pinned line's code 111111", got)
	}

	d.key("g") // back to the first line: following again
	d.waitFor("no pin", func(s string) bool { return !strings.Contains(s, "pinned") })
	clock.Add(int64(5 * time.Second))
	codeArrives(d, clock, lines["a"], "444444")
	d.waitFor("the toast", contains("code 444444 · +79000000001 telegram — c copies"))
}

// A click on the code strip or the SMS below the list selects nothing
// (even with more lines than the list shows); a click on a row selects
// it.
func TestClickOutsideTheListKeepsTheSelection(t *testing.T) {
	ev := world(t0)
	for i := range 60 {
		l := codeLine(fmt.Sprint(100 + i))
		l.State, l.ExpiresAt = backend.LineActive, backend.InstantOf(t0.Add(time.Hour))
		ev.Lines = append(ev.Lines, new(l))
	}
	ev.Accounts = append(ev.Accounts, backend.Account{Name: "5sim-main", Provider: backend.FiveSim, Health: backend.HealthOK, LastGood: t0})
	b := newBoardWith(t, 160, 48, ev, func(o *ui.Options) { o.Mouse = true })
	b.shows("Lines & codes 1/65")
	rows := strings.Split(b.screen(), "\n")
	strip := -1
	for y, r := range rows {
		if strings.HasPrefix(r, "│───") {
			strip = y
			break
		}
	}
	if strip < 0 {
		t.Fatalf("no code strip:\n%s", b.screen())
	}
	for _, y := range []int{strip, strip + 1, strip + 2, strip + 4, strip + 6} {
		b.m.Update(tea.MouseClickMsg{X: 10, Y: y, Button: tea.MouseLeft})
		b.shows("Lines & codes 1/65")
	}
	// The third row of the list (the pane's title is a row above it).
	for y, r := range rows {
		if strings.Contains(r, "Lines & codes") {
			b.m.Update(tea.MouseClickMsg{X: 10, Y: y + 3, Button: tea.MouseLeft})
			break
		}
	}
	b.shows("Lines & codes 3/65", "pinned")
}

// smsBackend answers every line's SMS history with msgs.
type smsBackend struct {
	nullBackend
	msgs []backend.Message
}

func (b *smsBackend) History(backend.Key, int) ([]backend.Message, error) { return b.msgs, nil }

// The SMS key copies the whole SMS that carries the line's code, exactly
// as it is shown (sanitized where it entered), even when a later SMS
// came without one.
func TestCopySMSCopiesTheCodesMessageWhole(t *testing.T) {
	l := codeLine("1")
	l.Code, l.CodeAt = "482193", backend.InstantOf(t0.Add(50*time.Second))
	withCode := backend.Message{ID: "m1", Line: l.Key, Sender: "Telegram", Code: "482193", ReceivedAt: t0.Add(50 * time.Second),
		Text: "Telegram code: 482193\nDo not give it to anyone. \\x1b[31m"}
	later := backend.Message{ID: "m2", Line: l.Key, Sender: "Telegram", ReceivedAt: t0.Add(55 * time.Second),
		Text: "New login from Chrome"}
	now := t0.Add(time.Minute)
	ev := backend.Event{Accounts: []backend.Account{{Name: "5sim-main", Provider: backend.FiveSim, Health: backend.HealthOK,
		LastGood: now, Balance: backend.NewMoney(decimal.NewFromInt(100), "")}}, Lines: []*backend.Line{new(l)}}
	clip := &clipboard{}
	d := openDash(t, 140, 40, ui.Options{Backend: &smsBackend{msgs: []backend.Message{later, withCode}}, Initial: ev,
		Accounts: []string{"5sim-main"}, Now: func() time.Time { return now }, Clipboard: clip.write})
	d.waitFor("the SMS", contains("New login from Chrome"))
	d.key("m")
	d.waitFor("the copy", contains("copied the SMS from Telegram"))
	if got := clip.get(); got != withCode.Text {
		t.Fatalf("clipboard %q, want the code's SMS %q", got, withCode.Text)
	}
}
