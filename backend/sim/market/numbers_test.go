package market

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend/sim/simcore"
)

func TestMarketNumberCatalogue(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
	countries := mkArr(t, c.get("/numbers/countries").data(t))
	if len(countries) < 3 {
		t.Fatalf("countries %v", countries)
	}
	us := mkObj(t, countries[0])
	if us["id"] != float64(1) || us["name"] != "United States" || us["iso_code"] != "US" {
		t.Errorf("country %v", us)
	}
	services := mkArr(t, c.get("/numbers/services?country_id=1").data(t))
	found := false
	for _, s := range services {
		m := mkObj(t, s)
		mkWantAmount(t, "service price", m["price"])
		if m["currency"] != "NGN" || m["country_id"] != float64(1) {
			t.Errorf("service %v", m)
		}
		if _, ok := m["stock"].(float64); !ok {
			t.Errorf("stock %v", m["stock"])
		}
		found = found || (m["id"] == float64(123) && m["name"] == "WhatsApp")
	}
	if !found {
		t.Error("US WhatsApp (123) missing")
	}
	c.get("/numbers/services").wantError(t, 422, "VALIDATION_FAILED")
	e := c.get("/numbers/services?country_id=999").wantError(t, 422, "VALIDATION_FAILED")
	if errs := mkObj(t, e["errors"]); errs["country_id"] == nil {
		t.Errorf("errors %v", errs)
	}
	areas := mkArr(t, c.get("/numbers/area-codes?country_id=1&service_id=123").data(t))
	if len(areas) == 0 || mkObj(t, areas[0])["area_code"] == nil {
		t.Errorf("area codes %v", areas)
	}
	if got := mkArr(t, c.get("/numbers/area-codes?country_id=2&service_id=223").data(t)); len(got) != 0 {
		t.Errorf("UK has no area codes: %v", got)
	}
	c.get("/numbers/area-codes?country_id=1&service_id=223").wantError(t, 404, "NUMBER_SERVICE_NOT_FOUND")
	c.get("/numbers/area-codes?country_id=1").wantError(t, 422, "VALIDATION_FAILED")
}

