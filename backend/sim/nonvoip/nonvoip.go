// Package nonvoip simulates NonVoipUsNumber's API for package sim:
// short-term, rental and country orders, their SMS, and callbacks.
package nonvoip

// NonVoip simulates NonVoipUsNumber (nonvoip.openapi.json and NOTES.md,
// summarised in docs/providers.md, "NonVoipUsNumber") under /manager: every call is a POST /api/... taking JSON, form or
// multipart bodies with email + password in the body.
//
// Choices where the document is silent (kept consistent throughout):
//
//   - Rate limit: nvRateLimit (60, or Options.Rates) requests a minute per account, counted
//     per e-mail as sent (per client address when none), in fixed windows of
//     the scenario clock. Every /api response carries X-RateLimit-Limit,
//     -Remaining and -Reset (RFC 3339 UTC date-time of the window's end,
//     expressed on the real clock so a client can wait for it). A spent
//     window gets 429 {"status":"error","message":…,"limit":60,
//     "retryAfter":<seconds>} with Retry-After. An injected Fault429NoHint
//     carries no timing at all: no retryAfter, no Retry-After, no -Reset.
//   - Errors are {"status":"error","message":…} with HTTP 400 (getsms and
//     saveurl also use 404 for an unknown order / user, as documented). A
//     wrong or missing e-mail/password is 400 "Wrong Auth". A GET on an API
//     path is 405 (JSON); an unknown /api path is 404 (JSON); anything else
//     under /manager is an HTML 404 page.
//   - Order status words (the real service does not publish them):
//     short-term and country orders "Reserved" (waiting) → "Completed"
//     (an SMS arrived; the number keeps receiving until it expires) or
//     "Expired" (no SMS before expiry: refunded automatically) or "Rejected"
//     (refunded); rentals (long_term, one_day, 3days) "Active" → "Expired",
//     or "Rejected".
//   - Rentals are online (receive simcore.SMS) for nvOnlineWindow after the order
//     and after each /api/activate; SMS are planned (s.PlanSMS) from the
//     start of each online window. Short-term orders live 900 s, country
//     orders 300 s; both are planned from the order.
//   - Price_Change_Required follows the document: a 10-minute order whose
//     route price is more than 30% above the listed price (allowed_price =
//     listed × 1.3) needs accepted_max_price ≥ the route price; within 30%
//     it goes through (SetPriceTolerance changes the 30%). The debit is
//     always the route price (plus the bid when an auction is sent).
//   - Premium_Available: a short-term product with no ordinary stock
//     (available 0, or premium-only mode set by SetPremiumOnly) answers
//     Premium_Available with its recommended_bid (20 unless set); an order
//     with auction ≥ recommended_bid succeeds at listed × (1 + bid/100),
//     to the nearest cent, from the premium routes (stock unchanged) and
//     fires the auction_wining callback; a lower bid gets the info again.
//   - A 30-days multi-service order (product_ids, ≤ 5, 30-days products
//     only) is ONE order on one number; its service is the names joined by
//     ", " and its cost the sum of the prices.
//   - /api/reuse keeps the order id (as the document's example does),
//     charges the product's listed price again and opens a new 900 s
//     window; it needs a short-term order that has received an SMS and is
//     not waiting.
//   - /api/reject works before any SMS of the current window, for any
//     order type (the document: "Reject a reserved number before
//     receiving SMS"; its example stops "the rental"), refunding the last
//     charge (the order, reuse or renewal); after an SMS it is refused.
//   - /api/renew renews rentals only; duration "30d" style (also "30",
//     "1m"), a positive multiple of the product's period (default: one
//     period), charged pro rata; an expired rental can be renewed within
//     nvRenewGrace and becomes Active again; the expiry moves from
//     max(now, expiry).
//   - /api/getsms answers {"status":"success",number,service,sms,pin,type}
//     with "the latest SMS for an order" (the document), and sms "" / pin
//     "" before any SMS (for every order state). A reuse keeps the order
//     id, so until the new window's first SMS getsms answers the previous
//     window's; nothing in the answer dates it. An unknown order (or another
//     account's) is 404 {"status":"error","message":"Order not found."}.
//     type is the order type (short_term, long_term, one_day, 3days,
//     country).
//   - The pin is the service's own code when the scenario wrote the SMS;
//     for a Deliver'ed text it is the first "123-456"/"123 456" pair, else
//     the first run of 4–8 digits, else of 3 digits (NonVoip's example pins
//     a 3-digit code).
//   - Callbacks (s.FireWebhook, User-Agent GuzzleHttp/7 as a Laravel app
//     sends them): incoming_message on every SMS (type "str" for short-term
//     and country orders, "ltr" for rentals) and auction_wining when a
//     premium bid wins. /api/saveurl (url + userId) sets the callback URL.
//   - Lively (the demo): NonVoip cannot list orders, so no orders appear by
//     themselves (the demo adds the seeded ones by id, see OrderIDs).
//     Instead, every 3–8 s a random open order — a waiting or completed
//     short-term order that has not expired, or an Active rental — gets a
//     code simcore.SMS, and Active rentals stay online so they keep receiving.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

