package fivesim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{APIKey: "k"}); err == nil {
		t.Error("no account accepted")
	}
	if _, err := New(Config{Account: "main"}); err == nil {
		t.Error("no key accepted")
	}
	p, err := New(Config{Account: "main", APIKey: "secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Client().Transport().BaseURL() != DefaultBaseURL {
		t.Errorf("base = %q", p.Client().Transport().BaseURL())
	}
	if p.Client().Transport().Budget().PerMinute() != 120 {
		t.Errorf("default budget = %v", p.Client().Transport().Budget().PerMinute())
	}
	tr := p.Traits()
	if !tr.BatchCheck || !tr.ListsLines || tr.PerMinute != 120 {
		t.Errorf("traits = %+v", tr)
	}
	if p.Kind() != backend.FiveSim || p.Account() != "main" {
		t.Error("kind/account")
	}
}

func TestBalance(t *testing.T) {
	f := newFake(t)
	f.json("/user/profile", 200, `{"id":9,"email":"a@b.c","balance":"12.75","frozen_balance":3.5,"rating":95.4}`)
	a, err := newTestProvider(t, f).Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Balance.Known || !a.Balance.Amount.Equal(dec("12.75")) || a.Balance.Currency != "" {
		t.Errorf("balance = %+v", a.Balance)
	}
	if !a.Frozen.Known || !a.Frozen.Amount.Equal(dec("3.5")) || a.Frozen.Currency != "" {
		t.Errorf("frozen = %+v", a.Frozen)
	}
	if a.Rating == nil || *a.Rating != 95.4 {
		t.Errorf("rating = %v", a.Rating)
	}
	if a.Name != "main" || a.Provider != backend.FiveSim || a.Email != "a@b.c" {
		t.Errorf("account = %+v", a)
	}
}

// order builds an order body.
func order(id int64, status string, sms ...string) string {
	smsJSON := "null"
	if sms != nil {
		smsJSON = "[" + strings.Join(sms, ",") + "]"
	}
	return fmt.Sprintf(`{"id":%d,"phone":"+7900%07d","operator":"mts","product":"telegram","price":12.5,"status":%q,`+
		`"expires":"2030-01-01T10:15:00.123456789Z","created_at":"2030-01-01T10:00:00.123456789Z","sms":%s,"country":"russia"}`,
		id, id, status, smsJSON)
}

func sms(date, text, code string) string {
	return fmt.Sprintf(`{"created_at":%q,"date":%q,"sender":"Telegram","text":%q,"code":%q}`, date, date, text, code)
}

func page(orders ...string) string {
	return `{"Data":[` + strings.Join(orders, ",") + `],"ProductNames":[],"Statuses":[],"Total":999}`
}

