package nonvoip

import (
	"strings"
	"testing"
	"time"

	"switchboard/backend/sim/simcore"
)

func TestNonVoipScenarioDeliversAndExpires(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 3, NoSMS: 1e-9, SecondSMS: 1e-9})
	hooks := newNVHooks(t, s)
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))
	id := nvOrderID(t, o["order_id"])
	s.Advance(45 * time.Second)
	g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t)
	if g["sms"] == "" || g["pin"] == "" || !strings.Contains(g["sms"].(string), strings.TrimSpace(g["pin"].(string))[:2]) {
		t.Fatalf("no SMS after 45s: %v", g)
	}
	for {
		in := hooks.next(t, "incoming_message")
		if in["message"].(map[string]any)["order_id"] == o["order_id"] {
			break
		}
	}
	if st, _, _ := s.NonVoip.OrderStatus(id); st != "Completed" {
		t.Fatalf("status %s", st)
	}
	s.Advance(15 * time.Minute)
	if st, _, _ := s.NonVoip.OrderStatus(id); st != "Completed" {
		t.Fatalf("a completed order stays completed after expiry: %s", st)
	}

	// Quiet: no SMS, and the order expires with a refund.
	q := newNV(t, simcore.Options{Seed: 3, Quiet: true})
	qid := nvOrderID(t, nvFirst(t, nvCall(t, q, 0, "/api/order", map[string]any{"product_id": 10000086}))["order_id"])
	q.Advance(899 * time.Second) // the seeded waiting orders expire (and refund) before this
	if st, _, _ := q.NonVoip.OrderStatus(qid); st != "Reserved" {
		t.Fatalf("before expiry %s", st)
	}
	before := q.NonVoip.Balance("nonvoip-main")
	q.Advance(2 * time.Second)
	if st, _, _ := q.NonVoip.OrderStatus(qid); st != "Expired" {
		t.Fatalf("after expiry %s", st)
	}
	if d := q.NonVoip.Balance("nonvoip-main") - before; !nvClose(d, 0.36) {
		t.Fatalf("an SMS-less expiry refunds: %v", d)
	}
	if g := nvCall(t, q, 0, "/api/getsms", map[string]any{"order_id": qid}).obj(t); g["sms"] != "" {
		t.Fatalf("quiet delivered %v", g)
	}
}

func TestNonVoipSeededStateAndRentalExpiry(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	ids := s.NonVoip.OrderIDs("nonvoip-main")
	states := map[string]int{}
	types := map[string]int{}
	var nearExpiry string
	for _, id := range ids {
		o, ok := s.NonVoip.Order(id)
		if !ok || o.Account != "nonvoip-main" {
			t.Fatalf("order %s", id)
		}
		states[o.Status]++
		types[o.Type]++
		if o.Type == "long_term" && o.Status == "Active" && o.Expires.Sub(s.Now()) < 24*time.Hour {
			nearExpiry = id
		}
	}
	for _, st := range []string{"Reserved", "Completed", "Expired", "Rejected", "Active"} {
		if states[st] == 0 {
			t.Fatalf("no seeded order %s: %v", st, states)
		}
	}
	for _, ty := range []string{"short_term", "long_term", "one_day", "3days", "country"} {
		if types[ty] == 0 {
			t.Fatalf("no seeded %s order: %v", ty, types)
		}
	}
	if nearExpiry == "" {
		t.Fatal("no rental near expiry")
	}
	// Seeded orders answer getsms and do not count as purchases.
	for _, id := range ids {
		if r := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}); r.status != 200 {
			t.Fatalf("getsms %s: %d", id, r.status)
		}
	}
	if s.NonVoip.OrderCount("nonvoip-main") != 0 {
		t.Fatal("seeded orders are not purchases")
	}
	s.Advance(21 * time.Hour)
	if st, _, _ := s.NonVoip.OrderStatus(nearExpiry); st != "Expired" {
		t.Fatalf("rental past expiry: %s", st)
	}
}

func TestNonVoipLivelyKeepsCodesComing(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 5, Lively: true})
	count := func() int {
		n := 0
		for _, id := range s.NonVoip.OrderIDs("nonvoip-main") {
			o, _ := s.NonVoip.Order(id)
			n += o.SMS
		}
		return n
	}
	s.Advance(time.Hour) // short-term orders are long gone; rentals keep receiving
	before := count()
	s.Advance(2 * time.Minute)
	if got := count() - before; got < 10 {
		t.Fatalf("lively delivered %d SMS in two minutes", got)
	}
}
