// Package backend holds Switchboard's normalized domain (accounts, lines,
// messages, leases, jobs, actions, events), the Provider contract every
// adapter implements, the Store contract the cache implements and the rate
// budget both sides share. The engine that polls and acts lives in
// backend/engine.
//
// Adapters (backend/pivday, fivesim, nonvoip, market) own their wire formats
// and see only this package; each describes itself with a Descriptor.
// This package never imports an adapter.
package backend

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ProviderKind names a provider: the spelling the config file uses. Each
// adapter's Descriptor declares its own; the constants below name the
// built-in ones for the tests and the simulator, which import no adapter.
// What the program knows of a kind (its label, its rules) comes from the
// registered descriptors (descriptor.go), never from a switch here.
type ProviderKind string

const (
	PivDay  ProviderKind = "pivday"
	FiveSim ProviderKind = "fivesim"
	NonVoip ProviderKind = "nonvoip"
	Market  ProviderKind = "market"
)

// Label is the provider's name as operators know it ("piv.day"), or the
// kind itself when no descriptor is registered for it.
func (k ProviderKind) Label() string {
	if d, ok := Describe(k); ok {
		return d.Label
	}
	return string(k)
}

// ItemKind says what a Key points at.
type ItemKind string

const (
	ItemAccount ItemKind = "account"
	ItemLine    ItemKind = "line"
	ItemLease   ItemKind = "lease"
	ItemJob     ItemKind = "job"
)

// Key identifies an item stably across refreshes and restarts:
// provider/account/kind/id. Panes select by Key, never by row position.
type Key string

// MakeKey builds the Key of a provider object. The provider id may contain
// slashes; it is always the last part.
func MakeKey(p ProviderKind, account string, kind ItemKind, id string) Key {
	return Key(string(p) + "/" + account + "/" + string(kind) + "/" + id)
}

// Parts splits a Key into its provider, account, kind and id.
func (k Key) Parts() (p ProviderKind, account string, kind ItemKind, id string) {
	// Cut, not Split: every line's key is read at start, and a split
	// allocates (11 MB at 100,000 lines).
	prov, rest, _ := strings.Cut(string(k), "/")
	account, rest, _ = strings.Cut(rest, "/")
	kd, id, _ := strings.Cut(rest, "/")
	return ProviderKind(prov), account, ItemKind(kd), id
}

// Account returns the account name inside the key.
func (k Key) Account() string { _, a, _, _ := k.Parts(); return a }

// ID returns the provider's own id inside the key.
func (k Key) ID() string { _, _, _, id := k.Parts(); return id }

// Money is an amount with the currency the provider names. Currency is
// empty when the provider does not say (5sim); it is then shown as given,
// labelled with the provider, and never converted.
type Money struct {
	Amount   decimal.Decimal
	Currency string
	Known    bool // false when the provider gave no amount
}

// NewMoney is a known amount.
func NewMoney(amount decimal.Decimal, currency string) Money {
	return Money{Amount: amount, Currency: currency, Known: true}
}

// String renders the amount with two decimals (more when the provider sent
// more) and the currency, or "?" when unknown.
func (m Money) String() string {
	if !m.Known {
		return "?"
	}
	places := int32(2)
	if e := -m.Amount.Exponent(); e > 2 && !m.Amount.Equal(m.Amount.Round(2)) {
		places = min(e, 6)
	}
	s := group(m.Amount.StringFixed(places))
	switch m.Currency {
	case "":
		return s
	case "USD":
		return "$" + s
	}
	return s + " " + m.Currency
}

// group puts thousands separators in a fixed-point number: 58,000.00.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if len(intPart) <= 4 {
		return sign + s
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + frac
}

// Sub returns m - o when both are known and share a currency.
func (m Money) Sub(o Money) (Money, bool) {
	if !m.Known || !o.Known || (m.Currency != o.Currency && o.Currency != "" && m.Currency != "") {
		return Money{}, false
	}
	return NewMoney(m.Amount.Sub(o.Amount), m.Currency), true
}

// Health is how an account's last polls went.
type Health int

const (
	HealthUnknown  Health = iota // nothing polled yet this run (stale cache)
	HealthOK                     // last poll succeeded
	HealthDegraded               // some calls failing or paused by a 429
	HealthFailing                // every recent call failed
)

