// Package simcore is the machinery the provider simulators share: the
// scenario clock and its random source, the servers, injected faults and
// rate windows, the webhook sender, JSON helpers, SMS text and the
// Credential type. Each provider package (pivday, fivesim, nonvoip,
// market) builds on a Core; package sim puts the four together.
//
// Nothing here knows a provider's wire format: each provider builds its own
// bodies, so the simulator shares no wire structs with the adapters.
package simcore

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"switchboard/backend"
)

// DefaultStart is where a manual clock starts when Options.Start is zero:
// a fixed instant (a Monday, on a minute boundary), so tests on a manual
// clock see the same rate windows and expiries at any second of the
// minute. Treat it as a constant.
var DefaultStart = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// Options shape a simulation.
type Options struct {
	Seed uint64
	// Start is the scenario clock's start; zero = DefaultStart on a manual
	// clock, now on a real one.
	Start  time.Time
	Manual bool // the clock moves only with Advance (tests)
	// Lively makes the demo scenario: new waiting orders keep appearing so
	// codes arrive every few seconds.
	Lively bool
	// Accounts per provider (default 1).
	Accounts int
	// SMSDelay bounds the delay before a waiting line's first SMS
	// (default 4s..40s).
	SMSDelay [2]time.Duration
	// NoSMS is the share of orders that never get an SMS (default 0.1);
	// SecondSMS the share that get a second, code-less SMS (default 0.3).
	NoSMS, SecondSMS float64
	// Quiet: no SMS are delivered by the scenario; tests deliver them with
	// the providers' Deliver methods.
	Quiet bool
	// Listen is the address each provider server binds (default
	// 127.0.0.1:0).
	Listen string
	// Rates override providers' rate limits (requests per minute) for
	// benchmarks; zero keeps the documented limits.
	Rates map[backend.ProviderKind]int
}

// Provider is what a provider package hands the core when it registers.
type Provider struct {
	Kind backend.ProviderKind
	// Prefix is the path before the documented paths: "/api/v1", "/v1",
	// "/manager", "/api/v1".
	Prefix string
	// Routes registers the handlers, with the prefix.
	Routes func(mux *http.ServeMux)
	// Tick is one scenario step, called with Mu held.
	Tick func(now time.Time)
	// TooMany writes the provider's own 429 answer.
	TooMany func(w http.ResponseWriter, retry time.Duration, hint bool)
	// Credentials lists the accounts it accepts (Mu held).
	Credentials func() []Credential
}

// Credential is one simulated account as the config file names it.
type Credential struct {
	Account  string
	Provider backend.ProviderKind
	// Env maps environment variable names to the secret values the
	// simulator accepts (e.g. SIM_PIV_KEY_1 → "piv-…").
	Env map[string]string
	// Fields are non-secret config fields (email) and which config key
	// takes each env var name (api_key_env, password_env).
	Fields map[string]string
}

// Core is the state every provider shares: one lock, one random source and
// one scenario clock, so a seed gives the same simulation every time.
type Core struct {
	// Mu guards the whole simulation: the core's counters and every
	// provider's state. Handlers and ticks run with it held.
	Mu sync.Mutex
	// Opts are the options after defaults (read-only).
	Opts Options
	// Rng is the scenario's random source (Mu held).
	Rng *rand.Rand

	now time.Time // manual clock
	off time.Duration

	providers []Provider
	faults    map[backend.ProviderKind][]*Fault
	down      map[backend.ProviderKind]bool
	hits      map[backend.ProviderKind]int
	limited   map[backend.ProviderKind]int
	webhooks  map[hookTarget]string // an account's own URL, or every account's (account "")
	hookq     chan hook

	servers map[backend.ProviderKind]*server
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  bool
}

