package pivday

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/transport"
)

const testKey = "pk_live_S3cr3tK3y_9f8e7d6c5b4a"

type recorded struct {
	Method, Path, RawQuery, Body string
	Header                       http.Header
}

// fake is a piv.day stand-in: routes answer canned bodies, every request is
// recorded.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	routes map[string]http.HandlerFunc
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		path := strings.TrimPrefix(r.URL.Path, "/api/v1")
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Body: string(b), Header: r.Header.Clone()})
		h := f.routes[r.Method+" "+path]
		f.mu.Unlock()
		if h == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"success":false,"error":{"code":"NOT_FOUND","message":"Route not found"}}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) handle(method, path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+path] = h
}

func (f *fake) on(method, path string, status int, body string) {
	f.handle(method, path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
}

func (f *fake) fixture(method, path, name string) {
	f.on(method, path, http.StatusOK, string(readFixture(f.t, name)))
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fake) provider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(Config{Account: "main", BaseURL: f.srv.URL + "/api/v1", APIKey: testKey,
		Budget: backend.NewBudget(1e6), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{APIKey: testKey}); err == nil {
		t.Error("no account name accepted")
	}
	if _, err := New(Config{Account: "main"}); backend.KindOf(err) != backend.ErrAuth {
		t.Errorf("no key: %v", err)
	}
	if _, err := New(Config{Account: "main", APIKey: testKey, BaseURL: "ftp://x"}); err == nil {
		t.Error("bad base URL accepted")
	}
	p, err := New(Config{Account: "main", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if p.Client().Transport().BaseURL() != DefaultBaseURL || p.Client().Transport().Budget().PerMinute() != 100 {
		t.Errorf("defaults: %s %v", p.Client().Transport().BaseURL(), p.Client().Transport().Budget().PerMinute())
	}
	if tr := p.Traits(); tr.BatchCheck || !tr.ListsLines || tr.PerMinute != 100 {
		t.Errorf("traits %+v", tr)
	}
}

// Every documented call: method, path, query, exact body, auth, User-Agent.
func TestClientCalls(t *testing.T) {
	cases := []struct {
		name, method, path, query, body, fixture string
		call                                     func(context.Context, *Client) error
	}{
		{"account", "GET", "/account", "", "", "account.json", func(c context.Context, cl *Client) error { _, err := cl.Account(c); return err }},
		{"countries", "GET", "/numbers/countries", "", "", "countries.json", func(c context.Context, cl *Client) error { _, err := cl.Countries(c); return err }},
		{"numbers", "GET", "/numbers", "country=SE&limit=200&offset=0&search=Office&status=active", "", "numbers_list.json", func(c context.Context, cl *Client) error {
			_, err := cl.Numbers(c, NumberFilter{Country: "SE", Status: "active", Search: "Office"})
			return err
		}},
		{"number", "GET", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o", "", "", "number_get.json", func(c context.Context, cl *Client) error {
			_, err := cl.Number(c, "vzPA1-kHKSg-EAL7e-Jqd3o")
			return err
		}},
		{"sms", "GET", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/sms", "limit=200&offset=5", "", "number_sms.json", func(c context.Context, cl *Client) error {
			_, err := cl.NumberSMS(c, "vzPA1-kHKSg-EAL7e-Jqd3o", 500, 5)
			return err
		}},
		{"purchase number", "POST", "/numbers/purchase", "", `{"country_code":"SE","duration_months":1,"auto_renew":false,"custom_name":"My Sweden Number"}`, "number_purchase.json",
			func(c context.Context, cl *Client) error {
				_, err := cl.PurchaseNumber(c, NumberOrder{Country: "SE", Months: 1, CustomName: "My Sweden Number"})
				return err
			}},
		{"purchase number without name", "POST", "/numbers/purchase", "", `{"country_code":"GB","duration_months":3,"auto_renew":true}`, "number_purchase.json",
			func(c context.Context, cl *Client) error {
				_, err := cl.PurchaseNumber(c, NumberOrder{Country: "GB", Months: 3, AutoRenew: true})
				return err
			}},
		{"renew number", "POST", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/renew", "", `{"duration_months":1}`, "number_renew.json", func(c context.Context, cl *Client) error {
			_, err := cl.RenewNumber(c, "vzPA1-kHKSg-EAL7e-Jqd3o", 1)
			return err
		}},
		{"auto-renewal", "PATCH", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/auto-renewal", "", `{"auto_renew":true}`, "number_autorenew.json", func(c context.Context, cl *Client) error {
			_, err := cl.SetNumberAutoRenew(c, "vzPA1-kHKSg-EAL7e-Jqd3o", true)
			return err
		}},
		{"restore numbers", "POST", "/numbers/restore", "", `{"piv_num_ids":["vzPA1-kHKSg-EAL7e-Jqd3o","abc12-defgh-ijklm-nopqr"]}`, "numbers_restore.json", func(c context.Context, cl *Client) error {
			_, err := cl.RestoreNumbers(c, []string{"vzPA1-kHKSg-EAL7e-Jqd3o", "abc12-defgh-ijklm-nopqr"})
			return err
		}},
		{"proxy servers", "GET", "/proxy/servers", "", "", "proxy_servers.json", func(c context.Context, cl *Client) error { _, err := cl.ProxyServers(c); return err }},
		{"proxy orders", "GET", "/proxy/orders", "limit=500&offset=0&status=active", "", "proxy_orders.json", func(c context.Context, cl *Client) error {
			_, err := cl.ProxyOrders(c, ListFilter{Status: "active"})
			return err
		}},
		{"proxy order", "GET", "/proxy/orders/ord-1", "", "", "proxy_order_get.json", func(c context.Context, cl *Client) error { _, err := cl.ProxyOrder(c, "ord-1"); return err }},
		{"proxy export", "GET", "/proxy/orders/ord-1/export", "format=both", "", "proxy_export.json", func(c context.Context, cl *Client) error {
			_, err := cl.ProxyExport(c, "ord-1", ExportBoth)
			return err
		}},
		{"proxy export default", "GET", "/proxy/orders/ord-1/export", "format=socks5", "", "proxy_export.json", func(c context.Context, cl *Client) error {
			_, err := cl.ProxyExport(c, "ord-1", "")
			return err
		}},
		{"purchase proxy", "POST", "/proxy/purchase", "", `{"server_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","quantity":5,"months":1}`, "proxy_purchase.json", func(c context.Context, cl *Client) error {
			_, err := cl.PurchaseProxy(c, ProxyPurchase{ServerID: "a1b2c3d4-e5f6-7890-abcd-ef1234567890", Quantity: 5, Months: 1})
			return err
		}},
		{"renew proxy", "POST", "/proxy/orders/ord-1/renew", "", `{"months":2}`, "proxy_renew.json", func(c context.Context, cl *Client) error {
			_, err := cl.RenewProxy(c, "ord-1", 2)
			return err
		}},
		{"restore proxy", "POST", "/proxy/orders/ord-1/restore", "", "", "proxy_restore.json", func(c context.Context, cl *Client) error {
			_, err := cl.RestoreProxy(c, "ord-1")
			return err
		}},
		{"domains", "GET", "/domains", "limit=500&offset=0&search=my", "", "domains_list.json", func(c context.Context, cl *Client) error {
			_, err := cl.Domains(c, ListFilter{Search: "my"})
			return err
		}},
		{"domain", "GET", "/domains/dom-1", "", "", "domain_get.json", func(c context.Context, cl *Client) error { _, err := cl.Domain(c, "dom-1"); return err }},
		{"domain queue", "GET", "/domains/queue/que-1", "", "", "queue_completed.json", func(c context.Context, cl *Client) error { _, err := cl.DomainQueue(c, "que-1"); return err }},
		{"domain search", "GET", "/domains/search", "q=mysite.com", "", "domain_search.json", func(c context.Context, cl *Client) error {
			_, err := cl.SearchDomain(c, "mysite.com")
			return err
		}},
		{"renew domain", "POST", "/domains/dom-1/renew", "", `{"period":1}`, "domain_renew.json", func(c context.Context, cl *Client) error { _, err := cl.RenewDomain(c, "dom-1", 1); return err }},
		{"domain auto-renew", "POST", "/domains/dom-1/auto-renew", "", `{"auto_renew":false}`, "domain_autorenew.json", func(c context.Context, cl *Client) error {
			_, err := cl.SetDomainAutoRenew(c, "dom-1", false)
			return err
		}},
		{"whites", "GET", "/whites", "limit=500&offset=0&status=done", "", "whites_list.json", func(c context.Context, cl *Client) error {
			_, err := cl.Whites(c, ListFilter{Status: "done"})
			return err
		}},
		{"white", "GET", "/whites/job-1", "", "", "white_get.json", func(c context.Context, cl *Client) error { _, err := cl.White(c, "job-1"); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.fixture(tc.method, tc.path, tc.fixture)
			p := f.provider(t)
			if err := tc.call(ctx(t), p.Client()); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path || r.RawQuery != tc.query {
				t.Errorf("sent %s %s?%s, want %s %s?%s", r.Method, r.Path, r.RawQuery, tc.method, tc.path, tc.query)
			}
			if r.Body != tc.body {
				t.Errorf("body %s, want %s", r.Body, tc.body)
			}
			if tc.body != "" && r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
			}
			if r.Header.Get("Authorization") != "Bearer "+testKey {
				t.Errorf("Authorization %q", r.Header.Get("Authorization"))
			}
			if r.Header.Get("User-Agent") != transport.UserAgent() {
				t.Errorf("User-Agent %q", r.Header.Get("User-Agent"))
			}
		})
	}
}