func TestLinesMapStatesCodesAndActions(t *testing.T) {
	f := newFake(t)
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("category") == "hosting" {
			_, _ = w.Write([]byte(page(`{"id":500,"phone":"+79008001122","product":"1day","price":1,"status":"RECEIVED",` +
				`"expires":"2030-01-02T00:00:00Z","created_at":"2030-01-01T00:00:00Z","sms":[{"id":3027531,"created_at":"2030-01-01T01:00:00Z",` +
				`"date":"2030-01-01T01:00:00Z","sender":"Facebook","text":"Use 415127 as your login code","code":"415127"}]}`)))
			return
		}
		_, _ = w.Write([]byte(page(
			order(1, "PENDING"),
			order(2, "RECEIVED"),
			order(3, "RECEIVED", sms("2030-01-01T10:01:00Z", "Telegram code 11111", "11111"),
				sms("2030-01-01T10:03:00Z", "Welcome to Telegram!", "")),
			order(4, "RECEIVED", sms("2030-01-01T10:01:00Z", "Your code: 24680", "")),
			order(5, "RECEIVED", sms("2030-01-01T10:01:00Z", "Hello there", "")),
			order(6, "FINISHED", sms("2030-01-01T10:01:00Z", "code 1234", "1234")),
			order(7, "CANCELED"),
			order(8, "TIMEOUT"),
			order(9, "BANNED"),
			order(10, "REFUNDED_SOMEHOW"),
		)))
	})
	p := newTestProvider(t, f)
	lines, msgs, err := p.Lines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 11 {
		t.Fatalf("lines = %d", len(lines))
	}
	byID := map[string]backend.Line{}
	for _, l := range lines {
		byID[l.ID] = l
	}
	type want struct {
		state   backend.LineState
		code    string
		allowed backend.ActionSet
	}
	// Finish needs no SMS ("Finish order" sets no condition); cancel is
	// refused once an SMS arrived (NOTES.md: `order has sms`).
	live := backend.Allow(backend.ActCheck, backend.ActCancel, backend.ActFinish, backend.ActBan)
	withSMS := backend.Allow(backend.ActCheck, backend.ActFinish, backend.ActBan)
	for id, w := range map[string]want{
		"1":  {backend.LineWaiting, "", live},
		"2":  {backend.LineWaiting, "", live}, // RECEIVED is not "code arrived"
		"3":  {backend.LineReceived, "11111", withSMS},
		"4":  {backend.LineReceived, "24680", withSMS}, // extracted
		"5":  {backend.LineWaiting, "", withSMS},       // an SMS without code: still no cancel
		"6":  {backend.LineFinished, "1234", 0},
		"7":  {backend.LineCanceled, "", 0},
		"8":  {backend.LineTimeout, "", 0},
		"9":  {backend.LineBanned, "", 0},
		"10": {backend.LineUnknown, "", backend.Allow(backend.ActCheck)},
	} {
		l := byID[id]
		if l.State != w.state || l.Code != w.code || l.Allowed != w.allowed {
			t.Errorf("line %s: state %s code %q allowed %v, want %s %q %v", id, l.State, l.Code, l.Allowed, w.state, w.code, w.allowed)
		}
	}
	l := byID["3"]
	if l.Key != backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, "3") || l.Number != "+79000000003" ||
		l.Service != "Telegram" || l.Extra["product"] != "telegram" || l.Country != "RU" || l.Operator != "mts" || l.Kind != "activation" ||
		l.RawState != "RECEIVED" || !l.Price.Amount.Equal(dec("12.5")) || l.Price.Currency != "" ||
		!l.ExpiresAt.Time().Equal(ts("2030-01-01T10:15:00.123456789Z")) || !l.CreatedAt.Time().Equal(ts("2030-01-01T10:00:00.123456789Z")) ||
		!l.CodeAt.Time().Equal(ts("2030-01-01T10:01:00Z")) || l.Account != "main" {
		t.Errorf("line 3 = %+v", l)
	}
	if byID["10"].RawState != "REFUNDED_SOMEHOW" {
		t.Errorf("raw state lost: %q", byID["10"].RawState)
	}
	h := byID["500"]
	if h.Kind != "hosting" || h.Service != "1 day" || h.Extra["product"] != "1day" || h.State != backend.LineActive || h.Code != "415127" ||
		h.Allowed != withSMS {
		t.Errorf("hosting line = %+v (allowed %v)", h, h.Allowed)
	}
	var m3 []backend.Message
	for _, m := range msgs {
		if m.Line == l.Key {
			m3 = append(m3, m)
		}
		if m.Line == h.Key && m.ID != "3027531" {
			t.Errorf("hosting sms id = %q", m.ID)
		}
	}
	if len(m3) != 2 || m3[0].Code != "11111" || m3[1].Code != "" || m3[0].ID == m3[1].ID || m3[0].ID == "" ||
		m3[0].Sender != "Telegram" || !m3[1].ReceivedAt.Equal(ts("2030-01-01T10:03:00Z")) {
		t.Errorf("messages of line 3 = %+v", m3)
	}
	// IDs are stable across polls.
	_, again, _ := p.Lines(ctx)
	ids := map[string]bool{}
	for _, m := range again {
		ids[m.ID] = true
	}
	for _, m := range msgs {
		if !ids[m.ID] {
			t.Errorf("message id %q not stable", m.ID)
		}
	}
}

func TestCheckOnePageThenCheckOnlyMissing(t *testing.T) {
	f := newFake(t)
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("category") != "activation" || r.URL.Query().Get("limit") != "100" ||
			r.URL.Query().Get("order") != "id" || r.URL.Query().Get("reverse") != "true" {
			t.Errorf("orders query = %s", r.URL.RawQuery)
		}
		_, _ = w.Write([]byte(page(order(30, "RECEIVED", sms("2030-01-01T10:01:00Z", "code 5555", "5555")),
			order(29, "PENDING"), order(28, "PENDING"))))
	})
	f.json("/user/check/7", 200, order(7, "TIMEOUT"))
	p := newTestProvider(t, f)
	mk := func(id string) backend.Line {
		return backend.Line{ID: id, Kind: "activation", Key: backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, id)}
	}
	lines, msgs, err := p.Check(ctx, []backend.Line{mk("30"), mk("29"), mk("7")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || len(msgs) != 1 || msgs[0].Code != "5555" {
		t.Fatalf("lines %d msgs %+v", len(lines), msgs)
	}
	if f.count("/user/orders") != 1 || f.count("/user/check/7") != 1 || len(f.requests()) != 2 {
		t.Errorf("requests = %+v", f.requests())
	}
	states := map[string]backend.LineState{}
	for _, l := range lines {
		states[l.ID] = l.State
	}
	if states["30"] != backend.LineReceived || states["29"] != backend.LineWaiting || states["7"] != backend.LineTimeout {
		t.Errorf("states = %v", states)
	}
}

func TestCheckHostingUsesPageThenInbox(t *testing.T) {
	f := newFake(t)
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("category") != "hosting" {
			t.Errorf("category = %s", r.URL.Query().Get("category"))
		}
		_, _ = w.Write([]byte(page()))
	})
	f.json("/user/sms/inbox/44", 200, string(readTestdata(t, "inbox.json")))
	p := newTestProvider(t, f)
	prev := backend.Line{ID: "44", Kind: "hosting", State: backend.LineActive,
		Key: backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, "44")}
	lines, msgs, err := p.Check(ctx, []backend.Line{prev})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].State != backend.LineActive || lines[0].Code != "12345" {
		t.Errorf("lines = %+v", lines)
	}
	if len(msgs) != 1 || msgs[0].ID != "844928" || msgs[0].Line != prev.Key || msgs[0].Sender != "+79998887060" {
		t.Errorf("msgs = %+v", msgs)
	}
	if f.count("/user/check/44") != 0 {
		t.Error("hosting line read with /user/check")
	}
}

