package engine

import (
	"switchboard/backend"

	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

func flightKey(account string, k backend.ActionKind, target backend.Key) string {
	return account + "|" + string(k) + "|" + string(target)
}

// actionFlight names what may run once at a time: one action kind on one
// item, or one purchase (identical purchases are separate decisions).
func actionFlight(account string, act backend.Action) string {
	if act.Kind == backend.ActBuy {
		return flightKey(account, act.Kind, backend.Key(act.ID))
	}
	return flightKey(account, act.Kind, act.Target)
}

func errorsIsCanceled(err error) bool {
	return errors.Is(err, context.Canceled)
}

// actionTimeout bounds one action call; a paid call that runs out becomes
// "outcome unknown" and is settled by re-reading.
const actionTimeout = 45 * time.Second

// start validates an action on the engine goroutine and runs it. Every
// action that is not sent is answered with a notice carrying it (so a
// script learns why); one that is sent is journaled.
func (e *Engine) start(ctx context.Context, act backend.Action) {
	act.Operator = operatorOf(act)
	if why := e.mayAct(act); why != "" {
		e.answer(act, backend.Warning, why)
		return
	}
	a := e.accts[act.Account]
	if a == nil {
		a = e.accountOf(act.Target)
	}
	if a == nil {
		e.answer(act, backend.Failure, "unknown account "+act.Account)
		return
	}
	act.Account = a.info.Name
	if !e.owns(a) {
		e.forward(act, a)
		return
	}
	if a.spec.ReadOnly {
		e.refuse(act, backend.Refusal{Reason: backend.RefuseReadOnly, Account: a.info.Name, Action: act.Kind})
		return
	}
	t, why := e.targetFor(a, act)
	if why != nil {
		why.Account = a.info.Name
		e.refuse(act, *why)
		return
	}
	if a.info.Balance.Known {
		b := a.info.Balance
		t.Balance = &b
	}
	fk := actionFlight(a.info.Name, act)
	if holder, held := e.flight[fk]; held {
		level, text := busy(act, holder)
		e.answer(act, level, text)
		return
	}
	// An action id is one operator decision: the same action handed over
	// again after it finished (a UI that re-sends) must not spend twice
	// where the provider has no idempotency key of its own.
	if e.sent[act.ID] {
		e.answer(act, backend.Info, describeAction(act, t)+" was already sent: not sent again")
		return
	}
	cost := costOf(act, t, a.info.Balance.Currency)
	if why := e.spend.check(act, cost, e.now()); why != "" {
		e.answer(act, backend.Warning, why)
		return
	}
	if act.Kind.Counts() && cost.Known {
		act.Cost = cost // the journal keeps what was counted, for the caps after a restart
		e.spend.add(act, cost.Amount, e.now())
	}
	e.sent[act.ID] = true
	e.flight[fk] = act.Operator
	e.inCall++
	if makesOrder(act.Kind) {
		e.buying[a.info.Name]++
	}
	e.spawn(func() { e.execute(ctx, a, act, t, fk) })
}

// answered notes that an action's call is over (engine goroutine).
func (e *Engine) answered(a *acct, act backend.Action) {
	if makesOrder(act.Kind) {
		e.buying[a.info.Name]--
	}
	e.inCall--
	e.checkDrained()
}

// record writes a journal entry and tells the UI (worker goroutines). An
// action whose first entry cannot be written is never sent, so the UI
// hears nothing of it.
func (e *Engine) record(entry backend.JournalEntry) error {
	err := e.store.Journal(entry)
	if err == nil || entry.State != backend.JournalPending {
		e.out.push(backend.Event{Actions: []backend.JournalEntry{entry}})
	}
	return err
}

// accountOf finds the account a key belongs to.
func (e *Engine) accountOf(k backend.Key) *acct {
	if k == "" {
		return nil
	}
	return e.accts[k.Account()]
}

// targetFor snapshots the item an action applies to and says why the
// action cannot apply, if it cannot.
func (e *Engine) targetFor(a *acct, act backend.Action) (backend.Target, *backend.Refusal) {
	refuse := func(r backend.Refusal) (backend.Target, *backend.Refusal) { return backend.Target{}, &r }
	kind := a.p.Kind()
	switch act.Kind {
	case backend.ActBuy:
		if act.Buy == nil {
			return refuse(backend.Refusal{Reason: backend.RefuseNothing, Provider: kind, Action: act.Kind})
		}
		return backend.Target{KnownIDs: a.knownIDs()}, nil
	case backend.ActRestore:
		if len(act.Targets) > 0 {
			var t backend.Target
			for _, k := range act.Targets {
				if l := a.lineByKey(k); l != nil {
					t.Lines = append(t.Lines, *l.Line)
				}
			}
			if len(t.Lines) == 0 {
				return refuse(backend.Refusal{Reason: backend.RefuseNothing, Provider: kind, Action: act.Kind})
			}
			return t, nil
		}
	}
	if l := a.lineByKey(act.Target); l != nil && l.Key == act.Target {
		line := *l.Line
		cooling := (act.Kind == backend.ActCancel || act.Kind == backend.ActReject) && line.CooldownUntil.After(e.now())
		if !line.Allowed.Has(act.Kind) || cooling {
			return refuse(backend.Explain(line.Provider, string(line.State), line.Allowed, act.Kind, line.CooldownUntil.Time().Sub(e.now())))
		}
		t := backend.Target{Line: &line}
		if makesOrder(act.Kind) { // a reuse makes a new order on some providers (5sim)
			t.KnownIDs = a.knownIDs()
		}
		for _, ls := range a.leases {
			if ls.Line == line.Key {
				ls := ls
				t.Lease = &ls
			}
		}
		return t, nil
	}
	if l, ok := a.leases[act.Target]; ok {
		if !l.Allowed.Has(act.Kind) {
			return refuse(backend.Explain(l.Provider, l.State, l.Allowed, act.Kind, 0))
		}
		t := backend.Target{Lease: &l}
		if ls := a.lineByKey(l.Line); ls != nil && l.Line != "" {
			line := *ls.Line
			t.Line = &line
		}
		return t, nil
	}
	if j, ok := a.jobs[act.Target]; ok {
		if !j.Allowed.Has(act.Kind) {
			return refuse(backend.Explain(j.Provider, string(j.State), j.Allowed, act.Kind, 0))
		}
		return backend.Target{Job: &j}, nil
	}
	return refuse(backend.Refusal{Reason: backend.RefuseGone, Provider: kind, Action: act.Kind})
}

// refuse tells the operator why an action was not sent.
func (e *Engine) refuse(act backend.Action, r backend.Refusal) {
	e.refusedHandedOver(act, backend.Warning, r.Text(nil))
	e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Key: act.Target, Action: &act,
		Refusal: &r, Text: r.Text(nil), At: e.now(), Operator: addressee(act)}}})
}

