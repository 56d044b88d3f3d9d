package keymap

import (
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
	k := Default()
	if err := k.Apply(map[string][]string{"cpy": {"y"}}); err == nil || !strings.Contains(err.Error(), "no such action") {
		t.Fatalf("unknown name: %v", err)
	}
	k = Default()
	if err := k.Apply(map[string][]string{"copy": {"r"}}); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("clash: %v", err)
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
