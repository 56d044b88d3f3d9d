package market

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/backend"
)

var t0 = time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC)

func at(p *Provider, t time.Time) { p.now = func() time.Time { return t } }

func TestNewNeedsBaseURLAndKey(t *testing.T) {
	_, err := New(Config{Account: "shop", APIKey: "k"})
	if err == nil || !strings.Contains(err.Error(), "BaseURL") {
		t.Fatalf("missing BaseURL: %v", err)
	}
	_, err = New(Config{Account: "shop", APIKey: "k", BaseURL: "ftp://x"})
	if err == nil || !strings.Contains(err.Error(), "BaseURL") {
		t.Fatalf("bad BaseURL: %v", err)
	}
	_, err = New(Config{Account: "shop", BaseURL: "https://x.example/api/v1"})
	if err == nil || !strings.Contains(err.Error(), "APIKey") {
		t.Fatalf("missing APIKey: %v", err)
	}
	p, err := New(Config{Account: "shop", BaseURL: "https://x.example/api/v1/", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	tr := p.Traits()
	if !tr.BatchCheck || !tr.ListsLines || tr.PerMinute != 60 || p.Client().Budget().PerMinute() != 60 {
		t.Fatalf("traits = %+v", tr)
	}
	if p.Kind() != backend.Market || p.Account() != "shop" {
		t.Fatal("identity")
	}
}

func TestBalanceUsesTheWalletCurrency(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/wallet", 200, `{"success":true,"data":{"balance":"15000.50","currency":"NGN"}}`)
	f.answer("GET", "/numbers/orders", 200, `{"data":[{"id":1,"phone":"1","status":"active","price":"900"}]}`)
	p := f.provider(t)
	a, err := p.Balance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance.String() != "15,000.50 NGN" || a.Name != "shop" || a.Provider != backend.Market {
		t.Fatalf("account = %+v (%s)", a, a.Balance)
	}
	// An order naming no currency is priced in the wallet's.
	lines, _, err := p.Lines(context.Background())
	if err != nil || len(lines) != 1 || lines[0].Price.Currency != "NGN" {
		t.Fatalf("lines = %+v, %v", lines, err)
	}
}

func TestBalanceRefusesAnAmountThatReadsTwoWays(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/wallet", 200, `{"success":true,"data":{"balance":"1,500","currency":"NGN"}}`)
	p := f.provider(t)
	_, err := p.Balance(context.Background())
	e, _ := backend.AsError(err)
	if e == nil || e.Kind != backend.ErrMalformed || !strings.Contains(e.Message, `"1,500"`) {
		t.Fatalf("err = %v, want a clear error naming the amount", err)
	}
	f.answer("GET", "/wallet", 200, `{"success":true,"data":{"balance":"1.500,25","currency":"NGN"}}`)
	acc, err := p.Balance(context.Background())
	if err != nil || acc.Balance.String() != "1500.25 NGN" {
		t.Fatalf("balance %v, %v", acc.Balance, err)
	}
}

func TestLinesMapStatesCodesAndMessages(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/numbers/orders", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			io.WriteString(w, `{"data":{"current_page":2,"last_page":3,"data":[{"id":5,"phone":"5","status":"cancelled"}]}}`)
			return
		}
		io.WriteString(w, `{"success":true,"data":{"current_page":1,"last_page":3,"per_page":50,"data":[
			{"id":1,"phone":"+12125550001","status":"active","service":"WhatsApp","country":"United States","price":"1200.00","currency":"NGN","created_at":"2026-05-03T09:59:00Z","expires_at":"2026-05-03T10:19:00Z"},
			{"id":2,"phone":"+12125550002","status":"active","service":"tg","country":"United Kingdom (GB)","sms":"Telegram code: 55123","code":"55123","code_received_at":"2026-05-03T09:58:30Z"},
			{"id":3,"phone":"+12125550003","status":"completed","service":"Google","messages":[{"id":"m1","text":"G-111222 is your code","received_at":"2026-05-03T09:00:00Z"},{"id":"m2","text":"Welcome to Google","received_at":"2026-05-03T09:00:10Z"}]},
			{"id":4,"phone":"+12125550004","status":"active","expires_at":"2026-05-03T09:30:00Z"}
		]}}`)
	})
	p := f.provider(t)
	at(p, t0)
	lines, msgs, err := p.Lines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count("GET", "/numbers/orders"); n != 2 {
		t.Fatalf("pages read = %d, want 2 (page 2 holds no open order)", n)
	}
	if len(lines) != 5 {
		t.Fatalf("lines = %d", len(lines))
	}
	byID := map[string]backend.Line{}
	for _, l := range lines {
		byID[l.ID] = l
	}
	l1 := byID["1"]
	if l1.State != backend.LineWaiting || l1.Number != "+12125550001" || l1.Service != "WhatsApp" || l1.Country != "US" ||
		l1.Price.String() != "1200.00 NGN" || !l1.Allowed.Has(backend.ActCancel) || !l1.Allowed.Has(backend.ActCheck) ||
		l1.Key != backend.MakeKey(backend.Market, "shop", backend.ItemLine, "1") || !l1.ExpiresAt.Time().Equal(t0.Add(19*time.Minute)) || l1.RawState != "active" {
		t.Fatalf("line 1 = %+v", l1)
	}
	l2 := byID["2"]
	// A service and a country are named one way, however the order spells them.
	if l2.State != backend.LineReceived || l2.Code != "55123" || l2.Allowed.Has(backend.ActCancel) || !l2.Allowed.Has(backend.ActCheck) ||
		l2.Service != "Telegram" || l2.Country != "GB" ||
		!l2.CodeAt.Time().Equal(t0.Add(-90*time.Second)) {
		t.Fatalf("line 2 = %+v", l2)
	}
	l3 := byID["3"]
	if l3.State != backend.LineFinished || l3.Allowed != 0 || l3.Code != "111222" {
		t.Fatalf("line 3 = %+v", l3)
	}
	if l4 := byID["4"]; l4.State != backend.LineExpired || l4.RawState != "active" || l4.Allowed != 0 {
		t.Fatalf("line 4 (past expiry) = %+v", l4)
	}
	if l5 := byID["5"]; l5.State != backend.LineCanceled {
		t.Fatalf("line 5 = %+v", l5)
	}
	if len(msgs) != 3 {
		t.Fatalf("messages = %+v", msgs)
	}
	var m2 backend.Message
	for _, m := range msgs {
		if m.Line == l2.Key {
			m2 = m
		}
	}
	if m2.Text != "Telegram code: 55123" || m2.Code != "55123" || m2.ID == "" || m2.Sender != "Telegram" {
		t.Fatalf("message = %+v", m2)
	}
	// Stable ids: the same listing gives the same message ids.
	_, again, _ := p.Lines(context.Background())
	for i := range msgs {
		if msgs[i].ID != again[i].ID {
			t.Fatalf("message ids changed between polls: %s vs %s", msgs[i].ID, again[i].ID)
		}
	}
	if msgs[1].ID != "m1" && msgs[2].ID != "m1" {
		t.Fatalf("provider message ids are kept: %+v", msgs)
	}
}

