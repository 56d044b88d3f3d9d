package nonvoip_test

// Contract tests: the NonVoip adapter against the NonVoip simulator. The
// two were written by different engineers from nonvoip.openapi.json and
// NOTES.md; every call of the typed client and every Provider behaviour is
// exercised here against the running simulator, and each decoded result is
// compared with the simulator's own state (its exported hooks).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/backend/nonvoip"
	"switchboard/backend/sim"
	"switchboard/wiring"
)

// contractRate is the simulator's per-minute limit in these tests: high, so
// the budget (which follows X-RateLimit-Limit) never slows a test down.
const contractRate = 6000

// Products of the simulator's catalogue used below (the document's
// examples where it has them).
const (
	pInstagram10m = "10000086" // short_term, listed 0.36 (the document's example)
	pTelegram10m  = "10000031" // short_term, listed 0.45
	pWhatsApp30d  = "9044"     // long_term, 2.00 (the document's example)
	pPayPal30d    = "8555"     // long_term, 3.50
	pTelegram1d   = "9441"     // one_day, 1.25 (the document's example)
	pGoogle3d     = "7011"     // 3days, 1.80
	pCountryTG    = "501"      // country-wise Telegram, United States, 0.45 (the document's example)
)

type nvEnv struct {
	s        *sim.Sim
	p        *nonvoip.Provider
	c        *nonvoip.Client
	budget   *backend.Budget
	acct     string
	email    string
	password string
}

// simOptions starts the scenario clock at sim.DefaultStart; the adapter
// reads the same clock (see provider), so the times it derives from the
// API's seconds-left match the simulator's to the second.
func simOptions(seed uint64) sim.Options {
	return sim.Options{Manual: true, Seed: seed, Quiet: true, Start: sim.DefaultStart,
		Rates: map[backend.ProviderKind]int{backend.NonVoip: contractRate, backend.Market: contractRate}}
}

func newEnv(t *testing.T, seed uint64) *nvEnv {
	t.Helper()
	return newEnvWith(t, simOptions(seed))
}

func newEnvWith(t *testing.T, opts sim.Options) *nvEnv {
	t.Helper()
	s := sim.New(opts)
	t.Cleanup(s.Close)
	e := &nvEnv{s: s}
	if accs := wiring.SimAccounts(s, backend.NonVoip); len(accs) > 0 {
		e.acct, e.email, e.password = accs[0].Name, accs[0].Email, accs[0].Password
	}
	if e.email == "" || e.password == "" {
		t.Fatal("the simulator has no NonVoip credentials")
	}
	e.p, e.budget = e.provider(t, e.email, e.password)
	e.c = e.p.Client()
	return e
}

// provider makes an adapter for the simulator with its own budget.
func (e *nvEnv) provider(t *testing.T, email, password string) (*nonvoip.Provider, *backend.Budget) {
	t.Helper()
	b := backend.NewBudget(100000)
	p, err := nonvoip.New(nonvoip.Config{Account: e.acct, BaseURL: e.s.URL(backend.NonVoip), Email: email,
		Password: password, Budget: b, Timeout: 5 * time.Second, Now: e.s.Now})
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

// balance is the simulator's balance of the account.
func (e *nvEnv) balance() decimal.Decimal {
	return decimal.NewFromFloat(e.s.NonVoip.Balance(e.acct)).Round(2)
}

func (e *nvEnv) order(t *testing.T, id string) sim.NonVoipOrder {
	t.Helper()
	o, ok := e.s.NonVoip.Order(id)
	if !ok {
		t.Fatalf("the simulator has no order %q", id)
	}
	return o
}

var actionSeq atomic.Int64

// actionID is a fresh idempotency key, as the engine makes one per action.
func actionID(kind backend.ActionKind) string {
	return fmt.Sprintf("contract-%s-%d", kind, actionSeq.Add(1))
}

// buy runs a purchase through Provider.Do.
func (e *nvEnv) buy(t *testing.T, b backend.BuyRequest) (backend.Outcome, error) {
	t.Helper()
	return e.p.Do(ctx(t), backend.Action{ID: actionID(backend.ActBuy), Kind: backend.ActBuy, Account: e.acct,
		Buy: &b, CreatedAt: e.s.Now()}, backend.Target{})
}

// mustBuy buys and returns the one new line.
func (e *nvEnv) mustBuy(t *testing.T, b backend.BuyRequest) backend.Line {
	t.Helper()
	out, err := e.buy(t, b)
	if err != nil {
		t.Fatalf("buy %+v: %v", b, err)
	}
	if !out.Done || out.Offer != nil || len(out.Lines) != 1 {
		t.Fatalf("buy %+v: want one placed line, got %+v", b, out)
	}
	return out.Lines[0]
}

// act runs an action on a line.
func (e *nvEnv) act(t *testing.T, kind backend.ActionKind, l backend.Line, months int) (backend.Outcome, error) {
	t.Helper()
	lc := l
	return e.p.Do(ctx(t), backend.Action{ID: actionID(kind), Kind: kind,
		Account: e.acct, Target: l.Key, Months: months, CreatedAt: e.s.Now()}, backend.Target{Line: &lc})
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
		t.Fatalf("want a %s error, got %v (%T, kind %v)", kind, err, err, backend.KindOf(err))
	}
	return e
}

func wantDebit(t *testing.T, before, after decimal.Decimal, amount string) {
	t.Helper()
	if got := before.Sub(after); !got.Equal(dec(amount)) {
		t.Fatalf("balance moved by %s (from %s to %s), want a debit of %s", got, before, after, amount)
	}
}

func near(a, b time.Time, slack time.Duration) bool {
	d := a.Sub(b)
	return d <= slack && d >= -slack
}

// --- account and products ---------------------------------------------------

