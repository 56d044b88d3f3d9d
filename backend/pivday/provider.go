// Package pivday is Switchboard's adapter for piv.day (pivday.md): rented
// numbers and their SMS, proxy orders, domains and their SSL certificates,
// the domain queue, restores and white-page jobs, and piv.day's webhooks.
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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/otp"
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
	// countriesTTL bounds how long the countries (prices) are reused.
	countriesTTL = 10 * time.Minute
	// settleSkew widens "created after the action" for clock differences.
	settleSkew = 10 * time.Minute
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

	mu          sync.Mutex
	countries   []Country
	countriesAt time.Time
}

var (
	_ backend.Provider      = (*Provider)(nil)
	_ backend.BuyFlow       = (*Provider)(nil)
	_ backend.WebhookParser = (*Provider)(nil)
)

// Traits: SMS are read per number, the 100/min budget is shared by every
// call of the key, and numbers can be listed.
func Traits() backend.Traits {
	return backend.Traits{BatchCheck: false, ListsLines: true, PerMinute: 100, CheckTimeout: 30 * time.Second}
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

// --- numbers → lines, leases, messages ---------------------------------------

func numberState(status string, exp time.Time, auto bool, now time.Time) backend.LineState {
	switch status {
	case "active":
		if !auto && !exp.IsZero() && exp.Sub(now) < expiringWindow {
			return backend.LineExpiring
		}
		return backend.LineActive
	case "expired":
		return backend.LineExpired
	case "pending_restore", "pending", "restoring":
		return backend.LinePending
	}
	return backend.LineUnknown
}

// numberAllowed is exactly what piv.day accepts for a number: renew and
// the auto-renew toggle while active, restore within 7 days of expiry,
// reading always.
func numberAllowed(state backend.LineState, auto bool, exp, now time.Time) backend.ActionSet {
	a := backend.Allow(backend.ActCheck)
	switch state {
	case backend.LineActive, backend.LineExpiring:
		a = a.With(backend.ActRenew)
		if auto {
			a = a.With(backend.ActAutoRenewOff)
		} else {
			a = a.With(backend.ActAutoRenewOn)
		}
	case backend.LineExpired:
		if exp.IsZero() || now.Before(exp.Add(restoreWindow)) {
			a = a.With(backend.ActRestore)
		}
	}
	return a
}

func (p *Provider) line(n Number, price backend.Money, now time.Time) backend.Line {
	id := ident(n.ID)
	status := lower(n.Status)
	if status == "" {
		status = "active" // purchase answers carry no status: a new number is live
	}
	created := n.PurchasedAt.Time
	if created.IsZero() {
		created = n.CreatedAt.Time
	}
	state := numberState(status, n.ExpiresAt.Time, bool(n.AutoRenew), now)
	return backend.Line{
		Key:       p.lineKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Number:    sanitize.Line(string(n.Phone)),
		Country:   sanitize.Line(string(n.Country)),
		Kind:      "rental",
		Name:      sanitize.Line(string(n.CustomName)),
		State:     state,
		RawState:  sanitize.Line(status),
		Price:     price,
		CreatedAt: created,
		ExpiresAt: n.ExpiresAt.Time,
		AutoRenew: bool(n.AutoRenew),
		HasAuto:   true,
		Allowed:   numberAllowed(state, bool(n.AutoRenew), n.ExpiresAt.Time, now),
	}
}

// numberLease is the expiry side of a number; it shares the line's rules.
func (p *Provider) numberLease(l backend.Line) backend.Lease {
	name := l.Number
	if l.Name != "" {
		name += " · " + l.Name
	}
	id := kindID(idNumber, l.ID)
	return backend.Lease{
		Key:        p.leaseKey(id),
		Account:    p.account,
		Provider:   backend.PivDay,
		ID:         id,
		Kind:       backend.LeaseNumber,
		Name:       name,
		State:      l.RawState,
		ExpiresAt:  l.ExpiresAt,
		AutoRenew:  l.AutoRenew,
		HasAuto:    true,
		RenewPrice: l.Price,
		Period:     "month",
		Allowed:    l.Allowed,
		Line:       l.Key,
	}
}

// refreshLine recomputes what depends on the clock and the flags after an
// action changed a snapshot.
func (p *Provider) refreshLine(l backend.Line, now time.Time) backend.Line {
	l.State = numberState(l.RawState, l.ExpiresAt, l.AutoRenew, now)
	l.Allowed = numberAllowed(l.State, l.AutoRenew, l.ExpiresAt, now)
	return l
}

// messageID is the same for an SMS read from /numbers/{id}/sms and the
// same SMS pushed by the sms.received webhook (which carries no message
// id), so the ledger stores it once: a short hash of number, time and text.
func messageID(numberID string, at time.Time, text string) string {
	h := sha256.Sum256([]byte(numberID + "\x00" + at.UTC().Truncate(time.Second).Format(time.RFC3339) + "\x00" + text))
	return "h" + hex.EncodeToString(h[:8])
}

// codeOf: the provider's code wins, else the one extracted from the text.
func codeOf(provided, raw string) string {
	if c := sanitize.Code(provided); c != "" {
		return c
	}
	return sanitize.Code(otp.Extract(raw))
}

// message maps an SMS; outbound messages are not Messages.
func (p *Provider) message(numberID, phone string, m SMS) (backend.Message, bool) {
	switch lower(m.Direction) {
	case "inbound", "incoming", "in", "received":
	case "":
		if phone != "" && string(m.From) == phone {
			return backend.Message{}, false // sent from the number itself
		}
	default:
		return backend.Message{}, false
	}
	raw := string(m.Body)
	return backend.Message{
		ID:         messageID(numberID, m.ReceivedAt.Time, raw),
		Line:       p.lineKey(numberID),
		Sender:     sanitize.Line(string(m.From)),
		Text:       sanitize.Text(raw),
		Code:       codeOf("", raw),
		ReceivedAt: m.ReceivedAt.Time,
	}, true
}

// --- proxies, domains, jobs ---------------------------------------------------

func proxyAllowed(status string) backend.ActionSet {
	switch status {
	case "active":
		return backend.Allow(backend.ActRenew, backend.ActExport, backend.ActCheck)
	case "expired":
		return backend.Allow(backend.ActRestore, backend.ActCheck)
	}
	return backend.Allow(backend.ActCheck)
}

func (p *Provider) proxyLease(o ProxyOrder) backend.Lease {
	id := kindID(idProxy, ident(o.ID))
	status := lower(o.Status)
	name := sanitize.Line(string(o.Country))
	if o.Quantity > 0 {
		name = fmt.Sprintf("%s ×%d", name, int(o.Quantity))
	}
	var renew backend.Money
	if o.PricePerProxy.Valid && o.Quantity > 0 {
		renew = backend.NewMoney(o.PricePerProxy.Value.Mul(decimal.NewFromInt(int64(o.Quantity))), Currency)
	}
	return backend.Lease{
		Key:        p.leaseKey(id),
		Account:    p.account,
		Provider:   backend.PivDay,
		ID:         id,
		Kind:       backend.LeaseProxy,
		Name:       "proxy " + name,
		State:      sanitize.Line(status),
		ExpiresAt:  o.ExpiresAt.Time,
		RenewPrice: renew,
		Period:     "month",
		Allowed:    proxyAllowed(status),
	}
}

func domainAllowed(status string, auto bool) backend.ActionSet {
	a := backend.Allow(backend.ActCheck)
	switch status {
	case "active":
		a = a.With(backend.ActRenew)
		if auto {
			a = a.With(backend.ActAutoRenewOff)
		} else {
			a = a.With(backend.ActAutoRenewOn)
		}
	case "expired":
		// The document does not forbid renewing an expired domain; the
		// registrar's grace period usually allows it.
		a = a.With(backend.ActRenew)
	}
	return a
}

// domainPending reports a domain still being registered: a Job, not a
// Lease.
func domainPending(status string) bool {
	switch status {
	case "pending", "purchasing", "processing", "queued", "registering":
		return true
	}
	return false
}

func (p *Provider) domainLease(d Domain) backend.Lease {
	id := kindID(idDomain, ident(d.ID))
	status := lower(d.Status)
	return backend.Lease{
		Key:       p.leaseKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.LeaseDomain,
		Name:      sanitize.Line(string(d.Name)),
		State:     sanitize.Line(status),
		ExpiresAt: d.ExpiresAt.Time,
		AutoRenew: bool(d.AutoRenew),
		HasAuto:   true,
		Period:    "year",
		Allowed:   domainAllowed(status, bool(d.AutoRenew)),
	}
}

// sslLease is a domain's certificate: it expires, piv.day renews it by
// itself (Let's Encrypt), the operator can only watch it.
func (p *Provider) sslLease(d Domain) (backend.Lease, bool) {
	if d.SSLExpiresAt.IsZero() {
		return backend.Lease{}, false
	}
	id := kindID(idSSL, ident(d.ID))
	return backend.Lease{
		Key:       p.leaseKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.LeaseSSL,
		Name:      "SSL " + sanitize.Line(string(d.Name)),
		State:     sanitize.Line(lower(d.SSLStatus)),
		ExpiresAt: d.SSLExpiresAt.Time,
		Allowed:   backend.Allow(backend.ActCheck),
	}, true
}

func (p *Provider) domainLeases(d Domain) []backend.Lease {
	var out []backend.Lease
	if !domainPending(lower(d.Status)) {
		out = append(out, p.domainLease(d))
	}
	if l, ok := p.sslLease(d); ok {
		out = append(out, l)
	}
	return out
}

// whiteState reads a white job's status. The document shows the numbers
// 0 (just queued) and 10 (in a "done" listing) and filters by the words
// queued|processing|done|failed; numbers in between are taken as progress,
// negative ones as failure, anything else stays unknown with its raw value.
func whiteState(s WhiteStatus) backend.JobState {
	if s.Numeric {
		switch {
		case s.Code == 0:
			return backend.JobQueued
		case s.Code == 10:
			return backend.JobDone
		case s.Code > 0 && s.Code < 10:
			return backend.JobRunning
		case s.Code < 0:
			return backend.JobFailed
		}
		return backend.JobUnknown
	}
	switch strings.ToLower(s.Word) {
	case "queued", "pending":
		return backend.JobQueued
	case "processing", "running", "generating":
		return backend.JobRunning
	case "done", "completed", "success":
		return backend.JobDone
	case "failed", "error":
		return backend.JobFailed
	}
	return backend.JobUnknown
}

func (p *Provider) whiteJob(w White) backend.Job {
	id := kindID(idWhite, ident(w.ID))
	title := "white page " + sanitize.Line(string(w.Name))
	var detail []string
	for _, s := range []Text{w.TierKey, w.Niche, w.Country, w.Domain} {
		if v := sanitize.Line(string(s)); v != "" {
			detail = append(detail, v)
		}
	}
	return backend.Job{
		Key:       p.jobKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.JobWhite,
		Title:     title,
		State:     whiteState(w.Status),
		RawState:  sanitize.Line(w.Status.Raw()),
		Detail:    strings.Join(detail, " · "),
		CreatedAt: w.CreatedAt.Time,
		UpdatedAt: p.now().UTC(),
	}
}

// domainJob is a domain still being registered (GET /domains?status=pending).
func (p *Provider) domainJob(d Domain) backend.Job {
	id := kindID(idDomain, ident(d.ID))
	status := lower(d.Status)
	state := backend.JobQueued
	switch {
	case status == "purchasing" || status == "processing" || status == "registering":
		state = backend.JobRunning
	case status == "active" || status == "expired":
		state = backend.JobDone
	case !domainPending(status):
		state = backend.JobUnknown
	}
	j := backend.Job{
		Key:       p.jobKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.JobDomainRegistration,
		Title:     "register " + sanitize.Line(string(d.Name)),
		State:     state,
		RawState:  sanitize.Line(status),
		CreatedAt: d.CreatedAt.Time,
		UpdatedAt: p.now().UTC(),
	}
	if state == backend.JobDone {
		j.Detail = "registered, expires " + day(d.ExpiresAt.Time)
	}
	return j
}

func queueState(status string) backend.JobState {
	switch status {
	case "pending", "queued":
		return backend.JobQueued
	case "processing", "running", "purchasing":
		return backend.JobRunning
	case "completed", "done", "success":
		return backend.JobDone
	case "failed", "error", "canceled", "cancelled":
		return backend.JobFailed
	}
	return backend.JobUnknown
}

// queueJob maps a registration/renewal queue entry; prev keeps the id,
// title and start the engine knew.
func (p *Provider) queueJob(q QueueEntry, prev backend.Job) backend.Job {
	id := prev.ID
	if id == "" {
		id = kindID(idQueue, ident(q.ID))
	}
	status := lower(q.Status)
	j := prev
	j.Key, j.Account, j.Provider, j.ID = p.jobKey(id), p.account, backend.PivDay, id
	j.Kind = backend.JobDomainRegistration
	if j.Title == "" {
		j.Title = "domain " + sanitize.Line(q.DomainName)
	}
	j.State = queueState(status)
	j.RawState = sanitize.Line(status)
	j.UpdatedAt = p.now().UTC()
	switch {
	case q.Domain != nil && j.State == backend.JobDone:
		j.Detail = "done, expires " + day(q.Domain.ExpiresAt.Time)
	case q.Error != "":
		j.Detail = sanitize.Line(string(q.Error))
	}
	return j
}

// restoreJob sums up a restore batch from its numbers' statuses now.
func (p *Provider) restoreJob(prev backend.Job, ids []string, status map[string]string) backend.Job {
	j := prev
	j.Key, j.Account, j.Provider = p.jobKey(prev.ID), p.account, backend.PivDay
	j.Kind = backend.JobRestore
	if j.Title == "" {
		j.Title = fmt.Sprintf("restore %d numbers", len(ids))
	}
	var pending, restored, failed int
	for _, id := range ids {
		switch status[id] {
		case "pending_restore", "pending", "restoring":
			pending++
		case "active":
			restored++
		default: // still expired, gone, or unknown: not restored
			failed++
		}
	}
	switch {
	case pending > 0:
		j.State, j.Detail = backend.JobRunning, fmt.Sprintf("%d restored, %d pending", restored, pending)
	case failed == 0:
		j.State, j.Detail = backend.JobDone, fmt.Sprintf("%d restored", restored)
	case restored == 0:
		j.State, j.Detail = backend.JobFailed, "not restored (piv.day refunds failed restores)"
	default:
		j.State, j.Detail = backend.JobPartial, fmt.Sprintf("%d restored, %d not restored (refunded)", restored, failed)
	}
	j.RawState = string(j.State)
	j.UpdatedAt = p.now().UTC()
	return j
}

// --- reads --------------------------------------------------------------------

// Balance reads the account's money.
func (p *Provider) Balance(ctx context.Context) (backend.Account, error) {
	a, err := p.c.Account(ctx)
	if err != nil {
		return backend.Account{}, err
	}
	if !a.Balance.Valid {
		return backend.Account{}, p.c.t.Error("read balance", backend.ErrMalformed, http.StatusOK, "", "the answer carries no balance")
	}
	return backend.Account{
		Name:     p.account,
		Provider: backend.PivDay,
		Balance:  money(a.Balance),
		Email:    sanitize.Line(string(a.Email)),
	}, nil
}

// prices returns monthly number prices by country, from a cache of
// GET /numbers/countries refreshed at most every ten minutes. fetch=false
// never calls the provider.
func (p *Provider) prices(ctx context.Context, fetch bool) map[string]backend.Money {
	p.mu.Lock()
	fresh := p.countries != nil && p.now().Sub(p.countriesAt) < countriesTTL
	list := p.countries
	p.mu.Unlock()
	if !fresh && fetch {
		if cs, err := p.c.Countries(ctx); err == nil {
			p.storeCountries(cs)
			list = cs
		}
	}
	out := map[string]backend.Money{}
	for _, c := range list {
		out[strings.ToUpper(string(c.Code))] = money(c.PricePerMonth)
	}
	return out
}

func (p *Provider) storeCountries(cs []Country) {
	p.mu.Lock()
	p.countries, p.countriesAt = cs, p.now()
	p.mu.Unlock()
}

// Lines lists every number of the account. The listing carries no SMS.
func (p *Provider) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	nums, err := p.c.Numbers(ctx, NumberFilter{})
	if err != nil {
		return nil, nil, err
	}
	now := p.now()
	prices := p.prices(ctx, false)
	lines := make([]backend.Line, 0, len(nums))
	for _, n := range nums {
		lines = append(lines, p.line(n, prices[strings.ToUpper(string(n.Country))], now))
	}
	return lines, nil, nil
}

