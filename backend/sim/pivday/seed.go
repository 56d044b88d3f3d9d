package pivday

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

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
		charged: map[string]float64{pending.id: simcore.Money(3.00 * pivRestoreFactor)}, doneAt: now.Add(s.Between(10*time.Second, 20*time.Second))})

	// History: a couple of old codes and one outbound message.
	for _, n := range a.numbers {
		if n.status == "pending_restore" {
			continue
		}
		for i := 0; i < 1+s.Rng.IntN(3); i++ {
			m := s.CodeSMS(s.Pick(pivServices))
			at := n.createdAt.Add(time.Duration(i+1) * (6*time.Hour + s.Between(0, 3*time.Hour)))
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
	long.priceTotal = simcore.Money(long.pricePer * 20 * 3)
	old := p.newProxyOrder(a, us1, 3, now.Add(-34*day), now.Add(-3*day))
	old.status = "expired"

	// Domains.
	p.newDomain(a, "northwind-labs.com", now.Add(-364*day-19*time.Hour), now.Add(5*time.Hour), false, true)
	net := p.newDomain(a, "piv-demo.net", now.Add(-165*day), now.Add(200*day), true, false)
	net.nameservers = []string{"ns1.myhost.com", "ns2.myhost.com"}
	p.newDomain(a, "brightkettle.io", now.Add(-359*day), now.Add(6*day), true, true)
	p.newRegistration(a, "quietharbor.xyz", now, s.Between(5*time.Second, 10*time.Second), s.Between(20*time.Second, 35*time.Second), "")
	p.newRegistration(a, "taken-"+strings.ToLower(s.Digits(3))+"-name.com", now,
		s.Between(4*time.Second, 8*time.Second), s.Between(15*time.Second, 30*time.Second), "Domain is no longer available")

	// White jobs: finished, failed, and three that move.
	w := p.newWhite(a, "Tech Blog DE", "v2_tier3", "premium", "IT Consulting", "DE", "de", "techblog-de.com", now.Add(-2*day))
	w.status = pivWhiteDone
	w = p.newWhite(a, "Pharma FR", "v2_tier1", "standard", "Pharmacy", "FR", "fr", "", now.Add(-5*day))
	w.status, w.fail = pivWhiteFailed, "Generation failed"
	w = p.newWhite(a, "Dental NL", "v2_tier2", "standard", "Dental clinic", "NL", "nl", "smile-nl.com", now.Add(-3*time.Minute))
	w.status, w.doneAt = pivWhiteProcessing, now.Add(s.Between(20*time.Second, 40*time.Second))
	w = p.newWhite(a, "Crypto ES", "v2_tier1", "standard", "Crypto news", "ES", "es", "", now.Add(-time.Minute))
	w.processingAt = now.Add(s.Between(5*time.Second, 12*time.Second))
	w.doneAt = w.processingAt.Add(s.Between(20*time.Second, 40*time.Second))
	w.fail = "Generation failed"
	w = p.newWhite(a, "Garden UK", "v2_tier3", "standard", "Gardening", "GB", "en", "greenthumb.co.uk", now)
	w.processingAt = now.Add(s.Between(15*time.Second, 30*time.Second))
	w.doneAt = w.processingAt.Add(s.Between(60*time.Second, 120*time.Second))
}

func (p *PivDay) country(code string) *pivCountry {
	for _, c := range p.countries {
		if c.code == code {
			return c
		}
	}
	return nil
}

// newNumber adds a number to an account (s.Mu held or during New).
func (p *PivDay) newNumber(a *pivAccount, country string, created, expires time.Time) *pivNumber {
	n := &pivNumber{id: p.numberID(), country: country, status: "active", createdAt: created, purchasedAt: created,
		expiresAt: expires, canReceive: true, tags: []string{}, price: pivLegacyPrice}
	if c := p.country(country); c != nil {
		n.phone = c.prefix + p.s.Digits(c.digits)
		n.canSend, n.canReceive, n.price = c.canSend, c.canReceive, c.price
	} else {
		n.phone = "+35845" + p.s.Digits(7)
	}
	a.numbers = append(a.numbers, n)
	return n
}

func (p *PivDay) newProxyOrder(a *pivAccount, srv *pivServer, qty int, created, expires time.Time) *pivProxyOrder {
	o := &pivProxyOrder{id: p.uuid("ord-"), serverID: srv.id, country: srv.country, quantity: qty, pricePer: srv.price,
		priceTotal: simcore.Money(srv.price * float64(qty)), status: "active", purchasedAt: created, createdAt: created, expiresAt: expires}
	base := 1 + p.s.Rng.IntN(200)
	for i := 0; i < qty; i++ {
		o.items = append(o.items, pivProxyItem{
			login:    fmt.Sprintf("u%s%d", p.s.Digits(4), i+1),
			password: p.s.Token("")[:12],
			host:     srv.host,
			ipv6:     fmt.Sprintf("2a0%d:%x:%x::%x", 1+p.s.Rng.IntN(9), 0x1000+p.s.Rng.IntN(0xefff), base, i+1),
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
		d.sslExpiresAt = p.s.Clock().Add(p.s.Between(20*24*time.Hour, 80*24*time.Hour)).Truncate(time.Hour)
		d.dns = []pivDNS{
			{id: p.uuid("rec-"), typ: "A", name: "@", content: fmt.Sprintf("185.%d.%d.%d", 10+p.s.Rng.IntN(200), p.s.Rng.IntN(250), 1+p.s.Rng.IntN(250)), ttl: 1, proxied: true},
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
	p.smsSeq += 1 + p.s.Rng.IntN(3)
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
			b.WriteByte(abc[p.s.Rng.IntN(len(abc))])
		}
	}
	return b.String()
}

// uuid is a version-4 UUID from the simulation's seed, with a prefix like
// the document's "ord-uuid-…".
func (p *PivDay) uuid(prefix string) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(p.s.Rng.IntN(256))
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
