package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
)

type nvResp struct {
	status int
	header http.Header
	body   []byte
}

func (r nvResp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func nvDo(t *testing.T, req *http.Request) nvResp {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return nvResp{status: resp.StatusCode, header: resp.Header, body: b}
}

func nvPost(t *testing.T, s *Sim, path string, body map[string]any) nvResp {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL(backend.NonVoip)+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return nvDo(t, req)
}

// nvCall posts JSON with account i's credentials plus fields.
func nvCall(t *testing.T, s *Sim, i int, path string, fields map[string]any) nvResp {
	t.Helper()
	c := s.Credentials()
	var creds []Credential
	for _, x := range c {
		if x.Provider == backend.NonVoip {
			creds = append(creds, x)
		}
	}
	body := map[string]any{"email": creds[i].Fields["email"], "password": nvPassword(creds[i])}
	for k, v := range fields {
		body[k] = v
	}
	return nvPost(t, s, path, body)
}

func nvPassword(c Credential) string { return c.Env[c.Fields["password_env"]] }

func nvMain(t *testing.T, s *Sim) Credential {
	t.Helper()
	for _, c := range s.Credentials() {
		if c.Provider == backend.NonVoip && c.Account == "nonvoip-main" {
			return c
		}
	}
	t.Fatal("no nonvoip-main")
	return Credential{}
}

func newNV(t *testing.T, opts Options) *Sim {
	t.Helper()
	opts.Manual = true
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 5, 17, 7, 20, 0, 0, time.UTC)
	}
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

func nvWant(t *testing.T, r nvResp, status int, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	m := r.obj(t)
	if m["status"] != "error" || m["message"] != message {
		t.Fatalf("body %s, want error %q", r.body, message)
	}
}

// nvFirst is message[0] of a success answer.
func nvFirst(t *testing.T, r nvResp) map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	m := r.obj(t)
	list, ok := m["message"].([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("message is not a non-empty list: %s", r.body)
	}
	return list[0].(map[string]any)
}

func nvClose(a, b float64) bool { return a-b < 0.0001 && b-a < 0.0001 }

func nvOrderID(t *testing.T, v any) string {
	t.Helper()
	switch id := v.(type) {
	case float64:
		return strconv.Itoa(int(id))
	case string:
		return id
	}
	t.Fatalf("order_id %v (%T)", v, v)
	return ""
}

func TestNonVoipCredentials(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Accounts: 3})
	var names []string
	for i, c := range s.Credentials() {
		_ = i
		if c.Provider != backend.NonVoip {
			continue
		}
		names = append(names, c.Account)
		env := c.Fields["password_env"]
		if !strings.HasPrefix(env, "SIM_NONVOIP_") || !strings.HasSuffix(env, "_PASSWORD") || c.Env[env] == "" ||
			!strings.Contains(c.Fields["email"], "@") {
			t.Fatalf("credential %+v", c)
		}
	}
	if strings.Join(names, ",") != "nonvoip-main,nonvoip-alt,nonvoip-3" {
		t.Fatalf("accounts %v", names)
	}
	if nvMain(t, s).Fields["password_env"] != "SIM_NONVOIP_1_PASSWORD" {
		t.Fatal("first account's password env")
	}
	again := newNV(t, Options{Seed: 1, Accounts: 3})
	other := newNV(t, Options{Seed: 2})
	if nvPassword(nvMain(t, s)) != nvPassword(nvMain(t, again)) || nvMain(t, s).Fields["email"] != nvMain(t, again).Fields["email"] {
		t.Fatal("credentials differ for the same seed")
	}
	if nvPassword(nvMain(t, s)) == nvPassword(nvMain(t, other)) {
		t.Fatal("credentials equal for different seeds")
	}
	if strings.Join(s.NonVoip.OrderIDs("nonvoip-main"), ",") != strings.Join(again.NonVoip.OrderIDs("nonvoip-main"), ",") {
		t.Fatal("seeded orders differ for the same seed")
	}
}

