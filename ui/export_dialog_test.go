package ui_test

import (
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
	proxy := backend.Lease{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, "proxy/77"), Account: "piv",
		Provider: backend.PivDay, ID: "proxy/77", Kind: backend.LeaseProxy, Name: "proxy DE ×10", State: "active",
		ExpiresAt: t0.Add(72 * time.Hour), Allowed: backend.Allow(backend.ActExport), Version: 1}
	x.send(ui.EventMsg{Event: backend.Event{Leases: []backend.Lease{proxy}}})
	x.pick("3", "proxy DE")
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
