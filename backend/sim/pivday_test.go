package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

var pivStart = time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)

type pivT struct {
	t   *testing.T
	s   *Sim
	key string
}

func newPivT(t *testing.T, opts Options) *pivT {
	t.Helper()
	opts.Manual = true
	if opts.Start.IsZero() {
		opts.Start = pivStart
	}
	s := New(opts)
	t.Cleanup(s.Close)
	return &pivT{t: t, s: s, key: pivKey(t, s, "piv-main")}
}

func pivKey(t *testing.T, s *Sim, account string) string {
	t.Helper()
	for _, c := range s.Credentials() {
		if c.Account == account && c.Provider == backend.PivDay {
			return c.Env[c.Fields["api_key_env"]]
		}
	}
	t.Fatalf("no credentials for %s", account)
	return ""
}

// do sends a request and decodes the JSON answer.
func (p *pivT) do(method, path string, body any) (int, http.Header, map[string]any) {
	p.t.Helper()
	return p.doKey(p.key, method, path, body)
}

func (p *pivT) doKey(key, method, path string, body any) (int, http.Header, map[string]any) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, p.s.URL(backend.PivDay)+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		p.t.Fatalf("%s %s: not JSON (%d): %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header, m
}

// ok asserts a {success:true, data} answer and returns data.
func (p *pivT) ok(method, path string, body any) map[string]any {
	p.t.Helper()
	st, _, m := p.do(method, path, body)
	if st != http.StatusOK && st != http.StatusAccepted {
		p.t.Fatalf("%s %s: %d %v", method, path, st, m)
	}
	if m["success"] != true {
		p.t.Fatalf("%s %s: success = %v", method, path, m["success"])
	}
	d, ok := m["data"].(map[string]any)
	if !ok {
		p.t.Fatalf("%s %s: data is %T", method, path, m["data"])
	}
	return d
}

// fail asserts an error envelope with status and code.
func (p *pivT) fail(method, path string, body any, status int, code string) string {
	p.t.Helper()
	st, _, m := p.do(method, path, body)
	return pivCheckError(p.t, method+" "+path, st, m, status, code)
}

func pivCheckError(t *testing.T, what string, st int, m map[string]any, status int, code string) string {
	t.Helper()
	if st != status {
		t.Fatalf("%s: status %d, want %d (%v)", what, st, status, m)
	}
	pivShape(t, what, m, map[string]string{"success": "bool", "error": "object"})
	if m["success"] != false {
		t.Fatalf("%s: success = %v", what, m["success"])
	}
	e := m["error"].(map[string]any)
	pivShape(t, what+" error", e, map[string]string{"code": "string", "message": "string"})
	if e["code"] != code {
		t.Fatalf("%s: code %v, want %s", what, e["code"], code)
	}
	if e["message"] == "" {
		t.Fatalf("%s: empty message", what)
	}
	return e["message"].(string)
}

// pivShape asserts obj has exactly the given keys with the given JSON types
// ("string", "number", "bool", "null", "array", "object"; "a|b" allows
// either).
func pivShape(t *testing.T, what string, obj map[string]any, spec map[string]string) {
	t.Helper()
	var got, want []string
	for k := range obj {
		got = append(got, k)
	}
	for k := range spec {
		want = append(want, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: fields %v, want %v", what, got, want)
	}
	for k, kinds := range spec {
		kind := "null"
		switch obj[k].(type) {
		case string:
			kind = "string"
		case float64:
			kind = "number"
		case bool:
			kind = "bool"
		case []any:
			kind = "array"
		case map[string]any:
			kind = "object"
		}
		if !strings.Contains("|"+kinds+"|", "|"+kind+"|") {
			t.Fatalf("%s: %s is %s (%v), want %s", what, k, kind, obj[k], kinds)
		}
	}
}

func pivTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad timestamp %v", v)
	}
	return tm
}

func objs(v any) []map[string]any {
	var out []map[string]any
	for _, x := range v.([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

var (
	pivNumberShape = map[string]string{"piv_num_id": "string", "phone_number": "string", "country_code": "string",
		"status": "string", "created_at": "string", "expires_at": "string", "auto_renew": "bool",
		"custom_name": "string|null", "purchased_at": "string", "next_renewal_date": "string", "tags": "array",
		"can_send_sms": "bool", "can_receive_sms": "bool"}
	pivPaginationShape = map[string]string{"total": "number", "limit": "number", "offset": "number"}
	pivDomainShape     = map[string]string{"id": "string", "domain_name": "string", "status": "string",
		"registered_at": "string|null", "expires_at": "string|null", "auto_renew": "bool", "cloudflare_enabled": "bool",
		"cloudflare_status": "string|null", "ssl_type": "string|null", "ssl_status": "string|null", "ssl_mode": "string|null",
		"ssl_expires_at": "string|null", "created_at": "string", "updated_at": "string"}
	pivWhiteShape = map[string]string{"id": "string", "name": "string", "status": "number", "tier_key": "string",
		"quality": "string", "niche": "string", "country": "string", "language": "string", "domain": "string|null",
		"result_url": "string|null", "created_at": "string"}
	pivProxyShape = map[string]string{"id": "string", "country": "string", "quantity": "number", "price_per_proxy": "number",
		"price_total": "number", "status": "string", "purchased_at": "string", "expires_at": "string"}
	pivProxyItemShape = map[string]string{"login": "string", "password": "string", "host": "string",
		"socks5_port": "number", "http_port": "number", "ipv6": "string"}
)

// hooks collects webhooks.
type pivHooks struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	uas  []string
	ctyp []string
}

func (p *pivT) hooks() *pivHooks {
	h := &pivHooks{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		h.mu.Lock()
		h.got = append(h.got, m)
		h.uas = append(h.uas, r.Header.Get("User-Agent"))
		h.ctyp = append(h.ctyp, r.Header.Get("Content-Type"))
		h.mu.Unlock()
	}))
	p.t.Cleanup(h.srv.Close)
	p.s.SetWebhook(backend.PivDay, h.srv.URL)
	return h
}

