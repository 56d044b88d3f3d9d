package ctl

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// actVerbs are what `act` does.
var actVerbs = []backend.ActionKind{backend.ActRenew, backend.ActCancel, backend.ActFinish, backend.ActBan, backend.ActReuse}

// runAct renews, cancels, finishes, bans or buys again one item; without
// --yes it only says what would happen and the price.
func runAct(ctx context.Context, env Env, a *args) int {
	if len(a.rest) != 2 {
		return usageError(env, "act takes a verb and an item, e.g. act renew +79001234567")
	}
	kind := backend.ActionKind(a.rest[0])
	if !contains(actVerbs, kind) {
		return usageError(env, "act cannot %q: it can renew, cancel, finish, ban or reuse", a.rest[0])
	}
	if env.Live == nil {
		return notRunning(env)
	}
	sub, st := live(env)
	defer sub.Close()
	it, bad := st.one(a.rest[1])
	if bad != "" {
		return usageError(env, "%s", bad)
	}
	if kind == backend.ActCancel && !it.allowed.Has(kind) && it.allowed.Has(backend.ActReject) {
		kind = backend.ActReject // the provider's word for cancelling this one
	}
	cooling := it.cooldown.Sub(env.Clock.Now())
	if !it.allowed.Has(kind) || (cooling > 0 && (kind == backend.ActCancel || kind == backend.ActReject)) {
		return failed(env, "%s", backend.Explain(it.provider, it.state, it.allowed, kind, cooling).Text(nil))
	}
	acc := st.Accounts[it.account]
	res := Result{Schema: SchemaAct, Verb: string(kind), Account: it.account, Target: string(it.key), Label: it.label,
		Balance: money(acc.Balance), State: "preview"}
	if kind != backend.ActFinish {
		res.Price = money(it.price)
	}
	if !a.yes {
		res.Note = preview(kind, it.label, acc, it.price) + "; add --yes to do it"
		return printResult(env, a, res)
	}
	act := backend.Action{ID: backend.NewActionID(kind), Kind: kind, Account: it.account, Target: it.key, Label: it.label,
		CreatedAt: env.Clock.Now()}
	if kind == backend.ActRenew {
		act.Months = 1
	}
	return submit(ctx, env, a, sub, st, act, res)
}

// preview says what an action would do, with the price and the balance
// after where it takes money.
func preview(kind backend.ActionKind, label string, acc backend.Account, price backend.Money) string {
	s := "would " + kind.Verb() + " " + label + " on " + acc.Name + " (" + acc.Provider.Label() + ")"
	switch {
	case kind == backend.ActFinish:
	case !price.Known:
		s += "; the price is unknown: the provider charges its current price"
	case kind.Counts():
		s += " for " + price.String()
		if after, ok := acc.Balance.Sub(price); ok {
			s += "; balance " + acc.Balance.String() + " → " + after.String()
		}
	default:
		s += "; it cost " + price.String() + " (the provider decides what is refunded)"
	}
	return s
}

// runBuy buys one thing: a choice for each step of the account's picker
// (the same steps as the dashboard's), then field=value for the extra
// values (months, quantity, link…). --max-price bounds what is paid.
func runBuy(ctx context.Context, env Env, a *args) int {
	if len(a.rest) < 2 {
		return usageError(env, "buy takes an account, a category and one choice per step, e.g. buy 5sim-main activation russia any telegram --max-price 20")
	}
	limit, err := decimal.NewFromString(a.maxPrice)
	if a.maxPrice == "" || err != nil || !limit.IsPositive() {
		return usageError(env, "buy needs --max-price: the most to pay, in the account's currency (e.g. --max-price 20)")
	}
	if env.Live == nil {
		return notRunning(env)
	}
	sub, st := live(env)
	defer sub.Close()
	account, category := a.rest[0], a.rest[1]
	acc, ok := st.Accounts[account]
	if !ok {
		return usageError(env, "no account is named %q", account)
	}
	door := env.Live.As(env.Operator)
	flow, ok := door.BuyFlow(account)
	if !ok {
		return failed(env, "%s (%s) has nothing to buy here", account, acc.Provider.Label())
	}
	if !contains(flow.BuyCategories(), category) {
		return usageError(env, "%s sells %s, not %q", account, strings.Join(flow.BuyCategories(), ", "), category)
	}
	steps := flow.BuySteps(category)
	var choices []string
	given := map[string]string{}
	for _, s := range a.rest[2:] {
		if k, v, ok := strings.Cut(s, "="); ok {
			given[k] = v
		} else {
			choices = append(choices, s)
		}
	}
	if len(choices) != len(steps) {
		return usageError(env, "%s %s takes %d choices, one per step: %s", account, category, len(steps), strings.Join(steps, " "))
	}
	req := backend.BuyRequest{Category: category}
	chosen := map[string]string{}
	var unit backend.Money
	labels := make([]string, len(steps))
	for i, step := range steps {
		items, err := door.Catalog(ctx, account, backend.CatalogRequest{Category: category, Step: step, Chosen: chosen})
		if err != nil {
			return failed(env, "cannot read %s's %s list: %v", account, step, err)
		}
		it, ok := pick(items, choices[i])
		if !ok {
			return usageError(env, "%s has no %s %q; for example: %s", account, step, choices[i], examples(items))
		}
		chosen[step], labels[len(steps)-1-i] = it.ID, it.Label
		req.Chosen(step, it.ID)
		if it.Price.Known && (step == backend.StepProduct || !unit.Known) {
			unit = it.Price
			if it.Per > 1 {
				unit.Amount = unit.Amount.Div(decimal.NewFromInt(int64(it.Per)))
			}
		}
	}
	desc, _ := backend.Describe(acc.Provider)
	cat, _ := desc.Category(category)
	for _, f := range cat.Fields {
		if err := f.Set(&req, given[f.Name]); err != nil {
			return usageError(env, "%v", err)
		}
		delete(given, f.Name)
	}
	for name := range given {
		return usageError(env, "%s %s takes no %q", account, category, name)
	}
	if !unit.Known {
		return failed(env, "%s does not say the price, so --max-price cannot hold: not bought", account)
	}
	cost := backend.NewMoney(unit.Amount.Mul(req.Multiplier()), unit.Currency)
	if cost.Amount.GreaterThan(limit) {
		return failed(env, "it costs %s, more than --max-price %s: not bought", cost, limit)
	}
	label := category + " " + strings.Join(labels, " · ")
	res := Result{Schema: SchemaAct, Verb: string(backend.ActBuy), Account: account, Label: label, Price: money(cost),
		Balance: money(acc.Balance), State: "preview", Note: preview(backend.ActBuy, label, acc, cost) + "; add --yes to buy"}
	if !a.yes {
		return printResult(env, a, res)
	}
	act := backend.Action{ID: backend.NewActionID(backend.ActBuy), Kind: backend.ActBuy, Account: account, Buy: &req,
		Cost: cost, Label: label, CreatedAt: env.Clock.Now()}
	return submit(ctx, env, a, sub, st, act, res)
}

