// Package keymap declares every key binding in one place (bubbles key),
// applies the operator's overrides from the config, and feeds the help
// screen.
package keymap

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds every binding. Field names double as the config names
// (snake_case) listed by Names.
type KeyMap struct {
	// Navigation
	NextPane, PrevPane           key.Binding
	Pane1, Pane2, Pane3, Pane4   key.Binding
	Up, Down, Top, Bottom        key.Binding
	PageUp, PageDown             key.Binding
	Detail, Back, Filter, Zoom   key.Binding
	Help, Command, Refresh, Quit key.Binding
	Mouse                        key.Binding
	HideClosed, Sort             key.Binding

	// Actions on the selected item
	Copy, CopyNumber       key.Binding
	CopySMS                key.Binding
	Renew, Cancel, Finish  key.Binding
	Ban, AutoRenew         key.Binding
	Buy, BuyAgain, Restore key.Binding
	Export, Reuse          key.Binding
	Mark                   key.Binding

	// Dialogs
	Confirm, Refuse key.Binding
}

// entry ties a config name to its binding and help group.
type entry struct {
	name  string
	group string
	b     *key.Binding
}

func (k *KeyMap) entries() []entry {
	return []entry{
		{"next_pane", "Navigate", &k.NextPane},
		{"prev_pane", "Navigate", &k.PrevPane},
		{"pane1", "Navigate", &k.Pane1},
		{"pane2", "Navigate", &k.Pane2},
		{"pane3", "Navigate", &k.Pane3},
		{"pane4", "Navigate", &k.Pane4},
		{"up", "Navigate", &k.Up},
		{"down", "Navigate", &k.Down},
		{"top", "Navigate", &k.Top},
		{"bottom", "Navigate", &k.Bottom},
		{"page_up", "Navigate", &k.PageUp},
		{"page_down", "Navigate", &k.PageDown},
		{"detail", "Navigate", &k.Detail},
		{"back", "Navigate", &k.Back},
		{"filter", "Navigate", &k.Filter},
		{"zoom", "Navigate", &k.Zoom},
		{"hide_closed", "Navigate", &k.HideClosed},
		{"sort", "Navigate", &k.Sort},
		{"mark", "Act", &k.Mark},
		{"copy", "Act", &k.Copy},
		{"copy_number", "Act", &k.CopyNumber},
		{"copy_sms", "Act", &k.CopySMS},
		{"renew", "Act", &k.Renew},
		{"cancel", "Act", &k.Cancel},
		{"finish", "Act", &k.Finish},
		{"ban", "Act", &k.Ban},
		{"auto_renew", "Act", &k.AutoRenew},
		{"restore", "Act", &k.Restore},
		{"export", "Act", &k.Export},
		{"reuse", "Act", &k.Reuse},
		{"buy", "Act", &k.Buy},
		{"buy_again", "Act", &k.BuyAgain},
		{"refresh", "General", &k.Refresh},
		{"command", "General", &k.Command},
		{"help", "General", &k.Help},
		{"mouse", "General", &k.Mouse},
		{"quit", "General", &k.Quit},
		{"confirm", "Dialogs", &k.Confirm},
		{"refuse", "Dialogs", &k.Refuse},
	}
}