// Check reads each open line's newest SMS (piv.day has no batch call). A
// line that no longer exists is skipped; any other failure stops the round
// and returns what was read so far with the error.
func (p *Provider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	var outLines []backend.Line
	var msgs []backend.Message
	for _, l := range lines {
		if !l.State.Open() || l.State == backend.LinePending {
			continue
		}
		if err := ctx.Err(); err != nil {
			return outLines, msgs, p.c.t.Error("check numbers", backend.ErrTimeout, 0, "", "stopped: "+err.Error())
		}
		list, err := p.c.For(l.Number).NumberSMS(ctx, l.ID, smsPerCheck, 0)
		if err != nil {
			if backend.KindOf(err) == backend.ErrNotFound {
				continue
			}
			return outLines, msgs, err
		}
		for _, m := range list {
			msg, ok := p.message(l.ID, l.Number, m)
			if !ok {
				continue
			}
			msgs = append(msgs, msg)
			if msg.Code != "" && msg.ReceivedAt.After(l.CodeAt) {
				l.Code, l.CodeAt = msg.Code, msg.ReceivedAt
			}
		}
		outLines = append(outLines, l)
	}
	return outLines, msgs, nil
}

// Leases lists numbers, proxy orders, domains and SSL certificates.
func (p *Provider) Leases(ctx context.Context) ([]backend.Lease, error) {
	nums, err := p.c.Numbers(ctx, NumberFilter{})
	if err != nil {
		return nil, err
	}
	proxies, err := p.c.ProxyOrders(ctx, ListFilter{})
	if err != nil {
		return nil, err
	}
	domains, err := p.c.Domains(ctx, ListFilter{})
	if err != nil {
		return nil, err
	}
	now := p.now()
	prices := p.prices(ctx, true)
	var out []backend.Lease
	for _, n := range nums {
		out = append(out, p.numberLease(p.line(n, prices[strings.ToUpper(string(n.Country))], now)))
	}
	for _, o := range proxies {
		out = append(out, p.proxyLease(o))
	}
	for _, d := range domains {
		out = append(out, p.domainLeases(d)...)
	}
	return out, nil
}