const (
	nvRateLimit      = 60 // requests per minute per account
	nvShortLife      = 900 * time.Second
	nvCountryLife    = 300 * time.Second
	nvOnlineWindow   = 15 * time.Minute
	nvRenewGrace     = 48 * time.Hour
	nvPriceTolerance = 130 // percent of the listed price a route may cost without asking
	nvDefaultBid     = 20  // recommended_bid when ordinary stock runs out
	nvWebhookUA      = "GuzzleHttp/7"
	nvTimeLayout     = "2006-01-02 15:04:05"
)

// Order types as the API names them.
const (
	nvShort   = "short_term"
	nvLong    = "long_term"
	nvOneDay  = "one_day"
	nvThree   = "3days"
	nvCountry = "country"
)

// Order status words.
const (
	nvReserved  = "Reserved"
	nvCompleted = "Completed"
	nvExpired   = "Expired"
	nvRejected  = "Rejected"
	nvActive    = "Active"
)

// NonVoip is the simulated NonVoipUsNumber.
type NonVoip struct {
	s *simcore.Core

	accounts  []*nvAccount
	byEmail   map[string]*nvAccount
	products  []*nvProduct
	byProduct map[int]*nvProduct
	country   []*nvCountryProduct
	byCountry map[int]*nvCountryProduct
	orders    map[string]*nvOrder
	list      []*nvOrder // creation order (deterministic scenario)
	nextID    int
	nextSB    int
	route     map[int]int64 // 10-minute route price override, cents
	premium   map[int]int   // premium-only products → recommended bid
	tolerance int64         // percent; see nvPriceTolerance
	windows   map[string]*simcore.Window
	nextLive  time.Time
}

type nvAccount struct {
	name, email, password string
	userID                int
	balance               int64 // cents
	purchases             int   // paid placements through the API
}

type nvProduct struct {
	id        int
	name      string
	kind      string // short_term, long_term, one_day, 3days
	price     int64  // cents
	available int
}

type nvCountryProduct struct {
	id           int
	name, code   string // "Telegram", "tg"
	country, iso string // "United States", "US"
	dial         string // number prefix without '+'
	price        int64
	available    int
}

type nvSMS struct {
	sender, text, pin string
	at                time.Time
}

type nvOrder struct {
	id         string
	acct       *nvAccount
	kind       string
	products   []int
	service    string
	number     string
	country    string // ISO code for country orders
	status     string
	created    time.Time
	expires    time.Time
	lastCharge int64 // refunded by a reject or an SMS-less expiry
	sms        []nvSMS
	// first is the index in sms where the current window starts (reuse
	// restarts it). An index, not a time: an SMS and a reuse at the same
	// instant (a manual clock) must not leak the old SMS into the new window.
	first       int
	plan        simcore.SMSPlan
	planned     [2]bool // plan.First / plan.Second delivered
	onlineUntil time.Time
}

func (o *nvOrder) rental() bool { return o.kind == nvLong || o.kind == nvOneDay || o.kind == nvThree }

// windowSMS is the SMS of the current window.
func (o *nvOrder) windowSMS() []nvSMS {
	return o.sms[min(o.first, len(o.sms)):]
}

// receiving reports whether an SMS sent to the number now would arrive.
func (o *nvOrder) receiving(now time.Time) bool {
	if now.After(o.expires) || o.status == nvRejected || o.status == nvExpired {
		return false
	}
	if o.rental() {
		return o.status == nvActive && now.Before(o.onlineUntil)
	}
	return o.status == nvReserved || o.status == nvCompleted
}

func nvCategory(kind string) string {
	switch kind {
	case nvShort:
		return "10-minutes"
	case nvLong:
		return "30-days"
	case nvOneDay:
		return "1-day"
	case nvThree:
		return "3-days"
	}
	return kind
}

