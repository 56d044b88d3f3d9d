package sim

// NonVoip simulates NonVoipUsNumber (nonvoip.openapi.json and NOTES.md)
// under /manager: every call is a POST /api/... taking JSON, form or
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
//   - Rentals are online (receive SMS) for nvOnlineWindow after the order
//     and after each /api/activate; SMS are planned (s.planSMS) from the
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
//     with auction ≥ recommended_bid succeeds at listed × (1 + bid/100)
//     from the premium routes (stock unchanged) and fires the
//     auction_wining callback; a lower bid gets the info again.
//   - A 30-days multi-service order (product_ids, ≤ 5, 30-days products
//     only) is ONE order on one number; its service is the names joined by
//     ", " and its cost the sum of the prices.
//   - /api/reuse keeps the order id (as the document's example does),
//     charges the product's listed price again and opens a new 900 s
//     window; it needs a short-term order that has received an SMS and is
//     not waiting. getsms then answers only SMS of the new window.
//   - /api/reject works before any SMS of the current window, for any
//     order type, refunding the last charge; after an SMS it is refused.
//   - /api/renew renews rentals only; duration "30d" style (also "30",
//     "1m"), a positive multiple of the product's period (default: one
//     period), charged pro rata; an expired rental can be renewed within
//     nvRenewGrace and becomes Active again; the expiry moves from
//     max(now, expiry).
//   - /api/getsms answers {"status":"success",number,service,sms,pin,type}
//     with the latest SMS of the current window, and sms "" / pin "" before
//     any SMS (for every order state); an unknown order (or another
//     account's) is 404 {"status":"error","message":"Order not found."}.
//     type is the order type (short_term, long_term, one_day, 3days,
//     country).
//   - The pin is the service's own code when the scenario wrote the SMS;
//     for a Deliver'ed text it is the first "123-456"/"123 456" pair, else
//     the first run of 4–8 digits, else of 3 digits (NonVoip's example pins
//     a 3-digit code).
//   - Callbacks (s.fireWebhook, User-Agent GuzzleHttp/7 as a Laravel app
//     sends them): incoming_message on every SMS (type "str" for short-term
//     and country orders, "ltr" for rentals) and auction_wining when a
//     premium bid wins. /api/saveurl (url + userId) sets the callback URL.
//   - Lively (the demo): NonVoip cannot list orders, so no orders appear by
//     themselves (the demo adds the seeded ones by id, see OrderIDs).
//     Instead, every 3–8 s a random open order — a waiting or completed
//     short-term order that has not expired, or an Active rental — gets a
//     code SMS, and Active rentals stay online so they keep receiving.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
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
	s *Sim

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
	windows   map[string]*window
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
	plan        SMSPlan
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

func newNonVoip(s *Sim) *NonVoip {
	p := &NonVoip{s: s, byEmail: map[string]*nvAccount{}, byProduct: map[int]*nvProduct{},
		byCountry: map[int]*nvCountryProduct{}, orders: map[string]*nvOrder{}, route: map[int]int64{},
		premium: map[int]int{}, windows: map[string]*window{}, tolerance: nvPriceTolerance}
	p.nextID = 146180 + s.rng.IntN(5)
	p.nextSB = 102030
	for _, c := range nvCatalogue {
		pr := &nvProduct{id: c.id, name: c.name, kind: c.kind, price: c.price}
		if c.kind == nvShort {
			pr.available = 800 + s.rng.IntN(7000)
		} else {
			pr.available = 20 + s.rng.IntN(120)
		}
		p.products = append(p.products, pr)
		p.byProduct[pr.id] = pr
	}
	for _, c := range nvCountryCatalogue {
		cp := c
		cp.available = 30 + s.rng.IntN(200)
		p.country = append(p.country, &cp)
		p.byCountry[cp.id] = &cp
	}
	now := s.clock()
	for i := range s.opts.Accounts {
		name := "nonvoip-main"
		switch {
		case i == 1:
			name = "nonvoip-alt"
		case i > 1:
			name = fmt.Sprintf("nonvoip-%d", i+1)
		}
		a := &nvAccount{name: name, email: "ops-" + strings.ToLower(s.token("")[:8]) + "@example.net",
			password: s.token("nv_"), userID: 4100 + 7*i + s.rng.IntN(7), balance: 2500 + int64(s.rng.IntN(5500))}
		p.accounts = append(p.accounts, a)
		p.byEmail[strings.ToLower(a.email)] = a
		p.seed(a, now)
	}
	return p
}

