package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/wiring"
)

// watchedLine returns a line of provider k the engine reads for codes: a
// waiting activation (5sim, market), an active rental (piv.day), or the
// simulator's first seeded NonVoip order, added by id (NonVoip cannot list).
func watchedLine(h *harness, k backend.ProviderKind) backend.Line {
	h.t.Helper()
	acct := h.accountName(k)
	switch k {
	case backend.NonVoip:
		id := h.sim.NonVoip.OrderIDs(acct)[0] // a waiting short-term order
		h.eng().Add(acct, id)
		return h.waitLine("the added NonVoip order", func(l backend.Line) bool {
			return l.Account == acct && l.ID == id && l.State == backend.LineWaiting
		})
	case backend.PivDay:
		return h.waitLine("an active piv.day number", func(l backend.Line) bool {
			return l.Account == acct && l.State == backend.LineActive
		})
	}
	return h.waitLine("a waiting "+string(k)+" line", func(l backend.Line) bool {
		return l.Account == acct && l.State == backend.LineWaiting
	})
}

// deliver makes an SMS arrive on a line in the simulator.
func deliver(h *harness, l backend.Line, text string) {
	h.t.Helper()
	var err error
	switch l.Provider {
	case backend.FiveSim:
		err = h.sim.FiveSim.Deliver(l.ID, text)
	case backend.Market:
		err = h.sim.Market.Deliver(l.ID, text)
	case backend.PivDay:
		err = h.sim.PivDay.Deliver(l.ID, text)
	case backend.NonVoip:
		err = h.sim.NonVoip.Deliver(l.ID, text)
	}
	if err != nil {
		h.t.Fatalf("deliver to %s: %v", l.Key, err)
	}
}

// waitCode waits until a message with code on line k was emitted and is in
// the ledger, and checks it is there once.
func waitCode(h *harness, k backend.Key, code string) {
	h.t.Helper()
	count := func(ms []backend.Message) int {
		n := 0
		for _, m := range ms {
			if m.Code == code {
				n++
			}
		}
		return n
	}
	h.waitFor("code "+code+" on "+string(k)+" emitted and stored", func() bool {
		return count(h.messagesFor(k)) > 0 && count(h.stored(k)) > 0
	})
	if n := count(h.stored(k)); n != 1 {
		h.t.Errorf("code %s stored %d times, want once", code, n)
	}
	if n := count(h.messagesFor(k)); n != 1 {
		h.t.Errorf("code %s emitted %d times, want once", code, n)
	}
}

// readableError checks an account's LastError is something an operator
// can read: present, naming the provider, one short line, no markup.
func readableError(t *testing.T, a backend.Account) {
	t.Helper()
	e := a.LastError
	if e == "" {
		t.Errorf("%s is %s with no LastError", a.Name, a.Health)
		return
	}
	if !strings.HasPrefix(e, a.Provider.Label()+":") {
		t.Errorf("%s LastError %q does not name the provider", a.Name, e)
	}
	if len([]rune(e)) > 300 || strings.ContainsAny(e, "\n\r\x1b") {
		t.Errorf("%s LastError is not one short line: %q", a.Name, e)
	}
	for _, bad := range []string{"<html", "<!doctype", "<body", "<head", "<title"} {
		if strings.Contains(strings.ToLower(e), bad) {
			t.Errorf("%s LastError %q carries markup %q", a.Name, e, bad)
		}
	}
}

// faultCase is one kind of trouble at one provider, with another
// provider's account running beside it.
type faultCase struct {
	name    string
	kind    backend.ProviderKind
	other   backend.ProviderKind
	fault   sim.Fault     // Times 0: until cleared
	storm   bool          // the fault ends by itself (Times > 0): no clearing
	down    bool          // SetDown instead of a fault
	timeout time.Duration // per HTTP attempt
	errHas  string        // expected in LastError
}

var faultCases = []faultCase{
	// 429 storms that carry a pause hint (Retry-After / retryAfter).
	{name: "429-hint/pivday", kind: backend.PivDay, other: backend.FiveSim,
		fault: sim.Fault{Kind: sim.Fault429, Times: 3, Retry: 2 * time.Second}, storm: true, errHas: "rate limited"},
	{name: "429-hint/nonvoip", kind: backend.NonVoip, other: backend.Market,
		fault: sim.Fault{Kind: sim.Fault429, Times: 3, Retry: 2 * time.Second}, storm: true, errHas: "rate limited"},
	{name: "429-hint/market", kind: backend.Market, other: backend.PivDay,
		fault: sim.Fault{Kind: sim.Fault429, Times: 3, Retry: 2 * time.Second}, storm: true, errHas: "rate limited"},
	// 429 storms without a hint: 5sim never sends one.
	{name: "429-nohint/fivesim", kind: backend.FiveSim, other: backend.NonVoip,
		fault: sim.Fault{Kind: sim.Fault429, Times: 3}, storm: true, errHas: "rate limited"},
	{name: "429-nohint/nonvoip", kind: backend.NonVoip, other: backend.PivDay,
		fault: sim.Fault{Kind: sim.Fault429NoHint, Times: 3}, storm: true, errHas: "rate limited"},
	{name: "500/market", kind: backend.Market, other: backend.FiveSim,
		fault: sim.Fault{Kind: sim.Fault500}, errHas: "500"},
	{name: "500/pivday", kind: backend.PivDay, other: backend.NonVoip,
		fault: sim.Fault{Kind: sim.Fault500}, errHas: "500"},
	{name: "timeout/fivesim", kind: backend.FiveSim, other: backend.Market, timeout: time.Second,
		fault: sim.Fault{Kind: sim.FaultTimeout}, errHas: "timed out"},
	{name: "timeout/nonvoip", kind: backend.NonVoip, other: backend.FiveSim, timeout: time.Second,
		fault: sim.Fault{Kind: sim.FaultTimeout}, errHas: "timed out"},
	{name: "malformed/pivday", kind: backend.PivDay, other: backend.Market,
		fault: sim.Fault{Kind: sim.FaultMalformed}},
	{name: "malformed/fivesim", kind: backend.FiveSim, other: backend.PivDay,
		fault: sim.Fault{Kind: sim.FaultMalformed}},
	{name: "html/nonvoip", kind: backend.NonVoip, other: backend.FiveSim,
		fault: sim.Fault{Kind: sim.FaultHTML}, errHas: "502"},
	{name: "html/market", kind: backend.Market, other: backend.NonVoip,
		fault: sim.Fault{Kind: sim.FaultHTML}, errHas: "502"},
	{name: "drop/fivesim", kind: backend.FiveSim, other: backend.PivDay,
		fault: sim.Fault{Kind: sim.FaultDrop}},
	{name: "drop/pivday", kind: backend.PivDay, other: backend.Market,
		fault: sim.Fault{Kind: sim.FaultDrop}},
	{name: "down/nonvoip", kind: backend.NonVoip, other: backend.Market, down: true},
}

