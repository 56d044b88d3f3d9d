package sim

// Market simulates the marketplace "API v1" (shared/providers/market.md and
// NOTES.md "Marketplace"): wallet, numbers (countries, services, area codes,
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
//   - Amounts are decimal strings with two places and "currency": "NGN".
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
//     NUMBER_CODE_ALREADY_RECEIVED, EARLY_CANCEL_DENIED,
//     NUMBER_ORDER_NOT_CANCELLABLE, BOOST_CANCEL_*), 422 VALIDATION_FAILED,
//     429 TOO_MANY_REQUESTS. NUMBER_ORDER_NOT_CANCELLABLE (cancel of a
//     cancelled or expired order) is not in the document's list.
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
// and the list) → completed (MarketCompleteAfterCode after the first code,
// or at expiry); a pending order expires after MarketOrderLifetime and is
// refunded; cancel refunds a pending order, but is EARLY_CANCEL_DENIED
// (with wait_seconds) during the first MarketCancelCooldown and
// NUMBER_CODE_ALREADY_RECEIVED once a code arrived. Status words:
// pending, received, completed, cancelled, expired.
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
// Scenario (tick): SMS arrive per each order's s.planSMS plan (a code,
// sometimes a code-less follow-up, sometimes nothing until expiry); boost
// orders move; manual logs orders deliver. With Options.Lively each
// account also gets a new pending number order (as if bought on the web
// dashboard) every 6–15 s, so codes keep arriving every few seconds, a new
// boost order every 40–90 s and a logs order every 2–4 min; a balance under
// ₦10,000 is topped up by ₦100,000 so the demo never runs dry.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// Behaviour constants the tests and the adapter's contract tests rely on.
const (
	MarketPerMinute         = 60               // requests per minute per key
	MarketCancelCooldown    = 60 * time.Second // EARLY_CANCEL_DENIED this long after a number purchase
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
	s *Sim

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
	win     window

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
	plan     SMSPlan
	sentOne  bool
	sentTwo  bool
	sms      []mkSMS
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

func newMarket(s *Sim) *Market {
	p := &Market{
		s:            s,
		byKey:        map[string]*mkAccount{},
		byName:       map[string]*mkAccount{},
		numbers:      map[int64]*mkNumberOrder{},
		boosts:       map[int64]*mkBoostOrder{},
		logs:         map[int64]*mkLogsOrder{},
		nextNumberID: 50000 + int64(s.rng.IntN(5000)),
		nextBoostID:  780000 + int64(s.rng.IntN(9000)),
		nextLogsID:   91000 + int64(s.rng.IntN(900)),
		nextSMSID:    1,
		inProgress:   map[string]*mkInProgress{},
	}
	p.seedCatalogue()
	now := s.clock()
	for i := 1; i <= s.opts.Accounts; i++ {
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
			key:     strconv.Itoa(100+s.rng.IntN(900)) + "|" + s.token(""),
			balance: int64(150+s.rng.IntN(650)) * 100_00,
			idem:    map[string]*mkIdem{},
		}
		p.accounts = append(p.accounts, a)
		p.byKey[a.key] = a
		p.byName[a.name] = a
		p.seedAccount(a, now)
	}
	return p
}

func (p *Market) kind() backend.ProviderKind { return backend.Market }
func (p *Market) prefix() string             { return "/api/v1" }

func (p *Market) credentials() []Credential {
	var out []Credential
	for _, a := range p.accounts {
		env := fmt.Sprintf("SIM_MARKET_%d_KEY", a.n)
		out = append(out, Credential{
			Account:  a.name,
			Provider: backend.Market,
			Env:      map[string]string{env: a.key},
			Fields:   map[string]string{"api_key_env": env},
		})
	}
	return out
}

// --- catalogue and seed ------------------------------------------------------

func (p *Market) seedCatalogue() {
	rng := p.s.rng
	p.countries = []*mkCountry{
		{id: 1, name: "United States", iso: "US", dial: "+1", areas: []mkArea{
			{"917", "New York"}, {"646", "New York"}, {"212", "New York"}, {"310", "Los Angeles"},
			{"415", "San Francisco"}, {"305", "Miami"}, {"702", "Las Vegas"}, {"512", "Austin"}}},
		{id: 2, name: "United Kingdom", iso: "GB", dial: "+44"},
		{id: 3, name: "Nigeria", iso: "NG", dial: "+234"},
		{id: 4, name: "Canada", iso: "CA", dial: "+1", areas: []mkArea{
			{"416", "Toronto"}, {"604", "Vancouver"}, {"514", "Montreal"}}},
		{id: 5, name: "Germany", iso: "DE", dial: "+49"},
		{id: 6, name: "Indonesia", iso: "ID", dial: "+62"},
	}
	// Base prices in naira; the country factor scales them. Ids are
	// country*100 + 20 + index, so US WhatsApp is 123 as in the document.
	base := []struct {
		name  string
		naira int64
	}{
		{"Telegram", 1200}, {"Google", 900}, {"Facebook", 800}, {"WhatsApp", 1500}, {"Instagram", 700},
		{"TikTok", 650}, {"Twitter", 600}, {"PayPal", 1100}, {"Uber", 500}, {"Microsoft", 750},
	}
	factor := map[int]float64{1: 1.0, 2: 1.35, 3: 0.55, 4: 1.1, 5: 1.6, 6: 0.45}
	for _, c := range p.countries {
		for i, b := range base {
			svc := &mkNumService{
				id:      c.id*100 + 20 + i,
				country: c,
				name:    b.name,
				price:   int64(math.Round(float64(b.naira)*factor[c.id])) * 100,
				stock:   rng.IntN(120),
			}
			if rng.IntN(8) == 0 {
				svc.stock = 0
			}
			if len(c.areas) > 0 {
				svc.areaStock = map[string]int{}
				for _, a := range c.areas {
					svc.areaStock[a.code] = rng.IntN(9)
				}
			}
			p.numServices = append(p.numServices, svc)
		}
	}
	// The document's example service (US WhatsApp, 123) always has stock.
	if svc := p.numService(123); svc != nil && svc.stock < 20 {
		svc.stock = 20 + rng.IntN(40)
	}

	cats := []string{"Instagram Followers", "Instagram Likes", "TikTok Views", "YouTube Views", "Twitter Followers", "Telegram Members"}
	for i, name := range cats {
		p.boostCats = append(p.boostCats, &mkBoostCategory{id: i + 1, name: name,
			slug: strings.ReplaceAll(strings.ToLower(name), " ", "-")})
	}
	services := []struct {
		cat         int
		name        string
		rate        int64
		min, max    int
		refill, can bool
		avg         string
	}{
		{0, "Instagram Followers [Real, 30 days refill]", 1250, 100, 10000, true, true, "2 hours"},
		{0, "Instagram Followers [Cheap, no refill]", 600, 50, 50000, false, false, "30 minutes"},
		{0, "Instagram Followers [Nigeria]", 2400, 100, 5000, true, true, "6 hours"},
		{1, "Instagram Likes [Instant]", 300, 50, 20000, false, true, "10 minutes"},
		{1, "Instagram Likes [Female]", 550, 50, 5000, false, false, "1 hour"},
		{2, "TikTok Views [Fast]", 90, 1000, 1000000, false, true, "15 minutes"},
		{2, "TikTok Views [Retention]", 180, 500, 200000, false, false, "1 hour"},
		{3, "YouTube Views [Non-drop]", 2100, 500, 100000, true, false, "12 hours"},
		{4, "Twitter Followers [HQ]", 3200, 100, 10000, true, true, "4 hours"},
		{5, "Telegram Members [Channel]", 1500, 100, 30000, false, true, "3 hours"},
	}
	for i, sv := range services {
		p.boostServices = append(p.boostServices, &mkBoostService{
			id: strconv.Itoa(101 + i), name: sv.name, category: p.boostCats[sv.cat], rate: sv.rate * 100,
			min: sv.min, max: sv.max, refill: sv.refill, cancel: sv.can, avg: sv.avg,
		})
	}

	parents := []string{"Facebook", "Instagram", "Twitter / X", "Gmail", "TikTok"}
	for i, name := range parents {
		slug := strings.ToLower(strings.NewReplacer(" / ", "-", " ", "-").Replace(name))
		p.logParents = append(p.logParents, &mkLogsParent{id: i + 1, name: name, slug: slug})
	}
	logs := []struct {
		parent int
		name   string
		naira  int64
		manual bool
	}{
		{0, "Facebook 2FA accounts (2019–2021)", 2500, false},
		{0, "Facebook Marketplace-ready accounts", 4500, false},
		{0, "Facebook aged accounts with friends", 6000, true},
		{1, "Instagram aged accounts (1000+ followers)", 8000, true},
		{1, "Instagram fresh accounts", 900, false},
		{2, "Twitter / X aged accounts (2015)", 7000, false},
		{2, "Twitter / X verified-email accounts", 1500, false},
		{3, "Gmail aged (2018)", 3000, false},
		{3, "Gmail new, phone verified", 1200, false},
		{3, "Gmail US IP", 1800, false},
		{4, "TikTok accounts with 1k followers", 9500, true},
		{4, "TikTok fresh accounts", 700, false},
	}
	for i, l := range logs {
		c := &mkLogsCategory{
			id: 10 + i, parent: p.logParents[l.parent], name: l.name, price: l.naira * 100,
			stock: rng.IntN(60), manual: l.manual, maxQty: 50,
			description: "Delivered as login:password lines. Check each account within 24 hours; replacements only for invalid logins.",
		}
		if rng.IntN(6) == 0 {
			c.stock = 0
		}
		p.logCats = append(p.logCats, c)
	}
	// The document's example category (12) always has stock.
	if c := p.logCategory(12); c != nil && c.stock < 10 {
		c.stock = 10 + rng.IntN(30)
	}
}

