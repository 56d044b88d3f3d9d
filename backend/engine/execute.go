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

func errorsIsCanceled(err error) bool {
	return errors.Is(err, context.Canceled)
}

// actionTimeout bounds one action call; a paid call that runs out becomes
// "outcome unknown" and is settled by re-reading.
const actionTimeout = 45 * time.Second

// start validates an action on the engine goroutine and runs it.
func (e *Engine) start(ctx context.Context, act backend.Action) {
	a := e.accts[act.Account]
	if a == nil {
		a = e.accountOf(act.Target)
	}
	if a == nil {
		e.notify(backend.Failure, act.Target, "unknown account "+act.Account)
		return
	}
	act.Account = a.info.Name
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
	fk := flightKey(a.info.Name, act.Kind, act.Target)
	if act.Kind == backend.ActBuy {
		fk = flightKey(a.info.Name, act.Kind, backend.Key(act.ID))
	}
	if e.flight[fk] {
		e.notify(backend.Info, act.Target, act.Kind.Verb()+" already in progress")
		return
	}
	// An action id is one operator decision: the same action handed over
	// again after it finished (a UI that re-sends) must not spend twice
	// where the provider has no idempotency key of its own.
	if e.sent[act.ID] {
		e.notify(backend.Info, act.Target, describeAction(act, t)+" was already sent: not sent again")
		return
	}
	e.sent[act.ID] = true
	e.flight[fk] = true
	e.spawn(func() { e.execute(ctx, a, act, t, fk) })
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
		known := map[string]bool{}
		for id := range a.lines {
			known[id] = true
		}
		for _, j := range a.jobs {
			known[j.ID] = true
		}
		return backend.Target{KnownIDs: known}, nil
	case backend.ActRestore:
		if len(act.Targets) > 0 {
			var t backend.Target
			for _, k := range act.Targets {
				if l := a.lineByKey(k); l != nil {
					t.Lines = append(t.Lines, l.Line)
				}
			}
			if len(t.Lines) == 0 {
				return refuse(backend.Refusal{Reason: backend.RefuseNothing, Provider: kind, Action: act.Kind})
			}
			return t, nil
		}
	}
	if l := a.lineByKey(act.Target); l != nil && l.Key == act.Target {
		line := l.Line
		cooling := (act.Kind == backend.ActCancel || act.Kind == backend.ActReject) && line.CooldownUntil.After(e.now())
		if !line.Allowed.Has(act.Kind) || cooling {
			return refuse(backend.Explain(line.Provider, string(line.State), line.Allowed, act.Kind, line.CooldownUntil.Sub(e.now())))
		}
		t := backend.Target{Line: &line}
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
			line := ls.Line
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
	e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Key: act.Target, Action: &act,
		Refusal: &r, Text: r.Text(nil), At: e.now()}}})
}

// execute journals, calls and records one action (worker goroutine).
func (e *Engine) execute(ctx context.Context, a *acct, act backend.Action, t backend.Target, fk string) {
	entry := backend.JournalEntry{Action: act, Target: t, State: backend.JournalPending, UpdatedAt: e.now()}
	if err := e.store.Journal(entry); err != nil {
		e.post(func() {
			delete(e.flight, fk)
			e.notify(backend.Failure, act.Target, "not sent: cannot write the action journal: "+err.Error())
		})
		return
	}
	cctx, cancel := context.WithTimeout(ctx, actionTimeout)
	out, err := a.p.Do(cctx, act, t)
	cancel()
	entry.Attempts++
	entry.UpdatedAt = e.now()
	var fresh []backend.Message
	switch {
	case err == nil && out.Offer != nil:
		entry.State, entry.Note = backend.JournalOffer, describeOffer(*out.Offer)
	case err == nil:
		entry.State, entry.Note = backend.JournalDone, out.Note
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
	if jerr := e.store.Journal(entry); jerr != nil {
		e.log.Error("journal write failed", "action", act.ID, "err", jerr)
	}
	e.post(func() {
		e.actionDone(a, entry, out, fresh, err)
		if entry.State != backend.JournalUnknown {
			delete(e.flight, fk)
		}
	})
	if entry.State == backend.JournalUnknown && ctx.Err() == nil {
		e.settleLoop(ctx, a, entry, fk)
	}
}

// actionDone applies an action's result on the engine goroutine.
func (e *Engine) actionDone(a *acct, entry backend.JournalEntry, out backend.Outcome, fresh []backend.Message, err error) {
	act := entry.Action
	what := describeAction(act, entry.Target)
	switch entry.State {
	case backend.JournalOffer:
		e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Key: act.Target, Action: &act, Offer: out.Offer,
			Text: a.p.Kind().Label() + ": " + entry.Note, At: e.now()}}})
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
		e.out.push(backend.Event{Notices: []backend.Notice{{Level: backend.Success, Key: key, Action: &act, Text: text, Data: out.Export, At: e.now()}}})
	case backend.JournalUnknown:
		e.notify(backend.Warning, act.Target, what+": no clear answer — checking with "+a.p.Kind().Label()+" before anything is sent again")
	case backend.JournalNotDone:
		e.notify(backend.Warning, act.Target, what+" did not go through (checked with the provider); nothing was charged for it")
	case backend.JournalFailed:
		msg := err.Error()
		if pe, ok := backend.AsError(err); ok && pe.Kind == backend.ErrRefused && pe.RetryAfter > 0 {
			if l := a.lineByKey(act.Target); l != nil {
				l.CooldownUntil = e.now().Add(pe.RetryAfter)
				l.autoTried = false // the auto-cancel policy may try again after the cooldown
				l.Version = e.nextVersion()
				e.store.Save(backend.StateChange{Lines: []backend.Line{l.Line}}) // the cooldown survives a restart
				e.out.push(backend.Event{Lines: []backend.Line{a.lineView(l)}})
			}
		}
		e.notify(backend.Failure, act.Target, msg)
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

