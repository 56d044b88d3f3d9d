package nonvoip

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// Every documented call: POST, the documented path, a JSON body equal to
// the document's request example, and transport's User-Agent.
func TestClientCallsSendTheDocumentedRequests(t *testing.T) {
	f := newFake(t)
	for path, ex := range map[string]string{
		"/api/balance": "balance", "/api/products": "products_list", "/api/order": "order_short_term",
		"/api/country/products": "country_products", "/api/country/order": "country_order", "/api/reuse": "reuse",
		"/api/activate": "activate", "/api/reject": "reject", "/api/renew": "renew", "/api/getsms": "getsms",
	} {
		f.answer(path, 200, example(t, ex))
	}
	p := newProvider(t, f)
	c := p.Client()
	ctx := context.Background()
	price := dec("1.7")
	calls := []struct {
		path, reqExample string
		call             func() error
	}{
		{"/api/balance", "req_balance", func() error { _, err := c.Balance(ctx); return err }},
		{"/api/products", "req_products_grouped", func() error { _, err := c.Products(ctx, ProductQuery{Grouped: true}); return err }},
		{"/api/products", "req_products_short_term", func() error {
			_, err := c.Products(ctx, ProductQuery{Type: TypeShortTerm})
			return err
		}},
		{"/api/order", "req_order_short_term", func() error { _, err := c.Order(ctx, OrderParams{ProductID: "10000086"}); return err }},
		{"/api/order", "req_order_premium", func() error {
			_, err := c.Order(ctx, OrderParams{ProductID: "10000086", Auction: 20})
			return err
		}},
		{"/api/order", "req_order_price_accepted", func() error {
			_, err := c.Order(ctx, OrderParams{ProductID: "10000086", AcceptedMaxPrice: &price})
			return err
		}},
		{"/api/order", "req_order_multi", func() error {
			_, err := c.Order(ctx, OrderParams{ProductIDs: []string{"9044", "8555"}})
			return err
		}},
		{"/api/country/products", "req_balance", func() error { _, err := c.CountryProducts(ctx); return err }},
		{"/api/country/order", "req_country_order", func() error { _, err := c.CountryOrder(ctx, "501"); return err }},
		{"/api/reuse", "req_reuse", func() error { _, err := c.Reuse(ctx, OrderRef{OrderID: "35749684"}); return err }},
		{"/api/activate", "req_activate", func() error { _, err := c.Activate(ctx, OrderRef{OrderID: "146187"}); return err }},
		{"/api/reject", "req_reject", func() error { _, err := c.Reject(ctx, OrderRef{OrderID: "146185"}); return err }},
		{"/api/renew", "req_renew", func() error { _, err := c.Renew(ctx, OrderRef{OrderID: "146187"}, "30d"); return err }},
		{"/api/getsms", "req_getsms", func() error { _, err := c.GetSMS(ctx, OrderRef{OrderID: "146185"}); return err }},
	}
	for _, cl := range calls {
		if err := cl.call(); err != nil {
			t.Fatalf("%s: %v", cl.path, err)
		}
		r := f.last(t, cl.path)
		if r.Method != http.MethodPost {
			t.Errorf("%s sent %s", cl.path, r.Method)
		}
		if r.ContentType != "application/json" {
			t.Errorf("%s content type %q", cl.path, r.ContentType)
		}
		if r.UserAgent != transport.UserAgent() {
			t.Errorf("%s user agent %q", cl.path, r.UserAgent)
		}
		sameJSON(t, r.Body, example(t, cl.reqExample))
	}
}

func TestLookupBodyFallsBackToServiceAndNumber(t *testing.T) {
	f := newFake(t)
	f.answer("/api/reject", 200, example(t, "reject"))
	p := newProvider(t, f)
	if _, err := p.Client().Reject(context.Background(), OrderRef{Service: "Instagram", Number: "16095170503"}); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/reject").Body,
		[]byte(`{"email":"user@example.com","password":"your_password","service":"Instagram","number":"16095170503"}`))
}

func TestOrderValidationSendsNothing(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	c := p.Client()
	ctx := context.Background()
	_, err := c.Order(ctx, OrderParams{ProductIDs: []string{"1", "2", "3", "4", "5", "6"}})
	wantKind(t, err, backend.ErrInvalid)
	_, err = c.Order(ctx, OrderParams{ProductID: "abc"})
	wantKind(t, err, backend.ErrInvalid)
	_, err = c.Order(ctx, OrderParams{ProductID: "1", Auction: 5})
	wantKind(t, err, backend.ErrInvalid)
	zero := dec("0")
	_, err = c.Order(ctx, OrderParams{ProductID: "1", AcceptedMaxPrice: &zero})
	wantKind(t, err, backend.ErrInvalid)
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid orders", n)
	}
}