// Jobs lists white-page jobs and domains being registered, and follows the
// jobs only the engine knows of: queue entries, restore batches, and
// registrations or white jobs that left the listings.
func (p *Provider) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	whites, err := p.c.Whites(ctx, ListFilter{})
	if err != nil {
		return nil, err
	}
	pending, err := p.c.Domains(ctx, ListFilter{Status: "pending"})
	if err != nil {
		return nil, err
	}
	var out []backend.Job
	seen := map[string]bool{}
	for _, w := range whites {
		j := p.whiteJob(w)
		seen[j.ID] = true
		out = append(out, j)
	}
	for _, d := range pending {
		if !domainPending(lower(d.Status)) {
			continue
		}
		j := p.domainJob(d)
		seen[j.ID] = true
		out = append(out, j)
	}
	for _, k := range known {
		if seen[k.ID] || k.State.Terminal() {
			continue
		}
		j, err := p.followJob(ctx, k)
		if err != nil {
			return nil, err
		}
		seen[j.ID] = true
		out = append(out, j)
	}
	return out, nil
}

// followJob re-reads one job the listings did not cover.
func (p *Provider) followJob(ctx context.Context, k backend.Job) (backend.Job, error) {
	kind, raw := splitID(k.ID)
	gone := func(detail string) (backend.Job, error) {
		k.Key, k.Account, k.Provider = p.jobKey(k.ID), p.account, backend.PivDay
		k.State, k.Detail, k.UpdatedAt = backend.JobFailed, detail, p.now().UTC()
		return k, nil
	}
	switch kind {
	case idQueue:
		q, err := p.c.DomainQueue(ctx, raw)
		if backend.KindOf(err) == backend.ErrNotFound {
			return gone("the queue entry no longer exists at piv.day")
		}
		if err != nil {
			return k, err
		}
		return p.queueJob(q, k), nil
	case idDomain:
		d, err := p.c.Domain(ctx, raw)
		if backend.KindOf(err) == backend.ErrNotFound {
			return gone("the domain is not on the account: registration failed")
		}
		if err != nil {
			return k, err
		}
		j := p.domainJob(d)
		j.CreatedAt = k.CreatedAt
		return j, nil
	case idWhite:
		w, err := p.c.White(ctx, raw)
		if backend.KindOf(err) == backend.ErrNotFound {
			return gone("the job no longer exists at piv.day")
		}
		if err != nil {
			return k, err
		}
		return p.whiteJob(w), nil
	case idRestore:
		ids := strings.Split(raw, ",")
		status := map[string]string{}
		for _, id := range ids {
			n, err := p.c.Number(ctx, id)
			if backend.KindOf(err) == backend.ErrNotFound {
				continue
			}
			if err != nil {
				return k, err
			}
			status[id] = lower(n.Status)
		}
		return p.restoreJob(k, ids, status), nil
	}
	return k, nil
}

