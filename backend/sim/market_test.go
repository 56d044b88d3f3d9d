package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// mkClient talks raw HTTP to the simulated marketplace.
type mkClient struct {
	t    *testing.T
	s    *Sim
	base string
	key  string
}

func newMarketSim(t *testing.T, opts Options) *mkClient {
	t.Helper()
	opts.Manual = true
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := New(opts)
	t.Cleanup(s.Close)
	return &mkClient{t: t, s: s, base: s.URL(backend.Market), key: s.Market.Key("market-main")}
}

type mkAnswer struct {
	status int
	header http.Header
	body   any
	raw    []byte
}

func (c *mkClient) do(method, path string, body any, edit ...func(*http.Request)) mkAnswer {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for _, e := range edit {
		e(req)
	}
	hc := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := mkAnswer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return a
}

func (c *mkClient) get(path string) mkAnswer { c.t.Helper(); return c.do("GET", path, nil) }
func (c *mkClient) post(path string, body any) mkAnswer {
	c.t.Helper()
	return c.do("POST", path, body)
}

func mkObj(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %#v", v)
	}
	return m
}

func mkArr(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("not a list: %#v", v)
	}
	return a
}

// data is a success answer's "data".
func (a mkAnswer) data(t *testing.T) any {
	t.Helper()
	m := mkObj(t, a.body)
	if m["success"] != true {
		t.Fatalf("not a success (%d): %s", a.status, a.raw)
	}
	return m["data"]
}

// wantError asserts the documented error shape.
func (a mkAnswer) wantError(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	m := mkObj(t, a.body)
	if m["success"] != false || m["code"] != code || m["status"] != float64(status) {
		t.Fatalf("error body %s, want success:false status:%d code:%s", a.raw, status, code)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Fatalf("error without message: %s", a.raw)
	}
	return m
}

var mkAmountTestRe = regexp.MustCompile(`^\d+\.\d{2}$`)

func mkWantAmount(t *testing.T, what string, v any) {
	t.Helper()
	s, ok := v.(string)
	if !ok || !mkAmountTestRe.MatchString(s) {
		t.Errorf("%s = %#v, want a decimal string", what, v)
	}
}

func mkWantTime(t *testing.T, what string, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s = %#v, want an RFC 3339 UTC time", what, v)
	}
	return tm
}

func mkNum(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func (c *mkClient) buyNumber(key string) mkAnswer {
	c.t.Helper()
	return c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 123, "idempotency_key": key})
}

// mkListItems is a list answer's items, whatever its shape.
func mkListItems(t *testing.T, a mkAnswer) []any {
	t.Helper()
	switch b := a.body.(type) {
	case []any:
		return b
	case map[string]any:
		switch d := b["data"].(type) {
		case []any:
			return d
		case map[string]any:
			return mkArr(t, d["data"])
		}
	}
	t.Fatalf("not a list: %s", a.raw)
	return nil
}

// mkRefunds sums refunded_amount over the account's number and boost
// orders.
func mkRefunds(t *testing.T, c *mkClient) decimal.Decimal {
	t.Helper()
	sum := decimal.Zero
	for _, path := range []string{"/numbers/orders?per_page=100", "/boost/orders?per_page=100"} {
		for _, it := range mkListItems(t, c.get(path)) {
			if r, ok := mkObj(t, it)["refunded_amount"].(string); ok {
				sum = sum.Add(decimal.RequireFromString(r))
			}
		}
	}
	return sum
}

func TestMarketCredentials(t *testing.T) {
	c := newMarketSim(t, Options{Accounts: 3})
	var got []string
	for _, cr := range c.s.Credentials() {
		if cr.Provider != backend.Market {
			continue
		}
		got = append(got, cr.Account)
		env := cr.Fields["api_key_env"]
		if !regexp.MustCompile(`^SIM_MARKET_\d_KEY$`).MatchString(env) || cr.Env[env] == "" || cr.Env[env] != c.s.Market.Key(cr.Account) {
			t.Errorf("credential %+v", cr)
		}
	}
	if strings.Join(got, ",") != "market-main,market-alt,market-3" {
		t.Errorf("accounts %v", got)
	}
}