// pick finds a picker choice by id, else by its label.
func pick(items []backend.CatalogItem, choice string) (backend.CatalogItem, bool) {
	for _, it := range items {
		if it.ID == choice {
			return it, true
		}
	}
	for _, it := range items {
		if strings.EqualFold(it.ID, choice) || strings.EqualFold(it.Label, choice) {
			return it, true
		}
	}
	return backend.CatalogItem{}, false
}

func examples(items []backend.CatalogItem) string {
	var ids []string
	for _, it := range items[:min(len(items), 8)] {
		ids = append(ids, it.ID)
	}
	if len(items) > 8 {
		ids = append(ids, "… ("+strconv.Itoa(len(items))+" in all)")
	}
	return strings.Join(ids, ", ")
}

// submit hands the action in as the operator and waits for the engine's
// answer: a refusal, or the journal entry's settled state.
func submit(ctx context.Context, env Env, a *args, sub Stream, st *state, act backend.Action, res Result) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	expired := false
	timer := env.Clock.AfterFunc(a.timeout, func() { expired = true; cancel() })
	defer timer.Stop()
	env.Live.As(env.Operator).Submit(act)
	res.ActionID = act.ID
	journaled, checking := false, false
	for {
		ev, ok := sub.Next(ctx)
		if !ok {
			res.State = "unknown"
			switch {
			case expired && journaled:
				res.Note = "no settled answer within " + a.timeout.String() + ": it is still being checked (see :journal, action " + act.ID + ")"
			case expired:
				res.Note = "the engine did not answer within " + a.timeout.String()
			case ctx.Err() != nil:
				res.Note = "interrupted; the engine carries on with it (see :journal, action " + act.ID + ")"
			default:
				res.Note = "the engine stopped before it answered"
			}
			return printResult(env, a, res)
		}
		st.Apply(ev)
		for _, n := range ev.Notices {
			if n.Action == nil || n.Action.ID != act.ID || n.Offer != nil {
				continue
			}
			if n.Level == backend.Success {
				res.Note = n.Text
				if act.Kind == backend.ActBuy && n.Key != "" {
					res.Target = string(n.Key)
				}
			} else if !journaled {
				res.State, res.Note = "refused", n.Text
				return printResult(env, a, res)
			}
		}
		for _, e := range ev.Actions {
			if e.Action.ID != act.ID {
				continue
			}
			journaled = true
			if e.Note != "" && res.Note == "" {
				res.Note = e.Note
			}
			switch e.State {
			case backend.JournalDone, backend.JournalHappened:
				res.State = "done"
				return printResult(env, a, res)
			case backend.JournalFailed, backend.JournalNotDone:
				res.State, res.Note = "failed", e.Note
				return printResult(env, a, res)
			case backend.JournalOffer:
				res.State, res.Note = "offer", e.Note+" (answer it in the dashboard)"
				return printResult(env, a, res)
			case backend.JournalUnknown:
				if !checking {
					checking = true
					fmt.Fprintln(env.Stderr, "switchboard: no clear answer yet — checking with the provider before anything is sent again")
				}
			}
		}
	}
}

// printResult prints an act or buy result; anything but done or a
// preview is a failure.
func printResult(env Env, a *args, res Result) int {
	code := ExitOK
	if res.State != "done" && res.State != "preview" {
		code = ExitFailed
	}
	if a.json {
		if c := printJSON(env, res); c != ExitOK {
			return c
		}
		return code
	}
	switch {
	case res.State == "preview":
		fmt.Fprintln(env.Stdout, res.Note)
	case code == ExitOK:
		fmt.Fprintln(env.Stdout, "done: "+res.Note)
	default:
		fmt.Fprintf(env.Stderr, "switchboard: %s: %s\n", res.State, res.Note)
	}
	return code
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