// New builds a core with its clock set; providers register with it, then
// Start serves them.
func New(opts Options) *Core {
	if opts.Accounts <= 0 {
		opts.Accounts = 1
	}
	if opts.SMSDelay[1] <= 0 {
		opts.SMSDelay = [2]time.Duration{4 * time.Second, 40 * time.Second}
	}
	if opts.NoSMS == 0 {
		opts.NoSMS = 0.1
	}
	if opts.SecondSMS == 0 {
		opts.SecondSMS = 0.3
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	c := &Core{
		Opts:     opts,
		Rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed)),
		faults:   map[backend.ProviderKind][]*Fault{},
		down:     map[backend.ProviderKind]bool{},
		hits:     map[backend.ProviderKind]int{},
		limited:  map[backend.ProviderKind]int{},
		webhooks: map[hookTarget]string{},
		hookq:    make(chan hook, 256),
		servers:  map[backend.ProviderKind]*server{},
		stop:     make(chan struct{}),
	}
	start := opts.Start
	if opts.Manual {
		if start.IsZero() {
			start = DefaultStart
		}
		c.now = start.UTC()
	} else if !start.IsZero() {
		c.off = time.Until(start)
	}
	return c
}

// Run builds a core from opts, lets build put providers on it and starts
// it. Package sim runs the four providers this way; each provider
// package's tests run theirs alone.
func Run[T any](opts Options, build func(c *Core) T) (*Core, T) {
	c := New(opts)
	t := build(c)
	c.Start()
	return c, t
}

// Register adds a provider. Providers tick and list their credentials in
// the order they registered.
func (c *Core) Register(p Provider) {
	c.providers = append(c.providers, p)
}

// Start serves every registered provider and starts the webhook sender and,
// on a real clock, the scenario.
func (c *Core) Start() {
	for _, p := range c.providers {
		c.serve(p)
	}
	c.wg.Add(1)
	go c.sendHooks()
	if !c.Opts.Manual {
		c.wg.Add(1)
		go c.run()
	}
}

// URL is the base URL an adapter is configured with for provider k:
// everything before the documented paths.
func (c *Core) URL(k backend.ProviderKind) string {
	for _, p := range c.providers {
		if p.Kind == k && c.servers[k] != nil {
			return c.servers[k].url + p.Prefix
		}
	}
	return ""
}

// Credentials lists every simulated account.
func (c *Core) Credentials() []Credential {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	var out []Credential
	for _, p := range c.providers {
		out = append(out, p.Credentials()...)
	}
	return out
}

// Now is the scenario clock.
func (c *Core) Now() time.Time {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	return c.Clock()
}

// Clock is Now with Mu held.
func (c *Core) Clock() time.Time {
	if c.Opts.Manual {
		return c.now
	}
	return time.Now().Add(c.off).UTC()
}

// Advance moves a manual clock forward in steps of at most a second,
// running the scenario at each step. On a real clock it shifts the
// scenario's time (leases come closer to expiry) and runs one step.
func (c *Core) Advance(d time.Duration) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if !c.Opts.Manual {
		c.off += d
		c.step()
		return
	}
	for d > 0 {
		st := min(d, time.Second)
		c.now = c.now.Add(st)
		d -= st
		c.step()
	}
}

// Step runs one scenario step now (tests on a manual clock).
func (c *Core) Step() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.step()
}

func (c *Core) step() {
	now := c.Clock()
	for _, p := range c.providers {
		p.Tick(now)
	}
}

func (c *Core) run() {
	defer c.wg.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.Mu.Lock()
			c.step()
			c.Mu.Unlock()
		}
	}
}

// Close stops the servers (each finishes the requests it is answering)
// and the clock.
func (c *Core) Close() {
	c.Mu.Lock()
	if c.closed {
		c.Mu.Unlock()
		return
	}
	c.closed = true
	close(c.stop)
	c.Mu.Unlock()
	for _, srv := range c.servers {
		srv.close()
	}
	c.wg.Wait()
}

// Hits counts requests a provider's server received (faults included).
func (c *Core) Hits(k backend.ProviderKind) int {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	return c.hits[k]
}

// RateLimited counts 429s a provider's server sent.
func (c *Core) RateLimited(k backend.ProviderKind) int {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	return c.limited[k]
}
