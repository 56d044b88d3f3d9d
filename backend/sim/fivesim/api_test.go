package fivesim

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

func TestFiveSimCredentials(t *testing.T) {
	s, _ := newFiveSimTest(t, simcore.Options{Accounts: 3})
	var got []simcore.Credential
	for _, c := range s.Credentials() {
		if c.Provider == backend.FiveSim {
			got = append(got, c)
		}
	}
	want := []string{"5sim-main", "5sim-alt", "5sim-3"}
	if len(got) != len(want) {
		t.Fatalf("got %d accounts, want %d", len(got), len(want))
	}
	for i, c := range got {
		env := "SIM_FIVESIM_" + strconv.Itoa(i+1) + "_KEY"
		if c.Account != want[i] || c.Fields["api_key_env"] != env || c.Env[env] == "" {
			t.Errorf("credential %d = %+v", i, c)
		}
		if c.Env[env] != s.FiveSim.Key(want[i]) {
			t.Errorf("%s: env key differs from the accepted key", c.Account)
		}
	}
	// The same seed gives the same accounts and state.
	s2, _ := newFiveSimTest(t, simcore.Options{Accounts: 3})
	if s.FiveSim.Key("5sim-alt") != s2.FiveSim.Key("5sim-alt") || s.FiveSim.Balance("5sim-main") != s2.FiveSim.Balance("5sim-main") {
		t.Error("the same seed gave different accounts")
	}
}

func TestFiveSimAuth(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{})
	for _, k := range []string{"", "wrong-key"} {
		r := fsGet(t, s, "/user/profile", k)
		if r.status != http.StatusUnauthorized || len(r.body) != 0 {
			t.Errorf("key %q: got %d %q, want 401 with an empty body", k, r.status, r.body)
		}
	}
	if r := fsGet(t, s, "/user/buy/activation/russia/any/telegram", "nope"); r.status != http.StatusUnauthorized {
		t.Errorf("buy with a bad key: %d", r.status)
	}
	// Guest calls need no key.
	if r := fsGet(t, s, "/guest/countries", ""); r.status != http.StatusOK {
		t.Errorf("guest call without a key: %d %q", r.status, r.body)
	}
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
		t.Errorf("good key: %d", r.status)
	}
}

func TestFiveSimUnknownRouteRedirects(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{})
	for _, path := range []string{"/user/nothing", "/user/check/", "/guest/prices/extra", "/user/payments"} {
		r := fsGet(t, s, path, key)
		if r.status != http.StatusFound || r.header.Get("Location") != "/404" {
			t.Fatalf("%s: got %d Location %q, want 302 to /404", path, r.status, r.header.Get("Location"))
		}
	}
	resp, err := http.Post(s.URL(backend.FiveSim)+"/user/profile", "text/plain", nil)
	if err == nil {
		resp.Body.Close()
		if resp.Request.URL.Path != "/404" {
			t.Errorf("POST to a GET route ended at %s", resp.Request.URL.Path)
		}
	}
	// Following the redirect lands on an HTML page.
	resp, err = http.Get(s.URL(backend.FiveSim) + "/user/unknown")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(string(b), "<!DOCTYPE html>") {
		t.Errorf("404 page: %d %q", resp.StatusCode, b)
	}
}

func TestFiveSimProfileShape(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{})
	m := fsGet(t, s, "/user/profile", key).object(t)
	wantFields(t, m, map[string]string{
		"id": "number", "email": "string", "vendor": "string", "default_forwarding_number": "string",
		"balance": "number", "rating": "number", "default_country": "object",
		"default_operator": "object", "frozen_balance": "number",
	})
	wantFields(t, m["default_country"].(map[string]any), map[string]string{"name": "string", "iso": "string", "prefix": "string"})
	wantFields(t, m["default_operator"].(map[string]any), map[string]string{"name": "string"})
	if !near(m["balance"].(float64), s.FiveSim.Balance("5sim-main")) {
		t.Errorf("balance %v, hook says %v", m["balance"], s.FiveSim.Balance("5sim-main"))
	}
	if !near(m["frozen_balance"].(float64), s.FiveSim.Frozen("5sim-main")) || m["frozen_balance"].(float64) <= 0 {
		t.Errorf("frozen %v: the seeded open orders must be frozen (hook %v)", m["frozen_balance"], s.FiveSim.Frozen("5sim-main"))
	}
	if r := m["rating"].(float64); r <= 0 || r > FiveSimRatingMax {
		t.Errorf("rating %v", r)
	}
}

