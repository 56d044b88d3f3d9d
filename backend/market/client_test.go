package market

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/transport"
)

func TestEveryCallSendsTheDocumentedRequest(t *testing.T) {
	f := newFake(t)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/wallet", `{"success":true,"data":{"balance":"10.00","currency":"NGN"}}`},
		{"GET", "/numbers/countries", `{"data":[{"id":1,"name":"United States"}]}`},
		{"GET", "/numbers/services", `{"data":[{"id":123,"name":"WhatsApp"}]}`},
		{"GET", "/numbers/area-codes", `{"data":["917"]}`},
		{"GET", "/numbers/orders", `{"data":[]}`},
		{"GET", "/numbers/orders/42", `{"data":{"id":42,"status":"active"}}`},
		{"POST", "/numbers/orders", `{"success":true,"data":{"id":43,"status":"active"}}`},
		{"POST", "/numbers/orders/42/check", `{"data":{"id":42,"status":"active"}}`},
		{"POST", "/numbers/orders/42/cancel", `{"success":true,"message":"Order cancelled."}`},
		{"GET", "/boost/categories", `{"data":["Instagram Followers"]}`},
		{"GET", "/boost/services", `{"data":[{"id":101,"name":"IG"}]}`},
		{"GET", "/boost/services/101", `{"data":{"id":101,"name":"IG"}}`},
		{"GET", "/boost/orders", `{"data":[]}`},
		{"GET", "/boost/orders/55", `{"data":{"id":55,"status":"Pending"}}`},
		{"POST", "/boost/orders", `{"data":{"id":56,"status":"Pending"}}`},
		{"POST", "/boost/orders/55/check", `{"data":{"id":55,"status":"Processing"}}`},
		{"POST", "/boost/orders/55/cancel", `{"data":{"id":55,"status":"Canceled"}}`},
		{"GET", "/logs/parent-categories", `{"data":[{"id":2,"name":"Facebook"}]}`},
		{"GET", "/logs/categories", `{"data":[{"id":12,"name":"FB"}]}`},
		{"GET", "/logs/categories/12", `{"data":{"id":12,"name":"FB"}}`},
		{"GET", "/logs/orders", `{"data":[]}`},
		{"POST", "/logs/orders", `{"data":{"id":9,"status":"completed"}}`},
	} {
		f.answer(r.method, r.path, 200, r.body)
	}
	c := f.provider(t).Client()
	ctx := context.Background()
	calls := []struct {
		name   string
		call   func() error
		method string
		path   string
		query  url.Values
		body   string
	}{
		{"wallet", func() error { _, err := c.Wallet(ctx); return err }, "GET", "/wallet", nil, ""},
		{"countries", func() error { _, err := c.NumberCountries(ctx); return err }, "GET", "/numbers/countries", nil, ""},
		{"services", func() error { _, err := c.NumberServices(ctx, "1"); return err }, "GET", "/numbers/services", url.Values{"country_id": {"1"}}, ""},
		{"area codes", func() error { _, err := c.NumberAreaCodes(ctx, "1", "123"); return err }, "GET", "/numbers/area-codes",
			url.Values{"country_id": {"1"}, "service_id": {"123"}}, ""},
		{"number orders", func() error { _, _, err := c.NumberOrders(ctx, 1, 25); return err }, "GET", "/numbers/orders", url.Values{"per_page": {"25"}}, ""},
		{"number orders page 2", func() error { _, _, err := c.NumberOrders(ctx, 2, 25); return err }, "GET", "/numbers/orders",
			url.Values{"per_page": {"25"}, "page": {"2"}}, ""},
		{"number order", func() error { _, err := c.NumberOrder(ctx, "42"); return err }, "GET", "/numbers/orders/42", nil, ""},
		{"buy number", func() error {
			_, err := c.BuyNumber(ctx, NumberPurchase{CountryID: "1", ServiceID: "123", AreaCodes: []string{"917"}, IdempotencyKey: "number-order-20260503-0001"})
			return err
		}, "POST", "/numbers/orders", nil, compact(t, readTestdata(t, "numbers_purchase_request.json"))},
		{"check number", func() error { _, err := c.CheckNumber(ctx, "42"); return err }, "POST", "/numbers/orders/42/check", nil, ""},
		{"cancel number", func() error { _, _, err := c.CancelNumber(ctx, "42"); return err }, "POST", "/numbers/orders/42/cancel", nil, ""},
		{"boost categories", func() error { _, err := c.BoostCategories(ctx); return err }, "GET", "/boost/categories", nil, ""},
		{"boost services", func() error { _, err := c.BoostServices(ctx, "Instagram Followers"); return err }, "GET", "/boost/services",
			url.Values{"category": {"Instagram Followers"}}, ""},
		{"boost service", func() error { _, err := c.BoostService(ctx, "101"); return err }, "GET", "/boost/services/101", nil, ""},
		{"boost orders", func() error { _, _, err := c.BoostOrders(ctx, 1, 25); return err }, "GET", "/boost/orders", url.Values{"per_page": {"25"}}, ""},
		{"boost order", func() error { _, err := c.BoostOrder(ctx, "55"); return err }, "GET", "/boost/orders/55", nil, ""},
		{"buy boost", func() error {
			_, err := c.BuyBoost(ctx, BoostPurchase{ServiceID: "101", Link: "https://instagram.com/p/example", Quantity: 1000, IdempotencyKey: "boost-order-20260503-0001"})
			return err
		}, "POST", "/boost/orders", nil, compact(t, readTestdata(t, "boost_purchase_request.json"))},
		{"check boost", func() error { _, err := c.CheckBoost(ctx, "55"); return err }, "POST", "/boost/orders/55/check", nil, ""},
		{"cancel boost", func() error { _, _, err := c.CancelBoost(ctx, "55"); return err }, "POST", "/boost/orders/55/cancel", nil, ""},
		{"log parents", func() error { _, err := c.LogParentCategories(ctx); return err }, "GET", "/logs/parent-categories", nil, ""},
		{"log categories", func() error { _, _, err := c.LogCategories(ctx, "2", 1, 25); return err }, "GET", "/logs/categories",
			url.Values{"per_page": {"25"}, "parent_category_id": {"2"}}, ""},
		{"log category", func() error { _, err := c.LogCategory(ctx, "12"); return err }, "GET", "/logs/categories/12", nil, ""},
		{"log orders", func() error { _, _, err := c.LogOrders(ctx, 1, 25); return err }, "GET", "/logs/orders", url.Values{"per_page": {"25"}}, ""},
		{"buy logs", func() error {
			_, err := c.BuyLogs(ctx, LogsPurchase{CategoryID: "12", Quantity: 1, IdempotencyKey: "logs-order-20260503-0001"})
			return err
		}, "POST", "/logs/orders", nil, compact(t, readTestdata(t, "logs_purchase_request.json"))},
	}
	for _, k := range calls {
		t.Run(k.name, func(t *testing.T) {
			if err := k.call(); err != nil {
				t.Fatal(err)
			}
			r := f.last()
			if r.Method != k.method || r.Path != k.path {
				t.Fatalf("sent %s %s, want %s %s", r.Method, r.Path, k.method, k.path)
			}
			q, _ := url.ParseQuery(r.Query)
			if len(q) != len(k.query) {
				t.Fatalf("query %q, want %v", r.Query, k.query)
			}
			for key, v := range k.query {
				if q.Get(key) != v[0] {
					t.Fatalf("query %q, want %v", r.Query, k.query)
				}
			}
			if r.Body != k.body {
				t.Fatalf("body\n got %s\nwant %s", r.Body, k.body)
			}
			if k.body != "" && r.ContentType != "application/json" {
				t.Fatalf("content type %q", r.ContentType)
			}
			if r.Auth != "Bearer "+testKey || r.Accept != "application/json" || r.UA != transport.UserAgent() {
				t.Fatalf("headers auth=%q accept=%q ua=%q", r.Auth, r.Accept, r.UA)
			}
			if strings.Contains(r.Query, "idempotency") {
				t.Fatal("the idempotency key belongs in the body")
			}
			for h := range r.Header {
				if strings.Contains(strings.ToLower(h), "idempotency") {
					t.Fatalf("idempotency header %s: the key belongs in the body", h)
				}
			}
		})
	}
}

