package backend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// NewActionID makes a fresh idempotency key for one operator action.
func NewActionID(k ActionKind) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%s-%s", k, time.Now().UTC().Format("20060102T150405"), hex.EncodeToString(b[:]))
}

func flightKey(account string, k ActionKind, target Key) string {
	return account + "|" + string(k) + "|" + string(target)
}

func errorsIsCanceled(err error) bool {
	return errors.Is(err, context.Canceled)
}

// actionTimeout bounds one action call; a paid call that runs out becomes
// "outcome unknown" and is settled by re-reading.
const actionTimeout = 45 * time.Second

// start validates an action on the engine goroutine and runs it.
func (e *Engine) start(ctx context.Context, act Action) {
	a := e.accts[act.Account]
	if a == nil {
		a = e.accountOf(act.Target)
	}
	if a == nil {
		e.notify(Failure, act.Target, "unknown account "+act.Account)
		return
	}
	act.Account = a.info.Name
	if a.spec.ReadOnly {
		e.notify(Warning, act.Target, a.info.Name+" is read-only (config): "+act.Kind.Verb()+" not sent")
		return
	}
	t, why := e.targetFor(a, act)
	if why != "" {
		e.notify(Warning, act.Target, why)
		return
	}
	if a.info.Balance.Known {
		b := a.info.Balance
		t.Balance = &b
	}
	fk := flightKey(a.info.Name, act.Kind, act.Target)
	if act.Kind == ActBuy {
		fk = flightKey(a.info.Name, act.Kind, Key(act.ID))
	}
	if e.flight[fk] {
		e.notify(Info, act.Target, act.Kind.Verb()+" already in progress")
		return
	}
	// An action id is one operator decision: the same action handed over
	// again after it finished (a UI that re-sends) must not spend twice
	// where the provider has no idempotency key of its own.
	if e.sent[act.ID] {
		e.notify(Info, act.Target, describeAction(act, t)+" was already sent: not sent again")
		return
	}
	if e.sent == nil {
		e.sent = map[string]bool{}
	}
	e.sent[act.ID] = true
	e.flight[fk] = true
	go e.execute(ctx, a, act, t, fk)
}

// accountOf finds the account a key belongs to.
func (e *Engine) accountOf(k Key) *acct {
	if k == "" {
		return nil
	}
	return e.accts[k.Account()]
}

// targetFor snapshots the item an action applies to and says why the
// action cannot apply, if it cannot.
func (e *Engine) targetFor(a *acct, act Action) (Target, string) {
	label := a.p.Kind().Label()
	switch act.Kind {
	case ActBuy:
		if act.Buy == nil {
			return Target{}, "buy: nothing chosen"
		}
		known := map[string]bool{}
		for id := range a.lines {
			known[id] = true
		}
		for _, j := range a.jobs {
			known[j.ID] = true
		}
		return Target{KnownIDs: known}, ""
	case ActRestore:
		if len(act.Targets) > 0 {
			var t Target
			for _, k := range act.Targets {
				if l := a.lineByKey(k); l != nil {
					t.Lines = append(t.Lines, l.Line)
				}
			}
			if len(t.Lines) == 0 {
				return t, label + ": nothing to restore"
			}
			return t, ""
		}
	}
	if l := a.lineByKey(act.Target); l != nil && l.Key == act.Target {
		line := l.Line
		cooling := (act.Kind == ActCancel || act.Kind == ActReject) && line.CooldownUntil.After(e.now())
		if !line.Allowed.Has(act.Kind) || cooling {
			return Target{}, Explain(line.Provider, string(line.State), line.Allowed, act.Kind, line.CooldownUntil.Sub(e.now()))
		}
		t := Target{Line: &line}
		for _, ls := range a.leases {
			if ls.Line == line.Key {
				ls := ls
				t.Lease = &ls
			}
		}
		return t, ""
	}
	if l, ok := a.leases[act.Target]; ok {
		if !l.Allowed.Has(act.Kind) {
			return Target{}, Explain(l.Provider, l.State, l.Allowed, act.Kind, 0)
		}
		t := Target{Lease: &l}
		if ls := a.lineByKey(l.Line); ls != nil && l.Line != "" {
			line := ls.Line
			t.Line = &line
		}
		return t, ""
	}
	if j, ok := a.jobs[act.Target]; ok {
		if !j.Allowed.Has(act.Kind) {
			return Target{}, Explain(j.Provider, string(j.State), j.Allowed, act.Kind, 0)
		}
		return Target{Job: &j}, ""
	}
	return Target{}, label + ": that item is gone"
}