func TestContractBalance(t *testing.T) {
	e := newEnv(t, 1)
	got, err := e.c.Balance(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(e.balance()) {
		t.Fatalf("client balance %s, simulator %s", got, e.balance())
	}
	e.s.NonVoip.SetBalance(e.acct, 12.34)
	acc, err := e.p.Balance(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Balance.Known || !acc.Balance.Amount.Equal(dec("12.34")) || acc.Balance.Currency != nonvoip.Currency {
		t.Fatalf("Provider.Balance = %+v, want 12.34 %s", acc.Balance, nonvoip.Currency)
	}
	if acc.Provider != backend.NonVoip || acc.Name != e.acct {
		t.Fatalf("account %q/%q", acc.Provider, acc.Name)
	}
}

func TestContractProducts(t *testing.T) {
	e := newEnv(t, 2)
	e.s.NonVoip.SetAvailable(10000086, 1234)
	e.s.NonVoip.SetAvailable(9044, 7)
	e.s.NonVoip.SetAvailable(9441, 8)
	e.s.NonVoip.SetAvailable(7011, 9)

	grouped, err := e.c.Products(ctx(t), nonvoip.ProductQuery{Grouped: true})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]nonvoip.Product{}
	types := map[string]int{}
	for _, p := range grouped {
		byID[p.ID] = p
		types[p.Type]++
	}
	for id, want := range map[string]struct {
		typ, name, price string
		avail            int
	}{
		pInstagram10m: {nonvoip.TypeShortTerm, "Instagram", "0.36", 1234},
		pWhatsApp30d:  {nonvoip.TypeLongTerm, "WhatsApp", "2.00", 7},
		pTelegram1d:   {nonvoip.TypeOneDay, "Telegram", "1.25", 8},
		pGoogle3d:     {nonvoip.TypeThreeDays, "Google", "1.80", 9},
	} {
		p, ok := byID[id]
		if !ok {
			t.Fatalf("grouped products lack %s: %+v", id, grouped)
		}
		if p.Type != want.typ || p.Name != want.name || !p.HasPrice || !p.Price.Equal(dec(want.price)) {
			t.Errorf("product %s = %+v, want %s %s %s", id, p, want.typ, want.name, want.price)
		}
		if p.Available != want.avail {
			t.Errorf("product %s available %d, simulator %d", id, p.Available, want.avail)
		}
	}
	if len(types) != 4 {
		t.Fatalf("grouped answer folded into types %v, want the four product types", types)
	}

	// type= answers the same products as the group, each with its type.
	total := 0
	for _, typ := range []string{nonvoip.TypeShortTerm, nonvoip.TypeLongTerm, nonvoip.TypeOneDay, nonvoip.TypeThreeDays} {
		ps, err := e.c.Products(ctx(t), nonvoip.ProductQuery{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != types[typ] || len(ps) == 0 {
			t.Fatalf("type %s: %d products, grouped had %d", typ, len(ps), types[typ])
		}
		for _, p := range ps {
			g := byID[p.ID]
			if p.Type != typ || g.Name != p.Name || !g.Price.Equal(p.Price) || g.Available != p.Available {
				t.Errorf("type %s product %+v differs from grouped %+v", typ, p, g)
			}
		}
		total += len(ps)
	}
	if total != len(grouped) {
		t.Fatalf("the typed lists hold %d products, the grouped one %d", total, len(grouped))
	}

	one, err := e.c.Products(ctx(t), nonvoip.ProductQuery{ProductID: pInstagram10m})
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].ID != pInstagram10m || one[0].Available != 1234 || one[0].Type != nonvoip.TypeShortTerm {
		t.Fatalf("product_id answer %+v", one)
	}

	// Premium-only mode empties the ordinary stock as the listing shows it.
	e.s.NonVoip.SetPremiumOnly(10000086, 20)
	one, err = e.c.Products(ctx(t), nonvoip.ProductQuery{ProductID: pInstagram10m})
	if err != nil || len(one) != 1 || one[0].Available != 0 {
		t.Fatalf("premium-only product = %+v, %v; want available 0", one, err)
	}

	_, err = e.c.Products(ctx(t), nonvoip.ProductQuery{ProductID: "424242"})
	wantKind(t, err, backend.ErrNotFound)

	e.s.NonVoip.SetAvailable(501, 33)
	cps, err := e.c.CountryProducts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var tg *nonvoip.Product
	for i := range cps {
		if cps[i].ID == pCountryTG {
			tg = &cps[i]
		}
		if cps[i].Type != nonvoip.TypeCountry || cps[i].Country == "" {
			t.Errorf("country product %+v", cps[i])
		}
	}
	if tg == nil || tg.Name != "Telegram" || tg.Country != "United States" || !tg.Price.Equal(dec("0.45")) || tg.Available != 33 {
		t.Fatalf("country product 501 = %+v", tg)
	}
}

func TestContractCatalogEveryStep(t *testing.T) {
	e := newEnv(t, 3)
	cats, err := e.p.Catalog(ctx(t), backend.CatalogRequest{Step: backend.StepCategory})
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) != len(e.p.BuyCategories()) {
		t.Fatalf("category step %+v", cats)
	}
	e.s.NonVoip.SetAvailable(10000086, 4321)
	e.s.NonVoip.SetAvailable(9044, 11)
	e.s.NonVoip.SetAvailable(9441, 12)
	e.s.NonVoip.SetAvailable(7011, 13)
	e.s.NonVoip.SetAvailable(501, 14)
	want := map[string]struct {
		id, price string
		stock     int
	}{
		nonvoip.TypeShortTerm: {pInstagram10m, "0.36", 4321},
		nonvoip.TypeLongTerm:  {pWhatsApp30d, "2.00", 11},
		nonvoip.TypeOneDay:    {pTelegram1d, "1.25", 12},
		nonvoip.TypeThreeDays: {pGoogle3d, "1.80", 13},
		nonvoip.TypeCountry:   {pCountryTG, "0.45", 14},
	}
	for _, c := range cats {
		steps := e.p.BuySteps(c.ID)
		if len(steps) != 1 || steps[0] != backend.StepProduct {
			t.Fatalf("steps of %s: %v", c.ID, steps)
		}
		items, err := e.p.Catalog(ctx(t), backend.CatalogRequest{Category: c.ID, Step: backend.StepProduct})
		if err != nil {
			t.Fatalf("catalog %s: %v", c.ID, err)
		}
		w, ok := want[c.ID]
		if !ok {
			t.Fatalf("unexpected category %q", c.ID)
		}
		found := false
		for _, it := range items {
			if it.ID == w.id {
				found = true
				if !it.Price.Known || !it.Price.Amount.Equal(dec(w.price)) || it.Price.Currency != nonvoip.Currency || it.Stock != w.stock {
					t.Errorf("%s item %+v, want price %s stock %d", c.ID, it, w.price, w.stock)
				}
			}
		}
		if !found {
			t.Errorf("%s catalog lacks %s: %+v", c.ID, w.id, items)
		}
	}
}

// --- short-term orders ----------------------------------------------------------

func TestContractShortTermLifecycle(t *testing.T) {
	e := newEnv(t, 4)
	before, purchases := e.balance(), e.s.NonVoip.OrderCount(e.acct)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	wantDebit(t, before, e.balance(), "0.36")
	if n := e.s.NonVoip.OrderCount(e.acct); n != purchases+1 {
		t.Fatalf("simulator counts %d purchases, want %d", n, purchases+1)
	}
	so := e.order(t, l.ID)
	if so.Type != "short_term" || so.Status != "Reserved" {
		t.Fatalf("simulator order %+v", so)
	}
	if l.Kind != nonvoip.TypeShortTerm || l.State != backend.LineWaiting || l.RawState != so.Status ||
		l.Number != "+"+so.Number || l.Service != so.Service || l.Country != "US" ||
		l.Extra[nonvoip.ExtraNumber] != so.Number || l.Extra[nonvoip.ExtraProduct] != pInstagram10m {
		t.Fatalf("line %+v does not match simulator order %+v", l, so)
	}
	if !near(l.ExpiresAt.Time(), so.Expires, 2*time.Second) {
		t.Fatalf("line expires %s, simulator %s", l.ExpiresAt, so.Expires)
	}
	if !l.Allowed.Has(backend.ActReject) || l.Allowed.Has(backend.ActReuse) || l.Allowed.Has(backend.ActRenew) {
		t.Fatalf("waiting short-term line allows %s", l.Allowed)
	}

	// getsms before any SMS: waiting.
	sms, err := e.c.GetSMS(ctx(t), nonvoip.OrderRef{OrderID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !sms.Waiting || sms.Number != so.Number || sms.Service != so.Service || sms.Type != nonvoip.TypeShortTerm {
		t.Fatalf("getsms before SMS = %+v", sms)
	}
	lines, msgs, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(lines) != 1 || len(msgs) != 0 || lines[0].State != backend.LineWaiting {
		t.Fatalf("check before SMS: %+v %+v %v", lines, msgs, err)
	}

	// An SMS arrives: Check shows it as a Message with the code.
	text := "Your Instagram verification code is 482913. Do not share it."
	if err := e.s.NonVoip.Deliver(l.ID, text); err != nil {
		t.Fatal(err)
	}
	sms, err = e.c.GetSMS(ctx(t), nonvoip.OrderRef{OrderID: l.ID})
	if err != nil || sms.Waiting || sms.Code != "482913" || sms.Text != text {
		t.Fatalf("getsms after SMS = %+v, %v", sms, err)
	}
	lines, msgs, err = e.p.Check(ctx(t), []backend.Line{l})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || len(msgs) != 1 {
		t.Fatalf("check after SMS: %d lines, %d messages", len(lines), len(msgs))
	}
	got, m := lines[0], msgs[0]
	if m.Code != "482913" || m.Text != text || m.Line != l.Key || m.ID == "" {
		t.Fatalf("message %+v", m)
	}
	if got.State != backend.LineReceived || got.Code != "482913" || got.Extra[nonvoip.ExtraUsed] != "1" {
		t.Fatalf("line after SMS %+v", got)
	}
	if got.Allowed.Has(backend.ActReject) || !got.Allowed.Has(backend.ActReuse) {
		t.Fatalf("received short-term line allows %s", got.Allowed)
	}
	// Polling again gives the same message id (deduplicated downstream).
	_, again, _ := e.p.Check(ctx(t), []backend.Line{got})
	if len(again) != 1 || again[0].ID != m.ID {
		t.Fatalf("second poll message %+v, first id %s", again, m.ID)
	}

	// Reject after an SMS is refused and refunds nothing.
	before = e.balance()
	_, err = e.act(t, backend.ActReject, got, 0)
	wantKind(t, err, backend.ErrRefused)
	if !e.balance().Equal(before) {
		t.Fatalf("a refused reject moved the balance from %s to %s", before, e.balance())
	}
	if st := e.order(t, l.ID).Status; st == "Rejected" {
		t.Fatal("the simulator rejected an order that had an SMS")
	}

	// Reuse: the same number again, charged the listed price, waiting anew.
	before = e.balance()
	out, err := e.act(t, backend.ActReuse, got, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "0.36")
	so = e.order(t, l.ID)
	if !out.Done || len(out.Lines) != 1 {
		t.Fatalf("reuse outcome %+v", out)
	}
	rl := out.Lines[0]
	if rl.ID != so.ID || rl.Number != "+"+so.Number || rl.State != backend.LineWaiting || rl.Kind != nonvoip.TypeShortTerm ||
		so.Status != "Reserved" || !near(rl.ExpiresAt.Time(), so.Expires, 2*time.Second) {
		t.Fatalf("reused line %+v, simulator %+v", rl, so)
	}
	// getsms answers the order's latest SMS, the previous window's (see
	// TestContractReuseOpensANewWindow for what the line shows).
	sms, err = e.c.GetSMS(ctx(t), nonvoip.OrderRef{OrderID: l.ID})
	if err != nil || sms.Waiting || sms.Code != "482913" {
		t.Fatalf("getsms after reuse = %+v, %v (the previous window's SMS)", sms, err)
	}
}

// held is what the engine holds after merging an answer into the line it
// had: Extra keys the answer omits stay (engine.mergeLines), and a new
// receiving window drops the old window's code.
func held(prev, l backend.Line) backend.Line {
	ex := map[string]string{}
	for k, v := range prev.Extra {
		ex[k] = v
	}
	for k, v := range l.Extra {
		ex[k] = v
	}
	l.Extra = ex
	if !l.NewWindow && l.Code == "" {
		l.Code, l.CodeAt = prev.Code, prev.CodeAt
	}
	l.NewWindow = false
	return l
}

// A reuse keeps the order id and opens a new receiving window: the line
// comes back waiting with no code, getsms (which answers the order's
// latest SMS) goes on answering the old one, and only a new SMS gives the
// line a code again.
func TestContractReuseOpensANewWindow(t *testing.T) {
	e := newEnv(t, 29)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	if err := e.s.NonVoip.Deliver(l.ID, "Your Instagram code is 111111"); err != nil {
		t.Fatal(err)
	}
	lines, _, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || lines[0].Code != "111111" || lines[0].State != backend.LineReceived {
		t.Fatalf("first window: %+v %v", lines, err)
	}
	first := held(l, lines[0])

	before := e.balance()
	out, err := e.act(t, backend.ActReuse, first, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "0.36")
	rl := out.Lines[0]
	if !rl.NewWindow || rl.WindowAt.IsZero() || rl.State != backend.LineWaiting || rl.Code != "" || len(rl.Candidates) != 0 ||
		rl.Extra[nonvoip.ExtraUsed] == "1" || rl.Allowed.Has(backend.ActReuse) || !rl.Allowed.Has(backend.ActReject) {
		t.Fatalf("reused line %+v (%s)", rl, rl.Allowed)
	}
	cur := held(first, rl)
	if cur.Extra[nonvoip.ExtraUsed] == "1" {
		t.Fatal("the old window's \"used\" mark survives the engine's merge")
	}

	// Before a new SMS: getsms answers the old one, the line shows nothing.
	if sms, err := e.c.GetSMS(ctx(t), nonvoip.OrderRef{OrderID: l.ID}); err != nil || sms.Code != "111111" {
		t.Fatalf("getsms after reuse = %+v, %v", sms, err)
	}
	for range 2 {
		lines, msgs, err := e.p.Check(ctx(t), []backend.Line{cur})
		if err != nil || len(lines) != 1 || len(msgs) != 0 || lines[0].Code != "" || lines[0].State != backend.LineWaiting ||
			lines[0].Extra[nonvoip.ExtraUsed] == "1" {
			t.Fatalf("check before a new SMS: %+v %+v %v", lines, msgs, err)
		}
		cur = held(cur, lines[0])
	}

	// A new SMS: the new code.
	if err := e.s.NonVoip.Deliver(l.ID, "Your Instagram code is 222222"); err != nil {
		t.Fatal(err)
	}
	lines, msgs, err := e.p.Check(ctx(t), []backend.Line{cur})
	if err != nil || len(msgs) != 1 || msgs[0].Code != "222222" || lines[0].Code != "222222" || lines[0].State != backend.LineReceived {
		t.Fatalf("check after a new SMS: %+v %+v %v", lines, msgs, err)
	}
}

func TestContractRejectRefunds(t *testing.T) {
	e := newEnv(t, 5)
	before := e.balance()
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	wantDebit(t, before, e.balance(), "0.45")
	out, err := e.act(t, backend.ActReject, l, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !e.balance().Equal(before) {
		t.Fatalf("balance %s after reject, want the refund back to %s", e.balance(), before)
	}
	if st := e.order(t, l.ID).Status; st != "Rejected" {
		t.Fatalf("simulator status %q after reject", st)
	}
	if !out.Done || len(out.Lines) != 1 || out.Lines[0].State != backend.LineCanceled || out.Lines[0].Allowed.Has(backend.ActReject) {
		t.Fatalf("reject outcome %+v", out)
	}
	// Rejecting twice is refused.
	_, err = e.act(t, backend.ActReject, l, 0)
	wantKind(t, err, backend.ErrRefused)
}

func TestContractRejectLostAnswerSettles(t *testing.T) {
	e := newEnv(t, 6)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	before := e.balance()
	e.s.Inject(backend.NonVoip, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/api/reject", Times: 1})
	act := backend.Action{ID: "reject-lost", Kind: backend.ActReject, Account: e.acct, Target: l.Key, CreatedAt: e.s.Now()}
	_, err := e.p.Do(ctx(t), act, backend.Target{Line: &l})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if st := e.order(t, l.ID).Status; st != "Rejected" {
		t.Fatalf("the lost reject did not happen in the simulator (%q)", st)
	}
	settled, out, err := e.p.Settle(ctx(t), act, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	if settled != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].State != backend.LineCanceled {
		t.Fatalf("settle = %v %+v, want happened with a cancelled line", settled, out)
	}
	if out.Balance == nil || !out.Balance.Amount.Equal(e.balance()) || !e.balance().GreaterThan(before) {
		t.Fatalf("settle balance %+v, simulator %s (before %s)", out.Balance, e.balance(), before)
	}
}

// --- rentals ----------------------------------------------------------------------

func TestContractRentalActivateRenew(t *testing.T) {
	e := newEnv(t, 7)
	before := e.balance()
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeLongTerm, Product: pWhatsApp30d})
	wantDebit(t, before, e.balance(), "2.00")
	so := e.order(t, l.ID)
	if so.Type != "long_term" || so.Status != "Active" {
		t.Fatalf("simulator order %+v", so)
	}
	// Long-term "expires" is a UTC date-time to the second.
	if !l.ExpiresAt.Time().Equal(so.Expires.Truncate(time.Second)) || l.Kind != nonvoip.TypeLongTerm || l.State != backend.LineActive ||
		l.Number != "+"+so.Number || l.Service != so.Service {
		t.Fatalf("line %+v, simulator %+v", l, so)
	}
	if !l.Allowed.Has(backend.ActRenew) || !l.Allowed.Has(backend.ActActivate) || !l.Allowed.Has(backend.ActReject) {
		t.Fatalf("rental before its SMS allows %s", l.Allowed)
	}

	// Activate: online until the simulator's window end.
	e.s.Advance(20 * time.Minute) // past the purchase's own online window
	out, err := e.act(t, backend.ActActivate, l, 0)
	if err != nil {
		t.Fatal(err)
	}
	so = e.order(t, l.ID)
	if len(out.Lines) != 1 || !out.Done {
		t.Fatalf("activate outcome %+v", out)
	}
	al := out.Lines[0]
	until, perr := time.Parse(time.RFC3339, al.Extra[nonvoip.ExtraOnlineUntil])
	if perr != nil || !until.Equal(so.OnlineUntil.Truncate(time.Second)) || !strings.Contains(out.Note, "online") {
		t.Fatalf("activated line until %q (note %q), simulator %s", al.Extra[nonvoip.ExtraOnlineUntil], out.Note, so.OnlineUntil)
	}
	a, err := e.c.Activate(ctx(t), nonvoip.OrderRef{OrderID: l.ID})
	if err != nil || a.Online != "online" || !a.Until.Equal(e.order(t, l.ID).OnlineUntil.Truncate(time.Second)) {
		t.Fatalf("client activate = %+v, %v", a, err)
	}

	// An SMS on the rental: a message, the line stays active.
	if err := e.s.NonVoip.Deliver(l.ID, "WhatsApp code 551-203"); err != nil {
		t.Fatal(err)
	}
	lines, msgs, err := e.p.Check(ctx(t), []backend.Line{al})
	if err != nil || len(msgs) != 1 || msgs[0].Code != "551203" || lines[0].State != backend.LineActive {
		t.Fatalf("rental check: %+v %+v %v", lines, msgs, err)
	}
	if lines[0].Allowed.Has(backend.ActReject) {
		t.Fatalf("rental after its SMS allows %s", lines[0].Allowed)
	}

	// Renew one month: +30 days, charged the product price.
	before = e.balance()
	oldExp := so.Expires
	out, err = e.act(t, backend.ActRenew, lines[0], 1)
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "2.00")
	so = e.order(t, l.ID)
	if !so.Expires.Equal(oldExp.Add(30 * 24 * time.Hour)) {
		t.Fatalf("simulator expiry %s, want %s", so.Expires, oldExp.Add(30*24*time.Hour))
	}
	if len(out.Lines) != 1 || !out.Lines[0].ExpiresAt.Time().Equal(so.Expires.Truncate(time.Second)) {
		t.Fatalf("renewed line %+v, simulator expiry %s", out.Lines, so.Expires)
	}

	// The client's renew with an explicit duration.
	r, err := e.c.Renew(ctx(t), nonvoip.OrderRef{OrderID: l.ID}, "60d")
	if err != nil || !r.ExpiresAt.Equal(e.order(t, l.ID).Expires.Truncate(time.Second)) ||
		!r.ExpiresAt.Equal(so.Expires.Add(60*24*time.Hour).Truncate(time.Second)) {
		t.Fatalf("renew 60d = %+v, %v (simulator %s)", r, err, e.order(t, l.ID).Expires)
	}
}

func TestContractOneDayAndThreeDays(t *testing.T) {
	e := newEnv(t, 8)
	for _, c := range []struct {
		cat, product, price string
		period              time.Duration
	}{
		{nonvoip.TypeOneDay, pTelegram1d, "1.25", 24 * time.Hour},
		{nonvoip.TypeThreeDays, pGoogle3d, "1.80", 72 * time.Hour},
	} {
		before := e.balance()
		l := e.mustBuy(t, backend.BuyRequest{Category: c.cat, Product: c.product})
		wantDebit(t, before, e.balance(), c.price)
		so := e.order(t, l.ID)
		if l.Kind != c.cat || so.Type != c.cat || !l.ExpiresAt.Time().Equal(so.Expires.Truncate(time.Second)) ||
			!so.Expires.Equal(so.Created.Add(c.period)) {
			t.Fatalf("%s line %+v, simulator %+v", c.cat, l, so)
		}
		// Renew without Months: the provider's default period.
		before = e.balance()
		out, err := e.act(t, backend.ActRenew, l, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantDebit(t, before, e.balance(), c.price)
		if got := e.order(t, l.ID).Expires; !got.Equal(so.Expires.Add(c.period)) || !out.Lines[0].ExpiresAt.Time().Equal(got.Truncate(time.Second)) {
			t.Fatalf("%s renewed to %s (line %s), want %s", c.cat, got, out.Lines[0].ExpiresAt, so.Expires.Add(c.period))
		}
	}
}

func TestContractMultiServiceThirtyDays(t *testing.T) {
	e := newEnv(t, 9)
	before, purchases := e.balance(), e.s.NonVoip.OrderCount(e.acct)
	out, err := e.buy(t, backend.BuyRequest{Category: nonvoip.TypeLongTerm, Product: pWhatsApp30d, Products: []string{pPayPal30d}})
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "5.50")
	if n := e.s.NonVoip.OrderCount(e.acct); n != purchases+1 {
		t.Fatalf("%d purchases, want one order for both services", n-purchases)
	}
	if len(out.Lines) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	so := e.order(t, out.Lines[0].ID)
	if out.Lines[0].Service != so.Service || so.Service != "WhatsApp, PayPal" || out.Lines[0].Kind != nonvoip.TypeLongTerm {
		t.Fatalf("line %+v, simulator %+v", out.Lines[0], so)
	}
	// The client refuses more than five services before sending anything.
	hits := e.s.Hits(backend.NonVoip)
	_, err = e.c.Order(ctx(t), nonvoip.OrderParams{ProductIDs: []string{"9044", "8555", "9012", "9067", "9101", "9130"}})
	wantKind(t, err, backend.ErrInvalid)
	if e.s.Hits(backend.NonVoip) != hits {
		t.Fatal("six services were sent to the provider")
	}
	// Several services on a 10-minute order are refused by the provider
	// (the adapter's Do refuses them before sending); nothing is bought.
	purchases = e.s.NonVoip.OrderCount(e.acct)
	_, err = e.c.Order(ctx(t), nonvoip.OrderParams{ProductIDs: []string{pInstagram10m, pTelegram10m}})
	if e, ok := backend.AsError(err); !ok || e.Status != http.StatusBadRequest || (e.Kind != backend.ErrInvalid && e.Kind != backend.ErrRefused) {
		t.Fatalf("10-minute multi-service order: %v", err)
	}
	if e.s.NonVoip.OrderCount(e.acct) != purchases {
		t.Fatal("a refused multi-service order bought something")
	}
}

func TestContractCountryOrder(t *testing.T) {
	e := newEnv(t, 10)
	before := e.balance()
	out, err := e.buy(t, backend.BuyRequest{Category: nonvoip.TypeCountry, Product: pCountryTG})
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "0.45")
	if len(out.Lines) != 1 || !out.Charged.Known || !out.Charged.Amount.Equal(dec("0.45")) {
		t.Fatalf("country outcome %+v", out)
	}
	l := out.Lines[0]
	if !strings.HasPrefix(l.ID, "sb_") {
		t.Fatalf("country order id %q, want the string id the document shows (sb_…)", l.ID)
	}
	so := e.order(t, l.ID)
	if so.Type != "country" || l.Kind != nonvoip.TypeCountry || l.Country != so.Country || so.Country != "US" ||
		l.Number != "+"+so.Number || l.Service != naming.Service(so.Service) || l.State != backend.LineWaiting ||
		!l.Price.Amount.Equal(dec("0.45")) || !near(l.ExpiresAt.Time(), so.Expires, 2*time.Second) {
		t.Fatalf("country line %+v, simulator %+v", l, so)
	}
	// The client call directly: an object message with a string id.
	o, err := e.c.CountryOrder(ctx(t), pCountryTG)
	if err != nil {
		t.Fatal(err)
	}
	so = e.order(t, o.ID)
	if o.Type != nonvoip.TypeCountry || o.Status != so.Status || o.Number != so.Number || !o.HasCost || !o.Cost.Equal(dec("0.45")) {
		t.Fatalf("country order %+v, simulator %+v", o, so)
	}
	// An SMS arrives on it and getsms reads it by the string id.
	if err := e.s.NonVoip.Deliver(l.ID, "Telegram code: 77120"); err != nil {
		t.Fatal(err)
	}
	_, msgs, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(msgs) != 1 || msgs[0].Code != "77120" {
		t.Fatalf("country check %+v %v", msgs, err)
	}
}

// --- offers -------------------------------------------------------------------------

func TestContractPriceChangeOffer(t *testing.T) {
	e := newEnv(t, 11)
	e.s.NonVoip.SetRoutePrice(10000086, 1.70)
	before, purchases := e.balance(), e.s.NonVoip.OrderCount(e.acct)
	out, err := e.buy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	if err != nil {
		t.Fatal(err)
	}
	if out.Done || out.Offer == nil || len(out.Lines) != 0 {
		t.Fatalf("want an offer, got %+v", out)
	}
	o := out.Offer
	// allowed_price is the listed price + 30% (0.36 × 1.3 = 0.468 → 0.47).
	if o.Kind != backend.OfferPriceChange || !o.Quoted.Equal(dec("0.36")) || !o.Allowed.Equal(dec("0.47")) || !o.Available.Equal(dec("1.70")) {
		t.Fatalf("offer %+v", o)
	}
	// The operator refuses: nothing was bought.
	if !e.balance().Equal(before) || e.s.NonVoip.OrderCount(e.acct) != purchases {
		t.Fatal("an offer bought something")
	}
	// A cap below the route price gets the offer again.
	low := dec("1.00")
	out, err = e.buy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m, AcceptedMaxPrice: &low})
	if err != nil || out.Offer == nil || out.Offer.Kind != backend.OfferPriceChange {
		t.Fatalf("low cap: %+v, %v", out, err)
	}
	// The operator accepts: ordered, debited the route price, and the line
	// shows what was charged, not the listed estimate the buy carried.
	accept := o.Available
	b := backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m, AcceptedMaxPrice: &accept}
	out, err = e.p.Do(ctx(t), backend.Action{ID: actionID(backend.ActBuy), Kind: backend.ActBuy, Account: e.acct, Buy: &b,
		Cost: backend.NewMoney(dec("0.36"), nonvoip.Currency), CreatedAt: e.s.Now()}, backend.Target{})
	if err != nil || len(out.Lines) != 1 {
		t.Fatalf("accepted offer: %+v %v", out, err)
	}
	l := out.Lines[0]
	wantDebit(t, before, e.balance(), "1.70")
	charged := decimal.NewFromFloat(e.order(t, l.ID).LastCharge)
	if e.s.NonVoip.OrderCount(e.acct) != purchases+1 || !charged.Equal(dec("1.70")) {
		t.Fatalf("accepted offer: %d purchases, charge %v", e.s.NonVoip.OrderCount(e.acct)-purchases, charged)
	}
	if !l.Price.Known || !l.Price.Amount.Equal(charged) || !out.Charged.Known || !out.Charged.Amount.Equal(charged) {
		t.Fatalf("line price %s, outcome charged %s; the simulator charged %s", l.Price, out.Charged, charged)
	}
	// A cap above the route price still debits the route price only.
	high := dec("5.00")
	before = e.balance()
	e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m, AcceptedMaxPrice: &high})
	wantDebit(t, before, e.balance(), "1.70")
}