func nvPeriodDays(kind string) int {
	switch kind {
	case nvLong:
		return 30
	case nvOneDay:
		return 1
	case nvThree:
		return 3
	}
	return 0
}

var nvCatalogue = []struct {
	id    int
	name  string
	kind  string
	price int64
}{
	{10000086, "Instagram", nvShort, 36}, {10000012, "WhatsApp", nvShort, 50}, {10000031, "Telegram", nvShort, 45},
	{10000007, "GMail", nvShort, 40}, {10000019, "Facebook", nvShort, 30}, {10000044, "Discord", nvShort, 25},
	{10000058, "TikTok", nvShort, 32}, {10000063, "Uber", nvShort, 28}, {10000071, "PayPal", nvShort, 60},
	{10000090, "Amazon", nvShort, 35}, {10000102, "Microsoft", nvShort, 30}, {10000115, "Venmo", nvShort, 55},
	{9044, "WhatsApp", nvLong, 200}, {8555, "PayPal", nvLong, 350}, {9012, "Google", nvLong, 250},
	{9067, "Telegram", nvLong, 225}, {9101, "Venmo", nvLong, 400}, {9130, "Coinbase", nvLong, 450},
	{9441, "Telegram", nvOneDay, 125}, {9443, "WhatsApp", nvOneDay, 110}, {9447, "Instagram", nvOneDay, 100},
	{9452, "Tinder", nvOneDay, 130},
	{7011, "Google", nvThree, 180}, {7015, "Facebook", nvThree, 160},
}

var nvCountryCatalogue = []nvCountryProduct{
	{id: 501, name: "Telegram", code: "tg", country: "United States", iso: "US", dial: "1", price: 45},
	{id: 502, name: "WhatsApp", code: "wa", country: "United Kingdom", iso: "GB", dial: "447", price: 80},
	{id: 503, name: "Instagram", code: "ig", country: "Canada", iso: "CA", dial: "1", price: 55},
	{id: 504, name: "Google", code: "go", country: "Germany", iso: "DE", dial: "4915", price: 70},
	{id: 505, name: "Telegram", code: "tg", country: "Netherlands", iso: "NL", dial: "316", price: 50},
	{id: 506, name: "Facebook", code: "fb", country: "France", iso: "FR", dial: "336", price: 60},
}

var nvAreaCodes = []string{"609", "732", "201", "917", "646", "312", "415", "213", "305", "702", "832", "404"}

// New builds the NonVoip simulator on the core s (its clock and random
// source seed the catalogue and accounts) and registers it there.
func New(s *simcore.Core) *NonVoip {
	p := &NonVoip{s: s, byEmail: map[string]*nvAccount{}, byProduct: map[int]*nvProduct{},
		byCountry: map[int]*nvCountryProduct{}, orders: map[string]*nvOrder{}, route: map[int]int64{},
		premium: map[int]int{}, windows: map[string]*simcore.Window{}, tolerance: nvPriceTolerance}
	p.nextID = 146180 + s.Rng.IntN(5)
	p.nextSB = 102030
	for _, c := range nvCatalogue {
		pr := &nvProduct{id: c.id, name: c.name, kind: c.kind, price: c.price}
		if c.kind == nvShort {
			pr.available = 800 + s.Rng.IntN(7000)
		} else {
			pr.available = 20 + s.Rng.IntN(120)
		}
		p.products = append(p.products, pr)
		p.byProduct[pr.id] = pr
	}
	for _, c := range nvCountryCatalogue {
		cp := c
		cp.available = 30 + s.Rng.IntN(200)
		p.country = append(p.country, &cp)
		p.byCountry[cp.id] = &cp
	}
	now := s.Clock()
	for i := range s.Opts.Accounts {
		name := "nonvoip-main"
		switch {
		case i == 1:
			name = "nonvoip-alt"
		case i > 1:
			name = fmt.Sprintf("nonvoip-%d", i+1)
		}
		a := &nvAccount{name: name, email: "ops-" + strings.ToLower(s.Token("")[:8]) + "@example.net",
			password: s.Token("nv_"), userID: 4100 + 7*i + s.Rng.IntN(7), balance: 2500 + int64(s.Rng.IntN(5500))}
		p.accounts = append(p.accounts, a)
		p.byEmail[strings.ToLower(a.email)] = a
		p.seed(a, now)
	}
	s.Register(simcore.Provider{Kind: p.kind(), Prefix: p.prefix(), Routes: p.routes, Tick: p.tick,
		TooMany: p.tooMany, Credentials: p.credentials})
	return p
}