// A read with activation and hosting lines sends both listings at once:
// its duration is one round trip. The server holds each listing until the
// other arrives; one after the other, the first gives up waiting.
func TestCheckSendsBothListingsAtOnce(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	arrived, both := 0, make(chan struct{})
	together := true
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if arrived++; arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
		case <-time.After(time.Second):
			mu.Lock()
			together = false
			mu.Unlock()
		}
		_, _ = w.Write([]byte(page(order(30, "PENDING"), order(44, "PENDING"))))
	})
	budget := backend.NewBudget(60000)
	p, err := New(Config{Account: "main", BaseURL: f.srv.URL + "/v1", APIKey: testKey, Budget: budget, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	act := backend.Line{ID: "30", Kind: "activation", Key: backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, "30")}
	host := backend.Line{ID: "44", Kind: "hosting", Key: backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, "44")}
	lines, _, err := p.Check(ctx, []backend.Line{act, host})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !together {
		t.Error("the activation and hosting listings were sent one after the other")
	}
	if len(lines) != 2 || f.count("/user/orders") != 2 || budget.Used() != 2 {
		t.Errorf("lines %d, listings %d, budget used %d: want 2, 2, 2", len(lines), f.count("/user/orders"), budget.Used())
	}
}

func TestCheckPageFailureIsError(t *testing.T) {
	f := newFake(t)
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	_, _, err := newTestProvider(t, f).Check(ctx, []backend.Line{{ID: "1", Kind: "activation"}})
	wantKind(t, err, backend.ErrAuth)
}

func lineTarget(id, kind string, l *backend.Line) (backend.Action, backend.Target) {
	key := backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, id)
	if l == nil {
		l = &backend.Line{ID: id, Key: key, Kind: "activation"}
	}
	return backend.Action{ID: "act-1", Kind: backend.ActionKind(kind), Account: "main", Target: key}, backend.Target{Line: l}
}

func TestDoOrderActions(t *testing.T) {
	f := newFake(t)
	f.json("/user/cancel/11631253", 200, string(readTestdata(t, "cancel.json")))
	f.json("/user/finish/11631253", 200, string(readTestdata(t, "finish.json")))
	f.json("/user/ban/11631253", 200, string(readTestdata(t, "ban.json")))
	f.json("/user/check/11631253", 200, string(readTestdata(t, "check.json")))
	p := newTestProvider(t, f)
	for kind, state := range map[backend.ActionKind]backend.LineState{backend.ActCancel: backend.LineCanceled,
		backend.ActFinish: backend.LineFinished, backend.ActBan: backend.LineBanned, backend.ActCheck: backend.LineReceived} {
		act, tgt := lineTarget("11631253", string(kind), nil)
		out, err := p.Do(ctx, act, tgt)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !out.Done || len(out.Lines) != 1 || out.Lines[0].State != state || len(out.Messages) != 1 || out.Messages[0].Code != "09363" {
			t.Errorf("%s: outcome %+v", kind, out)
		}
	}
	for _, path := range []string{"/user/cancel/11631253", "/user/finish/11631253", "/user/ban/11631253", "/user/check/11631253"} {
		if f.count(path) != 1 {
			t.Errorf("%s sent %d times", path, f.count(path))
		}
	}
	act, tgt := lineTarget("11631253", string(backend.ActRenew), nil)
	_, err := p.Do(ctx, act, tgt)
	wantKind(t, err, backend.ErrUnsupported)
}

