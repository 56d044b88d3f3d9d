package market

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// Config is one marketplace account.
type Config struct {
	Account string
	// BaseURL is required: the marketplace is white-label and has no
	// default host. It is everything before the documented paths, e.g.
	// https://shop.example.com/api/v1.
	BaseURL string
	APIKey  string
	// PerMinute is the request budget (default 60).
	PerMinute float64
	Budget    *backend.Budget
	HTTP      *http.Client
	Timeout   time.Duration
	Now       func() time.Time // clock for times the provider does not give; default time.Now
}

// Buy categories.
const (
	CategoryNumbers = "numbers"
	CategoryBoost   = "boost"
	CategoryLogs    = "logs"
)

const (
	defaultPerMinute = 60
	listPerPage      = 50 // Lines / Jobs listings
	recentPerPage    = 25 // re-reads after a purchase
	maxListPages     = 5
	maxSingleReads   = 5 // GET /…/orders/{id} per poll for orders missing from a listing
	// Pulling codes with POST /numbers/orders/{id}/check (see Check).
	pullAfter = 15 * time.Second
	pullEvery = 20 * time.Second
	maxPulls  = 2
	// A waiting order this far past its expiry is shown as expired even if
	// the marketplace still calls it active.
	expirySlack = 2 * time.Minute
	// Settle re-sends a purchase (same body, same key) only this soon after
	// the operator asked for it; later it only re-reads.
	resendWindow = 10 * time.Minute
	// Clock skew allowed when matching a new order to a purchase.
	purchaseSkew   = 2 * time.Minute
	forbiddenPause = 10 * time.Minute
)

// Provider is one marketplace account. Safe for concurrent use.
type Provider struct {
	cfg    Config
	client *Client
	now    func() time.Time

	// After IDEMPOTENCY_KEY_IN_PROGRESS: pause between re-reads, and how many.
	progressWait  time.Duration
	progressTries int

	mu       sync.Mutex
	currency string // as /wallet names it; used where an order names none
	// pulled is when each waiting order was last POST-checked; live turns
	// true once the listing showed a code for an order never pulled, which
	// proves the listing updates by itself (then pulling stops).
	pulled    map[string]time.Time
	live      bool
	forbidden map[string]time.Time // job listing → skipped until
}

// New makes a Provider. BaseURL, APIKey and Account are required.
func New(cfg Config) (*Provider, error) {
	if strings.TrimSpace(cfg.Account) == "" {
		return nil, errors.New("market: config field Account is required")
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		return nil, fmt.Errorf("market account %q: config field BaseURL (base_url) is required — the marketplace has no default host; give its API address, e.g. https://your-domain.com/api/v1", cfg.Account)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("market account %q: config field BaseURL (base_url) must be an http(s) address such as https://your-domain.com/api/v1", cfg.Account)
	}
	cfg.BaseURL = strings.TrimRight(base, "/")
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, fmt.Errorf("market account %q: config field APIKey (the API key) is required", cfg.Account)
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = defaultPerMinute
	}
	p := &Provider{cfg: cfg, now: time.Now, progressWait: 1500 * time.Millisecond, progressTries: 3,
		pulled: map[string]time.Time{}, forbidden: map[string]time.Time{}}
	if cfg.Now != nil {
		p.now = cfg.Now
	}
	if cfg.Budget == nil {
		cfg.Budget = backend.NewBudget(p.Traits().PerMinute)
		p.cfg.Budget = cfg.Budget
	}
	p.client = newClient(cfg, cfg.Budget)
	return p, nil
}

// Client reaches every marketplace call.
func (p *Provider) Client() *Client { return p.client }

func (p *Provider) Kind() backend.ProviderKind { return backend.Market }
func (p *Provider) Account() string            { return p.cfg.Account }

// Traits: one listing of recent number orders covers every waiting line.
func (p *Provider) Traits() backend.Traits {
	return backend.Traits{BatchCheck: true, ListsLines: true, PerMinute: p.cfg.PerMinute, CheckTimeout: 20 * time.Second}
}