func TestContractPremiumOffer(t *testing.T) {
	e := newEnv(t, 12)
	e.s.NonVoip.SetPremiumOnly(10000031, 25)
	before, purchases := e.balance(), e.s.NonVoip.OrderCount(e.acct)
	out, err := e.buy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	if err != nil {
		t.Fatal(err)
	}
	if out.Offer == nil || out.Offer.Kind != backend.OfferPremium || out.Offer.RecommendedBid != 25 || out.Done {
		t.Fatalf("want a premium offer of 25, got %+v", out)
	}
	if !e.balance().Equal(before) || e.s.NonVoip.OrderCount(e.acct) != purchases {
		t.Fatal("a premium offer bought something")
	}
	// A bid below the recommendation is offered again.
	out, err = e.buy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m, Auction: 10})
	if err != nil || out.Offer == nil || out.Offer.Kind != backend.OfferPremium {
		t.Fatalf("low bid: %+v, %v", out, err)
	}
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m, Auction: 25})
	// 0.45 × 1.25 = 0.5625, charged in cents: 0.56.
	wantDebit(t, before, e.balance(), "0.56")
	if so := e.order(t, l.ID); so.Type != "short_term" || l.Number != "+"+so.Number {
		t.Fatalf("premium line %+v, simulator %+v", l, so)
	}
	// The line shows the bid's price, what the books charged, not the
	// listed estimate the buy carried (0.45 × 1.30 = 0.585 → 0.59).
	for _, bid := range []int{25, 30} {
		b := backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m, Auction: bid}
		out, err := e.p.Do(ctx(t), backend.Action{ID: actionID(backend.ActBuy), Kind: backend.ActBuy, Account: e.acct, Buy: &b,
			Cost: backend.NewMoney(dec("0.45"), nonvoip.Currency), CreatedAt: e.s.Now()}, backend.Target{})
		if err != nil || len(out.Lines) != 1 {
			t.Fatalf("bid %d: %+v %v", bid, out, err)
		}
		charged := decimal.NewFromFloat(e.order(t, out.Lines[0].ID).LastCharge)
		if p := out.Lines[0].Price; !p.Known || !p.Amount.Equal(charged) || !out.Charged.Amount.Equal(charged) {
			t.Fatalf("bid %d: line price %s, outcome charged %s; the simulator charged %s", bid, p, out.Charged, charged)
		}
	}
	// Out of ordinary stock (no premium mode): the simulator offers a
	// premium bid, as the document's Premium_Available describes.
	e.s.NonVoip.SetAvailable(10000012, 0)
	out, err = e.buy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: "10000012"})
	if err != nil || out.Offer == nil || out.Offer.Kind != backend.OfferPremium || out.Offer.RecommendedBid <= 0 {
		t.Fatalf("sold-out short-term product: %+v, %v", out, err)
	}
}

