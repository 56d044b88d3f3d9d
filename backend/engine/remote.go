package engine

import (
	"slices"
	"time"

	"switchboard/backend"
)

// Remote is what other nodes wrote for the accounts they own, read from
// the cluster's store (a load, then its watch). The engine applies it to
// the accounts it does not own and tells its screens as usual, so every
// node shows everything live; for its own accounts the engine's own
// answers are the news, and their echo is ignored.
type Remote struct {
	// Full: a whole load (at start, or after the watch fell behind):
	// items of not-owned accounts missing from it are gone.
	Full     bool
	Snapshot backend.Snapshot // accounts, lines, leases, jobs (upserts)
	Removed  []backend.Key    // lines, leases or jobs deleted
	Messages []backend.Message
	Journal  []backend.JournalEntry
}

// ApplyRemote hands the engine other nodes' writes. It never blocks.
func (e *Engine) ApplyRemote(r Remote) {
	if !e.own.on {
		return // every account is this node's own
	}
	e.post(func() { e.applyRemote(r) })
}

// applyRemote applies r to the accounts this node does not own (engine
// goroutine).
func (e *Engine) applyRemote(r Remote) {
	for _, name := range e.order {
		if a := e.accts[name]; !e.owns(a) {
			e.replaceState(a, r.Snapshot, r.Full)
		}
	}
	var ev backend.Event
	for _, k := range r.Removed {
		a := e.accts[k.Account()]
		if a == nil || e.owns(a) {
			continue
		}
		_, _, kind, id := k.Parts()
		switch kind {
		case backend.ItemLine:
			if l := a.lines[id]; l != nil {
				a.forget(l)
			}
			delete(a.lines, id)
		case backend.ItemLease:
			delete(a.leases, k)
		case backend.ItemJob:
			delete(a.jobs, k)
		default:
			continue
		}
		ev.Removed = append(ev.Removed, k)
	}
	// A message is committed before its owner's line record (batched):
	// its code shows at once, decided as the owner decides it.
	msgs := slices.Clone(r.Messages)
	sortBySeen(msgs)
	for _, m := range msgs {
		a := e.accts[m.Line.Account()]
		if a == nil || e.owns(a) {
			continue
		}
		ev.Messages = append(ev.Messages, m)
		if cur := a.lineByKey(m.Line); cur != nil && cur.Key == m.Line {
			code, state := cur.Code, cur.State
			takeMessage(cur, m)
			if st := stateFromCode(cur.Line); st != cur.State {
				cur.edit().State = st
			}
			a.queue(cur)
			if cur.Code != code || cur.State != state {
				cur.edit().Version = e.nextVersion()
				ev.Lines = append(ev.Lines, a.lineView(cur))
			}
		}
	}
	for _, j := range r.Journal {
		a := e.accts[j.Action.Account]
		if a == nil || e.owns(a) {
			continue
		}
		e.claims.hold(a.info.Name, j.Action.ID, j.Claimed)
		ev.Actions = append(ev.Actions, j)
		if e.own.forwarded[j.Action.ID] && j.State.Settled() {
			delete(e.own.forwarded, j.Action.ID)
			ev.Notices = append(ev.Notices, settledElsewhere(j, e.now()))
		}
	}
	if !ev.Empty() {
		e.out.push(ev)
	}
}

// replaceState sets a's items and figures to what snap holds for it and
// tells the screens what changed; with full, a's items missing from snap
// are removed (engine goroutine). Nothing is saved: the store is where
// snap came from.
func (e *Engine) replaceState(a *acct, snap backend.Snapshot, full bool) {
	var ev backend.Event
	for _, in := range snap.Accounts {
		if in.Name == a.info.Name && in.Provider == a.info.Provider {
			a.info.Balance, a.info.Frozen, a.info.Rating, a.info.Email = in.Balance, in.Frozen, in.Rating, in.Email
			a.info.LastGood, a.info.Health, a.info.LastError = in.LastGood, in.Health, in.LastError
			a.info.Version = e.nextVersion()
			ev.Accounts = append(ev.Accounts, a.view())
		}
	}
	seen := map[backend.Key]bool{}
	for _, l := range ofAccount(snap.Lines, a, lineOwner) {
		seen[l.Key] = true
		cur := a.lines[l.ID]
		l.Version = e.nextVersion()
		if cur == nil {
			cur = newLineState(&l)
			a.lines[l.ID] = cur
		} else {
			cur.Line, cur.shared = &l, false // a value of its own (l is this iteration's)
		}
		a.queue(cur) // read once the account is this node's
		ev.Lines = append(ev.Lines, a.lineView(cur))
	}
	leases, goneLeases := syncItems(e, a.leases, ofAccount(snap.Leases, a, leaseOwner), full, leaseKey, leaseVer)
	jobs, goneJobs := syncItems(e, a.jobs, ofAccount(snap.Jobs, a, jobOwner), full, jobKey, jobVer)
	for _, l := range leases {
		ev.Leases = append(ev.Leases, a.leaseView(l))
	}
	for _, j := range jobs {
		ev.Jobs = append(ev.Jobs, a.jobView(j))
	}
	ev.Removed = append(append(ev.Removed, goneLeases...), goneJobs...)
	if full {
		for id, l := range a.lines {
			if !seen[l.Key] {
				a.forget(l)
				delete(a.lines, id)
				ev.Removed = append(ev.Removed, l.Key)
			}
		}
	}
	if !ev.Empty() {
		e.out.push(ev)
	}
}

// ofAccount keeps the items of account a.
func ofAccount[T any](items []T, a *acct, owner func(T) (string, backend.ProviderKind)) []T {
	var out []T
	for _, it := range items {
		if name, p := owner(it); name == a.info.Name && p == a.info.Provider {
			out = append(out, it)
		}
	}
	return out
}

func lineOwner(l backend.Line) (string, backend.ProviderKind)   { return l.Account, l.Provider }
func leaseOwner(l backend.Lease) (string, backend.ProviderKind) { return l.Account, l.Provider }
func jobOwner(j backend.Job) (string, backend.ProviderKind)     { return j.Account, j.Provider }

// settledElsewhere tells the operator who asked on this node how the
// owner's call of a forwarded action ended.
func settledElsewhere(j backend.JournalEntry, now time.Time) backend.Notice {
	level, how := backend.Success, "done"
	switch j.State {
	case backend.JournalFailed, backend.JournalNotDone:
		level, how = backend.Warning, "did not go through"
	case backend.JournalOffer:
		level, how = backend.Warning, "needs a decision"
	}
	text := describeAction(j.Action, j.Target) + " — " + how + " (by the account's owner)"
	if j.Note != "" {
		text += ": " + j.Note
	}
	return backend.Notice{Level: level, Key: j.Action.Target, Text: text, At: now, Operator: addressee(j.Action)}
}
