package market

import (
	"fmt"
	"testing"
	"time"

	"switchboard/backend"
)

// The document's only answer: the error body.
func TestDecodeDocumentErrorExample(t *testing.T) {
	v, err := parseJSON(readTestdata(t, "error_insufficient_balance.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := decodeFailure(v)
	if !f.Failed || f.Code != "INSUFFICIENT_BALANCE" || f.Status != 402 || f.Message != "Insufficient wallet balance." {
		t.Fatalf("failure = %+v", f)
	}
}

func TestDecodeWalletShapes(t *testing.T) {
	cases := []struct {
		name, body, amount, currency string
	}{
		{"enveloped string", `{"success":true,"data":{"balance":"15000.50","currency":"NGN"}}`, "15000.5", "NGN"},
		{"bare number", `{"balance":12.5,"currency":"usd"}`, "12.5", "USD"},
		{"nested wallet", `{"success":true,"data":{"wallet":{"available_balance":"1,250.00","currency":{"code":"NGN","symbol":"₦"}}}}`, "1250", "NGN"},
		{"symbol in amount", `{"data":{"balance":"₦2,000.00"}}`, "2000", "NGN"},
		{"status envelope", `{"status":"success","data":{"amount":"3.10","currency_code":"GHS","user_id":9}}`, "3.1", "GHS"},
		{"no currency", `{"balance":"7"}`, "7", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := decodeWallet(mustParse(t, c.body))
			if !ok {
				t.Fatal("not decoded")
			}
			if w.Balance.String() != c.amount || w.Currency != c.currency {
				t.Fatalf("got %s %q, want %s %q", w.Balance, w.Currency, c.amount, c.currency)
			}
		})
	}
	if _, ok := decodeWallet(mustParse(t, `{"success":true,"data":{"user":"x"}}`)); ok {
		t.Fatal("a body without a balance must not decode")
	}
}

// Amounts are read by backend.ParseAmount once a currency sign or code is
// dropped: a decimal comma is read as one, and an amount that reads two
// ways is no amount.
func TestDecodeAmountsStrictly(t *testing.T) {
	read := map[string]struct{ amount, currency string }{
		`{"balance":"15000.50","currency":"NGN"}`:         {"15000.5", "NGN"},
		`{"balance":"4,00","currency":"EUR"}`:             {"4", "EUR"},
		`{"balance":"0,5"}`:                               {"0.5", ""},
		`{"balance":"1.500,00"}`:                          {"1500", ""},
		`{"balance":"1,500.00"}`:                          {"1500", ""},
		`{"data":{"balance":"₦1.500,00"}}`:                {"1500", "NGN"},
		`{"balance":"1.500,00 NGN"}`:                      {"1500", "NGN"},
		`{"balance":"NGN 2 500,50"}`:                      {"2500.5", "NGN"},
		`{"balance":"1.234.567,89","currency":"NGN"}`:     {"1234567.89", "NGN"},
		`{"balance":{"amount":"12,75","currency":"EUR"}}`: {"12.75", "EUR"},
		`{"balance":1500.5}`:                              {"1500.5", ""},
	}
	for body, want := range read {
		w, ok := decodeWallet(mustParse(t, body))
		if !ok || w.Balance.String() != want.amount || w.Currency != want.currency {
			t.Errorf("%s → %s %q (%v), want %s %q", body, w.Balance, w.Currency, ok, want.amount, want.currency)
		}
	}
	for _, body := range []string{`{"balance":"1,500"}`, `{"balance":"₦12,345"}`, `{"balance":"1,50,000"}`, `{"balance":"1e3"}`, `{"balance":"4,"}`} {
		if w, ok := decodeWallet(mustParse(t, body)); ok || w.Unreadable == "" {
			t.Errorf("%s read as %s (unreadable %q), want no amount", body, w.Balance, w.Unreadable)
		}
	}
	// Every amount field goes the same way.
	l, _, _ := decodeNumberOrders(mustParse(t, `{"data":[{"id":1,"price":"1.500,00"},{"id":2,"price":"1,500"}]}`))
	if len(l) != 2 || !l[0].HasPrice || l[0].Price.String() != "1500" || l[1].HasPrice {
		t.Errorf("order prices %+v", l)
	}
	b, _, _ := decodeBoostOrders(mustParse(t, `{"data":[{"id":5,"charge":"1.250,50"}]}`))
	lo, _, _ := decodeLogOrders(mustParse(t, `{"data":[{"id":6,"total":"6.000,00"}]}`))
	if len(b) != 1 || b[0].Charge.String() != "1250.5" || len(lo) != 1 || lo[0].Total.String() != "6000" {
		t.Errorf("boost %+v, logs %+v", b, lo)
	}
	s, _ := decodeNumberServices(mustParse(t, `{"data":[{"id":3,"name":"X","price":"700,00","success_rate":"97,5%"}]}`))
	if len(s) != 1 || s[0].Price.String() != "700" || s[0].SuccessRate != 97.5 {
		t.Errorf("services %+v", s)
	}
	if f := decodeFailure(mustParse(t, `{"success":false,"code":"INSUFFICIENT_BALANCE","required":"1.500,00"}`)); !f.HasNeeded || f.Needed.String() != "1500" {
		t.Errorf("needed %+v", f)
	}
}

func TestDecodeNumberOrderListShapes(t *testing.T) {
	order := `{"id":%s,"phone":"+12125550123","status":"active","service":{"id":123,"name":"WhatsApp"},"country":{"id":1,"name":"United States"},"price":"1500.00","currency":"NGN","created_at":"2026-05-03T10:00:00.000000Z","expires_at":"2026-05-03 10:20:00","unknown_field":[1,2]}`
	one := func(id string) string { return fmt.Sprintf(order, id) }
	cases := []struct {
		name, body string
		page       Page
	}{
		{"bare list", "[" + one("1") + "]", Page{}},
		{"data list", `{"success":true,"data":[` + one(`"1"`) + `]}`, Page{}},
		{"laravel paginator", `{"success":true,"data":{"current_page":1,"data":[` + one("1") + `],"last_page":3,"per_page":25,"total":61}}`,
			Page{Current: 1, Last: 3, PerPage: 25, Total: 61, HasNext: true, Known: true}},
		{"resource meta", `{"data":[` + one("1") + `],"links":{"next":"https://x/api/v1/numbers/orders?page=2"},"meta":{"current_page":1,"last_page":2,"per_page":25,"total":30}}`,
			Page{Current: 1, Last: 2, PerPage: 25, Total: 30, HasNext: true, Known: true}},
		{"orders key", `{"success":true,"orders":[` + one("1") + `]}`, Page{}},
		{"keyed object", `{"data":{"1":` + one("1") + `}}`, Page{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orders, page, ok := decodeNumberOrders(mustParse(t, c.body))
			if !ok || len(orders) != 1 {
				t.Fatalf("ok=%v orders=%d", ok, len(orders))
			}
			if page != c.page {
				t.Fatalf("page = %+v, want %+v", page, c.page)
			}
			o := orders[0]
			want := NumberOrder{ID: "1", Number: "+12125550123", Service: "WhatsApp", ServiceID: "123", Country: "United States",
				CountryID: "1", Status: "active", Currency: "NGN",
				CreatedAt: time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 5, 3, 10, 20, 0, 0, time.UTC)}
			if o.ID != want.ID || o.Number != want.Number || o.Service != want.Service || o.ServiceID != want.ServiceID ||
				o.Country != want.Country || o.CountryID != want.CountryID || o.Status != want.Status || o.Currency != want.Currency ||
				!o.CreatedAt.Equal(want.CreatedAt) || !o.ExpiresAt.Equal(want.ExpiresAt) || o.Price.String() != "1500" || !o.HasPrice {
				t.Fatalf("order = %+v", o)
			}
			if len(o.SMS) != 0 || o.Code != "" {
				t.Fatalf("an order without SMS has none: %+v", o.SMS)
			}
		})
	}
}

