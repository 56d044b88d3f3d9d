// Package nonvoip is Switchboard's adapter for NonVoipUsNumber
// (nonvoip.openapi.json; the facts it relies on are in docs/providers.md,
// "NonVoipUsNumber"): balance, products, orders (short-term, 30-day,
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
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
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
// at Descriptor.Rate and follows X-RateLimit-Limit once the server sends
// it.
func (p *Provider) Traits() backend.Traits {
	return backend.Traits{BatchCheck: false, ListsLines: false, PerMinute: Descriptor.Rate, CheckTimeout: 45 * time.Second}
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
		if nl, ok := p.closedBy(l, err); ok {
			return nl, nil, nil
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

// closedBy is the line closed as a getsms refusal says: the order is gone,
// or the refusal states what it has become ("already rejected").
func (p *Provider) closedBy(l backend.Line, err error) (backend.Line, bool) {
	if orderGone(err) {
		return p.gone(l), true
	}
	if st := stateOf(err); st != "" {
		return p.closeAs(l, st), true
	}
	return l, false
}

// stateOf is the state a refusal states, or "".
func stateOf(err error) backend.LineState {
	if e, ok := backend.AsError(err); ok {
		return e.State
	}
	return ""
}

// closeAs closes a line in state, with the raw word deriveState reads
// back the same way.
func (p *Provider) closeAs(l backend.Line, state backend.LineState) backend.Line {
	nl := cloneLine(l)
	nl.State, nl.RawState = state, string(state)
	if state == backend.LineCanceled {
		nl.RawState = "rejected"
	}
	nl.Allowed = allowed(nl, p.clock())
	return nl
}