// seed gives an account orders in every state (s.mu not needed: nothing
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
			o.onlineUntil = now.Add(nvOnlineWindow - time.Duration(s.rng.IntN(300))*time.Second)
			o.plan = s.planSMS(now)
		}
		return o
	}
	// Waiting short-term orders: their SMS come soon.
	o := short(10000086, 40*time.Second)
	o.plan = s.planSMS(now)
	o = short(10000012, 2*time.Minute)
	o.plan = s.planSMS(now)
	// A short-term order that got its code.
	o = short(10000031, 5*time.Minute)
	p.addSMS(o, s.codeSMS(o.service), now.Add(-4*time.Minute))
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
	p.addSMS(o, s.codeSMS(o.service), now.Add(-5*24*time.Hour+10*time.Minute))
	rental(9012, 29*24*time.Hour+4*time.Hour, 20*time.Hour, false)
	rental(9441, 19*time.Hour, 5*time.Hour, true)
	rental(7011, 24*time.Hour, 48*time.Hour, false)
	o = rental(9101, 32*24*time.Hour, -2*24*time.Hour, false)
	o.status = nvExpired
	// A country-wise order waiting for its SMS.
	cp := p.byCountry[501]
	o = p.newOrder(a, nvCountry, []int{cp.id}, cp.code, p.countryNumber(cp), now.Add(-30*time.Second), nvCountryLife, cp.price)
	o.country, o.status = cp.iso, nvReserved
	o.plan = s.planSMS(now)
}

// newOrder registers an order (s.mu held or construction).
func (p *NonVoip) newOrder(a *nvAccount, kind string, products []int, service, number string, created time.Time, life time.Duration, cost int64) *nvOrder {
	var id string
	if kind == nvCountry {
		id = fmt.Sprintf("sb_%06d", p.nextSB)
		p.nextSB++
	} else {
		id = strconv.Itoa(p.nextID)
		p.nextID += 1 + p.s.rng.IntN(3)
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
	return "1" + p.s.pick(nvAreaCodes) + p.s.digits(7)
}

func (p *NonVoip) countryNumber(cp *nvCountryProduct) string {
	n := 11 - len(cp.dial)
	if cp.dial == "1" {
		return "1" + p.s.pick(nvAreaCodes) + p.s.digits(7)
	}
	return cp.dial + p.s.digits(n)
}

// --- provider interface -----------------------------------------------------

func (p *NonVoip) kind() backend.ProviderKind { return backend.NonVoip }
func (p *NonVoip) prefix() string             { return "/manager" }

func (p *NonVoip) credentials() []Credential {
	out := make([]Credential, 0, len(p.accounts))
	for i, a := range p.accounts {
		env := fmt.Sprintf("SIM_NONVOIP_%d_PASSWORD", i+1)
		out = append(out, Credential{Account: a.name, Provider: backend.NonVoip,
			Env:    map[string]string{env: a.password},
			Fields: map[string]string{"email": a.email, "password_env": env}})
	}
	return out
}

func (p *NonVoip) routes(mux *http.ServeMux) {
	mux.HandleFunc("/manager/", p.serve)
}

// nvLimited is the 429 body.
type nvLimited struct {
	Status     string `json:"status"`
	Message    string `json:"message"`
	Limit      int    `json:"limit"`
	RetryAfter *int   `json:"retryAfter,omitempty"`
}

func (p *NonVoip) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	p.s.mu.Lock()
	limit := p.s.rateFor(backend.NonVoip, nvRateLimit)
	p.s.mu.Unlock()
	p.write429(w, limit, retry, hint)
}

func (p *NonVoip) write429(w http.ResponseWriter, limit int, retry time.Duration, hint bool) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", "0")
	body := nvLimited{Status: "error", Message: "Rate limit exceeded. Please try again later.", Limit: limit}
	if hint {
		secs := max(1, int(math.Ceil(retry.Seconds())))
		h.Set("Retry-After", strconv.Itoa(secs))
		h.Set("X-RateLimit-Reset", time.Now().UTC().Add(retry).Format(time.RFC3339))
		body.RetryAfter = &secs
	}
	writeJSON(w, http.StatusTooManyRequests, body)
}

// nvError is the error body.
type nvError struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func nvFail(status int, msg string) (int, any) {
	return status, nvError{Status: "error", Message: msg}
}

type nvHandler func(a *nvAccount, q nvReq, now time.Time) (int, any)

func (p *NonVoip) handler(path string) (nvHandler, bool) {
	switch path {
	case "/api/balance":
		return p.balance, true
	case "/api/products":
		return p.productsCall, true
	case "/api/order":
		return p.order, true
	case "/api/country/products":
		return p.countryProducts, true
	case "/api/country/order":
		return p.countryOrder, true
	case "/api/reuse":
		return p.reuse, true
	case "/api/activate":
		return p.activate, true
	case "/api/reject":
		return p.reject, true
	case "/api/renew":
		return p.renew, true
	case "/api/getsms":
		return p.getsms, true
	case "/api/saveurl":
		return nil, true // no e-mail/password: handled apart
	}
	return nil, false
}

