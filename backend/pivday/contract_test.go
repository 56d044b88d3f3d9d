package pivday_test

// Contract tests: the piv.day adapter against the piv.day simulator. The
// two were written by different engineers from pivday.md; every typed
// client call and every Provider behaviour is checked here against the
// simulator's own state (its exported hooks), not against the adapter's
// reading of the wire.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/pivday"
	"switchboard/backend/sim"
	"switchboard/wiring"
)

type pivEnv struct {
	s      *sim.Sim
	p      *pivday.Provider
	c      *pivday.Client
	acct   string
	key    string
	budget *backend.Budget
}

// newPivEnv starts a quiet simulator on a manual clock at sim.DefaultStart
// (a minute boundary: the simulator's rate windows are whole minutes), and
// the adapter reads the same clock, so every run sees the same windows,
// expiries and states whatever the wall clock says.
func newPivEnv(t *testing.T, rates map[backend.ProviderKind]int) *pivEnv {
	t.Helper()
	s := sim.New(sim.Options{Manual: true, Seed: 7, Quiet: true, Rates: rates})
	t.Cleanup(s.Close)
	e := &pivEnv{s: s}
	if accs := wiring.SimAccounts(s, backend.PivDay); len(accs) > 0 {
		e.acct, e.key = accs[0].Name, accs[0].APIKey
	}
	if e.key == "" {
		t.Fatal("the simulator offers no piv.day account")
	}
	e.p, e.budget = e.provider(t, e.key)
	e.c = e.p.Client()
	return e
}

// provider builds an adapter on its own budget. The budget is generous so
// the tests never wait on the token bucket; the simulator's 100/min limit
// still applies.
func (e *pivEnv) provider(t *testing.T, key string) (*pivday.Provider, *backend.Budget) {
	t.Helper()
	b := backend.NewBudget(6000)
	p, err := pivday.New(pivday.Config{Account: e.acct, BaseURL: e.s.URL(backend.PivDay), APIKey: key,
		Budget: b, Timeout: 5 * time.Second, Now: e.s.Now})
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

func dec(f float64) decimal.Decimal { return decimal.NewFromFloat(f) }

func mustKind(t *testing.T, err error, want backend.ErrKind) *backend.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	e, ok := backend.AsError(err)
	if !ok || e.Kind != want {
		t.Fatalf("error %v (kind %v), want kind %v", err, backend.KindOf(err), want)
	}
	return e
}

func (e *pivEnv) number(t *testing.T, id string) sim.PivDayNumber {
	t.Helper()
	n, ok := e.s.PivDay.NumberDetail(id)
	if !ok {
		t.Fatalf("the simulator has no number %s", id)
	}
	return n
}

// numberWhere finds a simulated number by status and country.
func (e *pivEnv) numberWhere(t *testing.T, status, country string) sim.PivDayNumber {
	t.Helper()
	for _, id := range e.s.PivDay.NumberIDs(e.acct) {
		n := e.number(t, id)
		if n.Status == status && (country == "" || n.Country == country) {
			return n
		}
	}
	t.Fatalf("no %s number in %q", status, country)
	return sim.PivDayNumber{}
}