func TestFiveSimGuestCatalogue(t *testing.T) {
	s, _ := newFiveSimTest(t, simcore.Options{})
	price := func(t *testing.T, m map[string]any) {
		t.Helper()
		wantFields(t, m, map[string]string{"cost": "number", "count": "number"})
		if r, ok := m["rate"]; ok {
			if _, ok := r.(float64); !ok {
				t.Errorf("rate %v", r)
			}
		}
	}
	byCountry := fsGet(t, s, "/guest/prices?country=russia", "").object(t)
	if len(byCountry) != 1 || byCountry["russia"] == nil {
		t.Fatalf("prices by country: keys %v", byCountry)
	}
	tg := byCountry["russia"].(map[string]any)["telegram"].(map[string]any)
	price(t, tg["beeline"].(map[string]any))

	byProduct := fsGet(t, s, "/guest/prices?product=telegram", "").object(t)
	if len(byProduct) != 1 || byProduct["telegram"] == nil {
		t.Fatalf("prices by product: keys %v", byProduct)
	}
	price(t, byProduct["telegram"].(map[string]any)["afghanistan"].(map[string]any)["virtual18"].(map[string]any))

	both := fsGet(t, s, "/guest/prices?country=russia&product=telegram", "").object(t)
	ops := both["russia"].(map[string]any)["telegram"].(map[string]any)
	if len(both) != 1 || len(both["russia"].(map[string]any)) != 1 || len(ops) < 2 {
		t.Fatalf("prices by country and product: %v", both)
	}
	if got := ops["beeline"].(map[string]any)["cost"].(float64); !near(got, s.FiveSim.Price("russia", "beeline", "telegram")) {
		t.Errorf("cost %v differs from the catalogue", got)
	}
	wantText(t, fsGet(t, s, "/guest/prices?country=atlantis", ""), http.StatusBadRequest, "bad country")
	wantText(t, fsGet(t, s, "/guest/prices?product=nosuchapp", ""), http.StatusBadRequest, "no product")

	products := fsGet(t, s, "/guest/products/russia/any", "").object(t)
	wantFields(t, products["telegram"].(map[string]any), map[string]string{"Category": "string", "Qty": "number", "Price": "number"})
	if products["1day"].(map[string]any)["Category"] != "hosting" || products["telegram"].(map[string]any)["Category"] != "activation" {
		t.Errorf("products %v", products)
	}
	wantText(t, fsGet(t, s, "/guest/products/atlantis/any", ""), http.StatusBadRequest, "bad country")
	wantText(t, fsGet(t, s, "/guest/products/russia/nocarrier", ""), http.StatusBadRequest, "bad operator")

	countries := fsGet(t, s, "/guest/countries", "").object(t)
	af := countries["afghanistan"].(map[string]any)
	wantFields(t, af, map[string]string{"iso": "object", "prefix": "object", "text_en": "string", "text_ru": "string", "virtual18": "object"})
	if af["iso"].(map[string]any)["af"] != float64(1) || af["virtual18"].(map[string]any)["activation"] != float64(1) {
		t.Errorf("afghanistan %v", af)
	}
	for _, lang := range []string{"en", "ru"} {
		if m := fsGet(t, s, "/guest/flash/"+lang, "").object(t); m["text"] == "" || m["text"] == nil {
			t.Errorf("flash %s: %v", lang, m)
		}
	}
}

func TestFiveSimRateLimit(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{})
	for i := range FiveSimPerSecond {
		if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := fsGet(t, s, "/guest/countries", key) // guest calls with a key count against it
	wantText(t, r, http.StatusTooManyRequests, "api limit is 100 requests per second")
	if r.header.Get("Retry-After") != "" {
		t.Error("5sim never sends Retry-After")
	}
	if s.RateLimited(backend.FiveSim) != 1 {
		t.Errorf("RateLimited = %d", s.RateLimited(backend.FiveSim))
	}
	s.Advance(time.Second)
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
		t.Fatalf("next second: %d", r.status)
	}

	// Overflowing the window in 5 windows within 10 minutes bans the key.
	strikeOut(t, s, key, "/user/profile", FiveSimPerSecond)
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusTooManyRequests {
		t.Fatalf("banned key answered %d", r.status)
	}
	s.Advance(FiveSimBanFor)
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
		t.Fatalf("after the ban: %d", r.status)
	}
}

