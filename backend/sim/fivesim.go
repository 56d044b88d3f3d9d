package sim

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
)

// FiveSim simulates 5sim's API v1 (5sim.md and NOTES.md): Bearer key on
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
//     purchase: it is never frozen and never refunded.
//   - Activation orders live FiveSimActivationLife (expires = created + 15
//     min). An order is PENDING until FiveSimLiveAfter after purchase (or
//     its first SMS), then RECEIVED (number live, NOT "code arrived"). At
//     expiry an order with an SMS turns FINISHED, one without turns TIMEOUT
//     (refunded). Hosting orders (3hours, 1day) turn FINISHED at expiry.
//   - cancel: `order expired` once the order is closed, `hosting order` for
//     a hosting order, `order has sms` once an SMS arrived, `you need to
//     wait time` within FiveSimCancelWait of the purchase. ban follows the
//     same rules minus the wait and minus `order has sms`: the document's
//     ban example is an order with an SMS, and NOTES restricts only cancel.
//     finish of an activation without an SMS is refused with `order no
//     sms`; a hosting order may be finished early.
//   - Reuse: only a closed, non-banned order bought with reuse=1, same
//     product, within FiveSimReuseWindow. No such order → `reuse not
//     possible`; bought without reuse=1 → `reuse false`; too old → `reuse
//     expired`. A reuse needs no stock.
//   - Rating per the document's table: finish +0.5, automatic finish at
//     expiry +0.4, timeout −0.15, cancel −0.1, ban −0.1, top-up +8, capped
//     at 96. At zero or below the account cannot buy (`not enough rating`)
//     for 24 h, then the rating returns to 96.
//   - Limits: FiveSimPerSecond requests per one-second window per key (per
//     remote IP for guest calls without a key); a Rates override is taken
//     as a per-minute window instead. A key that overflows its window in
//     FiveSimBanStrikes windows within 10 minutes is refused (429) for
//     FiveSimBanFor.
//   - /v1/user/orders: Data sorted by `order` (id by default), `reverse=true`
//     newest first, limit default 15 (no cap), `Total` lags: it does not
//     count orders from the last minute (NOTES: Total is unreliable).
//     `sms` is [] in listings and null in single-order answers when empty.
type FiveSim struct {
	s         *Sim
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
	offline   bool
	nextSpawn time.Time
	spawnAt   int
}

// Behaviour constants the tests and the adapter's contract tests rely on.
const (
	FiveSimActivationLife = 15 * time.Minute
	FiveSimLiveAfter      = 2 * time.Second  // PENDING → RECEIVED
	FiveSimCancelWait     = 10 * time.Second // cancel refused (`you need to wait time`) this long after purchase
	FiveSimReuseWindow    = 30 * 24 * time.Hour
	FiveSimPerSecond      = 100
	FiveSimBanStrikes     = 5
	FiveSimBanFor         = 10 * time.Minute
	FiveSimRatingMax      = 96.0
	FiveSimRatingBlock    = 24 * time.Hour
)

// The plain-text bodies (NOTES.md, plus the texts 5sim client libraries
// know for the cases NOTES does not list).
const (
	fsNoFreePhones   = "no free phones"
	fsNoBalance      = "not enough user balance"
	fsNoRating       = "not enough rating"
	fsOrderNotFound  = "order not found"
	fsOrderHasSMS    = "order has sms"
	fsOrderNoSMS     = "order no sms"
	fsOrderExpired   = "order expired"
	fsWaitTime       = "you need to wait time"
	fsBadCountry     = "bad country"
	fsBadOperator    = "bad operator"
	fsNoProduct      = "no product"
	fsServerOffline  = "server offline"
	fsHostingOrder   = "hosting order"
	fsBadCategory    = "bad category"
	fsReuseFalse     = "reuse false"
	fsReuseNotPoss   = "reuse not possible"
	fsReuseExpired   = "reuse expired"
	fsKeyLimitText   = "api limit is 100 requests per second"
	fsIPLimitText    = "ip address limit is 100 requests per second"
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
	plan             SMSPlan
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
	win         window
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

func newFiveSim(s *Sim) *FiveSim {
	p := &FiveSim{
		s:         s,
		byKey:     map[string]*fsAccount{},
		orders:    map[int]*fsOrder{},
		stock:     map[string]map[string]map[string]*fsOffer{},
		limits:    map[string]*fsLimit{},
		countries: fsCountryTable(),
		nextID:    612000000 + s.rng.IntN(900000),
		nextSMS:   3027000 + s.rng.IntN(90000),
	}
	p.seedCatalogue()
	start := s.clock()
	for i := range s.opts.Accounts {
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
			key:     s.token("eyJhbGciOiJSUzUxMiJ9."),
			env:     fmt.Sprintf("SIM_FIVESIM_%d_KEY", i+1),
			userID:  1200000 + s.rng.IntN(8000000),
			email:   fmt.Sprintf("operator%d@example.com", i+1),
			balance: int64(15000 + s.rng.IntN(75000)),
			rating:  float64(80+s.rng.IntN(17)) - float64(s.rng.IntN(4))*0.15,
		}
		a.rating = min(a.rating, FiveSimRatingMax)
		p.accounts = append(p.accounts, a)
		p.byKey[a.key] = a
	}
	p.seedOrders(start)
	p.nextSpawn = start.Add(s.between(2*time.Second, 5*time.Second))
	return p
}

func (p *FiveSim) kind() backend.ProviderKind { return backend.FiveSim }
func (p *FiveSim) prefix() string             { return "/v1" }

