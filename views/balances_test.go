package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/themes"
)

// TestBalancesFollowAccountEvents: accounts changing one at a time — new
// ones (in the config and not), balances widening and narrowing, health
// failing — leave the pane as a pane built from the whole state would
// draw it: config order, the selection on its account, the counts.
func TestBalancesFollowAccountEvents(t *testing.T) {
	order := []string{"a0", "a1", "a2", "a3", "a4", "a5"}
	acc := func(name string, bal int64) backend.Account {
		return backend.Account{Name: name, Provider: backend.FiveSim, Health: backend.HealthOK, LastGood: t0, Version: uint64(bal),
			Balance: backend.NewMoney(decimal.NewFromInt(bal), "USD")}
	}
	d := NewData(append([]string(nil), order...))
	d.Apply(backend.Event{Accounts: []backend.Account{acc("a1", 10), acc("a3", 30), acc("a5", 50)}})
	p := NewBalances(themes.New("plain"))
	p.SetSize(80, 10)
	p.SetData(d)
	p.Select("a3")

	failing := acc("a1", 11)
	failing.Health, failing.LastError = backend.HealthFailing, "5sim: bad key"
	low := acc("a4", 5)
	low.HasLow, low.LowBalance = true, decimal.NewFromInt(10)
	steps := []struct {
		what string
		ev   []backend.Account
		info string
	}{
		{"a balance changes", []backend.Account{acc("a5", 51)}, "3 accounts"},
		{"a new account before the selection", []backend.Account{acc("a0", 1)}, "4 accounts"},
		{"one not in the config", []backend.Account{acc("zz", 2)}, "5 accounts"},
		{"a balance widens", []backend.Account{acc("a3", 123_456_789)}, "5 accounts"},
		{"two at once, one new", []backend.Account{acc("a4", 4), acc("a2", 2)}, "7 accounts"},
		{"the widest narrows", []backend.Account{acc("a3", 3)}, "7 accounts"},
		{"an account fails", []backend.Account{failing}, "7 accounts · 1 failing"},
		{"one runs low", []backend.Account{low}, "7 accounts · 1 failing · 1 low"},
		{"the failed one recovers", []backend.Account{acc("a1", 12)}, "7 accounts · 1 low"},
		{"the low one is topped up", []backend.Account{acc("a4", 400)}, "7 accounts"},
	}
	for _, s := range steps {
		d.Apply(backend.Event{Accounts: s.ev})
		p.Update(d, s.ev)
		fresh := NewBalances(themes.New("plain"))
		fresh.SetSize(80, 10)
		fresh.SetData(d)
		fresh.Select("a3")
		if got, want := strings.Join(p.View(t0), "\n"), strings.Join(fresh.View(t0), "\n"); got != want {
			t.Fatalf("%s: the pane\n%s\nbuilt afresh\n%s", s.what, ansi.Strip(got), ansi.Strip(want))
		}
		if a, ok := p.SelectedAccount(); !ok || a.Name != "a3" {
			t.Fatalf("%s: selected %q, want a3", s.what, a.Name)
		}
		if got := p.Info(); got != s.info {
			t.Fatalf("%s: info %q, want %q", s.what, got, s.info)
		}
	}
	var names []string
	for _, r := range p.View(t0)[:7] {
		names = append(names, strings.Fields(ansi.Strip(r))[2])
	}
	if got := fmt.Sprint(names); got != "[a0 a1 a2 a3 a4 a5 zz]" {
		t.Fatalf("order %s, want the config's, the unknown last", got)
	}
}
