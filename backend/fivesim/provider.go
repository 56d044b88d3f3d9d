// Package fivesim is Switchboard's adapter for 5sim (API v1, 5sim.md; the
// facts it relies on are in docs/providers.md, "5sim"): activation
// and hosting orders with their SMS, balance with frozen balance and
// rating, and the buy picker. 5sim answers errors in plain text, may
// answer a failed purchase with HTTP 200, never sends Retry-After and
// names no currency; all of that is handled here so the engine sees only
// the normalized domain.
package fivesim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/backend/transport"
)

// Config sets up one 5sim account.
type Config struct {
	Account string
	BaseURL string // default DefaultBaseURL
	APIKey  string
	Budget  *backend.Budget // default backend.NewBudget(Traits().PerMinute)
	HTTP    *http.Client
	Timeout time.Duration // per attempt; transport default when zero
}

// Provider is one 5sim account. It implements backend.Provider and
// backend.BuyFlow and is safe for concurrent use.
type Provider struct {
	account string
	c       *Client
	depth   checkDepth
}

var (
	_ backend.Provider = (*Provider)(nil)
	_ backend.BuyFlow  = (*Provider)(nil)
	_ backend.Refiner  = (*Provider)(nil)
)

// Paging and matching constants.
const (
	// listPageSize and the max pages bound Lines: open orders and recent
	// closed ones.
	listPageSize        = 100
	listActivationPages = 3
	listHostingPages    = 2
	// settlePageSize is how many recent orders Settle reads to find a buy
	// whose answer was lost.
	settlePageSize = 50
	// unanchoredSkew bounds how far behind 5sim's clock may be when a lost
	// purchase cannot be settled by the orders known before it.
	unanchoredSkew = 5 * time.Minute
)

// Keys of Line.Extra.
const (
	extraCategory = "category" // activation | hosting
	// extraReuse: bought with reuse=1, which 5sim's answers never show;
	// only Switchboard knows it, for its own purchases.
	extraReuse = "reuse"
	// extraSMS: the order has had an SMS (5sim then refuses a cancel).
	// Kept on the line so Refine can tell without the order.
	extraSMS = "sms"
	// extraProduct: 5sim's own product name ("telegram"), which re-buying
	// needs; Line.Service holds the display name ("Telegram").
	extraProduct = "product"
)

// Traits are 5sim's scheduling facts: one orders page covers every
// waiting line; the budget is Descriptor.Rate.
func Traits() backend.Traits {
	return backend.Traits{BatchCheck: true, ListsLines: true, PerMinute: Descriptor.Rate, CheckTimeout: 15 * time.Second}
}

// New builds a Provider. Account and APIKey are required.
func New(cfg Config) (*Provider, error) {
	if strings.TrimSpace(cfg.Account) == "" {
		return nil, errors.New("5sim: account name is required")
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, fmt.Errorf("5sim account %q: API key is required", cfg.Account)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Budget == nil {
		cfg.Budget = backend.NewBudget(Traits().PerMinute)
	}
	t := transport.New(transport.Config{
		Provider: backend.FiveSim,
		BaseURL:  cfg.BaseURL,
		Budget:   cfg.Budget,
		Timeout:  cfg.Timeout,
		// 5sim's per-IP and per-purchase limits answer 503, not 429.
		RateLimitAnswer: isLimitAnswer,
		Secrets:         []string{cfg.APIKey},
		Auth:            authorize(cfg.APIKey),
		HTTP:            cfg.HTTP,
	})
	return &Provider{account: cfg.Account, c: NewClient(t)}, nil
}

// Client is the typed client behind the provider.
func (p *Provider) Client() *Client { return p.c }

func (p *Provider) Kind() backend.ProviderKind { return backend.FiveSim }
func (p *Provider) Account() string            { return p.account }
func (p *Provider) Traits() backend.Traits     { return Traits() }

// Balance reads balance, frozen balance and rating. 5sim never names its
// currency, so Currency stays empty.
func (p *Provider) Balance(ctx context.Context) (backend.Account, error) {
	pr, err := p.c.Profile(ctx)
	if err != nil {
		return backend.Account{}, err
	}
	a := backend.Account{
		Name:     p.account,
		Provider: backend.FiveSim,
		Balance:  pr.Balance,
		Frozen:   pr.FrozenBalance,
		Email:    pr.Email,
	}
	if pr.HasRating {
		r := pr.Rating
		a.Rating = &r
	}
	return a, nil
}

// Lines lists recent activation and hosting orders with their SMS.
func (p *Provider) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	var lines []backend.Line
	var msgs []backend.Message
	for _, cat := range []struct {
		name  string
		pages int
	}{{CategoryActivation, listActivationPages}, {CategoryHosting, listHostingPages}} {
		orders, err := p.c.AllOrders(ctx, cat.name, listPageSize, cat.pages)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range orders {
			l, m := p.line(o, cat.name)
			lines = append(lines, l)
			msgs = append(msgs, m...)
		}
	}
	return lines, msgs, nil
}