func orderJSON(id int, status string, extra string) string {
	s := fmt.Sprintf(`{"id":%d,"phone":"+1555000%04d","status":%q,"service":"WhatsApp","created_at":"2026-05-03T09:59:00Z"`, id, id, status)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func waiting(p *Provider, ids ...string) []backend.Line {
	var out []backend.Line
	for _, id := range ids {
		out = append(out, backend.Line{Key: backend.MakeKey(backend.Market, "shop", backend.ItemLine, id), ID: id,
			State: backend.LineWaiting, CreatedAt: backend.InstantOf(t0.Add(-time.Minute))})
	}
	return out
}

func TestCheckReadsOneListingAndSingleOrdersMissingFromIt(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/numbers/orders", 200, `{"data":[`+orderJSON(1, "active", `"code":"123456"`)+`,`+orderJSON(2, "active", "")+`]}`)
	f.answer("GET", "/numbers/orders/3", 200, `{"data":`+orderJSON(3, "cancelled", "")+`}`)
	f.answer("POST", "/numbers/orders/2/check", 200, `{"data":`+orderJSON(2, "active", "")+`}`)
	p := f.provider(t)
	at(p, t0.Add(5*time.Second)) // lines 65s old: due for a check
	lines, msgs, err := p.Check(context.Background(), waiting(p, "1", "2", "3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || len(msgs) != 1 {
		t.Fatalf("lines=%d msgs=%d", len(lines), len(msgs))
	}
	if f.count("GET", "/numbers/orders") != 1 || f.count("GET", "/numbers/orders/3") != 1 {
		t.Fatalf("requests = %+v", f.requests())
	}
	// Per order: 1's code is in the listing, 3 is closed, 2 is still waiting.
	if f.count("POST", "/numbers/orders/1/check") != 0 || f.count("POST", "/numbers/orders/3/check") != 0 ||
		f.count("POST", "/numbers/orders/2/check") != 1 {
		t.Fatalf("checks: %+v", f.requests())
	}
	q := f.requests()[0].Query
	if q != "per_page=25" {
		t.Fatalf("listing query = %q", q)
	}
}

func TestCheckPullsEveryWaitingOrderWhateverAnotherOrderShows(t *testing.T) {
	f := newFake(t)
	var codeFor1 atomic.Bool
	f.on("GET", "/numbers/orders", func(w http.ResponseWriter, r *http.Request) {
		o1 := orderJSON(1, "active", "")
		if codeFor1.Load() {
			o1 = orderJSON(1, "active", `"otp":"777111"`)
		}
		io.WriteString(w, `{"data":[`+o1+`,`+orderJSON(2, "active", "")+`,`+orderJSON(3, "active", "")+`,`+orderJSON(4, "active", "")+`]}`)
	})
	for _, id := range []int{1, 2, 3, 4, 5} {
		f.answer("POST", fmt.Sprintf("/numbers/orders/%d/check", id), 200, `{"data":`+orderJSON(id, "active", "")+`}`)
	}
	p := f.provider(t)
	now := t0.Add(time.Minute)
	at(p, now)
	lines := waiting(p, "1", "2", "3", "4")
	if _, _, err := p.Check(context.Background(), lines); err != nil {
		t.Fatal(err)
	}
	pulls := func() int {
		n := 0
		for _, r := range f.requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/check") {
				n++
			}
		}
		return n
	}
	if pulls() != maxPulls {
		t.Fatalf("pulls = %d, want %d per call", pulls(), maxPulls)
	}
	// Within pullEvery the same lines are not pulled again; the others are.
	at(p, now.Add(5*time.Second))
	p.Check(context.Background(), lines)
	if pulls() != 2*maxPulls {
		t.Fatalf("pulls = %d", pulls())
	}
	got := map[string]bool{}
	for _, r := range f.requests() {
		if strings.HasSuffix(r.Path, "/check") {
			got[r.Path] = true
		}
	}
	if len(got) != 4 {
		t.Fatalf("each line pulled once: %v", got)
	}
	// The listing now shows a code for an order never pulled (5) and none
	// for 2: 5 needs no check, 2 still gets one when due, call after call.
	codeFor1.Store(true)
	f.answer("GET", "/numbers/orders", 200, `{"data":[`+orderJSON(5, "active", `"otp":"424242"`)+`,`+orderJSON(2, "active", `"code":null`)+`]}`)
	at(p, now.Add(time.Minute))
	p.Check(context.Background(), append(waiting(p, "2"), waiting(p, "5")...))
	at(p, now.Add(time.Minute+pullEvery))
	p.Check(context.Background(), waiting(p, "2"))
	if n := f.count("POST", "/numbers/orders/2/check"); n != 3 {
		t.Fatalf("order 2 checked %d times, want 3 (once a pullEvery)", n)
	}
	if n := f.count("POST", "/numbers/orders/5/check"); n != 0 {
		t.Fatalf("order 5, whose code the listing shows, checked %d times", n)
	}
}

