// Package stack assembles one run of Switchboard's backend the way the
// program runs it: the store in a state directory, an adapter per
// configured account (wiring) and the engine over them. The dashboard,
// the demo, the screenshots and the tests all build it here, over real
// providers or over the in-process simulator (Sim), so there is one way
// to start it and one way to quit: Stop cancels the engine, waits for it
// and its workers, then closes the store.
package stack

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/wiring"
)

// Options say what to build.
type Options struct {
	Accounts []config.Account
	Adapters wiring.Options // the adapters' clock and HTTP timeout
	Store    cache.Options
	// Shared, when set, is the engine's store instead of the cache in the
	// state directory: a cluster node's etcd store (cluster/node).
	Shared backend.Store
	Engine engine.Options // its Store is the one Open opens (or Shared)
	// Watch lists, by account, orders to follow by id: orders a provider
	// cannot list (NonVoip's) that were placed before this run.
	Watch map[string][]string
	// LogFile names the file in the state directory the engine's warnings
	// go to ("" = nowhere). The terminal belongs to the dashboard.
	LogFile string
	// Wrap, when set, sees each account's spec before the engine does
	// (the benchmark meters every adapter this way).
	Wrap func(engine.AccountSpec) engine.AccountSpec
}

// Stack is one run of the backend: a store opened in Dir and an engine
// over it.
type Stack struct {
	Dir    string
	Store  backend.Store // the cache in Dir, or Options.Shared
	Engine *engine.Engine
	Log    *slog.Logger // the run's warnings (Options.LogFile)

	closeLog func()
	cancel   context.CancelFunc
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// Open builds the adapters, opens the store in dir and builds the engine
// over them. Nothing touches the network until Start: the engine's
// Initial event is the cached state.
func Open(dir string, o Options) (*Stack, error) {
	var specs []engine.AccountSpec
	for _, acc := range o.Accounts {
		spec, err := wiring.Build(acc, o.Adapters)
		if err != nil {
			return nil, err
		}
		if o.Wrap != nil {
			spec = o.Wrap(spec)
		}
		specs = append(specs, spec)
	}
	var store backend.Store = o.Shared
	if store != nil {
		if err := os.MkdirAll(dir, 0o700); err != nil { // the log, host key and socket still live there
			return nil, err
		}
	} else {
		cached, err := cache.Open(dir, o.Store)
		if err != nil {
			return nil, err
		}
		store = cached
	}
	// The log goes in the directory the store has just made private.
	log, closeLog := slog.New(slog.DiscardHandler), func() {}
	if o.LogFile != "" {
		log, closeLog = openLog(filepath.Join(dir, o.LogFile))
	}
	if o.Engine.Log == nil {
		o.Engine.Log = log
	}
	o.Engine.Store = store
	eng, err := engine.New(specs, o.Engine)
	if err != nil {
		closeLog()
		return nil, errors.Join(err, store.Close())
	}
	accounts := make([]string, 0, len(o.Watch))
	for a := range o.Watch {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts) // the same order on every run
	for _, a := range accounts {
		for _, id := range o.Watch[a] {
			eng.Watch(a, id)
		}
	}
	return &Stack{Dir: dir, Store: store, Engine: eng, Log: log, closeLog: closeLog}, nil
}

// Start runs the engine until Stop.
func (s *Stack) Start() {
	if s.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		s.Engine.Run(ctx)
	}()
}

// Stop quits as the program does: cancel the engine, wait until it and
// its workers have returned, then close the store (and the log). Later
// calls return the first one's error.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
		}
		s.stopErr = s.Store.Close()
		s.closeLog()
	})
	return s.stopErr
}

// openLog appends to path (0600), first moving a log over 10 MB aside.
// Without a file the run logs nowhere rather than failing.
func openLog(path string) (*slog.Logger, func()) {
	if st, err := os.Stat(path); err == nil && st.Size() > 10<<20 {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return slog.New(slog.DiscardHandler), func() {}
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), func() { f.Close() }
}

// Sim is what Open needs to run over a simulator: every simulated
// account (at rate requests a minute; 0 keeps each provider's default),
// the adapters on the simulator's clock, and the orders the adapters
// cannot list watched by id.
func Sim(s *sim.Sim, rate float64) Options {
	accs := wiring.SimAccounts(s)
	for i := range accs {
		accs[i].RatePerMinute = rate
	}
	return Options{Accounts: accs, Adapters: wiring.Options{Now: s.Now}, Watch: s.Unlisted()}
}