func TestClientDecodesAnswers(t *testing.T) {
	f := newFake(t)
	f.fixture("POST", "/numbers/purchase", "number_purchase.json")
	f.fixture("POST", "/proxy/purchase", "proxy_purchase.json")
	f.fixture("GET", "/domains/queue/que-1", "queue_pending.json")
	f.fixture("GET", "/numbers/n1", "number_get.json")
	c := f.provider(t).Client()
	bought, err := c.PurchaseNumber(ctx(t), NumberOrder{Country: "SE", Months: 1})
	if err != nil || len(bought.Numbers) != 1 || bought.Numbers[0].Phone != "+46764794425" || !bought.Cost.Valid {
		t.Errorf("purchase %+v %v", bought, err)
	}
	o, err := c.PurchaseProxy(ctx(t), ProxyPurchase{ServerID: "s", Quantity: 5, Months: 1})
	if err != nil || o.ID != "ord-uuid-..." || o.Quantity != 5 || len(o.Items) != 2 {
		t.Errorf("proxy purchase %+v %v", o, err)
	}
	q, err := c.DomainQueue(ctx(t), "que-1")
	if err != nil || q.Status != "pending" || q.DomainName != "mysite.com" {
		t.Errorf("queue %+v %v", q, err)
	}
	n, err := c.Number(ctx(t), "n1")
	if err != nil || n.ID != "vzPA1-kHKSg-EAL7e-Jqd3o" {
		t.Errorf("number %+v %v", n, err)
	}
}

