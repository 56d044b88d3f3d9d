package bench

import (
	"fmt"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/config"
	"switchboard/wiring"
)

// provider is how the benchmark uses one provider: what it buys, how it
// stocks the simulator, how codes are paced on a line and what limit the
// simulator enforces.
type provider struct {
	Kind  backend.ProviderKind
	Buy   backend.BuyRequest
	Pace  pacing
	Limit string  // the provider's limit as the simulator enforces it
	Rate  float64 // the simulated limit per minute (0: far above the budget)
	// stock gives the account money and numbers for every line.
	stock func(s *sim.Sim, account string, lines int) error
	// deliver makes an SMS arrive on an order now.
	deliver func(s *sim.Sim, id, text string) error
}

// Codes on piv.day, 5sim and marketplace lines can follow each other
// closely: each read returns every recent SMS of the line. NonVoip's
// getsms returns only the newest SMS, so a second code before the next
// read would hide the first; its codes are spaced wider than the longest
// read interval of either side (about 50 s for the naive poller while the
// limit blocks it).
var providers = []provider{
	{
		Kind: backend.PivDay, Buy: backend.BuyRequest{Category: "number", Country: "SE"},
		Pace: pacing{MinGap: 8 * time.Second, Spread: 24 * time.Second}, Limit: "100/min", Rate: 100,
		stock: func(s *sim.Sim, account string, lines int) error {
			s.PivDay.SetBalance(account, 1e6)
			s.PivDay.SetStock("SE", 10*lines+100)
			return nil
		},
		deliver: func(s *sim.Sim, id, text string) error { return s.PivDay.Deliver(id, text) },
	},
	{
		Kind: backend.FiveSim, Buy: backend.BuyRequest{Category: "activation", Country: "russia", Operator: "beeline", Product: "telegram"},
		Pace: pacing{MinGap: 8 * time.Second, Spread: 24 * time.Second}, Limit: "100/s",
		stock: func(s *sim.Sim, account string, lines int) error {
			s.FiveSim.SetBalance(account, 1e6)
			if !s.FiveSim.SetStock("russia", "beeline", "telegram", 10*lines+100) {
				return fmt.Errorf("5sim simulator sells no russia/beeline/telegram")
			}
			return nil
		},
		deliver: func(s *sim.Sim, id, text string) error { return s.FiveSim.Deliver(id, text) },
	},
	{
		Kind: backend.NonVoip, Buy: backend.BuyRequest{Category: "short_term", Product: "10000086"},
		Pace: pacing{MinGap: 60 * time.Second, Spread: 30 * time.Second}, Limit: "60/min", Rate: 60,
		stock: func(s *sim.Sim, account string, lines int) error {
			s.NonVoip.SetBalance(account, 1e5)
			s.NonVoip.SetAvailable(10000086, 10*lines+100)
			return nil
		},
		deliver: func(s *sim.Sim, id, text string) error { return s.NonVoip.Deliver(id, text) },
	},
	{
		Kind: backend.Market, Buy: backend.BuyRequest{Category: "numbers", Country: "1", Product: "123"},
		Pace: pacing{MinGap: 8 * time.Second, Spread: 24 * time.Second}, Limit: "60/min", Rate: 60,
		stock: func(s *sim.Sim, account string, lines int) error {
			if err := s.Market.SetBalance(account, "1000000000.00"); err != nil {
				return err
			}
			return s.Market.SetStock("numbers", "123", 10*lines+100)
		},
		deliver: func(s *sim.Sim, id, text string) error { return s.Market.Deliver(id, text) },
	},
}

// simRates is the simulators' limits: the documented ones, times scale.
// 5sim's per-second limit is left alone (far above any budget here).
func simRates(scale float64) map[backend.ProviderKind]int {
	if scale == 1 {
		return nil
	}
	out := map[backend.ProviderKind]int{}
	for _, p := range providers {
		if p.Rate > 0 {
			out[p.Kind] = int(p.Rate * scale)
		}
	}
	return out
}

// account is the simulator's account of kind k as a config file names it,
// with the given budget.
func account(s *sim.Sim, k backend.ProviderKind, rate float64) (config.Account, error) {
	accs := wiring.SimAccounts(s, k)
	if len(accs) == 0 {
		return config.Account{}, fmt.Errorf("the simulator has no %s account", k.Label())
	}
	acc := accs[0]
	acc.RatePerMinute = rate
	return acc, nil
}
