package market

import (
	"time"

	"switchboard/backend/sim/simcore"
)

// --- scenario ----------------------------------------------------------------

func (p *Market) tick(now time.Time) {
	p.finishInProgress(now)
	for _, a := range p.accounts {
		for _, o := range a.numbers {
			p.moveNumber(o, now)
		}
		for _, o := range a.boosts {
			p.moveBoost(o, now)
		}
		for _, o := range a.logs {
			if o.status == "processing" && !o.deliverAt.IsZero() && !now.Before(o.deliverAt) {
				p.deliverLogs(o, now)
			}
		}
		if p.s.Opts.Lively {
			p.spawn(a, now)
		}
	}
}

func (p *Market) moveNumber(o *mkNumberOrder, now time.Time) {
	s := p.s
	if o.status != mkPending && o.status != mkReceived {
		return
	}
	if !o.sentOne && !o.plan.First.IsZero() && !now.Before(o.plan.First) && now.Before(o.expires) {
		o.sentOne = true
		p.addNumberSMS(o, o.plan.First, s.CodeSMS(o.service.name))
	}
	if o.sentOne && !o.sentTwo && !o.plan.Second.IsZero() && !now.Before(o.plan.Second) && now.Before(o.expires) {
		o.sentTwo = true
		p.addNumberSMS(o, o.plan.Second, s.FollowUpSMS(o.service.name))
	}
	switch {
	case o.status == mkReceived && (!now.Before(o.codeAt.Add(MarketCompleteAfterCode)) || !now.Before(o.expires)):
		o.status, o.updated = mkCompleted, now
	case o.status == mkPending && !now.Before(o.expires):
		o.status, o.updated = mkExpired, now
		o.refunded = o.price
		o.acct.balance += o.price
	}
}

func (p *Market) moveBoost(o *mkBoostOrder, now time.Time) {
	switch o.state {
	case mkBoostPending:
		if !now.Before(o.nextMove) {
			o.state, o.started, o.updated = mkBoostProcessing, now, now
			o.runFor = p.s.Between(30*time.Second, 3*time.Minute)
		}
	case mkBoostProcessing:
		frac := float64(now.Sub(o.started)) / float64(max(o.runFor, time.Second))
		target := o.quantity
		if o.outcome == mkBoostPartial {
			target = o.quantity - o.partialAt
		}
		if o.outcome == mkBoostError {
			target = 0
		}
		if frac >= 1 {
			o.updated = now
			switch o.outcome {
			case mkBoostPartial:
				o.state, o.remains = mkBoostPartial, o.partialAt
				o.refunded = o.charge * int64(o.remains) / int64(o.quantity)
			case mkBoostError:
				o.state, o.refunded = mkBoostError, o.charge
			default:
				o.state, o.remains = mkBoostCompleted, 0
			}
			o.acct.balance += o.refunded
			return
		}
		if remains := o.quantity - int(float64(target)*frac); remains != o.remains {
			o.remains, o.updated = remains, now
		}
	case mkBoostRefilling:
		if !now.Before(o.nextMove) {
			o.state, o.updated = mkBoostCompleted, now
		}
	}
}

// spawn is the Lively demo's web-dashboard activity for one account.
func (p *Market) spawn(a *mkAccount, now time.Time) {
	s := p.s
	if a.balance < 10_000_00 {
		a.balance += 100_000_00 // a deposit, so the demo never runs dry
	}
	if !now.Before(a.nextNumber) {
		a.nextNumber = now.Add(s.Between(6*time.Second, 15*time.Second))
		var stocked []*mkNumService
		for _, svc := range p.numServices {
			if svc.stock > 0 && svc.price <= a.balance {
				stocked = append(stocked, svc)
			}
		}
		if len(stocked) < 5 {
			// Suppliers restock: a long demo must not run out of numbers.
			for _, svc := range p.numServices {
				svc.stock += 20 + s.Rng.IntN(100)
			}
		}
		if len(stocked) > 0 {
			svc := stocked[s.Rng.IntN(len(stocked))]
			o := p.placeNumber(a, svc, nil, now)
			a.balance -= o.price
			o.plan = s.PlanSMS(now)
		}
	}
	if !now.Before(a.nextBoost) {
		a.nextBoost = now.Add(s.Between(40*time.Second, 90*time.Second))
		svc := p.boostServices[s.Rng.IntN(len(p.boostServices))]
		qty := svc.min * (1 + s.Rng.IntN(10))
		if c := mkCharge(svc.rate, qty); c <= a.balance {
			p.placeBoost(a, svc, "https://instagram.com/p/"+s.Token("")[:11], qty, now)
			a.balance -= c
		}
	}
	if !now.Before(a.nextLogs) {
		a.nextLogs = now.Add(s.Between(2*time.Minute, 4*time.Minute))
		c := p.logCats[s.Rng.IntN(len(p.logCats))]
		if c.stock > 0 && c.price <= a.balance {
			p.placeLogs(a, c, 1, now)
			a.balance -= c.price
		}
	}
}

// finishInProgress carries out the purchases held in flight whose window
// ended (s.Mu held).
func (p *Market) finishInProgress(now time.Time) {
	for _, key := range simcore.SortedKeys(p.inProgress) {
		ip := p.inProgress[key]
		if now.Before(ip.until) {
			continue
		}
		delete(p.inProgress, key)
		if ip.perform == nil {
			continue
		}
		if resp, id := ip.perform(now); resp.status < 300 && id != 0 {
			ip.acct.idem[key] = &mkIdem{fp: ip.fp, kind: ip.kind, id: id}
		}
	}
}
