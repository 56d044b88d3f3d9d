package ctl

import (
	"time"

	"switchboard/backend"
)

// The JSON the verbs print. Field names and meanings are stable within a
// schema version (the "schema" field); a field may be added, never
// renamed or given another meaning. The README documents each.

// Schema versions.
const (
	SchemaSnapshot = "switchboard.snapshot/1"
	SchemaWatch    = "switchboard.watch/1"
	SchemaCode     = "switchboard.code/1"
	SchemaAct      = "switchboard.act/1"
)

// Money is an amount as a decimal string, in the provider's currency
// ("" when the provider does not say: 5sim).
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func money(m backend.Money) *Money {
	if !m.Known {
		return nil
	}
	return &Money{Amount: m.Amount.String(), Currency: m.Currency}
}

func when(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func allowed(s backend.ActionSet) []string {
	out := []string{}
	for _, k := range s.Kinds() {
		out = append(out, string(k))
	}
	return out
}

// Account is one provider account.
type Account struct {
	Name      string     `json:"name"`
	Provider  string     `json:"provider"`
	Balance   *Money     `json:"balance"`
	Frozen    *Money     `json:"frozen,omitempty"`
	Health    string     `json:"health"` // unknown | ok | degraded | failing
	Stale     bool       `json:"stale"`  // no good poll yet this run
	LastError string     `json:"last_error,omitempty"`
	LastGood  *time.Time `json:"last_good,omitempty"`
	ReadOnly  bool       `json:"read_only"`
}

// Line is a number with its code.
type Line struct {
	Key        string     `json:"key"`
	Account    string     `json:"account"`
	Provider   string     `json:"provider"`
	ID         string     `json:"id"`
	Number     string     `json:"number"`
	Service    string     `json:"service"`
	Country    string     `json:"country,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	State      string     `json:"state"`
	Code       string     `json:"code"` // "" until a code arrives (or while it is ambiguous)
	CodeAt     *time.Time `json:"code_at,omitempty"`
	Candidates []string   `json:"candidates,omitempty"` // an ambiguous SMS's codes
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Price      *Money     `json:"price,omitempty"`
	AutoRenew  bool       `json:"auto_renew"`
	Allowed    []string   `json:"allowed"`
}

// Lease is anything that expires and may be renewed.
type Lease struct {
	Key        string     `json:"key"`
	Account    string     `json:"account"`
	Provider   string     `json:"provider"`
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name"`
	State      string     `json:"state"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	AutoRenew  bool       `json:"auto_renew"`
	RenewPrice *Money     `json:"renew_price,omitempty"`
	Period     string     `json:"period,omitempty"`
	Line       string     `json:"line,omitempty"`
	Allowed    []string   `json:"allowed"`
}

// Job is anything queued.
type Job struct {
	Key       string     `json:"key"`
	Account   string     `json:"account"`
	Provider  string     `json:"provider"`
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	State     string     `json:"state"`
	Detail    string     `json:"detail,omitempty"`
	Cost      *Money     `json:"cost,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Allowed   []string   `json:"allowed"`
}

// Snapshot is `snapshot --json`.
type Snapshot struct {
	Schema   string    `json:"schema"`
	At       time.Time `json:"at"`
	Stale    bool      `json:"stale"` // read from the cache: nothing is running
	Accounts []Account `json:"accounts"`
	Lines    []Line    `json:"lines"`
	Leases   []Lease   `json:"leases"`
	Jobs     []Job     `json:"jobs"`
}

// Action is an action as the journal has it.
type Action struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Operator string `json:"operator"`
	Account  string `json:"account"`
	Target   string `json:"target,omitempty"`
	Label    string `json:"label,omitempty"`
	State    string `json:"state"` // pending | unknown | done | happened | failed | not-done | offer
	Settled  bool   `json:"settled"`
	Note     string `json:"note,omitempty"`
	Cost     *Money `json:"cost,omitempty"`
}