func TestDocumentedErrorsMap(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()

	f.answer("/api/balance", 400, example(t, "error_wrong_auth"))
	_, err := p.Client().Balance(ctx)
	e := wantKind(t, err, backend.ErrAuth)
	if e.Code != "Wrong Auth" || e.Status != 400 || !strings.Contains(e.Message, "wrong e-mail or password") {
		t.Errorf("wrong auth error = %+v", e)
	}

	f.answer("/api/order", 400, example(t, "error_insufficient_balance"))
	_, err = p.Client().Order(ctx, OrderParams{ProductID: "10000086"})
	e = wantKind(t, err, backend.ErrNoBalance)
	if !strings.Contains(e.Message, "not enough balance") || !strings.Contains(e.Message, "Insufficient balance") {
		t.Errorf("message %q", e.Message)
	}

	// A 200 whose envelope says error is an error all the same.
	f.answer("/api/order", 200, []byte(`{"status":"error","message":"No numbers available for this service"}`))
	_, err = p.Client().Order(ctx, OrderParams{ProductID: "10000086"})
	wantKind(t, err, backend.ErrOutOfStock)

	f.answer("/api/reject", 400, []byte(`{"status":"error","message":"SMS already received, cannot reject"}`))
	_, err = p.Client().Reject(ctx, OrderRef{OrderID: "1"})
	wantKind(t, err, backend.ErrRefused)

	// getsms 404: the order is gone.
	f.answer("/api/getsms", 404, []byte(`{"status":"error","message":"Order not found"}`))
	_, err = p.Client().GetSMS(ctx, OrderRef{OrderID: "1"})
	if e := wantKind(t, err, backend.ErrNotFound); e.Code != CodeOrderNotFound {
		t.Errorf("getsms 404 code %q", e.Code)
	}
	f.answer("/api/getsms", 404, []byte(`{"status":"error","message":"Something else"}`))
	_, err = p.Client().GetSMS(ctx, OrderRef{OrderID: "1"})
	if e := wantKind(t, err, backend.ErrNotFound); e.Code != CodeOrderNotFound {
		t.Errorf("any JSON getsms 404 means gone, code %q", e.Code)
	}

	// An unknown route answers an HTML 404: not an order that is gone.
	_, err = p.Client().Activate(ctx, OrderRef{OrderID: "1"}) // no route registered
	if e := wantKind(t, err, backend.ErrNotFound); e.Code != CodeRoute {
		t.Errorf("HTML 404 code %q", e.Code)
	}

	// A 2xx HTML page on a read: unavailable, with an excerpt.
	f.answer("/api/balance", 200, []byte("<!DOCTYPE html><html><title>Maintenance</title></html>"))
	_, err = p.Client().Balance(ctx)
	if e := wantKind(t, err, backend.ErrUnavailable); !strings.Contains(e.Message, "Maintenance") {
		t.Errorf("html message %q", e.Message)
	}
	// A 2xx that is not JSON on a read: malformed.
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":`))
	_, err = p.Client().Balance(ctx)
	wantKind(t, err, backend.ErrMalformed)
	// The same on a paid call: the money may be gone.
	f.answer("/api/order", 200, []byte(`{"status":"success","message":[{"order_id":14`))
	_, err = p.Client().Order(ctx, OrderParams{ProductID: "10000086"})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	// An info word the document does not list: nothing ordered.
	f.answer("/api/order", 200, []byte(`{"status":"info","message":[{"info":"Maintenance_Mode"}]}`))
	_, err = p.Client().Order(ctx, OrderParams{ProductID: "10000086"})
	if e := wantKind(t, err, backend.ErrRefused); e.Code != "Maintenance_Mode" {
		t.Errorf("info code %q", e.Code)
	}
}

