package ui_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// oneLine is a dashboard with one waiting 5sim line selected, as an
// operator of the given role.
func oneLine(t *testing.T, operator string, role backend.Role, b ui.Backend) (*ui.Model, backend.Line) {
	t.Helper()
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	l := backend.Line{Key: backend.MakeKey(backend.FiveSim, "5s", backend.ItemLine, "7"), Account: "5s", Provider: backend.FiveSim,
		ID: "7", Number: "+79001234567", Service: "telegram", State: backend.LineWaiting, CreatedAt: backend.InstantOf(now), Version: 1,
		Price: backend.NewMoney(decimal.NewFromInt(12), "RUB"), Allowed: backend.Allow(backend.ActCancel, backend.ActBan, backend.ActReuse)}
	ev := backend.Event{Accounts: []backend.Account{{Name: "5s", Provider: backend.FiveSim, Health: backend.HealthOK, LastGood: now}},
		Lines: []*backend.Line{new(l)}}
	m := ui.New(ui.Options{Backend: b, Initial: ev, Accounts: []string{"5s"}, Theme: "plain", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: time.Hour, Urgent: time.Minute, Critical: time.Second},
		Now:        func() time.Time { return now }, Operator: operator, Role: role})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	return m, l
}

func screenOf(m *ui.Model) string { return ansi.Strip(m.View().Content) }

func press(m *ui.Model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

// A viewer's money keys are refused at the screen with the reason, and
// nothing is handed to the engine (which would refuse it too).
func TestViewerMoneyKeysAreRefusedWithAReason(t *testing.T) {
	b := &nullBackend{}
	m, _ := oneLine(t, "bob", backend.RoleViewer, b)
	for _, k := range []string{"x", "b", "N", "n", "."} {
		press(m, k)
		if s := screenOf(m); !strings.Contains(s, "bob is a viewer") || strings.Contains(s, "Cancel +7") {
			t.Fatalf("key %s: no refusal, or a confirmation opened:\n%s", k, s)
		}
	}
	press(m, ":")
	for _, r := range "add 5s 99" {
		press(m, string(r))
	}
	press(m, "enter")
	if s := screenOf(m); !strings.Contains(s, "bob is a viewer: :add is for operators") {
		t.Fatalf(":add not refused:\n%s", s)
	}
	if len(b.submitted) != 0 {
		t.Fatalf("a viewer's keys submitted %v", b.submitted)
	}
	// An operator gets the confirmation.
	m, _ = oneLine(t, "alice", backend.RoleOperator, &nullBackend{})
	press(m, "x")
	if s := screenOf(m); !strings.Contains(s, "Cancel +7") {
		t.Fatalf("an operator's cancel opened no confirmation:\n%s", s)
	}
}

// Another operator's action on the item this screen looks at shows as a
// toast when it is sent and when it ends; one's own, and actions on other
// items, do not.
func TestAnotherOperatorActingOnTheSelectedItemShowsAToast(t *testing.T) {
	m, l := oneLine(t, "bob", backend.RoleViewer, &nullBackend{})
	entry := func(who string, target backend.Key, st backend.JournalState) backend.Event {
		return backend.Event{Actions: []backend.JournalEntry{{State: st,
			Action: backend.Action{ID: "id-" + who + string(target), Kind: backend.ActCancel, Account: "5s", Target: target, Operator: who}}}}
	}
	m.Update(ui.EventMsg{Event: entry("alice", l.Key, backend.JournalPending)})
	if s := screenOf(m); !strings.Contains(s, "alice is cancelling +79001234567 telegram") {
		t.Fatalf("no toast for alice's cancel:\n%s", s)
	}
	m.Update(ui.EventMsg{Event: entry("alice", l.Key, backend.JournalDone)})
	if s := screenOf(m); !strings.Contains(s, "alice: cancel +79001234567 telegram — done") {
		t.Fatalf("no toast when alice's cancel ended:\n%s", s)
	}
	m, l = oneLine(t, "bob", backend.RoleOperator, &nullBackend{})
	m.Update(ui.EventMsg{Event: entry("bob", l.Key, backend.JournalPending)})
	m.Update(ui.EventMsg{Event: entry("carol", "fivesim/5s/line/other", backend.JournalPending)})
	m.Update(ui.EventMsg{Event: entry("auto", l.Key, backend.JournalPending)})
	if s := screenOf(m); strings.Contains(s, "is cancelling") {
		t.Fatalf("a toast for one's own, another item's or a policy's action:\n%s", s)
	}
}

// Renewing a rented number acts on its lease; a screen looking at the
// number's line is told all the same.
func TestAnotherOperatorRenewingTheLeaseOfTheSelectedLineShowsAToast(t *testing.T) {
	m, l := oneLine(t, "vic", backend.RoleViewer, &nullBackend{})
	lease := backend.Lease{Key: "fivesim/5s/lease/7", Account: "5s", Provider: backend.FiveSim, ID: "7", Kind: backend.LeaseNumber,
		Name: l.Number, Line: l.Key, Version: 2}
	m.Update(ui.EventMsg{Event: backend.Event{Leases: []backend.Lease{lease}}})
	m.Update(ui.EventMsg{Event: backend.Event{Actions: []backend.JournalEntry{{State: backend.JournalPending,
		Action: backend.Action{ID: "r", Kind: backend.ActRenew, Account: "5s", Target: lease.Key, Operator: "alice"}}}}})
	if s := screenOf(m); !strings.Contains(s, "alice is renewing") {
		t.Fatalf("no toast for alice renewing the number's lease:\n%s", s)
	}
}

// A session that joins a running engine counts an account fresh from
// the engine's start, not its own: a poll a minute before it joined is
// not stale.
func TestASessionJoiningLateCountsFreshnessFromTheEnginesStart(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev := backend.Event{Accounts: []backend.Account{{Name: "5s", Provider: backend.FiveSim, Health: backend.HealthOK,
		LastGood: now.Add(-time.Minute)}}}
	o := ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: []string{"5s"}, Theme: "plain", Keys: keymap.Default(),
		Now: func() time.Time { return now }, Started: now.Add(-time.Hour)}
	m := ui.New(o)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	if s := screenOf(m); strings.Contains(s, "stale") {
		t.Fatalf("a fresh account shows stale to a late session:\n%s", s)
	}
	o.Started = time.Time{} // the terminal's own dashboard: its start is the run's
	m = ui.New(o)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	if s := screenOf(m); !strings.Contains(s, "stale") {
		t.Fatalf("an account not polled this run is not shown stale:\n%s", s)
	}
}