// Check refreshes lines: one /user/orders page per category covers every
// line on it; an activation line missing from the page is read with
// /user/check/{id}, a hosting one with /user/sms/inbox/{id} (its SMS only:
// the line's state is then left as it was, apart from its code).
func (p *Provider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	want := map[string]map[int64]backend.Line{CategoryActivation: {}, CategoryHosting: {}}
	for _, l := range lines {
		id, err := strconv.ParseInt(l.ID, 10, 64)
		if err != nil {
			continue
		}
		want[category(l)][id] = l
	}
	cats := []string{CategoryActivation, CategoryHosting}
	pages, err := p.firstPages(ctx, cats, want)
	if err != nil {
		return nil, nil, err
	}
	var outL []backend.Line
	var outM []backend.Message
	for i, cat := range cats {
		pending := want[cat]
		if len(pending) == 0 {
			continue
		}
		for _, o := range pages[i].Data {
			prev, ok := pending[o.ID]
			if !ok {
				continue
			}
			l, m := p.line(o, cat)
			carry(&l, prev)
			outL = append(outL, l)
			outM = append(outM, m...)
			delete(pending, o.ID)
		}
		for _, id := range sortedIDs(pending) {
			prev := pending[id]
			var err error
			if cat == CategoryActivation {
				var o Order
				if o, err = p.c.Check(ctx, id); err == nil {
					l, m := p.line(o, cat)
					carry(&l, prev)
					outL = append(outL, l)
					outM = append(outM, m...)
				}
			} else {
				var in Inbox
				if in, err = p.c.Inbox(ctx, id); err == nil {
					l := prev
					m := p.messages(l.Key, id, in.Data)
					if code, at := newestCode(in.Data); code != "" && !at.Before(l.CodeAt.Time()) {
						l.Code, l.CodeAt = code, backend.InstantOf(at)
					}
					if len(in.Data) > 0 {
						l.Extra = maps.Clone(prev.Extra) // the engine's map is not ours to write
						if l.Extra == nil {
							l.Extra = map[string]string{}
						}
						l.Extra[extraSMS] = "1"
					}
					l.Allowed = allowed(l)
					outL = append(outL, l)
					outM = append(outM, m...)
				}
			}
			if err != nil {
				switch backend.KindOf(err) {
				case backend.ErrNotFound, backend.ErrMalformed:
					continue // this line only; the rest still get read
				}
				// Rate limit, auth, outage: stop spending the budget.
				if len(outL) == 0 {
					return nil, nil, err
				}
				return outL, outM, nil
			}
		}
	}
	return outL, outM, nil
}

// Leases: 5sim has nothing that is renewed.
func (p *Provider) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }

// Jobs: 5sim has no queued work.
func (p *Provider) Jobs(context.Context, []backend.Job) ([]backend.Job, error) { return nil, nil }