// --- lookup, errors --------------------------------------------------------------------

func TestContractLookup(t *testing.T) {
	e := newEnv(t, 13)
	bought := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	so := e.order(t, bought.ID)
	l, msgs, err := e.p.Lookup(ctx(t), bought.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != so.ID || l.Key != bought.Key || l.Number != "+"+so.Number || l.Service != naming.Service(so.Service) ||
		l.Kind != nonvoip.TypeShortTerm || l.State != backend.LineWaiting || len(msgs) != 0 ||
		!l.Allowed.Has(backend.ActReject) || l.Extra[nonvoip.ExtraNumber] != so.Number {
		t.Fatalf("lookup line %+v, simulator %+v", l, so)
	}
	// Every seeded order of the account can be added by id; each line
	// matches the simulator's order.
	for _, id := range e.s.NonVoip.OrderIDs(e.acct) {
		so := e.order(t, id)
		l, msgs, err := e.p.Lookup(ctx(t), id)
		if err != nil {
			t.Fatalf("lookup %s: %v", id, err)
		}
		if l.ID != id || l.Kind != so.Type || l.Number != "+"+so.Number || l.Service != naming.Service(so.Service) ||
			l.Extra[nonvoip.ExtraService] != so.Service {
			t.Errorf("lookup %s = %+v, simulator %+v", id, l, so)
		}
		if (len(msgs) > 0) != (so.SMS > 0) {
			t.Errorf("lookup %s: %d messages, simulator order has %d SMS (%s)", id, len(msgs), so.SMS, so.Status)
		}
	}
	_, _, err = e.p.Lookup(ctx(t), "999999999")
	e2 := wantKind(t, err, backend.ErrNotFound)
	if e2.Code != nonvoip.CodeOrderNotFound {
		t.Fatalf("unknown order code %q", e2.Code)
	}
	// An order that vanished closes the line on Check.
	gone := bought
	gone.ID, gone.Key = "999999998", backend.MakeKey(backend.NonVoip, e.acct, backend.ItemLine, "999999998")
	lines, _, err := e.p.Check(ctx(t), []backend.Line{gone})
	if err != nil || len(lines) != 1 || lines[0].State.Open() {
		t.Fatalf("check of a vanished order: %+v %v", lines, err)
	}
}

func TestContractNoBalanceAndOutOfStock(t *testing.T) {
	e := newEnv(t, 14)
	e.s.NonVoip.SetBalance(e.acct, 0.10)
	purchases := e.s.NonVoip.OrderCount(e.acct)
	for _, b := range []backend.BuyRequest{
		{Category: nonvoip.TypeShortTerm, Product: pInstagram10m},
		{Category: nonvoip.TypeLongTerm, Product: pWhatsApp30d},
		{Category: nonvoip.TypeCountry, Product: pCountryTG},
	} {
		_, err := e.buy(t, b)
		wantKind(t, err, backend.ErrNoBalance)
	}
	if !e.balance().Equal(dec("0.10")) || e.s.NonVoip.OrderCount(e.acct) != purchases {
		t.Fatal("a refused purchase bought something")
	}

	e.s.NonVoip.SetBalance(e.acct, 50)
	e.s.NonVoip.SetAvailable(9044, 0)
	_, err := e.buy(t, backend.BuyRequest{Category: nonvoip.TypeLongTerm, Product: pWhatsApp30d})
	wantKind(t, err, backend.ErrOutOfStock)
	e.s.NonVoip.SetAvailable(501, 0)
	_, err = e.buy(t, backend.BuyRequest{Category: nonvoip.TypeCountry, Product: pCountryTG})
	wantKind(t, err, backend.ErrOutOfStock)
	if !e.balance().Equal(dec("50")) || e.s.NonVoip.OrderCount(e.acct) != purchases {
		t.Fatal("an out-of-stock purchase bought something")
	}

	// Renewing a short-term number or a product that does not exist.
	_, err = e.c.Renew(ctx(t), nonvoip.OrderRef{OrderID: e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m}).ID}, "")
	wantKind(t, err, backend.ErrRefused)
	_, err = e.buy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: "31337"})
	wantKind(t, err, backend.ErrInvalid)
}

