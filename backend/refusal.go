package backend

import (
	"fmt"
	"strings"
	"time"
)

// RefusalReason is why an action does not apply to an item now.
type RefusalReason int

const (
	RefuseNotAllowed RefusalReason = iota // the item's state does not allow it
	RefuseCooldown                        // the provider refused it so soon after purchase
	RefuseUseInstead                      // another action does what the operator wants
	RefuseGone                            // the item is no longer there
	RefuseReadOnly                        // the account is read-only in the config
	RefuseNothing                         // nothing was chosen (an empty buy or restore)
)

// Refusal says why an action does not apply, in parts: the engine and the
// UI word it with the operator's real key bindings (Text), so a remapped
// key is never named wrong.
type Refusal struct {
	Reason   RefusalReason
	Provider ProviderKind
	Account  string
	Action   ActionKind
	State    string        // the item's state word ("active", "received")
	Allowed  ActionSet     // what the item allows instead
	Instead  ActionKind    // with RefuseUseInstead: the action that helps
	Wait     time.Duration // with RefuseCooldown: how long until it may be tried
}

// Explain says why action k does not apply to an item of provider p in the
// given state, allowing the given actions, with cooldown left on an early
// cancel.
func Explain(p ProviderKind, state string, allowed ActionSet, k ActionKind, cooldown time.Duration) Refusal {
	r := Refusal{Reason: RefuseNotAllowed, Provider: p, Action: k, State: state, Allowed: allowed}
	switch {
	case (k == ActCancel || k == ActReject) && cooldown > 0:
		r.Reason, r.Wait = RefuseCooldown, cooldown
	case (k == ActCancel || k == ActReject) && allowed.Has(ActFinish):
		r.Reason, r.Instead = RefuseUseInstead, ActFinish
	case (k == ActCancel || k == ActReject) && allowed.Has(ActBan):
		r.Reason, r.Instead = RefuseUseInstead, ActBan
	case k == ActRenew && allowed.Has(ActRestore):
		r.Reason, r.Instead = RefuseUseInstead, ActRestore
	case k == ActRestore && allowed.Has(ActRenew):
		r.Reason, r.Instead = RefuseUseInstead, ActRenew
	}
	return r
}

// KeyFor names the key bound to an action ("f"), or "" when none is.
type KeyFor func(ActionKind) string

// Text words the refusal for the operator. keys names the bound key of an
// action; with nil (logs, scripts) no key is named.
func (r Refusal) Text(keys KeyFor) string {
	label := r.Provider.Label()
	if label == "" {
		label = r.Account
	}
	state := strings.ToLower(r.State)
	verb := r.Action.Verb()
	press := func(k ActionKind) string {
		if keys != nil {
			if key := keys(k); key != "" {
				return "press " + key + " to " + k.Verb()
			}
		}
		return k.Verb() + " it instead"
	}
	switch r.Reason {
	case RefuseCooldown:
		return fmt.Sprintf("%s: %s refused so soon after purchase — try again in %s", label, verb, r.Wait.Round(time.Second))
	case RefuseReadOnly:
		return r.Account + " is read-only (config): " + verb + " not sent"
	case RefuseGone:
		return label + ": that item is gone"
	case RefuseNothing:
		return label + ": nothing to " + verb
	case RefuseUseInstead:
		switch {
		case r.Action == ActCancel && r.Instead == ActFinish:
			return label + ": an SMS has arrived, so it cannot be cancelled — " + press(ActFinish)
		case r.Action == ActRenew && r.Instead == ActRestore:
			return label + ": it has expired and cannot be renewed — " + press(ActRestore)
		case r.Action == ActRestore && r.Instead == ActRenew:
			return label + ": it is still " + orThis(state) + ", nothing to restore — " + press(ActRenew)
		}
		return fmt.Sprintf("%s: cannot %s it while %s — %s", label, verb, orThis(state), press(r.Instead))
	}
	what := "it"
	if state != "" {
		what = "a " + state + " one"
		if strings.ContainsAny(state[:1], "aeiou") {
			what = "an " + state + " one"
		}
	}
	msg := fmt.Sprintf("%s: cannot %s %s", label, verb, what)
	if len(r.Allowed.Kinds()) > 0 {
		var can []string
		for _, k := range r.Allowed.Kinds() {
			if k == ActCheck {
				continue
			}
			if keys != nil {
				if key := keys(k); key != "" {
					can = append(can, key+" "+k.Verb())
					continue
				}
			}
			can = append(can, k.Verb())
		}
		if len(can) > 0 {
			msg += " (it can: " + strings.Join(can, ", ") + ")"
		}
	}
	return msg
}

func orThis(state string) string {
	if state == "" {
		return "in this state"
	}
	return state
}

// Error makes the refusal usable as an error (the wording names no key).
func (r Refusal) Error() string { return r.Text(nil) }
