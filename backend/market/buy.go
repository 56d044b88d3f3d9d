package market

import (
	"context"
	"strings"

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
		Code: codeKeyInProgress, Message: "the marketplace is still processing this purchase — outcome unknown; its orders are re-read, and it is never sent again"}
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

// place sends the purchase once, with the action's id as its key. Only
// Do calls it: Settle never sends a purchase.
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
	// covered: the pages read reach orders that were there before the
	// purchase (or the end of the listing), so an order they lack was not
	// placed — or not yet (see settleGrace).
	covered bool
}

// findPurchase looks for the order a purchase created among the recent
// orders of its category (see searchOrders).
func (p *Provider) findPurchase(ctx context.Context, act backend.Action, t backend.Target) (purchaseSearch, error) {
	b := act.Buy
	var s purchaseSearch
	switch buyCategory(b) {
	case CategoryNumbers:
		o, covered, err := searchOrders(ctx, act, t, p.client.NumberOrders, func(o NumberOrder) listed {
			return listed{o.ID, o.IdempotencyKey, same(o.ServiceID, b.Product) && same(o.CountryID, b.Country)}
		})
		if o != nil {
			l, m := p.line(*o)
			s.found, s.out = true, backend.Outcome{Done: true, Lines: []backend.Line{l}, Messages: m, Charged: l.Price,
				Note: strings.TrimSpace("bought " + l.Number + " for " + l.Service)}
		}
		s.covered = covered
		return s, err
	case CategoryBoost:
		o, covered, err := searchOrders(ctx, act, t, p.client.BoostOrders, func(o BoostOrder) listed {
			return listed{jobID(backend.JobBoost, o.ID), o.IdempotencyKey,
				same(o.ServiceID, b.Product) && sameLink(o.Link, b.Link) && (o.Quantity == 0 || o.Quantity == b.Quantity)}
		})
		if o != nil {
			j := p.boostJob(*o)
			s.found, s.out = true, backend.Outcome{Done: true, Jobs: []backend.Job{j}, Charged: j.Cost, Note: "ordered " + j.Title}
		}
		s.covered = covered
		return s, err
	default:
		qty := max(b.Quantity, 1)
		o, covered, err := searchOrders(ctx, act, t, p.client.LogOrders, func(o LogOrder) listed {
			return listed{jobID(backend.JobLogs, o.ID), o.IdempotencyKey,
				same(o.CategoryID, b.Product) && (o.Quantity == 0 || o.Quantity == qty)}
		})
		if o != nil {
			j := p.logsJob(*o)
			s.found, s.out = true, backend.Outcome{Done: true, Jobs: []backend.Job{j}, Charged: j.Cost, Note: "bought " + j.Title}
		}
		s.covered = covered
		return s, err
	}
}

// listed is one order of a recent listing as searchOrders compares it.
type listed struct {
	id     string // as Target.KnownIDs and Target.Claimed name it (line / job id)
	key    string // the idempotency key, when the order echoes it
	fields bool   // service, country, link, quantity agree where the order shows them
}

// searchOrders reads recent orders (newest first) for the one a purchase
// created: the order echoing the purchase's idempotency key when the
// marketplace echoes keys; otherwise the oldest order that was not there
// before the purchase (Target.KnownIDs) and whose fields agree. An order
// another action already settled onto (Target.Claimed) is never taken, so
// identical lost purchases get different orders. Dates are never compared:
// the marketplace's clock is not ours. It reads on until a page holds an
// order that was there before (everything older is known) or the listing
// ends; covered reports whether it got there.
func searchOrders[T any](ctx context.Context, act backend.Action, t backend.Target,
	list func(context.Context, int, int) ([]T, Page, error), view func(T) listed) (found *T, covered bool, err error) {
	for page := 1; page <= maxListPages; page++ {
		orders, pg, err := list(ctx, page, recentPerPage)
		if err != nil {
			return nil, false, err
		}
		for i := range orders {
			o := view(orders[i])
			switch {
			case t.KnownIDs[o.id]:
				covered = true
			case t.Claimed[o.id]:
			case o.key != "":
				if o.key == act.ID {
					return &orders[i], true, nil
				}
			case o.fields:
				found = &orders[i] // newest first: the last kept is the oldest
			}
		}
		more := pg.HasNext || (!pg.Known && len(orders) >= recentPerPage)
		if covered || !more {
			return found, true, nil
		}
	}
	return found, false, nil
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
