package market

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
)

// Config is one marketplace account.
type Config struct {
	Account string
	// BaseURL is required: the marketplace is white-label and has no
	// default host. It is everything before the documented paths, e.g.
	// https://shop.example.com/api/v1.
	BaseURL string
	APIKey  string
	// PerMinute is the request budget (default Descriptor.Rate).
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
	listPerPage    = 50 // Lines / Jobs listings
	recentPerPage  = 25 // re-reads after a purchase
	maxListPages   = 5
	maxSingleReads = 5 // GET /…/orders/{id} per poll for orders missing from a listing
	// Pulling codes with POST /numbers/orders/{id}/check (see Check).
	pullAfter = 15 * time.Second
	pullEvery = 20 * time.Second
	maxPulls  = 2
	// A waiting order this far past its expiry is shown as expired even if
	// the marketplace still calls it active.
	expirySlack = 2 * time.Minute
	// A purchase the marketplace is still processing is not listed yet
	// (NOTES: IDEMPOTENCY_KEY_IN_PROGRESS — wait and re-read): for this
	// long after the operator asked, Settle calls an order it cannot find
	// "unknown", never "not done".
	settleGrace    = 2 * time.Minute
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
	// pulled is when each waiting order was last POST-checked (see Check).
	pulled    map[string]time.Time
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
		cfg.PerMinute = Descriptor.Rate
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

// BuyCategories and BuySteps are the descriptor's: numbers are country →
// service → area codes (optional); boost is category → service (link and
// quantity are fields); logs are parent category → category.
func (p *Provider) BuyCategories() []string      { return Descriptor.BuyCategories() }
func (p *Provider) BuySteps(cat string) []string { return Descriptor.BuySteps(cat) }

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

// --- leases ---------------------------------------------------------------------

// Leases: nothing the marketplace sells is a renewable lease (number
// orders are short activations, shown as lines).
func (p *Provider) Leases(context.Context) ([]backend.Lease, error) { return nil, nil }

var (
	_ backend.Provider = (*Provider)(nil)
	_ backend.BuyFlow  = (*Provider)(nil)
)