func TestNonVoipAuthAndBodies(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
	c := nvMain(t, s)
	email, pw := c.Fields["email"], nvPassword(c)
	base := s.URL(backend.NonVoip)

	nvWant(t, nvPost(t, s, "/api/balance", map[string]any{"email": email, "password": "wrong"}), 400, "Wrong Auth")
	nvWant(t, nvPost(t, s, "/api/balance", map[string]any{}), 400, "Wrong Auth")
	nvWant(t, nvPost(t, s, "/api/getsms", map[string]any{"email": "nobody@example.net", "password": pw, "order_id": "1"}), 400, "Wrong Auth")

	r := nvPost(t, s, "/api/balance", map[string]any{"email": strings.ToUpper(email), "password": pw})
	m := r.obj(t)
	if r.status != 200 || m["status"] != "success" {
		t.Fatalf("json: %d %s", r.status, r.body)
	}
	bal, ok := m["balance"].(string)
	if !ok || len(bal) < 4 || bal[len(bal)-3] != '.' {
		t.Fatalf("balance must be a string with two decimals: %v", m["balance"])
	}
	if f, _ := strconv.ParseFloat(bal, 64); !nvClose(f, s.NonVoip.Balance("nonvoip-main")) {
		t.Fatalf("balance %s vs hook %v", bal, s.NonVoip.Balance("nonvoip-main"))
	}

	form := url.Values{"email": {email}, "password": {pw}}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/balance", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := nvDo(t, req); r.status != 200 || r.obj(t)["balance"] != bal {
		t.Fatalf("form: %d %s", r.status, r.body)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("email", email)
	mw.WriteField("password", pw)
	mw.Close()
	req, _ = http.NewRequest(http.MethodPost, base+"/api/balance", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r := nvDo(t, req); r.status != 200 || r.obj(t)["balance"] != bal {
		t.Fatalf("multipart: %d %s", r.status, r.body)
	}
	// Credentials in the query string are not the body.
	req, _ = http.NewRequest(http.MethodPost, base+"/api/balance?"+form.Encode(), nil)
	nvWant(t, nvDo(t, req), 400, "Wrong Auth")

	// Every API answer carries the rate headers.
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if r.header.Get(h) == "" {
			t.Fatalf("missing %s", h)
		}
	}
	if _, err := time.Parse(time.RFC3339, r.header.Get("X-RateLimit-Reset")); err != nil {
		t.Fatalf("reset %q: %v", r.header.Get("X-RateLimit-Reset"), err)
	}
}

func TestNonVoipRoutesAndMethods(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
	base := s.URL(backend.NonVoip)
	req, _ := http.NewRequest(http.MethodGet, base+"/api/balance", nil)
	r := nvDo(t, req)
	if r.status != 405 || r.obj(t)["status"] != "error" || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
	nvWant(t, nvCall(t, s, 0, "/api/nope", nil), 404, "Not Found")
	req, _ = http.NewRequest(http.MethodGet, base+"/dashboard", nil)
	if r := nvDo(t, req); r.status != 404 || !strings.Contains(string(r.body), "<html>") {
		t.Fatalf("page: %d %s", r.status, r.body)
	}
}

