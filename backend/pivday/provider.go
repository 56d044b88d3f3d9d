// Package pivday is Switchboard's adapter for piv.day (pivday.md; the facts
// it relies on are in docs/providers.md, "piv.day"): rented numbers and
// their SMS, proxy orders, domains and their SSL certificates, the domain
// queue, restores and white-page jobs, and piv.day's webhooks.
//
// Mapping onto the normalized domain:
//   - numbers are monthly rentals: a Line (kind "rental") AND a number
//     Lease each; only inbound SMS become Messages;
//   - proxy orders, domains and domain SSL certificates are Leases;
//   - white-page jobs, domain registrations (pending domains), domain queue
//     entries and number restores are Jobs.
//
// Lease and job ids carry their kind ("proxy/<id>", "domain/<id>",
// "ssl/<id>", "number/<id>", "white/<id>", "queue/<id>", "restore/<ids>")
// so one account's objects never collide and an action knows what it acts
// on from the id alone. Line ids are the bare piv_num_id.
package pivday

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"switchboard/backend"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// Currency of every amount: piv.day names dollars in its own messages
// ("required $5.00, available $1.20") and its domain search says "USD";
// the account balance itself carries no currency field.
const Currency = "USD"

const (
	// expiringWindow marks a rental without auto-renew "expiring" this
	// long before its end (auto-renew debits 24 h before expiry).
	expiringWindow = 72 * time.Hour
	// restoreWindow is how long after expiry a number can be restored.
	restoreWindow = 7 * 24 * time.Hour
	// smsPerCheck is how many of a number's newest messages one Check
	// reads: enough to never miss a burst between two polls.
	smsPerCheck = 20
	// countriesTTL bounds how long the countries (prices) are reused;
	// a failed read is tried again after countriesRetry.
	countriesTTL   = 10 * time.Minute
	countriesRetry = time.Minute
	// A domain's renewal price is looked up at most once per renewQuoteTTL
	// (it changes rarely), and one lease listing looks up at most
	// searchesPerListing domains, so the shared 100/min budget barely moves.
	renewQuoteTTL      = time.Hour
	searchesPerListing = 5
)

// Buy categories.
const (
	CategoryNumber = "number"
	CategoryProxy  = "proxy"
)

// Config configures one piv.day account.
type Config struct {
	Account string
	BaseURL string // default DefaultBaseURL
	APIKey  string
	Budget  *backend.Budget // default backend.NewBudget(Traits().PerMinute)
	HTTP    *http.Client
	Timeout time.Duration
	Now     func() time.Time // clock for times the provider does not give; default time.Now
}

// Provider is one piv.day account. It is safe for concurrent use.
type Provider struct {
	account string
	c       *Client
	now     func() time.Time

	mu sync.Mutex
	// Monthly number prices by country (GET /numbers/countries), when they
	// were read and when a read was last tried.
	prices                map[string]backend.Money
	pricesAt, pricesTried time.Time
	// Domains' renewal prices (GET /domains/search) by name.
	renewQuotes map[string]renewQuote
}

var (
	_ backend.Provider      = (*Provider)(nil)
	_ backend.BuyFlow       = (*Provider)(nil)
	_ backend.WebhookParser = (*Provider)(nil)
)

// Traits: SMS are read per number, the budget (Descriptor.Rate) is shared
// by every call of the key, and numbers can be listed.
func Traits() backend.Traits {
	return backend.Traits{BatchCheck: false, ListsLines: true, PerMinute: Descriptor.Rate, CheckTimeout: 30 * time.Second}
}

// New makes a Provider. The account name and the API key are required.
func New(cfg Config) (*Provider, error) {
	if strings.TrimSpace(cfg.Account) == "" {
		return nil, &backend.Error{Provider: backend.PivDay, Kind: backend.ErrInvalid, Message: "piv.day account needs a name"}
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, &backend.Error{Provider: backend.PivDay, Kind: backend.ErrAuth, Message: "piv.day account " + cfg.Account + " has no API key"}
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &backend.Error{Provider: backend.PivDay, Kind: backend.ErrInvalid, Message: "piv.day base URL must be an http(s) URL: " + transport.Snippet(base)}
	}
	budget := cfg.Budget
	if budget == nil {
		budget = backend.NewBudget(Traits().PerMinute)
	}
	key := strings.TrimSpace(cfg.APIKey)
	t := transport.New(transport.Config{
		Provider: backend.PivDay,
		BaseURL:  base,
		Budget:   budget,
		HTTP:     cfg.HTTP,
		Timeout:  cfg.Timeout,
		Secrets:  []string{key},
		Auth:     func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) },
	})
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	return &Provider{account: cfg.Account, c: &Client{t: t}, now: now}, nil
}

// Client exposes every documented call.
func (p *Provider) Client() *Client { return p.c }

func (p *Provider) Kind() backend.ProviderKind { return backend.PivDay }
func (p *Provider) Account() string            { return p.account }
func (p *Provider) Traits() backend.Traits     { return Traits() }

// --- keys, ids, money -------------------------------------------------------

func (p *Provider) lineKey(id string) backend.Key {
	return backend.MakeKey(backend.PivDay, p.account, backend.ItemLine, id)
}

func (p *Provider) leaseKey(id string) backend.Key {
	return backend.MakeKey(backend.PivDay, p.account, backend.ItemLease, id)
}

func (p *Provider) jobKey(id string) backend.Key {
	return backend.MakeKey(backend.PivDay, p.account, backend.ItemJob, id)
}

// Kind prefixes of lease and job ids.
const (
	idNumber  = "number"
	idProxy   = "proxy"
	idDomain  = "domain"
	idSSL     = "ssl"
	idWhite   = "white"
	idQueue   = "queue"
	idRestore = "restore"
)

func kindID(kind, id string) string { return kind + "/" + id }

// splitID splits "proxy/ord-1" into ("proxy", "ord-1"); an id without a
// known prefix is returned whole with kind "".
func splitID(id string) (kind, raw string) {
	if k, r, ok := strings.Cut(id, "/"); ok {
		switch k {
		case idNumber, idProxy, idDomain, idSSL, idWhite, idQueue, idRestore:
			return k, r
		}
	}
	return "", id
}

func restoreID(ids []string) string {
	s := slices.Clone(ids)
	sort.Strings(s)
	return kindID(idRestore, strings.Join(slices.Compact(s), ","))
}

func money(a Amount) backend.Money {
	if !a.Valid {
		return backend.Money{}
	}
	return backend.NewMoney(a.Value, Currency)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("2 Jan 2006")
}

func lower(t Text) string { return strings.ToLower(strings.TrimSpace(string(t))) }

// ident is a provider id as Switchboard keeps it: ids reach keys and the
// screen, so they are neutralized like any provider text (a real id has
// nothing to neutralize).
func ident(t Text) string { return sanitize.Line(strings.TrimSpace(string(t))) }