func TestMarketNumberOrderLifecycle(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	before := m.Balance("market-main")
	count := m.NumberOrders("market-main")

	a := c.buyNumber("number-order-20260503-0001")
	if a.status != 201 {
		t.Fatalf("buy: %d %s", a.status, a.raw)
	}
	o := mkObj(t, a.data(t))
	id := strconv.FormatInt(mkNum(o["id"]), 10)
	if o["status"] != "pending" || o["code"] != nil || o["sms"] != nil || o["service_id"] != float64(123) ||
		o["country_id"] != float64(1) || !strings.HasPrefix(o["phone_number"].(string), "+1") || o["currency"] != "NGN" {
		t.Errorf("order %v", o)
	}
	mkWantAmount(t, "price", o["price"])
	created := mkWantTime(t, "created_at", o["created_at"])
	if exp := mkWantTime(t, "expires_at", o["expires_at"]); exp.Sub(created) != MarketOrderLifetime {
		t.Errorf("lifetime %v", exp.Sub(created))
	}
	price := o["price"].(string)
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != price {
		t.Errorf("debited %s, price %s", got, price)
	}
	if m.NumberOrders("market-main") != count+1 {
		t.Error("order not counted")
	}

	// In the list (a Laravel paginator under data), newest first.
	pg := mkObj(t, c.get("/numbers/orders?per_page=2").data(t))
	items := mkArr(t, pg["data"])
	if len(items) != 2 || pg["per_page"] != float64(2) || pg["current_page"] != float64(1) || pg["total"] != float64(count+1) ||
		mkNum(mkObj(t, items[0])["id"]) != mkNum(o["id"]) || pg["next_page_url"] == nil {
		t.Errorf("page %v", pg)
	}
	pg2 := mkObj(t, c.get("/numbers/orders?per_page=2&page=2").data(t))
	if pg2["current_page"] != float64(2) || pg2["prev_page_url"] == nil {
		t.Errorf("page 2 %v", pg2)
	}
	if pg := mkObj(t, c.get("/numbers/orders?per_page=500").data(t)); pg["per_page"] != float64(MarketMaxPerPage) {
		t.Errorf("per_page cap %v", pg["per_page"])
	}
	c.get("/numbers/orders?per_page=0").wantError(t, 422, "VALIDATION_FAILED")

	// With the (unverified) early-cancel cooldown on, an early cancel is
	// refused with wait_seconds.
	m.SetEarlyCancelDenied(true)
	e := c.post("/numbers/orders/"+id+"/cancel", nil).wantError(t, 409, "EARLY_CANCEL_DENIED")
	if w := mkNum(e["wait_seconds"]); w < 1 || w > int64(MarketCancelCooldown/time.Second) {
		t.Errorf("wait_seconds %v", e["wait_seconds"])
	}
	// A code arrives: check and the list show it; cancel is refused.
	if err := m.Deliver(id, "482913"); err != nil {
		t.Fatal(err)
	}
	chk := mkObj(t, c.post("/numbers/orders/"+id+"/check", nil).data(t))
	if chk["status"] != "received" || chk["code"] != "482913" || !strings.Contains(chk["sms"].(string), "482913") {
		t.Errorf("check %v", chk)
	}
	msgs := mkArr(t, chk["messages"])
	if len(msgs) != 1 || mkObj(t, msgs[0])["code"] != "482913" || mkObj(t, msgs[0])["received_at"] == nil {
		t.Errorf("messages %v", msgs)
	}
	first := mkObj(t, mkArr(t, mkObj(t, c.get("/numbers/orders").data(t))["data"])[0])
	if first["code"] != "482913" {
		t.Errorf("list does not show the code: %v", first)
	}
	c.Advance(MarketCancelCooldown)
	c.post("/numbers/orders/"+id+"/cancel", nil).wantError(t, 409, "NUMBER_CODE_ALREADY_RECEIVED")
	// It completes after a while.
	c.Advance(MarketCompleteAfterCode)
	if st, _, _ := m.OrderStatus(id); st != "completed" {
		t.Errorf("status %q, want completed", st)
	}
	c.post("/numbers/orders/"+id+"/cancel", nil).wantError(t, 409, "NUMBER_CODE_ALREADY_RECEIVED")
}

func TestMarketNumberCancelRefunds(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	before := m.Balance("market-main")
	o := mkObj(t, c.buyNumber("k-cancel").data(t))
	id := strconv.FormatInt(mkNum(o["id"]), 10)
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != o["price"] {
		t.Errorf("debited %s, price %v", got, o["price"])
	}
	// No cooldown unless asked for: NOTES.md marks it unverified.
	before = m.Balance("market-main")
	a := c.post("/numbers/orders/"+id+"/cancel", nil)
	d := mkObj(t, a.data(t))
	if d["status"] != "cancelled" || d["refunded_amount"] != o["price"] {
		t.Errorf("cancel %v", d)
	}
	if got := m.Balance("market-main").Sub(before).StringFixed(2); got != o["price"] {
		t.Errorf("refunded %s, want %v", got, o["price"])
	}
	// Cancelling again: the document names no refusal, so the order is
	// answered as it is and nothing is refunded twice.
	after := m.Balance("market-main")
	again := c.post("/numbers/orders/"+id+"/cancel", nil)
	if d := mkObj(t, again.data(t)); again.status != 200 || d["status"] != "cancelled" {
		t.Errorf("second cancel %d %s", again.status, again.raw)
	}
	if !m.Balance("market-main").Equal(after) {
		t.Error("refunded twice")
	}
	// A late SMS is kept, the status stays cancelled.
	m.Deliver(id, "111222")
	d = mkObj(t, c.get("/numbers/orders/"+id).data(t))
	if d["status"] != "cancelled" || len(mkArr(t, d["messages"])) != 1 {
		t.Errorf("late sms %v", d)
	}
}

