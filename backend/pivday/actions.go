package pivday

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/sanitize"
)

// --- actions ------------------------------------------------------------------

// target is what an action applies to, resolved from the Target snapshot
// or, without one, from the action's key.
type target struct {
	kind  string // number | proxy | domain | ssl | white | queue | restore
	id    string // the provider's id
	label string // phone number, domain name: for operation names
	line  *backend.Line
	lease *backend.Lease
	job   *backend.Job
}

func (p *Provider) resolve(act backend.Action, t backend.Target) (target, error) {
	switch {
	case t.Line != nil:
		return target{kind: idNumber, id: t.Line.ID, label: t.Line.Number, line: t.Line}, nil
	case t.Lease != nil:
		kind, raw := splitID(t.Lease.ID)
		if kind == "" {
			kind = map[backend.LeaseKind]string{backend.LeaseNumber: idNumber, backend.LeaseProxy: idProxy,
				backend.LeaseDomain: idDomain, backend.LeaseSSL: idSSL}[t.Lease.Kind]
		}
		label := t.Lease.Name
		if kind == idNumber {
			label, _, _ = strings.Cut(label, " · ")
		}
		return target{kind: kind, id: raw, label: label, lease: t.Lease}, nil
	case t.Job != nil:
		kind, raw := splitID(t.Job.ID)
		return target{kind: kind, id: raw, label: t.Job.Title, job: t.Job}, nil
	}
	if act.Target != "" {
		_, _, item, id := act.Target.Parts()
		switch item {
		case backend.ItemLine:
			return target{kind: idNumber, id: id}, nil
		case backend.ItemLease, backend.ItemJob:
			kind, raw := splitID(id)
			return target{kind: kind, id: raw}, nil
		}
	}
	return target{}, p.c.t.Error(string(act.Kind), backend.ErrInvalid, 0, "", "no target for this action")
}

func (p *Provider) unsupported(act backend.Action, what string) error {
	return p.c.t.Error(act.Kind.Verb()+" "+what, backend.ErrUnsupported, 0, "", "piv.day has no way to "+act.Kind.Verb()+" a "+what)
}

// Do carries out an action. Paid calls are sent once; a timeout or a lost
// answer comes back as ErrOutcomeUnknown for Settle to resolve.
func (p *Provider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	if act.Kind == backend.ActBuy {
		return p.buy(ctx, act)
	}
	tg, err := p.resolve(act, t)
	if act.Kind == backend.ActRestore && (err != nil || tg.kind != idProxy) {
		return p.restoreNumbers(ctx, act, t) // one or several numbers
	}
	if err != nil {
		return backend.Outcome{}, err
	}
	c := p.c.For(tg.label)
	if tg.label == "" {
		c = p.c
	}
	switch act.Kind {
	case backend.ActRenew:
		return p.renew(ctx, c, act, tg)
	case backend.ActRestore:
		return p.restoreProxy(ctx, c, tg)
	case backend.ActAutoRenewOn, backend.ActAutoRenewOff:
		return p.autoRenew(ctx, c, act, tg)
	case backend.ActExport:
		if tg.kind != idProxy {
			return backend.Outcome{}, p.unsupported(act, tg.kind)
		}
		format := ExportSOCKS5
		switch act.Format {
		case "http":
			format = ExportHTTP
		case "both":
			format = ExportBoth
		}
		ex, err := c.ProxyExport(ctx, tg.id, format)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Export: sanitize.Text(string(ex.Content)),
			Note: fmt.Sprintf("exported %d proxies (%s)", int(ex.Count), sanitize.Line(string(ex.Format)))}, nil
	case backend.ActCheck:
		return p.check(ctx, c, tg)
	}
	return backend.Outcome{}, p.unsupported(act, tg.kind)
}

func actMonths(act backend.Action, c *Client) (int, error) {
	switch {
	case act.Months < 0:
		return 0, c.t.Error(string(act.Kind), backend.ErrInvalid, 0, "", "the period must be at least 1")
	case act.Months == 0:
		return 1, nil
	}
	return act.Months, nil
}