func TestErrorCodesMap(t *testing.T) {
	cases := []struct {
		status int
		body   string
		kind   backend.ErrKind
		code   string
		msg    string // substring of the message
	}{
		{401, `{"success":false,"status":401,"message":"Unauthenticated.","code":"UNAUTHENTICATED"}`, backend.ErrAuth, "UNAUTHENTICATED", "API key rejected"},
		{401, `{"message":"Unauthenticated."}`, backend.ErrAuth, "401", "Unauthenticated."},
		{422, `{"success":false,"status":422,"message":"The given data was invalid.","code":"VALIDATION_FAILED","errors":{"country_id":["The selected country id is invalid."]}}`,
			backend.ErrInvalid, "VALIDATION_FAILED", "The selected country id is invalid."},
		{403, `{"success":false,"status":403,"message":"Account disabled.","code":"USER_DISABLED"}`, backend.ErrForbidden, "USER_DISABLED", "disabled"},
		{403, `{"success":false,"status":403,"message":"Banned.","code":"USER_BANNED"}`, backend.ErrForbidden, "USER_BANNED", "banned"},
		{403, `{"message":"Invalid ability provided."}`, backend.ErrForbidden, "403", "lacks the ability"},
		{402, string(readTestdata(t, "error_insufficient_balance.json")), backend.ErrNoBalance, "INSUFFICIENT_BALANCE", "not enough balance: Insufficient wallet balance."},
		{402, `{"success":false,"status":402,"message":"Insufficient wallet balance.","code":"INSUFFICIENT_BALANCE","data":{"required":"1500.00"}}`,
			backend.ErrNoBalance, "INSUFFICIENT_BALANCE", "not enough balance (needs 1500)"},
		{409, `{"success":false,"status":409,"message":"Key reused.","code":"IDEMPOTENCY_KEY_REUSED"}`, backend.ErrInvalid, "IDEMPOTENCY_KEY_REUSED", "already used for a different request"},
		{409, `{"success":false,"status":409,"message":"In progress.","code":"IDEMPOTENCY_KEY_IN_PROGRESS"}`, backend.ErrRefused, "IDEMPOTENCY_KEY_IN_PROGRESS", "still processing"},
		{404, `{"success":false,"status":404,"message":"Not found.","code":"LOG_CATEGORY_NOT_FOUND"}`, backend.ErrNotFound, "LOG_CATEGORY_NOT_FOUND", "logs category not found"},
		{422, `{"success":false,"status":422,"message":"Out of stock.","code":"OUT_OF_STOCK"}`, backend.ErrOutOfStock, "OUT_OF_STOCK", "out of stock"},
		{404, `{"success":false,"status":404,"message":"x","code":"NUMBER_SERVICE_NOT_FOUND"}`, backend.ErrNotFound, "NUMBER_SERVICE_NOT_FOUND", "service not found"},
		{404, `{"success":false,"status":404,"message":"x","code":"NUMBER_ORDER_NOT_FOUND"}`, backend.ErrNotFound, "NUMBER_ORDER_NOT_FOUND", "order not found"},
		{422, `{"success":false,"status":422,"message":"No numbers.","code":"NUMBER_OUT_OF_STOCK"}`, backend.ErrOutOfStock, "NUMBER_OUT_OF_STOCK", "no numbers in stock"},
		{422, `{"success":false,"status":422,"message":"Code received; complete the order instead.","code":"NUMBER_CODE_ALREADY_RECEIVED"}`,
			backend.ErrRefused, "NUMBER_CODE_ALREADY_RECEIVED", "a code already arrived on this number, so it cannot be cancelled"},
		{404, `{"success":false,"status":404,"message":"x","code":"BOOST_SERVICE_NOT_FOUND"}`, backend.ErrNotFound, "BOOST_SERVICE_NOT_FOUND", "boost service not found"},
		{404, `{"success":false,"status":404,"message":"x","code":"BOOST_ORDER_NOT_FOUND"}`, backend.ErrNotFound, "BOOST_ORDER_NOT_FOUND", "boost order not found"},
		{422, `{"success":false,"status":422,"message":"Not cancellable.","code":"BOOST_CANCEL_UNAVAILABLE"}`, backend.ErrRefused, "BOOST_CANCEL_UNAVAILABLE", "cannot be cancelled"},
		{422, `{"success":false,"status":422,"message":"Rejected.","code":"BOOST_CANCEL_REJECTED"}`, backend.ErrRefused, "BOOST_CANCEL_REJECTED", "refused to cancel"},
		{200, `{"success":false,"status":402,"message":"Insufficient wallet balance.","code":"INSUFFICIENT_BALANCE"}`, backend.ErrNoBalance, "INSUFFICIENT_BALANCE", "not enough balance"},
		{418, `{"success":false,"message":"Odd.","code":"SOMETHING_NEW"}`, backend.ErrOther, "SOMETHING_NEW", "Odd."},
	}
	for _, c := range cases {
		t.Run(c.code+"/"+http.StatusText(c.status), func(t *testing.T) {
			f := newFake(t)
			f.answer("POST", "/numbers/orders/1/cancel", c.status, c.body)
			_, _, err := f.provider(t).Client().CancelNumber(context.Background(), "1")
			e, ok := backend.AsError(err)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Kind != c.kind || e.Code != c.code || !strings.Contains(e.Message, c.msg) || e.Provider != backend.Market {
				t.Fatalf("got kind=%s code=%q msg=%q", e.Kind, e.Code, e.Message)
			}
		})
	}
}

