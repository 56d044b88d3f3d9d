package pivday

import (
	"context"
	"net/http"
	"strings"

	"switchboard/backend"
	"switchboard/backend/sanitize"
)

// --- reads --------------------------------------------------------------------

// Balance reads the account's money.
func (p *Provider) Balance(ctx context.Context) (backend.Account, error) {
	a, err := p.c.Account(ctx)
	if err != nil {
		return backend.Account{}, err
	}
	if !a.Balance.Valid {
		return backend.Account{}, p.c.t.Error("read balance", backend.ErrMalformed, http.StatusOK, "", "the answer carries no balance")
	}
	return backend.Account{
		Name:     p.account,
		Provider: backend.PivDay,
		Balance:  money(a.Balance),
		Email:    sanitize.Line(string(a.Email)),
	}, nil
}

// Lines lists every number of the account. The listing carries no SMS.
func (p *Provider) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	nums, err := p.c.Numbers(ctx, NumberFilter{})
	if err != nil {
		return nil, nil, err
	}
	now := p.now()
	lines := make([]backend.Line, 0, len(nums))
	for _, n := range nums {
		lines = append(lines, p.numberLine(ctx, n, now))
	}
	return lines, nil, nil
}

// Check reads each open line's newest SMS (piv.day has no batch call). A
// line that no longer exists is skipped; any other failure stops the round
// and returns what was read so far with the error.
func (p *Provider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	var outLines []backend.Line
	var msgs []backend.Message
	for _, l := range lines {
		if !l.State.Open() || l.State == backend.LinePending {
			continue
		}
		if err := ctx.Err(); err != nil {
			return outLines, msgs, p.c.t.Error("check numbers", backend.ErrTimeout, 0, "", "stopped: "+err.Error())
		}
		list, err := p.c.For(l.Number).NumberSMS(ctx, l.ID, smsPerCheck, 0)
		if err != nil {
			if backend.KindOf(err) == backend.ErrNotFound {
				continue
			}
			return outLines, msgs, err
		}
		// The line's code is the engine's to pick from these messages, in
		// the order Switchboard sees them: piv.day's received_at is its
		// clock (maybe wrong, maybe forged), so it sets no Line.CodeAt.
		for _, m := range list {
			if msg, ok := p.message(l.ID, l.Number, m); ok {
				msgs = append(msgs, msg)
			}
		}
		outLines = append(outLines, l)
	}
	return outLines, msgs, nil
}

// Leases lists numbers, proxy orders, domains and SSL certificates.
func (p *Provider) Leases(ctx context.Context) ([]backend.Lease, error) {
	nums, err := p.c.Numbers(ctx, NumberFilter{})
	if err != nil {
		return nil, err
	}
	proxies, err := p.c.ProxyOrders(ctx, ListFilter{})
	if err != nil {
		return nil, err
	}
	domains, err := p.c.Domains(ctx, ListFilter{})
	if err != nil {
		return nil, err
	}
	now := p.now()
	p.lookUpRenewPrices(ctx, domains)
	var out []backend.Lease
	for _, n := range nums {
		out = append(out, p.numberLease(p.numberLine(ctx, n, now)))
	}
	for _, o := range proxies {
		out = append(out, p.proxyLease(o))
	}
	for _, d := range domains {
		out = append(out, p.domainLeases(d)...)
	}
	return out, nil
}

// Jobs lists white-page jobs and domains being registered, and follows the
// jobs only the engine knows of: queue entries, restore batches, and
// registrations or white jobs that left the listings.
func (p *Provider) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	whites, err := p.c.Whites(ctx, ListFilter{})
	if err != nil {
		return nil, err
	}
	pending, err := p.c.Domains(ctx, ListFilter{Status: "pending"})
	if err != nil {
		return nil, err
	}
	var out []backend.Job
	seen := map[string]bool{}
	for _, w := range whites {
		j := p.whiteJob(w)
		seen[j.ID] = true
		out = append(out, j)
	}
	for _, d := range pending {
		if !domainPending(lower(d.Status)) {
			continue
		}
		j := p.domainJob(d)
		seen[j.ID] = true
		out = append(out, j)
	}
	for _, k := range known {
		if seen[k.ID] || k.State.Terminal() {
			continue
		}
		j, err := p.followJob(ctx, k)
		if err != nil {
			return nil, err
		}
		seen[j.ID] = true
		out = append(out, j)
	}
	return out, nil
}

// followJob re-reads one job the listings did not cover.
func (p *Provider) followJob(ctx context.Context, k backend.Job) (backend.Job, error) {
	kind, raw := splitID(k.ID)
	gone := func(detail string) (backend.Job, error) {
		k.Key, k.Account, k.Provider = p.jobKey(k.ID), p.account, backend.PivDay
		k.State, k.Detail, k.UpdatedAt = backend.JobFailed, detail, p.now().UTC()
		return k, nil
	}
	switch kind {
	case idQueue:
		q, err := p.c.DomainQueue(ctx, raw)
		if backend.KindOf(err) == backend.ErrNotFound {
			return gone("the queue entry no longer exists at piv.day")
		}
		if err != nil {
			return k, err
		}
		return p.queueJob(q, k), nil
	case idDomain:
		d, err := p.c.Domain(ctx, raw)
		if backend.KindOf(err) == backend.ErrNotFound {
			return gone("the domain is not on the account: registration failed")
		}
		if err != nil {
			return k, err
		}
		j := p.domainJob(d)
		j.CreatedAt = k.CreatedAt
		return j, nil
	case idWhite:
		w, err := p.c.White(ctx, raw)
		if backend.KindOf(err) == backend.ErrNotFound {
			return gone("the job no longer exists at piv.day")
		}
		if err != nil {
			return k, err
		}
		return p.whiteJob(w), nil
	case idRestore:
		ids := strings.Split(raw, ",")
		status := map[string]string{}
		for _, id := range ids {
			n, err := p.c.Number(ctx, id)
			if backend.KindOf(err) == backend.ErrNotFound {
				continue
			}
			if err != nil {
				return k, err
			}
			status[id] = lower(n.Status)
		}
		return p.restoreJob(k, ids, status), nil
	}
	return k, nil
}
