package nonvoip

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

func TestNonVoipCredentials(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Accounts: 3})
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
	again := newNV(t, simcore.Options{Seed: 1, Accounts: 3})
	other := newNV(t, simcore.Options{Seed: 2})
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
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
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
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
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
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
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

func TestNonVoipRateLimit(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
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
	if other := newNV(t, simcore.Options{Seed: 1, Quiet: true, Accounts: 2}); nvCall(t, other, 1, "/api/balance", nil).status != 200 {
		t.Fatal("per account")
	}
	s.Advance(time.Minute)
	if r := nvCall(t, s, 0, "/api/balance", nil); r.status != 200 {
		t.Fatalf("after the window: %d", r.status)
	}
}

func TestNonVoipFaults(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
	s.Inject(backend.NonVoip, simcore.Fault{Kind: simcore.Fault429, Path: "/api/balance", Times: 1, Retry: 7 * time.Second})
	r := nvCall(t, s, 0, "/api/balance", nil)
	m := r.obj(t)
	if r.status != 429 || m["retryAfter"] != float64(7) || r.header.Get("Retry-After") != "7" || m["limit"] != float64(60) || m["status"] != "error" {
		t.Fatalf("429: %v %v", m, r.header)
	}
	s.Inject(backend.NonVoip, simcore.Fault{Kind: simcore.Fault429NoHint, Path: "/api/balance", Times: 1})
	r = nvCall(t, s, 0, "/api/balance", nil)
	m = r.obj(t)
	if _, has := m["retryAfter"]; r.status != 429 || has || r.header.Get("Retry-After") != "" || r.header.Get("X-RateLimit-Reset") != "" {
		t.Fatalf("429 without hint: %v %v", m, r.header)
	}
	if r := nvCall(t, s, 0, "/api/balance", nil); r.status != 200 {
		t.Fatal("faults fire only the given times")
	}
	s.Inject(backend.NonVoip, simcore.Fault{Kind: simcore.FaultLoseResponse, Path: "/api/order", Times: 1})
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
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true})
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

// TestNonVoipCallbackURLIsTheUsers: saveurl keeps a callback URL per
// user, so one user's saved URL never receives another user's messages
// (before, the last URL saved took every account's callbacks).
func TestNonVoipCallbackURLIsTheUsers(t *testing.T) {
	s := newNV(t, simcore.Options{Seed: 1, Quiet: true, Accounts: 2})
	main, alt := newNVHooks(t, s), &nvHooks{ch: make(chan map[string]any, 8)}
	alt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		alt.ch <- m
	}))
	defer alt.srv.Close()
	// main's events go to the URL every account without its own uses.
	uid := s.NonVoip.UserID("nonvoip-alt")
	if r := nvPost(t, s, "/api/saveurl", map[string]any{"url": alt.srv.URL, "userId": uid}); r.status != 200 {
		t.Fatalf("saveurl %s", r.body)
	}
	s.NonVoip.Deliver(s.NonVoip.OrderIDs("nonvoip-main")[0], "code 1111")
	s.NonVoip.Deliver(s.NonVoip.OrderIDs("nonvoip-alt")[0], "code 2222")
	if m := main.next(t, "incoming_message"); m["message"].(map[string]any)["code"] != "1111" {
		t.Fatalf("main's callback %v", m)
	}
	if m := alt.next(t, "incoming_message"); m["message"].(map[string]any)["code"] != "2222" {
		t.Fatalf("alt's callback %v", m)
	}
	select {
	case m := <-main.ch:
		t.Fatalf("main's URL got another callback: %v", m)
	case m := <-alt.ch:
		t.Fatalf("alt's URL got another callback: %v", m)
	case <-time.After(200 * time.Millisecond):
	}
}
