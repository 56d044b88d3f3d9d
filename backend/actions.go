package backend

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ActionKind is something the operator can ask the engine to do.
type ActionKind string

const (
	ActRenew        ActionKind = "renew"
	ActCancel       ActionKind = "cancel"
	ActFinish       ActionKind = "finish"
	ActBan          ActionKind = "ban"
	ActReject       ActionKind = "reject"
	ActReuse        ActionKind = "reuse"
	ActRestore      ActionKind = "restore"
	ActAutoRenewOn  ActionKind = "autorenew-on"
	ActAutoRenewOff ActionKind = "autorenew-off"
	ActActivate     ActionKind = "activate"
	ActCheck        ActionKind = "check"
	ActBuy          ActionKind = "buy"
	ActExport       ActionKind = "export"
)

// Spends reports whether the action can move money (debit or forfeit), so
// it needs a confirmation showing the price and is never retried blindly.
func (k ActionKind) Spends() bool {
	switch k {
	case ActRenew, ActBuy, ActReuse, ActRestore, ActCancel, ActReject, ActBan:
		return true
	}
	return false
}

// Verb is the word shown to the operator.
func (k ActionKind) Verb() string {
	switch k {
	case ActAutoRenewOn:
		return "turn auto-renew on"
	case ActAutoRenewOff:
		return "turn auto-renew off"
	}
	return string(k)
}

// ActionSet is the set of actions an item allows right now.
type ActionSet uint32

var actionBits = []ActionKind{ActRenew, ActCancel, ActFinish, ActBan, ActReject, ActReuse,
	ActRestore, ActAutoRenewOn, ActAutoRenewOff, ActActivate, ActCheck, ActBuy, ActExport}

func bit(k ActionKind) ActionSet {
	for i, b := range actionBits {
		if b == k {
			return 1 << i
		}
	}
	return 0
}

// Allow builds a set from kinds.
func Allow(kinds ...ActionKind) ActionSet {
	var s ActionSet
	for _, k := range kinds {
		s |= bit(k)
	}
	return s
}

// Has reports whether k is in the set.
func (s ActionSet) Has(k ActionKind) bool { return s&bit(k) != 0 }

// With returns the set plus k.
func (s ActionSet) With(k ActionKind) ActionSet { return s | bit(k) }

// Without returns the set minus k.
func (s ActionSet) Without(k ActionKind) ActionSet { return s &^ bit(k) }

// Kinds lists the set's members.
func (s ActionSet) Kinds() []ActionKind {
	var out []ActionKind
	for _, k := range actionBits {
		if s.Has(k) {
			out = append(out, k)
		}
	}
	return out
}

func (s ActionSet) String() string {
	var parts []string
	for _, k := range s.Kinds() {
		parts = append(parts, string(k))
	}
	return strings.Join(parts, ",")
}

// BuyRequest describes a purchase. Each adapter reads the fields that apply
// to it and rejects a request it cannot place (ErrInvalid).
type BuyRequest struct {
	Category  string   // 5sim: activation|hosting; nonvoip: short_term|long_term|one_day|3days|country; market: numbers|boost|logs; pivday: number|proxy
	Country   string   // 5sim country name, piv.day ISO code, market country_id
	Operator  string   // 5sim operator ("any")
	Product   string   // 5sim product, nonvoip product_id, market service_id, piv.day proxy server_id
	Products  []string // nonvoip 30-day multi-service product_ids (≤ 5)
	AreaCodes []string // market selected_area_codes
	Link      string   // market boost link
	Quantity  int      // piv.day proxies, market boost / logs
	Months    int      // piv.day numbers (duration_months) and proxies (months)
	AutoRenew bool     // piv.day numbers
	Name      string   // piv.day custom_name
	Reuse     bool     // 5sim reuse=1
	Voice     bool     // 5sim voice=1
	// Answers to a provider offer (NonVoip).
	AcceptedMaxPrice *decimal.Decimal
	Auction          int
	// ReuseNumber buys the same number again (5sim /user/reuse, NonVoip
	// /api/reuse by order id).
	ReuseNumber string
	ReuseOrder  string
}

// Action is what the operator asked for. It is journaled (with its
// idempotency key) before any call and settled after it.
type Action struct {
	ID        string // idempotency key, unique per operator action
	Kind      ActionKind
	Account   string
	Target    Key         // the line, lease or job acted on; empty for buy
	Targets   []Key       // restore of several numbers
	Buy       *BuyRequest // for ActBuy
	Months    int         // renew period in the provider's unit: months (numbers, proxies), years (domains); 0 = one
	Format    string      // export format: socks5, http or both (piv.day proxies)
	Cost      Money       // estimate shown in the confirmation
	Label     string      // what the confirmation named, for the journal
	CreatedAt time.Time
	// Operator is who asked: the name the door that took the action
	// knows them by (an SSH key's operator, "local" for the terminal and
	// the unix socket). The journal keeps it; roles and spend caps are
	// checked against it.
	Operator string
}

// OfferKind names a provider answer that needs the operator's decision.
type OfferKind string

const (
	OfferPriceChange OfferKind = "price_change" // NonVoip Price_Change_Required
	OfferPremium     OfferKind = "premium"      // NonVoip Premium_Available
)

// Offer is a provider's "not yet: would you accept this?" answer. It is
// not an error: the operator accepts (the engine re-sends with the answer
// set in BuyRequest) or refuses.
type Offer struct {
	Kind           OfferKind
	Quoted         decimal.Decimal
	Allowed        decimal.Decimal
	Available      decimal.Decimal
	RecommendedBid int
}

// Outcome is what an action did, with the objects it changed so the engine
// can emit them at once.
type Outcome struct {
	Done     bool   // the provider confirmed it
	Note     string // operator-facing summary, e.g. "renewed to 30 Jun"
	Charged  Money  // what the provider said it charged, when it says
	Offer    *Offer // set instead of Done when the provider needs a decision
	Lines    []Line
	Leases   []Lease
	Jobs     []Job
	Messages []Message
	Balance  *Money
	Export   string // proxy export content (ActExport)
}

// Settled is what reconciliation learned about an action whose outcome was
// unknown.
type Settled int

const (
	SettledUnknown  Settled = iota // still cannot tell
	SettledHappened                // the provider shows the effect
	SettledNotDone                 // the provider shows no effect: safe to offer again
)

// NewActionID makes a fresh idempotency key for one operator action.
func NewActionID(k ActionKind) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%s-%s", k, time.Now().UTC().Format("20060102T150405"), hex.EncodeToString(b[:]))
}