func TestContractBadCredentials(t *testing.T) {
	e := newEnv(t, 15)
	for _, c := range []struct{ email, password string }{
		{e.email, "wrong-password-123"},
		{"nobody-" + e.email, e.password},
	} {
		p, _ := e.provider(t, c.email, c.password)
		_, err := p.Balance(ctx(t))
		wantKind(t, err, backend.ErrAuth)
		_, err2 := p.Client().GetSMS(ctx(t), nonvoip.OrderRef{OrderID: "1"})
		wantKind(t, err2, backend.ErrAuth)
		for _, text := range []string{err.Error(), err2.Error()} {
			for _, secret := range []string{c.email, c.password, e.password} {
				if strings.Contains(text, secret) {
					t.Fatalf("error %q carries a credential", text)
				}
			}
		}
	}
}

// --- rate limits ----------------------------------------------------------------------

func TestContractRateLimitHeadersFeedBudget(t *testing.T) {
	e := newEnv(t, 16)
	if e.budget.PerMinute() != 100000 {
		t.Fatalf("budget starts at %v", e.budget.PerMinute())
	}
	if _, err := e.c.Balance(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got := e.budget.PerMinute(); got != contractRate {
		t.Fatalf("budget %v a minute after the first answer, want X-RateLimit-Limit %d", got, contractRate)
	}
}

func TestContractLastRequestOfTheWindowPausesTheBudget(t *testing.T) {
	opts := simOptions(24)
	opts.Rates = map[backend.ProviderKind]int{backend.NonVoip: 3}
	opts.Start = time.Now().Truncate(time.Minute) // a whole minute's window ahead: deterministic pauses
	e := newEnvWith(t, opts)
	spendWindow(t, e, 2)
	// The third request is answered (X-RateLimit-Remaining: 0) and the
	// budget waits for X-RateLimit-Reset before sending a fourth.
	if _, err := e.c.Balance(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if e.s.RateLimited(backend.NonVoip) != 0 {
		t.Fatal("the simulator sent a 429")
	}
	paused := e.budget.PausedUntil()
	if left := time.Until(paused); left < 55*time.Second || left > 61*time.Second {
		t.Fatalf("budget paused for %s after the window's last request, want until X-RateLimit-Reset (about 1m)", left)
	}
	if got := e.budget.PerMinute(); got != 3 {
		t.Fatalf("budget %v a minute, want the announced 3", got)
	}
}

// spendWindow uses up the account's rate window with raw calls.
func spendWindow(t *testing.T, e *nvEnv, n int) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": e.email, "password": e.password})
	for range n {
		resp, err := http.Post(e.s.URL(backend.NonVoip)+"/api/balance", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("raw call: HTTP %d", resp.StatusCode)
		}
	}
}

func TestContractSimulatorRateLimit(t *testing.T) {
	opts := simOptions(17)
	opts.Rates = map[backend.ProviderKind]int{backend.NonVoip: 3}
	opts.Start = time.Now().Truncate(time.Minute) // a whole minute's window ahead: deterministic pauses
	e := newEnvWith(t, opts)
	spendWindow(t, e, 3)
	start := time.Now()
	_, err := e.c.Balance(ctx(t))
	re := wantKind(t, err, backend.ErrRateLimited)
	if re.RetryAfter != time.Minute {
		t.Fatalf("retry after %s, want the rest of the window (1m)", re.RetryAfter)
	}
	if e.s.RateLimited(backend.NonVoip) != 1 {
		t.Fatalf("the simulator sent %d 429s", e.s.RateLimited(backend.NonVoip))
	}
	paused := e.budget.PausedUntil()
	if paused.IsZero() || paused.Before(start.Add(re.RetryAfter-time.Second)) {
		t.Fatalf("budget paused until %s, want about %s from now", paused, re.RetryAfter)
	}
	if got := e.budget.PerMinute(); got != 3 {
		t.Fatalf("budget %v a minute, want the announced limit 3", got)
	}
	if strings.Contains(err.Error(), e.password) || strings.Contains(err.Error(), e.email) {
		t.Fatalf("error %q carries a credential", err)
	}
}

func TestContractInjected429(t *testing.T) {
	e := newEnv(t, 18)
	// With the provider's hint (Retry-After, retryAfter, X-RateLimit-Reset):
	// the budget pauses that long, then the next call goes through.
	e.s.Inject(backend.NonVoip, sim.Fault{Kind: sim.Fault429, Path: "/api/balance", Times: 1, Retry: time.Second})
	_, err := e.c.Balance(ctx(t))
	re := wantKind(t, err, backend.ErrRateLimited)
	if re.RetryAfter != time.Second {
		t.Fatalf("retry after %s, want the hinted 1s", re.RetryAfter)
	}
	paused := e.budget.PausedUntil()
	if paused.IsZero() {
		t.Fatal("the budget did not pause")
	}
	if _, err := e.c.Balance(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(paused) {
		t.Fatalf("the next call was answered at %s, before the pause ended at %s", now, paused)
	}

	// Without a hint: the budget backs off by itself (1s, with jitter).
	e2 := newEnv(t, 19)
	e2.s.Inject(backend.NonVoip, sim.Fault{Kind: sim.Fault429NoHint, Times: 1})
	_, err = e2.c.GetSMS(ctx(t), nonvoip.OrderRef{OrderID: "1"})
	re = wantKind(t, err, backend.ErrRateLimited)
	if re.RetryAfter < time.Second || re.RetryAfter > 1300*time.Millisecond {
		t.Fatalf("retry after %s without a hint, want the 1s backoff", re.RetryAfter)
	}
	if e2.budget.PausedUntil().IsZero() {
		t.Fatal("the budget did not back off")
	}
}

// --- callbacks ----------------------------------------------------------------------------

func TestContractCallbacks(t *testing.T) {
	e := newEnv(t, 20)
	bodies := make(chan []byte, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	t.Cleanup(hook.Close)
	e.s.SetWebhook(backend.NonVoip, hook.URL)
	next := func() []byte {
		t.Helper()
		select {
		case b := <-bodies:
			return b
		case <-time.After(5 * time.Second):
			t.Fatal("no callback arrived")
		}
		return nil
	}

	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	text := "Your Instagram code is 545 — do not share it"
	if err := e.s.NonVoip.Deliver(l.ID, text); err != nil {
		t.Fatal(err)
	}
	lines, msgs, leases, jobs, err := e.p.ParseWebhook(next())
	if err != nil {
		t.Fatal(err)
	}
	so := e.order(t, l.ID)
	if len(lines) != 1 || len(msgs) != 1 || leases != nil || jobs != nil {
		t.Fatalf("incoming_message → %d lines, %d messages", len(lines), len(msgs))
	}
	if lines[0].Key != l.Key || lines[0].Number != "+"+so.Number || lines[0].Service != so.Service ||
		lines[0].Kind != "" || lines[0].State != backend.LineReceived || !lines[0].Allowed.Has(backend.ActReuse) {
		t.Fatalf("callback line %+v, simulator %+v", lines[0], so)
	}
	if msgs[0].Code != "545" || msgs[0].Text != text || msgs[0].Sender == "" || msgs[0].Line != l.Key {
		t.Fatalf("callback message %+v", msgs[0])
	}
	// The same SMS read by polling has the same id, so it is stored once.
	_, polled, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(polled) != 1 || polled[0].ID != msgs[0].ID || polled[0].Code != msgs[0].Code {
		t.Fatalf("polled %+v vs callback %+v (%v)", polled, msgs, err)
	}

	// A 1-day rental's SMS: the callback's type word ("ltr") names a
	// rental, not which one, so the line must not claim to be a 30-day
	// number (the engine keeps the type it knows: a 1-day line retyped
	// long_term would renew for 30 days).
	r := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeOneDay, Product: pTelegram1d})
	if err := e.s.NonVoip.Deliver(r.ID, "Telegram code 90817"); err != nil {
		t.Fatal(err)
	}
	lines, msgs, _, _, err = e.p.ParseWebhook(next())
	if err != nil || len(lines) != 1 || len(msgs) != 1 || msgs[0].Code != "90817" {
		t.Fatalf("rental callback: %+v %+v %v", lines, msgs, err)
	}
	if rl := lines[0]; rl.ID != r.ID || (rl.Kind != "" && rl.Kind != nonvoip.TypeOneDay) ||
		(rl.Extra[nonvoip.ExtraType] != "" && rl.Extra[nonvoip.ExtraType] != nonvoip.TypeOneDay) ||
		rl.State != backend.LineActive || !rl.Allowed.Has(backend.ActRenew) {
		t.Fatalf("1-day rental callback line %+v (simulator type %s)", rl, e.order(t, r.ID).Type)
	}

	// A premium bid wins: auction_wining names the new order.
	e.s.NonVoip.SetPremiumOnly(10000031, 20)
	w := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m, Auction: 20})
	lines, msgs, _, _, err = e.p.ParseWebhook(next())
	if err != nil {
		t.Fatal(err)
	}
	so = e.order(t, w.ID)
	if len(lines) != 1 || len(msgs) != 0 || lines[0].ID != w.ID || lines[0].Number != "+"+so.Number ||
		lines[0].Kind != nonvoip.TypeShortTerm || lines[0].State != backend.LineWaiting ||
		!near(lines[0].ExpiresAt.Time(), so.Expires, 3*time.Second) {
		t.Fatalf("auction_wining → %+v, simulator %+v", lines, so)
	}

	// Junk is an error, never a panic.
	if _, _, _, _, err := e.p.ParseWebhook([]byte(`{"event":"incoming_message","message":`)); !errors.Is(err, &backend.Error{Kind: backend.ErrMalformed}) {
		t.Fatalf("truncated callback: %v", err)
	}
}

