// Package sim is a faithful in-process fake of the four providers' HTTP
// APIs, built from the providers' documents and the project's notes (every
// fact used is summarised in docs/providers.md): the same paths, methods, auth checks, envelopes, error codes, text bodies and
// rate-limit headers. It is stateful (buying debits, cancelling refunds,
// renewing moves the expiry) and driven by a scenario clock that delivers
// SMS, moves jobs, brings leases toward expiry and injects faults on
// demand. It powers the demo, the tests and the benchmarks.
//
// This package is the facade: each provider lives in its own package
// (pivday, fivesim, nonvoip, market) on the shared machinery of simcore
// (clock, random source, servers, faults, rate windows, webhooks), and Sim
// puts the four together on one clock and one seed.
//
// The simulator shares no wire structs with the adapters: every body is
// built from the provider packages' own definitions, so a misreading of a
// document on one side cannot hide behind the same misreading on the other.
package sim

import (
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/fivesim"
	"switchboard/backend/sim/market"
	"switchboard/backend/sim/nonvoip"
	"switchboard/backend/sim/pivday"
	"switchboard/backend/sim/simcore"
)

// Options shape a simulation (see simcore.Options).
type Options = simcore.Options

// DefaultStart is where a manual clock starts when Options.Start is zero:
// a fixed instant, so tests on a manual clock are the same at any second
// of the minute. Treat it as a constant.
var DefaultStart = simcore.DefaultStart

// Credential is one simulated account as the config file names it.
type Credential = simcore.Credential

// Faults the simulator can inject (see simcore.Fault).
type (
	Fault     = simcore.Fault
	FaultKind = simcore.FaultKind
)

const (
	Fault429          = simcore.Fault429
	Fault429NoHint    = simcore.Fault429NoHint
	Fault500          = simcore.Fault500
	FaultTimeout      = simcore.FaultTimeout
	FaultMalformed    = simcore.FaultMalformed
	FaultHTML         = simcore.FaultHTML
	FaultDrop         = simcore.FaultDrop
	FaultLoseResponse = simcore.FaultLoseResponse
)

// SMSPlan and SMS are the scenario's delivery plan and generated message.
type (
	SMSPlan = simcore.SMSPlan
	SMS     = simcore.SMS
)

// The providers and what their test hooks return.
type (
	PivDay       = pivday.PivDay
	PivDayNumber = pivday.PivDayNumber
	PivDayDomain = pivday.PivDayDomain
	FiveSim      = fivesim.FiveSim
	FiveSimOrder = fivesim.FiveSimOrder
	NonVoip      = nonvoip.NonVoip
	NonVoipOrder = nonvoip.NonVoipOrder
	Market       = market.Market
)

// 5sim behaviour constants the tests and the adapter's contract tests rely on.
const (
	FiveSimActivationLife = fivesim.FiveSimActivationLife
	FiveSimLiveAfter      = fivesim.FiveSimLiveAfter
	FiveSimCancelWait     = fivesim.FiveSimCancelWait
	FiveSimReuseWindow    = fivesim.FiveSimReuseWindow
	FiveSimPerSecond      = fivesim.FiveSimPerSecond
	FiveSimBanStrikes     = fivesim.FiveSimBanStrikes
	FiveSimBanFor         = fivesim.FiveSimBanFor
	FiveSimRatingMax      = fivesim.FiveSimRatingMax
	FiveSimRatingBlock    = fivesim.FiveSimRatingBlock
)

// Marketplace behaviour constants the tests and the adapter's contract
// tests rely on.
const (
	MarketPerMinute         = market.MarketPerMinute
	MarketCancelCooldown    = market.MarketCancelCooldown
	MarketOrderLifetime     = market.MarketOrderLifetime
	MarketCompleteAfterCode = market.MarketCompleteAfterCode
	MarketCurrency          = market.MarketCurrency
	MarketMaxPerPage        = market.MarketMaxPerPage
	MarketDefaultPerPage    = market.MarketDefaultPerPage
)

// Sim is the running simulation: the four providers on one clock.
type Sim struct {
	core *simcore.Core

	PivDay  *PivDay
	FiveSim *FiveSim
	NonVoip *NonVoip
	Market  *Market
}

// New builds a simulation and starts its servers.
func New(opts Options) *Sim {
	_, s := simcore.Run(opts, func(c *simcore.Core) *Sim {
		// The order is the seed's: each provider draws its catalogue and
		// accounts from the shared random source in turn.
		return &Sim{core: c, PivDay: pivday.New(c), FiveSim: fivesim.New(c), NonVoip: nonvoip.New(c), Market: market.New(c)}
	})
	return s
}

// URL is the base URL an adapter is configured with for provider k:
// everything before the documented paths.
func (s *Sim) URL(k backend.ProviderKind) string { return s.core.URL(k) }

// Credentials lists every simulated account.
func (s *Sim) Credentials() []Credential { return s.core.Credentials() }

// Unlisted lists, by account, the orders the simulated providers hold
// that their adapters cannot list (NonVoip has no "list my orders"
// call): the demo and the tests watch them by id, as an operator would
// with `:add`.
func (s *Sim) Unlisted() map[string][]string {
	out := map[string][]string{}
	for _, c := range s.Credentials() {
		if c.Provider == backend.NonVoip {
			if ids := s.NonVoip.OrderIDs(c.Account); len(ids) > 0 {
				out[c.Account] = ids
			}
		}
	}
	return out
}

// Now is the scenario clock.
func (s *Sim) Now() time.Time { return s.core.Now() }

// Advance moves a manual clock forward in steps of at most a second,
// running the scenario at each step. On a real clock it shifts the
// scenario's time (leases come closer to expiry) and runs one step.
func (s *Sim) Advance(d time.Duration) { s.core.Advance(d) }

// Step runs one scenario step now (tests on a manual clock).
func (s *Sim) Step() { s.core.Step() }

// Close stops the servers and the clock.
func (s *Sim) Close() { s.core.Close() }

// Hits counts requests a provider's server received (faults included).
func (s *Sim) Hits(k backend.ProviderKind) int { return s.core.Hits(k) }

// RateLimited counts 429s a provider's server sent.
func (s *Sim) RateLimited(k backend.ProviderKind) int { return s.core.RateLimited(k) }

// Inject queues a fault for provider k.
func (s *Sim) Inject(k backend.ProviderKind, f Fault) { s.core.Inject(k, f) }

// ClearFaults removes provider k's faults.
func (s *Sim) ClearFaults(k backend.ProviderKind) { s.core.ClearFaults(k) }

// SetDown makes every request to provider k fail with a dropped
// connection until SetDown(k, false).
func (s *Sim) SetDown(k backend.ProviderKind, down bool) { s.core.SetDown(k, down) }

// SetWebhook makes provider k POST the events of every account without a
// URL of its own to url ("" turns it off).
func (s *Sim) SetWebhook(k backend.ProviderKind, url string) { s.core.SetWebhook(k, url) }

// SetAccountWebhook makes provider k POST one account's events to url, as
// a piv.day API key's profile does ("" falls back to SetWebhook's URL).
func (s *Sim) SetAccountWebhook(k backend.ProviderKind, account, url string) {
	s.core.SetAccountWebhook(k, account, url)
}

// ForgeWebhook POSTs body to provider k's webhook URL at once, as anyone
// who learned the URL could: a forged event (see simcore.Core.ForgeWebhook).
func (s *Sim) ForgeWebhook(k backend.ProviderKind, body []byte) (int, error) {
	return s.core.ForgeWebhook(k, body)
}
