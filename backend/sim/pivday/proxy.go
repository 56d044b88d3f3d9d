package pivday

import (
	"fmt"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

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
	cost := simcore.Money(srv.price * float64(qty) * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - cost)
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
	months, e := b.integer("months", 1, pivMaxPeriod)
	if e != nil {
		return e.reply()
	}
	cost := simcore.Money(o.pricePer * float64(o.quantity) * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - cost)
	c.a.renewals++
	// The document refuses no state: a lapsed order is extended from now
	// and is live again.
	o.status, o.expiresAt = "active", pivLater(o.expiresAt, c.now).AddDate(0, months, 0)
	return pivOK(map[string]any{"order_id": o.id, "cost": cost, "new_expires_at": pivTS(o.expiresAt)})
}

func (p *PivDay) restoreProxyOrder(c *pivCall) pivReply {
	o := p.proxyOrder(c.a, c.r.PathValue("id"))
	if o == nil {
		return pivNotFound("Order").reply()
	}
	cost := simcore.Money(o.pricePer * float64(o.quantity))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - cost)
	c.a.renewals++
	// "Term extends by 1 month": from now for a lapsed order; the document
	// refuses no live one, whose term runs on.
	o.status, o.expiresAt = "active", pivLater(o.expiresAt, c.now).AddDate(0, 1, 0)
	return pivOK(map[string]any{"order_id": o.id, "quantity": o.quantity, "total_cost": cost, "expires_at": pivTS(o.expiresAt)})
}