func (p *Market) numService(id int) *mkNumService {
	for _, s := range p.numServices {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (p *Market) country(id int) *mkCountry {
	for _, c := range p.countries {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (p *Market) boostService(id string) *mkBoostService {
	for _, s := range p.boostServices {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (p *Market) logCategory(id int) *mkLogsCategory {
	for _, c := range p.logCats {
		if c.id == id {
			return c
		}
	}
	return nil
}

// seedAccount gives an account orders in every state (s.mu held or not
// yet shared).
func (p *Market) seedAccount(a *mkAccount, now time.Time) {
	s := p.s
	pick := func() *mkNumService {
		for {
			svc := p.numServices[s.rng.IntN(len(p.numServices))]
			if svc.stock > 0 {
				return svc
			}
		}
	}
	// Number orders, oldest first.
	type seedNum struct {
		age    time.Duration
		status string
	}
	for _, sn := range []seedNum{
		{3 * time.Hour, mkExpired}, {2 * time.Hour, mkCompleted}, {70 * time.Minute, mkCancelled},
		{6 * time.Minute, mkReceived}, {3 * time.Minute, mkPending}, {10 * time.Second, mkPending},
	} {
		created := now.Add(-sn.age)
		o := p.placeNumber(a, pick(), nil, created)
		switch sn.status {
		case mkExpired:
			o.status, o.refunded, o.updated = mkExpired, o.price, o.expires
		case mkCompleted:
			p.addNumberSMS(o, created.Add(40*time.Second), s.codeSMS(o.service.name))
			o.status, o.updated = mkCompleted, o.codeAt.Add(MarketCompleteAfterCode)
		case mkCancelled:
			o.status, o.refunded, o.updated = mkCancelled, o.price, created.Add(4*time.Minute)
		case mkReceived:
			p.addNumberSMS(o, now.Add(-5*time.Minute), s.codeSMS(o.service.name))
		case mkPending:
			o.plan = s.planSMS(now)
		}
	}
	// Boost orders in every state.
	for i, st := range []string{mkBoostCompleted, mkBoostPartial, mkBoostCanceled, mkBoostError, mkBoostRefilling,
		mkBoostProcessing, mkBoostPending} {
		svc := p.boostServices[(i*3+s.rng.IntN(3))%len(p.boostServices)]
		if st == mkBoostRefilling {
			for _, c := range p.boostServices {
				if c.refill {
					svc = c
					break
				}
			}
		}
		if st == mkBoostPending && !svc.cancel {
			svc = p.boostServices[0]
		}
		created := now.Add(-time.Duration(7-i) * 47 * time.Minute)
		if st == mkBoostPending || st == mkBoostProcessing {
			created = now.Add(-time.Duration(20+s.rng.IntN(60)) * time.Second)
		}
		o := p.placeBoost(a, svc, "https://instagram.com/p/"+s.token("")[:11], svc.min*(1+s.rng.IntN(5)), created)
		switch st {
		case mkBoostCompleted:
			o.state, o.remains = mkBoostCompleted, 0
		case mkBoostPartial:
			o.state, o.remains = mkBoostPartial, o.quantity/7+1
			o.refunded = o.charge * int64(o.remains) / int64(o.quantity)
		case mkBoostCanceled:
			o.state, o.refunded = mkBoostCanceled, o.charge
		case mkBoostError:
			o.state, o.refunded = mkBoostError, o.charge
		case mkBoostRefilling:
			o.state, o.remains, o.nextMove = mkBoostRefilling, 0, now.Add(s.between(40*time.Second, 2*time.Minute))
		case mkBoostProcessing:
			o.state, o.started, o.runFor = mkBoostProcessing, created, s.between(90*time.Second, 4*time.Minute)
		case mkBoostPending:
			o.nextMove = now.Add(s.between(30*time.Second, 90*time.Second))
		}
		if st != mkBoostPending && st != mkBoostProcessing && st != mkBoostRefilling {
			o.updated = created.Add(30 * time.Minute)
		}
	}
	// Logs orders: two delivered, one manual still processing.
	for i := 0; i < 3; i++ {
		c := p.logCats[(i*5+s.rng.IntN(4))%len(p.logCats)]
		created := now.Add(-time.Duration(3-i) * 90 * time.Minute)
		o := p.placeLogs(a, c, 1+s.rng.IntN(3), created)
		if i == 2 {
			o.status, o.items = "processing", nil
			o.created, o.updated, o.deliverAt = now.Add(-5*time.Second), now.Add(-5*time.Second), now.Add(s.between(10*time.Second, time.Minute))
		} else if o.status != "completed" {
			p.deliverLogs(o, created.Add(time.Minute))
		}
	}
	a.nextNumber = now.Add(s.between(2*time.Second, 8*time.Second))
	a.nextBoost = now.Add(s.between(20*time.Second, 60*time.Second))
	a.nextLogs = now.Add(s.between(time.Minute, 3*time.Minute))
}

// placeNumber creates a pending number order without charging (the
// callers charge). areas are the acceptable area codes (nil: any).
func (p *Market) placeNumber(a *mkAccount, svc *mkNumService, areas []string, now time.Time) *mkNumberOrder {
	s := p.s
	area := ""
	if len(svc.country.areas) > 0 {
		var cands []string
		if len(areas) > 0 {
			cands = areas
		} else {
			for _, ar := range svc.country.areas {
				cands = append(cands, ar.code)
			}
		}
		var stocked []string
		for _, c := range cands {
			if svc.areaStock[c] > 0 {
				stocked = append(stocked, c)
			}
		}
		if len(stocked) == 0 {
			stocked = cands // seed and Lively orders do not fail on area stock
		}
		area = stocked[s.rng.IntN(len(stocked))]
		if svc.areaStock[area] > 0 {
			svc.areaStock[area]--
		}
	}
	if svc.stock > 0 {
		svc.stock--
	}
	p.nextNumberID += 1 + int64(s.rng.IntN(7))
	o := &mkNumberOrder{
		id: p.nextNumberID, acct: a, service: svc, area: area, number: p.phone(svc.country, area),
		price: svc.price, status: mkPending, created: now, updated: now, expires: now.Add(MarketOrderLifetime),
	}
	a.numbers = append(a.numbers, o)
	p.numbers[o.id] = o
	return o
}

func (p *Market) phone(c *mkCountry, area string) string {
	s := p.s
	switch c.iso {
	case "US", "CA":
		return "+1" + area + strconv.Itoa(2+s.rng.IntN(8)) + s.digits(6)
	case "GB":
		return "+447" + s.digits(9)
	case "NG":
		return "+234" + s.pick([]string{"803", "806", "810", "813", "816", "903", "906"}) + s.digits(7)
	case "DE":
		return "+4915" + s.digits(9)
	case "ID":
		return "+628" + s.digits(10)
	}
	return c.dial + s.digits(9)
}

func (p *Market) placeBoost(a *mkAccount, svc *mkBoostService, link string, qty int, now time.Time) *mkBoostOrder {
	s := p.s
	p.nextBoostID += 1 + int64(s.rng.IntN(40))
	o := &mkBoostOrder{
		id: p.nextBoostID, acct: a, service: svc, link: link, quantity: qty, startCount: s.rng.IntN(20000),
		remains: qty, charge: mkCharge(svc.rate, qty), state: mkBoostPending, spelling: s.rng.IntN(len(mkBoostSpellings)),
		created: now, updated: now, nextMove: now.Add(s.between(5*time.Second, 20*time.Second)),
	}
	switch r := s.rng.Float64(); {
	case r < 0.15:
		o.outcome, o.partialAt = mkBoostPartial, max(1, qty/(3+s.rng.IntN(8)))
	case r < 0.22:
		o.outcome = mkBoostError
	default:
		o.outcome = mkBoostCompleted
	}
	a.boosts = append(a.boosts, o)
	p.boosts[o.id] = o
	return o
}

// mkCharge is rate-per-1000 × quantity, rounded half up to the kobo.
func mkCharge(rate int64, qty int) int64 { return (rate*int64(qty) + 500) / 1000 }

func (p *Market) placeLogs(a *mkAccount, c *mkLogsCategory, qty int, now time.Time) *mkLogsOrder {
	s := p.s
	p.nextLogsID += 1 + int64(s.rng.IntN(5))
	o := &mkLogsOrder{id: p.nextLogsID, acct: a, category: c, quantity: qty, unit: c.price, total: c.price * int64(qty),
		status: "processing", created: now, updated: now}
	if c.stock >= qty {
		c.stock -= qty
	}
	if c.manual {
		o.deliverAt = now.Add(s.between(10*time.Second, time.Minute))
	} else {
		p.deliverLogs(o, now)
	}
	a.logs = append(a.logs, o)
	p.logs[o.id] = o
	return o
}

func (p *Market) deliverLogs(o *mkLogsOrder, now time.Time) {
	s := p.s
	o.items = o.items[:0]
	for range o.quantity {
		o.items = append(o.items, "user"+s.digits(7)+"@example.net:"+s.token("")[:14])
	}
	o.status, o.updated = "completed", now
}

var mkCodeRe = regexp.MustCompile(`\b\d{3}[- ]\d{3}\b|\b\d{4,8}\b`)

// addNumberSMS appends an SMS; the first code moves a pending order to
// received.
func (p *Market) addNumberSMS(o *mkNumberOrder, at time.Time, m SMS) {
	code := m.Code
	p.nextSMSID++
	o.sms = append(o.sms, mkSMS{id: p.nextSMSID, sender: m.Sender, text: m.Text, code: code, at: at})
	if code != "" && o.codeAt.IsZero() {
		o.codeAt = at
	}
	if o.status == mkPending && code != "" {
		o.status = mkReceived
	}
	o.updated = at
}

// --- scenario ----------------------------------------------------------------

func (p *Market) tick(now time.Time) {
	p.finishInProgress(now)
	for _, a := range p.accounts {
		for _, o := range a.numbers {
			p.moveNumber(o, now)
		}
		for _, o := range a.boosts {
			p.moveBoost(o, now)
		}
		for _, o := range a.logs {
			if o.status == "processing" && !o.deliverAt.IsZero() && !now.Before(o.deliverAt) {
				p.deliverLogs(o, now)
			}
		}
		if p.s.opts.Lively {
			p.spawn(a, now)
		}
	}
}

func (p *Market) moveNumber(o *mkNumberOrder, now time.Time) {
	s := p.s
	if o.status != mkPending && o.status != mkReceived {
		return
	}
	if !o.sentOne && !o.plan.First.IsZero() && !now.Before(o.plan.First) && now.Before(o.expires) {
		o.sentOne = true
		p.addNumberSMS(o, o.plan.First, s.codeSMS(o.service.name))
	}
	if o.sentOne && !o.sentTwo && !o.plan.Second.IsZero() && !now.Before(o.plan.Second) && now.Before(o.expires) {
		o.sentTwo = true
		p.addNumberSMS(o, o.plan.Second, s.followUpSMS(o.service.name))
	}
	switch {
	case o.status == mkReceived && (!now.Before(o.codeAt.Add(MarketCompleteAfterCode)) || !now.Before(o.expires)):
		o.status, o.updated = mkCompleted, now
	case o.status == mkPending && !now.Before(o.expires):
		o.status, o.updated = mkExpired, now
		o.refunded = o.price
		o.acct.balance += o.price
	}
}

func (p *Market) moveBoost(o *mkBoostOrder, now time.Time) {
	switch o.state {
	case mkBoostPending:
		if !now.Before(o.nextMove) {
			o.state, o.started, o.updated = mkBoostProcessing, now, now
			o.runFor = p.s.between(30*time.Second, 3*time.Minute)
		}
	case mkBoostProcessing:
		frac := float64(now.Sub(o.started)) / float64(max(o.runFor, time.Second))
		target := o.quantity
		if o.outcome == mkBoostPartial {
			target = o.quantity - o.partialAt
		}
		if o.outcome == mkBoostError {
			target = 0
		}
		if frac >= 1 {
			o.updated = now
			switch o.outcome {
			case mkBoostPartial:
				o.state, o.remains = mkBoostPartial, o.partialAt
				o.refunded = o.charge * int64(o.remains) / int64(o.quantity)
			case mkBoostError:
				o.state, o.refunded = mkBoostError, o.charge
			default:
				o.state, o.remains = mkBoostCompleted, 0
			}
			o.acct.balance += o.refunded
			return
		}
		if remains := o.quantity - int(float64(target)*frac); remains != o.remains {
			o.remains, o.updated = remains, now
		}
	case mkBoostRefilling:
		if !now.Before(o.nextMove) {
			o.state, o.updated = mkBoostCompleted, now
		}
	}
}

// spawn is the Lively demo's web-dashboard activity for one account.
func (p *Market) spawn(a *mkAccount, now time.Time) {
	s := p.s
	if a.balance < 10_000_00 {
		a.balance += 100_000_00 // a deposit, so the demo never runs dry
	}
	if !now.Before(a.nextNumber) {
		a.nextNumber = now.Add(s.between(6*time.Second, 15*time.Second))
		var stocked []*mkNumService
		for _, svc := range p.numServices {
			if svc.stock > 0 && svc.price <= a.balance {
				stocked = append(stocked, svc)
			}
		}
		if len(stocked) < 5 {
			// Suppliers restock: a long demo must not run out of numbers.
			for _, svc := range p.numServices {
				svc.stock += 20 + s.rng.IntN(100)
			}
		}
		if len(stocked) > 0 {
			svc := stocked[s.rng.IntN(len(stocked))]
			o := p.placeNumber(a, svc, nil, now)
			a.balance -= o.price
			o.plan = s.planSMS(now)
		}
	}
	if !now.Before(a.nextBoost) {
		a.nextBoost = now.Add(s.between(40*time.Second, 90*time.Second))
		svc := p.boostServices[s.rng.IntN(len(p.boostServices))]
		qty := svc.min * (1 + s.rng.IntN(10))
		if c := mkCharge(svc.rate, qty); c <= a.balance {
			p.placeBoost(a, svc, "https://instagram.com/p/"+s.token("")[:11], qty, now)
			a.balance -= c
		}
	}
	if !now.Before(a.nextLogs) {
		a.nextLogs = now.Add(s.between(2*time.Minute, 4*time.Minute))
		c := p.logCats[s.rng.IntN(len(p.logCats))]
		if c.stock > 0 && c.price <= a.balance {
			p.placeLogs(a, c, 1, now)
			a.balance -= c.price
		}
	}
}

// finishInProgress carries out the purchases held in flight whose window
// ended (s.mu held).
func (p *Market) finishInProgress(now time.Time) {
	for _, key := range sortedKeys(p.inProgress) {
		ip := p.inProgress[key]
		if now.Before(ip.until) {
			continue
		}
		delete(p.inProgress, key)
		if ip.perform == nil {
			continue
		}
		if resp, id := ip.perform(now); resp.status < 300 && id != 0 {
			ip.acct.idem[key] = &mkIdem{fp: ip.fp, kind: ip.kind, id: id}
		}
	}
}

// --- HTTP plumbing -----------------------------------------------------------

// mkResp is an answer built under s.mu and written after it is released.
type mkResp struct {
	status int
	body   any
	header map[string]string
}

type mkReq struct {
	r    *http.Request
	a    *mkAccount
	now  time.Time
	body []byte
}

type mkHandler func(q *mkReq) mkResp

func mkErr(status int, code, msg string) mkResp {
	return mkResp{status: status, body: map[string]any{"success": false, "status": status, "message": msg, "code": code}}
}

func mkErrWith(status int, code, msg string, extra map[string]any) mkResp {
	b := map[string]any{"success": false, "status": status, "message": msg, "code": code}
	for k, v := range extra {
		b[k] = v
	}
	return mkResp{status: status, body: b}
}

// mkInvalid is Laravel's validation failure: the first message (with "and
// N more errors") and every field's messages.
func mkInvalid(errs map[string][]string) mkResp {
	keys := sortedKeys(errs)
	first := errs[keys[0]][0]
	n := 0
	for _, k := range keys {
		n += len(errs[k])
	}
	if n > 1 {
		first += fmt.Sprintf(" (and %d more error%s)", n-1, map[bool]string{true: "s"}[n > 2])
	}
	return mkErrWith(http.StatusUnprocessableEntity, "VALIDATION_FAILED", first, map[string]any{"errors": errs})
}

func mkOK(status int, data any) mkResp {
	return mkResp{status: status, body: map[string]any{"success": true, "data": data}}
}

func mkOKMsg(status int, msg string, data any) mkResp {
	return mkResp{status: status, body: map[string]any{"success": true, "message": msg, "data": data}}
}

func (r mkResp) write(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	writeJSON(w, r.status, r.body)
}

func (p *Market) routes(mux *http.ServeMux) {
	table := []struct {
		method, pattern string
		h               mkHandler
	}{
		{"GET", "/wallet", p.wallet},
		{"GET", "/numbers/countries", p.numberCountries},
		{"GET", "/numbers/services", p.numberServices},
		{"GET", "/numbers/area-codes", p.numberAreaCodes},
		{"GET", "/numbers/orders", p.numberOrders},
		{"POST", "/numbers/orders", p.numberBuy},
		{"GET", "/numbers/orders/{id}", p.numberShow},
		{"POST", "/numbers/orders/{id}/check", p.numberShow},
		{"POST", "/numbers/orders/{id}/cancel", p.numberCancel},
		{"GET", "/boost/categories", p.boostCategories},
		{"GET", "/boost/services", p.boostServicesList},
		{"GET", "/boost/services/{service}", p.boostServiceShow},
		{"GET", "/boost/orders", p.boostOrders},
		{"POST", "/boost/orders", p.boostBuy},
		{"GET", "/boost/orders/{id}", p.boostShow},
		{"POST", "/boost/orders/{id}/check", p.boostShow},
		{"POST", "/boost/orders/{id}/cancel", p.boostCancel},
		{"GET", "/logs/parent-categories", p.logsParents},
		{"GET", "/logs/categories", p.logsCategories},
		{"GET", "/logs/categories/{category}", p.logsCategoryShow},
		{"GET", "/logs/orders", p.logsOrders},
		{"POST", "/logs/orders", p.logsBuy},
	}
	byPattern := map[string]map[string]mkHandler{}
	var order []string
	for _, rt := range table {
		if byPattern[rt.pattern] == nil {
			byPattern[rt.pattern] = map[string]mkHandler{}
			order = append(order, rt.pattern)
		}
		byPattern[rt.pattern][rt.method] = rt.h
	}
	for _, pat := range order {
		mux.HandleFunc(p.prefix()+pat, p.serve(byPattern[pat]))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mkErr(http.StatusNotFound, "NOT_FOUND", "The route "+strings.TrimPrefix(r.URL.Path, "/")+" could not be found.").write(w)
	})
}

// mkWantsJSON is Laravel's: the first Accept type is JSON, or an XHR.
func mkWantsJSON(r *http.Request) bool {
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return true
	}
	first := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Accept"), ",")[0]))
	return strings.Contains(first, "/json") || strings.Contains(first, "+json")
}

// serve dispatches one route: method, auth, throttle, then the handler
// under s.mu; the answer is written after the lock is released.
func (p *Market) serve(methods map[string]mkHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := methods[r.Method]
		if h == nil {
			var allow []string
			for m := range methods {
				allow = append(allow, m)
			}
			sort.Strings(allow)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			mkErr(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				"The "+r.Method+" method is not supported for route "+strings.TrimPrefix(r.URL.Path, "/")+". Supported methods: "+strings.Join(allow, ", ")+".").write(w)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		resp := p.handle(r, body, h)
		if resp.status == http.StatusFound {
			http.Redirect(w, r, resp.header["Location"], http.StatusFound)
			return
		}
		resp.write(w)
	}
}

func (p *Market) handle(r *http.Request, body []byte, h mkHandler) mkResp {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := p.byKey[bearer(r)]
	if a == nil {
		if !mkWantsJSON(r) {
			return mkResp{status: http.StatusFound, header: map[string]string{"Location": "/login"}}
		}
		return mkErr(http.StatusUnauthorized, "UNAUTHENTICATED", "Unauthenticated.")
	}
	now := s.clock()
	limit := s.rateFor(backend.Market, MarketPerMinute)
	ok, remaining, reset := a.win.hit(now, time.Minute, limit)
	hdr := map[string]string{"X-RateLimit-Limit": strconv.Itoa(limit), "X-RateLimit-Remaining": strconv.Itoa(remaining)}
	if !ok {
		s.countLimited(backend.Market)
		retry := int(math.Ceil(reset.Sub(now).Seconds()))
		hdr["Retry-After"] = strconv.Itoa(max(retry, 1))
		// On the real clock, as the NonVoip simulator does: a client takes
		// the reset as an absolute time, and the scenario clock may run
		// ahead of it (Advance), which would make it wait that gap too.
		hdr["X-RateLimit-Reset"] = strconv.FormatInt(time.Now().Add(reset.Sub(now)).Unix(), 10)
		resp := mkErr(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too Many Attempts.")
		resp.header = hdr
		return resp
	}
	var resp mkResp
	switch a.blocked {
	case "USER_DISABLED":
		resp = mkErr(http.StatusForbidden, "USER_DISABLED", "Your account has been disabled.")
	case "USER_BANNED":
		resp = mkErr(http.StatusForbidden, "USER_BANNED", "Your account has been banned.")
	default:
		resp = h(&mkReq{r: r, a: a, now: now, body: body})
	}
	if resp.header == nil {
		resp.header = map[string]string{}
	}
	for k, v := range hdr {
		resp.header[k] = v
	}
	return resp
}

func (p *Market) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	p.s.mu.Lock()
	limit := p.s.rateFor(backend.Market, MarketPerMinute)
	p.s.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", "0")
	if hint {
		secs := max(int(math.Ceil(retry.Seconds())), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(secs)*time.Second).Unix(), 10))
	}
	mkErr(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too Many Attempts.").write(w)
}

// --- input -------------------------------------------------------------------

// input reads a JSON or form body as Laravel would: a body that is not
// valid JSON counts as empty input (and so fails validation).
func (q *mkReq) input() map[string]any {
	ct := strings.ToLower(q.r.Header.Get("Content-Type"))
	if strings.Contains(ct, "application/x-www-form-urlencoded") {
		vals, err := url.ParseQuery(string(q.body))
		if err != nil {
			return map[string]any{}
		}
		m := map[string]any{}
		for k, vs := range vals {
			if strings.HasSuffix(k, "[]") {
				var list []any
				for _, v := range vs {
					list = append(list, v)
				}
				m[strings.TrimSuffix(k, "[]")] = list
			} else if len(vs) > 0 {
				m[k] = vs[len(vs)-1]
			}
		}
		return m
	}
	dec := json.NewDecoder(strings.NewReader(string(q.body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// mkText is a scalar input as text ("" for absent, null, arrays, objects).
func mkText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return ""
}

// mkInt reads an integer input: a JSON integer or a numeric string.
func mkInt(v any) (int64, bool) {
	t := mkText(v)
	if t == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(t, 10, 64)
	return n, err == nil
}

func mkFieldName(k string) string { return strings.ReplaceAll(k, "_", " ") }

// mkRequireInt validates a required integer field.
func mkRequireInt(in map[string]any, k string, errs map[string][]string) int64 {
	v, present := in[k]
	if !present || v == nil || mkText(v) == "" {
		errs[k] = append(errs[k], "The "+mkFieldName(k)+" field is required.")
		return 0
	}
	n, ok := mkInt(v)
	if !ok {
		errs[k] = append(errs[k], "The "+mkFieldName(k)+" field must be an integer.")
	}
	return n
}

// mkIdempotencyKey validates the purchase key.
func mkIdempotencyKey(in map[string]any, errs map[string][]string) string {
	v, present := in["idempotency_key"]
	key := mkText(v)
	switch {
	case !present || v == nil || key == "":
		errs["idempotency_key"] = append(errs["idempotency_key"], "The idempotency key field is required.")
	case len(key) > 255:
		errs["idempotency_key"] = append(errs["idempotency_key"], "The idempotency key field must not be greater than 255 characters.")
	}
	return key
}

// page reads per_page and page.
func (q *mkReq) page() (page, per int, bad *mkResp) {
	per, page = MarketDefaultPerPage, 1
	qv := q.r.URL.Query()
	errs := map[string][]string{}
	if v := qv.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			errs["per_page"] = []string{"The per page field must be an integer."}
		case n < 1:
			errs["per_page"] = []string{"The per page field must be at least 1."}
		default:
			per = min(n, MarketMaxPerPage)
		}
	}
	if v := qv.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 {
			page = n
		}
	}
	if len(errs) > 0 {
		r := mkInvalid(errs)
		return 0, 0, &r
	}
	return page, per, nil
}

func (q *mkReq) base() string { return "http://" + q.r.Host + q.r.URL.Path }

func (q *mkReq) pageURL(page, per int) any {
	v := q.r.URL.Query()
	v.Set("page", strconv.Itoa(page))
	v.Set("per_page", strconv.Itoa(per))
	return q.base() + "?" + v.Encode()
}

// laravelPage is Laravel's LengthAwarePaginator as JSON.
func (q *mkReq) laravelPage(items []any, page, per int) map[string]any {
	total := len(items)
	last := max(1, (total+per-1)/per)
	lo := min((page-1)*per, total)
	hi := min(lo+per, total)
	var from, to any
	if hi > lo {
		from, to = lo+1, hi
	}
	var next, prev any
	if page < last {
		next = q.pageURL(page+1, per)
	}
	if page > 1 {
		prev = q.pageURL(page-1, per)
	}
	links := []map[string]any{{"url": prev, "label": "&laquo; Previous", "active": false}}
	for i := 1; i <= last; i++ {
		links = append(links, map[string]any{"url": q.pageURL(i, per), "label": strconv.Itoa(i), "active": i == page})
	}
	links = append(links, map[string]any{"url": next, "label": "Next &raquo;", "active": false})
	return map[string]any{
		"current_page": page, "data": mkSlice(items[lo:hi]), "first_page_url": q.pageURL(1, per), "from": from,
		"last_page": last, "last_page_url": q.pageURL(last, per), "links": links, "next_page_url": next,
		"path": q.base(), "per_page": per, "prev_page_url": prev, "to": to, "total": total,
	}
}

// resourceCollection is Laravel's paginated API resource collection.
func (q *mkReq) resourceCollection(items []any, page, per int) mkResp {
	pg := q.laravelPage(items, page, per)
	return mkResp{status: http.StatusOK, body: map[string]any{
		"success": true,
		"data":    pg["data"],
		"links": map[string]any{"first": pg["first_page_url"], "last": pg["last_page_url"],
			"prev": pg["prev_page_url"], "next": pg["next_page_url"]},
		"meta": map[string]any{"current_page": page, "from": pg["from"], "last_page": pg["last_page"],
			"path": pg["path"], "per_page": per, "to": pg["to"], "total": pg["total"]},
	}}
}

func mkSlice(items []any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

// --- formatting --------------------------------------------------------------

// mkAmount renders kobo as a decimal string with two places.
func mkAmount(kobo int64) string {
	sign := ""
	if kobo < 0 {
		sign, kobo = "-", -kobo
	}
	return fmt.Sprintf("%s%d.%02d", sign, kobo/100, kobo%100)
}

// mkFormatted is "₦25,000.00".
func mkFormatted(kobo int64) string {
	s := mkAmount(kobo)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := "₦" + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

func mkTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func (p *Market) numberJSON(o *mkNumberOrder) map[string]any {
	var code, text any
	msgs := []any{}
	for _, m := range o.sms {
		var c any
		if m.code != "" {
			c = m.code
			code = m.code
		}
		text = m.text
		msgs = append(msgs, map[string]any{"id": m.id, "sender": m.sender, "text": m.text, "code": c, "received_at": mkTime(m.at)})
	}
	var area any
	if o.area != "" {
		area = o.area
	}
	var refunded any
	if o.refunded > 0 {
		refunded = mkAmount(o.refunded)
	}
	return map[string]any{
		"id": o.id, "country_id": o.service.country.id, "country": o.service.country.name,
		"service_id": o.service.id, "service": o.service.name, "phone_number": o.number, "area_code": area,
		"status": o.status, "code": code, "sms": text, "messages": msgs,
		"price": mkAmount(o.price), "currency": MarketCurrency, "refunded_amount": refunded,
		"expires_at": mkTime(o.expires), "created_at": mkTime(o.created), "updated_at": mkTime(o.updated),
	}
}

func (p *Market) boostJSON(o *mkBoostOrder) map[string]any {
	var refunded any
	if o.refunded > 0 {
		refunded = mkAmount(o.refunded)
	}
	return map[string]any{
		"id": o.id, "service_id": o.service.id, "service": o.service.name, "category": o.service.category.name,
		"link": o.link, "quantity": o.quantity, "start_count": o.startCount, "remains": o.remains,
		"charge": mkAmount(o.charge), "currency": MarketCurrency, "refunded_amount": refunded,
		"status":     mkBoostSpellings[o.spelling][o.state],
		"created_at": mkTime(o.created), "updated_at": mkTime(o.updated),
	}
}

func (p *Market) boostServiceJSON(s *mkBoostService) map[string]any {
	return map[string]any{
		"id": s.id, "name": s.name, "category": s.category.name, "rate": mkAmount(s.rate), "rate_per": 1000,
		"currency": MarketCurrency, "min": s.min, "max": s.max, "refill": s.refill, "cancel": s.cancel,
		"average_time": s.avg, "type": "Default",
	}
}

func (p *Market) logsCategoryJSON(c *mkLogsCategory, detail bool) map[string]any {
	m := map[string]any{
		"id": c.id, "parent_category_id": c.parent.id, "name": c.name, "price": mkAmount(c.price),
		"currency": MarketCurrency, "stock": c.stock, "delivery": map[bool]string{true: "manual", false: "instant"}[c.manual],
	}
	if detail {
		m["description"] = c.description
		m["parent_category"] = map[string]any{"id": c.parent.id, "name": c.parent.name, "slug": c.parent.slug}
		m["min_quantity"] = 1
		m["max_quantity"] = c.maxQty
	}
	return m
}

func (p *Market) logsJSON(o *mkLogsOrder) map[string]any {
	var items any
	if o.status == "completed" {
		items = append([]string(nil), o.items...)
	}
	return map[string]any{
		"id": o.id, "category_id": o.category.id, "category": o.category.name, "parent_category": o.category.parent.name,
		"quantity": o.quantity, "unit_price": mkAmount(o.unit), "total": mkAmount(o.total), "currency": MarketCurrency,
		"status": o.status, "items": items, "created_at": mkTime(o.created), "updated_at": mkTime(o.updated),
	}
}

// --- wallet and numbers ------------------------------------------------------

func (p *Market) wallet(q *mkReq) mkResp {
	return mkOK(http.StatusOK, map[string]any{
		"balance": mkAmount(q.a.balance), "currency": MarketCurrency, "formatted_balance": mkFormatted(q.a.balance),
	})
}

func (p *Market) numberCountries(q *mkReq) mkResp {
	out := []any{}
	for _, c := range p.countries {
		out = append(out, map[string]any{"id": c.id, "name": c.name, "iso_code": c.iso, "dial_code": c.dial,
			"has_area_codes": len(c.areas) > 0})
	}
	return mkOK(http.StatusOK, out)
}

// countryParam validates a required, existing country_id query parameter.
func (p *Market) countryParam(q *mkReq, errs map[string][]string) *mkCountry {
	v := q.r.URL.Query().Get("country_id")
	if v == "" {
		errs["country_id"] = []string{"The country id field is required."}
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs["country_id"] = []string{"The country id field must be an integer."}
		return nil
	}
	c := p.country(n)
	if c == nil {
		errs["country_id"] = []string{"The selected country id is invalid."}
	}
	return c
}

func (p *Market) numberServices(q *mkReq) mkResp {
	errs := map[string][]string{}
	c := p.countryParam(q, errs)
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	var list []*mkNumService
	for _, s := range p.numServices {
		if s.country == c {
			list = append(list, s)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	out := []any{}
	for _, s := range list {
		out = append(out, map[string]any{"id": s.id, "name": s.name, "country_id": c.id, "price": mkAmount(s.price),
			"currency": MarketCurrency, "stock": s.stock, "has_area_codes": len(c.areas) > 0})
	}
	return mkOK(http.StatusOK, out)
}

func (p *Market) numberAreaCodes(q *mkReq) mkResp {
	errs := map[string][]string{}
	c := p.countryParam(q, errs)
	v := q.r.URL.Query().Get("service_id")
	sid, err := strconv.Atoi(v)
	switch {
	case v == "":
		errs["service_id"] = []string{"The service id field is required."}
	case err != nil:
		errs["service_id"] = []string{"The service id field must be an integer."}
	}
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	svc := p.numService(sid)
	if svc == nil || svc.country != c {
		return mkErr(http.StatusNotFound, "NUMBER_SERVICE_NOT_FOUND", "The selected number service was not found for this country.")
	}
	out := []any{}
	for _, a := range c.areas {
		n := svc.areaStock[a.code]
		out = append(out, map[string]any{"area_code": a.code, "city": a.city, "stock": n, "available": n > 0})
	}
	return mkOK(http.StatusOK, out)
}

func (p *Market) numberOrders(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	items := make([]any, 0, len(q.a.numbers))
	for i := len(q.a.numbers) - 1; i >= 0; i-- {
		items = append(items, p.numberJSON(q.a.numbers[i]))
	}
	return mkOK(http.StatusOK, q.laravelPage(items, page, per))
}

// numberOrder finds one of the account's number orders by path id.
func (p *Market) numberOrder(q *mkReq) *mkNumberOrder {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	o := p.numbers[id]
	if o == nil || o.acct != q.a {
		return nil
	}
	return o
}

func mkNumberNotFound() mkResp {
	return mkErr(http.StatusNotFound, "NUMBER_ORDER_NOT_FOUND", "Number order not found.")
}

// numberShow serves GET /numbers/orders/{id} and POST …/check (the check
// asks the supplier now; here the scenario has already applied it).
func (p *Market) numberShow(q *mkReq) mkResp {
	o := p.numberOrder(q)
	if o == nil {
		return mkNumberNotFound()
	}
	return mkOK(http.StatusOK, p.numberJSON(o))
}

func (p *Market) numberCancel(q *mkReq) mkResp {
	o := p.numberOrder(q)
	if o == nil {
		return mkNumberNotFound()
	}
	switch o.status {
	case mkReceived, mkCompleted:
		return mkErr(http.StatusConflict, "NUMBER_CODE_ALREADY_RECEIVED", "A code has already been received for this order; it cannot be cancelled.")
	case mkCancelled, mkExpired:
		return mkErr(http.StatusConflict, "NUMBER_ORDER_NOT_CANCELLABLE", "This order is already "+o.status+".")
	}
	if wait := o.created.Add(MarketCancelCooldown).Sub(q.now); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		return mkErrWith(http.StatusConflict, "EARLY_CANCEL_DENIED",
			fmt.Sprintf("This order cannot be cancelled yet. Please wait %d seconds.", secs), map[string]any{"wait_seconds": secs})
	}
	o.status, o.updated, o.refunded = mkCancelled, q.now, o.price
	q.a.balance += o.price
	return mkOKMsg(http.StatusOK, "Number order cancelled and "+mkAmount(o.price)+" "+MarketCurrency+" refunded to your wallet.", p.numberJSON(o))
}

func (p *Market) numberBuy(q *mkReq) mkResp {
	in := q.input()
	errs := map[string][]string{}
	key := mkIdempotencyKey(in, errs)
	var areaRaw []string
	if v, ok := in["selected_area_codes"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			errs["selected_area_codes"] = []string{"The selected area codes field must be an array."}
		}
		for _, x := range list {
			areaRaw = append(areaRaw, mkText(x))
		}
	}
	fp := "numbers|" + mkText(in["country_id"]) + "|" + mkText(in["service_id"]) + "|" + strings.Join(areaRaw, ",")
	if _, bad := errs["idempotency_key"]; bad {
		// The key is checked before anything else can be compared.
		mkRequireInt(in, "country_id", errs)
		mkRequireInt(in, "service_id", errs)
		return mkInvalid(errs)
	}
	a := q.a
	perform := func(now time.Time) (mkResp, int64) {
		errs := map[string][]string{}
		cid := mkRequireInt(in, "country_id", errs)
		sid := mkRequireInt(in, "service_id", errs)
		if _, bad := errs["country_id"]; !bad && p.country(int(cid)) == nil {
			errs["country_id"] = []string{"The selected country id is invalid."}
		}
		if v, ok := in["selected_area_codes"]; ok && v != nil {
			if _, isList := v.([]any); !isList {
				errs["selected_area_codes"] = []string{"The selected area codes field must be an array."}
			}
		}
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		c := p.country(int(cid))
		for i, code := range areaRaw {
			valid := false
			for _, ar := range c.areas {
				valid = valid || ar.code == code
			}
			if !valid {
				k := fmt.Sprintf("selected_area_codes.%d", i)
				errs[k] = []string{"The selected " + k + " is invalid."}
			}
		}
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		svc := p.numService(int(sid))
		if svc == nil || svc.country != c {
			return mkErr(http.StatusNotFound, "NUMBER_SERVICE_NOT_FOUND", "The selected number service was not found for this country."), 0
		}
		inStock := svc.stock > 0
		if inStock && len(areaRaw) > 0 {
			inStock = false
			for _, code := range areaRaw {
				inStock = inStock || svc.areaStock[code] > 0
			}
		}
		if !inStock {
			return mkErr(http.StatusConflict, "NUMBER_OUT_OF_STOCK", "No numbers are available for "+svc.name+" in "+c.name+" right now."), 0
		}
		if a.balance < svc.price {
			return mkErrWith(http.StatusPaymentRequired, "INSUFFICIENT_BALANCE", "Insufficient wallet balance.",
				map[string]any{"required": mkAmount(svc.price), "balance": mkAmount(a.balance), "currency": MarketCurrency}), 0
		}
		o := p.placeNumber(a, svc, areaRaw, now)
		a.balance -= o.price
		o.plan = p.s.planSMS(now)
		return mkOKMsg(http.StatusCreated, "Number order created.", p.numberJSON(o)), o.id
	}
	return p.purchase(q, key, "numbers", fp, perform)
}

// purchase applies the idempotency rules around a purchase.
func (p *Market) purchase(q *mkReq, key, kind, fp string, perform func(now time.Time) (mkResp, int64)) mkResp {
	p.finishInProgress(q.now)
	a := q.a
	if rec := a.idem[key]; rec != nil {
		if rec.fp != fp || rec.kind != kind {
			return mkErr(http.StatusConflict, "IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.")
		}
		var data map[string]any
		switch kind {
		case "numbers":
			data = p.numberJSON(p.numbers[rec.id])
		case "boost":
			data = p.boostJSON(p.boosts[rec.id])
		case "logs":
			data = p.logsJSON(p.logs[rec.id])
		}
		resp := mkOKMsg(http.StatusOK, "This request was already processed; returning the existing order.", data)
		resp.header = map[string]string{"Idempotent-Replayed": "true"}
		return resp
	}
	if ip := p.inProgress[key]; ip != nil {
		switch {
		case ip.perform == nil:
			ip.acct, ip.fp, ip.kind, ip.perform = a, fp, kind, perform
		case ip.acct == a && (ip.fp != fp || ip.kind != kind):
			return mkErr(http.StatusConflict, "IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.")
		}
		if ip.acct == a {
			secs := max(int(math.Ceil(ip.until.Sub(q.now).Seconds())), 1)
			return mkErrWith(http.StatusConflict, "IDEMPOTENCY_KEY_IN_PROGRESS",
				"A request with this idempotency key is still being processed. Please retry shortly.", map[string]any{"retry_after": secs})
		}
	}
	resp, id := perform(q.now)
	if resp.status < 300 && id != 0 {
		a.idem[key] = &mkIdem{fp: fp, kind: kind, id: id}
	}
	return resp
}

// --- boosting ----------------------------------------------------------------

func (p *Market) boostCategories(q *mkReq) mkResp {
	out := []any{}
	for _, c := range p.boostCats {
		n := 0
		for _, s := range p.boostServices {
			if s.category == c {
				n++
			}
		}
		out = append(out, map[string]any{"id": c.id, "name": c.name, "slug": c.slug, "services_count": n})
	}
	return mkResp{status: http.StatusOK, body: out} // a bare list: see the file comment
}

func (p *Market) boostServicesList(q *mkReq) mkResp {
	want := strings.TrimSpace(q.r.URL.Query().Get("category"))
	out := []any{}
	for _, s := range p.boostServices {
		if want == "" || strings.EqualFold(s.category.name, want) || strings.EqualFold(s.category.slug, want) {
			out = append(out, p.boostServiceJSON(s))
		}
	}
	return mkOK(http.StatusOK, out)
}

func mkBoostServiceNotFound() mkResp {
	return mkErr(http.StatusNotFound, "BOOST_SERVICE_NOT_FOUND", "Boosting service not found.")
}

func (p *Market) boostServiceShow(q *mkReq) mkResp {
	s := p.boostService(q.r.PathValue("service"))
	if s == nil {
		return mkBoostServiceNotFound()
	}
	return mkOK(http.StatusOK, p.boostServiceJSON(s))
}

func (p *Market) boostOrders(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	items := make([]any, 0, len(q.a.boosts))
	for i := len(q.a.boosts) - 1; i >= 0; i-- {
		items = append(items, p.boostJSON(q.a.boosts[i]))
	}
	return q.resourceCollection(items, page, per)
}

func (p *Market) boostOrder(q *mkReq) *mkBoostOrder {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	o := p.boosts[id]
	if o == nil || o.acct != q.a {
		return nil
	}
	return o
}

func mkBoostNotFound() mkResp {
	return mkErr(http.StatusNotFound, "BOOST_ORDER_NOT_FOUND", "Boosting order not found.")
}

func (p *Market) boostShow(q *mkReq) mkResp {
	o := p.boostOrder(q)
	if o == nil {
		return mkBoostNotFound()
	}
	return mkOK(http.StatusOK, p.boostJSON(o))
}

func (p *Market) boostCancel(q *mkReq) mkResp {
	o := p.boostOrder(q)
	if o == nil {
		return mkBoostNotFound()
	}
	switch {
	case !o.service.cancel:
		return mkErr(http.StatusConflict, "BOOST_CANCEL_UNAVAILABLE", "Cancellation is not available for this service.")
	case o.state == mkBoostProcessing:
		return mkErr(http.StatusConflict, "BOOST_CANCEL_REJECTED", "The supplier rejected the cancellation: the order is already in progress.")
	case o.state != mkBoostPending:
		return mkErr(http.StatusConflict, "BOOST_CANCEL_UNAVAILABLE", "This order can no longer be cancelled.")
	}
	o.state, o.updated, o.refunded = mkBoostCanceled, q.now, o.charge
	q.a.balance += o.charge
	return mkOKMsg(http.StatusOK, "Boosting order cancelled and "+mkAmount(o.charge)+" "+MarketCurrency+" refunded to your wallet.", p.boostJSON(o))
}

var mkLinkRe = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)

func (p *Market) boostBuy(q *mkReq) mkResp {
	in := q.input()
	errs := map[string][]string{}
	key := mkIdempotencyKey(in, errs)
	sid, link, qtyText := mkText(in["service_id"]), mkText(in["link"]), mkText(in["quantity"])
	fp := "boost|" + sid + "|" + link + "|" + qtyText
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	a := q.a
	perform := func(now time.Time) (mkResp, int64) {
		errs := map[string][]string{}
		if sid == "" {
			errs["service_id"] = []string{"The service id field is required."}
		}
		switch {
		case link == "":
			errs["link"] = []string{"The link field is required."}
		case !mkLinkRe.MatchString(link) || len(link) > 2048:
			errs["link"] = []string{"The link field must be a valid URL."}
		}
		qty64 := mkRequireInt(in, "quantity", errs)
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		svc := p.boostService(sid)
		if svc == nil {
			return mkBoostServiceNotFound(), 0
		}
		if qty64 < int64(svc.min) || qty64 > int64(svc.max) {
			return mkInvalid(map[string][]string{"quantity": {fmt.Sprintf("The quantity field must be between %d and %d.", svc.min, svc.max)}}), 0
		}
		qty := int(qty64)
		charge := mkCharge(svc.rate, qty)
		if a.balance < charge {
			return mkErrWith(http.StatusPaymentRequired, "INSUFFICIENT_BALANCE", "Insufficient wallet balance.",
				map[string]any{"required": mkAmount(charge), "balance": mkAmount(a.balance), "currency": MarketCurrency}), 0
		}
		o := p.placeBoost(a, svc, link, qty, now)
		a.balance -= o.charge
		return mkOKMsg(http.StatusCreated, "Boosting order placed.", p.boostJSON(o)), o.id
	}
	return p.purchase(q, key, "boost", fp, perform)
}

// --- logs --------------------------------------------------------------------

func (p *Market) logsParents(q *mkReq) mkResp {
	out := []any{}
	for _, pc := range p.logParents {
		n := 0
		for _, c := range p.logCats {
			if c.parent == pc {
				n++
			}
		}
		out = append(out, map[string]any{"id": pc.id, "name": pc.name, "slug": pc.slug, "categories_count": n})
	}
	return mkOK(http.StatusOK, out)
}

func (p *Market) logsCategories(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	var parent int
	if v := q.r.URL.Query().Get("parent_category_id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return mkInvalid(map[string][]string{"parent_category_id": {"The parent category id field must be an integer."}})
		}
		parent = n
	}
	items := []any{}
	for _, c := range p.logCats {
		if parent == 0 || c.parent.id == parent {
			items = append(items, p.logsCategoryJSON(c, false))
		}
	}
	return mkOK(http.StatusOK, q.laravelPage(items, page, per))
}

func mkLogCategoryNotFound() mkResp {
	return mkErr(http.StatusNotFound, "LOG_CATEGORY_NOT_FOUND", "Log category not found.")
}

func (p *Market) logsCategoryShow(q *mkReq) mkResp {
	id, err := strconv.Atoi(q.r.PathValue("category"))
	if err != nil {
		return mkLogCategoryNotFound()
	}
	c := p.logCategory(id)
	if c == nil {
		return mkLogCategoryNotFound()
	}
	return mkOK(http.StatusOK, p.logsCategoryJSON(c, true))
}

func (p *Market) logsOrders(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	items := make([]any, 0, len(q.a.logs))
	for i := len(q.a.logs) - 1; i >= 0; i-- {
		items = append(items, p.logsJSON(q.a.logs[i]))
	}
	return q.resourceCollection(items, page, per)
}

func (p *Market) logsBuy(q *mkReq) mkResp {
	in := q.input()
	errs := map[string][]string{}
	key := mkIdempotencyKey(in, errs)
	fp := "logs|" + mkText(in["category_id"]) + "|" + mkText(in["quantity"])
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	a := q.a
	perform := func(now time.Time) (mkResp, int64) {
		errs := map[string][]string{}
		cid := mkRequireInt(in, "category_id", errs)
		qty := mkRequireInt(in, "quantity", errs)
		if _, bad := errs["quantity"]; !bad && qty < 1 {
			errs["quantity"] = []string{"The quantity field must be at least 1."}
		}
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		c := p.logCategory(int(cid))
		if c == nil {
			return mkLogCategoryNotFound(), 0
		}
		if qty > int64(c.maxQty) {
			return mkInvalid(map[string][]string{"quantity": {fmt.Sprintf("The quantity field must not be greater than %d.", c.maxQty)}}), 0
		}
		if int64(c.stock) < qty {
			return mkErrWith(http.StatusConflict, "OUT_OF_STOCK", "Not enough stock for this category.",
				map[string]any{"available": c.stock}), 0
		}
		total := c.price * qty
		if a.balance < total {
			return mkErrWith(http.StatusPaymentRequired, "INSUFFICIENT_BALANCE", "Insufficient wallet balance.",
				map[string]any{"required": mkAmount(total), "balance": mkAmount(a.balance), "currency": MarketCurrency}), 0
		}
		o := p.placeLogs(a, c, int(qty), now)
		a.balance -= o.total
		return mkOKMsg(http.StatusCreated, "Logs order placed.", p.logsJSON(o)), o.id
	}
	return p.purchase(q, key, "logs", fp, perform)
}

// --- test hooks (each takes s.mu) ----------------------------------------------

// Key is an account's bearer key ("" for an unknown account).
func (p *Market) Key(account string) string {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.byName[account]; a != nil {
		return a.key
	}
	return ""
}

// Deliver puts an SMS on a number order now. A text of 4–8 digits (or
// "123-456") is taken as a bare code and wrapped in a realistic message;
// otherwise the text is the SMS and its code is the first digit group.
// A pending order becomes received. Delivering to a cancelled or expired
// order keeps the message without changing the status (a late SMS).
func (p *Market) Deliver(orderID, text string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	id, err := strconv.ParseInt(strings.TrimSpace(orderID), 10, 64)
	if err != nil {
		return fmt.Errorf("market: bad order id %q", orderID)
	}
	o := p.numbers[id]
	if o == nil {
		return fmt.Errorf("market: no number order %d", id)
	}
	now := p.s.clock()
	m := SMS{Sender: serviceName(o.service.name), Text: text}
	if t := strings.TrimSpace(text); mkCodeRe.FindString(t) == t && t != "" {
		m.Text = "Your " + serviceName(o.service.name) + " verification code is " + t + ". Do not share it."
		m.Code = strings.NewReplacer("-", "", " ", "").Replace(t)
	} else if c := mkCodeRe.FindString(text); c != "" {
		m.Code = strings.NewReplacer("-", "", " ", "").Replace(c)
	}
	o.sentOne = true // the scenario does not add its own code on top
	p.addNumberSMS(o, now, m)
	return nil
}

// Balance is an account's wallet balance.
func (p *Market) Balance(account string) decimal.Decimal {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.byName[account]; a != nil {
		return decimal.New(a.balance, -2)
	}
	return decimal.Decimal{}
}

// SetBalance sets an account's wallet balance ("1500.00").
func (p *Market) SetBalance(account, amount string) error {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return err
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	a := p.byName[account]
	if a == nil {
		return fmt.Errorf("market: no account %q", account)
	}
	a.balance = d.Shift(2).Round(0).IntPart()
	return nil
}

// NumberOrders counts an account's number orders (seeded ones included).
func (p *Market) NumberOrders(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.byName[account]; a != nil {
		return len(a.numbers)
	}
	return 0
}

// BoostOrders counts an account's boost orders.
func (p *Market) BoostOrders(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.byName[account]; a != nil {
		return len(a.boosts)
	}
	return 0
}

// LogsOrders counts an account's logs orders.
func (p *Market) LogsOrders(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.byName[account]; a != nil {
		return len(a.logs)
	}
	return 0
}

// OrderStatus looks up any order by id (number, boost or logs): its status
// word as the API spells it, its expiry (number orders; zero otherwise)
// and whether it exists.
func (p *Market) OrderStatus(id string) (status string, expires time.Time, ok bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	if o := p.numbers[n]; o != nil {
		return o.status, o.expires, true
	}
	if o := p.boosts[n]; o != nil {
		return mkBoostSpellings[o.spelling][o.state], time.Time{}, true
	}
	if o := p.logs[n]; o != nil {
		return o.status, time.Time{}, true
	}
	return "", time.Time{}, false
}

// SetInProgress makes purchases with this idempotency key answer
// IDEMPOTENCY_KEY_IN_PROGRESS for d (scenario clock). The first payload
// sent meanwhile is carried out when d ends.
func (p *Market) SetInProgress(key string, d time.Duration) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.inProgress[key] = &mkInProgress{until: p.s.clock().Add(d)}
}

// SetStock sets a stock level: catalog "numbers" (id = number service id),
// "area" (id = "serviceID:areaCode") or "logs" (id = logs category id).
func (p *Market) SetStock(catalog, id string, n int) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	switch catalog {
	case "numbers":
		sid, _ := strconv.Atoi(id)
		if svc := p.numService(sid); svc != nil {
			svc.stock = n
			return nil
		}
	case "area":
		sidText, code, _ := strings.Cut(id, ":")
		sid, _ := strconv.Atoi(sidText)
		if svc := p.numService(sid); svc != nil && svc.areaStock != nil {
			if _, ok := svc.areaStock[code]; ok {
				svc.areaStock[code] = n
				return nil
			}
		}
	case "logs":
		cid, _ := strconv.Atoi(id)
		if c := p.logCategory(cid); c != nil {
			c.stock = n
			return nil
		}
	}
	return fmt.Errorf("market: no %s stock %q", catalog, id)
}

// SetBoostState forces a boost order's state: pending, processing,
// completed, partial, canceled, error or refilling. Forcing "processing"
// restarts its delivery clock.
func (p *Market) SetBoostState(id, state string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	n, _ := strconv.ParseInt(id, 10, 64)
	o := p.boosts[n]
	if o == nil {
		return fmt.Errorf("market: no boost order %q", id)
	}
	if _, ok := mkBoostSpellings[0][state]; !ok {
		return fmt.Errorf("market: unknown boost state %q", state)
	}
	now := p.s.clock()
	o.state, o.updated = state, now
	switch state {
	case mkBoostPending:
		o.nextMove = now.Add(time.Hour)
	case mkBoostProcessing:
		o.started, o.runFor = now, time.Hour
	case mkBoostRefilling:
		o.nextMove = now.Add(time.Hour)
	}
	return nil
}

// SetBlocked makes an account answer 403 USER_DISABLED or USER_BANNED
// ("" restores it).
func (p *Market) SetBlocked(account, code string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	a := p.byName[account]
	if a == nil {
		return fmt.Errorf("market: no account %q", account)
	}
	if code != "" && code != "USER_DISABLED" && code != "USER_BANNED" {
		return errors.New("market: blocked code must be USER_DISABLED or USER_BANNED")
	}
	a.blocked = code
	return nil
}