func TestMarketAuth(t *testing.T) {
	c := newMarketSim(t, Options{})
	c.key = ""
	c.get("/wallet").wantError(t, 401, "UNAUTHENTICATED")
	c.key = "1|nope"
	c.get("/wallet").wantError(t, 401, "UNAUTHENTICATED")
	c.post("/numbers/orders", map[string]any{}).wantError(t, 401, "UNAUTHENTICATED")
	// Without Accept: application/json Laravel redirects to the login page.
	a := c.do("GET", "/wallet", nil, func(r *http.Request) { r.Header.Del("Accept") })
	if a.status != http.StatusFound || !strings.HasSuffix(a.header.Get("Location"), "/login") {
		t.Errorf("no Accept: %d %v", a.status, a.header)
	}
	// A good key works, and the throttle headers are there.
	c.key = c.s.Market.Key("market-main")
	a = c.get("/wallet")
	if a.status != 200 || a.header.Get("X-RateLimit-Limit") != strconv.Itoa(MarketPerMinute) || a.header.Get("X-RateLimit-Remaining") == "" {
		t.Errorf("wallet %d %v", a.status, a.header)
	}
	// Blocked accounts.
	if err := c.s.Market.SetBlocked("market-main", "USER_BANNED"); err != nil {
		t.Fatal(err)
	}
	c.get("/wallet").wantError(t, 403, "USER_BANNED")
	c.s.Market.SetBlocked("market-main", "USER_DISABLED")
	c.get("/wallet").wantError(t, 403, "USER_DISABLED")
	c.s.Market.SetBlocked("market-main", "")
	if c.get("/wallet").status != 200 {
		t.Error("unblocked account still refused")
	}
}

func TestMarketRoutesAndMethods(t *testing.T) {
	c := newMarketSim(t, Options{})
	c.get("/nope").wantError(t, 404, "NOT_FOUND")
	a := c.do("DELETE", "/wallet", nil)
	a.wantError(t, 405, "METHOD_NOT_ALLOWED")
	if a.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", a.header.Get("Allow"))
	}
	c.do("GET", "/numbers/orders/1/cancel", nil).wantError(t, 405, "METHOD_NOT_ALLOWED")
}

func TestMarketWallet(t *testing.T) {
	c := newMarketSim(t, Options{})
	d := mkObj(t, c.get("/wallet").data(t))
	mkWantAmount(t, "balance", d["balance"])
	if d["currency"] != "NGN" || !strings.HasPrefix(d["formatted_balance"].(string), "₦") {
		t.Errorf("wallet %v", d)
	}
	if d["balance"] != c.s.Market.Balance("market-main").StringFixed(2) {
		t.Errorf("wallet %v, hook %s", d["balance"], c.s.Market.Balance("market-main"))
	}
}

func TestMarketSeedIsDeterministic(t *testing.T) {
	start := time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC)
	a := newMarketSim(t, Options{Seed: 7, Start: start})
	b := newMarketSim(t, Options{Seed: 7, Start: start})
	if !a.s.Market.Balance("market-main").Equal(b.s.Market.Balance("market-main")) {
		t.Error("balances differ for one seed")
	}
	for _, path := range []string{"/numbers/orders?per_page=100", "/boost/orders?per_page=100", "/logs/orders?per_page=100"} {
		x, _ := json.Marshal(mkListItems(t, a.get(path)))
		y, _ := json.Marshal(mkListItems(t, b.get(path)))
		if string(x) != string(y) {
			t.Errorf("%s differs for one seed", path)
		}
	}
}

