package engine

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// spending keeps what each account and each operator spent today, to
// hold them to the configured caps. It is rebuilt from the journal at
// start, so a restart forgets nothing; only the engine goroutine uses it.
type spending struct {
	caps  backend.SpendCaps
	spent map[spendKey]decimal.Decimal
	by    map[string]spendKey // action id → what it counted against (account key; the operator's is derived)
	cost  map[string]decimal.Decimal
}

// spendKey is one running total: an account's (operator "") or an
// operator's on an account, for one day.
type spendKey struct {
	day, account, operator string
}

func newSpending(caps backend.SpendCaps) spending {
	if caps.Zone == nil {
		caps.Zone = time.UTC
	}
	return spending{caps: caps, spent: map[spendKey]decimal.Decimal{}, by: map[string]spendKey{}, cost: map[string]decimal.Decimal{}}
}

func (s *spending) day(t time.Time) string { return t.In(s.caps.Zone).Format(time.DateOnly) }

// load counts the journal's entries that may have spent money.
func (s *spending) load(entries []backend.JournalEntry) {
	for _, en := range entries {
		s.note(en)
	}
}

// note counts a journal entry that may have spent money, once however
// often it is seen (at start, and again when a cluster node takes its
// account over from another), and takes back one that spent nothing.
func (s *spending) note(en backend.JournalEntry) {
	switch en.State {
	case backend.JournalFailed, backend.JournalNotDone, backend.JournalOffer:
		s.undo(en.Action)
		return
	}
	if _, counted := s.by[en.Action.ID]; !counted && en.Action.Kind.Counts() && en.Action.Cost.Known {
		s.add(en.Action, en.Action.Cost.Amount, en.Action.CreatedAt)
	}
}

// add counts an action's cost on the day of at (when the engine took it).
func (s *spending) add(act backend.Action, amount decimal.Decimal, at time.Time) {
	k := spendKey{day: s.day(at), account: act.Account}
	s.spent[k] = s.spent[k].Add(amount)
	op := k
	op.operator = operatorOf(act)
	s.spent[op] = s.spent[op].Add(amount)
	s.by[act.ID], s.cost[act.ID] = k, amount
}

// undo takes back what an action that spent nothing had counted.
func (s *spending) undo(act backend.Action) {
	k, ok := s.by[act.ID]
	if !ok {
		return
	}
	amount := s.cost[act.ID]
	s.spent[k] = s.spent[k].Sub(amount)
	k.operator = operatorOf(act)
	s.spent[k] = s.spent[k].Sub(amount)
	delete(s.by, act.ID)
	delete(s.cost, act.ID)
}

// forget drops the totals of days before today.
func (s *spending) forget(today string) {
	for k := range s.spent {
		if k.day < today {
			delete(s.spent, k)
		}
	}
	for id, k := range s.by {
		if k.day < today {
			delete(s.by, id)
			delete(s.cost, id)
		}
	}
}

// check says why act, costing cost, would go over a cap today, or "".
// A cap that applies needs a known price.
func (s *spending) check(act backend.Action, cost backend.Money, now time.Time) string {
	if !act.Kind.Counts() {
		return ""
	}
	today := s.day(now)
	s.forget(today)
	op := operatorOf(act)
	type cap struct {
		limit decimal.Decimal
		key   spendKey
		whose string
	}
	var caps []cap
	if limit, ok := s.caps.Accounts[act.Account]; ok {
		caps = append(caps, cap{limit, spendKey{day: today, account: act.Account}, act.Account + "'s spend cap"})
	}
	if mine, ok := s.caps.Operators[op]; ok {
		limit, ok := mine[act.Account]
		if !ok {
			limit, ok = mine[backend.AnyAccount]
		}
		if ok {
			caps = append(caps, cap{limit, spendKey{day: today, account: act.Account, operator: op}, op + "'s spend cap on " + act.Account})
		}
	}
	for _, c := range caps {
		left := decimal.Max(c.limit.Sub(s.spent[c.key]), decimal.Zero)
		money := func(d decimal.Decimal) string { return backend.NewMoney(d, cost.Currency).String() }
		if !cost.Known {
			return fmt.Sprintf("not sent: the price of this %s is unknown, so it cannot be held to %s (%s of %s left today)",
				act.Kind.Verb(), c.whose, money(left), money(c.limit))
		}
		if cost.Amount.GreaterThan(left) {
			return fmt.Sprintf("not sent: over %s — %s of %s left today, this %s costs %s",
				c.whose, money(left), money(c.limit), act.Kind.Verb(), money(cost.Amount))
		}
	}
	return ""
}

func operatorOf(act backend.Action) string {
	if act.Operator == "" {
		return LocalOperator
	}
	return act.Operator
}

// costOf is what an action will take from the balance as far as the
// engine knows: the door's estimate (a buy's catalogue price, a restore's
// sum), else the target's renewal or last price.
func costOf(act backend.Action, t backend.Target, currency string) backend.Money {
	c := act.Cost
	if act.Buy != nil && act.Buy.AcceptedMaxPrice != nil && (!c.Known || act.Buy.AcceptedMaxPrice.GreaterThan(c.Amount)) {
		c = backend.NewMoney(*act.Buy.AcceptedMaxPrice, currency) // a price the operator accepted from an offer
	}
	if c.Known {
		return c
	}
	periods := decimal.NewFromInt(int64(max(act.Months, 1)))
	switch {
	case act.Kind == backend.ActRenew && t.Lease != nil && t.Lease.RenewPrice.Known:
		return backend.NewMoney(t.Lease.RenewPrice.Amount.Mul(periods), t.Lease.RenewPrice.Currency)
	case (act.Kind == backend.ActRenew || act.Kind == backend.ActReuse) && t.Line != nil && t.Line.Price.Known:
		p := t.Line.Price
		if act.Kind == backend.ActRenew {
			p.Amount = p.Amount.Mul(periods)
		}
		return p
	}
	return backend.Money{Currency: currency}
}
