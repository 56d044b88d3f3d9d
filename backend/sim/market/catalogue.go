package market

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

// --- catalogue and seed ------------------------------------------------------

func (p *Market) seedCatalogue() {
	rng := p.s.Rng
	p.countries = []*mkCountry{
		{id: 1, name: "United States", iso: "US", dial: "+1", areas: []mkArea{
			{"917", "New York"}, {"646", "New York"}, {"212", "New York"}, {"310", "Los Angeles"},
			{"415", "San Francisco"}, {"305", "Miami"}, {"702", "Las Vegas"}, {"512", "Austin"}}},
		{id: 2, name: "United Kingdom", iso: "GB", dial: "+44"},
		{id: 3, name: "Nigeria", iso: "NG", dial: "+234"},
		{id: 4, name: "Canada", iso: "CA", dial: "+1", areas: []mkArea{
			{"416", "Toronto"}, {"604", "Vancouver"}, {"514", "Montreal"}}},
		{id: 5, name: "Germany", iso: "DE", dial: "+49"},
		{id: 6, name: "Indonesia", iso: "ID", dial: "+62"},
	}
	// Base prices in naira; the country factor scales them. Ids are
	// country*100 + 20 + index, so US WhatsApp is 123 as in the document.
	base := []struct {
		name  string
		naira int64
	}{
		{"Telegram", 1200}, {"Google", 900}, {"Facebook", 800}, {"WhatsApp", 1500}, {"Instagram", 700},
		{"TikTok", 650}, {"Twitter", 600}, {"PayPal", 1100}, {"Uber", 500}, {"Microsoft", 750},
	}
	factor := map[int]float64{1: 1.0, 2: 1.35, 3: 0.55, 4: 1.1, 5: 1.6, 6: 0.45}
	for _, c := range p.countries {
		for i, b := range base {
			svc := &mkNumService{
				id:      c.id*100 + 20 + i,
				country: c,
				name:    b.name,
				price:   int64(math.Round(float64(b.naira)*factor[c.id])) * 100,
				stock:   rng.IntN(120),
			}
			if rng.IntN(8) == 0 {
				svc.stock = 0
			}
			if len(c.areas) > 0 {
				svc.areaStock = map[string]int{}
				for _, a := range c.areas {
					svc.areaStock[a.code] = rng.IntN(9)
				}
			}
			p.numServices = append(p.numServices, svc)
		}
	}
	// The document's example service (US WhatsApp, 123) always has stock.
	if svc := p.numService(123); svc != nil && svc.stock < 20 {
		svc.stock = 20 + rng.IntN(40)
	}

	cats := []string{"Instagram Followers", "Instagram Likes", "TikTok Views", "YouTube Views", "Twitter Followers", "Telegram Members"}
	for i, name := range cats {
		p.boostCats = append(p.boostCats, &mkBoostCategory{id: i + 1, name: name,
			slug: strings.ReplaceAll(strings.ToLower(name), " ", "-")})
	}
	services := []struct {
		cat         int
		name        string
		rate        int64
		min, max    int
		refill, can bool
		avg         string
	}{
		{0, "Instagram Followers [Real, 30 days refill]", 1250, 100, 10000, true, true, "2 hours"},
		{0, "Instagram Followers [Cheap, no refill]", 600, 50, 50000, false, false, "30 minutes"},
		{0, "Instagram Followers [Nigeria]", 2400, 100, 5000, true, true, "6 hours"},
		{1, "Instagram Likes [Instant]", 300, 50, 20000, false, true, "10 minutes"},
		{1, "Instagram Likes [Female]", 550, 50, 5000, false, false, "1 hour"},
		{2, "TikTok Views [Fast]", 90, 1000, 1000000, false, true, "15 minutes"},
		{2, "TikTok Views [Retention]", 180, 500, 200000, false, false, "1 hour"},
		{3, "YouTube Views [Non-drop]", 2100, 500, 100000, true, false, "12 hours"},
		{4, "Twitter Followers [HQ]", 3200, 100, 10000, true, true, "4 hours"},
		{5, "Telegram Members [Channel]", 1500, 100, 30000, false, true, "3 hours"},
	}
	for i, sv := range services {
		p.boostServices = append(p.boostServices, &mkBoostService{
			id: strconv.Itoa(101 + i), name: sv.name, category: p.boostCats[sv.cat], rate: sv.rate * 100,
			min: sv.min, max: sv.max, refill: sv.refill, cancel: sv.can, avg: sv.avg,
		})
	}

	parents := []string{"Facebook", "Instagram", "Twitter / X", "Gmail", "TikTok"}
	for i, name := range parents {
		slug := strings.ToLower(strings.NewReplacer(" / ", "-", " ", "-").Replace(name))
		p.logParents = append(p.logParents, &mkLogsParent{id: i + 1, name: name, slug: slug})
	}
	logs := []struct {
		parent int
		name   string
		naira  int64
		manual bool
	}{
		{0, "Facebook 2FA accounts (2019–2021)", 2500, false},
		{0, "Facebook Marketplace-ready accounts", 4500, false},
		{0, "Facebook aged accounts with friends", 6000, true},
		{1, "Instagram aged accounts (1000+ followers)", 8000, true},
		{1, "Instagram fresh accounts", 900, false},
		{2, "Twitter / X aged accounts (2015)", 7000, false},
		{2, "Twitter / X verified-email accounts", 1500, false},
		{3, "Gmail aged (2018)", 3000, false},
		{3, "Gmail new, phone verified", 1200, false},
		{3, "Gmail US IP", 1800, false},
		{4, "TikTok accounts with 1k followers", 9500, true},
		{4, "TikTok fresh accounts", 700, false},
	}
	for i, l := range logs {
		c := &mkLogsCategory{
			id: 10 + i, parent: p.logParents[l.parent], name: l.name, price: l.naira * 100,
			stock: rng.IntN(60), manual: l.manual, maxQty: 50,
			description: "Delivered as login:password lines. Check each account within 24 hours; replacements only for invalid logins.",
		}
		if rng.IntN(6) == 0 {
			c.stock = 0
		}
		p.logCats = append(p.logCats, c)
	}
	// The document's example category (12) always has stock.
	if c := p.logCategory(12); c != nil && c.stock < 10 {
		c.stock = 10 + rng.IntN(30)
	}
}