func TestDoCancelRefusals(t *testing.T) {
	f := newFake(t)
	f.text("/user/cancel/1", 400, "order has sms")
	f.text("/user/cancel/2", 400, "you need to wait time")
	p := newTestProvider(t, f)
	act, tgt := lineTarget("1", "cancel", nil)
	_, err := p.Do(ctx, act, tgt)
	wantKind(t, err, backend.ErrRefused)
	act, tgt = lineTarget("2", "cancel", nil)
	_, err = p.Do(ctx, act, tgt)
	e := wantKind(t, err, backend.ErrRefused)
	if e.RetryAfter != CancelCooldown {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
}

func TestDoBuy(t *testing.T) {
	f := newFake(t)
	f.json("/user/buy/activation/russia/any/vkontakte", 200, string(readTestdata(t, "buy_activation.json")))
	f.json("/user/buy/hosting/russia/any/1day", 200, string(readTestdata(t, "buy_hosting.json")))
	f.text("/user/buy/activation/russia/any/tg", 200, "no free phones")
	p := newTestProvider(t, f)
	out, err := p.Do(ctx, backend.Action{ID: "b1", Kind: backend.ActBuy, Account: "main",
		Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "vkontakte", Reuse: true}}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Done || len(out.Lines) != 1 || !out.Charged.Amount.Equal(dec("21")) || out.Charged.Currency != "" {
		t.Fatalf("outcome = %+v", out)
	}
	l := out.Lines[0]
	if l.ID != "11631253" || l.State != backend.LineWaiting || l.Number != "+79000381454" || l.Extra["reuse"] != "1" ||
		l.Allowed != backend.Allow(backend.ActCheck, backend.ActCancel, backend.ActFinish, backend.ActBan, backend.ActReuse) {
		t.Errorf("line = %+v", l)
	}
	if r := f.last(t); r.RawQuery != "reuse=1" {
		t.Errorf("query = %q", r.RawQuery)
	}
	out, err = p.Do(ctx, backend.Action{ID: "b2", Kind: backend.ActBuy,
		Buy: &backend.BuyRequest{Category: "hosting", Country: "russia", Product: "1day"}}, backend.Target{})
	if err != nil || out.Lines[0].Kind != "hosting" || out.Lines[0].Code != "415127" || len(out.Messages) != 1 {
		t.Errorf("hosting buy = %+v, %v", out, err)
	}
	_, err = p.Do(ctx, backend.Action{ID: "b3", Kind: backend.ActBuy,
		Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "tg"}}, backend.Target{})
	wantKind(t, err, backend.ErrOutOfStock)
	_, err = p.Do(ctx, backend.Action{ID: "b4", Kind: backend.ActBuy,
		Buy: &backend.BuyRequest{Category: "hosting", Product: "1week"}}, backend.Target{})
	wantKind(t, err, backend.ErrInvalid)
	_, err = p.Do(ctx, backend.Action{ID: "b5", Kind: backend.ActBuy, Buy: &backend.BuyRequest{Category: "boost", Product: "x"}}, backend.Target{})
	wantKind(t, err, backend.ErrInvalid)
}

func TestDoReuse(t *testing.T) {
	f := newFake(t)
	f.json("/user/reuse/telegram/79000000006", 200, order(99, "PENDING"))
	f.json("/user/orders", 200, page(order(6, "PENDING"))) // what a lost reuse placed
	p := newTestProvider(t, f)
	prev := &backend.Line{ID: "6", Kind: "activation", Number: "+79000000006", Service: "telegram", State: backend.LineFinished}
	act, tgt := lineTarget("6", "reuse", prev)
	out, err := p.Do(ctx, act, tgt)
	if err != nil || out.Lines[0].ID != "99" {
		t.Fatalf("reuse = %+v, %v", out, err)
	}
	out, err = p.Do(ctx, backend.Action{Kind: backend.ActBuy, Buy: &backend.BuyRequest{Product: "telegram", ReuseNumber: "+79000000006"}}, backend.Target{})
	if err != nil || out.Lines[0].ID != "99" || f.count("/user/reuse/telegram/79000000006") != 2 {
		t.Fatalf("reuse via buy = %+v, %v", out, err)
	}
	// A line as Lines maps it shows "Telegram"; 5sim is asked for its own
	// product name, kept in Extra.
	shown := &backend.Line{ID: "6", Kind: "activation", Number: "+79000000006", Service: "Telegram", State: backend.LineFinished,
		Extra: map[string]string{"product": "telegram", "reuse": "1"}}
	act, tgt = lineTarget("6", "reuse", shown)
	if out, err = p.Do(ctx, act, tgt); err != nil || out.Lines[0].ID != "99" || f.count("/user/reuse/telegram/79000000006") != 3 {
		t.Fatalf("reuse of a named line = %+v, %v", out, err)
	}
	if st, _, err := p.Settle(ctx, act, tgt); err != nil || st != backend.SettledHappened {
		t.Fatalf("settling the reuse of a named line: %v, %v", st, err)
	}
}

