package backend

import (
	"context"
	"time"
)

// Provider is what the engine needs from one configured account. Every call
// takes a context (the engine sets a deadline) and returns *Error on
// failure. Implementations are safe for concurrent use.
type Provider interface {
	Kind() ProviderKind
	Account() string
	Traits() Traits

	// Balance reads the account's money (and 5sim's frozen amount and
	// rating). Only the money fields of the result are used.
	Balance(ctx context.Context) (Account, error)

	// Lines lists the numbers the account holds now, open ones and recent
	// closed ones, with the SMS the listing carries. Providers that cannot
	// list (NonVoip) return nothing: the engine keeps their lines.
	Lines(ctx context.Context) ([]Line, []Message, error)

	// Check refreshes the given open lines in the cheapest way the provider
	// offers (one listing for many lines where it can). Lines missing from
	// the result are unchanged.
	Check(ctx context.Context, lines []Line) ([]Line, []Message, error)

	// Leases lists everything that expires: proxy orders, domains, rented
	// numbers, SSL certificates.
	Leases(ctx context.Context) ([]Lease, error)

	// Jobs lists queued work; known holds jobs the engine tracks that the
	// provider cannot list (a domain queue id, a restore batch).
	Jobs(ctx context.Context, known []Job) ([]Job, error)

	// Do carries out an action. A paid call that got no clear answer
	// returns ErrOutcomeUnknown and is never re-sent by the adapter.
	Do(ctx context.Context, act Action, t Target) (Outcome, error)

	// Settle re-reads the provider to learn whether an action whose outcome
	// was unknown happened.
	Settle(ctx context.Context, act Action, t Target) (Settled, Outcome, error)

	// Catalog answers one step of the buy picker.
	Catalog(ctx context.Context, req CatalogRequest) ([]CatalogItem, error)
}

// Target is the item an action applies to, as the engine knew it when the
// action was journaled. Settle compares it with the provider's state now.
type Target struct {
	Line     *Line
	Lease    *Lease
	Job      *Job
	Lines    []Line          // several numbers (piv.day restore)
	KnownIDs map[string]bool // line / order ids the account had before a buy
	// Claimed holds provider order ids that other journal entries already
	// settled onto: a buy's Settle must never match one of them, so two
	// identical lost buys are matched to two orders, never to the same one.
	Claimed map[string]bool
	Balance *Money // the account's balance when the action was journaled
}

// Traits tell the scheduler how to spend an account's rate budget.
type Traits struct {
	// BatchCheck: one Check call covers every waiting line (5sim, market),
	// so its cost does not grow with the number of lines.
	BatchCheck bool
	// ListsLines is false when the provider has no "list my orders" call
	// (NonVoip): lines live only in the cache.
	ListsLines bool
	// PerMinute is the default request budget when the config sets none.
	PerMinute float64
	// CheckTimeout bounds one Check call.
	CheckTimeout time.Duration
}

// Adder is implemented by providers whose orders can be added by id
// because the provider cannot list them (NonVoip: `:add nonvoip 146185`).
type Adder interface {
	Lookup(ctx context.Context, id string) (Line, []Message, error)
}

// Refiner is implemented by providers whose rules depend on what only
// Switchboard remembers of a line (Extra: bought with reuse=1): after the
// engine merges a listing with what it knew, Refine re-derives what the
// line allows. It must be pure and cheap.
type Refiner interface {
	Refine(l Line) Line
}

// WebhookParser is implemented by providers that push events (piv.day
// webhooks, NonVoip callbacks). The body is untrusted.
type WebhookParser interface {
	ParseWebhook(body []byte) ([]Line, []Message, []Lease, []Job, error)
}

// Buy picker steps. A provider's BuySteps lists which apply, in order.
const (
	StepCategory  = "category"   // what to buy (activation, hosting, proxy, ...)
	StepCountry   = "country"    // → BuyRequest.Country
	StepOperator  = "operator"   // → BuyRequest.Operator
	StepProduct   = "product"    // → BuyRequest.Product (5sim product, NonVoip product_id, market service_id, piv.day server_id)
	StepAreaCodes = "area_codes" // → BuyRequest.AreaCodes
	StepParent    = "parent"     // market logs parent category
)

// CatalogRequest asks for the options of one picker step given the choices
// made so far (by step name).
type CatalogRequest struct {
	Category string
	Step     string
	Chosen   map[string]string
}

// CatalogItem is one option of a picker step.
type CatalogItem struct {
	ID    string
	Label string
	Price Money   // unit price, when the step carries one
	Per   int     // units the price is for (1000 for "price per 1000"); 0 means 1
	Stock int     // -1 when unknown
	Rate  float64 // delivery rate in percent, 0 when unknown
	// Min and Max bound the quantity one order may ask for (a boost
	// service's limits); 0 when the provider sets none.
	Min, Max int
	Note     string
}

// BuyFlow is implemented by providers to describe their purchase steps.
type BuyFlow interface {
	// BuyCategories lists what can be bought (e.g. "activation", "hosting").
	BuyCategories() []string
	// BuySteps lists the picker steps for a category, in order.
	BuySteps(category string) []string
}
