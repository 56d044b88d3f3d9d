package sim

// piv.day simulator, built from shared/providers/pivday.md and NOTES.md.
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
//   - Paging: limit outside 1..max (numbers and SMS: 200; proxy orders,
//     domains, whites: 500) or a non-integer limit/offset is 400
//     VALIDATION_ERROR rather than silently clamped.
//   - Request bodies are strict JSON: a missing required field or a value of
//     the wrong type (a string where an integer belongs) is 400
//     VALIDATION_ERROR naming the field.
//   - Objects other than numbers that do not exist (proxy servers and
//     orders, domains, queue entries, whites) answer 404 NOT_FOUND, the code
//     the proxy purchase documents. Renewing an expired proxy order is 400
//     ORDER_EXPIRED (use restore); restoring one that is not expired is 400
//     ORDER_NOT_EXPIRED. Renewing an expired number is 403 NUMBER_EXPIRED
//     (the document's meaning of that code); one being restored is 400
//     NUMBER_NOT_ACTIVE.
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
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
)

// PivDay simulates piv.day's API v1.
type PivDay struct {
	s         *Sim
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
	win            window
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
	tags               []string
	canSend            bool
	canReceive         bool
	sms                []*pivSMS // oldest first
	restoreFail        bool      // forced by FailRestore

	// The scenario's SMS cycle for this number.
	plan       SMSPlan
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

func newPivDay(s *Sim) *PivDay {
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
	now := s.clock()
	names := []string{"piv-main", "piv-alt"}
	for i := 0; i < s.opts.Accounts; i++ {
		name := fmt.Sprintf("piv-%d", i+1)
		if i < len(names) {
			name = names[i]
		}
		a := &pivAccount{
			name:    name,
			key:     s.token("piv_live_"),
			env:     fmt.Sprintf("SIM_PIVDAY_%d_KEY", i+1),
			userID:  p.uuid("usr-"),
			email:   s.pick([]string{"o***@proton.me", "m***@gmail.com", "t***@example.com", "d***@tuta.io"}),
			balance: money(60 + s.rng.Float64()*190),
		}
		p.seed(a, now)
		p.accounts = append(p.accounts, a)
		p.byKey[a.key] = a
	}
	return p
}

func (p *PivDay) kind() backend.ProviderKind { return backend.PivDay }
func (p *PivDay) prefix() string             { return "/api/v1" }

func (p *PivDay) credentials() []Credential {
	out := make([]Credential, 0, len(p.accounts))
	for _, a := range p.accounts {
		out = append(out, Credential{Account: a.name, Provider: backend.PivDay,
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
	writeJSON(w, http.StatusTooManyRequests, pivErrorBody("RATE_LIMITED", msg))
}

// --- seeding ----------------------------------------------------------------

// seed gives an account numbers in every state, proxy orders near and far
// from expiry (one within minutes), domains (one expiring within hours),
// registrations in the queue, and white jobs that move over the first
// minutes.
func (p *PivDay) seed(a *pivAccount, now time.Time) {
	s := p.s
	day := 24 * time.Hour
	add := func(country string, created, expires time.Duration, status string) *pivNumber {
		n := p.newNumber(a, country, now.Add(-created), now.Add(expires))
		n.status = status
		if status == "expired" {
			n.expiredAt = n.expiresAt
		}
		return n
	}
	office := add("SE", 20*day, 10*day, "active")
	office.customName, office.tags = "Office line", []string{"support"}
	add("GB", 10*day+4*time.Hour, 20*time.Hour, "active") // expiring tomorrow, no auto-renew
	us := add("US", 5*day, 25*time.Hour, "active")        // auto-renewal is debited an hour in
	us.autoRenew, us.customName = true, "Ads US"
	add("DE", 15*day, 15*day, "active")
	add("NL", 32*day, -2*day, "expired") // restorable for five more days
	add("SE", 39*day, -9*day, "expired") // past the restore window
	legacy := add("FI", 12*day, 18*day, "active")
	legacy.customName = "Legacy FI" // its country is no longer sold: renew → COUNTRY_NOT_AVAILABLE
	pending := add("GB", 40*day, -3*day, "pending_restore")
	pending.expiredAt = pending.expiresAt
	a.restores = append(a.restores, &pivRestore{ids: []string{pending.id},
		charged: map[string]float64{pending.id: money(3.00 * pivRestoreFactor)}, doneAt: now.Add(s.between(10*time.Second, 20*time.Second))})

	// History: a couple of old codes and one outbound message.
	for _, n := range a.numbers {
		if n.status == "pending_restore" {
			continue
		}
		for i := 0; i < 1+s.rng.IntN(3); i++ {
			m := s.codeSMS(s.pick(pivServices))
			at := n.createdAt.Add(time.Duration(i+1) * (6*time.Hour + s.between(0, 3*time.Hour)))
			if at.After(now) || (n.status == "expired" && at.After(n.expiresAt)) {
				break
			}
			p.addSMS(n, m.Sender, n.phone, m.Text, "inbound", "received", at)
		}
	}
	p.addSMS(office, office.phone, "+14155551234", "Hello from piv.day", "outbound", "delivered", now.Add(-26*time.Hour))
	for _, n := range a.numbers {
		p.startCycle(n, now)
	}

	// Proxy orders.
	de, nl, us1 := p.servers[0], p.servers[1], p.servers[2]
	p.newProxyOrder(a, de, 10, now.Add(-30*day), now.Add(8*time.Minute)) // expires within minutes
	p.newProxyOrder(a, nl, 5, now.Add(-28*day), now.Add(2*day+12*time.Hour))
	long := p.newProxyOrder(a, de, 20, now.Add(-50*day), now.Add(40*day))
	long.priceTotal = money(long.pricePer * 20 * 3)
	old := p.newProxyOrder(a, us1, 3, now.Add(-34*day), now.Add(-3*day))
	old.status = "expired"

	// Domains.
	p.newDomain(a, "northwind-labs.com", now.Add(-364*day-19*time.Hour), now.Add(5*time.Hour), false, true)
	net := p.newDomain(a, "piv-demo.net", now.Add(-165*day), now.Add(200*day), true, false)
	net.nameservers = []string{"ns1.myhost.com", "ns2.myhost.com"}
	p.newDomain(a, "brightkettle.io", now.Add(-359*day), now.Add(6*day), true, true)
	p.newRegistration(a, "quietharbor.xyz", now, s.between(5*time.Second, 10*time.Second), s.between(20*time.Second, 35*time.Second), "")
	p.newRegistration(a, "taken-"+strings.ToLower(s.digits(3))+"-name.com", now,
		s.between(4*time.Second, 8*time.Second), s.between(15*time.Second, 30*time.Second), "Domain is no longer available")

	// White jobs: finished, failed, and three that move.
	w := p.newWhite(a, "Tech Blog DE", "v2_tier3", "premium", "IT Consulting", "DE", "de", "techblog-de.com", now.Add(-2*day))
	w.status = pivWhiteDone
	w = p.newWhite(a, "Pharma FR", "v2_tier1", "standard", "Pharmacy", "FR", "fr", "", now.Add(-5*day))
	w.status, w.fail = pivWhiteFailed, "Generation failed"
	w = p.newWhite(a, "Dental NL", "v2_tier2", "standard", "Dental clinic", "NL", "nl", "smile-nl.com", now.Add(-3*time.Minute))
	w.status, w.doneAt = pivWhiteProcessing, now.Add(s.between(20*time.Second, 40*time.Second))
	w = p.newWhite(a, "Crypto ES", "v2_tier1", "standard", "Crypto news", "ES", "es", "", now.Add(-time.Minute))
	w.processingAt = now.Add(s.between(5*time.Second, 12*time.Second))
	w.doneAt = w.processingAt.Add(s.between(20*time.Second, 40*time.Second))
	w.fail = "Generation failed"
	w = p.newWhite(a, "Garden UK", "v2_tier3", "standard", "Gardening", "GB", "en", "greenthumb.co.uk", now)
	w.processingAt = now.Add(s.between(15*time.Second, 30*time.Second))
	w.doneAt = w.processingAt.Add(s.between(60*time.Second, 120*time.Second))
}

func (p *PivDay) country(code string) *pivCountry {
	for _, c := range p.countries {
		if c.code == code {
			return c
		}
	}
	return nil
}

// newNumber adds a number to an account (s.mu held or during New).
func (p *PivDay) newNumber(a *pivAccount, country string, created, expires time.Time) *pivNumber {
	n := &pivNumber{id: p.numberID(), country: country, status: "active", createdAt: created, purchasedAt: created,
		expiresAt: expires, canReceive: true, tags: []string{}}
	if c := p.country(country); c != nil {
		n.phone = c.prefix + p.s.digits(c.digits)
		n.canSend, n.canReceive = c.canSend, c.canReceive
	} else {
		n.phone = "+35845" + p.s.digits(7)
	}
	a.numbers = append(a.numbers, n)
	return n
}

func (p *PivDay) newProxyOrder(a *pivAccount, srv *pivServer, qty int, created, expires time.Time) *pivProxyOrder {
	o := &pivProxyOrder{id: p.uuid("ord-"), serverID: srv.id, country: srv.country, quantity: qty, pricePer: srv.price,
		priceTotal: money(srv.price * float64(qty)), status: "active", purchasedAt: created, createdAt: created, expiresAt: expires}
	base := 1 + p.s.rng.IntN(200)
	for i := 0; i < qty; i++ {
		o.items = append(o.items, pivProxyItem{
			login:    fmt.Sprintf("u%s%d", p.s.digits(4), i+1),
			password: p.s.token("")[:12],
			host:     srv.host,
			ipv6:     fmt.Sprintf("2a0%d:%x:%x::%x", 1+p.s.rng.IntN(9), 0x1000+p.s.rng.IntN(0xefff), base, i+1),
			socks5:   srv.socks5,
			http:     srv.http,
		})
	}
	a.proxies = append(a.proxies, o)
	return o
}

func (p *PivDay) newDomain(a *pivAccount, name string, registered, expires time.Time, auto, cloudflare bool) *pivDomain {
	d := &pivDomain{id: p.uuid("dom-"), name: name, status: "active", registeredAt: registered, expiresAt: expires,
		createdAt: registered.Add(-time.Minute), updatedAt: registered, autoRenew: auto, cloudflare: cloudflare,
		period: 1, renewPrice: pivTLDPrice(name)}
	if cloudflare {
		d.cfStatus, d.sslType, d.sslStatus, d.sslMode = "active", "lets_encrypt", "active", "full"
		d.sslExpiresAt = p.s.clock().Add(p.s.between(20*24*time.Hour, 80*24*time.Hour)).Truncate(time.Hour)
		d.dns = []pivDNS{
			{id: p.uuid("rec-"), typ: "A", name: "@", content: fmt.Sprintf("185.%d.%d.%d", 10+p.s.rng.IntN(200), p.s.rng.IntN(250), 1+p.s.rng.IntN(250)), ttl: 1, proxied: true},
			{id: p.uuid("rec-"), typ: "CNAME", name: "www", content: name, ttl: 1, proxied: true},
		}
	}
	a.domains = append(a.domains, d)
	return d
}

// newRegistration queues a registration that goes processing after
// toProcessing and completes (or fails with fail) after toDone.
func (p *PivDay) newRegistration(a *pivAccount, name string, now time.Time, toProcessing, toDone time.Duration, fail string) *pivQueue {
	d := &pivDomain{id: p.uuid("dom-"), name: name, status: "pending", createdAt: now, updatedAt: now,
		autoRenew: true, cloudflare: true, sslMode: "full", period: 1, renewPrice: pivTLDPrice(name)}
	a.domains = append(a.domains, d)
	q := &pivQueue{id: p.uuid("que-"), domainID: d.id, domainName: name, kind: "register", status: "pending",
		processingAt: now.Add(toProcessing), doneAt: now.Add(toProcessing + toDone), fail: fail, cost: d.renewPrice}
	a.queue = append(a.queue, q)
	return q
}

func (p *PivDay) newWhite(a *pivAccount, name, tier, quality, niche, country, lang, domain string, created time.Time) *pivWhite {
	w := &pivWhite{id: p.uuid("job-"), name: name, tier: tier, quality: quality, niche: niche, country: country,
		lang: lang, domain: domain, status: pivWhiteQueued, createdAt: created, cost: pivTierPrices[tier]}
	a.whites = append(a.whites, w)
	return w
}

func (p *PivDay) addSMS(n *pivNumber, from, to, body, direction, status string, at time.Time) *pivSMS {
	p.smsSeq += 1 + p.s.rng.IntN(3)
	m := &pivSMS{id: strconv.Itoa(p.smsSeq), from: from, to: to, body: body, direction: direction, status: status, at: at}
	n.sms = append(n.sms, m)
	return m
}

// numberID looks like the document's "vzPA1-kHKSg-EAL7e-Jqd3o".
func (p *PivDay) numberID() string {
	const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	for g := 0; g < 4; g++ {
		if g > 0 {
			b.WriteByte('-')
		}
		for range 5 {
			b.WriteByte(abc[p.s.rng.IntN(len(abc))])
		}
	}
	return b.String()
}

// uuid is a version-4 UUID from the simulation's seed, with a prefix like
// the document's "ord-uuid-…".
func (p *PivDay) uuid(prefix string) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(p.s.rng.IntN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%s%x-%x-%x-%x-%x", prefix, b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func pivTLDPrice(name string) float64 {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		if v, ok := pivTLDs[name[i+1:]]; ok {
			return v
		}
	}
	return 12.50
}

// --- scenario -----------------------------------------------------------------

// startCycle draws a number's next SMS plan. Every active number gets one
// plan at start. With Lively, a number draws a new plan 5–30 s after its
// last SMS (or its silent plan ran out), so with five to eight active
// numbers per account codes keep arriving every few seconds across the
// dashboard; without it each number hears from a service at most once.
func (p *PivDay) startCycle(n *pivNumber, now time.Time) {
	n.plan, n.firstDone, n.secondDone, n.nextCycle = SMSPlan{}, false, false, time.Time{}
	if n.status != "active" || !n.canReceive {
		return
	}
	n.service = p.s.pick(pivServices)
	n.plan = p.s.planSMS(now)
}

// tick moves the scenario (s.mu held).
func (p *PivDay) tick(now time.Time) {
	for _, a := range p.accounts {
		p.tickNumbers(a, now)
		p.tickRestores(a, now)
		p.tickProxies(a, now)
		p.tickDomains(a, now)
		p.tickQueue(a, now)
		p.tickWhites(a, now)
	}
}

func (p *PivDay) tickNumbers(a *pivAccount, now time.Time) {
	for _, n := range a.numbers {
		if n.status != "active" {
			continue
		}
		if n.autoRenew && !now.Before(n.expiresAt.Add(-pivAutoRenewLead)) && !n.autoTriedFor.Equal(n.expiresAt) {
			n.autoTriedFor = n.expiresAt
			if c := p.country(n.country); c != nil && a.balance >= c.price {
				a.balance = money(a.balance - c.price)
				n.expiresAt = n.expiresAt.Add(pivNumberMonth)
				a.renewals++
			}
		}
		if !now.Before(n.expiresAt) {
			n.status, n.expiredAt = "expired", n.expiresAt
			n.plan = SMSPlan{}
			continue
		}
		if !n.plan.First.IsZero() && !n.firstDone && !now.Before(n.plan.First) {
			n.firstDone = true
			m := p.s.codeSMS(n.service)
			p.inbound(n, m.Sender, m.Text, m.Code, n.plan.First)
		}
		if !n.plan.Second.IsZero() && !n.secondDone && !now.Before(n.plan.Second) {
			n.secondDone = true
			m := p.s.followUpSMS(n.service)
			p.inbound(n, m.Sender, m.Text, "", n.plan.Second)
		}
		if !p.s.opts.Lively || p.s.opts.Quiet {
			continue
		}
		done := (n.plan.First.IsZero() || n.firstDone) && (n.plan.Second.IsZero() || n.secondDone)
		if !done {
			continue
		}
		if n.nextCycle.IsZero() {
			n.nextCycle = now.Add(p.s.between(5*time.Second, 30*time.Second))
		} else if !now.Before(n.nextCycle) {
			p.startCycle(n, now)
		}
	}
}

// inbound stores an SMS and fires sms.received with the detected code.
func (p *PivDay) inbound(n *pivNumber, from, text, code string, at time.Time) *pivSMS {
	m := p.addSMS(n, from, n.phone, text, "inbound", "received", at)
	var c any
	if code != "" {
		c = code
	}
	p.webhook("sms.received", at, map[string]any{"piv_num_id": n.id, "text": text, "code": c,
		"country": n.country, "received_at": pivTS(at)})
	return m
}

func (p *PivDay) tickRestores(a *pivAccount, now time.Time) {
	kept := a.restores[:0]
	for _, b := range a.restores {
		if now.Before(b.doneAt) {
			kept = append(kept, b)
			continue
		}
		restored, failed := []map[string]any{}, []map[string]any{}
		refunded := 0.0
		for _, id := range b.ids {
			n := p.number(a, id)
			if n == nil || n.status != "pending_restore" {
				continue
			}
			if n.restoreFail {
				n.status = "expired"
				a.balance = money(a.balance + b.charged[id])
				refunded += b.charged[id]
				failed = append(failed, map[string]any{"piv_num_id": n.id, "phone_number": n.phone,
					"country": n.country, "refunded": money(b.charged[id])})
				continue
			}
			n.status, n.expiredAt, n.expiresAt = "active", time.Time{}, now.Add(pivNumberMonth)
			p.startCycle(n, now)
			restored = append(restored, map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "country": n.country})
		}
		p.webhook("number.restore_completed", now, map[string]any{"restored": restored, "failed": failed,
			"total_restored": len(restored), "total_failed": len(failed), "total_refunded": money(refunded)})
	}
	a.restores = kept
}

func (p *PivDay) tickProxies(a *pivAccount, now time.Time) {
	for _, o := range a.proxies {
		if o.status != "active" {
			continue
		}
		if !now.Before(o.expiresAt) {
			o.status = "expired"
			continue
		}
		if o.expiresAt.Sub(now) <= pivProxyWarn && !o.warnedFor.Equal(o.expiresAt) {
			o.warnedFor = o.expiresAt
			p.webhook("proxy.expires_soon", now, map[string]any{"order_id": o.id, "country": o.country,
				"quantity": o.quantity, "expires_at": pivTS(o.expiresAt)})
		}
	}
}

func (p *PivDay) tickDomains(a *pivAccount, now time.Time) {
	for _, d := range a.domains {
		if d.status != "active" {
			continue
		}
		if !d.sslExpiresAt.IsZero() && !now.Before(d.sslExpiresAt) {
			d.sslExpiresAt = d.sslExpiresAt.Add(90 * 24 * time.Hour) // Cloudflare reissues by itself
		}
		if !now.Before(d.expiresAt) {
			if d.autoRenew && !d.autoTriedFor.Equal(d.expiresAt) && a.balance >= d.renewPrice {
				d.autoTriedFor = d.expiresAt
				a.balance = money(a.balance - d.renewPrice)
				d.expiresAt = d.expiresAt.AddDate(1, 0, 0)
				d.updatedAt = now
				a.renewals++
				continue
			}
			d.status, d.updatedAt = "expired", now
			continue
		}
		if d.expiresAt.Sub(now) <= pivDomainWarn && !d.warnedFor.Equal(d.expiresAt) {
			d.warnedFor = d.expiresAt
			p.webhook("domain.expires_soon", now, map[string]any{"domain_id": d.id, "domain_name": d.name,
				"expires_at": pivTS(d.expiresAt), "auto_renew": d.autoRenew})
		}
	}
}

func (p *PivDay) tickQueue(a *pivAccount, now time.Time) {
	for _, q := range a.queue {
		if q.status == "pending" && !now.Before(q.processingAt) {
			q.status = "processing"
		}
		if q.status != "processing" || now.Before(q.doneAt) {
			continue
		}
		d := p.domain(a, q.domainID)
		if q.kind == "register" && (q.fail != "" || d == nil) {
			q.status = "failed"
			if q.fail == "" {
				q.fail = "Registration failed"
			}
			a.balance = money(a.balance + q.cost)
			p.removeDomain(a, q.domainID)
			p.webhook("domain.failed", now, map[string]any{"domain_id": q.domainID, "domain_name": q.domainName, "error": q.fail})
			continue
		}
		q.status = "completed"
		if d == nil {
			continue
		}
		if q.kind == "register" {
			d.status, d.registeredAt, d.updatedAt = "active", now, now
			d.expiresAt = now.AddDate(d.period, 0, 0)
			if d.cloudflare {
				d.cfStatus, d.sslType, d.sslStatus = "active", "lets_encrypt", "active"
				d.sslExpiresAt = now.Add(90 * 24 * time.Hour)
				d.dns = []pivDNS{{id: p.uuid("rec-"), typ: "A", name: "@", content: "185.199.108.153", ttl: 1, proxied: true}}
			}
			p.webhook("domain.registered", now, map[string]any{"domain_id": d.id, "domain_name": d.name,
				"registered_at": pivTS(d.registeredAt), "expires_at": pivTS(d.expiresAt), "cloudflare_enabled": d.cloudflare})
		}
		card := *d
		q.card = &card
	}
}

func (p *PivDay) tickWhites(a *pivAccount, now time.Time) {
	for _, w := range a.whites {
		if w.status == pivWhiteQueued && !w.processingAt.IsZero() && !now.Before(w.processingAt) {
			w.status = pivWhiteProcessing
		}
		if w.status != pivWhiteProcessing || w.doneAt.IsZero() || now.Before(w.doneAt) {
			continue
		}
		if w.fail != "" {
			w.status = pivWhiteFailed
			a.balance = money(a.balance + w.cost) // "funds are refunded to the balance"
			p.webhook("white.failed", now, map[string]any{"job_id": w.id, "name": w.name, "error": w.fail})
			continue
		}
		w.status = pivWhiteDone
		p.webhook("white.completed", now, map[string]any{"job_id": w.id, "name": w.name, "tier_key": w.tier, "country": w.country})
	}
}

func (p *PivDay) webhook(event string, at time.Time, data any) {
	p.s.fireWebhook(backend.PivDay, pivUA, map[string]any{"event_type": event, "timestamp": pivTS(at), "data": data})
}

// --- lookups (s.mu held) --------------------------------------------------------

func (p *PivDay) number(a *pivAccount, id string) *pivNumber {
	for _, n := range a.numbers {
		if n.id == id {
			return n
		}
	}
	return nil
}

func (p *PivDay) proxyOrder(a *pivAccount, id string) *pivProxyOrder {
	for _, o := range a.proxies {
		if o.id == id {
			return o
		}
	}
	return nil
}

func (p *PivDay) domain(a *pivAccount, id string) *pivDomain {
	for _, d := range a.domains {
		if d.id == id {
			return d
		}
	}
	return nil
}

func (p *PivDay) removeDomain(a *pivAccount, id string) {
	for i, d := range a.domains {
		if d.id == id {
			a.domains = append(a.domains[:i], a.domains[i+1:]...)
			return
		}
	}
}

func (p *PivDay) findNumber(id string) (*pivAccount, *pivNumber) {
	for _, a := range p.accounts {
		if n := p.number(a, id); n != nil {
			return a, n
		}
	}
	return nil, nil
}

func (p *PivDay) account(name string) *pivAccount {
	for _, a := range p.accounts {
		if a.name == name {
			return a
		}
	}
	return nil
}

// --- HTTP plumbing ------------------------------------------------------------

// pivReply is an answer built with s.mu held and written after it is
// released.
type pivReply struct {
	status int
	body   any
	retry  int // Retry-After seconds (429)
}

// pivCall is one authenticated request.
type pivCall struct {
	a    *pivAccount
	r    *http.Request
	body []byte
	now  time.Time
}

type pivErr struct {
	status        int
	code, message string
}

func pivErrorBody(code, msg string) map[string]any {
	return map[string]any{"success": false, "error": map[string]any{"code": code, "message": msg}}
}

func (e *pivErr) reply() pivReply {
	return pivReply{status: e.status, body: pivErrorBody(e.code, e.message)}
}

func pivOK(data any) pivReply {
	return pivReply{status: http.StatusOK, body: map[string]any{"success": true, "data": data}}
}

func pivInvalid(format string, args ...any) *pivErr {
	return &pivErr{http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf(format, args...)}
}

func pivNotFound(what string) *pivErr {
	return &pivErr{http.StatusNotFound, "NOT_FOUND", what + " not found"}
}

func pivNumberNotFound() *pivErr {
	return &pivErr{http.StatusNotFound, "NUMBER_NOT_FOUND", "Number not found"}
}

func pivNoBalance(need, have float64) *pivErr {
	return &pivErr{http.StatusPaymentRequired, "INSUFFICIENT_BALANCE",
		fmt.Sprintf("Not enough balance: required $%.2f, available $%.2f", need, have)}
}

// route registers an authenticated, rate-limited handler.
func (p *PivDay) route(mux *http.ServeMux, pattern string, h func(c *pivCall) pivReply) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		p.s.mu.Lock()
		rep := p.serve(r, body, h)
		p.s.mu.Unlock()
		if rep.retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(rep.retry))
		}
		writeJSON(w, rep.status, rep.body)
	})
}