// execute journals, calls and records one action (worker goroutine).
func (e *Engine) execute(ctx context.Context, a *acct, act backend.Action, t backend.Target, fk string) {
	if makesOrder(act.Kind) && a.traits.ListsLines {
		if err := e.knowEveryOrder(ctx, a, &t); err != nil {
			e.post(func() {
				delete(e.flight, fk)
				e.answered(a, act)
				e.spend.undo(act)
				e.answer(act, backend.Failure, describeAction(act, t)+": not sent — could not read "+
					a.p.Kind().Label()+"'s current orders first ("+err.Error()+"); nothing was bought, try again")
			})
			return
		}
	}
	entry := backend.JournalEntry{Action: act, Target: t, State: backend.JournalPending, UpdatedAt: e.now()}
	if err := e.record(entry); err != nil {
		e.post(func() {
			delete(e.flight, fk)
			e.answered(a, act)
			e.spend.undo(act)
			e.answer(act, backend.Failure, "not sent: cannot write the action journal: "+err.Error())
		})
		return
	}
	cctx, cancel := context.WithTimeout(ctx, actionTimeout)
	out, err := e.send(cctx, a, act, t)
	cancel()
	entry.Attempts++
	entry.UpdatedAt = e.now()
	var fresh []backend.Message
	switch {
	case err == nil && out.Offer != nil:
		entry.State, entry.Note = backend.JournalOffer, describeOffer(*out.Offer)
	case err == nil:
		entry.State, entry.Note = backend.JournalDone, out.Note
		if makesOrder(act.Kind) {
			entry.Claimed = orderIDs(out)
		}
		if len(out.Messages) > 0 {
			fresh = e.admit(out.Messages)
		}
	case backend.KindOf(err) == backend.ErrOutcomeUnknown:
		entry.State, entry.Note = backend.JournalUnknown, err.Error()
	case errorsIsCanceled(err):
		entry.State, entry.Note = backend.JournalUnknown, "interrupted: will be checked at next start"
	default:
		entry.State, entry.Note = backend.JournalFailed, err.Error()
	}
	if jerr := e.record(entry); jerr != nil {
		e.log.Error("journal write failed", "action", act.ID, "err", jerr)
	}
	e.post(func() {
		e.answered(a, act)
		e.claims.hold(a.info.Name, act.ID, entry.Claimed)
		e.actionDone(a, entry, out, fresh, err)
		if entry.State != backend.JournalUnknown {
			delete(e.flight, fk)
		}
	})
	if entry.State == backend.JournalUnknown && ctx.Err() == nil {
		actx, _ := e.accountCtx(ctx, a) // ended if the account was lost: its new owner settles
		e.settleLoop(actx, a, entry, fk)
	}
}

