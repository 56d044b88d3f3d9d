package market

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// --- buying ---------------------------------------------------------------------

// buyCategory is the request's category; a request with a link but an
// unrecognised category is a boost (the picker's category step may have
// put the boost category there).
func buyCategory(b *backend.BuyRequest) string {
	switch b.Category {
	case CategoryNumbers, CategoryBoost, CategoryLogs:
		return b.Category
	}
	if b.Link != "" {
		return CategoryBoost
	}
	return b.Category
}

// buy places an order. The idempotency key is the action's id, in the
// body, on this and every later send of the same purchase.
// IDEMPOTENCY_KEY_IN_PROGRESS means an earlier send of this purchase is
// still being processed: wait briefly, re-read the orders, and if it has
// not appeared report an unknown outcome for Settle.
func (p *Provider) buy(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	if err := p.validBuy(act); err != nil {
		return backend.Outcome{}, err
	}
	out, err := p.place(ctx, act, t)
	if !isCode(err, codeKeyInProgress) {
		return out, err
	}
	for range p.progressTries {
		if serr := transport.Sleep(ctx, p.progressWait); serr != nil {
			break
		}
		s, rerr := p.findPurchase(ctx, act, t)
		if rerr == nil && s.found {
			return s.out, nil
		}
	}
	return backend.Outcome{}, &backend.Error{Provider: backend.Market, Op: "buy", Kind: backend.ErrOutcomeUnknown,
		Code: codeKeyInProgress, Message: "the marketplace is still processing this purchase — outcome unknown, checking before anything is sent again"}
}

func (p *Provider) validBuy(act backend.Action) error {
	b := act.Buy
	if b == nil {
		return p.errorf("buy", backend.ErrInvalid, "nothing chosen to buy")
	}
	if act.ID == "" {
		return p.errorf("buy", backend.ErrInvalid, "a purchase needs an idempotency key (the action id)")
	}
	switch buyCategory(b) {
	case CategoryNumbers:
		if b.Country == "" || b.Product == "" {
			return p.errorf("buy number", backend.ErrInvalid, "choose a country and a service")
		}
	case CategoryBoost:
		if b.Product == "" || b.Link == "" || b.Quantity <= 0 {
			return p.errorf("buy boost", backend.ErrInvalid, "a boost needs a service, a link and a quantity")
		}
	case CategoryLogs:
		if b.Product == "" || b.Quantity < 0 {
			return p.errorf("buy logs", backend.ErrInvalid, "choose a logs category")
		}
	default:
		return p.errorf("buy", backend.ErrInvalid, "unknown category %q (numbers, boost or logs)", b.Category)
	}
	return nil
}

// place sends the purchase once (the same body and key every time it is
// called for the same action).
func (p *Provider) place(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	b := act.Buy
	switch buyCategory(b) {
	case CategoryNumbers:
		placed, err := p.client.BuyNumber(ctx, NumberPurchase{CountryID: b.Country, ServiceID: b.Product,
			AreaCodes: b.AreaCodes, IdempotencyKey: act.ID})
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true}
		if placed.HasOrder {
			l, m := p.line(placed.Order)
			out.Lines, out.Messages, out.Charged = []backend.Line{l}, m, l.Price
			out.Note = strings.TrimSpace("bought " + l.Number + " for " + l.Service)
		} else {
			out = p.placedElsewhere(ctx, act, t)
		}
		p.balanceAfter(&out, placed.HasBalance, placed.Balance, placed.Currency)
		return out, nil
	case CategoryBoost:
		placed, err := p.client.BuyBoost(ctx, BoostPurchase{ServiceID: b.Product, Link: b.Link,
			Quantity: b.Quantity, IdempotencyKey: act.ID})
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true}
		if placed.HasOrder {
			j := p.boostJob(placed.Order)
			out.Jobs, out.Charged, out.Note = []backend.Job{j}, j.Cost, "ordered "+j.Title
		} else {
			out = p.placedElsewhere(ctx, act, t)
		}
		p.balanceAfter(&out, placed.HasBalance, placed.Balance, placed.Currency)
		return out, nil
	default:
		qty := max(b.Quantity, 1)
		placed, err := p.client.BuyLogs(ctx, LogsPurchase{CategoryID: b.Product, Quantity: qty, IdempotencyKey: act.ID})
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true}
		if placed.HasOrder {
			j := p.logsJob(placed.Order)
			out.Jobs, out.Charged, out.Note = []backend.Job{j}, j.Cost, "bought "+j.Title
		} else {
			out = p.placedElsewhere(ctx, act, t)
		}
		p.balanceAfter(&out, placed.HasBalance, placed.Balance, placed.Currency)
		return out, nil
	}
}

// placedElsewhere handles a success answer that names no order: the
// order is looked up in the recent listing.
func (p *Provider) placedElsewhere(ctx context.Context, act backend.Action, t backend.Target) backend.Outcome {
	if s, err := p.findPurchase(ctx, act, t); err == nil && s.found {
		return s.out
	}
	return backend.Outcome{Done: true, Note: "order placed; it will show with the next refresh"}
}

// balanceAfter records the balance a purchase answer carries, in the
// currency it names, else the order's.
func (p *Provider) balanceAfter(out *backend.Outcome, has bool, amount decimal.Decimal, currency string) {
	if currency == "" && out.Charged.Known {
		currency = out.Charged.Currency
	}
	if has {
		m := p.money(amount, true, currency)
		out.Balance = &m
	}
}