func TestMarketNumberCatalogue(t *testing.T) {
	c := newMarketSim(t, Options{})
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
	c := newMarketSim(t, Options{Quiet: true})
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

	// Early cancel is refused with wait_seconds.
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

// Advance moves the manual clock.
func (c *mkClient) Advance(d time.Duration) { c.s.Advance(d) }

func TestMarketNumberCancelRefunds(t *testing.T) {
	c := newMarketSim(t, Options{Quiet: true})
	m := c.s.Market
	before := m.Balance("market-main")
	o := mkObj(t, c.buyNumber("k-cancel").data(t))
	id := strconv.FormatInt(mkNum(o["id"]), 10)
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != o["price"] {
		t.Errorf("debited %s, price %v", got, o["price"])
	}
	c.Advance(MarketCancelCooldown)
	before = m.Balance("market-main") // seeded orders may have moved meanwhile
	a := c.post("/numbers/orders/"+id+"/cancel", nil)
	d := mkObj(t, a.data(t))
	if d["status"] != "cancelled" || d["refunded_amount"] != o["price"] {
		t.Errorf("cancel %v", d)
	}
	if got := m.Balance("market-main").Sub(before).StringFixed(2); got != o["price"] {
		t.Errorf("refunded %s, want %v", got, o["price"])
	}
	after := m.Balance("market-main")
	c.post("/numbers/orders/"+id+"/cancel", nil).wantError(t, 409, "NUMBER_ORDER_NOT_CANCELLABLE")
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
	c := newMarketSim(t, Options{Quiet: true})
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
	c.post("/numbers/orders/"+id+"/cancel", nil).wantError(t, 409, "NUMBER_ORDER_NOT_CANCELLABLE")
}

func TestMarketNumberErrors(t *testing.T) {
	c := newMarketSim(t, Options{Quiet: true})
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
	c2 := newMarketSim(t, Options{Accounts: 2, Quiet: true})
	id := strconv.FormatInt(mkNum(mkObj(t, c2.buyNumber("x").data(t))["id"]), 10)
	c2.key = c2.s.Market.Key("market-alt")
	c2.get("/numbers/orders/"+id).wantError(t, 404, "NUMBER_ORDER_NOT_FOUND")
}

func TestMarketIdempotency(t *testing.T) {
	c := newMarketSim(t, Options{Quiet: true})
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
	c := newMarketSim(t, Options{Quiet: true})
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
	c := newMarketSim(t, Options{SMSDelay: [2]time.Duration{2 * time.Second, 3 * time.Second}, NoSMS: 1e-9, SecondSMS: 1e-9})
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
	c := newMarketSim(t, Options{Lively: true})
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

func TestMarketBoostCatalogue(t *testing.T) {
	c := newMarketSim(t, Options{})
	cats := mkArr(t, c.get("/boost/categories").body) // a bare list
	if len(cats) == 0 || mkObj(t, cats[0])["name"] != "Instagram Followers" {
		t.Fatalf("categories %s", c.get("/boost/categories").raw)
	}
	svcs := mkArr(t, c.get("/boost/services?category=Instagram%20Followers").data(t))
	if len(svcs) != 3 {
		t.Fatalf("services %v", svcs)
	}
	s0 := mkObj(t, svcs[0])
	if s0["id"] != "101" || s0["category"] != "Instagram Followers" || s0["min"] == nil || s0["max"] == nil || s0["currency"] != "NGN" {
		t.Errorf("service %v", s0)
	}
	mkWantAmount(t, "rate", s0["rate"])
	if all := mkArr(t, c.get("/boost/services").data(t)); len(all) <= len(svcs) {
		t.Error("no filter should list every service")
	}
	if none := mkArr(t, c.get("/boost/services?category=Nope").data(t)); len(none) != 0 {
		t.Error("unknown category lists services")
	}
	if d := mkObj(t, c.get("/boost/services/101").data(t)); d["id"] != "101" {
		t.Errorf("detail %v", d)
	}
	c.get("/boost/services/999").wantError(t, 404, "BOOST_SERVICE_NOT_FOUND")
}

func TestMarketBoostOrders(t *testing.T) {
	c := newMarketSim(t, Options{})
	m := c.s.Market
	before := m.Balance("market-main")
	buy := map[string]any{"service_id": "101", "link": "https://instagram.com/p/example", "quantity": 1000,
		"idempotency_key": "boost-order-20260503-0001"}
	a := c.post("/boost/orders", buy)
	if a.status != 201 {
		t.Fatalf("buy %d %s", a.status, a.raw)
	}
	o := mkObj(t, a.data(t))
	id := strconv.FormatInt(mkNum(o["id"]), 10)
	if o["charge"] != "1250.00" || o["quantity"] != float64(1000) || o["remains"] != float64(1000) || o["service_id"] != "101" {
		t.Errorf("order %v", o)
	}
	if st := strings.ToLower(o["status"].(string)); st != "pending" {
		t.Errorf("status %v", o["status"])
	}
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != "1250.00" {
		t.Errorf("debited %s", got)
	}
	if c.post("/boost/orders", buy).status != 200 || m.BoostOrders("market-main") != 8 {
		t.Error("boost replay placed another order")
	}
	// The list is a resource collection with meta.
	l := mkObj(t, c.get("/boost/orders?per_page=5").body)
	if l["success"] != true || len(mkArr(t, l["data"])) != 5 || mkObj(t, l["meta"])["total"] != float64(8) || l["links"] == nil {
		t.Errorf("list %s", c.get("/boost/orders?per_page=5").raw)
	}
	// Cancel while pending: refunded.
	d := mkObj(t, c.post("/boost/orders/"+id+"/cancel", nil).data(t))
	if s := strings.ToLower(d["status"].(string)); s != "canceled" && s != "cancelled" {
		t.Errorf("cancelled status %v", d["status"])
	}
	if !m.Balance("market-main").Equal(before) {
		t.Error("boost cancel did not refund")
	}
	c.post("/boost/orders/"+id+"/cancel", nil).wantError(t, 409, "BOOST_CANCEL_UNAVAILABLE")

	// In progress: rejected by the supplier. Service without cancel: unavailable.
	buy["idempotency_key"] = "b2"
	id2 := strconv.FormatInt(mkNum(mkObj(t, c.post("/boost/orders", buy).data(t))["id"]), 10)
	m.SetBoostState(id2, "processing")
	c.post("/boost/orders/"+id2+"/cancel", nil).wantError(t, 409, "BOOST_CANCEL_REJECTED")
	nocancel := map[string]any{"service_id": 102, "link": "https://instagram.com/p/x", "quantity": 100, "idempotency_key": "b3"}
	id3 := strconv.FormatInt(mkNum(mkObj(t, c.post("/boost/orders", nocancel).data(t))["id"]), 10)
	c.post("/boost/orders/"+id3+"/cancel", nil).wantError(t, 409, "BOOST_CANCEL_UNAVAILABLE")

	c.get("/boost/orders/1").wantError(t, 404, "BOOST_ORDER_NOT_FOUND")
	c.post("/boost/orders/1/check", nil).wantError(t, 404, "BOOST_ORDER_NOT_FOUND")
	c.post("/boost/orders/1/cancel", nil).wantError(t, 404, "BOOST_ORDER_NOT_FOUND")
	c.post("/boost/orders", map[string]any{"service_id": "999", "link": "https://x.io/a", "quantity": 100, "idempotency_key": "b4"}).
		wantError(t, 404, "BOOST_SERVICE_NOT_FOUND")
	c.post("/boost/orders", map[string]any{"service_id": "101", "link": "not a link", "quantity": 100, "idempotency_key": "b5"}).
		wantError(t, 422, "VALIDATION_FAILED")
	c.post("/boost/orders", map[string]any{"service_id": "101", "link": "https://x.io/a", "quantity": 5, "idempotency_key": "b6"}).
		wantError(t, 422, "VALIDATION_FAILED")
	m.SetBalance("market-main", "1.00")
	c.post("/boost/orders", map[string]any{"service_id": "101", "link": "https://x.io/a", "quantity": 100, "idempotency_key": "b7"}).
		wantError(t, 402, "INSUFFICIENT_BALANCE")
}

func TestMarketBoostStatesMove(t *testing.T) {
	c := newMarketSim(t, Options{Seed: 3})
	m := c.s.Market
	m.SetBalance("market-main", "900000.00")
	var ids []string
	for i := range 12 {
		a := c.post("/boost/orders", map[string]any{"service_id": "106", "link": "https://tiktok.com/@a/video/1",
			"quantity": 1000, "idempotency_key": fmt.Sprintf("mv-%d", i)})
		ids = append(ids, strconv.FormatInt(mkNum(mkObj(t, a.data(t))["id"]), 10))
	}
	c.Advance(25 * time.Second)
	moving := 0
	for _, id := range ids {
		o := mkObj(t, c.post("/boost/orders/"+id+"/check", nil).data(t))
		if s := strings.ToLower(o["status"].(string)); s != "pending" {
			moving++
		}
	}
	if moving != len(ids) {
		t.Errorf("%d of %d orders left Pending after 25 s", moving, len(ids))
	}
	c.Advance(4 * time.Minute)
	spell := map[string]bool{}
	final := map[string]int{}
	for _, id := range ids {
		o := mkObj(t, c.get("/boost/orders/"+id).data(t))
		st := o["status"].(string)
		spell[st] = true
		low := strings.ToLower(st)
		final[low]++
		switch low {
		case "completed":
			if o["remains"] != float64(0) {
				t.Errorf("completed with remains %v", o["remains"])
			}
		case "partial":
			if mkNum(o["remains"]) <= 0 || o["refunded_amount"] == nil {
				t.Errorf("partial %v", o)
			}
		case "error":
			if o["refunded_amount"] != o["charge"] {
				t.Errorf("error without full refund %v", o)
			}
		default:
			t.Errorf("order %s still %q after 4 minutes", id, st)
		}
	}
	if final["completed"] == 0 {
		t.Errorf("no order completed: %v", final)
	}
	// Seeded orders cover every state, spelled in more than one style.
	words := map[string]bool{}
	for _, it := range mkArr(t, mkObj(t, newMarketSim(t, Options{Seed: 5}).get("/boost/orders?per_page=100").body)["data"]) {
		words[mkObj(t, it)["status"].(string)] = true
	}
	if len(words) < 6 {
		t.Errorf("seeded boost states %v", words)
	}
}

func TestMarketLogs(t *testing.T) {
	c := newMarketSim(t, Options{})
	m := c.s.Market
	parents := mkArr(t, c.get("/logs/parent-categories").data(t))
	if len(parents) != 5 || mkObj(t, parents[1])["id"] != float64(2) {
		t.Fatalf("parents %v", parents)
	}
	pg := mkObj(t, c.get("/logs/categories?per_page=25&parent_category_id=2").data(t))
	items := mkArr(t, pg["data"])
	if len(items) != 2 || pg["total"] != float64(2) || pg["per_page"] != float64(25) {
		t.Errorf("categories %v", pg)
	}
	for _, it := range items {
		cat := mkObj(t, it)
		if cat["parent_category_id"] != float64(2) || cat["currency"] != "NGN" {
			t.Errorf("category %v", cat)
		}
		mkWantAmount(t, "price", cat["price"])
	}
	all := mkObj(t, c.get("/logs/categories?per_page=5").data(t))
	if all["total"] != float64(12) || all["last_page"] != float64(3) || len(mkArr(t, all["data"])) != 5 {
		t.Errorf("paging %v", all)
	}
	d := mkObj(t, c.get("/logs/categories/12").data(t))
	if d["id"] != float64(12) || d["description"] == nil || mkObj(t, d["parent_category"])["name"] != "Facebook" {
		t.Errorf("detail %v", d)
	}
	c.get("/logs/categories/999").wantError(t, 404, "LOG_CATEGORY_NOT_FOUND")

	before := m.Balance("market-main")
	stock := mkNum(d["stock"])
	a := c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "logs-order-20260503-0001"})
	if a.status != 201 {
		t.Fatalf("buy %d %s", a.status, a.raw)
	}
	o := mkObj(t, a.data(t))
	if o["total"] != d["price"] || o["quantity"] != float64(1) {
		t.Errorf("order %v", o)
	}
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != d["price"] {
		t.Errorf("debited %s, price %v", got, d["price"])
	}
	if now := mkNum(mkObj(t, c.get("/logs/categories/12").data(t))["stock"]); now != stock-1 {
		t.Errorf("stock %d → %d", stock, now)
	}
	l := mkObj(t, c.get("/logs/orders?per_page=25").body)
	if l["success"] != true || mkObj(t, l["meta"])["total"] != float64(4) || mkNum(mkObj(t, mkArr(t, l["data"])[0])["id"]) != mkNum(o["id"]) {
		t.Errorf("orders %v", l)
	}
	m.SetStock("logs", "12", 0)
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "l2"}).wantError(t, 409, "OUT_OF_STOCK")
	c.post("/logs/orders", map[string]any{"category_id": 999, "quantity": 1, "idempotency_key": "l3"}).wantError(t, 404, "LOG_CATEGORY_NOT_FOUND")
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 0, "idempotency_key": "l4"}).wantError(t, 422, "VALIDATION_FAILED")
	m.SetStock("logs", "12", 10)
	m.SetBalance("market-main", "1.00")
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "l5"}).wantError(t, 402, "INSUFFICIENT_BALANCE")
}