func (h Health) String() string {
	return [...]string{"unknown", "ok", "degraded", "failing"}[h]
}

// Account is one configured provider account and what the engine knows of
// it.
type Account struct {
	Name     string
	Provider ProviderKind
	Balance  Money
	Frozen   Money    // 5sim frozen balance; unknown elsewhere
	Rating   *float64 // 5sim rating; nil elsewhere
	Email    string   // as the provider shows it (often masked)

	Health      Health
	LastError   string    // operator-facing, secrets redacted
	LastGood    time.Time // last successful poll of anything
	PausedUntil time.Time // rate-limit pause asked by the provider
	LowBalance  decimal.Decimal
	HasLow      bool // LowBalance configured
	ReadOnly    bool
	Demo        bool
	Version     uint64 // bumped by the engine on every change
}

// Low reports whether the balance is under the configured warning level.
func (a Account) Low() bool {
	return a.HasLow && a.Balance.Known && a.Balance.Amount.LessThan(a.LowBalance)
}

// LineState is a number's place in its life.
type LineState string

const (
	LineWaiting  LineState = "waiting"  // live, no code yet
	LineReceived LineState = "received" // a code arrived
	LineActive   LineState = "active"   // a rental that is live (not waiting for a code)
	LineExpiring LineState = "expiring" // rental close to expiry
	LineExpired  LineState = "expired"
	LineFinished LineState = "finished"
	LineCanceled LineState = "canceled"
	LineBanned   LineState = "banned"
	LineTimeout  LineState = "timeout"
	LinePending  LineState = "pending" // e.g. piv.day restore in progress
	LineUnknown  LineState = "unknown" // provider word not recognised; see RawState
)

// Open reports whether the line can still receive SMS.
func (s LineState) Open() bool {
	switch s {
	case LineWaiting, LineReceived, LineActive, LineExpiring, LinePending, LineUnknown:
		return true
	}
	return false
}

// Line is a number the operator holds: an activation, a hosting order or a
// rental.
type Line struct {
	Key       Key
	Account   string
	Provider  ProviderKind
	ID        string // the provider's order / number id
	Number    string
	Service   string // product or service name
	Country   string
	Operator  string
	Kind      string // provider category: activation, hosting, short_term, long_term, rental, ...
	Name      string // operator's custom name (piv.day)
	State     LineState
	RawState  string // the provider's own word
	Price     Money
	CreatedAt Instant
	ExpiresAt Instant // zero when the provider gives none
	AutoRenew bool
	HasAuto   bool // the line supports auto-renew at all
	// CodeUnsaved: the code could not be written to the ledger (a full
	// disk); it is shown, marked, and written when the disk allows.
	CodeUnsaved bool
	// NewWindow is set by an adapter on a line it returns from an action
	// (reuse, re-arming renewal): this answer opened a new receiving
	// window. The engine acts on it and never stores it.
	NewWindow bool
	Allowed   ActionSet // what the operator may do now
	// Code is the newest code of the line's current receiving window and
	// when it arrived: when Switchboard first saw it, or earlier if the
	// provider's clamped date says so (never later). A provider's
	// timestamp can be wrong or forged, so it orders nothing: codes are
	// ordered by when Switchboard saw them. The engine fills it from the
	// messages it stores; adapters may set it from the provider's own
	// field.
	Code   string
	CodeAt Instant
	// Candidates holds the codes of an ambiguous newest SMS ("1234 or
	// 5678"); Code is then empty and nothing is copied until the operator
	// chooses.
	Candidates []string
	// WindowAt is when the current receiving window opened (Switchboard's
	// clock): a reuse, or a renewal that re-arms the number, starts a new
	// one. Codes seen before it belong to the line's history, never to
	// Code.
	WindowAt Instant
	// CooldownUntil is set when the provider refused an early cancel.
	CooldownUntil Instant
	// Extra keeps provider details an action needs later (e.g. NonVoip's
	// order type), never secrets.
	Extra   map[string]string
	Version uint64
}

