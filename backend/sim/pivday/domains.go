package pivday

import (
	"hash/fnv"
	"net/http"
	"regexp"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

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

// pivDomainName is a domain name: labels of letters, digits and inner
// hyphens, the last one a TLD of letters (or an IDN's xn--).
var pivDomainName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$`)

func (p *PivDay) searchDomain(c *pivCall) pivReply {
	name := strings.ToLower(strings.TrimSpace(c.r.URL.Query().Get("q")))
	if name == "" {
		return pivInvalid("q is required").reply()
	}
	if !pivDomainName.MatchString(name) {
		return pivInvalid("q must be a domain name like mysite.com").reply()
	}
	// Prices by TLD (the document does not say which TLDs are sold, so
	// none is refused); a domain the caller holds renews at its own price.
	price := pivTLDPrice(name)
	renew := price
	for _, d := range c.a.domains {
		if d.name == name {
			renew = d.renewPrice
		}
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
	return pivOK(map[string]any{"domain": name, "available": !taken, "create_price": price, "renew_price": renew, "currency": "USD"})
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
	years, e := b.integer("period", 1, pivMaxPeriod)
	if e != nil {
		return e.reply()
	}
	cost := simcore.Money(d.renewPrice * float64(years))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - cost)
	c.a.renewals++
	// The document refuses no state: a lapsed domain is extended from now;
	// one still being registered gets the years on top of its period.
	switch d.status {
	case "pending":
		d.period += years
	case "expired":
		d.status, d.expiresAt = "active", c.now.AddDate(years, 0, 0)
	default:
		d.expiresAt = d.expiresAt.AddDate(years, 0, 0)
	}
	d.updatedAt = c.now
	q := &pivQueue{id: p.uuid("que-"), domainID: d.id, domainName: d.name, kind: "renew", status: "pending",
		processingAt: c.now.Add(p.s.Between(2*time.Second, 5*time.Second)), cost: cost}
	q.doneAt = q.processingAt.Add(p.s.Between(5*time.Second, 15*time.Second))
	c.a.queue = append(c.a.queue, q)
	return pivReply{status: http.StatusAccepted, body: map[string]any{"success": true,
		"data": map[string]any{"queue_id": q.id, "domain_id": d.id, "expires_at": pivTSOrNull(d.expiresAt)}}}
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
