package fivesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

// --- test hooks (each takes s.Mu) -----------------------------------------

// FiveSimOrder is what the Order hook reports about one order.
type FiveSimOrder struct {
	ID       int
	Account  string
	Category string // activation | hosting
	Phone    string
	Product  string
	Status   string
	Price    float64
	Created  time.Time
	Expires  time.Time
	SMS      int
	Reuse    bool
	// The purchase's query options as the simulator understood them.
	Voice            bool
	Forwarding       bool
	ForwardingNumber string
	Operator         string
	Country          string
}

func fsOrderID(id any) (int, bool) {
	switch v := id.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	}
	return 0, false
}

// Deliver adds an SMS with text to an order now (id as int or string).
// An open PENDING order turns RECEIVED. A closed order keeps its status
// and still gets the message (a late SMS after a cancel). The code field is
// filled the way the simulator reads codes (4–8 digits).
func (p *FiveSim) Deliver(orderID any, text string) error {
	return p.deliver(orderID, text, time.Time{})
}

// DeliverAt is Deliver with the SMS dated at (its `date` and
// `created_at`), whatever the clock says: a handset or a provider whose
// clock is wrong, or a forged time, e.g. 2099-01-01.
func (p *FiveSim) DeliverAt(orderID any, text string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("5sim sim: no date for the SMS")
	}
	return p.deliver(orderID, text, at)
}

func (p *FiveSim) deliver(orderID any, text string, at time.Time) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	id, ok := fsOrderID(orderID)
	o := p.orders[id]
	if !ok || o == nil {
		return fmt.Errorf("5sim sim: no order %v", orderID)
	}
	now := p.s.Clock()
	p.advance(o, now)
	sender := simcore.ServiceName(fsServiceFor(o))
	p.addSMS(o, now, sender, text, fsCodeRe.FindString(text))
	if !at.IsZero() {
		m := &o.sms[len(o.sms)-1]
		m.created, m.date = at, at
	}
	o.firstDone = true
	if o.status == fsStatusPending {
		o.status = fsStatusReceived
	}
	return nil
}

// Order looks an order up by id (int or string).
func (p *FiveSim) Order(orderID any) (FiveSimOrder, bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	id, ok := fsOrderID(orderID)
	o := p.orders[id]
	if !ok || o == nil {
		return FiveSimOrder{}, false
	}
	p.advance(o, p.s.Clock())
	return FiveSimOrder{ID: o.id, Account: o.acct.name, Category: o.category, Phone: o.phone,
		Product: o.product, Status: o.status, Price: fsAmount(o.price), Created: o.created,
		Expires: o.expires, SMS: len(o.sms), Reuse: o.reuse, Voice: o.voice, Forwarding: o.forwarding,
		ForwardingNumber: o.forwardingNumber, Operator: o.operator, Country: o.country}, true
}

func (p *FiveSim) account(name string) *fsAccount {
	for _, a := range p.accounts {
		if a.name == name {
			return a
		}
	}
	return nil
}

// Balance is an account's spendable balance (frozen money excluded); -1
// for an unknown account.
func (p *FiveSim) Balance(account string) float64 {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return fsAmount(a.balance)
	}
	return -1
}

// Frozen is the sum of the prices of an account's open activation orders.
func (p *FiveSim) Frozen(account string) float64 {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	a := p.account(account)
	if a == nil {
		return -1
	}
	now := p.s.Clock()
	var frozen int64
	for _, o := range a.orders {
		p.advance(o, now)
		if p.isOpen(o) && o.category == "activation" {
			frozen += o.price
		}
	}
	return fsAmount(frozen)
}

// Rating is an account's rating.
func (p *FiveSim) Rating(account string) float64 {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.rating
	}
	return -1
}

// Orders counts an account's orders of every category (seeded ones
// included): a purchase adds exactly one.
func (p *FiveSim) Orders(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return len(a.orders)
	}
	return -1
}

// OrderIDs lists an account's order ids, oldest first.
func (p *FiveSim) OrderIDs(account string) []int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	var ids []int
	if a := p.account(account); a != nil {
		for _, o := range a.orders {
			ids = append(ids, o.id)
		}
	}
	return ids
}

// Key is the Bearer key of an account ("" when unknown).
func (p *FiveSim) Key(account string) string {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.key
	}
	return ""
}

// SetStock sets how many numbers an operator has for a product in a
// country (0 makes purchases answer `no free phones`). It reports whether
// that country/operator/product exists in the catalogue.
func (p *FiveSim) SetStock(country, operator, product string, n int) bool {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	off := p.stock[country][operator][product]
	if off == nil {
		return false
	}
	off.count = max(n, 0)
	return true
}

// Price is the catalogue price of a product at an operator (-1 when not
// sold there).
func (p *FiveSim) Price(country, operator, product string) float64 {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if off := p.stock[country][operator][product]; off != nil {
		return fsAmount(off.cents)
	}
	return -1
}

// SetBalance sets an account's spendable balance.
func (p *FiveSim) SetBalance(account string, amount float64) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance = fsCents(amount)
	}
}

// SetRating sets an account's rating; zero or below blocks purchases for
// 24 h as the document describes.
func (p *FiveSim) SetRating(account string, rating float64) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		a.rating = rating
		a.blockedUntil = time.Time{}
		p.rate(a, 0, p.s.Clock())
	}
}

// TopUp credits an account (a replenishment: +8 rating, capped at 96).
func (p *FiveSim) TopUp(account string, amount float64) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance += fsCents(amount)
		p.rate(a, 8, p.s.Clock())
	}
}

// SetClockOffset makes 5sim's clock run d ahead of the scenario clock (a
// negative d: behind): every time it writes (created_at, expires, SMS
// dates) is shifted by d. Its rules still run on the scenario clock, and
// the Order hook reports scenario times.
func (p *FiveSim) SetClockOffset(d time.Duration) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.clockOffset = d
}

// LimitPurchases makes the next n purchases or reuses answer the 503
// per-purchase limit (nothing is placed), as if sent too fast.
func (p *FiveSim) LimitPurchases(n int) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.limitBuys = max(n, 0)
}

// SetOffline makes purchases and reuses answer 503 `server offline`.
func (p *FiveSim) SetOffline(on bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.offline = on
}

// SeedWaiting gives an account n more activation orders as the seed's
// waiting ones are (PENDING, created now, no SMS yet), for benchmarks
// that need many lines per account without buying them; like every
// seeded order, it is paid for by the seeded balance.
func (p *FiveSim) SeedWaiting(account string, n int) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	a := p.account(account)
	if a == nil {
		return fmt.Errorf("5sim sim: no account %q", account)
	}
	now := p.s.Clock()
	for range n {
		c, op := p.pickOffer("telegram")
		o := p.newOrder(a, "activation", c, op, "telegram", now)
		o.plan = p.s.PlanSMS(now)
		p.open = append(p.open, o)
	}
	return nil
}