func (e *pivEnv) line(t *testing.T, id string) backend.Line {
	t.Helper()
	lines, _, err := e.p.Lines(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("Lines has no %s", id)
	return backend.Line{}
}

func (e *pivEnv) lease(t *testing.T, id string) backend.Lease {
	t.Helper()
	leases, err := e.p.Leases(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leases {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("Leases has no %s", id)
	return backend.Lease{}
}

func (e *pivEnv) price(t *testing.T, country string) decimal.Decimal {
	t.Helper()
	cs, err := e.c.Countries(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if string(c.Code) == country {
			return c.PricePerMonth.Value
		}
	}
	t.Fatalf("no country %s", country)
	return decimal.Zero
}

func (e *pivEnv) balance() decimal.Decimal { return dec(e.s.PivDay.Balance(e.acct)) }

func knownNumbers(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// --- account ---------------------------------------------------------------

func TestContractAccount(t *testing.T) {
	e := newPivEnv(t, nil)
	a, err := e.c.Account(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Balance.Valid || !a.Balance.Value.Equal(e.balance()) {
		t.Fatalf("GET /account balance %v, simulator %v", a.Balance.Value, e.balance())
	}
	acc, err := e.p.Balance(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Balance.Known || !acc.Balance.Amount.Equal(e.balance()) || acc.Balance.Currency != "USD" {
		t.Fatalf("Balance = %+v, simulator %v", acc.Balance, e.balance())
	}
	if !strings.Contains(acc.Email, "***@") {
		t.Fatalf("email %q: want the masked address piv.day shows", acc.Email)
	}

	e.s.PivDay.SetBalance(e.acct, 3.21)
	acc, err = e.p.Balance(ctxT(t))
	if err != nil || !acc.Balance.Amount.Equal(dec(3.21)) {
		t.Fatalf("after SetBalance: %+v %v", acc.Balance, err)
	}
}

func TestContractBadKey(t *testing.T) {
	e := newPivEnv(t, nil)
	bad := "piv_live_not-a-real-key-0000000000"
	p, _ := e.provider(t, bad)
	_, err := p.Balance(ctxT(t))
	be := mustKind(t, err, backend.ErrAuth)
	if be.Status != http.StatusUnauthorized || be.Code != "UNAUTHORIZED" {
		t.Fatalf("bad key: %+v", be)
	}
	if strings.Contains(err.Error(), bad) {
		t.Fatalf("the key leaked into the error: %v", err)
	}
}

// --- numbers -----------------------------------------------------------------

func TestContractNumbers(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	nums, err := e.c.Numbers(ctx, pivday.NumberFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range nums {
		got = append(got, string(n.ID))
		want := e.number(t, string(n.ID))
		if string(n.Phone) != want.Phone || string(n.Country) != want.Country || string(n.Status) != want.Status ||
			!sameTime(n.ExpiresAt.Time, want.Expires) || bool(n.AutoRenew) != want.AutoRenew || string(n.CustomName) != want.CustomName {
			t.Errorf("GET /numbers %s = %+v, simulator %+v", n.ID, n, want)
		}
	}
	wantIDs := e.s.PivDay.NumberIDs(e.acct)
	sort.Strings(got)
	sort.Strings(wantIDs)
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("GET /numbers ids %v, simulator %v", got, wantIDs)
	}

	// Filters reach the simulator as documented.
	expired, err := e.c.Numbers(ctx, pivday.NumberFilter{Status: "expired"})
	if err != nil || len(expired) == 0 {
		t.Fatalf("status=expired: %d numbers, %v", len(expired), err)
	}
	for _, n := range expired {
		if e.number(t, string(n.ID)).Status != "expired" {
			t.Errorf("status=expired listed %s", n.ID)
		}
	}
	se, err := e.c.Numbers(ctx, pivday.NumberFilter{Country: "SE", Search: "office"})
	if err != nil || len(se) != 1 || string(se[0].CustomName) != "Office line" {
		t.Fatalf("country=SE&search=office: %+v %v", se, err)
	}

	// GET /numbers/{id}.
	one, err := e.c.Number(ctx, string(se[0].ID))
	if err != nil || one.ID != se[0].ID || !sameTime(one.ExpiresAt.Time, e.number(t, string(se[0].ID)).Expires) || len(one.Tags) != 1 {
		t.Fatalf("GET /numbers/{id}: %+v %v", one, err)
	}
	_, err = e.c.Number(ctx, "nope0-nope0-nope0-nope0")
	if be := mustKind(t, err, backend.ErrNotFound); be.Code != "NUMBER_NOT_FOUND" {
		t.Fatalf("unknown number: %+v", be)
	}

	// Provider.Lines: one rental line per number, states and allowed
	// actions as the simulator will accept them.
	lines, msgs, err := e.p.Lines(ctx)
	if err != nil || len(msgs) != 0 || len(lines) != len(wantIDs) {
		t.Fatalf("Lines: %d lines, %d messages, %v", len(lines), len(msgs), err)
	}
	restorable := 0
	for _, l := range lines {
		n := e.number(t, l.ID)
		if l.Kind != "rental" || l.Number != n.Phone || !sameTime(l.ExpiresAt.Time(), n.Expires) || l.RawState != n.Status {
			t.Errorf("line %+v, simulator %+v", l, n)
		}
		switch n.Status {
		case "active":
			if l.State != backend.LineActive && l.State != backend.LineExpiring || !l.Allowed.Has(backend.ActRenew) {
				t.Errorf("active number → %s %s", l.State, l.Allowed)
			}
		case "expired":
			// pivday.md refuses no renewal of an expired number.
			if l.State != backend.LineExpired || !l.Allowed.Has(backend.ActRenew) {
				t.Errorf("expired number → %s %s", l.State, l.Allowed)
			}
			if l.Allowed.Has(backend.ActRestore) {
				restorable++
			}
		case "pending_restore":
			if l.State != backend.LinePending {
				t.Errorf("pending_restore → %s", l.State)
			}
		}
	}
	// One expired number is inside the 7-day window, one past it.
	if restorable != 1 {
		t.Fatalf("%d expired lines offer restore, want 1", restorable)
	}
}

func TestContractCountriesAndCatalog(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	cs, err := e.c.Countries(ctx)
	if err != nil || len(cs) == 0 {
		t.Fatalf("countries: %v %v", cs, err)
	}
	prices := map[string]decimal.Decimal{}
	for _, c := range cs {
		prices[string(c.Code)] = c.PricePerMonth.Value
	}

	// Every buy step.
	cats, err := e.p.Catalog(ctx, backend.CatalogRequest{Step: backend.StepCategory})
	if err != nil || len(cats) != 2 || cats[0].ID != "number" || cats[1].ID != "proxy" {
		t.Fatalf("category step: %+v %v", cats, err)
	}
	for _, cat := range e.p.BuyCategories() {
		if steps := e.p.BuySteps(cat); len(steps) != 1 {
			t.Fatalf("%s steps %v", cat, steps)
		}
	}
	items, err := e.p.Catalog(ctx, backend.CatalogRequest{Category: "number", Step: backend.StepCountry})
	if err != nil || len(items) != len(cs) {
		t.Fatalf("country step: %d items, %v", len(items), err)
	}
	for _, it := range items {
		if !it.Price.Amount.Equal(prices[it.ID]) || it.Price.Currency != "USD" {
			t.Errorf("country %s price %v, countries %v", it.ID, it.Price, prices[it.ID])
		}
	}
	servers, err := e.c.ProxyServers(ctx)
	if err != nil || len(servers) == 0 {
		t.Fatalf("servers: %v %v", servers, err)
	}
	items, err = e.p.Catalog(ctx, backend.CatalogRequest{Category: "proxy", Step: backend.StepProduct})
	if err != nil || len(items) != len(servers) {
		t.Fatalf("product step: %d items, %v", len(items), err)
	}
	for i, it := range items {
		if it.ID != string(servers[i].ID) || !it.Price.Amount.Equal(servers[i].PricePerProxy.Value) {
			t.Errorf("server item %+v, server %+v", it, servers[i])
		}
	}
	if _, err := e.p.Catalog(ctx, backend.CatalogRequest{Category: "proxy", Step: backend.StepCountry}); backend.KindOf(err) != backend.ErrInvalid {
		t.Fatalf("unknown step: %v", err)
	}

	// What the country step priced is what a purchase charges: buy from
	// the picker's choices.
	var req backend.BuyRequest
	req.Category = "number"
	req.Chosen(backend.StepCountry, "GB")
	req.Months = 2
	before := e.balance()
	out, err := e.p.Do(ctx, backend.Action{ID: "cat-1", Kind: backend.ActBuy, Buy: &req}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	want := prices["GB"].Mul(decimal.NewFromInt(2))
	if !out.Charged.Amount.Equal(want) || !before.Sub(e.balance()).Equal(want) {
		t.Fatalf("charged %v, balance moved %v, want %v", out.Charged, before.Sub(e.balance()), want)
	}

	var preq backend.BuyRequest
	preq.Category = "proxy"
	preq.Chosen(backend.StepProduct, items[1].ID)
	preq.Quantity, preq.Months = 4, 3
	before = e.balance()
	out, err = e.p.Do(ctx, backend.Action{ID: "cat-2", Kind: backend.ActBuy, Buy: &preq}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	want = items[1].Price.Amount.Mul(decimal.NewFromInt(12))
	if !out.Charged.Amount.Equal(want) || !before.Sub(e.balance()).Equal(want) {
		t.Fatalf("proxy charged %v, balance moved %v, want %v", out.Charged, before.Sub(e.balance()), want)
	}
}

func TestContractSMSAndCheck(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	office := e.numberWhere(t, "active", "SE")
	const text = "Your verification code is 482913. Do not share it."
	if err := e.s.PivDay.Deliver(office.ID, text); err != nil {
		t.Fatal(err)
	}

	sms, err := e.c.NumberSMS(ctx, office.ID, 200, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sms) != e.number(t, office.ID).SMS {
		t.Fatalf("GET /numbers/{id}/sms: %d messages, simulator %d", len(sms), e.number(t, office.ID).SMS)
	}
	if string(sms[0].Body) != text || string(sms[0].Direction) != "inbound" || string(sms[0].To) != office.Phone ||
		!sameTime(sms[0].ReceivedAt.Time, e.s.Now()) {
		t.Fatalf("newest SMS %+v", sms[0])
	}
	for i := 1; i < len(sms); i++ {
		if sms[i].ReceivedAt.After(sms[i-1].ReceivedAt.Time) {
			t.Fatalf("SMS not newest first: %v after %v", sms[i].ReceivedAt, sms[i-1].ReceivedAt)
		}
	}
	page, err := e.c.NumberSMS(ctx, office.ID, 1, 1)
	if err != nil || len(page) != 1 || page[0].ID != sms[1].ID {
		t.Fatalf("limit=1&offset=1: %+v %v", page, err)
	}

	l := e.line(t, office.ID)
	lines, msgs, err := e.p.Check(ctx, []backend.Line{l})
	if err != nil || len(lines) != 1 {
		t.Fatalf("Check: %v %v", lines, err)
	}
	var found *backend.Message
	for i, m := range msgs {
		if strings.Contains(m.Text, "Hello from piv.day") {
			t.Fatalf("an outbound SMS became a Message: %+v", m)
		}
		if m.Line != l.Key {
			t.Fatalf("message on %s, want %s", m.Line, l.Key)
		}
		if m.Text == text {
			found = &msgs[i]
		}
	}
	if found == nil || found.Code != "482913" || !sameTime(found.ReceivedAt, e.s.Now()) {
		t.Fatalf("delivered SMS as Message: %+v", found)
	}
	// A message piv.day dates in the future comes back with its date for
	// display, but dates nothing of the line: the engine orders codes by
	// when Switchboard saw them.
	ahead := e.s.Now().Add(3 * time.Hour)
	if err := e.s.PivDay.DeliverAt(office.ID, "Your code is 650321", ahead); err != nil {
		t.Fatal(err)
	}
	lines, msgs, err = e.p.Check(ctx, []backend.Line{l})
	if err != nil || len(lines) != 1 || lines[0].Code != "" || !lines[0].CodeAt.IsZero() ||
		!slices.ContainsFunc(msgs, func(m backend.Message) bool { return m.Code == "650321" && sameTime(m.ReceivedAt, ahead) }) {
		t.Fatalf("Check after a future-dated SMS: line %+v, %v", lines, err)
	}

	// The same SMS read again is the same Message (the ledger stores it once).
	_, again, err := e.p.Check(ctx, []backend.Line{l})
	if err != nil || !slices.ContainsFunc(again, func(m backend.Message) bool { return m.ID == found.ID }) {
		t.Fatalf("second Check lost the message id %s: %v", found.ID, err)
	}

	// Do(check) reads the number and its SMS.
	out, err := e.p.Do(ctx, backend.Action{Kind: backend.ActCheck, Target: l.Key}, backend.Target{Line: &l})
	if err != nil || len(out.Lines) != 1 || len(out.Leases) != 1 ||
		!slices.ContainsFunc(out.Messages, func(m backend.Message) bool { return m.Code == "482913" }) {
		t.Fatalf("Do(check): %+v %v", out, err)
	}
}

func TestContractBuyNumber(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	price := e.price(t, "SE")
	before, purchases := e.balance(), e.s.PivDay.Purchases(e.acct)
	act := backend.Action{ID: "buy-1", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
		Buy: &backend.BuyRequest{Category: "number", Country: "se", Months: 2, AutoRenew: true, Name: "Contract line"}}
	out, err := e.p.Do(ctx, act, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if e.s.PivDay.Purchases(e.acct) != purchases+1 {
		t.Fatalf("purchases %d → %d", purchases, e.s.PivDay.Purchases(e.acct))
	}
	want := price.Mul(decimal.NewFromInt(2))
	if !out.Done || !out.Charged.Amount.Equal(want) || !before.Sub(e.balance()).Equal(want) {
		t.Fatalf("charged %v, balance moved %v, want %v", out.Charged, before.Sub(e.balance()), want)
	}
	if len(out.Lines) != 1 || len(out.Leases) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	l := out.Lines[0]
	n := e.number(t, l.ID)
	if n.Country != "SE" || !n.AutoRenew || n.CustomName != "Contract line" || n.Status != "active" ||
		!sameTime(n.Expires, e.s.Now().Add(60*24*time.Hour)) {
		t.Fatalf("simulator number %+v", n)
	}
	if l.Number != n.Phone || !sameTime(l.ExpiresAt.Time(), n.Expires) || !l.AutoRenew || l.Name != "Contract line" ||
		l.State != backend.LineActive || !l.Allowed.Has(backend.ActAutoRenewOff) {
		t.Fatalf("bought line %+v", l)
	}
	// The new number is listed.
	if got := e.line(t, l.ID); got.Number != n.Phone {
		t.Fatalf("Lines shows %+v", got)
	}

	// Direct client call, without the provider.
	r, err := e.c.PurchaseNumber(ctx, pivday.NumberOrder{Country: "US", Months: 1})
	if err != nil || len(r.Numbers) != 1 || !r.Cost.Value.Equal(e.price(t, "US")) {
		t.Fatalf("POST /numbers/purchase: %+v %v", r, err)
	}
	if got := e.number(t, string(r.Numbers[0].ID)); got.Phone != string(r.Numbers[0].Phone) || got.AutoRenew {
		t.Fatalf("purchased %+v, simulator %+v", r.Numbers[0], got)
	}
}

func TestContractRenewNumber(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	de := e.numberWhere(t, "active", "DE")
	l := e.line(t, de.ID)
	before, renewals := e.balance(), e.s.PivDay.Renewals(e.acct)
	out, err := e.p.Do(ctx, backend.Action{ID: "renew-1", Kind: backend.ActRenew, Target: l.Key, Months: 2}, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	after := e.number(t, de.ID)
	if !after.Expires.Equal(de.Expires.Add(60 * 24 * time.Hour)) {
		t.Fatalf("expiry %v → %v, want +60 days", de.Expires, after.Expires)
	}
	want := e.price(t, "DE").Mul(decimal.NewFromInt(2))
	if !out.Charged.Amount.Equal(want) || !before.Sub(e.balance()).Equal(want) || e.s.PivDay.Renewals(e.acct) != renewals+1 {
		t.Fatalf("charged %v, balance moved %v, want %v", out.Charged, before.Sub(e.balance()), want)
	}
	if len(out.Lines) != 1 || !sameTime(out.Lines[0].ExpiresAt.Time(), after.Expires) ||
		len(out.Leases) != 1 || !sameTime(out.Leases[0].ExpiresAt, after.Expires) {
		t.Fatalf("outcome %+v", out)
	}

	// Months 0 means one; the direct call reports old and new expiry.
	r, err := e.c.RenewNumber(ctx, de.ID, 1)
	if err != nil || !sameTime(r.OldExpiresAt.Time, after.Expires) || !sameTime(r.NewExpiresAt.Time, e.number(t, de.ID).Expires) {
		t.Fatalf("POST renew: %+v %v", r, err)
	}

	// The FI number's country is no longer sold: COUNTRY_NOT_AVAILABLE.
	fi := e.numberWhere(t, "active", "FI")
	_, err = e.c.RenewNumber(ctx, fi.ID, 1)
	if be := mustKind(t, err, backend.ErrInvalid); be.Code != "COUNTRY_NOT_AVAILABLE" {
		t.Fatalf("FI renew: %+v", be)
	}
	// pivday.md refuses no renewal of an expired number: the simulator
	// runs it again from now, and the line the outcome carries is live.
	nl := e.numberWhere(t, "expired", "NL")
	nlLine := e.line(t, nl.ID)
	out, err = e.p.Do(ctx, backend.Action{ID: "renew-2", Kind: backend.ActRenew, Target: nlLine.Key}, backend.Target{Line: &nlLine})
	if err != nil {
		t.Fatal(err)
	}
	got := e.number(t, nl.ID)
	if got.Status != "active" || !got.Expires.Equal(e.s.Now().Add(30*24*time.Hour)) || out.Lines[0].State != backend.LineActive ||
		!sameTime(out.Lines[0].ExpiresAt.Time(), got.Expires) || out.Lines[0].Allowed.Has(backend.ActRestore) {
		t.Fatalf("renewed expired number: simulator %+v, outcome %+v", got, out.Lines[0])
	}
}

func TestContractAutoRenewNumber(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	gb := e.numberWhere(t, "active", "GB")
	if gb.AutoRenew {
		t.Fatal("seed: the GB number has auto-renew on")
	}
	l := e.line(t, gb.ID)
	if !l.Allowed.Has(backend.ActAutoRenewOn) {
		t.Fatalf("allowed %s", l.Allowed)
	}
	out, err := e.p.Do(ctx, backend.Action{Kind: backend.ActAutoRenewOn, Target: l.Key}, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	if !e.number(t, gb.ID).AutoRenew || !out.Lines[0].AutoRenew || !out.Lines[0].Allowed.Has(backend.ActAutoRenewOff) {
		t.Fatalf("auto-renew on: simulator %v, outcome %+v", e.number(t, gb.ID).AutoRenew, out.Lines[0])
	}
	r, err := e.c.SetNumberAutoRenew(ctx, gb.ID, false)
	if err != nil || bool(r.AutoRenew) || e.number(t, gb.ID).AutoRenew {
		t.Fatalf("PATCH auto-renewal off: %+v %v", r, err)
	}
	// Without a snapshot the adapter reads the number back.
	out, err = e.p.Do(ctx, backend.Action{Kind: backend.ActAutoRenewOn, Target: l.Key}, backend.Target{})
	if err != nil || len(out.Lines) != 1 || !out.Lines[0].AutoRenew || !e.number(t, gb.ID).AutoRenew {
		t.Fatalf("auto-renew on by key: %+v %v", out, err)
	}
}

func TestContractRestoreNumbers(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	nl := e.numberWhere(t, "expired", "NL")
	de := e.numberWhere(t, "active", "DE")
	if err := e.s.PivDay.ExpireNumber(de.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.PivDay.FailRestore(de.ID); err != nil {
		t.Fatal(err)
	}
	l1, l2 := e.line(t, nl.ID), e.line(t, de.ID)
	before := e.balance()
	act := backend.Action{ID: "restore-1", Kind: backend.ActRestore, Targets: []backend.Key{l1.Key, l2.Key}}
	out, err := e.p.Do(ctx, act, backend.Target{Lines: []backend.Line{l1, l2}})
	if err != nil {
		t.Fatal(err)
	}
	// 1.5 × the monthly price each (the simulator's restore multiplier).
	want := e.price(t, "NL").Add(e.price(t, "DE")).Mul(dec(1.5))
	if !out.Charged.Amount.Equal(want) || !before.Sub(e.balance()).Equal(want) {
		t.Fatalf("charged %v, balance moved %v, want %v", out.Charged, before.Sub(e.balance()), want)
	}
	for _, id := range []string{nl.ID, de.ID} {
		if st := e.number(t, id).Status; st != "pending_restore" {
			t.Fatalf("%s is %s after restore", id, st)
		}
	}
	if len(out.Jobs) != 1 || out.Jobs[0].Kind != backend.JobRestore || out.Jobs[0].State != backend.JobRunning || len(out.Lines) != 2 {
		t.Fatalf("outcome %+v", out)
	}
	job := out.Jobs[0]
	jobs, err := e.p.Jobs(ctx, []backend.Job{job})
	if err != nil {
		t.Fatal(err)
	}
	if j := findJob(t, jobs, job.ID); j.State != backend.JobRunning {
		t.Fatalf("restore job while pending: %+v", j)
	}

	// The batch completes: NL comes back, DE fails and is refunded.
	charged := e.balance()
	e.s.Advance(20 * time.Second)
	if st := e.number(t, nl.ID).Status; st != "active" {
		t.Fatalf("NL after the batch: %s", st)
	}
	if st := e.number(t, de.ID).Status; st != "expired" {
		t.Fatalf("DE after the failed restore: %s", st)
	}
	if refund := e.balance().Sub(charged); !refund.Equal(e.price(t, "DE").Mul(dec(1.5))) {
		t.Fatalf("refund %v", refund)
	}
	jobs, err = e.p.Jobs(ctx, []backend.Job{job})
	if err != nil {
		t.Fatal(err)
	}
	if j := findJob(t, jobs, job.ID); j.State != backend.JobPartial {
		t.Fatalf("restore job after the batch: %+v", j)
	}

	// The number past the 7-day window cannot come back.
	old := e.numberWhere(t, "expired", "SE")
	_, err = e.c.RestoreNumbers(ctx, []string{old.ID})
	if be := mustKind(t, err, backend.ErrRefused); be.Code != "NO_RESTORABLE_NUMBERS" {
		t.Fatalf("restore past the window: %+v", be)
	}
	// The direct call with one restorable and one unknown id.
	if err := e.s.PivDay.ExpireNumber(nl.ID); err != nil {
		t.Fatal(err)
	}
	r, err := e.c.RestoreNumbers(ctx, []string{nl.ID, "nope0-nope0-nope0-nope0"})
	if err != nil || int(r.Queued) != 1 || int(r.Skipped) != 1 || len(r.Numbers) != 1 || string(r.Numbers[0].ID) != nl.ID {
		t.Fatalf("POST /numbers/restore: %+v %v", r, err)
	}
}

func findJob(t *testing.T, jobs []backend.Job, id string) backend.Job {
	t.Helper()
	for _, j := range jobs {
		if j.ID == id {
			return j
		}
	}
	t.Fatalf("no job %s in %d jobs", id, len(jobs))
	return backend.Job{}
}

// --- proxies --------------------------------------------------------------------

func TestContractProxies(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	orders, err := e.c.ProxyOrders(ctx, pivday.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range orders {
		ids = append(ids, string(o.ID))
		st, exp, ok := e.s.PivDay.ProxyOrder(string(o.ID))
		if !ok || string(o.Status) != st || !sameTime(o.ExpiresAt.Time, exp) {
			t.Errorf("GET /proxy/orders %s: %s %v, simulator %s %v", o.ID, o.Status, o.ExpiresAt, st, exp)
		}
	}
	want := e.s.PivDay.ProxyOrderIDs(e.acct)
	sort.Strings(ids)
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("proxy orders %v, simulator %v", ids, want)
	}
	expired, err := e.c.ProxyOrders(ctx, pivday.ListFilter{Status: "expired"})
	if err != nil || len(expired) != 1 {
		t.Fatalf("status=expired: %+v %v", expired, err)
	}

	// Pick an active order: details, export in every format.
	var active pivday.ProxyOrder
	for _, o := range orders {
		if o.Status == "active" && o.Quantity > 1 {
			active = o
			break
		}
	}
	full, err := e.c.ProxyOrder(ctx, string(active.ID))
	if err != nil || len(full.Items) != int(active.Quantity) {
		t.Fatalf("GET /proxy/orders/{id}: %d items, %v", len(full.Items), err)
	}
	for format, lines := range map[string]int{"socks5": int(active.Quantity), "http": int(active.Quantity), "both": 2 * int(active.Quantity)} {
		ex, err := e.c.ProxyExport(ctx, string(active.ID), format)
		if err != nil || int(ex.Count) != lines || len(strings.Split(string(ex.Content), "\n")) != lines || string(ex.Format) != format {
			t.Fatalf("export %s: %+v %v", format, ex, err)
		}
		item := full.Items[0]
		port := item.SOCKS5Port
		if format == "http" {
			port = item.HTTPPort
		}
		first := string(item.Login) + ":" + string(item.Password) + "@" + string(item.Host) + ":"
		if !strings.HasPrefix(string(ex.Content), first) || !strings.Contains(strings.Split(string(ex.Content), "\n")[0], ":"+strconv.Itoa(int(port))) {
			t.Fatalf("export %s starts %q, want %s%d", format, strings.Split(string(ex.Content), "\n")[0], first, port)
		}
	}
	lease := e.lease(t, "proxy/"+string(active.ID))
	out, err := e.p.Do(ctx, backend.Action{Kind: backend.ActExport, Target: lease.Key, Format: "http"}, backend.Target{Lease: &lease})
	if err != nil || len(strings.Split(out.Export, "\n")) != int(active.Quantity) || !strings.Contains(out.Export, ":"+strconv.Itoa(int(full.Items[0].HTTPPort))) {
		t.Fatalf("Do(export http): %q %v", out.Export, err)
	}
	_, err = e.c.ProxyOrder(ctx, "ord-nope")
	mustKind(t, err, backend.ErrNotFound)

	// Renew: one month more, price per proxy × quantity.
	_, exp, _ := e.s.PivDay.ProxyOrder(string(active.ID))
	before := e.balance()
	out, err = e.p.Do(ctx, backend.Action{ID: "renew-p", Kind: backend.ActRenew, Target: lease.Key}, backend.Target{Lease: &lease})
	if err != nil {
		t.Fatal(err)
	}
	_, exp2, _ := e.s.PivDay.ProxyOrder(string(active.ID))
	wantCost := active.PricePerProxy.Value.Mul(decimal.NewFromInt(int64(active.Quantity)))
	if !exp2.Equal(exp.AddDate(0, 1, 0)) || !out.Charged.Amount.Equal(wantCost) || !before.Sub(e.balance()).Equal(wantCost) ||
		len(out.Leases) != 1 || !sameTime(out.Leases[0].ExpiresAt, exp2) {
		t.Fatalf("renew proxy: %v → %v, charged %v, outcome %+v", exp, exp2, out.Charged, out.Leases)
	}
	rr, err := e.c.RenewProxy(ctx, string(active.ID), 2)
	if _, exp3, _ := e.s.PivDay.ProxyOrder(string(active.ID)); err != nil || !sameTime(rr.NewExpiresAt.Time, exp3) || !exp3.Equal(exp2.AddDate(0, 2, 0)) {
		t.Fatalf("POST /proxy/orders/{id}/renew: %+v %v", rr, err)
	}

	// Restore the expired order: active again for one month from now.
	old := expired[0]
	oldLease := e.lease(t, "proxy/"+string(old.ID))
	if !oldLease.Allowed.Has(backend.ActRestore) || !oldLease.Allowed.Has(backend.ActRenew) {
		t.Fatalf("expired proxy allows %s", oldLease.Allowed)
	}
	before = e.balance()
	out, err = e.p.Do(ctx, backend.Action{ID: "restore-p", Kind: backend.ActRestore, Target: oldLease.Key}, backend.Target{Lease: &oldLease})
	if err != nil {
		t.Fatal(err)
	}
	st, exp, _ := e.s.PivDay.ProxyOrder(string(old.ID))
	if st != "active" || !exp.Equal(e.s.Now().AddDate(0, 1, 0)) || !before.Sub(e.balance()).Equal(out.Charged.Amount) ||
		out.Leases[0].State != "active" || !sameTime(out.Leases[0].ExpiresAt, exp) {
		t.Fatalf("restore proxy: %s %v, outcome %+v", st, exp, out)
	}
	// pivday.md refuses no restore of a live order: its term runs on a month.
	if _, err = e.c.RestoreProxy(ctx, string(old.ID)); err != nil {
		t.Fatal(err)
	}
	if _, exp2, _ := e.s.PivDay.ProxyOrder(string(old.ID)); !exp2.Equal(exp.AddDate(0, 1, 0)) {
		t.Fatalf("restore of a live order: %v → %v", exp, exp2)
	}

	// Buy: a new order appears in the listing.
	servers, err := e.c.ProxyServers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bought, err := e.c.PurchaseProxy(ctx, pivday.ProxyPurchase{ServerID: string(servers[0].ID), Quantity: 2, Months: 1})
	if err != nil || int(bought.Quantity) != 2 || len(bought.Items) != 2 {
		t.Fatalf("POST /proxy/purchase: %+v %v", bought, err)
	}
	if _, exp, ok := e.s.PivDay.ProxyOrder(string(bought.ID)); !ok || !sameTime(exp, bought.ExpiresAt.Time) {
		t.Fatalf("bought order %s not in the simulator", bought.ID)
	}
	_, err = e.c.PurchaseProxy(ctx, pivday.ProxyPurchase{ServerID: "nope", Quantity: 1, Months: 1})
	mustKind(t, err, backend.ErrNotFound)
}

// --- domains ---------------------------------------------------------------------

func TestContractDomains(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	doms, err := e.c.Domains(ctx, pivday.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var cf, own pivday.Domain
	for _, d := range doms {
		ids = append(ids, string(d.ID))
		want, _ := e.s.PivDay.DomainDetail(string(d.ID))
		if string(d.Name) != want.Name || string(d.Status) != want.Status || !sameTime(d.ExpiresAt.Time, want.Expires) ||
			bool(d.AutoRenew) != want.AutoRenew || !sameTime(d.SSLExpiresAt.Time, want.SSLExpires) {
			t.Errorf("GET /domains %s = %+v, simulator %+v", d.ID, d, want)
		}
		switch {
		case d.Status == "active" && bool(d.CloudflareEnabled) && cf.ID == "":
			cf = d
		case d.Status == "active" && !bool(d.CloudflareEnabled):
			own = d
		}
	}
	want := e.s.PivDay.DomainIDs(e.acct)
	sort.Strings(ids)
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("domains %v, simulator %v", ids, want)
	}
	pending, err := e.c.Domains(ctx, pivday.ListFilter{Status: "pending"})
	if err != nil || len(pending) != 2 {
		t.Fatalf("status=pending: %d, %v", len(pending), err)
	}

	// GET /domains/{id}: nameservers only without Cloudflare.
	d, err := e.c.Domain(ctx, string(own.ID))
	if err != nil || len(d.Nameservers) != 2 || d.Name != own.Name {
		t.Fatalf("GET /domains/{id} (own NS): %+v %v", d, err)
	}
	d, err = e.c.Domain(ctx, string(cf.ID))
	if err != nil || len(d.Nameservers) != 0 || d.SSLExpiresAt.IsZero() {
		t.Fatalf("GET /domains/{id} (Cloudflare): %+v %v", d, err)
	}
	_, err = e.c.Domain(ctx, "dom-nope")
	mustKind(t, err, backend.ErrNotFound)

	// Search: a held name is taken; prices in USD.
	av, err := e.c.SearchDomain(ctx, string(cf.Name))
	if err != nil || bool(av.Available) || string(av.Currency) != "USD" || !av.RenewPrice.Valid {
		t.Fatalf("search %s: %+v %v", cf.Name, av, err)
	}
	_, err = e.c.SearchDomain(ctx, "not a domain")
	mustKind(t, err, backend.ErrInvalid)

	// Renew: the expiry moves at once, a queue entry follows it.
	lease := e.lease(t, "domain/"+string(cf.ID))
	before := e.balance()
	queues := len(e.s.PivDay.QueueIDs(e.acct))
	out, err := e.p.Do(ctx, backend.Action{ID: "renew-d", Kind: backend.ActRenew, Target: lease.Key}, backend.Target{Lease: &lease})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := e.s.PivDay.DomainDetail(string(cf.ID))
	if !after.Expires.Equal(cf.ExpiresAt.AddDate(1, 0, 0)) || before.Sub(e.balance()).IsZero() {
		t.Fatalf("renew domain: %v → %v, balance %v → %v", cf.ExpiresAt, after.Expires, before, e.balance())
	}
	qids := e.s.PivDay.QueueIDs(e.acct)
	if len(qids) != queues+1 || len(out.Jobs) != 1 || out.Jobs[0].ID != "queue/"+qids[len(qids)-1] || out.Jobs[0].State != backend.JobQueued {
		t.Fatalf("renew queue: simulator %v, outcome %+v", qids, out.Jobs)
	}
	q, err := e.c.DomainQueue(ctx, qids[len(qids)-1])
	if st, _ := e.s.PivDay.Queue(qids[len(qids)-1]); err != nil || string(q.Status) != st || q.DomainName != string(cf.Name) {
		t.Fatalf("GET /domains/queue/{id}: %+v %v (simulator %s)", q, err, st)
	}
	e.s.Advance(30 * time.Second)
	jobs, err := e.p.Jobs(ctx, out.Jobs)
	if err != nil {
		t.Fatal(err)
	}
	if j := findJob(t, jobs, out.Jobs[0].ID); j.State != backend.JobDone {
		t.Fatalf("renew job after the queue moved: %+v", j)
	}
	q, err = e.c.DomainQueue(ctx, qids[len(qids)-1])
	if err != nil || q.Status != "completed" || q.Domain == nil || !sameTime(q.Domain.ExpiresAt.Time, after.Expires) {
		t.Fatalf("completed queue entry: %+v %v", q, err)
	}
	dr, err := e.c.RenewDomain(ctx, string(own.ID), 2)
	if a, _ := e.s.PivDay.DomainDetail(string(own.ID)); err != nil || !sameTime(dr.ExpiresAt.Time, a.Expires) || !a.Expires.Equal(own.ExpiresAt.AddDate(2, 0, 0)) {
		t.Fatalf("POST /domains/{id}/renew: %+v %v", dr, err)
	}

	// Auto-renew toggle.
	ownLease := e.lease(t, "domain/"+string(own.ID))
	on := backend.ActAutoRenewOn
	if ownLease.AutoRenew {
		on = backend.ActAutoRenewOff
	}
	out, err = e.p.Do(ctx, backend.Action{Kind: on, Target: ownLease.Key}, backend.Target{Lease: &ownLease})
	if a, _ := e.s.PivDay.DomainDetail(string(own.ID)); err != nil || a.AutoRenew == ownLease.AutoRenew || out.Leases[0].AutoRenew != a.AutoRenew {
		t.Fatalf("domain auto-renew: %+v %v", out, err)
	}
	ar, err := e.c.SetDomainAutoRenew(ctx, string(own.ID), ownLease.AutoRenew)
	if a, _ := e.s.PivDay.DomainDetail(string(own.ID)); err != nil || bool(ar.AutoRenew) != ownLease.AutoRenew || a.AutoRenew != ownLease.AutoRenew {
		t.Fatalf("POST /domains/{id}/auto-renew: %+v %v", ar, err)
	}
}

// --- leases and jobs ----------------------------------------------------------------

func TestContractLeases(t *testing.T) {
	e := newPivEnv(t, nil)
	leases, err := e.p.Leases(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	count := map[backend.LeaseKind]int{}
	for _, l := range leases {
		count[l.Kind]++
		kind, id, _ := strings.Cut(l.ID, "/")
		switch l.Kind {
		case backend.LeaseNumber:
			n := e.number(t, id)
			if kind != "number" || !sameTime(l.ExpiresAt, n.Expires) || l.AutoRenew != n.AutoRenew || l.Line == "" {
				t.Errorf("number lease %+v, simulator %+v", l, n)
			}
		case backend.LeaseProxy:
			st, exp, ok := e.s.PivDay.ProxyOrder(id)
			if !ok || l.State != st || !sameTime(l.ExpiresAt, exp) {
				t.Errorf("proxy lease %+v, simulator %s %v", l, st, exp)
			}
		case backend.LeaseDomain, backend.LeaseSSL:
			d, ok := e.s.PivDay.DomainDetail(id)
			exp := d.Expires
			if l.Kind == backend.LeaseSSL {
				exp = d.SSLExpires
			}
			if !ok || !sameTime(l.ExpiresAt, exp) || d.Status == "pending" {
				t.Errorf("%s lease %+v, simulator %+v", l.Kind, l, d)
			}
		}
	}
	domains, ssl := 0, 0
	for _, id := range e.s.PivDay.DomainIDs(e.acct) {
		d, _ := e.s.PivDay.DomainDetail(id)
		if d.Status != "pending" {
			domains++
		}
		if !d.SSLExpires.IsZero() {
			ssl++
		}
	}
	if count[backend.LeaseNumber] != len(e.s.PivDay.NumberIDs(e.acct)) || count[backend.LeaseProxy] != len(e.s.PivDay.ProxyOrderIDs(e.acct)) ||
		count[backend.LeaseDomain] != domains || count[backend.LeaseSSL] != ssl {
		t.Fatalf("lease counts %v; simulator: %d numbers, %d proxies, %d domains, %d certificates", count,
			len(e.s.PivDay.NumberIDs(e.acct)), len(e.s.PivDay.ProxyOrderIDs(e.acct)), domains, ssl)
	}
}

func whiteState(code int) backend.JobState {
	switch code {
	case 0:
		return backend.JobQueued
	case 10:
		return backend.JobDone
	case -1:
		return backend.JobFailed
	}
	return backend.JobRunning
}

func TestContractJobs(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	whites, err := e.c.Whites(ctx, pivday.ListFilter{})
	if err != nil || len(whites) != len(e.s.PivDay.WhiteIDs(e.acct)) {
		t.Fatalf("GET /whites: %d, %v", len(whites), err)
	}
	w, err := e.c.White(ctx, string(whites[0].ID))
	if st, _ := e.s.PivDay.White(string(whites[0].ID)); err != nil || w.Status.Code != st || !w.Status.Numeric {
		t.Fatalf("GET /whites/{id}: %+v %v", w, err)
	}
	done, err := e.c.Whites(ctx, pivday.ListFilter{Status: "done"})
	if err != nil || len(done) != 1 {
		t.Fatalf("status=done: %d %v", len(done), err)
	}
	_, err = e.c.White(ctx, "job-nope")
	mustKind(t, err, backend.ErrNotFound)

	// The engine follows the registrations' queue entries by id.
	var known []backend.Job
	for _, id := range e.s.PivDay.QueueIDs(e.acct) {
		known = append(known, backend.Job{ID: "queue/" + id, Kind: backend.JobDomainRegistration, State: backend.JobQueued})
	}
	check := func(stage string) []backend.Job {
		jobs, err := e.p.Jobs(ctx, known)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range e.s.PivDay.WhiteIDs(e.acct) {
			st, _ := e.s.PivDay.White(id)
			if j := findJob(t, jobs, "white/"+id); j.State != whiteState(st) {
				t.Errorf("%s: white %s is %d at the simulator, job %s", stage, id, st, j.State)
			}
		}
		for _, k := range known {
			st, _ := e.s.PivDay.Queue(strings.TrimPrefix(k.ID, "queue/"))
			want := map[string]backend.JobState{"pending": backend.JobQueued, "processing": backend.JobRunning,
				"completed": backend.JobDone, "failed": backend.JobFailed}[st]
			if j := findJob(t, jobs, k.ID); j.State != want || j.RawState != st {
				t.Errorf("%s: queue %s is %s at the simulator, job %s", stage, k.ID, st, j.State)
			}
		}
		return jobs
	}
	jobs := check("start")
	regs := 0
	for _, j := range jobs {
		if strings.HasPrefix(j.ID, "domain/") {
			regs++
			if d, ok := e.s.PivDay.DomainDetail(strings.TrimPrefix(j.ID, "domain/")); !ok || d.Status != "pending" {
				t.Errorf("registration job %+v for %+v", j, d)
			}
		}
	}
	if regs != 2 {
		t.Fatalf("%d pending registrations, want 2", regs)
	}

	// Three minutes on: whites finish or fail, one registration completes,
	// the other fails and its domain disappears.
	e.s.Advance(3 * time.Minute)
	jobs = check("after 3 minutes")
	for _, j := range jobs {
		if strings.HasPrefix(j.ID, "domain/") {
			t.Errorf("a registration is still pending: %+v", j)
		}
	}
	q, err := e.c.DomainQueue(ctx, strings.TrimPrefix(known[1].ID, "queue/"))
	if err != nil || q.Status != "failed" || q.Error == "" {
		t.Fatalf("failed queue entry: %+v %v", q, err)
	}
}

// --- refusals --------------------------------------------------------------------

func TestContractRefusals(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	buy := func(country string) error {
		_, err := e.p.Do(ctx, backend.Action{ID: "r-" + country, Kind: backend.ActBuy,
			Buy: &backend.BuyRequest{Category: "number", Country: country}}, backend.Target{})
		return err
	}
	purchases := e.s.PivDay.Purchases(e.acct)

	// Sold out: NO_NUMBERS_AVAILABLE (400).
	be := mustKind(t, buy("CA"), backend.ErrOutOfStock)
	if be.Code != "NO_NUMBERS_AVAILABLE" || be.Status != http.StatusBadRequest {
		t.Fatalf("sold out: %+v", be)
	}
	e.s.PivDay.SetStock("SE", 0)
	mustKind(t, buy("SE"), backend.ErrOutOfStock)
	be = mustKind(t, buy("ZZ"), backend.ErrInvalid)
	if be.Code != "COUNTRY_NOT_AVAILABLE" {
		t.Fatalf("unknown country: %+v", be)
	}

	// Not enough money: 402 with what is needed and what is there.
	e.s.PivDay.SetBalance(e.acct, 1.20)
	be = mustKind(t, buy("GB"), backend.ErrNoBalance)
	if be.Code != "INSUFFICIENT_BALANCE" || be.Status != http.StatusPaymentRequired || !strings.Contains(be.Message, "1.20") {
		t.Fatalf("no balance: %+v", be)
	}
	gb := e.numberWhere(t, "active", "GB")
	_, err := e.c.RenewNumber(ctx, gb.ID, 1)
	mustKind(t, err, backend.ErrNoBalance)
	if e.s.PivDay.Purchases(e.acct) != purchases || e.s.PivDay.Balance(e.acct) != 1.20 || !e.number(t, gb.ID).Expires.Equal(gb.Expires) {
		t.Fatal("a refused call changed the simulator")
	}

	// Invalid requests the adapter catches itself never reach piv.day.
	hits := e.s.Hits(backend.PivDay)
	_, err = e.p.Do(ctx, backend.Action{Kind: backend.ActBuy, Buy: &backend.BuyRequest{Category: "proxy", Product: "x", Quantity: 501}}, backend.Target{})
	mustKind(t, err, backend.ErrInvalid)
	if e.s.Hits(backend.PivDay) != hits {
		t.Fatal("an invalid purchase reached the simulator")
	}
}

// --- settling lost answers ---------------------------------------------------------

func TestContractSettle(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)

	t.Run("number purchase lost", func(t *testing.T) {
		known := knownNumbers(e.s.PivDay.NumberIDs(e.acct))
		purchases, before := e.s.PivDay.Purchases(e.acct), e.balance()
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/purchase", Times: 1})
		act := backend.Action{ID: "lost-buy", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
			Buy: &backend.BuyRequest{Category: "number", Country: "US"}}
		_, err := e.p.Do(ctx, act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if e.s.PivDay.Purchases(e.acct) != purchases+1 || !before.Sub(e.balance()).Equal(e.price(t, "US")) {
			t.Fatalf("the simulator shows %d purchases (was %d), balance %v → %v", e.s.PivDay.Purchases(e.acct), purchases, before, e.balance())
		}
		ids := e.s.PivDay.NumberIDs(e.acct)
		st, out, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known})
		if err != nil || st != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != ids[len(ids)-1] {
			t.Fatalf("Settle: %v %+v %v (new number %s)", st, out.Lines, err, ids[len(ids)-1])
		}
	})

	t.Run("number purchase never sent through", func(t *testing.T) {
		known := knownNumbers(e.s.PivDay.NumberIDs(e.acct))
		purchases := e.s.PivDay.Purchases(e.acct)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultDrop, Path: "/numbers/purchase", Times: 1})
		act := backend.Action{ID: "dropped-buy", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
			Buy: &backend.BuyRequest{Category: "number", Country: "US"}}
		_, err := e.p.Do(ctx, act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if e.s.PivDay.Purchases(e.acct) != purchases {
			t.Fatal("a dropped purchase took effect")
		}
		st, _, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known})
		if err != nil || st != backend.SettledNotDone {
			t.Fatalf("Settle: %v %v", st, err)
		}
	})

	t.Run("renew lost", func(t *testing.T) {
		n := e.numberWhere(t, "active", "DE")
		l := e.line(t, n.ID)
		renewals := e.s.PivDay.Renewals(e.acct)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/" + n.ID + "/renew", Times: 1})
		act := backend.Action{ID: "lost-renew", Kind: backend.ActRenew, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Line: &l})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		after := e.number(t, n.ID)
		if e.s.PivDay.Renewals(e.acct) != renewals+1 || !after.Expires.Equal(n.Expires.Add(30*24*time.Hour)) {
			t.Fatalf("renewals %d → %d, expiry %v → %v", renewals, e.s.PivDay.Renewals(e.acct), n.Expires, after.Expires)
		}
		st, out, err := e.p.Settle(ctx, act, backend.Target{Line: &l})
		if err != nil || st != backend.SettledHappened || !sameTime(out.Lines[0].ExpiresAt.Time(), after.Expires) {
			t.Fatalf("Settle: %v %+v %v", st, out, err)
		}
	})

	t.Run("renew never sent through", func(t *testing.T) {
		n := e.numberWhere(t, "active", "GB")
		l := e.line(t, n.ID)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultDrop, Path: "/numbers/" + n.ID + "/renew", Times: 1})
		act := backend.Action{ID: "dropped-renew", Kind: backend.ActRenew, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Line: &l})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if !e.number(t, n.ID).Expires.Equal(n.Expires) {
			t.Fatal("a dropped renew took effect")
		}
		st, _, err := e.p.Settle(ctx, act, backend.Target{Line: &l})
		if err != nil || st != backend.SettledNotDone {
			t.Fatalf("Settle: %v %v", st, err)
		}
	})

	t.Run("proxy purchase lost", func(t *testing.T) {
		known := map[string]bool{}
		for _, id := range e.s.PivDay.ProxyOrderIDs(e.acct) {
			known["proxy/"+id] = true
		}
		servers, err := e.c.ProxyServers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/proxy/purchase", Times: 1})
		act := backend.Action{ID: "lost-proxy", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
			Buy: &backend.BuyRequest{Category: "proxy", Product: string(servers[2].ID), Quantity: 3}}
		_, err = e.p.Do(ctx, act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		ids := e.s.PivDay.ProxyOrderIDs(e.acct)
		if len(ids) != len(known)+1 {
			t.Fatalf("%d proxy orders after one lost purchase (was %d)", len(ids), len(known))
		}
		st, out, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known})
		if err != nil || st != backend.SettledHappened || len(out.Leases) != 1 || out.Leases[0].ID != "proxy/"+ids[len(ids)-1] {
			t.Fatalf("Settle: %v %+v %v", st, out.Leases, err)
		}
	})

	t.Run("restore never sent through", func(t *testing.T) {
		n := e.numberWhere(t, "expired", "NL")
		l := e.line(t, n.ID)
		before := e.balance()
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultDrop, Path: "/numbers/restore", Times: 1})
		act := backend.Action{ID: "dropped-restore", Kind: backend.ActRestore, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Lines: []backend.Line{l}})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if e.number(t, n.ID).Status != "expired" || !e.balance().Equal(before) {
			t.Fatal("a dropped restore took effect")
		}
		st, _, err := e.p.Settle(ctx, act, backend.Target{Lines: []backend.Line{l}})
		if err != nil || st != backend.SettledNotDone {
			t.Fatalf("Settle: %v %v", st, err)
		}
	})

	t.Run("restore lost", func(t *testing.T) {
		n := e.numberWhere(t, "expired", "NL")
		l := e.line(t, n.ID)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/restore", Times: 1})
		act := backend.Action{ID: "lost-restore", Kind: backend.ActRestore, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Lines: []backend.Line{l}})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if st := e.number(t, n.ID).Status; st != "pending_restore" {
			t.Fatalf("the lost restore left the number %s", st)
		}
		st, out, err := e.p.Settle(ctx, act, backend.Target{Lines: []backend.Line{l}})
		if err != nil || st != backend.SettledHappened || len(out.Jobs) != 1 {
			t.Fatalf("Settle: %v %+v %v", st, out, err)
		}
	})

	t.Run("auto-renew lost", func(t *testing.T) {
		n := e.numberWhere(t, "active", "SE")
		l := e.line(t, n.ID)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/numbers/" + n.ID + "/auto-renewal", Times: 1})
		kind := backend.ActAutoRenewOn
		if n.AutoRenew {
			kind = backend.ActAutoRenewOff
		}
		act := backend.Action{ID: "lost-auto", Kind: kind, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Line: &l})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		st, _, err := e.p.Settle(ctx, act, backend.Target{Line: &l})
		if err != nil || st != backend.SettledHappened || e.number(t, n.ID).AutoRenew == n.AutoRenew {
			t.Fatalf("Settle: %v %v", st, err)
		}
	})
}