func (p *NonVoip) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/manager")
	if !strings.HasPrefix(path, "/api/") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"+
			"<p>The requested URL was not found on this server.</p></body></html>")
		return
	}
	h, known := p.handler(path)
	q := nvParse(r) // before the lock: reading the body is I/O
	key := "addr:" + nvClientAddr(r)
	if e := strings.ToLower(strings.TrimSpace(q.str("email"))); e != "" {
		key = "email:" + e
	}

	s := p.s
	s.mu.Lock()
	now := s.clock()
	limit := s.rateFor(backend.NonVoip, nvRateLimit)
	win := p.windows[key]
	if win == nil {
		win = &window{}
		p.windows[key] = win
	}
	ok, remaining, reset := win.hit(now, time.Minute, limit)
	if !ok {
		s.countLimited(backend.NonVoip)
		s.mu.Unlock()
		p.write429(w, limit, reset.Sub(now), true)
		return
	}
	var status int
	var body any
	switch {
	case !known:
		status, body = nvFail(http.StatusNotFound, "Not Found")
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		status, body = nvFail(http.StatusMethodNotAllowed,
			fmt.Sprintf("The %s method is not supported for route %s. Supported methods: POST.", r.Method, strings.TrimPrefix(path, "/")))
	case path == "/api/saveurl":
		status, body = p.saveURL(q)
	default:
		a := p.auth(q)
		if a == nil {
			status, body = nvFail(http.StatusBadRequest, "Wrong Auth")
		} else {
			status, body = h(a, q, now)
		}
	}
	s.mu.Unlock()

	hd := w.Header()
	hd.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	// The window ends on the scenario clock; the header says when on the
	// real one, so a client that waits for it waits the right time.
	hd.Set("X-RateLimit-Reset", time.Now().UTC().Add(reset.Sub(now)).Format(time.RFC3339))
	writeJSON(w, status, body)
}

func nvClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (p *NonVoip) auth(q nvReq) *nvAccount {
	a := p.byEmail[strings.ToLower(strings.TrimSpace(q.str("email")))]
	if a == nil || q.str("password") != a.password {
		return nil
	}
	return a
}

// --- request bodies -----------------------------------------------------------

// nvReq holds a body's fields whatever its encoding: values as strings,
// arrays as several values, keys without their "[]" / "[0]" suffix.
type nvReq struct{ vals map[string][]string }

func nvParse(r *http.Request) nvReq {
	q := nvReq{vals: map[string][]string{}}
	if r.Body == nil || r.Method != http.MethodPost {
		return q
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err == nil {
			q.addForm(r.PostForm)
		}
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err == nil {
			q.addForm(r.PostForm)
		}
	default: // JSON, declared or not
		var m map[string]any
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		if d.Decode(&m) == nil {
			for k, v := range m {
				q.addJSON(k, v)
			}
		}
	}
	return q
}

func (q nvReq) addForm(f url.Values) {
	for k, vs := range f {
		if i := strings.IndexByte(k, '['); i > 0 {
			k = k[:i]
		}
		q.vals[k] = append(q.vals[k], vs...)
	}
}

func (q nvReq) addJSON(k string, v any) {
	switch t := v.(type) {
	case string:
		q.vals[k] = append(q.vals[k], t)
	case json.Number:
		q.vals[k] = append(q.vals[k], t.String())
	case bool:
		q.vals[k] = append(q.vals[k], strconv.FormatBool(t))
	case []any:
		for _, e := range t {
			q.addJSON(k, e)
		}
	}
}

func (q nvReq) has(k string) bool { return len(q.vals[k]) > 0 }

func (q nvReq) str(k string) string {
	if v := q.vals[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

func (q nvReq) integer(k string) (int, bool) {
	s := q.str(k)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e9 {
		return int(f), true
	}
	return 0, false
}

// ints reads a list given as several values or one "9044,8555".
func (q nvReq) ints(k string) ([]int, bool) {
	var out []int
	for _, v := range q.vals[k] {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return nil, false
			}
			out = append(out, n)
		}
	}
	return out, true
}

