package stack

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
)

func quietSim(t *testing.T) *sim.Sim {
	t.Helper()
	rates := map[backend.ProviderKind]int{}
	for _, k := range backend.Kinds() {
		rates[k] = 6000
	}
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 3, Rates: rates})
	t.Cleanup(s.Close)
	return s
}

// The stack over a simulator shows everything the simulator holds —
// every provider, the orders only watching finds — and Stop ends the
// engine before the store closes: the events end, a second Stop is a
// no-op.
func TestStackOverSimulatorShowsEverythingThenStops(t *testing.T) {
	s := quietSim(t)
	o := Sim(s, 6000)
	if len(o.Watch) == 0 {
		t.Fatal("no orders to watch: the simulator's unlisted orders are not passed on")
	}
	st, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	st.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want, err := Read(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var state backend.Event
	if err := Synced(ctx, st.Engine.Events(), want, &state); err != nil {
		t.Fatal(err)
	}
	kinds := map[backend.ProviderKind]bool{}
	for _, a := range state.Accounts {
		kinds[a.Provider] = true
	}
	shown := map[string]bool{}
	for _, l := range state.Lines {
		shown[l.Account+"/"+l.ID] = true
	}
	for account, ids := range o.Watch {
		for _, id := range ids {
			if !shown[account+"/"+id] {
				t.Errorf("watched order %s of %s not shown", id, account)
			}
		}
	}
	if len(kinds) != len(backend.Kinds()) {
		t.Fatalf("accounts of %v shown, want every provider", kinds)
	}
	if err := st.Stop(); err != nil {
		t.Fatal(err)
	}
	for range st.Engine.Events() { // closed once the engine has returned
	}
	if err := st.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// Missing names what the state lacks: an account that has not polled
// well, then items the providers hold.
func TestMissingNamesWhatIsNotShown(t *testing.T) {
	k := backend.MakeKey(backend.FiveSim, "a", backend.ItemLine, "1")
	h := Holdings{accounts: []string{"a"}, keys: map[backend.Key]bool{k: true}, messages: map[string]bool{"m1": true}}
	var ev backend.Event
	if m := h.Missing(ev); m == "" {
		t.Fatal("nothing missing from an empty state")
	}
	ev.Accounts = []backend.Account{{Name: "a", Health: backend.HealthOK, Balance: backend.NewMoney(decimal.Zero, "")}}
	if m := h.Missing(ev); m != "2 items, e.g. SMS m1" {
		t.Fatalf("missing %q", m)
	}
	ev.Lines = []*backend.Line{{Key: k}}
	ev.Messages = []backend.Message{{ID: "m1", Line: k}}
	if m := h.Missing(ev); m != "" {
		t.Fatalf("missing %q from a state that shows everything", m)
	}
}

// Wrap sees every account's spec, and the engine drives what it returns.
func TestWrapReplacesEachAccountsProvider(t *testing.T) {
	s := quietSim(t)
	o := Sim(s, 6000)
	var wrapped []*countingProvider
	o.Wrap = func(spec engine.AccountSpec) engine.AccountSpec {
		c := &countingProvider{Provider: spec.Provider}
		wrapped = append(wrapped, c)
		spec.Provider = c
		return spec
	}
	st, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop()
	if len(wrapped) != len(o.Accounts) {
		t.Fatalf("Wrap saw %d accounts, want %d", len(wrapped), len(o.Accounts))
	}
	st.Start()
	timeout := time.After(20 * time.Second)
	for _, c := range wrapped {
		for c.calls.Load() == 0 {
			select {
			case <-st.Engine.Events():
			case <-timeout:
				t.Fatal("the engine never called a wrapped provider")
			}
		}
	}
}

// countingProvider counts the engine's balance reads.
type countingProvider struct {
	backend.Provider
	calls atomic.Int64
}

func (c *countingProvider) Balance(ctx context.Context) (backend.Account, error) {
	c.calls.Add(1)
	return c.Provider.Balance(ctx)
}
