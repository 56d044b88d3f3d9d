package ui_test

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// manyAccounts is the cluster's scale: 200 accounts over 10,000 lines.
const manyAccounts = 200

// accountModel is the dashboard at 200×50 (an SSH dashboard of the
// cluster benchmark) over 10,000 lines and 200 accounts, on a running
// clock; it returns the accounts for events to change.
func accountModel(b *testing.B) (*ui.Model, *benchClock, []backend.Account) {
	b.Helper()
	base := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigStateOf(base, lines10k, manyAccounts)
	c := &benchClock{base: base, start: time.Now()}
	m := ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now:        c.now, Started: base.Add(-time.Hour)})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	_ = m.View()
	m.Update(ui.Indexed())
	_ = m.View()
	return m, c, ev.Accounts
}

// BenchmarkAccountEvent is one account's event and the frame, as the
// engine sends them tens of times a second at 200 accounts: "synced"
// moves on (most accounts' rows are off screen), or the balance changes.
func BenchmarkAccountEvent(b *testing.B) {
	for _, kind := range []string{"synced", "balance"} {
		b.Run(kind, func(b *testing.B) {
			m, c, accounts := accountModel(b)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				a := accounts[(i*7919)%len(accounts)]
				a.Version += uint64(1_000_000 + i)
				a.LastGood = c.now()
				if kind == "balance" {
					a.Balance = backend.NewMoney(decimal.NewFromInt(int64(i%1000)), "USD")
				}
				m.Update(ui.EventMsg{Event: backend.Event{Accounts: []backend.Account{a}}})
				_ = m.View()
			}
		})
	}
}

// TestAccountEventCostsWhatChanged: an account's "synced" event for an
// account off screen costs a session the same at 200 accounts as at 20
// (it re-listed and re-measured every account, and redrew the status
// bar, at tens of events a second), and leaves the frame as it was, so
// the screen sends nothing; the frame is not even written again.
func TestAccountEventCostsWhatChanged(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	cost := func(accounts int) float64 {
		ev, names := bigStateOf(now, 2000, accounts)
		m := ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
			Now: func() time.Time { return now }, Started: now.Add(-time.Hour)})
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
		m.Update(ui.Indexed())
		before := m.View().Content
		a := ev.Accounts[accounts-1] // below the balances pane's rows
		allocs := testing.AllocsPerRun(50, func() {
			a.Version++
			m.Update(ui.EventMsg{Event: backend.Event{Accounts: []backend.Account{a}}})
			after := m.View().Content
			if after != before {
				t.Fatalf("%d accounts: an account off screen synced, and the frame changed", accounts)
			}
			if unsafe.StringData(after) != unsafe.StringData(before) {
				t.Fatalf("%d accounts: an account off screen synced, and the same frame was written again", accounts)
			}
		})
		return allocs
	}
	few, many := cost(20), cost(manyAccounts)
	if many > few+20 {
		t.Fatalf("an account event allocates %.0f times at %d accounts, %.0f at 20: it works through every account", many, manyAccounts, few)
	}
	// The frame alone is about 60; the status bar drawn again, 150 more.
	if many > 100 {
		t.Fatalf("an account event off screen allocates %.0f times: it draws more than the frame", many)
	}
}

// TestAnAccountOnScreenIsDrawn: the frame kept for events off screen is
// drawn again for an account whose row shows.
func TestAnAccountOnScreenIsDrawn(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	ev, names := bigStateOf(now, 2000, manyAccounts)
	m := ui.New(ui.Options{Backend: &nullBackend{}, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(),
		Now: func() time.Time { return now }, Started: now.Add(-time.Hour)})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	_ = m.View()
	a := ev.Accounts[1]
	a.Version++
	a.Balance = backend.NewMoney(decimal.RequireFromString("98765.43"), "USD")
	m.Update(ui.EventMsg{Event: backend.Event{Accounts: []backend.Account{a}}})
	if f := m.View().Content; !strings.Contains(f, "98,765.43") {
		t.Fatalf("the new balance is not drawn:\n%s", f)
	}
}
