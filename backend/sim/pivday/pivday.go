// Package pivday simulates piv.day's API v1 for package sim: numbers and
// their SMS, proxies, domains and their queue, white-page jobs, webhooks.
package pivday

// piv.day simulator, built from pivday.md and NOTES.md (summarised in
// docs/providers.md, "piv.day").
//
// Everything lives under /api/v1 with "Authorization: Bearer" keys. Success
// bodies are {"success": true, "data": …} — except where the document shows
// another shape (number purchase: {success, cost, numbers}; number restore:
// {success, queued, skipped, total_charged, numbers}) — and errors are
// {"success": false, "error": {"code", "message"}} with the documented HTTP
// statuses. 100 requests a minute per key, counted in fixed windows of the
// scenario clock and shared by every endpoint; over it: 429 RATE_LIMITED
// with Retry-After (seconds to the window's end).
//
// Choices where the document is silent (kept consistent throughout):
//   - A month of number rental is 30 days (the document's examples:
//     05-01 → 05-31 → 06-30); proxy months are calendar months (01-01 →
//     02-01 → 03-01); domain periods are years.
//   - Restore costs price_per_month × 1.5 per number (the document's
//     example: two GB numbers, 9.00). Restored numbers come back active for
//     30 days from completion.
//   - Paging: a limit outside 1..max (numbers and SMS: 200; proxy orders,
//     domains, whites: 500) is clamped to it; a non-integer limit/offset
//     is 400 VALIDATION_ERROR.
//   - Request bodies are strict JSON: a missing required field or a value of
//     the wrong type (a string where an integer belongs) is 400
//     VALIDATION_ERROR naming the field.
//   - Objects other than numbers that do not exist (proxy servers and
//     orders, domains, queue entries, whites) answer 404 NOT_FOUND, the code
//     the proxy purchase documents.
//   - No refusal the document does not state: renewals of any state are
//     accepted (a lapsed number, proxy order or domain runs again from
//     now; a number being restored gets its restored month on top; a
//     domain still being registered gets the years on top of its period),
//     as are a live proxy order's restore (its term runs on a month),
//     the auto-renew toggles in any state, periods beyond the purchase
//     limits (renewals say only "months/years to add"; numbers are bought
//     for "minimum 1" month) up to a hundred years, any TLD in a search
//     (unlisted TLDs cost the .com price) and a restore of a number whose
//     country is no longer sold (at the price it was bought at). Renewing
//     such a number is COUNTRY_NOT_AVAILABLE, as documented.
//   - White jobs carry an integer status. The document shows 0 for a job
//     just queued and 10 for one listed under status=done, so: 0 queued,
//     1 processing, 10 done, -1 failed. The list's status filter takes the
//     words.
//   - A domain being registered is listed with status "pending" (the list
//     filter's word) and null dates; a failed registration disappears from
//     the domain list (its queue entry stays, status "failed" with the
//     error) and is refunded.
//   - Domain renewal debits at once and moves expires_at at once (the answer
//     carries the new expiry); its queue entry then moves pending →
//     processing → completed with the full card, like a registration.
//   - White result_url stays null (the document's finished example has null;
//     archives come from /whites/{id}/download).
//   - Unknown routes answer 404 NOT_FOUND in the JSON envelope.

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// PivDay simulates piv.day's API v1.
type PivDay struct {
	s         *simcore.Core
	accounts  []*pivAccount
	byKey     map[string]*pivAccount
	countries []*pivCountry
	servers   []*pivServer
	smsSeq    int
}

const (
	pivUA            = "piv.day-webhook/1.0"
	pivRatePerMinute = 100
	pivRestoreFactor = 1.5
	pivNumberMonth   = 30 * 24 * time.Hour
	pivRestoreWindow = 7 * 24 * time.Hour
	pivAutoRenewLead = 24 * time.Hour     // auto-renewal is debited 24 h before expiry
	pivProxyWarn     = 3 * 24 * time.Hour // proxy.expires_soon: about three days left
	pivDomainWarn    = 7 * 24 * time.Hour // domain.expires_soon: about a week left
	// pivMaxPeriod bounds the months or years of a renewal (and months of
	// a number purchase), which the document leaves open: a hundred years
	// keeps the arithmetic in range.
	pivMaxPeriod = 1200
	// pivLegacyPrice is the monthly price numbers of a country no longer
	// sold were bought at (their restore price).
	pivLegacyPrice = 4.50
)

