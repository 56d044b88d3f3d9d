package fivesim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

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

// openOrder is the account's order the request names while it is open,
// or else the refusal to answer with.
func (p *FiveSim) openOrder(r *http.Request, a *fsAccount, now time.Time) (*fsOrder, fsReply, bool) {
	o := p.ownOrder(r, a, now)
	switch {
	case o == nil:
		return nil, fsRefuse(fsOrderNotFound), false
	case !p.isOpen(o):
		return nil, fsRefuse(fsOrderExpired), false
	}
	return o, fsReply{}, true
}

// handleFinish: 5sim.md's "Finish order" sets no condition, so an order
// may be finished before its SMS (the money is spent, as for any finish).
func (p *FiveSim) handleFinish(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o, refused, ok := p.openOrder(r, a, now)
	if !ok {
		return refused
	}
	if o.category == "hosting" {
		o.status = fsStatusFinished
	} else {
		p.finish(o)
	}
	return fsOK(p.orderBody(o, fsShapeOrder))
}

// handleCancel: 5sim.md's "Cancel order" applies to any order, hosting
// included; NOTES.md's two refusals (`order has sms`, `you need to wait
// time`) are the only ones. A cancel refunds the price.
func (p *FiveSim) handleCancel(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o, refused, ok := p.openOrder(r, a, now)
	if !ok {
		return refused
	}
	switch {
	case len(o.sms) > 0:
		return fsRefuse(fsOrderHasSMS)
	case now.Sub(o.created) < FiveSimCancelWait:
		return fsRefuse(fsWaitTime)
	}
	return p.refund(o, a, fsStatusCanceled, now)
}

// handleBan: 5sim.md's "Ban order" applies to any order, hosting included;
// refunded like a cancel.
func (p *FiveSim) handleBan(r *http.Request, a *fsAccount, now time.Time) fsReply {
	o, refused, ok := p.openOrder(r, a, now)
	if !ok {
		return refused
	}
	return p.refund(o, a, fsStatusBanned, now)
}

// refund closes an order as status (cancelled, banned) and gives its price
// back; each costs the account a little rating.
func (p *FiveSim) refund(o *fsOrder, a *fsAccount, status string, now time.Time) fsReply {
	o.status = status
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
		data = append(data, fsInboxSMS{ID: m.id, CreatedAt: p.stamp(m.created),
			Date: p.stampSecond(m.date), Sender: m.sender, Text: m.text, Code: m.code})
	}
	return fsOK(map[string]any{"Data": data, "Total": len(data)})
}

// checkBuy validates a purchase (s.Mu held) and returns the offer to buy
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
	o.plan = p.s.PlanSMS(now)
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
	// "Re-buy number" names no state: any order bought with reuse=1 may
	// be re-bought, open or closed.
	switch {
	case prev == nil:
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
	o.plan = p.s.PlanSMS(now)
	p.open = append(p.open, o)
	return fsOK(p.orderBody(o, fsShapeBuy))
}