func TestCheckDoesNotPullFreshLines(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/numbers/orders", 200, `{"data":[`+orderJSON(1, "active", `"created_at":"2026-05-03T10:00:00Z"`)+`]}`)
	p := f.provider(t)
	at(p, t0.Add(5*time.Second))
	p.Check(context.Background(), waiting(p, "1"))
	if f.count("POST", "/numbers/orders/1/check") != 0 {
		t.Fatal("a line younger than pullAfter is not pulled")
	}
}

func buyAction(id string, b backend.BuyRequest) backend.Action {
	return backend.Action{ID: id, Kind: backend.ActBuy, Account: "shop", Buy: &b, CreatedAt: t0}
}

func TestBuyNumberSendsTheKeyInTheBody(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/numbers/orders", 201, `{"success":true,"message":"Order created.","data":{"order":`+
		orderJSON(77, "active", `"price":"1500.00","currency":"NGN"`)+`,"wallet_balance":"8500.00"}}`)
	p := f.provider(t)
	at(p, t0)
	act := buyAction("act-1", backend.BuyRequest{Category: CategoryNumbers, Country: "1", Product: "123", AreaCodes: []string{"917", "646"}})
	out, err := p.Do(context.Background(), act, backend.Target{KnownIDs: map[string]bool{}})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last()
	if r.Body != `{"country_id":1,"service_id":123,"selected_area_codes":["917","646"],"idempotency_key":"act-1"}` {
		t.Fatalf("body = %s", r.Body)
	}
	if !out.Done || len(out.Lines) != 1 || out.Lines[0].ID != "77" || out.Lines[0].State != backend.LineWaiting ||
		out.Charged.String() != "1500.00 NGN" || out.Balance == nil || out.Balance.String() != "8500.00 NGN" {
		t.Fatalf("outcome = %+v", out)
	}
}

func TestBuyValidatesBeforeSpending(t *testing.T) {
	f := newFake(t)
	p := f.provider(t)
	for _, b := range []backend.BuyRequest{
		{Category: CategoryNumbers, Country: "1"},
		{Category: CategoryBoost, Product: "101", Quantity: 100},
		{Category: CategoryBoost, Product: "101", Link: "https://x"},
		{Category: "gold"},
	} {
		if _, err := p.Do(context.Background(), buyAction("a", b), backend.Target{}); kindOf(t, err) != backend.ErrInvalid {
			t.Fatalf("%+v: %v", b, err)
		}
	}
	if _, err := p.Do(context.Background(), buyAction("", backend.BuyRequest{Category: CategoryLogs, Product: "12"}), backend.Target{}); kindOf(t, err) != backend.ErrInvalid {
		t.Fatal("a purchase without an idempotency key is refused")
	}
	if len(f.requests()) != 0 {
		t.Fatal("nothing may be sent for an invalid purchase")
	}
}