func TestContractReuseByOrderAndByNumber(t *testing.T) {
	e := newEnv(t, 21)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	// Reuse before any SMS is refused by the provider and charges nothing.
	before := e.balance()
	_, err := e.buy(t, backend.BuyRequest{ReuseOrder: l.ID})
	wantKind(t, err, backend.ErrRefused)
	if !e.balance().Equal(before) {
		t.Fatal("a refused reuse moved the balance")
	}
	if err := e.s.NonVoip.Deliver(l.ID, "Telegram code 11223"); err != nil {
		t.Fatal(err)
	}
	// A purchase that names the order to reuse (BuyRequest.ReuseOrder).
	out, err := e.buy(t, backend.BuyRequest{ReuseOrder: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "0.45")
	so := e.order(t, l.ID)
	if len(out.Lines) != 1 || out.Lines[0].ID != l.ID || out.Lines[0].Number != l.Number || so.Status != "Reserved" {
		t.Fatalf("reuse by order: %+v, simulator %+v", out, so)
	}
	// The client by service and number (the document's fallback when the
	// order id is not known): the same order, charged again.
	if err := e.s.NonVoip.Deliver(l.ID, "Telegram code 44556"); err != nil {
		t.Fatal(err)
	}
	before = e.balance()
	res, err := e.c.Reuse(ctx(t), nonvoip.OrderRef{Service: so.Service, Number: so.Number})
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "0.45")
	if len(res.Orders) != 1 || res.Orders[0].ID != l.ID || res.Orders[0].Number != so.Number || res.Orders[0].Type != nonvoip.TypeShortTerm ||
		!near(res.Orders[0].ExpiresAt, e.order(t, l.ID).Expires, 2*time.Second) {
		t.Fatalf("reuse by number: %+v, simulator %+v", res, e.order(t, l.ID))
	}
	// The client's getsms by service and number reads the same order.
	sms, err := e.c.GetSMS(ctx(t), nonvoip.OrderRef{Service: so.Service, Number: so.Number})
	if err != nil || sms.Code != "44556" || sms.Number != so.Number {
		t.Fatalf("getsms by number: %+v, %v (the order's latest SMS)", sms, err)
	}
	// Reuse of a rental is refused.
	r := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeOneDay, Product: pTelegram1d})
	_, err = e.c.Reuse(ctx(t), nonvoip.OrderRef{OrderID: r.ID})
	wantKind(t, err, backend.ErrRefused)
}

