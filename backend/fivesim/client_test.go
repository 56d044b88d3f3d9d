package fivesim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"switchboard/backend"
	"switchboard/backend/transport"
)

var ctx = context.Background()

func TestClientCallsSendDocumentedRequests(t *testing.T) {
	f := newFake(t)
	for _, p := range []string{"/user/check/11631253", "/user/finish/11631253", "/user/cancel/11631253",
		"/user/ban/11631253", "/user/buy/activation/russia/any/vkontakte", "/user/buy/activation/united%20kingdom/any/tg",
		"/user/buy/activation/united kingdom/any/tg", "/user/reuse/telegram/79001234567"} {
		f.json(p, 200, string(readTestdata(t, "check.json")))
	}
	f.json("/user/profile", 200, string(readTestdata(t, "profile.json")))
	f.json("/user/orders", 200, string(readTestdata(t, "orders.json")))
	f.json("/user/sms/inbox/42", 200, string(readTestdata(t, "inbox.json")))
	f.json("/user/buy/hosting/russia/any/1day", 200, string(readTestdata(t, "buy_hosting.json")))
	f.json("/guest/products/russia/any", 200, string(readTestdata(t, "products.json")))
	f.json("/guest/prices", 200, string(readTestdata(t, "prices_country_product.json")))
	f.json("/guest/countries", 200, string(readTestdata(t, "countries.json")))
	f.json("/guest/flash/en", 200, string(readTestdata(t, "flash.json")))
	c := newTestProvider(t, f).Client()

	type call struct {
		name  string
		do    func() error
		path  string
		query url.Values
		auth  bool
	}
	calls := []call{
		{"profile", func() error { _, err := c.Profile(ctx); return err }, "/v1/user/profile", nil, true},
		{"orders", func() error { _, err := c.Orders(ctx, "hosting", 15, 30); return err }, "/v1/user/orders",
			url.Values{"category": {"hosting"}, "limit": {"15"}, "offset": {"30"}, "order": {"id"}, "reverse": {"true"}}, true},
		{"check", func() error { _, err := c.Check(ctx, 11631253); return err }, "/v1/user/check/11631253", nil, true},
		{"finish", func() error { _, err := c.Finish(ctx, 11631253); return err }, "/v1/user/finish/11631253", nil, true},
		{"cancel", func() error { _, err := c.Cancel(ctx, 11631253); return err }, "/v1/user/cancel/11631253", nil, true},
		{"ban", func() error { _, err := c.Ban(ctx, 11631253); return err }, "/v1/user/ban/11631253", nil, true},
		{"inbox", func() error { _, err := c.Inbox(ctx, 42); return err }, "/v1/user/sms/inbox/42", nil, true},
		{"buy", func() error {
			_, err := c.BuyActivation(ctx, "russia", "any", "vkontakte", BuyOptions{})
			return err
		}, "/v1/user/buy/activation/russia/any/vkontakte", nil, true},
		{"buy with options", func() error {
			_, err := c.BuyActivation(ctx, "russia", "any", "vkontakte", BuyOptions{Forwarding: true,
				ForwardingNumber: "+79001112233", Reuse: true, Voice: true, Ref: "abc"})
			return err
		}, "/v1/user/buy/activation/russia/any/vkontakte",
			url.Values{"forwarding": {"1"}, "number": {"79001112233"}, "reuse": {"1"}, "voice": {"1"}, "ref": {"abc"}}, true},
		{"buy escaped", func() error {
			_, err := c.BuyActivation(ctx, "united kingdom", "any", "tg", BuyOptions{})
			return err
		}, "/v1/user/buy/activation/united kingdom/any/tg", nil, true},
		{"hosting", func() error { _, err := c.BuyHosting(ctx, "russia", "any", "1day"); return err },
			"/v1/user/buy/hosting/russia/any/1day", nil, true},
		{"reuse", func() error { _, err := c.Reuse(ctx, "telegram", "+79001234567"); return err },
			"/v1/user/reuse/telegram/79001234567", nil, true},
		{"products", func() error { _, err := c.Products(ctx, "russia", "any"); return err },
			"/v1/guest/products/russia/any", nil, false},
		{"prices", func() error { _, err := c.Prices(ctx, "russia", "telegram"); return err }, "/v1/guest/prices",
			url.Values{"country": {"russia"}, "product": {"telegram"}}, false},
		{"countries", func() error { _, err := c.Countries(ctx); return err }, "/v1/guest/countries", nil, false},
		{"flash", func() error { _, err := c.Flash(ctx, "en"); return err }, "/v1/guest/flash/en", nil, true},
	}
	for _, tc := range calls {
		before := len(f.requests())
		if err := tc.do(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		rs := f.requests()
		if len(rs) != before+1 {
			t.Errorf("%s: %d requests, want 1", tc.name, len(rs)-before)
			continue
		}
		r := rs[len(rs)-1]
		if r.Method != http.MethodGet || r.Path != tc.path {
			t.Errorf("%s: %s %s, want GET %s", tc.name, r.Method, r.Path, tc.path)
		}
		q, _ := url.ParseQuery(r.RawQuery)
		if tc.query == nil {
			tc.query = url.Values{}
		}
		if q.Encode() != tc.query.Encode() {
			t.Errorf("%s: query %q, want %q", tc.name, q.Encode(), tc.query.Encode())
		}
		auth := r.Header.Get("Authorization")
		if tc.auth && auth != "Bearer "+testKey {
			t.Errorf("%s: Authorization %q", tc.name, auth)
		}
		if !tc.auth && auth != "" {
			t.Errorf("%s: public call sent the key", tc.name)
		}
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("User-Agent") != transport.UserAgent() {
			t.Errorf("%s: headers %v", tc.name, r.Header)
		}
	}
}

func TestPricesNeverUnfilteredAndCached(t *testing.T) {
	f := newFake(t)
	f.json("/guest/prices", 200, string(readTestdata(t, "prices_country.json")))
	c := newTestProvider(t, f).Client()
	_, err := c.Prices(ctx, "", "")
	wantKind(t, err, backend.ErrInvalid)
	if n := len(f.requests()); n != 0 {
		t.Fatalf("unfiltered prices sent %d requests", n)
	}
	for range 3 {
		p, err := c.Prices(ctx, "russia", "")
		if err != nil || p["russia"]["1688"]["beeline"].Count != 1260 {
			t.Fatalf("prices = %v, %v", p, err)
		}
	}
	if n := f.count("/guest/prices"); n != 1 {
		t.Errorf("prices fetched %d times in a minute, want 1 (cached)", n)
	}
	now := time.Now()
	c.now = func() time.Time { return now.Add(guestCacheTTL + time.Second) }
	if _, err := c.Prices(ctx, "russia", ""); err != nil {
		t.Fatal(err)
	}
	if n := f.count("/guest/prices"); n != 2 {
		t.Errorf("stale cache not refreshed: %d fetches", n)
	}
}

func TestPlainTextErrors(t *testing.T) {
	cases := []struct {
		body   string
		status int
		kind   backend.ErrKind
		msg    string
	}{
		{"no free phones", 400, backend.ErrOutOfStock, "no free numbers"},
		{"no free phones", 200, backend.ErrOutOfStock, "no free numbers"},
		{`"no free phones"`, 200, backend.ErrOutOfStock, "no free numbers"},
		{"not enough user balance", 400, backend.ErrNoBalance, "not enough balance"},
		{"not enough rating", 400, backend.ErrForbidden, "rating"},
		{"order not found", 400, backend.ErrNotFound, "order not found"},
		{"order not found", 404, backend.ErrNotFound, "order not found"},
		{"order has sms", 400, backend.ErrRefused, "finish it instead"},
		{"order expired", 400, backend.ErrRefused, "expired"},
		{"you need to wait time", 400, backend.ErrRefused, "try again in 30s"},
		{"bad country", 400, backend.ErrInvalid, "unknown country"},
		{"bad operator", 400, backend.ErrInvalid, "unknown operator"},
		{"no product", 400, backend.ErrInvalid, "unknown product"},
		{"server offline", 400, backend.ErrUnavailable, "offline"},
		{"Server Offline\n", 200, backend.ErrUnavailable, "offline"},
		{"something new", 400, backend.ErrInvalid, "something new"},
		{"forbidden thing", 403, backend.ErrForbidden, "forbidden thing"},
	}
	for _, tc := range cases {
		f := newFake(t)
		f.text("/user/buy/activation/russia/any/tg", tc.status, tc.body)
		c := newTestProvider(t, f).Client()
		_, err := c.BuyActivation(ctx, "russia", "any", "tg", BuyOptions{})
		e := wantKind(t, err, tc.kind)
		if !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%q/%d: message %q lacks %q", tc.body, tc.status, e.Message, tc.msg)
		}
		if e.Status != tc.status {
			t.Errorf("%q: status %d", tc.body, e.Status)
		}
		if tc.body == "you need to wait time" && e.RetryAfter != CancelCooldown {
			t.Errorf("wait time: RetryAfter = %v", e.RetryAfter)
		}
		if tc.kind != backend.ErrInvalid && tc.kind != backend.ErrForbidden && e.Code != strings.ToLower(strings.Trim(strings.TrimSpace(tc.body), `"`)) {
			t.Errorf("%q: code %q", tc.body, e.Code)
		}
		if f.count("/user/buy/activation/russia/any/tg") != 1 {
			t.Errorf("%q: purchase sent more than once", tc.body)
		}
	}
}