func (p *PivDay) serve(r *http.Request, body []byte, h func(c *pivCall) pivReply) pivReply {
	a := p.byKey[bearer(r)]
	if a == nil {
		return (&pivErr{http.StatusUnauthorized, "UNAUTHORIZED", "Missing, expired or revoked API key"}).reply()
	}
	now := p.s.clock()
	if ok, _, reset := a.win.hit(now, time.Minute, p.s.rateFor(backend.PivDay, pivRatePerMinute)); !ok {
		p.s.countLimited(backend.PivDay)
		secs := max(int(math.Ceil(reset.Sub(now).Seconds())), 1)
		rep := (&pivErr{http.StatusTooManyRequests, "RATE_LIMITED", fmt.Sprintf("Rate limit exceeded, retry in %ds", secs)}).reply()
		rep.retry = secs
		return rep
	}
	return h(&pivCall{a: a, r: r, body: body, now: now})
}

func (p *PivDay) routes(mux *http.ServeMux) {
	const v = "/api/v1"
	p.route(mux, "GET "+v+"/account", p.getAccount)

	p.route(mux, "GET "+v+"/numbers/countries", p.getCountries)
	p.route(mux, "GET "+v+"/numbers", p.listNumbers)
	p.route(mux, "GET "+v+"/numbers/{id}", p.getNumber)
	p.route(mux, "PATCH "+v+"/numbers/{id}", p.patchNumber)
	p.route(mux, "GET "+v+"/numbers/{id}/sms", p.listSMS)
	p.route(mux, "POST "+v+"/numbers/purchase", p.purchaseNumber)
	p.route(mux, "POST "+v+"/numbers/{id}/renew", p.renewNumber)
	p.route(mux, "PATCH "+v+"/numbers/{id}/auto-renewal", p.numberAutoRenew)
	p.route(mux, "POST "+v+"/numbers/restore", p.restoreNumbers)

	p.route(mux, "GET "+v+"/proxy/servers", p.listServers)
	p.route(mux, "GET "+v+"/proxy/orders", p.listProxyOrders)
	p.route(mux, "GET "+v+"/proxy/orders/{id}", p.getProxyOrder)
	p.route(mux, "GET "+v+"/proxy/orders/{id}/export", p.exportProxyOrder)
	p.route(mux, "POST "+v+"/proxy/purchase", p.purchaseProxy)
	p.route(mux, "POST "+v+"/proxy/orders/{id}/renew", p.renewProxyOrder)
	p.route(mux, "POST "+v+"/proxy/orders/{id}/restore", p.restoreProxyOrder)

	p.route(mux, "GET "+v+"/domains", p.listDomains)
	p.route(mux, "GET "+v+"/domains/search", p.searchDomain)
	p.route(mux, "GET "+v+"/domains/queue/{id}", p.getQueue)
	p.route(mux, "GET "+v+"/domains/{id}", p.getDomain)
	p.route(mux, "POST "+v+"/domains/{id}/renew", p.renewDomain)
	p.route(mux, "POST "+v+"/domains/{id}/auto-renew", p.domainAutoRenew)

	p.route(mux, "GET "+v+"/whites", p.listWhites)
	p.route(mux, "GET "+v+"/whites/{id}", p.getWhite)

	mux.HandleFunc(v+"/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, pivErrorBody("NOT_FOUND", "Route not found: "+r.Method+" "+r.URL.Path))
	})
}