func TestDecodeNumberOrderFieldVariants(t *testing.T) {
	cases := []struct {
		name, body                     string
		id, number, status, code, text string
		smsCount                       int
	}{
		{"number + otp", `{"order_id":77,"number":"2348031234567","state":"completed","otp":"482913","sms":"Your code is 482913"}`,
			"77", "2348031234567", "completed", "482913", "Your code is 482913", 1},
		{"phone_number + sms_code", `{"id":"ab-1","phone_number":"447700900123","status":"Received","sms_code":"0042"}`,
			"ab-1", "447700900123", "Received", "0042", "", 1},
		{"code only", `{"id":5,"msisdn":"15550001","status":"pending","code":123456}`,
			"5", "15550001", "pending", "123456", "", 1},
		{"text, code extracted", `{"id":6,"phone":"1","status":"received","sms_text":"Telegram code 55123. Do not share"}`,
			"6", "1", "received", "55123", "Telegram code 55123. Do not share", 1},
		{"message list", `{"id":7,"phone":"1","status":"received","messages":[{"id":91,"sender":"Google","text":"G-731944 is your code","received_at":"2026-05-03T10:01:00Z"},{"text":"Welcome!"}]}`,
			"7", "1", "received", "731944", "G-731944 is your code", 2},
		{"envelope message ignored", `{"id":8,"phone":"1","status":"pending","message":"Order retrieved"}`,
			"8", "1", "pending", "", "", 0},
		{"null sms", `{"id":9,"phone":"1","status":"pending","sms":null,"code":null}`,
			"9", "1", "pending", "", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := decodeNumberOrder(mustParse(t, c.body).(map[string]any))
			if o.ID != c.id || o.Number != c.number || o.Status != c.status || len(o.SMS) != c.smsCount {
				t.Fatalf("order = %+v", o)
			}
			if c.smsCount > 0 && (o.SMS[0].Code != c.code || o.SMS[0].Text != c.text) {
				t.Fatalf("sms = %+v, want code %q text %q", o.SMS[0], c.code, c.text)
			}
		})
	}
	o := decodeNumberOrder(mustParse(t, `{"id":7,"messages":[{"id":91,"sender":"Google","text":"G-731944","received_at":"2026-05-03T10:01:00Z"}]}`).(map[string]any))
	if o.SMS[0].ID != "91" || o.SMS[0].Sender != "Google" || !o.SMS[0].At.Equal(time.Date(2026, 5, 3, 10, 1, 0, 0, time.UTC)) {
		t.Fatalf("sms = %+v", o.SMS[0])
	}
}