func (p *FiveSim) credentials() []Credential {
	var out []Credential
	for _, a := range p.accounts {
		out = append(out, Credential{
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
	writeText(w, http.StatusTooManyRequests, fsKeyLimitText)
}

// --- catalogue and seed -------------------------------------------------

func (p *FiveSim) seedCatalogue() {
	s := p.s
	for _, c := range p.countries {
		ops := map[string]map[string]*fsOffer{}
		for _, op := range c.operators {
			jitter := 0.8 + s.rng.Float64()*0.4
			prods := map[string]*fsOffer{}
			for _, pr := range fsProducts {
				if s.chance(0.1) && pr.name != "telegram" {
					continue // not every operator sells every product
				}
				o := &fsOffer{cents: fsCents(pr.base * c.factor * jitter), count: s.rng.IntN(3000)}
				if s.chance(0.15) {
					o.count = 0
				}
				if !s.chance(0.2) {
					o.rate = float64(2000+s.rng.IntN(8000)) / 100
				}
				prods[pr.name] = o
			}
			for _, h := range c.hosting {
				if h != op {
					continue
				}
				for _, name := range sortedKeys(fsHostingProducts) { // map order would break the seed
					prods[name] = &fsOffer{cents: fsCents(fsHostingProducts[name].base * c.factor), count: 5 + s.rng.IntN(60)}
				}
			}
			ops[op] = prods
		}
		p.stock[c.name] = ops
	}
	// The products tests and the demo reach for first always have stock.
	if o := p.stock["russia"]["beeline"]["telegram"]; o.count == 0 {
		o.count = 1260
	}
	if o := p.stock["russia"]["mts"]["1day"]; o != nil && o.count == 0 {
		o.count = 14
	}
}

func fsCents(f float64) int64 { return int64(f*100 + 0.5) }

func (p *FiveSim) country(name string) *fsCountry {
	for _, c := range p.countries {
		if c.name == name {
			return c
		}
	}
	return nil
}

// seedOrders gives every account a believable history: closed orders of
// every kind, a line with a code, waiting lines and a live hosting order.
func (p *FiveSim) seedOrders(now time.Time) {
	s := p.s
	type spec struct {
		a        *fsAccount
		ago      time.Duration
		category string
		product  string
		status   string
		sms      int // SMS already there
		reuse    bool
	}
	var specs []spec
	for _, a := range p.accounts {
		specs = append(specs,
			spec{a, 26 * time.Hour, "activation", "vkontakte", fsStatusBanned, 0, false},
			spec{a, 20 * time.Hour, "activation", "telegram", fsStatusFinished, 1, true},
			spec{a, 9 * time.Hour, "activation", "whatsapp", fsStatusTimeout, 0, false},
			spec{a, 5 * time.Hour, "activation", "google", fsStatusFinished, 2, false},
			spec{a, 4 * time.Hour, "hosting", "3hours", fsStatusFinished, 2, false},
			spec{a, 3 * time.Hour, "activation", "amazon", fsStatusCanceled, 0, true},
			spec{a, 2 * time.Hour, "hosting", "1day", fsStatusReceived, 1, false},
			spec{a, 6 * time.Minute, "activation", "telegram", fsStatusReceived, 1, false},
			spec{a, 4 * time.Minute, "activation", "openai", fsStatusReceived, 2, false},
			spec{a, time.Minute + s.between(0, 30*time.Second), "activation", "discord", fsStatusReceived, 0, false},
			spec{a, 5 * time.Second, "activation", "instagram", fsStatusPending, 0, true},
		)
	}
	sort.SliceStable(specs, func(i, j int) bool { return specs[i].ago > specs[j].ago })
	for _, sp := range specs {
		created := now.Add(-sp.ago - s.between(0, 50*time.Millisecond))
		c, op := p.pickOffer(sp.product)
		o := p.newOrder(sp.a, sp.category, c, op, sp.product, created)
		o.reuse = sp.reuse
		o.status = sp.status
		for i := range sp.sms {
			at := created.Add(time.Duration(i+1) * 40 * time.Second)
			msg := p.s.codeSMS(fsServiceFor(o))
			if i > 0 {
				msg = p.s.followUpSMS(fsServiceFor(o))
			}
			p.addSMS(o, at, msg.Sender, msg.Text, msg.Code)
		}
		o.firstDone = sp.sms > 0
		o.secondDone = sp.sms > 1
		switch {
		case o.status == fsStatusPending || o.status == fsStatusReceived:
			if sp.sms == 0 {
				o.plan = s.planSMS(created)
			} else if sp.sms == 1 && o.category == "activation" && !s.opts.Quiet && s.chance(s.opts.SecondSMS) {
				o.plan.Second = now.Add(s.between(3*time.Second, 20*time.Second))
			}
			if o.category == "hosting" {
				o.nextHostSMS = now.Add(s.between(20*time.Second, 3*time.Minute))
			}
			p.open = append(p.open, o)
		}
	}
	// The seeded balance is what is left after every seeded order: closed
	// ones were settled before the simulation began, open ones are frozen.
}

// pickOffer chooses a country and operator that sell product, preferring
// Russia (5sim's default country).
func (p *FiveSim) pickOffer(product string) (*fsCountry, string) {
	for _, name := range []string{"russia", "england", "kazakhstan"} {
		c := p.country(name)
		ops := append([]string(nil), c.operators...)
		p.s.rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		for _, op := range ops {
			if p.stock[c.name][op][product] != nil {
				return c, op
			}
		}
	}
	return p.country("russia"), "beeline"
}

// newOrder creates an order (s.mu held); price and expiry come from the
// catalogue, the caller sets the status.
func (p *FiveSim) newOrder(a *fsAccount, category string, c *fsCountry, op, product string, created time.Time) *fsOrder {
	p.nextID += 1 + p.s.rng.IntN(40)
	o := &fsOrder{
		id:       p.nextID,
		acct:     a,
		category: category,
		phone:    c.prefix + c.lead + p.s.digits(c.digits-len(c.lead)),
		country:  c.name,
		operator: op,
		product:  product,
		status:   fsStatusPending,
		created:  created,
	}
	if off := p.stock[c.name][op][product]; off != nil {
		o.price = off.cents
	}
	if category == "hosting" {
		o.expires = created.Add(fsHostingProducts[product].life)
	} else {
		o.expires = created.Add(FiveSimActivationLife)
	}
	p.orders[o.id] = o
	a.orders = append(a.orders, o)
	return o
}

func fsServiceFor(o *fsOrder) string {
	if o.category == "hosting" {
		return ""
	}
	return o.product
}

var fsCodeRe = regexp.MustCompile(`\b\d{4,8}\b`)

// addSMS appends an SMS; code "" lets the simulator detect one as 5sim
// does (its own simple reading, not the adapter's).
func (p *FiveSim) addSMS(o *fsOrder, at time.Time, sender, text, code string) {
	p.nextSMS += 1 + p.s.rng.IntN(30)
	o.sms = append(o.sms, fsSMS{
		id:      p.nextSMS,
		created: at, // stored by 5sim now; `date` is the handset's (earlier) clock
		date:    at.Add(-time.Duration(p.s.rng.IntN(4000)) * time.Millisecond).Truncate(time.Second),
		sender:  sender,
		text:    text,
		code:    code,
	})
}

// --- scenario -----------------------------------------------------------

// tick moves the scenario (s.mu held): PENDING orders go live, planned SMS
// arrive, hosting numbers keep hearing from services, orders expire, a
// blocked rating recovers after 24 h. With Lively, new activation orders
// appear on the accounts every 4–10 s as if bought from another client
// (each with its own SMS plan, so codes keep arriving), and that client
// finishes some of them a little after their code came.
func (p *FiveSim) tick(now time.Time) {
	s := p.s
	for _, a := range p.accounts {
		if !a.blockedUntil.IsZero() && !now.Before(a.blockedUntil) {
			a.blockedUntil = time.Time{}
			a.rating = FiveSimRatingMax
		}
	}
	kept := p.open[:0]
	for _, o := range p.open {
		p.advance(o, now)
		if p.isOpen(o) {
			kept = append(kept, o)
		}
	}
	clear(p.open[len(kept):])
	p.open = kept

	if s.opts.Lively && !now.Before(p.nextSpawn) {
		p.nextSpawn = now.Add(s.between(4*time.Second, 10*time.Second))
		p.spawn(now)
	}
}

// advance applies everything due on one order at now (s.mu held). It is
// also called before any request touches an order, so a request between
// two ticks never sees a stale state.
func (p *FiveSim) advance(o *fsOrder, now time.Time) {
	s := p.s
	if !p.isOpen(o) {
		return
	}
	if o.status == fsStatusPending && !now.Before(o.created.Add(FiveSimLiveAfter)) {
		o.status = fsStatusReceived
	}
	if !o.firstDone && !o.plan.First.IsZero() && !now.Before(o.plan.First) && now.Before(o.expires) {
		o.firstDone = true
		m := s.codeSMS(fsServiceFor(o))
		code := m.Code
		if s.chance(0.1) {
			code = "" // 5sim does not always detect the code
		}
		p.addSMS(o, o.plan.First, m.Sender, m.Text, code)
		o.status = fsStatusReceived
		if s.opts.Lively && o.category == "activation" && s.chance(0.5) {
			o.otherFinish = now.Add(s.between(30*time.Second, 3*time.Minute))
		}
	}
	if !o.secondDone && !o.plan.Second.IsZero() && !now.Before(o.plan.Second) && now.Before(o.expires) {
		o.secondDone = true
		m := s.followUpSMS(fsServiceFor(o))
		p.addSMS(o, o.plan.Second, m.Sender, m.Text, "")
	}
	if o.category == "hosting" && !s.opts.Quiet && !o.nextHostSMS.IsZero() && !now.Before(o.nextHostSMS) && now.Before(o.expires) {
		m := s.codeSMS(s.pick([]string{"telegram", "google", "facebook", "amazon", "uber"}))
		p.addSMS(o, o.nextHostSMS, m.Sender, m.Text, m.Code)
		o.status = fsStatusReceived
		o.nextHostSMS = now.Add(s.between(2*time.Minute, 10*time.Minute))
	}
	if !o.otherFinish.IsZero() && !now.Before(o.otherFinish) && len(o.sms) > 0 {
		p.finish(o)
		return
	}
	if !now.Before(o.expires) {
		switch {
		case o.category == "hosting":
			o.status = fsStatusFinished
		case len(o.sms) > 0:
			o.status = fsStatusFinished
			p.rate(o.acct, 0.4, now)
		default:
			o.status = fsStatusTimeout
			o.acct.balance += o.price
			p.rate(o.acct, -0.15, now)
		}
	}
}

func (p *FiveSim) isOpen(o *fsOrder) bool {
	return o.status == fsStatusPending || o.status == fsStatusReceived
}

// rate moves an account's rating per the document's table (s.mu held).
func (p *FiveSim) rate(a *fsAccount, delta float64, now time.Time) {
	a.rating = min(FiveSimRatingMax, math.Round((a.rating+delta)*1000)/1000)
	if a.rating <= 0 && a.blockedUntil.IsZero() {
		a.rating = 0
		a.blockedUntil = now.Add(FiveSimRatingBlock)
	}
}

func (p *FiveSim) finish(o *fsOrder) {
	o.status = fsStatusFinished
	o.otherFinish = time.Time{}
	p.rate(o.acct, 0.5, p.s.clock())
}

// spawn places a Lively order on the next account, topping the balance up
// (a replenishment, +8 rating) when it runs low.
func (p *FiveSim) spawn(now time.Time) {
	s := p.s
	if len(p.accounts) == 0 {
		return
	}
	a := p.accounts[p.spawnAt%len(p.accounts)]
	p.spawnAt++
	openCount := 0
	for _, o := range p.open {
		if o.acct == a {
			openCount++
		}
	}
	if openCount >= 12 {
		return
	}
	product := fsProducts[s.rng.IntN(len(fsProducts))].name
	c, op, off := p.cheapest(p.countries[s.rng.IntN(3)].name, "any", product)
	if off == nil {
		return
	}
	if a.balance < off.cents {
		a.balance += 100000
		p.rate(a, 8, now)
	}
	o := p.buy(a, "activation", c, op, product, now)
	o.plan = s.planSMS(now)
}

// buy places an order (s.mu held): stock, balance and the open list move.
func (p *FiveSim) buy(a *fsAccount, category string, c *fsCountry, op, product string, now time.Time) *fsOrder {
	off := p.stock[c.name][op][product]
	off.count--
	o := p.newOrder(a, category, c, op, product, now)
	a.balance -= o.price
	if category == "hosting" && !p.s.opts.Quiet {
		o.nextHostSMS = now.Add(p.s.between(p.s.opts.SMSDelay[0], p.s.opts.SMSDelay[1]))
	}
	p.open = append(p.open, o)
	return o
}

// cheapest finds the cheapest operator with stock for product in country
// ("any" widens either). It returns the first seller when none has stock
// (off.count == 0) and nil when nobody sells the product there.
func (p *FiveSim) cheapest(country, operator, product string) (*fsCountry, string, *fsOffer) {
	var bestC *fsCountry
	var bestOp string
	var best *fsOffer
	var anyC *fsCountry
	var anyOp string
	var anyOff *fsOffer
	for _, c := range p.countries {
		if country != "any" && c.name != country {
			continue
		}
		for _, op := range c.operators {
			if operator != "any" && op != operator {
				continue
			}
			off := p.stock[c.name][op][product]
			if off == nil {
				continue
			}
			if anyOff == nil {
				anyC, anyOp, anyOff = c, op, off
			}
			if off.count > 0 && (best == nil || off.cents < best.cents) {
				bestC, bestOp, best = c, op, off
			}
		}
	}
	if best != nil {
		return bestC, bestOp, best
	}
	return anyC, anyOp, anyOff
}

// --- HTTP ---------------------------------------------------------------

// fsReply is an answer built under s.mu and written after it is released.
type fsReply struct {
	status   int
	json     any
	text     string
	empty    bool
	location string
}

func (r fsReply) write(w http.ResponseWriter) {
	switch {
	case r.location != "":
		w.Header().Set("Location", r.location)
		w.WriteHeader(r.status)
	case r.empty:
		w.WriteHeader(r.status)
	case r.json != nil:
		writeJSON(w, r.status, r.json)
	default:
		writeText(w, r.status, r.text)
	}
}

func fsText(status int, text string) fsReply { return fsReply{status: status, text: text} }
func fsRefuse(text string) fsReply           { return fsText(http.StatusBadRequest, text) }
func fsOK(v any) fsReply                     { return fsReply{status: http.StatusOK, json: v} }

func (p *FiveSim) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/guest/products/{country}/{operator}", p.guest(p.handleProducts))
	mux.HandleFunc("GET /v1/guest/prices", p.guest(p.handlePrices))
	mux.HandleFunc("GET /v1/guest/countries", p.guest(p.handleCountries))
	mux.HandleFunc("GET /v1/guest/flash/{lang}", p.guest(p.handleFlash))
	mux.HandleFunc("GET /v1/user/profile", p.user(p.handleProfile))
	mux.HandleFunc("GET /v1/user/orders", p.user(p.handleOrders))
	mux.HandleFunc("GET /v1/user/check/{id}", p.user(p.handleCheck))
	mux.HandleFunc("GET /v1/user/finish/{id}", p.user(p.handleFinish))
	mux.HandleFunc("GET /v1/user/cancel/{id}", p.user(p.handleCancel))
	mux.HandleFunc("GET /v1/user/ban/{id}", p.user(p.handleBan))
	mux.HandleFunc("GET /v1/user/sms/inbox/{id}", p.user(p.handleInbox))
	mux.HandleFunc("GET /v1/user/buy/activation/{country}/{operator}/{product}", p.user(p.handleBuyActivation))
	mux.HandleFunc("GET /v1/user/buy/hosting/{country}/{operator}/{product}", p.user(p.handleBuyHosting))
	mux.HandleFunc("GET /v1/user/reuse/{product}/{number}", p.user(p.handleReuse))
	mux.HandleFunc("GET /404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>404 — page not found · 5SIM</title></head>"+
			"<body><div class=\"error-page\"><h1>404</h1><p>Page not found</p><a href=\"/\">Go to the main page</a></div></body></html>")
	})
	// Anything else (unknown route, wrong method) is redirected to the
	// HTML 404 page, as 5sim does.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fsReply{status: http.StatusFound, location: "/404"}.write(w)
	})
}