// TestContractSettleClaims: two identical purchases whose answers were
// lost are matched to the two orders they made, never both to one; a third
// that never reached piv.day finds nothing. The test passes the orders
// already settled onto as Target.Claimed, as the engine does.
func TestContractSettleClaims(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	servers, err := e.c.ProxyServers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path string
		buy        backend.BuyRequest
		ids        func() []string
	}{
		{"numbers", "/numbers/purchase", backend.BuyRequest{Category: "number", Country: "GB"},
			func() []string { return e.s.PivDay.NumberIDs(e.acct) }},
		// The first server's country and quantity match seeded orders: only
		// the known ids tell them from the new ones.
		{"proxies", "/proxy/purchase", backend.BuyRequest{Category: "proxy", Product: string(servers[0].ID), Quantity: 10},
			func() []string {
				var out []string
				for _, id := range e.s.PivDay.ProxyOrderIDs(e.acct) {
					out = append(out, "proxy/"+id)
				}
				return out
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			known := knownNumbers(c.ids())
			var acts []backend.Action
			for i, fault := range []sim.FaultKind{sim.FaultLoseResponse, sim.FaultLoseResponse, sim.FaultDrop} {
				e.s.Inject(backend.PivDay, sim.Fault{Kind: fault, Path: c.path, Times: 1})
				buy := c.buy
				act := backend.Action{ID: c.name + strconv.Itoa(i), Kind: backend.ActBuy, CreatedAt: e.s.Now(), Buy: &buy}
				_, err := e.p.Do(ctx, act, backend.Target{KnownIDs: known})
				mustKind(t, err, backend.ErrOutcomeUnknown)
				acts = append(acts, act)
			}
			made := c.ids()[len(known):]
			if len(made) != 2 {
				t.Fatalf("the simulator made %d orders, want 2", len(made))
			}
			claimed := map[string]bool{}
			for i, act := range acts {
				st, out, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known, Claimed: claimed})
				if err != nil {
					t.Fatal(err)
				}
				if i == 2 {
					if st != backend.SettledNotDone {
						t.Fatalf("the third purchase settled %v, want not done (both orders are claimed)", st)
					}
					continue
				}
				id := ""
				if len(out.Lines) == 1 {
					id = out.Lines[0].ID
				} else if len(out.Leases) == 1 {
					id = out.Leases[0].ID
				}
				if st != backend.SettledHappened || !slices.Contains(made, id) || claimed[id] {
					t.Fatalf("purchase %d settled %v onto %q (claimed %v), want one of %v", i+1, st, id, claimed, made)
				}
				claimed[id] = true
			}
		})
	}
}