func TestBuyInProgressWaitsAndRereads(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/numbers/orders", 409, `{"success":false,"status":409,"message":"A request with this key is being processed.","code":"IDEMPOTENCY_KEY_IN_PROGRESS"}`)
	var reads atomic.Int32
	f.on("GET", "/numbers/orders", func(w http.ResponseWriter, r *http.Request) {
		if reads.Add(1) < 2 {
			io.WriteString(w, `{"data":[`+orderJSON(70, "active", `"service_id":123,"country_id":1,"created_at":"2026-05-03T09:00:00Z"`)+`]}`)
			return
		}
		io.WriteString(w, `{"data":[`+orderJSON(71, "active", `"service_id":123,"country_id":1,"created_at":"2026-05-03T10:00:02Z"`)+`,`+
			orderJSON(70, "active", `"service_id":123,"country_id":1,"created_at":"2026-05-03T09:00:00Z"`)+`]}`)
	})
	p := f.provider(t)
	at(p, t0.Add(3*time.Second))
	act := buyAction("act-2", backend.BuyRequest{Category: CategoryNumbers, Country: "1", Product: "123"})
	out, err := p.Do(context.Background(), act, backend.Target{KnownIDs: map[string]bool{"70": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Lines) != 1 || out.Lines[0].ID != "71" || !out.Done {
		t.Fatalf("outcome = %+v", out)
	}
	if n := f.count("POST", "/numbers/orders"); n != 1 {
		t.Fatalf("purchase sent %d times", n)
	}
}

func TestBuyInProgressNotFoundIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/boost/orders", 409, `{"success":false,"status":409,"message":"Processing.","code":"IDEMPOTENCY_KEY_IN_PROGRESS"}`)
	f.answer("GET", "/boost/orders", 200, `{"data":[]}`)
	p := f.provider(t)
	act := buyAction("act-3", backend.BuyRequest{Category: CategoryBoost, Product: "101", Link: "https://instagram.com/p/x", Quantity: 500})
	_, err := p.Do(context.Background(), act, backend.Target{KnownIDs: map[string]bool{}})
	if k := kindOf(t, err); k != backend.ErrOutcomeUnknown {
		t.Fatalf("kind = %s", k)
	}
	if f.count("POST", "/boost/orders") != 1 || f.count("GET", "/boost/orders") != p.progressTries {
		t.Fatalf("requests = %+v", f.requests())
	}
}

func TestBuyKeyReusedIsAClearError(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/logs/orders", 409, `{"success":false,"status":409,"message":"Idempotency key reused with a different payload.","code":"IDEMPOTENCY_KEY_REUSED"}`)
	p := f.provider(t)
	_, err := p.Do(context.Background(), buyAction("act-4", backend.BuyRequest{Category: CategoryLogs, Product: "12", Quantity: 2}), backend.Target{})
	e, _ := backend.AsError(err)
	if e == nil || e.Kind != backend.ErrInvalid || e.Code != codeKeyReused || !strings.Contains(e.Message, "different request") {
		t.Fatalf("err = %v", err)
	}
	if f.count("POST", "/logs/orders") != 1 || f.count("GET", "/logs/orders") != 0 {
		t.Fatal("a reused key is neither retried nor re-read")
	}
	if f.last().Body != `{"category_id":12,"quantity":2,"idempotency_key":"act-4"}` {
		t.Fatalf("body = %s", f.last().Body)
	}
}

func TestSettleBuyFindsTheOrderByKey(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/numbers/orders", 200, `{"data":[`+orderJSON(81, "active", `"idempotency_key":"other"`)+`,`+orderJSON(80, "active", `"idempotency_key":"act-5"`)+`]}`)
	p := f.provider(t)
	at(p, t0.Add(time.Minute))
	st, out, err := p.Settle(context.Background(), buyAction("act-5", backend.BuyRequest{Category: CategoryNumbers, Country: "1", Product: "123"}),
		backend.Target{KnownIDs: map[string]bool{}})
	if err != nil || st != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != "80" {
		t.Fatalf("settled %v %+v %v", st, out, err)
	}
	if f.count("POST", "/numbers/orders") != 0 {
		t.Fatal("nothing re-sent when the order is found")
	}
}

func TestSettleBuyOnlyReads(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/boost/orders", func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack() // the answer is lost
		conn.Close()
	})
	f.answer("GET", "/boost/orders", 200, `{"data":[{"id":300,"service_id":"101","status":"Completed","created_at":"2026-05-01T00:00:00Z"}]}`)
	p := f.provider(t)
	at(p, t0.Add(30*time.Second))
	act := buyAction("act-6", backend.BuyRequest{Category: CategoryBoost, Product: "101", Link: "https://instagram.com/p/x", Quantity: 500})
	tgt := backend.Target{KnownIDs: map[string]bool{"boost/300": true}}
	if _, err := p.Do(context.Background(), act, tgt); kindOf(t, err) != backend.ErrOutcomeUnknown {
		t.Fatalf("lost answer: %v", err)
	}
	// Not listed: too early to tell while the marketplace may still be
	// processing it, then not done.
	if st, _, err := p.Settle(context.Background(), act, tgt); err != nil || st != backend.SettledUnknown {
		t.Fatalf("settled %v %v within the grace", st, err)
	}
	at(p, t0.Add(settleGrace))
	if st, _, err := p.Settle(context.Background(), act, tgt); err != nil || st != backend.SettledNotDone {
		t.Fatalf("settled %v %v after the grace", st, err)
	}
	// Listed: happened, with that order.
	f.answer("GET", "/boost/orders", 200, `{"data":[{"id":301,"service_id":"101","link":"https://instagram.com/p/x","quantity":500,"status":"Pending","charge":"1250.00"},`+
		`{"id":300,"service_id":"101","status":"Completed"}]}`)
	st, out, err := p.Settle(context.Background(), act, tgt)
	if err != nil || st != backend.SettledHappened || len(out.Jobs) != 1 || out.Jobs[0].ID != "boost/301" {
		t.Fatalf("settled %v %+v %v", st, out, err)
	}
	if n := f.count("POST", "/boost/orders"); n != 1 {
		t.Fatalf("the purchase was sent %d times, want once (by Do)", n)
	}
}