// paging reads limit and offset (limit defaults to def, at most max).
func paging(r *http.Request, def, maxLimit int) (int, int, *pivErr) {
	q := r.URL.Query()
	limit, offset := def, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return 0, 0, pivInvalid("limit must be an integer between 1 and %d", maxLimit)
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, pivInvalid("offset must be a non-negative integer")
		}
		offset = n
	}
	return limit, offset, nil
}

// pivNewestFirst orders a list by creation, newest first (ties: the later
// added first), without touching the stored order.
func pivNewestFirst[T any](items []T, created func(T) time.Time) []T {
	out := make([]T, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	sort.SliceStable(out, func(i, j int) bool { return created(out[i]).After(created(out[j])) })
	return out
}

// window of a list: items[offset:offset+limit].
func pivPage[T any](items []T, limit, offset int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(len(items), offset+limit)]
}

func pivPagination(total, limit, offset int) map[string]any {
	return map[string]any{"total": total, "limit": limit, "offset": offset}
}

// pivBody is a request body decoded field by field so that missing and
// mistyped fields are told apart.
type pivBody map[string]json.RawMessage

func parseBody(b []byte) (pivBody, *pivErr) {
	m := pivBody{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, pivInvalid("Request body must be a JSON object")
	}
	return m, nil
}

