package market_test

// Contract tests: the marketplace adapter against the marketplace
// simulator. The two were written by different engineers from market.md
// and NOTES.md (which document almost no success body: the adapter must
// be tolerant, the simulator plausible); every call of the typed client
// and every Provider behaviour is exercised here against the running
// simulator, and each decoded result is compared with the simulator's own
// state (its exported hooks).

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/market"
	"switchboard/backend/sim"
	"switchboard/wiring"
)

// contractRate is the simulator's per-minute limit in these tests: high, so
// the budget (which follows X-RateLimit-Limit) never slows a test down.
const contractRate = 6000

// Catalogue entries of the simulator used below (the document's examples
// where it has them).
const (
	usCountry    = "1"   // United States, with area codes
	ukCountry    = "2"   // United Kingdom, without
	usWhatsApp   = "123" // the document's service_id example: ₦1,500.00
	usInstagram  = "124" // ₦700.00
	boostIGReal  = "101" // Instagram Followers [Real]: ₦1,250.00 per 1000, 100..10000, cancel allowed
	boostIGCheap = "102" // Instagram Followers [Cheap]: ₦600.00 per 1000, no cancel
	logsManual   = "12"  // the document's category_id example: manual delivery, ₦6,000.00
	logsInstant  = "10"  // instant delivery, ₦2,500.00
)

type mkEnv struct {
	s      *sim.Sim
	p      *market.Provider
	c      *market.Client
	budget *backend.Budget
	acct   string
	key    string
}

// simOptions: a manual scenario clock at sim.DefaultStart. The adapter
// reads the same clock (Config.Now), so the line states and waits it
// judges agree with the simulator's at any wall-clock time.
func simOptions(seed uint64) sim.Options {
	return sim.Options{Manual: true, Seed: seed, Quiet: true,
		Rates: map[backend.ProviderKind]int{backend.NonVoip: contractRate, backend.Market: contractRate}}
}

func newEnv(t *testing.T, seed uint64) *mkEnv {
	t.Helper()
	return newEnvWith(t, simOptions(seed))
}

func newEnvWith(t *testing.T, opts sim.Options) *mkEnv {
	t.Helper()
	s := sim.New(opts)
	t.Cleanup(s.Close)
	e := &mkEnv{s: s}
	if accs := wiring.SimAccounts(s, backend.Market); len(accs) > 0 {
		e.acct, e.key = accs[0].Name, accs[0].APIKey
	}
	if e.key == "" {
		t.Fatal("the simulator has no marketplace credentials")
	}
	e.p, e.budget = e.provider(t, e.key)
	e.c = e.p.Client()
	return e
}

func (e *mkEnv) provider(t *testing.T, key string) (*market.Provider, *backend.Budget) {
	t.Helper()
	b := backend.NewBudget(100000)
	p, err := market.New(market.Config{Account: e.acct, BaseURL: e.s.URL(backend.Market), APIKey: key, Budget: b,
		Timeout: 5 * time.Second, Now: e.s.Now})
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

func (e *mkEnv) balance() decimal.Decimal { return e.s.Market.Balance(e.acct) }

func (e *mkEnv) status(t *testing.T, id string) string {
	t.Helper()
	st, _, ok := e.s.Market.OrderStatus(id)
	if !ok {
		t.Fatalf("the simulator has no order %q", id)
	}
	return st
}

// knownIDs is what the engine passes as Target.KnownIDs before a
// purchase: every number order and job the account lists now.
func (e *mkEnv) knownIDs(t *testing.T) map[string]bool {
	t.Helper()
	lines, _, err := e.p.Lines(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := e.p.Jobs(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, l := range lines {
		known[l.ID] = true
	}
	for _, j := range jobs {
		known[j.ID] = true
	}
	return known
}

var actionSeq atomic.Int64

func actionID() string { return fmt.Sprintf("contract-%d-%d", time.Now().UnixNano(), actionSeq.Add(1)) }

func (e *mkEnv) buyAction(b backend.BuyRequest) backend.Action {
	return backend.Action{ID: actionID(), Kind: backend.ActBuy, Account: e.acct, Buy: &b, CreatedAt: e.s.Now()}
}

func (e *mkEnv) buy(t *testing.T, b backend.BuyRequest) (backend.Outcome, error) {
	t.Helper()
	return e.p.Do(ctx(t), e.buyAction(b), backend.Target{KnownIDs: e.knownIDs(t)})
}

func (e *mkEnv) mustBuyNumber(t *testing.T, country, service string, areas ...string) backend.Line {
	t.Helper()
	out, err := e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: country, Product: service, AreaCodes: areas})
	if err != nil {
		t.Fatalf("buy number %s/%s: %v", country, service, err)
	}
	if !out.Done || len(out.Lines) != 1 {
		t.Fatalf("buy number: %+v", out)
	}
	return out.Lines[0]
}

func (e *mkEnv) mustBuyJob(t *testing.T, b backend.BuyRequest) backend.Job {
	t.Helper()
	out, err := e.buy(t, b)
	if err != nil {
		t.Fatalf("buy %+v: %v", b, err)
	}
	if !out.Done || len(out.Jobs) != 1 {
		t.Fatalf("buy %+v: %+v", b, out)
	}
	return out.Jobs[0]
}

func (e *mkEnv) onLine(t *testing.T, kind backend.ActionKind, l backend.Line) (backend.Outcome, error) {
	t.Helper()
	lc := l
	return e.p.Do(ctx(t), backend.Action{ID: actionID(), Kind: kind, Account: e.acct, Target: l.Key, CreatedAt: e.s.Now()},
		backend.Target{Line: &lc})
}

func (e *mkEnv) onJob(t *testing.T, kind backend.ActionKind, j backend.Job) (backend.Outcome, error) {
	t.Helper()
	jc := j
	return e.p.Do(ctx(t), backend.Action{ID: actionID(), Kind: kind, Account: e.acct, Target: j.Key, CreatedAt: e.s.Now()},
		backend.Target{Job: &jc})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func wantKind(t *testing.T, err error, kind backend.ErrKind) *backend.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s error, got none", kind)
	}
	e, ok := backend.AsError(err)
	if !ok || e.Kind != kind {
		t.Fatalf("want a %s error, got %v (kind %v)", kind, err, backend.KindOf(err))
	}
	return e
}

func wantCode(t *testing.T, err error, kind backend.ErrKind, code string) *backend.Error {
	t.Helper()
	e := wantKind(t, err, kind)
	if e.Code != code {
		t.Fatalf("error code %q, want %q (%v)", e.Code, code, err)
	}
	return e
}

func wantDebit(t *testing.T, before, after decimal.Decimal, amount string) {
	t.Helper()
	if got := before.Sub(after); !got.Equal(dec(amount)) {
		t.Fatalf("balance moved by %s (from %s to %s), want a debit of %s", got, before, after, amount)
	}
}

func ngn(t *testing.T, m backend.Money, amount string) {
	t.Helper()
	if !m.Known || !m.Amount.Equal(dec(amount)) || m.Currency != sim.MarketCurrency {
		t.Fatalf("amount %+v, want %s %s", m, amount, sim.MarketCurrency)
	}
}

func findLine(lines []backend.Line, id string) (backend.Line, bool) {
	for _, l := range lines {
		if l.ID == id {
			return l, true
		}
	}
	return backend.Line{}, false
}

func findJob(jobs []backend.Job, key backend.Key) (backend.Job, bool) {
	for _, j := range jobs {
		if j.Key == key {
			return j, true
		}
	}
	return backend.Job{}, false
}

// --- wallet ---------------------------------------------------------------------

