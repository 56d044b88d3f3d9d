package ctl

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/hub"
)

// state is the live state as a verb follows it.
type state struct{ *hub.State }

func newState() *state { return &state{hub.NewState()} }

// item is a line, lease or job an argument names, as a verb acts on it.
type item struct {
	key      backend.Key
	account  string
	provider backend.ProviderKind
	label    string // what the operator calls it: "+7900… telegram", "proxy DE ×10"
	state    string
	allowed  backend.ActionSet
	price    backend.Money // what renewing (or, for a line, buying it) costs
	open     bool
	created  time.Time
	cooldown time.Time
}

// digits keeps a phone number's digits: "+7 900 123-45-67" → 79001234567.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// samePhone: an argument with enough digits names a number whatever its
// spacing.
func samePhone(arg, number string) bool {
	d := digits(arg)
	return len(d) >= 6 && d == digits(number) && strings.TrimLeft(arg, "+0123456789 -()") == ""
}

// items lists what arg names: an item key; a line by number or order id;
// a lease by id or name; a job by id. Open items come first, then the
// newest.
func (s *state) items(arg string) []item {
	arg = strings.TrimSpace(arg)
	var out []item
	for _, l := range s.Lines {
		if string(l.Key) == arg || l.ID == arg || samePhone(arg, l.Number) {
			out = append(out, s.lineItem(*l))
		}
	}
	for _, ls := range s.Leases {
		named := string(ls.Key) == arg || ls.ID == arg || (ls.Name != "" && strings.EqualFold(ls.Name, arg))
		if named && !slices.ContainsFunc(out, func(it item) bool { return it.key == ls.Line && ls.Line != "" }) {
			out = append(out, s.leaseItem(ls)) // a rented number's lease is the number's line, already found
		}
	}
	for _, j := range s.Jobs {
		if string(j.Key) == arg || j.ID == arg {
			out = append(out, item{key: j.Key, account: j.Account, provider: j.Provider, label: string(j.Kind) + " " + j.Title,
				state: string(j.State), allowed: j.Allowed, price: j.Cost, open: !j.State.Terminal(), created: j.CreatedAt})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].open != out[j].open {
			return out[i].open
		}
		return out[i].created.After(out[j].created)
	})
	return out
}

func (s *state) lineItem(l backend.Line) item {
	it := item{key: l.Key, account: l.Account, provider: l.Provider, label: strings.TrimSpace(l.Number + " " + l.Service),
		state: string(l.State), allowed: l.Allowed, price: l.Price, open: l.State.Open(), created: l.CreatedAt.Time(), cooldown: l.CooldownUntil.Time()}
	for _, ls := range s.Leases {
		if ls.Line == l.Key && ls.RenewPrice.Known {
			it.price = ls.RenewPrice // a rented number renews at its lease's price
		}
	}
	return it
}

func (s *state) leaseItem(ls backend.Lease) item {
	it := item{key: ls.Key, account: ls.Account, provider: ls.Provider, label: strings.TrimSpace(string(ls.Kind) + " " + ls.Name),
		state: ls.State, allowed: ls.Allowed, price: ls.RenewPrice, open: true, created: ls.ExpiresAt}
	if l, ok := s.Lines[ls.Line]; ok && !it.price.Known {
		it.price = l.Price
	}
	return it
}

// one picks the item arg names for an action: the open one when exactly
// one is; ambiguity is a bad argument.
func (s *state) one(arg string) (item, string) {
	found := s.items(arg)
	switch {
	case len(found) == 0:
		return item{}, "nothing has the number, order id, name or key " + quote(arg)
	case len(found) > 1 && found[1].open:
		var names []string
		for _, it := range found {
			names = append(names, string(it.key))
		}
		return item{}, quote(arg) + " names " + strconv.Itoa(len(found)) + " items; give one of their keys: " + strings.Join(names, ", ")
	}
	return found[0], ""
}

// codeLine finds the line a `code` argument names: "account:service" is
// the account's newest open line for that service (none yet is not an
// error: a purchase may be on its way); otherwise the number or order id.
func (s *state) codeLine(arg string) (backend.Line, bool, string) {
	if acc, service, ok := strings.Cut(arg, ":"); ok && !strings.Contains(acc, "/") {
		if _, known := s.Accounts[acc]; !known {
			return backend.Line{}, false, "no account is named " + quote(acc)
		}
		var best backend.Line
		found := false
		for _, l := range s.Lines {
			if l.Account == acc && strings.EqualFold(l.Service, service) && l.State.Open() &&
				(!found || l.CreatedAt.After(best.CreatedAt.Time())) {
				best, found = *l, true
			}
		}
		return best, found, ""
	}
	for _, it := range s.items(arg) {
		if l, ok := s.Lines[it.key]; ok {
			return *l, true, ""
		}
	}
	return backend.Line{}, false, "no line has the number or order id " + quote(arg)
}

func quote(s string) string { return "\"" + s + "\"" }