// White job statuses (integers on the wire; see the file comment).
const (
	pivWhiteQueued     = 0
	pivWhiteProcessing = 1
	pivWhiteDone       = 10
	pivWhiteFailed     = -1
)

var pivWhiteWords = map[string]int{"queued": pivWhiteQueued, "processing": pivWhiteProcessing,
	"done": pivWhiteDone, "failed": pivWhiteFailed}

var pivTierPrices = map[string]float64{"v2_tier1": 3.00, "v2_tier2": 6.00, "v2_tier3": 10.00}

// pivTLDs are the registrable TLDs with their yearly price (create = renew).
var pivTLDs = map[string]float64{"com": 12.50, "net": 14.00, "org": 13.00, "io": 39.00, "xyz": 2.50, "dev": 15.00}

// pivServices send the scenario's verification SMS.
var pivServices = []string{"google", "telegram", "whatsapp", "tiktok", "facebook", "microsoft", "uber", "discord"}

type pivCountry struct {
	code       string
	price      float64 // price_per_month (plan discount applied)
	base       float64
	canSend    bool
	canReceive bool
	sendPrice  float64 // 0 with canSend false → null
	stock      int
	prefix     string
	digits     int
}

type pivServer struct {
	id, name, country string
	socks5, http      int
	price             float64
	host              string
}

type pivAccount struct {
	name, key, env string
	userID, email  string
	balance        float64
	win            simcore.Window
	purchases      int // successful number and proxy purchases
	renewals       int // successful renewals and restores of anything

	numbers  []*pivNumber // oldest first; listed newest first
	restores []*pivRestore
	proxies  []*pivProxyOrder
	domains  []*pivDomain
	queue    []*pivQueue
	whites   []*pivWhite
}

type pivNumber struct {
	id, phone, country string
	status             string // active | expired | pending_restore
	createdAt          time.Time
	purchasedAt        time.Time
	expiresAt          time.Time
	expiredAt          time.Time // when it expired (restore window)
	autoRenew          bool
	autoTriedFor       time.Time // expiry an auto-renewal was attempted for
	customName         string
	price              float64 // monthly price it was bought at
	tags               []string
	canSend            bool
	canReceive         bool
	sms                []*pivSMS // oldest first
	restoreFail        bool      // forced by FailRestore

	// The scenario's SMS cycle for this number.
	plan       simcore.SMSPlan
	service    string
	firstDone  bool
	secondDone bool
	nextCycle  time.Time // Lively: when to draw the next plan
}

type pivSMS struct {
	id, from, to, body string
	direction, status  string
	at                 time.Time
}

type pivRestore struct {
	ids     []string
	charged map[string]float64
	doneAt  time.Time
}

type pivProxyItem struct {
	login, password, host, ipv6 string
	socks5, http                int
}

type pivProxyOrder struct {
	id, serverID, country string
	quantity              int
	pricePer, priceTotal  float64
	status                string // active | expired
	purchasedAt           time.Time
	createdAt             time.Time
	expiresAt             time.Time
	items                 []pivProxyItem
	warnedFor             time.Time
}

type pivDNS struct {
	id, typ, name, content string
	ttl                    int
	proxied                bool
}

type pivDomain struct {
	id, name, status        string // active | pending | expired
	registeredAt, expiresAt time.Time
	createdAt, updatedAt    time.Time
	autoRenew, cloudflare   bool
	cfStatus, sslType       string
	sslStatus, sslMode      string
	sslExpiresAt            time.Time
	period                  int
	nameservers             []string
	dns                     []pivDNS
	renewPrice              float64
	warnedFor, autoTriedFor time.Time
}

type pivQueue struct {
	id, domainID, domainName string
	kind                     string // register | renew
	status                   string // pending | processing | completed | failed
	processingAt, doneAt     time.Time
	fail                     string // the error of a registration that will fail
	cost                     float64
	card                     *pivDomain // the domain as it stood when the entry completed
}

