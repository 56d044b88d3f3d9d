// Package nonvoip is Switchboard's adapter for NonVoipUsNumber
// (nonvoip.openapi.json): balance, products, orders (short-term, 30-day,
// 1-day, 3-day, country-wise), reuse, activate, reject, renew, getsms and
// the incoming_message / auction_wining callbacks.
//
// The provider has no "list my orders" call: lines exist because
// Switchboard placed them, the operator added one by id (Lookup), or a
// callback named one. Check reads each line with getsms.
package nonvoip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// DefaultBaseURL is the documented server (paths /api/... follow it).
const DefaultBaseURL = "https://nonvoipusnumber.com/manager"

// Currency labels every NonVoip amount. The document names no currency;
// NonVoipUsNumber sells US numbers and prices them in US dollars on its
// site, so balances and prices are shown as USD ("$50.00").
const Currency = "USD"

// Config configures one NonVoip account. Email and Password are the
// account's credentials (sent in every request body, never logged).
type Config struct {
	Account  string
	BaseURL  string
	Email    string
	Password string
	Budget   *backend.Budget
	HTTP     *http.Client
	Timeout  time.Duration
	Now      func() time.Time // clock for times the provider does not give; default time.Now
}

// Provider is one NonVoip account. It implements backend.Provider,
// backend.BuyFlow, backend.Adder and backend.WebhookParser.
type Provider struct {
	account string
	c       *Client
	now     func() time.Time

	mu sync.Mutex
	// before holds the balance read just before a reject or renew, by
	// action id, so Settle can see a refund or a debit after a lost answer.
	// It lives in memory only: after a restart such an action settles from
	// getsms alone.
	before map[string]decimal.Decimal
}

var (
	_ backend.Provider      = (*Provider)(nil)
	_ backend.BuyFlow       = (*Provider)(nil)
	_ backend.Adder         = (*Provider)(nil)
	_ backend.WebhookParser = (*Provider)(nil)
)

// New makes a Provider. Account, Email and Password are required.
func New(cfg Config) (*Provider, error) {
	switch {
	case strings.TrimSpace(cfg.Account) == "":
		return nil, errors.New("nonvoip: account name is required")
	case strings.TrimSpace(cfg.Email) == "":
		return nil, fmt.Errorf("nonvoip %s: email is required", cfg.Account)
	case cfg.Password == "":
		return nil, fmt.Errorf("nonvoip %s: password is required", cfg.Account)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("nonvoip %s: base URL must be an http(s) URL", cfg.Account)
	}
	p := &Provider{account: cfg.Account, now: time.Now, before: map[string]decimal.Decimal{}}
	if cfg.Now != nil {
		p.now = cfg.Now
	}
	if cfg.Budget == nil {
		cfg.Budget = backend.NewBudget(p.Traits().PerMinute)
	}
	t := transport.New(transport.Config{
		Provider:       backend.NonVoip,
		BaseURL:        cfg.BaseURL,
		Budget:         cfg.Budget,
		HTTP:           cfg.HTTP,
		Timeout:        cfg.Timeout,
		Secrets:        []string{cfg.Email, cfg.Password},
		RetryAfterBody: retryAfterBody,
	})
	p.c = &Client{t: t, email: cfg.Email, password: cfg.Password, now: p.clock}
	return p, nil
}

func (p *Provider) clock() time.Time { return p.now().UTC() }

// Client is the typed client behind the provider (tests, the buy flow).
func (p *Provider) Client() *Client { return p.c }

// Kind is backend.NonVoip.
func (p *Provider) Kind() backend.ProviderKind { return backend.NonVoip }

// Account is the configured account name.
func (p *Provider) Account() string { return p.account }

// Traits: getsms is per order and nothing lists orders; the budget starts
// at 60 a minute and follows X-RateLimit-Limit once the server sends it.
func (p *Provider) Traits() backend.Traits {
	return backend.Traits{BatchCheck: false, ListsLines: false, PerMinute: 60, CheckTimeout: 45 * time.Second}
}

// Balance reads the account balance ("50.00" → $50.00).
func (p *Provider) Balance(ctx context.Context) (backend.Account, error) {
	b, err := p.c.Balance(ctx)
	if err != nil {
		return backend.Account{}, err
	}
	return backend.Account{Name: p.account, Provider: backend.NonVoip, Balance: backend.NewMoney(b, Currency)}, nil
}