// --- rate limits ----------------------------------------------------------------------

func TestContractRateLimits(t *testing.T) {
	t.Run("the simulator's own limit", func(t *testing.T) {
		e := newPivEnv(t, map[backend.ProviderKind]int{backend.PivDay: 3})
		ctx := ctxT(t)
		for i := range 3 {
			if _, err := e.p.Balance(ctx); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		_, err := e.p.Balance(ctx)
		be := mustKind(t, err, backend.ErrRateLimited)
		// The window began with the clock (on a minute boundary): Retry-After
		// is the whole minute.
		if be.RetryAfter != time.Minute || e.s.RateLimited(backend.PivDay) != 1 {
			t.Fatalf("429: RetryAfter %v, simulator counted %d", be.RetryAfter, e.s.RateLimited(backend.PivDay))
		}
		if until := e.budget.PausedUntil(); time.Until(until) < 55*time.Second {
			t.Fatalf("budget paused until %v", until)
		}
		assertPaused(t, e.s, e.p.Balance, backend.PivDay)
	})

	t.Run("injected 429 with Retry-After", func(t *testing.T) {
		e := newPivEnv(t, nil)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.Fault429, Path: "/account", Times: 1, Retry: 7 * time.Second})
		_, err := e.p.Balance(ctxT(t))
		if be := mustKind(t, err, backend.ErrRateLimited); be.RetryAfter != 7*time.Second {
			t.Fatalf("RetryAfter %v, want the 7 s piv.day asked for", be.RetryAfter)
		}
		if d := time.Until(e.budget.PausedUntil()); d < 6*time.Second || d > 7*time.Second {
			t.Fatalf("budget paused for %v", d)
		}
		assertPaused(t, e.s, e.p.Balance, backend.PivDay)
	})

	t.Run("injected 429 without Retry-After", func(t *testing.T) {
		e := newPivEnv(t, nil)
		e.s.Inject(backend.PivDay, sim.Fault{Kind: sim.Fault429NoHint, Times: 1})
		_, err := e.p.Balance(ctxT(t))
		be := mustKind(t, err, backend.ErrRateLimited)
		// No hint: the budget backs off by itself, from one second.
		if be.RetryAfter < time.Second || be.RetryAfter > 1250*time.Millisecond {
			t.Fatalf("RetryAfter %v", be.RetryAfter)
		}
		if e.budget.PausedUntil().IsZero() {
			t.Fatal("the budget did not pause")
		}
		assertPaused(t, e.s, e.p.Balance, backend.PivDay)
	})
}

