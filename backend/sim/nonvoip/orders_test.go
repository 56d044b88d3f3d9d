package nonvoip

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

func TestNonVoipShortTermOrder(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	before := s.NonVoip.Balance("nonvoip-main")
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))
	id := nvOrderID(t, o["order_id"])
	if _, ok := o["order_id"].(float64); !ok {
		t.Fatalf("order_id must be an integer: %v", o)
	}
	if o["status"] != "Reserved" || o["expiration"] != float64(900) || o["type"] != "short_term" || o["service"] != "Instagram" {
		t.Fatalf("order %v", o)
	}
	if n, _ := o["number"].(string); len(n) != 11 || n[0] != '1' {
		t.Fatalf("number %v", o["number"])
	}
	if got := s.NonVoip.Balance("nonvoip-main"); !nvClose(before-got, 0.36) {
		t.Fatalf("debit %v", before-got)
	}
	if s.NonVoip.OrderCount("nonvoip-main") != 1 {
		t.Fatal("exactly one order")
	}
	st, exp, ok := s.NonVoip.OrderStatus(id)
	if !ok || st != "Reserved" || !exp.Equal(s.Now().Add(900*time.Second)) {
		t.Fatalf("status %s %v", st, exp)
	}
	nvWant(t, nvCall(t, s, 0, "/api/order", nil), 400, "The product_id field is required.")
	nvWant(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 42}), 400, "Invalid product_id.")
	nvWant(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086, "auction": 5}), 400, "The auction must be between 10 and 2000.")
}

func TestNonVoipRentalOrders(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	s.NonVoip.SetBalance("nonvoip-main", 100)
	now := s.Now()
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 9044}))
	if o["status"] != "Active" || o["type"] != "long_term" || o["service"] != "WhatsApp" || o["expires"] != now.Add(30*24*time.Hour).Format("2006-01-02 15:04:05") {
		t.Fatalf("long-term %v", o)
	}
	if _, has := o["expiration"]; has {
		t.Fatal("rentals carry expires, not expiration")
	}
	if o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 9441})); o["type"] != "one_day" ||
		o["expires"] != now.Add(24*time.Hour).Format("2006-01-02 15:04:05") {
		t.Fatalf("one-day %v", o)
	}
	before := s.NonVoip.Balance("nonvoip-main")
	r := nvCall(t, s, 0, "/api/order", map[string]any{"product_ids": []int{9044, 8555}})
	list := r.obj(t)["message"].([]any)
	o = list[0].(map[string]any)
	if len(list) != 1 || o["service"] != "WhatsApp, PayPal" || o["type"] != "long_term" {
		t.Fatalf("multi: %s", r.body)
	}
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 5.50) {
		t.Fatalf("multi debit %v", d)
	}
	nvWant(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_ids": []int{9044, 10000086}}), 400, "product_ids can only be used with 30-days products.")
	nvWant(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_ids": []int{9044, 8555, 9012, 9067, 9101, 9130}}), 400, "A maximum of 5 services can be ordered on one number.")
	if s.NonVoip.OrderCount("nonvoip-main") != 3 {
		t.Fatalf("orders %d", s.NonVoip.OrderCount("nonvoip-main"))
	}
	// Form-encoded product_ids[] work too.
	c := nvMain(t, s)
	form := url.Values{"email": {c.Fields["email"]}, "password": {nvPassword(c)}, "product_ids[]": {"9012", "9067"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL(backend.NonVoip)+"/api/order", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if o := nvFirst(t, nvDo(t, req)); o["service"] != "Google, Telegram" {
		t.Fatalf("form multi %v", o)
	}
}

func TestNonVoipPriceChangeRequired(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	s.NonVoip.SetRoutePrice(10000086, 1.70)
	before := s.NonVoip.Balance("nonvoip-main")
	for _, fields := range []map[string]any{{"product_id": 10000086}, {"product_id": 10000086, "accepted_max_price": 1.0}} {
		r := nvCall(t, s, 0, "/api/order", fields)
		m := r.obj(t)
		info := nvFirst(t, r)
		if m["status"] != "info" || info["info"] != "Price_Change_Required" || info["quoted_price"] != 0.36 ||
			info["allowed_price"] != 0.47 || info["available_price"] != 1.7 {
			t.Fatalf("price change: %s", r.body)
		}
	}
	if s.NonVoip.Balance("nonvoip-main") != before || s.NonVoip.OrderCount("nonvoip-main") != 0 {
		t.Fatal("an info answer spends nothing")
	}
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086, "accepted_max_price": 1.7}))
	if o["status"] != "Reserved" {
		t.Fatalf("accepted: %v", o)
	}
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 1.70) {
		t.Fatalf("debit is the route price: %v", d)
	}
	// Within 30% of the listed price no confirmation is needed; the debit
	// is still the route price.
	s.NonVoip.SetRoutePrice(10000086, 0.45)
	before = s.NonVoip.Balance("nonvoip-main")
	nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 0.45) {
		t.Fatalf("debit %v", d)
	}
	// A strict tolerance asks on any increase.
	s.NonVoip.SetPriceTolerance(100)
	if r := nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}); nvFirst(t, r)["info"] != "Price_Change_Required" ||
		nvFirst(t, r)["allowed_price"] != 0.36 {
		t.Fatalf("strict: %s", r.body)
	}
}

