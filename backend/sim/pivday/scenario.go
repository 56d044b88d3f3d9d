package pivday

import (
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// --- scenario -----------------------------------------------------------------

// startCycle draws a number's next SMS plan. Every active number gets one
// plan at start. With Lively, a number draws a new plan 5–30 s after its
// last SMS (or its silent plan ran out), so with five to eight active
// numbers per account codes keep arriving every few seconds across the
// dashboard; without it each number hears from a service at most once.
func (p *PivDay) startCycle(n *pivNumber, now time.Time) {
	n.plan, n.firstDone, n.secondDone, n.nextCycle = simcore.SMSPlan{}, false, false, time.Time{}
	if n.status != "active" || !n.canReceive {
		return
	}
	n.service = p.s.Pick(pivServices)
	n.plan = p.s.PlanSMS(now)
}

// tick moves the scenario (s.Mu held).
func (p *PivDay) tick(now time.Time) {
	for _, a := range p.accounts {
		p.tickNumbers(a, now)
		p.tickRestores(a, now)
		p.tickProxies(a, now)
		p.tickDomains(a, now)
		p.tickQueue(a, now)
		p.tickWhites(a, now)
	}
}

func (p *PivDay) tickNumbers(a *pivAccount, now time.Time) {
	for _, n := range a.numbers {
		if n.status != "active" {
			continue
		}
		if n.autoRenew && !now.Before(n.expiresAt.Add(-pivAutoRenewLead)) && !n.autoTriedFor.Equal(n.expiresAt) {
			n.autoTriedFor = n.expiresAt
			if c := p.country(n.country); c != nil && a.balance >= c.price {
				a.balance = simcore.Money(a.balance - c.price)
				n.expiresAt = n.expiresAt.Add(pivNumberMonth)
				a.renewals++
			}
		}
		if !now.Before(n.expiresAt) {
			n.status, n.expiredAt = "expired", n.expiresAt
			n.plan = simcore.SMSPlan{}
			continue
		}
		if !n.plan.First.IsZero() && !n.firstDone && !now.Before(n.plan.First) {
			n.firstDone = true
			m := p.s.CodeSMS(n.service)
			p.inbound(a, n, m.Sender, m.Text, m.Code, n.plan.First)
		}
		if !n.plan.Second.IsZero() && !n.secondDone && !now.Before(n.plan.Second) {
			n.secondDone = true
			m := p.s.FollowUpSMS(n.service)
			p.inbound(a, n, m.Sender, m.Text, "", n.plan.Second)
		}
		if !p.s.Opts.Lively || p.s.Opts.Quiet {
			continue
		}
		done := (n.plan.First.IsZero() || n.firstDone) && (n.plan.Second.IsZero() || n.secondDone)
		if !done {
			continue
		}
		if n.nextCycle.IsZero() {
			n.nextCycle = now.Add(p.s.Between(5*time.Second, 30*time.Second))
		} else if !now.Before(n.nextCycle) {
			p.startCycle(n, now)
		}
	}
}

// inbound stores an SMS received at `at` and fires sms.received, stamped
// now, with the detected code.
func (p *PivDay) inbound(a *pivAccount, n *pivNumber, from, text, code string, at time.Time) *pivSMS {
	m := p.addSMS(n, from, n.phone, text, "inbound", "received", at)
	var c any
	if code != "" {
		c = code
	}
	p.webhook(a, "sms.received", p.s.Clock(), map[string]any{"piv_num_id": n.id, "text": text, "code": c,
		"country": n.country, "received_at": pivTS(at)})
	return m
}

func (p *PivDay) tickRestores(a *pivAccount, now time.Time) {
	kept := a.restores[:0]
	for _, b := range a.restores {
		if now.Before(b.doneAt) {
			kept = append(kept, b)
			continue
		}
		restored, failed := []map[string]any{}, []map[string]any{}
		refunded := 0.0
		for _, id := range b.ids {
			n := p.number(a, id)
			if n == nil || n.status != "pending_restore" {
				continue
			}
			if n.restoreFail {
				n.status = "expired"
				if n.expiresAt.After(now) { // renewed while it was being restored
					n.status = "active"
				}
				a.balance = simcore.Money(a.balance + b.charged[id])
				refunded += b.charged[id]
				failed = append(failed, map[string]any{"piv_num_id": n.id, "phone_number": n.phone,
					"country": n.country, "refunded": simcore.Money(b.charged[id])})
				continue
			}
			n.status, n.expiredAt, n.expiresAt = "active", time.Time{}, pivLater(n.expiresAt, now).Add(pivNumberMonth)
			p.startCycle(n, now)
			restored = append(restored, map[string]any{"piv_num_id": n.id, "phone_number": n.phone, "country": n.country})
		}
		p.webhook(a, "number.restore_completed", now, map[string]any{"restored": restored, "failed": failed,
			"total_restored": len(restored), "total_failed": len(failed), "total_refunded": simcore.Money(refunded)})
	}
	a.restores = kept
}

func (p *PivDay) tickProxies(a *pivAccount, now time.Time) {
	for _, o := range a.proxies {
		if o.status != "active" {
			continue
		}
		if !now.Before(o.expiresAt) {
			o.status = "expired"
			continue
		}
		if o.expiresAt.Sub(now) <= pivProxyWarn && !o.warnedFor.Equal(o.expiresAt) {
			o.warnedFor = o.expiresAt
			p.webhook(a, "proxy.expires_soon", now, map[string]any{"order_id": o.id, "country": o.country,
				"quantity": o.quantity, "expires_at": pivTS(o.expiresAt)})
		}
	}
}

func (p *PivDay) tickDomains(a *pivAccount, now time.Time) {
	for _, d := range a.domains {
		if d.status != "active" {
			continue
		}
		if !d.sslExpiresAt.IsZero() && !now.Before(d.sslExpiresAt) {
			d.sslExpiresAt = d.sslExpiresAt.Add(90 * 24 * time.Hour) // Cloudflare reissues by itself
		}
		if !now.Before(d.expiresAt) {
			if d.autoRenew && !d.autoTriedFor.Equal(d.expiresAt) && a.balance >= d.renewPrice {
				d.autoTriedFor = d.expiresAt
				a.balance = simcore.Money(a.balance - d.renewPrice)
				d.expiresAt = d.expiresAt.AddDate(1, 0, 0)
				d.updatedAt = now
				a.renewals++
				continue
			}
			d.status, d.updatedAt = "expired", now
			continue
		}
		if d.expiresAt.Sub(now) <= pivDomainWarn && !d.warnedFor.Equal(d.expiresAt) {
			d.warnedFor = d.expiresAt
			p.webhook(a, "domain.expires_soon", now, map[string]any{"domain_id": d.id, "domain_name": d.name,
				"expires_at": pivTS(d.expiresAt), "auto_renew": d.autoRenew})
		}
	}
}

func (p *PivDay) tickQueue(a *pivAccount, now time.Time) {
	for _, q := range a.queue {
		if q.status == "pending" && !now.Before(q.processingAt) {
			q.status = "processing"
		}
		if q.status != "processing" || now.Before(q.doneAt) {
			continue
		}
		d := p.domain(a, q.domainID)
		if q.kind == "register" && (q.fail != "" || d == nil) {
			q.status = "failed"
			if q.fail == "" {
				q.fail = "Registration failed"
			}
			a.balance = simcore.Money(a.balance + q.cost)
			p.removeDomain(a, q.domainID)
			p.webhook(a, "domain.failed", now, map[string]any{"domain_id": q.domainID, "domain_name": q.domainName, "error": q.fail})
			continue
		}
		q.status = "completed"
		if d == nil {
			continue
		}
		if q.kind == "register" {
			d.status, d.registeredAt, d.updatedAt = "active", now, now
			d.expiresAt = now.AddDate(d.period, 0, 0)
			if d.cloudflare {
				d.cfStatus, d.sslType, d.sslStatus = "active", "lets_encrypt", "active"
				d.sslExpiresAt = now.Add(90 * 24 * time.Hour)
				d.dns = []pivDNS{{id: p.uuid("rec-"), typ: "A", name: "@", content: "185.199.108.153", ttl: 1, proxied: true}}
			}
			p.webhook(a, "domain.registered", now, map[string]any{"domain_id": d.id, "domain_name": d.name,
				"registered_at": pivTS(d.registeredAt), "expires_at": pivTS(d.expiresAt), "cloudflare_enabled": d.cloudflare})
		}
		card := *d
		q.card = &card
	}
}

func (p *PivDay) tickWhites(a *pivAccount, now time.Time) {
	for _, w := range a.whites {
		if w.status == pivWhiteQueued && !w.processingAt.IsZero() && !now.Before(w.processingAt) {
			w.status = pivWhiteProcessing
		}
		if w.status != pivWhiteProcessing || w.doneAt.IsZero() || now.Before(w.doneAt) {
			continue
		}
		if w.fail != "" {
			w.status = pivWhiteFailed
			a.balance = simcore.Money(a.balance + w.cost) // "funds are refunded to the balance"
			p.webhook(a, "white.failed", now, map[string]any{"job_id": w.id, "name": w.name, "error": w.fail})
			continue
		}
		w.status = pivWhiteDone
		p.webhook(a, "white.completed", now, map[string]any{"job_id": w.id, "name": w.name, "tier_key": w.tier, "country": w.country})
	}
}

// webhook sends an event to the URL of the account's API key profile.
func (p *PivDay) webhook(a *pivAccount, event string, at time.Time, data any) {
	p.s.FireWebhook(backend.PivDay, a.name, pivUA, map[string]any{"event_type": event, "timestamp": pivTS(at), "data": data})
}

// --- lookups (s.Mu held) --------------------------------------------------------

func (p *PivDay) number(a *pivAccount, id string) *pivNumber {
	for _, n := range a.numbers {
		if n.id == id {
			return n
		}
	}
	return nil
}

func (p *PivDay) proxyOrder(a *pivAccount, id string) *pivProxyOrder {
	for _, o := range a.proxies {
		if o.id == id {
			return o
		}
	}
	return nil
}

func (p *PivDay) domain(a *pivAccount, id string) *pivDomain {
	for _, d := range a.domains {
		if d.id == id {
			return d
		}
	}
	return nil
}

func (p *PivDay) removeDomain(a *pivAccount, id string) {
	for i, d := range a.domains {
		if d.id == id {
			a.domains = append(a.domains[:i], a.domains[i+1:]...)
			return
		}
	}
}

func (p *PivDay) findNumber(id string) (*pivAccount, *pivNumber) {
	for _, a := range p.accounts {
		if n := p.number(a, id); n != nil {
			return a, n
		}
	}
	return nil, nil
}

func (p *PivDay) account(name string) *pivAccount {
	for _, a := range p.accounts {
		if a.name == name {
			return a
		}
	}
	return nil
}
