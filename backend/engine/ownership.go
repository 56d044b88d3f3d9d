package engine

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"switchboard/backend"
)

// In a cluster every account is polled and acted on by exactly one node:
// its owner. An engine given an Ownership starts owning nothing; the
// cluster tells it what it gained and lost (Gained, Lost). For an owned
// account it polls, settles and sends; for the others it only shows what
// their owners write (ApplyRemote) and forwards the operator's actions to
// them (Forwarder). Without an Ownership every account is owned, always.

// Ownership says whether this node owns an account at this instant. It is
// a local check (no I/O), made right before each action's call, because
// a lease can run out between the engine's last news and the call.
type Ownership interface {
	Owned(account string) bool
}

// Forwarder hands what this node may not do itself to the account's owner
// (worker goroutines; it may do I/O). Forward answers the owner's name, or
// why the action cannot be handed over (then nothing was sent).
type Forwarder interface {
	Forward(act backend.Action) (owner string, err error)
	ForwardHint(account string, body []byte) error
}

// errNotOwned answers a call this node did not make: the account's
// ownership moved before it.
var errNotOwned = errors.New("not sent: this node no longer owns the account (its new owner settles anything pending)")

// ownership is what the engine knows of its accounts' ownership.
type ownership struct {
	on bool // an Ownership was given

	// mu guards live: Lost cancels an account's context from the
	// cluster's goroutine at once, before the engine hears of it.
	mu   sync.Mutex
	live map[string]ownedAcct

	// Engine goroutine only.
	gen       map[string]uint64 // bumped by every gain and loss: a late load is dropped
	want      map[string]uint64 // gains waiting for their state to load, by gen
	loading   bool
	forwarded map[string]bool             // action ids this node handed to an owner: their outcome is told here
	waiting   map[string][]backend.Action // actions for accounts being taken over, run once they are
	handing   string                      // id of the handed-over action start is looking at
}

type ownedAcct struct {
	ctx    context.Context // ends when the account is lost
	cancel context.CancelFunc
}

func newOwnership(o Ownership) ownership {
	return ownership{on: o != nil, live: map[string]ownedAcct{}, gen: map[string]uint64{},
		want: map[string]uint64{}, forwarded: map[string]bool{}, waiting: map[string][]backend.Action{}}
}

// Gained tells the engine this node now owns account. It never blocks:
// the engine loads the account's state from the store, settles its
// pending actions by reading, then polls it.
func (e *Engine) Gained(account string) {
	e.post(func() { e.gain(account) })
}

// Lost tells the engine this node no longer owns account. It never
// blocks, and the account's reads not yet sent are dropped at once.
func (e *Engine) Lost(account, reason string) {
	e.own.mu.Lock()
	if o, ok := e.own.live[account]; ok {
		o.cancel()
		delete(e.own.live, account)
	}
	e.own.mu.Unlock()
	e.inbox.push(func(ctx context.Context) {
		e.own.gen[account]++
		delete(e.own.want, account)
		e.log.Info("account lost", "account", account, "reason", reason)
		waiting := e.own.waiting[account]
		delete(e.own.waiting, account)
		for _, act := range waiting {
			e.start(ctx, act) // handed to whoever owns it now
		}
	})
}

// accountCtx is the context of an owned account's calls, and whether the
// engine owns it (engine goroutine and workers); for an account it does
// not own, a context that has ended.
func (e *Engine) accountCtx(ctx context.Context, a *acct) (context.Context, bool) {
	if !e.own.on {
		return ctx, true
	}
	e.own.mu.Lock()
	defer e.own.mu.Unlock()
	if o, ok := e.own.live[a.info.Name]; ok {
		return o.ctx, true
	}
	return endedCtx, false
}

// endedCtx is the context of calls for an account this node does not own.
var endedCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// owns is the engine's own view: whether it polls and acts for a.
func (e *Engine) owns(a *acct) bool {
	_, ok := e.accountCtx(context.Background(), a)
	return ok
}

