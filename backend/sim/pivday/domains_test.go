package pivday

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"switchboard/backend/sim/simcore"
)

func TestPivDayDomains(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	d := p.ok("GET", "/domains", nil)
	pivShape(t, "domains page", d, map[string]string{"domains": "array", "pagination": "object"})
	var hours, nonCF, pending map[string]any
	for _, dom := range objs(d["domains"]) {
		pivShape(t, "domain", dom, pivDomainShape)
		if dom["status"] == "active" && pivTime(t, dom["expires_at"]).Sub(pivStart) < 24*time.Hour {
			hours = dom
		}
		if dom["status"] == "active" && dom["cloudflare_enabled"] == false {
			nonCF = dom
		}
		if dom["status"] == "pending" {
			pending = dom
		}
	}
	if hours == nil || nonCF == nil || pending == nil {
		t.Fatalf("seed lacks a domain expiring within hours, a non-Cloudflare one or a pending one")
	}
	if pending["registered_at"] != nil || pending["expires_at"] != nil {
		t.Errorf("pending domain has dates: %v", pending)
	}
	for _, dom := range objs(p.ok("GET", "/domains?status=active&cloudflare=false", nil)["domains"]) {
		if dom["status"] != "active" || dom["cloudflare_enabled"] != false {
			t.Errorf("filters let through %v", dom)
		}
	}
	if got := objs(p.ok("GET", "/domains?search="+hours["domain_name"].(string), nil)["domains"]); len(got) != 1 {
		t.Errorf("search = %v", got)
	}
	p.fail("GET", "/domains?cloudflare=maybe", nil, 400, "VALIDATION_ERROR")

	det := p.ok("GET", "/domains/"+hours["id"].(string), nil)["domain"].(map[string]any)
	spec := map[string]string{"dns_records": "array"}
	for k, v := range pivDomainShape {
		spec[k] = v
	}
	pivShape(t, "domain detail", det, spec)
	pivShape(t, "dns record", objs(det["dns_records"])[0], map[string]string{"name": "string", "type": "string",
		"content": "string", "ttl": "number", "priority": "null", "proxied": "bool"})
	det = p.ok("GET", "/domains/"+nonCF["id"].(string), nil)["domain"].(map[string]any)
	spec["nameservers"] = "array"
	pivShape(t, "non-cloudflare detail", det, spec)
	p.fail("GET", "/domains/dom-nope", nil, 404, "NOT_FOUND")

	// Search.
	s := p.ok("GET", "/domains/search?q="+hours["domain_name"].(string), nil)
	pivShape(t, "search", s, map[string]string{"domain": "string", "available": "bool", "create_price": "number",
		"renew_price": "number", "currency": "string"})
	if s["available"] != false || s["currency"] != "USD" {
		t.Errorf("own domain available: %v", s)
	}
	avail := 0
	for i := range 12 {
		if p.ok("GET", "/domains/search?q=fresh-name-"+strconv.Itoa(i)+".com", nil)["available"] == true {
			avail++
		}
	}
	if avail == 0 || avail == 12 {
		t.Errorf("search availability looks fake: %d of 12 available", avail)
	}
	p.fail("GET", "/domains/search", nil, 400, "VALIDATION_ERROR")
	p.fail("GET", "/domains/search?q=bad..name", nil, 400, "VALIDATION_ERROR")
	// The document names no TLD it refuses: any domain name gets prices.
	for _, name := range []string{"example.co.uk", "shop.store", "xn--80ak6aa92e.com"} {
		if s := p.ok("GET", "/domains/search?q="+name, nil); s["domain"] != name || s["renew_price"] == nil {
			t.Errorf("search %s = %v", name, s)
		}
	}

	// Renew: 202, queue id, expiry moves a year, debit.
	exp := pivTime(t, hours["expires_at"])
	before := pd.Balance("piv-main")
	st, _, m := p.do("POST", "/domains/"+hours["id"].(string)+"/renew", map[string]any{"period": 1})
	if st != http.StatusAccepted || m["success"] != true {
		t.Fatalf("renew: %d %v", st, m)
	}
	r := m["data"].(map[string]any)
	pivShape(t, "domain renew", r, map[string]string{"queue_id": "string", "domain_id": "string", "expires_at": "string"})
	if !pivTime(t, r["expires_at"]).Equal(exp.AddDate(1, 0, 0)) || pd.Balance("piv-main") != simcore.Money(before-12.5) {
		t.Errorf("renew = %v balance %v → %v", r, before, pd.Balance("piv-main"))
	}
	if _, e, _ := pd.Domain(hours["id"].(string)); !e.Equal(exp.AddDate(1, 0, 0)) {
		t.Errorf("domain expiry %v", e)
	}
	q := p.ok("GET", "/domains/queue/"+r["queue_id"].(string), nil)
	pivShape(t, "queue pending", q, map[string]string{"queue_id": "string", "domain": "string", "status": "string"})
	if q["status"] != "pending" {
		t.Errorf("renew queue = %v", q)
	}
	// "Years to add" has no documented upper bound (registration's 1–10
	// is registration's).
	p.ok("POST", "/domains/"+hours["id"].(string)+"/renew", map[string]any{"period": 11})
	if _, e, _ := pd.Domain(hours["id"].(string)); !e.Equal(exp.AddDate(12, 0, 0)) {
		t.Errorf("domain expiry after 1 + 11 years: %v", e)
	}
	p.fail("POST", "/domains/"+hours["id"].(string)+"/renew", map[string]any{"period": 0}, 400, "VALIDATION_ERROR")

	// Auto-renew toggle.
	a := p.ok("POST", "/domains/"+hours["id"].(string)+"/auto-renew", map[string]any{"auto_renew": true})
	pivShape(t, "auto-renew", a, map[string]string{"id": "string", "auto_renew": "bool"})
	if a["auto_renew"] != true {
		t.Errorf("auto-renew = %v", a)
	}

	// Registrations move pending → processing → completed / failed.
	var regQueue []string
	for _, acc := range pd.accounts {
		if acc.name == "piv-main" {
			for _, e := range acc.queue {
				if e.kind == "register" {
					regQueue = append(regQueue, e.id)
				}
			}
		}
	}
	if len(regQueue) != 2 {
		t.Fatalf("registrations = %v", regQueue)
	}
	seenProcessing := map[string]bool{}
	bal := pd.Balance("piv-main")
	for range 70 {
		p.s.Advance(time.Second)
		for _, id := range regQueue {
			if st, _ := pd.Queue(id); st == "processing" {
				seenProcessing[id] = true
			}
		}
	}
	var done, failed string
	for _, id := range regQueue {
		switch st, _ := pd.Queue(id); st {
		case "completed":
			done = id
		case "failed":
			failed = id
		default:
			t.Errorf("queue %s still %s", id, st)
		}
		if !seenProcessing[id] {
			t.Errorf("queue %s never processing", id)
		}
	}
	if done == "" || failed == "" {
		t.Fatal("want one completed and one failed registration")
	}
	q = p.ok("GET", "/domains/queue/"+done, nil)
	pivShape(t, "queue completed", q, map[string]string{"queue_id": "string", "status": "string", "domain": "object"})
	card := q["domain"].(map[string]any)
	delete(spec, "nameservers")
	pivShape(t, "completed card", card, spec)
	if card["status"] != "active" || card["expires_at"] == nil {
		t.Errorf("card = %v", card)
	}
	reg := h.wait(t, "domain.registered", func(d map[string]any) bool { return d["domain_id"] == card["id"] })
	pivShape(t, "domain.registered", reg, map[string]string{"domain_id": "string", "domain_name": "string",
		"registered_at": "string", "expires_at": "string", "cloudflare_enabled": "bool"})
	fq := p.ok("GET", "/domains/queue/"+failed, nil)
	if fq["status"] != "failed" || fq["error"] == "" {
		t.Errorf("failed queue = %v", fq)
	}
	fw := h.wait(t, "domain.failed", nil)
	pivShape(t, "domain.failed", fw, map[string]string{"domain_id": "string", "domain_name": "string", "error": "string"})
	if pd.Balance("piv-main") <= bal {
		t.Errorf("failed registration not refunded: %v → %v", bal, pd.Balance("piv-main"))
	}
	if _, _, ok := pd.Domain(fw["domain_id"].(string)); ok {
		t.Error("failed registration still listed")
	}
	ew := h.wait(t, "domain.expires_soon", nil)
	pivShape(t, "domain.expires_soon", ew, map[string]string{"domain_id": "string", "domain_name": "string",
		"expires_at": "string", "auto_renew": "bool"})
	p.fail("GET", "/domains/queue/que-nope", nil, 404, "NOT_FOUND")
}