func TestReuseAllowedOnlyWhenBoughtWithReuse(t *testing.T) {
	f := newFake(t)
	f.json("/user/check/6", 200, order(6, "FINISHED", sms("2030-01-01T10:01:00Z", "code 1234", "1234")))
	f.json("/user/orders", 200, page())
	p := newTestProvider(t, f)
	prev := backend.Line{ID: "6", Kind: "activation", Extra: map[string]string{"reuse": "1"}}
	lines, _, err := p.Check(ctx, []backend.Line{prev})
	if err != nil {
		t.Fatal(err)
	}
	if !lines[0].Allowed.Has(backend.ActReuse) {
		t.Errorf("reuse flag lost: %v", lines[0].Allowed)
	}
	lines, _, _ = p.Check(ctx, []backend.Line{{ID: "6", Kind: "activation"}})
	if lines[0].Allowed.Has(backend.ActReuse) {
		t.Error("reuse allowed on a number not bought with reuse=1")
	}
}

func TestSettleOrderActions(t *testing.T) {
	f := newFake(t)
	f.json("/user/check/1", 200, order(1, "CANCELED"))
	f.json("/user/check/2", 200, order(2, "RECEIVED"))
	f.json("/user/check/3", 200, order(3, "BANNED"))
	p := newTestProvider(t, f)
	act, tgt := lineTarget("1", "cancel", nil)
	st, out, err := p.Settle(ctx, act, tgt)
	if err != nil || st != backend.SettledHappened || out.Lines[0].State != backend.LineCanceled {
		t.Errorf("cancel settle = %v %+v %v", st, out, err)
	}
	act, tgt = lineTarget("2", "cancel", nil)
	st, _, err = p.Settle(ctx, act, tgt)
	if err != nil || st != backend.SettledNotDone {
		t.Errorf("not cancelled settle = %v %v", st, err)
	}
	act, tgt = lineTarget("3", "finish", nil)
	st, _, _ = p.Settle(ctx, act, tgt)
	if st != backend.SettledNotDone {
		t.Errorf("finish on banned = %v", st)
	}
	act, tgt = lineTarget("3", "ban", nil)
	st, _, _ = p.Settle(ctx, act, tgt)
	if st != backend.SettledHappened {
		t.Errorf("ban = %v", st)
	}
	f.text("/user/check/4", 400, "order not found")
	act, tgt = lineTarget("4", "cancel", nil)
	st, _, err = p.Settle(ctx, act, tgt)
	if st != backend.SettledUnknown || err == nil {
		t.Errorf("unreadable order settled as %v", st)
	}
}