func TestMarketRateLimit(t *testing.T) {
	c := newMarketSim(t, Options{Rates: map[backend.ProviderKind]int{backend.Market: 5}})
	for i := range 5 {
		if a := c.get("/wallet"); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != strconv.Itoa(4-i) {
			t.Fatalf("request %d: %d remaining %q", i, a.status, a.header.Get("X-RateLimit-Remaining"))
		}
	}
	a := c.get("/wallet")
	a.wantError(t, 429, "TOO_MANY_REQUESTS")
	retry, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 60 || a.header.Get("X-RateLimit-Reset") == "" {
		t.Errorf("429 headers %v", a.header)
	}
	if c.s.RateLimited(backend.Market) != 1 {
		t.Errorf("limited count %d", c.s.RateLimited(backend.Market))
	}
	// Another key has its own budget.
	c2 := newMarketSim(t, Options{Accounts: 2, Rates: map[backend.ProviderKind]int{backend.Market: 1}})
	c2.get("/wallet")
	c2.get("/wallet").wantError(t, 429, "TOO_MANY_REQUESTS")
	c2.key = c2.s.Market.Key("market-alt")
	if c2.get("/wallet").status != 200 {
		t.Error("one key's limit blocked another")
	}
	c.Advance(time.Minute)
	if c.get("/wallet").status != 200 {
		t.Error("still limited in the next window")
	}
}

