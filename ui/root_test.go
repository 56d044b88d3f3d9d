package ui_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// Unit tests of the root model's routing: the model is driven directly
// (Update, then View), over a null backend and world's state, on a clock
// that never moves. Which layer takes a key is read from the screen: the
// narrow layout shows only the focused pane, and every pane's title
// counts its cursor ("Lines & codes 2/5").

// board is the root model and what it asked for.
type board struct {
	t     *testing.T
	m     *ui.Model
	be    *nullBackend
	quit  bool
	clock *time.Time // the dashboard's clock: moved only by the test
}

func newBoard(t *testing.T, w, h int) *board { return newBoardWith(t, w, h, world(t0), nil) }

// newBoardWith opens the dashboard on ev, with the options tweak changes.
func newBoardWith(t *testing.T, w, h int, ev backend.Event, tweak func(*ui.Options)) *board {
	t.Helper()
	be := &nullBackend{}
	var names []string
	for _, a := range ev.Accounts {
		names = append(names, a.Name)
	}
	now := t0
	o := ui.Options{Backend: be, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now:        func() time.Time { return now }}
	if tweak != nil {
		tweak(&o)
	}
	m := ui.New(o)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return &board{t: t, m: m, be: be, clock: &now}
}

// later moves the dashboard's clock and lets it tick.
func (b *board) later(d time.Duration) {
	*b.clock = b.clock.Add(d)
	b.m.Update(ui.Tick(*b.clock))
}

// send hands the dashboard an engine event.
func (b *board) send(ev backend.Event) { b.m.Update(ui.EventMsg{Event: ev}) }

// statusBar is the screen's last line.
func (b *board) statusBar() string {
	s := b.screen()
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// press sends keys ("enter", "esc", single keys) and types longer text
// key by key, noting a quit.
func (b *board) press(keys ...string) {
	for _, k := range keys {
		msgs := []tea.KeyPressMsg{keyMsg(k)}
		if len([]rune(k)) > 1 && keyMsg(k).Text != "" {
			msgs = nil
			for _, r := range k {
				msgs = append(msgs, keyMsg(string(r)))
			}
		}
		for _, msg := range msgs {
			// Commands are not run (ticks and cursor blinks would wait);
			// quitting is Update returning tea.Quit itself.
			if _, cmd := b.m.Update(msg); cmd != nil && reflect.ValueOf(cmd).Pointer() == reflect.ValueOf(tea.Quit).Pointer() {
				b.quit = true
			}
		}
	}
}

func (b *board) screen() string { return ansi.Strip(b.m.View().Content) }

// shows fails unless the screen has every part.
func (b *board) shows(parts ...string) {
	b.t.Helper()
	s := b.screen()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			b.t.Fatalf("screen lacks %q:\n%s", p, s)
		}
	}
}

// lacks fails if the screen has any part.
func (b *board) lacks(parts ...string) {
	b.t.Helper()
	s := b.screen()
	for _, p := range parts {
		if strings.Contains(s, p) {
			b.t.Fatalf("screen shows %q:\n%s", p, s)
		}
	}
}

// focused is the pane the narrow layout shows.
func (b *board) focused() string {
	b.t.Helper()
	s := b.screen()
	for _, p := range []string{"Balances", "Lines & codes", "Expiries", "Queues"} {
		if strings.Contains(s, "╭─ "+p) {
			return p
		}
	}
	b.t.Fatalf("no pane shown:\n%s", s)
	return ""
}

const narrowW, narrowH = 80, 24

// Tab and shift+tab cycle the panes in order, the digits jump.
func TestFocusAndTabOrder(t *testing.T) {
	cases := []struct {
		keys []string
		want string
	}{
		{nil, "Lines & codes"},
		{[]string{"tab"}, "Expiries"},
		{[]string{"tab", "tab"}, "Queues"},
		{[]string{"tab", "tab", "tab"}, "Balances"},
		{[]string{"tab", "tab", "tab", "tab"}, "Lines & codes"},
		{[]string{"shift+tab"}, "Balances"},
		{[]string{"shift+tab", "shift+tab"}, "Queues"},
		{[]string{"1"}, "Balances"},
		{[]string{"2"}, "Lines & codes"},
		{[]string{"3"}, "Expiries"},
		{[]string{"4"}, "Queues"},
		{[]string{"4", "tab"}, "Balances"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.keys, ","), func(t *testing.T) {
			b := newBoard(t, narrowW, narrowH)
			b.press(tc.keys...)
			if got := b.focused(); got != tc.want {
				t.Fatalf("focus on %s, want %s", got, tc.want)
			}
		})
	}
}