// Lines returns nothing: NonVoip cannot list orders, the engine keeps them.
func (p *Provider) Lines(context.Context) ([]backend.Line, []backend.Message, error) {
	return nil, nil, nil
}

// Leases returns nothing: rentals are lines with an expiry, and there is no
// listing to read them from.
func (p *Provider) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }

// Jobs returns nothing: NonVoip has no queued work.
func (p *Provider) Jobs(context.Context, []backend.Job) ([]backend.Job, error) { return nil, nil }

// Check reads each open line with getsms. A line whose order the provider
// no longer knows (404) comes back closed. An account-wide failure (auth,
// rate limit, provider down) stops the round and is returned with the
// lines read before it; a failure of one line skips that line.
func (p *Provider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	var (
		out     []backend.Line
		msgs    []backend.Message
		lastErr error
	)
	for _, l := range lines {
		if !l.State.Open() {
			continue
		}
		nl, m, err := p.refresh(ctx, l)
		if err != nil {
			if accountWide(err) || ctx.Err() != nil {
				return out, msgs, err
			}
			lastErr = err
			continue
		}
		out = append(out, nl)
		msgs = append(msgs, m...)
	}
	if len(out) == 0 && lastErr != nil {
		return nil, nil, lastErr
	}
	return out, msgs, nil
}

func accountWide(err error) bool {
	switch backend.KindOf(err) {
	case backend.ErrAuth, backend.ErrRateLimited, backend.ErrUnavailable, backend.ErrTimeout, backend.ErrForbidden:
		return true
	}
	return false
}

// refresh reads one line's latest SMS and maps it onto the line.
func (p *Provider) refresh(ctx context.Context, l backend.Line) (backend.Line, []backend.Message, error) {
	s, err := p.c.GetSMS(ctx, refOf(l))
	if err != nil {
		if orderGone(err) {
			return p.gone(l), nil, nil
		}
		return l, nil, err
	}
	nl, msgs := p.applySMS(l, s)
	return nl, msgs, nil
}

// orderGone: getsms said the order does not exist (not an HTML 404 of a
// wrong base URL).
func orderGone(err error) bool {
	e, ok := backend.AsError(err)
	return ok && e.Kind == backend.ErrNotFound && e.Code == CodeOrderNotFound
}

// --- lines ----------------------------------------------------------------

// Keys of Line.Extra (what later calls need; never secrets).
const (
	ExtraType        = "type"         // short_term, long_term, one_day, 3days, country
	ExtraService     = "service"      // the provider's service name (reuse/activate by service+number)
	ExtraNumber      = "number"       // the provider's number spelling ("16095550123")
	ExtraProduct     = "product_id"   // what was ordered
	ExtraUsed        = "used"         // "1" once an SMS arrived
	ExtraOnlineUntil = "online_until" // RFC 3339: activation's end_on
)

func refOf(l backend.Line) OrderRef {
	r := OrderRef{OrderID: l.ID, Service: l.Extra[ExtraService], Number: l.Extra[ExtraNumber]}
	if r.Service == "" {
		r.Service = l.Service
	}
	if r.Number == "" {
		r.Number = strings.TrimPrefix(l.Number, "+")
	}
	return r
}

func (p *Provider) key(id string) backend.Key {
	return backend.MakeKey(backend.NonVoip, p.account, backend.ItemLine, id)
}

func cloneLine(l backend.Line) backend.Line {
	extra := make(map[string]string, len(l.Extra)+4)
	for k, v := range l.Extra {
		extra[k] = v
	}
	l.Extra = extra
	return l
}

