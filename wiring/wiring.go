// Package wiring turns a configured account into its adapter and rate
// budget, for the dashboard, the simulator config and the benchmark.
package wiring

import (
	"fmt"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/fivesim"
	"switchboard/backend/market"
	"switchboard/backend/nonvoip"
	"switchboard/backend/pivday"
	"switchboard/backend/sim"
	"switchboard/config"
)

// DefaultRate is each provider's request budget when the config sets
// none: piv.day documents 100/min per key; 5sim allows far more but bans
// keys that hit its limits, so stay modest; NonVoip's headers correct the
// figure on the first answer; the marketplace documents nothing.
var DefaultRate = map[backend.ProviderKind]float64{
	backend.PivDay: 100, backend.FiveSim: 120, backend.NonVoip: 60, backend.Market: 60,
}

// BuildAccount makes the adapter for one configured account, sharing one
// budget between the adapter's transport and the engine's scheduler.
func BuildAccount(acc config.Account) (engine.AccountSpec, error) {
	return Build(acc, Options{})
}

// Options adjust what the config does not say (tests and benchmarks).
type Options struct {
	Now     func() time.Time // the adapters' clock for times a provider does not state
	Timeout time.Duration    // per HTTP attempt; 0 = the transport's default
}

// Build is BuildAccount with options.
func Build(acc config.Account, o Options) (engine.AccountSpec, error) {
	now, timeout := o.Now, o.Timeout
	rate := acc.RatePerMinute
	if rate <= 0 {
		rate = DefaultRate[acc.Provider]
	}
	budget := backend.NewBudget(rate)
	var p backend.Provider
	var err error
	switch acc.Provider {
	case backend.PivDay:
		p, err = pivday.New(pivday.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, Now: now, Timeout: timeout})
	case backend.FiveSim:
		p, err = fivesim.New(fivesim.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, Timeout: timeout})
	case backend.NonVoip:
		p, err = nonvoip.New(nonvoip.Config{Account: acc.Name, BaseURL: acc.BaseURL, Email: acc.Email, Password: acc.Password, Budget: budget, Now: now, Timeout: timeout})
	case backend.Market:
		p, err = market.New(market.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, PerMinute: rate, Now: now, Timeout: timeout})
	default:
		err = fmt.Errorf("unknown provider %q", acc.Provider)
	}
	if err != nil {
		return engine.AccountSpec{}, fmt.Errorf("account %s: %w", acc.Name, err)
	}
	return engine.AccountSpec{Provider: p, Budget: budget, LowBalance: acc.LowBalance, ReadOnly: acc.ReadOnly,
		AutoFinishOnCopy: acc.AutoFinishOnCopy, AutoCancelAfter: acc.AutoCancelAfter}, nil
}

// SimAccounts turns a simulator's credentials into configured accounts, as
// the config `switchboard sim` prints would (only the kinds given; all
// when none).
func SimAccounts(s *sim.Sim, kinds ...backend.ProviderKind) []config.Account {
	want := map[backend.ProviderKind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var out []config.Account
	for _, c := range s.Credentials() {
		if len(want) > 0 && !want[c.Provider] {
			continue
		}
		acc := config.Account{Name: c.Account, Provider: c.Provider, BaseURL: s.URL(c.Provider), Email: c.Fields["email"]}
		for env, secret := range c.Env {
			if strings.HasSuffix(env, "_PASSWORD") {
				acc.Password = secret
			} else {
				acc.APIKey = secret
			}
		}
		out = append(out, acc)
	}
	return out
}