// TestSettleLostBuyFindsNewOrder: a lost purchase is the oldest order that
// was not there before it (KnownIDs), that no other action claimed, and
// that matches what was bought. Time plays no part.
func TestSettleLostBuyFindsNewOrder(t *testing.T) {
	actAt := ts("2030-01-01T10:00:00Z")
	mkOrder := func(id int64, product, country, created string) string {
		return fmt.Sprintf(`{"id":%d,"phone":"+7900%07d","operator":"mts","product":%q,"price":5,"status":"PENDING","sms":null,`+
			`"created_at":%q,"expires":"2030-01-01T10:20:00Z","country":%q}`, id, id, product, created, country)
	}
	anyOp := backend.BuyRequest{Category: "activation", Country: "russia", Operator: "any", Product: "telegram"}
	mts, beeline := anyOp, anyOp
	mts.Operator, beeline.Operator = "mts", "beeline"
	five, six := backend.NewMoney(dec("5"), ""), backend.NewMoney(dec("6"), "")
	known11 := mkOrder(11, "telegram", "russia", "2030-01-01T08:00:00Z")
	cases := []struct {
		name    string
		orders  []string
		buy     backend.BuyRequest
		cost    backend.Money
		claimed []string
		want    backend.Settled
		wantID  string
	}{
		{"found", []string{mkOrder(12, "telegram", "russia", "2030-01-01T10:00:01Z"), mkOrder(11, "telegram", "russia", "2030-01-01T09:00:00Z")},
			anyOp, backend.Money{}, nil, backend.SettledHappened, "12"},
		{"known id", []string{mkOrder(10, "telegram", "russia", "2030-01-01T10:00:01Z")}, anyOp, backend.Money{}, nil, backend.SettledNotDone, ""},
		{"other product", []string{mkOrder(13, "whatsapp", "russia", "2030-01-01T10:00:01Z")}, anyOp, backend.Money{}, nil, backend.SettledNotDone, ""},
		{"other country", []string{mkOrder(14, "telegram", "england", "2030-01-01T10:00:01Z")}, anyOp, backend.Money{}, nil, backend.SettledNotDone, ""},
		{"other operator", []string{mkOrder(14, "telegram", "russia", "2030-01-01T10:00:01Z")}, beeline, backend.Money{}, nil, backend.SettledNotDone, ""},
		// 5sim's clock an hour behind: the order is still the purchase.
		{"provider clock behind", []string{mkOrder(15, "telegram", "russia", "2030-01-01T09:00:00Z"), known11},
			anyOp, backend.Money{}, nil, backend.SettledHappened, "15"},
		// Listed after a known order: older than it, there before the
		// purchase even though the engine no longer knows it.
		{"older than a known order", []string{known11, mkOrder(9, "telegram", "russia", "2030-01-01T10:00:01Z")},
			anyOp, backend.Money{}, nil, backend.SettledNotDone, ""},
		{"new above a known order", []string{mkOrder(12, "telegram", "russia", "2030-01-01T10:00:01Z"), known11,
			mkOrder(9, "telegram", "russia", "2030-01-01T10:00:01Z")}, anyOp, backend.Money{}, nil, backend.SettledHappened, "12"},
		// Nothing on the page was known: created long before the action
		// (beyond any plausible clock error), an order is not the purchase.
		{"unanchored and old", []string{mkOrder(15, "telegram", "russia", "2030-01-01T09:00:00Z")},
			anyOp, backend.Money{}, nil, backend.SettledNotDone, ""},
		{"unanchored, clock a minute behind", []string{mkOrder(15, "telegram", "russia", "2030-01-01T09:59:00Z")},
			anyOp, backend.Money{}, nil, backend.SettledHappened, "15"},
		{"oldest first", []string{mkOrder(17, "telegram", "russia", "2030-01-01T09:59:00Z"), mkOrder(16, "telegram", "russia", "2030-01-01T10:05:00Z")},
			anyOp, backend.Money{}, nil, backend.SettledHappened, "16"},
		{"claimed skipped", []string{mkOrder(17, "telegram", "russia", "2030-01-01T10:00:01Z"), mkOrder(16, "telegram", "russia", "2030-01-01T10:00:01Z")},
			anyOp, backend.Money{}, []string{"16"}, backend.SettledHappened, "17"},
		{"all claimed", []string{mkOrder(17, "telegram", "russia", "2030-01-01T10:00:01Z"), mkOrder(16, "telegram", "russia", "2030-01-01T10:00:01Z")},
			anyOp, backend.Money{}, []string{"16", "17"}, backend.SettledNotDone, ""},
		{"named offer at its price", []string{mkOrder(18, "telegram", "russia", "2030-01-01T10:00:01Z")}, mts, five, nil, backend.SettledHappened, "18"},
		{"named offer at another price", []string{mkOrder(18, "telegram", "russia", "2030-01-01T10:00:01Z")}, mts, six, nil, backend.SettledNotDone, ""},
		// With any operator the picker showed the lowest price, not this one.
		{"any operator ignores the price", []string{mkOrder(19, "telegram", "russia", "2030-01-01T10:00:01Z")}, anyOp, six, nil, backend.SettledHappened, "19"},
	}
	for _, tc := range cases {
		f := newFake(t)
		body := page(tc.orders...)
		f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("category") != "activation" {
				t.Errorf("category %q", r.URL.Query().Get("category"))
			}
			_, _ = w.Write([]byte(body))
		})
		p := newTestProvider(t, f)
		buy := tc.buy
		act := backend.Action{ID: "buy-1", Kind: backend.ActBuy, Account: "main", CreatedAt: actAt, Cost: tc.cost, Buy: &buy}
		tgt := backend.Target{KnownIDs: map[string]bool{"10": true, "11": true}, Claimed: map[string]bool{}}
		for _, id := range tc.claimed {
			tgt.Claimed[id] = true
		}
		st, out, err := p.Settle(ctx, act, tgt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if st != tc.want {
			t.Errorf("%s: settled %v, want %v", tc.name, st, tc.want)
		}
		if tc.wantID != "" && (len(out.Lines) != 1 || out.Lines[0].ID != tc.wantID || !out.Done) {
			t.Errorf("%s: outcome %+v", tc.name, out)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%s: %d requests", tc.name, n)
		}
		for _, r := range f.requests() {
			if strings.Contains(r.Path, "/buy/") {
				t.Errorf("%s: settle bought again", tc.name)
			}
		}
	}
}