// send makes an action's call if this node owns the account right now. A
// call that was sent runs to its end: it cannot be recalled.
func (e *Engine) send(ctx context.Context, a *acct, act backend.Action, t backend.Target) (backend.Outcome, error) {
	if o := e.opts.Ownership; o != nil && !o.Owned(a.info.Name) {
		return backend.Outcome{}, errNotOwned
	}
	return a.p.Do(ctx, act, t)
}

// ownedPending keeps the entries of accounts this engine owns now: the
// others are settled by their owners (or by this node once it gains them).
func (e *Engine) ownedPending(entries []backend.JournalEntry) []backend.JournalEntry {
	if !e.own.on {
		return entries
	}
	var out []backend.JournalEntry
	for _, p := range entries {
		if a := e.accts[p.Action.Account]; a != nil && e.owns(a) {
			out = append(out, p)
		}
	}
	return out
}

// gain queues an account for loading (engine goroutine). Gains that come
// together share one load of the store.
func (e *Engine) gain(account string) {
	if e.accts[account] == nil {
		return
	}
	e.own.gen[account]++
	e.own.want[account] = e.own.gen[account]
	e.loadGained()
}

// loadGained reads the store once for every account waiting, then takes
// over those still gained when the read answers.
func (e *Engine) loadGained() {
	if e.own.loading || len(e.own.want) == 0 {
		return
	}
	e.own.loading = true
	batch := maps.Clone(e.own.want)
	e.inbox.push(func(ctx context.Context) {
		e.spawn(func() {
			snap, err := e.store.Load()
			var pending, journal []backend.JournalEntry
			if err == nil {
				pending, err = e.store.Pending()
			}
			if err == nil {
				journal, err = e.store.RecentJournal(0)
			}
			e.post(func() { e.gainLoaded(ctx, batch, snap, pending, journal, err) })
		})
	})
}

// gainLoaded takes over the accounts of batch still gained (engine
// goroutine). A failed load is tried again shortly: until it succeeds
// the account is owned but not polled, so nothing is sent blind.
func (e *Engine) gainLoaded(ctx context.Context, batch map[string]uint64, snap backend.Snapshot,
	pending, journal []backend.JournalEntry, err error) {
	e.own.loading = false
	if err != nil {
		e.notify(backend.Failure, "", "cannot load the accounts this node just took over (retrying): "+err.Error())
		e.spawn(func() {
			select {
			case <-ctx.Done():
			case <-e.clock.After(time.Second):
				e.post(e.loadGained)
			}
		})
		return
	}
	for name, g := range batch {
		if e.own.want[name] != g {
			continue // lost (or lost and gained again) meanwhile
		}
		delete(e.own.want, name)
		e.takeOver(ctx, e.accts[name], snap, pending, journal)
	}
	e.loadGained()
}

// takeOver starts owning a: its state as the store has it, its journal's
// claims and spending, its pending actions settled by reading (never re-sent), then
// polling at once.
func (e *Engine) takeOver(ctx context.Context, a *acct, snap backend.Snapshot, pending, journal []backend.JournalEntry) {
	name := a.info.Name
	e.replaceState(a, snap, true)
	a.takenOver = !a.info.LastGood.IsZero() // polled before, by whichever node: its state is on screen
	for _, j := range journal {
		if j.Action.Account == name {
			e.claims.hold(name, j.Action.ID, j.Claimed)
			e.spend.note(j) // what its previous owners spent today counts against its caps here
		}
	}
	actx, cancel := context.WithCancel(ctx)
	e.own.mu.Lock()
	e.own.live[name] = ownedAcct{ctx: actx, cancel: cancel}
	e.own.mu.Unlock()
	for _, p := range pending {
		if p.Action.Account != name {
			continue
		}
		if _, running := e.flight[actionFlight(name, p.Action)]; running {
			continue // this node's own call is still answering: it records the outcome
		}
		e.resume(actx, p)
	}
	e.rewatch(actx)
	e.refreshNow(name)
	waiting := e.own.waiting[name]
	delete(e.own.waiting, name)
	for _, act := range waiting {
		e.start(ctx, act)
	}
	e.log.Info("account gained", "account", name)
}

