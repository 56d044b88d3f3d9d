package pivday

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// Sim is the piv.day simulator alone on a started core (sim.New runs all four).
type Sim struct {
	*simcore.Core
	PivDay *PivDay
}

func newSim(opts simcore.Options) *Sim { c, p := simcore.Run(opts, New); return &Sim{c, p} }

var pivStart = time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)

type pivT struct {
	t   *testing.T
	s   *Sim
	key string
}

func newPivT(t *testing.T, opts simcore.Options) *pivT {
	t.Helper()
	opts.Manual = true
	if opts.Start.IsZero() {
		opts.Start = pivStart
	}
	s := newSim(opts)
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