// Movement keys move only the focused pane's cursor.
func TestMovesGoToTheFocusedPane(t *testing.T) {
	cases := []struct {
		name string
		keys []string
		want []string
	}{
		{"lines", []string{"j"}, []string{"Lines & codes 2/5", "Expiries 1/2"}},
		{"lines bottom", []string{"G"}, []string{"Lines & codes 5/5", "Expiries 1/2"}},
		{"lines down and up", []string{"j", "j", "k"}, []string{"Lines & codes 2/5"}},
		{"expiries", []string{"3", "j"}, []string{"Lines & codes 1/5", "Expiries 2/2"}},
		{"expiries then back", []string{"3", "j", "2", "j"}, []string{"Lines & codes 2/5", "Expiries 2/2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(t, 160, 48)
			b.press(tc.keys...)
			b.shows(tc.want...)
		})
	}
}

// An open layer (dialog, help, filter, command line, detail) takes every
// key first: a pane digit, tab or q does what the layer says, never what
// it does on the dashboard behind. esc then closes the layer and the focus
// is where it was, nothing sent.
func TestOpenLayerTakesKeysFirst(t *testing.T) {
	const (
		stays  = iota // the layer is open, shows the given text
		closes        // the layer closed, the dashboard runs on
		quits
	)
	cases := []struct {
		layer   string
		open    []string
		key     string
		outcome int
		shows   string // while the layer stays open
	}{
		{"help", []string{"?"}, "3", stays, "esc closes"},
		{"help", []string{"?"}, "tab", stays, "esc closes"},
		{"help", []string{"?"}, "q", closes, ""},
		{"filter", []string{"/"}, "3", stays, "/3"},
		{"filter", []string{"/"}, "q", stays, "/q"},
		{"confirmation", []string{"x"}, "3", stays, "y confirm"},
		{"confirmation", []string{"x"}, "tab", stays, "y confirm"},
		{"confirmation", []string{"x"}, "q", closes, ""},
		{"command line", []string{":"}, "3", stays, ":3"},
		{"command line", []string{":"}, "q", stays, ":q"},
		{"detail", []string{"enter"}, "3", stays, "+79000000011"},
		{"detail", []string{"enter"}, "tab", stays, "+79000000011"},
		{"detail", []string{"enter"}, "q", quits, ""},
	}
	for _, tc := range cases {
		t.Run(tc.layer+"/"+tc.key, func(t *testing.T) {
			b := newBoard(t, narrowW, narrowH)
			b.press(tc.open...)
			opened := b.screen()
			b.press(tc.key)
			if b.quit != (tc.outcome == quits) {
				t.Fatalf("%s in the %s: quit %v", tc.key, tc.layer, b.quit)
			}
			switch tc.outcome {
			case quits:
				return
			case stays:
				b.shows(tc.shows)
				if tc.key != "q" && (tc.layer == "confirmation" || tc.layer == "detail") && b.screen() != opened {
					t.Fatalf("%s changed the screen behind the %s:\n%s", tc.key, tc.layer, b.screen())
				}
				b.press("esc")
			case closes:
				if b.screen() == opened {
					t.Fatalf("%s did not close the %s", tc.key, tc.layer)
				}
			}
			if tc.layer == "filter" {
				b.press("esc") // the prompt closed on the first esc
			}
			b.lacks("y confirm", "esc closes")
			if got := b.focused(); got != "Lines & codes" {
				t.Fatalf("focus on %s after the %s closed", got, tc.layer)
			}
			if len(b.be.submitted) != 0 {
				t.Fatalf("sent %+v", b.be.submitted)
			}
		})
	}
}

// Without a layer, q quits and ? opens help; the same keys typed into a
// filter are text.
func TestGlobalKeysOnlyWithoutALayer(t *testing.T) {
	b := newBoard(t, 160, 48)
	b.press("/", "q?")
	if b.quit {
		t.Fatal("q typed in the filter quit")
	}
	b.shows("/q?")
	b.lacks("Keys ")
	b.press("esc")
	b.press("q")
	if !b.quit {
		t.Fatal("q does not quit")
	}
}

// A confirmation opens on the selected item and closes on n or esc with
// nothing sent; the command line opens and closes; a key that does not
// apply says why and opens nothing.
func TestDialogsOpenAndClose(t *testing.T) {
	t.Run("confirmation refused", func(t *testing.T) {
		for _, k := range []string{"n", "esc"} {
			b := newBoard(t, 160, 48)
			b.press("x")
			b.shows("Cancel", "+79000000011", "y confirm")
			b.press(k)
			b.lacks("y confirm")
			if len(b.be.submitted) != 0 {
				t.Fatalf("%s sent %+v", k, b.be.submitted)
			}
		}
	})
	t.Run("command line", func(t *testing.T) {
		b := newBoard(t, narrowW, narrowH)
		b.press(":")
		b.shows(":", "journal")
		b.press("esc")
		b.lacks("journal")
		b.press(":", "go queues", "enter")
		if got := b.focused(); got != "Queues" {
			t.Fatalf(":go queues focused %s", got)
		}
	})
	t.Run("restore picker", func(t *testing.T) {
		b := newBoard(t, 160, 48)
		b.press("G", "u")
		b.shows("+46700000031", "+46700000032")
		b.press("esc")
		b.lacks("y confirm")
		if len(b.be.submitted) != 0 {
			t.Fatalf("sent %+v", b.be.submitted)
		}
	})
	t.Run("key that does not apply", func(t *testing.T) {
		b := newBoard(t, 160, 48)
		b.press("f") // the selected 5sim line waits: there is nothing to finish
		b.shows("finish")
		b.lacks("y confirm")
		if len(b.be.submitted) != 0 {
			t.Fatalf("sent %+v", b.be.submitted)
		}
	})
}