// lineFromOrder builds a new line from an order answer. typ is the bought
// category when the answer names none.
func (p *Provider) lineFromOrder(o Order, typ, product string, price backend.Money, now time.Time) backend.Line {
	if o.Type != "" {
		typ = o.Type
	}
	l := backend.Line{
		Key:       p.key(o.ID),
		Account:   p.account,
		Provider:  backend.NonVoip,
		ID:        o.ID,
		Number:    displayNumber(o.Number),
		Service:   o.Service,
		Country:   o.Country,
		Kind:      typ,
		RawState:  o.Status,
		Price:     price,
		CreatedAt: now,
		ExpiresAt: o.ExpiresAt,
		Extra: map[string]string{
			ExtraType:    typ,
			ExtraService: o.Service,
			ExtraNumber:  o.Number,
		},
	}
	if o.HasCost {
		l.Price = backend.NewMoney(o.Cost, Currency)
	}
	if l.Country == "" && typ != TypeCountry {
		l.Country = "US" // /api/order places USA orders only
	}
	if product != "" {
		l.Extra[ExtraProduct] = product
	}
	p.settleState(&l, now)
	return l
}

// applySMS maps a getsms answer onto a line: fills what the line lacks,
// records the message and recomputes state and actions.
func (p *Provider) applySMS(l backend.Line, s SMS) (backend.Line, []backend.Message) {
	now := p.clock()
	nl := cloneLine(l)
	if nl.Key == "" {
		nl.Key = p.key(nl.ID)
	}
	nl.Account, nl.Provider = p.account, backend.NonVoip
	if nl.Number == "" && s.Number != "" {
		nl.Number = displayNumber(s.Number)
	}
	if s.Number != "" && nl.Extra[ExtraNumber] == "" {
		nl.Extra[ExtraNumber] = s.Number
	}
	if nl.Service == "" {
		nl.Service = s.Service
	}
	if s.Service != "" && nl.Extra[ExtraService] == "" {
		nl.Extra[ExtraService] = s.Service
	}
	if nl.Kind == "" && s.Type != "" {
		nl.Kind = s.Type
	}
	if nl.Extra[ExtraType] == "" && nl.Kind != "" {
		nl.Extra[ExtraType] = nl.Kind
	}
	if s.OrderStatus != "" {
		nl.RawState = s.OrderStatus
	}
	if !s.ExpiresAt.IsZero() {
		nl.ExpiresAt = s.ExpiresAt
	}
	var msgs []backend.Message
	if !s.Waiting {
		nl.Extra[ExtraUsed] = "1"
		if s.Code != "" && s.Code != nl.Code {
			nl.Code, nl.CodeAt = s.Code, now
		}
		msgs = append(msgs, backend.Message{
			ID:         s.MessageID,
			Line:       nl.Key,
			Sender:     s.Sender,
			Text:       s.Text,
			Code:       s.Code,
			ReceivedAt: now, // getsms carries no date: first seen is the best we know
		})
	}
	p.settleState(&nl, now)
	return nl, msgs
}

// gone closes a line whose order the provider no longer knows.
func (p *Provider) gone(l backend.Line) backend.Line {
	nl := cloneLine(l)
	nl.RawState = CodeOrderNotFound
	switch {
	case !isRental(nl.Kind) && used(nl):
		nl.State = backend.LineFinished
	default:
		nl.State = backend.LineExpired
	}
	nl.Allowed = allowed(nl, p.clock())
	return nl
}

func used(l backend.Line) bool {
	return l.Extra[ExtraUsed] == "1" || l.Code != "" || l.State == backend.LineReceived
}

func isRental(kind string) bool {
	switch kind {
	case TypeLongTerm, TypeOneDay, TypeThreeDays:
		return true
	}
	return false
}

// settleState derives the state from the raw word (when it is one we
// know), the expiry and whether an SMS arrived, then the allowed actions.
// Unknown words are kept in RawState and do not override what the SMS and
// the expiry say.
func (p *Provider) settleState(l *backend.Line, now time.Time) {
	l.State = deriveState(l.Kind, l.RawState, used(*l), l.ExpiresAt, now)
	l.Allowed = allowed(*l, now)
}

func deriveState(kind, raw string, hasSMS bool, expires, now time.Time) backend.LineState {
	rental := isRental(kind)
	switch infoKey(raw) {
	case "expired", "timeout", "timedout":
		return backend.LineExpired
	case "rejected", "cancelled", "canceled", "refunded", "stopped":
		return backend.LineCanceled
	case "banned", "blocked":
		return backend.LineBanned
	case "completed", "finished", "done", "closed":
		if rental {
			return backend.LineExpired
		}
		return backend.LineFinished
	case infoKey(CodeOrderNotFound):
		if !rental && hasSMS {
			return backend.LineFinished
		}
		return backend.LineExpired
	}
	if !expires.IsZero() && !now.Before(expires) {
		if !rental && hasSMS {
			return backend.LineFinished
		}
		return backend.LineExpired
	}
	if rental {
		if !expires.IsZero() && expires.Sub(now) < expiringWindow(kind) {
			return backend.LineExpiring
		}
		return backend.LineActive
	}
	if hasSMS {
		return backend.LineReceived
	}
	return backend.LineWaiting
}

