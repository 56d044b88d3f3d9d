package ui_test

import (
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/ui"
)

// A serve node cut off from etcd says so in the status bar, and since
// when, until etcd answers again.
func TestClusterUnreachableBanner(t *testing.T) {
	d, _ := codeBoard(t, codeLine("1"))
	since := t0.Add(40 * time.Second)
	d.tm.Send(ui.EventMsg{Event: backend.Event{Cluster: &backend.ClusterHealth{Unreachable: true,
		Error: "context deadline exceeded", Since: since}}})
	s := d.waitFor("the banner", contains("etcd unreachable since"))
	if want := since.Local().Format("15:04:05") + " · read-only"; !strings.Contains(s, want) {
		t.Fatalf("screen lacks %q:\n%s", want, s)
	}
	d.tm.Send(ui.EventMsg{Event: backend.Event{Cluster: &backend.ClusterHealth{Since: t0.Add(50 * time.Second)}}})
	d.waitFor("the banner gone", func(s string) bool { return !strings.Contains(s, "etcd unreachable since") })
}