func TestSettleBuySkipsClaimedOrdersAndMatchesByKnownIDs(t *testing.T) {
	f := newFake(t)
	// Newest first; dates say nothing (a marketplace clock may be off).
	f.answer("GET", "/numbers/orders", 200, `{"data":[`+
		orderJSON(103, "active", `"service_id":123,"country_id":1,"created_at":"2020-01-01T00:00:00Z"`)+`,`+
		orderJSON(102, "active", `"service_id":124,"country_id":1`)+`,`+
		orderJSON(101, "active", `"service_id":123,"country_id":1,"created_at":"2030-01-01T00:00:00Z"`)+`,`+
		orderJSON(100, "active", `"service_id":123,"country_id":1`)+`],"next_page_url":"x"}`)
	p := f.provider(t)
	at(p, t0.Add(time.Hour))
	act := buyAction("act-9", backend.BuyRequest{Category: CategoryNumbers, Country: "1", Product: "123"})
	known := map[string]bool{"100": true}
	settle := func(claimed ...string) (backend.Settled, string) {
		t.Helper()
		c := map[string]bool{}
		for _, id := range claimed {
			c[id] = true
		}
		st, out, err := p.Settle(context.Background(), act, backend.Target{KnownIDs: known, Claimed: c})
		if err != nil {
			t.Fatal(err)
		}
		if st == backend.SettledHappened && len(out.Lines) == 1 {
			return st, out.Lines[0].ID
		}
		return st, ""
	}
	if st, id := settle(); st != backend.SettledHappened || id != "101" {
		t.Fatalf("first: %v %q, want the oldest new order 101", st, id)
	}
	if st, id := settle("101"); st != backend.SettledHappened || id != "103" {
		t.Fatalf("second: %v %q, want 103 (102 is another service)", st, id)
	}
	if st, _ := settle("101", "103"); st != backend.SettledNotDone {
		t.Fatalf("third: %v, want not done", st)
	}
	if f.count("GET", "/numbers/orders") != 3 || f.count("POST", "/numbers/orders") != 0 {
		t.Fatalf("requests %+v", f.requests())
	}
	// A listing that never reaches an order known before cannot tell.
	f.answer("GET", "/numbers/orders", 200, `{"data":[`+orderJSON(104, "active", `"service_id":999`)+`],"next_page_url":"x"}`)
	if st, _ := settle(); st != backend.SettledUnknown {
		t.Fatalf("uncovered: %v, want unknown", st)
	}
}

func lineTarget(id string) (backend.Action, backend.Target) {
	key := backend.MakeKey(backend.Market, "shop", backend.ItemLine, id)
	l := backend.Line{Key: key, ID: id, Number: "+15550001", State: backend.LineWaiting, Allowed: lineActions(backend.LineWaiting)}
	return backend.Action{ID: "c-" + id, Kind: backend.ActCancel, Account: "shop", Target: key, CreatedAt: t0}, backend.Target{Line: &l}
}