// seed gives an account orders in every state (s.Mu not needed: nothing
// runs yet).
func (p *NonVoip) seed(a *nvAccount, now time.Time) {
	s := p.s
	// Seeded orders were paid from earlier money: the balance drawn for
	// the account is what it has now.
	defer func(b int64) { a.balance = b }(a.balance)
	short := func(pid int, age time.Duration) *nvOrder {
		pr := p.byProduct[pid]
		o := p.newOrder(a, nvShort, []int{pid}, pr.name, p.usNumber(), now.Add(-age), nvShortLife, pr.price)
		o.status = nvReserved
		return o
	}
	rental := func(pid int, age, left time.Duration, online bool) *nvOrder {
		pr := p.byProduct[pid]
		o := p.newOrder(a, pr.kind, []int{pid}, pr.name, p.usNumber(), now.Add(-age), 0, pr.price)
		o.expires = now.Add(left)
		o.status = nvActive
		if online {
			o.onlineUntil = now.Add(nvOnlineWindow - time.Duration(s.Rng.IntN(300))*time.Second)
			o.plan = s.PlanSMS(now)
		}
		return o
	}
	// Waiting short-term orders: their SMS come soon.
	o := short(10000086, 40*time.Second)
	o.plan = s.PlanSMS(now)
	o = short(10000012, 2*time.Minute)
	o.plan = s.PlanSMS(now)
	// A short-term order that got its code.
	o = short(10000031, 5*time.Minute)
	p.addSMS(o, s.CodeSMS(o.service), now.Add(-4*time.Minute))
	o.planned = [2]bool{true, true}
	// Expired without an SMS (refunded), and one the operator rejected.
	o = short(10000007, 30*time.Minute)
	o.status = nvExpired
	a.balance += o.lastCharge
	o.lastCharge = 0
	o = short(10000019, time.Hour)
	o.status = nvRejected
	a.balance += o.lastCharge
	o.lastCharge = 0
	// Rentals: far from expiry and online; near expiry and offline; a
	// 1-day online; a 3-days offline; one expired.
	o = rental(8555, 5*24*time.Hour, 25*24*time.Hour, true)
	p.addSMS(o, s.CodeSMS(o.service), now.Add(-5*24*time.Hour+10*time.Minute))
	rental(9012, 29*24*time.Hour+4*time.Hour, 20*time.Hour, false)
	rental(9441, 19*time.Hour, 5*time.Hour, true)
	rental(7011, 24*time.Hour, 48*time.Hour, false)
	o = rental(9101, 32*24*time.Hour, -2*24*time.Hour, false)
	o.status = nvExpired
	// A country-wise order waiting for its SMS.
	cp := p.byCountry[501]
	o = p.newOrder(a, nvCountry, []int{cp.id}, cp.code, p.countryNumber(cp), now.Add(-30*time.Second), nvCountryLife, cp.price)
	o.country, o.status = cp.iso, nvReserved
	o.plan = s.PlanSMS(now)
}

// newOrder registers an order (s.Mu held or construction).
func (p *NonVoip) newOrder(a *nvAccount, kind string, products []int, service, number string, created time.Time, life time.Duration, cost int64) *nvOrder {
	var id string
	if kind == nvCountry {
		id = fmt.Sprintf("sb_%06d", p.nextSB)
		p.nextSB++
	} else {
		id = strconv.Itoa(p.nextID)
		p.nextID += 1 + p.s.Rng.IntN(3)
	}
	o := &nvOrder{id: id, acct: a, kind: kind, products: products, service: service, number: number,
		created: created, expires: created.Add(life), lastCharge: cost}
	if o.rental() {
		o.expires = created.Add(time.Duration(nvPeriodDays(kind)) * 24 * time.Hour)
		o.onlineUntil = created.Add(nvOnlineWindow)
	}
	p.orders[id] = o
	p.list = append(p.list, o)
	a.balance -= cost
	return o
}

func (p *NonVoip) usNumber() string {
	return "1" + p.s.Pick(nvAreaCodes) + p.s.Digits(7)
}

func (p *NonVoip) countryNumber(cp *nvCountryProduct) string {
	n := 11 - len(cp.dial)
	if cp.dial == "1" {
		return "1" + p.s.Pick(nvAreaCodes) + p.s.Digits(7)
	}
	return cp.dial + p.s.Digits(n)
}