func TestGetSMSNoSMSYetSpellings(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	for _, c := range []struct {
		status int
		body   string
	}{
		{200, `{"status":"success","number":"16095170503","service":"Instagram","sms":"","pin":""}`},
		{200, `{"status":"error","message":"No SMS received yet"}`},
		{400, `{"status":"error","message":"SMS not received yet, try again"}`},
		{404, `{"status":"error","message":"No SMS found for this order"}`},
	} {
		f.answer("/api/getsms", c.status, []byte(c.body))
		s, err := p.Client().GetSMS(context.Background(), OrderRef{OrderID: "146185", Number: "16095170503"})
		if err != nil || !s.Waiting {
			t.Errorf("%d %s → %+v %v", c.status, c.body, s, err)
		}
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	f.answer("/api/balance", 400, []byte(`{"status":"error","message":"Wrong Auth for user@example.com with password your_password"}`))
	_, err := p.Client().Balance(context.Background())
	e := wantKind(t, err, backend.ErrAuth)
	for _, s := range []string{err.Error(), e.Code, e.Message, e.Op} {
		if strings.Contains(s, docEmail) || strings.Contains(s, docPassword) {
			t.Errorf("secret in error: %q", s)
		}
	}
	// A 2xx body that echoes the request on a paid call.
	f.answer("/api/order", 200, []byte(`oops {"email":"user@example.com","password":"your_password"}`))
	_, err = p.Client().Order(context.Background(), OrderParams{ProductID: "1"})
	if strings.Contains(err.Error(), docPassword) || strings.Contains(err.Error(), docEmail) {
		t.Errorf("secret in error: %q", err)
	}
}

func TestRateLimitRetryAfterFromBody(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	f.answer("/api/balance", 429, example(t, "rate_limit"))
	start := time.Now()
	_, err := p.Client().Balance(context.Background())
	e := wantKind(t, err, backend.ErrRateLimited)
	if e.RetryAfter != 45*time.Second {
		t.Errorf("retry after %v, want 45s from the body", e.RetryAfter)
	}
	if until := p.Client().Transport().Budget().PausedUntil(); until.Sub(start) < 44*time.Second {
		t.Errorf("budget paused until %v", until)
	}
	if n := f.count("/api/balance"); n != 1 {
		t.Errorf("a 429 was retried: %d requests", n)
	}
}

func TestRateLimitHeadersFeedTheBudget(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	f.on("/api/balance", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "30")
		w.Header().Set("X-RateLimit-Remaining", "29")
		w.Header().Set("X-RateLimit-Reset", time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
		w.Write(example(t, "balance"))
	})
	if _, err := p.Client().Balance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.Client().Transport().Budget().PerMinute(); got != 30 {
		t.Errorf("budget %v a minute, want 30 from X-RateLimit-Limit", got)
	}
}