func TestContractRenewLostAnswerSettles(t *testing.T) {
	e := newEnv(t, 22)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeLongTerm, Product: pWhatsApp30d})
	exp := e.order(t, l.ID).Expires
	e.s.Inject(backend.NonVoip, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/api/renew", Times: 1})
	act := backend.Action{ID: "renew-lost", Kind: backend.ActRenew, Account: e.acct, Target: l.Key, Months: 1,
		Cost: backend.NewMoney(dec("2.00"), nonvoip.Currency), CreatedAt: e.s.Now()}
	_, err := e.p.Do(ctx(t), act, backend.Target{Line: &l})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if got := e.order(t, l.ID).Expires; !got.Equal(exp.Add(30 * 24 * time.Hour)) {
		t.Fatalf("the lost renewal did not happen in the simulator (%s)", got)
	}
	settled, out, err := e.p.Settle(ctx(t), act, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	if settled != backend.SettledHappened || out.Balance == nil || !out.Balance.Amount.Equal(e.balance()) {
		t.Fatalf("settle = %v %+v, want happened with the balance %s", settled, out, e.balance())
	}
	// Activate and renew are refused locally for a short-term number.
	s := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	hits := e.s.Hits(backend.NonVoip)
	_, err = e.act(t, backend.ActRenew, s, 1)
	wantKind(t, err, backend.ErrUnsupported)
	_, err = e.act(t, backend.ActActivate, s, 0)
	wantKind(t, err, backend.ErrUnsupported)
	if e.s.Hits(backend.NonVoip) != hits {
		t.Fatal("an unsupported action reached the provider")
	}
}

func TestContractShortTermExpiryAndRejectMessage(t *testing.T) {
	e := newEnv(t, 23)
	e.s.Advance(901 * time.Second) // the seeded waiting orders expire (refunds of earlier payments)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	// The client's reject answers the provider's sentence.
	r := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	so := e.order(t, r.ID)
	msg, err := e.c.Reject(ctx(t), nonvoip.OrderRef{OrderID: r.ID})
	if err != nil || !strings.Contains(msg, so.Service) || !strings.Contains(msg, so.Number) || !strings.Contains(msg, "refunded") {
		t.Fatalf("reject sentence %q, %v", msg, err)
	}
	// No SMS before the 900 s window ends: the simulator refunds, the line
	// closes (getsms carries no status; the expiry the order answered says so).
	before := e.balance()
	e.s.Advance(901 * time.Second)
	if st := e.order(t, l.ID).Status; st != "Expired" {
		t.Fatalf("simulator status %q after the window", st)
	}
	if got := e.balance().Sub(before); !got.Equal(dec("0.36")) {
		t.Fatalf("expiry refunded %s, want 0.36", got)
	}
	lines, msgs, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(lines) != 1 || len(msgs) != 0 || lines[0].State != backend.LineExpired || lines[0].Allowed != 0 {
		t.Fatalf("expired line %+v %v", lines, err)
	}
	_, err = e.act(t, backend.ActReject, l, 0)
	wantKind(t, err, backend.ErrRefused)
}

// The simulator's clock runs ahead of the real one here (Advance), as a
// provider's may differ from ours: a 429's pause must still be the hint.
func TestContractRateLimitPauseAfterTheClockMoved(t *testing.T) {
	e := newEnv(t, 25)
	e.s.Advance(10 * time.Minute)
	e.s.Inject(backend.NonVoip, sim.Fault{Kind: sim.Fault429, Path: "/api/balance", Times: 1, Retry: time.Second})
	_, err := e.c.Balance(ctx(t))
	wantKind(t, err, backend.ErrRateLimited)
	if left := time.Until(e.budget.PausedUntil()); left > 2*time.Second {
		t.Fatalf("budget paused for %s, want the 1s the provider asked for", left)
	}
}

// A refusal that says what the order has become carries Error.State, so
// the engine closes the line instead of leaving it waiting.
func TestContractRefusalsStateTheOrder(t *testing.T) {
	e := newEnv(t, 26)
	wantState := func(what string, err error, want backend.LineState) {
		t.Helper()
		if got := wantKind(t, err, backend.ErrRefused).State; got != want {
			t.Fatalf("%s: error %v states %q, want %q", what, err, got, want)
		}
	}
	// Rejected twice.
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pTelegram10m})
	if _, err := e.act(t, backend.ActReject, l, 0); err != nil {
		t.Fatal(err)
	}
	_, err := e.act(t, backend.ActReject, l, 0)
	wantState("reject a rejected order", err, backend.LineCanceled)

	// After an SMS the refusal says nothing about the order's state.
	s := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	if err := e.s.NonVoip.Deliver(s.ID, "Instagram code 404404"); err != nil {
		t.Fatal(err)
	}
	_, err = e.act(t, backend.ActReject, s, 0)
	wantState("reject after an SMS", err, "")

	// A short-term order that expired without an SMS.
	x := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeShortTerm, Product: pInstagram10m})
	e.s.Advance(901 * time.Second)
	if st := e.order(t, x.ID).Status; st != "Expired" {
		t.Fatalf("simulator status %q after the window", st)
	}
	_, err = e.act(t, backend.ActReject, x, 0)
	wantState("reject an expired order", err, backend.LineExpired)

	// A rental rejected before its SMS: renew and activate say so.
	r := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeOneDay, Product: pTelegram1d})
	if _, err := e.act(t, backend.ActReject, r, 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.act(t, backend.ActRenew, r, 0)
	wantState("renew a rejected rental", err, backend.LineCanceled)
	_, err = e.act(t, backend.ActActivate, r, 0)
	wantState("activate a rejected rental", err, backend.LineCanceled)

	// The seeded 30-day rental that ended two days before the start (and
	// is now past the renewal grace): activate and renew say it expired.
	var old string
	for _, id := range e.s.NonVoip.OrderIDs(e.acct) {
		if so := e.order(t, id); so.Type == "long_term" && so.Status == "Expired" {
			old = id
		}
	}
	ol, _, err := e.p.Lookup(ctx(t), old)
	if err != nil {
		t.Fatalf("lookup of the expired rental %q: %v", old, err)
	}
	_, err = e.act(t, backend.ActActivate, ol, 0)
	wantState("activate an expired rental", err, backend.LineExpired)
	_, err = e.act(t, backend.ActRenew, ol, 1)
	wantState("renew a rental past its grace", err, backend.LineExpired)
}

