package nonvoip

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// --- actions --------------------------------------------------------------

// Do carries out an action: buy (USA or country-wise order), reuse,
// reject, renew, activate, check.
func (p *Provider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy:
		return p.buy(ctx, act)
	case backend.ActCheck:
		nl, msgs, err := p.refresh(ctx, p.targetLine(act, t))
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Lines: []backend.Line{nl}, Messages: msgs, Note: "checked"}, nil
	case backend.ActReject:
		return p.reject(ctx, act, p.targetLine(act, t))
	case backend.ActRenew:
		return p.renew(ctx, act, p.targetLine(act, t))
	case backend.ActActivate:
		return p.activate(ctx, p.targetLine(act, t))
	case backend.ActReuse:
		l := p.targetLine(act, t)
		ref := refOf(l)
		if act.Buy != nil && act.Buy.ReuseOrder != "" {
			ref = OrderRef{OrderID: act.Buy.ReuseOrder}
		}
		return p.reuse(ctx, act, ref, l)
	}
	return backend.Outcome{}, p.c.t.Error(string(act.Kind), backend.ErrUnsupported, 0, "",
		"NonVoip has no "+act.Kind.Verb()+" action")
}

// targetLine is the line an action names: the journaled snapshot, else a
// bare line from the key.
func (p *Provider) targetLine(act backend.Action, t backend.Target) backend.Line {
	if t.Line != nil {
		return cloneLine(*t.Line)
	}
	id := act.Target.ID()
	return cloneLine(backend.Line{Key: p.key(id), Account: p.account, Provider: backend.NonVoip, ID: id})
}

func (p *Provider) buy(ctx context.Context, act backend.Action) (backend.Outcome, error) {
	b := act.Buy
	if b == nil {
		return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "nothing to buy")
	}
	if b.ReuseOrder != "" || b.ReuseNumber != "" {
		ref := OrderRef{OrderID: b.ReuseOrder, Number: strings.TrimPrefix(b.ReuseNumber, "+"), Service: b.Product}
		return p.reuse(ctx, act, ref, backend.Line{})
	}
	now := p.clock()
	cat := normalType(b.Category)
	switch cat {
	case TypeCountry:
		o, err := p.c.CountryOrder(ctx, b.Product)
		if err != nil {
			return backend.Outcome{}, err
		}
		l := p.lineFromOrder(o, TypeCountry, b.Product, act.Cost, now)
		out := backend.Outcome{Done: true, Lines: []backend.Line{l}, Note: "ordered " + describeLine(l)}
		if o.HasCost {
			out.Charged = backend.NewMoney(o.Cost, Currency)
		}
		return out, nil
	case TypeShortTerm, TypeLongTerm, TypeOneDay, TypeThreeDays:
	default:
		return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "",
			fmt.Sprintf("unknown NonVoip category %q", b.Category))
	}
	params := OrderParams{ProductID: b.Product, Auction: b.Auction, AcceptedMaxPrice: b.AcceptedMaxPrice}
	if len(b.Products) > 0 {
		if cat != TypeLongTerm {
			return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "",
				"several services on one number are for 30-day (long_term) orders only")
		}
		ids := productSet(b.Product, b.Products)
		if len(ids) == 1 {
			params.ProductID = ids[0]
		} else {
			params.ProductID, params.ProductIDs = "", ids
		}
	}
	res, err := p.c.Order(ctx, params)
	if err != nil {
		return backend.Outcome{}, err
	}
	if res.Offer != nil {
		return backend.Outcome{Offer: res.Offer, Note: offerNote(*res.Offer)}, nil
	}
	price, accepted := acceptedPrice(act)
	if len(res.Orders) > 1 {
		price, accepted = backend.Money{}, false // the estimate covers them all
	}
	out := backend.Outcome{Done: true}
	var names []string
	var stated decimal.Decimal
	costed := len(res.Orders) > 0 // every order states its cost
	for _, o := range res.Orders {
		l := p.lineFromOrder(o, cat, params.ProductID, price, now) // a cost the answer states wins
		out.Lines = append(out.Lines, l)
		names = append(names, describeLine(l))
		stated, costed = stated.Add(o.Cost), costed && o.HasCost
	}
	switch {
	case costed:
		out.Charged = backend.NewMoney(stated, Currency)
	case accepted:
		out.Charged = price
	}
	out.Note = "ordered " + strings.Join(names, ", ")
	return out, nil
}

