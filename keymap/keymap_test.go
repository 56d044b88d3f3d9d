package keymap

import (
	"errors"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestDefaultsHaveNoClashes(t *testing.T) {
	k := Default()
	if err := k.Apply(nil); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'c', Text: "c"}, k.Copy) {
		t.Fatal("c does not copy")
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'C', Text: "C"}, k.CopyNumber) {
		t.Fatal("C does not copy the number")
	}
}

func TestOverride(t *testing.T) {
	k := Default()
	if err := k.Apply(map[string][]string{"copy": {"y"}}); err != nil {
		t.Fatal(err)
	}
	if key.Matches(tea.KeyPressMsg{Code: 'c', Text: "c"}, k.Copy) || !key.Matches(tea.KeyPressMsg{Code: 'y', Text: "y"}, k.Copy) {
		t.Fatal("override not applied")
	}
	if k.Copy.Help().Key != "y" {
		t.Fatalf("help shows %q", k.Copy.Help().Key)
	}
}

func TestOverrideErrors(t *testing.T) {
	cases := []struct {
		over map[string][]string
		want Error
	}{
		{map[string][]string{"cpy": {"y"}}, Error{Name: "cpy"}},
		{map[string][]string{"copy": {"y"}, "zoom": {"z"}, "cpy": {"y"}}, Error{Name: "cpy"}},
		// The binding the overrides set is named, wherever it is listed.
		{map[string][]string{"copy": {"r"}}, Error{Name: "copy", Key: "r", Other: "renew"}},
		{map[string][]string{"renew": {"c"}}, Error{Name: "renew", Key: "c", Other: "copy"}},
		{map[string][]string{"up": {"w"}, "down": {"s"}, "quit": {"Q", "x"}}, Error{Name: "quit", Key: "x", Other: "cancel"}},
		{map[string][]string{"copy": {"v"}, "renew": {"v"}}, Error{Name: "renew", Key: "v", Other: "copy"}},
		// Dialog keys clash only with dialog keys.
		{map[string][]string{"refuse": {"y"}}, Error{Name: "refuse", Key: "y", Other: "confirm"}},
	}
	for _, c := range cases {
		for range 50 { // map order must not matter
			k := Default()
			err := k.Apply(c.over)
			var e *Error
			if !errors.As(err, &e) || *e != c.want {
				t.Fatalf("%v: got %#v, want %#v", c.over, err, c.want)
			}
			if !strings.Contains(err.Error(), "keys."+c.want.Name) {
				t.Fatalf("%v: %q does not name keys.%s", c.over, err, c.want.Name)
			}
		}
	}
	k := Default()
	if err := k.Apply(map[string][]string{"confirm": {"y", "r"}, "copy": {"c", "c"}}); err != nil {
		t.Fatalf("a dialog key may equal a pane key, and a key may repeat in one binding: %v", err)
	}
}

// Every binding takes part in the clash check (it reads the key map's own
// list, so a new binding cannot be forgotten).
func TestEveryBindingIsCheckedForClashes(t *testing.T) {
	d := Default()
	for _, e := range d.entries() {
		// Another binding read with this one.
		var other entry
		for _, o := range d.entries() {
			if o.name != e.name && scope(o.group) == scope(e.group) {
				other = o
				break
			}
		}
		k := Default()
		err := k.Apply(map[string][]string{e.name: {other.b.Keys()[0]}})
		var ke *Error
		if !errors.As(err, &ke) || ke.Name != e.name || ke.Other != other.name {
			t.Errorf("%s bound to %s's key %q: %v", e.name, other.name, other.b.Keys()[0], err)
		}
	}
}

func TestGroupsCoverEveryBinding(t *testing.T) {
	k := Default()
	n := 0
	for _, g := range k.Groups() {
		n += len(g.Bindings)
	}
	if n != len(Names()) {
		t.Fatalf("help shows %d of %d bindings", n, len(Names()))
	}
}