func (q nvReq) cents(k string) (int64, bool) {
	f, err := strconv.ParseFloat(q.str(k), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e6 {
		return 0, false
	}
	return int64(math.Round(f * 100)), true
}

func (q nvReq) boolean(k string) bool {
	switch strings.ToLower(q.str(k)) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// --- bodies -------------------------------------------------------------------

type nvProductJSON struct {
	ProductID int    `json:"product_id"`
	Name      string `json:"name"`
	Price     string `json:"price"`
	Available int    `json:"available"`
	Category  string `json:"category,omitempty"`
}

type nvShortJSON struct {
	OrderID    any    `json:"order_id"`
	Status     string `json:"status"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Expiration int    `json:"expiration"`
	Type       string `json:"type"`
}

type nvRentalJSON struct {
	OrderID any    `json:"order_id"`
	Status  string `json:"status"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Type    string `json:"type"`
	Expires string `json:"expires"`
}

type nvReuseJSON struct {
	OrderID        any    `json:"order_id"`
	Status         string `json:"status"`
	Number         string `json:"number"`
	Service        string `json:"service"`
	TillExpiration int    `json:"till_expiration"`
	Type           string `json:"type"`
}

type nvCountryProductJSON struct {
	ProductID int    `json:"product_id"`
	Name      string `json:"name"`
	Country   string `json:"country"`
	Price     string `json:"price"`
	Available int    `json:"available"`
}

type nvCountryOrderJSON struct {
	OrderID    string `json:"order_id"`
	Status     string `json:"status"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Country    string `json:"country"`
	Expiration int    `json:"expiration"`
	ExpiresAt  string `json:"expires_at"`
	Cost       string `json:"cost"`
}

type nvPriceChange struct {
	Info           string  `json:"info"`
	QuotedPrice    float64 `json:"quoted_price"`
	AllowedPrice   float64 `json:"allowed_price"`
	AvailablePrice float64 `json:"available_price"`
}

type nvPremium struct {
	Info           string `json:"info"`
	RecommendedBid int    `json:"recommended_bid"`
}

type nvActivation struct {
	OnlineStatus string `json:"online_status"`
	EndOn        string `json:"end_on"`
	Timezone     string `json:"timezone"`
}

type nvSMSJSON struct {
	Status  string `json:"status"`
	Number  string `json:"number"`
	Service string `json:"service"`
	SMS     string `json:"sms"`
	Pin     string `json:"pin"`
	Type    string `json:"type"`
}

type nvIncoming struct {
	OrderID any    `json:"order_id"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Sender  string `json:"sender"`
	SMS     string `json:"sms"`
	Code    string `json:"code"`
	Type    string `json:"type"`
}

type nvWinning struct {
	OrderID    any    `json:"order_id"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Expiration int    `json:"expiration"`
}

func nvSuccess(message any) (int, any) {
	return http.StatusOK, map[string]any{"status": "success", "message": message}
}

func nvMoney(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func nvTime(t time.Time) string { return t.UTC().Format(nvTimeLayout) }

// nvIDValue is a numeric order id as a JSON number ("sb_…" stays a string).
func nvIDValue(id string) any {
	if n, err := strconv.Atoi(id); err == nil {
		return n
	}
	return id
}

func nvSeconds(d time.Duration) int { return max(0, int(math.Ceil(d.Seconds()))) }

// --- handlers (s.mu held) -----------------------------------------------------

func (p *NonVoip) balance(a *nvAccount, _ nvReq, _ time.Time) (int, any) {
	return http.StatusOK, map[string]any{"status": "success", "balance": nvMoney(a.balance)}
}

func (p *NonVoip) productJSON(pr *nvProduct, withCategory bool) nvProductJSON {
	j := nvProductJSON{ProductID: pr.id, Name: pr.name, Price: nvMoney(pr.price), Available: pr.available}
	if p.premium[pr.id] > 0 {
		j.Available = 0
	}
	if withCategory {
		j.Category = nvCategory(pr.kind)
	}
	return j
}

func (p *NonVoip) productsCall(_ *nvAccount, q nvReq, _ time.Time) (int, any) {
	id, hasID := q.integer("product_id")
	if !hasID {
		id, hasID = q.integer("id")
	}
	if hasID {
		pr := p.byProduct[id]
		if pr == nil {
			return nvFail(http.StatusBadRequest, "Product not found.")
		}
		return nvSuccess([]nvProductJSON{p.productJSON(pr, true)})
	}
	if typ := q.str("type"); typ != "" {
		if nvPeriodDays(typ) == 0 && typ != nvShort {
			return nvFail(http.StatusBadRequest, "Invalid type. Use short_term, long_term, one_day or 3days.")
		}
		list := []nvProductJSON{}
		for _, pr := range p.products {
			if pr.kind == typ {
				list = append(list, p.productJSON(pr, true))
			}
		}
		return nvSuccess(list)
	}
	if q.boolean("grouped") {
		groups := map[string][]nvProductJSON{}
		for _, pr := range p.products {
			c := nvCategory(pr.kind)
			groups[c] = append(groups[c], p.productJSON(pr, false))
		}
		return nvSuccess(groups)
	}
	list := make([]nvProductJSON, 0, len(p.products))
	for _, pr := range p.products {
		list = append(list, p.productJSON(pr, true))
	}
	return nvSuccess(list)
}

func (p *NonVoip) order(a *nvAccount, q nvReq, now time.Time) (int, any) {
	ids, ok := q.ints("product_ids")
	if !ok {
		return nvFail(http.StatusBadRequest, "Invalid product_ids.")
	}
	if len(ids) == 0 {
		if !q.has("product_id") {
			return nvFail(http.StatusBadRequest, "The product_id field is required.")
		}
		id, ok := q.integer("product_id")
		if !ok {
			return nvFail(http.StatusBadRequest, "Invalid product_id.")
		}
		ids = []int{id}
	}
	if len(ids) > 5 {
		return nvFail(http.StatusBadRequest, "A maximum of 5 services can be ordered on one number.")
	}
	var prs []*nvProduct
	seen := map[int]bool{}
	for _, id := range ids {
		pr := p.byProduct[id]
		if pr == nil {
			return nvFail(http.StatusBadRequest, "Invalid product_id.")
		}
		if seen[id] {
			return nvFail(http.StatusBadRequest, "Duplicate product_ids.")
		}
		seen[id] = true
		prs = append(prs, pr)
	}
	if q.has("product_ids") {
		for _, pr := range prs {
			if pr.kind != nvLong {
				return nvFail(http.StatusBadRequest, "product_ids can only be used with 30-days products.")
			}
		}
	}
	auction, hasAuction := q.integer("auction")
	if hasAuction && (auction < 10 || auction > 2000) {
		return nvFail(http.StatusBadRequest, "The auction must be between 10 and 2000.")
	}
	if prs[0].kind == nvShort {
		return p.orderShort(a, prs[0], q, auction, hasAuction, now)
	}
	var cost int64
	var names []string
	for _, pr := range prs {
		if pr.available <= 0 {
			return nvFail(http.StatusBadRequest, "No numbers available for "+pr.name+". Please try again later.")
		}
		cost += pr.price
		names = append(names, pr.name)
	}
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	for _, pr := range prs {
		pr.available--
	}
	o := p.newOrder(a, prs[0].kind, ids, strings.Join(names, ", "), p.usNumber(), now, 0, cost)
	o.status = nvActive
	o.plan = p.s.planSMS(now)
	a.purchases++
	return nvSuccess([]nvRentalJSON{{OrderID: nvIDValue(o.id), Status: o.status, Number: o.number, Service: o.service,
		Type: o.kind, Expires: nvTime(o.expires)}})
}

func (p *NonVoip) orderShort(a *nvAccount, pr *nvProduct, q nvReq, auction int, hasAuction bool, now time.Time) (int, any) {
	var cost int64
	premium := false
	bid := p.premium[pr.id]
	if bid <= 0 && pr.available <= 0 {
		bid = nvDefaultBid
	}
	if bid > 0 {
		if !hasAuction || auction < bid {
			return http.StatusOK, map[string]any{"status": "info", "message": []nvPremium{{Info: "Premium_Available", RecommendedBid: bid}}}
		}
		cost = pr.price * int64(100+auction) / 100
		premium = true
	} else {
		route := pr.price
		if r, ok := p.route[pr.id]; ok {
			route = r
		}
		allowed := (pr.price*p.tolerance + 50) / 100
		if route > allowed {
			accepted, ok := q.cents("accepted_max_price")
			if !ok || accepted < route {
				return http.StatusOK, map[string]any{"status": "info", "message": []nvPriceChange{{Info: "Price_Change_Required",
					QuotedPrice: float64(pr.price) / 100, AllowedPrice: float64(allowed) / 100, AvailablePrice: float64(route) / 100}}}
			}
		}
		cost = route
		if hasAuction {
			cost = route * int64(100+auction) / 100
		}
	}
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	if !premium {
		pr.available--
	}
	o := p.newOrder(a, nvShort, []int{pr.id}, pr.name, p.usNumber(), now, nvShortLife, cost)
	o.status = nvReserved
	o.plan = p.s.planSMS(now)
	a.purchases++
	if premium {
		p.s.fireWebhook(backend.NonVoip, nvWebhookUA, map[string]any{"event": "auction_wining",
			"message": []nvWinning{{OrderID: nvIDValue(o.id), Number: o.number, Service: o.service, Expiration: nvSeconds(nvShortLife)}}})
	}
	return nvSuccess([]nvShortJSON{{OrderID: nvIDValue(o.id), Status: o.status, Number: o.number, Service: o.service,
		Expiration: nvSeconds(o.expires.Sub(now)), Type: nvShort}})
}

func (p *NonVoip) countryProducts(_ *nvAccount, _ nvReq, _ time.Time) (int, any) {
	list := make([]nvCountryProductJSON, 0, len(p.country))
	for _, cp := range p.country {
		list = append(list, nvCountryProductJSON{ProductID: cp.id, Name: cp.name, Country: cp.country,
			Price: nvMoney(cp.price), Available: cp.available})
	}
	return nvSuccess(list)
}

func (p *NonVoip) countryOrder(a *nvAccount, q nvReq, now time.Time) (int, any) {
	if !q.has("product_id") {
		return nvFail(http.StatusBadRequest, "The product_id field is required.")
	}
	id, _ := q.integer("product_id")
	cp := p.byCountry[id]
	if cp == nil {
		return nvFail(http.StatusBadRequest, "Invalid product_id.")
	}
	if cp.available <= 0 {
		return nvFail(http.StatusBadRequest, "No numbers available for "+cp.name+" in "+cp.country+".")
	}
	if cp.price > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	cp.available--
	o := p.newOrder(a, nvCountry, []int{cp.id}, cp.code, p.countryNumber(cp), now, nvCountryLife, cp.price)
	o.country, o.status = cp.iso, nvReserved
	o.plan = p.s.planSMS(now)
	a.purchases++
	return nvSuccess(nvCountryOrderJSON{OrderID: o.id, Status: o.status, Number: o.number, Service: o.service,
		Country: o.country, Expiration: nvSeconds(o.expires.Sub(now)), ExpiresAt: nvTime(o.expires), Cost: nvMoney(cp.price)})
}

// lookup finds the account's order by order_id, else by service + number
// (the latest such order).
func (p *NonVoip) lookup(a *nvAccount, q nvReq) *nvOrder {
	if id := q.str("order_id"); id != "" {
		if o := p.orders[id]; o != nil && o.acct == a {
			return o
		}
		return nil
	}
	service, number := q.str("service"), nvDigits(q.str("number"))
	if service == "" || number == "" {
		return nil
	}
	for i := len(p.list) - 1; i >= 0; i-- {
		o := p.list[i]
		if o.acct == a && nvDigits(o.number) == number && strings.EqualFold(o.service, service) {
			return o
		}
	}
	return nil
}

func nvDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (p *NonVoip) reuse(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case o.kind != nvShort:
		return nvFail(http.StatusBadRequest, "Only short-term numbers can be reused.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "A rejected number cannot be reused.")
	case o.status == nvReserved && now.Before(o.expires):
		return nvFail(http.StatusBadRequest, "This number is still reserved for you.")
	case len(o.sms) == 0:
		return nvFail(http.StatusBadRequest, "Only a number that has received an SMS can be reused.")
	}
	pr := p.byProduct[o.products[0]]
	cost := pr.price
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	a.balance -= cost
	a.purchases++
	o.lastCharge = cost
	o.status = nvReserved
	o.first = len(o.sms)
	o.expires = now.Add(nvShortLife)
	o.plan = p.s.planSMS(now)
	o.planned = [2]bool{}
	return nvSuccess([]nvReuseJSON{{OrderID: nvIDValue(o.id), Status: o.status, Number: o.number, Service: o.service,
		TillExpiration: nvSeconds(o.expires.Sub(now)), Type: nvShort}})
}

func (p *NonVoip) activate(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case !o.rental():
		return nvFail(http.StatusBadRequest, "Only long-term, 1-day and 3-days numbers can be activated.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "This number has been rejected.")
	case !now.Before(o.expires):
		return nvFail(http.StatusBadRequest, "This number has expired. Renew it to use it again.")
	}
	o.onlineUntil = now.Add(nvOnlineWindow)
	o.plan = p.s.planSMS(now)
	o.planned = [2]bool{}
	return nvSuccess([]nvActivation{{OnlineStatus: "online", EndOn: nvTime(o.onlineUntil), Timezone: "UTC"}})
}

func (p *NonVoip) reject(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "This order has already been rejected.")
	case len(o.windowSMS()) > 0:
		return nvFail(http.StatusBadRequest, "An SMS has already been received for this number; it can no longer be rejected.")
	case !now.Before(o.expires) || o.status == nvExpired:
		return nvFail(http.StatusBadRequest, "This order has expired.")
	}
	o.status = nvRejected
	a.balance += o.lastCharge
	o.lastCharge = 0
	return nvSuccess(fmt.Sprintf("The rental for %s %s has been stopped and refunded.", o.service, o.number))
}

var nvDuration = regexp.MustCompile(`^(\d{1,4})\s*(d|day|days|m|month|months)?$`)

func (p *NonVoip) renew(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case !o.rental():
		return nvFail(http.StatusBadRequest, "Only rented numbers (30-days, 1-day, 3-days) can be renewed.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "This number has been rejected.")
	case now.Sub(o.expires) > nvRenewGrace:
		return nvFail(http.StatusBadRequest, "This number can no longer be renewed.")
	}
	period := nvPeriodDays(o.kind)
	days := period
	if d := strings.ToLower(q.str("duration")); d != "" {
		m := nvDuration.FindStringSubmatch(d)
		if m == nil {
			return nvFail(http.StatusBadRequest, "Invalid duration.")
		}
		days, _ = strconv.Atoi(m[1])
		if strings.HasPrefix(m[2], "m") {
			days *= 30
		}
	}
	if days <= 0 || days%period != 0 || days > 365 {
		return nvFail(http.StatusBadRequest, fmt.Sprintf("Invalid duration: use a multiple of %dd.", period))
	}
	var perPeriod int64
	for _, id := range o.products {
		perPeriod += p.byProduct[id].price
	}
	cost := perPeriod * int64(days/period)
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	a.balance -= cost
	base := o.expires
	if now.After(base) {
		base = now
	}
	o.expires = base.Add(time.Duration(days) * 24 * time.Hour)
	o.status = nvActive
	return http.StatusOK, map[string]any{"status": "success", "expiration": nvTime(o.expires)}
}

func (p *NonVoip) getsms(a *nvAccount, q nvReq, _ time.Time) (int, any) {
	o := p.lookup(a, q)
	if o == nil {
		return nvFail(http.StatusNotFound, "Order not found.")
	}
	body := nvSMSJSON{Status: "success", Number: o.number, Service: o.service, Type: o.kind}
	if w := o.windowSMS(); len(w) > 0 {
		body.SMS, body.Pin = w[len(w)-1].text, w[len(w)-1].pin
	}
	return http.StatusOK, body
}

func (p *NonVoip) saveURL(q nvReq) (int, any) {
	id, _ := q.integer("userId")
	var a *nvAccount
	for _, acc := range p.accounts {
		if acc.userID == id {
			a = acc
		}
	}
	if a == nil {
		return nvFail(http.StatusNotFound, "User not found.")
	}
	u, err := url.Parse(q.str("url"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nvFail(http.StatusBadRequest, "The url must be a valid URL.")
	}
	p.s.webhooks[backend.NonVoip] = u.String()
	return nvSuccess("Callback URL saved successfully")
}

// --- SMS and the scenario -----------------------------------------------------

var (
	nvPinPair  = regexp.MustCompile(`\b(\d{3})[- ](\d{3})\b`)
	nvPinRun   = regexp.MustCompile(`\d{4,8}`)
	nvPinShort = regexp.MustCompile(`\d{3}`)
)

// nvPin picks the code out of a text the way the service's own pin field
// does (see the file comment).
func nvPin(text string) string {
	if m := nvPinPair.FindStringSubmatch(text); m != nil {
		return m[1] + m[2]
	}
	if m := nvPinRun.FindString(text); m != "" {
		return m
	}
	return nvPinShort.FindString(text)
}

// addSMS stores an SMS (s.mu held) and fires the incoming_message callback.
func (p *NonVoip) addSMS(o *nvOrder, m SMS, at time.Time) {
	pin := m.Code
	sender := p.s.digits(4 + p.s.rng.IntN(3))
	o.sms = append(o.sms, nvSMS{sender: sender, text: m.Text, pin: pin, at: at})
	if o.status == nvReserved {
		o.status = nvCompleted
	}
	typ := "str"
	if o.rental() {
		typ = "ltr"
	}
	p.s.fireWebhook(backend.NonVoip, nvWebhookUA, map[string]any{"event": "incoming_message",
		"message": nvIncoming{OrderID: nvIDValue(o.id), Number: o.number, Service: o.service, Sender: sender,
			SMS: m.Text, Code: pin, Type: typ}})
}

func (p *NonVoip) tick(now time.Time) {
	s := p.s
	for _, o := range p.list {
		if o.rental() {
			if o.status == nvActive && !now.Before(o.expires) {
				o.status = nvExpired
			}
			if s.opts.Lively && o.status == nvActive && o.onlineUntil.Before(now.Add(time.Minute)) {
				o.onlineUntil = now.Add(nvOnlineWindow) // the demo keeps rentals awake
			}
		} else if (o.status == nvReserved || o.status == nvCompleted) && !now.Before(o.expires) {
			if len(o.windowSMS()) == 0 {
				o.status = nvExpired
				o.acct.balance += o.lastCharge
				o.lastCharge = 0
			}
			continue
		}
		if !o.receiving(now) {
			continue
		}
		if !o.planned[0] && !o.plan.First.IsZero() && !now.Before(o.plan.First) {
			o.planned[0] = true
			p.addSMS(o, s.codeSMS(o.service), now)
		}
		if o.planned[0] && !o.planned[1] && !o.plan.Second.IsZero() && !now.Before(o.plan.Second) {
			o.planned[1] = true
			p.addSMS(o, s.followUpSMS(o.service), now)
		}
	}
	if s.opts.Lively && !s.opts.Quiet && !now.Before(p.nextLive) {
		var open []*nvOrder
		for _, o := range p.list {
			if o.receiving(now) {
				open = append(open, o)
			}
		}
		if len(open) > 0 && !p.nextLive.IsZero() {
			o := open[s.rng.IntN(len(open))]
			p.addSMS(o, s.codeSMS(o.service), now)
		}
		p.nextLive = now.Add(s.between(3*time.Second, 8*time.Second))
	}
}

// --- test and demo hooks (each takes s.mu) ------------------------------------

func (p *NonVoip) account(name string) *nvAccount {
	for _, a := range p.accounts {
		if a.name == name {
			return a
		}
	}
	return nil
}

// Deliver makes an SMS with text arrive on an order now, whatever the
// order's state (tests). The pin is picked from the text.
func (p *NonVoip) Deliver(orderID, text string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	o := p.orders[orderID]
	if o == nil {
		return fmt.Errorf("nonvoip sim: no order %q", orderID)
	}
	p.addSMS(o, SMS{Text: text, Code: nvPin(text)}, p.s.clock())
	return nil
}

// Balance is an account's balance in dollars.
func (p *NonVoip) Balance(account string) float64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return float64(a.balance) / 100
	}
	return 0
}

// SetBalance sets an account's balance in dollars.
func (p *NonVoip) SetBalance(account string, dollars float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance = int64(math.Round(dollars * 100))
	}
}

// OrderCount counts an account's paid placements through the API (order,
// country order, reuse); seeded orders do not count.
func (p *NonVoip) OrderCount(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.purchases
	}
	return 0
}

// OrderIDs lists an account's order ids, oldest first (the demo adds the
// seeded ones, since NonVoip cannot list orders).
func (p *NonVoip) OrderIDs(account string) []string {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	var out []string
	for _, o := range p.list {
		if o.acct.name == account {
			out = append(out, o.id)
		}
	}
	return out
}

// SetRoutePrice sets the price of the route a 10-minute product's next
// orders come from (dollars); the listed price stays.
func (p *NonVoip) SetRoutePrice(productID int, price float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.route[productID] = int64(math.Round(price * 100))
}

// SetPremiumOnly puts a short-term product in premium-only mode (no
// ordinary stock, Premium_Available with bid); bid 0 ends it.
func (p *NonVoip) SetPremiumOnly(productID int, bid int) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if bid <= 0 {
		delete(p.premium, productID)
		return
	}
	p.premium[productID] = bid
}

// SetPriceTolerance sets how far (percent of the listed price, default
// 130) a 10-minute route may cost before Price_Change_Required; 100 asks
// on any increase.
func (p *NonVoip) SetPriceTolerance(percent int) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.tolerance = int64(max(percent, 100))
}

// SetAvailable sets a product's (or a country product's) stock.
func (p *NonVoip) SetAvailable(productID int, n int) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if pr := p.byProduct[productID]; pr != nil {
		pr.available = n
	}
	if cp := p.byCountry[productID]; cp != nil {
		cp.available = n
	}
}

// NonVoipOrder is a snapshot of a simulated order.
type NonVoipOrder struct {
	ID, Account, Type, Status, Number, Service, Country string
	Created, Expires, OnlineUntil                       time.Time
	SMS                                                 int // all SMS, every window
	LastCharge                                          float64
}

// Order looks an order up.
func (p *NonVoip) Order(orderID string) (NonVoipOrder, bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	o := p.orders[orderID]
	if o == nil {
		return NonVoipOrder{}, false
	}
	return NonVoipOrder{ID: o.id, Account: o.acct.name, Type: o.kind, Status: o.status, Number: o.number,
		Service: o.service, Country: o.country, Created: o.created, Expires: o.expires, OnlineUntil: o.onlineUntil,
		SMS: len(o.sms), LastCharge: float64(o.lastCharge) / 100}, true
}

// OrderStatus is an order's status word and expiry.
func (p *NonVoip) OrderStatus(orderID string) (status string, expires time.Time, ok bool) {
	o, ok := p.Order(orderID)
	return o.Status, o.Expires, ok
}

// UserID is an account's user id (for /api/saveurl).
func (p *NonVoip) UserID(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.userID
	}
	return 0
}