func TestClientErrors(t *testing.T) {
	cases := []struct {
		status  int
		code    string
		message string
		kind    backend.ErrKind
		want    string // in the operator message
	}{
		{401, "UNAUTHORIZED", "Invalid API key", backend.ErrAuth, "API key missing, expired or revoked"},
		{403, "INSUFFICIENT_PERMISSIONS", "Missing scope numbers:write", backend.ErrForbidden, "Missing scope numbers:write"},
		{403, "PERMISSION_DENIED", "Feature disabled", backend.ErrForbidden, "does not allow"},
		{400, "VALIDATION_ERROR", "duration_months must be >= 1", backend.ErrInvalid, "duration_months must be >= 1"},
		{404, "NUMBER_NOT_FOUND", "Number not found", backend.ErrNotFound, "number not found"},
		{404, "NOT_FOUND", "Proxy server not found or inactive", backend.ErrNotFound, "Proxy server not found"},
		{403, "NUMBER_EXPIRED", "Number has expired", backend.ErrRefused, "restore it within 7 days"},
		{400, "NUMBER_NOT_ACTIVE", "", backend.ErrRefused, "number is not active"},
		{402, "INSUFFICIENT_BALANCE", "Not enough balance: required $5.00, available $1.20", backend.ErrNoBalance, "not enough balance (needs $5.00, have $1.20)"},
		{402, "INSUFFICIENT_BALANCE", "Balance too low", backend.ErrNoBalance, "not enough balance: Balance too low"},
		{402, "INSUFFICIENT_BALANCE", "required 4,00, available 1,5", backend.ErrNoBalance, "not enough balance (needs $4.00, have $1.50)"},
		// "1,500" is 1500 or 1.5: shown as piv.day wrote it, never as a reading.
		{402, "INSUFFICIENT_BALANCE", "required $1,500, available $20", backend.ErrNoBalance, "not enough balance: required $1,500, available $20"},
		{400, "COUNTRY_NOT_AVAILABLE", "Country not available", backend.ErrInvalid, "country not available"},
		{400, "NO_NUMBERS_AVAILABLE", "No numbers in SE", backend.ErrOutOfStock, "no free numbers"},
		{404, "NO_RESTORABLE_NUMBERS", "Nothing to restore", backend.ErrRefused, "can be restored"},
		{400, "INVALID_MESSAGE_FORMAT", "too long", backend.ErrInvalid, "too long"},
		{418, "SOMETHING_NEW", "a new error", backend.ErrOther, "a new error"},
		{409, "", "conflict", backend.ErrRefused, "conflict"},
		{200, "INSUFFICIENT_BALANCE", "required $5.00", backend.ErrNoBalance, "needs $5.00"}, // success:false with a 200
	}
	for _, tc := range cases {
		t.Run(tc.code+strconv.Itoa(tc.status), func(t *testing.T) {
			f := newFake(t)
			body, _ := json.Marshal(map[string]any{"success": false, "error": map[string]string{"code": tc.code, "message": tc.message}})
			f.on("POST", "/numbers/purchase", tc.status, string(body))
			_, err := f.provider(t).Client().PurchaseNumber(ctx(t), NumberOrder{Country: "SE", Months: 1})
			e, ok := backend.AsError(err)
			if !ok {
				t.Fatalf("error %v is not *backend.Error", err)
			}
			if e.Kind != tc.kind || e.Code != tc.code || e.Status != tc.status || e.Provider != backend.PivDay {
				t.Errorf("got kind %v code %q status %d, want %v %q %d", e.Kind, e.Code, e.Status, tc.kind, tc.code, tc.status)
			}
			if want := map[string]backend.LineState{"NUMBER_EXPIRED": backend.LineExpired}[tc.code]; e.State != want {
				t.Errorf("state %q, want %q", e.State, want)
			}
			if !strings.Contains(strings.ToLower(e.Message), strings.ToLower(tc.want)) {
				t.Errorf("message %q lacks %q", e.Message, tc.want)
			}
			if !strings.Contains(e.Op, "buy a SE number") {
				t.Errorf("op %q", e.Op)
			}
			if len(f.requests()) != 1 {
				t.Errorf("%d requests for a refused purchase", len(f.requests()))
			}
		})
	}
}