// wait returns the first event of that type matching ok.
func (h *pivHooks) wait(t *testing.T, event string, ok func(data map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for i, m := range h.got {
			if m["event_type"] != event {
				continue
			}
			d, _ := m["data"].(map[string]any)
			if ok == nil || ok(d) {
				if h.uas[i] != "piv.day-webhook/1.0" || h.ctyp[i] != "application/json" {
					t.Errorf("%s: User-Agent %q, Content-Type %q", event, h.uas[i], h.ctyp[i])
				}
				pivShape(t, event+" envelope", m, map[string]string{"event_type": "string", "timestamp": "string", "data": "object"})
				h.mu.Unlock()
				return d
			}
		}
		h.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s webhook", event)
	return nil
}

// --- tests --------------------------------------------------------------------

func TestPivDayAuthAndRoutes(t *testing.T) {
	p := newPivT(t, Options{Seed: 1})
	for _, key := range []string{"", "piv_live_wrong"} {
		st, _, m := p.doKey(key, "GET", "/account", nil)
		pivCheckError(t, "auth "+key, st, m, http.StatusUnauthorized, "UNAUTHORIZED")
	}
	p.fail("GET", "/nope", nil, http.StatusNotFound, "NOT_FOUND")
	d := p.ok("GET", "/account", nil)
	pivShape(t, "account", d, map[string]string{"user_id": "string", "balance": "number", "email": "string",
		"team_id": "null", "is_team_member": "bool"})
	if d["balance"].(float64) != p.s.PivDay.Balance("piv-main") || d["balance"].(float64) <= 0 {
		t.Errorf("balance = %v", d["balance"])
	}
}

func TestPivDayCredentialsAndDeterminism(t *testing.T) {
	p := newPivT(t, Options{Seed: 7, Accounts: 3})
	var names []string
	for _, c := range p.s.Credentials() {
		if c.Provider != backend.PivDay {
			continue
		}
		names = append(names, c.Account)
		env := c.Fields["api_key_env"]
		if !strings.HasPrefix(env, "SIM_PIVDAY_") || !strings.HasSuffix(env, "_KEY") || c.Env[env] == "" || len(c.Env) != 1 {
			t.Errorf("credential %+v", c)
		}
	}
	if strings.Join(names, ",") != "piv-main,piv-alt,piv-3" {
		t.Errorf("accounts = %v", names)
	}
	// Keys are per account: the alt key sees the alt account's numbers.
	alt := pivKey(t, p.s, "piv-alt")
	_, _, m := p.doKey(alt, "GET", "/numbers?limit=200", nil)
	ids := map[string]bool{}
	for _, n := range objs(m["data"].(map[string]any)["numbers"]) {
		ids[n["piv_num_id"].(string)] = true
	}
	for _, id := range p.s.PivDay.NumberIDs("piv-main") {
		if ids[id] {
			t.Fatal("accounts share numbers")
		}
	}
	same := New(Options{Seed: 7, Accounts: 3, Manual: true, Start: pivStart})
	defer same.Close()
	other := New(Options{Seed: 8, Accounts: 3, Manual: true, Start: pivStart})
	defer other.Close()
	a, b, c := p.s.PivDay.NumberIDs("piv-main"), same.PivDay.NumberIDs("piv-main"), other.PivDay.NumberIDs("piv-main")
	if strings.Join(a, ",") != strings.Join(b, ",") || strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("seeding not deterministic per seed: %v %v %v", a, b, c)
	}
}

func TestPivDayCountries(t *testing.T) {
	p := newPivT(t, Options{Seed: 1})
	st, _, m := p.do("GET", "/numbers/countries", nil)
	if st != 200 || m["success"] != true {
		t.Fatalf("%d %v", st, m)
	}
	list := objs(m["data"])
	if len(list) < 3 {
		t.Fatalf("countries = %v", list)
	}
	seen := map[string]map[string]any{}
	for _, c := range list {
		pivShape(t, "country", c, map[string]string{"country_code": "string", "price_per_month": "number",
			"base_price": "number", "can_send_sms": "bool", "can_receive_sms": "bool", "sms_send_price": "number|null"})
		if (c["sms_send_price"] == nil) == (c["can_send_sms"] == true) {
			t.Errorf("sms_send_price must be null exactly when sending is off: %v", c)
		}
		seen[c["country_code"].(string)] = c
	}
	if seen["SE"]["price_per_month"] != 4.0 || seen["SE"]["base_price"] != 5.0 {
		t.Errorf("SE = %v", seen["SE"])
	}
}

func TestPivDayNumbersListFiltersAndPaging(t *testing.T) {
	p := newPivT(t, Options{Seed: 1})
	d := p.ok("GET", "/numbers", nil)
	pivShape(t, "numbers page", d, map[string]string{"numbers": "array", "pagination": "object"})
	pivShape(t, "pagination", d["pagination"].(map[string]any), pivPaginationShape)
	all := objs(d["numbers"])
	states := map[string]int{}
	for _, n := range all {
		pivShape(t, "number", n, pivNumberShape)
		states[n["status"].(string)]++
	}
	if states["active"] < 3 || states["expired"] < 2 || states["pending_restore"] < 1 {
		t.Errorf("states = %v", states)
	}
	if pg := d["pagination"].(map[string]any); pg["total"] != float64(len(all)) || pg["limit"] != 50.0 || pg["offset"] != 0.0 {
		t.Errorf("pagination = %v", pg)
	}
	// Newest first.
	for i := 1; i < len(all); i++ {
		if pivTime(t, all[i-1]["created_at"]).Before(pivTime(t, all[i]["created_at"])) {
			t.Fatal("numbers not newest first")
		}
	}
	// Paging with offset walks the same list.
	var walked []string
	for off := 0; ; off += 3 {
		pg := p.ok("GET", "/numbers?limit=3&offset="+strconv.Itoa(off), nil)
		page := objs(pg["numbers"])
		for _, n := range page {
			walked = append(walked, n["piv_num_id"].(string))
		}
		if len(page) < 3 {
			break
		}
	}
	if len(walked) != len(all) || walked[0] != all[0]["piv_num_id"] {
		t.Errorf("paging walked %d of %d", len(walked), len(all))
	}
	for _, n := range objs(p.ok("GET", "/numbers?status=expired", nil)["numbers"]) {
		if n["status"] != "expired" {
			t.Errorf("status filter let through %v", n["status"])
		}
	}
	se := objs(p.ok("GET", "/numbers?country=SE", nil)["numbers"])
	if len(se) < 1 {
		t.Error("country filter found no SE number")
	}
	for _, n := range se {
		if n["country_code"] != "SE" {
			t.Errorf("country filter let through %v", n["country_code"])
		}
	}
	found := objs(p.ok("GET", "/numbers?search=office", nil)["numbers"])
	if len(found) != 1 || found[0]["custom_name"] != "Office line" || objs0(found[0]["tags"]) != "support" {
		t.Errorf("search = %v", found)
	}
	p.fail("GET", "/numbers?limit=201", nil, 400, "VALIDATION_ERROR")
	p.fail("GET", "/numbers?limit=abc", nil, 400, "VALIDATION_ERROR")
	p.fail("GET", "/numbers?status=gone", nil, 400, "VALIDATION_ERROR")
	if n := objs(p.ok("GET", "/numbers?limit=200", nil)["numbers"]); len(n) != len(all) {
		t.Errorf("limit=200 gave %d", len(n))
	}
}

func objs0(v any) string {
	if a, ok := v.([]any); ok && len(a) > 0 {
		s, _ := a[0].(string)
		return s
	}
	return ""
}