func TestPivDayDomainExpiresWithinHours(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 4, Quiet: true})
	var id string
	for _, dom := range objs(p.ok("GET", "/domains?status=active", nil)["domains"]) {
		if pivTime(t, dom["expires_at"]).Sub(pivStart) < 24*time.Hour {
			id = dom["id"].(string)
		}
	}
	if id == "" {
		t.Fatal("no domain expiring within hours")
	}
	_, exp, _ := p.s.PivDay.Domain(id)
	p.s.Advance(exp.Sub(pivStart) + time.Second)
	if st, _, _ := p.s.PivDay.Domain(id); st != "expired" {
		t.Errorf("status = %s", st)
	}
}

func TestPivDayWhites(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	d := p.ok("GET", "/whites", nil)
	pivShape(t, "whites page", d, map[string]string{"whites": "array", "pagination": "object"})
	statuses := map[float64]int{}
	var moving []string
	for _, w := range objs(d["whites"]) {
		pivShape(t, "white", w, pivWhiteShape)
		statuses[w["status"].(float64)]++
		if s := w["status"].(float64); s == 0 || s == 1 {
			moving = append(moving, w["id"].(string))
		}
	}
	if statuses[0] < 1 || statuses[1] < 1 || statuses[10] < 1 || statuses[-1] < 1 {
		t.Errorf("statuses = %v", statuses)
	}
	for _, w := range objs(p.ok("GET", "/whites?status=done", nil)["whites"]) {
		if w["status"] != 10.0 {
			t.Errorf("status=done let through %v", w["status"])
		}
	}
	for _, w := range objs(p.ok("GET", "/whites?tier_key=v2_tier3", nil)["whites"]) {
		if w["tier_key"] != "v2_tier3" {
			t.Errorf("tier filter let through %v", w["tier_key"])
		}
	}
	p.fail("GET", "/whites?status=cooking", nil, 400, "VALIDATION_ERROR")
	one := p.ok("GET", "/whites/"+moving[0], nil)
	pivShape(t, "white get", one, map[string]string{"white": "object"})
	pivShape(t, "white", one["white"].(map[string]any), pivWhiteShape)
	p.fail("GET", "/whites/job-nope", nil, 404, "NOT_FOUND")

	bal := pd.Balance("piv-main")
	p.s.Advance(5 * time.Minute)
	final := map[int]int{}
	for _, id := range moving {
		st, _ := pd.White(id)
		final[st]++
	}
	if final[pivWhiteDone] < 1 || final[pivWhiteFailed] < 1 || final[pivWhiteQueued]+final[pivWhiteProcessing] != 0 {
		t.Errorf("moving whites ended %v", final)
	}
	c := h.wait(t, "white.completed", nil)
	pivShape(t, "white.completed", c, map[string]string{"job_id": "string", "name": "string", "tier_key": "string", "country": "string"})
	f := h.wait(t, "white.failed", nil)
	pivShape(t, "white.failed", f, map[string]string{"job_id": "string", "name": "string", "error": "string"})
	if pd.Balance("piv-main") <= bal {
		t.Errorf("failed white not refunded: %v → %v", bal, pd.Balance("piv-main"))
	}
}