// Do carries out an action on an order or buys one.
func (p *Provider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	switch act.Kind {
	case backend.ActCancel, backend.ActFinish, backend.ActBan, backend.ActCheck:
		id, cat, err := p.target(act, t)
		if err != nil {
			return backend.Outcome{}, err
		}
		var o Order
		switch act.Kind {
		case backend.ActCancel:
			o, err = p.c.Cancel(ctx, id)
		case backend.ActFinish:
			o, err = p.c.Finish(ctx, id)
		case backend.ActBan:
			o, err = p.c.Ban(ctx, id)
		default:
			o, err = p.c.Check(ctx, id)
		}
		if err != nil {
			return backend.Outcome{}, err
		}
		l, m := p.line(o, cat)
		if t.Line != nil {
			carry(&l, *t.Line)
		}
		return backend.Outcome{Done: true, Note: actionNote(act.Kind, o), Lines: []backend.Line{l}, Messages: m}, nil
	case backend.ActBuy:
		return p.buy(ctx, act)
	case backend.ActReuse:
		if t.Line == nil || t.Line.Number == "" || productOf(*t.Line) == "" {
			return backend.Outcome{}, p.c.t.Error("re-buy number", backend.ErrInvalid, 0, "", "no finished line to re-buy")
		}
		o, err := p.c.Reuse(ctx, productOf(*t.Line), t.Line.Number)
		if err != nil {
			return backend.Outcome{}, err
		}
		return p.bought(o, CategoryActivation, true), nil
	}
	return backend.Outcome{}, p.c.t.Error(act.Kind.Verb(), backend.ErrUnsupported, 0, "",
		"5sim has no "+act.Kind.Verb()+" action")
}

func (p *Provider) buy(ctx context.Context, act backend.Action) (backend.Outcome, error) {
	b := act.Buy
	if b == nil {
		return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "nothing to buy")
	}
	cat, country, operator, product := buyParams(b)
	if b.ReuseNumber != "" {
		if product == "" {
			return backend.Outcome{}, p.c.t.Error("re-buy number", backend.ErrInvalid, 0, "", "re-buying needs the product")
		}
		o, err := p.c.Reuse(ctx, product, b.ReuseNumber)
		if err != nil {
			return backend.Outcome{}, err
		}
		return p.bought(o, CategoryActivation, true), nil
	}
	if product == "" {
		return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "choose a product")
	}
	switch cat {
	case CategoryActivation:
		o, err := p.c.BuyActivation(ctx, country, operator, product, BuyOptions{Reuse: b.Reuse, Voice: b.Voice})
		if err != nil {
			return backend.Outcome{}, err
		}
		return p.bought(o, cat, b.Reuse), nil
	case CategoryHosting:
		if product != "3hours" && product != "1day" {
			return backend.Outcome{}, p.c.t.Error("rent hosting number", backend.ErrInvalid, 0, "",
				"hosting is rented for 3hours or 1day, not "+product)
		}
		o, err := p.c.BuyHosting(ctx, country, operator, product)
		if err != nil {
			return backend.Outcome{}, err
		}
		return p.bought(o, cat, false), nil
	}
	return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "",
		"5sim sells activation or hosting numbers, not "+b.Category)
}

func buyParams(b *backend.BuyRequest) (cat, country, operator, product string) {
	cat = strings.ToLower(strings.TrimSpace(b.Category))
	if cat == "" {
		cat = CategoryActivation
	}
	country = strings.ToLower(strings.TrimSpace(b.Country))
	if country == "" {
		country = "any"
	}
	operator = strings.ToLower(strings.TrimSpace(b.Operator))
	if operator == "" {
		operator = "any"
	}
	return cat, country, operator, strings.TrimSpace(b.Product)
}

func (p *Provider) bought(o Order, cat string, reusable bool) backend.Outcome {
	l, m := p.line(o, cat)
	if reusable {
		l.Extra[extraReuse] = "1"
		l.Allowed = allowed(l)
	}
	return backend.Outcome{
		Done:     true,
		Note:     fmt.Sprintf("bought %s %s for %s", l.Service, o.Phone, o.Price),
		Charged:  o.Price,
		Lines:    []backend.Line{l},
		Messages: m,
	}
}