func TestCancelNumber(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/numbers/orders/1/cancel", 200, `{"success":true,"message":"Order cancelled and refunded."}`)
	f.answer("GET", "/numbers/orders/1", 200, `{"data":`+orderJSON(1, "cancelled", "")+`}`)
	f.answer("POST", "/numbers/orders/2/cancel", 422, `{"success":false,"status":422,"message":"Code received.","code":"NUMBER_CODE_ALREADY_RECEIVED"}`)
	f.answer("POST", "/numbers/orders/3/cancel", 422, `{"success":false,"status":422,"message":"Wait.","code":"EARLY_CANCEL_DENIED","wait_seconds":45}`)
	p := f.provider(t)
	act, tgt := lineTarget("1")
	out, err := p.Do(context.Background(), act, tgt)
	if err != nil || !out.Done || len(out.Lines) != 1 || out.Lines[0].State != backend.LineCanceled || out.Lines[0].Allowed != 0 {
		t.Fatalf("cancel: %+v %v", out, err)
	}
	act, tgt = lineTarget("2")
	_, err = p.Do(context.Background(), act, tgt)
	if e, _ := backend.AsError(err); e == nil || e.Kind != backend.ErrRefused || e.Code != codeCodeReceived {
		t.Fatalf("cancel after code: %v", err)
	}
	act, _ = lineTarget("3")
	_, err = p.Do(context.Background(), act, backend.Target{}) // key only, no snapshot
	if e, _ := backend.AsError(err); e == nil || e.Kind != backend.ErrRefused || e.RetryAfter != 45*time.Second {
		t.Fatalf("early cancel: %v", err)
	}
	// An order that closed by itself: the answer is shown as it is.
	f.answer("POST", "/numbers/orders/4/cancel", 200, `{"success":true,"data":`+orderJSON(4, "expired", "")+`}`)
	act, tgt = lineTarget("4")
	out, err = p.Do(context.Background(), act, tgt)
	if err != nil || len(out.Lines) != 1 || out.Lines[0].State != backend.LineExpired || !strings.Contains(out.Note, "already expired") {
		t.Fatalf("cancel of an expired order: %+v %v", out, err)
	}
}

func TestSettleCancel(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/numbers/orders/1", 200, `{"data":`+orderJSON(1, "Cancelled", "")+`}`)
	f.answer("GET", "/numbers/orders/2", 200, `{"data":`+orderJSON(2, "active", "")+`}`)
	p := f.provider(t)
	act, tgt := lineTarget("1")
	if st, out, err := p.Settle(context.Background(), act, tgt); err != nil || st != backend.SettledHappened || out.Lines[0].State != backend.LineCanceled {
		t.Fatalf("settle 1: %v %+v %v", st, out, err)
	}
	act, tgt = lineTarget("2")
	if st, _, err := p.Settle(context.Background(), act, tgt); err != nil || st != backend.SettledNotDone {
		t.Fatalf("settle 2: %v %v", st, err)
	}
}

func TestCheckActionPullsTheCode(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/numbers/orders/1/check", 200, `{"success":true,"data":`+orderJSON(1, "active", `"sms":"Your WhatsApp code 384-122","otp":"384122"`)+`}`)
	p := f.provider(t)
	act, tgt := lineTarget("1")
	act.Kind = backend.ActCheck
	out, err := p.Do(context.Background(), act, tgt)
	if err != nil || out.Note != "code 384122" || len(out.Messages) != 1 || out.Lines[0].State != backend.LineReceived {
		t.Fatalf("check: %+v %v", out, err)
	}
}