func TestNonVoipProducts(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
	m := nvCall(t, s, 0, "/api/products", map[string]any{"grouped": true}).obj(t)
	groups, ok := m["message"].(map[string]any)
	if !ok || m["status"] != "success" {
		t.Fatalf("grouped: %v", m)
	}
	for _, g := range []string{"10-minutes", "30-days", "1-day"} {
		list, _ := groups[g].([]any)
		if len(list) == 0 {
			t.Fatalf("group %s missing", g)
		}
		p := list[0].(map[string]any)
		if _, ok := p["product_id"].(float64); !ok {
			t.Fatalf("product_id not a number: %v", p)
		}
		if _, ok := p["price"].(string); !ok {
			t.Fatalf("price not a string: %v", p)
		}
		if _, ok := p["available"].(float64); !ok || p["name"] == "" {
			t.Fatalf("product %v", p)
		}
		if _, has := p["category"]; has {
			t.Fatalf("grouped items carry no category: %v", p)
		}
	}
	r := nvCall(t, s, 0, "/api/products", map[string]any{"type": "short_term"})
	list := r.obj(t)["message"].([]any)
	for _, it := range list {
		if it.(map[string]any)["category"] != "10-minutes" {
			t.Fatalf("short_term list holds %v", it)
		}
	}
	p := nvFirst(t, nvCall(t, s, 0, "/api/products", map[string]any{"product_id": 10000086}))
	if p["product_id"] != float64(10000086) || p["name"] != "Instagram" || p["price"] != "0.36" || p["category"] != "10-minutes" {
		t.Fatalf("product: %v", p)
	}
	if p := nvFirst(t, nvCall(t, s, 0, "/api/products", map[string]any{"id": "9044"})); p["name"] != "WhatsApp" || p["category"] != "30-days" {
		t.Fatalf("id alias: %v", p)
	}
	nvWant(t, nvCall(t, s, 0, "/api/products", map[string]any{"product_id": 1}), 400, "Product not found.")
	all := nvCall(t, s, 0, "/api/products", nil).obj(t)["message"].([]any)
	if len(all) < 20 {
		t.Fatalf("all products: %d", len(all))
	}
}

func TestNonVoipShortTermOrder(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	s := newNV(t, Options{Seed: 1, Quiet: true})
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

type nvHooks struct {
	srv *httptest.Server
	ch  chan map[string]any
}

func newNVHooks(t *testing.T, s *Sim) *nvHooks {
	h := &nvHooks{ch: make(chan map[string]any, 64)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		m["_ua"] = r.Header.Get("User-Agent")
		h.ch <- m
	}))
	t.Cleanup(h.srv.Close)
	s.SetWebhook(backend.NonVoip, h.srv.URL)
	return h
}

func (h *nvHooks) next(t *testing.T, event string) map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-h.ch:
			if m["event"] == event {
				return m
			}
		case <-deadline:
			t.Fatalf("no %s callback", event)
		}
	}
}

func TestNonVoipPremiumAvailable(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	s := newNV(t, Options{Seed: 1, Quiet: true})
	s.NonVoip.SetBalance("nonvoip-main", 0.10)
	nvWant(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 10000086}), 400, "Insufficient balance.")
	nvWant(t, nvCall(t, s, 0, "/api/country/order", map[string]any{"product_id": 501}), 400, "Insufficient balance.")
	if s.NonVoip.OrderCount("nonvoip-main") != 0 || s.NonVoip.Balance("nonvoip-main") != 0.10 {
		t.Fatal("a refused order spends nothing")
	}
}

func TestNonVoipCountryOrders(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	s := newNV(t, Options{Seed: 1, Quiet: true, Accounts: 2})
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
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
}

func TestNonVoipRenewAndActivate(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	if g := nvCall(t, s, 0, "/api/getsms", map[string]any{"order_id": id}).obj(t); g["sms"] != "" {
		t.Fatalf("a reused order starts without SMS: %v", g)
	}
	rental := nvOrderID(t, nvFirst(t, nvCall(t, s, 0, "/api/order", map[string]any{"product_id": 9044}))["order_id"])
	nvWant(t, nvCall(t, s, 0, "/api/reuse", map[string]any{"order_id": rental}), 400, "Only short-term numbers can be reused.")
}

func TestNonVoipRateLimit(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
	var last nvResp
	for i := range nvRateLimit {
		last = nvCall(t, s, 0, "/api/balance", nil)
		if last.status != 200 {
			t.Fatalf("request %d: %d", i+1, last.status)
		}
		if got := last.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(nvRateLimit-i-1) {
			t.Fatalf("remaining %s after %d", got, i+1)
		}
	}
	if last.header.Get("X-RateLimit-Limit") != "60" {
		t.Fatalf("limit %s", last.header.Get("X-RateLimit-Limit"))
	}
	r := nvCall(t, s, 0, "/api/balance", nil)
	m := r.obj(t)
	if r.status != 429 || m["status"] != "error" || m["message"] == "" || m["limit"] != float64(60) {
		t.Fatalf("429: %d %s", r.status, r.body)
	}
	ra, ok := m["retryAfter"].(float64)
	if !ok || ra <= 0 || ra > 60 || r.header.Get("Retry-After") != strconv.Itoa(int(ra)) || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("429 hint: %v %v", m, r.header)
	}
	if s.RateLimited(backend.NonVoip) != 1 {
		t.Fatal("the sim counts its own 429s")
	}
	// Another account has its own budget; the next window opens again.
	if other := newNV(t, Options{Seed: 1, Quiet: true, Accounts: 2}); nvCall(t, other, 1, "/api/balance", nil).status != 200 {
		t.Fatal("per account")
	}
	s.Advance(time.Minute)
	if r := nvCall(t, s, 0, "/api/balance", nil); r.status != 200 {
		t.Fatalf("after the window: %d", r.status)
	}
}