// Settle re-reads 5sim to learn whether an action whose answer was lost
// happened: an order action by the order's status now, a purchase by an
// order that was not there before it (see settleBuy).
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	switch act.Kind {
	case backend.ActCancel, backend.ActFinish, backend.ActBan:
		id, cat, err := p.target(act, t)
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		o, err := p.c.Check(ctx, id)
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		l, m := p.line(o, cat)
		if t.Line != nil {
			carry(&l, *t.Line)
		}
		out := backend.Outcome{Lines: []backend.Line{l}, Messages: m}
		want := map[backend.ActionKind]string{backend.ActCancel: StatusCanceled,
			backend.ActFinish: StatusFinished, backend.ActBan: StatusBanned}[act.Kind]
		if o.Status == want {
			out.Done = true
			out.Note = actionNote(act.Kind, o)
			return backend.SettledHappened, out, nil
		}
		return backend.SettledNotDone, out, nil
	case backend.ActBuy, backend.ActReuse:
		return p.settleBuy(ctx, act, t)
	case backend.ActCheck:
		return backend.SettledNotDone, backend.Outcome{}, nil // a read changes nothing
	}
	return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error(act.Kind.Verb(), backend.ErrUnsupported, 0, "",
		"5sim has no "+act.Kind.Verb()+" action")
}

