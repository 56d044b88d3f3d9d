package pivday

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// cleanStrings fails when any string reachable from v (struct fields,
// slices, maps, pointers) holds a control character other than '\n'.
func cleanStrings(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.String:
			for _, r := range rv.String() {
				if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("%s holds control character %U: %q", path, r, rv.String())
				}
			}
		case reflect.Struct:
			for i := range rv.NumField() {
				if rv.Type().Field(i).IsExported() {
					walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range rv.Len() {
				walk(path+"[]", rv.Index(i))
			}
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				walk(path+"{key}", k)
				walk(path+"{}", rv.MapIndex(k))
			}
		case reflect.Pointer, reflect.Interface:
			if !rv.IsNil() {
				walk(path, rv.Elem())
			}
		}
	}
	walk("", reflect.ValueOf(v))
}

func seedFixtures(f *testing.F, prefix string) {
	names, _ := filepath.Glob(filepath.Join("testdata", prefix+"*.json"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func fuzzProvider() *Provider {
	p, err := New(Config{Account: "fuzz", BaseURL: "http://127.0.0.1:1/api/v1", APIKey: testKey})
	if err != nil {
		panic(err)
	}
	p.now = func() time.Time { return testNow }
	return p
}

// dataOf returns an envelope's data, or the body itself.
func dataOf(b []byte) []byte {
	var env envelope
	if json.Unmarshal(b, &env) == nil && len(env.Data) > 0 {
		return env.Data
	}
	return b
}

func FuzzNumbers(f *testing.F) {
	seedFixtures(f, "number")
	f.Add([]byte(`{"numbers":[{"piv_num_id":"a\u001b","phone_number":"+1\u009b","status":"active\r","custom_name":"x\u202e","expires_at":"2026-01-01T00:00:00.1Z"}]}`))
	p := fuzzProvider()
	f.Fuzz(func(t *testing.T, b []byte) {
		var page numbersPage
		var one Number
		var bought NumberPurchase
		_ = json.Unmarshal(dataOf(b), &page)
		_ = json.Unmarshal(dataOf(b), &one)
		_ = json.Unmarshal(b, &bought)
		nums := append(append(page.Numbers, one), bought.Numbers...)
		for _, n := range nums {
			l := p.line(n, money(bought.Cost), testNow)
			cleanStrings(t, l)
			cleanStrings(t, p.numberLease(l))
		}
	})
}

func FuzzSMS(f *testing.F) {
	seedFixtures(f, "number_sms")
	f.Add([]byte(`{"messages":[{"id":1,"from_number":"\u001b]52;c;aGk=\u0007","message_body":"code 1234\r\n\u001b[2J","direction":"inbound","received_at":"x"}]}`))
	p := fuzzProvider()
	f.Fuzz(func(t *testing.T, b []byte) {
		var page smsPage
		_ = json.Unmarshal(dataOf(b), &page)
		for _, m := range page.Messages {
			if msg, ok := p.message("line-1", "+1", m); ok {
				cleanStrings(t, msg)
			}
		}
	})
}

func FuzzLeasesAndJobs(f *testing.F) {
	for _, prefix := range []string{"proxy", "domain", "queue", "white"} {
		seedFixtures(f, prefix)
	}
	p := fuzzProvider()
	f.Fuzz(func(t *testing.T, b []byte) {
		d := dataOf(b)
		var orders proxyOrdersPage
		var order ProxyOrder
		var domains domainsPage
		var domain Domain
		var queue QueueEntry
		var whites whitesPage
		var white White
		_ = json.Unmarshal(d, &orders)
		_ = json.Unmarshal(unwrap(d, "order"), &order)
		_ = json.Unmarshal(d, &domains)
		_ = json.Unmarshal(unwrap(d, "domain"), &domain)
		_ = json.Unmarshal(d, &queue)
		_ = json.Unmarshal(d, &whites)
		_ = json.Unmarshal(unwrap(d, "white"), &white)
		for _, o := range append(orders.Orders, order) {
			cleanStrings(t, p.proxyLease(o))
		}
		for _, dm := range append(domains.Domains, domain) {
			cleanStrings(t, p.domainLeases(dm))
			cleanStrings(t, p.domainJob(dm))
		}
		cleanStrings(t, p.queueJob(queue, backend.Job{ID: "queue/x"}))
		for _, w := range append(whites.Whites, white) {
			cleanStrings(t, p.whiteJob(w))
		}
	})
}

func FuzzParseWebhook(f *testing.F) {
	seedFixtures(f, "hook_")
	f.Add([]byte(`{"event_type":"sms.received","data":{"piv_num_id":"\u001b[1m","text":"\u009b31m 5555","code":"12\u00073"}}`))
	f.Add([]byte(`{"event_type":"number.restore_completed","data":{"restored":[{"piv_num_id":"a,b/c","phone_number":"\r"}],"failed":null}}`))
	p := fuzzProvider()
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, msgs, leases, jobs, err := p.ParseWebhook(b)
		cleanStrings(t, lines)
		cleanStrings(t, msgs)
		cleanStrings(t, leases)
		cleanStrings(t, jobs)
		if err != nil {
			cleanStrings(t, err.Error())
		}
	})
}

// FuzzErrors feeds arbitrary error bodies to the error mapping: the
// message an operator reads never carries control characters or the key.
func FuzzErrors(f *testing.F) {
	seedFixtures(f, "error_")
	seedFixtures(f, "rate_limited")
	f.Add([]byte(`{"success":false,"error":{"code":"INSUFFICIENT_BALANCE\u001b","message":"required $5\u0007.00 ` + testKey + `"}}`))
	f.Add([]byte("<html>\x1b[31m" + testKey + "</html>"))
	p := fuzzProvider()
	req := transport.Request{Op: "fuzz"}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, status := range []int{200, 400, 402, 404, 500} {
			var env envelope
			var e *backend.Error
			if json.Unmarshal(b, &env) == nil {
				e = p.c.apiError(req, status, &env, b)
			} else {
				e = p.c.apiError(req, status, nil, b)
			}
			msg := e.Error()
			cleanStrings(t, msg)
			cleanStrings(t, e.Code)
			if strings.Contains(msg, testKey) || strings.Contains(e.Code, testKey) {
				t.Fatalf("key in error: %q", msg)
			}
			bad := p.c.badAnswer(req, status, b, nil)
			cleanStrings(t, bad.Error())
			if strings.Contains(bad.Error(), testKey) {
				t.Fatalf("key in error: %q", bad.Error())
			}
		}
	})
}