// Reject is offered for every order type before its SMS, as the
// document's /api/reject allows, and the simulator stops and refunds the
// order; after an SMS it is neither offered nor accepted.
func TestContractRejectAnyOrderBeforeItsSMS(t *testing.T) {
	e := newEnv(t, 27)
	for _, b := range []backend.BuyRequest{
		{Category: nonvoip.TypeShortTerm, Product: pInstagram10m},
		{Category: nonvoip.TypeLongTerm, Product: pWhatsApp30d},
		{Category: nonvoip.TypeOneDay, Product: pTelegram1d},
		{Category: nonvoip.TypeThreeDays, Product: pGoogle3d},
		{Category: nonvoip.TypeCountry, Product: pCountryTG},
	} {
		before := e.balance()
		l := e.mustBuy(t, b)
		if !l.Allowed.Has(backend.ActReject) {
			t.Fatalf("%s line before its SMS allows %s", b.Category, l.Allowed)
		}
		out, err := e.act(t, backend.ActReject, l, 0)
		if err != nil {
			t.Fatalf("reject %s: %v", b.Category, err)
		}
		if !e.balance().Equal(before) {
			t.Fatalf("reject %s: balance %s, want the refund back to %s", b.Category, e.balance(), before)
		}
		if st := e.order(t, l.ID).Status; st != "Rejected" || len(out.Lines) != 1 ||
			out.Lines[0].State != backend.LineCanceled || out.Lines[0].Allowed != 0 {
			t.Fatalf("reject %s: simulator %q, outcome %+v", b.Category, st, out)
		}
	}
	r := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeOneDay, Product: pTelegram1d})
	if err := e.s.NonVoip.Deliver(r.ID, "Telegram code 31337"); err != nil {
		t.Fatal(err)
	}
	lines, _, err := e.p.Check(ctx(t), []backend.Line{r})
	if err != nil || len(lines) != 1 || lines[0].Allowed.Has(backend.ActReject) {
		t.Fatalf("rental after its SMS: %+v %v", lines, err)
	}
	before := e.balance()
	_, err = e.act(t, backend.ActReject, lines[0], 0)
	wantKind(t, err, backend.ErrRefused)
	if !e.balance().Equal(before) || e.order(t, r.ID).Status == "Rejected" {
		t.Fatal("the simulator rejected a rental that had an SMS")
	}
}

// An expired rental is still offered a renewal (the document sets no
// limit); the simulator renews it within its grace and the line is live
// again.
func TestContractRenewAnExpiredRental(t *testing.T) {
	e := newEnv(t, 28)
	l := e.mustBuy(t, backend.BuyRequest{Category: nonvoip.TypeOneDay, Product: pTelegram1d})
	e.s.Advance(24*time.Hour + time.Minute)
	lines, _, err := e.p.Check(ctx(t), []backend.Line{l})
	if err != nil || len(lines) != 1 || lines[0].State != backend.LineExpired || lines[0].Allowed != backend.Allow(backend.ActRenew) {
		t.Fatalf("expired rental: %+v %v", lines, err)
	}
	before := e.balance()
	out, err := e.act(t, backend.ActRenew, lines[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	wantDebit(t, before, e.balance(), "1.25")
	so := e.order(t, l.ID)
	if so.Status != "Active" || len(out.Lines) != 1 || out.Lines[0].State != backend.LineActive ||
		!out.Lines[0].ExpiresAt.Time().Equal(so.Expires.Truncate(time.Second)) || !out.Lines[0].Allowed.Has(backend.ActCheck) {
		t.Fatalf("renewed line %+v, simulator %+v", out.Lines, so)
	}
}
