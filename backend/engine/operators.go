package engine

import (
	"context"
	"fmt"

	"switchboard/backend"
)

// LocalOperator is who acts from this machine: the dashboard in its
// terminal and the scripts on the unix socket (the state directory's
// owner). An action that names no operator is theirs. They are an admin.
const LocalOperator = "local"

// AutoOperator is who the engine's own policies act as (auto-cancel,
// auto-finish after a copy), configured by an admin.
const AutoOperator = "auto"

// roleOf is an operator's role: the local operator and the policies are
// admins; with no operators configured (one person at one terminal)
// everyone is; otherwise the configured role, or none.
func (e *Engine) roleOf(operator string) backend.Role {
	if operator == LocalOperator || operator == AutoOperator || e.opts.Operators == nil {
		return backend.RoleAdmin
	}
	return e.opts.Operators[operator]
}

// mayAct checks who asks for an action before anything else is looked at:
// no new action while draining, and only what the operator's role allows.
// It returns why not, or "".
func (e *Engine) mayAct(act backend.Action) string {
	if e.draining {
		return "Switchboard is stopping: " + act.Kind.Verb() + " not sent"
	}
	switch role := e.roleOf(act.Operator); {
	case role == "":
		return "unknown operator " + act.Operator + ": " + act.Kind.Verb() + " not sent"
	case !role.May(act.Kind):
		return act.Operator + " is a " + string(role) + ": " + act.Kind.Verb() +
			" not sent (a viewer sees everything and copies codes; an admin can give the operator role in the config)"
	}
	return ""
}

// answer tells the operator who asked for act what became of it; the
// notice carries the action so a script can match it.
func (e *Engine) answer(act backend.Action, l backend.Level, text string) {
	e.refusedHandedOver(act, l, text)
	e.out.push(backend.Event{Notices: []backend.Notice{{Level: l, Key: act.Target, Action: &act, Text: text,
		At: e.now(), Operator: addressee(act)}}})
}

// tell is notify for the operator who asked for act only.
func (e *Engine) tell(act backend.Action, l backend.Level, text string) {
	e.out.push(backend.Event{Notices: []backend.Notice{{Level: l, Key: act.Target, Text: text, At: e.now(),
		Operator: addressee(act)}}})
}

// addressee is who a notice about act is for: its operator; what the
// policies did is everyone's news.
func addressee(act backend.Action) string {
	if act.Operator == AutoOperator {
		return ""
	}
	return act.Operator
}

// busy words a single-flight refusal: the same operator's second press
// is "already in progress"; anyone else learns who holds it.
func busy(act backend.Action, holder string) (backend.Level, string) {
	if holder == act.Operator {
		return backend.Info, act.Kind.Verb() + " already in progress"
	}
	return backend.Warning, holder + " is " + act.Kind.Doing() + " this"
}

// Drain stops taking actions (each new one is refused, and every screen
// is told) and waits until no action's call is in the air, so each has
// its answer journaled; or until ctx ends, when what is still in the air
// is journaled as interrupted once Run's context ends. Call Run's cancel
// after it.
func (e *Engine) Drain(ctx context.Context) error {
	idle := make(chan struct{})
	e.post(func() {
		e.draining = true
		e.notify(backend.Warning, "", fmt.Sprintf("Switchboard is stopping: new actions are refused; %d in flight finish first", e.inCall))
		e.drained = idle
		e.checkDrained()
	})
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkDrained lets Drain return once nothing is in the air (engine
// goroutine).
func (e *Engine) checkDrained() {
	if e.draining && e.inCall == 0 && e.drained != nil {
		close(e.drained)
		e.drained = nil
	}
}

// Door is the engine as one operator uses it. Every door (the terminal,
// an SSH session, a script) hands its actions in through one: it names
// the operator, and the engine checks the role and the spend caps. It
// implements the dashboard's Backend.
type Door struct {
	e    *Engine
	name string
}

// As is the door for an operator.
func (e *Engine) As(operator string) *Door {
	if operator == "" {
		operator = LocalOperator
	}
	return &Door{e: e, name: operator}
}

// Operator is who uses the door.
func (d *Door) Operator() string { return d.name }

// Role is what the door's operator may do.
func (d *Door) Role() backend.Role { return d.e.roleOf(d.name) }

// Submit hands in an action as the door's operator.
func (d *Door) Submit(a backend.Action) {
	a.Operator = d.name
	d.e.Submit(a)
}

// Refresh asks for an immediate poll.
func (d *Door) Refresh(account string) { d.e.Refresh(account) }

// Copied tells the engine a code was copied; an auto-finish it causes is
// the policy's.
func (d *Door) Copied(k backend.Key) { d.e.Copied(k) }

// History reads a line's SMS.
func (d *Door) History(k backend.Key, limit int) ([]backend.Message, error) {
	return d.e.History(k, limit)
}

// Journal lists the operator's own actions, newest first; an admin's
// lists everyone's.
func (d *Door) Journal(limit int) ([]backend.JournalEntry, error) {
	if d.Role().SeesEveryone() {
		return d.e.Journal(limit)
	}
	all, err := d.e.Journal(0)
	var mine []backend.JournalEntry
	for _, en := range all {
		if en.Action.Operator == d.name && (limit <= 0 || len(mine) < limit) {
			mine = append(mine, en)
		}
	}
	return mine, err
}

// Catalog answers a buy picker step.
func (d *Door) Catalog(ctx context.Context, account string, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	return d.e.Catalog(ctx, account, req)
}

// BuyFlow returns an account's purchase steps.
func (d *Door) BuyFlow(account string) (backend.BuyFlow, bool) { return d.e.BuyFlow(account) }

// ProviderOf returns an account's provider.
func (d *Door) ProviderOf(account string) (backend.ProviderKind, bool) {
	return d.e.ProviderOf(account)
}

// Accounts lists the configured accounts in config order.
func (d *Door) Accounts() []string { return d.e.Accounts() }

// Add watches an order by id; a viewer may not change what is watched.
func (d *Door) Add(account, id string) {
	d.e.inbox.push(func(ctx context.Context) {
		if r := d.Role(); r != backend.RoleOperator && r != backend.RoleAdmin {
			d.e.tell(backend.Action{Operator: d.name}, backend.Warning, d.name+" is a viewer: :add not done")
			return
		}
		d.e.add(ctx, account, id, true)
	})
}