func TestDecodeCatalogShapes(t *testing.T) {
	cs, ok := decodeCountries(mustParse(t, `{"success":true,"data":[{"id":1,"name":"United States","iso":"US","dial_code":"+1"},{"id":"2","country_name":"Nigeria"}]}`))
	if !ok || len(cs) != 2 || cs[0] != (Country{ID: "1", Name: "United States", Code: "US"}) || cs[1] != (Country{ID: "2", Name: "Nigeria"}) {
		t.Fatalf("countries = %+v", cs)
	}
	ss, ok := decodeNumberServices(mustParse(t, `{"data":{"services":[{"service_id":123,"service_name":"WhatsApp","price":"1,200.00","stock":"57","currency":"NGN"},{"id":4,"name":"Telegram","cost":3}]}}`))
	if !ok || len(ss) != 2 || ss[0].ID != "123" || ss[0].Name != "WhatsApp" || ss[0].Price.String() != "1200" || ss[0].Stock != 57 || ss[0].Currency != "NGN" ||
		ss[1].Stock != -1 || ss[1].Price.String() != "3" {
		t.Fatalf("services = %+v", ss)
	}
	as, ok := decodeAreaCodes(mustParse(t, `{"success":true,"data":["917","646"]}`))
	if !ok || len(as) != 2 || as[0].Code != "917" || as[1].Code != "646" {
		t.Fatalf("area codes = %+v", as)
	}
	as, ok = decodeAreaCodes(mustParse(t, `[{"area_code":212,"city":"New York","price":"50"}]`))
	if !ok || len(as) != 1 || as[0].Code != "212" || as[0].Name != "New York" || !as[0].HasPrice {
		t.Fatalf("area codes = %+v", as)
	}
	bc, ok := decodeBoostCategories(mustParse(t, `{"success":true,"data":["Instagram Followers",{"id":3,"name":"TikTok Views"}]}`))
	if !ok || len(bc) != 2 || bc[0].Name != "Instagram Followers" || bc[1] != (BoostCategory{ID: "3", Name: "TikTok Views"}) {
		t.Fatalf("boost categories = %+v", bc)
	}
	bs, ok := decodeBoostServices(mustParse(t, `{"data":[{"service":101,"name":"IG Followers [Refill 30D]","category":"Instagram Followers","rate":"2500.00","min":"100","max":10000,"refill":true,"cancel":false}]}`))
	if !ok || len(bs) != 1 || bs[0].ID != "101" || bs[0].Rate.String() != "2500" || bs[0].Min != 100 || bs[0].Max != 10000 || !bs[0].Refill || bs[0].Cancel {
		t.Fatalf("boost services = %+v", bs)
	}
	lp, ok := decodeLogParents(mustParse(t, `{"success":true,"data":[{"id":2,"name":"Facebook"}]}`))
	if !ok || len(lp) != 1 || lp[0] != (LogParent{ID: "2", Name: "Facebook"}) {
		t.Fatalf("log parents = %+v", lp)
	}
	lc, page, ok := decodeLogCategories(mustParse(t, `{"success":true,"data":{"current_page":1,"data":[{"id":12,"name":"FB aged 2015","parent_category_id":2,"price":"3500","stock":14}],"last_page":1}}`))
	if !ok || len(lc) != 1 || lc[0].ID != "12" || lc[0].ParentID != "2" || lc[0].Stock != 14 || lc[0].Price.String() != "3500" || page.HasNext {
		t.Fatalf("log categories = %+v page %+v", lc, page)
	}
}