// user wraps a /v1/user/* handler: the Bearer key (401, empty body, when
// missing or unknown), the per-key limit, then the handler under s.mu.
func (p *FiveSim) user(h func(r *http.Request, a *fsAccount, now time.Time) fsReply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.s.mu.Lock()
		now := p.s.clock()
		var rep fsReply
		a := p.byKey[bearer(r)]
		switch {
		case a == nil:
			rep = fsReply{status: http.StatusUnauthorized, empty: true}
		case !p.allow("key:"+a.key, now):
			rep = fsText(http.StatusTooManyRequests, fsKeyLimitText)
		default:
			rep = h(r, a, now)
		}
		p.s.mu.Unlock()
		rep.write(w)
	}
}

// guest wraps a /v1/guest/* handler: no auth; limited per key when one is
// sent, else per remote IP.
func (p *FiveSim) guest(h func(r *http.Request, now time.Time) fsReply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.s.mu.Lock()
		now := p.s.clock()
		var rep fsReply
		if a := p.byKey[bearer(r)]; a != nil {
			if !p.allow("key:"+a.key, now) {
				rep = fsText(http.StatusTooManyRequests, fsKeyLimitText)
			}
		} else {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			if !p.allow("ip:"+host, now) {
				rep = fsText(http.StatusTooManyRequests, fsIPLimitText)
			}
		}
		if rep.status == 0 {
			rep = h(r, now)
		}
		p.s.mu.Unlock()
		rep.write(w)
	}
}

