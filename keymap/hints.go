package keymap

import (
	"charm.land/bubbles/v2/key"

	"switchboard/backend"
)

// Hint is a key and what it does, for the hint lines: worded from the
// bindings in force, so a remapped key is never named wrong.
type Hint struct{ Key, Desc string }

// First names a binding's first key, or "" when it has none or is off.
func First(b key.Binding) string {
	if keys := b.Keys(); len(keys) > 0 && b.Enabled() {
		return keys[0]
	}
	return ""
}

// ForAction is the binding that starts an action on the selected item
// (cancel and reject share one, as do auto-renew on and off).
func (k *KeyMap) ForAction(a backend.ActionKind) key.Binding {
	switch a {
	case backend.ActRenew:
		return k.Renew
	case backend.ActCancel, backend.ActReject:
		return k.Cancel
	case backend.ActFinish:
		return k.Finish
	case backend.ActBan:
		return k.Ban
	case backend.ActAutoRenewOn, backend.ActAutoRenewOff:
		return k.AutoRenew
	case backend.ActRestore:
		return k.Restore
	case backend.ActExport:
		return k.Export
	case backend.ActReuse:
		return k.Reuse
	case backend.ActBuy:
		return k.Buy
	}
	return key.Binding{}
}

// itemActions are the actions an item may offer, in the order the hints
// list them: the ones an operator reaches for first lead.
var itemActions = []struct {
	kind backend.ActionKind
	desc string
}{
	{backend.ActCancel, "cancel"}, {backend.ActReject, "reject"}, {backend.ActFinish, "finish"},
	{backend.ActRenew, "renew"}, {backend.ActRestore, "restore"}, {backend.ActBan, "ban"},
	{backend.ActAutoRenewOn, "auto-renew on"}, {backend.ActAutoRenewOff, "auto-renew off"},
	{backend.ActExport, "export"}, {backend.ActReuse, "buy again"},
}

// Copyable says what the copy key does on an item.
type Copyable int

const (
	NoCode     Copyable = iota // nothing to copy
	OneCode                    // it copies the code
	CodeChoice                 // it asks which of an SMS's codes
)

// ItemHints lists the keys that apply to an item: copying its code, then
// the actions it allows now. A read-only item (nothing allowed) offers
// only the copy.
func (k *KeyMap) ItemHints(allowed backend.ActionSet, code Copyable) []Hint {
	var out []Hint
	add := func(b key.Binding, desc string) {
		if first := First(b); first != "" {
			out = append(out, Hint{first, desc})
		}
	}
	switch code {
	case OneCode:
		add(k.Copy, "copy code")
	case CodeChoice:
		add(k.Copy, "choose code")
	}
	for _, a := range itemActions {
		if allowed.Has(a.kind) {
			add(k.ForAction(a.kind), a.desc)
		}
	}
	return out
}