func TestMarketFaults(t *testing.T) {
	c := newMarketSim(t, Options{Quiet: true})
	c.s.Inject(backend.Market, Fault{Kind: Fault429, Path: "/wallet", Times: 1, Retry: 7 * time.Second})
	a := c.get("/wallet")
	a.wantError(t, 429, "TOO_MANY_REQUESTS")
	if a.header.Get("Retry-After") != "7" {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	c.s.Inject(backend.Market, Fault{Kind: Fault429NoHint, Path: "/wallet", Times: 1})
	a = c.get("/wallet")
	a.wantError(t, 429, "TOO_MANY_REQUESTS")
	if a.header.Get("Retry-After") != "" || a.header.Get("X-RateLimit-Reset") != "" {
		t.Errorf("hint sent on a no-hint 429: %v", a.header)
	}
	if c.get("/wallet").status != 200 {
		t.Error("fault did not clear")
	}
	// A lost answer still places the order: exactly one more, charged once.
	m := c.s.Market
	count, before := m.NumberOrders("market-main"), m.Balance("market-main")
	c.s.Inject(backend.Market, Fault{Kind: FaultLoseResponse, Path: "/numbers/orders", Method: "POST", Times: 1})
	req, _ := http.NewRequest("POST", c.base+"/numbers/orders", strings.NewReader(`{"country_id":1,"service_id":123,"idempotency_key":"lost-1"}`))
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the answer was not lost")
	}
	if m.NumberOrders("market-main") != count+1 {
		t.Fatalf("orders %d, want one more", m.NumberOrders("market-main")-count)
	}
	// Re-sending with the same key returns that order and charges nothing more.
	a = c.buyNumber("lost-1")
	if a.status != 200 || m.NumberOrders("market-main") != count+1 {
		t.Errorf("resend %d, orders +%d", a.status, m.NumberOrders("market-main")-count)
	}
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != mkObj(t, a.data(t))["price"] {
		t.Errorf("charged %s", got)
	}
	c.s.Inject(backend.Market, Fault{Kind: Fault500, Path: "/wallet", Times: 1})
	if a := c.get("/wallet"); a.status != 500 {
		t.Errorf("fault 500: %d", a.status)
	}
}

