package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/webhook"
)

// receive starts the webhook receiver for the harness's account of kind k
// (a token made in its state directory, as the program does) and points
// the simulator's webhooks at that account's URL.
func receive(h *harness, k backend.ProviderKind) string {
	h.t.Helper()
	acct := h.accountName(k)
	tokens, err := cache.WebhookTokens(h.dir, []string{acct})
	if err != nil {
		h.t.Fatal(err)
	}
	srv, err := webhook.Listen(webhook.Options{Addr: "127.0.0.1:0", Tokens: tokens, Receiver: h.eng()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(srv.Close)
	h.sim.SetWebhook(k, webhook.URL("http://"+srv.Addr(), acct, tokens[acct]))
	return acct
}

// forge sends a forged webhook and expects it taken as a hint (204).
func forge(h *harness, k backend.ProviderKind, payload any) {
	h.t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		h.t.Fatal(err)
	}
	status, err := h.sim.ForgeWebhook(k, body)
	if err != nil || status != http.StatusNoContent {
		h.t.Fatalf("forged webhook: status %d, %v", status, err)
	}
}

func pivSMS(numberID, code string) map[string]any {
	return map[string]any{"event_type": "sms.received", "timestamp": "2026-01-05T10:00:00Z",
		"data": map[string]any{"piv_num_id": numberID, "text": "Your verification code is " + code, "code": code,
			"received_at": "2026-01-05T10:00:00Z"}}
}

func nonvoipSMS(orderID int, code string) map[string]any {
	return map[string]any{"event": "incoming_message", "message": map[string]any{"order_id": orderID,
		"number": "16095170503", "service": "Instagram", "sender": "8843", "sms": "Your Instagram OTP is " + code, "code": code, "type": "str"}}
}

// noForgedCode fails if a code only the forger knows reached a line, the
// event stream or the ledger.
func noForgedCode(h *harness, k backend.Key, code string) {
	h.t.Helper()
	if l, _ := h.line(k); l.Code == code {
		h.t.Fatalf("the forged code %s is the line's code", code)
	}
	for _, m := range h.messagesFor(k) {
		if m.Code == code || strings.Contains(m.Text, code) {
			h.t.Fatalf("the forged SMS reached the event stream: %+v", m)
		}
	}
	stored, err := h.stack.Store.Messages(k, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range stored {
		if m.Code == code || strings.Contains(m.Text, code) {
			h.t.Fatalf("the forged SMS reached the ledger: %+v", m)
		}
	}
}

// TestForgedSMSWebhookChangesNothing: a forged piv.day sms.received for a
// number the account holds makes Switchboard read that number; the API
// has no such SMS, so the code that shows (and is stored) is the one the
// API answers with, never the forged one.
func TestForgedSMSWebhookChangesNothing(t *testing.T) {
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.PivDay}})
	acct := receive(h, backend.PivDay)
	l := watchedLine(h, backend.PivDay)
	forge(h, backend.PivDay, pivSMS(l.ID, "999999"))
	h.waitFor("a hint read", func() bool { return h.eng().HintCounts(acct).Reads > 0 })
	deliver(h, l, "Your verification code is 424242") // the genuine one, webhook and all
	h.waitLine("the API's code", func(x backend.Line) bool { return x.Key == l.Key && x.Code == "424242" })
	noForgedCode(h, l.Key, "999999")
}