// Explain says why an action does not apply to an item, with the key that
// would help, for the status bar.
func Explain(p ProviderKind, state string, allowed ActionSet, k ActionKind, cooldown time.Duration) string {
	label := p.Label()
	if state == "" {
		state = "this"
	}
	switch {
	case (k == ActCancel || k == ActReject) && cooldown > 0:
		return fmt.Sprintf("%s: cancel refused so soon after purchase — try again in %s", label, cooldown.Round(time.Second))
	case k == ActCancel && allowed.Has(ActFinish):
		return label + ": cancel not allowed after an SMS — press f to finish"
	case (k == ActCancel || k == ActReject) && allowed.Has(ActBan):
		return label + ": cancel not allowed now — press b to ban the number"
	case k == ActRenew && allowed.Has(ActRestore):
		return label + ": expired — restore it instead"
	}
	hint := ""
	if len(allowed.Kinds()) > 0 {
		hint = " (allowed: " + allowed.String() + ")"
	}
	return fmt.Sprintf("%s: %s not available for a %s item%s", label, k.Verb(), strings.ToLower(state), hint)
}

// execute journals, calls and records one action (worker goroutine).
func (e *Engine) execute(ctx context.Context, a *acct, act Action, t Target, fk string) {
	entry := JournalEntry{Action: act, Target: t, State: JournalPending, UpdatedAt: e.now()}
	if err := e.store.Journal(entry); err != nil {
		e.post(func() {
			delete(e.flight, fk)
			e.notify(Failure, act.Target, "not sent: cannot write the action journal: "+err.Error())
		})
		return
	}
	cctx, cancel := context.WithTimeout(ctx, actionTimeout)
	out, err := a.p.Do(cctx, act, t)
	cancel()
	entry.Attempts++
	entry.UpdatedAt = e.now()
	var fresh []Message
	switch {
	case err == nil && out.Offer != nil:
		entry.State, entry.Note = JournalOffer, describeOffer(*out.Offer)
	case err == nil:
		entry.State, entry.Note = JournalDone, out.Note
		if len(out.Messages) > 0 {
			fresh, _ = e.store.AddMessages(out.Messages)
		}
	case KindOf(err) == ErrOutcomeUnknown:
		entry.State, entry.Note = JournalUnknown, err.Error()
	case errorsIsCanceled(err):
		entry.State, entry.Note = JournalUnknown, "interrupted: will be checked at next start"
	default:
		entry.State, entry.Note = JournalFailed, err.Error()
	}
	if jerr := e.store.Journal(entry); jerr != nil {
		e.log.Error("journal write failed", "action", act.ID, "err", jerr)
	}
	e.post(func() {
		e.actionDone(a, entry, out, fresh, err)
		if entry.State != JournalUnknown {
			delete(e.flight, fk)
		}
	})
	if entry.State == JournalUnknown && ctx.Err() == nil {
		e.settleLoop(ctx, a, entry, fk)
	}
}

