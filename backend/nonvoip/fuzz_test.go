package nonvoip

import (
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// noControls fails when any string reachable from v holds a control
// character other than '\n'.
func noControls(t *testing.T, v any) {
	t.Helper()
	var walk func(reflect.Value)
	walk = func(rv reflect.Value) {
		switch rv.Kind() {
		case reflect.String:
			s := rv.String()
			for _, r := range s {
				if r == '\n' {
					continue
				}
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("control character %U in %q", r, s)
				}
			}
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		case reflect.Pointer, reflect.Interface:
			if !rv.IsNil() {
				walk(rv.Elem())
			}
		case reflect.Struct:
			if rv.Type() == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := 0; i < rv.NumField(); i++ {
				if rv.Type().Field(i).IsExported() {
					walk(rv.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				walk(rv.Index(i))
			}
		case reflect.Map:
			it := rv.MapRange()
			for it.Next() {
				walk(it.Key())
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(v))
}

func seed(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(example(f, n))
	}
	f.Add([]byte(`{"status":"success","message":[{"order_id":"1\u001b[31m","number":"1\u202e2","service":"x\u0007","expires":"2030-01-01T00:00:00.5Z"}]}`))
	f.Add([]byte(`{"status":"info","message":{"info":"Price_Change_Required","quoted_price":"1e400"}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
}

func FuzzDecodeBalance(f *testing.F) {
	seed(f, "balance")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeBalance(b)
	})
}

func FuzzDecodeProducts(f *testing.F) {
	seed(f, "products_grouped", "products_list", "country_products")
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := decodeProducts(b)
		if err == nil {
			noControls(t, ps)
		}
	})
}

func FuzzDecodeOrderResult(f *testing.F) {
	seed(f, "order_short_term", "order_long_term", "order_premium", "order_price_change", "country_order", "reuse")
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := decodeOrderResult(b, testNow)
		if err != nil {
			return
		}
		noControls(t, res)
		// Mapped onto the domain too.
		p := &Provider{account: "a", now: func() time.Time { return testNow }}
		for _, o := range res.Orders {
			noControls(t, p.lineFromOrder(o, TypeShortTerm, "1", backend.Money{}, testNow))
		}
		if res.Offer != nil {
			noControls(t, offerNote(*res.Offer))
		}
	})
}

func FuzzDecodeSMS(f *testing.F) {
	seed(f, "getsms")
	f.Add([]byte("{\"status\":\"success\",\"sms\":\"\\u001b]52;c;aGVsbG8=\\u0007 code 1234\\r\\n\",\"pin\":\"\\u009b12\"}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSMS(b, "146185", testNow)
		if err != nil {
			return
		}
		noControls(t, s)
		p := &Provider{account: "a", now: func() time.Time { return testNow }}
		l, ms := p.applySMS(backend.Line{ID: "146185", Kind: TypeShortTerm, Extra: map[string]string{}}, s)
		noControls(t, l)
		noControls(t, ms)
	})
}

func FuzzDecodeActionAnswers(f *testing.F) {
	seed(f, "activate", "reject", "renew")
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := decodeActivation(b); err == nil {
			noControls(t, a)
		}
		if m, err := decodeReject(b); err == nil {
			noControls(t, m)
		}
		if r, err := decodeRenew(b, testNow); err == nil {
			noControls(t, r)
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	seed(f, "error_wrong_auth", "error_insufficient_balance", "rate_limit")
	p, err := New(Config{Account: "a", BaseURL: "http://127.0.0.1:1", Email: "e@example.org", Password: "pw-secret"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if d := retryAfterBody(b); d < 0 || d > time.Hour {
			t.Fatalf("retryAfter %v out of bounds", d)
		}
		for _, status := range []int{200, 400, 404} {
			resp := &transport.Response{Status: status, Body: b}
			e := p.c.mapError("op", resp)
			noControls(t, e.Message)
			noControls(t, e.Code)
			noControls(t, p.c.undecodable("op", resp, status == 200, errNotJSON).Message)
		}
	})
}

func FuzzParseWebhook(f *testing.F) {
	seed(f, "webhook_incoming_message", "webhook_auction_wining")
	f.Fuzz(func(t *testing.T, b []byte) {
		p := &Provider{account: "a", now: func() time.Time { return testNow }}
		ls, ms, _, _, err := p.ParseWebhook(b)
		noControls(t, ls)
		noControls(t, ms)
		if err != nil {
			noControls(t, err.Error())
		}
	})
}
