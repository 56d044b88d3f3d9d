package ui

import "switchboard/backend"

// The dashboard as one of several operators: what its role lets it ask
// for, and what it tells of everyone else's actions. The engine checks
// the role again (it is the authority); the screen only saves a viewer
// a confirmation that would be refused.

// mayAct reports whether this screen's operator may ask for k; when not,
// the status bar says why and nothing is sent.
func (m *Model) mayAct(k backend.ActionKind) bool { return m.may(k.Verb(), m.o.Role.May(k)) }

// may refuses what a viewer may not do (nothing is refused at a screen
// with no role: the one person at this terminal).
func (m *Model) may(what string, allowed bool) bool {
	if m.o.Role == "" || allowed {
		return true
	}
	m.setStatus(m.o.Operator + " is a " + string(m.o.Role) + ": " + what +
		" is for operators — a viewer sees everything and copies codes (c)")
	return false
}

// othersActed shows a toast when another operator acts on the item this
// screen is looking at: once when it is sent, once when it ends. What
// the policies do ("auto") is already told to everyone as a notice.
func (m *Model) othersActed(entries []backend.JournalEntry) {
	var looking map[backend.Key]bool // the selection and what stands for the same thing (a number's lease)
	for _, e := range entries {
		who, act := e.Action.Operator, e.Action
		if who == "" || who == m.me() || who == "auto" || act.Target == "" {
			continue
		}
		if looking == nil {
			looking = m.lookingAt()
		}
		if !looking[act.Target] {
			continue
		}
		label := ""
		if t, ok := m.target(); ok {
			label = " " + t.label
		}
		switch {
		case e.State == backend.JournalPending:
			m.tagToast(backend.Info, "other:"+act.ID, who+" is "+act.Kind.Doing()+label)
		case e.State.Settled() || e.State == backend.JournalUnknown:
			level := backend.Success
			if e.State != backend.JournalDone && e.State != backend.JournalHappened {
				level = backend.Warning
			}
			m.tagToast(level, "other:"+act.ID, who+": "+act.Kind.Verb()+label+" — "+journalState[e.State])
		}
	}
}

// lookingAt is the selected item's key with the keys that stand for the
// same thing: a number's line and its lease.
func (m *Model) lookingAt() map[backend.Key]bool {
	keys := map[backend.Key]bool{m.selectedKey(): true}
	if l, ok := m.selectedLine(); ok {
		keys[l.Key] = true
		for _, ls := range m.data.Leases {
			if ls.Line == l.Key {
				keys[ls.Key] = true
			}
		}
	}
	return keys
}

// me is the operator this screen acts as.
func (m *Model) me() string {
	if m.o.Operator == "" {
		return "local"
	}
	return m.o.Operator
}
