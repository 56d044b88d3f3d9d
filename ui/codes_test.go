package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/themes"
	"switchboard/ui"
)

// A dashboard on a fake backend: one 5sim account and the given lines, on
// a fixed clock.
func codeBoard(t *testing.T, lines ...backend.Line) (*dash, *clipboard) {
	t.Helper()
	now := t0.Add(time.Minute)
	ev := backend.Event{Accounts: []backend.Account{{Name: "5sim-main", Provider: backend.FiveSim, Health: backend.HealthOK,
		LastGood: now, Balance: backend.NewMoney(decimal.NewFromInt(100), "")}}, Lines: backend.LineRefs(lines),
		LeasesListed: []string{"5sim-main"}} // polled in full
	clip := &clipboard{}
	d := openDash(t, 140, 40, ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: []string{"5sim-main"},
		Now: func() time.Time { return now }, Clipboard: clip.write})
	d.waitFor("the lines", contains("Lines & codes"))
	return d, clip
}

// nothingCopied fails the test if anything reached the clipboard.
func (c *clipboard) nothingCopied(t *testing.T, when string) {
	t.Helper()
	if got := c.get(); got != "" {
		t.Fatalf("%s: copied %q", when, got)
	}
}

func codeLine(id string) backend.Line {
	return backend.Line{Key: backend.MakeKey(backend.FiveSim, "5sim-main", backend.ItemLine, id), Account: "5sim-main",
		Provider: backend.FiveSim, ID: id, Number: "+79001234567", Service: "telegram", Country: "RU",
		State: backend.LineReceived, CreatedAt: backend.InstantOf(t0), Allowed: backend.Allow(backend.ActFinish), Version: 1}
}

// An SMS with two codes shows both, marked, and `c` asks which one to
// copy: only the chosen one reaches the clipboard.
func TestAmbiguousCodeAsksWhichToCopy(t *testing.T) {
	l := codeLine("1")
	l.Candidates, l.CodeAt = []string{"4821", "7730"}, backend.InstantOf(t0.Add(50*time.Second))
	d, clip := codeBoard(t, l)
	s := d.waitFor("both codes", contains("4821 | 7730"))
	if !strings.Contains(s, "2 codes?") {
		t.Fatalf("the two codes are not marked:\n%s", s)
	}
	golden.RequireEqual(t, []byte(d.still()))

	d.key("c")
	d.waitFor("the choice", contains("Which code?"))
	clip.nothingCopied(t, "c before a choice")
	d.key("esc")
	d.waitFor("the choice closed", contains("nothing copied"))
	clip.nothingCopied(t, "esc")

	d.key("c")
	d.waitFor("the choice", contains("Which code?"))
	d.key("2")
	d.waitFor("the copy", contains("copied code 7730"))
	if got := clip.get(); got != "7730" {
		t.Fatalf("clipboard %q, want the chosen code only", got)
	}

	d.key("c", "down", "up", "enter")
	d.waitFor("the first code copied", contains("copied code 4821"))
	if got := clip.get(); got != "4821" {
		t.Fatalf("clipboard %q, want the chosen code only", got)
	}

	// The detail view says the same, and c asks there too.
	d.key("enter")
	d.waitFor("the detail view", contains("4821 | 7730 (2 codes? c chooses)"))
	d.key("c")
	d.waitFor("the choice", contains("Which code?"))
	d.key("2")
	d.waitFor("the copy", contains("copied code 7730"))
}

// A choice made after the line's code changed copies nothing: what the
// operator chose from is no longer the line's code.
func TestCodeChoiceRefusesAChangedCode(t *testing.T) {
	l := codeLine("1")
	l.Candidates, l.CodeAt = []string{"4821", "7730"}, backend.InstantOf(t0.Add(50*time.Second))
	d, clip := codeBoard(t, l)
	d.waitFor("both codes", contains("4821 | 7730"))
	d.key("c")
	d.waitFor("the choice", contains("Which code?"))
	l.Candidates, l.Code, l.Version = nil, "9999", 2
	d.tm.Send(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}}})
	d.waitFor("the new code", contains("9999"))
	d.key("1")
	d.waitFor("the refusal", contains("changed meanwhile"))
	clip.nothingCopied(t, "a choice that is no longer the line's code")
}

// The toast for an arriving ambiguous SMS names no single code.
func TestAmbiguousCodeToast(t *testing.T) {
	l := codeLine("1")
	l.State = backend.LineWaiting
	d, _ := codeBoard(t, l)
	l.State, l.Candidates, l.CodeAt, l.Version = backend.LineReceived, []string{"4821", "7730"}, backend.InstantOf(t0.Add(55*time.Second)), 2
	msg := backend.Message{ID: "m1", Line: l.Key, Text: "Your code is 4821 or 7730", Candidates: l.Candidates,
		ReceivedAt: t0.Add(55 * time.Second), SeenAt: t0.Add(55 * time.Second)}
	d.tm.Send(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}, Messages: []backend.Message{msg}}})
	s := d.waitFor("the toast", contains("2 possible codes"))
	if strings.Contains(s, "code 4821 ·") || strings.Contains(s, "code 7730 ·") {
		t.Fatalf("the toast names a single code:\n%s", s)
	}
}

// A line whose new receiving window has no code yet copies nothing, and
// says why (its earlier code is history).
func TestNewWindowCopiesNothing(t *testing.T) {
	l := codeLine("1")
	l.State, l.WindowAt = backend.LineWaiting, backend.InstantOf(t0.Add(30*time.Second))
	d, clip := codeBoard(t, l)
	d.key("c")
	d.waitFor("the reason", contains("new receiving window"))
	clip.nothingCopied(t, "a window with no code")
}

// A ledger that cannot write says so in red in the status bar, and the
// codes it could not save are marked, until it writes again.
func TestStorageFailureIsShownInRed(t *testing.T) {
	l := codeLine("1")
	l.Code, l.CodeAt, l.CodeUnsaved = "1111", backend.InstantOf(t0.Add(50*time.Second)), true
	d, _ := codeBoard(t, l)
	d.tm.Send(ui.EventMsg{Event: backend.Event{Storage: &backend.StorageHealth{Failing: true,
		Error: "write ledger.db: no space left on device", Since: t0.Add(40 * time.Second)}}})
	s := d.waitFor("the storage failure", contains("codes not saved"))
	for _, want := range []string{"not saved · code 10s ago", "no space left on device"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	bad := themes.New("dark").Bad.Render("✗ codes not saved")
	if !strings.Contains(d.raw(), strings.TrimSuffix(bad, "\x1b[m")) {
		t.Fatalf("the storage failure is not red: want %q in\n%q", bad, d.raw())
	}
	golden.RequireEqual(t, []byte(d.still()))

	l.CodeUnsaved, l.Version = false, 2
	d.tm.Send(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}, Storage: &backend.StorageHealth{Since: t0.Add(55 * time.Second)}}})
	s = d.waitFor("the recovery", func(s string) bool { return !strings.Contains(s, "codes not saved") })
	if strings.Contains(s, "not saved") {
		t.Fatalf("a mark stayed after the ledger recovered:\n%s", s)
	}
}