type pivWhite struct {
	id, name, tier, quality string
	niche, country, lang    string
	domain                  string
	status                  int
	createdAt               time.Time
	processingAt, doneAt    time.Time
	fail                    string
	cost                    float64
}

// New builds the piv.day simulator on the core s (its clock and random
// source seed the catalogue and accounts) and registers it there.
func New(s *simcore.Core) *PivDay {
	p := &PivDay{s: s, byKey: map[string]*pivAccount{}, smsSeq: 41000}
	p.countries = []*pivCountry{
		{code: "SE", price: 4.00, base: 5.00, canSend: true, canReceive: true, sendPrice: 0.25, stock: 40, prefix: "+4676", digits: 7},
		{code: "GB", price: 3.00, base: 3.00, canSend: true, canReceive: true, sendPrice: 0.20, stock: 25, prefix: "+447", digits: 9},
		{code: "US", price: 2.50, base: 3.00, canSend: true, canReceive: true, sendPrice: 0.10, stock: 100, prefix: "+1", digits: 10},
		{code: "DE", price: 6.00, base: 7.50, canReceive: true, stock: 12, prefix: "+4915", digits: 9},
		{code: "NL", price: 5.00, base: 6.00, canReceive: true, stock: 8, prefix: "+316", digits: 8},
		// Listed but sold out: a purchase answers NO_NUMBERS_AVAILABLE.
		{code: "CA", price: 3.50, base: 4.00, canSend: true, canReceive: true, sendPrice: 0.15, stock: 0, prefix: "+1", digits: 10},
	}
	p.servers = []*pivServer{
		{id: p.uuid(""), name: "EU-DE-01", country: "DE", socks5: 1080, http: 3128, price: 0.50, host: "185.112.4.17"},
		{id: p.uuid(""), name: "EU-NL-01", country: "NL", socks5: 1080, http: 3128, price: 0.45, host: "91.208.33.9"},
		{id: p.uuid(""), name: "US-NY-01", country: "US", socks5: 1080, http: 3128, price: 0.60, host: "23.184.50.122"},
		{id: p.uuid(""), name: "EU-PL-01", country: "PL", socks5: 1085, http: 8080, price: 0.40, host: "45.137.70.201"},
	}
	now := s.Clock()
	names := []string{"piv-main", "piv-alt"}
	for i := 0; i < s.Opts.Accounts; i++ {
		name := fmt.Sprintf("piv-%d", i+1)
		if i < len(names) {
			name = names[i]
		}
		a := &pivAccount{
			name:    name,
			key:     s.Token("piv_live_"),
			env:     fmt.Sprintf("SIM_PIVDAY_%d_KEY", i+1),
			userID:  p.uuid("usr-"),
			email:   s.Pick([]string{"o***@proton.me", "m***@gmail.com", "t***@example.com", "d***@tuta.io"}),
			balance: simcore.Money(60 + s.Rng.Float64()*190),
		}
		p.seed(a, now)
		p.accounts = append(p.accounts, a)
		p.byKey[a.key] = a
	}
	s.Register(simcore.Provider{Kind: p.kind(), Prefix: p.prefix(), Routes: p.routes, Tick: p.tick,
		TooMany: p.tooMany, Credentials: p.credentials})
	return p
}

func (p *PivDay) kind() backend.ProviderKind { return backend.PivDay }
func (p *PivDay) prefix() string             { return "/api/v1" }

func (p *PivDay) credentials() []simcore.Credential {
	out := make([]simcore.Credential, 0, len(p.accounts))
	for _, a := range p.accounts {
		out = append(out, simcore.Credential{Account: a.name, Provider: backend.PivDay,
			Env: map[string]string{a.env: a.key}, Fields: map[string]string{"api_key_env": a.env}})
	}
	return out
}

// tooMany is piv.day's 429: RATE_LIMITED in the error envelope, with
// Retry-After in seconds when hint is set.
func (p *PivDay) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	secs := max(int(math.Ceil(retry.Seconds())), 1)
	msg := "Rate limit exceeded"
	if hint {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		msg = fmt.Sprintf("Rate limit exceeded, retry in %ds", secs)
	}
	simcore.WriteJSON(w, http.StatusTooManyRequests, pivErrorBody("RATE_LIMITED", msg))
}