func TestDecodeJobOrders(t *testing.T) {
	bo, _, ok := decodeBoostOrders(mustParse(t, `{"data":[{"id":55,"service":{"id":101,"name":"IG Followers"},"link":"https://instagram.com/p/x","quantity":"1000","remains":"120","start_count":50,"status":"Partial","charge":"2500.00","can_cancel":0}]}`))
	if !ok || len(bo) != 1 {
		t.Fatal("boost orders not decoded")
	}
	b := bo[0]
	if b.ID != "55" || b.ServiceID != "101" || b.Service != "IG Followers" || b.Quantity != 1000 || b.Remains != 120 || !b.HasRemains ||
		b.StartCount != 50 || b.Status != "Partial" || b.Charge.String() != "2500" || b.CanCancel == nil || *b.CanCancel {
		t.Fatalf("boost order = %+v", b)
	}
	lo, _, ok := decodeLogOrders(mustParse(t, `{"orders":[{"reference":"LG-9","category":{"id":12,"name":"FB aged"},"quantity":2,"total_price":"7000","status":"completed","items":[{"login":"x"},{"login":"y"}]}]}`))
	if !ok || len(lo) != 1 || lo[0].ID != "LG-9" || lo[0].CategoryID != "12" || lo[0].Category != "FB aged" || lo[0].Quantity != 2 ||
		lo[0].Total.String() != "7000" || lo[0].Items != 2 {
		t.Fatalf("logs orders = %+v", lo)
	}
}

func TestJobStateNormalisation(t *testing.T) {
	cases := map[string]backend.JobState{
		"Pending": backend.JobQueued, "pending": backend.JobQueued,
		"Processing": backend.JobRunning, "In progress": backend.JobRunning, "in_progress": backend.JobRunning, "IN-PROGRESS": backend.JobRunning, "Inprogress": backend.JobRunning,
		"Completed": backend.JobDone, "completed": backend.JobDone,
		"Partial":  backend.JobPartial,
		"Canceled": backend.JobCanceled, "Cancelled": backend.JobCanceled, "CANCELLED": backend.JobCanceled,
		"Refill": backend.JobRunning, "Refilling": backend.JobRunning, "Refill pending": backend.JobRunning, "Refill Completed": backend.JobDone,
		"Error": backend.JobFailed, "failed": backend.JobFailed,
		"Mystery": backend.JobUnknown, "": backend.JobUnknown,
	}
	for raw, want := range cases {
		if got := jobState(raw); got != want {
			t.Errorf("jobState(%q) = %s, want %s", raw, got, want)
		}
	}
}

func TestNumberStateMapping(t *testing.T) {
	cases := []struct {
		raw  string
		code bool
		want backend.LineState
	}{
		{"active", false, backend.LineWaiting}, {"Pending", false, backend.LineWaiting}, {"active", true, backend.LineReceived},
		{"received", false, backend.LineReceived}, {"completed", true, backend.LineFinished},
		{"cancelled", false, backend.LineCanceled}, {"Refunded", false, backend.LineCanceled},
		{"expired", false, backend.LineExpired}, {"timed_out", false, backend.LineTimeout},
		{"weird", false, backend.LineUnknown},
	}
	for _, c := range cases {
		if got := numberState(c.raw, c.code); got != c.want {
			t.Errorf("numberState(%q, %v) = %s, want %s", c.raw, c.code, got, c.want)
		}
	}
}

func TestParseTimeLayouts(t *testing.T) {
	want := time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"2026-05-03T10:00:00Z", "2026-05-03T10:00:00.000000Z", "2026-05-03T11:00:00+01:00",
		"2026-05-03 10:00:00", "1777802400"} {
		if got := parseTime(s); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v", s, got)
		}
	}
	if !parseTime("yesterday").IsZero() {
		t.Error("garbage must give zero time")
	}
}

func TestFailureShapes(t *testing.T) {
	f := decodeFailure(mustParse(t, `{"message":"The given data was invalid.","errors":{"quantity":["The quantity must be at least 100."]}}`))
	if f.Field != "The quantity must be at least 100." {
		t.Fatalf("validation = %+v", f)
	}
	f = decodeFailure(mustParse(t, `{"success":false,"code":"EARLY_CANCEL_DENIED","message":"Wait","data":{"wait_seconds":"95"}}`))
	if !f.Failed || !f.HasWait || f.WaitSeconds != 95 {
		t.Fatalf("early cancel = %+v", f)
	}
	if f := decodeFailure(mustParse(t, `{"id":4,"status":"failed","message":"supplier error"}`)); f.Failed {
		t.Fatal("an order whose own status is failed is not an error answer")
	}
	if f := decodeFailure(mustParse(t, `{"status":"error","message":"Service unavailable"}`)); !f.Failed {
		t.Fatal(`{"status":"error"} is an error answer`)
	}
}