func TestMarketNumberExpiresAndRefunds(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	o := mkObj(t, c.buyNumber("k-exp").data(t))
	id := strconv.FormatInt(mkNum(o["id"]), 10)
	before, refunds := m.Balance("market-main"), mkRefunds(t, c)
	c.Advance(MarketOrderLifetime)
	if st, _, _ := m.OrderStatus(id); st != "expired" {
		t.Errorf("status %q, want expired", st)
	}
	if d := mkObj(t, c.get("/numbers/orders/"+id).data(t)); d["refunded_amount"] != o["price"] {
		t.Errorf("expired order %v", d)
	}
	// Every refund that happened meanwhile (ours and the seeded orders')
	// is in the balance, and nothing else moved it.
	moved := m.Balance("market-main").Sub(before)
	if want := mkRefunds(t, c).Sub(refunds); !moved.Equal(want) || moved.LessThan(decimal.RequireFromString(o["price"].(string))) {
		t.Errorf("balance moved %s, refunds %s", moved, want)
	}
	// A cancel now changes nothing and refunds nothing again.
	after := m.Balance("market-main")
	a := c.post("/numbers/orders/"+id+"/cancel", nil)
	if d := mkObj(t, a.data(t)); a.status != 200 || d["status"] != "expired" || !m.Balance("market-main").Equal(after) {
		t.Errorf("cancel of an expired order %d %s", a.status, a.raw)
	}
}

func TestMarketEarlyCancelDeniedIsAnOption(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	m.SetEarlyCancelDenied(true)
	id := strconv.FormatInt(mkNum(mkObj(t, c.buyNumber("early-1").data(t))["id"]), 10)
	e := c.post("/numbers/orders/"+id+"/cancel", nil).wantError(t, 409, "EARLY_CANCEL_DENIED")
	if mkNum(e["wait_seconds"]) != int64(MarketCancelCooldown/time.Second) {
		t.Errorf("wait_seconds %v", e["wait_seconds"])
	}
	c.Advance(MarketCancelCooldown)
	if d := mkObj(t, c.post("/numbers/orders/"+id+"/cancel", nil).data(t)); d["status"] != "cancelled" {
		t.Errorf("after the cooldown %v", d)
	}
	// Off (the default): a cancel right after the purchase goes through.
	m.SetEarlyCancelDenied(false)
	id = strconv.FormatInt(mkNum(mkObj(t, c.buyNumber("early-2").data(t))["id"]), 10)
	if d := mkObj(t, c.post("/numbers/orders/"+id+"/cancel", nil).data(t)); d["status"] != "cancelled" {
		t.Errorf("cancel at once %v", d)
	}
}

func TestMarketNumberErrors(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	c.get("/numbers/orders/1").wantError(t, 404, "NUMBER_ORDER_NOT_FOUND")
	c.get("/numbers/orders/abc").wantError(t, 404, "NUMBER_ORDER_NOT_FOUND")
	c.post("/numbers/orders/1/check", nil).wantError(t, 404, "NUMBER_ORDER_NOT_FOUND")
	c.post("/numbers/orders/1/cancel", nil).wantError(t, 404, "NUMBER_ORDER_NOT_FOUND")

	e := c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 123}).wantError(t, 422, "VALIDATION_FAILED")
	if mkObj(t, e["errors"])["idempotency_key"] == nil {
		t.Errorf("errors %v", e["errors"])
	}
	c.post("/numbers/orders", map[string]any{"service_id": 123, "idempotency_key": "v1"}).wantError(t, 422, "VALIDATION_FAILED")
	c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 999, "idempotency_key": "v2"}).wantError(t, 404, "NUMBER_SERVICE_NOT_FOUND")
	c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 123, "selected_area_codes": []string{"000"},
		"idempotency_key": "v3"}).wantError(t, 422, "VALIDATION_FAILED")
	c.do("POST", "/numbers/orders", nil, func(r *http.Request) {
		r.Body = io.NopCloser(strings.NewReader("{not json"))
		r.Header.Set("Content-Type", "application/json")
	}).wantError(t, 422, "VALIDATION_FAILED")

	count := m.NumberOrders("market-main")
	if err := m.SetStock("numbers", "123", 0); err != nil {
		t.Fatal(err)
	}
	c.buyNumber("v4").wantError(t, 409, "NUMBER_OUT_OF_STOCK")
	m.SetStock("numbers", "123", 5)
	m.SetStock("area", "123:917", 0)
	c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 123, "selected_area_codes": []string{"917"},
		"idempotency_key": "v5"}).wantError(t, 409, "NUMBER_OUT_OF_STOCK")
	m.SetStock("area", "123:917", 2)
	a := c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 123, "selected_area_codes": []string{"917"},
		"idempotency_key": "v6"})
	if o := mkObj(t, a.data(t)); o["area_code"] != "917" || !strings.HasPrefix(o["phone_number"].(string), "+1917") {
		t.Errorf("area order %v", o)
	}

	m.SetBalance("market-main", "10.00")
	e = c.buyNumber("v7").wantError(t, 402, "INSUFFICIENT_BALANCE")
	if e["message"] != "Insufficient wallet balance." {
		t.Errorf("message %v", e["message"])
	}
	if m.NumberOrders("market-main") != count+1 || m.Balance("market-main").StringFixed(2) != "10.00" {
		t.Error("a refused purchase changed state")
	}
	// Another account's order is not found.
	c2 := newMarketSim(t, simcore.Options{Accounts: 2, Quiet: true})
	id := strconv.FormatInt(mkNum(mkObj(t, c2.buyNumber("x").data(t))["id"]), 10)
	c2.key = c2.s.Market.Key("market-alt")
	c2.get("/numbers/orders/"+id).wantError(t, 404, "NUMBER_ORDER_NOT_FOUND")
}

