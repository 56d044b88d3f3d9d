package pivday

import (
	"context"
	"strings"
	"time"

	"switchboard/backend"
)

// --- settling -------------------------------------------------------------------

// Settle re-reads piv.day to learn whether an action whose answer was lost
// happened: the expiry moved (renew), the status left "expired" (restore),
// the flag flipped (auto-renew), a new order not in Target.KnownIDs
// appeared (buy).
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	if act.Kind == backend.ActBuy {
		return p.settleBuy(ctx, act, t)
	}
	tg, err := p.resolve(act, t)
	if act.Kind == backend.ActRestore && (err != nil || tg.kind != idProxy) {
		return p.settleRestore(ctx, act, t)
	}
	if err != nil {
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	now := p.now()
	before := time.Time{}
	switch {
	case tg.line != nil:
		before = tg.line.ExpiresAt.Time()
	case tg.lease != nil:
		before = tg.lease.ExpiresAt
	}
	switch act.Kind {
	case backend.ActRenew:
		switch tg.kind {
		case idNumber:
			n, err := p.c.Number(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l := p.numberLine(ctx, n, now)
			out := backend.Outcome{Lines: []backend.Line{l}, Leases: []backend.Lease{p.numberLease(l)}}
			return moved(before, l.ExpiresAt.Time()), out, nil
		case idProxy:
			o, err := p.c.ProxyOrder(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l := p.proxyLease(o)
			return moved(before, l.ExpiresAt), backend.Outcome{Leases: []backend.Lease{l}}, nil
		case idDomain:
			d, err := p.c.Domain(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			out := backend.Outcome{Leases: p.domainLeases(d)}
			if !before.IsZero() && d.ExpiresAt.After(before) {
				return backend.SettledHappened, out, nil
			}
			// Domain renewals go through a queue whose id the lost answer
			// carried: an unmoved expiry cannot prove it was not queued.
			return backend.SettledUnknown, out, nil
		}
	case backend.ActRestore: // proxy order
		o, err := p.c.ProxyOrder(ctx, tg.id)
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		l := p.proxyLease(o)
		out := backend.Outcome{Leases: []backend.Lease{l}}
		if l.State == "active" || (!before.IsZero() && l.ExpiresAt.After(before)) {
			return backend.SettledHappened, out, nil
		}
		return backend.SettledNotDone, out, nil
	case backend.ActAutoRenewOn, backend.ActAutoRenewOff:
		want := act.Kind == backend.ActAutoRenewOn
		switch tg.kind {
		case idNumber:
			n, err := p.c.Number(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l := p.numberLine(ctx, n, now)
			return flag(bool(n.AutoRenew) == want), backend.Outcome{Lines: []backend.Line{l}, Leases: []backend.Lease{p.numberLease(l)}}, nil
		case idDomain:
			d, err := p.c.Domain(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			return flag(bool(d.AutoRenew) == want), backend.Outcome{Leases: p.domainLeases(d)}, nil
		}
	case backend.ActExport, backend.ActCheck:
		return backend.SettledNotDone, backend.Outcome{}, nil // reads: nothing to settle
	}
	return backend.SettledUnknown, backend.Outcome{}, p.unsupported(act, tg.kind)
}

func flag(happened bool) backend.Settled {
	if happened {
		return backend.SettledHappened
	}
	return backend.SettledNotDone
}

// moved: the expiry after the action is later than before it.
func moved(before, after time.Time) backend.Settled {
	if before.IsZero() {
		return backend.SettledUnknown
	}
	return flag(after.After(before))
}

func (p *Provider) settleRestore(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	ids, snap := p.restoreIDs(act, t)
	if len(ids) == 0 {
		return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("restore numbers", backend.ErrInvalid, 0, "", "no numbers to settle")
	}
	now := p.now()
	status := map[string]string{}
	var out backend.Outcome
	happened := false
	for _, id := range ids {
		n, err := p.c.Number(ctx, id)
		if backend.KindOf(err) == backend.ErrNotFound {
			continue
		}
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		s := lower(n.Status)
		status[id] = s
		l := p.numberLine(ctx, n, now)
		out.Lines = append(out.Lines, l)
		prev, known := snap[id]
		switch {
		case s == "pending_restore" || s == "pending" || s == "restoring":
			happened = true
		case s == "active" && (!known || prev.State == backend.LineExpired || l.ExpiresAt.After(prev.ExpiresAt.Time())):
			happened = true
		}
	}
	if !happened {
		return backend.SettledNotDone, out, nil
	}
	id := restoreID(ids)
	out.Jobs = []backend.Job{p.restoreJob(backend.Job{ID: id, CreatedAt: act.CreatedAt}, ids, status)}
	return backend.SettledHappened, out, nil
}

// unclaimed reports an order a lost purchase may have created: the account
// did not have it before (Target.KnownIDs) and no other settled purchase
// was matched to it (Target.Claimed). Ids are taken bare or with their kind
// prefix ("proxy/<id>"), the two ways Switchboard writes them. Timestamps
// play no part: piv.day's clock is not Switchboard's.
func unclaimed(t backend.Target, kind, id string) bool {
	prefixed := kindID(kind, id)
	return !t.KnownIDs[id] && !t.KnownIDs[prefixed] && !t.Claimed[id] && !t.Claimed[prefixed]
}

// settleBuy finds the one order a lost purchase created and returns it in
// the outcome, so the engine records the claim and the next identical lost
// purchase is matched to another order, or to none. Of several candidates
// the newest listed wins (piv.day lists newest first), preferring the name
// the purchase gave. Without KnownIDs nothing tells a new order from an old
// one: the outcome stays unknown.
func (p *Provider) settleBuy(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	b := act.Buy
	if b == nil {
		return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "nothing was bought")
	}
	if t.KnownIDs == nil {
		return backend.SettledUnknown, backend.Outcome{}, nil
	}
	switch b.Category {
	case CategoryNumber:
		country := strings.ToUpper(strings.TrimSpace(b.Country))
		nums, err := p.c.Numbers(ctx, NumberFilter{Country: country})
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		found := -1
		for i, n := range nums {
			if !strings.EqualFold(string(n.Country), country) || !unclaimed(t, idNumber, ident(n.ID)) {
				continue
			}
			if found < 0 || (b.Name != "" && string(n.CustomName) == b.Name && string(nums[found].CustomName) != b.Name) {
				found = i
			}
		}
		if found < 0 {
			return backend.SettledNotDone, backend.Outcome{}, nil
		}
		l := p.numberLine(ctx, nums[found], p.now())
		return backend.SettledHappened, backend.Outcome{Lines: []backend.Line{l}, Leases: []backend.Lease{p.numberLease(l)},
			Note: "the purchase went through: " + l.Number}, nil
	case CategoryProxy:
		country, err := p.serverCountry(ctx, strings.TrimSpace(b.Product))
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		orders, err := p.c.ProxyOrders(ctx, ListFilter{})
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		for _, o := range orders {
			if int(o.Quantity) != max(b.Quantity, 1) || (country != "" && !strings.EqualFold(string(o.Country), country)) ||
				!unclaimed(t, idProxy, ident(o.ID)) {
				continue
			}
			l := p.proxyLease(o)
			return backend.SettledHappened, backend.Outcome{Leases: []backend.Lease{l}, Note: "the purchase went through: " + l.Name}, nil
		}
		return backend.SettledNotDone, backend.Outcome{}, nil
	}
	return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "unknown category")
}

// serverCountry is the country of a proxy server ("" when piv.day no
// longer lists it): an order carries its country, not its server.
func (p *Provider) serverCountry(ctx context.Context, id string) (string, error) {
	servers, err := p.c.ProxyServers(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range servers {
		if string(s.ID) == id {
			return string(s.Country), nil
		}
	}
	return "", nil
}
