package nonvoip

import (
	"fmt"
	"math"
	"time"

	"switchboard/backend/sim/simcore"
)

// --- test and demo hooks (each takes s.Mu) ------------------------------------

func (p *NonVoip) account(name string) *nvAccount {
	for _, a := range p.accounts {
		if a.name == name {
			return a
		}
	}
	return nil
}

// Deliver makes an SMS with text arrive on an order now, whatever the
// order's state (tests). The pin is picked from the text.
func (p *NonVoip) Deliver(orderID, text string) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	o := p.orders[orderID]
	if o == nil {
		return fmt.Errorf("nonvoip sim: no order %q", orderID)
	}
	p.addSMS(o, simcore.SMS{Text: text, Code: nvPin(text)}, p.s.Clock())
	return nil
}

// Balance is an account's balance in dollars.
func (p *NonVoip) Balance(account string) float64 {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return float64(a.balance) / 100
	}
	return 0
}

// SetBalance sets an account's balance in dollars.
func (p *NonVoip) SetBalance(account string, dollars float64) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance = int64(math.Round(dollars * 100))
	}
}

// OrderCount counts an account's paid placements through the API (order,
// country order, reuse); seeded orders do not count.
func (p *NonVoip) OrderCount(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.purchases
	}
	return 0
}

// OrderIDs lists an account's order ids, oldest first (the demo adds the
// seeded ones, since NonVoip cannot list orders).
func (p *NonVoip) OrderIDs(account string) []string {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	var out []string
	for _, o := range p.list {
		if o.acct.name == account {
			out = append(out, o.id)
		}
	}
	return out
}

// SetRoutePrice sets the price of the route a 10-minute product's next
// orders come from (dollars); the listed price stays.
func (p *NonVoip) SetRoutePrice(productID int, price float64) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.route[productID] = int64(math.Round(price * 100))
}

// SetPremiumOnly puts a short-term product in premium-only mode (no
// ordinary stock, Premium_Available with bid); bid 0 ends it.
func (p *NonVoip) SetPremiumOnly(productID int, bid int) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if bid <= 0 {
		delete(p.premium, productID)
		return
	}
	p.premium[productID] = bid
}

// SetPriceTolerance sets how far (percent of the listed price, default
// 130) a 10-minute route may cost before Price_Change_Required; 100 asks
// on any increase.
func (p *NonVoip) SetPriceTolerance(percent int) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	p.tolerance = int64(max(percent, 100))
}

// SetAvailable sets a product's (or a country product's) stock.
func (p *NonVoip) SetAvailable(productID int, n int) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if pr := p.byProduct[productID]; pr != nil {
		pr.available = n
	}
	if cp := p.byCountry[productID]; cp != nil {
		cp.available = n
	}
}

// NonVoipOrder is a snapshot of a simulated order.
type NonVoipOrder struct {
	ID, Account, Type, Status, Number, Service, Country string
	Created, Expires, OnlineUntil                       time.Time
	SMS                                                 int // all simcore.SMS, every window
	LastCharge                                          float64
}

// Order looks an order up.
func (p *NonVoip) Order(orderID string) (NonVoipOrder, bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	o := p.orders[orderID]
	if o == nil {
		return NonVoipOrder{}, false
	}
	return NonVoipOrder{ID: o.id, Account: o.acct.name, Type: o.kind, Status: o.status, Number: o.number,
		Service: o.service, Country: o.country, Created: o.created, Expires: o.expires, OnlineUntil: o.onlineUntil,
		SMS: len(o.sms), LastCharge: float64(o.lastCharge) / 100}, true
}

// OrderStatus is an order's status word and expiry.
func (p *NonVoip) OrderStatus(orderID string) (status string, expires time.Time, ok bool) {
	o, ok := p.Order(orderID)
	return o.Status, o.Expires, ok
}

// UserID is an account's user id (for /api/saveurl).
func (p *NonVoip) UserID(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.userID
	}
	return 0
}