func TestAuthFailureEmptyBody(t *testing.T) {
	f := newFake(t)
	f.on("/user/profile", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	_, err := newTestProvider(t, f).Client().Profile(ctx)
	e := wantKind(t, err, backend.ErrAuth)
	if e.Message != "API key rejected" || e.Status != 401 {
		t.Errorf("auth error = %+v", e)
	}
	if f.count("/user/profile") != 1 {
		t.Error("a 401 must not be retried")
	}
}

func TestRedirectAndHTMLAreErrors(t *testing.T) {
	f := newFake(t)
	followed := 0
	f.on("/user/nowhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/404.html", http.StatusFound)
	})
	f.on("/404.html", func(w http.ResponseWriter, r *http.Request) { followed++ })
	f.on("/user/profile", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Just a moment</title></head></html>"))
	})
	f.on("/user/check/5", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = w.Write([]byte("<html><body>404 page not found</body></html>"))
	})
	c := newTestProvider(t, f).Client()
	_, err := c.order(ctx, "probe", "/user/nowhere", nil, false)
	e := wantKind(t, err, backend.ErrNotFound)
	if e.Status != http.StatusFound || followed != 0 {
		t.Errorf("redirect: status %d, followed %d", e.Status, followed)
	}
	_, err = c.Profile(ctx)
	e = wantKind(t, err, backend.ErrUnavailable)
	if !strings.Contains(e.Message, "HTML") || !strings.Contains(e.Message, "Just a moment") {
		t.Errorf("html message = %q", e.Message)
	}
	_, err = c.Check(ctx, 5)
	wantKind(t, err, backend.ErrNotFound)
}