// BuyCategories lists what can be bought.
func (p *Provider) BuyCategories() []string {
	return []string{CategoryNumbers, CategoryBoost, CategoryLogs}
}

// BuySteps: numbers are country → service → area codes (optional); boost
// is category → service (link and quantity come with the request); logs
// are parent category → category.
func (p *Provider) BuySteps(category string) []string {
	switch category {
	case CategoryNumbers:
		return []string{backend.StepCountry, backend.StepProduct, backend.StepAreaCodes}
	case CategoryBoost:
		return []string{backend.StepCategory, backend.StepProduct}
	case CategoryLogs:
		return []string{backend.StepParent, backend.StepProduct}
	}
	return nil
}

func (p *Provider) setCurrency(c string) {
	if c == "" {
		return
	}
	p.mu.Lock()
	p.currency = c
	p.mu.Unlock()
}

func (p *Provider) money(amount decimal.Decimal, known bool, currency string) backend.Money {
	if !known {
		return backend.Money{}
	}
	if currency == "" {
		p.mu.Lock()
		currency = p.currency
		p.mu.Unlock()
	}
	return backend.NewMoney(amount, currency)
}

func (p *Provider) errorf(op string, kind backend.ErrKind, format string, args ...any) *backend.Error {
	return &backend.Error{Provider: backend.Market, Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// --- balance ------------------------------------------------------------------

// Balance reads /wallet; the currency is the one the wallet names.
func (p *Provider) Balance(ctx context.Context) (backend.Account, error) {
	w, err := p.client.Wallet(ctx)
	if err != nil {
		return backend.Account{}, err
	}
	p.setCurrency(w.Currency)
	return backend.Account{Name: p.cfg.Account, Provider: backend.Market,
		Balance: backend.NewMoney(w.Balance, w.Currency)}, nil
}

// --- lines --------------------------------------------------------------------

// Lines lists recent number orders, paging on while a page still holds an
// open order (older pages hold only closed ones).
func (p *Provider) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	var lines []backend.Line
	var msgs []backend.Message
	for page := 1; page <= maxListPages; page++ {
		orders, pg, err := p.client.NumberOrders(ctx, page, listPerPage)
		if err != nil {
			return nil, nil, err
		}
		open := false
		for _, o := range orders {
			l, m := p.line(o)
			lines = append(lines, l)
			msgs = append(msgs, m...)
			open = open || l.State.Open()
		}
		if !pg.HasNext || !open || len(orders) == 0 {
			break
		}
	}
	return lines, msgs, nil
}

// Check refreshes waiting lines. Decision (the document is silent on what
// the listing and /check do):
//   - one GET /numbers/orders page (newest first, sized to cover the lines)
//     is the source for every line it holds;
//   - a line missing from that page is read with GET /numbers/orders/{id}
//     (a plain read, at most maxSingleReads per call);
//   - POST /numbers/orders/{id}/check is how the marketplace is asked to
//     fetch the code from its supplier. It is sent for a waiting line only
//     until the listing is seen to update by itself (a code shows up in it
//     for an order this adapter never checked): then never again in this
//     run. Until then each waiting line older than pullAfter is checked at
//     most every pullEvery, at most maxPulls per call, least recently
//     checked first, so the budget stays bounded.
func (p *Provider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	if len(lines) == 0 {
		return nil, nil, nil
	}
	per := min(max(len(lines)+10, recentPerPage), 100)
	orders, _, err := p.client.NumberOrders(ctx, 1, per)
	if err != nil {
		return nil, nil, err
	}
	want := make(map[string]backend.Line, len(lines))
	for _, l := range lines {
		want[l.ID] = l
	}
	now := p.now()
	p.mu.Lock()
	pulled := make(map[string]time.Time, len(p.pulled))
	for id, t := range p.pulled {
		if now.Sub(t) > time.Hour {
			delete(p.pulled, id)
			continue
		}
		pulled[id] = t
	}
	p.mu.Unlock()

	got := map[string]int{} // id → index in out
	var out []backend.Line
	var msgs []backend.Message
	add := func(l backend.Line, m []backend.Message) {
		if i, ok := got[l.ID]; ok {
			out[i] = l
		} else {
			got[l.ID] = len(out)
			out = append(out, l)
		}
		msgs = append(msgs, m...)
	}
	live := false
	for _, o := range orders {
		before, ok := want[o.ID]
		if !ok {
			continue
		}
		l, m := p.line(o)
		if before.Code == "" && l.Code != "" && pulled[o.ID].IsZero() {
			live = true
		}
		add(l, m)
	}
	reads := 0
	for _, l := range lines {
		if _, ok := got[l.ID]; ok || reads >= maxSingleReads {
			continue
		}
		reads++
		o, err := p.client.NumberOrder(ctx, l.ID)
		if err != nil {
			if k := backend.KindOf(err); k == backend.ErrRateLimited || ctx.Err() != nil {
				break
			}
			continue // unchanged; a vanished order stays as the engine knows it
		}
		nl, m := p.line(o)
		add(nl, m)
	}

	p.mu.Lock()
	if live {
		p.live = true
	}
	live = p.live
	p.mu.Unlock()
	if live {
		return out, msgs, nil
	}
	var due []backend.Line
	for _, l := range out {
		if l.State != backend.LineWaiting || l.Code != "" {
			continue
		}
		if !l.CreatedAt.IsZero() && now.Sub(l.CreatedAt) < pullAfter {
			continue
		}
		if t := pulled[l.ID]; !t.IsZero() && now.Sub(t) < pullEvery {
			continue
		}
		due = append(due, l)
	}
	sort.SliceStable(due, func(i, j int) bool { return pulled[due[i].ID].Before(pulled[due[j].ID]) })
	for i, l := range due {
		if i == maxPulls {
			break
		}
		p.markPulled(l.ID)
		o, err := p.client.CheckNumber(ctx, l.ID)
		if err != nil {
			if k := backend.KindOf(err); k == backend.ErrRateLimited || ctx.Err() != nil {
				break
			}
			continue
		}
		nl, m := p.line(o)
		add(nl, m)
	}
	return out, msgs, nil
}

func (p *Provider) markPulled(id string) {
	p.mu.Lock()
	p.pulled[id] = p.now()
	p.mu.Unlock()
}

// line maps a number order onto a Line and its messages.
func (p *Provider) line(o NumberOrder) (backend.Line, []backend.Message) {
	key := backend.MakeKey(backend.Market, p.cfg.Account, backend.ItemLine, o.ID)
	msgs := p.messages(key, o)
	code, codeAt := o.Code, time.Time{}
	for _, m := range msgs { // newest message with a code wins
		if m.Code != "" && (codeAt.IsZero() || !m.ReceivedAt.Before(codeAt)) {
			code, codeAt = m.Code, m.ReceivedAt
		}
	}
	state := numberState(o.Status, code != "")
	now := p.now()
	if (state == backend.LineWaiting || state == backend.LineUnknown) && !o.ExpiresAt.IsZero() && now.After(o.ExpiresAt.Add(expirySlack)) {
		state = backend.LineExpired
	}
	service := o.Service
	if service == "" && o.ServiceID != "" {
		service = "service " + o.ServiceID
	}
	l := backend.Line{
		Key: key, Account: p.cfg.Account, Provider: backend.Market, ID: o.ID,
		Number: o.Number, Service: service, Country: o.Country, Kind: "number",
		State: state, RawState: o.Status, Price: p.money(o.Price, o.HasPrice, o.Currency),
		CreatedAt: o.CreatedAt, ExpiresAt: o.ExpiresAt, Code: code, CodeAt: codeAt,
		Allowed: lineActions(state),
	}
	if o.CancelAt.After(now) && state == backend.LineWaiting {
		l.CooldownUntil = o.CancelAt
	}
	extra := map[string]string{}
	for k, v := range map[string]string{"service_id": o.ServiceID, "country_id": o.CountryID, "area_code": o.AreaCode} {
		if v != "" {
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		l.Extra = extra
	}
	return l, msgs
}

// lineActions: a waiting order can be cancelled or checked; once a code
// arrived the marketplace refuses a cancel (NUMBER_CODE_ALREADY_RECEIVED)
// but still answers a check; closed orders take nothing.
func lineActions(s backend.LineState) backend.ActionSet {
	switch s {
	case backend.LineWaiting:
		return backend.Allow(backend.ActCancel, backend.ActCheck)
	case backend.LineReceived, backend.LineUnknown:
		return backend.Allow(backend.ActCheck)
	}
	return 0
}

// messages turns an order's SMS into Messages with stable ids: the
// provider's message id, else a hash of order id, the SMS's own date and
// text (never a time of our own, which would change every poll).
func (p *Provider) messages(line backend.Key, o NumberOrder) []backend.Message {
	var out []backend.Message
	seen := map[string]bool{}
	for _, s := range o.SMS {
		id := s.ID
		if id == "" {
			h := sha256.Sum256([]byte(o.ID + "\x00" + s.RawDate + "\x00" + s.Text + "\x00" + s.Code))
			id = "h" + hex.EncodeToString(h[:8])
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		at := s.At
		if at.IsZero() {
			at = o.UpdatedAt
		}
		text := s.Text
		if text == "" {
			text = s.Code // the marketplace gave only the code
		}
		sender := s.Sender
		if sender == "" {
			sender = o.Service
		}
		out = append(out, backend.Message{ID: id, Line: line, Sender: sender, Text: text, Code: s.Code, ReceivedAt: at})
	}
	return out
}

// --- leases ---------------------------------------------------------------------

// Leases: nothing the marketplace sells is a renewable lease (number
// orders are short activations, shown as lines).
func (p *Provider) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }

// --- jobs -----------------------------------------------------------------------

// Jobs lists recent boost and logs orders. A listing the API key has no
// ability for (403) is skipped for a while instead of failing the account;
// a known open boost order missing from the listing is read by id; a known
// open logs order missing from it (logs have no read-by-id) is kept as is.
func (p *Provider) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	var jobs []backend.Job
	seen := map[backend.Key]bool{}
	add := func(j backend.Job) {
		if !seen[j.Key] {
			seen[j.Key] = true
			jobs = append(jobs, j)
		}
	}
	if p.listing(CategoryBoost) {
		orders, _, err := p.client.BoostOrders(ctx, 1, listPerPage)
		switch {
		case backend.KindOf(err) == backend.ErrForbidden:
			p.forbid(CategoryBoost)
		case err != nil:
			return nil, err
		}
		for _, o := range orders {
			add(p.boostJob(o))
		}
	}
	if p.listing(CategoryLogs) {
		orders, _, err := p.client.LogOrders(ctx, 1, listPerPage)
		switch {
		case backend.KindOf(err) == backend.ErrForbidden:
			p.forbid(CategoryLogs)
		case err != nil:
			return nil, err
		}
		for _, o := range orders {
			add(p.logsJob(o))
		}
	}
	reads := 0
	for _, j := range known {
		if seen[j.Key] || j.State.Terminal() {
			continue
		}
		kind, id := splitJobID(j)
		if kind == backend.JobBoost && reads < maxSingleReads {
			reads++
			o, err := p.client.BoostOrder(ctx, id)
			if err == nil {
				add(p.boostJob(o))
				continue
			}
			if backend.KindOf(err) == backend.ErrNotFound {
				continue
			}
		}
		add(j)
	}
	return jobs, nil
}

func (p *Provider) listing(what string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.forbidden[what].After(p.now())
}

func (p *Provider) forbid(what string) {
	p.mu.Lock()
	p.forbidden[what] = p.now().Add(forbiddenPause)
	p.mu.Unlock()
}

// Job ids carry their kind ("boost/55", "logs/55"): the two order kinds
// number independently.
func jobID(kind backend.JobKind, id string) string { return string(kind) + "/" + id }

func splitJobID(j backend.Job) (backend.JobKind, string) {
	id := j.ID
	if id == "" {
		id = j.Key.ID()
	}
	if k, rest, ok := strings.Cut(id, "/"); ok {
		return backend.JobKind(k), rest
	}
	return j.Kind, id
}

func (p *Provider) boostJob(o BoostOrder) backend.Job {
	id := jobID(backend.JobBoost, o.ID)
	st := jobState(o.Status)
	title := o.Service
	if title == "" {
		title = "boost service " + o.ServiceID
	}
	if o.Quantity > 0 {
		title += fmt.Sprintf(" ×%d", o.Quantity)
	}
	if o.Link != "" {
		title += " · " + shortLink(o.Link)
	}
	var detail string
	switch {
	case st == backend.JobPartial && o.HasRemains && o.Quantity > 0:
		detail = fmt.Sprintf("remains %d of %d", o.Remains, o.Quantity)
	case (st == backend.JobPartial || st == backend.JobRunning) && o.HasRemains:
		detail = fmt.Sprintf("remains %d", o.Remains)
	case st == backend.JobFailed && o.Reason != "":
		detail = o.Reason
	}
	if detail == "" && st == backend.JobUnknown && o.Status != "" {
		detail = "status " + o.Status
	}
	allowed := backend.Allow(backend.ActCheck)
	if (st == backend.JobQueued || st == backend.JobRunning || st == backend.JobUnknown) && (o.CanCancel == nil || *o.CanCancel) {
		allowed = allowed.With(backend.ActCancel)
	}
	updated := o.UpdatedAt
	if updated.IsZero() {
		updated = o.CreatedAt
	}
	return backend.Job{
		Key: backend.MakeKey(backend.Market, p.cfg.Account, backend.ItemJob, id), Account: p.cfg.Account,
		Provider: backend.Market, ID: id, Kind: backend.JobBoost, Title: title, State: st, RawState: o.Status,
		Detail: detail, CreatedAt: o.CreatedAt, UpdatedAt: updated,
		Cost: p.money(o.Charge, o.HasCharge, o.Currency), Allowed: allowed,
	}
}

func (p *Provider) logsJob(o LogOrder) backend.Job {
	id := jobID(backend.JobLogs, o.ID)
	title := o.Category
	if title == "" {
		title = "logs category " + o.CategoryID
	}
	if o.Quantity > 0 {
		title += fmt.Sprintf(" ×%d", o.Quantity)
	}
	var detail string
	if o.Items >= 0 {
		detail = fmt.Sprintf("%d delivered", o.Items)
	}
	updated := o.UpdatedAt
	if updated.IsZero() {
		updated = o.CreatedAt
	}
	return backend.Job{
		Key: backend.MakeKey(backend.Market, p.cfg.Account, backend.ItemJob, id), Account: p.cfg.Account,
		Provider: backend.Market, ID: id, Kind: backend.JobLogs, Title: title, State: jobState(o.Status),
		RawState: o.Status, Detail: detail, CreatedAt: o.CreatedAt, UpdatedAt: updated,
		Cost: p.money(o.Total, o.HasTotal, o.Currency),
	}
}

// shortLink drops the scheme and a trailing slash and keeps it short.
func shortLink(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.TrimPrefix(s, "www.")
	s = strings.TrimRight(s, "/")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}

// --- actions --------------------------------------------------------------------

// Do carries out buy, cancel and check.
func (p *Provider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy:
		return p.buy(ctx, act, t)
	case backend.ActCancel, backend.ActCheck:
		if id, ok := p.lineTarget(act, t); ok {
			if act.Kind == backend.ActCancel {
				return p.cancelNumber(ctx, id, t)
			}
			return p.checkNumber(ctx, id)
		}
		if kind, id, ok := p.jobTarget(act, t); ok {
			if kind != backend.JobBoost {
				return backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrUnsupported, "logs orders cannot be %sed", act.Kind)
			}
			if act.Kind == backend.ActCancel {
				return p.cancelBoost(ctx, id, t)
			}
			return p.checkBoost(ctx, id)
		}
		return backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrInvalid, "no marketplace order to %s", act.Kind)
	}
	return backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrUnsupported, "the marketplace has no %q action", act.Kind.Verb())
}