// renew extends a number, a proxy order or a domain.
//
// No piv.day renewal or restore opens a new receiving window, so no line
// comes back with NewWindow: a number is a monthly rental that receives
// all the time (GET /numbers/{id}/sms is one history over its whole
// life), renewing "extends an active number", and a restore brings it back
// "with SMS history and settings preserved". Nothing is re-armed to wait
// for one code, so the newest code stays the number's code.
func (p *Provider) renew(ctx context.Context, c *Client, act backend.Action, tg target) (backend.Outcome, error) {
	n, err := actMonths(act, c)
	if err != nil {
		return backend.Outcome{}, err
	}
	switch tg.kind {
	case idNumber:
		r, err := c.RenewNumber(ctx, tg.id, n)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Charged: money(r.Cost),
			Note: fmt.Sprintf("renewed %s to %s", labelOr(tg.label, string(r.Phone)), day(r.NewExpiresAt.Time))}
		p.numberChanged(ctx, &out, tg, func(l *backend.Line) {
			if !r.NewExpiresAt.IsZero() {
				l.ExpiresAt = backend.InstantOf(r.NewExpiresAt.Time)
			}
			l.RawState = "active"
		})
		return out, nil
	case idProxy:
		r, err := c.RenewProxy(ctx, tg.id, n)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Charged: money(r.Cost), Note: "proxy order renewed to " + day(r.NewExpiresAt.Time)}
		if tg.lease != nil {
			l := *tg.lease
			if !r.NewExpiresAt.IsZero() {
				l.ExpiresAt = r.NewExpiresAt.Time
			}
			out.Leases = []backend.Lease{l}
		}
		return out, nil
	case idDomain:
		r, err := c.RenewDomain(ctx, tg.id, n)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Note: "domain renewal queued"}
		if r.QueueID == "" {
			return out, nil // nothing to follow; the next domain listing shows the new expiry
		}
		id := kindID(idQueue, ident(r.QueueID))
		j := backend.Job{Key: p.jobKey(id), Account: p.account, Provider: backend.PivDay, ID: id,
			Kind: backend.JobDomainRegistration, Title: "renew " + labelOr(tg.label, "domain"), State: backend.JobQueued,
			RawState: "pending", CreatedAt: p.now().UTC(), UpdatedAt: p.now().UTC()}
		out.Jobs = []backend.Job{j}
		return out, nil
	}
	return backend.Outcome{}, p.unsupported(act, tg.kind)
}

func labelOr(label, alt string) string {
	if label != "" {
		return label
	}
	return sanitize.Line(alt)
}

// numberChanged puts the changed number into the outcome: the snapshot with
// the change applied, or (without a snapshot) the number read again.
func (p *Provider) numberChanged(ctx context.Context, out *backend.Outcome, tg target, change func(*backend.Line)) {
	now := p.now()
	var l backend.Line
	switch {
	case tg.line != nil:
		l = *tg.line
	default:
		n, err := p.c.Number(ctx, tg.id)
		if err != nil {
			return // the action is done; the next poll brings the number
		}
		l = p.numberLine(ctx, n, now)
		out.Lines = append(out.Lines, l)
		out.Leases = append(out.Leases, p.numberLease(l))
		return
	}
	change(&l)
	l = p.refreshLine(l, now)
	out.Lines = append(out.Lines, l)
	out.Leases = append(out.Leases, p.numberLease(l))
}

func (p *Provider) autoRenew(ctx context.Context, c *Client, act backend.Action, tg target) (backend.Outcome, error) {
	on := act.Kind == backend.ActAutoRenewOn
	switch tg.kind {
	case idNumber:
		r, err := c.SetNumberAutoRenew(ctx, tg.id, on)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Note: "auto-renew " + onOff(bool(r.AutoRenew)) + " for " + labelOr(tg.label, string(r.Phone))}
		p.numberChanged(ctx, &out, tg, func(l *backend.Line) { l.AutoRenew = bool(r.AutoRenew) })
		return out, nil
	case idDomain:
		r, err := c.SetDomainAutoRenew(ctx, tg.id, on)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Note: "auto-renew " + onOff(bool(r.AutoRenew)) + " for " + labelOr(tg.label, "the domain")}
		if tg.lease != nil {
			l := *tg.lease
			l.AutoRenew = bool(r.AutoRenew)
			l.Allowed = domainAllowed(l.AutoRenew)
			out.Leases = []backend.Lease{l}
		}
		return out, nil
	}
	return backend.Outcome{}, p.unsupported(act, tg.kind)
}