func TestCodeAlreadyReceivedOffersNothingElse(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/numbers/orders/1/cancel", 422, `{"success":false,"status":422,"message":"Code already received. Please complete the order.","code":"NUMBER_CODE_ALREADY_RECEIVED"}`)
	_, _, err := f.provider(t).Client().CancelNumber(context.Background(), "1")
	e, _ := backend.AsError(err)
	if e == nil || e.Kind != backend.ErrRefused || e.Message != "a code already arrived on this number, so it cannot be cancelled" {
		t.Fatalf("err = %#v", e)
	}
}

func TestEarlyCancelDeniedCarriesWait(t *testing.T) {
	for _, body := range []string{
		`{"success":false,"status":422,"message":"Too early.","code":"EARLY_CANCEL_DENIED","wait_seconds":90}`,
		`{"success":false,"status":422,"message":"Too early.","code":"EARLY_CANCEL_DENIED","data":{"wait_seconds":"90"}}`,
	} {
		f := newFake(t)
		f.answer("POST", "/numbers/orders/1/cancel", 422, body)
		_, _, err := f.provider(t).Client().CancelNumber(context.Background(), "1")
		e, _ := backend.AsError(err)
		if e == nil || e.Kind != backend.ErrRefused || e.RetryAfter != 90*time.Second || !strings.Contains(e.Message, "1m30s") {
			t.Fatalf("err = %#v", e)
		}
	}
	// Without wait_seconds: refused, no pause to honour.
	f := newFake(t)
	f.answer("POST", "/numbers/orders/1/cancel", 422, `{"success":false,"status":422,"message":"Too early.","code":"EARLY_CANCEL_DENIED"}`)
	_, _, err := f.provider(t).Client().CancelNumber(context.Background(), "1")
	if e, _ := backend.AsError(err); e == nil || e.Kind != backend.ErrRefused || e.RetryAfter != 0 {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitPausesTheBudget(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/wallet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"success":false,"status":429,"message":"Too Many Attempts.","code":"RATE_LIMITED"}`)
	})
	p := f.provider(t)
	_, err := p.Client().Wallet(context.Background())
	e, _ := backend.AsError(err)
	if e == nil || e.Kind != backend.ErrRateLimited || e.RetryAfter != 7*time.Second {
		t.Fatalf("err = %#v", err)
	}
	if until := p.Client().Budget().PausedUntil(); time.Until(until) < 5*time.Second {
		t.Fatalf("budget not paused: %v", until)
	}
	if n := f.count("GET", "/wallet"); n != 1 {
		t.Fatalf("a 429 must not be retried at once: %d requests", n)
	}
}

func TestPaidCallTimeoutIsOutcomeUnknownAndSentOnce(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	defer close(release)
	f.on("POST", "/numbers/orders", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	p := f.provider(t, func(c *Config) { c.Timeout = 150 * time.Millisecond })
	_, err := p.Client().BuyNumber(context.Background(), NumberPurchase{CountryID: "1", ServiceID: "2", IdempotencyKey: "k1"})
	if k := kindOf(t, err); k != backend.ErrOutcomeUnknown {
		t.Fatalf("kind = %s (%v)", k, err)
	}
	if n := f.count("POST", "/numbers/orders"); n != 1 {
		t.Fatalf("%d purchase requests reached the server, want exactly 1", n)
	}
}

func TestPaidCallDroppedConnectionIsOutcomeUnknownAndSentOnce(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/boost/orders", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	_, err := f.provider(t).Client().BuyBoost(context.Background(), BoostPurchase{ServiceID: "101", Link: "https://x", Quantity: 100, IdempotencyKey: "k2"})
	if k := kindOf(t, err); k != backend.ErrOutcomeUnknown {
		t.Fatalf("kind = %s (%v)", k, err)
	}
	if n := f.count("POST", "/boost/orders"); n != 1 {
		t.Fatalf("%d purchase requests reached the server, want exactly 1", n)
	}
}

func TestPaidCallServerErrorIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/logs/orders", 502, `bad gateway`)
	_, err := f.provider(t).Client().BuyLogs(context.Background(), LogsPurchase{CategoryID: "12", Quantity: 1, IdempotencyKey: "k3"})
	if k := kindOf(t, err); k != backend.ErrOutcomeUnknown {
		t.Fatalf("kind = %s", k)
	}
	if n := f.count("POST", "/logs/orders"); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

func TestReadsAreRetriedOn5xx(t *testing.T) {
	f := newFake(t)
	n := 0
	f.on("GET", "/wallet", func(w http.ResponseWriter, r *http.Request) {
		n++
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"balance":"5.00","currency":"NGN"}`)
	})
	w, err := f.provider(t).Client().Wallet(context.Background())
	if err != nil || w.Balance.String() != "5" {
		t.Fatalf("wallet = %+v, %v", w, err)
	}
	if c := f.count("GET", "/wallet"); c != 3 {
		t.Fatalf("%d attempts, want 3", c)
	}
}