func TestMarketSeededStates(t *testing.T) {
	c := newMarketSim(t, Options{})
	seen := map[string]bool{}
	for _, it := range mkArr(t, mkObj(t, c.get("/numbers/orders?per_page=100").data(t))["data"]) {
		o := mkObj(t, it)
		seen[o["status"].(string)] = true
		if o["status"] == "received" && o["code"] == nil {
			t.Errorf("received without code %v", o)
		}
	}
	for _, st := range []string{"pending", "received", "completed", "cancelled", "expired"} {
		if !seen[st] {
			t.Errorf("no seeded %s number order (%v)", st, seen)
		}
	}
	logs := map[string]bool{}
	for _, it := range mkArr(t, mkObj(t, c.get("/logs/orders").body)["data"]) {
		logs[mkObj(t, it)["status"].(string)] = true
	}
	if !logs["completed"] || !logs["processing"] {
		t.Errorf("logs states %v", logs)
	}
	c.Advance(time.Minute)
	for _, it := range mkArr(t, mkObj(t, c.get("/logs/orders").body)["data"]) {
		if o := mkObj(t, it); o["status"] != "completed" || len(mkArr(t, o["items"])) != int(mkNum(o["quantity"])) {
			t.Errorf("logs order after a minute %v", o)
		}
	}
}