// Default is the stock key map (k9s / gh-dash habits).
func Default() KeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	return KeyMap{
		NextPane:   b([]string{"tab"}, "tab", "next pane"),
		PrevPane:   b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		Pane1:      b([]string{"1"}, "1", "balances"),
		Pane2:      b([]string{"2"}, "2", "lines & codes"),
		Pane3:      b([]string{"3"}, "3", "expiries"),
		Pane4:      b([]string{"4"}, "4", "queues"),
		Up:         b([]string{"k", "up"}, "k/↑", "up"),
		Down:       b([]string{"j", "down"}, "j/↓", "down"),
		Top:        b([]string{"g", "home"}, "g", "top"),
		Bottom:     b([]string{"G", "end"}, "G", "bottom"),
		PageUp:     b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Detail:     b([]string{"enter"}, "enter", "details"),
		Back:       b([]string{"esc"}, "esc", "back"),
		Filter:     b([]string{"/"}, "/", "filter, best match first (state: account: provider: service:)"),
		Zoom:       b([]string{"+"}, "+", "zoom pane"),
		HideClosed: b([]string{"h"}, "h", "hide/show finished & expired"),
		Sort:       b([]string{"o"}, "o", "sort lines: newest code/expiry/account/service"),
		Mark:       b([]string{"space"}, "space", "mark (r/x/f then act on every marked; esc clears)"),
		Copy:       b([]string{"c"}, "c", "copy code"),
		CopyNumber: b([]string{"C"}, "C", "copy number"),
		CopySMS:    b([]string{"m"}, "m", "copy the whole SMS (message)"),
		Renew:      b([]string{"r"}, "r", "renew"),
		Cancel:     b([]string{"x"}, "x", "cancel/reject"),
		Finish:     b([]string{"f"}, "f", "finish"),
		Ban:        b([]string{"b"}, "b", "ban"),
		AutoRenew:  b([]string{"a"}, "a", "auto-renew on/off"),
		Restore:    b([]string{"u"}, "u", "restore"),
		Export:     b([]string{"e"}, "e", "export proxies"),
		Reuse:      b([]string{"N"}, "N", "buy this number again"),
		Buy:        b([]string{"n"}, "n", "buy"),
		BuyAgain:   b([]string{"."}, ".", "buy same again"),
		Refresh:    b([]string{"R"}, "R", "refresh now"),
		Command:    b([]string{":"}, ":", "command"),
		Help:       b([]string{"?"}, "?", "help"),
		Mouse:      b([]string{"M"}, "M", "mouse on/off"),
		Quit:       b([]string{"q", "ctrl+c"}, "q", "quit"),
		Confirm:    b([]string{"y"}, "y", "confirm"), // not enter: it is pressed fast and often
		Refuse:     b([]string{"n", "esc"}, "n/esc", "refuse"),
	}
}

// Names lists the config names of every binding.
func Names() []string {
	k := Default()
	var out []string
	for _, e := range k.entries() {
		out = append(out, e.name)
	}
	return out
}

// Error is a mistake in the overrides. Name is the binding the overrides
// set that is wrong: an unknown name (Key and Other empty), or a binding
// given Key, which Other, read at the same time, also has.
type Error struct {
	Name  string
	Key   string
	Other string
}

func (e *Error) Error() string {
	if e.Other == "" {
		return fmt.Sprintf("keys.%s: no such action (known: %s)", e.Name, strings.Join(Names(), ", "))
	}
	return fmt.Sprintf("keys.%s: %q is also bound to %s", e.Name, e.Key, e.Other)
}

// scope says which bindings are read together and so must not share a
// key: a dialog reads only its own.
func scope(group string) string {
	if group == "Dialogs" {
		return "dialog"
	}
	return "main"
}

// Apply overrides bindings by config name. An unknown name, or two
// bindings read together sharing a key, is an *Error; k is then left
// half-changed and should be dropped.
func (k *KeyMap) Apply(over map[string][]string) error {
	entries := k.entries()
	byName := map[string]*key.Binding{}
	for _, e := range entries {
		byName[e.name] = e.b
	}
	names := make([]string, 0, len(over))
	for n := range over {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, ok := byName[n]
		if !ok {
			return &Error{Name: n}
		}
		keys := over[n]
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	}
	// Keys must stay unambiguous where they are read together. The error
	// names a binding the overrides set (the later one when both are).
	owner := map[[2]string]string{} // scope, key → binding
	for _, e := range entries {
		for _, kk := range e.b.Keys() {
			at := [2]string{scope(e.group), kk}
			o, dup := owner[at]
			if !dup {
				owner[at] = e.name
				continue
			}
			if o == e.name {
				continue
			}
			if _, set := over[e.name]; !set {
				return &Error{Name: o, Key: kk, Other: e.name}
			}
			return &Error{Name: e.name, Key: kk, Other: o}
		}
	}
	return nil
}

// Group is a titled set of bindings for the help screen, with their
// config names (Names[i] names Bindings[i]).
type Group struct {
	Title    string
	Bindings []key.Binding
	Names    []string
}

// Groups lists every binding by help group, in a stable order.
func (k *KeyMap) Groups() []Group {
	var out []Group
	idx := map[string]int{}
	for _, e := range k.entries() {
		i, ok := idx[e.group]
		if !ok {
			i = len(out)
			idx[e.group] = i
			out = append(out, Group{Title: e.group})
		}
		out[i].Bindings = append(out[i].Bindings, *e.b)
		out[i].Names = append(out[i].Names, e.name)
	}
	return out
}
