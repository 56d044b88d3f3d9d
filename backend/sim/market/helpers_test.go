package market

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// Sim is the marketplace simulator alone on a started core (sim.New runs all four).
type Sim struct {
	*simcore.Core
	Market *Market
}

func newSim(opts simcore.Options) *Sim { c, p := simcore.Run(opts, New); return &Sim{c, p} }

// mkClient talks raw HTTP to the simulated marketplace.
type mkClient struct {
	t    *testing.T
	s    *Sim
	base string
	key  string
}

func newMarketSim(t *testing.T, opts simcore.Options) *mkClient {
	t.Helper()
	opts.Manual = true
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := newSim(opts)
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

// Advance moves the manual clock.
func (c *mkClient) Advance(d time.Duration) { c.s.Advance(d) }
