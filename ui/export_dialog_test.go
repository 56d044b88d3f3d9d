package ui_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/ui"
)

// TestExportPathDefaultsToTheStateDirAndTypingReplacesIt: saving an
// export to a file offers a name in the state directory; typing replaces
// that name instead of appending to it, and backspace edits it.
func TestExportPathDefaultsToTheStateDirAndTypingReplacesIt(t *testing.T) {
	x := start(t, nil)
	x.proxySelected()
	x.press("e", "tab", "space", "tab")
	x.sees("Export", "file: /st/proxies-77-socks5.txt")
	x.press("backspace")
	x.sees("file: /st/proxies-77-socks5.tx")
	x.press("left", "right") // moving keeps the edited path
	x.sees("file: /st/proxies-77-socks5.tx")

	x.press("esc", "e", "tab", "space", "tab", "out.txt")
	x.sees("file: out.txt")
	x.lacks("/st/")
}

// TestExportLongPathStaysOnOneLine: a path longer than the dialog
// scrolls in its field instead of wrapping the dialog off the screen.
func TestExportLongPathStaysOnOneLine(t *testing.T) {
	x := start(t, nil)
	id := "proxy/ord-557edd2f-7920-4d30-9533-ef25d5013e95-557edd2f-7920-4d30-9533-ef25d5013e95"
	proxy := backend.Lease{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, id),
		Account: "piv", Provider: backend.PivDay, ID: id, Kind: backend.LeaseProxy,
		Name: "proxy DE ×10", State: "active", ExpiresAt: t0.Add(72 * time.Hour), Allowed: backend.Allow(backend.ActExport), Version: 1}
	x.send(ui.EventMsg{Event: backend.Event{Leases: []backend.Lease{proxy}}})
	x.pick("3", "proxy DE")
	x.press("e", "tab", "space", "tab")
	x.sees("Export proxy DE", "-socks5.txt", "esc cancel")
	x.lacks("/st/proxies") // its start scrolled away, not wrapped onto more lines
}

// TestExportAsksBeforeReplacingAFile: exporting to a file that is there
// asks first; Enter, pressed fast and often, never answers, nor does y
// within the grace period; y after it replaces the file. A new file is
// written at once, and refusing keeps the old one.
func TestExportAsksBeforeReplacingAFile(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.txt")
	if err := os.WriteFile(old, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	x := start(t, nil)
	x.proxySelected()
	x.press("e", "tab", "space", "tab", old, "enter")
	x.sees("a file is there already", "replace it (ready in")
	x.press("enter", "enter", "enter", "y", "enter")
	if got := x.sent(); len(got) != 0 {
		t.Fatalf("sent before the operator agreed to replace the file: %v", got)
	}
	x.press("n")
	x.sees("enter export")
	x.press("enter")
	x.sees("a file is there already")
	x.later(time.Second)
	x.press("enter")
	if got := x.sent(); len(got) != 0 {
		t.Fatalf("enter replaced the file: %v", got)
	}
	x.press("y")
	x.sees("exporting proxy DE")
	got := x.sent()
	if len(got) != 1 || got[0].Kind != backend.ActExport {
		t.Fatalf("y after the grace period sent %v, want one export", got)
	}
	x.send(ui.EventMsg{Event: backend.Event{Notices: []backend.Notice{{Action: &got[0], Data: "1.2.3.4:1080:u:p"}}}})
	x.sees("saved")
	if b, _ := os.ReadFile(old); string(b) != "1.2.3.4:1080:u:p\n" {
		t.Fatalf("the agreed file holds %q", b)
	}

	fresh := filepath.Join(dir, "new.txt")
	x.press("e", "tab", "space", "tab", fresh, "enter")
	x.sees("exporting proxy DE") // once the dashboard has looked for a file there
	if got := x.sent(); len(got) != 2 {
		t.Fatalf("a new file was not exported at once: %v", got)
	}
}

// proxySelected adds a piv.day proxy order and selects it in Expiries.
func (x *tm) proxySelected() {
	proxy := backend.Lease{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, "proxy/77"), Account: "piv",
		Provider: backend.PivDay, ID: "proxy/77", Kind: backend.LeaseProxy, Name: "proxy DE ×10", State: "active",
		ExpiresAt: t0.Add(72 * time.Hour), Allowed: backend.Allow(backend.ActExport), Version: 1}
	x.send(ui.EventMsg{Event: backend.Event{Leases: []backend.Lease{proxy}}})
	x.pick("3", "proxy DE")
}
