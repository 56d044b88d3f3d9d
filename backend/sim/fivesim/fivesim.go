// Package fivesim simulates 5sim's API for package sim: the user's
// activation and hosting orders with their SMS, and the guest catalogue.
package fivesim

import (
	"fmt"
	"net/http"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// FiveSim simulates 5sim's API v1 (5sim.md and NOTES.md, summarised in
// docs/providers.md, "5sim"): Bearer key on
// /v1/user/*, no auth on /v1/guest/*, plain-text error bodies, a bad key
// answered with 401 and an empty body, unknown routes redirected (302) to
// an HTML 404 page, `no free phones` with HTTP 200 on a purchase, and a
// per-key limit of about 100 requests a second answered with a plain-text
// 429 and no Retry-After.
//
// Choices where the documents are silent (kept consistent everywhere):
//   - Every refusal is HTTP 400 with the plain text, except `no free phones`
//     (200, purchases only), `server offline` (503), a missing/bad key
//     (401, empty body), the rate limit (429) and the inbox of an
//     activation order (404 `order not found`).
//   - Money: `balance` is what the account can spend. Buying an activation
//     moves the price out of `balance` into `frozen_balance` (the sum of the
//     prices of the account's open activation orders). FINISHED drops the
//     frozen amount (the money is spent); CANCELED, TIMEOUT and BANNED put
//     it back into `balance`. A hosting order is paid for its time at
//     purchase: it is never frozen, and refunded only by a cancel or a ban.
//   - Activation orders live FiveSimActivationLife (expires = created + 15
//     min). An order is PENDING until FiveSimLiveAfter after purchase (or
//     its first simcore.SMS), then RECEIVED (number live, NOT "code arrived"). At
//     expiry an order with an SMS turns FINISHED, one without turns TIMEOUT
//     (refunded). Hosting orders (3hours, 1day) turn FINISHED at expiry.
//   - finish, cancel and ban apply to activation and hosting orders alike
//     (5sim.md, "Order management", names no category) and are refused
//     with `order expired` once the order is closed. Cancel is also refused
//     as NOTES.md says: `order has sms` once an SMS arrived, `you need to
//     wait time` within FiveSimCancelWait of the purchase. Ban has neither
//     refusal (the document's ban example is an order with an SMS) and
//     finish needs no SMS: the documents set no such condition.
//   - Reuse: an order bought with reuse=1 (NOTES.md), same product, in any
//     state ("Re-buy number" names none), within FiveSimReuseWindow. No
//     such order → `reuse not possible`; bought without reuse=1 → `reuse
//     false`; too old → `reuse expired`. A reuse needs no stock.
//   - Rating per the document's table: finish +0.5, automatic finish at
//     expiry +0.4, timeout −0.15, cancel −0.1, ban −0.1, top-up +8, capped
//     at 96. At zero or below the account cannot buy (`not enough rating`)
//     for 24 h, then the rating returns to 96.
//   - Limits (NOTES.md): FiveSimPerSecond requests per one-second window
//     per key, answered 429; the same per remote IP for guest calls
//     without a key, and FiveSimPurchasesPerSecond purchases (buy, reuse)
//     per key, both answered 503 with a plain-text body; a Rates override
//     is taken as a per-minute window for the key and IP limits instead. A
//     key (or IP) that overflows a window in FiveSimBanStrikes windows
//     within 10 minutes is refused (429; 503 for an IP) for FiveSimBanFor.
//   - /v1/user/orders: Data sorted by `order` (id by default), `reverse=true`
//     newest first, limit default 15 (no cap), `Total` lags: it does not
//     count orders from the last minute (NOTES: Total is unreliable).
//     `sms` is [] in listings and null in single-order answers when empty.
type FiveSim struct {
	s         *simcore.Core
	accounts  []*fsAccount
	byKey     map[string]*fsAccount
	orders    map[int]*fsOrder
	open      []*fsOrder // orders not yet closed, in id order
	nextID    int
	nextSMS   int
	countries []*fsCountry
	// stock: country → operator → product.
	stock     map[string]map[string]map[string]*fsOffer
	limits    map[string]*fsLimit
	limitBuys int // purchases still to answer with the 503 limit (LimitPurchases)
	// clockOffset shifts every time 5sim writes (SetClockOffset); its
	// rules still run on the scenario clock.
	clockOffset time.Duration
	offline     bool
	nextSpawn   time.Time
	spawnAt     int
}

// Behaviour constants the tests and the adapter's contract tests rely on.
const (
	FiveSimActivationLife = 15 * time.Minute
	FiveSimLiveAfter      = 2 * time.Second  // PENDING → RECEIVED
	FiveSimCancelWait     = 10 * time.Second // cancel refused (`you need to wait time`) this long after purchase
	FiveSimReuseWindow    = 30 * 24 * time.Hour
	FiveSimPerSecond      = 100
	// FiveSimPurchasesPerSecond is the per-purchase limit NOTES.md
	// mentions without a number: purchases and reuses a second per key.
	FiveSimPurchasesPerSecond = 10
	FiveSimBanStrikes         = 5
	FiveSimBanFor             = 10 * time.Minute
	FiveSimRatingMax          = 96.0
	FiveSimRatingBlock        = 24 * time.Hour
)

// The plain-text bodies (NOTES.md, plus the texts 5sim client libraries
// know for the cases NOTES does not list).
const (
	fsNoFreePhones   = "no free phones"
	fsNoBalance      = "not enough user balance"
	fsNoRating       = "not enough rating"
	fsOrderNotFound  = "order not found"
	fsOrderHasSMS    = "order has sms"
	fsOrderExpired   = "order expired"
	fsWaitTime       = "you need to wait time"
	fsBadCountry     = "bad country"
	fsBadOperator    = "bad operator"
	fsNoProduct      = "no product"
	fsServerOffline  = "server offline"
	fsBadCategory    = "bad category"
	fsReuseFalse     = "reuse false"
	fsReuseNotPoss   = "reuse not possible"
	fsReuseExpired   = "reuse expired"
	fsKeyLimitText   = "api limit is 100 requests per second"
	fsIPLimitText    = "ip address limit is 100 requests per second"
	fsBuyLimitText   = "purchase limit exceeded, try again later"
	fsStatusPending  = "PENDING"
	fsStatusReceived = "RECEIVED"
	fsStatusCanceled = "CANCELED"
	fsStatusTimeout  = "TIMEOUT"
	fsStatusFinished = "FINISHED"
	fsStatusBanned   = "BANNED"
)

type fsAccount struct {
	name, key, env string
	userID         int
	email          string
	balance        int64 // cents, spendable
	rating         float64
	blockedUntil   time.Time // rating hit zero
	orders         []*fsOrder
}

type fsOrder struct {
	id               int
	acct             *fsAccount
	category         string // activation | hosting
	phone            string
	country          string
	operator         string
	product          string
	price            int64 // cents
	status           string
	created, expires time.Time
	sms              []fsSMS
	plan             simcore.SMSPlan
	firstDone        bool
	secondDone       bool
	nextHostSMS      time.Time // hosting orders keep hearing from services
	forwarding       bool
	forwardingNumber string
	reuse, voice     bool
	otherFinish      time.Time // Lively: the "other client" finishes it then
}

type fsSMS struct {
	id            int
	created, date time.Time
	sender, text  string
	code          string
}

type fsCountry struct {
	name, iso, prefix, en, ru string
	digits                    int // national digits after the prefix
	lead                      string
	operators                 []string
	hosting                   []string // operators that sell hosting
	factor                    float64
}

type fsOffer struct {
	cents int64
	count int
	rate  float64 // 0: omitted (under 20% or too few orders)
}

type fsLimit struct {
	win         simcore.Window
	overWindow  time.Time // window already counted as a strike
	strikes     []time.Time
	bannedUntil time.Time
}

// fsProducts is the activation catalogue with base prices in the
// account's units (5sim states no currency).
var fsProducts = []struct {
	name string
	base float64
}{
	{"telegram", 30}, {"whatsapp", 45}, {"vkontakte", 21}, {"google", 12},
	{"facebook", 8}, {"instagram", 10}, {"amazon", 6}, {"aliexpress", 4},
	{"1688", 4}, {"discord", 7}, {"openai", 25}, {"tiktok", 9},
	{"microsoft", 5}, {"uber", 6}, {"other", 3},
}

var fsHostingProducts = map[string]struct {
	base float64
	life time.Duration
}{
	"3hours": {30, 3 * time.Hour},
	"1day":   {80, 24 * time.Hour},
}

func fsCountryTable() []*fsCountry {
	return []*fsCountry{
		{name: "russia", iso: "ru", prefix: "+7", en: "Russia", ru: "Россия", digits: 10, lead: "9",
			operators: []string{"beeline", "megafon", "mts", "tele2", "virtual15", "yota"},
			hosting:   []string{"beeline", "megafon", "mts", "tele2"}, factor: 1},
		{name: "england", iso: "gb", prefix: "+44", en: "England", ru: "Англия", digits: 10, lead: "7",
			operators: []string{"virtual21", "virtual4", "virtual52"}, hosting: []string{"virtual4"}, factor: 1.6},
		{name: "usa", iso: "us", prefix: "+1", en: "USA", ru: "США", digits: 10, lead: "2",
			operators: []string{"virtual18", "virtual23"}, factor: 1.3},
		{name: "kazakhstan", iso: "kz", prefix: "+7", en: "Kazakhstan", ru: "Казахстан", digits: 10, lead: "7",
			operators: []string{"activ", "beeline", "tele2"}, hosting: []string{"beeline"}, factor: 0.9},
		{name: "india", iso: "in", prefix: "+91", en: "India", ru: "Индия", digits: 10, lead: "9",
			operators: []string{"airtel", "virtual18", "virtual4"}, factor: 0.7},
		{name: "afghanistan", iso: "af", prefix: "+93", en: "Afghanistan", ru: "Афганистан", digits: 9, lead: "7",
			operators: []string{"virtual18", "virtual21", "virtual23", "virtual4"}, factor: 0.5},
		{name: "indonesia", iso: "id", prefix: "+62", en: "Indonesia", ru: "Индонезия", digits: 10, lead: "8",
			operators: []string{"indosat", "telkomsel", "virtual4"}, factor: 0.6},
	}
}

// New builds the 5sim simulator on the core s (its clock and random
// source seed the catalogue and accounts) and registers it there.
func New(s *simcore.Core) *FiveSim {
	p := &FiveSim{
		s:         s,
		byKey:     map[string]*fsAccount{},
		orders:    map[int]*fsOrder{},
		stock:     map[string]map[string]map[string]*fsOffer{},
		limits:    map[string]*fsLimit{},
		countries: fsCountryTable(),
		nextID:    612000000 + s.Rng.IntN(900000),
		nextSMS:   3027000 + s.Rng.IntN(90000),
	}
	p.seedCatalogue()
	start := s.Clock()
	for i := range s.Opts.Accounts {
		name := "5sim-main"
		switch i {
		case 0:
		case 1:
			name = "5sim-alt"
		default:
			name = fmt.Sprintf("5sim-%d", i+1)
		}
		a := &fsAccount{
			name:    name,
			key:     s.Token("eyJhbGciOiJSUzUxMiJ9."),
			env:     fmt.Sprintf("SIM_FIVESIM_%d_KEY", i+1),
			userID:  1200000 + s.Rng.IntN(8000000),
			email:   fmt.Sprintf("operator%d@example.com", i+1),
			balance: int64(15000 + s.Rng.IntN(75000)),
			rating:  float64(80+s.Rng.IntN(17)) - float64(s.Rng.IntN(4))*0.15,
		}
		a.rating = min(a.rating, FiveSimRatingMax)
		p.accounts = append(p.accounts, a)
		p.byKey[a.key] = a
	}
	p.seedOrders(start)
	p.nextSpawn = start.Add(s.Between(2*time.Second, 5*time.Second))
	s.Register(simcore.Provider{Kind: p.kind(), Prefix: p.prefix(), Routes: p.routes, Tick: p.tick,
		TooMany: p.tooMany, Credentials: p.credentials})
	return p
}

func (p *FiveSim) kind() backend.ProviderKind { return backend.FiveSim }
func (p *FiveSim) prefix() string             { return "/v1" }

func (p *FiveSim) credentials() []simcore.Credential {
	var out []simcore.Credential
	for _, a := range p.accounts {
		out = append(out, simcore.Credential{
			Account:  a.name,
			Provider: backend.FiveSim,
			Env:      map[string]string{a.env: a.key},
			Fields:   map[string]string{"api_key_env": a.env},
		})
	}
	return out
}

// tooMany is 5sim's 429: a plain-text body and never a Retry-After (the
// hint flag cannot add one for 5sim).
func (p *FiveSim) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	simcore.WriteText(w, http.StatusTooManyRequests, fsKeyLimitText)
}