func (b pivBody) has(k string) bool {
	v, ok := b[k]
	return ok && string(v) != "null"
}

// integer reads a required integer field within [lo, hi].
func (b pivBody) integer(k string, lo, hi int) (int, *pivErr) {
	if !b.has(k) {
		return 0, pivInvalid("%s is required", k)
	}
	var f float64
	if err := json.Unmarshal(b[k], &f); err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, pivInvalid("%s must be an integer between %d and %d", k, lo, hi)
	}
	return int(f), nil
}

func (b pivBody) boolean(k string) (bool, *pivErr) {
	if !b.has(k) {
		return false, pivInvalid("%s is required", k)
	}
	var v bool
	if err := json.Unmarshal(b[k], &v); err != nil {
		return false, pivInvalid("%s must be a boolean", k)
	}
	return v, nil
}

func (b pivBody) str(k string, required bool) (string, *pivErr) {
	if !b.has(k) {
		if required {
			return "", pivInvalid("%s is required", k)
		}
		return "", nil
	}
	var v string
	if err := json.Unmarshal(b[k], &v); err != nil {
		return "", pivInvalid("%s must be a string", k)
	}
	return v, nil
}

func pivTS(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func pivTSOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return pivTS(t)
}

func pivNullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// --- account & numbers --------------------------------------------------------

