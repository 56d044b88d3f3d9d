package market

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

func TestMarketCredentials(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Accounts: 3})
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
	c := newMarketSim(t, simcore.Options{})
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
	c := newMarketSim(t, simcore.Options{})
	c.get("/nope").wantError(t, 404, "NOT_FOUND")
	a := c.do("DELETE", "/wallet", nil)
	a.wantError(t, 405, "METHOD_NOT_ALLOWED")
	if a.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", a.header.Get("Allow"))
	}
	c.do("GET", "/numbers/orders/1/cancel", nil).wantError(t, 405, "METHOD_NOT_ALLOWED")
}

func TestMarketWallet(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
	d := mkObj(t, c.get("/wallet").data(t))
	mkWantAmount(t, "balance", d["balance"])
	if d["currency"] != "NGN" || !strings.HasPrefix(d["formatted_balance"].(string), "₦") {
		t.Errorf("wallet %v", d)
	}
	if d["balance"] != c.s.Market.Balance("market-main").StringFixed(2) {
		t.Errorf("wallet %v, hook %s", d["balance"], c.s.Market.Balance("market-main"))
	}
}

func TestMarketDecimalComma(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
	m := c.s.Market
	if err := m.SetBalance("market-main", "1234567.89"); err != nil {
		t.Fatal(err)
	}
	m.SetDecimalComma(true)
	d := mkObj(t, c.get("/wallet").data(t))
	if d["balance"] != "1.234.567,89" || d["formatted_balance"] != "₦1.234.567,89" {
		t.Errorf("wallet %v", d)
	}
	for _, it := range mkArr(t, c.get("/numbers/services?country_id=1").data(t)) {
		if s := mkObj(t, it); s["id"] == float64(123) && s["price"] != "1.500,00" {
			t.Errorf("service 123 priced %v, want 1.500,00", s["price"])
		}
	}
	o := mkObj(t, c.buyNumber("comma-1").data(t))
	if o["price"] != "1.500,00" {
		t.Errorf("order price %v", o["price"])
	}
	if err := m.SetBalance("market-main", "7.5"); err != nil {
		t.Fatal(err)
	}
	e := c.post("/numbers/orders", map[string]any{"country_id": 1, "service_id": 123, "idempotency_key": "comma-2"}).
		wantError(t, 402, "INSUFFICIENT_BALANCE")
	if e["required"] != "1.500,00" || e["balance"] != "7,50" {
		t.Errorf("error amounts %v", e)
	}
	m.SetDecimalComma(false)
	if d := mkObj(t, c.get("/wallet").data(t)); d["balance"] != "7.50" || d["formatted_balance"] != "₦7.50" {
		t.Errorf("wallet back to decimal points %v", d)
	}
}

func TestMarketSeedIsDeterministic(t *testing.T) {
	start := time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC)
	a := newMarketSim(t, simcore.Options{Seed: 7, Start: start})
	b := newMarketSim(t, simcore.Options{Seed: 7, Start: start})
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

func TestMarketRateLimit(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Rates: map[backend.ProviderKind]int{backend.Market: 5}})
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
	c2 := newMarketSim(t, simcore.Options{Accounts: 2, Rates: map[backend.ProviderKind]int{backend.Market: 1}})
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
	c := newMarketSim(t, simcore.Options{Quiet: true})
	c.s.Inject(backend.Market, simcore.Fault{Kind: simcore.Fault429, Path: "/wallet", Times: 1, Retry: 7 * time.Second})
	a := c.get("/wallet")
	a.wantError(t, 429, "TOO_MANY_REQUESTS")
	if a.header.Get("Retry-After") != "7" {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	c.s.Inject(backend.Market, simcore.Fault{Kind: simcore.Fault429NoHint, Path: "/wallet", Times: 1})
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
	c.s.Inject(backend.Market, simcore.Fault{Kind: simcore.FaultLoseResponse, Path: "/numbers/orders", Method: "POST", Times: 1})
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
	c.s.Inject(backend.Market, simcore.Fault{Kind: simcore.Fault500, Path: "/wallet", Times: 1})
	if a := c.get("/wallet"); a.status != 500 {
		t.Errorf("fault 500: %d", a.status)
	}
}

func TestMarketSeededStates(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
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
	c := newMarketSim(t, simcore.Options{Quiet: true})
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
