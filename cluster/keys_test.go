package cluster

import (
	"slices"
	"strings"
	"testing"
)

// Parts with slashes survive a round trip, and no item's key is a prefix
// of another's (a line "a/b" and a line "a/bc" stay apart).
func TestKeysEscapeAndSplit(t *testing.T) {
	l, err := NewLayout("team/1")
	if err != nil {
		t.Fatal(err)
	}
	if l.Root() != "/switchboard/team%2F1/" {
		t.Errorf("root %q", l.Root())
	}
	k := l.Key(Messages, "fivesim/main/line/1", "id/with%slash")
	section, parts, ok := l.Split(k)
	if !ok || section != Messages || !slices.Equal(parts, []string{"fivesim/main/line/1", "id/with%slash"}) {
		t.Errorf("Split(%q) = %q %q %v", k, section, parts, ok)
	}
	if strings.HasPrefix(l.Key(Messages, "a/bc")+"/", l.Key(Messages, "a/b")+"/") {
		t.Error("one line's messages prefix holds another line's")
	}
	if _, _, ok := l.Split("/switchboard/other/lines/x"); ok {
		t.Error("a key of another cluster was split")
	}
	if _, err := NewLayout(""); err == nil {
		t.Error("an empty cluster name was accepted")
	}
}
