// Package wiring turns a configured account into its adapter and rate
// budget, for the dashboard, the simulator config and the benchmark.
package wiring

import (
	"fmt"
	"time"

	"switchboard/backend"
	"switchboard/backend/fivesim"
	"switchboard/backend/market"
	"switchboard/backend/nonvoip"
	"switchboard/backend/pivday"
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
func BuildAccount(acc config.Account) (backend.AccountSpec, error) {
	return BuildAccountClock(acc, nil)
}

// BuildAccountClock is BuildAccount with the clock adapters use for times
// a provider does not state (tests pass the simulator's clock).
func BuildAccountClock(acc config.Account, now func() time.Time) (backend.AccountSpec, error) {
	rate := acc.RatePerMinute
	if rate <= 0 {
		rate = DefaultRate[acc.Provider]
	}
	budget := backend.NewBudget(rate)
	var p backend.Provider
	var err error
	switch acc.Provider {
	case backend.PivDay:
		p, err = pivday.New(pivday.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, Now: now})
	case backend.FiveSim:
		p, err = fivesim.New(fivesim.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget})
	case backend.NonVoip:
		p, err = nonvoip.New(nonvoip.Config{Account: acc.Name, BaseURL: acc.BaseURL, Email: acc.Email, Password: acc.Password, Budget: budget, Now: now})
	case backend.Market:
		p, err = market.New(market.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, PerMinute: rate, Now: now})
	default:
		err = fmt.Errorf("unknown provider %q", acc.Provider)
	}
	if err != nil {
		return backend.AccountSpec{}, fmt.Errorf("account %s: %w", acc.Name, err)
	}
	return backend.AccountSpec{Provider: p, Budget: budget, LowBalance: acc.LowBalance, ReadOnly: acc.ReadOnly,
		AutoFinishOnCopy: acc.AutoFinishOnCopy, AutoCancelAfter: acc.AutoCancelAfter}, nil
}
