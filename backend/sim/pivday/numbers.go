package pivday

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

// --- account & numbers --------------------------------------------------------

func (p *PivDay) getAccount(c *pivCall) pivReply {
	return pivOK(map[string]any{"user_id": c.a.userID, "balance": simcore.Money(c.a.balance), "email": c.a.email,
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
	months, e := b.integer("duration_months", 1, pivMaxPeriod)
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
	cost := simcore.Money(co.price * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - cost)
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
	months, e := b.integer("duration_months", 1, pivMaxPeriod)
	if e != nil {
		return e.reply()
	}
	co := p.country(n.country)
	if co == nil {
		return (&pivErr{http.StatusBadRequest, "COUNTRY_NOT_AVAILABLE", fmt.Sprintf("No pricing found for %s", n.country)}).reply()
	}
	cost := simcore.Money(co.price * float64(months))
	if c.a.balance < cost {
		return pivNoBalance(cost, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - cost)
	c.a.renewals++
	old := n.expiresAt
	// The renew document refuses no state: a lapsed number is extended
	// from now and is live again; one being restored keeps its restore.
	n.expiresAt = pivLater(n.expiresAt, c.now).Add(time.Duration(months) * pivNumberMonth)
	if n.status == "expired" {
		n.status, n.expiredAt = "active", time.Time{}
		p.startCycle(n, c.now)
	}
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
		if n == nil || seen[id] || n.status != "expired" || c.now.Sub(n.expiredAt) > pivRestoreWindow {
			continue
		}
		seen[id] = true
		restorable = append(restorable, n)
		total += p.restorePrice(n)
	}
	if len(restorable) == 0 {
		return (&pivErr{http.StatusNotFound, "NO_RESTORABLE_NUMBERS", "None of the supplied numbers can be restored"}).reply()
	}
	total = simcore.Money(total)
	if c.a.balance < total {
		return pivNoBalance(total, c.a.balance).reply()
	}
	c.a.balance = simcore.Money(c.a.balance - total)
	c.a.renewals++
	batch := &pivRestore{charged: map[string]float64{}, doneAt: c.now.Add(p.s.Between(5*time.Second, 15*time.Second))}
	list := []map[string]any{}
	for _, n := range restorable {
		n.status = "pending_restore"
		batch.ids = append(batch.ids, n.id)
		batch.charged[n.id] = simcore.Money(p.restorePrice(n))
		list = append(list, map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "status": "pending"})
	}
	c.a.restores = append(c.a.restores, batch)
	return pivReply{status: http.StatusOK, body: map[string]any{"success": true, "queued": len(restorable),
		"skipped": len(ids) - len(restorable), "total_charged": total, "numbers": list}}
}

// restorePrice is what restoring n costs: the monthly price times the
// restore multiplier — the country's price now, or the one n was bought at
// when its country is no longer sold (the document refuses no such number).
func (p *PivDay) restorePrice(n *pivNumber) float64 {
	price := n.price
	if c := p.country(n.country); c != nil {
		price = c.price
	}
	return price * pivRestoreFactor
}