// actionDone applies an action's result on the engine goroutine.
func (e *Engine) actionDone(a *acct, entry backend.JournalEntry, out backend.Outcome, fresh []backend.Message, err error) {
	act := entry.Action
	what := describeAction(act, entry.Target)
	switch entry.State {
	case backend.JournalOffer, backend.JournalNotDone, backend.JournalFailed:
		e.spend.undo(act) // nothing was taken
	}
	switch entry.State {
	case backend.JournalOffer:
		e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Key: act.Target, Action: &act, Offer: out.Offer,
			Text: a.p.Kind().Label() + ": " + entry.Note, At: e.now(), Operator: addressee(act)}}})
		return
	case backend.JournalDone, backend.JournalHappened:
		e.applyOutcome(a, out, fresh)
		text := what + " — done"
		if out.Note != "" {
			text = what + " — " + out.Note
		}
		if entry.State == backend.JournalHappened {
			text += " (confirmed by re-reading after a lost answer)"
		}
		key := act.Target
		if act.Kind == backend.ActBuy && len(out.Lines) > 0 {
			key = out.Lines[0].Key // the UI selects what was just bought
		}
		e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Success, Key: key, Action: &act, Text: text, Data: out.Export,
			At: e.now(), Operator: addressee(act)}}})
	case backend.JournalUnknown:
		e.tell(act, backend.Warning, what+": no clear answer — checking with "+a.p.Kind().Label()+" before anything is sent again")
	case backend.JournalNotDone:
		// The action rides along: a purchase that did not happen can be
		// repeated from the notice (the UI's buy-again).
		e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Key: act.Target, Action: &act,
			Text: what + " did not go through (checked with the provider); nothing was charged for it", At: e.now(), Operator: addressee(act)}}})
	case backend.JournalFailed:
		msg := err.Error()
		if pe, ok := backend.AsError(err); ok && pe.State != "" && e.takeState(a, act, pe.State) {
			msg = fmt.Sprintf("%s did not go through: %s says it is already %s, so it now shows as %s (%s)",
				what, a.p.Kind().Label(), pe.State, pe.State, err.Error())
		}
		if pe, ok := backend.AsError(err); ok && pe.Kind == backend.ErrRefused && pe.RetryAfter > 0 {
			if l := a.lineByKey(act.Target); l != nil {
				n := l.edit()
				n.CooldownUntil = backend.InstantOf(e.now().Add(pe.RetryAfter))
				l.autoTried = false // the auto-cancel policy may try again after the cooldown
				n.Version = e.nextVersion()
				e.store.Save(backend.StateChange{Lines: []backend.Line{*n}}) // the cooldown survives a restart
				e.out.push(backend.Event{Lines: []*backend.Line{a.lineView(l)}})
			}
		}
		e.tell(act, backend.Failure, msg)
	}
	// Re-read what the action touched soon.
	now := e.now()
	a.cold[taskBalance].next = now.Add(time.Second)
	if act.Kind == backend.ActBuy || act.Kind == backend.ActRestore || act.Kind == backend.ActReuse {
		a.cold[taskLines].next = now.Add(time.Second)
		a.cold[taskJobs].next = now.Add(2 * time.Second)
	}
	if entry.Target.Lease != nil || act.Kind == backend.ActRestore {
		a.cold[taskLeases].next = now.Add(2 * time.Second)
	}
}