func TestMarketHooks(t *testing.T) {
	c := newMarketSim(t, Options{Quiet: true})
	m := c.s.Market
	if err := m.Deliver("nope", "1"); err == nil {
		t.Error("Deliver to a bad id")
	}
	if err := m.SetStock("numbers", "99999", 1); err == nil {
		t.Error("SetStock of an unknown service")
	}
	if err := m.SetBoostState("1", "processing"); err == nil {
		t.Error("SetBoostState of an unknown order")
	}
	if _, _, ok := m.OrderStatus("1"); ok {
		t.Error("OrderStatus of an unknown order")
	}
	if !m.Balance("nobody").IsZero() || m.NumberOrders("nobody") != 0 || m.Key("nobody") != "" {
		t.Error("hooks invent an account")
	}
	id := strconv.FormatInt(mkNum(mkObj(t, c.buyNumber("h").data(t))["id"]), 10)
	m.Deliver(id, "Your code: 7788 for Example")
	o := mkObj(t, c.get("/numbers/orders/"+id).data(t))
	if o["code"] != "7788" || o["sms"] != "Your code: 7788 for Example" {
		t.Errorf("deliver text %v", o)
	}
	if st, exp, ok := m.OrderStatus(id); !ok || st != "received" || exp.IsZero() {
		t.Errorf("OrderStatus %q %v %v", st, exp, ok)
	}
}
