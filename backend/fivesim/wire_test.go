package fivesim

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func eqDec(t *testing.T, what string, got backend.Money, want string) {
	t.Helper()
	if !got.Known || !got.Amount.Equal(dec(want)) || got.Currency != "" {
		t.Errorf("%s = %+v, want %s", what, got, want)
	}
}

func TestDecodeProfileExample(t *testing.T) {
	p, err := DecodeProfile(readTestdata(t, "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != 1 || p.Email != "[email\u00a0protected]" || p.Vendor != "demo" || p.DefaultForwardingNumber != "78009005040" {
		t.Errorf("profile ids = %+v", p)
	}
	eqDec(t, "balance", p.Balance, "100")
	eqDec(t, "frozen", p.FrozenBalance, "0")
	if !p.HasRating || p.Rating != 96 {
		t.Errorf("rating = %v %v", p.Rating, p.HasRating)
	}
	if p.DefaultCountry != (CountryRef{Name: "russia", ISO: "ru", Prefix: "+7"}) || p.DefaultOperator != "" {
		t.Errorf("defaults = %+v %q", p.DefaultCountry, p.DefaultOperator)
	}
}

func TestDecodeOrdersExample(t *testing.T) {
	l, n, err := DecodeOrderList(readTestdata(t, "orders.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(l.Data) != 1 || l.Total != 3 || len(l.ProductNames) != 0 || len(l.Statuses) != 0 {
		t.Fatalf("list = %+v (page %d)", l, n)
	}
	o := l.Data[0]
	if o.ID != 53533933 || o.Phone != "+79085895281" || o.Operator != "tele2" || o.Product != "aliexpress" ||
		o.Status != StatusBanned || o.Country != "russia" {
		t.Errorf("order = %+v", o)
	}
	eqDec(t, "price", o.Price, "2")
	if !o.Expires.Equal(ts("2020-06-28T16:32:43.307041Z")) || !o.CreatedAt.Equal(ts("2020-06-28T16:17:43.307041Z")) {
		t.Errorf("times = %v %v", o.Expires, o.CreatedAt)
	}
	if o.SMS == nil || len(o.SMS) != 0 {
		t.Errorf("sms = %#v, want empty non-nil", o.SMS)
	}
	if o.Expires.Location() != time.UTC {
		t.Error("times must be UTC")
	}
}

func TestDecodeBuyActivationExample(t *testing.T) {
	o, err := DecodeOrder(readTestdata(t, "buy_activation.json"))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != 11631253 || o.Phone != "+79000381454" || o.Operator != "beeline" || o.Product != "vkontakte" ||
		o.Status != StatusPending || o.Country != "russia" || o.Forwarding || o.ForwardingNumber != "" {
		t.Errorf("order = %+v", o)
	}
	eqDec(t, "price", o.Price, "21")
	if o.SMS != nil {
		t.Errorf("sms = %#v, want nil (null)", o.SMS)
	}
	// Nanosecond timestamps keep every digit.
	if !o.Expires.Equal(ts("2018-10-13T08:28:38.809469028Z")) || o.Expires.Nanosecond() != 809469028 {
		t.Errorf("expires = %v", o.Expires)
	}
	if !o.CreatedAt.Equal(ts("2018-10-13T08:13:38.809469028Z")) {
		t.Errorf("created = %v", o.CreatedAt)
	}
}

func TestDecodeBuyHostingExample(t *testing.T) {
	o, err := DecodeOrder(readTestdata(t, "buy_hosting.json"))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != 1 || o.Phone != "+79008001122" || o.Product != "1day" || o.Status != StatusPending {
		t.Errorf("order = %+v", o)
	}
	eqDec(t, "price", o.Price, "1")
	if !o.Expires.Equal(ts("1970-12-01T03:00:00Z")) || !o.CreatedAt.Equal(ts("1970-12-01T00:00:00Z")) {
		t.Errorf("times = %v %v", o.Expires, o.CreatedAt)
	}
	if len(o.SMS) != 1 {
		t.Fatalf("sms = %+v", o.SMS)
	}
	m := o.SMS[0]
	if m.ID != "3027531" || m.Sender != "Facebook" || m.Text != "Use 415127 as your login code" || m.Code != "415127" {
		t.Errorf("sms = %+v", m)
	}
	if !m.CreatedAt.Equal(ts("1970-12-01T17:23:25.106597Z")) || !m.Date.Equal(ts("1970-12-01T17:23:15Z")) || !m.When().Equal(m.Date) {
		t.Errorf("sms times = %v %v", m.CreatedAt, m.Date)
	}
}

func TestDecodeOrderActionExamples(t *testing.T) {
	for file, status := range map[string]string{"check.json": StatusReceived, "finish.json": StatusFinished,
		"cancel.json": StatusCanceled, "ban.json": StatusBanned} {
		o, err := DecodeOrder(readTestdata(t, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if o.ID != 11631253 || o.Phone != "+79000381454" || o.Product != "vkontakte" || o.Status != status || o.Country != "russia" {
			t.Errorf("%s: order = %+v", file, o)
		}
		eqDec(t, file+" price", o.Price, "21")
		if len(o.SMS) != 1 {
			t.Fatalf("%s: sms = %+v", file, o.SMS)
		}
		m := o.SMS[0]
		if m.ID != "" || m.Sender != "VKcom" || m.Code != "09363" || m.BestCode() != "09363" ||
			m.Text != "VK: 09363 - use this code to reclaim your suspended profile." {
			t.Errorf("%s: sms = %+v", file, m)
		}
		if !m.Date.Equal(ts("2018-10-13T08:19:38Z")) || !m.CreatedAt.Equal(ts("2018-10-13T08:20:38.809469028Z")) {
			t.Errorf("%s: sms times = %v %v", file, m.Date, m.CreatedAt)
		}
	}
}

func TestDecodeInboxExample(t *testing.T) {
	in, err := DecodeInbox(readTestdata(t, "inbox.json"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Total != 1 || len(in.Data) != 1 {
		t.Fatalf("inbox = %+v", in)
	}
	m := in.Data[0]
	// "ID" (capital) is the inbox's id spelling.
	if m.ID != "844928" || m.Sender != "+79998887060" || m.Text != "12345" || m.Code != "" {
		t.Errorf("sms = %+v", m)
	}
	// No code from 5sim: the text is five digits, which the extractor
	// takes.
	if m.Extracted != "12345" || m.BestCode() != "12345" {
		t.Errorf("extracted = %q", m.Extracted)
	}
	if !m.Date.Equal(ts("2017-09-05T15:48:27Z")) || !m.CreatedAt.Equal(ts("2017-09-05T15:48:33.763297Z")) {
		t.Errorf("times = %v %v", m.Date, m.CreatedAt)
	}
}

func TestDecodeProductsExample(t *testing.T) {
	ps, err := DecodeProducts(readTestdata(t, "products.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("products = %+v", ps)
	}
	if ps[0].Name != "1day" || ps[0].Category != "hosting" || ps[0].Qty != 14 || !ps[0].Price.Amount.Equal(dec("80")) {
		t.Errorf("1day = %+v", ps[0])
	}
	if ps[1].Name != "vkontakte" || ps[1].Category != "activation" || ps[1].Qty != 133 || !ps[1].Price.Amount.Equal(dec("21")) {
		t.Errorf("vkontakte = %+v", ps[1])
	}
}

func TestDecodePricesExamples(t *testing.T) {
	for _, file := range []string{"prices.json", "prices_country.json"} {
		p, err := DecodePrices(readTestdata(t, file))
		if err != nil {
			t.Fatal(err)
		}
		ops := p["russia"]["1688"]
		if len(ops) != 3 {
			t.Fatalf("%s: %+v", file, p)
		}
		if b := ops["beeline"]; !b.Cost.Amount.Equal(dec("4")) || b.Count != 1260 || b.Rate != 99.99 || !b.HasRate {
			t.Errorf("%s beeline = %+v", file, b)
		}
		if m := ops["matrix"]; m.Count != 0 || !m.Cost.Amount.Equal(dec("4")) {
			t.Errorf("%s matrix = %+v", file, m)
		}
		if l := ops["lycamobile"]; l.Count != 935 {
			t.Errorf("%s lycamobile = %+v", file, l)
		}
	}
	p, err := DecodePrices(readTestdata(t, "prices_product.json"))
	if err != nil {
		t.Fatal(err)
	}
	if v := p["telegram"]["afghanistan"]["virtual23"]; v.Count != 935 || !v.Cost.Amount.Equal(dec("4")) || v.Rate != 99.99 {
		t.Errorf("virtual23 = %+v", v)
	}
	p, err = DecodePrices(readTestdata(t, "prices_country_product.json"))
	if err != nil {
		t.Fatal(err)
	}
	ops := p["russia"]["telegram"]
	if len(ops) != 8 {
		t.Fatalf("operators = %d", len(ops))
	}
	for name, v := range ops {
		if !v.Cost.Amount.Equal(dec("8")) || v.Count != 0 || v.Rate != 99.99 {
			t.Errorf("%s = %+v", name, v)
		}
	}
	// rate is omitted under 20 %.
	p, err = DecodePrices([]byte(`{"russia":{"tg":{"mts":{"cost":"1.5","count":"3"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v := p["russia"]["tg"]["mts"]; v.HasRate || v.Rate != 0 || v.Count != 3 || !v.Cost.Amount.Equal(dec("1.5")) {
		t.Errorf("no-rate leaf = %+v", v)
	}
}

func TestDecodeCountriesExample(t *testing.T) {
	cs, err := DecodeCountries(readTestdata(t, "countries.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("countries = %+v", cs)
	}
	c := cs[0]
	if c.Name != "afghanistan" || c.TextEN != "Afghanistan" || c.TextRU != "Афганистан" {
		t.Errorf("names = %+v", c)
	}
	if len(c.ISO) != 1 || c.ISO[0] != "af" || len(c.Prefixes) != 1 || c.Prefixes[0] != "+93" {
		t.Errorf("iso/prefix = %v %v", c.ISO, c.Prefixes)
	}
	if len(c.Operators) != 4 {
		t.Fatalf("operators = %v", c.Operators)
	}
	for _, op := range []string{"virtual18", "virtual21", "virtual23", "virtual4"} {
		if cats := c.Operators[op]; len(cats) != 1 || cats[0] != "activation" {
			t.Errorf("%s = %v", op, cats)
		}
	}
}

func TestDecodeFlashExample(t *testing.T) {
	f, err := DecodeFlash(readTestdata(t, "flash.json"))
	if err != nil || f.Text != "...notification text..." {
		t.Fatalf("flash = %+v, %v", f, err)
	}
}

func TestDecodeSMSStructureExample(t *testing.T) {
	// The "Structure of sms" example is an order fragment.
	o, err := DecodeOrder(append([]byte(`{"id":5,`), readTestdata(t, "sms.json")[1:]...))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.SMS) != 1 || o.SMS[0].Code != "415127" || o.SMS[0].Sender != "Facebook" ||
		!o.SMS[0].Date.Equal(ts("1970-12-01T17:23:15Z")) {
		t.Errorf("sms = %+v", o.SMS)
	}
}

func TestDecodeTolerance(t *testing.T) {
	body := `{"id":"77","phone":"+7900\u001b[31m1","price":"3.50","status":"weird_new","sms":[
		{"created_at":"2024-01-02T03:04:05Z","text":"code 4455\r\nbye","code":null,"sender":12},
		{"date":"not a date","text":"x"}],
		"created_at":"2024-01-02T03:04:05+03:00","expires":"","extra":{"a":[1,2]},"forwarding":"1"}`
	o, err := DecodeOrder([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != 77 || o.Status != "WEIRD_NEW" || !o.Price.Amount.Equal(dec("3.5")) || !o.Forwarding {
		t.Errorf("order = %+v", o)
	}
	if containsControl(o.Phone) {
		t.Errorf("phone kept a control character: %q", o.Phone)
	}
	if !o.CreatedAt.Equal(ts("2024-01-02T00:04:05Z")) || o.CreatedAt.Location() != time.UTC || !o.Expires.IsZero() {
		t.Errorf("times = %v %v", o.CreatedAt, o.Expires)
	}
	if len(o.SMS) != 2 || o.SMS[0].Sender != "12" || o.SMS[0].Extracted != "4455" || containsControl(o.SMS[0].Text) {
		t.Errorf("sms = %+v", o.SMS)
	}
	if !o.SMS[1].Date.IsZero() {
		t.Errorf("bad date = %v", o.SMS[1].Date)
	}
	for _, bad := range []string{`no free phones`, `{}`, `{"id":0}`, `[]`, `{"id":1`, ``} {
		if _, err := DecodeOrder([]byte(bad)); err == nil {
			t.Errorf("DecodeOrder(%q) succeeded", bad)
		}
	}
}

func containsControl(s string) bool {
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			return true
		}
	}
	return false
}

// TestDecodeAmountsStrictly: every amount goes through backend.ParseAmount.
// A decimal comma is understood; "1,500" (1500 or 1.5?) and anything that
// is not a plain number leave the amount unknown, never misread.
func TestDecodeAmountsStrictly(t *testing.T) {
	known := map[string]string{`21`: "21", `0.5`: "0.5", `"4,00"`: "4", `"0,5"`: "0.5", `"12.75"`: "12.75",
		`"1 500,50"`: "1500.5", `"1,500.25"`: "1500.25", `"1.500,25"`: "1500.25"}
	for raw, want := range known {
		o, err := DecodeOrder([]byte(`{"id":1,"status":"PENDING","price":` + raw + `}`))
		if err != nil {
			t.Fatal(err)
		}
		eqDec(t, "price "+raw, o.Price, want)
	}
	for _, raw := range []string{`"1,500"`, `"12,345"`, `"abc"`, `"$4"`, `1e3`, `""`, `null`, `true`, `{}`} {
		o, err := DecodeOrder([]byte(`{"id":1,"status":"PENDING","price":` + raw + `}`))
		if err != nil {
			t.Fatalf("price %s: %v", raw, err)
		}
		if o.Price.Known {
			t.Errorf("price %s read as %v, want unknown", raw, o.Price)
		}
	}
	if o, _ := DecodeOrder([]byte(`{"id":1}`)); o.Price.Known {
		t.Errorf("absent price read as %v", o.Price)
	}

	p, err := DecodeProfile([]byte(`{"balance":"12,5","frozen_balance":"1,500","rating":"95,5"}`))
	if err != nil {
		t.Fatal(err)
	}
	eqDec(t, "balance", p.Balance, "12.5")
	if p.FrozenBalance.Known || !p.HasRating || p.Rating != 95.5 {
		t.Errorf("profile = %+v", p)
	}
	ps, err := DecodeProducts([]byte(`{"telegram":{"Category":"activation","Qty":3,"Price":"1,500"},"1day":{"Category":"hosting","Qty":"2","Price":"80,00"}}`))
	if err != nil || len(ps) != 2 {
		t.Fatalf("products: %+v %v", ps, err)
	}
	eqDec(t, "1day price", ps[0].Price, "80")
	if ps[1].Price.Known {
		t.Errorf("telegram price %v, want unknown", ps[1].Price)
	}
	prices, err := DecodePrices([]byte(`{"russia":{"telegram":{"mts":{"cost":"8,5","count":1},"tele2":{"cost":"1,500","count":1}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	eqDec(t, "mts cost", prices["russia"]["telegram"]["mts"].Cost, "8.5")
	if c := prices["russia"]["telegram"]["tele2"].Cost; c.Known {
		t.Errorf("tele2 cost %v, want unknown", c)
	}
}
