package config

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"switchboard/keymap"
)

// parseKeys reads the keys: mapping (action name → a key or a list of
// keys), remembering the line of every name and key, then checks the
// overrides against the key map so a mistake is reported with the rest of
// the file, before any command runs.
func (c *Config) parseKeys(n *yaml.Node) error {
	if n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &Error{File: c.Path, Line: n.Line, Msg: "keys must map action names to keys",
			Fix: "e.g. keys: { copy: c, renew: [r, ctrl+r] }"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, v := n.Content[i].Value, n.Content[i+1]
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		keys := []string{}
		at := map[string]int{}
		for _, it := range items {
			if it.Kind != yaml.ScalarNode {
				return &Error{File: c.Path, Line: it.Line, Msg: "keys." + name + " must be a key or a list of keys",
					Fix: "e.g. keys: { copy: c } or keys: { copy: [c, y] }"}
			}
			if strings.TrimSpace(it.Value) == "" {
				return &Error{File: c.Path, Line: it.Line, Msg: "keys." + name + ": empty key",
					Fix: `write the key name, e.g. "c", "ctrl+y" or "space"`}
			}
			keys = append(keys, it.Value)
			if _, seen := at[it.Value]; !seen {
				at[it.Value] = it.Line
			}
		}
		c.Keys[name] = keys
		c.KeyLines[name] = n.Content[i].Line
		c.keyAt[name] = at
	}
	km := keymap.Default()
	return c.ApplyKeys(&km)
}

// ApplyKeys applies the file's key overrides to km. A mistake is an *Error
// on the line of the binding at fault (of the key itself, for a clash
// within a list).
func (c *Config) ApplyKeys(km *keymap.KeyMap) error {
	err := km.Apply(c.Keys)
	var ke *keymap.Error
	if !errors.As(err, &ke) {
		return err
	}
	e := &Error{File: c.Path, Line: c.KeyLines[ke.Name]}
	if l := c.keyAt[ke.Name][ke.Key]; l > 0 {
		e.Line = l
	}
	if ke.Other == "" {
		e.Msg = fmt.Sprintf("keys: there is no action %q", ke.Name)
		e.Fix = "use the names shown by ? in the dashboard: " + strings.Join(keymap.Names(), ", ")
		return e
	}
	where := "by default"
	if l, set := c.KeyLines[ke.Other]; set {
		where = fmt.Sprintf("on line %d", l)
	}
	e.Msg = fmt.Sprintf("keys.%s: %q is also the key of %s (%s)", ke.Name, ke.Key, ke.Other, where)
	e.Fix = fmt.Sprintf("give each action its own key: choose another key for %s, or move %s (keys: { %s: … })",
		ke.Name, ke.Other, ke.Other)
	return e
}
