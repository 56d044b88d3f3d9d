package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/backend"
)

// TestInitialShowsCacheBeforeNetwork: the first frame after a restart is
// the previous run's state, read from the store before any request, with
// every account stale (health unknown); accounts stay not-ok while their
// provider is unreachable and turn ok on their first good poll.
func TestInitialShowsCacheBeforeNetwork(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{})
	h.waitReady()
	nv := watchedLine(h, backend.NonVoip)
	fs := watchedLine(h, backend.FiveSim)
	h.waitFor("every account's balance", func() bool {
		for _, a := range h.accts {
			if acc, _ := h.account(a.Name); !acc.Balance.Known {
				return false
			}
		}
		return true
	})
	balances := map[string]backend.Money{}
	for _, a := range h.accts {
		acc, _ := h.account(a.Name)
		balances[a.Name] = acc.Balance
	}
	h.stop()

	for _, k := range backend.Kinds() {
		h.sim.SetDown(k, true)
	}
	hits := 0
	for _, k := range backend.Kinds() {
		hits += h.sim.Hits(k)
	}
	h.open()
	first := h.eng().Initial()
	for _, k := range backend.Kinds() {
		hits -= h.sim.Hits(k)
	}
	if hits != 0 {
		t.Errorf("%d requests before the first frame", -hits)
	}
	if len(first.Accounts) != len(h.accts) {
		t.Fatalf("first frame has %d accounts, want %d", len(first.Accounts), len(h.accts))
	}
	for _, a := range first.Accounts {
		if a.Health != backend.HealthUnknown {
			t.Errorf("%s is %s in the first frame, want unknown (stale)", a.Name, a.Health)
		}
		if want := balances[a.Name]; !a.Balance.Known || !a.Balance.Amount.Equal(want.Amount) {
			t.Errorf("%s balance %s in the first frame, want the cached %s", a.Name, a.Balance, want)
		}
		if a.LastGood.IsZero() {
			t.Errorf("%s has no last good time in the first frame", a.Name)
		}
	}
	keys := map[backend.Key]bool{}
	for _, l := range first.Lines {
		keys[l.Key] = true
	}
	if !keys[nv.Key] || !keys[fs.Key] {
		t.Errorf("first frame lacks the cached lines (NonVoip %v, 5sim %v) among %d", keys[nv.Key], keys[fs.Key], len(first.Lines))
	}

	h.run()
	for _, a := range h.accts {
		h.waitHealth(a.Name, backend.HealthDegraded, backend.HealthFailing)
	}
	for _, k := range backend.Kinds() {
		h.sim.SetDown(k, false)
	}
	for _, a := range h.accts {
		h.waitHealth(a.Name, backend.HealthOK)
		hist := h.healthHistory(a.Name)
		if hist[0] == backend.HealthOK {
			t.Errorf("%s was ok while its provider was down: %v", a.Name, hist)
		}
	}
}

// TestDamagedStateRebuilt: a damaged state.db is moved aside and rebuilt
// from the providers (and the ledger's watched orders), the operator is
// told, and ledger.db — every SMS — is untouched.
func TestDamagedStateRebuilt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.FiveSim, backend.NonVoip}})
	h.waitReady()
	fs := watchedLine(h, backend.FiveSim)
	nv := watchedLine(h, backend.NonVoip)
	deliver(h, fs, "Your code is 246810")
	waitCode(h, fs.Key, "246810")
	before := h.stored(fs.Key)
	h.stop()

	junk := []byte(strings.Repeat("not a bolt database; ", 4096))
	if err := os.WriteFile(filepath.Join(h.dir, "state.db"), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	h.open()
	first := h.eng().Initial()
	told := false
	for _, n := range first.Notices {
		told = told || (strings.Contains(n.Text, "state.db was damaged") && n.Level == backend.Warning)
	}
	if !told {
		t.Errorf("no notice about the damaged state.db in the first frame: %+v", first.Notices)
	}
	if len(first.Lines) != 0 {
		t.Errorf("%d lines survived a damaged state.db", len(first.Lines))
	}
	after := h.stored(fs.Key)
	if len(after) != len(before) {
		t.Fatalf("ledger has %d messages for %s, had %d", len(after), fs.Key, len(before))
	}
	for i := range before {
		if after[i].ID != before[i].ID || after[i].Code != before[i].Code || after[i].Text != before[i].Text {
			t.Errorf("message %d changed: %+v → %+v", i, before[i], after[i])
		}
	}
	if _, err := os.Stat(filepath.Join(h.dir, "state.db")); err != nil {
		t.Errorf("no new state.db: %v", err)
	}

	h.run()
	h.waitReady()
	// 5sim's lines come back from its listing, with their codes from the
	// ledger; the NonVoip order, which NonVoip cannot list, is looked up
	// again from the ledger's list of watched orders.
	h.waitLine("the 5sim line rebuilt", func(l backend.Line) bool { return l.Key == fs.Key && l.Code == "246810" })
	h.waitLine("the NonVoip order looked up again", func(l backend.Line) bool { return l.Key == nv.Key })
}