func TestClientRateLimited(t *testing.T) {
	f := newFake(t)
	f.handle("GET", "/account", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "12")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(readFixture(t, "rate_limited.json"))
	})
	p := f.provider(t)
	start := time.Now()
	_, err := p.Client().Account(ctx(t))
	e, ok := backend.AsError(err)
	if !ok || e.Kind != backend.ErrRateLimited || e.RetryAfter != 12*time.Second {
		t.Fatalf("429: %v", err)
	}
	if until := p.Client().Transport().Budget().PausedUntil(); until.Sub(start) < 11*time.Second {
		t.Errorf("budget paused until %v", until)
	}
	if len(f.requests()) != 1 {
		t.Errorf("a 429 was retried: %d requests", len(f.requests()))
	}
}

func TestClientPaidCallNeverResent(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		f := newFake(t)
		release := make(chan struct{})
		defer close(release)
		f.handle("POST", "/numbers/vz/renew", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		p, _ := New(Config{Account: "main", BaseURL: f.srv.URL + "/api/v1", APIKey: testKey, Budget: backend.NewBudget(1e6), Timeout: 200 * time.Millisecond})
		_, err := p.Client().RenewNumber(ctx(t), "vz", 1)
		if backend.KindOf(err) != backend.ErrOutcomeUnknown {
			t.Fatalf("timeout on a renew: %v", err)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d requests reached the server, want exactly 1", n)
		}
	})
	t.Run("dropped connection", func(t *testing.T) {
		f := newFake(t)
		f.handle("POST", "/numbers/purchase", func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		})
		_, err := f.provider(t).Client().PurchaseNumber(ctx(t), NumberOrder{Country: "SE", Months: 1})
		if backend.KindOf(err) != backend.ErrOutcomeUnknown {
			t.Fatalf("dropped purchase: %v", err)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d requests reached the server, want exactly 1", n)
		}
	})
	t.Run("server error", func(t *testing.T) {
		f := newFake(t)
		f.on("POST", "/proxy/purchase", 500, `{"success":false,"error":{"code":"INTERNAL_ERROR","message":"boom"}}`)
		_, err := f.provider(t).Client().PurchaseProxy(ctx(t), ProxyPurchase{ServerID: "s", Quantity: 1, Months: 1})
		if backend.KindOf(err) != backend.ErrOutcomeUnknown || len(f.requests()) != 1 {
			t.Fatalf("500 on a purchase: %v after %d requests", err, len(f.requests()))
		}
	})
	t.Run("garbled 200", func(t *testing.T) {
		f := newFake(t)
		f.on("POST", "/numbers/restore", 200, `{"success": true, "queued": 2, "numb`)
		_, err := f.provider(t).Client().RestoreNumbers(ctx(t), []string{"a"})
		if backend.KindOf(err) != backend.ErrOutcomeUnknown || len(f.requests()) != 1 {
			t.Fatalf("garbled 200 on a restore: %v", err)
		}
	})
}