// forward hands an action on an account this node does not own to the
// account's owner (engine goroutine); one for an account being taken over
// waits for it. Only the owner journals and sends it; its outcome comes
// back through the journal (applyRemote). An action that cannot be handed
// over is refused with the reason: nothing was sent.
func (e *Engine) forward(act backend.Action, a *acct) {
	if _, gaining := e.own.want[a.info.Name]; gaining {
		e.own.waiting[a.info.Name] = append(e.own.waiting[a.info.Name], act)
		return
	}
	what := describeAction(act, backend.Target{})
	f := e.opts.Forwarder
	if f == nil {
		e.answer(act, backend.Warning, what+": not sent — this node does not own account "+a.info.Name)
		return
	}
	e.own.forwarded[act.ID] = true
	e.spawn(func() {
		owner, err := f.Forward(act)
		e.post(func() {
			if err != nil {
				delete(e.own.forwarded, act.ID)
				e.answer(act, backend.Failure, what+": not sent — "+err.Error())
				return
			}
			e.tell(act, backend.Info, what+": handed to node "+owner+", which owns account "+a.info.Name)
		})
	})
}

// forwardHint hands a webhook body for an account this node does not own
// to its owner; without a Forwarder it is dropped (a hint is never news).
func (e *Engine) forwardHint(a *acct, body []byte) error {
	if e.opts.Forwarder == nil {
		return nil
	}
	return e.opts.Forwarder.ForwardHint(a.info.Name, body)
}

// ownedOnly drops the messages of accounts this node no longer owns: an
// answer that came in after a loss is its new owner's to write (workers).
func (e *Engine) ownedOnly(msgs []backend.Message) []backend.Message {
	if !e.own.on {
		return msgs
	}
	return slices.DeleteFunc(msgs, func(m backend.Message) bool {
		a := e.accts[m.Line.Account()]
		return a == nil || !e.owns(a)
	})
}

// ClusterHealth tells the screens whether this node reaches the cluster's
// etcd. It never blocks.
func (e *Engine) ClusterHealth(h backend.ClusterHealth) {
	e.out.push(backend.Event{Cluster: &h})
}

// addLater keeps an order to look up for an account this node does not
// own: looked up here once it gains the account (rewatch); the operator
// who asked is told where it stands.
func (e *Engine) addLater(a *acct, id string, tell bool) {
	e.lost = append(e.lost, backend.MakeKey(a.info.Provider, a.info.Name, backend.ItemLine, id))
	if tell {
		e.notify(backend.Warning, "", "order "+id+": this node does not own account "+a.info.Name+
			" — add it on the node that does (it is looked up here if this node takes the account over)")
	}
}

// SubmitHandedOver is Submit for an action another node handed to this
// one, the account's owner: it runs through the same checks, and a
// refusal is journaled (failed, nothing sent) so that the node that took
// it in can tell its operator. It never blocks.
func (e *Engine) SubmitHandedOver(act backend.Action) {
	e.inbox.push(func(ctx context.Context) {
		e.own.handing = act.ID
		e.start(ctx, act)
		e.own.handing = ""
	})
}

// refusedHandedOver journals why a handed-over action was not sent
// (engine goroutine, from the refusal's notice). Nothing is journaled for
// an action this node already carried out.
func (e *Engine) refusedHandedOver(act backend.Action, l backend.Level, text string) {
	if act.ID == "" || act.ID != e.own.handing || l == backend.Info || e.sent[act.ID] {
		return
	}
	entry := backend.JournalEntry{Action: act, State: backend.JournalFailed, Note: "not sent: " + text, UpdatedAt: e.now()}
	e.spawn(func() {
		if err := e.store.Journal(entry); err != nil {
			e.log.Warn("cannot journal a handed-over action's refusal", "action", act.ID, "err", err)
		}
	})
}