func TestContractWallet(t *testing.T) {
	e := newEnv(t, 1)
	w, err := e.c.Wallet(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !w.Balance.Equal(e.balance()) || w.Currency != sim.MarketCurrency {
		t.Fatalf("wallet %+v, simulator %s", w, e.balance())
	}
	if err := e.s.Market.SetBalance(e.acct, "1500.50"); err != nil {
		t.Fatal(err)
	}
	acc, err := e.p.Balance(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ngn(t, acc.Balance, "1500.50")
	if acc.Name != e.acct || acc.Provider != backend.Market {
		t.Fatalf("account %+v", acc)
	}
}

// A marketplace that writes amounts with a decimal comma ("1.500,50") is
// read right end to end: wallet, prices, charges and the error's amounts.
func TestContractDecimalCommaAmounts(t *testing.T) {
	e := newEnv(t, 25)
	if err := e.s.Market.SetBalance(e.acct, "1500.50"); err != nil {
		t.Fatal(err)
	}
	e.s.Market.SetDecimalComma(true)
	acc, err := e.p.Balance(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ngn(t, acc.Balance, "1500.50")
	ss, err := e.c.NumberServices(ctx(t), usCountry)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range ss {
		if svc.ID == usWhatsApp && (!svc.HasPrice || !svc.Price.Equal(dec("1500"))) {
			t.Fatalf("WhatsApp priced %+v, want 1500", svc)
		}
	}
	out, err := e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	if err != nil || len(out.Lines) != 1 {
		t.Fatalf("buy: %+v %v", out, err)
	}
	ngn(t, out.Charged, "1500")
	ngn(t, out.Lines[0].Price, "1500")
	if acc, err = e.p.Balance(ctx(t)); err != nil {
		t.Fatal(err)
	}
	ngn(t, acc.Balance, "0.50")
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	if ee := wantCode(t, err, backend.ErrNoBalance, "INSUFFICIENT_BALANCE"); !strings.Contains(ee.Message, "needs 1500") {
		t.Fatalf("message %q, want the 1500 needed", ee.Message)
	}
}

// --- numbers ----------------------------------------------------------------------

func TestContractNumbersCatalog(t *testing.T) {
	e := newEnv(t, 2)
	cs, err := e.c.NumberCountries(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 6 || cs[0].ID != usCountry || cs[0].Name != "United States" || cs[0].Code != "US" {
		t.Fatalf("countries %+v", cs)
	}
	if err := e.s.Market.SetStock("numbers", usWhatsApp, 9); err != nil {
		t.Fatal(err)
	}
	ss, err := e.c.NumberServices(ctx(t), usCountry)
	if err != nil {
		t.Fatal(err)
	}
	var wa *market.NumberService
	for i := range ss {
		if ss[i].ID == usWhatsApp {
			wa = &ss[i]
		}
	}
	if len(ss) != 10 || wa == nil || wa.Name != "WhatsApp" || !wa.HasPrice || !wa.Price.Equal(dec("1500")) ||
		wa.Currency != sim.MarketCurrency || wa.Stock != 9 {
		t.Fatalf("services %+v (WhatsApp %+v)", ss, wa)
	}
	if err := e.s.Market.SetStock("area", usWhatsApp+":917", 4); err != nil {
		t.Fatal(err)
	}
	as, err := e.c.NumberAreaCodes(ctx(t), usCountry, usWhatsApp)
	if err != nil {
		t.Fatal(err)
	}
	var ny *market.AreaCode
	for i := range as {
		if as[i].Code == "917" {
			ny = &as[i]
		}
	}
	if len(as) != 8 || ny == nil || ny.Name != "New York" || ny.Stock != 4 {
		t.Fatalf("area codes %+v", as)
	}
	none, err := e.c.NumberAreaCodes(ctx(t), ukCountry, "220")
	if err != nil || len(none) != 0 {
		t.Fatalf("UK area codes %+v, %v; want none", none, err)
	}
	_, err = e.c.NumberServices(ctx(t), "999")
	wantCode(t, err, backend.ErrInvalid, "VALIDATION_FAILED")
	_, err = e.c.NumberAreaCodes(ctx(t), ukCountry, usWhatsApp)
	wantCode(t, err, backend.ErrNotFound, "NUMBER_SERVICE_NOT_FOUND")
}

func TestContractCatalogEveryStep(t *testing.T) {
	e := newEnv(t, 3)
	if err := e.s.Market.SetStock("numbers", usWhatsApp, 5); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Market.SetStock("area", usWhatsApp+":212", 6); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Market.SetStock("logs", logsManual, 25); err != nil {
		t.Fatal(err)
	}
	if got := e.p.BuyCategories(); len(got) != 3 {
		t.Fatalf("categories %v", got)
	}
	// Walk every step of every category, choosing a known item at each.
	pick := map[string]map[string]string{
		market.CategoryNumbers: {backend.StepCountry: usCountry, backend.StepProduct: usWhatsApp, backend.StepAreaCodes: "212"},
		market.CategoryBoost:   {backend.StepCategory: "Instagram Followers", backend.StepProduct: boostIGReal},
		market.CategoryLogs:    {backend.StepParent: "1", backend.StepProduct: logsManual},
	}
	type want struct {
		price string
		per   int
		stock int
	}
	wantItem := map[string]want{
		market.CategoryNumbers + "/" + backend.StepProduct:   {"1500", 0, 5},
		market.CategoryNumbers + "/" + backend.StepAreaCodes: {"", 0, 6},
		market.CategoryBoost + "/" + backend.StepProduct:     {"1250", 1000, -1},
		market.CategoryLogs + "/" + backend.StepProduct:      {"6000", 0, 25},
	}
	for _, cat := range e.p.BuyCategories() {
		chosen := map[string]string{}
		for _, step := range e.p.BuySteps(cat) {
			items, err := e.p.Catalog(ctx(t), backend.CatalogRequest{Category: cat, Step: step, Chosen: chosen})
			if err != nil {
				t.Fatalf("%s/%s: %v", cat, step, err)
			}
			id := pick[cat][step]
			var got *backend.CatalogItem
			for i := range items {
				if items[i].ID == id {
					got = &items[i]
				}
			}
			if got == nil {
				t.Fatalf("%s/%s lacks %q: %+v", cat, step, id, items)
			}
			if w, ok := wantItem[cat+"/"+step]; ok {
				if w.price != "" {
					ngn(t, got.Price, w.price)
				}
				if got.Per != w.per || got.Stock != w.stock {
					t.Fatalf("%s/%s item %+v, want per %d stock %d", cat, step, *got, w.per, w.stock)
				}
			}
			chosen[step] = id
		}
	}
	// A product step with the product already chosen answers it fresh.
	one, err := e.p.Catalog(ctx(t), backend.CatalogRequest{Category: market.CategoryBoost, Step: backend.StepProduct,
		Chosen: map[string]string{backend.StepCategory: "Instagram Followers", backend.StepProduct: boostIGCheap}})
	if err != nil || len(one) != 1 || one[0].ID != boostIGCheap || one[0].Per != 1000 {
		t.Fatalf("chosen boost service %+v, %v", one, err)
	}
	ngn(t, one[0].Price, "600")
	one, err = e.p.Catalog(ctx(t), backend.CatalogRequest{Category: market.CategoryLogs, Step: backend.StepProduct,
		Chosen: map[string]string{backend.StepParent: "1", backend.StepProduct: logsManual}})
	if err != nil || len(one) != 1 || one[0].ID != logsManual || one[0].Stock != 25 {
		t.Fatalf("chosen logs category %+v, %v", one, err)
	}
}

func TestContractNumberLifecycle(t *testing.T) {
	e := newEnv(t, 4)
	before, count := e.balance(), e.s.Market.NumberOrders(e.acct)
	out, err := e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "1500")
	if n := e.s.Market.NumberOrders(e.acct); n != count+1 {
		t.Fatalf("%d new orders in the simulator, want 1", n-count)
	}
	if !out.Done || len(out.Lines) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	ngn(t, out.Charged, "1500")
	l := out.Lines[0]
	st, exp, _ := e.s.Market.OrderStatus(l.ID)
	if st != "pending" || l.State != backend.LineWaiting || l.RawState != st || l.Service != "WhatsApp" ||
		l.Country != "US" || !strings.HasPrefix(l.Number, "+1") || !l.ExpiresAt.Time().Equal(exp.Truncate(time.Microsecond)) ||
		l.Extra["service_id"] != usWhatsApp || l.Extra["country_id"] != usCountry || l.Extra["area_code"] == "" {
		t.Fatalf("line %+v, simulator %s until %s", l, st, exp)
	}
	ngn(t, l.Price, "1500")
	if !l.Allowed.Has(backend.ActCancel) || !l.Allowed.Has(backend.ActCheck) {
		t.Fatalf("waiting line allows %s", l.Allowed)
	}

	// The new line is in Lines, as the purchase answered it.
	lines, _, err := e.p.Lines(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != e.s.Market.NumberOrders(e.acct) {
		t.Fatalf("Lines lists %d orders, the simulator holds %d", len(lines), e.s.Market.NumberOrders(e.acct))
	}
	for _, ll := range lines {
		if sst := e.status(t, ll.ID); ll.RawState != sst {
			t.Errorf("line %s state %q, simulator %q", ll.ID, ll.RawState, sst)
		}
	}
	listed, ok := findLine(lines, l.ID)
	if !ok || listed.Number != l.Number || listed.State != l.State || !listed.ExpiresAt.Time().Equal(l.ExpiresAt.Time()) {
		t.Fatalf("listed %+v, bought %+v", listed, l)
	}

	// The single-order read and the check call agree with the simulator.
	o, err := e.c.NumberOrder(ctx(t), l.ID)
	if err != nil || o.ID != l.ID || o.Status != "pending" || o.Number != l.Number || o.ServiceID != usWhatsApp ||
		o.CountryID != usCountry || !o.HasPrice || !o.Price.Equal(dec("1500")) || len(o.SMS) != 0 {
		t.Fatalf("order %+v, %v", o, err)
	}
	ls, msgs, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(ls) != 1 || len(msgs) != 0 || ls[0].State != backend.LineWaiting {
		t.Fatalf("check before a code: %+v %+v %v", ls, msgs, err)
	}

	// A code arrives: Check shows it as a Message with that code.
	text := "Your WhatsApp code: 713-552. Don't share this code with others"
	if err := e.s.Market.Deliver(l.ID, text); err != nil {
		t.Fatal(err)
	}
	ls, msgs, err = e.p.Check(ctx(t), []backend.Line{l})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 || len(msgs) != 1 {
		t.Fatalf("check after a code: %+v %+v", ls, msgs)
	}
	if m := msgs[0]; m.Code != "713552" || m.Text != text || m.Line != l.Key || m.ID == "" || m.ReceivedAt.IsZero() {
		t.Fatalf("message %+v", m)
	}
	got := ls[0]
	if got.State != backend.LineReceived || got.Code != "713552" || got.RawState != e.status(t, l.ID) ||
		got.Allowed.Has(backend.ActCancel) || !got.Allowed.Has(backend.ActCheck) {
		t.Fatalf("line after a code %+v", got)
	}
	// The same SMS polled again keeps its id.
	_, again, _ := e.p.Check(ctx(t), []backend.Line{got})
	if len(again) != 1 || again[0].ID != msgs[0].ID {
		t.Fatalf("second poll %+v, first id %s", again, msgs[0].ID)
	}
	// The check action (POST …/check) sees it too.
	co, err := e.c.CheckNumber(ctx(t), l.ID)
	if err != nil || len(co.SMS) != 1 || co.SMS[0].Code != "713552" || co.Status != "received" {
		t.Fatalf("check call %+v, %v", co, err)
	}
	cout, err := e.onLine(t, backend.ActCheck, got)
	if err != nil || len(cout.Lines) != 1 || cout.Lines[0].Code != "713552" {
		t.Fatalf("check action %+v, %v", cout, err)
	}

	// Cancel after a code: NUMBER_CODE_ALREADY_RECEIVED, nothing refunded.
	before = e.balance()
	_, err = e.onLine(t, backend.ActCancel, got)
	wantCode(t, err, backend.ErrRefused, "NUMBER_CODE_ALREADY_RECEIVED")
	if !e.balance().Equal(before) || e.status(t, l.ID) != "received" {
		t.Fatal("a refused cancel changed the order")
	}

	// The order completes by itself after a while.
	e.s.Advance(sim.MarketCompleteAfterCode + time.Second)
	ls, _, err = e.p.Check(ctx(t), []backend.Line{got})
	if err != nil || len(ls) != 1 || ls[0].State != backend.LineFinished || ls[0].RawState != "completed" || ls[0].Code != "713552" {
		t.Fatalf("completed order %+v, %v", ls, err)
	}
}

func TestContractNumberCancel(t *testing.T) {
	e := newEnv(t, 5)
	before := e.balance()
	l := e.mustBuyNumber(t, usCountry, usInstagram)
	wantDebit(t, before, e.balance(), "700")

	// The document states no early-cancel cooldown: a cancel right after
	// the purchase is sent, and goes through.
	out, err := e.onLine(t, backend.ActCancel, l)
	if err != nil {
		t.Fatal(err)
	}
	if !e.balance().Equal(before) || e.status(t, l.ID) != "cancelled" {
		t.Fatalf("after cancel: balance %s (want %s), status %s", e.balance(), before, e.status(t, l.ID))
	}
	if !out.Done || len(out.Lines) != 1 || out.Lines[0].State != backend.LineCanceled || out.Lines[0].Allowed != 0 {
		t.Fatalf("cancel outcome %+v", out)
	}
	// Cancelling again: the order as it is, nothing refunded twice.
	out, err = e.onLine(t, backend.ActCancel, l)
	if err != nil || len(out.Lines) != 1 || out.Lines[0].State != backend.LineCanceled || !e.balance().Equal(before) {
		t.Fatalf("second cancel %+v %v, balance %s", out, err, e.balance())
	}

	// A marketplace with the cooldown NOTES.md reports (unverified):
	// EARLY_CANCEL_DENIED with the wait, then the cancel goes through.
	e.s.Market.SetEarlyCancelDenied(true)
	l = e.mustBuyNumber(t, usCountry, usInstagram)
	_, err = e.onLine(t, backend.ActCancel, l)
	ee := wantCode(t, err, backend.ErrRefused, "EARLY_CANCEL_DENIED")
	if ee.RetryAfter != sim.MarketCancelCooldown {
		t.Fatalf("retry after %s, want %s", ee.RetryAfter, sim.MarketCancelCooldown)
	}
	e.s.Advance(30 * time.Second)
	_, _, err = e.c.CancelNumber(ctx(t), l.ID)
	if ee := wantCode(t, err, backend.ErrRefused, "EARLY_CANCEL_DENIED"); ee.RetryAfter != 30*time.Second {
		t.Fatalf("retry after %s half-way through the cooldown", ee.RetryAfter)
	}
	if e.status(t, l.ID) != "pending" || !e.balance().Equal(before.Sub(dec("700"))) {
		t.Fatal("an early cancel changed the order")
	}
	e.s.Advance(31 * time.Second)
	if out, err = e.onLine(t, backend.ActCancel, l); err != nil || !e.balance().Equal(before) || e.status(t, l.ID) != "cancelled" {
		t.Fatalf("after the cooldown: %+v %v, balance %s", out, err, e.balance())
	}

	// A cancel whose answer is lost settles from the order's state.
	l2 := e.mustBuyNumber(t, usCountry, usInstagram)
	e.s.Advance(sim.MarketCancelCooldown + time.Second)
	e.s.Inject(backend.Market, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/orders/" + l2.ID + "/cancel", Times: 1})
	act := backend.Action{ID: actionID(), Kind: backend.ActCancel, Account: e.acct, Target: l2.Key, CreatedAt: e.s.Now()}
	_, err = e.p.Do(ctx(t), act, backend.Target{Line: &l2})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	settled, sout, err := e.p.Settle(ctx(t), act, backend.Target{Line: &l2})
	if err != nil || settled != backend.SettledHappened || len(sout.Lines) != 1 || sout.Lines[0].State != backend.LineCanceled {
		t.Fatalf("settle cancel = %v %+v %v", settled, sout, err)
	}
	// An unknown order.
	_, err = e.c.NumberOrder(ctx(t), "1")
	wantCode(t, err, backend.ErrNotFound, "NUMBER_ORDER_NOT_FOUND")
}

func TestContractNumberOrdersPaging(t *testing.T) {
	e := newEnv(t, 6)
	newest := e.mustBuyNumber(t, usCountry, usWhatsApp)
	total := e.s.Market.NumberOrders(e.acct)
	all, pg, err := e.c.NumberOrders(ctx(t), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != total || all[0].ID != newest.ID || pg.HasNext || (pg.Known && pg.Total != total) {
		t.Fatalf("one page of 100: %d orders (simulator %d), first %s (want %s), page %+v", len(all), total, all[0].ID, newest.ID, pg)
	}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		orders, pg, err := e.c.NumberOrders(ctx(t), page, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range orders {
			if seen[o.ID] || o.ID != all[(page-1)*2+i].ID {
				t.Fatalf("page %d item %d is %s, want %s", page, i, o.ID, all[(page-1)*2+i].ID)
			}
			seen[o.ID] = true
			if o.Status != e.status(t, o.ID) {
				t.Errorf("order %s status %q, simulator %q", o.ID, o.Status, e.status(t, o.ID))
			}
		}
		if !pg.HasNext {
			if pg.Last != page || len(seen) != total {
				t.Fatalf("paging ended at %d (last %d) with %d of %d orders", page, pg.Last, len(seen), total)
			}
			break
		}
		if page > total {
			t.Fatal("paging does not end")
		}
	}
	_, _, err = e.c.NumberOrders(ctx(t), 1, -1)
	if err != nil {
		t.Fatalf("per_page -1 is not sent: %v", err)
	}
}

// --- boosting -----------------------------------------------------------------------

func TestContractBoost(t *testing.T) {
	e := newEnv(t, 7)
	cats, err := e.c.BoostCategories(ctx(t))
	if err != nil || len(cats) != 6 || cats[0].Name != "Instagram Followers" || cats[0].ID != "1" {
		t.Fatalf("categories %+v, %v", cats, err)
	}
	ss, err := e.c.BoostServices(ctx(t), "Instagram Followers")
	if err != nil || len(ss) != 3 {
		t.Fatalf("services %+v, %v", ss, err)
	}
	all, err := e.c.BoostServices(ctx(t), "")
	if err != nil || len(all) != 10 {
		t.Fatalf("all services %d, %v", len(all), err)
	}
	s, err := e.c.BoostService(ctx(t), boostIGReal)
	if err != nil || s.ID != boostIGReal || s.Category != "Instagram Followers" || !s.HasRate || !s.Rate.Equal(dec("1250")) ||
		s.Currency != sim.MarketCurrency || s.Min != 100 || s.Max != 10000 || !s.Refill || !s.Cancel {
		t.Fatalf("service %+v, %v", s, err)
	}
	_, err = e.c.BoostService(ctx(t), "999")
	wantCode(t, err, backend.ErrNotFound, "BOOST_SERVICE_NOT_FOUND")

	// Buy 1000 at ₦1,250.00 per 1000.
	before, count := e.balance(), e.s.Market.BoostOrders(e.acct)
	j := e.mustBuyJob(t, backend.BuyRequest{Category: market.CategoryBoost, Product: boostIGReal,
		Link: "https://instagram.com/p/contract", Quantity: 1000})
	wantDebit(t, before, e.balance(), "1250")
	if e.s.Market.BoostOrders(e.acct) != count+1 {
		t.Fatal("the boost purchase is not one order in the simulator")
	}
	id := strings.TrimPrefix(j.ID, "boost/")
	if j.Kind != backend.JobBoost || j.State != backend.JobQueued || j.RawState != e.status(t, id) ||
		!strings.Contains(j.Title, "×1000") || !j.Allowed.Has(backend.ActCancel) {
		t.Fatalf("job %+v, simulator %s", j, e.status(t, id))
	}
	ngn(t, j.Cost, "1250")
	bo, err := e.c.BoostOrder(ctx(t), id)
	if err != nil || bo.ID != id || bo.ServiceID != boostIGReal || bo.Quantity != 1000 || bo.Link != "https://instagram.com/p/contract" ||
		!bo.HasRemains || bo.Remains != 1000 || !bo.Charge.Equal(dec("1250")) {
		t.Fatalf("boost order %+v, %v", bo, err)
	}

	// Jobs lists it (and every other boost and logs order of the account).
	jobs, err := e.p.Jobs(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != e.s.Market.BoostOrders(e.acct)+e.s.Market.LogsOrders(e.acct) {
		t.Fatalf("Jobs lists %d, the simulator holds %d boost and %d logs orders", len(jobs),
			e.s.Market.BoostOrders(e.acct), e.s.Market.LogsOrders(e.acct))
	}
	for _, jj := range jobs {
		if jj.RawState != e.status(t, strings.SplitN(jj.ID, "/", 2)[1]) {
			t.Errorf("job %s state %q, simulator %q", jj.ID, jj.RawState, e.status(t, strings.SplitN(jj.ID, "/", 2)[1]))
		}
		if jj.State == backend.JobUnknown {
			t.Errorf("job %s: state %q not understood", jj.ID, jj.RawState)
		}
	}
	if lj, ok := findJob(jobs, j.Key); !ok || lj.State != backend.JobQueued {
		t.Fatalf("the new job in Jobs: %+v", lj)
	}

	// Every state, in the order's own spelling, normalises.
	for _, c := range []struct {
		state string
		want  backend.JobState
	}{
		{"processing", backend.JobRunning}, {"refilling", backend.JobRunning}, {"completed", backend.JobDone},
		{"partial", backend.JobPartial}, {"error", backend.JobFailed}, {"canceled", backend.JobCanceled},
		{"pending", backend.JobQueued},
	} {
		if err := e.s.Market.SetBoostState(id, c.state); err != nil {
			t.Fatal(err)
		}
		out, err := e.onJob(t, backend.ActCheck, j)
		if err != nil || len(out.Jobs) != 1 {
			t.Fatalf("check %s: %+v %v", c.state, out, err)
		}
		if got := out.Jobs[0]; got.State != c.want || got.RawState != e.status(t, id) {
			t.Errorf("state %s spelled %q → %s, want %s", c.state, got.RawState, got.State, c.want)
		}
	}

	// Cancel a pending order of a service that allows it: refunded.
	before = e.balance()
	out, err := e.onJob(t, backend.ActCancel, j)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Jobs) != 1 || out.Jobs[0].State != backend.JobCanceled || out.Jobs[0].Allowed.Has(backend.ActCancel) {
		t.Fatalf("cancel outcome %+v", out)
	}
	if got := e.balance().Sub(before); !got.Equal(dec("1250")) {
		t.Fatalf("cancel refunded %s, want 1250", got)
	}
	// Once started the supplier refuses; a service without cancel never can.
	j2 := e.mustBuyJob(t, backend.BuyRequest{Category: market.CategoryBoost, Product: boostIGReal,
		Link: "https://instagram.com/p/second", Quantity: 200})
	if err := e.s.Market.SetBoostState(strings.TrimPrefix(j2.ID, "boost/"), "processing"); err != nil {
		t.Fatal(err)
	}
	_, err = e.onJob(t, backend.ActCancel, j2)
	wantCode(t, err, backend.ErrRefused, "BOOST_CANCEL_REJECTED")
	j3 := e.mustBuyJob(t, backend.BuyRequest{Category: market.CategoryBoost, Product: boostIGCheap,
		Link: "https://instagram.com/p/third", Quantity: 100})
	before = e.balance()
	_, _, err = e.c.CancelBoost(ctx(t), strings.TrimPrefix(j3.ID, "boost/"))
	wantCode(t, err, backend.ErrRefused, "BOOST_CANCEL_UNAVAILABLE")
	if !e.balance().Equal(before) {
		t.Fatal("a refused boost cancel moved the balance")
	}
	co, err := e.c.CheckBoost(ctx(t), strings.TrimPrefix(j3.ID, "boost/"))
	if err != nil || co.Status != e.status(t, strings.TrimPrefix(j3.ID, "boost/")) {
		t.Fatalf("check boost %+v, %v", co, err)
	}

	// Boost listing with pagination meta.
	bs, pg, err := e.c.BoostOrders(ctx(t), 1, 3)
	if err != nil || len(bs) != 3 || !pg.HasNext || pg.Total != e.s.Market.BoostOrders(e.acct) {
		t.Fatalf("boost page %+v %+v %v", bs, pg, err)
	}
	// A quantity the service does not take.
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryBoost, Product: boostIGReal, Link: "https://x.example/a", Quantity: 5})
	wantCode(t, err, backend.ErrInvalid, "VALIDATION_FAILED")

	// A known open job missing from the listing is read by id; one the
	// provider does not know is dropped.
	ghost := backend.Job{Key: backend.MakeKey(backend.Market, e.acct, backend.ItemJob, "boost/1"), ID: "boost/1",
		Kind: backend.JobBoost, State: backend.JobRunning}
	jobs, err = e.p.Jobs(ctx(t), []backend.Job{ghost})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := findJob(jobs, ghost.Key); ok {
		t.Fatal("a job the provider does not know was kept")
	}
}

// --- logs ------------------------------------------------------------------------------

func TestContractLogs(t *testing.T) {
	e := newEnv(t, 8)
	ps, err := e.c.LogParentCategories(ctx(t))
	if err != nil || len(ps) != 5 || ps[0].ID != "1" || ps[0].Name != "Facebook" {
		t.Fatalf("parents %+v, %v", ps, err)
	}
	if err := e.s.Market.SetStock("logs", logsManual, 30); err != nil {
		t.Fatal(err)
	}
	cs, pg, err := e.c.LogCategories(ctx(t), "1", 1, 2)
	if err != nil || len(cs) != 2 || !pg.HasNext || pg.Total != 3 {
		t.Fatalf("parent 1 page 1: %+v %+v %v", cs, pg, err)
	}
	cs2, pg, err := e.c.LogCategories(ctx(t), "1", 2, 2)
	if err != nil || len(cs2) != 1 || pg.HasNext || cs2[0].ID != logsManual || cs2[0].Stock != 30 || cs2[0].ParentID != "1" {
		t.Fatalf("parent 1 page 2: %+v %+v %v", cs2, pg, err)
	}
	c, err := e.c.LogCategory(ctx(t), logsManual)
	if err != nil || c.ID != logsManual || !c.Price.Equal(dec("6000")) || c.Currency != sim.MarketCurrency || c.Stock != 30 || c.ParentID != "1" {
		t.Fatalf("category %+v, %v", c, err)
	}
	_, err = e.c.LogCategory(ctx(t), "999")
	wantCode(t, err, backend.ErrNotFound, "LOG_CATEGORY_NOT_FOUND")

	// A manual category: processing, then delivered.
	before, count := e.balance(), e.s.Market.LogsOrders(e.acct)
	j := e.mustBuyJob(t, backend.BuyRequest{Category: market.CategoryLogs, Product: logsManual, Quantity: 2})
	wantDebit(t, before, e.balance(), "12000")
	if e.s.Market.LogsOrders(e.acct) != count+1 {
		t.Fatal("the logs purchase is not one order in the simulator")
	}
	id := strings.TrimPrefix(j.ID, "logs/")
	if j.Kind != backend.JobLogs || j.State != backend.JobRunning || j.RawState != e.status(t, id) {
		t.Fatalf("logs job %+v, simulator %s", j, e.status(t, id))
	}
	ngn(t, j.Cost, "12000")
	e.s.Advance(time.Minute)
	jobs, err := e.p.Jobs(ctx(t), []backend.Job{j})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := findJob(jobs, j.Key)
	if !ok || got.State != backend.JobDone || got.RawState != e.status(t, id) || got.Detail != "2 delivered" {
		t.Fatalf("delivered logs job %+v", got)
	}
	los, _, err := e.c.LogOrders(ctx(t), 1, 100)
	if err != nil || len(los) != e.s.Market.LogsOrders(e.acct) || los[0].ID != id || los[0].Items != 2 || los[0].Quantity != 2 ||
		los[0].CategoryID != logsManual || !los[0].Total.Equal(dec("12000")) {
		t.Fatalf("logs orders %+v, %v", los, err)
	}
	// An instant category is delivered at once.
	j = e.mustBuyJob(t, backend.BuyRequest{Category: market.CategoryLogs, Product: logsInstant, Quantity: 1})
	if j.State != backend.JobDone {
		t.Fatalf("instant logs job %+v", j)
	}
	// Logs orders cannot be cancelled.
	_, err = e.onJob(t, backend.ActCancel, j)
	wantKind(t, err, backend.ErrUnsupported)
}

// --- idempotency ------------------------------------------------------------------------

func TestContractLostPurchaseSettlesOnce(t *testing.T) {
	e := newEnv(t, 9)
	known := e.knownIDs(t)
	before, count := e.balance(), e.s.Market.NumberOrders(e.acct)
	act := e.buyAction(backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	e.s.Inject(backend.Market, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/orders", Method: http.MethodPost, Times: 1})
	_, err := e.p.Do(ctx(t), act, backend.Target{KnownIDs: known})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if e.s.Market.NumberOrders(e.acct) != count+1 {
		t.Fatal("the lost purchase did not happen in the simulator")
	}
	settled, out, err := e.p.Settle(ctx(t), act, backend.Target{KnownIDs: known})
	if err != nil {
		t.Fatal(err)
	}
	if settled != backend.SettledHappened || len(out.Lines) != 1 || known[out.Lines[0].ID] {
		t.Fatalf("settle = %v %+v", settled, out)
	}
	if e.s.Market.NumberOrders(e.acct) != count+1 {
		t.Fatalf("%d orders after settling, want exactly one", e.s.Market.NumberOrders(e.acct)-count)
	}
	wantDebit(t, before, e.balance(), "1500")
	// Sending the same purchase again (same key, same body) returns the
	// same order and charges nothing.
	again, err := e.p.Do(ctx(t), act, backend.Target{KnownIDs: known})
	if err != nil || len(again.Lines) != 1 || again.Lines[0].ID != out.Lines[0].ID {
		t.Fatalf("re-sent purchase %+v, %v", again, err)
	}
	if e.s.Market.NumberOrders(e.acct) != count+1 {
		t.Fatal("a re-sent purchase placed a second order")
	}
	wantDebit(t, before, e.balance(), "1500")
}

// A lost purchase is settled by reading only: whatever the re-read finds,
// the purchase is never sent again.
func TestContractLostPurchaseSettlesByReadingOnly(t *testing.T) {
	e := newEnv(t, 10)
	known := e.knownIDs(t)
	count := e.s.Market.NumberOrders(e.acct)
	posts := func() int { return e.s.Market.Requests(http.MethodPost, "/numbers/orders") }
	buy := backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp, AreaCodes: []string{"917", "646"}}

	// Not placed: a 500 before the marketplace saw it.
	act := e.buyAction(buy)
	e.s.Inject(backend.Market, sim.Fault{Kind: sim.Fault500, Path: "/numbers/orders", Method: http.MethodPost, Times: 1})
	_, err := e.p.Do(ctx(t), act, backend.Target{KnownIDs: known})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	settled, _, err := e.p.Settle(ctx(t), act, backend.Target{KnownIDs: known})
	if err != nil || settled != backend.SettledUnknown {
		t.Fatalf("settle at once = %v %v, want unknown: the marketplace may still be processing it", settled, err)
	}
	e.s.Advance(3 * time.Minute)
	settled, out, err := e.p.Settle(ctx(t), act, backend.Target{KnownIDs: known})
	if err != nil || settled != backend.SettledNotDone || len(out.Lines) != 0 {
		t.Fatalf("settle later = %v %+v %v, want not done", settled, out, err)
	}
	if n := posts(); n != 0 || e.s.Market.NumberOrders(e.acct) != count {
		t.Fatalf("settling sent %d purchases, %d new orders", n, e.s.Market.NumberOrders(e.acct)-count)
	}

	// Placed, answer lost: happened, with that order.
	before := e.balance()
	act = e.buyAction(buy)
	e.s.Inject(backend.Market, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/orders", Method: http.MethodPost, Times: 1})
	_, err = e.p.Do(ctx(t), act, backend.Target{KnownIDs: known})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	var placed []string
	for id := range e.knownIDs(t) {
		if !known[id] {
			placed = append(placed, id)
		}
	}
	if len(placed) != 1 {
		t.Fatalf("new orders %v, want one", placed)
	}
	settled, out, err = e.p.Settle(ctx(t), act, backend.Target{KnownIDs: known})
	if err != nil || settled != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != placed[0] {
		t.Fatalf("settle = %v %+v %v, want order %s", settled, out, err, placed[0])
	}
	if a := out.Lines[0].Extra["area_code"]; a != "917" && a != "646" {
		t.Fatalf("settled onto an order without the purchase's area codes: %q", a)
	}
	if n := posts(); n != 1 {
		t.Fatalf("%d purchases received, want the one lost answer", n)
	}
	wantDebit(t, before, e.balance(), "1500")
}

// Two identical purchases whose answers were lost settle onto two
// different orders; a third that placed nothing finds none left.
func TestContractIdenticalLostPurchasesClaimDifferentOrders(t *testing.T) {
	e := newEnv(t, 24)
	if err := e.s.Market.SetStock("numbers", usInstagram, 10); err != nil {
		t.Fatal(err)
	}
	known := e.knownIDs(t)
	buy := backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usInstagram}
	var acts []backend.Action
	for _, fault := range []sim.FaultKind{sim.FaultLoseResponse, sim.FaultLoseResponse, sim.Fault500} {
		act := e.buyAction(buy)
		e.s.Inject(backend.Market, sim.Fault{Kind: fault, Path: "/numbers/orders", Method: http.MethodPost, Times: 1})
		_, err := e.p.Do(ctx(t), act, backend.Target{KnownIDs: known})
		wantKind(t, err, backend.ErrOutcomeUnknown)
		acts = append(acts, act)
	}
	placed := map[string]bool{}
	for id := range e.knownIDs(t) {
		if !known[id] {
			placed[id] = true
		}
	}
	if len(placed) != 2 {
		t.Fatalf("new orders %v, want two", placed)
	}
	e.s.Advance(3 * time.Minute) // past the time the marketplace may still be placing one
	claimed := map[string]bool{}
	for i, act := range acts[:2] {
		settled, out, err := e.p.Settle(ctx(t), act, backend.Target{KnownIDs: known, Claimed: maps.Clone(claimed)})
		if err != nil || settled != backend.SettledHappened || len(out.Lines) != 1 {
			t.Fatalf("buy %d: settle = %v %+v %v", i+1, settled, out, err)
		}
		id := out.Lines[0].ID
		if !placed[id] || claimed[id] {
			t.Fatalf("buy %d settled onto %s; placed %v, claimed %v", i+1, id, placed, claimed)
		}
		claimed[id] = true
	}
	settled, out, err := e.p.Settle(ctx(t), acts[2], backend.Target{KnownIDs: known, Claimed: claimed})
	if err != nil || settled != backend.SettledNotDone || len(out.Lines) != 0 {
		t.Fatalf("third buy: settle = %v %+v %v, want not done", settled, out, err)
	}
	if n := e.s.Market.Requests(http.MethodPost, "/numbers/orders"); n != 2 {
		t.Fatalf("%d purchases received, want the two lost answers", n)
	}
}

func TestContractIdempotencyKeyInProgress(t *testing.T) {
	e := newEnv(t, 11)
	known := e.knownIDs(t)
	before, count := e.balance(), e.s.Market.NumberOrders(e.acct)
	act := e.buyAction(backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	e.s.Market.SetInProgress(act.ID, 3*time.Second)
	hits := e.s.Hits(backend.Market)
	type result struct {
		out backend.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.p.Do(context.Background(), act, backend.Target{KnownIDs: known})
		done <- result{out, err}
	}()
	// Once the purchase has been answered IDEMPOTENCY_KEY_IN_PROGRESS, the
	// request in flight completes.
	deadline := time.Now().Add(5 * time.Second)
	for e.s.Hits(backend.Market) == hits && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e.s.Market.NumberOrders(e.acct) != count {
		t.Fatal("the in-progress key placed an order at once")
	}
	e.s.Advance(4 * time.Second)
	var r result
	select {
	case r = <-done:
	case <-time.After(8 * time.Second):
		t.Fatal("the purchase did not return")
	}
	if r.err != nil {
		t.Fatalf("in progress, then placed: %v", r.err)
	}
	if !r.out.Done || len(r.out.Lines) != 1 || known[r.out.Lines[0].ID] || e.s.Market.NumberOrders(e.acct) != count+1 {
		t.Fatalf("outcome %+v, %d new orders", r.out, e.s.Market.NumberOrders(e.acct)-count)
	}
	wantDebit(t, before, e.balance(), "1500")
}

func TestContractIdempotencyKeyReused(t *testing.T) {
	e := newEnv(t, 12)
	act := e.buyAction(backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	if _, err := e.p.Do(ctx(t), act, backend.Target{}); err != nil {
		t.Fatal(err)
	}
	before, count := e.balance(), e.s.Market.NumberOrders(e.acct)
	other := act
	other.Buy = &backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usInstagram}
	_, err := e.p.Do(ctx(t), other, backend.Target{})
	ee := wantCode(t, err, backend.ErrInvalid, "IDEMPOTENCY_KEY_REUSED")
	if !strings.Contains(ee.Message, "nothing was bought") {
		t.Fatalf("message %q", ee.Message)
	}
	if !e.balance().Equal(before) || e.s.Market.NumberOrders(e.acct) != count {
		t.Fatal("a reused key bought something")
	}
	// Boost and logs purchases are deduplicated the same way.
	bcount := e.s.Market.BoostOrders(e.acct)
	bp := market.BoostPurchase{ServiceID: boostIGReal, Link: "https://instagram.com/p/idem", Quantity: 100, IdempotencyKey: "boost-key-1"}
	b1, err := e.c.BuyBoost(ctx(t), bp)
	if err != nil {
		t.Fatal(err)
	}
	mid := e.balance()
	b2, err := e.c.BuyBoost(ctx(t), bp)
	if err != nil || !b1.HasOrder || b2.Order.ID != b1.Order.ID || e.s.Market.BoostOrders(e.acct) != bcount+1 || !e.balance().Equal(mid) {
		t.Fatalf("boost replay %+v / %+v, %v", b1, b2, err)
	}
	bp.Quantity = 200
	_, err = e.c.BuyBoost(ctx(t), bp)
	wantCode(t, err, backend.ErrInvalid, "IDEMPOTENCY_KEY_REUSED")
	lcount := e.s.Market.LogsOrders(e.acct)
	lp := market.LogsPurchase{CategoryID: logsInstant, Quantity: 1, IdempotencyKey: "logs-key-1"}
	l1, err := e.c.BuyLogs(ctx(t), lp)
	if err != nil {
		t.Fatal(err)
	}
	mid = e.balance()
	l2, err := e.c.BuyLogs(ctx(t), lp)
	if err != nil || !l1.HasOrder || l2.Order.ID != l1.Order.ID || e.s.Market.LogsOrders(e.acct) != lcount+1 || !e.balance().Equal(mid) {
		t.Fatalf("logs replay %+v / %+v, %v", l1, l2, err)
	}
	// The same key for another kind of purchase is a reuse too.
	_, err = e.c.BuyLogs(ctx(t), market.LogsPurchase{CategoryID: logsInstant, Quantity: 1, IdempotencyKey: "boost-key-1"})
	wantCode(t, err, backend.ErrInvalid, "IDEMPOTENCY_KEY_REUSED")
	// The number client call directly, replayed.
	np := market.NumberPurchase{CountryID: usCountry, ServiceID: usInstagram, AreaCodes: []string{"212"}, IdempotencyKey: "number-key-1"}
	n1, err := e.c.BuyNumber(ctx(t), np)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := e.c.BuyNumber(ctx(t), np)
	if err != nil || !n1.HasOrder || n1.Order.ID != n2.Order.ID || n1.Order.AreaCode != "212" {
		t.Fatalf("number replay %+v / %+v, %v", n1, n2, err)
	}
}

// --- refusals --------------------------------------------------------------------------

func TestContractNoBalanceAndOutOfStock(t *testing.T) {
	e := newEnv(t, 13)
	if err := e.s.Market.SetBalance(e.acct, "100.00"); err != nil {
		t.Fatal(err)
	}
	counts := func() [3]int {
		return [3]int{e.s.Market.NumberOrders(e.acct), e.s.Market.BoostOrders(e.acct), e.s.Market.LogsOrders(e.acct)}
	}
	start := counts()
	_, err := e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	ee := wantCode(t, err, backend.ErrNoBalance, "INSUFFICIENT_BALANCE")
	if !strings.Contains(ee.Message, "1500") {
		t.Fatalf("no-balance message %q does not say what is needed", ee.Message)
	}
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryBoost, Product: boostIGReal, Link: "https://x.example/p", Quantity: 1000})
	wantCode(t, err, backend.ErrNoBalance, "INSUFFICIENT_BALANCE")
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryLogs, Product: logsInstant, Quantity: 1})
	if e := backend.KindOf(err); e != backend.ErrNoBalance && e != backend.ErrOutOfStock {
		t.Fatalf("logs without balance: %v", err)
	}
	if counts() != start || !e.balance().Equal(dec("100")) {
		t.Fatal("a refused purchase bought something")
	}

	if err := e.s.Market.SetBalance(e.acct, "100000.00"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Market.SetStock("numbers", usWhatsApp, 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usWhatsApp})
	wantCode(t, err, backend.ErrOutOfStock, "NUMBER_OUT_OF_STOCK")
	if err := e.s.Market.SetStock("numbers", usInstagram, 5); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Market.SetStock("area", usInstagram+":305", 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: usInstagram, AreaCodes: []string{"305"}})
	wantCode(t, err, backend.ErrOutOfStock, "NUMBER_OUT_OF_STOCK")
	if err := e.s.Market.SetStock("logs", logsInstant, 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryLogs, Product: logsInstant, Quantity: 1})
	wantCode(t, err, backend.ErrOutOfStock, "OUT_OF_STOCK")
	_, err = e.buy(t, backend.BuyRequest{Category: market.CategoryNumbers, Country: usCountry, Product: "999"})
	wantKind(t, err, backend.ErrNotFound)
	if counts() != start || !e.balance().Equal(dec("100000")) {
		t.Fatal("a refused purchase bought something")
	}
}

