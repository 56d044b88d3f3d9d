// Package market simulates the marketplace "API v1" for package sim:
// the wallet, number, boosting and logs orders, and idempotent purchases.
package market

// Market simulates the marketplace "API v1" (market.md and NOTES.md
// "Marketplace", summarised in docs/providers.md, 'Marketplace "API
// v1"'): wallet, numbers (countries, services, area codes,
// orders with check and cancel), boosting (categories, services, orders with
// check and cancel) and logs (parent categories, categories, orders), all
// under /api/v1 with a Bearer key.
//
// The document gives paths, the purchase bodies, the error shape and the
// error codes; almost every success body is undocumented. The choices made
// here (one per call, kept consistent; the adapter must tolerate all of
// them):
//
//   - Single objects: {"success": true, "data": {...}}; purchases and
//     cancels add "message". A new purchase answers 201; a replay of the
//     same idempotency key with the same payload answers 200 with the same
//     order as it is now and the header "Idempotent-Replayed: true".
//   - Lists, deliberately not all alike:
//     GET /numbers/orders and GET /logs/categories: a Laravel paginator
//     under data: {"success":true,"data":{"current_page","data":[...],
//     "first_page_url","from","last_page","last_page_url","links",
//     "next_page_url","path","per_page","prev_page_url","to","total"}};
//     GET /boost/orders and GET /logs/orders: a Laravel resource collection:
//     {"success":true,"data":[...],"links":{...},"meta":{...}};
//     GET /boost/categories: a BARE top-level JSON array (no envelope);
//     GET /numbers/countries, /numbers/services, /numbers/area-codes,
//     /boost/services, /logs/parent-categories: {"success":true,"data":[...]}.
//     per_page defaults to 15, is capped at 100, and below 1 (or not a
//     number) is VALIDATION_FAILED; page starts at 1.
//   - Amounts are decimal strings with two places and "currency": "NGN"
//     ("1500.00"; with SetDecimalComma, "1.500,00" as a European-locale
//     install writes them: NOTES.md says only "decimal strings").
//     Timestamps are Laravel's "2006-01-02T15:04:05.000000Z" (UTC).
//     Number and logs ids are integers; boost service ids are strings
//     ("101", as in the document's purchase example), boost order ids
//     integers.
//   - Errors: {"success":false,"status":<http status>,"message","code"},
//     plus "errors" (field → messages) on VALIDATION_FAILED, "wait_seconds"
//     on EARLY_CANCEL_DENIED, "retry_after" on IDEMPOTENCY_KEY_IN_PROGRESS.
//     Statuses: 401 UNAUTHENTICATED, 402 INSUFFICIENT_BALANCE, 403
//     USER_DISABLED / USER_BANNED, 404 *_NOT_FOUND (and NOT_FOUND for an
//     unknown route), 405 METHOD_NOT_ALLOWED, 409 for state conflicts
//     (IDEMPOTENCY_KEY_*, OUT_OF_STOCK, NUMBER_OUT_OF_STOCK,
//     NUMBER_CODE_ALREADY_RECEIVED, EARLY_CANCEL_DENIED, BOOST_CANCEL_*),
//     422 VALIDATION_FAILED, 429 TOO_MANY_REQUESTS. No refusal the
//     document does not list is made up: a cancel of a cancelled or
//     expired number order answers the order as it is.
//   - Auth: "Authorization: Bearer <key>" (Sanctum-style "N|token"); a
//     missing or wrong key is 401 UNAUTHENTICATED — unless the request does
//     not ask for JSON (no "Accept: application/json"), which Laravel
//     answers with a 302 to /login. Every key has every ability.
//   - Rate limit (undocumented): Laravel's default API throttle, 60
//     requests a minute per key (MarketPerMinute; Options.Rates overrides)
//     in fixed windows of the scenario clock; every authenticated answer
//     carries X-RateLimit-Limit and X-RateLimit-Remaining; a 429 adds
//     Retry-After (seconds) and X-RateLimit-Reset (Unix seconds, on the real
//     clock so a client can wait for it) and the
//     error body with code TOO_MANY_REQUESTS. Requests with a bad key are
//     not counted.
//   - Idempotency: purchases require "idempotency_key" in the body (≤ 255
//     characters), scoped per account. Same key and same payload → the
//     same order, charged once; same key and another payload (or another
//     kind of purchase) → 409 IDEMPOTENCY_KEY_REUSED. SetInProgress makes a
//     key answer 409 IDEMPOTENCY_KEY_IN_PROGRESS for a while; the first
//     payload sent during that window is the "request in flight" and is
//     carried out when the window ends (so the order then appears in the
//     lists), unless it fails, which releases the key.
//
// Number orders: pending → received (a code arrived; seen by check, GET
// and the list — except an SMS the supplier holds until the marketplace
// is asked, DeliverOnCheck, which only POST …/check fetches) → completed (MarketCompleteAfterCode after the first code,
// or at expiry); a pending order expires after MarketOrderLifetime and is
// refunded; cancel refunds a pending order and is
// NUMBER_CODE_ALREADY_RECEIVED once a code arrived. The early-cancel
// cooldown NOTES.md reports (unverified) is an option: with
// SetEarlyCancelDenied a cancel during the first MarketCancelCooldown is
// EARLY_CANCEL_DENIED with wait_seconds. Status words: pending, received,
// completed, cancelled, expired.
//
// Boost orders: Pending → In progress → Completed, or Partial (with
// remains; the undelivered part refunded), or Error (refunded); a few
// completed orders go through a refill. Each order spells its states in
// one of several styles ("In progress" / "processing" / "IN_PROGRESS",
// "Canceled" / "Cancelled", ...). Cancel: a Pending order on a service
// that allows cancel → Canceled with a full refund; an order in progress →
// BOOST_CANCEL_REJECTED (the supplier refuses once started); a finished
// order or a service without cancel → BOOST_CANCEL_UNAVAILABLE.
//
// Logs orders: instant categories deliver at once ("completed" with
// items); manual categories stay "processing" for 10–60 s.
//
// Scenario (tick): SMS arrive per each order's s.PlanSMS plan (a code,
// sometimes a code-less follow-up, sometimes nothing until expiry); boost
// orders move; manual logs orders deliver. With Options.Lively each
// account also gets a new pending number order (as if bought on the web
// dashboard) every 6–15 s, so codes keep arriving every few seconds, a new
// boost order every 40–90 s and a logs order every 2–4 min; a balance under
// ₦10,000 is topped up by ₦100,000 so the demo never runs dry.