// TestFaultsDuringPolling: for each kind of trouble, the account in
// trouble turns degraded or failing with a readable error while the other
// account stays ok; an SMS delivered during the trouble is stored and
// emitted once the provider recovers; health comes back to ok by itself.
func TestFaultsDuringPolling(t *testing.T) {
	t.Parallel()
	for i, fc := range faultCases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{kinds: []backend.ProviderKind{fc.kind, fc.other}, timeout: fc.timeout})
			h.waitReady()
			name, other := h.accountName(fc.kind), h.accountName(fc.other)
			l := watchedLine(h, fc.kind)

			if fc.down {
				h.sim.SetDown(fc.kind, true)
			} else {
				h.sim.Inject(fc.kind, fc.fault)
			}
			bad := h.waitHealth(name, backend.HealthDegraded, backend.HealthFailing)
			readableError(t, bad)
			if fc.errHas != "" && !strings.Contains(bad.LastError, fc.errHas) {
				t.Errorf("LastError %q does not say %q", bad.LastError, fc.errHas)
			}
			if !fc.down && fc.fault.Kind == sim.Fault429 && fc.kind != backend.FiveSim && !h.wasPaused(name) {
				t.Errorf("the 429's hint did not pause %s", name)
			}
			if got := h.healthOf(other); got != backend.HealthOK {
				t.Errorf("%s is %s while %s is in trouble", other, got, name)
			}

			code := fmt.Sprintf("48%04d", i)
			deliver(h, l, "Your verification code is "+code)
			if !fc.storm {
				if fc.down {
					h.sim.SetDown(fc.kind, false)
				} else {
					h.sim.ClearFaults(fc.kind)
				}
			}
			waitCode(h, l.Key, code)
			h.waitHealth(name, backend.HealthOK)
			if hist := h.healthHistory(other); len(hist) != 1 || hist[0] != backend.HealthOK {
				t.Errorf("%s went through %v while only %s was in trouble", other, hist, name)
			}
		})
	}
}

// TestProviderDownAtStart: a provider that is down when the program
// starts leaves its account failing (every call failed, nothing good this
// run) with a readable error; an SMS that arrives meanwhile shows up once
// it is back, and health returns to ok by itself.
func TestProviderDownAtStart(t *testing.T) {
	t.Parallel()
	for _, k := range []backend.ProviderKind{backend.FiveSim, backend.Market, backend.PivDay} {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			other := backend.NonVoip
			su := setup{kinds: []backend.ProviderKind{k, other}}
			s := sim.New(sim.Options{Seed: 11, Quiet: true, Rates: simRates})
			t.Cleanup(s.Close)
			// Pick the line before the provider goes down.
			var target backend.Line
			name := wiring.SimAccounts(s, k)[0].Name
			switch k {
			case backend.FiveSim:
				target = backend.Line{Provider: k, ID: openFiveSimOrder(t, s, name)}
			case backend.Market:
				target = backend.Line{Provider: k, ID: pendingMarketOrder(t, s, name)}
			case backend.PivDay:
				for _, id := range s.PivDay.NumberIDs(name) {
					if st, _, _ := s.PivDay.Number(id); st == "active" && target.ID == "" {
						target = backend.Line{Provider: k, ID: id}
					}
				}
			}
			target.Key = backend.MakeKey(k, name, backend.ItemLine, target.ID)
			s.SetDown(k, true)
			h := newHarnessOn(t, s, su)
			bad := h.waitHealth(name, backend.HealthFailing)
			readableError(t, bad)
			if !bad.LastGood.IsZero() {
				t.Errorf("%s claims a good poll at %s while its provider was down", name, bad.LastGood)
			}

			// The engine has never seen the line: the listing after
			// recovery must bring it with the SMS that came meanwhile.
			deliver(h, target, "Your code is 73519")
			s.SetDown(k, false)
			waitCode(h, target.Key, "73519")
			h.waitHealth(name, backend.HealthOK)
			if hist := h.healthHistory(h.accountName(other)); len(hist) != 1 || hist[0] != backend.HealthOK {
				t.Errorf("%s went through %v while only %s was down", h.accountName(other), hist, name)
			}
		})
	}
}