// assertPaused: while the budget is paused, no request reaches the
// provider.
func assertPaused[T any](t *testing.T, s *sim.Sim, call func(context.Context) (T, error), k backend.ProviderKind) {
	t.Helper()
	hits := s.Hits(k)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := call(ctx); err == nil {
		t.Fatal("a call went through during the pause")
	}
	if s.Hits(k) != hits {
		t.Fatal("a request reached the simulator during the pause")
	}
}

// --- webhooks ---------------------------------------------------------------------------

type hookSink struct {
	mu     sync.Mutex
	bodies [][]byte
	agents []string
	got    chan struct{}
}

func newHookSink(t *testing.T) (*hookSink, *httptest.Server) {
	h := &hookSink{got: make(chan struct{}, 256)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.agents = append(h.agents, r.Method+" "+r.Header.Get("User-Agent")+" "+r.Header.Get("Content-Type"))
		h.mu.Unlock()
		h.got <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return h, srv
}

// wait returns the deliveries once every wanted event type arrived.
func (h *hookSink) wait(t *testing.T, types ...string) map[string][][]byte {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		byType := map[string][][]byte{}
		for i, b := range h.bodies {
			if h.agents[i] != "POST piv.day-webhook/1.0 application/json" {
				t.Fatalf("webhook delivered as %q", h.agents[i])
			}
			var ev struct {
				Type string `json:"event_type"`
			}
			_ = json.Unmarshal(b, &ev)
			byType[ev.Type] = append(byType[ev.Type], b)
		}
		h.mu.Unlock()
		missing := slices.DeleteFunc(slices.Clone(types), func(s string) bool { return len(byType[s]) > 0 })
		if len(missing) == 0 {
			return byType
		}
		select {
		case <-h.got:
		case <-deadline:
			t.Fatalf("webhooks %v never arrived (got %d deliveries)", missing, len(h.bodies))
		}
	}
}