func TestPurchaseSuccessIsAnObjectWithID(t *testing.T) {
	for _, body := range []string{`{}`, `{"status":"PENDING"}`, `{"id":12,`} {
		f := newFake(t)
		f.json("/user/buy/activation/russia/any/tg", 200, body)
		_, err := newTestProvider(t, f).Client().BuyActivation(ctx, "russia", "any", "tg", BuyOptions{})
		// The money may have gone: never re-sent, settled by re-reading.
		wantKind(t, err, backend.ErrOutcomeUnknown)
		if n := f.count("/user/buy/activation/russia/any/tg"); n != 1 {
			t.Errorf("%s: %d purchases sent", body, n)
		}
	}
	// The same body on a read is just malformed.
	f := newFake(t)
	f.json("/user/check/3", 200, `{"status":"PENDING"}`)
	_, err := newTestProvider(t, f).Client().Check(ctx, 3)
	wantKind(t, err, backend.ErrMalformed)
}

// A web page in place of a purchase's answer is no clear answer: the
// purchase may have happened, so it is settled, not re-sent (as with every
// other adapter).
func TestHTMLAnswerToAPurchaseIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.on("/user/buy/activation/russia/any/tg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Just a moment</title></head></html>"))
	})
	_, err := newTestProvider(t, f).Client().BuyActivation(ctx, "russia", "any", "tg", BuyOptions{})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if n := f.count("/user/buy/activation/russia/any/tg"); n != 1 {
		t.Errorf("%d purchases sent", n)
	}
}