// --- actions ------------------------------------------------------------------

// target is what an action applies to, resolved from the Target snapshot
// or, without one, from the action's key.
type target struct {
	kind  string // number | proxy | domain | ssl | white | queue | restore
	id    string // the provider's id
	label string // phone number, domain name: for operation names
	line  *backend.Line
	lease *backend.Lease
	job   *backend.Job
}

func (p *Provider) resolve(act backend.Action, t backend.Target) (target, error) {
	switch {
	case t.Line != nil:
		return target{kind: idNumber, id: t.Line.ID, label: t.Line.Number, line: t.Line}, nil
	case t.Lease != nil:
		kind, raw := splitID(t.Lease.ID)
		if kind == "" {
			kind = map[backend.LeaseKind]string{backend.LeaseNumber: idNumber, backend.LeaseProxy: idProxy,
				backend.LeaseDomain: idDomain, backend.LeaseSSL: idSSL}[t.Lease.Kind]
		}
		label := t.Lease.Name
		if kind == idNumber {
			label, _, _ = strings.Cut(label, " · ")
		}
		return target{kind: kind, id: raw, label: label, lease: t.Lease}, nil
	case t.Job != nil:
		kind, raw := splitID(t.Job.ID)
		return target{kind: kind, id: raw, label: t.Job.Title, job: t.Job}, nil
	}
	if act.Target != "" {
		_, _, item, id := act.Target.Parts()
		switch item {
		case backend.ItemLine:
			return target{kind: idNumber, id: id}, nil
		case backend.ItemLease, backend.ItemJob:
			kind, raw := splitID(id)
			return target{kind: kind, id: raw}, nil
		}
	}
	return target{}, p.c.t.Error(string(act.Kind), backend.ErrInvalid, 0, "", "no target for this action")
}

func (p *Provider) unsupported(act backend.Action, what string) error {
	return p.c.t.Error(act.Kind.Verb()+" "+what, backend.ErrUnsupported, 0, "", "piv.day has no way to "+act.Kind.Verb()+" a "+what)
}

// Do carries out an action. Paid calls are sent once; a timeout or a lost
// answer comes back as ErrOutcomeUnknown for Settle to resolve.
func (p *Provider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	if act.Kind == backend.ActBuy {
		return p.buy(ctx, act)
	}
	tg, err := p.resolve(act, t)
	if act.Kind == backend.ActRestore && (err != nil || tg.kind != idProxy) {
		return p.restoreNumbers(ctx, act, t) // one or several numbers
	}
	if err != nil {
		return backend.Outcome{}, err
	}
	c := p.c.For(tg.label)
	if tg.label == "" {
		c = p.c
	}
	switch act.Kind {
	case backend.ActRenew:
		return p.renew(ctx, c, act, tg)
	case backend.ActRestore:
		return p.restoreProxy(ctx, c, tg)
	case backend.ActAutoRenewOn, backend.ActAutoRenewOff:
		return p.autoRenew(ctx, c, act, tg)
	case backend.ActExport:
		if tg.kind != idProxy {
			return backend.Outcome{}, p.unsupported(act, tg.kind)
		}
		format := ExportSOCKS5
		switch act.Format {
		case "http":
			format = ExportHTTP
		case "both":
			format = ExportBoth
		}
		ex, err := c.ProxyExport(ctx, tg.id, format)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Export: sanitize.Text(string(ex.Content)),
			Note: fmt.Sprintf("exported %d proxies (%s)", int(ex.Count), sanitize.Line(string(ex.Format)))}, nil
	case backend.ActCheck:
		return p.check(ctx, c, tg)
	}
	return backend.Outcome{}, p.unsupported(act, tg.kind)
}

func actMonths(act backend.Action, c *Client) (int, error) {
	switch {
	case act.Months < 0:
		return 0, c.t.Error(string(act.Kind), backend.ErrInvalid, 0, "", "the period must be at least 1")
	case act.Months == 0:
		return 1, nil
	}
	return act.Months, nil
}