// settleBuy finds the order a lost purchase placed: one of the recent
// orders that was not there when the action was journaled (t.KnownIDs),
// that no other settled action has claimed (t.Claimed), and that matches
// what was bought. Several identical lost purchases each take the oldest
// order still unclaimed, so they are matched to different orders. Time
// plays no part: 5sim's clock may be off by minutes, and an order's
// created_at is its clock. The page is newest first (order=id,
// reverse=true), so an order listed after one the account already had is
// older than it and was there before the purchase too, even when it is
// missing from KnownIDs (the engine forgets lines closed long ago).
//
// Only when no order on the page was known (a purchase journaled before
// the account's orders were first listed) is there nothing to tell new
// from old by; then an order created well before the action cannot be
// the purchase, with unanchoredSkew for 5sim's clock.
func (p *Provider) settleBuy(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	want, ok := purchaseOf(act, t)
	if !ok {
		return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("settle purchase", backend.ErrInvalid, 0, "",
			"the journal entry does not say what was bought")
	}
	page, err := p.c.Orders(ctx, want.cat, settlePageSize, 0)
	if err != nil {
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	// The orders not there before: those listed above the first known one.
	fresh, anchored := page.Data, false
	for i, o := range page.Data {
		if t.KnownIDs[strconv.FormatInt(o.ID, 10)] {
			fresh, anchored = page.Data[:i], true
			break
		}
	}
	var match *Order
	for i := range fresh {
		o := &fresh[i]
		early := !anchored && !act.CreatedAt.IsZero() && !o.CreatedAt.IsZero() &&
			o.CreatedAt.Before(act.CreatedAt.Add(-unanchoredSkew))
		if !early && !t.Claimed[strconv.FormatInt(o.ID, 10)] && want.matches(*o) {
			match = o // newest first: the last match is the oldest
		}
	}
	if match == nil {
		return backend.SettledNotDone, backend.Outcome{}, nil
	}
	return backend.SettledHappened, p.bought(*match, want.cat, want.reusable), nil
}

// purchase is what a buy or reuse action asked 5sim for.
type purchase struct {
	cat, country, operator, product string
	number                          string        // a reuse: the number bought again
	price                           backend.Money // the confirmed price of a named offer, when known
	reusable                        bool
}

func purchaseOf(act backend.Action, t backend.Target) (purchase, bool) {
	switch {
	case act.Kind == backend.ActReuse && t.Line != nil:
		return purchase{cat: CategoryActivation, country: "any", operator: "any",
			product: productOf(*t.Line), number: t.Line.Number, reusable: true}, true
	case act.Buy != nil:
		var w purchase
		w.cat, w.country, w.operator, w.product = buyParams(act.Buy)
		if w.number = act.Buy.ReuseNumber; w.number != "" {
			w.cat, w.country, w.operator = CategoryActivation, "any", "any"
		}
		w.reusable = act.Buy.Reuse || w.number != ""
		// A price pins the offer only when the operator was named: with
		// "any", 5sim picks the seller and the picker showed the lowest.
		if w.operator != "any" && w.number == "" {
			w.price = act.Cost
		}
		return w, true
	}
	return purchase{}, false
}

// matches reports whether an order is what the purchase would have
// placed. Fields the order does not carry are not held against it.
func (w purchase) matches(o Order) bool {
	same := func(want, got string) bool { return want == "any" || got == "" || strings.EqualFold(want, got) }
	return strings.EqualFold(o.Product, w.product) &&
		same(w.country, o.Country) && same(w.operator, o.Operator) &&
		(w.number == "" || digits(o.Phone) == digits(w.number)) &&
		(!w.price.Known || !o.Price.Known || o.Price.Amount.Equal(w.price.Amount))
}

// Catalog answers the buy picker: countries and operators from
// /guest/countries, products from /guest/products with stock, and the
// delivery rate from /guest/prices?country= when a country is chosen.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	cat := strings.ToLower(req.Category)
	if cat == "" {
		cat = CategoryActivation
	}
	if req.Step != backend.StepCategory && cat != CategoryActivation && cat != CategoryHosting {
		return nil, p.c.t.Error("read catalogue", backend.ErrInvalid, 0, "", "unknown category "+req.Category)
	}
	chosen := func(step string) string {
		if v := strings.TrimSpace(req.Chosen[step]); v != "" {
			return v
		}
		return "any"
	}
	switch req.Step {
	case backend.StepCategory:
		return []backend.CatalogItem{
			{ID: CategoryActivation, Label: "Activation (one code)", Stock: -1},
			{ID: CategoryHosting, Label: "Hosting (3 hours or 1 day of SMS)", Stock: -1},
		}, nil
	case backend.StepCountry:
		cs, err := p.c.Countries(ctx)
		if err != nil {
			return nil, err
		}
		items := []backend.CatalogItem{{ID: "any", Label: "Any country", Stock: -1}}
		for _, c := range cs {
			if len(operatorsFor(c, cat)) == 0 {
				continue
			}
			label := c.TextEN
			if label == "" {
				label = c.Name
			}
			items = append(items, backend.CatalogItem{ID: c.Name, Label: label, Stock: -1,
				Note: strings.Join(append(append([]string{}, c.ISO...), c.Prefixes...), " ")})
		}
		sort.SliceStable(items[1:], func(i, j int) bool { return items[1+i].Label < items[1+j].Label })
		return items, nil
	case backend.StepOperator:
		items := []backend.CatalogItem{{ID: "any", Label: "Any operator", Stock: -1}}
		country := chosen(backend.StepCountry)
		if country == "any" {
			return items, nil
		}
		cs, err := p.c.Countries(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Name != country {
				continue
			}
			for _, op := range operatorsFor(c, cat) {
				items = append(items, backend.CatalogItem{ID: op, Label: op, Stock: -1})
			}
		}
		return items, nil
	case backend.StepProduct:
		country, operator := chosen(backend.StepCountry), chosen(backend.StepOperator)
		ps, err := p.c.Products(ctx, country, operator)
		if err != nil {
			return nil, err
		}
		var prices Prices
		if cat == CategoryActivation && country != "any" {
			// The rate is a nicety: a failure here must not hide products.
			prices, _ = p.c.Prices(ctx, country, "")
		}
		var items []backend.CatalogItem
		for _, pr := range ps {
			if pr.Category != cat {
				continue
			}
			it := backend.CatalogItem{ID: pr.Name, Label: productLabel(pr.Name),
				Price: pr.Price, Stock: int(min(pr.Qty, int64(1<<31-1)))}
			if prices != nil {
				it.Rate = rateFor(prices[country][pr.Name], operator)
			}
			items = append(items, it)
		}
		return items, nil
	}
	return nil, p.c.t.Error("read catalogue", backend.ErrInvalid, 0, "", "5sim has no picker step "+req.Step)
}

// BuyCategories and BuySteps are the descriptor's: activation numbers and
// hosting rentals, each picked by country, operator and product.
func (p *Provider) BuyCategories() []string      { return Descriptor.BuyCategories() }
func (p *Provider) BuySteps(cat string) []string { return Descriptor.BuySteps(cat) }

// --- mapping ----------------------------------------------------------------