func (p *pivT) numberWith(status, country string) map[string]any {
	p.t.Helper()
	for _, n := range objs(p.ok("GET", "/numbers?limit=200", nil)["numbers"]) {
		if n["status"] == status && (country == "" || n["country_code"] == country) {
			return n
		}
	}
	p.t.Fatalf("no %s %s number", status, country)
	return nil
}

func TestPivDayNumberGetAndSMS(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	n := p.numberWith("active", "SE")
	id := n["piv_num_id"].(string)
	got := p.ok("GET", "/numbers/"+id, nil)
	pivShape(t, "number", got, pivNumberShape)
	if got["phone_number"] != n["phone_number"] {
		t.Errorf("get = %v", got)
	}
	p.fail("GET", "/numbers/nope1-nope2-nope3-nope4", nil, 404, "NUMBER_NOT_FOUND")
	p.fail("GET", "/numbers/nope1-nope2-nope3-nope4/sms", nil, 404, "NUMBER_NOT_FOUND")

	d := p.ok("GET", "/numbers/"+id+"/sms", nil)
	pivShape(t, "sms page", d, map[string]string{"messages": "array", "pagination": "object"})
	msgs := objs(d["messages"])
	dirs := map[string]bool{}
	for _, m := range msgs {
		pivShape(t, "sms", m, map[string]string{"id": "string", "from_number": "string", "to_number": "string",
			"message_body": "string", "direction": "string", "status": "string", "received_at": "string"})
		dirs[m["direction"].(string)] = true
	}
	if !dirs["inbound"] || !dirs["outbound"] {
		t.Errorf("directions = %v", dirs)
	}
	p.s.Advance(2 * time.Second)
	if err := p.s.PivDay.Deliver(id, "Your verification code is 123456"); err != nil {
		t.Fatal(err)
	}
	if p.s.PivDay.Deliver("nope", "x") == nil {
		t.Error("Deliver to an unknown number succeeded")
	}
	d = p.ok("GET", "/numbers/"+id+"/sms?limit=1", nil)
	first := objs(d["messages"])
	if len(first) != 1 || first[0]["message_body"] != "Your verification code is 123456" || first[0]["direction"] != "inbound" ||
		first[0]["to_number"] != n["phone_number"] {
		t.Errorf("newest = %v", first)
	}
	if pg := d["pagination"].(map[string]any); pg["total"] != float64(len(msgs)+1) || pg["limit"] != 1.0 {
		t.Errorf("pagination = %v", pg)
	}
	second := objs(p.ok("GET", "/numbers/"+id+"/sms?limit=1&offset=1", nil)["messages"])
	if len(second) != 1 || second[0]["id"] != msgs[0]["id"] {
		t.Errorf("offset=1 = %v, want %v", second, msgs[0])
	}
	for i := 1; i < len(msgs); i++ {
		if pivTime(t, msgs[i-1]["received_at"]).Before(pivTime(t, msgs[i]["received_at"])) {
			t.Error("sms not newest first")
		}
	}
	p.fail("GET", "/numbers/"+id+"/sms?limit=500", nil, 400, "VALIDATION_ERROR")
}

func TestPivDayPurchaseNumber(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	before := pd.Balance("piv-main")
	st, _, m := p.do("POST", "/numbers/purchase", map[string]any{"country_code": "SE", "duration_months": 2,
		"auto_renew": true, "custom_name": "My Sweden Number"})
	if st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	pivShape(t, "purchase", m, map[string]string{"success": "bool", "cost": "number", "numbers": "array"})
	if m["cost"] != 8.0 || pd.Balance("piv-main") != money(before-8) || pd.Purchases("piv-main") != 1 {
		t.Errorf("cost %v, balance %v → %v, purchases %d", m["cost"], before, pd.Balance("piv-main"), pd.Purchases("piv-main"))
	}
	nums := objs(m["numbers"])
	pivShape(t, "purchased number", nums[0], map[string]string{"piv_num_id": "string", "country_code": "string",
		"phone_number": "string", "created_at": "string", "expires_at": "string", "auto_renew": "bool", "custom_name": "string|null"})
	if !strings.HasPrefix(nums[0]["phone_number"].(string), "+46") || nums[0]["custom_name"] != "My Sweden Number" || nums[0]["auto_renew"] != true {
		t.Errorf("number = %v", nums[0])
	}
	if exp := pivTime(t, nums[0]["expires_at"]); !exp.Equal(pivStart.Add(60 * 24 * time.Hour)) {
		t.Errorf("expires = %v", exp)
	}
	id := nums[0]["piv_num_id"].(string)
	if st, _, ok := pd.Number(id); !ok || st != "active" {
		t.Errorf("new number %s: %v", st, ok)
	}

	bal := pd.Balance("piv-main")
	p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "XX", "duration_months": 1, "auto_renew": false}, 400, "COUNTRY_NOT_AVAILABLE")
	p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "CA", "duration_months": 1, "auto_renew": false}, 400, "NO_NUMBERS_AVAILABLE")
	pd.SetStock("GB", 0)
	p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "GB", "duration_months": 1, "auto_renew": false}, 400, "NO_NUMBERS_AVAILABLE")
	for _, bad := range []any{
		map[string]any{"country_code": "SE", "duration_months": 1},                      // auto_renew missing
		map[string]any{"country_code": "SE", "duration_months": 0, "auto_renew": false}, // below minimum
		map[string]any{"country_code": "SE", "duration_months": "1", "auto_renew": false},
		map[string]any{"duration_months": 1, "auto_renew": false},
		`{"country_code":`,
	} {
		p.fail("POST", "/numbers/purchase", bad, 400, "VALIDATION_ERROR")
	}
	if pd.Balance("piv-main") != bal || pd.Purchases("piv-main") != 1 {
		t.Error("a refused purchase moved money")
	}
	pd.SetBalance("piv-main", 1.20)
	msg := p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "SE", "duration_months": 1, "auto_renew": false}, 402, "INSUFFICIENT_BALANCE")
	if !strings.Contains(msg, "required $4.00, available $1.20") {
		t.Errorf("message = %q", msg)
	}
	if pd.Balance("piv-main") != 1.20 || pd.Purchases("piv-main") != 1 {
		t.Error("a refused purchase moved money")
	}
}