func (p *Provider) renew(ctx context.Context, c *Client, act backend.Action, tg target) (backend.Outcome, error) {
	n, err := actMonths(act, c)
	if err != nil {
		return backend.Outcome{}, err
	}
	switch tg.kind {
	case idNumber:
		r, err := c.RenewNumber(ctx, tg.id, n)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Charged: money(r.Cost),
			Note: fmt.Sprintf("renewed %s to %s", labelOr(tg.label, string(r.Phone)), day(r.NewExpiresAt.Time))}
		p.numberChanged(ctx, &out, tg, func(l *backend.Line) {
			if !r.NewExpiresAt.IsZero() {
				l.ExpiresAt = r.NewExpiresAt.Time
			}
			l.RawState = "active"
		})
		return out, nil
	case idProxy:
		r, err := c.RenewProxy(ctx, tg.id, n)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Charged: money(r.Cost), Note: "proxy order renewed to " + day(r.NewExpiresAt.Time)}
		if tg.lease != nil {
			l := *tg.lease
			if !r.NewExpiresAt.IsZero() {
				l.ExpiresAt = r.NewExpiresAt.Time
			}
			out.Leases = []backend.Lease{l}
		}
		return out, nil
	case idDomain:
		r, err := c.RenewDomain(ctx, tg.id, n)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Note: "domain renewal queued"}
		if r.QueueID == "" {
			return out, nil // nothing to follow; the next domain listing shows the new expiry
		}
		id := kindID(idQueue, ident(r.QueueID))
		j := backend.Job{Key: p.jobKey(id), Account: p.account, Provider: backend.PivDay, ID: id,
			Kind: backend.JobDomainRegistration, Title: "renew " + labelOr(tg.label, "domain"), State: backend.JobQueued,
			RawState: "pending", CreatedAt: p.now().UTC(), UpdatedAt: p.now().UTC()}
		out.Jobs = []backend.Job{j}
		return out, nil
	}
	return backend.Outcome{}, p.unsupported(act, tg.kind)
}

func labelOr(label, alt string) string {
	if label != "" {
		return label
	}
	return sanitize.Line(alt)
}

// numberChanged puts the changed number into the outcome: the snapshot with
// the change applied, or (without a snapshot) the number read again.
func (p *Provider) numberChanged(ctx context.Context, out *backend.Outcome, tg target, change func(*backend.Line)) {
	now := p.now()
	var l backend.Line
	switch {
	case tg.line != nil:
		l = *tg.line
	default:
		n, err := p.c.Number(ctx, tg.id)
		if err != nil {
			return // the action is done; the next poll brings the number
		}
		l = p.line(n, p.prices(ctx, false)[strings.ToUpper(string(n.Country))], now)
		out.Lines = append(out.Lines, l)
		out.Leases = append(out.Leases, p.numberLease(l))
		return
	}
	change(&l)
	l = p.refreshLine(l, now)
	out.Lines = append(out.Lines, l)
	out.Leases = append(out.Leases, p.numberLease(l))
}

func (p *Provider) autoRenew(ctx context.Context, c *Client, act backend.Action, tg target) (backend.Outcome, error) {
	on := act.Kind == backend.ActAutoRenewOn
	switch tg.kind {
	case idNumber:
		r, err := c.SetNumberAutoRenew(ctx, tg.id, on)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Note: "auto-renew " + onOff(bool(r.AutoRenew)) + " for " + labelOr(tg.label, string(r.Phone))}
		p.numberChanged(ctx, &out, tg, func(l *backend.Line) { l.AutoRenew = bool(r.AutoRenew) })
		return out, nil
	case idDomain:
		r, err := c.SetDomainAutoRenew(ctx, tg.id, on)
		if err != nil {
			return backend.Outcome{}, err
		}
		out := backend.Outcome{Done: true, Note: "auto-renew " + onOff(bool(r.AutoRenew)) + " for " + labelOr(tg.label, "the domain")}
		if tg.lease != nil {
			l := *tg.lease
			l.AutoRenew = bool(r.AutoRenew)
			l.Allowed = domainAllowed(l.State, l.AutoRenew)
			out.Leases = []backend.Lease{l}
		}
		return out, nil
	}
	return backend.Outcome{}, p.unsupported(act, tg.kind)
}

// restoreIDs collects the numbers a restore names, in the order given.
func (p *Provider) restoreIDs(act backend.Action, t backend.Target) ([]string, map[string]backend.Line) {
	var ids []string
	snap := map[string]backend.Line{}
	add := func(id string) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, l := range t.Lines {
		add(l.ID)
		snap[l.ID] = l
	}
	if t.Line != nil {
		add(t.Line.ID)
		snap[t.Line.ID] = *t.Line
	}
	if t.Lease != nil {
		if kind, raw := splitID(t.Lease.ID); kind == idNumber {
			add(raw)
		}
	}
	for _, k := range append([]backend.Key{act.Target}, act.Targets...) {
		if k == "" {
			continue
		}
		_, _, item, id := k.Parts()
		if item == backend.ItemLease {
			kind, raw := splitID(id)
			if kind != idNumber {
				continue
			}
			id = raw
		} else if item != backend.ItemLine {
			continue
		}
		add(id)
	}
	return ids, snap
}

func (p *Provider) restoreNumbers(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	ids, snap := p.restoreIDs(act, t)
	if len(ids) == 0 {
		return backend.Outcome{}, p.c.t.Error("restore numbers", backend.ErrInvalid, 0, "", "no numbers to restore")
	}
	c := p.c
	if len(ids) == 1 && snap[ids[0]].Number != "" {
		c = p.c.For(snap[ids[0]].Number)
	}
	r, err := c.RestoreNumbers(ctx, ids)
	if err != nil {
		return backend.Outcome{}, err
	}
	now := p.now()
	out := backend.Outcome{Done: true, Charged: money(r.TotalCharged),
		Note: fmt.Sprintf("restore queued for %d numbers, %d skipped", int(r.Queued), int(r.Skipped))}
	for _, n := range r.Numbers {
		l, ok := snap[ident(n.ID)]
		if !ok {
			continue
		}
		l.RawState = "pending_restore"
		l = p.refreshLine(l, now)
		out.Lines = append(out.Lines, l)
	}
	id := restoreID(ids)
	title := fmt.Sprintf("restore %d numbers", len(ids))
	if len(ids) == 1 {
		title = "restore " + labelOr(snap[ids[0]].Number, ids[0])
	}
	out.Jobs = []backend.Job{{Key: p.jobKey(id), Account: p.account, Provider: backend.PivDay, ID: id,
		Kind: backend.JobRestore, Title: title, State: backend.JobRunning, RawState: "pending",
		Detail: fmt.Sprintf("%d queued, %d skipped", int(r.Queued), int(r.Skipped)),
		Cost:   money(r.TotalCharged), CreatedAt: now.UTC(), UpdatedAt: now.UTC()}}
	return out, nil
}

func (p *Provider) restoreProxy(ctx context.Context, c *Client, tg target) (backend.Outcome, error) {
	r, err := c.RestoreProxy(ctx, tg.id)
	if err != nil {
		return backend.Outcome{}, err
	}
	out := backend.Outcome{Done: true, Charged: money(r.TotalCost), Note: "proxy order restored to " + day(r.ExpiresAt.Time)}
	if tg.lease != nil {
		l := *tg.lease
		l.State = "active"
		l.Allowed = proxyAllowed("active")
		if !r.ExpiresAt.IsZero() {
			l.ExpiresAt = r.ExpiresAt.Time
		}
		out.Leases = []backend.Lease{l}
	}
	return out, nil
}

