package pivday

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"switchboard/backend/sim/simcore"
)

// --- test hooks (each takes s.Mu) -----------------------------------------------

var errPivUnknown = errors.New("piv.day sim: no such object")

var pivCodePattern = regexp.MustCompile(`\b(\d{3}[- ]\d{3}|\d{4,8})\b`)

// pivDetectCode is the simulated server's own code detector for the
// sms.received webhook: the first 4–8 digit group (or 123-456).
func pivDetectCode(text string) string {
	m := pivCodePattern.FindString(text)
	return strings.NewReplacer("-", "", " ", "").Replace(m)
}

// Deliver makes an inbound SMS arrive on a number now (any account) and
// fires sms.received with the detected code.
func (p *PivDay) Deliver(numberID, text string) error {
	return p.DeliverAt(numberID, text, time.Time{})
}

// DeliverAt is Deliver with the message's received_at set to at (zero:
// now): a date in the future is what a provider clock running ahead — or
// a forged one — sends, for tests of code ordering, which must follow
// when Switchboard saw a message, not the date it carries.
func (p *PivDay) DeliverAt(numberID, text string, at time.Time) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	a, n := p.findNumber(numberID)
	if n == nil {
		return errPivUnknown
	}
	if at.IsZero() {
		at = p.s.Clock()
	}
	p.inbound(a, n, "+14155551234", text, pivDetectCode(text), at.UTC())
	return nil
}

// Balance is an account's balance.
func (p *PivDay) Balance(account string) float64 {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.balance
	}
	return 0
}

// SetBalance sets an account's balance (INSUFFICIENT_BALANCE tests).
func (p *PivDay) SetBalance(account string, v float64) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		a.balance = simcore.Money(v)
	}
}

// Purchases counts an account's successful number and proxy purchases.
func (p *PivDay) Purchases(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.purchases
	}
	return 0
}

// Renewals counts an account's paid renewals and restores (auto-renewals
// included).
func (p *PivDay) Renewals(account string) int {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return a.renewals
	}
	return 0
}

// NumberIDs lists an account's number ids, oldest first.
func (p *PivDay) NumberIDs(account string) []string {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	var out []string
	if a := p.account(account); a != nil {
		for _, n := range a.numbers {
			out = append(out, n.id)
		}
	}
	return out
}

// Number reports a number's status and expiry.
func (p *PivDay) Number(id string) (status string, expires time.Time, ok bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if _, n := p.findNumber(id); n != nil {
		return n.status, n.expiresAt, true
	}
	return "", time.Time{}, false
}

// ExpireNumber makes a number expire now (restorable for seven days).
func (p *PivDay) ExpireNumber(id string) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	_, n := p.findNumber(id)
	if n == nil {
		return errPivUnknown
	}
	now := p.s.Clock()
	n.status, n.expiresAt, n.expiredAt, n.plan = "expired", now, now, simcore.SMSPlan{}
	return nil
}

// FailRestore makes a number's next restore fail (refunded, stays expired).
func (p *PivDay) FailRestore(id string) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	_, n := p.findNumber(id)
	if n == nil {
		return errPivUnknown
	}
	n.restoreFail = true
	return nil
}

// SetStock sets how many numbers a country has for sale (0 →
// NO_NUMBERS_AVAILABLE).
func (p *PivDay) SetStock(country string, n int) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if c := p.country(country); c != nil {
		c.stock = n
	}
}

// ProxyOrder reports a proxy order's status and expiry.
func (p *PivDay) ProxyOrder(id string) (status string, expires time.Time, ok bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	for _, a := range p.accounts {
		if o := p.proxyOrder(a, id); o != nil {
			return o.status, o.expiresAt, true
		}
	}
	return "", time.Time{}, false
}

// Domain reports a domain's status and expiry.
func (p *PivDay) Domain(id string) (status string, expires time.Time, ok bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	for _, a := range p.accounts {
		if d := p.domain(a, id); d != nil {
			return d.status, d.expiresAt, true
		}
	}
	return "", time.Time{}, false
}

// Queue reports a domain queue entry's status.
func (p *PivDay) Queue(id string) (status string, ok bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	for _, a := range p.accounts {
		for _, q := range a.queue {
			if q.id == id {
				return q.status, true
			}
		}
	}
	return "", false
}

// White reports a white job's integer status.
func (p *PivDay) White(id string) (status int, ok bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	for _, a := range p.accounts {
		for _, w := range a.whites {
			if w.id == id {
				return w.status, true
			}
		}
	}
	return 0, false
}

// PivDayNumber is what the NumberDetail hook reports about one number.
type PivDayNumber struct {
	ID, Phone, Country, Status, CustomName string
	Expires                                time.Time
	AutoRenew                              bool
	SMS                                    int // inbound and outbound
}

// NumberDetail reports everything a contract test compares about a number.
func (p *PivDay) NumberDetail(id string) (PivDayNumber, bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	_, n := p.findNumber(id)
	if n == nil {
		return PivDayNumber{}, false
	}
	return PivDayNumber{ID: n.id, Phone: n.phone, Country: n.country, Status: n.status, CustomName: n.customName,
		Expires: n.expiresAt, AutoRenew: n.autoRenew, SMS: len(n.sms)}, true
}

// PivDayDomain is what the DomainDetail hook reports about one domain.
type PivDayDomain struct {
	ID, Name, Status    string
	Expires, SSLExpires time.Time
	AutoRenew           bool
	RenewPrice          float64 // a year's renewal, as /domains/search and /renew charge it
}

// DomainDetail reports a domain's name, status, expiries, auto-renew flag
// and renewal price.
func (p *PivDay) DomainDetail(id string) (PivDayDomain, bool) {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	for _, a := range p.accounts {
		if d := p.domain(a, id); d != nil {
			return PivDayDomain{ID: d.id, Name: d.name, Status: d.status, Expires: d.expiresAt,
				SSLExpires: d.sslExpiresAt, AutoRenew: d.autoRenew, RenewPrice: d.renewPrice}, true
		}
	}
	return PivDayDomain{}, false
}

// ProxyOrderIDs lists an account's proxy order ids, oldest first.
func (p *PivDay) ProxyOrderIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, o := range a.proxies {
			out = append(out, o.id)
		}
		return out
	})
}

// DomainIDs lists an account's domain ids (pending registrations
// included), oldest first.
func (p *PivDay) DomainIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, d := range a.domains {
			out = append(out, d.id)
		}
		return out
	})
}

// QueueIDs lists an account's domain queue entries, oldest first.
func (p *PivDay) QueueIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, q := range a.queue {
			out = append(out, q.id)
		}
		return out
	})
}

// WhiteIDs lists an account's white jobs, oldest first.
func (p *PivDay) WhiteIDs(account string) []string {
	return p.ids(account, func(a *pivAccount) (out []string) {
		for _, w := range a.whites {
			out = append(out, w.id)
		}
		return out
	})
}

func (p *PivDay) ids(account string, list func(*pivAccount) []string) []string {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	if a := p.account(account); a != nil {
		return list(a)
	}
	return nil
}

// SeedNumbers gives an account n more active numbers as the seed's are
// (bought a day ago, a month to run), for benchmarks that need many
// lines per account without buying them.
func (p *PivDay) SeedNumbers(account string, n int) error {
	p.s.Mu.Lock()
	defer p.s.Mu.Unlock()
	a := p.account(account)
	if a == nil {
		return errPivUnknown
	}
	now := p.s.Clock()
	for range n {
		num := p.newNumber(a, "US", now.Add(-24*time.Hour), now.Add(29*24*time.Hour))
		p.startCycle(num, now)
	}
	return nil
}