func TestMarketIdempotency(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	before := m.Balance("market-main")
	count := m.NumberOrders("market-main")
	a1 := c.buyNumber("same-key")
	a2 := c.buyNumber("same-key")
	if a1.status != 201 || a2.status != 200 || a2.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("statuses %d %d", a1.status, a2.status)
	}
	o1, o2 := mkObj(t, a1.data(t)), mkObj(t, a2.data(t))
	if o1["id"] != o2["id"] {
		t.Errorf("replay gave another order: %v vs %v", o1["id"], o2["id"])
	}
	if m.NumberOrders("market-main") != count+1 {
		t.Errorf("orders %d, want exactly one more", m.NumberOrders("market-main")-count)
	}
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != o1["price"] {
		t.Errorf("charged %s, want %s once", got, o1["price"])
	}
	// The same key with the service id as a string is the same payload.
	if a := c.post("/numbers/orders", map[string]any{"country_id": "1", "service_id": "123", "idempotency_key": "same-key"}); a.status != 200 {
		t.Errorf("string ids: %d %s", a.status, a.raw)
	}
	// Another payload, or another kind of purchase: reused.
	c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 121, "idempotency_key": "same-key"}).
		wantError(t, 409, "IDEMPOTENCY_KEY_REUSED")
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "same-key"}).
		wantError(t, 409, "IDEMPOTENCY_KEY_REUSED")
	// A failed purchase does not burn its key.
	m.SetBalance("market-main", "1.00")
	c.buyNumber("retry-key").wantError(t, 402, "INSUFFICIENT_BALANCE")
	m.SetBalance("market-main", "50000.00")
	if a := c.buyNumber("retry-key"); a.status != 201 {
		t.Errorf("retry after top-up: %d %s", a.status, a.raw)
	}
}

func TestMarketIdempotencyInProgress(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	before := m.Balance("market-main")
	count := m.NumberOrders("market-main")
	m.SetInProgress("flight-1", 10*time.Second)
	e := c.buyNumber("flight-1").wantError(t, 409, "IDEMPOTENCY_KEY_IN_PROGRESS")
	if r := mkNum(e["retry_after"]); r < 1 || r > 10 {
		t.Errorf("retry_after %v", e["retry_after"])
	}
	c.buyNumber("flight-1").wantError(t, 409, "IDEMPOTENCY_KEY_IN_PROGRESS")
	c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 121, "idempotency_key": "flight-1"}).
		wantError(t, 409, "IDEMPOTENCY_KEY_REUSED")
	if m.NumberOrders("market-main") != count || !m.Balance("market-main").Equal(before) {
		t.Fatal("an in-progress key placed an order early")
	}
	c.Advance(10 * time.Second)
	// The request in flight completed: the order is in the list, charged once.
	if m.NumberOrders("market-main") != count+1 {
		t.Fatalf("orders %d, want one more", m.NumberOrders("market-main")-count)
	}
	newest := mkObj(t, mkArr(t, mkObj(t, c.get("/numbers/orders").data(t))["data"])[0])
	a := c.buyNumber("flight-1")
	if a.status != 200 || mkNum(mkObj(t, a.data(t))["id"]) != mkNum(newest["id"]) {
		t.Errorf("replay after the flight: %d %s", a.status, a.raw)
	}
	if m.NumberOrders("market-main") != count+1 {
		t.Error("the replay placed another order")
	}
	// A window nobody used leaves nothing behind.
	m.SetInProgress("flight-2", time.Second)
	c.Advance(2 * time.Second)
	if a := c.buyNumber("flight-2"); a.status != 201 {
		t.Errorf("after an unused window: %d", a.status)
	}
}