// acceptedPrice is what a USA order costs when its answer does not say
// (the document's /api/order answers name no price): after
// Price_Change_Required, the accepted_max_price the operator confirmed
// (the offer's available_price: "the actual debit is the price of the
// route"); with a premium bid, the listed price raised by the bid, to the
// cent. accepted is false when it is only the catalogue estimate
// (act.Cost, the listed price).
func acceptedPrice(act backend.Action) (price backend.Money, accepted bool) {
	price, b := act.Cost, act.Buy
	if b.AcceptedMaxPrice != nil {
		price, accepted = backend.NewMoney(*b.AcceptedMaxPrice, Currency), true
	}
	if b.Auction > 0 && price.Known {
		raised := price.Amount.Mul(decimal.NewFromInt(int64(100 + b.Auction))).Div(decimal.NewFromInt(100)).Round(2)
		price, accepted = backend.NewMoney(raised, price.Currency), true
	}
	return price, accepted
}

// productSet is Product followed by Products, without repeats.
func productSet(first string, rest []string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, id := range append([]string{first}, rest...) {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

func describeLine(l backend.Line) string {
	s := strings.TrimSpace(l.Service + " " + l.Number)
	if s == "" {
		s = "order " + l.ID
	}
	return s
}

func offerNote(o backend.Offer) string {
	usd := func(d decimal.Decimal) string { return backend.NewMoney(d, Currency).String() }
	switch o.Kind {
	case backend.OfferPriceChange:
		return fmt.Sprintf("price changed: the number now costs up to %s (listed %s, accepted without asking up to %s) — accept to order at that price",
			usd(o.Available), usd(o.Quoted), usd(o.Allowed))
	case backend.OfferPremium:
		return fmt.Sprintf("no regular number free: a premium bid of %d%% is recommended — accept to bid", o.RecommendedBid)
	}
	return "the provider asks for a decision"
}

// reuse buys a short-term number again. The answer opens a new receiving
// window on the same order id: the document's /api/reuse, "Reuse a
// short-term number", is a new paid reservation (status "Reserved",
// till_expiration 900). /api/renew ("Renew a rented number") extends the
// same rental and /api/activate ("Activate a long-term or 3-days number")
// brings the same rental online: neither starts a reservation, so their
// lines keep the rental's codes and open no window.
//
// getsms answers "the latest SMS for an order", which after a reuse is the
// previous window's until a new one arrives; it carries no date. So getsms
// is read before the reuse, and the id of the SMS it answers is kept
// (ExtraStaleSMS): Check never takes that SMS for the new window's code.
func (p *Provider) reuse(ctx context.Context, act backend.Action, ref OrderRef, old backend.Line) (backend.Outcome, error) {
	last, err := p.c.GetSMS(ctx, ref)
	if err != nil {
		return backend.Outcome{}, err // nothing sent, nothing spent
	}
	res, err := p.c.Reuse(ctx, ref)
	if err != nil {
		return backend.Outcome{}, err
	}
	if res.Offer != nil {
		return backend.Outcome{Offer: res.Offer, Note: offerNote(*res.Offer)}, nil
	}
	now := p.clock()
	out := backend.Outcome{Done: true}
	var names []string
	for _, o := range res.Orders {
		typ := TypeShortTerm // only short-term numbers are reused
		l := p.lineFromOrder(o, typ, old.Extra[ExtraProduct], act.Cost, now)
		if l.Service == "" {
			l.Service = old.Service
		}
		if l.Number == "" {
			l.Number = old.Number
		}
		// Set, not left out: the engine keeps Extra keys an answer omits.
		l.Extra[ExtraUsed], l.Extra[ExtraStaleSMS] = "0", last.MessageID
		l.NewWindow, l.WindowAt = true, backend.InstantOf(now)
		p.settleState(&l, now)
		out.Lines = append(out.Lines, l)
		names = append(names, describeLine(l))
	}
	out.Note = "reused " + strings.Join(names, ", ")
	return out, nil
}

func (p *Provider) reject(ctx context.Context, act backend.Action, l backend.Line) (backend.Outcome, error) {
	p.rememberBalance(ctx, act.ID)
	msg, err := p.c.Reject(ctx, refOf(l))
	if err != nil {
		if backend.KindOf(err) != backend.ErrOutcomeUnknown {
			p.forget(act.ID)
		}
		return backend.Outcome{}, err
	}
	p.forget(act.ID)
	nl := p.closeAs(l, backend.LineCanceled)
	if msg == "" {
		msg = "rejected and refunded"
	}
	return backend.Outcome{Done: true, Note: msg, Lines: []backend.Line{nl}}, nil
}

// renewDuration is the duration field for a renewal: Months of 30 days
// for a 30-day number ("30d" as in the document's example); other rentals
// renew for the provider's default period.
func renewDuration(kind string, months int) string {
	if kind == TypeLongTerm && months > 0 {
		return fmt.Sprintf("%dd", 30*months)
	}
	return ""
}

func (p *Provider) renew(ctx context.Context, act backend.Action, l backend.Line) (backend.Outcome, error) {
	if l.Kind == TypeShortTerm || l.Kind == TypeCountry {
		return backend.Outcome{}, p.c.t.Error("renew order "+l.ID, backend.ErrUnsupported, 0, "",
			"only rented numbers (30-day, 1-day, 3-day) can be renewed")
	}
	p.rememberBalance(ctx, act.ID)
	r, err := p.c.Renew(ctx, refOf(l), renewDuration(l.Kind, act.Months))
	if err != nil {
		if backend.KindOf(err) != backend.ErrOutcomeUnknown {
			p.forget(act.ID)
		}
		return backend.Outcome{}, err
	}
	p.forget(act.ID)
	now := p.clock()
	nl := cloneLine(l)
	if !nl.State.Open() {
		nl.RawState = "" // the word that closed it ("expired") no longer holds
	}
	note := "renewed"
	if !r.ExpiresAt.IsZero() {
		nl.ExpiresAt = backend.InstantOf(r.ExpiresAt)
		note = "renewed to " + r.ExpiresAt.Format("2 Jan 2006 15:04 UTC")
	}
	p.settleState(&nl, now)
	return backend.Outcome{Done: true, Note: note, Lines: []backend.Line{nl}}, nil
}

func (p *Provider) activate(ctx context.Context, l backend.Line) (backend.Outcome, error) {
	if l.Kind == TypeShortTerm || l.Kind == TypeCountry {
		return backend.Outcome{}, p.c.t.Error("activate order "+l.ID, backend.ErrUnsupported, 0, "",
			"only rented numbers (30-day, 1-day, 3-day) are activated")
	}
	a, err := p.c.Activate(ctx, refOf(l))
	if err != nil {
		return backend.Outcome{}, err
	}
	nl := cloneLine(l)
	note := "activated"
	if a.Online != "" {
		note = a.Online
	}
	if !a.Until.IsZero() {
		nl.Extra[ExtraOnlineUntil] = a.Until.Format(time.RFC3339)
		note += " until " + a.Until.Format("2 Jan 15:04 UTC")
	} else if a.Note != "" {
		note = a.Note
	}
	p.settleState(&nl, p.clock())
	return backend.Outcome{Done: true, Note: note, Lines: []backend.Line{nl}}, nil
}

// rememberBalance reads the balance before a reject or renew so Settle can
// compare after a lost answer. A failed read only weakens Settle.
func (p *Provider) rememberBalance(ctx context.Context, actionID string) {
	if actionID == "" {
		return
	}
	b, err := p.c.Balance(ctx)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.before) > 256 { // bounded: only unsettled actions matter
		clear(p.before)
	}
	p.before[actionID] = b
}

func (p *Provider) recall(actionID string) (decimal.Decimal, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.before[actionID]
	return b, ok
}

func (p *Provider) forget(actionID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.before, actionID)
}