func TestNonVoipPremiumAvailable(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	hooks := newNVHooks(t, s)
	s.NonVoip.SetPremiumOnly(10000012, 20)
	if p := nvFirst(t, nvCall(t, s, 0, "/api/products", map[string]any{"product_id": 10000012})); p["available"] != float64(0) {
		t.Fatalf("premium-only has no ordinary stock: %v", p)
	}
	for _, f := range []map[string]any{{"product_id": 10000012}, {"product_id": 10000012, "auction": 10}} {
		r := nvCall(t, s, 0, "/api/order", f)
		info := nvFirst(t, r)
		if r.obj(t)["status"] != "info" || info["info"] != "Premium_Available" || info["recommended_bid"] != float64(20) {
			t.Fatalf("premium: %s", r.body)
		}
	}
	before := s.NonVoip.Balance("nonvoip-main")
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000012, "auction": 20}))
	if o["status"] != "Reserved" || o["expiration"] != float64(900) {
		t.Fatalf("won: %v", o)
	}
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 0.60) {
		t.Fatalf("premium debit %v", d)
	}
	// The bid raises the price to the nearest cent: 0.45 × 1.30 = 0.585.
	s.NonVoip.SetPremiumOnly(10000031, 30)
	before = s.NonVoip.Balance("nonvoip-main")
	nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000031, "auction": 30}))
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 0.59) {
		t.Fatalf("premium debit %v, want 0.59", d)
	}
	// Ordinary stock running out offers premium too.
	s.NonVoip.SetAvailable(10000086, 0)
	if info := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086})); info["info"] != "Premium_Available" ||
		info["recommended_bid"] != float64(20) {
		t.Fatalf("out of stock: %v", info)
	}
	win := hooks.next(t, "auction_wining")
	list, _ := win["message"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["order_id"] != o["order_id"] || list[0].(map[string]any)["expiration"] != float64(900) {
		t.Fatalf("auction_wining %v", win)
	}
}

func TestNonVoipInsufficientBalance(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	s.NonVoip.SetBalance("nonvoip-main", 0.10)
	nvWant(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}), 400, "Insufficient balance.")
	nvWant(t, nvCall(t, s, 0, "/api/country/order", map[string]any{"product_id": 501}), 400, "Insufficient balance.")
	if s.NonVoip.OrderCount("nonvoip-main") != 0 || s.NonVoip.Balance("nonvoip-main") != 0.10 {
		t.Fatal("a refused order spends nothing")
	}
}

func TestNonVoipCountryOrders(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	p := nvFirst(t, nvCall(t, s, 0, "/api/country/products", nil))
	if p["product_id"] != float64(501) || p["name"] != "Telegram" || p["country"] != "United States" || p["price"] != "0.45" {
		t.Fatalf("country product %v", p)
	}
	r := nvCall(t, s, 0, "/api/country/order", map[string]any{"product_id": 501})
	m := r.obj(t)
	o, ok := m["message"].(map[string]any)
	if !ok || m["status"] != "success" {
		t.Fatalf("the success message is an object: %s", r.body)
	}
	id, ok := o["order_id"].(string)
	if !ok || !strings.HasPrefix(id, "sb_") || o["status"] != "Reserved" || o["service"] != "tg" || o["country"] != "US" ||
		o["expiration"] != float64(300) || o["cost"] != "0.45" || o["expires_at"] != s.Now().Add(300*time.Second).Format("2006-01-02 15:04:05") {
		t.Fatalf("country order %v", o)
	}
	g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t)
	if g["status"] != "success" || g["type"] != "country" || g["sms"] != "" {
		t.Fatalf("getsms %v", g)
	}
	nvWant(t, nvCall(t, s, 0, "/api/country/order", map[string]any{"product_id": 9}), 400, "Invalid product_id.")
}