func TestClientReadsRetriedOn5xx(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	hits := 0
	f.handle("GET", "/account", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		n := hits
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html><body>bad gateway</body></html>")
			return
		}
		w.Write(readFixture(t, "account.json"))
	})
	a, err := f.provider(t).Client().Account(ctx(t))
	if err != nil || !a.Balance.Valid {
		t.Fatalf("account after two 502s: %v", err)
	}
	if len(f.requests()) != 3 {
		t.Errorf("%d requests, want 3", len(f.requests()))
	}
}

func TestClientBadAnswers(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/account", 200, "<!DOCTYPE html><html><body>Maintenance</body></html>")
	f.on("GET", "/numbers/countries", 200, `{"success": true, "data": [{"country_code": "SE",`)
	f.on("GET", "/proxy/servers", 200, `{"success": true}`)
	f.on("GET", "/domains", 403, "<html><head><title>Access denied</title></head></html>")
	f.on("GET", "/numbers/n1", 404, "<!DOCTYPE html><html><body>Not Found</body></html>")
	f.handle("GET", "/whites/w", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	c := f.provider(t).Client()
	if _, err := c.Account(ctx(t)); backend.KindOf(err) != backend.ErrUnavailable || !strings.Contains(err.Error(), "Maintenance") {
		t.Errorf("HTML 200: %v", err)
	}
	if _, err := c.Countries(ctx(t)); backend.KindOf(err) != backend.ErrMalformed {
		t.Errorf("truncated JSON: %v", err)
	}
	if _, err := c.ProxyServers(ctx(t)); backend.KindOf(err) != backend.ErrMalformed {
		t.Errorf("no data: %v", err)
	}
	if _, err := c.White(ctx(t), "w"); backend.KindOf(err) != backend.ErrNotFound {
		t.Errorf("redirect: %v", err)
	}
	// A web page is not piv.day's API talking: a 403 page is no scope
	// refusal, a 404 page a wrong route, not a missing number.
	if _, err := c.Domains(ctx(t), ListFilter{}); backend.KindOf(err) != backend.ErrUnavailable || !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("HTML 403: %v", err)
	}
	if _, err := c.Number(ctx(t), "n1"); backend.KindOf(err) != backend.ErrNotFound {
		t.Errorf("HTML 404: %v", err)
	} else if e, _ := backend.AsError(err); e.Code != transport.CodeRoute {
		t.Errorf("HTML 404 code %q", e.Code)
	}
	if _, err := c.ProxyExport(ctx(t), "o", "csv"); backend.KindOf(err) != backend.ErrInvalid {
		t.Errorf("bad export format: %v", err)
	}
}