// actionDone applies an action's result on the engine goroutine.
func (e *Engine) actionDone(a *acct, entry JournalEntry, out Outcome, fresh []Message, err error) {
	act := entry.Action
	what := describeAction(act, entry.Target)
	switch entry.State {
	case JournalOffer:
		e.out.push(Event{Notices: []Notice{{Level: Warning, Key: act.Target, Action: &act, Offer: out.Offer,
			Text: a.p.Kind().Label() + ": " + entry.Note, At: e.now()}}})
		return
	case JournalDone, JournalHappened:
		e.applyOutcome(a, out, fresh)
		text := what + " — done"
		if out.Note != "" {
			text = what + " — " + out.Note
		}
		if entry.State == JournalHappened {
			text += " (confirmed by re-reading after a lost answer)"
		}
		key := act.Target
		if act.Kind == ActBuy && len(out.Lines) > 0 {
			key = out.Lines[0].Key // the UI selects what was just bought
		}
		e.out.push(Event{Notices: []Notice{{Level: Success, Key: key, Action: &act, Text: text, Data: out.Export, At: e.now()}}})
	case JournalUnknown:
		e.notify(Warning, act.Target, what+": no clear answer — checking with "+a.p.Kind().Label()+" before anything is sent again")
	case JournalNotDone:
		e.notify(Warning, act.Target, what+" did not go through (checked with the provider); nothing was charged for it")
	case JournalFailed:
		msg := err.Error()
		if pe, ok := AsError(err); ok && pe.Kind == ErrRefused && pe.RetryAfter > 0 {
			if l := a.lineByKey(act.Target); l != nil {
				l.CooldownUntil = e.now().Add(pe.RetryAfter)
				l.autoTried = false // the auto-cancel policy may try again after the cooldown
				l.Version = e.nextVersion()
				e.store.Save(StateChange{Lines: []Line{l.Line}}) // the cooldown survives a restart
				e.out.push(Event{Lines: []Line{a.lineView(l)}})
			}
		}
		e.notify(Failure, act.Target, msg)
	}
	// Re-read what the action touched soon.
	now := e.now()
	a.cold[taskBalance].next = now.Add(time.Second)
	if act.Kind == ActBuy || act.Kind == ActRestore || act.Kind == ActReuse {
		a.cold[taskLines].next = now.Add(time.Second)
		a.cold[taskJobs].next = now.Add(2 * time.Second)
	}
	if entry.Target.Lease != nil || act.Kind == ActRestore {
		a.cold[taskLeases].next = now.Add(2 * time.Second)
	}
}

// applyOutcome merges the objects an action returned.
func (e *Engine) applyOutcome(a *acct, out Outcome, fresh []Message) {
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
func (e *Engine) settleLoop(ctx context.Context, a *acct, entry JournalEntry, fk string) {
	delay := 2 * time.Second
	deadline := e.now().Add(10 * time.Minute)
	for {
		select {
		case <-ctx.Done():
			return // still Unknown in the journal: settled at next start
		case <-time.After(delay):
		}
		cctx, cancel := context.WithTimeout(ctx, actionTimeout)
		st, out, err := a.p.Settle(cctx, entry.Action, entry.Target)
		cancel()
		if err == nil && st != SettledUnknown {
			entry.UpdatedAt = e.now()
			var fresh []Message
			if st == SettledHappened {
				entry.State, entry.Note = JournalHappened, out.Note
				if len(out.Messages) > 0 {
					fresh, _ = e.store.AddMessages(out.Messages)
				}
			} else {
				entry.State, entry.Note = JournalNotDone, "the provider shows no effect"
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
				e.notify(Warning, entry.Action.Target, describeAction(entry.Action, entry.Target)+
					": still cannot tell whether it happened; it will be checked again at next start — check the provider's site before retrying")
			})
			return
		}
		delay = min(delay*2, time.Minute)
	}
}

// resume settles a journal entry left pending by an earlier run.
func (e *Engine) resume(ctx context.Context, entry JournalEntry) {
	a := e.accts[entry.Action.Account]
	if a == nil {
		e.notify(Warning, "", "unfinished "+entry.Action.Kind.Verb()+" for account "+entry.Action.Account+
			" which is no longer configured: left in the journal")
		return
	}
	fk := flightKey(a.info.Name, entry.Action.Kind, entry.Action.Target)
	if entry.Action.Kind == ActBuy {
		fk = flightKey(a.info.Name, entry.Action.Kind, Key(entry.Action.ID))
	}
	e.flight[fk] = true
	e.notify(Info, entry.Action.Target, "checking an unfinished action from the last session: "+describeAction(entry.Action, entry.Target))
	go e.settleLoop(ctx, a, entry, fk)
}