// / opens the focused pane's filter, typing narrows it, enter keeps it
// and selects the first match, esc clears it.
func TestFilterOpenTypeEnterEsc(t *testing.T) {
	b := newBoard(t, 160, 48)
	b.press("j", "j") // the cursor on the third line
	b.press("/", "1305")
	b.shows("Lines & codes 1/1", "/1305")
	b.press("enter")
	b.shows("Lines & codes 1/1", "+13050000021 · telegram · nv")
	b.press("j") // the prompt closed: keys move again
	b.shows("Lines & codes 1/1")
	b.press("esc") // the filter goes; the cursor stays on its line
	b.shows("Lines & codes 2/5", "+13050000021 · telegram · nv")
	b.lacks("/1305")

	// esc while typing clears at once: every line is back.
	b.press("/", "4670000003", "esc")
	b.shows("/5 · 2 waiting", "Expiries 1/2")
	b.lacks("/4670000003")

	// A filter belongs to its pane.
	b.press("3", "/", "bright", "enter")
	b.shows("Expiries 1/1 · /bright", "/5 · 2 waiting")
	b.press("2", "/", "13", "enter")
	b.shows("Expiries 1/1 · /bright", "Lines & codes 1/1 · 2 waiting in all · /13")
}

// ? lists every key, / filters the list, esc closes it.
func TestHelpScreen(t *testing.T) {
	b := newBoard(t, 160, 48)
	b.press("?")
	b.shows("Keys", "copy code", "next pane", "zoom pane")
	b.press("/", "renew")
	b.shows("auto-renew")
	b.lacks("copy code", "next pane")
	b.press("esc") // clears the filter
	b.shows("copy code", "next pane")
	b.press("esc")
	b.lacks("auto-renew on/off")
	b.shows("Lines & codes 1/5")
}

// The help is the focused pane's keys first, then every other key and
// the `:` commands, in columns side by side; it scrolls with j/k and
// pgup/pgdn; / shows its whole placeholder.
func TestHelpColumnsPanesCommandsAndScrolling(t *testing.T) {
	b := newBoard(t, 200, 50)
	b.press("?")
	b.shows("Lines & codes (this pane)", "top: the cursor then follows new codes", ":add", "<account|provider> <order id>…",
		"watch orders placed elsewhere", ":journal")
	sideBySide := false
	for _, l := range strings.Split(b.screen(), "\n") {
		if strings.Contains(l, "Lines & codes (this pane)") && strings.Contains(l, "Navigate") {
			sideBySide = true
		}
	}
	if !sideBySide {
		t.Fatalf("one column at 200 wide:\n%s", b.screen())
	}
	b.press("esc", "3", "?")
	b.shows("Expiries (this pane)", "export proxies")
	b.lacks("Lines & codes (this pane)")

	b = newBoard(t, 60, 15)
	b.press("?")
	b.shows("Keys  1–6 of")
	b.press("j", "j")
	b.shows("Keys  3–8 of")
	b.press("pgdown")
	b.shows("Keys  8–13 of")
	b.press("k", "pgup")
	b.shows("Keys  2–7 of")
	b.press("pgup")
	b.shows("Keys  1–6 of")
	b.press("G")
	b.lacks("Keys  1–6 of")
	b.press("g", "/")
	b.shows("/find a key or a command")
}

// + zooms the focused pane, a digit zooms another, + or esc goes back to
// every pane.
func TestZoom(t *testing.T) {
	panes := func(b *board) int { return strings.Count(b.screen(), "╭─") }
	b := newBoard(t, 160, 48)
	if n := panes(b); n != 4 {
		t.Fatalf("%d panes at 160×48, want 4", n)
	}
	b.press("+")
	if n := panes(b); n != 1 {
		t.Fatalf("%d panes zoomed", n)
	}
	b.shows("╭─ Lines & codes")
	b.press("3")
	b.shows("╭─ Expiries")
	b.lacks("╭─ Lines & codes")
	b.press("+")
	if n := panes(b); n != 4 {
		t.Fatalf("%d panes after + again", n)
	}
	b.press("+", "esc")
	if n := panes(b); n != 4 {
		t.Fatalf("%d panes after esc", n)
	}
}
