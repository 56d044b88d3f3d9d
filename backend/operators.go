package backend

import (
	"time"

	"github.com/shopspring/decimal"
)

// Role is what an operator may do. The engine checks it for every
// action, whichever door the action came in by.
type Role string

const (
	// RoleViewer sees everything and copies codes; it cannot spend or
	// forfeit money, nor change anything at a provider.
	RoleViewer Role = "viewer"
	// RoleOperator acts: renew, cancel, finish, ban, reuse, buy.
	RoleOperator Role = "operator"
	// RoleAdmin acts and also reads everyone's journal.
	RoleAdmin Role = "admin"
)

// Roles lists the roles from least to most allowed.
var Roles = []Role{RoleViewer, RoleOperator, RoleAdmin}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleViewer || r == RoleOperator || r == RoleAdmin }

// May reports whether the role may ask for action k: a viewer only
// reads (a status check, a proxy export); operators and admins may do
// everything.
func (r Role) May(k ActionKind) bool {
	switch r {
	case RoleOperator, RoleAdmin:
		return true
	case RoleViewer:
		return k == ActCheck || k == ActExport
	}
	return false
}

// Permits narrows what an item allows to what the role may ask for; no
// role (the one person at a terminal) may ask for everything.
func (r Role) Permits(allowed ActionSet) ActionSet {
	if r == "" {
		return allowed
	}
	for _, k := range allowed.Kinds() {
		if !r.May(k) {
			allowed = allowed.Without(k)
		}
	}
	return allowed
}

// SeesEveryone reports whether the role reads every operator's journal
// entries (others read their own).
func (r Role) SeesEveryone() bool { return r == RoleAdmin }

// SpendCaps limit what may be spent per day: per account whoever spends
// it, and per operator on each account. Amounts are in each account's own
// currency (never converted); a day starts at midnight in Zone.
type SpendCaps struct {
	Zone     *time.Location
	Accounts map[string]decimal.Decimal // account → most spent per day
	// Operators: operator → account → most that operator spends on it per
	// day; the account "*" stands for every account not named.
	Operators map[string]map[string]decimal.Decimal
}

// AnyAccount is the SpendCaps.Operators key for every account not named.
const AnyAccount = "*"

// Counts reports whether an action of kind k counts against a spend cap:
// those that take money now (auto-renew spends later, at the provider;
// cancel and ban forfeit what was already paid).
func (k ActionKind) Counts() bool {
	return k == ActRenew || k == ActBuy || k == ActReuse || k == ActRestore
}

// Doing is the verb's -ing form, to say who holds an action:
// "alice is renewing this".
func (k ActionKind) Doing() string {
	switch k {
	case ActCancel:
		return "cancelling"
	case ActBan:
		return "banning"
	case ActAutoRenewOn:
		return "turning auto-renew on for"
	case ActAutoRenewOff:
		return "turning auto-renew off for"
	case ActReuse, ActRestore, ActActivate:
		return string(k)[:len(k)-1] + "ing"
	}
	return string(k) + "ing"
}