func TestMarketScenarioDeliversCodes(t *testing.T) {
	c := newMarketSim(t, simcore.Options{SMSDelay: [2]time.Duration{2 * time.Second, 3 * time.Second}, NoSMS: 1e-9, SecondSMS: 1e-9})
	id := strconv.FormatInt(mkNum(mkObj(t, c.buyNumber("scn").data(t))["id"]), 10)
	if st, _, _ := c.s.Market.OrderStatus(id); st != "pending" {
		t.Fatalf("status %q", st)
	}
	c.Advance(4 * time.Second)
	o := mkObj(t, c.post("/numbers/orders/"+id+"/check", nil).data(t))
	code, _ := o["code"].(string)
	if o["status"] != "received" || len(code) < 4 || !strings.Contains(o["sms"].(string), code[:2]) {
		t.Errorf("after the plan: %v", o)
	}
}

func TestMarketLivelySpawnsOrders(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Lively: true})
	m := c.s.Market
	n, b := m.NumberOrders("market-main"), m.BoostOrders("market-main")
	c.Advance(2 * time.Minute)
	if m.NumberOrders("market-main") < n+6 {
		t.Errorf("lively: %d new number orders in 2 min", m.NumberOrders("market-main")-n)
	}
	if m.BoostOrders("market-main") <= b {
		t.Error("lively: no new boost order in 2 min")
	}
	received := 0
	for _, it := range mkArr(t, mkObj(t, c.get("/numbers/orders?per_page=100").data(t))["data"]) {
		if mkObj(t, it)["code"] != nil {
			received++
		}
	}
	if received < 3 {
		t.Errorf("only %d orders with a code", received)
	}
}

func TestMarketCheckFetchesWhatTheSupplierHolds(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Quiet: true})
	m := c.s.Market
	id := strconv.FormatInt(mkNum(mkObj(t, c.buyNumber("held-1").data(t))["id"]), 10)
	if err := m.DeliverOnCheck(id, "551208"); err != nil {
		t.Fatal(err)
	}
	// Until a check asks the supplier, nothing shows anywhere.
	if o := mkObj(t, c.get("/numbers/orders/"+id).data(t)); o["status"] != "pending" || o["code"] != nil {
		t.Fatalf("before the check %v", o)
	}
	first := mkObj(t, mkArr(t, mkObj(t, c.get("/numbers/orders").data(t))["data"])[0])
	if first["code"] != nil {
		t.Fatalf("the listing shows a held code: %v", first)
	}
	chk := mkObj(t, c.post("/numbers/orders/"+id+"/check", nil).data(t))
	if chk["status"] != "received" || chk["code"] != "551208" {
		t.Fatalf("check %v", chk)
	}
	if o := mkObj(t, c.get("/numbers/orders/"+id).data(t)); o["code"] != "551208" || len(mkArr(t, o["messages"])) != 1 {
		t.Fatalf("after the check %v", o)
	}
	// A second check fetches nothing new.
	if chk := mkObj(t, c.post("/numbers/orders/"+id+"/check", nil).data(t)); len(mkArr(t, chk["messages"])) != 1 {
		t.Fatalf("second check %v", chk)
	}
	if n := m.Requests("POST", "/numbers/orders/"+id+"/check"); n != 2 {
		t.Fatalf("Requests counted %d checks, want 2", n)
	}
	if n := m.Requests("POST", "/numbers/orders"); n != 1 {
		t.Fatalf("Requests counted %d purchases, want 1", n)
	}
}