func (p *PivDay) getAccount(c *pivCall) pivReply {
	return pivOK(map[string]any{"user_id": c.a.userID, "balance": money(c.a.balance), "email": c.a.email,
		"team_id": nil, "is_team_member": false})
}

func (p *PivDay) getCountries(c *pivCall) pivReply {
	out := []map[string]any{}
	for _, co := range p.countries {
		var send any
		if co.canSend {
			send = co.sendPrice
		}
		out = append(out, map[string]any{"country_code": co.code, "price_per_month": co.price, "base_price": co.base,
			"can_send_sms": co.canSend, "can_receive_sms": co.canReceive, "sms_send_price": send})
	}
	return pivOK(out)
}

func (p *PivDay) numberJSON(n *pivNumber) map[string]any {
	return map[string]any{
		"piv_num_id":        n.id,
		"phone_number":      n.phone,
		"country_code":      n.country,
		"status":            n.status,
		"created_at":        pivTS(n.createdAt),
		"expires_at":        pivTS(n.expiresAt),
		"auto_renew":        n.autoRenew,
		"custom_name":       pivNullable(n.customName),
		"purchased_at":      pivTS(n.purchasedAt),
		"next_renewal_date": pivTS(n.expiresAt),
		"tags":              append([]string{}, n.tags...),
		"can_send_sms":      n.canSend,
		"can_receive_sms":   n.canReceive,
	}
}

func (p *PivDay) listNumbers(c *pivCall) pivReply {
	limit, offset, e := paging(c.r, 50, 200)
	if e != nil {
		return e.reply()
	}
	q := c.r.URL.Query()
	status, country, search := q.Get("status"), strings.ToUpper(q.Get("country")), strings.ToLower(q.Get("search"))
	if status != "" && status != "active" && status != "expired" && status != "pending_restore" {
		return pivInvalid("status must be one of active, expired, pending_restore").reply()
	}
	var match []*pivNumber
	for _, n := range pivNewestFirst(c.a.numbers, func(n *pivNumber) time.Time { return n.createdAt }) {
		if (status != "" && n.status != status) || (country != "" && n.country != country) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(n.phone), search) && !strings.Contains(strings.ToLower(n.customName), search) {
			continue
		}
		match = append(match, n)
	}
	list := []map[string]any{}
	for _, n := range pivPage(match, limit, offset) {
		list = append(list, p.numberJSON(n))
	}
	return pivOK(map[string]any{"numbers": list, "pagination": pivPagination(len(match), limit, offset)})
}

func (p *PivDay) getNumber(c *pivCall) pivReply {
	n := p.number(c.a, c.r.PathValue("id"))
	if n == nil {
		return pivNumberNotFound().reply()
	}
	return pivOK(p.numberJSON(n))
}

func (p *PivDay) patchNumber(c *pivCall) pivReply {
	n := p.number(c.a, c.r.PathValue("id"))
	if n == nil {
		return pivNumberNotFound().reply()
	}
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	name, e := b.str("custom_name", true)
	if e != nil {
		return e.reply()
	}
	if len([]rune(name)) > 64 {
		return pivInvalid("custom_name must be at most 64 characters").reply()
	}
	n.customName = name
	return pivOK(map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "country_code": n.country,
		"status": n.status, "custom_name": pivNullable(n.customName), "auto_renew": n.autoRenew,
		"expires_at": pivTS(n.expiresAt), "tags": append([]string{}, n.tags...)})
}

func (p *PivDay) listSMS(c *pivCall) pivReply {
	n := p.number(c.a, c.r.PathValue("id"))
	if n == nil {
		return pivNumberNotFound().reply()
	}
	limit, offset, e := paging(c.r, 50, 200)
	if e != nil {
		return e.reply()
	}
	newest := make([]*pivSMS, 0, len(n.sms))
	for i := len(n.sms) - 1; i >= 0; i-- {
		newest = append(newest, n.sms[i])
	}
	sort.SliceStable(newest, func(i, j int) bool { return newest[i].at.After(newest[j].at) })
	list := []map[string]any{}
	for _, m := range pivPage(newest, limit, offset) {
		list = append(list, map[string]any{"id": m.id, "from_number": m.from, "to_number": m.to,
			"message_body": m.body, "direction": m.direction, "status": m.status, "received_at": pivTS(m.at)})
	}
	return pivOK(map[string]any{"messages": list, "pagination": pivPagination(len(newest), limit, offset)})
}

func (p *PivDay) purchaseNumber(c *pivCall) pivReply {
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	code, e := b.str("country_code", true)
	if e != nil {
		return e.reply()
	}
	months, e := b.integer("duration_months", 1, 36)
	if e != nil {
		return e.reply()
	}
	auto, e := b.boolean("auto_renew")
	if e != nil {
		return e.reply()
	}
	name, e := b.str("custom_name", false)
	if e != nil {
		return e.reply()
	}
	co := p.country(strings.ToUpper(code))
	if co == nil {
		return (&pivErr{http.StatusBadRequest, "COUNTRY_NOT_AVAILABLE", fmt.Sprintf("Country %s is not available for purchase", code)}).reply()
	}
	if co.stock <= 0 {
		return (&pivErr{http.StatusBadRequest, "NO_NUMBERS_AVAILABLE", fmt.Sprintf("No free numbers in %s right now", co.code)}).reply()
	}
	cost := money(co.price * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - cost)
	co.stock--
	c.a.purchases++
	n := p.newNumber(c.a, co.code, c.now, c.now.Add(time.Duration(months)*pivNumberMonth))
	n.autoRenew, n.customName = auto, name
	p.startCycle(n, c.now)
	// The document shows this answer without the data envelope.
	return pivReply{status: http.StatusOK, body: map[string]any{"success": true, "cost": cost, "numbers": []map[string]any{{
		"piv_num_id": n.id, "country_code": n.country, "phone_number": n.phone, "created_at": pivTS(n.createdAt),
		"expires_at": pivTS(n.expiresAt), "auto_renew": n.autoRenew, "custom_name": pivNullable(n.customName),
	}}}}
}

func (p *PivDay) renewNumber(c *pivCall) pivReply {
	n := p.number(c.a, c.r.PathValue("id"))
	if n == nil {
		return pivNumberNotFound().reply()
	}
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	months, e := b.integer("duration_months", 1, 36)
	if e != nil {
		return e.reply()
	}
	switch n.status {
	case "expired":
		return (&pivErr{http.StatusForbidden, "NUMBER_EXPIRED", "Number has expired — use Restore (within 7 days) or buy a new one"}).reply()
	case "pending_restore":
		return (&pivErr{http.StatusBadRequest, "NUMBER_NOT_ACTIVE", "Number is being restored"}).reply()
	}
	co := p.country(n.country)
	if co == nil {
		return (&pivErr{http.StatusBadRequest, "COUNTRY_NOT_AVAILABLE", fmt.Sprintf("No pricing found for %s", n.country)}).reply()
	}
	cost := money(co.price * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - cost)
	c.a.renewals++
	old := n.expiresAt
	n.expiresAt = n.expiresAt.Add(time.Duration(months) * pivNumberMonth)
	return pivOK(map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "old_expires_at": pivTS(old),
		"new_expires_at": pivTS(n.expiresAt), "cost": cost})
}