// TestViewerHintsListOnlyWhatAViewerMayDo: neither the status bar nor the
// selected line's strip offers a viewer cancel, ban, buy again or buy;
// an operator's screen offers them.
func TestViewerHintsListOnlyWhatAViewerMayDo(t *testing.T) {
	spend := []string{"x cancel", "b ban", "buy again", "n buy"}
	m, _ := oneLine(t, "bob", backend.RoleViewer, &nullBackend{})
	s := screenOf(m)
	for _, h := range spend {
		if strings.Contains(s, h) {
			t.Errorf("a viewer's screen offers %q:\n%s", h, s)
		}
	}
	if !strings.Contains(s, "/ filter") || !strings.Contains(s, "? help") {
		t.Errorf("a viewer's status bar lost its own keys:\n%s", s)
	}
	press(m, "enter") // the line's details list its actions too
	if s := screenOf(m); !strings.Contains(s, "actions       none") {
		t.Errorf("a viewer's details offer actions:\n%s", s)
	}
	press(m, "esc")
	m, _ = oneLine(t, "alice", backend.RoleOperator, &nullBackend{})
	s = screenOf(m)
	for _, h := range spend {
		if !strings.Contains(s, h) {
			t.Errorf("an operator's screen lacks %q:\n%s", h, s)
		}
	}
}

// TestLongAccountNameInADialogIsWholeOrSpaced: an account's name longer
// than the label column gets a row of its own when the screen has room;
// on a short screen it is cut with a space before its value, never run
// into it. A bulk cancel of one line names the account as a label.
func TestLongAccountNameInADialogIsWholeOrSpaced(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	acc := "5sim-main-account-long"
	l := backend.Line{Key: backend.MakeKey(backend.FiveSim, acc, backend.ItemLine, "7"), Account: acc, Provider: backend.FiveSim,
		ID: "7", Number: "+79001234567", Service: "telegram", State: backend.LineWaiting, CreatedAt: backend.InstantOf(now), Version: 1,
		Price: backend.NewMoney(decimal.NewFromInt(12), "RUB"), Allowed: backend.Allow(backend.ActCancel)}
	ev := backend.Event{Accounts: []backend.Account{{Name: acc, Provider: backend.FiveSim, Health: backend.HealthOK, LastGood: now,
		Balance: backend.NewMoney(decimal.NewFromInt(100), "RUB")}}, Lines: []*backend.Line{new(l)}}
	for _, size := range [][2]int{{60, 15}, {120, 40}} {
		m := ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: []string{acc}, Theme: "plain", Keys: keymap.Default(),
			Now: func() time.Time { return now }})
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		press(m, "space", "x")
		s := screenOf(m)
		if !strings.Contains(s, "Cancel 1 marked item ") || !strings.Contains(s, "1 item ") {
			t.Fatalf("%v: no bulk confirmation of one item:\n%s", size, s)
		}
		whole := regexp.MustCompile(`║ +` + acc + ` +║`).MatchString(s)
		spaced := strings.Contains(s, "5sim-main-acc… 12.00 RUB back")
		if size[1] > 15 && !whole || size[1] == 15 && !spaced {
			t.Fatalf("%v: the account's name is neither whole nor cut with a space:\n%s", size, s)
		}
	}
}

// TestDialogsFitAboveTheStatusBar: at 60×15 every dialog is drawn whole
// (its bottom border shows) above the status bar, which stays whole: a
// toast there never covers a dialog, nor a dialog the toast.
func TestDialogsFitAboveTheStatusBar(t *testing.T) {
	for _, keys := range [][]string{{":"}, {"?"}, {"x"}, {"space", "x"}} {
		m, _ := oneLine(t, "", "", &nullBackend{})
		m.Update(tea.WindowSizeMsg{Width: 60, Height: 15})
		press(m, keys...)
		rows := strings.Split(screenOf(m), "\n")
		if len(rows) != 15 {
			t.Fatalf("%v: %d rows", keys, len(rows))
		}
		last := rows[14]
		if strings.ContainsAny(last, "║│╚╝") || !strings.Contains(strings.Join(rows[:14], "\n"), "╚") {
			t.Errorf("%v: the dialog runs into the status bar or is cut:\n%s", keys, strings.Join(rows, "\n"))
		}
	}
}

// TestNarrowHelpTitleIsWhole: at 60 wide the help's title drops its least
// needed words instead of cutting one.
func TestNarrowHelpTitleIsWhole(t *testing.T) {
	m, _ := oneLine(t, "", "", &nullBackend{})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 15})
	press(m, "?")
	s := screenOf(m)
	if !strings.Contains(s, "Keys  1–") || !strings.Contains(s, "esc closes") || strings.Contains(s, "esc clos…") {
		t.Fatalf("the help's title is cut:\n%s", s)
	}
}