// line maps an order onto a Line with its messages.
func (p *Provider) line(o Order, cat string) (backend.Line, []backend.Message) {
	id := strconv.FormatInt(o.ID, 10)
	key := backend.MakeKey(backend.FiveSim, p.account, backend.ItemLine, id)
	code, at := newestCode(o.SMS)
	l := backend.Line{
		Key:       key,
		Account:   p.account,
		Provider:  backend.FiveSim,
		ID:        id,
		Number:    o.Phone,
		Service:   serviceName(o.Product, cat),
		Country:   naming.CountryCode(o.Country),
		Operator:  o.Operator,
		Kind:      cat,
		State:     lineState(o.Status, cat, code != ""),
		RawState:  o.Status,
		Price:     o.Price,
		CreatedAt: backend.InstantOf(o.CreatedAt),
		ExpiresAt: backend.InstantOf(o.Expires),
		Code:      code,
		CodeAt:    backend.InstantOf(at),
		Extra:     map[string]string{extraCategory: cat},
	}
	if len(o.SMS) > 0 {
		l.Extra[extraSMS] = "1"
	}
	if o.Product != "" {
		l.Extra[extraProduct] = o.Product
	}
	l.Allowed = allowed(l)
	return l, p.messages(key, o.ID, o.SMS)
}

// serviceName shows a product the way every provider's is shown; a
// hosting product is the rental's length ("1day" → "1 day").
func serviceName(product, cat string) string {
	if cat == CategoryHosting {
		return naming.Word(product)
	}
	return naming.Service(product)
}

// productOf is 5sim's name of the line's product; a line cached before the
// name was kept apart has it in Service.
func productOf(l backend.Line) string {
	if p := l.Extra[extraProduct]; p != "" {
		return p
	}
	return l.Service
}

func (p *Provider) messages(line backend.Key, orderID int64, sms []SMS) []backend.Message {
	out := make([]backend.Message, 0, len(sms))
	for _, m := range sms {
		out = append(out, backend.Message{
			ID:         messageID(orderID, m),
			Line:       line,
			Sender:     m.Sender,
			Text:       m.Text,
			Code:       m.BestCode(),
			ReceivedAt: m.When(),
		})
	}
	return out
}

// messageID is 5sim's SMS id when it sends one, else a short hash of the
// order id, the date and the text: stable across polls, so the ledger
// deduplicates the same SMS coming back every time.
func messageID(orderID int64, m SMS) string {
	if m.ID != "" {
		return m.ID
	}
	h := sha256.Sum256([]byte(strconv.FormatInt(orderID, 10) + "\x00" + m.When().Format(time.RFC3339Nano) + "\x00" + m.Text))
	return "h" + hex.EncodeToString(h[:8])
}

// newestCode is the code of the newest SMS that carries one (5sim's own
// code, else an extracted one) and when it came. A later code-less SMS
// ("welcome") does not hide it.
func newestCode(sms []SMS) (string, time.Time) {
	var code string
	var at time.Time
	for _, m := range sms {
		c := m.BestCode()
		if c == "" {
			continue
		}
		if code == "" || !m.When().Before(at) {
			code, at = c, m.When()
		}
	}
	return code, at
}

// lineState maps 5sim's status. PENDING and RECEIVED are both "live":
// RECEIVED means the number is collecting SMS, not that a code arrived; a
// code has arrived when an SMS carries one. Hosting is a rental: live
// hosting lines are active.
func lineState(status, cat string, hasCode bool) backend.LineState {
	switch status {
	case StatusPending, StatusReceived:
		if cat == CategoryHosting {
			return backend.LineActive
		}
		if hasCode {
			return backend.LineReceived
		}
		return backend.LineWaiting
	case StatusFinished:
		return backend.LineFinished
	case StatusCanceled:
		return backend.LineCanceled
	case StatusTimeout:
		return backend.LineTimeout
	case StatusBanned:
		return backend.LineBanned
	}
	return backend.LineUnknown
}

// Refine re-derives what a line allows from all the engine knows of it,
// Extra included: a listing cannot say that an order was bought with
// reuse=1, so without this the reuse permission would be lost on the next
// poll.
func (p *Provider) Refine(l backend.Line) backend.Line {
	l.Allowed = allowed(l)
	return l
}