func TestUndecodableAnswers(t *testing.T) {
	html := "<!DOCTYPE html><html><body>Maintenance</body></html>"
	f := newFake(t)
	f.answer("GET", "/wallet", 200, html)
	f.answer("GET", "/numbers/countries", 200, `{"data":[{"id":1,`)
	f.answer("POST", "/numbers/orders", 200, html)
	f.answer("GET", "/boost/categories", 404, html)
	c := f.provider(t).Client()
	ctx := context.Background()
	_, err := c.Wallet(ctx)
	if k := kindOf(t, err); k != backend.ErrUnavailable {
		t.Fatalf("HTML 200 on a read: %s", k)
	}
	_, err = c.NumberCountries(ctx)
	if k := kindOf(t, err); k != backend.ErrMalformed || !strings.Contains(err.Error(), `{"data":[{"id":1,`) {
		t.Fatalf("broken JSON: %s %v", k, err)
	}
	_, err = c.BuyNumber(ctx, NumberPurchase{CountryID: "1", ServiceID: "2", IdempotencyKey: "k"})
	if k := kindOf(t, err); k != backend.ErrOutcomeUnknown {
		t.Fatalf("HTML 200 on a purchase may have bought: %s", k)
	}
	_, err = c.BoostCategories(ctx)
	if k := kindOf(t, err); k != backend.ErrNotFound || !strings.Contains(err.Error(), "base_url") {
		t.Fatalf("HTML 404: %s %v", k, err)
	}
	_, err = c.Wallet(ctx)
	if _, ok := backend.AsError(err); !ok {
		t.Fatal("not a backend error")
	}
}