// check re-reads one object now.
func (p *Provider) check(ctx context.Context, c *Client, tg target) (backend.Outcome, error) {
	now := p.now()
	switch tg.kind {
	case idNumber:
		n, err := c.Number(ctx, tg.id)
		if err != nil {
			return backend.Outcome{}, err
		}
		l := p.line(n, p.prices(ctx, false)[strings.ToUpper(string(n.Country))], now)
		out := backend.Outcome{Done: true, Leases: []backend.Lease{p.numberLease(l)}}
		lines, msgs, err := p.Check(ctx, []backend.Line{l})
		if err != nil {
			return backend.Outcome{}, err
		}
		if len(lines) > 0 {
			l = lines[0]
		}
		out.Lines, out.Messages = []backend.Line{l}, msgs
		return out, nil
	case idProxy:
		o, err := c.ProxyOrder(ctx, tg.id)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Leases: []backend.Lease{p.proxyLease(o)}}, nil
	case idDomain, idSSL:
		d, err := c.Domain(ctx, tg.id)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Leases: p.domainLeases(d)}, nil
	case idWhite, idQueue, idRestore:
		if tg.job == nil {
			return backend.Outcome{}, c.t.Error("check job", backend.ErrInvalid, 0, "", "no job snapshot to follow")
		}
		j, err := p.followJob(ctx, *tg.job)
		if err != nil {
			return backend.Outcome{}, err
		}
		return backend.Outcome{Done: true, Jobs: []backend.Job{j}}, nil
	}
	return backend.Outcome{}, c.t.Error("check", backend.ErrUnsupported, 0, "", "nothing to read for this item")
}

// buy places a number or proxy order from act.Buy.
func (p *Provider) buy(ctx context.Context, act backend.Action) (backend.Outcome, error) {
	b := act.Buy
	invalid := func(msg string) (backend.Outcome, error) {
		return backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", msg)
	}
	if b == nil {
		return invalid("nothing to buy")
	}
	monthsN := b.Months
	if monthsN == 0 {
		monthsN = 1
	}
	switch b.Category {
	case CategoryNumber:
		country := strings.ToUpper(strings.TrimSpace(b.Country))
		if country == "" {
			return invalid("choose a country")
		}
		if monthsN < 1 {
			return invalid("a number is rented for at least 1 month")
		}
		r, err := p.c.PurchaseNumber(ctx, NumberOrder{Country: country, Months: monthsN, AutoRenew: b.AutoRenew, CustomName: b.Name})
		if err != nil {
			return backend.Outcome{}, err
		}
		now := p.now()
		price := p.prices(ctx, false)[country]
		out := backend.Outcome{Done: true, Charged: money(r.Cost)}
		var bought []string
		for _, n := range r.Numbers {
			l := p.line(n, price, now)
			out.Lines = append(out.Lines, l)
			out.Leases = append(out.Leases, p.numberLease(l))
			bought = append(bought, l.Number)
		}
		out.Note = fmt.Sprintf("bought %s (%s) for %s", strings.Join(bought, ", "), country, months(monthsN))
		if len(out.Lines) == 1 {
			out.Note += ", until " + day(out.Lines[0].ExpiresAt)
		}
		return out, nil
	case CategoryProxy:
		qty := b.Quantity
		if qty == 0 {
			qty = 1
		}
		switch {
		case strings.TrimSpace(b.Product) == "":
			return invalid("choose a proxy server")
		case qty < 1 || qty > 500:
			return invalid("quantity must be 1–500")
		case monthsN < 1 || monthsN > 12:
			return invalid("proxies are rented for 1–12 months")
		}
		o, err := p.c.PurchaseProxy(ctx, ProxyPurchase{ServerID: strings.TrimSpace(b.Product), Quantity: qty, Months: monthsN})
		if err != nil {
			return backend.Outcome{}, err
		}
		l := p.proxyLease(o)
		return backend.Outcome{Done: true, Charged: money(o.PriceTotal), Leases: []backend.Lease{l},
			Note: fmt.Sprintf("bought %s until %s", l.Name, day(l.ExpiresAt))}, nil
	}
	return invalid("piv.day sells \"number\" and \"proxy\", not " + fmt.Sprintf("%q", sanitize.Line(b.Category)))
}

// --- settling -------------------------------------------------------------------