// allow counts one request against a key's window (s.mu held).
func (p *FiveSim) allow(id string, now time.Time) bool {
	l := p.limits[id]
	if l == nil {
		l = &fsLimit{}
		p.limits[id] = l
	}
	if now.Before(l.bannedUntil) {
		p.s.countLimited(backend.FiveSim)
		return false
	}
	per, limit := time.Second, FiveSimPerSecond
	if n := p.s.rateFor(backend.FiveSim, 0); n > 0 {
		per, limit = time.Minute, n
	}
	ok, _, _ := l.win.hit(now, per, limit)
	if ok {
		return true
	}
	p.s.countLimited(backend.FiveSim)
	if !l.overWindow.Equal(l.win.start) {
		l.overWindow = l.win.start
		recent := l.strikes[:0]
		for _, t := range l.strikes {
			if now.Sub(t) < 10*time.Minute {
				recent = append(recent, t)
			}
		}
		l.strikes = append(recent, now)
		if len(l.strikes) >= FiveSimBanStrikes {
			l.bannedUntil = now.Add(FiveSimBanFor)
			l.strikes = nil
		}
	}
	return false
}

// --- bodies -------------------------------------------------------------

type fsSMSBody struct {
	ID        int    `json:"id,omitempty"`
	CreatedAt string `json:"created_at"`
	Date      string `json:"date"`
	Sender    string `json:"sender"`
	Text      string `json:"text"`
	Code      string `json:"code"`
}