func (p *Provider) lineTarget(act backend.Action, t backend.Target) (string, bool) {
	if t.Line != nil && t.Line.ID != "" {
		return t.Line.ID, true
	}
	if pk, _, kind, id := act.Target.Parts(); pk == backend.Market && kind == backend.ItemLine && id != "" {
		return id, true
	}
	return "", false
}

func (p *Provider) jobTarget(act backend.Action, t backend.Target) (backend.JobKind, string, bool) {
	if t.Job != nil {
		kind, id := splitJobID(*t.Job)
		return kind, id, id != ""
	}
	if pk, _, kind, id := act.Target.Parts(); pk == backend.Market && kind == backend.ItemJob && id != "" {
		k, rest := splitJobID(backend.Job{ID: id})
		return k, rest, rest != ""
	}
	return "", "", false
}

func (p *Provider) cancelNumber(ctx context.Context, id string, t backend.Target) (backend.Outcome, error) {
	o, ok, err := p.client.CancelNumber(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	if !ok { // the answer named no order: read it back
		o, err = p.client.NumberOrder(ctx, id)
		ok = err == nil
	}
	out := backend.Outcome{Done: true, Note: "cancelled"}
	if ok {
		l, m := p.line(o)
		out.Lines, out.Messages = []backend.Line{l}, m
	} else if t.Line != nil {
		l := *t.Line
		l.State, l.Allowed = backend.LineCanceled, 0
		out.Lines = []backend.Line{l}
	}
	if len(out.Lines) > 0 && out.Lines[0].Number != "" {
		out.Note = "cancelled " + out.Lines[0].Number
	}
	return out, nil
}

func (p *Provider) checkNumber(ctx context.Context, id string) (backend.Outcome, error) {
	p.markPulled(id)
	o, err := p.client.CheckNumber(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	l, m := p.line(o)
	note := "no code yet"
	if l.Code != "" {
		note = "code " + l.Code
	}
	return backend.Outcome{Done: true, Note: note, Lines: []backend.Line{l}, Messages: m}, nil
}

func (p *Provider) cancelBoost(ctx context.Context, id string, t backend.Target) (backend.Outcome, error) {
	o, ok, err := p.client.CancelBoost(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	if !ok {
		o, err = p.client.BoostOrder(ctx, id)
		ok = err == nil
	}
	out := backend.Outcome{Done: true, Note: "cancel requested"}
	if ok {
		j := p.boostJob(o)
		out.Jobs = []backend.Job{j}
		if j.State == backend.JobCanceled {
			out.Note = "cancelled"
		}
	} else if t.Job != nil {
		out.Jobs = []backend.Job{*t.Job}
	}
	return out, nil
}

func (p *Provider) checkBoost(ctx context.Context, id string) (backend.Outcome, error) {
	o, err := p.client.CheckBoost(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	j := p.boostJob(o)
	return backend.Outcome{Done: true, Note: strings.TrimSpace(string(j.State) + " " + j.Detail), Jobs: []backend.Job{j}}, nil
}

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

// --- settling -------------------------------------------------------------------

// Settle learns whether an action with an unknown outcome happened.
//   - buy: re-read recent orders (see findPurchase). Not there and the
//     purchase is recent: re-send the SAME request with the SAME key — the
//     marketplace deduplicates, so this returns the original order or
//     places it exactly once; a plain refusal now (no balance, out of stock,
//     invalid) means nothing was bought with that key. Not there and old:
//     not done when the listing reaches back past it, else still unknown.
//   - cancel: re-read the order (number or boost) and compare states.
//   - check changes nothing: there is nothing to settle.
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy:
		if err := p.validBuy(act); err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		s, err := p.findPurchase(ctx, act, t)
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		if s.found {
			s.out.Note += " (found after an unclear answer)"
			return backend.SettledHappened, s.out, nil
		}
		if !act.CreatedAt.IsZero() && p.now().Sub(act.CreatedAt) < resendWindow {
			out, err := p.place(ctx, act, t)
			if err == nil {
				return backend.SettledHappened, out, nil
			}
			switch backend.KindOf(err) {
			case backend.ErrNoBalance, backend.ErrOutOfStock, backend.ErrNotFound:
				return backend.SettledNotDone, backend.Outcome{}, nil
			case backend.ErrInvalid:
				if !isCode(err, codeKeyReused) {
					return backend.SettledNotDone, backend.Outcome{}, nil
				}
			}
			return backend.SettledUnknown, backend.Outcome{}, nil
		}
		if s.covered {
			return backend.SettledNotDone, backend.Outcome{}, nil
		}
		return backend.SettledUnknown, backend.Outcome{}, nil
	case backend.ActCancel:
		if id, ok := p.lineTarget(act, t); ok {
			o, err := p.client.NumberOrder(ctx, id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l, m := p.line(o)
			out := backend.Outcome{Lines: []backend.Line{l}, Messages: m}
			switch l.State {
			case backend.LineCanceled:
				out.Done, out.Note = true, "cancelled"
				return backend.SettledHappened, out, nil
			case backend.LineWaiting, backend.LineReceived, backend.LineUnknown:
				return backend.SettledNotDone, out, nil
			}
			// Expired / finished: the order closed by itself; the cancel
			// did not do it, and there is nothing left to cancel.
			return backend.SettledNotDone, out, nil
		}
		if kind, id, ok := p.jobTarget(act, t); ok && kind == backend.JobBoost {
			o, err := p.client.BoostOrder(ctx, id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			j := p.boostJob(o)
			out := backend.Outcome{Jobs: []backend.Job{j}}
			was := backend.JobUnknown
			if t.Job != nil {
				was = t.Job.State
			}
			if j.State == backend.JobCanceled || (j.State == backend.JobPartial && was != backend.JobPartial) {
				out.Done, out.Note = true, "cancelled"
				return backend.SettledHappened, out, nil
			}
			return backend.SettledNotDone, out, nil
		}
		return backend.SettledUnknown, backend.Outcome{}, p.errorf("cancel", backend.ErrInvalid, "no marketplace order to settle")
	case backend.ActCheck:
		return backend.SettledNotDone, backend.Outcome{}, nil
	}
	return backend.SettledUnknown, backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrUnsupported, "the marketplace has no %q action", act.Kind.Verb())
}

// --- catalog --------------------------------------------------------------------

// Catalog answers the buy picker:
//
//	numbers: country (/numbers/countries) → product (/numbers/services) → area_codes (/numbers/area-codes)
//	boost:   category (/boost/categories; its name is the services filter) → product (/boost/services; price per 1000)
//	logs:    parent (/logs/parent-categories) → product (/logs/categories of that parent)
//
// A product step with Chosen[product] already set answers that one item
// fresh (/boost/services/{id}, /logs/categories/{id}) to confirm price and
// stock before buying.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	ch := req.Chosen
	switch req.Category {
	case CategoryNumbers:
		switch req.Step {
		case backend.StepCountry:
			cs, err := p.client.NumberCountries(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(cs))
			for _, c := range cs {
				label := c.Name
				if c.Code != "" && !strings.EqualFold(c.Code, c.Name) {
					label = strings.TrimSpace(label + " (" + c.Code + ")")
				}
				if label == "" {
					label = c.ID
				}
				out = append(out, backend.CatalogItem{ID: c.ID, Label: label, Stock: -1})
			}
			return out, nil
		case backend.StepProduct:
			if ch[backend.StepCountry] == "" {
				return nil, p.errorf("list services", backend.ErrInvalid, "choose a country first")
			}
			ss, err := p.client.NumberServices(ctx, ch[backend.StepCountry])
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(ss))
			for _, s := range ss {
				out = append(out, backend.CatalogItem{ID: s.ID, Label: s.Name, Price: p.money(s.Price, s.HasPrice, s.Currency),
					Stock: s.Stock, Rate: s.SuccessRate})
			}
			return out, nil
		case backend.StepAreaCodes:
			if ch[backend.StepCountry] == "" || ch[backend.StepProduct] == "" {
				return nil, p.errorf("list area codes", backend.ErrInvalid, "choose a country and a service first")
			}
			as, err := p.client.NumberAreaCodes(ctx, ch[backend.StepCountry], ch[backend.StepProduct])
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(as))
			for _, a := range as {
				out = append(out, backend.CatalogItem{ID: a.Code, Label: strings.TrimSpace(a.Code + " " + a.Name),
					Price: p.money(a.Price, a.HasPrice, a.Currency), Stock: a.Stock, Note: "optional"})
			}
			return out, nil
		}
	case CategoryBoost:
		switch req.Step {
		case backend.StepCategory, backend.StepParent:
			cs, err := p.client.BoostCategories(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(cs))
			for _, c := range cs {
				out = append(out, backend.CatalogItem{ID: c.Name, Label: c.Name, Stock: -1})
			}
			return out, nil
		case backend.StepProduct:
			if id := ch[backend.StepProduct]; id != "" {
				s, err := p.client.BoostService(ctx, id)
				if err != nil {
					return nil, err
				}
				return []backend.CatalogItem{p.boostItem(s)}, nil
			}
			cat := ch[backend.StepCategory]
			if cat == "" {
				cat = ch[backend.StepParent]
			}
			if cat == "" {
				return nil, p.errorf("list boost services", backend.ErrInvalid, "choose a category first")
			}
			ss, err := p.client.BoostServices(ctx, cat)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(ss))
			for _, s := range ss {
				out = append(out, p.boostItem(s))
			}
			return out, nil
		}
	case CategoryLogs:
		switch req.Step {
		case backend.StepParent:
			ps, err := p.client.LogParentCategories(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(ps))
			for _, pc := range ps {
				out = append(out, backend.CatalogItem{ID: pc.ID, Label: pc.Name, Stock: -1})
			}
			return out, nil
		case backend.StepProduct:
			if id := ch[backend.StepProduct]; id != "" {
				c, err := p.client.LogCategory(ctx, id)
				if err != nil {
					return nil, err
				}
				return []backend.CatalogItem{p.logsItem(c)}, nil
			}
			if ch[backend.StepParent] == "" {
				return nil, p.errorf("list logs categories", backend.ErrInvalid, "choose a parent category first")
			}
			var out []backend.CatalogItem
			for page := 1; page <= maxListPages; page++ {
				cs, pg, err := p.client.LogCategories(ctx, ch[backend.StepParent], page, 100)
				if err != nil {
					return nil, err
				}
				for _, c := range cs {
					out = append(out, p.logsItem(c))
				}
				if !pg.HasNext || len(cs) == 0 {
					break
				}
			}
			return out, nil
		}
	default:
		return nil, p.errorf("catalog", backend.ErrInvalid, "unknown category %q (numbers, boost or logs)", req.Category)
	}
	return nil, p.errorf("catalog", backend.ErrInvalid, "%s has no %q step", req.Category, req.Step)
}

func (p *Provider) boostItem(s BoostService) backend.CatalogItem {
	var notes []string
	if s.HasRate {
		notes = append(notes, "price per 1000")
	}
	if s.Min > 0 || s.Max > 0 {
		notes = append(notes, fmt.Sprintf("min %d, max %d", s.Min, s.Max))
	}
	if s.Refill {
		notes = append(notes, "refill")
	}
	label := s.Name
	if label == "" {
		label = "service " + s.ID
	}
	per := 0
	if s.HasRate {
		per = 1000
	}
	return backend.CatalogItem{ID: s.ID, Label: label, Price: p.money(s.Rate, s.HasRate, s.Currency), Stock: -1,
		Per: per, Note: strings.Join(notes, " · ")}
}

func (p *Provider) logsItem(c LogCategory) backend.CatalogItem {
	label := c.Name
	if label == "" {
		label = "category " + c.ID
	}
	return backend.CatalogItem{ID: c.ID, Label: label, Price: p.money(c.Price, c.HasPrice, c.Currency), Stock: c.Stock}
}

var (
	_ backend.Provider = (*Provider)(nil)
	_ backend.BuyFlow  = (*Provider)(nil)
)