// settleLoop re-reads the provider until it can tell whether an action
// with an unknown outcome happened (worker goroutine).
func (e *Engine) settleLoop(ctx context.Context, a *acct, entry backend.JournalEntry, fk string) {
	delay := 2 * time.Second
	deadline := e.now().Add(10 * time.Minute)
	for {
		select {
		case <-ctx.Done():
			return // still Unknown in the journal: settled at next start
		case <-e.clock.After(delay):
		}
		cctx, cancel := context.WithTimeout(ctx, actionTimeout)
		st, out, err := a.p.Settle(cctx, entry.Action, entry.Target)
		cancel()
		if err == nil && st != backend.SettledUnknown {
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
			if jerr := e.store.Journal(entry); jerr != nil {
				e.log.Error("journal write failed", "action", entry.Action.ID, "err", jerr)
			}
			e.post(func() {
				delete(e.flight, fk)
				e.actionDone(a, entry, out, fresh, nil)
			})
			return
		}
		if e.now().After(deadline) {
			e.post(func() {
				delete(e.flight, fk)
				e.notify(backend.Warning, entry.Action.Target, describeAction(entry.Action, entry.Target)+
					": still cannot tell whether it happened; it will be checked again at next start — check the provider's site before retrying")
			})
			return
		}
		delay = min(delay*2, time.Minute)
	}
}

// resume settles a journal entry left pending by an earlier run.
func (e *Engine) resume(ctx context.Context, entry backend.JournalEntry) {
	a := e.accts[entry.Action.Account]
	if a == nil {
		e.notify(backend.Warning, "", "unfinished "+entry.Action.Kind.Verb()+" for account "+entry.Action.Account+
			" which is no longer configured: left in the journal")
		return
	}
	fk := flightKey(a.info.Name, entry.Action.Kind, entry.Action.Target)
	if entry.Action.Kind == backend.ActBuy {
		fk = flightKey(a.info.Name, entry.Action.Kind, backend.Key(entry.Action.ID))
	}
	e.flight[fk] = true
	e.notify(backend.Info, entry.Action.Target, "checking an unfinished action from the last session: "+describeAction(entry.Action, entry.Target))
	e.spawn(func() { e.settleLoop(ctx, a, entry, fk) })
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
			Target: k, Label: "auto-finish after copy", CreatedAt: e.now()})
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

// Webhook takes a provider push for an account: the body is parsed and
// its messages stored before the handler answers.
func (e *Engine) Webhook(account string, body []byte) error {
	a := e.accts[account]
	if a == nil {
		return fmt.Errorf("unknown account %q", account)
	}
	wp, ok := a.p.(backend.WebhookParser)
	if !ok {
		return fmt.Errorf("%s sends no webhooks", a.p.Kind().Label())
	}
	lines, msgs, leases, jobs, err := wp.ParseWebhook(body)
	if err != nil {
		return err
	}
	fresh, err := e.store.AddMessages(msgs)
	if err != nil {
		return err
	}
	e.post(func() {
		// Pushed lines carry only what the event says: keep the rest.
		for i := range lines {
			if cur := a.lines[lines[i].ID]; cur != nil {
				lines[i] = fillLine(lines[i], cur.Line)
			}
		}
		e.mergeLines(a, lines, fresh)
		// Pushed leases carry only what the event says: keep the rest.
		for i := range leases {
			if prev, ok := a.leases[leases[i].Key]; ok {
				leases[i] = fillLease(leases[i], prev)
			}
		}
		if len(leases) > 0 {
			e.setLeases(a, leases, false)
		}
		if len(jobs) > 0 {
			e.setJobs(a, jobs, false)
		}
	})
	return nil
}

// fillLease completes a partial lease (from a webhook) with what was known.
func fillLease(l, prev backend.Lease) backend.Lease {
	if l.Name == "" {
		l.Name = prev.Name
	}
	if l.State == "" {
		l.State = prev.State
	}
	if l.ExpiresAt.IsZero() {
		l.ExpiresAt = prev.ExpiresAt
	}
	if !l.HasAuto {
		l.HasAuto, l.AutoRenew = prev.HasAuto, prev.AutoRenew
	}
	if !l.RenewPrice.Known {
		l.RenewPrice = prev.RenewPrice
	}
	if l.Period == "" {
		l.Period = prev.Period
	}
	if l.Allowed == 0 {
		l.Allowed = prev.Allowed
	}
	if l.Line == "" {
		l.Line = prev.Line
	}
	return l
}

// fillLine completes a partial line (from a webhook) with what was known.
func fillLine(l, prev backend.Line) backend.Line {
	if l.Number == "" {
		return prev
	}
	if l.Service == "" {
		l.Service = prev.Service
	}
	if l.Country == "" {
		l.Country = prev.Country
	}
	if l.Kind == "" {
		l.Kind = prev.Kind
	}
	if l.Name == "" {
		l.Name = prev.Name
	}
	if l.State == "" {
		l.State, l.RawState = prev.State, prev.RawState
	}
	if !l.Price.Known {
		l.Price = prev.Price
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = prev.CreatedAt
	}
	if l.ExpiresAt.IsZero() {
		l.ExpiresAt = prev.ExpiresAt
	}
	if !l.HasAuto {
		l.HasAuto, l.AutoRenew = prev.HasAuto, prev.AutoRenew
	}
	if l.Allowed == 0 {
		l.Allowed = prev.Allowed
	}
	return l
}