func TestPaidCallTimeoutIsOutcomeUnknownAndSentOnce(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	defer close(release)
	f.on("/api/order", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	p, err := New(Config{Account: "a", BaseURL: f.URL, Email: docEmail, Password: docPassword,
		Budget: backend.NewBudget(6000), Timeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Client().Order(context.Background(), OrderParams{ProductID: "10000086"})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if n := f.count("/api/order"); n != 1 {
		t.Errorf("order sent %d times, want exactly once", n)
	}
}

func TestPaidCallDroppedConnectionIsOutcomeUnknownAndSentOnce(t *testing.T) {
	f := newFake(t)
	f.on("/api/reject", func(w http.ResponseWriter, _ *http.Request) {
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	})
	p := newProvider(t, f)
	_, err := p.Client().Reject(context.Background(), OrderRef{OrderID: "146185"})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if n := f.count("/api/reject"); n != 1 {
		t.Errorf("reject sent %d times, want exactly once", n)
	}
	// A 5xx on a paid call is not retried either.
	f.answer("/api/renew", 502, []byte(`{"status":"error","message":"bad gateway"}`))
	_, err = p.Client().Renew(context.Background(), OrderRef{OrderID: "146187"}, "")
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if n := f.count("/api/renew"); n != 1 {
		t.Errorf("renew sent %d times", n)
	}
}

func TestReadsAreRetriedOn5xx(t *testing.T) {
	f := newFake(t)
	n := 0
	f.on("/api/getsms", func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write(example(t, "getsms"))
	})
	p := newProvider(t, f)
	s, err := p.Client().GetSMS(context.Background(), OrderRef{OrderID: "146185"})
	if err != nil || s.Code != "545" {
		t.Fatalf("getsms after two 503s: %+v %v", s, err)
	}
	if c := f.count("/api/getsms"); c != 3 {
		t.Errorf("%d attempts, want 3", c)
	}
	// All attempts failing: unavailable, not outcome unknown.
	f.answer("/api/balance", 500, []byte("boom"))
	_, err = p.Client().Balance(context.Background())
	wantKind(t, err, backend.ErrUnavailable)
	if c := f.count("/api/balance"); c != 3 {
		t.Errorf("balance attempts %d, want 3", c)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Email: "a@b.c", Password: "x"},
		{Account: "a", Password: "x"},
		{Account: "a", Email: "a@b.c"},
		{Account: "a", Email: "a@b.c", Password: "x", BaseURL: "ftp://x"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		} else if strings.Contains(err.Error(), "x\"") {
			t.Errorf("error echoes a secret: %v", err)
		}
	}
	p, err := New(Config{Account: "a", Email: "a@b.c", Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Client().Transport().BaseURL() != DefaultBaseURL {
		t.Errorf("default base %q", p.Client().Transport().BaseURL())
	}
	if p.Client().Transport().Budget().PerMinute() != 60 {
		t.Errorf("default budget %v", p.Client().Transport().Budget().PerMinute())
	}
}

// A refusal of an order action that says what the order has become
// carries Error.State; other refusals, and other calls, carry none.
func TestRefusalsStateTheOrder(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	c := p.Client()
	calls := map[string]func() error{
		"/api/reject":   func() error { _, err := c.Reject(ctx, OrderRef{OrderID: "1"}); return err },
		"/api/renew":    func() error { _, err := c.Renew(ctx, OrderRef{OrderID: "1"}, ""); return err },
		"/api/activate": func() error { _, err := c.Activate(ctx, OrderRef{OrderID: "1"}); return err },
		"/api/reuse":    func() error { _, err := c.Reuse(ctx, OrderRef{OrderID: "1"}); return err },
		"/api/getsms":   func() error { _, err := c.GetSMS(ctx, OrderRef{OrderID: "1"}); return err },
	}
	for _, tc := range []struct {
		message string
		want    backend.LineState
	}{
		{"This order has already been rejected.", backend.LineCanceled},
		{"This number has been rejected.", backend.LineCanceled},
		{"Order already refunded", backend.LineCanceled},
		{"The order was cancelled by support", backend.LineCanceled},
		{"This order has expired.", backend.LineExpired},
		{"This number has expired. Renew it to use it again.", backend.LineExpired},
		{"This number has expired and can no longer be renewed.", backend.LineExpired},
		{"Order expired", backend.LineExpired},
		{"An SMS has already been received for this number; it can no longer be rejected.", ""},
		{"SMS already received, cannot reject", ""},
		{"Insufficient balance.", ""},
		{"Wrong Auth", ""},
	} {
		for path, call := range calls {
			f.answer(path, 400, []byte(`{"status":"error","message":"`+tc.message+`"}`))
			e, ok := backend.AsError(call())
			if !ok || e.State != tc.want {
				t.Errorf("%s answering %q: %+v, want state %q", path, tc.message, e, tc.want)
			}
		}
	}
	// Not an order action: nothing to close.
	f.answer("/api/balance", 400, []byte(`{"status":"error","message":"This order has expired."}`))
	if _, err := c.Balance(ctx); backend.KindOf(err) == backend.ErrOther {
		t.Fatalf("balance: %v", err)
	} else if e, _ := backend.AsError(err); e.State != "" {
		t.Errorf("a balance refusal states %q", e.State)
	}
}

// getsms refusing because the order is rejected or expired closes the
// line on Check (it used to stay waiting).
func TestCheckClosesALineTheProviderSaysIsClosed(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	for message, want := range map[string]backend.LineState{
		"This order has already been rejected.": backend.LineCanceled,
		"This order has expired.":               backend.LineExpired,
	} {
		f.answer("/api/getsms", 400, []byte(`{"status":"error","message":"`+message+`"}`))
		ls, ms, err := p.Check(context.Background(), []backend.Line{waitingLine(p)})
		if err != nil || len(ls) != 1 || len(ms) != 0 || ls[0].State != want || ls[0].Allowed != 0 {
			t.Errorf("getsms %q: %+v %v, want one %s line allowing nothing", message, ls, err, want)
		}
	}
	// A rental the provider says expired: closed, still offered a
	// renewal, and live again once renewed.
	f.answer("/api/getsms", 400, []byte(`{"status":"error","message":"This number has expired."}`))
	ls, _, err := p.Check(context.Background(), []backend.Line{rentalLine(p)})
	if err != nil || len(ls) != 1 || ls[0].State != backend.LineExpired || ls[0].Allowed != backend.Allow(backend.ActRenew) {
		t.Fatalf("expired rental: %+v %v", ls, err)
	}
	f.answer("/api/balance", 200, example(t, "balance"))
	f.answer("/api/renew", 200, example(t, "renew"))
	out, err := p.Do(context.Background(), backend.Action{ID: "ren", Kind: backend.ActRenew, Target: ls[0].Key}, backend.Target{Line: &ls[0]})
	if err != nil || len(out.Lines) != 1 || out.Lines[0].State != backend.LineActive || !out.Lines[0].Allowed.Has(backend.ActCheck) {
		t.Errorf("renewed expired rental: %+v %v", out, err)
	}
}