func TestNonVoipGetSMS(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true, Accounts: 2})
	hooks := newNVHooks(t, s)
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))
	id := nvOrderID(t, o["order_id"])
	g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t)
	if g["status"] != "success" || g["sms"] != "" || g["pin"] != "" || g["number"] != o["number"] || g["service"] != "Instagram" || g["type"] != "short_term" {
		t.Fatalf("before any SMS: %v", g)
	}
	if err := s.NonVoip.Deliver(id, "Your Instagram OTP is 545"); err != nil {
		t.Fatal(err)
	}
	g = nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t)
	if g["sms"] != "Your Instagram OTP is 545" || g["pin"] != "545" {
		t.Fatalf("after: %v", g)
	}
	in := hooks.next(t, "incoming_message")
	msg := in["message"].(map[string]any)
	if msg["order_id"] != o["order_id"] || msg["sms"] != "Your Instagram OTP is 545" || msg["code"] != "545" || msg["type"] != "str" ||
		msg["number"] != o["number"] || msg["service"] != "Instagram" || msg["sender"] == "" || in["_ua"] != nvWebhookUA {
		t.Fatalf("incoming_message %v", in)
	}
	s.NonVoip.Deliver(id, "Instagram code 123-456. Don't share it.")
	if g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t); g["pin"] != "123456" {
		t.Fatalf("latest %v", g)
	}
	// By service + number.
	if g := nvCall(t, s, 0, "/api/getsms", map[string]any{"service": "instagram", "number": "+" + o["number"].(string)}).obj(t); g["pin"] != "123456" {
		t.Fatalf("by number %v", g)
	}
	if st, _, _ := s.NonVoip.OrderStatus(id); st != "Completed" {
		t.Fatalf("status %s", st)
	}
	nvWant(t, nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": "999"}), 404, "Order not found.")
	nvWant(t, nvCall(t, s, 1, "/api/getsms", map[string]any{"order_id": id}), 404, "Order not found.")
}

func TestNonVoipReject(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	before := s.NonVoip.Balance("nonvoip-main")
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))
	id := nvOrderID(t, o["order_id"])
	r := nvCall(t, s, 0, "/api/reject", map[string]any{"order_id": id})
	if m := r.obj(t); r.status != 200 || m["message"] != "The rental for Instagram "+o["number"].(string)+" has been stopped and refunded." {
		t.Fatalf("reject %s", r.body)
	}
	if s.NonVoip.Balance("nonvoip-main") != before {
		t.Fatal("reject refunds")
	}
	if st, _, _ := s.NonVoip.OrderStatus(id); st != "Rejected" {
		t.Fatalf("status %s", st)
	}
	nvWant(t, nvCall(t, s, 0, "/api/reject", map[string]any{"order_id": id}), 400, "This order has already been rejected.")

	o = nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000031}))
	id = nvOrderID(t, o["order_id"])
	s.NonVoip.Deliver(id, "Telegram code 77881")
	nvWant(t, nvCall(t, s, 0, "/api/reject", map[string]any{"order_id": id}), 400, "An SMS has already been received for this number; it can no longer be rejected.")
	nvWant(t, nvCall(t, s, 0, "/api/reject", map[string]any{"order_id": "1"}), 400, "Order not found.")

	// Any order type before its SMS: a rental, a renewed rental (the
	// renewal is refunded), a country-wise order.
	s.NonVoip.SetBalance("nonvoip-main", 20)
	for _, c := range []struct {
		path    string
		product int
		renew   bool
		refund  float64
	}{
		{"/api/order", 9441, false, 1.25},
		{"/api/order", 9044, true, 4.00},
		{"/api/country/order", 502, false, 0.80},
	} {
		r := nvCall(t, s, 0, c.path, map[string]any{"product_id": c.product})
		var id string
		if m, ok := r.obj(t)["message"].(map[string]any); ok {
			id = nvOrderID(t, m["order_id"])
		} else {
			id = nvOrderID(t, nvFirst(t, r)["order_id"])
		}
		if c.renew {
			if r := nvCall(t, s, 0, "/api/renew", map[string]any{"order_id": id, "duration": "60d"}); r.status != 200 {
				t.Fatalf("renew: %s", r.body)
			}
		}
		before := s.NonVoip.Balance("nonvoip-main")
		if r := nvCall(t, s, 0, "/api/reject", map[string]any{"order_id": id}); r.status != 200 {
			t.Fatalf("reject %d: %s", c.product, r.body)
		}
		if got := s.NonVoip.Balance("nonvoip-main") - before; !nvClose(got, c.refund) {
			t.Fatalf("reject %d refunded %v, want %v", c.product, got, c.refund)
		}
		if st, _, _ := s.NonVoip.OrderStatus(id); st != "Rejected" {
			t.Fatalf("reject %d: status %s", c.product, st)
		}
	}
}

