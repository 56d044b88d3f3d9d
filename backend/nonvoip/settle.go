package nonvoip

import (
	"context"
	"strings"

	"switchboard/backend"
)

// --- settling ---------------------------------------------------------------

// lostPurchaseNote tells the operator what to check by hand for a
// purchase or reuse whose answer was lost: NonVoip cannot list orders, so
// no order can be matched to it (Target.KnownIDs and Claimed have nothing
// to apply to), and it is never sent again.
func lostPurchaseNote(act backend.Action) string {
	what := "this purchase"
	if b := act.Buy; b != nil {
		switch {
		case b.ReuseOrder != "":
			what = "order " + b.ReuseOrder + " was reused (charged again)"
		case b.ReuseNumber != "":
			what = "number " + b.ReuseNumber + " was reused (charged again)"
		default:
			what = "the " + b.Category + " order of product " + strings.Join(productSet(b.Product, b.Products), ", ") + " was placed"
		}
	} else if act.Kind == backend.ActReuse {
		what = "order " + act.Target.ID() + " was reused (charged again)"
	}
	if !act.CreatedAt.IsZero() {
		what += " (sent " + act.CreatedAt.UTC().Format("2 Jan 15:04 UTC") + ")"
	}
	return "NonVoip cannot list orders, so Switchboard cannot tell whether " + what +
		"; it will not send it again. Check the order history on the NonVoip site by hand, " +
		"and add an order placed there with :add nonvoip <order id> (an incoming-SMS callback would also show it)"
}

// Settle re-reads the provider after an action whose answer was lost.
//   - buy / reuse: NonVoip has no order listing, so it stays unknown with
//     a note saying what to check by hand (the engine may still learn of
//     the order from a callback).
//   - reject: getsms 404, or a status word or refusal saying rejected →
//     happened;
//     an SMS on the order → not done (reject is refused after an SMS);
//     otherwise the balance read before the call decides (up → refunded,
//     same → not done).
//   - renew: getsms saying the order is gone, rejected or expired → not
//     done; an expiry later than the journaled one → happened; the same
//     expiry → not done; without an expiry on getsms, the balance read
//     before the call decides (down by the cost → happened, same → not
//     done).
//   - activate costs nothing and cannot be re-read: not done, send again.
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy, backend.ActReuse:
		return backend.SettledUnknown, backend.Outcome{Note: lostPurchaseNote(act)}, nil
	case backend.ActActivate:
		return backend.SettledNotDone, backend.Outcome{Note: "activation cannot be re-read; it costs nothing and may be sent again"}, nil
	case backend.ActReject:
		return p.settleReject(ctx, act, p.targetLine(act, t))
	case backend.ActRenew:
		return p.settleRenew(ctx, act, p.targetLine(act, t))
	case backend.ActCheck:
		return backend.SettledNotDone, backend.Outcome{}, nil
	}
	return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error(string(act.Kind), backend.ErrUnsupported, 0, "",
		"NonVoip has no "+act.Kind.Verb()+" action")
}

func (p *Provider) settleReject(ctx context.Context, act backend.Action, l backend.Line) (backend.Settled, backend.Outcome, error) {
	s, err := p.c.GetSMS(ctx, refOf(l))
	switch {
	case orderGone(err) || stateOf(err) == backend.LineCanceled:
		p.forget(act.ID)
		nl := p.closeAs(l, backend.LineCanceled)
		return backend.SettledHappened, backend.Outcome{Note: "the order is gone or rejected: rejected", Lines: []backend.Line{nl}}, nil
	case err != nil:
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	nl, msgs := p.applySMS(l, s)
	switch {
	case nl.State == backend.LineCanceled:
		p.forget(act.ID)
		nl = p.closeAs(nl, backend.LineCanceled)
		return backend.SettledHappened, backend.Outcome{Note: "rejected (" + s.OrderStatus + ")", Lines: []backend.Line{nl}}, nil
	case !s.Waiting:
		p.forget(act.ID)
		return backend.SettledNotDone, backend.Outcome{Note: "an SMS arrived: the number was not rejected",
			Lines: []backend.Line{nl}, Messages: msgs}, nil
	}
	before, ok := p.recall(act.ID)
	if !ok {
		return backend.SettledUnknown, backend.Outcome{Note: "the order still answers and no balance was read before the reject"}, nil
	}
	bal, err := p.c.Balance(ctx)
	if err != nil {
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	p.forget(act.ID)
	money := backend.NewMoney(bal, Currency)
	if bal.GreaterThan(before) {
		nl = p.closeAs(nl, backend.LineCanceled)
		return backend.SettledHappened, backend.Outcome{Note: "refund visible in the balance: rejected",
			Lines: []backend.Line{nl}, Balance: &money}, nil
	}
	return backend.SettledNotDone, backend.Outcome{Note: "no refund in the balance: not rejected",
		Lines: []backend.Line{nl}, Balance: &money}, nil
}

func (p *Provider) settleRenew(ctx context.Context, act backend.Action, l backend.Line) (backend.Settled, backend.Outcome, error) {
	s, err := p.c.GetSMS(ctx, refOf(l))
	if nl, closed := p.closedBy(l, err); closed {
		p.forget(act.ID)
		return backend.SettledNotDone, backend.Outcome{Note: "the number is " + string(nl.State) + ": it was not renewed",
			Lines: []backend.Line{nl}}, nil
	}
	switch {
	case err != nil:
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	old := l.ExpiresAt
	nl, msgs := p.applySMS(l, s)
	if !s.ExpiresAt.IsZero() && !old.IsZero() {
		p.forget(act.ID)
		if s.ExpiresAt.After(old.Time()) {
			return backend.SettledHappened, backend.Outcome{Note: "renewed to " + s.ExpiresAt.Format("2 Jan 2006 15:04 UTC"),
				Lines: []backend.Line{nl}, Messages: msgs}, nil
		}
		return backend.SettledNotDone, backend.Outcome{Note: "the expiry did not move: not renewed",
			Lines: []backend.Line{nl}, Messages: msgs}, nil
	}
	before, ok := p.recall(act.ID)
	if !ok {
		return backend.SettledUnknown, backend.Outcome{Note: "NonVoip shows no expiry on the order and no balance was read before the renewal",
			Messages: msgs}, nil
	}
	bal, err := p.c.Balance(ctx)
	if err != nil {
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	money := backend.NewMoney(bal, Currency)
	switch {
	case bal.Equal(before):
		p.forget(act.ID)
		return backend.SettledNotDone, backend.Outcome{Note: "the balance did not move: not renewed", Balance: &money, Messages: msgs}, nil
	case act.Cost.Known && act.Cost.Amount.IsPositive() && bal.LessThanOrEqual(before.Sub(act.Cost.Amount)):
		p.forget(act.ID)
		return backend.SettledHappened, backend.Outcome{Note: "the renewal price left the balance: renewed (new expiry not shown by NonVoip)",
			Balance: &money, Messages: msgs}, nil
	}
	return backend.SettledUnknown, backend.Outcome{Note: "the balance moved by another amount: cannot tell", Balance: &money, Messages: msgs}, nil
}
