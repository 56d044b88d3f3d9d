package fivesim

import (
	"math"
	"time"
)

// --- scenario -----------------------------------------------------------

// tick moves the scenario (s.Mu held): PENDING orders go live, planned SMS
// arrive, hosting numbers keep hearing from services, orders expire, a
// blocked rating recovers after 24 h. With Lively, new activation orders
// appear on the accounts every 4–10 s as if bought from another client
// (each with its own SMS plan, so codes keep arriving), and that client
// finishes some of them a little after their code came.
func (p *FiveSim) tick(now time.Time) {
	s := p.s
	for _, a := range p.accounts {
		if !a.blockedUntil.IsZero() && !now.Before(a.blockedUntil) {
			a.blockedUntil = time.Time{}
			a.rating = FiveSimRatingMax
		}
	}
	kept := p.open[:0]
	for _, o := range p.open {
		p.advance(o, now)
		if p.isOpen(o) {
			kept = append(kept, o)
		}
	}
	clear(p.open[len(kept):])
	p.open = kept

	if s.Opts.Lively && !now.Before(p.nextSpawn) {
		p.nextSpawn = now.Add(s.Between(4*time.Second, 10*time.Second))
		p.spawn(now)
	}
}

// advance applies everything due on one order at now (s.Mu held). It is
// also called before any request touches an order, so a request between
// two ticks never sees a stale state.
func (p *FiveSim) advance(o *fsOrder, now time.Time) {
	s := p.s
	if !p.isOpen(o) {
		return
	}
	if o.status == fsStatusPending && !now.Before(o.created.Add(FiveSimLiveAfter)) {
		o.status = fsStatusReceived
	}
	if !o.firstDone && !o.plan.First.IsZero() && !now.Before(o.plan.First) && now.Before(o.expires) {
		o.firstDone = true
		m := s.CodeSMS(fsServiceFor(o))
		code := m.Code
		if s.Chance(0.1) {
			code = "" // 5sim does not always detect the code
		}
		p.addSMS(o, o.plan.First, m.Sender, m.Text, code)
		o.status = fsStatusReceived
		if s.Opts.Lively && o.category == "activation" && s.Chance(0.5) {
			o.otherFinish = now.Add(s.Between(30*time.Second, 3*time.Minute))
		}
	}
	if !o.secondDone && !o.plan.Second.IsZero() && !now.Before(o.plan.Second) && now.Before(o.expires) {
		o.secondDone = true
		m := s.FollowUpSMS(fsServiceFor(o))
		p.addSMS(o, o.plan.Second, m.Sender, m.Text, "")
	}
	if o.category == "hosting" && !s.Opts.Quiet && !o.nextHostSMS.IsZero() && !now.Before(o.nextHostSMS) && now.Before(o.expires) {
		m := s.CodeSMS(s.Pick([]string{"telegram", "google", "facebook", "amazon", "uber"}))
		p.addSMS(o, o.nextHostSMS, m.Sender, m.Text, m.Code)
		o.status = fsStatusReceived
		o.nextHostSMS = now.Add(s.Between(2*time.Minute, 10*time.Minute))
	}
	if !o.otherFinish.IsZero() && !now.Before(o.otherFinish) && len(o.sms) > 0 {
		p.finish(o)
		return
	}
	if !now.Before(o.expires) {
		switch {
		case o.category == "hosting":
			o.status = fsStatusFinished
		case len(o.sms) > 0:
			o.status = fsStatusFinished
			p.rate(o.acct, 0.4, now)
		default:
			o.status = fsStatusTimeout
			o.acct.balance += o.price
			p.rate(o.acct, -0.15, now)
		}
	}
}

func (p *FiveSim) isOpen(o *fsOrder) bool {
	return o.status == fsStatusPending || o.status == fsStatusReceived
}

// rate moves an account's rating per the document's table (s.Mu held).
func (p *FiveSim) rate(a *fsAccount, delta float64, now time.Time) {
	a.rating = min(FiveSimRatingMax, math.Round((a.rating+delta)*1000)/1000)
	if a.rating <= 0 && a.blockedUntil.IsZero() {
		a.rating = 0
		a.blockedUntil = now.Add(FiveSimRatingBlock)
	}
}

func (p *FiveSim) finish(o *fsOrder) {
	o.status = fsStatusFinished
	o.otherFinish = time.Time{}
	p.rate(o.acct, 0.5, p.s.Clock())
}

// spawn places a Lively order on the next account, topping the balance up
// (a replenishment, +8 rating) when it runs low.
func (p *FiveSim) spawn(now time.Time) {
	s := p.s
	if len(p.accounts) == 0 {
		return
	}
	a := p.accounts[p.spawnAt%len(p.accounts)]
	p.spawnAt++
	openCount := 0
	for _, o := range p.open {
		if o.acct == a {
			openCount++
		}
	}
	if openCount >= 12 {
		return
	}
	product := fsProducts[s.Rng.IntN(len(fsProducts))].name
	c, op, off := p.cheapest(p.countries[s.Rng.IntN(3)].name, "any", product)
	if off == nil {
		return
	}
	if a.balance < off.cents {
		a.balance += 100000
		p.rate(a, 8, now)
	}
	o := p.buy(a, "activation", c, op, product, now)
	o.plan = s.PlanSMS(now)
}

// buy places an order (s.Mu held): stock, balance and the open list move.
func (p *FiveSim) buy(a *fsAccount, category string, c *fsCountry, op, product string, now time.Time) *fsOrder {
	off := p.stock[c.name][op][product]
	off.count--
	o := p.newOrder(a, category, c, op, product, now)
	a.balance -= o.price
	if category == "hosting" && !p.s.Opts.Quiet {
		o.nextHostSMS = now.Add(p.s.Between(p.s.Opts.SMSDelay[0], p.s.Opts.SMSDelay[1]))
	}
	p.open = append(p.open, o)
	return o
}

// cheapest finds the cheapest operator with stock for product in country
// ("any" widens either). It returns the first seller when none has stock
// (off.count == 0) and nil when nobody sells the product there.
func (p *FiveSim) cheapest(country, operator, product string) (*fsCountry, string, *fsOffer) {
	var bestC *fsCountry
	var bestOp string
	var best *fsOffer
	var anyC *fsCountry
	var anyOp string
	var anyOff *fsOffer
	for _, c := range p.countries {
		if country != "any" && c.name != country {
			continue
		}
		for _, op := range c.operators {
			if operator != "any" && op != operator {
				continue
			}
			off := p.stock[c.name][op][product]
			if off == nil {
				continue
			}
			if anyOff == nil {
				anyC, anyOp, anyOff = c, op, off
			}
			if off.count > 0 && (best == nil || off.cents < best.cents) {
				bestC, bestOp, best = c, op, off
			}
		}
	}
	if best != nil {
		return bestC, bestOp, best
	}
	return anyC, anyOp, anyOff
}
