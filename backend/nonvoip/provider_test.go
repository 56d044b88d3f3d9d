package nonvoip

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

func TestBalanceIsUSD(t *testing.T) {
	f := newFake(t)
	f.answer("/api/balance", 200, example(t, "balance"))
	p := newProvider(t, f)
	a, err := p.Balance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "nv-test" || a.Provider != backend.NonVoip || a.Balance.Currency != "USD" || !a.Balance.Known ||
		a.Balance.String() != "$50.00" || a.Email != "" {
		t.Errorf("account = %+v (%s)", a, a.Balance)
	}
}

func TestTraitsAndNoListing(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	tr := p.Traits()
	if tr.BatchCheck || tr.ListsLines || tr.PerMinute != 60 {
		t.Errorf("traits = %+v", tr)
	}
	ls, ms, err := p.Lines(context.Background())
	if ls != nil || ms != nil || err != nil || len(f.requests()) != 0 {
		t.Errorf("Lines must return nothing without a call")
	}
}

func buy(cat, product string) backend.Action {
	return backend.Action{ID: "act-1", Kind: backend.ActBuy, Account: "nv-test",
		Buy: &backend.BuyRequest{Category: cat, Product: product}, Cost: backend.NewMoney(dec("0.36"), "USD")}
}

func TestBuyShortTerm(t *testing.T) {
	f := newFake(t)
	f.answer("/api/order", 200, example(t, "order_short_term"))
	p := newProvider(t, f)
	out, err := p.Do(context.Background(), buy("short_term", "10000086"), backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/order").Body, example(t, "req_order_short_term"))
	if !out.Done || out.Offer != nil || len(out.Lines) != 1 {
		t.Fatalf("outcome = %+v", out)
	}
	l := out.Lines[0]
	if l.Key != "nonvoip/nv-test/line/146185" || l.ID != "146185" || l.Number != "+16095550123" || l.Service != "Instagram" ||
		l.Kind != TypeShortTerm || l.Country != "US" || l.State != backend.LineWaiting || l.RawState != "Reserved" ||
		!l.ExpiresAt.Time().Equal(testNow.Add(900*time.Second)) || l.Price.String() != "$0.36" {
		t.Errorf("line = %+v", l)
	}
	if l.Allowed != backend.Allow(backend.ActCheck, backend.ActReject) {
		t.Errorf("allowed = %s, want check,reject", l.Allowed)
	}
	if l.Extra[ExtraType] != TypeShortTerm || l.Extra[ExtraService] != "Instagram" || l.Extra[ExtraNumber] != "16095550123" ||
		l.Extra[ExtraProduct] != "10000086" {
		t.Errorf("extra = %v", l.Extra)
	}
	if !strings.Contains(out.Note, "Instagram") {
		t.Errorf("note %q", out.Note)
	}
}

func TestBuyOffersThenAcceptedRetries(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()

	f.answer("/api/order", 200, example(t, "order_price_change"))
	out, err := p.Do(ctx, buy("short_term", "10000086"), backend.Target{})
	if err != nil {
		t.Fatalf("Price_Change_Required must not be an error: %v", err)
	}
	if out.Done || out.Offer == nil || out.Offer.Kind != backend.OfferPriceChange || len(out.Lines) != 0 {
		t.Fatalf("outcome = %+v", out)
	}
	if !out.Offer.Available.Equal(dec("1.7")) || !strings.Contains(out.Note, "$1.70") {
		t.Errorf("offer = %+v note %q", out.Offer, out.Note)
	}
	// The operator accepts: a new action carries the accepted price.
	f.answer("/api/order", 200, example(t, "order_short_term"))
	acc := buy("short_term", "10000086")
	acc.ID = "act-2"
	accepted := out.Offer.Available
	acc.Buy.AcceptedMaxPrice = &accepted
	out, err = p.Do(ctx, acc, backend.Target{})
	if err != nil || !out.Done {
		t.Fatalf("accepted retry: %+v %v", out, err)
	}
	sameJSON(t, f.last(t, "/api/order").Body, example(t, "req_order_price_accepted"))

	f.answer("/api/order", 200, example(t, "order_premium"))
	out, err = p.Do(ctx, buy("short_term", "10000086"), backend.Target{})
	if err != nil || out.Offer == nil || out.Offer.Kind != backend.OfferPremium || out.Offer.RecommendedBid != 20 || out.Done {
		t.Fatalf("premium: %+v %v", out, err)
	}
	bid := buy("short_term", "10000086")
	bid.Buy.Auction = out.Offer.RecommendedBid
	f.answer("/api/order", 200, example(t, "order_short_term"))
	if _, err := p.Do(ctx, bid, backend.Target{}); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/order").Body, example(t, "req_order_premium"))
}

// The line shows what was charged: the answer's cost when it states one,
// else the price the operator accepted (an offer's price, the listed price
// raised by a premium bid), never the catalogue estimate after an offer.
func TestBuyPriceIsWhatWasCharged(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	costed := []byte(`{"status":"success","message":[{"order_id":146185,"status":"Reserved","number":"16095550123","service":"Instagram","expiration":900,"type":"short_term","cost":"0.99"}]}`)
	limit := dec("1.7")
	for _, c := range []struct {
		name          string
		answer        []byte
		accepted      *decimal.Decimal
		bid           int
		price, charge string // "" = unknown
	}{
		{"plain", example(t, "order_short_term"), nil, 0, "$0.36", ""},
		{"price change accepted", example(t, "order_short_term"), &limit, 0, "$1.70", "$1.70"},
		{"premium bid", example(t, "order_short_term"), nil, 20, "$0.43", "$0.43"}, // 0.36 × 1.2 = 0.432
		{"the answer states the cost", costed, &limit, 0, "$0.99", "$0.99"},
	} {
		f.answer("/api/order", 200, c.answer)
		act := buy("short_term", "10000086")
		act.Buy.AcceptedMaxPrice, act.Buy.Auction = c.accepted, c.bid
		out, err := p.Do(context.Background(), act, backend.Target{})
		if err != nil || len(out.Lines) != 1 {
			t.Fatalf("%s: %+v %v", c.name, out, err)
		}
		charged := ""
		if out.Charged.Known {
			charged = out.Charged.String()
		}
		if got := out.Lines[0].Price.String(); got != c.price || charged != c.charge {
			t.Errorf("%s: line price %s, charged %q; want %s, %q", c.name, got, charged, c.price, c.charge)
		}
	}
}

func TestBuyLongTermMultiService(t *testing.T) {
	f := newFake(t)
	f.answer("/api/order", 200, example(t, "order_long_term"))
	p := newProvider(t, f)
	act := buy("long_term", "")
	act.Buy.Products = []string{"9044", "8555"}
	out, err := p.Do(context.Background(), act, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/order").Body, example(t, "req_order_multi"))
	l := out.Lines[0]
	if l.Kind != TypeLongTerm || l.State != backend.LineActive || l.RawState != "Active" || !l.ExpiresAt.Time().Equal(utc("2100-12-31 23:59:59")) {
		t.Errorf("line = %+v", l)
	}
	if l.Allowed != backend.Allow(backend.ActCheck, backend.ActReject, backend.ActRenew, backend.ActActivate) {
		t.Errorf("allowed = %s", l.Allowed)
	}

	act.Buy.Products = []string{"1", "2", "3", "4", "5", "6"}
	_, err = p.Do(context.Background(), act, backend.Target{})
	wantKind(t, err, backend.ErrInvalid)
	act.Buy.Category = "short_term"
	act.Buy.Products = []string{"1", "2"}
	_, err = p.Do(context.Background(), act, backend.Target{})
	wantKind(t, err, backend.ErrInvalid)
	if n := f.count("/api/order"); n != 1 {
		t.Errorf("invalid buys reached the server: %d orders", n)
	}
}

func TestBuyCountryWise(t *testing.T) {
	f := newFake(t)
	f.answer("/api/country/order", 200, example(t, "country_order"))
	p := newProvider(t, f)
	out, err := p.Do(context.Background(), buy("country", "501"), backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/country/order").Body, example(t, "req_country_order"))
	l := out.Lines[0]
	if l.ID != "sb_102030" || l.Key != "nonvoip/nv-test/line/sb_102030" || l.Kind != TypeCountry || l.Country != "US" ||
		l.Service != "Telegram" || l.Extra[ExtraService] != "tg" || l.State != backend.LineWaiting || l.Price.String() != "$0.45" {
		t.Errorf("line = %+v", l)
	}
	if out.Charged.String() != "$0.45" {
		t.Errorf("charged %s", out.Charged)
	}
	if l.Allowed != backend.Allow(backend.ActCheck, backend.ActReject) {
		t.Errorf("allowed = %s", l.Allowed)
	}
}

func TestBuyLostAnswerIsUnknownAndSettlesUnknown(t *testing.T) {
	f := newFake(t)
	f.on("/api/order", func(w http.ResponseWriter, _ *http.Request) {
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	})
	p := newProvider(t, f)
	act := buy("short_term", "10000086")
	_, err := p.Do(context.Background(), act, backend.Target{})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if n := f.count("/api/order"); n != 1 {
		t.Errorf("order sent %d times", n)
	}
	st, out, err := p.Settle(context.Background(), act, backend.Target{KnownIDs: map[string]bool{}})
	if err != nil || st != backend.SettledUnknown || !strings.Contains(out.Note, "cannot list") {
		t.Errorf("settle = %v %+v %v", st, out, err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("settling a buy sent %d requests; there is nothing to read", n-1)
	}
}

// NonVoip cannot list orders, so a lost purchase or reuse is never matched
// to an order (claimed or not): it stays unknown, with a note that says
// what to check by hand, and nothing is read or sent.
func TestSettleLostPurchaseNamesWhatToCheck(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	claimed := backend.Target{KnownIDs: map[string]bool{"146180": true}, Claimed: map[string]bool{"146181": true}}
	bought := buy("short_term", "10000086")
	bought.CreatedAt = at
	reusedByBuy := backend.Action{ID: "b", Kind: backend.ActBuy, CreatedAt: at, Buy: &backend.BuyRequest{ReuseOrder: "35749684"}}
	line := waitingLine(p)
	reused := backend.Action{ID: "r", Kind: backend.ActReuse, Target: line.Key, CreatedAt: at}
	for _, c := range []struct {
		act  backend.Action
		t    backend.Target
		want []string
	}{
		{bought, claimed, []string{"short_term order of product 10000086", "5 Jan 10:00 UTC", "by hand", ":add nonvoip", "will not send it again"}},
		{reusedByBuy, claimed, []string{"order 35749684 was reused", "5 Jan 10:00 UTC", "by hand"}},
		{reused, backend.Target{Line: &line}, []string{"order 146185 was reused", "by hand"}},
	} {
		st, out, err := p.Settle(context.Background(), c.act, c.t)
		if err != nil || st != backend.SettledUnknown || len(out.Lines) != 0 {
			t.Errorf("%s: settle = %v %+v %v", c.act.ID, st, out, err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.Note, w) {
				t.Errorf("%s: note %q does not say %q", c.act.ID, out.Note, w)
			}
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("settling lost purchases sent %d requests; there is nothing to read", n)
	}
}

func waitingLine(p *Provider) backend.Line {
	return backend.Line{Key: p.key("146185"), Account: "nv-test", Provider: backend.NonVoip, ID: "146185",
		Number: "+16095170503", Service: "Instagram", Kind: TypeShortTerm, State: backend.LineWaiting, RawState: "Reserved",
		ExpiresAt: backend.InstantOf(testNow.Add(10 * time.Minute)), Allowed: backend.Allow(backend.ActCheck, backend.ActReject),
		Extra: map[string]string{ExtraType: TypeShortTerm, ExtraService: "Instagram", ExtraNumber: "16095170503"}}
}

func rentalLine(p *Provider) backend.Line {
	return backend.Line{Key: p.key("146187"), Account: "nv-test", Provider: backend.NonVoip, ID: "146187",
		Number: "+16095550123", Service: "PayPal", Kind: TypeLongTerm, State: backend.LineActive, RawState: "Active",
		ExpiresAt: backend.InstantOf(testNow.Add(20 * 24 * time.Hour)),
		Extra:     map[string]string{ExtraType: TypeLongTerm, ExtraService: "PayPal", ExtraNumber: "16095550123"}}
}

func TestCheckDeliversCodeOnceByID(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	line := waitingLine(p)
	ctx := context.Background()

	f.answer("/api/getsms", 200, []byte(`{"status":"success","number":"16095170503","service":"Instagram","sms":"","pin":"","type":"short_term"}`))
	ls, ms, err := p.Check(ctx, []backend.Line{line})
	if err != nil || len(ls) != 1 || len(ms) != 0 || ls[0].State != backend.LineWaiting {
		t.Fatalf("waiting: %+v %+v %v", ls, ms, err)
	}
	sameJSON(t, f.last(t, "/api/getsms").Body, example(t, "req_getsms"))

	f.answer("/api/getsms", 200, example(t, "getsms"))
	ls, ms, err = p.Check(ctx, []backend.Line{line})
	if err != nil || len(ls) != 1 || len(ms) != 1 {
		t.Fatalf("received: %+v %+v %v", ls, ms, err)
	}
	l, m := ls[0], ms[0]
	if l.State != backend.LineReceived || l.Code != "545" || !l.CodeAt.Time().Equal(testNow) || l.Extra[ExtraUsed] != "1" {
		t.Errorf("line = %+v", l)
	}
	if l.Allowed != backend.Allow(backend.ActCheck, backend.ActReuse) {
		t.Errorf("after the SMS: allowed %s, want check,reuse (no reject)", l.Allowed)
	}
	if m.Line != l.Key || m.Text != "Your Instagram OTP is 545" || m.Code != "545" || m.ID == "" {
		t.Errorf("message = %+v", m)
	}
	if line.Extra[ExtraUsed] != "" {
		t.Error("Check changed the caller's line map")
	}
	_, ms2, _ := p.Check(ctx, []backend.Line{l})
	if len(ms2) != 1 || ms2[0].ID != m.ID {
		t.Errorf("the same SMS got another id: %q vs %q", ms2[0].ID, m.ID)
	}
	if n := f.count("/api/getsms"); n != 3 {
		t.Errorf("%d getsms, want one per line per check", n)
	}
}

func TestCheckOrderGoneAndErrors(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()

	f.answer("/api/getsms", 404, []byte(`{"status":"error","message":"Order not found"}`))
	ls, _, err := p.Check(ctx, []backend.Line{waitingLine(p)})
	if err != nil || len(ls) != 1 || ls[0].State.Open() || ls[0].Allowed != 0 {
		t.Fatalf("gone waiting line: %+v %v", ls, err)
	}
	used := waitingLine(p)
	used.Code, used.State = "545", backend.LineReceived
	ls, _, _ = p.Check(ctx, []backend.Line{used})
	if ls[0].State != backend.LineFinished || !ls[0].Allowed.Has(backend.ActReuse) {
		t.Errorf("gone used line: %+v", ls[0])
	}

	// A wrong base URL (HTML 404) is not a gone order: the line is untouched.
	f.on("/api/getsms", nil)
	ls, _, err = p.Check(ctx, []backend.Line{waitingLine(p)})
	if err == nil || len(ls) != 0 {
		t.Errorf("HTML 404: %+v %v", ls, err)
	}

	// An account-wide failure stops the round at the first line.
	f.answer("/api/getsms", 400, example(t, "error_wrong_auth"))
	a, b := waitingLine(p), waitingLine(p)
	b.ID, b.Key = "146186", p.key("146186")
	before := f.count("/api/getsms")
	_, _, err = p.Check(ctx, []backend.Line{a, b})
	wantKind(t, err, backend.ErrAuth)
	if n := f.count("/api/getsms") - before; n != 1 {
		t.Errorf("auth failure: %d calls, want 1", n)
	}

	// Closed lines are not read.
	closed := waitingLine(p)
	closed.State = backend.LineCanceled
	before = f.count("/api/getsms")
	ls, _, err = p.Check(ctx, []backend.Line{closed})
	if len(ls) != 0 || err != nil || f.count("/api/getsms") != before {
		t.Errorf("closed line was read")
	}
}

func TestRejectAndSettle(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	line := waitingLine(p)
	act := backend.Action{ID: "rej-1", Kind: backend.ActReject, Account: "nv-test", Target: line.Key}

	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.00"}`))
	f.answer("/api/reject", 200, example(t, "reject"))
	out, err := p.Do(ctx, act, backend.Target{Line: &line})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/reject").Body, example(t, "req_reject"))
	if !out.Done || out.Lines[0].State != backend.LineCanceled || out.Lines[0].Allowed != 0 ||
		out.Note != "The rental for Instagram 16095170503 has been stopped and refunded." {
		t.Errorf("outcome = %+v", out)
	}

	lose := func(w http.ResponseWriter, _ *http.Request) {
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	}
	// Lost answer, then getsms 404: happened.
	f.on("/api/reject", lose)
	_, err = p.Do(ctx, act, backend.Target{Line: &line})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	f.answer("/api/getsms", 404, []byte(`{"status":"error","message":"Order not found"}`))
	st, out, err := p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledHappened || out.Lines[0].State != backend.LineCanceled {
		t.Errorf("settle after 404: %v %+v %v", st, out, err)
	}

	// Lost answer, order still waiting, balance went up: the refund shows.
	act.ID = "rej-2"
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.00"}`))
	_, err = p.Do(ctx, act, backend.Target{Line: &line})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	f.answer("/api/getsms", 200, []byte(`{"status":"success","sms":""}`))
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.36"}`))
	st, out, err = p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledHappened || out.Balance == nil || out.Balance.String() != "$10.36" {
		t.Errorf("settle with refund: %v %+v %v", st, out, err)
	}

	// Same, balance unchanged: not done.
	act.ID = "rej-3"
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.00"}`))
	_, _ = p.Do(ctx, act, backend.Target{Line: &line})
	st, _, err = p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledNotDone {
		t.Errorf("settle without refund: %v %v", st, err)
	}

	// An SMS on the order: the reject cannot have happened.
	act.ID = "rej-4"
	_, _ = p.Do(ctx, act, backend.Target{Line: &line})
	f.answer("/api/getsms", 200, example(t, "getsms"))
	st, out, err = p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledNotDone || len(out.Messages) != 1 {
		t.Errorf("settle with SMS: %v %+v %v", st, out, err)
	}

	// After a restart nothing was remembered and the order still answers.
	act.ID = "rej-5"
	f.answer("/api/getsms", 200, []byte(`{"status":"success","sms":""}`))
	st, _, err = p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledUnknown {
		t.Errorf("settle without evidence: %v %v", st, err)
	}
}

func TestRenewAndSettle(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	line := rentalLine(p)
	act := backend.Action{ID: "ren-1", Kind: backend.ActRenew, Account: "nv-test", Target: line.Key, Months: 1,
		Cost: backend.NewMoney(dec("2.00"), "USD")}

	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.00"}`))
	f.answer("/api/renew", 200, example(t, "renew"))
	out, err := p.Do(ctx, act, backend.Target{Line: &line})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/renew").Body, example(t, "req_renew"))
	if !out.Done || !out.Lines[0].ExpiresAt.Time().Equal(utc("2100-12-31 23:59:59")) || !strings.Contains(out.Note, "2100") {
		t.Errorf("outcome = %+v", out)
	}
	// No Months: the provider's default period, no duration field.
	act.Months = 0
	if _, err := p.Do(ctx, act, backend.Target{Line: &line}); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/renew").Body, []byte(`{"email":"user@example.com","password":"your_password","order_id":"146187"}`))

	// Short-term numbers are not renewed; nothing is sent.
	short := waitingLine(p)
	before := f.count("/api/renew")
	_, err = p.Do(ctx, backend.Action{ID: "x", Kind: backend.ActRenew, Target: short.Key}, backend.Target{Line: &short})
	wantKind(t, err, backend.ErrUnsupported)
	if f.count("/api/renew") != before {
		t.Error("renew of a short-term number was sent")
	}

	// Settle: getsms shows a later expiry → happened; the same → not done.
	f.answer("/api/getsms", 200, []byte(`{"status":"success","sms":"","expires":"2100-12-31 23:59:59"}`))
	st, out, err := p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledHappened || !out.Lines[0].ExpiresAt.Time().Equal(utc("2100-12-31 23:59:59")) {
		t.Errorf("settle moved expiry: %v %+v %v", st, out, err)
	}
	same := line.ExpiresAt.Time().Format("2006-01-02 15:04:05")
	f.answer("/api/getsms", 200, []byte(`{"status":"success","sms":"","expires":"`+same+`"}`))
	st, _, _ = p.Settle(ctx, act, backend.Target{Line: &line})
	if st != backend.SettledNotDone {
		t.Errorf("settle same expiry: %v", st)
	}

	// No expiry on getsms: the balance read before the call decides.
	act.ID, act.Months = "ren-2", 1
	lose := func(w http.ResponseWriter, _ *http.Request) {
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	}
	f.on("/api/renew", lose)
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.00"}`))
	_, err = p.Do(ctx, act, backend.Target{Line: &line})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	f.answer("/api/getsms", 200, []byte(`{"status":"success","sms":""}`))
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"8.00"}`))
	st, _, err = p.Settle(ctx, act, backend.Target{Line: &line})
	if err != nil || st != backend.SettledHappened {
		t.Errorf("settle by debit: %v %v", st, err)
	}
	act.ID = "ren-3"
	f.answer("/api/balance", 200, []byte(`{"status":"success","balance":"10.00"}`))
	_, _ = p.Do(ctx, act, backend.Target{Line: &line})
	st, _, _ = p.Settle(ctx, act, backend.Target{Line: &line})
	if st != backend.SettledNotDone {
		t.Errorf("settle without debit: %v", st)
	}
}

// TestCheckNamesACachedLinesService: a line stored before services had
// one name ("tg") reads as "Telegram" after its next check; the provider's
// own word stays in Extra for the calls that name the order by service.
func TestCheckNamesACachedLinesService(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	cached := waitingLine(p)
	cached.Service, cached.Extra[ExtraService] = "tg", "tg"
	f.answer("/api/getsms", 200, []byte(`{"status":"success","number":"16095170503","service":"tg","sms":"","pin":"","type":"short_term"}`))
	ls, _, err := p.Check(context.Background(), []backend.Line{cached})
	if err != nil || len(ls) != 1 || ls[0].Service != "Telegram" || ls[0].Extra[ExtraService] != "tg" {
		t.Fatalf("checked line %+v, %v", ls, err)
	}
}

func TestActivateAndReuse(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	line := rentalLine(p)
	f.answer("/api/activate", 200, example(t, "activate"))
	out, err := p.Do(ctx, backend.Action{ID: "a", Kind: backend.ActActivate, Target: line.Key}, backend.Target{Line: &line})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/activate").Body, example(t, "req_activate"))
	l := out.Lines[0]
	if l.Extra[ExtraOnlineUntil] != "2026-05-17T07:35:46Z" || l.Allowed.Has(backend.ActActivate) || !l.Allowed.Has(backend.ActRenew) {
		t.Errorf("activated line = %+v (%s)", l, l.Allowed)
	}
	if !strings.Contains(out.Note, "online") {
		t.Errorf("note %q", out.Note)
	}
	// Once end_on has passed, activation is offered again.
	p.now = func() time.Time { return testNow.Add(2 * time.Hour) }
	if got := allowed(l, p.clock()); !got.Has(backend.ActActivate) {
		t.Errorf("after end_on: %s", got)
	}
	p.now = func() time.Time { return testNow }

	used := waitingLine(p)
	used.ID, used.Key = "35749684", p.key("35749684")
	used.State, used.Code = backend.LineReceived, "545"
	f.answer("/api/getsms", 200, example(t, "getsms"))
	f.answer("/api/reuse", 200, example(t, "reuse"))
	out, err = p.Do(ctx, backend.Action{ID: "r", Kind: backend.ActReuse, Target: used.Key}, backend.Target{Line: &used})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/reuse").Body, example(t, "req_reuse"))
	nl := out.Lines[0]
	if nl.Key != used.Key || nl.State != backend.LineWaiting || nl.Code != "" || !nl.ExpiresAt.Time().Equal(testNow.Add(900*time.Second)) ||
		!nl.Allowed.Has(backend.ActReject) {
		t.Errorf("reused line = %+v (%s)", nl, nl.Allowed)
	}
	// Reuse by BuyRequest.ReuseOrder names the order explicitly.
	act := backend.Action{ID: "b", Kind: backend.ActBuy, Buy: &backend.BuyRequest{Category: "short_term", ReuseOrder: "35749684"}}
	if _, err := p.Do(ctx, act, backend.Target{}); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/reuse").Body, example(t, "req_reuse"))
}

func TestAllowedMatrix(t *testing.T) {
	now := testNow
	mk := func(kind string, st backend.LineState, code string) backend.Line {
		return backend.Line{Kind: kind, State: st, Code: code, Extra: map[string]string{}}
	}
	A := backend.Allow
	cases := []struct {
		l    backend.Line
		want backend.ActionSet
	}{
		{mk(TypeShortTerm, backend.LineWaiting, ""), A(backend.ActCheck, backend.ActReject)},
		{mk(TypeShortTerm, backend.LineReceived, "1"), A(backend.ActCheck, backend.ActReuse)},
		{mk(TypeShortTerm, backend.LineFinished, "1"), A(backend.ActReuse)},
		{mk(TypeShortTerm, backend.LineExpired, ""), 0},
		{mk(TypeShortTerm, backend.LineCanceled, ""), 0},
		// Reject for any order before its SMS (the document's /api/reject).
		{mk(TypeLongTerm, backend.LineActive, ""), A(backend.ActCheck, backend.ActReject, backend.ActRenew, backend.ActActivate)},
		{mk(TypeLongTerm, backend.LineActive, "1"), A(backend.ActCheck, backend.ActRenew, backend.ActActivate)},
		{mk(TypeOneDay, backend.LineExpiring, "1"), A(backend.ActCheck, backend.ActRenew, backend.ActActivate)},
		{mk(TypeThreeDays, backend.LineActive, ""), A(backend.ActCheck, backend.ActReject, backend.ActRenew, backend.ActActivate)},
		{mk(TypeCountry, backend.LineWaiting, ""), A(backend.ActCheck, backend.ActReject)},
		{mk(TypeCountry, backend.LineReceived, "1"), A(backend.ActCheck)},
		{mk("", backend.LineUnknown, ""), A(backend.ActCheck, backend.ActReject)},
		// An expired rental may still be renewed (the provider says when
		// it is too late); a rejected one may not.
		{mk(TypeLongTerm, backend.LineExpired, ""), A(backend.ActRenew)},
		{mk(TypeOneDay, backend.LineCanceled, ""), 0},
	}
	for _, c := range cases {
		if got := allowed(c.l, now); got != c.want {
			t.Errorf("%s %s code=%q: %s, want %s", c.l.Kind, c.l.State, c.l.Code, got, c.want)
		}
	}
}

func TestDeriveState(t *testing.T) {
	now := testNow
	soon, past, far := now.Add(time.Hour), now.Add(-time.Minute), now.Add(30*24*time.Hour)
	cases := []struct {
		kind, raw string
		sms       bool
		exp       time.Time
		want      backend.LineState
	}{
		{TypeShortTerm, "Reserved", false, soon, backend.LineWaiting},
		{TypeShortTerm, "Reserved", true, soon, backend.LineReceived},
		{TypeShortTerm, "Something_New", false, soon, backend.LineWaiting},
		{TypeShortTerm, "Reserved", false, past, backend.LineExpired},
		{TypeShortTerm, "Reserved", true, past, backend.LineFinished},
		{TypeShortTerm, "Rejected", false, soon, backend.LineCanceled},
		{TypeLongTerm, "Active", false, far, backend.LineActive},
		{TypeLongTerm, "Active", false, soon, backend.LineExpiring},
		{TypeOneDay, "Active", true, now.Add(3 * time.Hour), backend.LineActive},
		{TypeOneDay, "Active", true, now.Add(time.Hour), backend.LineExpiring},
		{TypeLongTerm, "Active", false, past, backend.LineExpired},
		{TypeLongTerm, "Expired", false, far, backend.LineExpired},
	}
	for _, c := range cases {
		if got := deriveState(c.kind, c.raw, c.sms, c.exp, now); got != c.want {
			t.Errorf("%s %q sms=%v exp=%v: %s, want %s", c.kind, c.raw, c.sms, c.exp.Sub(now), got, c.want)
		}
	}
}

func TestLookup(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	f.answer("/api/getsms", 200, example(t, "getsms"))
	l, ms, err := p.Lookup(context.Background(), " 146185 ")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/getsms").Body, example(t, "req_getsms"))
	if l.Key != "nonvoip/nv-test/line/146185" || l.ID != "146185" || l.Number != "+16095170503" || l.Service != "Instagram" ||
		l.Kind != TypeShortTerm || l.State != backend.LineReceived || l.Code != "545" || l.Country != "US" ||
		l.Extra[ExtraNumber] != "16095170503" || l.Extra[ExtraService] != "Instagram" || l.Extra[ExtraType] != TypeShortTerm {
		t.Errorf("line = %+v", l)
	}
	if len(ms) != 1 || ms[0].Code != "545" || ms[0].Line != l.Key {
		t.Errorf("messages = %+v", ms)
	}
	f.answer("/api/getsms", 404, []byte(`{"status":"error","message":"Order not found"}`))
	_, _, err = p.Lookup(context.Background(), "999")
	if e := wantKind(t, err, backend.ErrNotFound); !strings.Contains(e.Message, "999") {
		t.Errorf("message %q", e.Message)
	}
	_, _, err = p.Lookup(context.Background(), "a/b")
	wantKind(t, err, backend.ErrInvalid)
}

func TestParseWebhook(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ls, ms, leases, jobs, err := p.ParseWebhook(example(t, "webhook_incoming_message"))
	if err != nil || leases != nil || jobs != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 || len(ms) != 1 {
		t.Fatalf("lines %+v messages %+v", ls, ms)
	}
	l, m := ls[0], ms[0]
	// "str" is a class, not an order type: the line leaves Kind to what the
	// engine knows, but its state and actions are a short-term number's.
	if l.Key != "nonvoip/nv-test/line/454303" || l.Number != "+16095170503" || l.Service != "Instagram" || l.Kind != "" ||
		l.Extra[ExtraType] != "" || l.State != backend.LineReceived || l.Code != "545" || !l.Allowed.Has(backend.ActReuse) {
		t.Errorf("line = %+v", l)
	}
	if m.Sender != "8843" || m.Text != "Your Instagram OTP is 545" || m.Code != "545" || m.Line != l.Key {
		t.Errorf("message = %+v", m)
	}
	// The callback and a later getsms of the same SMS share the message id.
	f.answer("/api/getsms", 200, example(t, "getsms"))
	_, polled, err := p.Lookup(context.Background(), "454303")
	if err != nil || polled[0].ID != m.ID {
		t.Errorf("callback id %q, polled id %q (%v)", m.ID, polled[0].ID, err)
	}

	ls, ms, _, _, err = p.ParseWebhook(example(t, "webhook_auction_wining"))
	if err != nil || len(ls) != 1 || len(ms) != 0 {
		t.Fatalf("auction: %+v %+v %v", ls, ms, err)
	}
	if l := ls[0]; l.ID != "4545" || l.Service != "Gmail" || l.Extra[ExtraService] != "GMail" || l.State != backend.LineWaiting || l.Kind != TypeShortTerm ||
		!l.ExpiresAt.Time().Equal(testNow.Add(900*time.Second)) || !l.Allowed.Has(backend.ActReject) {
		t.Errorf("auction line = %+v", l)
	}

	_, _, _, _, err = p.ParseWebhook([]byte(`{"event":"balance_low","message":{}}`))
	wantKind(t, err, backend.ErrUnsupported)
	_, _, _, _, err = p.ParseWebhook([]byte(`not json`))
	wantKind(t, err, backend.ErrMalformed)
}

func TestCatalog(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	if got := p.BuyCategories(); strings.Join(got, ",") != "short_term,long_term,one_day,3days,country" {
		t.Errorf("categories %v", got)
	}
	for _, c := range p.BuyCategories() {
		if s := p.BuySteps(c); len(s) != 1 || s[0] != backend.StepProduct {
			t.Errorf("steps of %s: %v", c, s)
		}
	}
	if p.BuySteps("proxy") != nil {
		t.Error("unknown category has steps")
	}
	cats, err := p.Catalog(ctx, backend.CatalogRequest{Step: backend.StepCategory})
	if err != nil || len(cats) != 5 {
		t.Errorf("category step: %+v %v", cats, err)
	}

	f.answer("/api/products", 200, example(t, "products_list"))
	items, err := p.Catalog(ctx, backend.CatalogRequest{Category: "short_term", Step: backend.StepProduct})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, f.last(t, "/api/products").Body, example(t, "req_products_short_term"))
	if len(items) != 1 || items[0].ID != "10000086" || items[0].Label != "Instagram" || items[0].Stock != 6841 ||
		items[0].Price.String() != "$0.36" {
		t.Errorf("items = %+v", items)
	}
	// Products of another type are left out if the server ignores the filter.
	items, _ = p.Catalog(ctx, backend.CatalogRequest{Category: "long_term", Step: backend.StepProduct})
	if len(items) != 0 {
		t.Errorf("short-term products offered for long_term: %+v", items)
	}

	f.answer("/api/country/products", 200, example(t, "country_products"))
	items, err = p.Catalog(ctx, backend.CatalogRequest{Category: "country", Step: backend.StepProduct})
	if err != nil || len(items) != 1 || items[0].ID != "501" || items[0].Label != "Telegram · United States" ||
		items[0].Stock != 120 || items[0].Price.String() != "$0.45" {
		t.Errorf("country items = %+v %v", items, err)
	}
	_, err = p.Catalog(ctx, backend.CatalogRequest{Category: "short_term", Step: backend.StepCountry})
	wantKind(t, err, backend.ErrInvalid)
}

func TestUnsupportedActions(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	for _, k := range []backend.ActionKind{backend.ActCancel, backend.ActFinish, backend.ActBan, backend.ActRestore, backend.ActExport} {
		_, err := p.Do(context.Background(), backend.Action{Kind: k, Target: p.key("1")}, backend.Target{})
		wantKind(t, err, backend.ErrUnsupported)
	}
	if len(f.requests()) != 0 {
		t.Error("an unsupported action reached the server")
	}
}

// A reuse opens a new receiving window on the same order: the returned
// line waits with no code and no "used" mark, and the SMS getsms answered
// before the reuse (the previous window's: getsms answers the order's
// latest SMS) is never taken for the new window's code.
func TestReuseOpensANewWindow(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := context.Background()
	old := waitingLine(p)
	old.ID, old.Key = "35749684", p.key("35749684")
	old.State, old.Code, old.CodeAt = backend.LineReceived, "545", backend.InstantOf(testNow.Add(-time.Minute))
	old.Extra[ExtraUsed] = "1"

	f.answer("/api/getsms", 200, example(t, "getsms"))
	f.answer("/api/reuse", 200, example(t, "reuse"))
	out, err := p.Do(ctx, backend.Action{ID: "r", Kind: backend.ActReuse, Target: old.Key}, backend.Target{Line: &old})
	if err != nil {
		t.Fatal(err)
	}
	nl := out.Lines[0]
	if !nl.NewWindow || !nl.WindowAt.Time().Equal(testNow) || nl.State != backend.LineWaiting || nl.Code != "" || len(nl.Candidates) != 0 ||
		nl.Extra[ExtraUsed] != "0" || nl.Extra[ExtraStaleSMS] != messageID("35749684", "Your Instagram OTP is 545") ||
		nl.Allowed != backend.Allow(backend.ActCheck, backend.ActReject) {
		t.Fatalf("reused line = %+v (%s)", nl, nl.Allowed)
	}
	// The engine keeps Extra keys an answer omits: "used" must be set.
	held := nl
	held.NewWindow = false
	ls, ms, err := p.Check(ctx, []backend.Line{held})
	if err != nil || len(ls) != 1 || len(ms) != 0 || ls[0].State != backend.LineWaiting || ls[0].Code != "" {
		t.Fatalf("check before a new SMS: %+v %+v %v", ls, ms, err)
	}
	// A line still carrying the old code (from before WindowAt) waits too.
	held.Code, held.CodeAt = "545", backend.InstantOf(testNow.Add(-time.Minute))
	if ls, _, _ := p.Check(ctx, []backend.Line{held}); ls[0].State != backend.LineWaiting || !ls[0].Allowed.Has(backend.ActReject) {
		t.Fatalf("an earlier window's code made the line %s (%s)", ls[0].State, ls[0].Allowed)
	}
	f.answer("/api/getsms", 200, []byte(`{"status":"success","number":"16095170503","service":"Instagram","sms":"Your Instagram OTP is 778","pin":"778","type":"short_term"}`))
	ls, ms, err = p.Check(ctx, []backend.Line{ls[0]})
	if err != nil || len(ms) != 1 || ms[0].Code != "778" || ls[0].Code != "778" || ls[0].State != backend.LineReceived {
		t.Fatalf("check after a new SMS: %+v %+v %v", ls, ms, err)
	}

	// When getsms cannot be read first, nothing is bought.
	f.answer("/api/getsms", 400, example(t, "error_wrong_auth"))
	before := f.count("/api/reuse")
	_, err = p.Do(ctx, backend.Action{ID: "r2", Kind: backend.ActReuse, Target: old.Key}, backend.Target{Line: &old})
	wantKind(t, err, backend.ErrAuth)
	if f.count("/api/reuse") != before {
		t.Error("the reuse was sent without reading the last SMS first")
	}
}