func TestNonVoipRenewAndActivate(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 9044}))
	id := nvOrderID(t, o["order_id"])
	_, exp, _ := s.NonVoip.OrderStatus(id)
	before := s.NonVoip.Balance("nonvoip-main")
	r := nvCall(t, s, 0, "/api/renew", map[string]any{"order_id": id, "duration": "30d"})
	m := r.obj(t)
	want := exp.Add(30 * 24 * time.Hour)
	if r.status != 200 || m["status"] != "success" || m["expiration"] != want.Format("2006-01-02 15:04:05") {
		t.Fatalf("renew %s", r.body)
	}
	if _, e, _ := s.NonVoip.OrderStatus(id); !e.Equal(want) {
		t.Fatalf("expiry %v, want %v", e, want)
	}
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 2.00) {
		t.Fatalf("renew debit %v", d)
	}
	if m := nvCall(t, s, 0, "/api/renew", map[string]any{"order_id": id}).obj(t); m["expiration"] != want.Add(30*24*time.Hour).Format("2006-01-02 15:04:05") {
		t.Fatalf("default duration %v", m)
	}
	nvWant(t, nvCall(t, s, 0, "/api/renew", map[string]any{"order_id": id, "duration": "7d"}), 400, "Invalid duration: use a multiple of 30d.")
	short := nvOrderID(t, nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))["order_id"])
	nvWant(t, nvCall(t, s, 0, "/api/renew", map[string]any{"order_id": short}), 400, "Only rented numbers (30-days, 1-day, 3-days) can be renewed.")
	s.NonVoip.SetBalance("nonvoip-main", 1)
	nvWant(t, nvCall(t, s, 0, "/api/renew", map[string]any{"order_id": id}), 400, "Insufficient balance.")

	// Activation brings a rental online for nvOnlineWindow.
	s.Advance(20 * time.Minute)
	a := nvFirst(t, nvCall(t, s, 0, "/api/activate", map[string]any{"order_id": id}))
	if a["online_status"] != "online" || a["timezone"] != "UTC" || a["end_on"] != s.Now().Add(nvOnlineWindow).Format("2006-01-02 15:04:05") {
		t.Fatalf("activate %v", a)
	}
	nvWant(t, nvCall(t, s, 0, "/api/activate", map[string]any{"order_id": short}), 400, "Only long-term, 1-day and 3-days numbers can be activated.")
}

func TestNonVoipReuse(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	o := nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}))
	id := nvOrderID(t, o["order_id"])
	nvWant(t, nvCall(t, s, 0, "/api/reuse", map[string]any{"order_id": id}), 400, "This number is still reserved for you.")
	s.NonVoip.Deliver(id, "Your Instagram code is 909090")
	s.Advance(time.Minute)
	before := s.NonVoip.Balance("nonvoip-main")
	r := nvFirst(t, nvCall(t, s, 0, "/api/reuse", map[string]any{"order_id": id}))
	if nvOrderID(t, r["order_id"]) != id || r["status"] != "Reserved" || r["till_expiration"] != float64(900) || r["number"] != o["number"] {
		t.Fatalf("reuse %v", r)
	}
	if d := before - s.NonVoip.Balance("nonvoip-main"); !nvClose(d, 0.36) {
		t.Fatalf("reuse debit %v", d)
	}
	// getsms answers the order's latest SMS: the previous window's until
	// the new one gets its own.
	if g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t); g["sms"] != "Your Instagram code is 909090" {
		t.Fatalf("a reused order answers its latest SMS: %v", g)
	}
	nvWant(t, nvCall(t, s, 0, "/api/reuse", map[string]any{"order_id": id}), 400, "This number is still reserved for you.")
	s.NonVoip.Deliver(id, "Your Instagram code is 121212")
	if g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t); g["sms"] != "Your Instagram code is 121212" || g["pin"] != "121212" {
		t.Fatalf("after the new window's SMS: %v", g)
	}
	// Reject goes by the current window: refused once it has an SMS.
	nvWant(t, nvCall(t, s, 0, "/api/reject", map[string]any{"order_id": id}), 400,
		"An SMS has already been received for this number; it can no longer be rejected.")
	rental := nvOrderID(t, nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 9044}))["order_id"])
	nvWant(t, nvCall(t, s, 0, "/api/reuse", map[string]any{"order_id": rental}), 400, "Only short-term numbers can be reused.")
}