// applyOutcome merges the objects an action returned.
func (e *Engine) applyOutcome(a *acct, out backend.Outcome, fresh []backend.Message) {
	if len(out.Lines) > 0 || len(fresh) > 0 {
		e.mergeLines(a, out.Lines, fresh)
	}
	if len(out.Leases) > 0 {
		e.setLeases(a, out.Leases, false)
	}
	if len(out.Jobs) > 0 {
		e.setJobs(a, out.Jobs, false)
	}
	if out.Balance != nil {
		b := a.info
		b.Balance = *out.Balance
		e.setBalance(a, b)
	}
}

// settleFor is how long a lost answer is settled by re-reading before
// it is left to the next start.
const settleFor = 10 * time.Minute

// settleLoop re-reads the provider until it can tell whether an action
// with an unknown outcome happened (worker goroutine). It only reads:
// nothing is ever sent again.
func (e *Engine) settleLoop(ctx context.Context, a *acct, entry backend.JournalEntry, fk string) {
	delay := 2 * time.Second
	deadline := e.now().Add(settleFor)
	what := describeAction(entry.Action, entry.Target)
	note := "" // what the provider last said about it
	for {
		select {
		case <-ctx.Done():
			// Still unsettled in the journal: settled at the next start,
			// or by the account's new owner when it was lost.
			e.post(func() { delete(e.flight, fk) })
			return
		case <-e.clock.After(delay):
		}
		delay = min(delay*2, time.Minute)
		var t backend.Target
		var busy bool
		if !e.ask(ctx, func() { t, busy = e.settleTarget(a, entry) }) {
			return
		}
		st, out, err := backend.SettledUnknown, backend.Outcome{}, error(nil)
		if !busy {
			cctx, cancel := context.WithTimeout(ctx, actionTimeout)
			st, out, err = a.p.Settle(cctx, entry.Action, t)
			cancel()
		}
		if err == nil && st == backend.SettledHappened && makesOrder(entry.Action.Kind) {
			ids := orderIDs(out)
			var taken bool
			if !e.ask(ctx, func() { taken = !e.claims.take(a.info.Name, entry.Action.ID, ids) }) {
				return
			}
			if taken {
				// Another entry holds that order: look again without it.
				st, out = backend.SettledUnknown, backend.Outcome{}
			} else {
				entry.Claimed = ids
			}
		}
		if err == nil && st != backend.SettledUnknown {
			e.settled(a, entry, st, out, fk)
			return
		}
		if out.Note != "" && out.Note != note {
			note = out.Note
			e.post(func() { e.tell(entry.Action, backend.Warning, what+": "+note) })
		}
		if e.now().After(deadline) {
			text := what + ": still cannot tell whether it happened; it will be checked again at next start — check the provider's site before retrying"
			if note != "" {
				text = what + ": still cannot tell whether it happened (" + note + "); it will be checked again at next start"
			}
			e.post(func() {
				delete(e.flight, fk)
				e.tell(entry.Action, backend.Warning, text)
			})
			return
		}
	}
}

// settled journals what re-reading learned and applies it (worker
// goroutine).
func (e *Engine) settled(a *acct, entry backend.JournalEntry, st backend.Settled, out backend.Outcome, fk string) {
	entry.UpdatedAt = e.now()
	var fresh []backend.Message
	if st == backend.SettledHappened {
		entry.State, entry.Note = backend.JournalHappened, out.Note
		if len(out.Messages) > 0 {
			fresh = e.admit(out.Messages)
		}
	} else {
		entry.State, entry.Note = backend.JournalNotDone, "the provider shows no effect"
	}
	if jerr := e.record(entry); jerr != nil {
		e.log.Error("journal write failed", "action", entry.Action.ID, "err", jerr)
	}
	e.post(func() {
		delete(e.flight, fk)
		e.actionDone(a, entry, out, fresh, nil)
	})
}

