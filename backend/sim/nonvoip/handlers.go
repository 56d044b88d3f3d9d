package nonvoip

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
)

// --- handlers (s.Mu held) -----------------------------------------------------

func (p *NonVoip) balance(a *nvAccount, _ nvReq, _ time.Time) (int, any) {
	return http.StatusOK, map[string]any{"status": "success", "balance": nvMoney(a.balance)}
}

func (p *NonVoip) productJSON(pr *nvProduct, withCategory bool) nvProductJSON {
	j := nvProductJSON{ProductID: pr.id, Name: pr.name, Price: nvMoney(pr.price), Available: pr.available}
	if p.premium[pr.id] > 0 {
		j.Available = 0
	}
	if withCategory {
		j.Category = nvCategory(pr.kind)
	}
	return j
}

func (p *NonVoip) productsCall(_ *nvAccount, q nvReq, _ time.Time) (int, any) {
	id, hasID := q.integer("product_id")
	if !hasID {
		id, hasID = q.integer("id")
	}
	if hasID {
		pr := p.byProduct[id]
		if pr == nil {
			return nvFail(http.StatusBadRequest, "Product not found.")
		}
		return nvSuccess([]nvProductJSON{p.productJSON(pr, true)})
	}
	if typ := q.str("type"); typ != "" {
		if nvPeriodDays(typ) == 0 && typ != nvShort {
			return nvFail(http.StatusBadRequest, "Invalid type. Use short_term, long_term, one_day or 3days.")
		}
		list := []nvProductJSON{}
		for _, pr := range p.products {
			if pr.kind == typ {
				list = append(list, p.productJSON(pr, true))
			}
		}
		return nvSuccess(list)
	}
	if q.boolean("grouped") {
		groups := map[string][]nvProductJSON{}
		for _, pr := range p.products {
			c := nvCategory(pr.kind)
			groups[c] = append(groups[c], p.productJSON(pr, false))
		}
		return nvSuccess(groups)
	}
	list := make([]nvProductJSON, 0, len(p.products))
	for _, pr := range p.products {
		list = append(list, p.productJSON(pr, true))
	}
	return nvSuccess(list)
}

func (p *NonVoip) order(a *nvAccount, q nvReq, now time.Time) (int, any) {
	ids, ok := q.ints("product_ids")
	if !ok {
		return nvFail(http.StatusBadRequest, "Invalid product_ids.")
	}
	if len(ids) == 0 {
		if !q.has("product_id") {
			return nvFail(http.StatusBadRequest, "The product_id field is required.")
		}
		id, ok := q.integer("product_id")
		if !ok {
			return nvFail(http.StatusBadRequest, "Invalid product_id.")
		}
		ids = []int{id}
	}
	if len(ids) > 5 {
		return nvFail(http.StatusBadRequest, "A maximum of 5 services can be ordered on one number.")
	}
	var prs []*nvProduct
	seen := map[int]bool{}
	for _, id := range ids {
		pr := p.byProduct[id]
		if pr == nil {
			return nvFail(http.StatusBadRequest, "Invalid product_id.")
		}
		if seen[id] {
			return nvFail(http.StatusBadRequest, "Duplicate product_ids.")
		}
		seen[id] = true
		prs = append(prs, pr)
	}
	if q.has("product_ids") {
		for _, pr := range prs {
			if pr.kind != nvLong {
				return nvFail(http.StatusBadRequest, "product_ids can only be used with 30-days products.")
			}
		}
	}
	auction, hasAuction := q.integer("auction")
	if hasAuction && (auction < 10 || auction > 2000) {
		return nvFail(http.StatusBadRequest, "The auction must be between 10 and 2000.")
	}
	if prs[0].kind == nvShort {
		return p.orderShort(a, prs[0], q, auction, hasAuction, now)
	}
	var cost int64
	var names []string
	for _, pr := range prs {
		if pr.available <= 0 {
			return nvFail(http.StatusBadRequest, "No numbers available for "+pr.name+". Please try again later.")
		}
		cost += pr.price
		names = append(names, pr.name)
	}
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	for _, pr := range prs {
		pr.available--
	}
	o := p.newOrder(a, prs[0].kind, ids, strings.Join(names, ", "), p.usNumber(), now, 0, cost)
	o.status = nvActive
	o.plan = p.s.PlanSMS(now)
	a.purchases++
	return nvSuccess([]nvRentalJSON{{OrderID: nvIDValue(o.id), Status: o.status, Number: o.number, Service: o.service,
		Type: o.kind, Expires: nvTime(o.expires)}})
}