func TestClientNeverLeaksTheKey(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/account", 401, `{"success":false,"error":{"code":"UNAUTHORIZED","message":"key `+testKey+` was revoked"}}`)
	f.on("POST", "/numbers/purchase", 500, "upstream said: Bearer "+testKey)
	c := f.provider(t).Client()
	_, err := c.Account(ctx(t))
	if err == nil || strings.Contains(err.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v", *mustErr(t, err)), testKey) {
		t.Errorf("401 leaks the key: %v", err)
	}
	_, err = c.PurchaseNumber(ctx(t), NumberOrder{Country: "SE", Months: 1})
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("500 leaks the key: %v", err)
	}
}

func mustErr(t *testing.T, err error) *backend.Error {
	t.Helper()
	var e *backend.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not *backend.Error", err)
	}
	return e
}

func TestClientPaging(t *testing.T) {
	numbers := func(from, n int) string {
		var items []string
		for i := from; i < from+n; i++ {
			items = append(items, fmt.Sprintf(`{"piv_num_id":"n%d","phone_number":"+46%07d","status":"active"}`, i, i))
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	t.Run("by total", func(t *testing.T) {
		f := newFake(t)
		f.handle("GET", "/numbers", func(w http.ResponseWriter, r *http.Request) {
			off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			n := min(200, 450-off)
			fmt.Fprintf(w, `{"success":true,"data":{"numbers":%s,"pagination":{"total":450,"limit":200,"offset":%d}}}`, numbers(off, n), off)
		})
		got, err := f.provider(t).Client().Numbers(ctx(t), NumberFilter{})
		if err != nil || len(got) != 450 || got[449].ID != "n449" {
			t.Fatalf("%d numbers, %v", len(got), err)
		}
		var offsets []string
		for _, r := range f.requests() {
			offsets = append(offsets, r.RawQuery)
		}
		if strings.Join(offsets, " ") != "limit=200&offset=0 limit=200&offset=200 limit=200&offset=400" {
			t.Errorf("requests %v", offsets)
		}
	})
	t.Run("server caps the page", func(t *testing.T) {
		f := newFake(t)
		f.handle("GET", "/proxy/orders", func(w http.ResponseWriter, r *http.Request) {
			off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			var items []string
			for i := off; i < min(off+100, 250); i++ {
				items = append(items, fmt.Sprintf(`{"id":"o%d","status":"active"}`, i))
			}
			fmt.Fprintf(w, `{"success":true,"data":{"orders":[%s],"pagination":{"total":250,"limit":100,"offset":%d}}}`, strings.Join(items, ","), off)
		})
		got, err := f.provider(t).Client().ProxyOrders(ctx(t), ListFilter{})
		if err != nil || len(got) != 250 {
			t.Fatalf("%d orders, %v", len(got), err)
		}
	})
	t.Run("no total: short page ends", func(t *testing.T) {
		f := newFake(t)
		f.on("GET", "/whites", 200, `{"success":true,"data":{"whites":[{"id":"w1","status":0}]}}`)
		got, err := f.provider(t).Client().Whites(ctx(t), ListFilter{})
		if err != nil || len(got) != 1 || len(f.requests()) != 1 {
			t.Fatalf("%d whites in %d requests, %v", len(got), len(f.requests()), err)
		}
	})
}