func (p *PivDay) numberAutoRenew(c *pivCall) pivReply {
	n := p.number(c.a, c.r.PathValue("id"))
	if n == nil {
		return pivNumberNotFound().reply()
	}
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	on, e := b.boolean("auto_renew")
	if e != nil {
		return e.reply()
	}
	if n.status == "expired" {
		return (&pivErr{http.StatusForbidden, "NUMBER_EXPIRED", "Number has expired — use Restore (within 7 days) or buy a new one"}).reply()
	}
	n.autoRenew = on
	return pivOK(map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "auto_renew": n.autoRenew})
}

func (p *PivDay) restoreNumbers(c *pivCall) pivReply {
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	var ids []string
	if !b.has("piv_num_ids") || json.Unmarshal(b["piv_num_ids"], &ids) != nil || len(ids) == 0 {
		return pivInvalid("piv_num_ids must be a non-empty array of number IDs").reply()
	}
	var restorable []*pivNumber
	seen := map[string]bool{}
	total := 0.0
	for _, id := range ids {
		n := p.number(c.a, id)
		if n == nil || seen[id] || n.status != "expired" || c.now.Sub(n.expiredAt) > pivRestoreWindow || p.country(n.country) == nil {
			continue
		}
		seen[id] = true
		restorable = append(restorable, n)
		total += p.country(n.country).price * pivRestoreFactor
	}
	if len(restorable) == 0 {
		return (&pivErr{http.StatusNotFound, "NO_RESTORABLE_NUMBERS", "None of the supplied numbers can be restored"}).reply()
	}
	total = money(total)
	if c.a.balance < total {
		return pivNoBalance(total, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - total)
	c.a.renewals++
	batch := &pivRestore{charged: map[string]float64{}, doneAt: c.now.Add(p.s.between(5*time.Second, 15*time.Second))}
	list := []map[string]any{}
	for _, n := range restorable {
		n.status = "pending_restore"
		batch.ids = append(batch.ids, n.id)
		batch.charged[n.id] = money(p.country(n.country).price * pivRestoreFactor)
		list = append(list, map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "status": "pending"})
	}
	c.a.restores = append(c.a.restores, batch)
	return pivReply{status: http.StatusOK, body: map[string]any{"success": true, "queued": len(restorable),
		"skipped": len(ids) - len(restorable), "total_charged": total, "numbers": list}}
}

// --- proxy ----------------------------------------------------------------------