func TestJobsNormaliseAndSkipForbiddenListings(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/boost/orders", 200, `{"success":true,"data":{"current_page":1,"last_page":1,"data":[
		{"id":1,"service":"IG Followers","link":"https://www.instagram.com/p/abc/","quantity":1000,"remains":120,"status":"Partial","charge":"2500.00","currency":"NGN"},
		{"id":2,"service_name":"TT Views","quantity":500,"status":"In progress","remains":"300"},
		{"id":3,"service":"YT Likes","quantity":100,"status":"pending"},
		{"id":4,"service":"FB Likes","status":"Cancelled"},
		{"id":5,"service":"X Follows","status":"Refill pending"},
		{"id":6,"service":"IG Likes","status":"pending","can_cancel":false}
	]}}`)
	f.answer("GET", "/logs/orders", 403, `{"message":"Invalid ability provided."}`)
	f.answer("GET", "/boost/orders/9", 200, `{"data":{"id":9,"service":"Old","status":"Completed"}}`)
	p := f.provider(t)
	known := []backend.Job{
		{Key: backend.MakeKey(backend.Market, "shop", backend.ItemJob, "boost/9"), ID: "boost/9", Kind: backend.JobBoost, State: backend.JobRunning},
		{Key: backend.MakeKey(backend.Market, "shop", backend.ItemJob, "logs/4"), ID: "logs/4", Kind: backend.JobLogs, State: backend.JobQueued},
	}
	jobs, err := p.Jobs(context.Background(), known)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]backend.Job{}
	for _, j := range jobs {
		by[j.ID] = j
	}
	if len(jobs) != 8 {
		t.Fatalf("jobs = %d: %+v", len(jobs), jobs)
	}
	j1 := by["boost/1"]
	if j1.State != backend.JobPartial || j1.Detail != "remains 120 of 1000" || j1.Title != "IG Followers ×1000 · instagram.com/p/abc" ||
		j1.Cost.String() != "2500.00 NGN" || j1.Allowed.Has(backend.ActCancel) || j1.Kind != backend.JobBoost ||
		j1.Key != backend.MakeKey(backend.Market, "shop", backend.ItemJob, "boost/1") {
		t.Fatalf("job 1 = %+v", j1)
	}
	if j := by["boost/2"]; j.State != backend.JobRunning || j.Detail != "remains 300" || !j.Allowed.Has(backend.ActCancel) {
		t.Fatalf("job 2 = %+v", j)
	}
	if j := by["boost/3"]; j.State != backend.JobQueued || !j.Allowed.Has(backend.ActCancel) || !j.Allowed.Has(backend.ActCheck) {
		t.Fatalf("job 3 = %+v", j)
	}
	if j := by["boost/4"]; j.State != backend.JobCanceled {
		t.Fatalf("job 4 = %+v", j)
	}
	if j := by["boost/5"]; j.State != backend.JobRunning || j.RawState != "Refill pending" {
		t.Fatalf("job 5 = %+v", j)
	}
	if j := by["boost/6"]; j.Allowed.Has(backend.ActCancel) {
		t.Fatalf("job 6 says it cannot be cancelled: %+v", j)
	}
	if j := by["boost/9"]; j.State != backend.JobDone {
		t.Fatalf("known boost job read by id: %+v", j)
	}
	if j := by["logs/4"]; j.State != backend.JobQueued {
		t.Fatalf("known logs job kept: %+v", j)
	}
	// The forbidden logs listing is not asked again for a while.
	p.Jobs(context.Background(), nil)
	if n := f.count("GET", "/logs/orders"); n != 1 {
		t.Fatalf("logs listing asked %d times", n)
	}
}

func TestLogsJobs(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/boost/orders", 200, `[]`)
	f.answer("GET", "/logs/orders", 200, `{"data":[{"id":9,"category":{"id":12,"name":"FB aged 2015"},"quantity":2,"total":"7000.00","currency":"NGN","status":"completed","items":[{"u":"a","p":"b"},{"u":"c","p":"d"}]}]}`)
	p := f.provider(t)
	jobs, err := p.Jobs(context.Background(), nil)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("%+v %v", jobs, err)
	}
	j := jobs[0]
	if j.ID != "logs/9" || j.Kind != backend.JobLogs || j.State != backend.JobDone || j.Title != "FB aged 2015 ×2" ||
		j.Detail != "2 delivered" || j.Cost.String() != "7000.00 NGN" || j.Allowed != 0 {
		t.Fatalf("job = %+v", j)
	}
	if strings.Contains(fmt.Sprintf("%+v", j), "\"p\"") {
		t.Fatal("purchased goods' content never reaches the job")
	}
}

func TestBoostActions(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/boost/orders/55/cancel", 200, `{"success":true,"data":{"id":55,"status":"Canceled"}}`)
	f.answer("POST", "/boost/orders/56/check", 200, `{"success":true,"data":{"id":56,"status":"Processing","remains":40}}`)
	f.answer("POST", "/boost/orders/57/cancel", 422, `{"success":false,"status":422,"message":"This service has no cancel.","code":"BOOST_CANCEL_UNAVAILABLE"}`)
	p := f.provider(t)
	key := func(id string) backend.Key {
		return backend.MakeKey(backend.Market, "shop", backend.ItemJob, "boost/"+id)
	}
	out, err := p.Do(context.Background(), backend.Action{ID: "x", Kind: backend.ActCancel, Target: key("55")}, backend.Target{})
	if err != nil || len(out.Jobs) != 1 || out.Jobs[0].State != backend.JobCanceled || out.Note != "cancelled" {
		t.Fatalf("cancel: %+v %v", out, err)
	}
	j := backend.Job{Key: key("56"), ID: "boost/56", Kind: backend.JobBoost}
	out, err = p.Do(context.Background(), backend.Action{ID: "y", Kind: backend.ActCheck, Target: j.Key}, backend.Target{Job: &j})
	if err != nil || out.Jobs[0].State != backend.JobRunning || out.Jobs[0].Detail != "remains 40" {
		t.Fatalf("check: %+v %v", out, err)
	}
	_, err = p.Do(context.Background(), backend.Action{ID: "z", Kind: backend.ActCancel, Target: key("57")}, backend.Target{})
	if e, _ := backend.AsError(err); e == nil || e.Kind != backend.ErrRefused || !strings.Contains(e.Message, "This service has no cancel.") {
		t.Fatalf("cancel refused: %v", err)
	}
	logsKey := backend.MakeKey(backend.Market, "shop", backend.ItemJob, "logs/3")
	if _, err := p.Do(context.Background(), backend.Action{Kind: backend.ActCancel, Target: logsKey}, backend.Target{}); kindOf(t, err) != backend.ErrUnsupported {
		t.Fatal("logs orders cannot be cancelled")
	}
	if _, err := p.Do(context.Background(), backend.Action{Kind: backend.ActRenew, Target: key("55")}, backend.Target{}); kindOf(t, err) != backend.ErrUnsupported {
		t.Fatal("renew is unsupported")
	}
}

func TestCatalogSteps(t *testing.T) {
	f := newFake(t)
	f.answer("GET", "/numbers/countries", 200, `{"data":[{"id":1,"name":"United States","iso":"US"}]}`)
	f.answer("GET", "/numbers/services", 200, `{"data":[{"id":123,"name":"WhatsApp","price":"1200.00","stock":40,"currency":"NGN"}]}`)
	f.answer("GET", "/numbers/area-codes", 200, `{"data":[{"code":"917","name":"New York"}]}`)
	f.answer("GET", "/boost/categories", 200, `{"data":["Instagram Followers"]}`)
	f.answer("GET", "/boost/services", 200, `{"data":[{"id":101,"name":"IG Followers","rate":"2500.00","min":100,"max":10000}]}`)
	f.answer("GET", "/boost/services/101", 200, `{"data":{"id":101,"name":"IG Followers","rate":"2600.00"}}`)
	f.answer("GET", "/logs/parent-categories", 200, `{"data":[{"id":2,"name":"Facebook"}]}`)
	f.on("GET", "/logs/categories", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			io.WriteString(w, `{"data":[{"id":13,"name":"FB new","price":"900"}],"meta":{"current_page":2,"last_page":2}}`)
			return
		}
		io.WriteString(w, `{"data":[{"id":12,"name":"FB aged","price":"3500","stock":4}],"meta":{"current_page":1,"last_page":2}}`)
	})
	p := f.provider(t)
	ctx := context.Background()
	get := func(cat, step string, chosen map[string]string) []backend.CatalogItem {
		t.Helper()
		items, err := p.Catalog(ctx, backend.CatalogRequest{Category: cat, Step: step, Chosen: chosen})
		if err != nil {
			t.Fatalf("%s/%s: %v", cat, step, err)
		}
		return items
	}
	if got := get(CategoryNumbers, backend.StepCountry, nil); len(got) != 1 || got[0].ID != "1" || got[0].Label != "United States (US)" {
		t.Fatalf("countries = %+v", got)
	}
	got := get(CategoryNumbers, backend.StepProduct, map[string]string{backend.StepCountry: "1"})
	if len(got) != 1 || got[0].ID != "123" || got[0].Price.String() != "1200.00 NGN" || got[0].Stock != 40 || f.last().Query != "country_id=1" {
		t.Fatalf("services = %+v", got)
	}
	got = get(CategoryNumbers, backend.StepAreaCodes, map[string]string{backend.StepCountry: "1", backend.StepProduct: "123"})
	if len(got) != 1 || got[0].ID != "917" || got[0].Label != "917 New York" {
		t.Fatalf("area codes = %+v", got)
	}
	if got := get(CategoryBoost, backend.StepCategory, nil); len(got) != 1 || got[0].ID != "Instagram Followers" {
		t.Fatalf("boost categories = %+v", got)
	}
	got = get(CategoryBoost, backend.StepProduct, map[string]string{backend.StepCategory: "Instagram Followers"})
	if len(got) != 1 || got[0].ID != "101" || got[0].Price.Amount.String() != "2500" || !strings.Contains(got[0].Note, "per 1000") ||
		!strings.Contains(got[0].Note, "min 100, max 10000") {
		t.Fatalf("boost services = %+v", got)
	}
	got = get(CategoryBoost, backend.StepProduct, map[string]string{backend.StepCategory: "Instagram Followers", backend.StepProduct: "101"})
	if len(got) != 1 || got[0].Price.Amount.String() != "2600" || f.last().Path != "/boost/services/101" {
		t.Fatalf("boost service = %+v", got)
	}
	if got := get(CategoryLogs, backend.StepParent, nil); len(got) != 1 || got[0].ID != "2" {
		t.Fatalf("log parents = %+v", got)
	}
	got = get(CategoryLogs, backend.StepProduct, map[string]string{backend.StepParent: "2"})
	if len(got) != 2 || got[0].ID != "12" || got[0].Stock != 4 || got[1].ID != "13" || got[1].Stock != -1 {
		t.Fatalf("log categories = %+v", got)
	}
	if _, err := p.Catalog(ctx, backend.CatalogRequest{Category: CategoryNumbers, Step: backend.StepProduct}); kindOf(t, err) != backend.ErrInvalid {
		t.Fatal("services need a country")
	}
	if steps := p.BuySteps(CategoryNumbers); len(steps) != 3 || steps[2] != backend.StepAreaCodes {
		t.Fatalf("steps = %v", steps)
	}
	if cats := p.BuyCategories(); len(cats) != 3 {
		t.Fatalf("categories = %v", cats)
	}
}

// A boost purchase whose category field carries the boost category (the
// picker's category step) is still a boost.
func TestBuyBoostWithPickerCategory(t *testing.T) {
	f := newFake(t)
	f.answer("POST", "/boost/orders", 200, `{"data":{"id":5,"status":"Pending","service":"IG","quantity":100}}`)
	p := f.provider(t)
	out, err := p.Do(context.Background(), buyAction("b-1", backend.BuyRequest{Category: "Instagram Followers", Product: "101",
		Link: "https://instagram.com/p/x", Quantity: 100}), backend.Target{})
	if err != nil || len(out.Jobs) != 1 || out.Jobs[0].State != backend.JobQueued {
		t.Fatalf("%+v %v", out, err)
	}
	var body map[string]any
	json.Unmarshal([]byte(f.last().Body), &body)
	if body["service_id"] != "101" || body["idempotency_key"] != "b-1" || body["quantity"] != float64(100) {
		t.Fatalf("body = %v", body)
	}
}