type fsInboxSMS struct {
	ID        int    `json:"ID"`
	CreatedAt string `json:"created_at"`
	Date      string `json:"date"`
	Sender    string `json:"sender"`
	Text      string `json:"text"`
	Code      string `json:"code"`
	IsWave    bool   `json:"is_wave"`
	WaveUUID  string `json:"wave_uuid"`
}

// fsOrderBody covers the order shapes of the document; pointer fields are
// present only in the shapes whose examples carry them.
type fsOrderBody struct {
	ID               int         `json:"id"`
	Phone            string      `json:"phone"`
	Operator         *string     `json:"operator,omitempty"`
	Product          string      `json:"product"`
	Price            float64     `json:"price"`
	Status           string      `json:"status"`
	Expires          string      `json:"expires"`
	SMS              []fsSMSBody `json:"sms"`
	CreatedAt        string      `json:"created_at"`
	Forwarding       *bool       `json:"forwarding,omitempty"`
	ForwardingNumber *string     `json:"forwarding_number,omitempty"`
	Country          *string     `json:"country,omitempty"`
}

type fsShape int

const (
	fsShapeList    fsShape = iota // orders history: operator, country, sms [] when empty
	fsShapeBuy                    // buy activation / reuse: everything
	fsShapeOrder                  // check / finish / cancel / ban: no operator
	fsShapeHosting                // buy hosting: no operator, country, forwarding
)

func fsTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func fsAmount(cents int64) float64 { return float64(cents) / 100 }

func (p *FiveSim) orderBody(o *fsOrder, shape fsShape) fsOrderBody {
	b := fsOrderBody{
		ID:        o.id,
		Phone:     o.phone,
		Product:   o.product,
		Price:     fsAmount(o.price),
		Status:    o.status,
		Expires:   fsTime(o.expires),
		CreatedAt: fsTime(o.created),
	}
	if len(o.sms) > 0 || shape == fsShapeList {
		b.SMS = []fsSMSBody{}
	}
	for _, m := range o.sms {
		sb := fsSMSBody{CreatedAt: fsTime(m.created), Date: m.date.UTC().Format(time.RFC3339),
			Sender: m.sender, Text: m.text, Code: m.code}
		if o.category == "hosting" {
			sb.ID = m.id
		}
		b.SMS = append(b.SMS, sb)
	}
	op, country, fwd, fwdNum := o.operator, o.country, o.forwarding, o.forwardingNumber
	switch shape {
	case fsShapeList:
		b.Operator, b.Country = &op, &country
	case fsShapeBuy:
		b.Operator, b.Country, b.Forwarding, b.ForwardingNumber = &op, &country, &fwd, &fwdNum
	case fsShapeOrder:
		b.Country, b.Forwarding, b.ForwardingNumber = &country, &fwd, &fwdNum
	}
	return b
}

// --- user handlers ------------------------------------------------------

func (p *FiveSim) handleProfile(r *http.Request, a *fsAccount, now time.Time) fsReply {
	var frozen int64
	for _, o := range a.orders {
		p.advance(o, now)
		if p.isOpen(o) && o.category == "activation" {
			frozen += o.price
		}
	}
	return fsOK(map[string]any{
		"id":                        a.userID,
		"email":                     a.email,
		"vendor":                    "",
		"default_forwarding_number": "",
		"balance":                   fsAmount(a.balance),
		"rating":                    a.rating,
		"default_country":           map[string]string{"name": "russia", "iso": "ru", "prefix": "+7"},
		"default_operator":          map[string]string{"name": ""},
		"frozen_balance":            fsAmount(frozen),
	})
}