func TestContractWebhooks(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	sink, srv := newHookSink(t)
	e.s.SetWebhook(backend.PivDay, srv.URL)

	// sms.received: the code comes from piv.day; the Message is the one
	// polling finds.
	us := e.numberWhere(t, "active", "US")
	const text = "Telegram code: 73019. Do not give it to anyone."
	if err := e.s.PivDay.Deliver(us.ID, text); err != nil {
		t.Fatal(err)
	}
	got := sink.wait(t, "sms.received")
	_, msgs, _, _, err := e.p.ParseWebhook(got["sms.received"][0])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("sms.received: %v %v", msgs, err)
	}
	m := msgs[0]
	l := e.line(t, us.ID)
	if m.Line != l.Key || m.Code != "73019" || m.Text != text || !sameTime(m.ReceivedAt, e.s.Now()) {
		t.Fatalf("sms.received → %+v", m)
	}
	_, polled, err := e.p.Check(ctx, []backend.Line{l})
	if err != nil || !slices.ContainsFunc(polled, func(p backend.Message) bool { return p.ID == m.ID && p.Code == m.Code }) {
		t.Fatalf("the polled SMS has another id than the pushed one (%s): %+v %v", m.ID, polled, err)
	}

	// number.restore_completed after a restore batch.
	nl := e.numberWhere(t, "expired", "NL")
	nlLine := e.line(t, nl.ID)
	if _, err := e.p.Do(ctx, backend.Action{ID: "hook-restore", Kind: backend.ActRestore, Target: nlLine.Key},
		backend.Target{Line: &nlLine}); err != nil {
		t.Fatal(err)
	}

	// Three minutes: the seeded registrations complete or fail, white jobs
	// finish or fail, the proxy order that ends within minutes and the
	// domains that end within a week warn.
	e.s.Advance(3 * time.Minute)
	got = sink.wait(t, "number.restore_completed", "proxy.expires_soon", "domain.registered", "domain.failed",
		"domain.expires_soon", "white.completed", "white.failed")

	parse := func(typ string) ([]backend.Lease, []backend.Job) {
		t.Helper()
		var leases []backend.Lease
		var jobs []backend.Job
		for _, b := range got[typ] {
			lines, msgs, ls, js, err := e.p.ParseWebhook(b)
			if err != nil || len(lines) != 0 || len(msgs) != 0 {
				t.Fatalf("%s: %v (%d lines, %d messages)", typ, err, len(lines), len(msgs))
			}
			leases, jobs = append(leases, ls...), append(jobs, js...)
		}
		return leases, jobs
	}

	_, jobs := parse("number.restore_completed")
	var restored *backend.Job
	for i, j := range jobs {
		if strings.Contains(j.ID, nl.ID) {
			restored = &jobs[i]
		}
	}
	if restored == nil || restored.State != backend.JobDone || e.number(t, nl.ID).Status != "active" {
		t.Fatalf("restore_completed → %+v (number %s)", jobs, e.number(t, nl.ID).Status)
	}

	leases, _ := parse("proxy.expires_soon")
	for _, l := range leases {
		st, exp, ok := e.s.PivDay.ProxyOrder(strings.TrimPrefix(l.ID, "proxy/"))
		if !ok || l.Kind != backend.LeaseProxy || !sameTime(l.ExpiresAt, exp) || st != "active" {
			t.Errorf("proxy.expires_soon → %+v, simulator %s %v", l, st, exp)
		}
	}
	leases, _ = parse("domain.expires_soon")
	for _, l := range leases {
		d, ok := e.s.PivDay.DomainDetail(strings.TrimPrefix(l.ID, "domain/"))
		if !ok || l.Kind != backend.LeaseDomain || !sameTime(l.ExpiresAt, d.Expires) || l.AutoRenew != d.AutoRenew || l.Name != d.Name {
			t.Errorf("domain.expires_soon → %+v, simulator %+v", l, d)
		}
	}
	_, jobs = parse("domain.registered")
	for _, j := range jobs {
		d, ok := e.s.PivDay.DomainDetail(strings.TrimPrefix(j.ID, "domain/"))
		if !ok || d.Status != "active" || j.State != backend.JobDone {
			t.Errorf("domain.registered → %+v, simulator %+v", j, d)
		}
	}
	_, jobs = parse("domain.failed")
	for _, j := range jobs {
		if _, ok := e.s.PivDay.DomainDetail(strings.TrimPrefix(j.ID, "domain/")); ok || j.State != backend.JobFailed || j.Detail == "" {
			t.Errorf("domain.failed → %+v (still held: %v)", j, ok)
		}
	}
	for typ, want := range map[string]int{"white.completed": 10, "white.failed": -1} {
		_, jobs = parse(typ)
		for _, j := range jobs {
			st, ok := e.s.PivDay.White(strings.TrimPrefix(j.ID, "white/"))
			if !ok || st != want || j.State != whiteState(want) {
				t.Errorf("%s → %+v, simulator status %d", typ, j, st)
			}
		}
	}

	// Garbage is an error, never a panic.
	if _, _, _, _, err := e.p.ParseWebhook([]byte("{not json")); backend.KindOf(err) != backend.ErrMalformed {
		t.Fatalf("garbage webhook: %v", err)
	}
}