// onCopied records activity and applies the auto-finish policy.
func (e *Engine) onCopied(k Key) {
	a := e.accountOf(k)
	if a == nil {
		return
	}
	l := a.lineByKey(k)
	if l == nil {
		return
	}
	l.lastActivity = e.now()
	if a.spec.AutoFinishOnCopy && !a.spec.ReadOnly && l.Allowed.Has(ActFinish) {
		e.start(e.runCtx(), Action{ID: NewActionID(ActFinish), Kind: ActFinish, Account: a.info.Name,
			Target: k, Label: "auto-finish after copy", CreatedAt: e.now()})
	}
}

func describeAction(a Action, t Target) string {
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

func describeOffer(o Offer) string {
	switch o.Kind {
	case OfferPriceChange:
		return fmt.Sprintf("price changed: quoted %s, now %s — accept the new price?",
			o.Quoted.StringFixed(2), o.Available.StringFixed(2))
	case OfferPremium:
		return fmt.Sprintf("no ordinary stock — a premium bid of %d%% is recommended", o.RecommendedBid)
	}
	return "the provider needs a decision"
}

// --- catalogue and lookups for the buy flow -----------------------------

type catEntry struct {
	items []CatalogItem
	at    time.Time
}

// catalogTTL keeps live prices and stock briefly.
const catalogTTL = 60 * time.Second

// Catalog answers a buy picker step, cached briefly. It does network I/O:
// call it from a command goroutine.
func (e *Engine) Catalog(ctx context.Context, account string, req CatalogRequest) ([]CatalogItem, error) {
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
	if ok && time.Since(c.at) < catalogTTL {
		return c.items, nil
	}
	items, err := a.p.Catalog(ctx, req)
	if err != nil {
		return nil, err
	}
	e.catMu.Lock()
	e.cat[ck] = catEntry{items: items, at: time.Now()}
	e.catMu.Unlock()
	return items, nil
}

// BuyFlow returns an account's purchase steps, when it has any.
func (e *Engine) BuyFlow(account string) (BuyFlow, bool) {
	a := e.accts[account]
	if a == nil {
		return nil, false
	}
	f, ok := a.p.(BuyFlow)
	return f, ok
}

// ProviderOf returns an account's provider kind.
func (e *Engine) ProviderOf(account string) (ProviderKind, bool) {
	a := e.accts[account]
	if a == nil {
		return "", false
	}
	return a.info.Provider, true
}

// Add looks up an order by id and starts watching it (providers that
// cannot list orders: `:add nonvoip 146185`).
func (e *Engine) Add(account, id string) { e.add(account, id, true) }

// Watch is Add without telling the operator (orders known at start).
func (e *Engine) Watch(account, id string) { e.add(account, id, false) }

func (e *Engine) add(account, id string, tell bool) {
	a := e.accts[account]
	if a == nil {
		e.notify(Failure, "", "unknown account "+account)
		return
	}
	ad, ok := a.p.(Adder)
	if !ok {
		e.notify(Warning, "", a.p.Kind().Label()+" lists its orders itself: nothing to add")
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(e.runCtx(), actionTimeout)
		defer cancel()
		l, msgs, err := ad.Lookup(ctx, id)
		var fresh []Message
		if err == nil && len(msgs) > 0 {
			fresh, err = e.store.AddMessages(msgs)
		}
		e.post(func() {
			if err != nil {
				if tell {
					e.notify(Failure, "", "add "+id+": "+err.Error())
				} else {
					e.log.Warn("cannot watch order", "account", account, "id", id, "err", err)
				}
				return
			}
			e.mergeLines(a, []Line{l}, fresh)
			if tell {
				e.notify(Success, l.Key, "now watching "+a.p.Kind().Label()+" order "+id)
			}
		})
	}()
}

// Webhook takes a provider push for an account: the body is parsed and
// its messages stored before the handler answers.
func (e *Engine) Webhook(account string, body []byte) error {
	a := e.accts[account]
	if a == nil {
		return fmt.Errorf("unknown account %q", account)
	}
	wp, ok := a.p.(WebhookParser)
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
func fillLease(l, prev Lease) Lease {
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
func fillLine(l, prev Line) Line {
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