func (p *NonVoip) orderShort(a *nvAccount, pr *nvProduct, q nvReq, auction int, hasAuction bool, now time.Time) (int, any) {
	var cost int64
	premium := false
	bid := p.premium[pr.id]
	if bid <= 0 && pr.available <= 0 {
		bid = nvDefaultBid
	}
	if bid > 0 {
		if !hasAuction || auction < bid {
			return http.StatusOK, map[string]any{"status": "info", "message": []nvPremium{{Info: "Premium_Available", RecommendedBid: bid}}}
		}
		cost = nvWithBid(pr.price, auction)
		premium = true
	} else {
		route := pr.price
		if r, ok := p.route[pr.id]; ok {
			route = r
		}
		allowed := (pr.price*p.tolerance + 50) / 100
		if route > allowed {
			accepted, ok := q.cents("accepted_max_price")
			if !ok || accepted < route {
				return http.StatusOK, map[string]any{"status": "info", "message": []nvPriceChange{{Info: "Price_Change_Required",
					QuotedPrice: float64(pr.price) / 100, AllowedPrice: float64(allowed) / 100, AvailablePrice: float64(route) / 100}}}
			}
		}
		cost = route
		if hasAuction {
			cost = nvWithBid(route, auction)
		}
	}
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	if !premium {
		pr.available--
	}
	o := p.newOrder(a, nvShort, []int{pr.id}, pr.name, p.usNumber(), now, nvShortLife, cost)
	o.status = nvReserved
	o.plan = p.s.PlanSMS(now)
	a.purchases++
	if premium {
		p.s.FireWebhook(backend.NonVoip, a.name, nvWebhookUA, map[string]any{"event": "auction_wining",
			"message": []nvWinning{{OrderID: nvIDValue(o.id), Number: o.number, Service: o.service, Expiration: nvSeconds(nvShortLife)}}})
	}
	return nvSuccess([]nvShortJSON{{OrderID: nvIDValue(o.id), Status: o.status, Number: o.number, Service: o.service,
		Expiration: nvSeconds(o.expires.Sub(now)), Type: nvShort}})
}

// nvWithBid is a price raised by a premium bid (percent), to the nearest
// cent.
func nvWithBid(cents int64, bid int) int64 { return (cents*int64(100+bid) + 50) / 100 }

func (p *NonVoip) countryProducts(_ *nvAccount, _ nvReq, _ time.Time) (int, any) {
	list := make([]nvCountryProductJSON, 0, len(p.country))
	for _, cp := range p.country {
		list = append(list, nvCountryProductJSON{ProductID: cp.id, Name: cp.name, Country: cp.country,
			Price: nvMoney(cp.price), Available: cp.available})
	}
	return nvSuccess(list)
}

func (p *NonVoip) countryOrder(a *nvAccount, q nvReq, now time.Time) (int, any) {
	if !q.has("product_id") {
		return nvFail(http.StatusBadRequest, "The product_id field is required.")
	}
	id, _ := q.integer("product_id")
	cp := p.byCountry[id]
	if cp == nil {
		return nvFail(http.StatusBadRequest, "Invalid product_id.")
	}
	if cp.available <= 0 {
		return nvFail(http.StatusBadRequest, "No numbers available for "+cp.name+" in "+cp.country+".")
	}
	if cp.price > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	cp.available--
	o := p.newOrder(a, nvCountry, []int{cp.id}, cp.code, p.countryNumber(cp), now, nvCountryLife, cp.price)
	o.country, o.status = cp.iso, nvReserved
	o.plan = p.s.PlanSMS(now)
	a.purchases++
	return nvSuccess(nvCountryOrderJSON{OrderID: o.id, Status: o.status, Number: o.number, Service: o.service,
		Country: o.country, Expiration: nvSeconds(o.expires.Sub(now)), ExpiresAt: nvTime(o.expires), Cost: nvMoney(cp.price)})
}

// lookup finds the account's order by order_id, else by service + number
// (the latest such order).
func (p *NonVoip) lookup(a *nvAccount, q nvReq) *nvOrder {
	if id := q.str("order_id"); id != "" {
		if o := p.orders[id]; o != nil && o.acct == a {
			return o
		}
		return nil
	}
	service, number := q.str("service"), nvDigits(q.str("number"))
	if service == "" || number == "" {
		return nil
	}
	for i := len(p.list) - 1; i >= 0; i-- {
		o := p.list[i]
		if o.acct == a && nvDigits(o.number) == number && strings.EqualFold(o.service, service) {
			return o
		}
	}
	return nil
}

func nvDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (p *NonVoip) reuse(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case o.kind != nvShort:
		return nvFail(http.StatusBadRequest, "Only short-term numbers can be reused.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "A rejected number cannot be reused.")
	case o.status == nvReserved && now.Before(o.expires):
		return nvFail(http.StatusBadRequest, "This number is still reserved for you.")
	case len(o.sms) == 0:
		return nvFail(http.StatusBadRequest, "Only a number that has received an SMS can be reused.")
	}
	pr := p.byProduct[o.products[0]]
	cost := pr.price
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	a.balance -= cost
	a.purchases++
	o.lastCharge = cost
	o.status = nvReserved
	o.first = len(o.sms)
	o.expires = now.Add(nvShortLife)
	o.plan = p.s.PlanSMS(now)
	o.planned = [2]bool{}
	return nvSuccess([]nvReuseJSON{{OrderID: nvIDValue(o.id), Status: o.status, Number: o.number, Service: o.service,
		TillExpiration: nvSeconds(o.expires.Sub(now)), Type: nvShort}})
}