func (p *FiveSim) handleOrders(r *http.Request, a *fsAccount, now time.Time) fsReply {
	q := r.URL.Query()
	category := q.Get("category")
	if category != "activation" && category != "hosting" {
		return fsRefuse(fsBadCategory)
	}
	var list []*fsOrder
	total := 0
	for _, o := range a.orders {
		if o.category != category {
			continue
		}
		p.advance(o, now)
		list = append(list, o)
		if now.Sub(o.created) >= time.Minute {
			total++
		}
	}
	key := func(o *fsOrder) string { return "" }
	switch q.Get("order") {
	case "price":
		key = func(o *fsOrder) string { return fmt.Sprintf("%015d", o.price) }
	case "status":
		key = func(o *fsOrder) string { return o.status }
	case "product":
		key = func(o *fsOrder) string { return o.product }
	case "phone":
		key = func(o *fsOrder) string { return o.phone }
	}
	sort.SliceStable(list, func(i, j int) bool {
		ki, kj := key(list[i]), key(list[j])
		if ki != kj {
			return ki < kj
		}
		return list[i].id < list[j].id
	})
	if q.Get("reverse") == "true" {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 15
	}
	offset, err := strconv.Atoi(q.Get("offset"))
	if err != nil || offset < 0 {
		offset = 0
	}
	data := []fsOrderBody{}
	for i := offset; i < len(list) && i < offset+limit; i++ {
		data = append(data, p.orderBody(list[i], fsShapeList))
	}
	return fsOK(map[string]any{
		"Data":         data,
		"ProductNames": []string{},
		"Statuses":     []string{},
		"Total":        total,
	})
}

// ownOrder finds one of the account's orders by the {id} path value.
func (p *FiveSim) ownOrder(r *http.Request, a *fsAccount, now time.Time) *fsOrder {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return nil
	}
	o := p.orders[id]
	if o == nil || o.acct != a {
		return nil
	}
	p.advance(o, now)
	return o
}

func (p *FiveSim) handleCheck(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o := p.ownOrder(r, a, now)
	if o == nil {
		return fsRefuse(fsOrderNotFound)
	}
	return fsOK(p.orderBody(o, fsShapeOrder))
}

func (p *FiveSim) handleFinish(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o := p.ownOrder(r, a, now)
	switch {
	case o == nil:
		return fsRefuse(fsOrderNotFound)
	case !p.isOpen(o):
		return fsRefuse(fsOrderExpired)
	case o.category == "activation" && len(o.sms) == 0:
		return fsRefuse(fsOrderNoSMS)
	}
	if o.category == "hosting" {
		o.status = fsStatusFinished
	} else {
		p.finish(o)
	}
	return fsOK(p.orderBody(o, fsShapeOrder))
}

func (p *FiveSim) handleCancel(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o := p.ownOrder(r, a, now)
	switch {
	case o == nil:
		return fsRefuse(fsOrderNotFound)
	case !p.isOpen(o):
		return fsRefuse(fsOrderExpired)
	case o.category == "hosting":
		return fsRefuse(fsHostingOrder)
	case len(o.sms) > 0:
		return fsRefuse(fsOrderHasSMS)
	case now.Sub(o.created) < FiveSimCancelWait:
		return fsRefuse(fsWaitTime)
	}
	o.status = fsStatusCanceled
	a.balance += o.price
	p.rate(a, -0.1, now)
	return fsOK(p.orderBody(o, fsShapeOrder))
}

func (p *FiveSim) handleBan(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o := p.ownOrder(r, a, now)
	switch {
	case o == nil:
		return fsRefuse(fsOrderNotFound)
	case !p.isOpen(o):
		return fsRefuse(fsOrderExpired)
	case o.category == "hosting":
		return fsRefuse(fsHostingOrder)
	}
	o.status = fsStatusBanned
	a.balance += o.price
	p.rate(a, -0.1, now)
	return fsOK(p.orderBody(o, fsShapeOrder))
}

func (p *FiveSim) handleInbox(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o := p.ownOrder(r, a, now)
	if o == nil || o.category != "hosting" {
		return fsText(http.StatusNotFound, fsOrderNotFound)
	}
	data := []fsInboxSMS{}
	for _, m := range o.sms {
		data = append(data, fsInboxSMS{ID: m.id, CreatedAt: fsTime(m.created),
			Date: m.date.UTC().Format(time.RFC3339), Sender: m.sender, Text: m.text, Code: m.code})
	}
	return fsOK(map[string]any{"Data": data, "Total": len(data)})
}

// checkBuy validates a purchase (s.mu held) and returns the offer to buy
// or the refusal.
func (p *FiveSim) checkBuy(a *fsAccount, category, country, operator, product string, now time.Time) (*fsCountry, string, *fsOffer, *fsReply) {
	refuse := func(rep fsReply) (*fsCountry, string, *fsOffer, *fsReply) { return nil, "", nil, &rep }
	if p.offline {
		return refuse(fsText(http.StatusServiceUnavailable, fsServerOffline))
	}
	country, operator, product = strings.ToLower(country), strings.ToLower(operator), strings.ToLower(product)
	var c *fsCountry
	if country != "any" {
		if c = p.country(country); c == nil {
			return refuse(fsRefuse(fsBadCountry))
		}
		if operator != "any" && p.stock[c.name][operator] == nil {
			return refuse(fsRefuse(fsBadOperator))
		}
	} else if operator != "any" {
		known := false
		for _, cc := range p.countries {
			known = known || p.stock[cc.name][operator] != nil
		}
		if !known {
			return refuse(fsRefuse(fsBadOperator))
		}
	}
	_, isHosting := fsHostingProducts[product]
	if (category == "hosting") != isHosting {
		return refuse(fsRefuse(fsNoProduct))
	}
	if !a.blockedUntil.IsZero() && now.Before(a.blockedUntil) {
		return refuse(fsRefuse(fsNoRating))
	}
	bc, op, off := p.cheapest(country, operator, product)
	if off == nil {
		return refuse(fsRefuse(fsNoProduct))
	}
	if off.count <= 0 {
		// 5sim answers this one with HTTP 200 (NOTES.md).
		return refuse(fsText(http.StatusOK, fsNoFreePhones))
	}
	if a.balance < off.cents {
		return refuse(fsRefuse(fsNoBalance))
	}
	return bc, op, off, nil
}