import (
	"fmt"
	"strconv"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// Behaviour constants the tests and the adapter's contract tests rely on.
const (
	MarketPerMinute         = 60               // requests per minute per key
	MarketCancelCooldown    = 60 * time.Second // with SetEarlyCancelDenied: EARLY_CANCEL_DENIED this long after a number purchase
	MarketOrderLifetime     = 20 * time.Minute // a number order's window for a code
	MarketCompleteAfterCode = 5 * time.Minute  // received → completed
	MarketCurrency          = "NGN"
	MarketMaxPerPage        = 100
	MarketDefaultPerPage    = 15
)

// Number order states.
const (
	mkPending   = "pending"
	mkReceived  = "received"
	mkCompleted = "completed"
	mkCancelled = "cancelled"
	mkExpired   = "expired"
)

// Canonical boost states (spelled per order on the wire).
const (
	mkBoostPending    = "pending"
	mkBoostProcessing = "processing"
	mkBoostCompleted  = "completed"
	mkBoostPartial    = "partial"
	mkBoostCanceled   = "canceled"
	mkBoostError      = "error"
	mkBoostRefilling  = "refilling"
)

// mkBoostSpellings are the spelling styles an order may use for its states.
var mkBoostSpellings = []map[string]string{
	{mkBoostPending: "Pending", mkBoostProcessing: "In progress", mkBoostCompleted: "Completed",
		mkBoostPartial: "Partial", mkBoostCanceled: "Canceled", mkBoostError: "Error", mkBoostRefilling: "Refilling"},
	{mkBoostPending: "pending", mkBoostProcessing: "processing", mkBoostCompleted: "completed",
		mkBoostPartial: "partial", mkBoostCanceled: "cancelled", mkBoostError: "error", mkBoostRefilling: "refill_pending"},
	{mkBoostPending: "Pending", mkBoostProcessing: "Processing", mkBoostCompleted: "Completed",
		mkBoostPartial: "Partial", mkBoostCanceled: "Cancelled", mkBoostError: "Error", mkBoostRefilling: "Refill in progress"},
	{mkBoostPending: "PENDING", mkBoostProcessing: "IN_PROGRESS", mkBoostCompleted: "COMPLETED",
		mkBoostPartial: "PARTIAL", mkBoostCanceled: "CANCELED", mkBoostError: "ERROR", mkBoostRefilling: "REFILLING"},
}

// Market simulates the marketplace API.
type Market struct {
	s *simcore.Core

	accounts []*mkAccount
	byKey    map[string]*mkAccount
	byName   map[string]*mkAccount

	countries     []*mkCountry
	numServices   []*mkNumService
	boostCats     []*mkBoostCategory
	boostServices []*mkBoostService
	logParents    []*mkLogsParent
	logCats       []*mkLogsCategory

	numbers map[int64]*mkNumberOrder
	boosts  map[int64]*mkBoostOrder
	logs    map[int64]*mkLogsOrder

	nextNumberID, nextBoostID, nextLogsID, nextSMSID int64

	inProgress map[string]*mkInProgress
	requests   map[string]int // "METHOD /path" → requests received (Requests)
	// decimalComma writes every amount as "1.500,00" (SetDecimalComma).
	decimalComma bool
	// earlyCancelDenied refuses a cancel during MarketCancelCooldown
	// (SetEarlyCancelDenied; NOTES.md marks it unverified, so it is off).
	earlyCancelDenied bool
}

type mkAccount struct {
	n       int
	name    string
	key     string
	balance int64  // kobo
	blocked string // "", USER_DISABLED or USER_BANNED

	numbers []*mkNumberOrder // creation order
	boosts  []*mkBoostOrder
	logs    []*mkLogsOrder
	idem    map[string]*mkIdem
	win     simcore.Window

	nextNumber, nextBoost, nextLogs time.Time // Lively spawns
}

type mkCountry struct {
	id    int
	name  string
	iso   string
	dial  string
	areas []mkArea
}

type mkArea struct{ code, city string }

type mkNumService struct {
	id        int
	country   *mkCountry
	name      string
	price     int64
	stock     int
	areaStock map[string]int
}

type mkBoostCategory struct {
	id   int
	name string
	slug string
}

type mkBoostService struct {
	id       string
	name     string
	category *mkBoostCategory
	rate     int64 // per 1000
	min, max int
	refill   bool
	cancel   bool
	avg      string
}

type mkLogsParent struct {
	id   int
	name string
	slug string
}

type mkLogsCategory struct {
	id          int
	parent      *mkLogsParent
	name        string
	description string
	price       int64
	stock       int
	manual      bool
	maxQty      int
}

type mkSMS struct {
	id     int64
	sender string
	text   string
	code   string
	at     time.Time
}

type mkNumberOrder struct {
	id       int64
	acct     *mkAccount
	service  *mkNumService
	area     string
	number   string
	price    int64
	status   string
	plan     simcore.SMSPlan
	sentOne  bool
	sentTwo  bool
	sms      []mkSMS
	held     []simcore.SMS // at the supplier until a check fetches them (DeliverOnCheck)
	codeAt   time.Time
	created  time.Time
	updated  time.Time
	expires  time.Time
	refunded int64
}

type mkBoostOrder struct {
	id         int64
	acct       *mkAccount
	service    *mkBoostService
	link       string
	quantity   int
	startCount int
	remains    int
	charge     int64
	refunded   int64
	state      string
	spelling   int
	outcome    string // planned end: completed, partial, error
	partialAt  int    // remains left by a partial end
	created    time.Time
	updated    time.Time
	nextMove   time.Time // pending → processing, refill end
	started    time.Time
	runFor     time.Duration
}

type mkLogsOrder struct {
	id        int64
	acct      *mkAccount
	category  *mkLogsCategory
	quantity  int
	unit      int64
	total     int64
	status    string // processing, completed
	items     []string
	created   time.Time
	updated   time.Time
	deliverAt time.Time
}

// mkIdem is a used idempotency key: which purchase it made.
type mkIdem struct {
	fp   string
	kind string
	id   int64
}

// mkInProgress is a key held "in flight" by SetInProgress.
type mkInProgress struct {
	until   time.Time
	acct    *mkAccount
	fp      string
	kind    string
	perform func(now time.Time) (mkResp, int64)
}

// New builds the marketplace simulator on the core s (its clock and random
// source seed the catalogue and accounts) and registers it there.
func New(s *simcore.Core) *Market {
	p := &Market{
		s:            s,
		byKey:        map[string]*mkAccount{},
		byName:       map[string]*mkAccount{},
		numbers:      map[int64]*mkNumberOrder{},
		boosts:       map[int64]*mkBoostOrder{},
		logs:         map[int64]*mkLogsOrder{},
		nextNumberID: 50000 + int64(s.Rng.IntN(5000)),
		nextBoostID:  780000 + int64(s.Rng.IntN(9000)),
		nextLogsID:   91000 + int64(s.Rng.IntN(900)),
		nextSMSID:    1,
		inProgress:   map[string]*mkInProgress{},
		requests:     map[string]int{},
	}
	p.seedCatalogue()
	now := s.Clock()
	for i := 1; i <= s.Opts.Accounts; i++ {
		name := "market-" + strconv.Itoa(i)
		switch i {
		case 1:
			name = "market-main"
		case 2:
			name = "market-alt"
		}
		a := &mkAccount{
			n:       i,
			name:    name,
			key:     strconv.Itoa(100+s.Rng.IntN(900)) + "|" + s.Token(""),
			balance: int64(150+s.Rng.IntN(650)) * 100_00,
			idem:    map[string]*mkIdem{},
		}
		p.accounts = append(p.accounts, a)
		p.byKey[a.key] = a
		p.byName[a.name] = a
		p.seedAccount(a, now)
	}
	s.Register(simcore.Provider{Kind: p.kind(), Prefix: p.prefix(), Routes: p.routes, Tick: p.tick,
		TooMany: p.tooMany, Credentials: p.credentials})
	return p
}

func (p *Market) kind() backend.ProviderKind { return backend.Market }
func (p *Market) prefix() string             { return "/api/v1" }

func (p *Market) credentials() []simcore.Credential {
	var out []simcore.Credential
	for _, a := range p.accounts {
		env := fmt.Sprintf("SIM_MARKET_%d_KEY", a.n)
		out = append(out, simcore.Credential{
			Account:  a.name,
			Provider: backend.Market,
			Env:      map[string]string{env: a.key},
			Fields:   map[string]string{"api_key_env": env},
		})
	}
	return out
}