func TestPivDayRenewNumber(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	n := p.numberWith("active", "GB")
	id := n["piv_num_id"].(string)
	old := pivTime(t, n["expires_at"])
	before := pd.Balance("piv-main")
	d := p.ok("POST", "/numbers/"+id+"/renew", map[string]any{"duration_months": 2})
	pivShape(t, "renew", d, map[string]string{"piv_num_id": "string", "phone_number": "string", "old_expires_at": "string",
		"new_expires_at": "string", "cost": "number"})
	if !pivTime(t, d["old_expires_at"]).Equal(old) || !pivTime(t, d["new_expires_at"]).Equal(old.Add(60*24*time.Hour)) || d["cost"] != 6.0 {
		t.Errorf("renew = %v", d)
	}
	if _, exp, _ := pd.Number(id); !exp.Equal(old.Add(60 * 24 * time.Hour)) {
		t.Errorf("expiry not moved: %v", exp)
	}
	if pd.Balance("piv-main") != money(before-6) || pd.Renewals("piv-main") != 1 {
		t.Errorf("balance %v → %v", before, pd.Balance("piv-main"))
	}
	expired := p.numberWith("expired", "")["piv_num_id"].(string)
	p.fail("POST", "/numbers/"+expired+"/renew", map[string]any{"duration_months": 1}, 403, "NUMBER_EXPIRED")
	pending := p.numberWith("pending_restore", "")["piv_num_id"].(string)
	p.fail("POST", "/numbers/"+pending+"/renew", map[string]any{"duration_months": 1}, 400, "NUMBER_NOT_ACTIVE")
	fi := p.numberWith("active", "FI")["piv_num_id"].(string)
	p.fail("POST", "/numbers/"+fi+"/renew", map[string]any{"duration_months": 1}, 400, "COUNTRY_NOT_AVAILABLE")
	p.fail("POST", "/numbers/xxxxx-xxxxx-xxxxx-xxxxx/renew", map[string]any{"duration_months": 1}, 404, "NUMBER_NOT_FOUND")
	p.fail("POST", "/numbers/"+id+"/renew", map[string]any{}, 400, "VALIDATION_ERROR")
	pd.SetBalance("piv-main", 0.5)
	p.fail("POST", "/numbers/"+id+"/renew", map[string]any{"duration_months": 1}, 402, "INSUFFICIENT_BALANCE")
	if _, exp, _ := pd.Number(id); !exp.Equal(old.Add(60 * 24 * time.Hour)) {
		t.Error("a refused renewal moved the expiry")
	}
}

func TestPivDayAutoRenewal(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	var us map[string]any
	for _, n := range objs(p.ok("GET", "/numbers?country=US", nil)["numbers"]) {
		if n["auto_renew"] == true {
			us = n
		}
	}
	if us == nil {
		t.Fatal("no auto-renewing number seeded")
	}
	id := us["piv_num_id"].(string)
	exp := pivTime(t, us["expires_at"])
	// Let the seeded jobs settle first (their refunds move the balance).
	p.s.Advance(6 * time.Minute)
	before := pd.Balance("piv-main")
	p.s.Advance(exp.Add(-24*time.Hour).Sub(p.s.Now()) - 2*time.Second)
	if _, e, _ := pd.Number(id); !e.Equal(exp) {
		t.Fatal("renewed before 24 h ahead of expiry")
	}
	p.s.Advance(3 * time.Second)
	if _, e, _ := pd.Number(id); !e.Equal(exp.Add(30 * 24 * time.Hour)) {
		t.Errorf("auto-renewal did not move expiry: %v", e)
	}
	if pd.Balance("piv-main") != money(before-2.5) {
		t.Errorf("auto-renewal debit: %v → %v", before, pd.Balance("piv-main"))
	}

	// The toggle.
	gb := p.numberWith("active", "GB")["piv_num_id"].(string)
	d := p.ok("PATCH", "/numbers/"+gb+"/auto-renewal", map[string]any{"auto_renew": true})
	pivShape(t, "auto-renewal", d, map[string]string{"piv_num_id": "string", "phone_number": "string", "auto_renew": "bool"})
	if d["auto_renew"] != true || p.ok("GET", "/numbers/"+gb, nil)["auto_renew"] != true {
		t.Errorf("toggle = %v", d)
	}
	p.fail("PATCH", "/numbers/"+gb+"/auto-renewal", map[string]any{"auto_renew": "yes"}, 400, "VALIDATION_ERROR")
	p.fail("PATCH", "/numbers/nope/auto-renewal", map[string]any{"auto_renew": true}, 404, "NUMBER_NOT_FOUND")
}

func TestPivDayNumberExpiresWithoutAutoRenew(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	gb := p.numberWith("active", "GB")
	id := gb["piv_num_id"].(string)
	p.s.Advance(pivTime(t, gb["expires_at"]).Sub(pivStart) + time.Second)
	if st, _, _ := p.s.PivDay.Number(id); st != "expired" {
		t.Errorf("status after expiry = %s", st)
	}
}