func (p *PivDay) server(id string) *pivServer {
	for _, s := range p.servers {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (p *PivDay) listServers(c *pivCall) pivReply {
	list := []map[string]any{}
	for _, s := range p.servers {
		list = append(list, map[string]any{"id": s.id, "name": s.name, "country": s.country,
			"socks5_port": s.socks5, "http_port": s.http, "price_per_proxy": s.price})
	}
	return pivOK(map[string]any{"servers": list})
}

func (p *PivDay) proxyJSON(o *pivProxyOrder, detail bool) map[string]any {
	m := map[string]any{"id": o.id, "country": o.country, "quantity": o.quantity, "price_per_proxy": o.pricePer,
		"price_total": o.priceTotal, "status": o.status, "purchased_at": pivTS(o.purchasedAt), "expires_at": pivTS(o.expiresAt)}
	if detail {
		m["created_at"] = pivTS(o.createdAt)
		m["items"] = p.proxyItems(o)
	}
	return m
}

func (p *PivDay) proxyItems(o *pivProxyOrder) []map[string]any {
	items := []map[string]any{}
	for _, it := range o.items {
		items = append(items, map[string]any{"login": it.login, "password": it.password, "host": it.host,
			"socks5_port": it.socks5, "http_port": it.http, "ipv6": it.ipv6})
	}
	return items
}

func (p *PivDay) listProxyOrders(c *pivCall) pivReply {
	limit, offset, e := paging(c.r, 100, 500)
	if e != nil {
		return e.reply()
	}
	q := c.r.URL.Query()
	status, search := q.Get("status"), strings.ToLower(q.Get("search"))
	if status != "" && status != "active" && status != "expired" {
		return pivInvalid("status must be active or expired").reply()
	}
	var match []*pivProxyOrder
	for _, o := range pivNewestFirst(c.a.proxies, func(o *pivProxyOrder) time.Time { return o.createdAt }) {
		if status != "" && o.status != status {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(o.id), search) && !strings.Contains(strings.ToLower(o.country), search) {
			continue
		}
		match = append(match, o)
	}
	list := []map[string]any{}
	for _, o := range pivPage(match, limit, offset) {
		list = append(list, p.proxyJSON(o, false))
	}
	return pivOK(map[string]any{"orders": list, "pagination": pivPagination(len(match), limit, offset)})
}

func (p *PivDay) getProxyOrder(c *pivCall) pivReply {
	o := p.proxyOrder(c.a, c.r.PathValue("id"))
	if o == nil {
		return pivNotFound("Order").reply()
	}
	return pivOK(map[string]any{"order": p.proxyJSON(o, true)})
}

func (p *PivDay) exportProxyOrder(c *pivCall) pivReply {
	o := p.proxyOrder(c.a, c.r.PathValue("id"))
	if o == nil {
		return pivNotFound("Order").reply()
	}
	format := c.r.URL.Query().Get("format")
	if format == "" {
		format = "socks5"
	}
	if format != "socks5" && format != "http" && format != "both" {
		return pivInvalid("format must be socks5, http or both").reply()
	}
	var lines []string
	if format != "http" {
		for _, it := range o.items {
			lines = append(lines, fmt.Sprintf("%s:%s@%s:%d", it.login, it.password, it.host, it.socks5))
		}
	}
	if format != "socks5" {
		for _, it := range o.items {
			lines = append(lines, fmt.Sprintf("%s:%s@%s:%d", it.login, it.password, it.host, it.http))
		}
	}
	return pivOK(map[string]any{"content": strings.Join(lines, "\n"),
		"filename": "piv-day-proxy-" + o.id + "-" + format + ".txt", "format": format, "count": len(lines)})
}

func (p *PivDay) purchaseProxy(c *pivCall) pivReply {
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	sid, e := b.str("server_id", true)
	if e != nil {
		return e.reply()
	}
	qty, e := b.integer("quantity", 1, 500)
	if e != nil {
		return e.reply()
	}
	months, e := b.integer("months", 1, 12)
	if e != nil {
		return e.reply()
	}
	srv := p.server(sid)
	if srv == nil {
		return pivNotFound("Proxy server").reply()
	}
	cost := money(srv.price * float64(qty) * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - cost)
	c.a.purchases++
	o := p.newProxyOrder(c.a, srv, qty, c.now, c.now.AddDate(0, months, 0))
	o.priceTotal = cost
	return pivOK(map[string]any{"order": map[string]any{"id": o.id, "country": o.country, "quantity": o.quantity,
		"price_total": o.priceTotal, "status": o.status, "expires_at": pivTS(o.expiresAt), "created_at": pivTS(o.createdAt),
		"items": p.proxyItems(o)}})
}

func (p *PivDay) renewProxyOrder(c *pivCall) pivReply {
	o := p.proxyOrder(c.a, c.r.PathValue("id"))
	if o == nil {
		return pivNotFound("Order").reply()
	}
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	months, e := b.integer("months", 1, 12)
	if e != nil {
		return e.reply()
	}
	if o.status != "active" {
		return (&pivErr{http.StatusBadRequest, "ORDER_EXPIRED", "Order has expired — use restore"}).reply()
	}
	cost := money(o.pricePer * float64(o.quantity) * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - cost)
	c.a.renewals++
	o.expiresAt = o.expiresAt.AddDate(0, months, 0)
	return pivOK(map[string]any{"order_id": o.id, "cost": cost, "new_expires_at": pivTS(o.expiresAt)})
}

func (p *PivDay) restoreProxyOrder(c *pivCall) pivReply {
	o := p.proxyOrder(c.a, c.r.PathValue("id"))
	if o == nil {
		return pivNotFound("Order").reply()
	}
	if o.status != "expired" {
		return (&pivErr{http.StatusBadRequest, "ORDER_NOT_EXPIRED", "Only expired orders can be restored"}).reply()
	}
	cost := money(o.pricePer * float64(o.quantity))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - cost)
	c.a.renewals++
	o.status, o.expiresAt = "active", c.now.AddDate(0, 1, 0)
	return pivOK(map[string]any{"order_id": o.id, "quantity": o.quantity, "total_cost": cost, "expires_at": pivTS(o.expiresAt)})
}

// --- domains ----------------------------------------------------------------------

func (p *PivDay) domainJSON(d *pivDomain, detail bool) map[string]any {
	m := map[string]any{
		"id":                 d.id,
		"domain_name":        d.name,
		"status":             d.status,
		"registered_at":      pivTSOrNull(d.registeredAt),
		"expires_at":         pivTSOrNull(d.expiresAt),
		"auto_renew":         d.autoRenew,
		"cloudflare_enabled": d.cloudflare,
		"cloudflare_status":  pivNullable(d.cfStatus),
		"ssl_type":           pivNullable(d.sslType),
		"ssl_status":         pivNullable(d.sslStatus),
		"ssl_mode":           pivNullable(d.sslMode),
		"ssl_expires_at":     pivTSOrNull(d.sslExpiresAt),
		"created_at":         pivTS(d.createdAt),
		"updated_at":         pivTS(d.updatedAt),
	}
	if detail {
		recs := []map[string]any{}
		for _, r := range d.dns {
			recs = append(recs, map[string]any{"name": r.name, "type": r.typ, "content": r.content, "ttl": r.ttl,
				"priority": nil, "proxied": r.proxied})
		}
		m["dns_records"] = recs
		if !d.cloudflare {
			m["nameservers"] = append([]string{}, d.nameservers...)
		}
	}
	return m
}

func (p *PivDay) listDomains(c *pivCall) pivReply {
	limit, offset, e := paging(c.r, 100, 500)
	if e != nil {
		return e.reply()
	}
	q := c.r.URL.Query()
	status, search := q.Get("status"), strings.ToLower(q.Get("search"))
	if status != "" && status != "active" && status != "pending" && status != "expired" {
		return pivInvalid("status must be active, pending or expired").reply()
	}
	flag := func(name string) (*bool, *pivErr) {
		switch q.Get(name) {
		case "":
			return nil, nil
		case "true":
			v := true
			return &v, nil
		case "false":
			v := false
			return &v, nil
		}
		return nil, pivInvalid("%s must be true or false", name)
	}
	cf, e := flag("cloudflare")
	if e != nil {
		return e.reply()
	}
	auto, e := flag("auto_renew")
	if e != nil {
		return e.reply()
	}
	var match []*pivDomain
	for _, d := range pivNewestFirst(c.a.domains, func(d *pivDomain) time.Time { return d.createdAt }) {
		if (status != "" && d.status != status) || (cf != nil && d.cloudflare != *cf) || (auto != nil && d.autoRenew != *auto) ||
			(search != "" && !strings.Contains(d.name, search)) {
			continue
		}
		match = append(match, d)
	}
	list := []map[string]any{}
	for _, d := range pivPage(match, limit, offset) {
		list = append(list, p.domainJSON(d, false))
	}
	return pivOK(map[string]any{"domains": list, "pagination": pivPagination(len(match), limit, offset)})
}

func (p *PivDay) getDomain(c *pivCall) pivReply {
	d := p.domain(c.a, c.r.PathValue("id"))
	if d == nil {
		return pivNotFound("Domain").reply()
	}
	return pivOK(map[string]any{"domain": p.domainJSON(d, true)})
}

var pivDomainName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.[a-z]{2,}$`)

func (p *PivDay) searchDomain(c *pivCall) pivReply {
	name := strings.ToLower(strings.TrimSpace(c.r.URL.Query().Get("q")))
	if name == "" {
		return pivInvalid("q is required").reply()
	}
	if !pivDomainName.MatchString(name) {
		return pivInvalid("q must be a domain name like mysite.com").reply()
	}
	tld := name[strings.LastIndexByte(name, '.')+1:]
	price, ok := pivTLDs[tld]
	if !ok {
		return pivInvalid("TLD .%s is not supported", tld).reply()
	}
	// Taken: anything an account holds, and a deterministic quarter of
	// the rest (so searches look real and repeat the same way).
	taken := false
	for _, a := range p.accounts {
		for _, d := range a.domains {
			taken = taken || d.name == name
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	taken = taken || h.Sum32()%4 == 0
	return pivOK(map[string]any{"domain": name, "available": !taken, "create_price": price, "renew_price": price, "currency": "USD"})
}

func (p *PivDay) getQueue(c *pivCall) pivReply {
	id := c.r.PathValue("id")
	for _, q := range c.a.queue {
		if q.id != id {
			continue
		}
		switch q.status {
		case "completed":
			card := q.card
			if d := p.domain(c.a, q.domainID); d != nil {
				card = d
			}
			if card == nil {
				break
			}
			return pivOK(map[string]any{"queue_id": q.id, "status": q.status, "domain": p.domainJSON(card, true)})
		case "failed":
			return pivOK(map[string]any{"queue_id": q.id, "domain": q.domainName, "status": q.status, "error": q.fail})
		}
		return pivOK(map[string]any{"queue_id": q.id, "domain": q.domainName, "status": q.status})
	}
	return pivNotFound("Queue entry").reply()
}

func (p *PivDay) renewDomain(c *pivCall) pivReply {
	d := p.domain(c.a, c.r.PathValue("id"))
	if d == nil {
		return pivNotFound("Domain").reply()
	}
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	years, e := b.integer("period", 1, 10)
	if e != nil {
		return e.reply()
	}
	if d.status == "pending" {
		return pivInvalid("Domain is still being registered").reply()
	}
	cost := money(d.renewPrice * float64(years))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = money(c.a.balance - cost)
	c.a.renewals++
	base := d.expiresAt
	if d.status == "expired" {
		base = c.now
		d.status = "active"
	}
	d.expiresAt, d.updatedAt = base.AddDate(years, 0, 0), c.now
	q := &pivQueue{id: p.uuid("que-"), domainID: d.id, domainName: d.name, kind: "renew", status: "pending",
		processingAt: c.now.Add(p.s.between(2*time.Second, 5*time.Second)), cost: cost}
	q.doneAt = q.processingAt.Add(p.s.between(5*time.Second, 15*time.Second))
	c.a.queue = append(c.a.queue, q)
	return pivReply{status: http.StatusAccepted, body: map[string]any{"success": true,
		"data": map[string]any{"queue_id": q.id, "domain_id": d.id, "expires_at": pivTS(d.expiresAt)}}}
}

func (p *PivDay) domainAutoRenew(c *pivCall) pivReply {
	d := p.domain(c.a, c.r.PathValue("id"))
	if d == nil {
		return pivNotFound("Domain").reply()
	}
	b, e := parseBody(c.body)
	if e != nil {
		return e.reply()
	}
	on, e := b.boolean("auto_renew")
	if e != nil {
		return e.reply()
	}
	d.autoRenew, d.updatedAt = on, c.now
	return pivOK(map[string]any{"id": d.id, "auto_renew": d.autoRenew})
}

// --- whites -----------------------------------------------------------------------

func (p *PivDay) whiteJSON(w *pivWhite) map[string]any {
	return map[string]any{"id": w.id, "name": w.name, "status": w.status, "tier_key": w.tier, "quality": w.quality,
		"niche": w.niche, "country": w.country, "language": w.lang, "domain": pivNullable(w.domain),
		"result_url": nil, "created_at": pivTS(w.createdAt)}
}

func (p *PivDay) listWhites(c *pivCall) pivReply {
	limit, offset, e := paging(c.r, 100, 500)
	if e != nil {
		return e.reply()
	}
	q := c.r.URL.Query()
	status, hasStatus := 0, q.Get("status") != ""
	if hasStatus {
		v, ok := pivWhiteWords[q.Get("status")]
		if !ok {
			return pivInvalid("status must be queued, processing, done or failed").reply()
		}
		status = v
	}
	tier := q.Get("tier_key")
	if _, ok := pivTierPrices[tier]; tier != "" && !ok {
		return pivInvalid("tier_key must be v2_tier1, v2_tier2 or v2_tier3").reply()
	}
	var match []*pivWhite
	for _, w := range pivNewestFirst(c.a.whites, func(w *pivWhite) time.Time { return w.createdAt }) {
		if (hasStatus && w.status != status) || (tier != "" && w.tier != tier) {
			continue
		}
		match = append(match, w)
	}
	list := []map[string]any{}
	for _, w := range pivPage(match, limit, offset) {
		list = append(list, p.whiteJSON(w))
	}
	return pivOK(map[string]any{"whites": list, "pagination": pivPagination(len(match), limit, offset)})
}

func (p *PivDay) getWhite(c *pivCall) pivReply {
	id := c.r.PathValue("id")
	for _, w := range c.a.whites {
		if w.id == id {
			return pivOK(map[string]any{"white": p.whiteJSON(w)})
		}
	}
	return pivNotFound("White").reply()
}

// --- test hooks (each takes s.mu) -----------------------------------------------

var errPivUnknown = errors.New("piv.day sim: no such object")

var pivCodePattern = regexp.MustCompile(`\b(\d{3}[- ]\d{3}|\d{4,8})\b`)

// pivDetectCode is the simulated server's own code detector for the
// sms.received webhook: the first 4–8 digit group (or 123-456).
func pivDetectCode(text string) string {
	m := pivCodePattern.FindString(text)
	return strings.NewReplacer("-", "", " ", "").Replace(m)
}

// Deliver makes an inbound SMS arrive on a number now (any account) and
// fires sms.received with the detected code.
func (p *PivDay) Deliver(numberID, text string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	_, n := p.findNumber(numberID)
	if n == nil {
		return errPivUnknown
	}
	p.inbound(n, "+14155551234", text, pivDetectCode(text), p.s.clock())
	return nil
}

// Balance is an account's balance.
func (p *PivDay) Balance(account string) float64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.balance
	}
	return 0
}

// SetBalance sets an account's balance (INSUFFICIENT_BALANCE tests).
func (p *PivDay) SetBalance(account string, v float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance = money(v)
	}
}

// Purchases counts an account's successful number and proxy purchases.
func (p *PivDay) Purchases(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.purchases
	}
	return 0
}

// Renewals counts an account's paid renewals and restores (auto-renewals
// included).
func (p *PivDay) Renewals(account string) int {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return a.renewals
	}
	return 0
}

// NumberIDs lists an account's number ids, oldest first.
func (p *PivDay) NumberIDs(account string) []string {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	var out []string
	if a := p.account(account); a != nil {
		for _, n := range a.numbers {
			out = append(out, n.id)
		}
	}
	return out
}

// Number reports a number's status and expiry.
func (p *PivDay) Number(id string) (status string, expires time.Time, ok bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if _, n := p.findNumber(id); n != nil {
		return n.status, n.expiresAt, true
	}
	return "", time.Time{}, false
}

// ExpireNumber makes a number expire now (restorable for seven days).
func (p *PivDay) ExpireNumber(id string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	_, n := p.findNumber(id)
	if n == nil {
		return errPivUnknown
	}
	now := p.s.clock()
	n.status, n.expiresAt, n.expiredAt, n.plan = "expired", now, now, SMSPlan{}
	return nil
}

// FailRestore makes a number's next restore fail (refunded, stays expired).
func (p *PivDay) FailRestore(id string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	_, n := p.findNumber(id)
	if n == nil {
		return errPivUnknown
	}
	n.restoreFail = true
	return nil
}

// SetStock sets how many numbers a country has for sale (0 →
// NO_NUMBERS_AVAILABLE).
func (p *PivDay) SetStock(country string, n int) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if c := p.country(country); c != nil {
		c.stock = n
	}
}

// ProxyOrder reports a proxy order's status and expiry.
func (p *PivDay) ProxyOrder(id string) (status string, expires time.Time, ok bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, a := range p.accounts {
		if o := p.proxyOrder(a, id); o != nil {
			return o.status, o.expiresAt, true
		}
	}
	return "", time.Time{}, false
}

// Domain reports a domain's status and expiry.
func (p *PivDay) Domain(id string) (status string, expires time.Time, ok bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, a := range p.accounts {
		if d := p.domain(a, id); d != nil {
			return d.status, d.expiresAt, true
		}
	}
	return "", time.Time{}, false
}

// Queue reports a domain queue entry's status.
func (p *PivDay) Queue(id string) (status string, ok bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, a := range p.accounts {
		for _, q := range a.queue {
			if q.id == id {
				return q.status, true
			}
		}
	}
	return "", false
}

// White reports a white job's integer status.
func (p *PivDay) White(id string) (status int, ok bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, a := range p.accounts {
		for _, w := range a.whites {
			if w.id == id {
				return w.status, true
			}
		}
	}
	return 0, false
}

// PivDayNumber is what the NumberDetail hook reports about one number.
type PivDayNumber struct {
	ID, Phone, Country, Status, CustomName string
	Expires                                time.Time
	AutoRenew                              bool
	SMS                                    int // inbound and outbound
}

// NumberDetail reports everything a contract test compares about a number.
func (p *PivDay) NumberDetail(id string) (PivDayNumber, bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	_, n := p.findNumber(id)
	if n == nil {
		return PivDayNumber{}, false
	}
	return PivDayNumber{ID: n.id, Phone: n.phone, Country: n.country, Status: n.status, CustomName: n.customName,
		Expires: n.expiresAt, AutoRenew: n.autoRenew, SMS: len(n.sms)}, true
}

// PivDayDomain is what the DomainDetail hook reports about one domain.
type PivDayDomain struct {
	ID, Name, Status    string
	Expires, SSLExpires time.Time
	AutoRenew           bool
}

// DomainDetail reports a domain's name, status, expiries and auto-renew flag.
func (p *PivDay) DomainDetail(id string) (PivDayDomain, bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, a := range p.accounts {
		if d := p.domain(a, id); d != nil {
			return PivDayDomain{ID: d.id, Name: d.name, Status: d.status, Expires: d.expiresAt,
				SSLExpires: d.sslExpiresAt, AutoRenew: d.autoRenew}, true
		}
	}
	return PivDayDomain{}, false
}

// ProxyOrderIDs lists an account's proxy order ids, oldest first.
func (p *PivDay) ProxyOrderIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, o := range a.proxies {
			out = append(out, o.id)
		}
		return out
	})
}

// DomainIDs lists an account's domain ids (pending registrations
// included), oldest first.
func (p *PivDay) DomainIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, d := range a.domains {
			out = append(out, d.id)
		}
		return out
	})
}

// QueueIDs lists an account's domain queue entries, oldest first.
func (p *PivDay) QueueIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, q := range a.queue {
			out = append(out, q.id)
		}
		return out
	})
}

// WhiteIDs lists an account's white jobs, oldest first.
func (p *PivDay) WhiteIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, w := range a.whites {
			out = append(out, w.id)
		}
		return out
	})
}

func (p *PivDay) ids(account string, list func(*pivAccount) []string) []string {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if a := p.account(account); a != nil {
		return list(a)
	}
	return nil
}