// Event is one line of `watch --json`. Type says which fields are set:
//
//	hello     schema, at (first line)
//	code      at, account, key, number, service, code or candidates
//	balance   at, account, balance
//	action    at, account, action
//	expiring  at, account, key, name, expires_at, left_seconds
type Event struct {
	Type        string     `json:"type"`
	At          time.Time  `json:"at"`
	Schema      string     `json:"schema,omitempty"`
	Account     string     `json:"account,omitempty"`
	Key         string     `json:"key,omitempty"`
	Number      string     `json:"number,omitempty"`
	Service     string     `json:"service,omitempty"`
	Code        string     `json:"code,omitempty"`
	Candidates  []string   `json:"candidates,omitempty"`
	Balance     *Money     `json:"balance,omitempty"`
	Action      *Action    `json:"action,omitempty"`
	Name        string     `json:"name,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	LeftSeconds int64      `json:"left_seconds,omitempty"`
}

// Code is `code --json`.
type Code struct {
	Schema     string     `json:"schema"`
	Key        string     `json:"key"`
	Number     string     `json:"number"`
	Code       string     `json:"code"`
	CodeAt     *time.Time `json:"code_at,omitempty"`
	Candidates []string   `json:"candidates,omitempty"`
}

// Result is `act --json` and `buy --json`: what would happen (state
// "preview"), or what did.
type Result struct {
	Schema   string `json:"schema"`
	Verb     string `json:"verb"`
	Account  string `json:"account"`
	Target   string `json:"target,omitempty"` // the item acted on; for a buy, what was bought
	Label    string `json:"label"`
	Price    *Money `json:"price,omitempty"`
	Balance  *Money `json:"balance,omitempty"` // the account's balance before
	State    string `json:"state"`             // preview | done | refused | failed | unknown | offer
	Note     string `json:"note,omitempty"`
	ActionID string `json:"action_id,omitempty"`
}

func accountJSON(a backend.Account, stale bool) Account {
	return Account{Name: a.Name, Provider: string(a.Provider), Balance: money(a.Balance), Frozen: money(a.Frozen),
		Health: a.Health.String(), Stale: stale, LastError: a.LastError, LastGood: when(a.LastGood), ReadOnly: a.ReadOnly}
}

func lineJSON(l backend.Line) Line {
	return Line{Key: string(l.Key), Account: l.Account, Provider: string(l.Provider), ID: l.ID, Number: l.Number,
		Service: l.Service, Country: l.Country, Kind: l.Kind, State: string(l.State), Code: l.Code, CodeAt: when(l.CodeAt.Time()),
		Candidates: l.Candidates, CreatedAt: when(l.CreatedAt.Time()), ExpiresAt: when(l.ExpiresAt.Time()), Price: money(l.Price),
		AutoRenew: l.AutoRenew, Allowed: allowed(l.Allowed)}
}

func leaseJSON(l backend.Lease) Lease {
	return Lease{Key: string(l.Key), Account: l.Account, Provider: string(l.Provider), ID: l.ID, Kind: string(l.Kind),
		Name: l.Name, State: l.State, ExpiresAt: when(l.ExpiresAt), AutoRenew: l.AutoRenew, RenewPrice: money(l.RenewPrice),
		Period: l.Period, Line: string(l.Line), Allowed: allowed(l.Allowed)}
}

func jobJSON(j backend.Job) Job {
	return Job{Key: string(j.Key), Account: j.Account, Provider: string(j.Provider), ID: j.ID, Kind: string(j.Kind),
		Title: j.Title, State: string(j.State), Detail: j.Detail, Cost: money(j.Cost), UpdatedAt: when(j.UpdatedAt),
		Allowed: allowed(j.Allowed)}
}

func actionJSON(e backend.JournalEntry) *Action {
	a := e.Action
	return &Action{ID: a.ID, Kind: string(a.Kind), Operator: a.Operator, Account: a.Account, Target: string(a.Target),
		Label: a.Label, State: string(e.State), Settled: e.State.Settled(), Note: e.Note, Cost: money(a.Cost)}
}