func TestContractBadKeyAndBlockedAccount(t *testing.T) {
	e := newEnv(t, 14)
	bad := "999|" + strings.Repeat("k", 40)
	p, _ := e.provider(t, bad)
	_, err := p.Balance(ctx(t))
	ee := wantCode(t, err, backend.ErrAuth, "UNAUTHENTICATED")
	for _, secret := range []string{bad, e.key} {
		if strings.Contains(ee.Error(), secret) {
			t.Fatalf("error %q carries the key", ee)
		}
	}
	_, _, err = p.Lines(ctx(t))
	wantKind(t, err, backend.ErrAuth)
	if err := e.s.Market.SetBlocked(e.acct, "USER_BANNED"); err != nil {
		t.Fatal(err)
	}
	_, err = e.p.Balance(ctx(t))
	wantCode(t, err, backend.ErrForbidden, "USER_BANNED")
	if strings.Contains(err.Error(), e.key) {
		t.Fatalf("error %q carries the key", err)
	}
}

// --- rate limits ---------------------------------------------------------------------

func TestContractRateLimitHeadersFeedBudget(t *testing.T) {
	e := newEnv(t, 15)
	if _, err := e.c.Wallet(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := e.budget.PerMinute(); got != contractRate {
		t.Fatalf("budget %v a minute after the first answer, want X-RateLimit-Limit %d", got, contractRate)
	}
}

func TestContractSimulatorRateLimit(t *testing.T) {
	opts := simOptions(16)
	opts.Rates = map[backend.ProviderKind]int{backend.Market: 3}
	// sim.DefaultStart is on a minute boundary: a whole minute's window ahead.
	e := newEnvWith(t, opts)
	for range 3 {
		req, _ := http.NewRequest(http.MethodGet, e.s.URL(backend.Market)+"/wallet", nil)
		req.Header.Set("Authorization", "Bearer "+e.key)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("raw call: HTTP %d", resp.StatusCode)
		}
	}
	start := time.Now()
	_, err := e.c.Wallet(ctx(t))
	ee := wantKind(t, err, backend.ErrRateLimited)
	if ee.RetryAfter != time.Minute {
		t.Fatalf("retry after %s, want the rest of the window (1m)", ee.RetryAfter)
	}
	if paused := e.budget.PausedUntil(); paused.IsZero() || paused.Before(start.Add(ee.RetryAfter-time.Second)) {
		t.Fatalf("budget paused until %s, want about %s from now", paused, ee.RetryAfter)
	}
	if e.s.RateLimited(backend.Market) != 1 {
		t.Fatalf("the simulator sent %d 429s", e.s.RateLimited(backend.Market))
	}
}

