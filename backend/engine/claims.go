package engine

import (
	"context"
	"sort"

	"switchboard/backend"
)

// claims remembers which provider orders each journal entry was matched
// to, per account: the orders a buy's own answer named, and those a lost
// buy was settled onto. Settling a buy skips every order another entry
// holds, so two identical lost buys never land on one order. Only the
// engine goroutine touches it.
type claims map[string]map[string]string // account → order id → action id

// makesOrder reports whether an action's outcome is a new provider order.
func makesOrder(k backend.ActionKind) bool { return k == backend.ActBuy || k == backend.ActReuse }

// load adds the claims recorded in the journal (at start-up).
func (c claims) load(entries []backend.JournalEntry) {
	for _, e := range entries {
		c.hold(e.Action.Account, e.Action.ID, e.Claimed)
	}
}

// hold records ids as the action's, whoever held them before: a
// provider's own answer outranks a match found by re-reading.
func (c claims) hold(account, actionID string, ids []string) {
	if len(ids) == 0 {
		return
	}
	if c[account] == nil {
		c[account] = map[string]string{}
	}
	for _, id := range ids {
		c[account][id] = actionID
	}
}

// take records ids as the action's unless another action holds one of
// them; it reports whether it did.
func (c claims) take(account, actionID string, ids []string) bool {
	for _, id := range ids {
		if by, ok := c[account][id]; ok && by != actionID {
			return false
		}
	}
	c.hold(account, actionID, ids)
	return true
}

// others lists the orders of the account held by actions other than
// actionID: what that action's Settle must not match.
func (c claims) others(account, actionID string) map[string]bool {
	out := map[string]bool{}
	for id, by := range c[account] {
		if by != actionID {
			out[id] = true
		}
	}
	return out
}

// orderIDs are the provider orders an outcome names: its lines and jobs,
// and its leases (a piv.day proxy order is only a lease).
func orderIDs(out backend.Outcome) []string {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, l := range out.Lines {
		add(l.ID)
	}
	for _, l := range out.Leases {
		add(l.ID)
	}
	for _, j := range out.Jobs {
		add(j.ID)
	}
	sort.Strings(ids)
	return ids
}

// ask runs f on the engine goroutine and waits for it (worker goroutines
// only). It reports false when ctx ended first: f may then never run.
func (e *Engine) ask(ctx context.Context, f func()) bool {
	done := make(chan struct{})
	e.post(func() {
		f()
		close(done)
	})
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// settleTarget is the target a settle attempt sends: for a buy, with the
// orders other entries hold marked as claimed. busy is set while another
// buy of the account awaits its answer, since the order that one makes
// must not be taken for this one (engine goroutine).
func (e *Engine) settleTarget(a *acct, entry backend.JournalEntry) (t backend.Target, busy bool) {
	t = entry.Target
	if !makesOrder(entry.Action.Kind) {
		return t, false
	}
	if e.buying[a.info.Name] > 0 {
		return t, true
	}
	t.Claimed = e.claims.others(a.info.Name, entry.Action.ID)
	return t, false
}