func (p *NonVoip) activate(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case !o.rental():
		return nvFail(http.StatusBadRequest, "Only long-term, 1-day and 3-days numbers can be activated.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "This number has been rejected.")
	case !now.Before(o.expires):
		return nvFail(http.StatusBadRequest, "This number has expired. Renew it to use it again.")
	}
	o.onlineUntil = now.Add(nvOnlineWindow)
	o.plan = p.s.PlanSMS(now)
	o.planned = [2]bool{}
	return nvSuccess([]nvActivation{{OnlineStatus: "online", EndOn: nvTime(o.onlineUntil), Timezone: "UTC"}})
}

func (p *NonVoip) reject(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "This order has already been rejected.")
	case len(o.windowSMS()) > 0:
		return nvFail(http.StatusBadRequest, "An SMS has already been received for this number; it can no longer be rejected.")
	case !now.Before(o.expires) || o.status == nvExpired:
		return nvFail(http.StatusBadRequest, "This order has expired.")
	}
	o.status = nvRejected
	a.balance += o.lastCharge
	o.lastCharge = 0
	return nvSuccess(fmt.Sprintf("The rental for %s %s has been stopped and refunded.", o.service, o.number))
}

var nvDuration = regexp.MustCompile(`^(\d{1,4})\s*(d|day|days|m|month|months)?$`)

func (p *NonVoip) renew(a *nvAccount, q nvReq, now time.Time) (int, any) {
	o := p.lookup(a, q)
	switch {
	case o == nil:
		return nvFail(http.StatusBadRequest, "Order not found.")
	case !o.rental():
		return nvFail(http.StatusBadRequest, "Only rented numbers (30-days, 1-day, 3-days) can be renewed.")
	case o.status == nvRejected:
		return nvFail(http.StatusBadRequest, "This number has been rejected.")
	case now.Sub(o.expires) > nvRenewGrace:
		return nvFail(http.StatusBadRequest, "This number has expired and can no longer be renewed.")
	}
	period := nvPeriodDays(o.kind)
	days := period
	if d := strings.ToLower(q.str("duration")); d != "" {
		m := nvDuration.FindStringSubmatch(d)
		if m == nil {
			return nvFail(http.StatusBadRequest, "Invalid duration.")
		}
		days, _ = strconv.Atoi(m[1])
		if strings.HasPrefix(m[2], "m") {
			days *= 30
		}
	}
	if days <= 0 || days%period != 0 || days > 365 {
		return nvFail(http.StatusBadRequest, fmt.Sprintf("Invalid duration: use a multiple of %dd.", period))
	}
	var perPeriod int64
	for _, id := range o.products {
		perPeriod += p.byProduct[id].price
	}
	cost := perPeriod * int64(days/period)
	if cost > a.balance {
		return nvFail(http.StatusBadRequest, "Insufficient balance.")
	}
	a.balance -= cost
	o.lastCharge = cost // what a reject refunds from now on
	base := o.expires
	if now.After(base) {
		base = now
	}
	o.expires = base.Add(time.Duration(days) * 24 * time.Hour)
	o.status = nvActive
	return http.StatusOK, map[string]any{"status": "success", "expiration": nvTime(o.expires)}
}

func (p *NonVoip) getsms(a *nvAccount, q nvReq, _ time.Time) (int, any) {
	o := p.lookup(a, q)
	if o == nil {
		return nvFail(http.StatusNotFound, "Order not found.")
	}
	body := nvSMSJSON{Status: "success", Number: o.number, Service: o.service, Type: o.kind}
	if n := len(o.sms); n > 0 { // the order's latest, whatever its window
		body.SMS, body.Pin = o.sms[n-1].text, o.sms[n-1].pin
	}
	return http.StatusOK, body
}

func (p *NonVoip) saveURL(q nvReq) (int, any) {
	id, _ := q.integer("userId")
	var a *nvAccount
	for _, acc := range p.accounts {
		if acc.userID == id {
			a = acc
		}
	}
	if a == nil {
		return nvFail(http.StatusNotFound, "User not found.")
	}
	u, err := url.Parse(q.str("url"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nvFail(http.StatusBadRequest, "The url must be a valid URL.")
	}
	p.s.SetAccountWebhookLocked(backend.NonVoip, a.name, u.String()) // the user's own callback
	return nvSuccess("Callback URL saved successfully")
}
