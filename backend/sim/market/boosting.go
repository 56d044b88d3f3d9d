package market

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// --- boosting ----------------------------------------------------------------

func (p *Market) boostCategories(q *mkReq) mkResp {
	out := []any{}
	for _, c := range p.boostCats {
		n := 0
		for _, s := range p.boostServices {
			if s.category == c {
				n++
			}
		}
		out = append(out, map[string]any{"id": c.id, "name": c.name, "slug": c.slug, "services_count": n})
	}
	return mkResp{status: http.StatusOK, body: out} // a bare list: see the file comment
}

func (p *Market) boostServicesList(q *mkReq) mkResp {
	want := strings.TrimSpace(q.r.URL.Query().Get("category"))
	out := []any{}
	for _, s := range p.boostServices {
		if want == "" || strings.EqualFold(s.category.name, want) || strings.EqualFold(s.category.slug, want) {
			out = append(out, p.boostServiceJSON(s))
		}
	}
	return mkOK(http.StatusOK, out)
}

func mkBoostServiceNotFound() mkResp {
	return mkErr(http.StatusNotFound, "BOOST_SERVICE_NOT_FOUND", "Boosting service not found.")
}

func (p *Market) boostServiceShow(q *mkReq) mkResp {
	s := p.boostService(q.r.PathValue("service"))
	if s == nil {
		return mkBoostServiceNotFound()
	}
	return mkOK(http.StatusOK, p.boostServiceJSON(s))
}

func (p *Market) boostOrders(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	items := make([]any, 0, len(q.a.boosts))
	for i := len(q.a.boosts) - 1; i >= 0; i-- {
		items = append(items, p.boostJSON(q.a.boosts[i]))
	}
	return q.resourceCollection(items, page, per)
}

func (p *Market) boostOrder(q *mkReq) *mkBoostOrder {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	o := p.boosts[id]
	if o == nil || o.acct != q.a {
		return nil
	}
	return o
}

func mkBoostNotFound() mkResp {
	return mkErr(http.StatusNotFound, "BOOST_ORDER_NOT_FOUND", "Boosting order not found.")
}

func (p *Market) boostShow(q *mkReq) mkResp {
	o := p.boostOrder(q)
	if o == nil {
		return mkBoostNotFound()
	}
	return mkOK(http.StatusOK, p.boostJSON(o))
}

func (p *Market) boostCancel(q *mkReq) mkResp {
	o := p.boostOrder(q)
	if o == nil {
		return mkBoostNotFound()
	}
	switch {
	case !o.service.cancel:
		return mkErr(http.StatusConflict, "BOOST_CANCEL_UNAVAILABLE", "Cancellation is not available for this service.")
	case o.state == mkBoostProcessing:
		return mkErr(http.StatusConflict, "BOOST_CANCEL_REJECTED", "The supplier rejected the cancellation: the order is already in progress.")
	case o.state != mkBoostPending:
		return mkErr(http.StatusConflict, "BOOST_CANCEL_UNAVAILABLE", "This order can no longer be cancelled.")
	}
	o.state, o.updated, o.refunded = mkBoostCanceled, q.now, o.charge
	q.a.balance += o.charge
	return mkOKMsg(http.StatusOK, "Boosting order cancelled and "+p.amount(o.charge)+" "+MarketCurrency+" refunded to your wallet.", p.boostJSON(o))
}

var mkLinkRe = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)

func (p *Market) boostBuy(q *mkReq) mkResp {
	in := q.input()
	errs := map[string][]string{}
	key := mkIdempotencyKey(in, errs)
	sid, link, qtyText := mkText(in["service_id"]), mkText(in["link"]), mkText(in["quantity"])
	fp := "boost|" + sid + "|" + link + "|" + qtyText
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	a := q.a
	perform := func(now time.Time) (mkResp, int64) {
		errs := map[string][]string{}
		if sid == "" {
			errs["service_id"] = []string{"The service id field is required."}
		}
		switch {
		case link == "":
			errs["link"] = []string{"The link field is required."}
		case !mkLinkRe.MatchString(link) || len(link) > 2048:
			errs["link"] = []string{"The link field must be a valid URL."}
		}
		qty64 := mkRequireInt(in, "quantity", errs)
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		svc := p.boostService(sid)
		if svc == nil {
			return mkBoostServiceNotFound(), 0
		}
		if qty64 < int64(svc.min) || qty64 > int64(svc.max) {
			return mkInvalid(map[string][]string{"quantity": {fmt.Sprintf("The quantity field must be between %d and %d.", svc.min, svc.max)}}), 0
		}
		qty := int(qty64)
		charge := mkCharge(svc.rate, qty)
		if a.balance < charge {
			return mkErrWith(http.StatusPaymentRequired, "INSUFFICIENT_BALANCE", "Insufficient wallet balance.",
				map[string]any{"required": p.amount(charge), "balance": p.amount(a.balance), "currency": MarketCurrency}), 0
		}
		o := p.placeBoost(a, svc, link, qty, now)
		a.balance -= o.charge
		return mkOKMsg(http.StatusCreated, "Boosting order placed.", p.boostJSON(o)), o.id
	}
	return p.purchase(q, key, "boost", fp, perform)
}