// TestContractAllowedActions: every action a line or lease offers is one
// the simulator accepts. Each is tried on a fresh simulator (same seed,
// same objects), so one action's effect never hides another's answer.
func TestContractAllowedActions(t *testing.T) {
	e := newPivEnv(t, nil)
	lines, _, err := e.p.Lines(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	leases, err := e.p.Leases(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	try := func(kind backend.ActionKind, target func(e *pivEnv) (backend.Key, backend.Target)) error {
		fresh := newPivEnv(t, nil)
		fresh.s.PivDay.SetBalance(fresh.acct, 1000)
		key, tg := target(fresh)
		_, err := fresh.p.Do(ctxT(t), backend.Action{ID: "try-" + string(kind), Kind: kind, Target: key, Format: "both"}, tg)
		return err
	}
	tried := map[backend.ActionKind]int{}
	for _, l := range lines {
		for _, kind := range l.Allowed.Kinds() {
			tried[kind]++
			err := try(kind, func(e *pivEnv) (backend.Key, backend.Target) {
				line := e.line(t, l.ID)
				return line.Key, backend.Target{Line: &line}
			})
			if l.Country == "FI" && kind == backend.ActRenew {
				// The listing cannot tell that FI is no longer sold: the
				// documented renew error says so.
				if be := mustKind(t, err, backend.ErrInvalid); be.Code != "COUNTRY_NOT_AVAILABLE" {
					t.Errorf("FI renew: %+v", be)
				}
				continue
			}
			if err != nil {
				t.Errorf("number %s (%s) allows %s, the simulator refuses: %v", l.ID, l.RawState, kind, err)
			}
		}
	}
	for _, l := range leases {
		if l.Kind == backend.LeaseNumber {
			continue // the lines above
		}
		for _, kind := range l.Allowed.Kinds() {
			tried[kind]++
			err := try(kind, func(e *pivEnv) (backend.Key, backend.Target) {
				lease := e.lease(t, l.ID)
				return lease.Key, backend.Target{Lease: &lease}
			})
			if err != nil {
				t.Errorf("%s %s (%s) allows %s, the simulator refuses: %v", l.Kind, l.Name, l.State, kind, err)
			}
		}
	}
	for _, kind := range []backend.ActionKind{backend.ActRenew, backend.ActRestore, backend.ActAutoRenewOn,
		backend.ActAutoRenewOff, backend.ActExport, backend.ActCheck} {
		if tried[kind] == 0 {
			t.Errorf("no item offered %s", kind)
		}
	}
}

// TestContractRenewPrices: what a lease says a renewal costs is what the
// simulator charges for one period — a domain's, its /domains/search
// renew_price.
func TestContractRenewPrices(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	e.s.PivDay.SetBalance(e.acct, 1000)
	leases, err := e.p.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[backend.LeaseKind]int{}
	for _, l := range leases {
		if l.Kind == backend.LeaseSSL || !l.Allowed.Has(backend.ActRenew) || !l.RenewPrice.Known {
			continue
		}
		before := e.balance()
		out, err := e.p.Do(ctx, backend.Action{ID: "rp-" + l.ID, Kind: backend.ActRenew, Target: l.Key}, backend.Target{Lease: &l})
		if err != nil {
			t.Fatalf("renew %s: %v", l.Name, err)
		}
		paid := before.Sub(e.balance())
		// A domain renewal's answer carries no cost; the others say it.
		if !paid.Equal(l.RenewPrice.Amount) || (l.Kind != backend.LeaseDomain && !out.Charged.Amount.Equal(paid)) {
			t.Errorf("%s: lease says %v, simulator charged %v, outcome %v", l.Name, l.RenewPrice, paid, out.Charged)
		}
		if d, ok := e.s.PivDay.DomainDetail(strings.TrimPrefix(l.ID, "domain/")); l.Kind == backend.LeaseDomain &&
			(!ok || !l.RenewPrice.Amount.Equal(dec(d.RenewPrice)) || l.RenewPrice.Currency != "USD") {
			t.Errorf("%s renews at %v, the simulator at %v", l.Name, l.RenewPrice, d.RenewPrice)
		}
		checked[l.Kind]++
	}
	if checked[backend.LeaseNumber] < 3 || checked[backend.LeaseProxy] < 2 || checked[backend.LeaseDomain] < 3 {
		t.Fatalf("leases with a renew price: %v", checked)
	}
	// Within the hour a listing makes no lookup: numbers, proxy orders and
	// domains, three reads.
	hits := e.s.Hits(backend.PivDay)
	if _, err := e.p.Leases(ctx); err != nil || e.s.Hits(backend.PivDay)-hits != 3 {
		t.Fatalf("a second listing made %d requests (%v), want 3", e.s.Hits(backend.PivDay)-hits, err)
	}
}

// TestContractPricesToConfirm: a number's month is priced by the very
// first listing, and a just-bought proxy order renews at what its month
// cost — each what the simulator then charges.
func TestContractPricesToConfirm(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	e.s.PivDay.SetBalance(e.acct, 1000)

	// A fresh adapter's first Lines prices every number it can.
	lines, _, err := e.p.Lines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.Country == "FI" || l.State == backend.LineExpired {
			continue // FI is no longer sold; an expired number renews from now
		}
		before := e.balance()
		if _, err := e.p.Do(ctx, backend.Action{ID: "lp-" + l.ID, Kind: backend.ActRenew, Target: l.Key}, backend.Target{Line: &l}); err != nil {
			t.Fatal(err)
		}
		if paid := before.Sub(e.balance()); !l.Price.Known || !paid.Equal(l.Price.Amount) {
			t.Errorf("number %s (%s) priced %v, renewing a month charged %v", l.Number, l.Country, l.Price, paid)
		}
	}

	// A just-bought proxy order renews at what its month cost.
	servers, err := e.c.ProxyServers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.p.Do(ctx, backend.Action{ID: "bp", Kind: backend.ActBuy,
		Buy: &backend.BuyRequest{Category: "proxy", Product: string(servers[1].ID), Quantity: 3, Months: 2}}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	l := out.Leases[0]
	before := e.balance()
	if _, err := e.p.Do(ctx, backend.Action{ID: "rbp", Kind: backend.ActRenew, Target: l.Key}, backend.Target{Lease: &l}); err != nil {
		t.Fatal(err)
	}
	if paid := before.Sub(e.balance()); !l.RenewPrice.Known || !paid.Equal(l.RenewPrice.Amount) {
		t.Errorf("bought proxy order renews at %v, the simulator charged %v", l.RenewPrice, paid)
	}
}

func TestContractSettleLeases(t *testing.T) {
	e := newPivEnv(t, nil)
	ctx := ctxT(t)
	e.s.PivDay.SetBalance(e.acct, 1000)
	for _, c := range []struct {
		name  string
		kind  backend.LeaseKind
		path  func(id string) string
		fault sim.FaultKind
		want  backend.Settled
	}{
		{"proxy renew lost", backend.LeaseProxy, func(id string) string { return "/proxy/orders/" + id + "/renew" }, sim.FaultLoseResponse, backend.SettledHappened},
		{"proxy renew dropped", backend.LeaseProxy, func(id string) string { return "/proxy/orders/" + id + "/renew" }, sim.FaultDrop, backend.SettledNotDone},
		{"domain renew lost", backend.LeaseDomain, func(id string) string { return "/domains/" + id + "/renew" }, sim.FaultLoseResponse, backend.SettledHappened},
		// A domain renewal goes through a queue whose id only the lost
		// answer carried: an unmoved expiry cannot prove it was not queued.
		{"domain renew dropped", backend.LeaseDomain, func(id string) string { return "/domains/" + id + "/renew" }, sim.FaultDrop, backend.SettledUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			leases, err := e.p.Leases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(leases, func(l backend.Lease) bool { return l.Kind == c.kind && l.Allowed.Has(backend.ActRenew) })
			l := leases[i]
			_, id, _ := strings.Cut(l.ID, "/")
			renewals := e.s.PivDay.Renewals(e.acct)
			e.s.Inject(backend.PivDay, sim.Fault{Kind: c.fault, Path: c.path(id), Times: 1})
			act := backend.Action{ID: c.name, Kind: backend.ActRenew, Target: l.Key}
			_, err = e.p.Do(ctx, act, backend.Target{Lease: &l})
			mustKind(t, err, backend.ErrOutcomeUnknown)
			happened := c.want == backend.SettledHappened
			if got := e.s.PivDay.Renewals(e.acct) - renewals; got != map[bool]int{true: 1, false: 0}[happened] {
				t.Fatalf("the simulator shows %d renewals", got)
			}
			st, out, err := e.p.Settle(ctx, act, backend.Target{Lease: &l})
			if err != nil || st != c.want || len(out.Leases) == 0 {
				t.Fatalf("Settle: %v %+v %v, want %v", st, out, err, c.want)
			}
		})
	}
}