// restoreIDs collects the numbers a restore names, in the order given.
func (p *Provider) restoreIDs(act backend.Action, t backend.Target) ([]string, map[string]backend.Line) {
	var ids []string
	snap := map[string]backend.Line{}
	add := func(id string) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, l := range t.Lines {
		add(l.ID)
		snap[l.ID] = l
	}
	if t.Line != nil {
		add(t.Line.ID)
		snap[t.Line.ID] = *t.Line
	}
	if t.Lease != nil {
		if kind, raw := splitID(t.Lease.ID); kind == idNumber {
			add(raw)
		}
	}
	for _, k := range append([]backend.Key{act.Target}, act.Targets...) {
		if k == "" {
			continue
		}
		_, _, item, id := k.Parts()
		if item == backend.ItemLease {
			kind, raw := splitID(id)
			if kind != idNumber {
				continue
			}
			id = raw
		} else if item != backend.ItemLine {
			continue
		}
		add(id)
	}
	return ids, snap
}

// restoreNumbers restores expired numbers; like a renewal it opens no new
// receiving window (see renew).
func (p *Provider) restoreNumbers(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	ids, snap := p.restoreIDs(act, t)
	if len(ids) == 0 {
		return backend.Outcome{}, p.c.t.Error("restore numbers", backend.ErrInvalid, 0, "", "no numbers to restore")
	}
	c := p.c
	if len(ids) == 1 && snap[ids[0]].Number != "" {
		c = p.c.For(snap[ids[0]].Number)
	}
	r, err := c.RestoreNumbers(ctx, ids)
	if err != nil {
		return backend.Outcome{}, err
	}
	now := p.now()
	out := backend.Outcome{Done: true, Charged: money(r.TotalCharged),
		Note: fmt.Sprintf("restore queued for %d numbers, %d skipped", int(r.Queued), int(r.Skipped))}
	for _, n := range r.Numbers {
		l, ok := snap[ident(n.ID)]
		if !ok {
			continue
		}
		l.RawState = "pending_restore"
		l = p.refreshLine(l, now)
		out.Lines = append(out.Lines, l)
	}
	id := restoreID(ids)
	title := fmt.Sprintf("restore %d numbers", len(ids))
	if len(ids) == 1 {
		title = "restore " + labelOr(snap[ids[0]].Number, ids[0])
	}
	out.Jobs = []backend.Job{{Key: p.jobKey(id), Account: p.account, Provider: backend.PivDay, ID: id,
		Kind: backend.JobRestore, Title: title, State: backend.JobRunning, RawState: "pending",
		Detail: fmt.Sprintf("%d queued, %d skipped", int(r.Queued), int(r.Skipped)),
		Cost:   money(r.TotalCharged), CreatedAt: now.UTC(), UpdatedAt: now.UTC()}}
	return out, nil
}

func (p *Provider) restoreProxy(ctx context.Context, c *Client, tg target) (backend.Outcome, error) {
	r, err := c.RestoreProxy(ctx, tg.id)
	if err != nil {
		return backend.Outcome{}, err
	}
	out := backend.Outcome{Done: true, Charged: money(r.TotalCost), Note: "proxy order restored to " + day(r.ExpiresAt.Time)}
	if tg.lease != nil {
		l := *tg.lease
		l.State = "active"
		l.Allowed = proxyAllowed("active")
		if !r.ExpiresAt.IsZero() {
			l.ExpiresAt = r.ExpiresAt.Time
		}
		out.Leases = []backend.Lease{l}
	}
	return out, nil
}