// Equal reports whether two lines say the same in every field: times as
// instants, amounts by value and exponent (the exponent shows), nil and
// empty collections alike. The engine saves and emits a line only when it
// is not Equal to what it held; TestLineEqualComparesEveryField fails when
// a field is added to Line and not here.
func (l Line) Equal(o Line) bool {
	return l.Key == o.Key && l.Account == o.Account && l.Provider == o.Provider && l.ID == o.ID &&
		l.Number == o.Number && l.Service == o.Service && l.Country == o.Country && l.Operator == o.Operator &&
		l.Kind == o.Kind && l.Name == o.Name && l.State == o.State && l.RawState == o.RawState &&
		l.Price.same(o.Price) && l.CreatedAt == o.CreatedAt && l.ExpiresAt == o.ExpiresAt &&
		l.AutoRenew == o.AutoRenew && l.HasAuto == o.HasAuto && l.Allowed == o.Allowed &&
		l.Code == o.Code && l.CodeAt == o.CodeAt && slices.Equal(l.Candidates, o.Candidates) &&
		l.CodeUnsaved == o.CodeUnsaved && l.WindowAt == o.WindowAt && l.NewWindow == o.NewWindow &&
		l.CooldownUntil == o.CooldownUntil && maps.Equal(l.Extra, o.Extra) && l.Version == o.Version
}

// same reports whether two amounts show the same: value, exponent,
// currency and whether known.
func (m Money) same(o Money) bool {
	return m.Known == o.Known && m.Currency == o.Currency && m.Amount.Equal(o.Amount) && m.Amount.Exponent() == o.Amount.Exponent()
}

// Message is one SMS. Messages are append-only: a code once seen stays.
type Message struct {
	ID     string // stable: provider id, else hash of line+date+text
	Line   Key
	Sender string
	Text   string // sanitized
	Code   string // provider's code, else extracted; "" when ambiguous
	// Candidates are the codes of an ambiguous SMS ("1234 or 5678"),
	// shown side by side; neither is copied without the operator's choice.
	Candidates []string
	ReceivedAt time.Time // the provider's time, for display only (clamped to Switchboard's now)
	SeenAt     time.Time // when Switchboard first stored it: what orders codes
	// Unsaved: the ledger could not store it (full disk); it is still
	// shown, marked "not saved".
	Unsaved bool
}

// LeaseKind says what a lease is.
type LeaseKind string

const (
	LeaseProxy  LeaseKind = "proxy"
	LeaseDomain LeaseKind = "domain"
	LeaseNumber LeaseKind = "number"
	LeaseSSL    LeaseKind = "ssl"
)

// Lease is anything that expires and may be renewed.
type Lease struct {
	Key        Key
	Account    string
	Provider   ProviderKind
	ID         string
	Kind       LeaseKind
	Name       string // domain name, "DE ×10", phone number
	State      string // provider word: active, expired, ...
	ExpiresAt  time.Time
	AutoRenew  bool
	HasAuto    bool
	RenewPrice Money // per renewal period when known
	Period     string
	Allowed    ActionSet
	Line       Key // the line this lease belongs to, if any
	Version    uint64
}

// JobState is where a queued job stands.
type JobState string

const (
	JobQueued   JobState = "queued"
	JobRunning  JobState = "running"
	JobDone     JobState = "done"
	JobPartial  JobState = "partial"
	JobFailed   JobState = "failed"
	JobCanceled JobState = "canceled"
	JobUnknown  JobState = "unknown"
)

// Terminal reports whether the job will not move again.
func (s JobState) Terminal() bool {
	switch s {
	case JobDone, JobPartial, JobFailed, JobCanceled:
		return true
	}
	return false
}

// JobKind says what a job is.
type JobKind string

const (
	JobDomainRegistration JobKind = "domain"
	JobRestore            JobKind = "restore"
	JobWhite              JobKind = "white"
	JobBoost              JobKind = "boost"
	JobLogs               JobKind = "logs"
	JobOrder              JobKind = "order" // a number order still waiting
)

// Job is anything queued that moves through states.
type Job struct {
	Key       Key
	Account   string
	Provider  ProviderKind
	ID        string
	Kind      JobKind
	Title     string
	State     JobState
	RawState  string
	Detail    string // e.g. "remains 120", a failure reason
	CreatedAt time.Time
	UpdatedAt time.Time
	Cost      Money
	Allowed   ActionSet
	Version   uint64
}

// Version is Switchboard's version, sent in every User-Agent.
var Version = "0.1.0"