// allowed is what an order allows, and the only place that decides it
// (listings, checks, action outcomes and Refine all call it). 5sim.md
// shows finish, cancel and ban ("Order management") with no condition;
// NOTES.md adds the refusals 5sim is known for: cancel once an SMS
// arrived (`order has sms`: finish instead) and right after purchase
// (`you need to wait time`, shown as a cooldown). Everything else the
// documents leave open is offered, for hosting orders too, and a real
// refusal is shown as 5sim words it. "Re-buy number" names no state, so
// an activation bought with reuse=1 (the only condition, "Buy activation
// number") offers reuse whatever its state.
func allowed(l backend.Line) backend.ActionSet {
	var s backend.ActionSet
	switch l.RawState {
	case StatusPending, StatusReceived:
		s = backend.Allow(backend.ActCheck, backend.ActFinish, backend.ActBan)
		if !hadSMS(l) {
			s = s.With(backend.ActCancel)
		}
	case StatusFinished, StatusCanceled, StatusTimeout, StatusBanned:
	default:
		s = backend.Allow(backend.ActCheck) // unknown word: reading is always safe
	}
	if category(l) == CategoryActivation && l.Extra[extraReuse] == "1" {
		s = s.With(backend.ActReuse)
	}
	return s
}

// hadSMS reports whether the order has had an SMS: the listing's mark, or
// a code the engine holds for the line.
func hadSMS(l backend.Line) bool {
	return l.Extra[extraSMS] == "1" || l.Code != "" || len(l.Candidates) > 0
}

// carry keeps over a refresh what the answer does not say: the operator
// and country (5sim's check, finish, cancel and ban answers carry no
// operator in the document's examples, and the simulator follows them),
// and the reuse flag only Switchboard knows.
func carry(l *backend.Line, prev backend.Line) {
	if l.Operator == "" {
		l.Operator = prev.Operator
	}
	if l.Country == "" {
		l.Country = prev.Country
	}
	if prev.Extra[extraReuse] == "1" {
		l.Extra[extraReuse] = "1"
	}
	l.Allowed = allowed(*l)
}

func category(l backend.Line) string {
	if l.Kind == CategoryHosting || l.Extra[extraCategory] == CategoryHosting {
		return CategoryHosting
	}
	return CategoryActivation
}

// target finds the order id and category an order action applies to.
func (p *Provider) target(act backend.Action, t backend.Target) (int64, string, error) {
	idStr := act.Target.ID()
	cat := CategoryActivation
	if t.Line != nil {
		if idStr == "" {
			idStr = t.Line.ID
		}
		cat = category(*t.Line)
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", p.c.t.Error(act.Kind.Verb()+" order", backend.ErrInvalid, 0, "",
			"no 5sim order id to "+act.Kind.Verb())
	}
	return id, cat, nil
}

func actionNote(k backend.ActionKind, o Order) string {
	verb := map[backend.ActionKind]string{backend.ActCancel: "cancelled", backend.ActFinish: "finished",
		backend.ActBan: "banned", backend.ActCheck: "checked"}[k]
	return fmt.Sprintf("%s order %d (%s, now %s)", verb, o.ID, o.Phone, o.Status)
}

func productLabel(name string) string {
	switch name {
	case "3hours":
		return "3 hours"
	case "1day":
		return "1 day"
	}
	return name
}

// operatorsFor lists a country's operators that sell the category.
func operatorsFor(c Country, cat string) []string {
	var out []string
	for op, cats := range c.Operators {
		for _, x := range cats {
			if x == cat {
				out = append(out, op)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// rateFor is the delivery rate for an operator, or the best rate among
// operators with stock when any operator will do.
func rateFor(ops map[string]Price, operator string) float64 {
	if operator != "any" {
		return ops[operator].Rate
	}
	best := 0.0
	for _, pr := range ops {
		if pr.Count > 0 && pr.Rate > best {
			best = pr.Rate
		}
	}
	return best
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func sortedIDs(m map[int64]backend.Line) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