// TestFiveSimLimits503: NOTES.md's per-IP limit (guest calls without a
// key) and per-purchase limit answer 503 with a plain-text body and no
// Retry-After; repeated purchase-limit hits ban the key like 429s do.
func TestFiveSimLimits503(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	for range FiveSimPerSecond {
		fsGet(t, s, "/guest/countries", "")
	}
	r := fsGet(t, s, "/guest/countries", "")
	wantText(t, r, http.StatusServiceUnavailable, "ip address limit is 100 requests per second")
	if r.header.Get("Retry-After") != "" {
		t.Error("5sim never sends Retry-After")
	}

	s.FiveSim.SetBalance("5sim-main", 10000)
	orders := s.FiveSim.Orders("5sim-main")
	for i := range FiveSimPurchasesPerSecond {
		if r := fsGet(t, s, "/user/buy/activation/russia/beeline/telegram", key); r.status != http.StatusOK {
			t.Fatalf("purchase %d: %d %q", i+1, r.status, r.body)
		}
	}
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/beeline/telegram", key), http.StatusServiceUnavailable,
		"purchase limit exceeded, try again later")
	wantText(t, fsGet(t, s, "/user/reuse/telegram/79001234567", key), http.StatusServiceUnavailable,
		"purchase limit exceeded, try again later")
	if got := s.FiveSim.Orders("5sim-main"); got != orders+FiveSimPurchasesPerSecond {
		t.Fatalf("%d orders placed, want %d", got-orders, FiveSimPurchasesPerSecond)
	}
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
		t.Fatalf("reads are not purchases: %d", r.status)
	}
	s.Advance(time.Second)
	if r := fsGet(t, s, "/user/buy/hosting/russia/any/3hours", key); r.status != http.StatusOK {
		t.Fatalf("next second: %d %q", r.status, r.body)
	}
	strikeOut(t, s, key, "/user/buy/activation/russia/beeline/telegram", FiveSimPurchasesPerSecond)
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusTooManyRequests {
		t.Fatalf("a key that kept hitting the purchase limit answered %d", r.status)
	}

	// Injected: the next purchases answer the limit whatever their pace.
	s2, key2 := newFiveSimTest(t, simcore.Options{Quiet: true})
	s2.FiveSim.LimitPurchases(2)
	for range 2 {
		wantText(t, fsGet(t, s2, "/user/buy/activation/russia/any/telegram", key2), http.StatusServiceUnavailable,
			"purchase limit exceeded, try again later")
	}
	if r := fsGet(t, s2, "/user/buy/activation/russia/any/telegram", key2); r.status != http.StatusOK || s2.RateLimited(backend.FiveSim) != 2 {
		t.Fatalf("after the injected limits: %d %q (counted %d)", r.status, r.body, s2.RateLimited(backend.FiveSim))
	}
}

// strikeOut overflows a one-second window of perSecond requests in the
// strikes still needed for a ban (one was struck already), then moves on
// a second.
func strikeOut(t *testing.T, s *Sim, key, path string, perSecond int) {
	t.Helper()
	for w := 1; w < FiveSimBanStrikes; w++ {
		s.Advance(time.Second)
		for range perSecond + 1 {
			fsGet(t, s, path, key)
		}
	}
	s.Advance(time.Second)
}

func TestFiveSimRatesOverrideIsPerMinute(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Rates: map[backend.ProviderKind]int{backend.FiveSim: 3}})
	for range 3 {
		if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
	}
	s.Advance(2 * time.Second)
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusTooManyRequests {
		t.Fatalf("4th request in the minute: %d", r.status)
	}
}

func TestFiveSimFaults(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	s.Inject(backend.FiveSim, simcore.Fault{Kind: simcore.Fault429, Path: "/user/profile", Times: 1})
	r := fsGet(t, s, "/user/profile", key)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "" || string(r.body) != "api limit is 100 requests per second" {
		t.Errorf("injected 429: %d %q Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusOK {
		t.Errorf("fault fired twice: %d", r.status)
	}

	// A lost response still places the order: exactly one more.
	n := s.FiveSim.Orders("5sim-main")
	s.Inject(backend.FiveSim, simcore.Fault{Kind: simcore.FaultLoseResponse, Path: "/user/buy/", Times: 1})
	req, _ := http.NewRequest(http.MethodGet, s.URL(backend.FiveSim)+"/user/buy/activation/russia/any/telegram", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	// A fresh connection: Go's transport would silently retry a GET that
	// failed on a reused one.
	once := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := once.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("lost response answered")
	}
	if s.FiveSim.Orders("5sim-main") != n+1 {
		t.Errorf("orders %d → %d, want exactly one more", n, s.FiveSim.Orders("5sim-main"))
	}

	s.Inject(backend.FiveSim, simcore.Fault{Kind: simcore.FaultHTML, Times: 1})
	if r := fsGet(t, s, "/user/profile", key); r.status != http.StatusBadGateway || !strings.Contains(string(r.body), "<html>") {
		t.Errorf("html fault: %d", r.status)
	}
}

func TestFiveSimSeedIsDeterministic(t *testing.T) {
	start := time.Date(2026, 5, 22, 12, 0, 0, 123456789, time.UTC)
	bodies := func() []string {
		s, key := newFiveSimTest(t, simcore.Options{Seed: 7, Start: start, Accounts: 2})
		s.Advance(90 * time.Second)
		var out []string
		for _, path := range []string{"/user/profile", "/user/orders?category=activation&limit=100", "/user/orders?category=hosting",
			"/guest/prices?country=russia", "/guest/products/any/any"} {
			out = append(out, string(fsGet(t, s, path, key).body))
		}
		return out
	}
	a, b := bodies(), bodies()
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("answer %d differs for one seed:\n%s\n%s", i, a[i], b[i])
		}
	}
}
