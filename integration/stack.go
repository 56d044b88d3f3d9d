// Package integration runs the whole backend — engine, bbolt cache, the
// four real adapters — against the in-process simulator. The tests are in
// this package's _test files; this file builds the stack from a *sim.Sim.
package integration

import (
	"context"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/wiring"
)

// Accounts turns the simulator's credentials into configured accounts
// (only the kinds given; all when none).
func Accounts(s *sim.Sim, kinds ...backend.ProviderKind) []config.Account {
	return wiring.SimAccounts(s, kinds...)
}

// Spec builds one account's adapter and budget exactly as the program
// does; a positive timeout bounds each HTTP attempt.
func Spec(acc config.Account, timeout time.Duration) (engine.AccountSpec, error) {
	return wiring.Build(acc, wiring.Options{Timeout: timeout})
}

// Stack is one run of the program's backend: a store opened in Dir and an
// engine over it.
type Stack struct {
	Dir    string
	Store  *cache.Store
	Engine *engine.Engine

	cancel context.CancelFunc
	done   chan struct{}
}

// Open opens the store in dir and builds the engine (no network yet: the
// engine's Initial event is the cached state).
func Open(dir string, accounts []config.Account, timeout time.Duration) (*Stack, error) {
	var specs []engine.AccountSpec
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
	eng, err := engine.New(specs, engine.Options{Store: store})
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
