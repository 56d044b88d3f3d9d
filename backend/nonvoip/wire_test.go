package nonvoip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// testNow is the clock of every test: an hour before the activate
// example's end_on.
var testNow = time.Date(2026, 5, 17, 6, 35, 46, 0, time.UTC)

func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func wantDec(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeBalanceExample(t *testing.T) {
	b, err := decodeBalance(example(t, "balance"))
	if err != nil {
		t.Fatal(err)
	}
	wantDec(t, "balance", b, "50.00")
	if b.String() != "50" || b.StringFixed(2) != "50.00" {
		t.Errorf("balance renders %s", b.StringFixed(2))
	}
	if _, err := decodeBalance([]byte(`{"status":"success"}`)); err == nil {
		t.Error("an answer without balance decoded")
	}
	b, err = decodeBalance([]byte(`{"status":"success","balance":12.5}`))
	if err != nil || !b.Equal(dec("12.5")) {
		t.Errorf("numeric balance: %v %v", b, err)
	}
}

func TestDecodeProductsGroupedExample(t *testing.T) {
	ps, err := decodeProducts(example(t, "products_grouped"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("got %d products, want 3: %+v", len(ps), ps)
	}
	// Groups come in key order: "1-day", "10-minutes", "30-days".
	want := []struct {
		id, name, price string
		avail           int
		cat, typ        string
	}{
		{"9441", "Telegram", "1.25", 100, "1-day", TypeOneDay},
		{"10000086", "Instagram", "0.36", 6841, "10-minutes", TypeShortTerm},
		{"9044", "WhatsApp", "2.00", 100, "30-days", TypeLongTerm},
	}
	for i, w := range want {
		p := ps[i]
		if p.ID != w.id || p.Name != w.name || p.Available != w.avail || p.Category != w.cat || p.Type != w.typ || !p.HasPrice {
			t.Errorf("product %d = %+v, want %+v", i, p, w)
		}
		wantDec(t, "price", p.Price, w.price)
	}
}

func TestDecodeProductsListExample(t *testing.T) {
	ps, err := decodeProducts(example(t, "products_list"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("got %d products", len(ps))
	}
	p := ps[0]
	if p.ID != "10000086" || p.Name != "Instagram" || p.Available != 6841 || p.Category != "10-minutes" || p.Type != TypeShortTerm {
		t.Errorf("product = %+v", p)
	}
	wantDec(t, "price", p.Price, "0.36")
}

func TestDecodeCountryProductsExample(t *testing.T) {
	ps, err := decodeProducts(example(t, "country_products"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("got %d products", len(ps))
	}
	p := ps[0]
	if p.ID != "501" || p.Name != "Telegram" || p.Country != "United States" || p.Available != 120 {
		t.Errorf("product = %+v", p)
	}
	wantDec(t, "price", p.Price, "0.45")
}

func TestDecodeOrderShortTermExample(t *testing.T) {
	res, err := decodeOrderResult(example(t, "order_short_term"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offer != nil || len(res.Orders) != 1 {
		t.Fatalf("result = %+v", res)
	}
	o := res.Orders[0]
	if o.ID != "146185" || o.Status != "Reserved" || o.Number != "16095550123" || o.Service != "Instagram" || o.Type != TypeShortTerm {
		t.Errorf("order = %+v", o)
	}
	if want := testNow.Add(900 * time.Second); !o.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v (expiration is seconds from now)", o.ExpiresAt, want)
	}
}

func TestDecodeOrderLongTermExample(t *testing.T) {
	res, err := decodeOrderResult(example(t, "order_long_term"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	o := res.Orders[0]
	if o.ID != "146187" || o.Status != "Active" || o.Number != "16095550123" || o.Service != "PayPal" || o.Type != TypeLongTerm {
		t.Errorf("order = %+v", o)
	}
	if want := utc("2100-12-31 23:59:59"); !o.ExpiresAt.Equal(want) || o.ExpiresAt.Location() != time.UTC {
		t.Errorf("expires %v, want %v UTC", o.ExpiresAt, want)
	}
}

func TestDecodeOrderOffers(t *testing.T) {
	res, err := decodeOrderResult(example(t, "order_price_change"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offer == nil || res.Offer.Kind != backend.OfferPriceChange || len(res.Orders) != 0 {
		t.Fatalf("price change = %+v", res)
	}
	wantDec(t, "quoted", res.Offer.Quoted, "0.3")
	wantDec(t, "allowed", res.Offer.Allowed, "0.39")
	wantDec(t, "available", res.Offer.Available, "1.7")

	res, err = decodeOrderResult(example(t, "order_premium"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offer == nil || res.Offer.Kind != backend.OfferPremium || res.Offer.RecommendedBid != 20 {
		t.Fatalf("premium = %+v", res.Offer)
	}

	res, err = decodeOrderResult([]byte(`{"status":"info","message":[{"info":"Queue_Full"}]}`), testNow)
	if err != nil || res.Offer != nil || res.Info != "Queue_Full" {
		t.Errorf("unknown info word: %+v %v", res, err)
	}
}

func TestDecodeCountryOrderExample(t *testing.T) {
	res, err := decodeOrderResult(example(t, "country_order"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Orders) != 1 {
		t.Fatalf("orders = %+v", res.Orders)
	}
	o := res.Orders[0]
	if o.ID != "sb_102030" || o.Status != "Reserved" || o.Number != "16095550123" || o.Service != "tg" || o.Country != "US" || !o.HasCost {
		t.Errorf("order = %+v", o)
	}
	wantDec(t, "cost", o.Cost, "0.45")
	if want := testNow.Add(300 * time.Second); !o.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", o.ExpiresAt, want)
	}
}

func TestDecodeReuseExample(t *testing.T) {
	res, err := decodeOrderResult(example(t, "reuse"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	o := res.Orders[0]
	if o.ID != "35749684" || o.Status != "Reserved" || o.Number != "16095170503" || o.Service != "Instagram" || o.Type != TypeShortTerm {
		t.Errorf("order = %+v", o)
	}
	if want := testNow.Add(900 * time.Second); !o.ExpiresAt.Equal(want) {
		t.Errorf("till_expiration: expires %v, want %v", o.ExpiresAt, want)
	}
}

func TestDecodeActivateRejectRenewExamples(t *testing.T) {
	a, err := decodeActivation(example(t, "activate"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Online != "online" || !a.Until.Equal(utc("2026-05-17 07:35:46")) {
		t.Errorf("activation = %+v", a)
	}
	msg, err := decodeReject(example(t, "reject"))
	if err != nil || msg != "The rental for Instagram 16095170503 has been stopped and refunded." {
		t.Errorf("reject = %q %v", msg, err)
	}
	r, err := decodeRenew(example(t, "renew"), testNow)
	if err != nil || !r.ExpiresAt.Equal(utc("2100-12-31 23:59:59")) {
		t.Errorf("renew = %+v %v", r, err)
	}
}

func TestDecodeSMSExample(t *testing.T) {
	s, err := decodeSMS(example(t, "getsms"), "146185", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if s.Waiting || s.Number != "16095170503" || s.Service != "Instagram" || s.Text != "Your Instagram OTP is 545" ||
		s.Code != "545" || s.Type != TypeShortTerm || s.OrderID != "146185" {
		t.Errorf("sms = %+v", s)
	}
	if s.MessageID == "" || s.MessageID != messageID("146185", "Your Instagram OTP is 545") {
		t.Errorf("message id %q not the order+text hash", s.MessageID)
	}
	if other := messageID("146186", "Your Instagram OTP is 545"); other == s.MessageID {
		t.Error("message id ignores the order")
	}
}

func TestDecodeSMSNoneYet(t *testing.T) {
	for _, body := range []string{
		`{"status":"success","number":"16095170503","service":"Instagram","sms":"","pin":"","type":"short_term"}`,
		`{"status":"success","number":"16095170503","service":"Instagram","sms":null,"pin":null}`,
		`{"status":"success","number":"16095170503"}`,
	} {
		s, err := decodeSMS([]byte(body), "1", testNow)
		if err != nil || !s.Waiting || s.Text != "" || s.Code != "" || s.MessageID != "" {
			t.Errorf("%s → %+v %v", body, s, err)
		}
	}
}

func TestDecodeSMSPinWinsAndExtraction(t *testing.T) {
	s, _ := decodeSMS([]byte(`{"status":"success","sms":"Code 111111 (ignore) use 2222","pin":"2222"}`), "9", testNow)
	if s.Code != "2222" {
		t.Errorf("provider pin must win, got %q", s.Code)
	}
	s, _ = decodeSMS([]byte(`{"status":"success","sms":"Your code is 482913"}`), "9", testNow)
	if s.Code != "482913" {
		t.Errorf("extracted code = %q", s.Code)
	}
	s, _ = decodeSMS([]byte("{\"status\":\"success\",\"sms\":\"evil \\u001b]52;c;aGk=\\u0007 555123\",\"pin\":\"55\\u001b5\"}"), "9", testNow)
	for _, r := range s.Text + s.Code {
		if r < 0x20 && r != '\n' {
			t.Fatalf("control character survived: %q / %q", s.Text, s.Code)
		}
	}
}

func TestDecodeTolerance(t *testing.T) {
	res, err := decodeOrderResult([]byte(`{"status":"success","message":{"order_id":"777","status":"Weird_New_Word","number":16095550123,"expiration":"600","type":"SHORT_TERM"}}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	o := res.Orders[0]
	if o.ID != "777" || o.Status != "Weird_New_Word" || o.Number != "16095550123" || o.Type != TypeShortTerm ||
		!o.ExpiresAt.Equal(testNow.Add(10*time.Minute)) {
		t.Errorf("order = %+v", o)
	}
	res, err = decodeOrderResult([]byte(`{"status":"success","message":[{"order_id":5,"expires":"2030-01-02T03:04:05.123456Z","type":"one_day","extra":{"x":[1]}}]}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC); !res.Orders[0].ExpiresAt.Equal(want) {
		t.Errorf("fractional RFC 3339: %v", res.Orders[0].ExpiresAt)
	}
	res, _ = decodeOrderResult([]byte(`{"status":"success","message":[{"order_id":5,"expires":"2030-01-02T05:04:05+02:00"}]}`), testNow)
	if want := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC); !res.Orders[0].ExpiresAt.Equal(want) || res.Orders[0].ExpiresAt.Location() != time.UTC {
		t.Errorf("offset time not turned to UTC: %v", res.Orders[0].ExpiresAt)
	}
	if _, err := decodeOrderResult([]byte(`{"status":"success","message":[]}`), testNow); err == nil {
		t.Error("a success without orders decoded")
	}
	ps, err := decodeProducts([]byte(`{"status":"success","message":[{"product_id":"12","price":1.5,"available":"7"},{"name":"no id"}]}`))
	if err != nil || len(ps) != 1 || ps[0].ID != "12" || ps[0].Available != 7 || !ps[0].Price.Equal(dec("1.5")) {
		t.Errorf("products = %+v %v", ps, err)
	}
	ps, _ = decodeProducts([]byte(`{"status":"success","message":[{"product_id":3}]}`))
	if ps[0].Available != -1 || ps[0].HasPrice {
		t.Errorf("missing stock/price must read as unknown: %+v", ps[0])
	}
}

func TestDecodeErrorExamples(t *testing.T) {
	w, ok := decodeError(example(t, "error_wrong_auth"))
	if !ok || string(w.Status) != "error" || string(w.Message) != "Wrong Auth" {
		t.Errorf("wrong auth = %+v", w)
	}
	if k, _ := classify(400, string(w.Message)); k != backend.ErrAuth {
		t.Errorf("Wrong Auth → %v", k)
	}
	w, _ = decodeError(example(t, "error_insufficient_balance"))
	if k, _ := classify(400, string(w.Message)); k != backend.ErrNoBalance {
		t.Errorf("Insufficient balance → %v", k)
	}
	w, ok = decodeError(example(t, "rate_limit"))
	if !ok || w.Limit.V != 500 || w.RetryAfter.V != 45 || string(w.Message) != "Rate limit exceeded. Please try again later." {
		t.Errorf("rate limit = %+v", w)
	}
	if d := retryAfterBody(example(t, "rate_limit")); d != 45*time.Second {
		t.Errorf("retryAfter = %v", d)
	}
	if d := retryAfterBody([]byte(`{"status":"error","retryAfter":"12"}`)); d != 12*time.Second {
		t.Errorf("string retryAfter = %v", d)
	}
	if d := retryAfterBody([]byte(`<html>`)); d != 0 {
		t.Errorf("html retryAfter = %v", d)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		status int
		text   string
		want   backend.ErrKind
	}{
		{400, "Wrong Auth", backend.ErrAuth},
		{400, "Insufficient balance.", backend.ErrNoBalance},
		{400, "No numbers available for this service", backend.ErrOutOfStock},
		{400, "Product out of stock", backend.ErrOutOfStock},
		{404, "Order not found", backend.ErrNotFound},
		{400, "SMS already received, cannot reject", backend.ErrRefused},
		{400, "Invalid product_id", backend.ErrInvalid},
		{400, "Your account is suspended", backend.ErrForbidden},
		{400, "Something odd", backend.ErrRefused},
		{200, "Something odd", backend.ErrRefused}, // a 2xx envelope saying "error"
		{401, "", backend.ErrAuth},
		{404, "", backend.ErrNotFound},
		// Statuses the document does not use: the shared default.
		{402, "", backend.ErrNoBalance},
		{405, "", backend.ErrInvalid},
		{410, "", backend.ErrNotFound},
		{409, "", backend.ErrRefused},
		{418, "Something odd", backend.ErrOther},
	}
	for _, c := range cases {
		if k, _ := classify(c.status, c.text); k != c.want {
			t.Errorf("classify(%d, %q) = %v, want %v", c.status, c.text, k, c.want)
		}
	}
	for _, s := range []string{"No SMS received yet", "SMS not received", "Waiting for SMS"} {
		if !noSMSYet(s) {
			t.Errorf("%q should mean no SMS yet", s)
		}
	}
	if noSMSYet("Order not found") {
		t.Error("order not found is not 'no SMS yet'")
	}
}

func TestDecodeCallbackExamples(t *testing.T) {
	cb, err := decodeCallback(example(t, "webhook_incoming_message"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Event != "incoming_message" || len(cb.Items) != 1 {
		t.Fatalf("callback = %+v", cb)
	}
	it := cb.Items[0]
	if it.OrderID != "454303" || it.Number != "16095170503" || it.Service != "Instagram" || it.Sender != "8843" ||
		it.Text != "Your Instagram OTP is 545" || it.Code != "545" || it.Type != TypeShortTerm {
		t.Errorf("item = %+v", it)
	}
	if it.MessageID != messageID("454303", "Your Instagram OTP is 545") {
		t.Errorf("callback message id %q differs from the getsms one", it.MessageID)
	}
	cb, err = decodeCallback(example(t, "webhook_auction_wining"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Event != "auction_wining" || len(cb.Items) != 1 {
		t.Fatalf("callback = %+v", cb)
	}
	it = cb.Items[0]
	if it.OrderID != "4545" || it.Number != "16095170503" || it.Service != "GMail" || !it.ExpiresAt.Equal(testNow.Add(900*time.Second)) || it.Text != "" {
		t.Errorf("item = %+v", it)
	}
}

func TestNormalType(t *testing.T) {
	for in, want := range map[string]string{
		"short_term": TypeShortTerm, "str": TypeShortTerm, "10-minutes": TypeShortTerm,
		"long_term": TypeLongTerm, "30-days": TypeLongTerm, "one_day": TypeOneDay, "1-day": TypeOneDay,
		"3days": TypeThreeDays, "country": TypeCountry, "": "", "premium_x": "premium_x",
	} {
		if got := normalType(in); got != want {
			t.Errorf("normalType(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normalType("odd\x1bword"); strings.ContainsRune(got, 0x1b) {
		t.Errorf("unknown type kept a control character: %q", got)
	}
}

// Every amount goes through backend.ParseAmount: the document's examples
// read as written, a decimal comma is a decimal comma, and an amount that
// could be read two ways (or is not a plain number) is unknown.
func TestAmountsAreStrict(t *testing.T) {
	read := map[string]string{
		`"50.00"`:    "50.00", // balance example
		`"0.36"`:     "0.36",  // product price example
		`0.3`:        "0.3",   // quoted_price example
		`1.7`:        "1.7",   // available_price example
		`"4,00"`:     "4",
		`"0,45"`:     "0.45",
		`"1.500,00"`: "1500",
		`"1,500.00"`: "1500",
		`"-3.25"`:    "-3.25",
	}
	for raw, want := range read {
		b, err := decodeBalance([]byte(`{"status":"success","balance":` + raw + `}`))
		if err != nil || !b.Equal(dec(want)) {
			t.Errorf("balance %s = %s, %v; want %s", raw, b, err, want)
		}
		ps, err := decodeProducts([]byte(`{"status":"success","message":[{"product_id":1,"price":` + raw + `}]}`))
		if err != nil || len(ps) != 1 || !ps[0].HasPrice || !ps[0].Price.Equal(dec(want)) {
			t.Errorf("product price %s = %+v, %v; want %s", raw, ps, err, want)
		}
	}
	for _, raw := range []string{`"1,500"`, `"12,345"`, `"$4"`, `"4 USD"`, `"1e400"`, `1e9`, `"abc"`, `""`, `null`, `"1,50,000"`} {
		if b, err := decodeBalance([]byte(`{"status":"success","balance":` + raw + `}`)); err == nil {
			t.Errorf("balance %s read as %s, want unknown", raw, b)
		}
		ps, _ := decodeProducts([]byte(`{"status":"success","message":[{"product_id":1,"price":` + raw + `}]}`))
		if len(ps) != 1 || ps[0].HasPrice {
			t.Errorf("product price %s read as %+v, want unknown", raw, ps)
		}
		res, _ := decodeOrderResult([]byte(`{"status":"success","message":[{"order_id":1,"cost":`+raw+`}]}`), testNow)
		if len(res.Orders) != 1 || res.Orders[0].HasCost {
			t.Errorf("order cost %s read as %+v, want unknown", raw, res.Orders)
		}
	}
	// An offer whose price is ambiguous carries no price to accept.
	res, err := decodeOrderResult([]byte(`{"status":"info","message":[{"info":"Price_Change_Required","quoted_price":"0,30","allowed_price":"0,39","available_price":"1,700"}]}`), testNow)
	if err != nil || res.Offer == nil || !res.Offer.Quoted.Equal(dec("0.30")) || !res.Offer.Allowed.Equal(dec("0.39")) ||
		!res.Offer.Available.IsZero() {
		t.Errorf("offer with decimal commas and an ambiguous price: %+v, %v", res.Offer, err)
	}
}

func TestHugeSMSIsClipped(t *testing.T) {
	long := strings.Repeat("é", maxSMSText) // 2 bytes each
	s, err := decodeSMS([]byte(`{"status":"success","sms":"`+long+`"}`), "1", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Text) > maxSMSText+len("…") || !utf8.ValidString(s.Text) {
		t.Errorf("text of %d bytes, valid=%v", len(s.Text), utf8.ValidString(s.Text))
	}
	if c := clipText(long); len(c) > maxSMSText+len("…") || !strings.HasSuffix(c, "…") || !utf8.ValidString(c) {
		t.Errorf("clipText gave %d bytes", len(c))
	}
	if s.MessageID != messageID("1", clipText(long)) {
		t.Error("message id must be stable for the clipped text")
	}
}
