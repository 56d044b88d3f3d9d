package market

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// --- wallet and numbers ------------------------------------------------------

func (p *Market) wallet(q *mkReq) mkResp {
	return mkOK(http.StatusOK, map[string]any{
		"balance": p.amount(q.a.balance), "currency": MarketCurrency, "formatted_balance": p.formatted(q.a.balance),
	})
}

func (p *Market) numberCountries(q *mkReq) mkResp {
	out := []any{}
	for _, c := range p.countries {
		out = append(out, map[string]any{"id": c.id, "name": c.name, "iso_code": c.iso, "dial_code": c.dial,
			"has_area_codes": len(c.areas) > 0})
	}
	return mkOK(http.StatusOK, out)
}

// countryParam validates a required, existing country_id query parameter.
func (p *Market) countryParam(q *mkReq, errs map[string][]string) *mkCountry {
	v := q.r.URL.Query().Get("country_id")
	if v == "" {
		errs["country_id"] = []string{"The country id field is required."}
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs["country_id"] = []string{"The country id field must be an integer."}
		return nil
	}
	c := p.country(n)
	if c == nil {
		errs["country_id"] = []string{"The selected country id is invalid."}
	}
	return c
}

func (p *Market) numberServices(q *mkReq) mkResp {
	errs := map[string][]string{}
	c := p.countryParam(q, errs)
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	var list []*mkNumService
	for _, s := range p.numServices {
		if s.country == c {
			list = append(list, s)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	out := []any{}
	for _, s := range list {
		out = append(out, map[string]any{"id": s.id, "name": s.name, "country_id": c.id, "price": p.amount(s.price),
			"currency": MarketCurrency, "stock": s.stock, "has_area_codes": len(c.areas) > 0})
	}
	return mkOK(http.StatusOK, out)
}

func (p *Market) numberAreaCodes(q *mkReq) mkResp {
	errs := map[string][]string{}
	c := p.countryParam(q, errs)
	v := q.r.URL.Query().Get("service_id")
	sid, err := strconv.Atoi(v)
	switch {
	case v == "":
		errs["service_id"] = []string{"The service id field is required."}
	case err != nil:
		errs["service_id"] = []string{"The service id field must be an integer."}
	}
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	svc := p.numService(sid)
	if svc == nil || svc.country != c {
		return mkErr(http.StatusNotFound, "NUMBER_SERVICE_NOT_FOUND", "The selected number service was not found for this country.")
	}
	out := []any{}
	for _, a := range c.areas {
		n := svc.areaStock[a.code]
		out = append(out, map[string]any{"area_code": a.code, "city": a.city, "stock": n, "available": n > 0})
	}
	return mkOK(http.StatusOK, out)
}

func (p *Market) numberOrders(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	items := make([]any, 0, len(q.a.numbers))
	for i := len(q.a.numbers) - 1; i >= 0; i-- {
		items = append(items, p.numberJSON(q.a.numbers[i]))
	}
	return mkOK(http.StatusOK, q.laravelPage(items, page, per))
}

// numberOrder finds one of the account's number orders by path id.
func (p *Market) numberOrder(q *mkReq) *mkNumberOrder {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	o := p.numbers[id]
	if o == nil || o.acct != q.a {
		return nil
	}
	return o
}

func mkNumberNotFound() mkResp {
	return mkErr(http.StatusNotFound, "NUMBER_ORDER_NOT_FOUND", "Number order not found.")
}

// numberShow serves GET /numbers/orders/{id}.
func (p *Market) numberShow(q *mkReq) mkResp {
	o := p.numberOrder(q)
	if o == nil {
		return mkNumberNotFound()
	}
	return mkOK(http.StatusOK, p.numberJSON(o))
}

// numberCheck serves POST /numbers/orders/{id}/check: the marketplace asks
// its supplier now, so an SMS the supplier held (DeliverOnCheck) reaches
// the order; the scenario's own SMS are already there.
func (p *Market) numberCheck(q *mkReq) mkResp {
	o := p.numberOrder(q)
	if o == nil {
		return mkNumberNotFound()
	}
	for _, m := range o.held {
		p.addNumberSMS(o, q.now, m)
	}
	o.held = nil
	return mkOK(http.StatusOK, p.numberJSON(o))
}

func (p *Market) numberCancel(q *mkReq) mkResp {
	o := p.numberOrder(q)
	if o == nil {
		return mkNumberNotFound()
	}
	switch o.status {
	case mkReceived, mkCompleted:
		return mkErr(http.StatusConflict, "NUMBER_CODE_ALREADY_RECEIVED", "A code has already been received for this order; it cannot be cancelled.")
	case mkCancelled, mkExpired:
		// The document names no refusal for this: the order is answered as
		// it is, and nothing is refunded twice.
		return mkOKMsg(http.StatusOK, "This order is already "+o.status+"; nothing to refund.", p.numberJSON(o))
	}
	if wait := o.created.Add(MarketCancelCooldown).Sub(q.now); p.earlyCancelDenied && wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		return mkErrWith(http.StatusConflict, "EARLY_CANCEL_DENIED",
			fmt.Sprintf("This order cannot be cancelled yet. Please wait %d seconds.", secs), map[string]any{"wait_seconds": secs})
	}
	o.status, o.updated, o.refunded = mkCancelled, q.now, o.price
	q.a.balance += o.price
	return mkOKMsg(http.StatusOK, "Number order cancelled and "+p.amount(o.price)+" "+MarketCurrency+" refunded to your wallet.", p.numberJSON(o))
}

func (p *Market) numberBuy(q *mkReq) mkResp {
	in := q.input()
	errs := map[string][]string{}
	key := mkIdempotencyKey(in, errs)
	var areaRaw []string
	if v, ok := in["selected_area_codes"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			errs["selected_area_codes"] = []string{"The selected area codes field must be an array."}
		}
		for _, x := range list {
			areaRaw = append(areaRaw, mkText(x))
		}
	}
	fp := "numbers|" + mkText(in["country_id"]) + "|" + mkText(in["service_id"]) + "|" + strings.Join(areaRaw, ",")
	if _, bad := errs["idempotency_key"]; bad {
		// The key is checked before anything else can be compared.
		mkRequireInt(in, "country_id", errs)
		mkRequireInt(in, "service_id", errs)
		return mkInvalid(errs)
	}
	a := q.a
	perform := func(now time.Time) (mkResp, int64) {
		errs := map[string][]string{}
		cid := mkRequireInt(in, "country_id", errs)
		sid := mkRequireInt(in, "service_id", errs)
		if _, bad := errs["country_id"]; !bad && p.country(int(cid)) == nil {
			errs["country_id"] = []string{"The selected country id is invalid."}
		}
		if v, ok := in["selected_area_codes"]; ok && v != nil {
			if _, isList := v.([]any); !isList {
				errs["selected_area_codes"] = []string{"The selected area codes field must be an array."}
			}
		}
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		c := p.country(int(cid))
		for i, code := range areaRaw {
			valid := false
			for _, ar := range c.areas {
				valid = valid || ar.code == code
			}
			if !valid {
				k := fmt.Sprintf("selected_area_codes.%d", i)
				errs[k] = []string{"The selected " + k + " is invalid."}
			}
		}
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		svc := p.numService(int(sid))
		if svc == nil || svc.country != c {
			return mkErr(http.StatusNotFound, "NUMBER_SERVICE_NOT_FOUND", "The selected number service was not found for this country."), 0
		}
		inStock := svc.stock > 0
		if inStock && len(areaRaw) > 0 {
			inStock = false
			for _, code := range areaRaw {
				inStock = inStock || svc.areaStock[code] > 0
			}
		}
		if !inStock {
			return mkErr(http.StatusConflict, "NUMBER_OUT_OF_STOCK", "No numbers are available for "+svc.name+" in "+c.name+" right now."), 0
		}
		if a.balance < svc.price {
			return mkErrWith(http.StatusPaymentRequired, "INSUFFICIENT_BALANCE", "Insufficient wallet balance.",
				map[string]any{"required": p.amount(svc.price), "balance": p.amount(a.balance), "currency": MarketCurrency}), 0
		}
		o := p.placeNumber(a, svc, areaRaw, now)
		a.balance -= o.price
		o.plan = p.s.PlanSMS(now)
		return mkOKMsg(http.StatusCreated, "Number order created.", p.numberJSON(o)), o.id
	}
	return p.purchase(q, key, "numbers", fp, perform)
}

