package pivday

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend/sim/simcore"
)

func TestPivDayProxy(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	servers := objs(p.ok("GET", "/proxy/servers", nil)["servers"])
	for _, s := range servers {
		pivShape(t, "server", s, map[string]string{"id": "string", "name": "string", "country": "string",
			"socks5_port": "number", "http_port": "number", "price_per_proxy": "number"})
	}
	d := p.ok("GET", "/proxy/orders", nil)
	pivShape(t, "orders page", d, map[string]string{"orders": "array", "pagination": "object"})
	pivShape(t, "pagination", d["pagination"].(map[string]any), pivPaginationShape)
	orders := objs(d["orders"])
	var soon, expired map[string]any
	for _, o := range orders {
		pivShape(t, "order", o, pivProxyShape)
		left := pivTime(t, o["expires_at"]).Sub(pivStart)
		if o["status"] == "active" && left < time.Hour {
			soon = o
		}
		if o["status"] == "expired" {
			expired = o
		}
	}
	if soon == nil || expired == nil {
		t.Fatalf("seed lacks an order expiring within minutes or an expired one: %v", orders)
	}
	if n := len(objs(p.ok("GET", "/proxy/orders?status=expired", nil)["orders"])); n != 1 {
		t.Errorf("status filter: %d expired", n)
	}
	if pg := p.ok("GET", "/proxy/orders?limit=501", nil)["pagination"].(map[string]any); pg["limit"] != 500.0 {
		t.Errorf("limit=501 → %v", pg)
	}

	id := soon["id"].(string)
	o := p.ok("GET", "/proxy/orders/"+id, nil)["order"].(map[string]any)
	spec := map[string]string{"created_at": "string", "items": "array"}
	for k, v := range pivProxyShape {
		spec[k] = v
	}
	pivShape(t, "order detail", o, spec)
	items := objs(o["items"])
	if len(items) != int(o["quantity"].(float64)) {
		t.Errorf("%d items for quantity %v", len(items), o["quantity"])
	}
	pivShape(t, "item", items[0], pivProxyItemShape)
	p.fail("GET", "/proxy/orders/ord-nope", nil, 404, "NOT_FOUND")

	// Export.
	for format, n := range map[string]int{"socks5": len(items), "http": len(items), "both": 2 * len(items), "": len(items)} {
		e := p.ok("GET", "/proxy/orders/"+id+"/export?format="+format, nil)
		pivShape(t, "export", e, map[string]string{"content": "string", "filename": "string", "format": "string", "count": "number"})
		lines := strings.Split(e["content"].(string), "\n")
		if len(lines) != n || e["count"] != float64(n) {
			t.Errorf("%s export: %d lines, count %v", format, len(lines), e["count"])
		}
		want := items[0]["login"].(string) + ":" + items[0]["password"].(string) + "@" + items[0]["host"].(string) + ":"
		if !strings.HasPrefix(lines[0], want) {
			t.Errorf("%s export line %q", format, lines[0])
		}
		if format == "http" && !strings.HasSuffix(lines[0], ":"+strconv.Itoa(int(items[0]["http_port"].(float64)))) {
			t.Errorf("http export uses the wrong port: %q", lines[0])
		}
	}
	p.fail("GET", "/proxy/orders/"+id+"/export?format=ftp", nil, 400, "VALIDATION_ERROR")

	// Purchase: price_per_proxy × quantity × months.
	srv := servers[1]
	before := pd.Balance("piv-main")
	bought := p.ok("POST", "/proxy/purchase", map[string]any{"server_id": srv["id"], "quantity": 4, "months": 2})["order"].(map[string]any)
	pivShape(t, "purchased order", bought, map[string]string{"id": "string", "country": "string", "quantity": "number",
		"price_total": "number", "status": "string", "expires_at": "string", "created_at": "string", "items": "array"})
	cost := simcore.Money(srv["price_per_proxy"].(float64) * 4 * 2)
	if bought["price_total"] != cost || pd.Balance("piv-main") != simcore.Money(before-cost) || pd.Purchases("piv-main") != 1 ||
		len(objs(bought["items"])) != 4 || !pivTime(t, bought["expires_at"]).Equal(pivStart.AddDate(0, 2, 0)) {
		t.Errorf("purchase = %v balance %v → %v", bought, before, pd.Balance("piv-main"))
	}
	p.fail("POST", "/proxy/purchase", map[string]any{"server_id": "nope", "quantity": 1, "months": 1}, 404, "NOT_FOUND")
	p.fail("POST", "/proxy/purchase", map[string]any{"server_id": srv["id"], "quantity": 501, "months": 1}, 400, "VALIDATION_ERROR")
	p.fail("POST", "/proxy/purchase", map[string]any{"server_id": srv["id"], "quantity": 1, "months": 13}, 400, "VALIDATION_ERROR")

	// Renew moves expiry by calendar months.
	exp := pivTime(t, soon["expires_at"])
	before = pd.Balance("piv-main")
	r := p.ok("POST", "/proxy/orders/"+id+"/renew", map[string]any{"months": 1})
	pivShape(t, "proxy renew", r, map[string]string{"order_id": "string", "cost": "number", "new_expires_at": "string"})
	wantCost := simcore.Money(soon["price_per_proxy"].(float64) * soon["quantity"].(float64))
	if !pivTime(t, r["new_expires_at"]).Equal(exp.AddDate(0, 1, 0)) || r["cost"] != wantCost || pd.Balance("piv-main") != simcore.Money(before-wantCost) {
		t.Errorf("renew = %v", r)
	}
	if _, e, _ := pd.ProxyOrder(id); !e.Equal(exp.AddDate(0, 1, 0)) {
		t.Errorf("expiry = %v", e)
	}
	// Restore of the expired order: one more month from now.
	rs := p.ok("POST", "/proxy/orders/"+expired["id"].(string)+"/restore", nil)
	pivShape(t, "proxy restore", rs, map[string]string{"order_id": "string", "quantity": "number", "total_cost": "number", "expires_at": "string"})
	if st, e, _ := pd.ProxyOrder(expired["id"].(string)); st != "active" || !e.Equal(pivStart.AddDate(0, 1, 0)) {
		t.Errorf("restored order %s %v", st, e)
	}
	// The document refuses neither renewing a lapsed order nor restoring a
	// live one: the first runs from now, the second extends the term.
	lapsed := p.expireProxy(id)
	p.ok("POST", "/proxy/orders/"+lapsed+"/renew", map[string]any{"months": 2})
	if st, e, _ := pd.ProxyOrder(lapsed); st != "active" || !e.Equal(pivStart.AddDate(0, 2, 0)) {
		t.Errorf("renewed lapsed order %s %v", st, e)
	}
	p.ok("POST", "/proxy/orders/"+lapsed+"/restore", nil)
	if st, e, _ := pd.ProxyOrder(lapsed); st != "active" || !e.Equal(pivStart.AddDate(0, 3, 0)) {
		t.Errorf("restored live order %s %v", st, e)
	}
	pd.SetBalance("piv-main", 0)
	p.fail("POST", "/proxy/orders/"+id+"/renew", map[string]any{"months": 1}, 402, "INSUFFICIENT_BALANCE")

	// The seeded order near expiry warns, then expires (another one, not renewed).
	var short string
	var shortExp time.Time
	for _, o := range objs(p.ok("GET", "/proxy/orders?status=active", nil)["orders"]) {
		if e := pivTime(t, o["expires_at"]); o["id"] != id && e.Sub(pivStart) < 3*24*time.Hour {
			short, shortExp = o["id"].(string), e
		}
	}
	p.s.Advance(time.Second)
	w := h.wait(t, "proxy.expires_soon", func(d map[string]any) bool { return d["order_id"] == short })
	pivShape(t, "proxy.expires_soon", w, map[string]string{"order_id": "string", "country": "string", "quantity": "number", "expires_at": "string"})
	if !pivTime(t, w["expires_at"]).Equal(shortExp) {
		t.Errorf("warning = %v", w)
	}
	p.s.Advance(9 * time.Minute)
	if st, _, _ := pd.ProxyOrder(id); st != "active" {
		t.Errorf("renewed order expired: %s", st)
	}
}

func TestPivDayProxyOrderExpiresWithinMinutes(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 2, Quiet: true})
	var id string
	for _, o := range objs(p.ok("GET", "/proxy/orders?status=active", nil)["orders"]) {
		if pivTime(t, o["expires_at"]).Sub(pivStart) < 15*time.Minute {
			id = o["id"].(string)
		}
	}
	if id == "" {
		t.Fatal("no order expiring within minutes")
	}
	p.s.Advance(15 * time.Minute)
	if st, _, _ := p.s.PivDay.ProxyOrder(id); st != "expired" {
		t.Errorf("status = %s", st)
	}
	if p.ok("GET", "/proxy/orders/"+id, nil)["order"].(map[string]any)["status"] != "expired" {
		t.Error("API still shows it active")
	}
}

// expireProxy makes a proxy order lapse now and returns its id.
func (p *pivT) expireProxy(id string) string {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	for _, a := range p.s.PivDay.accounts {
		if o := p.s.PivDay.proxyOrder(a, id); o != nil {
			o.status, o.expiresAt = "expired", p.s.Clock()
		}
	}
	return id
}