func TestPivDayRestore(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	var recent, old string
	for _, n := range objs(p.ok("GET", "/numbers?status=expired", nil)["numbers"]) {
		if pivStart.Sub(pivTime(t, n["expires_at"])) < 7*24*time.Hour {
			recent = n["piv_num_id"].(string)
		} else {
			old = n["piv_num_id"].(string)
		}
	}
	if recent == "" || old == "" {
		t.Fatal("seed lacks a restorable and an unrestorable number")
	}
	p.fail("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{old}}, 404, "NO_RESTORABLE_NUMBERS")
	p.fail("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{}}, 400, "VALIDATION_ERROR")
	before := pd.Balance("piv-main")
	st, _, m := p.do("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{recent, old, "nope"}})
	if st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	pivShape(t, "restore", m, map[string]string{"success": "bool", "queued": "number", "skipped": "number",
		"total_charged": "number", "numbers": "array"})
	// NL: 5.00 a month × 1.5.
	if m["queued"] != 1.0 || m["skipped"] != 2.0 || m["total_charged"] != 7.5 {
		t.Errorf("restore = %v", m)
	}
	item := objs(m["numbers"])[0]
	pivShape(t, "restored", item, map[string]string{"piv_num_id": "string", "phone_number": "string", "status": "string"})
	if item["status"] != "pending" || pd.Balance("piv-main") != money(before-7.5) {
		t.Errorf("item %v balance %v", item, pd.Balance("piv-main"))
	}
	if s, _, _ := pd.Number(recent); s != "pending_restore" {
		t.Errorf("status = %s", s)
	}
	p.s.Advance(20 * time.Second)
	if s, exp, _ := pd.Number(recent); s != "active" || !exp.After(p.s.Now().Add(29*24*time.Hour)) {
		t.Errorf("after restore: %s %v", s, exp)
	}
	d := h.wait(t, "number.restore_completed", func(d map[string]any) bool {
		for _, r := range objs(d["restored"]) {
			if r["piv_num_id"] == recent {
				return true
			}
		}
		return false
	})
	pivShape(t, "restore_completed", d, map[string]string{"restored": "array", "failed": "array", "total_restored": "number",
		"total_failed": "number", "total_refunded": "number"})
	pivShape(t, "restored entry", objs(d["restored"])[0], map[string]string{"piv_num_id": "string", "phone_number": "string", "country": "string"})

	// A failed restore is refunded and reported.
	active := p.numberWith("active", "DE")["piv_num_id"].(string)
	if err := pd.ExpireNumber(active); err != nil {
		t.Fatal(err)
	}
	if err := pd.FailRestore(active); err != nil {
		t.Fatal(err)
	}
	p.s.Advance(6 * time.Minute) // the seeded jobs' refunds must not blur the balance below
	bal := pd.Balance("piv-main")
	p.ok2("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{active}})
	if pd.Balance("piv-main") != money(bal-9) {
		t.Errorf("DE restore charge: %v → %v", bal, pd.Balance("piv-main"))
	}
	p.s.Advance(20 * time.Second)
	d = h.wait(t, "number.restore_completed", func(d map[string]any) bool { return len(objs2(d["failed"])) > 0 })
	f := objs(d["failed"])[0]
	pivShape(t, "failed entry", f, map[string]string{"piv_num_id": "string", "phone_number": "string", "country": "string", "refunded": "number"})
	if f["piv_num_id"] != active || f["refunded"] != 9.0 || d["total_refunded"] != 9.0 || pd.Balance("piv-main") != bal {
		t.Errorf("failed restore = %v, balance %v (was %v)", d, pd.Balance("piv-main"), bal)
	}
	if s, _, _ := pd.Number(active); s != "expired" {
		t.Errorf("failed restore left %s", s)
	}
}

func objs2(v any) []any { a, _ := v.([]any); return a }

// ok2 is ok for answers without the data envelope.
func (p *pivT) ok2(method, path string, body any) map[string]any {
	p.t.Helper()
	st, _, m := p.do(method, path, body)
	if st != 200 || m["success"] != true {
		p.t.Fatalf("%s %s: %d %v", method, path, st, m)
	}
	return m
}

func pivInboundCount(t *testing.T, p *pivT) int {
	t.Helper()
	n := 0
	for _, num := range objs(p.ok("GET", "/numbers?status=active", nil)["numbers"]) {
		for _, m := range objs(p.ok("GET", "/numbers/"+num["piv_num_id"].(string)+"/sms?limit=200", nil)["messages"]) {
			if m["direction"] == "inbound" {
				n++
			}
		}
	}
	return n
}

func TestPivDayScenarioDeliversSMS(t *testing.T) {
	p := newPivT(t, Options{Seed: 3, NoSMS: 0.01})
	h := p.hooks()
	before := pivInboundCount(t, p)
	p.s.Advance(70 * time.Second)
	after := pivInboundCount(t, p)
	if after <= before {
		t.Fatalf("no SMS delivered: %d → %d", before, after)
	}
	d := h.wait(t, "sms.received", func(d map[string]any) bool { return d["code"] != nil })
	pivShape(t, "sms.received", d, map[string]string{"piv_num_id": "string", "text": "string", "code": "string|null",
		"country": "string", "received_at": "string"})
	if !strings.Contains(strings.ReplaceAll(d["text"].(string), "-", ""), d["code"].(string)) {
		t.Errorf("code %v not in text %q", d["code"], d["text"])
	}
	// Without Lively, each number hears from a service once: quiet later.
	p.s.Advance(70 * time.Second)
	if again := pivInboundCount(t, p); again > after+len(objs(p.ok("GET", "/numbers?status=active", nil)["numbers"])) {
		t.Errorf("non-lively scenario keeps sending: %d → %d", after, again)
	}
}

func TestPivDayQuietDeliversNothing(t *testing.T) {
	p := newPivT(t, Options{Seed: 3, Quiet: true})
	before := pivInboundCount(t, p)
	p.s.Advance(90 * time.Second)
	if after := pivInboundCount(t, p); after != before {
		t.Errorf("quiet scenario delivered %d SMS", after-before)
	}
	// Deliver still works and fires the webhook with the detected code.
	h := p.hooks()
	id := p.numberWith("active", "SE")["piv_num_id"].(string)
	_ = p.s.PivDay.Deliver(id, "G-482913 is your Google verification code.")
	d := h.wait(t, "sms.received", func(d map[string]any) bool { return d["piv_num_id"] == id })
	if d["code"] != "482913" || d["country"] != "SE" {
		t.Errorf("sms.received = %v", d)
	}
}

func TestPivDayLivelyKeepsCodesComing(t *testing.T) {
	p := newPivT(t, Options{Seed: 5, Lively: true})
	active := len(objs(p.ok("GET", "/numbers?status=active", nil)["numbers"]))
	before := pivInboundCount(t, p)
	p.s.Advance(4 * time.Minute)
	if got := pivInboundCount(t, p) - before; got < 2*active {
		t.Errorf("lively scenario delivered %d SMS in 4 minutes over %d numbers", got, active)
	}
}

func TestPivDayProxy(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	servers := objs(p.ok("GET", "/proxy/servers", nil)["servers"])
	for _, s := range servers {
		pivShape(t, "server", s, map[string]string{"id": "string", "name": "string", "country": "string",
			"socks5_port": "number", "http_port": "number", "price_per_proxy": "number"})
	}
	d := p.ok("GET", "/proxy/orders", nil)
	pivShape(t, "orders page", d, map[string]string{"orders": "array", "pagination": "object"})
	pivShape(t, "pagination", d["pagination"].(map[string]any), pivPaginationShape)
	orders := objs(d["orders"])
	var soon, expired map[string]any
	for _, o := range orders {
		pivShape(t, "order", o, pivProxyShape)
		left := pivTime(t, o["expires_at"]).Sub(pivStart)
		if o["status"] == "active" && left < time.Hour {
			soon = o
		}
		if o["status"] == "expired" {
			expired = o
		}
	}
	if soon == nil || expired == nil {
		t.Fatalf("seed lacks an order expiring within minutes or an expired one: %v", orders)
	}
	if n := len(objs(p.ok("GET", "/proxy/orders?status=expired", nil)["orders"])); n != 1 {
		t.Errorf("status filter: %d expired", n)
	}
	p.fail("GET", "/proxy/orders?limit=501", nil, 400, "VALIDATION_ERROR")

	id := soon["id"].(string)
	o := p.ok("GET", "/proxy/orders/"+id, nil)["order"].(map[string]any)
	spec := map[string]string{"created_at": "string", "items": "array"}
	for k, v := range pivProxyShape {
		spec[k] = v
	}
	pivShape(t, "order detail", o, spec)
	items := objs(o["items"])
	if len(items) != int(o["quantity"].(float64)) {
		t.Errorf("%d items for quantity %v", len(items), o["quantity"])
	}
	pivShape(t, "item", items[0], pivProxyItemShape)
	p.fail("GET", "/proxy/orders/ord-nope", nil, 404, "NOT_FOUND")

	// Export.
	for format, n := range map[string]int{"socks5": len(items), "http": len(items), "both": 2 * len(items), "": len(items)} {
		e := p.ok("GET", "/proxy/orders/"+id+"/export?format="+format, nil)
		pivShape(t, "export", e, map[string]string{"content": "string", "filename": "string", "format": "string", "count": "number"})
		lines := strings.Split(e["content"].(string), "\n")
		if len(lines) != n || e["count"] != float64(n) {
			t.Errorf("%s export: %d lines, count %v", format, len(lines), e["count"])
		}
		want := items[0]["login"].(string) + ":" + items[0]["password"].(string) + "@" + items[0]["host"].(string) + ":"
		if !strings.HasPrefix(lines[0], want) {
			t.Errorf("%s export line %q", format, lines[0])
		}
		if format == "http" && !strings.HasSuffix(lines[0], ":"+strconv.Itoa(int(items[0]["http_port"].(float64)))) {
			t.Errorf("http export uses the wrong port: %q", lines[0])
		}
	}
	p.fail("GET", "/proxy/orders/"+id+"/export?format=ftp", nil, 400, "VALIDATION_ERROR")

	// Purchase: price_per_proxy × quantity × months.
	srv := servers[1]
	before := pd.Balance("piv-main")
	bought := p.ok("POST", "/proxy/purchase", map[string]any{"server_id": srv["id"], "quantity": 4, "months": 2})["order"].(map[string]any)
	pivShape(t, "purchased order", bought, map[string]string{"id": "string", "country": "string", "quantity": "number",
		"price_total": "number", "status": "string", "expires_at": "string", "created_at": "string", "items": "array"})
	cost := money(srv["price_per_proxy"].(float64) * 4 * 2)
	if bought["price_total"] != cost || pd.Balance("piv-main") != money(before-cost) || pd.Purchases("piv-main") != 1 ||
		len(objs(bought["items"])) != 4 || !pivTime(t, bought["expires_at"]).Equal(pivStart.AddDate(0, 2, 0)) {
		t.Errorf("purchase = %v balance %v → %v", bought, before, pd.Balance("piv-main"))
	}
	p.fail("POST", "/proxy/purchase", map[string]any{"server_id": "nope", "quantity": 1, "months": 1}, 404, "NOT_FOUND")
	p.fail("POST", "/proxy/purchase", map[string]any{"server_id": srv["id"], "quantity": 501, "months": 1}, 400, "VALIDATION_ERROR")
	p.fail("POST", "/proxy/purchase", map[string]any{"server_id": srv["id"], "quantity": 1, "months": 13}, 400, "VALIDATION_ERROR")

	// Renew moves expiry by calendar months.
	exp := pivTime(t, soon["expires_at"])
	before = pd.Balance("piv-main")
	r := p.ok("POST", "/proxy/orders/"+id+"/renew", map[string]any{"months": 1})
	pivShape(t, "proxy renew", r, map[string]string{"order_id": "string", "cost": "number", "new_expires_at": "string"})
	wantCost := money(soon["price_per_proxy"].(float64) * soon["quantity"].(float64))
	if !pivTime(t, r["new_expires_at"]).Equal(exp.AddDate(0, 1, 0)) || r["cost"] != wantCost || pd.Balance("piv-main") != money(before-wantCost) {
		t.Errorf("renew = %v", r)
	}
	if _, e, _ := pd.ProxyOrder(id); !e.Equal(exp.AddDate(0, 1, 0)) {
		t.Errorf("expiry = %v", e)
	}
	p.fail("POST", "/proxy/orders/"+expired["id"].(string)+"/renew", map[string]any{"months": 1}, 400, "ORDER_EXPIRED")

	// Restore of the expired order: one more month from now.
	rs := p.ok("POST", "/proxy/orders/"+expired["id"].(string)+"/restore", nil)
	pivShape(t, "proxy restore", rs, map[string]string{"order_id": "string", "quantity": "number", "total_cost": "number", "expires_at": "string"})
	if st, e, _ := pd.ProxyOrder(expired["id"].(string)); st != "active" || !e.Equal(pivStart.AddDate(0, 1, 0)) {
		t.Errorf("restored order %s %v", st, e)
	}
	p.fail("POST", "/proxy/orders/"+id+"/restore", nil, 400, "ORDER_NOT_EXPIRED")
	pd.SetBalance("piv-main", 0)
	p.fail("POST", "/proxy/orders/"+id+"/renew", map[string]any{"months": 1}, 402, "INSUFFICIENT_BALANCE")

	// The seeded order near expiry warns, then expires (another one, not renewed).
	var short string
	var shortExp time.Time
	for _, o := range objs(p.ok("GET", "/proxy/orders?status=active", nil)["orders"]) {
		if e := pivTime(t, o["expires_at"]); o["id"] != id && e.Sub(pivStart) < 3*24*time.Hour {
			short, shortExp = o["id"].(string), e
		}
	}
	p.s.Advance(time.Second)
	w := h.wait(t, "proxy.expires_soon", func(d map[string]any) bool { return d["order_id"] == short })
	pivShape(t, "proxy.expires_soon", w, map[string]string{"order_id": "string", "country": "string", "quantity": "number", "expires_at": "string"})
	if !pivTime(t, w["expires_at"]).Equal(shortExp) {
		t.Errorf("warning = %v", w)
	}
	p.s.Advance(9 * time.Minute)
	if st, _, _ := pd.ProxyOrder(id); st != "active" {
		t.Errorf("renewed order expired: %s", st)
	}
}

func TestPivDayProxyOrderExpiresWithinMinutes(t *testing.T) {
	p := newPivT(t, Options{Seed: 2, Quiet: true})
	var id string
	for _, o := range objs(p.ok("GET", "/proxy/orders?status=active", nil)["orders"]) {
		if pivTime(t, o["expires_at"]).Sub(pivStart) < 15*time.Minute {
			id = o["id"].(string)
		}
	}
	if id == "" {
		t.Fatal("no order expiring within minutes")
	}
	p.s.Advance(15 * time.Minute)
	if st, _, _ := p.s.PivDay.ProxyOrder(id); st != "expired" {
		t.Errorf("status = %s", st)
	}
	if p.ok("GET", "/proxy/orders/"+id, nil)["order"].(map[string]any)["status"] != "expired" {
		t.Error("API still shows it active")
	}
}

func TestPivDayDomains(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	d := p.ok("GET", "/domains", nil)
	pivShape(t, "domains page", d, map[string]string{"domains": "array", "pagination": "object"})
	var hours, nonCF, pending map[string]any
	for _, dom := range objs(d["domains"]) {
		pivShape(t, "domain", dom, pivDomainShape)
		if dom["status"] == "active" && pivTime(t, dom["expires_at"]).Sub(pivStart) < 24*time.Hour {
			hours = dom
		}
		if dom["status"] == "active" && dom["cloudflare_enabled"] == false {
			nonCF = dom
		}
		if dom["status"] == "pending" {
			pending = dom
		}
	}
	if hours == nil || nonCF == nil || pending == nil {
		t.Fatalf("seed lacks a domain expiring within hours, a non-Cloudflare one or a pending one")
	}
	if pending["registered_at"] != nil || pending["expires_at"] != nil {
		t.Errorf("pending domain has dates: %v", pending)
	}
	for _, dom := range objs(p.ok("GET", "/domains?status=active&cloudflare=false", nil)["domains"]) {
		if dom["status"] != "active" || dom["cloudflare_enabled"] != false {
			t.Errorf("filters let through %v", dom)
		}
	}
	if got := objs(p.ok("GET", "/domains?search="+hours["domain_name"].(string), nil)["domains"]); len(got) != 1 {
		t.Errorf("search = %v", got)
	}
	p.fail("GET", "/domains?cloudflare=maybe", nil, 400, "VALIDATION_ERROR")

	det := p.ok("GET", "/domains/"+hours["id"].(string), nil)["domain"].(map[string]any)
	spec := map[string]string{"dns_records": "array"}
	for k, v := range pivDomainShape {
		spec[k] = v
	}
	pivShape(t, "domain detail", det, spec)
	pivShape(t, "dns record", objs(det["dns_records"])[0], map[string]string{"name": "string", "type": "string",
		"content": "string", "ttl": "number", "priority": "null", "proxied": "bool"})
	det = p.ok("GET", "/domains/"+nonCF["id"].(string), nil)["domain"].(map[string]any)
	spec["nameservers"] = "array"
	pivShape(t, "non-cloudflare detail", det, spec)
	p.fail("GET", "/domains/dom-nope", nil, 404, "NOT_FOUND")

	// Search.
	s := p.ok("GET", "/domains/search?q="+hours["domain_name"].(string), nil)
	pivShape(t, "search", s, map[string]string{"domain": "string", "available": "bool", "create_price": "number",
		"renew_price": "number", "currency": "string"})
	if s["available"] != false || s["currency"] != "USD" {
		t.Errorf("own domain available: %v", s)
	}
	avail := 0
	for i := range 12 {
		if p.ok("GET", "/domains/search?q=fresh-name-"+strconv.Itoa(i)+".com", nil)["available"] == true {
			avail++
		}
	}
	if avail == 0 || avail == 12 {
		t.Errorf("search availability looks fake: %d of 12 available", avail)
	}
	p.fail("GET", "/domains/search", nil, 400, "VALIDATION_ERROR")
	p.fail("GET", "/domains/search?q=bad..name", nil, 400, "VALIDATION_ERROR")

	// Renew: 202, queue id, expiry moves a year, debit.
	exp := pivTime(t, hours["expires_at"])
	before := pd.Balance("piv-main")
	st, _, m := p.do("POST", "/domains/"+hours["id"].(string)+"/renew", map[string]any{"period": 1})
	if st != http.StatusAccepted || m["success"] != true {
		t.Fatalf("renew: %d %v", st, m)
	}
	r := m["data"].(map[string]any)
	pivShape(t, "domain renew", r, map[string]string{"queue_id": "string", "domain_id": "string", "expires_at": "string"})
	if !pivTime(t, r["expires_at"]).Equal(exp.AddDate(1, 0, 0)) || pd.Balance("piv-main") != money(before-12.5) {
		t.Errorf("renew = %v balance %v → %v", r, before, pd.Balance("piv-main"))
	}
	if _, e, _ := pd.Domain(hours["id"].(string)); !e.Equal(exp.AddDate(1, 0, 0)) {
		t.Errorf("domain expiry %v", e)
	}
	q := p.ok("GET", "/domains/queue/"+r["queue_id"].(string), nil)
	pivShape(t, "queue pending", q, map[string]string{"queue_id": "string", "domain": "string", "status": "string"})
	if q["status"] != "pending" {
		t.Errorf("renew queue = %v", q)
	}
	p.fail("POST", "/domains/"+hours["id"].(string)+"/renew", map[string]any{"period": 11}, 400, "VALIDATION_ERROR")

	// Auto-renew toggle.
	a := p.ok("POST", "/domains/"+hours["id"].(string)+"/auto-renew", map[string]any{"auto_renew": true})
	pivShape(t, "auto-renew", a, map[string]string{"id": "string", "auto_renew": "bool"})
	if a["auto_renew"] != true {
		t.Errorf("auto-renew = %v", a)
	}

	// Registrations move pending → processing → completed / failed.
	var regQueue []string
	for _, acc := range pd.accounts {
		if acc.name == "piv-main" {
			for _, e := range acc.queue {
				if e.kind == "register" {
					regQueue = append(regQueue, e.id)
				}
			}
		}
	}
	if len(regQueue) != 2 {
		t.Fatalf("registrations = %v", regQueue)
	}
	seenProcessing := map[string]bool{}
	bal := pd.Balance("piv-main")
	for range 70 {
		p.s.Advance(time.Second)
		for _, id := range regQueue {
			if st, _ := pd.Queue(id); st == "processing" {
				seenProcessing[id] = true
			}
		}
	}
	var done, failed string
	for _, id := range regQueue {
		switch st, _ := pd.Queue(id); st {
		case "completed":
			done = id
		case "failed":
			failed = id
		default:
			t.Errorf("queue %s still %s", id, st)
		}
		if !seenProcessing[id] {
			t.Errorf("queue %s never processing", id)
		}
	}
	if done == "" || failed == "" {
		t.Fatal("want one completed and one failed registration")
	}
	q = p.ok("GET", "/domains/queue/"+done, nil)
	pivShape(t, "queue completed", q, map[string]string{"queue_id": "string", "status": "string", "domain": "object"})
	card := q["domain"].(map[string]any)
	delete(spec, "nameservers")
	pivShape(t, "completed card", card, spec)
	if card["status"] != "active" || card["expires_at"] == nil {
		t.Errorf("card = %v", card)
	}
	reg := h.wait(t, "domain.registered", func(d map[string]any) bool { return d["domain_id"] == card["id"] })
	pivShape(t, "domain.registered", reg, map[string]string{"domain_id": "string", "domain_name": "string",
		"registered_at": "string", "expires_at": "string", "cloudflare_enabled": "bool"})
	fq := p.ok("GET", "/domains/queue/"+failed, nil)
	if fq["status"] != "failed" || fq["error"] == "" {
		t.Errorf("failed queue = %v", fq)
	}
	fw := h.wait(t, "domain.failed", nil)
	pivShape(t, "domain.failed", fw, map[string]string{"domain_id": "string", "domain_name": "string", "error": "string"})
	if pd.Balance("piv-main") <= bal {
		t.Errorf("failed registration not refunded: %v → %v", bal, pd.Balance("piv-main"))
	}
	if _, _, ok := pd.Domain(fw["domain_id"].(string)); ok {
		t.Error("failed registration still listed")
	}
	ew := h.wait(t, "domain.expires_soon", nil)
	pivShape(t, "domain.expires_soon", ew, map[string]string{"domain_id": "string", "domain_name": "string",
		"expires_at": "string", "auto_renew": "bool"})
	p.fail("GET", "/domains/queue/que-nope", nil, 404, "NOT_FOUND")
}

func TestPivDayDomainExpiresWithinHours(t *testing.T) {
	p := newPivT(t, Options{Seed: 4, Quiet: true})
	var id string
	for _, dom := range objs(p.ok("GET", "/domains?status=active", nil)["domains"]) {
		if pivTime(t, dom["expires_at"]).Sub(pivStart) < 24*time.Hour {
			id = dom["id"].(string)
		}
	}
	if id == "" {
		t.Fatal("no domain expiring within hours")
	}
	_, exp, _ := p.s.PivDay.Domain(id)
	p.s.Advance(exp.Sub(pivStart) + time.Second)
	if st, _, _ := p.s.PivDay.Domain(id); st != "expired" {
		t.Errorf("status = %s", st)
	}
}

func TestPivDayWhites(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	d := p.ok("GET", "/whites", nil)
	pivShape(t, "whites page", d, map[string]string{"whites": "array", "pagination": "object"})
	statuses := map[float64]int{}
	var moving []string
	for _, w := range objs(d["whites"]) {
		pivShape(t, "white", w, pivWhiteShape)
		statuses[w["status"].(float64)]++
		if s := w["status"].(float64); s == 0 || s == 1 {
			moving = append(moving, w["id"].(string))
		}
	}
	if statuses[0] < 1 || statuses[1] < 1 || statuses[10] < 1 || statuses[-1] < 1 {
		t.Errorf("statuses = %v", statuses)
	}
	for _, w := range objs(p.ok("GET", "/whites?status=done", nil)["whites"]) {
		if w["status"] != 10.0 {
			t.Errorf("status=done let through %v", w["status"])
		}
	}
	for _, w := range objs(p.ok("GET", "/whites?tier_key=v2_tier3", nil)["whites"]) {
		if w["tier_key"] != "v2_tier3" {
			t.Errorf("tier filter let through %v", w["tier_key"])
		}
	}
	p.fail("GET", "/whites?status=cooking", nil, 400, "VALIDATION_ERROR")
	one := p.ok("GET", "/whites/"+moving[0], nil)
	pivShape(t, "white get", one, map[string]string{"white": "object"})
	pivShape(t, "white", one["white"].(map[string]any), pivWhiteShape)
	p.fail("GET", "/whites/job-nope", nil, 404, "NOT_FOUND")

	bal := pd.Balance("piv-main")
	p.s.Advance(5 * time.Minute)
	final := map[int]int{}
	for _, id := range moving {
		st, _ := pd.White(id)
		final[st]++
	}
	if final[pivWhiteDone] < 1 || final[pivWhiteFailed] < 1 || final[pivWhiteQueued]+final[pivWhiteProcessing] != 0 {
		t.Errorf("moving whites ended %v", final)
	}
	c := h.wait(t, "white.completed", nil)
	pivShape(t, "white.completed", c, map[string]string{"job_id": "string", "name": "string", "tier_key": "string", "country": "string"})
	f := h.wait(t, "white.failed", nil)
	pivShape(t, "white.failed", f, map[string]string{"job_id": "string", "name": "string", "error": "string"})
	if pd.Balance("piv-main") <= bal {
		t.Errorf("failed white not refunded: %v → %v", bal, pd.Balance("piv-main"))
	}
}

func TestPivDayRateLimit(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true, Accounts: 2, Start: pivStart.Add(15 * time.Second)})
	paths := []string{"/account", "/numbers", "/proxy/orders", "/domains", "/whites"}
	for i := 0; i < 100; i++ {
		if st, _, m := p.do("GET", paths[i%len(paths)], nil); st != 200 {
			t.Fatalf("request %d: %d %v", i+1, st, m)
		}
	}
	st, hdr, m := p.do("GET", "/numbers/countries", nil)
	pivCheckError(t, "101st", st, m, http.StatusTooManyRequests, "RATE_LIMITED")
	if hdr.Get("Retry-After") != "45" {
		t.Errorf("Retry-After = %q, want 45 (seconds to the window's end)", hdr.Get("Retry-After"))
	}
	if p.s.RateLimited(backend.PivDay) != 1 {
		t.Errorf("limited count = %d", p.s.RateLimited(backend.PivDay))
	}
	// Per key: the other account is not affected.
	if st, _, _ := p.doKey(pivKey(t, p.s, "piv-alt"), "GET", "/account", nil); st != 200 {
		t.Errorf("other key limited: %d", st)
	}
	p.s.Advance(44 * time.Second)
	st, hdr, _ = p.do("GET", "/account", nil)
	if st != 429 || hdr.Get("Retry-After") != "1" {
		t.Errorf("before the window ends: %d %q", st, hdr.Get("Retry-After"))
	}
	p.s.Advance(time.Second)
	if st, _, _ := p.do("GET", "/account", nil); st != 200 {
		t.Errorf("new window still limited: %d", st)
	}
}

func TestPivDayFaults(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	p.s.Inject(backend.PivDay, Fault{Kind: Fault429, Path: "/account", Times: 1, Retry: 3 * time.Second})
	st, hdr, m := p.do("GET", "/account", nil)
	pivCheckError(t, "fault 429", st, m, 429, "RATE_LIMITED")
	if hdr.Get("Retry-After") != "3" {
		t.Errorf("Retry-After = %q", hdr.Get("Retry-After"))
	}
	p.s.Inject(backend.PivDay, Fault{Kind: Fault429NoHint, Times: 1})
	st, hdr, m = p.do("GET", "/account", nil)
	pivCheckError(t, "fault 429 no hint", st, m, 429, "RATE_LIMITED")
	if hdr.Get("Retry-After") != "" {
		t.Errorf("no-hint 429 carries Retry-After %q", hdr.Get("Retry-After"))
	}
	if st, _, _ := p.do("GET", "/account", nil); st != 200 {
		t.Errorf("faults did not clear: %d", st)
	}
	// A lost response still changes state: the purchase happened once.
	p.s.Inject(backend.PivDay, Fault{Kind: FaultLoseResponse, Path: "/numbers/purchase", Times: 1})
	req, _ := http.NewRequest("POST", p.s.URL(backend.PivDay)+"/numbers/purchase",
		strings.NewReader(`{"country_code":"US","duration_months":1,"auto_renew":false}`))
	req.Header.Set("Authorization", "Bearer "+p.key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("lost response arrived")
	}
	if n := p.s.PivDay.Purchases("piv-main"); n != 1 {
		t.Errorf("purchases after a lost response = %d", n)
	}
}

func TestPivDayPatchNumberName(t *testing.T) {
	p := newPivT(t, Options{Seed: 1, Quiet: true})
	id := p.numberWith("active", "SE")["piv_num_id"].(string)
	d := p.ok("PATCH", "/numbers/"+id, map[string]any{"custom_name": "Support line"})
	if d["custom_name"] != "Support line" || p.ok("GET", "/numbers/"+id, nil)["custom_name"] != "Support line" {
		t.Errorf("patch = %v", d)
	}
	p.fail("PATCH", "/numbers/"+id, map[string]any{}, 400, "VALIDATION_ERROR")
}