func TestLostBuyEndToEnd(t *testing.T) {
	// The purchase goes through at 5sim but the answer never arrives: Do
	// says outcome unknown, Settle finds the order, nothing is bought twice.
	f := newFake(t)
	created := time.Now().UTC().Format(time.RFC3339Nano)
	bought := false
	f.on("/user/buy/activation/any/any/telegram", func(w http.ResponseWriter, r *http.Request) {
		bought = true
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	})
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		if !bought {
			_, _ = w.Write([]byte(page()))
			return
		}
		_, _ = w.Write([]byte(page(fmt.Sprintf(`{"id":777,"phone":"+79001","product":"telegram","price":9,"status":"PENDING","created_at":%q,"country":"russia"}`, created))))
	})
	p := newTestProvider(t, f)
	act := backend.Action{ID: "buy-2", Kind: backend.ActBuy, CreatedAt: time.Now(), Buy: &backend.BuyRequest{Product: "telegram"}}
	_, err := p.Do(ctx, act, backend.Target{})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	st, out, err := p.Settle(ctx, act, backend.Target{KnownIDs: map[string]bool{}})
	if err != nil || st != backend.SettledHappened || out.Lines[0].ID != "777" {
		t.Fatalf("settle = %v %+v %v", st, out, err)
	}
	if f.count("/user/buy/activation/any/any/telegram") != 1 {
		t.Error("bought twice")
	}
}

func TestCatalog(t *testing.T) {
	f := newFake(t)
	f.json("/guest/countries", 200, `{
		"russia":{"iso":{"ru":1},"prefix":{"+7":1},"text_en":"Russia","text_ru":"Россия",
			"mts":{"activation":1,"hosting":1},"beeline":{"activation":1},"virtual4":{"activation":0}},
		"afghanistan":{"iso":{"af":1},"prefix":{"+93":1},"text_en":"Afghanistan","virtual18":{"activation":1}}}`)
	f.json("/guest/products/russia/mts", 200, string(readTestdata(t, "products.json")))
	f.json("/guest/products/russia/any", 200, string(readTestdata(t, "products.json")))
	f.json("/guest/prices", 200, `{"russia":{"vkontakte":{"mts":{"cost":21,"count":5,"rate":87.5},"beeline":{"cost":22,"count":9,"rate":91}}}}`)
	p := newTestProvider(t, f)
	if got := p.BuyCategories(); len(got) != 2 || got[0] != "activation" || got[1] != "hosting" {
		t.Errorf("categories = %v", got)
	}
	for _, c := range []string{"activation", "hosting"} {
		if s := p.BuySteps(c); len(s) != 3 || s[0] != backend.StepCountry || s[1] != backend.StepOperator || s[2] != backend.StepProduct {
			t.Errorf("%s steps = %v", c, s)
		}
	}
	items, err := p.Catalog(ctx, backend.CatalogRequest{Category: "activation", Step: backend.StepCountry})
	if err != nil || len(items) != 3 || items[0].ID != "any" || items[1].ID != "afghanistan" || items[2].Label != "Russia" {
		t.Errorf("countries = %+v, %v", items, err)
	}
	items, _ = p.Catalog(ctx, backend.CatalogRequest{Category: "hosting", Step: backend.StepCountry})
	if len(items) != 2 || items[1].ID != "russia" {
		t.Errorf("hosting countries = %+v", items)
	}
	items, _ = p.Catalog(ctx, backend.CatalogRequest{Category: "activation", Step: backend.StepOperator,
		Chosen: map[string]string{backend.StepCountry: "russia"}})
	if len(items) != 3 || items[0].ID != "any" || items[1].ID != "beeline" || items[2].ID != "mts" {
		t.Errorf("operators = %+v", items)
	}
	items, _ = p.Catalog(ctx, backend.CatalogRequest{Category: "hosting", Step: backend.StepOperator,
		Chosen: map[string]string{backend.StepCountry: "russia"}})
	if len(items) != 2 || items[1].ID != "mts" {
		t.Errorf("hosting operators = %+v", items)
	}
	items, err = p.Catalog(ctx, backend.CatalogRequest{Category: "activation", Step: backend.StepProduct,
		Chosen: map[string]string{backend.StepCountry: "russia", backend.StepOperator: "mts"}})
	if err != nil || len(items) != 1 || items[0].ID != "vkontakte" || items[0].Stock != 133 ||
		!items[0].Price.Amount.Equal(dec("21")) || items[0].Price.Currency != "" || items[0].Rate != 87.5 {
		t.Errorf("products = %+v, %v", items, err)
	}
	items, _ = p.Catalog(ctx, backend.CatalogRequest{Category: "activation", Step: backend.StepProduct,
		Chosen: map[string]string{backend.StepCountry: "russia"}})
	if len(items) != 1 || items[0].Rate != 91 {
		t.Errorf("any-operator rate = %+v", items)
	}
	items, _ = p.Catalog(ctx, backend.CatalogRequest{Category: "hosting", Step: backend.StepProduct,
		Chosen: map[string]string{backend.StepCountry: "russia", backend.StepOperator: "mts"}})
	if len(items) != 1 || items[0].ID != "1day" || items[0].Label != "1 day" || items[0].Stock != 14 {
		t.Errorf("hosting products = %+v", items)
	}
	if n := f.count("/guest/countries"); n != 1 {
		t.Errorf("countries fetched %d times (cache)", n)
	}
	_, err = p.Catalog(ctx, backend.CatalogRequest{Category: "activation", Step: backend.StepAreaCodes})
	wantKind(t, err, backend.ErrInvalid)
}

