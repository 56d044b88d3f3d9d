package ui_test

import (
	"regexp"
	"strings"
	"testing"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
)

// The status bar's hints are what the selected item allows, in the keys
// in force: no "f finish" on a line that cannot be finished.
func TestHintsFollowTheSelection(t *testing.T) {
	cases := []struct {
		name      string
		keys      []string
		want, not []string
	}{
		{"5sim waiting", nil, []string{"x cancel", "b ban"}, []string{"f finish", "x reject", "r renew"}},
		{"NonVoip waiting", []string{"/", "13050000021", "enter"}, []string{"x reject"}, []string{"f finish", "x cancel", "b ban"}},
		{"5sim with an SMS", []string{"/", "79000000012", "enter"}, []string{"f finish", "b ban", "N buy again"}, []string{"x cancel"}},
		{"piv.day expired", []string{"G"}, []string{"u restore"}, []string{"f finish", "x cancel", "r renew"}},
		{"domain", []string{"3"}, []string{"r renew", "a auto-renew on"}, []string{"f finish", "x cancel", "c copy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(t, 200, 50)
			b.press(tc.keys...)
			bar := b.statusBar()
			for _, w := range tc.want {
				if !strings.Contains(bar, w) {
					t.Errorf("hints lack %q: %q", w, bar)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(bar, n) {
					t.Errorf("hints offer %q: %q", n, bar)
				}
			}
		})
	}
}

// Remapped keys are the keys every hint and every refusal names: the
// status bar, the selected line's strip, the detail view.
func TestHintsAndRefusalsNameTheKeysInForce(t *testing.T) {
	km := keymap.Default()
	if err := km.Apply(map[string][]string{"finish": {"F"}, "copy": {"y"}, "ban": {"B"}}); err != nil {
		t.Fatal(err)
	}
	b := newBoardWith(t, 200, 50, world(t0), func(o *ui.Options) { o.Keys = km })
	b.press("/", "79000000012", "enter")
	if bar := b.statusBar(); !strings.Contains(bar, "F finish") || !strings.Contains(bar, "B ban") {
		t.Fatalf("status bar hints: %q", bar)
	}
	b.shows("F finish · B ban · N buy again · C copy number · enter details") // the strip
	b.press("x")
	if bar := b.statusBar(); !strings.Contains(bar, "press F to finish") {
		t.Fatalf("the refusal names another key: %q", bar)
	}
	b.press("enter")
	b.shows("actions", "F finish · B ban · N buy again")
	b.lacks("finish,ban", "reuse")
}

// rawWords are API and code words an operator should never read.
var rawWords = regexp.MustCompile(`\ba (active|expired|expiring|unknown|ended)\b|allowed:|autorenew|auto_renew|short_term|_|\(it can: \)| ·  ·|\bcheck\b`)

// Every refusal of every action key on every item, and every detail
// view, is in plain words.
func TestMessagesInPlainWords(t *testing.T) {
	actionKeys := []string{"r", "x", "f", "b", "a", "u", "e", "N"}
	items := []struct {
		name string
		keys []string
	}{
		{"5sim waiting", nil},
		{"NonVoip waiting", []string{"/", "13050000021", "enter"}},
		{"5sim with an SMS", []string{"/", "79000000012", "enter"}},
		{"expired", []string{"G"}},
		{"domain", []string{"3"}},
		{"domain without a price", []string{"3", "j"}},
		{"account", []string{"1"}},
	}
	for _, it := range items {
		for _, k := range actionKeys {
			b := newBoard(t, 200, 50)
			b.press(it.keys...)
			b.press(k)
			if bar := b.statusBar(); rawWords.MatchString(bar) {
				t.Errorf("%s, key %s: %q", it.name, k, bar)
			}
		}
		b := newBoard(t, 200, 50)
		b.press(it.keys...)
		b.press("enter")
		if s := b.screen(); rawWords.MatchString(s) {
			t.Errorf("%s: the detail view has raw words (%q):\n%s", it.name, rawWords.FindString(s), s)
		}
	}
}

// An action refused for a lease in a provider's own state word says it
// in plain words.
func TestRefusalOfARawStateIsPlain(t *testing.T) {
	ev := world(t0)
	ev.Leases[0].State = "pending_renewal"
	b := newBoardWith(t, 200, 50, ev, nil)
	b.press("3", "u")
	if bar := b.statusBar(); !strings.Contains(bar, "pending renewal") || strings.Contains(bar, "_") {
		t.Fatalf("%q", bar)
	}
	_ = backend.ActRestore
}