func TestContractInjected429(t *testing.T) {
	e := newEnv(t, 17)
	e.s.Inject(backend.Market, sim.Fault{Kind: sim.Fault429, Path: "/wallet", Times: 1, Retry: time.Second})
	_, err := e.c.Wallet(ctx(t))
	ee := wantKind(t, err, backend.ErrRateLimited)
	if ee.RetryAfter != time.Second {
		t.Fatalf("retry after %s, want the hinted 1s", ee.RetryAfter)
	}
	paused := e.budget.PausedUntil()
	if paused.IsZero() {
		t.Fatal("the budget did not pause")
	}
	if _, err := e.c.Wallet(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(paused) {
		t.Fatalf("the next call was answered at %s, before the pause ended at %s", now, paused)
	}

	e2 := newEnv(t, 18)
	e2.s.Inject(backend.Market, sim.Fault{Kind: sim.Fault429NoHint, Times: 1})
	_, _, err = e2.p.Lines(ctx(t))
	ee = wantKind(t, err, backend.ErrRateLimited)
	if ee.RetryAfter < time.Second || ee.RetryAfter > 1300*time.Millisecond {
		t.Fatalf("retry after %s without a hint, want the 1s backoff", ee.RetryAfter)
	}
	if e2.budget.PausedUntil().IsZero() {
		t.Fatal("the budget did not back off")
	}
}

// seededStates maps the simulator's number order words to line states.
var seededStates = map[string]backend.LineState{
	"pending": backend.LineWaiting, "received": backend.LineReceived, "completed": backend.LineFinished,
	"cancelled": backend.LineCanceled, "expired": backend.LineExpired,
}

func TestContractLinesStatesAndExpiry(t *testing.T) {
	e := newEnv(t, 19)
	lines, msgs, err := e.p.Lines(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, l := range lines {
		st := e.status(t, l.ID)
		words[st] = true
		if want, ok := seededStates[st]; !ok || l.State != want {
			t.Errorf("order %s: simulator %q → line %s, want %s", l.ID, st, l.State, want)
		}
		if (st == "received" || st == "completed") && l.Code == "" {
			t.Errorf("order %s (%s) shows no code", l.ID, st)
		}
	}
	if len(words) != len(seededStates) {
		t.Fatalf("the seeded orders cover %v, want every state", words)
	}
	for _, m := range msgs {
		if _, ok := findLine(lines, m.Line.ID()); !ok || m.ID == "" || m.ReceivedAt.IsZero() {
			t.Errorf("message %+v", m)
		}
	}

	// A waiting order that gets no code expires and is refunded. (The
	// seeded orders settle first: their refunds are of earlier payments.)
	e.s.Advance(sim.MarketOrderLifetime + time.Second)
	before := e.balance()
	l := e.mustBuyNumber(t, usCountry, usInstagram)
	e.s.Advance(sim.MarketOrderLifetime + time.Second)
	ls, _, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(ls) != 1 || ls[0].State != backend.LineExpired || ls[0].RawState != e.status(t, l.ID) || ls[0].Allowed != 0 {
		t.Fatalf("expired order %+v, %v", ls, err)
	}
	if !e.balance().Equal(before) {
		t.Fatalf("balance %s after expiry, want the refund back to %s", e.balance(), before)
	}

	// A code-less follow-up SMS does not replace the code.
	l2 := e.mustBuyNumber(t, usCountry, usInstagram)
	if err := e.s.Market.Deliver(l2.ID, "482913"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Market.Deliver(l2.ID, "Welcome to Instagram! Your account is ready."); err != nil {
		t.Fatal(err)
	}
	ls, ms, err := e.p.Check(ctx(t), []backend.Line{l2})
	if err != nil || len(ls) != 1 || len(ms) != 2 || ls[0].Code != "482913" || ls[0].State != backend.LineReceived {
		t.Fatalf("code then follow-up: %+v %+v %v", ls, ms, err)
	}
}

func TestContractCheckReadsOrdersMissingFromTheListing(t *testing.T) {
	e := newEnv(t, 20)
	if err := e.s.Market.SetBalance(e.acct, "1000000.00"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Market.SetStock("numbers", usInstagram, 100); err != nil {
		t.Fatal(err)
	}
	old := e.mustBuyNumber(t, usCountry, usInstagram)
	if err := e.s.Market.Deliver(old.ID, "Instagram code 246810"); err != nil {
		t.Fatal(err)
	}
	// Enough newer orders to push it off the page Check reads.
	for i := range 40 {
		if _, err := e.c.BuyNumber(ctx(t), market.NumberPurchase{CountryID: usCountry, ServiceID: usInstagram,
			IdempotencyKey: fmt.Sprintf("push-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	page, _, err := e.c.NumberOrders(ctx(t), 1, 25)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page {
		if o.ID == old.ID {
			t.Fatal("the old order is still on the first page")
		}
	}
	hits := e.s.Hits(backend.Market)
	ls, ms, err := e.p.Check(ctx(t), []backend.Line{old})
	if err != nil || len(ls) != 1 || ls[0].ID != old.ID || ls[0].Code != "246810" || len(ms) != 1 {
		t.Fatalf("check of an order off the listing: %+v %+v %v", ls, ms, err)
	}
	if n := e.s.Hits(backend.Market) - hits; n != 2 {
		t.Fatalf("check used %d requests, want the listing and one single read", n)
	}
}

// A code in the listing for one order says nothing about another: the
// order whose code only a check fetches still gets its check.
func TestContractCheckIsDecidedPerOrder(t *testing.T) {
	e := newEnv(t, 23)
	a := e.mustBuyNumber(t, usCountry, usInstagram)
	b := e.mustBuyNumber(t, usCountry, usInstagram)
	if err := e.s.Market.Deliver(a.ID, "Instagram code 246810"); err != nil {
		t.Fatal(err)
	}
	// b's code waits at the supplier until the marketplace is asked.
	if err := e.s.Market.DeliverOnCheck(b.ID, "Instagram code 135790"); err != nil {
		t.Fatal(err)
	}
	e.s.Advance(30 * time.Second) // both old enough for a check
	ls, ms, err := e.p.Check(ctx(t), []backend.Line{a, b})
	if err != nil {
		t.Fatal(err)
	}
	gotA, okA := findLine(ls, a.ID)
	gotB, okB := findLine(ls, b.ID)
	if !okA || gotA.Code != "246810" || !okB || gotB.Code != "135790" || gotB.State != backend.LineReceived {
		t.Fatalf("lines after one check: %+v", ls)
	}
	codes := map[string]string{}
	for _, m := range ms {
		codes[m.Line.ID()] = m.Code
	}
	if codes[a.ID] != "246810" || codes[b.ID] != "135790" {
		t.Fatalf("messages %+v", ms)
	}
	if n := e.s.Market.Requests(http.MethodPost, "/numbers/orders/"+a.ID+"/check"); n != 0 {
		t.Fatalf("%d checks of the order whose code the listing showed, want none", n)
	}
	if n := e.s.Market.Requests(http.MethodPost, "/numbers/orders/"+b.ID+"/check"); n != 1 {
		t.Fatalf("%d checks of the order the listing showed no code for, want one", n)
	}
}

func TestContractLostBoostAndLogsPurchasesSettle(t *testing.T) {
	e := newEnv(t, 21)
	for _, c := range []struct {
		b      backend.BuyRequest
		path   string
		count  func(string) int
		charge string
	}{
		{backend.BuyRequest{Category: market.CategoryBoost, Product: boostIGReal, Link: "https://instagram.com/p/lost", Quantity: 400},
			"/boost/orders", e.s.Market.BoostOrders, "500"},
		{backend.BuyRequest{Category: market.CategoryLogs, Product: logsInstant, Quantity: 1},
			"/logs/orders", e.s.Market.LogsOrders, "2500"},
	} {
		before, count := e.balance(), c.count(e.acct)
		known := e.knownIDs(t)
		act := e.buyAction(c.b)
		e.s.Inject(backend.Market, sim.Fault{Kind: sim.FaultLoseResponse, Path: c.path, Method: http.MethodPost, Times: 1})
		_, err := e.p.Do(ctx(t), act, backend.Target{KnownIDs: known})
		wantKind(t, err, backend.ErrOutcomeUnknown)
		settled, out, err := e.p.Settle(ctx(t), act, backend.Target{KnownIDs: known})
		if err != nil || settled != backend.SettledHappened || len(out.Jobs) != 1 || known[out.Jobs[0].ID] {
			t.Fatalf("%s: settle = %v %+v %v", c.path, settled, out, err)
		}
		if c.count(e.acct) != count+1 {
			t.Fatalf("%s: %d new orders, want one", c.path, c.count(e.acct)-count)
		}
		wantDebit(t, before, e.balance(), c.charge)
		ngn(t, out.Jobs[0].Cost, c.charge)
	}
}

// The simulator's clock runs ahead of the real one here (Advance), as a
// provider's may differ from ours: a 429's pause must still be the hint,
// not the distance between the two clocks.
func TestContractRateLimitPauseAfterTheClockMoved(t *testing.T) {
	e := newEnv(t, 22)
	e.s.Advance(10 * time.Minute)
	e.s.Inject(backend.Market, sim.Fault{Kind: sim.Fault429, Path: "/wallet", Times: 1, Retry: time.Second})
	_, err := e.c.Wallet(ctx(t))
	wantKind(t, err, backend.ErrRateLimited)
	if left := time.Until(e.budget.PausedUntil()); left > 2*time.Second {
		t.Fatalf("budget paused for %s, want the 1s the provider asked for", left)
	}
}