// expiringWindow is when a rental starts showing as "expiring".
func expiringWindow(kind string) time.Duration {
	if kind == TypeLongTerm {
		return 24 * time.Hour
	}
	return 2 * time.Hour
}

// allowed states what NonVoip accepts for a line now: reject only for a
// short-term number before its SMS; reuse for a short-term number once it
// has been used; renew and activate for rentals (30-day, 1-day, 3-day)
// while they live, activate only when not known to be online; check while
// open.
func allowed(l backend.Line, now time.Time) backend.ActionSet {
	var s backend.ActionSet
	open := l.State.Open()
	if open {
		s = s.With(backend.ActCheck)
	}
	switch {
	case l.Kind == TypeShortTerm:
		if l.State == backend.LineWaiting {
			s = s.With(backend.ActReject)
		}
		if used(l) && (l.State == backend.LineReceived || l.State == backend.LineFinished) {
			s = s.With(backend.ActReuse)
		}
	case isRental(l.Kind):
		if open {
			s = s.With(backend.ActRenew)
			if until, err := time.Parse(time.RFC3339, l.Extra[ExtraOnlineUntil]); err != nil || !now.Before(until) {
				s = s.With(backend.ActActivate)
			}
		}
	}
	return s
}

// displayNumber shows a full international number with "+"; the provider
// sends "16095550123".
func displayNumber(n string) string {
	if len(n) >= 11 && strings.Trim(n, "0123456789") == "" {
		return "+" + n
	}
	return n
}

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
	price := act.Cost
	if len(res.Orders) > 1 {
		price = backend.Money{} // the estimate covers them all
	}
	out := backend.Outcome{Done: true}
	var names []string
	for _, o := range res.Orders {
		l := p.lineFromOrder(o, cat, params.ProductID, price, now)
		out.Lines = append(out.Lines, l)
		names = append(names, describeLine(l))
	}
	out.Note = "ordered " + strings.Join(names, ", ")
	return out, nil
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

func (p *Provider) reuse(ctx context.Context, act backend.Action, ref OrderRef, old backend.Line) (backend.Outcome, error) {
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
	nl := rejected(l, p.clock())
	if msg == "" {
		msg = "rejected and refunded"
	}
	return backend.Outcome{Done: true, Note: msg, Lines: []backend.Line{nl}}, nil
}