// An amount the adapter cannot read for sure stays unknown on the line and
// in a purchase's outcome: shown as "?", never as a guess or as zero.
func TestUnreadableAmountsAreUnknown(t *testing.T) {
	f := newFake(t)
	f.json("/user/buy/activation/russia/any/telegram", 200,
		`{"id":7,"phone":"+79001","product":"telegram","price":"1,500","status":"PENDING","country":"russia"}`)
	f.json("/user/profile", 200, `{"balance":"1,500","frozen_balance":"2,50"}`)
	p := newTestProvider(t, f)
	out, err := p.Do(ctx, backend.Action{ID: "b", Kind: backend.ActBuy,
		Buy: &backend.BuyRequest{Country: "russia", Product: "telegram"}}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Charged.Known || out.Lines[0].Price.Known || !strings.Contains(out.Note, "?") {
		t.Errorf("outcome %+v", out)
	}
	a, err := p.Balance(ctx)
	if err != nil || a.Balance.Known || !a.Frozen.Known || !a.Frozen.Amount.Equal(dec("2.5")) {
		t.Errorf("balance %+v %v", a, err)
	}
}

// TestRefineKeepsReuse: a listing cannot say an order was bought with
// reuse=1, so the line it yields offers no reuse; once the engine has
// merged what it remembers (Extra), Refine offers it again, in every state
// ("Re-buy number" names none), and only for activations.
func TestRefineKeepsReuse(t *testing.T) {
	f := newFake(t)
	f.on("/user/orders", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("category") == "hosting" {
			_, _ = w.Write([]byte(page(`{"id":500,"phone":"+79008001122","product":"1day","price":1,"status":"RECEIVED"}`)))
			return
		}
		_, _ = w.Write([]byte(page(order(6, "FINISHED", sms("2030-01-01T10:01:00Z", "code 1234", "1234")),
			order(7, "CANCELED"), order(8, "PENDING"), order(9, "BANNED"))))
	})
	p := newTestProvider(t, f)
	lines, _, err := p.Lines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, listed := range lines {
		if listed.Allowed.Has(backend.ActReuse) {
			t.Fatalf("line %s offers reuse without the flag", listed.ID)
		}
		merged := listed // what the engine holds after merging: Extra kept
		merged.Extra = map[string]string{"reuse": "1"}
		for k, v := range listed.Extra {
			merged.Extra[k] = v
		}
		refined := p.Refine(merged)
		if want := listed.Kind == "activation"; refined.Allowed.Has(backend.ActReuse) != want {
			t.Errorf("line %s (%s %s): refined allows %s", listed.ID, listed.Kind, listed.RawState, refined.Allowed)
		}
		if refined.Allowed.Without(backend.ActReuse) != listed.Allowed {
			t.Errorf("line %s: Refine changed more than reuse: %s → %s", listed.ID, listed.Allowed, refined.Allowed)
		}
		if p.Refine(listed).Allowed != listed.Allowed {
			t.Errorf("line %s: Refine of the listed line changed it", listed.ID)
		}
	}
	// An open line whose SMS the engine knows of (its code) is not offered
	// a cancel 5sim would refuse (`order has sms`).
	open := backend.Line{ID: "8", Kind: "activation", RawState: "RECEIVED", Code: "1234"}
	if p.Refine(open).Allowed.Has(backend.ActCancel) {
		t.Error("cancel offered on a line with a code")
	}
}

// A refusal 5sim words in a way Switchboard does not know is still shown
// to the operator as 5sim wrote it.
func TestUnknownRefusalShowsProviderText(t *testing.T) {
	f := newFake(t)
	f.text("/user/cancel/5", 400, "hosting order")
	p := newTestProvider(t, f)
	act, tgt := lineTarget("5", "cancel", &backend.Line{ID: "5", Kind: "hosting", RawState: "RECEIVED"})
	_, err := p.Do(ctx, act, tgt)
	if err == nil || !strings.Contains(err.Error(), "hosting order") {
		t.Fatalf("refusal %v does not carry 5sim's text", err)
	}
}