func (p *FiveSim) handleBuyActivation(r *http.Request, a *fsAccount, now time.Time) fsReply {
	c, op, _, refused := p.checkBuy(a, "activation", r.PathValue("country"), r.PathValue("operator"), r.PathValue("product"), now)
	if refused != nil {
		return *refused
	}
	q := r.URL.Query()
	o := p.buy(a, "activation", c, op, strings.ToLower(r.PathValue("product")), now)
	o.reuse = q.Get("reuse") == "1"
	o.voice = q.Get("voice") == "1"
	if fw := q.Get("forwarding"); fw == "1" || fw == "true" {
		o.forwarding = true
		o.forwardingNumber = q.Get("number")
	}
	o.plan = p.s.planSMS(now)
	return fsOK(p.orderBody(o, fsShapeBuy))
}

func (p *FiveSim) handleBuyHosting(r *http.Request, a *fsAccount, now time.Time) fsReply {
	c, op, _, refused := p.checkBuy(a, "hosting", r.PathValue("country"), r.PathValue("operator"), r.PathValue("product"), now)
	if refused != nil {
		return *refused
	}
	o := p.buy(a, "hosting", c, op, strings.ToLower(r.PathValue("product")), now)
	return fsOK(p.orderBody(o, fsShapeHosting))
}

func (p *FiveSim) handleReuse(r *http.Request, a *fsAccount, now time.Time) fsReply {
	if p.offline {
		return fsText(http.StatusServiceUnavailable, fsServerOffline)
	}
	product, number := strings.ToLower(r.PathValue("product")), r.PathValue("number")
	if len(number) < 4 || len(number) > 15 || strings.Trim(number, "0123456789") != "" {
		return fsRefuse(fsReuseNotPoss)
	}
	var prev *fsOrder
	for _, o := range a.orders {
		if o.phone == "+"+number && o.product == product && o.category == "activation" {
			p.advance(o, now)
			prev = o // the newest wins: orders are in id order
		}
	}
	switch {
	case prev == nil || p.isOpen(prev) || prev.status == fsStatusBanned:
		return fsRefuse(fsReuseNotPoss)
	case !prev.reuse:
		return fsRefuse(fsReuseFalse)
	case now.Sub(prev.created) > FiveSimReuseWindow:
		return fsRefuse(fsReuseExpired)
	case !a.blockedUntil.IsZero() && now.Before(a.blockedUntil):
		return fsRefuse(fsNoRating)
	}
	price := prev.price
	if off := p.stock[prev.country][prev.operator][product]; off != nil {
		price = off.cents
	}
	if a.balance < price {
		return fsRefuse(fsNoBalance)
	}
	o := p.newOrder(a, "activation", p.country(prev.country), prev.operator, product, now)
	o.phone, o.price, o.reuse = prev.phone, price, true
	a.balance -= price
	o.plan = p.s.planSMS(now)
	p.open = append(p.open, o)
	return fsOK(p.orderBody(o, fsShapeBuy))
}

// --- guest handlers -----------------------------------------------------

func (p *FiveSim) handleProducts(r *http.Request, now time.Time) fsReply {
	country, operator := strings.ToLower(r.PathValue("country")), strings.ToLower(r.PathValue("operator"))
	if country != "any" && p.country(country) == nil {
		return fsRefuse(fsBadCountry)
	}
	type product struct {
		Category string  `json:"Category"`
		Qty      int     `json:"Qty"`
		Price    float64 `json:"Price"`
	}
	out := map[string]product{}
	seen := false
	for _, c := range p.countries {
		if country != "any" && c.name != country {
			continue
		}
		for _, op := range c.operators {
			if operator != "any" && op != operator {
				continue
			}
			seen = true
			for name, off := range p.stock[c.name][op] {
				cat := "activation"
				if _, ok := fsHostingProducts[name]; ok {
					cat = "hosting"
				}
				cur, ok := out[name]
				price := fsAmount(off.cents)
				if ok && cur.Price < price {
					price = cur.Price
				}
				out[name] = product{Category: cat, Qty: cur.Qty + off.count, Price: price}
			}
		}
	}
	if !seen {
		return fsRefuse(fsBadOperator)
	}
	return fsOK(out)
}

type fsPrice struct {
	Cost  float64  `json:"cost"`
	Count int      `json:"count"`
	Rate  *float64 `json:"rate,omitempty"`
}

func (p *FiveSim) priceOf(off *fsOffer) fsPrice {
	pr := fsPrice{Cost: fsAmount(off.cents), Count: off.count}
	if off.rate > 0 {
		rate := off.rate
		pr.Rate = &rate
	}
	return pr
}

// handlePrices answers country → product → operator, or with only a
// product filter product → country → operator (the document's shapes).
// Unfiltered it returns the whole (small) catalogue; an unknown filter is
// refused with `bad country` / `no product`.
func (p *FiveSim) handlePrices(r *http.Request, now time.Time) fsReply {
	q := r.URL.Query()
	country, product := strings.ToLower(q.Get("country")), strings.ToLower(q.Get("product"))
	if country != "" && p.country(country) == nil {
		return fsRefuse(fsBadCountry)
	}
	out := map[string]map[string]map[string]fsPrice{}
	found := false
	for _, c := range p.countries {
		if country != "" && c.name != country {
			continue
		}
		for _, op := range c.operators {
			for name, off := range p.stock[c.name][op] {
				if product != "" && name != product {
					continue
				}
				found = true
				outer, inner := c.name, name
				if product != "" && country == "" {
					outer, inner = name, c.name
				}
				if out[outer] == nil {
					out[outer] = map[string]map[string]fsPrice{}
				}
				if out[outer][inner] == nil {
					out[outer][inner] = map[string]fsPrice{}
				}
				out[outer][inner][op] = p.priceOf(off)
			}
		}
	}
	if product != "" && !found {
		return fsRefuse(fsNoProduct)
	}
	return fsOK(out)
}