func TestNonVoipScenarioDeliversAndExpires(t *testing.T) {
	s := newNV(t, Options{Seed: 3, NoSMS: 1e-9, SecondSMS: 1e-9})
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
	q := newNV(t, Options{Seed: 3, Quiet: true})
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
	s := newNV(t, Options{Seed: 1, Quiet: true})
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
	s := newNV(t, Options{Seed: 5, Lively: true})
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

func TestNonVoipFaults(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
	s.Inject(backend.NonVoip, Fault{Kind: Fault429, Path: "/api/balance", Times: 1, Retry: 7 * time.Second})
	r := nvCall(t, s, 0, "/api/balance", nil)
	m := r.obj(t)
	if r.status != 429 || m["retryAfter"] != float64(7) || r.header.Get("Retry-After") != "7" || m["limit"] != float64(60) || m["status"] != "error" {
		t.Fatalf("429: %v %v", m, r.header)
	}
	s.Inject(backend.NonVoip, Fault{Kind: Fault429NoHint, Path: "/api/balance", Times: 1})
	r = nvCall(t, s, 0, "/api/balance", nil)
	m = r.obj(t)
	if _, has := m["retryAfter"]; r.status != 429 || has || r.header.Get("Retry-After") != "" || r.header.Get("X-RateLimit-Reset") != "" {
		t.Fatalf("429 without hint: %v %v", m, r.header)
	}
	if r := nvCall(t, s, 0, "/api/balance", nil); r.status != 200 {
		t.Fatal("faults fire only the given times")
	}
	s.Inject(backend.NonVoip, Fault{Kind: FaultLoseResponse, Path: "/api/order", Times: 1})
	b, _ := json.Marshal(map[string]any{"email": nvMain(t, s).Fields["email"], "password": nvPassword(nvMain(t, s)), "product_id": 10000086})
	req, _ := http.NewRequest(http.MethodPost, s.URL(backend.NonVoip)+"/api/order", bytes.NewReader(b))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the answer should be lost")
	}
	if s.NonVoip.OrderCount("nonvoip-main") != 1 {
		t.Fatal("the order was placed although its answer was lost")
	}
}

func TestNonVoipSaveURL(t *testing.T) {
	s := newNV(t, Options{Seed: 1, Quiet: true})
	hooks := &nvHooks{ch: make(chan map[string]any, 8)}
	hooks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		hooks.ch <- m
	}))
	defer hooks.srv.Close()
	nvWant(t, nvPost(t, s, "/api/saveurl", map[string]any{"url": hooks.srv.URL, "userId": 1}), 404, "User not found.")
	uid := s.NonVoip.UserID("nonvoip-main")
	nvWant(t, nvPost(t, s, "/api/saveurl", map[string]any{"url": "not a url", "userId": uid}), 400, "The url must be a valid URL.")
	r := nvPost(t, s, "/api/saveurl", map[string]any{"url": hooks.srv.URL, "userId": uid})
	if m := r.obj(t); r.status != 200 || m["message"] != "Callback URL saved successfully" {
		t.Fatalf("saveurl %s", r.body)
	}
	id := s.NonVoip.OrderIDs("nonvoip-main")[0]
	s.NonVoip.Deliver(id, "code 4242")
	if m := hooks.next(t, "incoming_message"); m["message"].(map[string]any)["code"] != "4242" {
		t.Fatalf("callback %v", m)
	}
}