// Settle re-reads piv.day to learn whether an action whose answer was lost
// happened: the expiry moved (renew), the status left "expired" (restore),
// the flag flipped (auto-renew), a new order not in Target.KnownIDs
// appeared (buy).
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	if act.Kind == backend.ActBuy {
		return p.settleBuy(ctx, act, t)
	}
	tg, err := p.resolve(act, t)
	if act.Kind == backend.ActRestore && (err != nil || tg.kind != idProxy) {
		return p.settleRestore(ctx, act, t)
	}
	if err != nil {
		return backend.SettledUnknown, backend.Outcome{}, err
	}
	now := p.now()
	before := time.Time{}
	switch {
	case tg.line != nil:
		before = tg.line.ExpiresAt
	case tg.lease != nil:
		before = tg.lease.ExpiresAt
	}
	switch act.Kind {
	case backend.ActRenew:
		switch tg.kind {
		case idNumber:
			n, err := p.c.Number(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l := p.line(n, p.prices(ctx, false)[strings.ToUpper(string(n.Country))], now)
			out := backend.Outcome{Lines: []backend.Line{l}, Leases: []backend.Lease{p.numberLease(l)}}
			return moved(before, l.ExpiresAt), out, nil
		case idProxy:
			o, err := p.c.ProxyOrder(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l := p.proxyLease(o)
			return moved(before, l.ExpiresAt), backend.Outcome{Leases: []backend.Lease{l}}, nil
		case idDomain:
			d, err := p.c.Domain(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			out := backend.Outcome{Leases: p.domainLeases(d)}
			if !before.IsZero() && d.ExpiresAt.After(before) {
				return backend.SettledHappened, out, nil
			}
			// Domain renewals go through a queue whose id the lost answer
			// carried: an unmoved expiry cannot prove it was not queued.
			return backend.SettledUnknown, out, nil
		}
	case backend.ActRestore: // proxy order
		o, err := p.c.ProxyOrder(ctx, tg.id)
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		l := p.proxyLease(o)
		out := backend.Outcome{Leases: []backend.Lease{l}}
		if l.State == "active" || (!before.IsZero() && l.ExpiresAt.After(before)) {
			return backend.SettledHappened, out, nil
		}
		return backend.SettledNotDone, out, nil
	case backend.ActAutoRenewOn, backend.ActAutoRenewOff:
		want := act.Kind == backend.ActAutoRenewOn
		switch tg.kind {
		case idNumber:
			n, err := p.c.Number(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l := p.line(n, p.prices(ctx, false)[strings.ToUpper(string(n.Country))], now)
			return flag(bool(n.AutoRenew) == want), backend.Outcome{Lines: []backend.Line{l}, Leases: []backend.Lease{p.numberLease(l)}}, nil
		case idDomain:
			d, err := p.c.Domain(ctx, tg.id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			return flag(bool(d.AutoRenew) == want), backend.Outcome{Leases: p.domainLeases(d)}, nil
		}
	case backend.ActExport, backend.ActCheck:
		return backend.SettledNotDone, backend.Outcome{}, nil // reads: nothing to settle
	}
	return backend.SettledUnknown, backend.Outcome{}, p.unsupported(act, tg.kind)
}

func flag(happened bool) backend.Settled {
	if happened {
		return backend.SettledHappened
	}
	return backend.SettledNotDone
}

// moved: the expiry after the action is later than before it.
func moved(before, after time.Time) backend.Settled {
	if before.IsZero() {
		return backend.SettledUnknown
	}
	return flag(after.After(before))
}

func (p *Provider) settleRestore(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	ids, snap := p.restoreIDs(act, t)
	if len(ids) == 0 {
		return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("restore numbers", backend.ErrInvalid, 0, "", "no numbers to settle")
	}
	now := p.now()
	status := map[string]string{}
	var out backend.Outcome
	happened := false
	for _, id := range ids {
		n, err := p.c.Number(ctx, id)
		if backend.KindOf(err) == backend.ErrNotFound {
			continue
		}
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		s := lower(n.Status)
		status[id] = s
		l := p.line(n, p.prices(ctx, false)[strings.ToUpper(string(n.Country))], now)
		out.Lines = append(out.Lines, l)
		prev, known := snap[id]
		switch {
		case s == "pending_restore" || s == "pending" || s == "restoring":
			happened = true
		case s == "active" && (!known || prev.State == backend.LineExpired || l.ExpiresAt.After(prev.ExpiresAt)):
			happened = true
		}
	}
	if !happened {
		return backend.SettledNotDone, out, nil
	}
	id := restoreID(ids)
	out.Jobs = []backend.Job{p.restoreJob(backend.Job{ID: id, CreatedAt: act.CreatedAt}, ids, status)}
	return backend.SettledHappened, out, nil
}

// isNew reports an order created by the action: not among the ids known
// before it, and not older than the action (give or take clock skew).
func isNew(id string, created time.Time, act backend.Action, known map[string]bool, prefixed string) bool {
	if known[id] || known[prefixed] {
		return false
	}
	return created.IsZero() || act.CreatedAt.IsZero() || !created.Before(act.CreatedAt.Add(-settleSkew))
}

func (p *Provider) settleBuy(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	b := act.Buy
	if b == nil {
		return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "nothing was bought")
	}
	now := p.now()
	switch b.Category {
	case CategoryNumber:
		country := strings.ToUpper(strings.TrimSpace(b.Country))
		nums, err := p.c.Numbers(ctx, NumberFilter{Country: country})
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		var out backend.Outcome
		for _, n := range nums {
			created := n.PurchasedAt.Time
			if created.IsZero() {
				created = n.CreatedAt.Time
			}
			if !isNew(ident(n.ID), created, act, t.KnownIDs, kindID(idNumber, ident(n.ID))) {
				continue
			}
			if b.Name != "" && string(n.CustomName) != b.Name {
				continue
			}
			l := p.line(n, p.prices(ctx, false)[country], now)
			out.Lines = append(out.Lines, l)
			out.Leases = append(out.Leases, p.numberLease(l))
		}
		if len(out.Lines) == 0 {
			return backend.SettledNotDone, out, nil
		}
		out.Note = "the purchase went through: " + out.Lines[0].Number
		return backend.SettledHappened, out, nil
	case CategoryProxy:
		orders, err := p.c.ProxyOrders(ctx, ListFilter{})
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		var out backend.Outcome
		for _, o := range orders {
			created := o.PurchasedAt.Time
			if created.IsZero() {
				created = o.CreatedAt.Time
			}
			if !isNew(ident(o.ID), created, act, t.KnownIDs, kindID(idProxy, ident(o.ID))) {
				continue
			}
			if qty := max(b.Quantity, 1); int(o.Quantity) != 0 && int(o.Quantity) != qty {
				continue
			}
			out.Leases = append(out.Leases, p.proxyLease(o))
		}
		if len(out.Leases) == 0 {
			return backend.SettledNotDone, out, nil
		}
		out.Note = "the purchase went through: " + out.Leases[0].Name
		return backend.SettledHappened, out, nil
	}
	return backend.SettledUnknown, backend.Outcome{}, p.c.t.Error("buy", backend.ErrInvalid, 0, "", "unknown category")
}

// --- buy picker -------------------------------------------------------------------

// BuyCategories: numbers and proxies.
func (p *Provider) BuyCategories() []string { return []string{CategoryNumber, CategoryProxy} }

// BuySteps: a number needs a country (months, auto-renew and the name come
// from the request); a proxy order needs a server (quantity and months
// from the request).
func (p *Provider) BuySteps(category string) []string {
	switch category {
	case CategoryNumber:
		return []string{backend.StepCountry}
	case CategoryProxy:
		return []string{backend.StepProduct}
	}
	return nil
}

// Catalog answers one step of the buy picker.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	switch {
	case req.Step == backend.StepCategory:
		return []backend.CatalogItem{
			{ID: CategoryNumber, Label: "phone number (monthly rental)", Stock: -1},
			{ID: CategoryProxy, Label: "IPv6 proxies (monthly)", Stock: -1},
		}, nil
	case req.Category == CategoryNumber && req.Step == backend.StepCountry:
		cs, err := p.c.Countries(ctx)
		if err != nil {
			return nil, err
		}
		p.storeCountries(cs)
		var out []backend.CatalogItem
		for _, c := range cs {
			code := sanitize.Line(strings.ToUpper(string(c.Code)))
			var notes []string
			if !c.CanReceiveSMS {
				notes = append(notes, "no inbound SMS")
			}
			if c.CanSendSMS {
				s := "can send SMS"
				if c.SMSSendPrice.Valid {
					s += " (" + money(c.SMSSendPrice).String() + " each)"
				}
				notes = append(notes, s)
			}
			if c.BasePrice.Valid && c.PricePerMonth.Valid && !c.BasePrice.Value.Equal(c.PricePerMonth.Value) {
				notes = append(notes, "list price "+money(c.BasePrice).String())
			}
			out = append(out, backend.CatalogItem{ID: code, Label: code + " per month", Price: money(c.PricePerMonth), Stock: -1,
				Note: strings.Join(notes, " · ")})
		}
		return out, nil
	case req.Category == CategoryProxy && req.Step == backend.StepProduct:
		servers, err := p.c.ProxyServers(ctx)
		if err != nil {
			return nil, err
		}
		var out []backend.CatalogItem
		for _, s := range servers {
			out = append(out, backend.CatalogItem{
				ID:    sanitize.Line(string(s.ID)),
				Label: fmt.Sprintf("%s (%s)", sanitize.Line(string(s.Name)), sanitize.Line(string(s.Country))),
				Price: money(s.PricePerProxy),
				Stock: -1,
				Note:  fmt.Sprintf("per proxy per month · socks5 %d · http %d", int(s.SOCKS5Port), int(s.HTTPPort)),
			})
		}
		return out, nil
	}
	return nil, p.c.t.Error("buy picker", backend.ErrInvalid, 0, "", fmt.Sprintf("no step %q for %q", req.Step, req.Category))
}

// --- webhooks ---------------------------------------------------------------------

// ParseWebhook reads one piv.day webhook delivery (untrusted body). Events
// outside Switchboard's view (outbound SMS status, Google verification)
// yield nothing and no error; so does an unknown event type.
func (p *Provider) ParseWebhook(body []byte) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, nil, nil, nil, p.webhookError("not a JSON event: " + err.Error())
	}
	now := p.now().UTC()
	at := ev.Timestamp.Time
	if at.IsZero() {
		at = now
	}
	decode := func(v any) error {
		if len(ev.Data) == 0 {
			return errors.New("no data")
		}
		return json.Unmarshal(ev.Data, v)
	}
	switch string(ev.Type) {
	case "sms.received":
		var d SMSReceived
		if err := decode(&d); err != nil || d.NumberID == "" {
			return nil, nil, nil, nil, p.webhookError("sms.received without a number")
		}
		raw := string(d.Text)
		when := d.ReceivedAt.Time
		if when.IsZero() {
			when = at
		}
		m := backend.Message{
			ID:         messageID(ident(d.NumberID), when, raw),
			Line:       p.lineKey(ident(d.NumberID)),
			Text:       sanitize.Text(raw),
			Code:       codeOf(string(d.Code), raw),
			ReceivedAt: when,
		}
		return nil, []backend.Message{m}, nil, nil, nil
	case "number.restore_completed":
		var d RestoreCompleted
		if err := decode(&d); err != nil {
			return nil, nil, nil, nil, p.webhookError("number.restore_completed: " + err.Error())
		}
		var ids []string
		status := map[string]string{}
		for _, n := range d.Restored {
			ids = append(ids, ident(n.ID))
			status[ident(n.ID)] = "active"
		}
		for _, n := range d.Failed {
			ids = append(ids, ident(n.ID))
			status[ident(n.ID)] = "expired"
		}
		if len(ids) == 0 {
			return nil, nil, nil, nil, nil
		}
		title := fmt.Sprintf("restore %d numbers", len(ids))
		if len(ids) == 1 {
			phone := d.Restored
			if len(phone) == 0 {
				phone = d.Failed
			}
			title = "restore " + labelOr(sanitize.Line(string(phone[0].Phone)), ids[0])
		}
		j := p.restoreJob(backend.Job{ID: restoreID(ids), Title: title, CreatedAt: at}, ids, status)
		if d.TotalRefunded.Valid && d.TotalRefunded.Value.IsPositive() {
			j.Detail += ", " + money(d.TotalRefunded).String() + " refunded"
		}
		j.UpdatedAt = at
		return nil, nil, nil, []backend.Job{j}, nil
	case "proxy.expires_soon":
		var d ProxyExpiresSoon
		if err := decode(&d); err != nil || d.OrderID == "" {
			return nil, nil, nil, nil, p.webhookError("proxy.expires_soon without an order")
		}
		l := p.proxyLease(ProxyOrder{ID: d.OrderID, Country: d.Country, Quantity: d.Quantity, Status: "active", ExpiresAt: d.ExpiresAt})
		return nil, nil, []backend.Lease{l}, nil, nil
	case "domain.registered", "domain.failed":
		var d DomainEvent
		if err := decode(&d); err != nil || d.DomainID == "" {
			return nil, nil, nil, nil, p.webhookError(string(ev.Type) + " without a domain")
		}
		id := kindID(idDomain, ident(d.DomainID))
		j := backend.Job{Key: p.jobKey(id), Account: p.account, Provider: backend.PivDay, ID: id,
			Kind: backend.JobDomainRegistration, Title: "register " + sanitize.Line(string(d.DomainName)), UpdatedAt: at}
		if ev.Type == "domain.registered" {
			j.State, j.RawState = backend.JobDone, "registered"
			j.Detail = "registered, expires " + day(d.ExpiresAt.Time)
		} else {
			j.State, j.RawState = backend.JobFailed, "failed"
			j.Detail = sanitize.Line(string(d.Error)) + " (refunded)"
		}
		return nil, nil, nil, []backend.Job{j}, nil
	case "domain.expires_soon":
		var d DomainEvent
		if err := decode(&d); err != nil || d.DomainID == "" {
			return nil, nil, nil, nil, p.webhookError("domain.expires_soon without a domain")
		}
		dom := Domain{ID: d.DomainID, Name: d.DomainName, Status: "active", ExpiresAt: d.ExpiresAt}
		if d.AutoRenew != nil {
			dom.AutoRenew = *d.AutoRenew
		}
		return nil, nil, []backend.Lease{p.domainLease(dom)}, nil, nil
	case "white.completed", "white.failed":
		var d WhiteEvent
		if err := decode(&d); err != nil || d.JobID == "" {
			return nil, nil, nil, nil, p.webhookError(string(ev.Type) + " without a job")
		}
		w := White{ID: d.JobID, Name: d.Name, TierKey: d.TierKey, Country: d.Country, Status: WhiteStatus{Word: "done"}}
		if ev.Type == "white.failed" {
			w.Status = WhiteStatus{Word: "failed"}
		}
		j := p.whiteJob(w)
		j.RawState = string(ev.Type)
		j.UpdatedAt = at
		if d.Error != "" {
			j.Detail = sanitize.Line(string(d.Error)) + " (refunded)"
		}
		return nil, nil, nil, []backend.Job{j}, nil
	}
	return nil, nil, nil, nil, nil
}

func (p *Provider) webhookError(msg string) error {
	return p.c.t.Error("read webhook", backend.ErrMalformed, 0, "", transport.Snippet(sanitize.Line(msg)))
}
