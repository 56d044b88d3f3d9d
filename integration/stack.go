// Package integration runs the whole backend — engine, bbolt cache, the
// four real adapters — against the in-process simulator. The tests are in
// this package's _test files; this file builds the stack from a *sim.Sim.
package integration

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/fivesim"
	"switchboard/backend/market"
	"switchboard/backend/nonvoip"
	"switchboard/backend/pivday"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/wiring"
)

// Accounts turns the simulator's credentials into configured accounts, as
// a config file naming them would (only the kinds given; all when none).
func Accounts(s *sim.Sim, kinds ...backend.ProviderKind) []config.Account {
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

// Spec builds one account's adapter and budget. With timeout zero it goes
// through wiring.BuildAccount, exactly as the program does; a positive
// timeout bounds each HTTP attempt (the config has no such field, so the
// adapter is built directly, the way wiring would with that one change).
func Spec(acc config.Account, timeout time.Duration) (backend.AccountSpec, error) {
	if timeout <= 0 {
		return wiring.BuildAccount(acc)
	}
	rate := acc.RatePerMinute
	if rate <= 0 {
		rate = wiring.DefaultRate[acc.Provider]
	}
	budget := backend.NewBudget(rate)
	var p backend.Provider
	var err error
	switch acc.Provider {
	case backend.PivDay:
		p, err = pivday.New(pivday.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, Timeout: timeout})
	case backend.FiveSim:
		p, err = fivesim.New(fivesim.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget, Timeout: timeout})
	case backend.NonVoip:
		p, err = nonvoip.New(nonvoip.Config{Account: acc.Name, BaseURL: acc.BaseURL, Email: acc.Email, Password: acc.Password,
			Budget: budget, Timeout: timeout})
	case backend.Market:
		p, err = market.New(market.Config{Account: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey, Budget: budget,
			PerMinute: rate, Timeout: timeout})
	default:
		err = fmt.Errorf("unknown provider %q", acc.Provider)
	}
	if err != nil {
		return backend.AccountSpec{}, fmt.Errorf("account %s: %w", acc.Name, err)
	}
	return backend.AccountSpec{Provider: p, Budget: budget, LowBalance: acc.LowBalance, ReadOnly: acc.ReadOnly,
		AutoFinishOnCopy: acc.AutoFinishOnCopy, AutoCancelAfter: acc.AutoCancelAfter}, nil
}

// Stack is one run of the program's backend: a store opened in Dir and an
// engine over it.
type Stack struct {
	Dir    string
	Store  *cache.Store
	Engine *backend.Engine

	cancel context.CancelFunc
	done   chan struct{}
}

// Open opens the store in dir and builds the engine (no network yet: the
// engine's Initial event is the cached state).
func Open(dir string, accounts []config.Account, timeout time.Duration) (*Stack, error) {
	var specs []backend.AccountSpec
	for _, acc := range accounts {
		spec, err := Spec(acc, timeout)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
	}
	store, err := cache.Open(dir, cache.Options{})
	if err != nil {
		return nil, err
	}
	eng, err := backend.New(specs, backend.Options{Store: store})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return &Stack{Dir: dir, Store: store, Engine: eng}, nil
}

// Run starts the engine.
func (s *Stack) Run() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		s.Engine.Run(ctx)
	}()
}

// Stop ends the engine's run and closes the store, as quitting does.
func (s *Stack) Stop() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
	return s.Store.Close()
}