// purchase applies the idempotency rules around a purchase.
func (p *Market) purchase(q *mkReq, key, kind, fp string, perform func(now time.Time) (mkResp, int64)) mkResp {
	p.finishInProgress(q.now)
	a := q.a
	if rec := a.idem[key]; rec != nil {
		if rec.fp != fp || rec.kind != kind {
			return mkErr(http.StatusConflict, "IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.")
		}
		var data map[string]any
		switch kind {
		case "numbers":
			data = p.numberJSON(p.numbers[rec.id])
		case "boost":
			data = p.boostJSON(p.boosts[rec.id])
		case "logs":
			data = p.logsJSON(p.logs[rec.id])
		}
		resp := mkOKMsg(http.StatusOK, "This request was already processed; returning the existing order.", data)
		resp.header = map[string]string{"Idempotent-Replayed": "true"}
		return resp
	}
	if ip := p.inProgress[key]; ip != nil {
		switch {
		case ip.perform == nil:
			ip.acct, ip.fp, ip.kind, ip.perform = a, fp, kind, perform
		case ip.acct == a && (ip.fp != fp || ip.kind != kind):
			return mkErr(http.StatusConflict, "IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.")
		}
		if ip.acct == a {
			secs := max(int(math.Ceil(ip.until.Sub(q.now).Seconds())), 1)
			return mkErrWith(http.StatusConflict, "IDEMPOTENCY_KEY_IN_PROGRESS",
				"A request with this idempotency key is still being processed. Please retry shortly.", map[string]any{"retry_after": secs})
		}
	}
	resp, id := perform(q.now)
	if resp.status < 300 && id != 0 {
		a.idem[key] = &mkIdem{fp: fp, kind: kind, id: id}
	}
	return resp
}