func rejected(l backend.Line, now time.Time) backend.Line {
	nl := cloneLine(l)
	nl.State, nl.RawState = backend.LineCanceled, "rejected"
	nl.Allowed = allowed(nl, now)
	return nl
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
	note := "renewed"
	if !r.ExpiresAt.IsZero() {
		nl.ExpiresAt = r.ExpiresAt
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

// --- settling ---------------------------------------------------------------

// noListNote explains why a lost purchase cannot be settled.
const noListNote = "NonVoip cannot list orders, so Switchboard cannot see whether this order was placed: " +
	"check the order history on the NonVoip site (an incoming-SMS callback for a new order would also show it)"

// Settle re-reads the provider after an action whose answer was lost.
//   - buy / reuse: NonVoip has no order listing, so it stays unknown
//     (the engine may still learn of the order from a callback).
//   - reject: getsms 404 or a rejected/refunded status word → happened;
//     an SMS on the order → not done (reject is refused after an SMS);
//     otherwise the balance read before the call decides (up → refunded,
//     same → not done).
//   - renew: an expiry later than the journaled one → happened; the same
//     expiry → not done; without an expiry on getsms, the balance read
//     before the call decides (down by the cost → happened, same → not
//     done).
//   - activate costs nothing and cannot be re-read: not done, send again.
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy, backend.ActReuse:
		return backend.SettledUnknown, backend.Outcome{Note: noListNote}, nil
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
	now := p.clock()
	s, err := p.c.GetSMS(ctx, refOf(l))
	switch {
	case err != nil && orderGone(err):
		p.forget(act.ID)
		nl := rejected(l, now)
		return backend.SettledHappened, backend.Outcome{Note: "the order is gone: rejected", Lines: []backend.Line{nl}}, nil
	case err != nil:
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	nl, msgs := p.applySMS(l, s)
	switch {
	case nl.State == backend.LineCanceled:
		p.forget(act.ID)
		nl = rejected(nl, now)
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
		nl = rejected(nl, now)
		return backend.SettledHappened, backend.Outcome{Note: "refund visible in the balance: rejected",
			Lines: []backend.Line{nl}, Balance: &money}, nil
	}
	return backend.SettledNotDone, backend.Outcome{Note: "no refund in the balance: not rejected",
		Lines: []backend.Line{nl}, Balance: &money}, nil
}

func (p *Provider) settleRenew(ctx context.Context, act backend.Action, l backend.Line) (backend.Settled, backend.Outcome, error) {
	s, err := p.c.GetSMS(ctx, refOf(l))
	switch {
	case err != nil && orderGone(err):
		p.forget(act.ID)
		return backend.SettledNotDone, backend.Outcome{Note: "the number is gone: it was not renewed", Lines: []backend.Line{p.gone(l)}}, nil
	case err != nil:
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	old := l.ExpiresAt
	nl, msgs := p.applySMS(l, s)
	if !s.ExpiresAt.IsZero() && !old.IsZero() {
		p.forget(act.ID)
		if s.ExpiresAt.After(old) {
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

// --- adding by id and callbacks ---------------------------------------------

// Lookup builds a line from getsms for an order the operator names
// (`:add nonvoip 146185`).
func (p *Provider) Lookup(ctx context.Context, id string) (backend.Line, []backend.Message, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/ \t\r\n") {
		return backend.Line{}, nil, p.c.t.Error("add order", backend.ErrInvalid, 0, "", "give the NonVoip order id, e.g. 146185")
	}
	s, err := p.c.GetSMS(ctx, OrderRef{OrderID: id})
	if err != nil {
		if orderGone(err) {
			e, _ := backend.AsError(err)
			e.Message = "NonVoip knows no order " + id
			return backend.Line{}, nil, e
		}
		return backend.Line{}, nil, err
	}
	l := backend.Line{Key: p.key(id), Account: p.account, Provider: backend.NonVoip, ID: id,
		Kind: s.Type, CreatedAt: p.clock(), Extra: map[string]string{}}
	if isRental(s.Type) || s.Type == TypeShortTerm {
		l.Country = "US"
	}
	nl, msgs := p.applySMS(l, s)
	return nl, msgs, nil
}

// ParseWebhook reads a callback: incoming_message gives a line with its SMS
// (the callback's code wins over extraction), auction_wining gives the
// number a premium bid won. The lines carry only what the callback says;
// the engine merges them with the lines it holds.
func (p *Provider) ParseWebhook(body []byte) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job, error) {
	now := p.clock()
	cb, err := decodeCallback(body, now)
	if err != nil {
		return nil, nil, nil, nil, &backend.Error{Provider: backend.NonVoip, Op: "read callback", Kind: backend.ErrMalformed,
			Message: "the callback could not be read: " + sanitize.Line(transport.Snippet(string(body)))}
	}
	var (
		lines []backend.Line
		msgs  []backend.Message
	)
	switch infoKey(cb.Event) {
	case "incomingmessage":
		for _, it := range cb.Items {
			l := p.callbackLine(it, now)
			if it.Text != "" {
				l.Extra[ExtraUsed] = "1"
				if it.Code != "" {
					l.Code, l.CodeAt = it.Code, now
				}
				msgs = append(msgs, backend.Message{ID: it.MessageID, Line: l.Key, Sender: it.Sender,
					Text: it.Text, Code: it.Code, ReceivedAt: now})
			}
			p.settleState(&l, now)
			if it.Coarse {
				// State and actions follow the class the word names; the
				// type stays unknown so the engine keeps the one it holds
				// (getsms fills it for a line it does not hold).
				l.Kind = ""
			}
			lines = append(lines, l)
		}
	case "auctionwining", "auctionwinning":
		for _, it := range cb.Items {
			l := p.callbackLine(it, now)
			if l.Kind == "" || it.Coarse {
				l.Kind, l.Extra[ExtraType] = TypeShortTerm, TypeShortTerm // premium bids are for 10-minute numbers
			}
			l.ExpiresAt = it.ExpiresAt
			l.CreatedAt = now
			p.settleState(&l, now)
			lines = append(lines, l)
		}
	default:
		return nil, nil, nil, nil, &backend.Error{Provider: backend.NonVoip, Op: "read callback", Kind: backend.ErrUnsupported,
			Message: "unknown callback event " + strconv.Quote(cb.Event)}
	}
	return lines, msgs, nil, nil, nil
}

func (p *Provider) callbackLine(it CallbackItem, now time.Time) backend.Line {
	l := backend.Line{
		Key: p.key(it.OrderID), Account: p.account, Provider: backend.NonVoip, ID: it.OrderID,
		Number: displayNumber(it.Number), Service: it.Service, Kind: it.Type,
		Extra: map[string]string{ExtraNumber: it.Number, ExtraService: it.Service},
	}
	if it.Type != "" && !it.Coarse {
		l.Extra[ExtraType] = it.Type
	}
	return l
}

// --- buying -----------------------------------------------------------------

// BuyCategories: the four USA product types and the country-wise inventory.
func (p *Provider) BuyCategories() []string {
	return []string{TypeShortTerm, TypeLongTerm, TypeOneDay, TypeThreeDays, TypeCountry}
}

// BuySteps: every category is one product choice (long_term may take up
// to five products on one number: BuyRequest.Products).
func (p *Provider) BuySteps(category string) []string {
	switch normalType(category) {
	case TypeShortTerm, TypeLongTerm, TypeOneDay, TypeThreeDays, TypeCountry:
		return []string{backend.StepProduct}
	}
	return nil
}

var categoryLabels = map[string]string{
	TypeShortTerm: "10-minute number (one code)",
	TypeLongTerm:  "30-day rental (up to 5 services)",
	TypeOneDay:    "1-day rental",
	TypeThreeDays: "3-day rental (legacy)",
	TypeCountry:   "country-wise number",
}

// Catalog answers the buy picker: the categories, then the products of one
// with price and stock.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	switch req.Step {
	case backend.StepCategory:
		var items []backend.CatalogItem
		for _, c := range p.BuyCategories() {
			items = append(items, backend.CatalogItem{ID: c, Label: categoryLabels[c], Stock: -1})
		}
		return items, nil
	case backend.StepProduct:
	default:
		return nil, p.c.t.Error("list products", backend.ErrInvalid, 0, "", "NonVoip has no "+req.Step+" step")
	}
	cat := req.Category
	if cat == "" {
		cat = req.Chosen[backend.StepCategory]
	}
	cat = normalType(cat)
	var (
		ps  []Product
		err error
	)
	switch cat {
	case TypeCountry:
		ps, err = p.c.CountryProducts(ctx)
	case TypeShortTerm, TypeLongTerm, TypeOneDay, TypeThreeDays:
		ps, err = p.c.Products(ctx, ProductQuery{Type: cat})
	default:
		return nil, p.c.t.Error("list products", backend.ErrInvalid, 0, "", fmt.Sprintf("unknown NonVoip category %q", cat))
	}
	if err != nil {
		return nil, err
	}
	items := make([]backend.CatalogItem, 0, len(ps))
	for _, pr := range ps {
		if cat != TypeCountry && pr.Type != "" && pr.Type != cat {
			continue // the server ignored the type filter
		}
		it := backend.CatalogItem{ID: pr.ID, Label: pr.Name, Stock: pr.Available}
		if it.Label == "" {
			it.Label = "product " + pr.ID
		}
		if pr.Country != "" {
			it.Label += " · " + pr.Country
		}
		if pr.HasPrice {
			it.Price = backend.NewMoney(pr.Price, Currency)
		}
		if cat == TypeShortTerm {
			it.Note = "route price; NonVoip asks before charging over 30% more"
		}
		items = append(items, it)
	}
	return items, nil
}