// resume settles a journal entry left pending by an earlier run, by
// reading only: an action the last run journaled but may never have sent
// is not sent now either.
func (e *Engine) resume(ctx context.Context, entry backend.JournalEntry) {
	a := e.accts[entry.Action.Account]
	if a == nil {
		e.notify(backend.Warning, "", "unfinished "+entry.Action.Kind.Verb()+" for account "+entry.Action.Account+
			" which is no longer configured: left in the journal")
		return
	}
	fk := actionFlight(a.info.Name, entry.Action)
	e.flight[fk] = operatorOf(entry.Action)
	e.out.push(backend.Event{Actions: []backend.JournalEntry{entry}})
	e.tell(entry.Action, backend.Info, "checking an unfinished action from the last session: "+describeAction(entry.Action, entry.Target))
	e.spawn(func() { e.settleLoop(ctx, a, entry, fk) })
}

// takeState applies a refusal that said what the line has become
// ("already rejected", "expired"): the line shows that state and offers
// only what its provider still allows (engine goroutine). It reports
// whether there was a line to update.
func (e *Engine) takeState(a *acct, act backend.Action, st backend.LineState) bool {
	l := a.lineByKey(act.Target)
	if l == nil {
		return false
	}
	n := l.edit()
	n.State = st
	if r, ok := a.p.(backend.Refiner); ok {
		*n = r.Refine(*n)
	} else {
		n.Allowed = backend.Allow(backend.ActCheck)
	}
	n.Allowed = n.Allowed.Without(act.Kind) // just refused in this state
	n.Version = e.nextVersion()
	e.store.Save(backend.StateChange{Lines: []backend.Line{*n}})
	e.out.push(backend.Event{Lines: []*backend.Line{a.lineView(l)}})
	return true
}

// onCopied records activity and applies the auto-finish policy.
func (e *Engine) onCopied(ctx context.Context, k backend.Key) {
	a := e.accountOf(k)
	if a == nil {
		return
	}
	l := a.lineByKey(k)
	if l == nil {
		return
	}
	l.lastActivity = e.now()
	if a.spec.AutoFinishOnCopy && !a.spec.ReadOnly && l.Allowed.Has(backend.ActFinish) {
		e.start(ctx, backend.Action{ID: backend.NewActionID(backend.ActFinish), Kind: backend.ActFinish, Account: a.info.Name,
			Target: k, Label: "auto-finish after copy", CreatedAt: e.now(), Operator: AutoOperator})
	}
}

func describeAction(a backend.Action, t backend.Target) string {
	what := a.Label
	if what == "" {
		switch {
		case t.Line != nil:
			what = strings.TrimSpace(t.Line.Number + " " + t.Line.Service)
		case t.Lease != nil:
			what = t.Lease.Name
		case t.Job != nil:
			what = t.Job.Title
		case a.Buy != nil:
			what = strings.Trim(strings.Join([]string{a.Buy.Category, a.Buy.Country, a.Buy.Product}, " "), " ")
		}
	}
	if what == "" {
		return a.Kind.Verb()
	}
	return a.Kind.Verb() + " " + what
}

func describeOffer(o backend.Offer) string {
	switch o.Kind {
	case backend.OfferPriceChange:
		return fmt.Sprintf("price changed: quoted %s, now %s — accept the new price?",
			o.Quoted.StringFixed(2), o.Available.StringFixed(2))
	case backend.OfferPremium:
		return fmt.Sprintf("no ordinary stock — a premium bid of %d%% is recommended", o.RecommendedBid)
	}
	return "the provider needs a decision"
}

// --- catalogue and lookups for the buy flow -----------------------------

type catEntry struct {
	items []backend.CatalogItem
	at    time.Time
}

// catalogTTL keeps live prices and stock briefly.
const catalogTTL = 60 * time.Second