// check re-reads one object now.
func (p *Provider) check(ctx context.Context, c *Client, tg target) (backend.Outcome, error) {
	now := p.now()
	switch tg.kind {
	case idNumber:
		n, err := c.Number(ctx, tg.id)
		if err != nil {
			return backend.Outcome{}, err
		}
		l := p.numberLine(ctx, n, now)
		out := backend.Outcome{Done: true, Leases: []backend.Lease{p.numberLease(l)}}
		lines, msgs, err := p.Check(ctx, []backend.Line{l})
		if err != nil {
			return backend.Outcome{}, err
		}
		if len(lines) > 0 {
			l = lines[0]
		}
		out.Lines, out.Messages = []backend.Line{l}, msgs
		return out, nil
	case idProxy:
		o, err := c.ProxyOrder(ctx, tg.id)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Leases: []backend.Lease{p.proxyLease(o)}}, nil
	case idDomain, idSSL:
		d, err := c.Domain(ctx, tg.id)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Leases: p.domainLeases(d)}, nil
	case idWhite, idQueue, idRestore:
		if tg.job == nil {
			return backend.Outcome{}, c.t.Error("check job", backend.ErrInvalid, 0, "", "no job snapshot to follow")
		}
		j, err := p.followJob(ctx, *tg.job)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Jobs: []backend.Job{j}}, nil
	}
	return backend.Outcome{}, c.t.Error("check", backend.ErrUnsupported, 0, "", "nothing to read for this item")
}

// buy places a number or proxy order from act.Buy.
func (p *Provider) buy(ctx context.Context, act backend.Action) (backend.Outcome, error) {
	b := act.Buy
	invalid := func(msg string) (backend.Outcome, error) {
		return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", msg)
	}
	if b == nil {
		return invalid("nothing to buy")
	}
	monthsN := b.Months
	if monthsN == 0 {
		monthsN = 1
	}
	switch b.Category {
	case CategoryNumber:
		country := strings.ToUpper(strings.TrimSpace(b.Country))
		if country == "" {
			return invalid("choose a country")
		}
		if monthsN < 1 {
			return invalid("a number is rented for at least 1 month")
		}
		r, err := p.c.PurchaseNumber(ctx, NumberOrder{Country: country, Months: monthsN, AutoRenew: b.AutoRenew, CustomName: b.Name})
		if err != nil {
			return backend.Outcome{}, err
		}
		now := p.now()
		price := p.numberPrices(ctx)[country]
		out := backend.Outcome{Done: true, Charged: money(r.Cost)}
		var bought []string
		for _, n := range r.Numbers {
			l := p.line(n, price, now)
			out.Lines = append(out.Lines, l)
			out.Leases = append(out.Leases, p.numberLease(l))
			bought = append(bought, l.Number)
		}
		out.Note = fmt.Sprintf("bought %s (%s) for %s", strings.Join(bought, ", "), country, months(monthsN))
		if len(out.Lines) == 1 {
			out.Note += ", until " + day(out.Lines[0].ExpiresAt.Time())
		}
		return out, nil
	case CategoryProxy:
		qty := b.Quantity
		if qty == 0 {
			qty = 1
		}
		switch {
		case strings.TrimSpace(b.Product) == "":
			return invalid("choose a proxy server")
		case qty < 1 || qty > 500:
			return invalid("quantity must be 1–500")
		case monthsN < 1 || monthsN > 12:
			return invalid("proxies are rented for 1–12 months")
		}
		o, err := p.c.PurchaseProxy(ctx, ProxyPurchase{ServerID: strings.TrimSpace(b.Product), Quantity: qty, Months: monthsN})
		if err != nil {
			return backend.Outcome{}, err
		}
		l := p.proxyLease(o)
		if !l.RenewPrice.Known && o.PriceTotal.Valid {
			// The purchase answer carries no price_per_proxy: a month of
			// the order costs what the purchase charged for one.
			l.RenewPrice = backend.NewMoney(o.PriceTotal.Value.Div(decimal.NewFromInt(int64(monthsN))), Currency)
		}
		return backend.Outcome{Done: true, Charged: money(o.PriceTotal), Leases: []backend.Lease{l},
			Note: fmt.Sprintf("bought %s until %s", l.Name, day(l.ExpiresAt))}, nil
	}
	return invalid("piv.day sells \"number\" and \"proxy\", not " + fmt.Sprintf("%q", sanitize.Line(b.Category)))
}
