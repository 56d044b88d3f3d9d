package market

import (
	"os"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/backend"
)

// seeds are the document's own bodies plus the shapes this adapter guesses.
func seeds(f *testing.F) {
	for _, name := range []string{"error_insufficient_balance.json", "numbers_purchase_request.json",
		"boost_purchase_request.json", "logs_purchase_request.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"success":true,"data":{"balance":"15000.50","currency":"NGN"}}`,
		`{"data":{"wallet":{"balance":{"amount":"1.00","currency":"₦"}}}}`,
		`{"success":true,"data":{"current_page":1,"data":[{"id":1,"phone":"+1","status":"active","sms":"code\u001b[31m 1234","code":"12\u00073"}],"last_page":2}}`,
		`{"data":[{"id":2,"number":"x","messages":[{"id":"m","text":"a\rb\u0085c","received_at":"2026-05-03T10:00:00Z"}],"service":{"id":3,"name":"W\u202eA"}}],"meta":{"current_page":1}}`,
		`{"data":{"1":{"phone":"1","status":"Partial","remains":"5","quantity":"10","service":{"name":"IG"}}}}`,
		`{"orders":[{"id":9,"category":{"id":12,"name":"FB"},"quantity":2,"total":"7,000","items":[1,2]}]}`,
		`{"data":["Instagram Followers",{"id":3,"name":"TikTok"}]}`,
		`{"success":false,"code":"EARLY_CANCEL_DENIED","data":{"wait_seconds":"1e9"},"errors":{"a":["b\u0000"]}}`,
		`{"success":true,"data":{"order":{"id":"7","price":"-1"},"wallet_balance":"99999999999999999999999999"}}`,
		`[1, "two", null, {"id": {"x": 1}}]`,
		`{"data":{"data":{"data":{"data":{"data":[{"id":1}]}}}}}`,
		`null`, `""`, `{}`, `[]`, `{"data":`,
	} {
		f.Add([]byte(s))
	}
}

// checkStrings fails when any string reachable from v holds a control
// character other than '\n' or is not valid UTF-8.
func checkStrings(t *testing.T, v any) {
	t.Helper()
	var walk func(r reflect.Value, path string)
	walk = func(r reflect.Value, path string) {
		switch r.Kind() {
		case reflect.String:
			s := r.String()
			if !utf8.ValidString(s) {
				t.Fatalf("%s: invalid UTF-8 %q", path, s)
			}
			for _, c := range s {
				if (c < 0x20 && c != '\n') || c == 0x7f || (c >= 0x80 && c < 0xa0) {
					t.Fatalf("%s: control character %U in %q", path, c, s)
				}
			}
		case reflect.Struct:
			if r.Type() == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := 0; i < r.NumField(); i++ {
				if r.Type().Field(i).IsExported() {
					walk(r.Field(i), path+"."+r.Type().Field(i).Name)
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < r.Len(); i++ {
				walk(r.Index(i), path+"[]")
			}
		case reflect.Map:
			for _, k := range r.MapKeys() {
				walk(k, path+"{key}")
				walk(r.MapIndex(k), path+"{}")
			}
		case reflect.Pointer, reflect.Interface:
			if !r.IsNil() {
				walk(r.Elem(), path)
			}
		}
	}
	walk(reflect.ValueOf(v), "")
}

func parsed(b []byte) (any, bool) {
	v, err := parseJSON(b)
	return v, err == nil
}

func FuzzDecodeFailure(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, ok := parsed(b); ok {
			checkStrings(t, decodeFailure(v))
		}
	})
}

func FuzzDecodeWallet(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, ok := parsed(b); ok {
			w, _ := decodeWallet(v)
			checkStrings(t, w)
		}
	})
}

func FuzzDecodeNumberOrders(f *testing.F) {
	seeds(f)
	p, err := New(Config{Account: "fuzz", BaseURL: "https://x.example/api/v1", APIKey: "k"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := parsed(b)
		if !ok {
			return
		}
		orders, page, _ := decodeNumberOrders(v)
		checkStrings(t, orders)
		checkStrings(t, page)
		for _, o := range orders {
			l, msgs := p.line(o)
			checkStrings(t, l)
			checkStrings(t, msgs)
		}
		placed := decodePlaced(v, numberOrderContainers, decodeNumberOrder, func(n NumberOrder) string { return n.ID })
		checkStrings(t, placed)
	})
}

func FuzzDecodeCatalog(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := parsed(b)
		if !ok {
			return
		}
		cs, _ := decodeCountries(v)
		ss, _ := decodeNumberServices(v)
		as, _ := decodeAreaCodes(v)
		bc, _ := decodeBoostCategories(v)
		bs, _ := decodeBoostServices(v)
		lp, _ := decodeLogParents(v)
		lc, _, _ := decodeLogCategories(v)
		checkStrings(t, []any{cs, ss, as, bc, bs, lp, lc})
	})
}

func FuzzDecodeJobs(f *testing.F) {
	seeds(f)
	p, err := New(Config{Account: "fuzz", BaseURL: "https://x.example/api/v1", APIKey: "k"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := parsed(b)
		if !ok {
			return
		}
		bo, _, _ := decodeBoostOrders(v)
		lo, _, _ := decodeLogOrders(v)
		checkStrings(t, bo)
		checkStrings(t, lo)
		var jobs []backend.Job
		for _, o := range bo {
			jobs = append(jobs, p.boostJob(o))
		}
		for _, o := range lo {
			jobs = append(jobs, p.logsJob(o))
		}
		checkStrings(t, jobs)
	})
}