// Catalog answers a buy picker step, cached briefly. It does network I/O:
// call it from a command goroutine.
func (e *Engine) Catalog(ctx context.Context, account string, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	a := e.accts[account]
	if a == nil {
		return nil, fmt.Errorf("unknown account %q", account)
	}
	keys := make([]string, 0, len(req.Chosen))
	for k, v := range req.Chosen {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	ck := account + "|" + req.Category + "|" + req.Step + "|" + strings.Join(keys, "&")
	e.catMu.Lock()
	c, ok := e.cat[ck]
	e.catMu.Unlock()
	if ok && e.clock.Since(c.at) < catalogTTL {
		return c.items, nil
	}
	items, err := a.p.Catalog(ctx, req)
	if err != nil {
		return nil, err
	}
	e.catMu.Lock()
	e.cat[ck] = catEntry{items: items, at: e.now()}
	e.catMu.Unlock()
	return items, nil
}

// BuyFlow returns an account's purchase steps, when it has any.
func (e *Engine) BuyFlow(account string) (backend.BuyFlow, bool) {
	a := e.accts[account]
	if a == nil {
		return nil, false
	}
	f, ok := a.p.(backend.BuyFlow)
	return f, ok
}

// ProviderOf returns an account's provider kind.
func (e *Engine) ProviderOf(account string) (backend.ProviderKind, bool) {
	a := e.accts[account]
	if a == nil {
		return "", false
	}
	return a.info.Provider, true
}

// Add looks up an order by id and starts watching it (providers that
// cannot list orders: `:add nonvoip 146185`).
func (e *Engine) Add(account, id string) {
	e.inbox.push(func(ctx context.Context) { e.add(ctx, account, id, true) })
}

// Watch is Add without telling the operator (orders known at start).
func (e *Engine) Watch(account, id string) {
	e.inbox.push(func(ctx context.Context) { e.add(ctx, account, id, false) })
}

// add looks an order up in a worker (engine goroutine).
func (e *Engine) add(ctx context.Context, account, id string, tell bool) {
	a := e.accts[account]
	if a == nil {
		e.notify(backend.Failure, "", "unknown account "+account)
		return
	}
	if !e.owns(a) {
		e.addLater(a, id, tell) // its owner looks it up
		return
	}
	ad, ok := a.p.(backend.Adder)
	if !ok {
		e.notify(backend.Warning, "", a.p.Kind().Label()+" lists its orders itself: nothing to add")
		return
	}
	e.spawn(func() {
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		l, msgs, err := ad.Lookup(ctx, id)
		var fresh []backend.Message
		if err == nil {
			fresh = e.admit(msgs)
		}
		e.post(func() {
			if err != nil {
				if tell {
					e.notify(backend.Failure, "", "add "+id+": "+err.Error())
				} else {
					e.log.Warn("cannot watch order", "account", account, "id", id, "err", err)
					if backend.KindOf(err) == backend.ErrNotFound {
						e.unwatch(a, id)
					}
				}
				return
			}
			e.mergeLines(a, []backend.Line{l}, fresh)
			if tell {
				e.notify(backend.Success, l.Key, "now watching "+a.p.Kind().Label()+" order "+id)
			}
		})
	})
}

// knowEveryOrder reads the provider's own listing right before a
// purchase and adds every order id on it to t.KnownIDs. A lost answer is
// settled by "the order that was not there before": the engine's state
// alone misses orders it has not listed yet this run and closed orders it
// dropped after a day, and a yesterday's identical order must never pass
// for today's purchase.
func (e *Engine) knowEveryOrder(ctx context.Context, a *acct, t *backend.Target) error {
	cctx, cancel := context.WithTimeout(ctx, a.callTimeout())
	defer cancel()
	lines, _, err := a.p.Lines(cctx)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(t.KnownIDs)+len(lines))
	for id := range t.KnownIDs {
		known[id] = true
	}
	for _, l := range lines {
		known[l.ID] = true
	}
	t.KnownIDs = known
	return nil
}

// knownIDs is every order id the engine holds for the account: lines,
// jobs and leases (what some buys make: piv.day proxy orders).
func (a *acct) knownIDs() map[string]bool {
	known := make(map[string]bool, len(a.lines)+len(a.jobs)+len(a.leases))
	for id := range a.lines {
		known[id] = true
	}
	for _, j := range a.jobs {
		known[j.ID] = true
	}
	for _, l := range a.leases {
		known[l.ID] = true
	}
	return known
}