// TestForgedNonVoipCallbacksCreateNoLine: callbacks for an order the
// account does not hold are ignored (never a line), and one claiming a
// code for a held order changes nothing the API does not confirm.
func TestForgedNonVoipCallbacksCreateNoLine(t *testing.T) {
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.NonVoip}})
	acct := receive(h, backend.NonVoip)
	l := watchedLine(h, backend.NonVoip)
	forge(h, backend.NonVoip, nonvoipSMS(999999, "555555"))
	forge(h, backend.NonVoip, map[string]any{"event": "auction_wining", "message": []map[string]any{{"order_id": 999998,
		"number": "16095170504", "service": "GMail", "expiration": 900}}})
	held := 0
	fmt.Sscan(l.ID, &held)
	forge(h, backend.NonVoip, nonvoipSMS(held, "777777"))
	h.waitFor("the hints handled", func() bool {
		c := h.eng().HintCounts(acct)
		return c.Unknown >= 2 && c.Reads >= 1
	})
	deliver(h, l, "Your code is 313131")
	h.waitLine("the API's code", func(x backend.Line) bool { return x.Key == l.Key && x.Code == "313131" })
	if x, ok := h.findLine(func(x backend.Line) bool { return x.ID == "999999" || x.ID == "999998" }); ok {
		t.Fatalf("a forged callback created a line: %+v", x)
	}
	noForgedCode(h, l.Key, "777777")
	snap, err := h.stack.Store.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range snap.Lines {
		if x.ID == "999999" || x.ID == "999998" {
			t.Fatalf("a forged callback reached state.db: %+v", x)
		}
	}
}

// TestWebhookFloodGrowsNothing: 2,000 forged webhooks — half about the
// account's number with made-up codes, half about numbers it does not
// hold — write nothing to ledger.db and make no more provider requests
// than the account's budget, with hint reads inside their capped share.
func TestWebhookFloodGrowsNothing(t *testing.T) {
	const rate = 100 // piv.day's documented limit
	h := newHarness(t, setup{kinds: []backend.ProviderKind{backend.PivDay},
		tweak: func(a *config.Account) { a.RatePerMinute = rate }})
	acct := receive(h, backend.PivDay)
	l := watchedLine(h, backend.PivDay)
	if err := h.stack.Store.Flush(); err != nil {
		t.Fatal(err)
	}
	ledger := filepath.Join(h.dir, "ledger.db")
	before := fileSize(t, ledger)
	c0, hits, start := h.eng().HintCounts(acct), h.sim.Hits(backend.PivDay), time.Now()
	for i := range 2000 {
		id := l.ID
		if i%2 == 1 {
			id = fmt.Sprintf("forged-%d", i)
		}
		forge(h, backend.PivDay, pivSMS(id, fmt.Sprintf("%06d", 100000+i)))
	}
	h.waitFor("every hint handled", func() bool {
		c := h.eng().HintCounts(acct)
		return c.Unknown+c.Coalesced+c.Limited+c.Reads-(c0.Unknown+c0.Coalesced+c0.Limited+c0.Reads) >= 2000
	})
	elapsed := time.Since(start).Minutes()
	spent := h.sim.Hits(backend.PivDay) - hits
	c1 := h.eng().HintCounts(acct)
	c := engine.HintCounts{Hints: c1.Hints - c0.Hints, Unknown: c1.Unknown - c0.Unknown, Coalesced: c1.Coalesced - c0.Coalesced,
		Limited: c1.Limited - c0.Limited, Reads: c1.Reads - c0.Reads}
	if err := h.stack.Store.Flush(); err != nil {
		t.Fatal(err)
	}
	if after := fileSize(t, ledger); after != before {
		t.Errorf("ledger.db grew from %d to %d bytes", before, after)
	}
	for i := 0; i < 2000; i += 2 {
		noForgedCode(h, l.Key, fmt.Sprintf("%06d", 100000+i))
	}
	if c.Hints != 2000 || c.Unknown != 1000 {
		t.Errorf("hint counts %+v, want 2000 hints and 1000 unknown numbers", c)
	}
	// Hint reads: a burst, then their share of the poll rate; requests:
	// within the account's budget (its bucket's burst of 5 included).
	if max := engine.HintBurst + engine.HintShare*rate*elapsed + 1; float64(c.Reads) > max {
		t.Errorf("%d hint reads in %.3f min, more than the cap %.1f", c.Reads, elapsed, max)
	}
	if max := rate*backend.BudgetSafety*elapsed + 5 + 1; float64(spent) > max {
		t.Errorf("%d requests in %.3f min, more than the budget %.1f", spent, elapsed, max)
	}
	t.Logf("2,000 forged webhooks in %.1f s: %d requests at the simulator, counts %+v, ledger.db %d bytes", elapsed*60, spent, c, before)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