// A web page with a 403 is a proxy's or a challenge page, not the
// marketplace refusing the key an ability: it must not read as forbidden
// (which hides a listing).
func TestHTMLForbiddenPageIsUnavailable(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/boost/categories", 403, "<!DOCTYPE html><html><title>Access denied</title></html>")
	_, err := f.provider(t).Client().BoostCategories(context.Background())
	if k := kindOf(t, err); k != backend.ErrUnavailable || !strings.Contains(err.Error(), "Access denied") {
		t.Fatalf("HTML 403: %s %v", k, err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/wallet", 401, `{"success":false,"status":401,"message":"Token `+testKey+` revoked","code":"UNAUTHENTICATED_X"}`)
	f.answer("GET", "/numbers/countries", 500, `key=`+testKey)
	c := f.provider(t).Client()
	for _, call := range []func() error{
		func() error { _, err := c.Wallet(context.Background()); return err },
		func() error { _, err := c.NumberCountries(context.Background()); return err },
	} {
		err := call()
		if err == nil {
			t.Fatal("expected an error")
		}
		e, _ := backend.AsError(err)
		if strings.Contains(err.Error(), testKey) || strings.Contains(e.Code, testKey) || strings.Contains(e.Message, testKey) {
			t.Fatalf("secret leaked: %v", err)
		}
	}
}