// purchaseSearch is what a re-read of recent orders says about a purchase.
type purchaseSearch struct {
	found bool
	out   backend.Outcome
	// covered: the page reaches back past the purchase, so an order it
	// lacks was not placed.
	covered bool
}

// findPurchase looks for the order a purchase created among the recent
// orders of its category: the order echoing the idempotency key when the
// marketplace echoes keys; otherwise the earliest order not known before
// the purchase (Target.KnownIDs), created after it (less clock skew), with
// the purchase's service / country / link / quantity where the order
// shows them.
func (p *Provider) findPurchase(ctx context.Context, act backend.Action, t backend.Target) (purchaseSearch, error) {
	b := act.Buy
	since := act.CreatedAt.Add(-purchaseSkew)
	var s purchaseSearch
	switch buyCategory(b) {
	case CategoryNumbers:
		orders, pg, err := p.client.NumberOrders(ctx, 1, recentPerPage)
		if err != nil {
			return s, err
		}
		best := -1
		for i, o := range orders {
			ok, sure := p.matches(act, t, o.ID, o.IdempotencyKey, o.CreatedAt, since,
				same(o.ServiceID, b.Product) && same(o.CountryID, b.Country))
			if ok && o.CreatedAt.IsZero() && !sure {
				// Without a date, only an order that is still open can be
				// this purchase (an old, closed one may have left the cache).
				l, _ := p.line(o)
				ok = l.State.Open()
			}
			if ok && (sure || best < 0 || earlier(o.CreatedAt, orders[best].CreatedAt)) {
				best = i
			}
			if sure {
				break
			}
		}
		s.covered = covers(len(orders), pg, oldest(orders, func(o NumberOrder) time.Time { return o.CreatedAt }), since)
		if best >= 0 {
			l, m := p.line(orders[best])
			s.found, s.out = true, backend.Outcome{Done: true, Lines: []backend.Line{l}, Messages: m, Charged: l.Price,
				Note: strings.TrimSpace("bought " + l.Number + " for " + l.Service)}
		}
	case CategoryBoost:
		orders, pg, err := p.client.BoostOrders(ctx, 1, recentPerPage)
		if err != nil {
			return s, err
		}
		best := -1
		for i, o := range orders {
			ok, sure := p.matches(act, t, jobID(backend.JobBoost, o.ID), o.IdempotencyKey, o.CreatedAt, since,
				same(o.ServiceID, b.Product) && sameLink(o.Link, b.Link) && (o.Quantity == 0 || o.Quantity == b.Quantity))
			if ok && (sure || best < 0 || earlier(o.CreatedAt, orders[best].CreatedAt)) {
				best = i
			}
			if sure {
				break
			}
		}
		s.covered = covers(len(orders), pg, oldest(orders, func(o BoostOrder) time.Time { return o.CreatedAt }), since)
		if best >= 0 {
			j := p.boostJob(orders[best])
			s.found, s.out = true, backend.Outcome{Done: true, Jobs: []backend.Job{j}, Charged: j.Cost, Note: "ordered " + j.Title}
		}
	default:
		orders, pg, err := p.client.LogOrders(ctx, 1, recentPerPage)
		if err != nil {
			return s, err
		}
		qty := max(b.Quantity, 1)
		best := -1
		for i, o := range orders {
			ok, sure := p.matches(act, t, jobID(backend.JobLogs, o.ID), o.IdempotencyKey, o.CreatedAt, since,
				same(o.CategoryID, b.Product) && (o.Quantity == 0 || o.Quantity == qty))
			if ok && (sure || best < 0 || earlier(o.CreatedAt, orders[best].CreatedAt)) {
				best = i
			}
			if sure {
				break
			}
		}
		s.covered = covers(len(orders), pg, oldest(orders, func(o LogOrder) time.Time { return o.CreatedAt }), since)
		if best >= 0 {
			j := p.logsJob(orders[best])
			s.found, s.out = true, backend.Outcome{Done: true, Jobs: []backend.Job{j}, Charged: j.Cost, Note: "bought " + j.Title}
		}
	}
	return s, nil
}

// matches says whether an order may be the purchase's (ok) and whether
// that is certain (the order echoes the purchase's key).
func (p *Provider) matches(act backend.Action, t backend.Target, id, key string, created, since time.Time, fields bool) (ok, sure bool) {
	if key != "" {
		return key == act.ID, key == act.ID
	}
	if t.KnownIDs != nil && t.KnownIDs[id] {
		return false, false
	}
	if t.KnownIDs == nil && created.IsZero() {
		return false, false // nothing to tell a new order from an old one
	}
	if !created.IsZero() && !act.CreatedAt.IsZero() && created.Before(since) {
		return false, false
	}
	return fields, false
}

// same compares an order's field with the request's when the order shows it.
func same(got, want string) bool { return got == "" || strings.EqualFold(got, want) }

func sameLink(got, want string) bool {
	if got == "" {
		return true
	}
	norm := func(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }
	return strings.EqualFold(norm(got), norm(want))
}

func earlier(a, b time.Time) bool { return !a.IsZero() && (b.IsZero() || a.Before(b)) }

func oldest[T any](xs []T, at func(T) time.Time) time.Time {
	var o time.Time
	for _, x := range xs {
		if t := at(x); !t.IsZero() && (o.IsZero() || t.Before(o)) {
			o = t
		}
	}
	return o
}

// covers: the first page holds every order since the purchase — it is
// the whole listing, or its oldest order predates the purchase.
func covers(n int, pg Page, oldestAt, since time.Time) bool {
	if n < recentPerPage && !pg.HasNext {
		return true
	}
	return !oldestAt.IsZero() && oldestAt.Before(since)
}
