// Package wiring holds the one table of supported providers — each
// adapter's descriptor and constructor — and turns a configured account
// into its adapter and rate budget. It registers the table with backend
// at start, so the config, the buy picker, the cache and the webhook
// notes know every provider without naming one. Adding a provider is one
// line in the table (docs/adding-a-provider.md).
package wiring

import (
	"fmt"
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

// provider is one row of the table: what the program knows of a provider
// and how to build an account's adapter.
type provider struct {
	backend.Descriptor
	open func(backend.AccountSetup) (backend.Provider, error)
}

// table lists every supported provider, in display order.
var table = []provider{
	{pivday.Descriptor, pivday.Open},
	{fivesim.Descriptor, fivesim.Open},
	{nonvoip.Descriptor, nonvoip.Open},
	{market.Descriptor, market.Open},
}

func init() {
	for _, p := range table {
		backend.Register(p.Descriptor)
	}
}

func lookup(k backend.ProviderKind) (provider, bool) {
	for _, p := range table {
		if p.Kind == k {
			return p, true
		}
	}
	return provider{}, false
}

// DefaultRate is a provider's request budget per minute when the config
// sets none: its descriptor's Rate.
func DefaultRate(k backend.ProviderKind) float64 {
	p, _ := lookup(k)
	return p.Rate
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
	p, ok := lookup(acc.Provider)
	if !ok {
		return engine.AccountSpec{}, fmt.Errorf("account %s: unknown provider %q", acc.Name, acc.Provider)
	}
	rate := acc.RatePerMinute
	if rate <= 0 {
		rate = p.Rate
	}
	budget := backend.NewBudget(rate)
	prov, err := p.open(backend.AccountSetup{Name: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey,
		Email: acc.Email, Password: acc.Password, Budget: budget, Now: o.Now, Timeout: o.Timeout})
	if err != nil {
		return engine.AccountSpec{}, fmt.Errorf("account %s: %w", acc.Name, err)
	}
	return engine.AccountSpec{Provider: prov, Budget: budget, LowBalance: acc.LowBalance, ReadOnly: acc.ReadOnly,
		AutoFinishOnCopy: acc.AutoFinishOnCopy, AutoCancelAfter: acc.AutoCancelAfter}, nil
}

// SimAccounts turns a simulator's credentials into configured accounts,
// as the config `switchboard sim` prints would (only the kinds given; all
// when none). Each credential names the config field that takes each
// secret (api_key_env, password_env), so no provider is named here.
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
		out = append(out, config.Account{Name: c.Account, Provider: c.Provider, BaseURL: s.URL(c.Provider),
			Email: c.Fields["email"], APIKey: c.Env[c.Fields["api_key_env"]], Password: c.Env[c.Fields["password_env"]]})
	}
	return out
}