func (p *Market) numService(id int) *mkNumService {
	for _, s := range p.numServices {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (p *Market) country(id int) *mkCountry {
	for _, c := range p.countries {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (p *Market) boostService(id string) *mkBoostService {
	for _, s := range p.boostServices {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (p *Market) logCategory(id int) *mkLogsCategory {
	for _, c := range p.logCats {
		if c.id == id {
			return c
		}
	}
	return nil
}

// seedAccount gives an account orders in every state (s.Mu held or not
// yet shared).
func (p *Market) seedAccount(a *mkAccount, now time.Time) {
	s := p.s
	pick := func() *mkNumService {
		for {
			svc := p.numServices[s.Rng.IntN(len(p.numServices))]
			if svc.stock > 0 {
				return svc
			}
		}
	}
	// Number orders, oldest first.
	type seedNum struct {
		age    time.Duration
		status string
	}
	for _, sn := range []seedNum{
		{3 * time.Hour, mkExpired}, {2 * time.Hour, mkCompleted}, {70 * time.Minute, mkCancelled},
		{6 * time.Minute, mkReceived}, {3 * time.Minute, mkPending}, {10 * time.Second, mkPending},
	} {
		created := now.Add(-sn.age)
		o := p.placeNumber(a, pick(), nil, created)
		switch sn.status {
		case mkExpired:
			o.status, o.refunded, o.updated = mkExpired, o.price, o.expires
		case mkCompleted:
			p.addNumberSMS(o, created.Add(40*time.Second), s.CodeSMS(o.service.name))
			o.status, o.updated = mkCompleted, o.codeAt.Add(MarketCompleteAfterCode)
		case mkCancelled:
			o.status, o.refunded, o.updated = mkCancelled, o.price, created.Add(4*time.Minute)
		case mkReceived:
			p.addNumberSMS(o, now.Add(-5*time.Minute), s.CodeSMS(o.service.name))
		case mkPending:
			o.plan = s.PlanSMS(now)
		}
	}
	// Boost orders in every state.
	for i, st := range []string{mkBoostCompleted, mkBoostPartial, mkBoostCanceled, mkBoostError, mkBoostRefilling,
		mkBoostProcessing, mkBoostPending} {
		svc := p.boostServices[(i*3+s.Rng.IntN(3))%len(p.boostServices)]
		if st == mkBoostRefilling {
			for _, c := range p.boostServices {
				if c.refill {
					svc = c
					break
				}
			}
		}
		if st == mkBoostPending && !svc.cancel {
			svc = p.boostServices[0]
		}
		created := now.Add(-time.Duration(7-i) * 47 * time.Minute)
		if st == mkBoostPending || st == mkBoostProcessing {
			created = now.Add(-time.Duration(20+s.Rng.IntN(60)) * time.Second)
		}
		o := p.placeBoost(a, svc, "https://instagram.com/p/"+s.Token("")[:11], svc.min*(1+s.Rng.IntN(5)), created)
		switch st {
		case mkBoostCompleted:
			o.state, o.remains = mkBoostCompleted, 0
		case mkBoostPartial:
			o.state, o.remains = mkBoostPartial, o.quantity/7+1
			o.refunded = o.charge * int64(o.remains) / int64(o.quantity)
		case mkBoostCanceled:
			o.state, o.refunded = mkBoostCanceled, o.charge
		case mkBoostError:
			o.state, o.refunded = mkBoostError, o.charge
		case mkBoostRefilling:
			o.state, o.remains, o.nextMove = mkBoostRefilling, 0, now.Add(s.Between(40*time.Second, 2*time.Minute))
		case mkBoostProcessing:
			o.state, o.started, o.runFor = mkBoostProcessing, created, s.Between(90*time.Second, 4*time.Minute)
		case mkBoostPending:
			o.nextMove = now.Add(s.Between(30*time.Second, 90*time.Second))
		}
		if st != mkBoostPending && st != mkBoostProcessing && st != mkBoostRefilling {
			o.updated = created.Add(30 * time.Minute)
		}
	}
	// Logs orders: two delivered, one manual still processing.
	for i := 0; i < 3; i++ {
		c := p.logCats[(i*5+s.Rng.IntN(4))%len(p.logCats)]
		created := now.Add(-time.Duration(3-i) * 90 * time.Minute)
		o := p.placeLogs(a, c, 1+s.Rng.IntN(3), created)
		if i == 2 {
			o.status, o.items = "processing", nil
			o.created, o.updated, o.deliverAt = now.Add(-5*time.Second), now.Add(-5*time.Second), now.Add(s.Between(10*time.Second, time.Minute))
		} else if o.status != "completed" {
			p.deliverLogs(o, created.Add(time.Minute))
		}
	}
	a.nextNumber = now.Add(s.Between(2*time.Second, 8*time.Second))
	a.nextBoost = now.Add(s.Between(20*time.Second, 60*time.Second))
	a.nextLogs = now.Add(s.Between(time.Minute, 3*time.Minute))
}

// placeNumber creates a pending number order without charging (the
// callers charge). areas are the acceptable area codes (nil: any).
func (p *Market) placeNumber(a *mkAccount, svc *mkNumService, areas []string, now time.Time) *mkNumberOrder {
	s := p.s
	area := ""
	if len(svc.country.areas) > 0 {
		var cands []string
		if len(areas) > 0 {
			cands = areas
		} else {
			for _, ar := range svc.country.areas {
				cands = append(cands, ar.code)
			}
		}
		var stocked []string
		for _, c := range cands {
			if svc.areaStock[c] > 0 {
				stocked = append(stocked, c)
			}
		}
		if len(stocked) == 0 {
			stocked = cands // seed and Lively orders do not fail on area stock
		}
		area = stocked[s.Rng.IntN(len(stocked))]
		if svc.areaStock[area] > 0 {
			svc.areaStock[area]--
		}
	}
	if svc.stock > 0 {
		svc.stock--
	}
	p.nextNumberID += 1 + int64(s.Rng.IntN(7))
	o := &mkNumberOrder{
		id: p.nextNumberID, acct: a, service: svc, area: area, number: p.phone(svc.country, area),
		price: svc.price, status: mkPending, created: now, updated: now, expires: now.Add(MarketOrderLifetime),
	}
	a.numbers = append(a.numbers, o)
	p.numbers[o.id] = o
	return o
}

func (p *Market) phone(c *mkCountry, area string) string {
	s := p.s
	switch c.iso {
	case "US", "CA":
		return "+1" + area + strconv.Itoa(2+s.Rng.IntN(8)) + s.Digits(6)
	case "GB":
		return "+447" + s.Digits(9)
	case "NG":
		return "+234" + s.Pick([]string{"803", "806", "810", "813", "816", "903", "906"}) + s.Digits(7)
	case "DE":
		return "+4915" + s.Digits(9)
	case "ID":
		return "+628" + s.Digits(10)
	}
	return c.dial + s.Digits(9)
}

func (p *Market) placeBoost(a *mkAccount, svc *mkBoostService, link string, qty int, now time.Time) *mkBoostOrder {
	s := p.s
	p.nextBoostID += 1 + int64(s.Rng.IntN(40))
	o := &mkBoostOrder{
		id: p.nextBoostID, acct: a, service: svc, link: link, quantity: qty, startCount: s.Rng.IntN(20000),
		remains: qty, charge: mkCharge(svc.rate, qty), state: mkBoostPending, spelling: s.Rng.IntN(len(mkBoostSpellings)),
		created: now, updated: now, nextMove: now.Add(s.Between(5*time.Second, 20*time.Second)),
	}
	switch r := s.Rng.Float64(); {
	case r < 0.15:
		o.outcome, o.partialAt = mkBoostPartial, max(1, qty/(3+s.Rng.IntN(8)))
	case r < 0.22:
		o.outcome = mkBoostError
	default:
		o.outcome = mkBoostCompleted
	}
	a.boosts = append(a.boosts, o)
	p.boosts[o.id] = o
	return o
}

// mkCharge is rate-per-1000 × quantity, rounded half up to the kobo.
func mkCharge(rate int64, qty int) int64 { return (rate*int64(qty) + 500) / 1000 }

func (p *Market) placeLogs(a *mkAccount, c *mkLogsCategory, qty int, now time.Time) *mkLogsOrder {
	s := p.s
	p.nextLogsID += 1 + int64(s.Rng.IntN(5))
	o := &mkLogsOrder{id: p.nextLogsID, acct: a, category: c, quantity: qty, unit: c.price, total: c.price * int64(qty),
		status: "processing", created: now, updated: now}
	if c.stock >= qty {
		c.stock -= qty
	}
	if c.manual {
		o.deliverAt = now.Add(s.Between(10*time.Second, time.Minute))
	} else {
		p.deliverLogs(o, now)
	}
	a.logs = append(a.logs, o)
	p.logs[o.id] = o
	return o
}

func (p *Market) deliverLogs(o *mkLogsOrder, now time.Time) {
	s := p.s
	o.items = o.items[:0]
	for range o.quantity {
		o.items = append(o.items, "user"+s.Digits(7)+"@example.net:"+s.Token("")[:14])
	}
	o.status, o.updated = "completed", now
}

var mkCodeRe = regexp.MustCompile(`\b\d{3}[- ]\d{3}\b|\b\d{4,8}\b`)

// addNumberSMS appends an SMS; the first code moves a pending order to
// received.
func (p *Market) addNumberSMS(o *mkNumberOrder, at time.Time, m simcore.SMS) {
	code := m.Code
	p.nextSMSID++
	o.sms = append(o.sms, mkSMS{id: p.nextSMSID, sender: m.Sender, text: m.Text, code: code, at: at})
	if code != "" && o.codeAt.IsZero() {
		o.codeAt = at
	}
	if o.status == mkPending && code != "" {
		o.status = mkReceived
	}
	o.updated = at
}