func TestSecretsRedacted(t *testing.T) {
	f := newFake(t)
	f.text("/user/profile", 400, "bad key "+testKey)
	_, err := newTestProvider(t, f).Client().Profile(ctx)
	e := wantKind(t, err, backend.ErrInvalid)
	if strings.Contains(e.Message+e.Code+e.Op, testKey) {
		t.Errorf("key leaked: %+v", e)
	}
}

func TestRateLimited(t *testing.T) {
	f := newFake(t)
	f.text("/user/profile", http.StatusTooManyRequests, "too many requests")
	p := newTestProvider(t, f)
	_, err := p.Client().Profile(ctx)
	e := wantKind(t, err, backend.ErrRateLimited)
	// No Retry-After from 5sim: the budget backs off by itself, ≥ 1 s.
	if e.RetryAfter < time.Second {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
	if until := p.Client().Transport().Budget().PausedUntil(); time.Until(until) < 500*time.Millisecond {
		t.Errorf("budget not paused: %v", until)
	}
	if f.count("/user/profile") != 1 {
		t.Error("a 429 must not be retried at once")
	}
}

func TestPaidCallTimeoutIsOutcomeUnknownAndSentOnce(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.on("/user/buy/activation/russia/any/tg", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	p, err := New(Config{Account: "main", BaseURL: f.srv.URL + "/v1", APIKey: testKey,
		Budget: backend.NewBudget(60000), Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Client().BuyActivation(ctx, "russia", "any", "tg", BuyOptions{})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if n := f.count("/user/buy/activation/russia/any/tg"); n != 1 {
		t.Errorf("purchase reached the server %d times, want 1", n)
	}
}

func TestPaidCallDroppedConnectionIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}
	f.on("/user/cancel/9", hangUp)
	f.on("/user/buy/hosting/russia/any/3hours", hangUp)
	c := newTestProvider(t, f).Client()
	_, err := c.Cancel(ctx, 9)
	wantKind(t, err, backend.ErrOutcomeUnknown)
	_, err = c.BuyHosting(ctx, "russia", "any", "3hours")
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if f.count("/user/cancel/9") != 1 || f.count("/user/buy/hosting/russia/any/3hours") != 1 {
		t.Errorf("writes re-sent: %v", f.requests())
	}
	// A server error on a purchase is just as unclear: a 5xx other than a
	// limit, and 5sim's own outage answer.
	for i, answer := range []struct {
		status int
		body   string
	}{{502, "bad gateway"}, {503, "server offline"}} {
		f.text("/user/buy/activation/russia/any/tg", answer.status, answer.body)
		_, err = c.BuyActivation(ctx, "russia", "any", "tg", BuyOptions{})
		wantKind(t, err, backend.ErrOutcomeUnknown)
		if f.count("/user/buy/activation/russia/any/tg") != i+1 {
			t.Errorf("purchase re-sent after %d %s", answer.status, answer.body)
		}
	}
}

func TestReadsRetriedOn5xx(t *testing.T) {
	f := newFake(t)
	n := 0
	profile := readTestdata(t, "profile.json")
	f.on("/user/profile", func(w http.ResponseWriter, r *http.Request) {
		n++
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write(profile)
	})
	pr, err := newTestProvider(t, f).Client().Profile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || !pr.Balance.Amount.Equal(dec("100")) {
		t.Errorf("attempts = %d, profile = %+v", n, pr)
	}
}

func TestAllOrdersPagesUntilShortPage(t *testing.T) {
	f := newFake(t)
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		off := r.URL.Query().Get("offset")
		var items []string
		count := map[string]int{"0": 2, "2": 2, "4": 1}[off]
		for i := range count {
			items = append(items, `{"id":"`+off+`0`+string(rune('1'+i))+`","status":"FINISHED"}`)
		}
		// Total lies, as 5sim's may.
		_, _ = w.Write([]byte(`{"Data":[` + strings.Join(items, ",") + `],"Total":1}`))
	})
	orders, err := newTestProvider(t, f).Client().AllOrders(ctx, "activation", 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 5 || f.count("/user/orders") != 3 {
		t.Errorf("orders = %d, pages = %d", len(orders), f.count("/user/orders"))
	}
}

// TestLimit503PausesBudget: 5sim answers its per-IP and per-purchase limits
// with a plain-text 503 (NOTES.md). That is a rate limit: the budget pauses
// at least a second, backing off, and nothing is retried at once — not a
// server error retried after a fraction of a second into a key ban.
func TestLimit503PausesBudget(t *testing.T) {
	for _, path := range []string{"/user/profile", "/user/buy/activation/russia/any/tg"} {
		f := newFake(t)
		f.text(path, http.StatusServiceUnavailable, "ip address limit is 100 requests per second")
		clock := clockwork.NewFakeClock() // the pause is read off a clock that stands still
		p, err := New(Config{Account: "main", BaseURL: f.srv.URL + "/v1", APIKey: testKey,
			Budget: backend.NewBudgetClock(60000, clock), Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c := p.Client()
		// The fake clock refills no tokens: a second attempt would wait
		// until this bound.
		once, cancel := context.WithTimeout(ctx, 5*time.Second)
		if strings.Contains(path, "/buy/") {
			_, err = c.BuyActivation(once, "russia", "any", "tg", BuyOptions{})
		} else {
			_, err = c.Profile(once)
		}
		cancel()
		// A purchase refused by the limit was not made: rate limited, not
		// an unknown outcome.
		e := wantKind(t, err, backend.ErrRateLimited)
		if e.RetryAfter < time.Second || e.Status != http.StatusServiceUnavailable {
			t.Errorf("%s: %+v", path, e)
		}
		if until := c.Transport().Budget().PausedUntil(); until.Sub(clock.Now()) < time.Second {
			t.Errorf("%s: budget paused until %v, now %v", path, until, clock.Now())
		}
		if n := f.count(path); n != 1 {
			t.Errorf("%s: sent %d times, want once", path, n)
		}
		short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		_, err = c.Profile(short)
		cancel()
		if err == nil || len(f.requests()) != 1 {
			t.Errorf("%s: a request went out during the pause (%v)", path, err)
		}
	}
	// 5sim's outage answer and a proxy's page stay server errors.
	for _, body := range []string{"server offline", "<!DOCTYPE html><html><body>503 Service Unavailable</body></html>"} {
		f := newFake(t)
		f.text("/user/profile", http.StatusServiceUnavailable, body)
		c := newTestProvider(t, f).Client()
		_, err := c.Profile(ctx)
		wantKind(t, err, backend.ErrUnavailable)
		if !c.Transport().Budget().PausedUntil().IsZero() {
			t.Errorf("%q paused the budget", body)
		}
	}
}