func (p *FiveSim) handleCountries(r *http.Request, now time.Time) fsReply {
	out := map[string]map[string]any{}
	for _, c := range p.countries {
		e := map[string]any{
			"iso":     map[string]int{c.iso: 1},
			"prefix":  map[string]int{c.prefix: 1},
			"text_en": c.en,
			"text_ru": c.ru,
		}
		for _, op := range c.operators {
			cats := map[string]int{"activation": 1}
			for _, h := range c.hosting {
				if h == op {
					cats["hosting"] = 1
				}
			}
			e[op] = cats
		}
		out[c.name] = e
	}
	return fsOK(out)
}

func (p *FiveSim) handleFlash(r *http.Request, now time.Time) fsReply {
	if r.PathValue("lang") == "ru" {
		return fsOK(map[string]string{"text": "Технические работы на операторе virtual15 завершены, номера снова доступны."})
	}
	return fsOK(map[string]string{"text": "Maintenance on operator virtual15 is over; numbers are available again."})
}

// --- test hooks (each takes s.mu) -----------------------------------------

// FiveSimOrder is what the Order hook reports about one order.
type FiveSimOrder struct {
	ID       int
	Account  string
	Category string // activation | hosting
	Phone    string
	Product  string
	Status   string
	Price    float64
	Created  time.Time
	Expires  time.Time
	SMS      int
	Reuse    bool
	// The purchase's query options as the simulator understood them.
	Voice            bool
	Forwarding       bool
	ForwardingNumber string
	Operator         string
	Country          string
}

func fsOrderID(id any) (int, bool) {
	switch v := id.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	}
	return 0, false
}

// Deliver adds an SMS with text to an order now (id as int or string).
// An open PENDING order turns RECEIVED. A closed order keeps its status
// and still gets the message (a late SMS after a cancel). The code field is
// filled the way the simulator reads codes (4–8 digits).
func (p *FiveSim) Deliver(orderID any, text string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	id, ok := fsOrderID(orderID)
	o := p.orders[id]
	if !ok || o == nil {
		return fmt.Errorf("5sim sim: no order %v", orderID)
	}
	now := p.s.clock()
	p.advance(o, now)
	sender := serviceName(fsServiceFor(o))
	p.addSMS(o, now, sender, text, fsCodeRe.FindString(text))
	o.firstDone = true
	if o.status == fsStatusPending {
		o.status = fsStatusReceived
	}
	return nil
}

// Order looks an order up by id (int or string).
func (p *FiveSim) Order(orderID any) (FiveSimOrder, bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	id, ok := fsOrderID(orderID)
	o := p.orders[id]
	if !ok || o == nil {
		return FiveSimOrder{}, false
	}
	p.advance(o, p.s.clock())
	return FiveSimOrder{ID: o.id, Account: o.acct.name, Category: o.category, Phone: o.phone,
		Product: o.product, Status: o.status, Price: fsAmount(o.price), Created: o.created,
		Expires: o.expires, SMS: len(o.sms), Reuse: o.reuse, Voice: o.voice, Forwarding: o.forwarding,
		ForwardingNumber: o.forwardingNumber, Operator: o.operator, Country: o.country}, true
}

func (p *FiveSim) account(name string) *fsAccount {
	for _, a := range p.accounts {
		if a.name == name {
			return a
		}
	}
	return nil
}

// Balance is an account's spendable balance (frozen money excluded); -1
// for an unknown account.
func (p *FiveSim) Balance(account string) float64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return fsAmount(a.balance)
	}
	return -1
}

// Frozen is the sum of the prices of an account's open activation orders.
func (p *FiveSim) Frozen(account string) float64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	a := p.account(account)
	if a == nil {
		return -1
	}
	now := p.s.clock()
	var frozen int64
	for _, o := range a.orders {
		p.advance(o, now)
		if p.isOpen(o) && o.category == "activation" {
			frozen += o.price
		}
	}
	return fsAmount(frozen)
}

// Rating is an account's rating.
func (p *FiveSim) Rating(account string) float64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.rating
	}
	return -1
}

// Orders counts an account's orders of every category (seeded ones
// included): a purchase adds exactly one.
func (p *FiveSim) Orders(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return len(a.orders)
	}
	return -1
}

// OrderIDs lists an account's order ids, oldest first.
func (p *FiveSim) OrderIDs(account string) []int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	var ids []int
	if a := p.account(account); a != nil {
		for _, o := range a.orders {
			ids = append(ids, o.id)
		}
	}
	return ids
}

// Key is the Bearer key of an account ("" when unknown).
func (p *FiveSim) Key(account string) string {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.key
	}
	return ""
}

// SetStock sets how many numbers an operator has for a product in a
// country (0 makes purchases answer `no free phones`). It reports whether
// that country/operator/product exists in the catalogue.
func (p *FiveSim) SetStock(country, operator, product string, n int) bool {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	off := p.stock[country][operator][product]
	if off == nil {
		return false
	}
	off.count = max(n, 0)
	return true
}

// Price is the catalogue price of a product at an operator (-1 when not
// sold there).
func (p *FiveSim) Price(country, operator, product string) float64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if off := p.stock[country][operator][product]; off != nil {
		return fsAmount(off.cents)
	}
	return -1
}

// SetBalance sets an account's spendable balance.
func (p *FiveSim) SetBalance(account string, amount float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance = fsCents(amount)
	}
}

// SetRating sets an account's rating; zero or below blocks purchases for
// 24 h as the document describes.
func (p *FiveSim) SetRating(account string, rating float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		a.rating = rating
		a.blockedUntil = time.Time{}
		p.rate(a, 0, p.s.clock())
	}
}

// TopUp credits an account (a replenishment: +8 rating, capped at 96).
func (p *FiveSim) TopUp(account string, amount float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance += fsCents(amount)
		p.rate(a, 8, p.s.clock())
	}
}

// SetOffline makes purchases and reuses answer 503 `server offline`.
func (p *FiveSim) SetOffline(on bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.offline = on
}
