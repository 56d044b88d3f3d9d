package fivesim_test

// Contract tests: the 5sim adapter against the 5sim simulator. The two were
// written by different engineers from 5sim.md and NOTES.md; every typed
// client call and every Provider behaviour is checked here against the
// simulator's own state (its exported hooks).

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/fivesim"
	"switchboard/backend/naming"
	"switchboard/backend/sim"
	simfivesim "switchboard/backend/sim/fivesim"
	"switchboard/wiring"
)

type fsEnv struct {
	s      *sim.Sim
	p      *fivesim.Provider
	c      *fivesim.Client
	acct   string
	key    string
	budget *backend.Budget
}

// newFsEnv starts a quiet simulator on a manual clock beginning at
// sim.DefaultStart, so rate windows and expiries are the same on every run.
func newFsEnv(t *testing.T, rates map[backend.ProviderKind]int) *fsEnv {
	t.Helper()
	s := sim.New(sim.Options{Manual: true, Seed: 11, Quiet: true, Rates: rates})
	t.Cleanup(s.Close)
	e := &fsEnv{s: s}
	if accs := wiring.SimAccounts(s, backend.FiveSim); len(accs) > 0 {
		e.acct, e.key = accs[0].Name, accs[0].APIKey
	}
	if e.key == "" {
		t.Fatal("the simulator offers no 5sim account")
	}
	e.p, e.budget = e.provider(t, e.key)
	e.c = e.p.Client()
	return e
}

// provider builds an adapter on its own generous budget (the tests never
// wait on the token bucket; the simulator's limits still apply).
func (e *fsEnv) provider(t *testing.T, key string) (*fivesim.Provider, *backend.Budget) {
	t.Helper()
	b := backend.NewBudget(6000)
	p, err := fivesim.New(fivesim.Config{Account: e.acct, BaseURL: e.s.URL(backend.FiveSim), APIKey: key,
		Budget: b, Timeout: 5 * time.Second})
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

func (e *fsEnv) order(t *testing.T, id any) sim.FiveSimOrder {
	t.Helper()
	o, ok := e.s.FiveSim.Order(id)
	if !ok {
		t.Fatalf("the simulator has no order %v", id)
	}
	return o
}

func (e *fsEnv) balance() decimal.Decimal { return dec(e.s.FiveSim.Balance(e.acct)) }
func (e *fsEnv) frozen() decimal.Decimal  { return dec(e.s.FiveSim.Frozen(e.acct)) }

// ordersOf lists the simulator's order ids of one category, newest first.
func (e *fsEnv) ordersOf(t *testing.T, category string) []int64 {
	t.Helper()
	var out []int64
	for _, id := range e.s.FiveSim.OrderIDs(e.acct) {
		if e.order(t, id).Category == category {
			out = append(out, int64(id))
		}
	}
	slices.Reverse(out)
	return out
}

// seeded finds a seeded order by category, product and status.
func (e *fsEnv) seeded(t *testing.T, category, product, status string) sim.FiveSimOrder {
	t.Helper()
	for _, id := range e.s.FiveSim.OrderIDs(e.acct) {
		o := e.order(t, id)
		if o.Category == category && (product == "" || o.Product == product) && o.Status == status {
			return o
		}
	}
	t.Fatalf("no %s %s order %s", status, category, product)
	return sim.FiveSimOrder{}
}

func (e *fsEnv) known() map[string]bool {
	m := map[string]bool{}
	for _, id := range e.s.FiveSim.OrderIDs(e.acct) {
		m[strconv.Itoa(id)] = true
	}
	return m
}

// buy places an activation through the provider and returns its line.
func (e *fsEnv) buy(t *testing.T, req backend.BuyRequest) backend.Line {
	t.Helper()
	if req.Category == "" {
		req.Category = "activation"
	}
	out, err := e.p.Do(ctxT(t), backend.Action{ID: "buy", Kind: backend.ActBuy, CreatedAt: e.s.Now(), Buy: &req}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Lines) != 1 {
		t.Fatalf("buy outcome %+v", out)
	}
	return out.Lines[0]
}

// checkLine: the line is the simulator's order, its product and country
// shown the way every provider's are, 5sim's product name kept for re-buying.
func checkLine(t *testing.T, l backend.Line, o sim.FiveSimOrder) {
	t.Helper()
	service := naming.Service(o.Product)
	if o.Category == "hosting" {
		service = naming.Word(o.Product)
	}
	if l.ID != strconv.Itoa(o.ID) || l.Number != o.Phone || l.Service != service || l.Extra["product"] != o.Product ||
		l.RawState != o.Status || l.Kind != o.Category || !l.ExpiresAt.Time().Equal(o.Expires) || !l.CreatedAt.Time().Equal(o.Created) ||
		!l.Price.Amount.Equal(dec(o.Price)) || l.Price.Currency != "" || l.Operator != o.Operator || l.Country != naming.CountryCode(o.Country) {
		t.Errorf("line %+v\nsimulator %+v", l, o)
	}
}

// --- account -----------------------------------------------------------------

func TestContractProfile(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	pr, err := e.c.Profile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Balance.Amount.Equal(e.balance()) || !pr.FrozenBalance.Amount.Equal(e.frozen()) || !pr.HasRating || pr.Rating != e.s.FiveSim.Rating(e.acct) {
		t.Fatalf("profile %+v; simulator balance %v frozen %v rating %v", pr, e.balance(), e.frozen(), e.s.FiveSim.Rating(e.acct))
	}
	if e.frozen().IsZero() {
		t.Fatal("seed: no open activation, the frozen balance is not exercised")
	}
	acc, err := e.p.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Balance.Amount.Equal(e.balance()) || acc.Balance.Currency != "" || !acc.Frozen.Amount.Equal(e.frozen()) ||
		acc.Rating == nil || *acc.Rating != e.s.FiveSim.Rating(e.acct) || acc.Email == "" {
		t.Fatalf("Balance %+v", acc)
	}
	// 5sim has nothing that is renewed and no queued work.
	leases, err := e.p.Leases(ctx)
	if err != nil || len(leases) != 0 {
		t.Fatalf("Leases: %v %v", leases, err)
	}
	jobs, err := e.p.Jobs(ctx, nil)
	if err != nil || len(jobs) != 0 {
		t.Fatalf("Jobs: %v %v", jobs, err)
	}
}

func TestContractBadKey(t *testing.T) {
	e := newFsEnv(t, nil)
	bad := "eyJhbGciOiJSUzUxMiJ9.not-a-real-key"
	p, _ := e.provider(t, bad)
	_, err := p.Balance(ctxT(t))
	be := mustKind(t, err, backend.ErrAuth)
	if be.Status != http.StatusUnauthorized || strings.Contains(err.Error(), bad) {
		t.Fatalf("bad key: %+v", be)
	}
	// Guest calls carry no key and still work with a bad one.
	if _, err := p.Client().Countries(ctxT(t)); err != nil {
		t.Fatalf("guest call with a bad key: %v", err)
	}
}

// --- orders ---------------------------------------------------------------------

func TestContractOrdersAndLines(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	for _, cat := range []string{"activation", "hosting"} {
		want := e.ordersOf(t, cat)
		page, err := e.c.Orders(ctx, cat, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, o := range page.Data {
			got = append(got, o.ID)
			so := e.order(t, o.ID)
			if o.Phone != so.Phone || o.Status != so.Status || o.Product != so.Product || !o.Price.Amount.Equal(dec(so.Price)) ||
				!o.Expires.Equal(so.Expires) || !o.CreatedAt.Equal(so.Created) || len(o.SMS) != so.SMS ||
				o.Operator != so.Operator || o.Country != so.Country {
				t.Errorf("GET /user/orders %d = %+v\nsimulator %+v", o.ID, o, so)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s orders %v, simulator newest first %v", cat, got, want)
		}
		// Paging until a short page: Total is not trusted (the simulator's
		// lags by a minute).
		all, err := e.c.AllOrders(ctx, cat, 2, 50)
		if err != nil || len(all) != len(want) {
			t.Fatalf("AllOrders(%s, 2): %d orders, %v", cat, len(all), err)
		}
		for i, o := range all {
			if o.ID != want[i] {
				t.Fatalf("page order: %d at %d, want %d", o.ID, i, want[i])
			}
		}
	}

	lines, msgs, err := e.p.Lines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(e.s.FiveSim.OrderIDs(e.acct)) {
		t.Fatalf("Lines: %d, simulator %d orders", len(lines), len(e.s.FiveSim.OrderIDs(e.acct)))
	}
	byLine := map[backend.Key]int{}
	for _, m := range msgs {
		byLine[m.Line]++
	}
	for _, l := range lines {
		o := e.order(t, l.ID)
		checkLine(t, l, o)
		if byLine[l.Key] != o.SMS {
			t.Errorf("line %s: %d messages, simulator %d SMS", l.ID, byLine[l.Key], o.SMS)
		}
		want := map[string]backend.LineState{"FINISHED": backend.LineFinished, "CANCELED": backend.LineCanceled,
			"TIMEOUT": backend.LineTimeout, "BANNED": backend.LineBanned}[o.Status]
		switch {
		case o.Category == "hosting" && (o.Status == "RECEIVED" || o.Status == "PENDING"):
			want = backend.LineActive
		case o.Status == "RECEIVED" || o.Status == "PENDING":
			// RECEIVED is "number live", not "code arrived": the SMS decide.
			want = backend.LineWaiting
			if l.Code != "" {
				want = backend.LineReceived
			}
			if (o.SMS > 0) != (l.Code != "") {
				t.Errorf("line %s: %d SMS, code %q", l.ID, o.SMS, l.Code)
			}
			if o.SMS > 0 && (l.Allowed.Has(backend.ActCancel) || !l.Allowed.Has(backend.ActFinish)) ||
				o.SMS == 0 && !l.Allowed.Has(backend.ActCancel) {
				t.Errorf("line %s (%d SMS) allows %s", l.ID, o.SMS, l.Allowed)
			}
		}
		if l.State != want {
			t.Errorf("line %s (%s %s): state %s, want %s", l.ID, o.Category, o.Status, l.State, want)
		}
	}
}

func TestContractCheck(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	l := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	if l.State != backend.LineWaiting || l.Code != "" {
		t.Fatalf("new order: %+v", l)
	}
	// Still nothing: the batch read finds the line, no messages.
	lines, msgs, err := e.p.Check(ctx, []backend.Line{l})
	if err != nil || len(lines) != 1 || len(msgs) != 0 || lines[0].State != backend.LineWaiting {
		t.Fatalf("Check before the SMS: %+v %v %v", lines, msgs, err)
	}

	const text = "Telegram code 52917. Do not give this code to anyone"
	if err := e.s.FiveSim.Deliver(l.ID, text); err != nil {
		t.Fatal(err)
	}
	hits := e.s.Hits(backend.FiveSim)
	lines, msgs, err = e.p.Check(ctx, []backend.Line{l})
	if err != nil || len(lines) != 1 || len(msgs) != 1 {
		t.Fatalf("Check: %+v %+v %v", lines, msgs, err)
	}
	if e.s.Hits(backend.FiveSim)-hits != 1 {
		t.Fatalf("Check of a line on the first page cost %d requests", e.s.Hits(backend.FiveSim)-hits)
	}
	o := e.order(t, l.ID)
	checkLine(t, lines[0], o)
	if lines[0].State != backend.LineReceived || lines[0].Code != "52917" || msgs[0].Code != "52917" ||
		msgs[0].Text != text || msgs[0].Line != l.Key || msgs[0].Sender != "Telegram" {
		t.Fatalf("after the SMS: %+v %+v", lines[0], msgs[0])
	}
	// The same SMS on the next poll is the same Message.
	_, again, err := e.p.Check(ctx, []backend.Line{l})
	if err != nil || len(again) != 1 || again[0].ID != msgs[0].ID {
		t.Fatalf("second poll: %+v %v", again, err)
	}

	// GET /user/check/{id} directly, and for a line older than the page.
	id, _ := strconv.ParseInt(l.ID, 10, 64)
	co, err := e.c.Check(ctx, id)
	if err != nil || co.Status != o.Status || len(co.SMS) != 1 || co.SMS[0].Code != "52917" {
		t.Fatalf("GET /user/check: %+v %v", co, err)
	}
	_, err = e.c.Check(ctx, 1)
	mustKind(t, err, backend.ErrNotFound)

	// Push the line off the first page (100 orders): Check falls back to
	// /user/check/{id} for it alone.
	e.s.FiveSim.SetBalance(e.acct, 100000)
	e.s.FiveSim.SetStock("russia", "beeline", "telegram", 1000)
	for i := range 100 {
		if i%simfivesim.FiveSimPurchasesPerSecond == simfivesim.FiveSimPurchasesPerSecond-1 {
			e.s.Advance(time.Second) // stay under the purchase limit
		}
		if _, err := e.c.BuyActivation(ctx, "russia", "beeline", "telegram", fivesim.BuyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	e.s.Advance(time.Second)
	hits = e.s.Hits(backend.FiveSim)
	lines, msgs, err = e.p.Check(ctx, []backend.Line{lines[0]})
	if err != nil || len(lines) != 1 || len(msgs) != 1 || lines[0].Code != "52917" || e.s.Hits(backend.FiveSim)-hits != 2 {
		t.Fatalf("Check off the page: %+v %v (%d requests)", lines, err, e.s.Hits(backend.FiveSim)-hits)
	}
	// The check answer carries no operator: the line keeps the one it had.
	checkLine(t, lines[0], e.order(t, l.ID))

	// Do(check).
	out, err := e.p.Do(ctx, backend.Action{Kind: backend.ActCheck, Target: l.Key}, backend.Target{Line: &l})
	if err != nil || len(out.Lines) != 1 || out.Lines[0].Code != "52917" {
		t.Fatalf("Do(check): %+v %v", out, err)
	}
	checkLine(t, out.Lines[0], e.order(t, l.ID))
}

// --- purchases ---------------------------------------------------------------------

func TestContractBuyActivation(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	before, frozen, count := e.balance(), e.frozen(), e.s.FiveSim.Orders(e.acct)
	l := e.buy(t, backend.BuyRequest{Country: "russia", Operator: "any", Product: "telegram", Reuse: true})
	o := e.order(t, l.ID)
	if e.s.FiveSim.Orders(e.acct) != count+1 || !o.Reuse || o.Voice {
		t.Fatalf("simulator order %+v (orders %d → %d)", o, count, e.s.FiveSim.Orders(e.acct))
	}
	checkLine(t, l, o)
	// The price moves from the balance into the frozen balance.
	if !before.Sub(e.balance()).Equal(dec(o.Price)) || !e.frozen().Sub(frozen).Equal(dec(o.Price)) {
		t.Fatalf("balance %v → %v, frozen %v → %v, price %v", before, e.balance(), frozen, e.frozen(), o.Price)
	}
	if l.State != backend.LineWaiting || l.Extra["reuse"] != "1" || !l.Allowed.Has(backend.ActCancel) || !l.Allowed.Has(backend.ActBan) {
		t.Fatalf("bought line %+v", l)
	}

	// Every query option reaches 5sim.
	bo, err := e.c.BuyActivation(ctx, "russia", "any", "vkontakte",
		fivesim.BuyOptions{Forwarding: true, ForwardingNumber: "+79001234567", Voice: true, Ref: "sb-ref"})
	if err != nil {
		t.Fatal(err)
	}
	so := e.order(t, bo.ID)
	if !so.Voice || !so.Forwarding || so.ForwardingNumber != "79001234567" || so.Reuse ||
		!bo.Forwarding || bo.ForwardingNumber != "79001234567" || bo.Operator != so.Operator || bo.SMS != nil {
		t.Fatalf("buy with options: adapter %+v, simulator %+v", bo, so)
	}
	// An operator that does not exist.
	_, err = e.c.BuyActivation(ctx, "russia", "nope", "telegram", fivesim.BuyOptions{})
	if be := mustKind(t, err, backend.ErrInvalid); be.Code != "bad operator" {
		t.Fatalf("bad operator: %+v", be)
	}
	_, err = e.c.BuyActivation(ctx, "atlantis", "any", "telegram", fivesim.BuyOptions{})
	if be := mustKind(t, err, backend.ErrInvalid); be.Code != "bad country" {
		t.Fatalf("bad country: %+v", be)
	}
}

func TestContractBuyHosting(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	before, frozen := e.balance(), e.frozen()
	out, err := e.p.Do(ctx, backend.Action{ID: "h", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
		Buy: &backend.BuyRequest{Category: "hosting", Country: "russia", Product: "1day"}}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	l := out.Lines[0]
	o := e.order(t, l.ID)
	if o.Category != "hosting" || !o.Expires.Equal(o.Created.Add(24*time.Hour)) {
		t.Fatalf("simulator hosting order %+v", o)
	}
	// The hosting answer carries no operator or country; the rest matches.
	if l.Kind != "hosting" || l.State != backend.LineActive || l.Number != o.Phone || !l.ExpiresAt.Time().Equal(o.Expires) ||
		!out.Charged.Amount.Equal(dec(o.Price)) {
		t.Fatalf("hosting line %+v, simulator %+v", l, o)
	}
	// Paid for its time at once: never frozen.
	if !before.Sub(e.balance()).Equal(dec(o.Price)) || !e.frozen().Equal(frozen) {
		t.Fatalf("balance %v → %v, frozen %v → %v", before, e.balance(), frozen, e.frozen())
	}
	if _, err := e.p.Do(ctx, backend.Action{Kind: backend.ActBuy, Buy: &backend.BuyRequest{Category: "hosting", Product: "2days"}},
		backend.Target{}); backend.KindOf(err) != backend.ErrInvalid {
		t.Fatalf("hosting for 2days: %v", err)
	}

	// Its SMS: the inbox, and the batch Check through the hosting listing.
	if err := e.s.FiveSim.Deliver(l.ID, "Use 415127 as your login code"); err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(l.ID, 10, 64)
	in, err := e.c.Inbox(ctx, id)
	if err != nil || len(in.Data) != 1 || in.Total != 1 || in.Data[0].Code != "415127" || in.Data[0].ID == "" {
		t.Fatalf("GET /user/sms/inbox: %+v %v", in, err)
	}
	lines, msgs, err := e.p.Check(ctx, []backend.Line{l})
	if err != nil || len(lines) != 1 || len(msgs) != 1 || lines[0].Code != "415127" || msgs[0].ID != in.Data[0].ID {
		t.Fatalf("Check hosting: %+v %+v %v", lines, msgs, err)
	}
	ho, err := e.c.BuyHosting(ctx, "russia", "any", "3hours")
	if so := e.order(t, ho.ID); err != nil || so.Category != "hosting" || !so.Expires.Equal(ho.Expires) || ho.Product != "3hours" {
		t.Fatalf("GET /user/buy/hosting: %+v %v", ho, err)
	}
	// Activations have no inbox.
	act := e.seeded(t, "activation", "", "FINISHED")
	_, err = e.c.Inbox(ctx, int64(act.ID))
	mustKind(t, err, backend.ErrNotFound)
}

// --- order actions ---------------------------------------------------------------------

func TestContractCancelFinishBan(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	before, frozen, rating := e.balance(), e.frozen(), e.s.FiveSim.Rating(e.acct)
	l := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	price := dec(e.order(t, l.ID).Price)

	// Right after the purchase 5sim refuses to cancel: offer it again later.
	act := backend.Action{ID: "c1", Kind: backend.ActCancel, Target: l.Key}
	_, err := e.p.Do(ctx, act, backend.Target{Line: &l})
	be := mustKind(t, err, backend.ErrRefused)
	if be.RetryAfter <= 0 || be.Code != "you need to wait time" {
		t.Fatalf("early cancel: %+v", be)
	}
	if st := e.order(t, l.ID).Status; st == "CANCELED" {
		t.Fatal("a refused cancel cancelled")
	}

	e.s.Advance(sim.FiveSimCancelWait)
	out, err := e.p.Do(ctx, act, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	o := e.order(t, l.ID)
	if o.Status != "CANCELED" || out.Lines[0].State != backend.LineCanceled || out.Lines[0].Allowed.Has(backend.ActCancel) {
		t.Fatalf("cancel: simulator %s, line %+v", o.Status, out.Lines[0])
	}
	checkLine(t, out.Lines[0], o)
	// Refunded: balance and frozen back where they were.
	if !e.balance().Equal(before) || !e.frozen().Equal(frozen) || e.s.FiveSim.Rating(e.acct) >= rating {
		t.Fatalf("after cancel: balance %v (was %v), frozen %v (was %v), rating %v (was %v)",
			e.balance(), before, e.frozen(), frozen, e.s.FiveSim.Rating(e.acct), rating)
	}
	_, err = e.c.Cancel(ctx, mustID(t, l))
	if be := mustKind(t, err, backend.ErrRefused); be.Code != "order expired" {
		t.Fatalf("cancel twice: %+v", be)
	}

	// Once an SMS arrived: cancel is refused with a hint to finish; finish
	// spends the frozen price.
	l = e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	e.s.Advance(sim.FiveSimCancelWait)
	if err := e.s.FiveSim.Deliver(l.ID, "Your code is 90210"); err != nil {
		t.Fatal(err)
	}
	balance, frozen := e.balance(), e.frozen()
	_, err = e.p.Do(ctx, backend.Action{ID: "c2", Kind: backend.ActCancel, Target: l.Key}, backend.Target{Line: &l})
	be = mustKind(t, err, backend.ErrRefused)
	if be.Code != "order has sms" || !strings.Contains(be.Message, "finish") {
		t.Fatalf("cancel with an SMS: %+v", be)
	}
	out, err = e.p.Do(ctx, backend.Action{ID: "f2", Kind: backend.ActFinish, Target: l.Key}, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	o = e.order(t, l.ID)
	checkLine(t, out.Lines[0], o)
	if o.Status != "FINISHED" || out.Lines[0].State != backend.LineFinished || out.Lines[0].Code != "90210" || len(out.Messages) != 1 {
		t.Fatalf("finish: simulator %s, outcome %+v", o.Status, out)
	}
	if !e.balance().Equal(balance) || !frozen.Sub(e.frozen()).Equal(dec(o.Price)) {
		t.Fatalf("after finish: balance %v (was %v), frozen %v (was %v)", e.balance(), balance, e.frozen(), frozen)
	}

	// Ban: the service rejected the number; refunded like a cancel.
	l = e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	balance = e.balance()
	out, err = e.p.Do(ctx, backend.Action{ID: "b3", Kind: backend.ActBan, Target: l.Key}, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	o = e.order(t, l.ID)
	checkLine(t, out.Lines[0], o)
	if o.Status != "BANNED" || out.Lines[0].State != backend.LineBanned || !e.balance().Sub(balance).Equal(price) {
		t.Fatalf("ban: simulator %s, line %s, balance %v → %v", o.Status, out.Lines[0].State, balance, e.balance())
	}

	// The direct calls.
	l = e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	e.s.Advance(sim.FiveSimCancelWait)
	if co, err := e.c.Cancel(ctx, mustID(t, l)); err != nil || co.Status != "CANCELED" {
		t.Fatalf("GET /user/cancel: %+v %v", co, err)
	}
	l = e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	if bo, err := e.c.Ban(ctx, mustID(t, l)); err != nil || bo.Status != "BANNED" {
		t.Fatalf("GET /user/ban: %+v %v", bo, err)
	}
	l = e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	_ = e.s.FiveSim.Deliver(l.ID, "code 1234")
	if fo, err := e.c.Finish(ctx, mustID(t, l)); err != nil || fo.Status != "FINISHED" || e.order(t, l.ID).Status != "FINISHED" {
		t.Fatalf("GET /user/finish: %+v %v", fo, err)
	}
	_, err = e.c.Finish(ctx, 1)
	mustKind(t, err, backend.ErrNotFound)
}

func mustID(t *testing.T, l backend.Line) int64 {
	t.Helper()
	id, err := strconv.ParseInt(l.ID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestContractReuse(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	prev := e.seeded(t, "activation", "telegram", "FINISHED")
	if !prev.Reuse {
		t.Fatal("seed: the finished telegram order was not bought with reuse=1")
	}
	lines, _, err := e.p.Lines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var l backend.Line
	for _, x := range lines {
		if x.ID == strconv.Itoa(prev.ID) {
			l = x
		}
	}
	l.Extra["reuse"] = "1" // Switchboard bought it; the engine keeps this
	before, count := e.balance(), e.s.FiveSim.Orders(e.acct)
	out, err := e.p.Do(ctx, backend.Action{ID: "r1", Kind: backend.ActReuse, Target: l.Key, CreatedAt: e.s.Now()}, backend.Target{Line: &l})
	if err != nil {
		t.Fatal(err)
	}
	o := e.order(t, out.Lines[0].ID)
	if e.s.FiveSim.Orders(e.acct) != count+1 || o.Phone != prev.Phone || o.Product != "telegram" || o.ID == prev.ID ||
		!before.Sub(e.balance()).Equal(dec(o.Price)) || !out.Charged.Amount.Equal(dec(o.Price)) {
		t.Fatalf("reuse: simulator %+v (orders %d → %d)", o, count, e.s.FiveSim.Orders(e.acct))
	}
	checkLine(t, out.Lines[0], o)

	// Through a buy request (number with '+', as the line shows it).
	old := e.seeded(t, "activation", "amazon", "CANCELED")
	out, err = e.p.Do(ctx, backend.Action{ID: "r2", Kind: backend.ActBuy,
		Buy: &backend.BuyRequest{ReuseNumber: old.Phone, Product: "amazon"}}, backend.Target{})
	if err != nil || e.order(t, out.Lines[0].ID).Phone != old.Phone {
		t.Fatalf("reuse by buy: %+v %v", out, err)
	}
	// A number bought without reuse=1.
	noReuse := e.seeded(t, "activation", "google", "FINISHED")
	_, err = e.c.Reuse(ctx, "google", noReuse.Phone)
	mustKind(t, err, backend.ErrInvalid)
}

// --- refusals ---------------------------------------------------------------------------

func TestContractRefusals(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	count, before := e.s.FiveSim.Orders(e.acct), e.balance()
	buy := func(req backend.BuyRequest) error {
		req.Category = "activation"
		_, err := e.p.Do(ctx, backend.Action{ID: "x", Kind: backend.ActBuy, CreatedAt: e.s.Now(), Buy: &req}, backend.Target{})
		return err
	}

	// `no free phones` comes with HTTP 200: still out of stock.
	if !e.s.FiveSim.SetStock("russia", "beeline", "telegram", 0) {
		t.Fatal("no telegram at beeline")
	}
	be := mustKind(t, buy(backend.BuyRequest{Country: "russia", Operator: "beeline", Product: "telegram"}), backend.ErrOutOfStock)
	if be.Status != http.StatusOK || be.Code != "no free phones" {
		t.Fatalf("no free phones: %+v", be)
	}

	e.s.FiveSim.SetBalance(e.acct, 0.5)
	be = mustKind(t, buy(backend.BuyRequest{Country: "russia", Product: "telegram"}), backend.ErrNoBalance)
	if be.Code != "not enough user balance" {
		t.Fatalf("no balance: %+v", be)
	}
	e.s.FiveSim.SetBalance(e.acct, 1000)
	e.s.FiveSim.SetRating(e.acct, 0)
	mustKind(t, buy(backend.BuyRequest{Country: "russia", Product: "telegram"}), backend.ErrForbidden)
	e.s.FiveSim.SetRating(e.acct, 50)
	mustKind(t, buy(backend.BuyRequest{Country: "russia", Product: "no-such-product"}), backend.ErrInvalid)
	if e.s.FiveSim.Orders(e.acct) != count {
		t.Fatal("a refused purchase placed an order")
	}

	// `server offline` comes with a 5xx: for a purchase that is no clear
	// answer, and re-reading shows nothing was bought.
	e.s.FiveSim.SetOffline(true)
	act := backend.Action{ID: "off", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
		Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "telegram"}}
	_, err := e.p.Do(ctx, act, backend.Target{})
	if k := backend.KindOf(err); k != backend.ErrOutcomeUnknown && k != backend.ErrUnavailable {
		t.Fatalf("server offline: %v", err)
	}
	e.s.FiveSim.SetOffline(false)
	if st, _, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: e.known()}); err != nil || st != backend.SettledNotDone {
		t.Fatalf("Settle after server offline: %v %v", st, err)
	}
	if e.s.FiveSim.Orders(e.acct) != count || !e.balance().Equal(dec(1000)) {
		t.Fatalf("refusals changed the simulator: orders %d → %d, balance %v (was %v)", count, e.s.FiveSim.Orders(e.acct), e.balance(), before)
	}

	// An unknown route (here: a wrong base URL) is a redirect to an HTML
	// page, not data.
	wrong, err := fivesim.New(fivesim.Config{Account: e.acct, BaseURL: e.s.URL(backend.FiveSim) + "/v2", APIKey: e.key,
		Budget: backend.NewBudget(6000), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Balance(ctx); backend.KindOf(err) != backend.ErrNotFound {
		t.Fatalf("unknown route: %v", err)
	}
}

// --- settling lost answers --------------------------------------------------------------

func TestContractSettle(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	e.s.FiveSim.SetStock("russia", "beeline", "telegram", 500)
	warm := func() {
		// A read first, so the purchase goes out on a kept-alive
		// connection, as it does in a running program.
		if _, err := e.c.Profile(ctx); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("purchase lost", func(t *testing.T) {
		warm()
		known, count, before := e.known(), e.s.FiveSim.Orders(e.acct), e.balance()
		e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/user/buy/activation/", Times: 1})
		act := backend.Action{ID: "lost", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
			Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Operator: "beeline", Product: "telegram"}}
		_, err := e.p.Do(ctx, act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		ids := e.s.FiveSim.OrderIDs(e.acct)
		if len(ids) != count+1 {
			t.Fatalf("one lost purchase made %d orders", len(ids)-count)
		}
		newest := e.order(t, ids[len(ids)-1])
		if !before.Sub(e.balance()).Equal(dec(newest.Price)) {
			t.Fatalf("balance %v → %v for one order of %v", before, e.balance(), newest.Price)
		}
		st, out, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known})
		if err != nil || st != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != strconv.Itoa(newest.ID) {
			t.Fatalf("Settle: %v %+v %v", st, out.Lines, err)
		}
		checkLine(t, out.Lines[0], newest)
	})

	t.Run("purchase never went through", func(t *testing.T) {
		warm()
		known, count := e.known(), e.s.FiveSim.Orders(e.acct)
		e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultDrop, Path: "/user/buy/activation/", Times: 1})
		act := backend.Action{ID: "dropped", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
			Buy: &backend.BuyRequest{Category: "activation", Country: "russia", Product: "telegram"}}
		_, err := e.p.Do(ctx, act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if e.s.FiveSim.Orders(e.acct) != count {
			t.Fatal("a dropped purchase was placed")
		}
		st, _, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known})
		if err != nil || st != backend.SettledNotDone {
			t.Fatalf("Settle: %v %v", st, err)
		}
	})

	t.Run("cancel lost", func(t *testing.T) {
		l := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
		e.s.Advance(sim.FiveSimCancelWait)
		warm()
		before := e.balance()
		e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/user/cancel/", Times: 1})
		act := backend.Action{ID: "lost-cancel", Kind: backend.ActCancel, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Line: &l})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		o := e.order(t, l.ID)
		if o.Status != "CANCELED" || !e.balance().Sub(before).Equal(dec(o.Price)) {
			t.Fatalf("simulator %s, refund %v of %v", o.Status, e.balance().Sub(before), o.Price)
		}
		st, out, err := e.p.Settle(ctx, act, backend.Target{Line: &l})
		if err != nil || st != backend.SettledHappened || out.Lines[0].State != backend.LineCanceled {
			t.Fatalf("Settle: %v %+v %v", st, out, err)
		}
		checkLine(t, out.Lines[0], o)
	})

	t.Run("cancel never went through", func(t *testing.T) {
		l := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
		e.s.Advance(sim.FiveSimCancelWait)
		warm()
		e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultDrop, Path: "/user/cancel/", Times: 1})
		act := backend.Action{ID: "dropped-cancel", Kind: backend.ActCancel, Target: l.Key}
		_, err := e.p.Do(ctx, act, backend.Target{Line: &l})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if st := e.order(t, l.ID).Status; st == "CANCELED" {
			t.Fatal("a dropped cancel took effect")
		}
		st, _, err := e.p.Settle(ctx, act, backend.Target{Line: &l})
		if err != nil || st != backend.SettledNotDone {
			t.Fatalf("Settle: %v %v", st, err)
		}
	})

	t.Run("reuse lost", func(t *testing.T) {
		prev := e.seeded(t, "activation", "telegram", "FINISHED")
		warm()
		known, count := e.known(), e.s.FiveSim.Orders(e.acct)
		e.s.Inject(backend.FiveSim, sim.Fault{Kind: sim.FaultLoseResponse, Path: "/user/reuse/", Times: 1})
		act := backend.Action{ID: "lost-reuse", Kind: backend.ActBuy, CreatedAt: e.s.Now(),
			Buy: &backend.BuyRequest{ReuseNumber: prev.Phone, Product: "telegram"}}
		_, err := e.p.Do(ctx, act, backend.Target{KnownIDs: known})
		mustKind(t, err, backend.ErrOutcomeUnknown)
		if e.s.FiveSim.Orders(e.acct) != count+1 {
			t.Fatalf("one lost reuse made %d orders", e.s.FiveSim.Orders(e.acct)-count)
		}
		st, out, err := e.p.Settle(ctx, act, backend.Target{KnownIDs: known})
		if err != nil || st != backend.SettledHappened || out.Lines[0].Number != prev.Phone {
			t.Fatalf("Settle: %v %+v %v", st, out, err)
		}
	})
}

// --- rate limits ----------------------------------------------------------------------

func TestContractRateLimits(t *testing.T) {
	t.Run("the simulator's own limit", func(t *testing.T) {
		e := newFsEnv(t, map[backend.ProviderKind]int{backend.FiveSim: 3})
		ctx := ctxT(t)
		for i := range 3 {
			if _, err := e.p.Balance(ctx); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		_, err := e.p.Balance(ctx)
		be := mustKind(t, err, backend.ErrRateLimited)
		// 5sim never sends Retry-After: the budget backs off from 1 s.
		if be.RetryAfter < time.Second || be.RetryAfter > 1250*time.Millisecond || e.s.RateLimited(backend.FiveSim) != 1 {
			t.Fatalf("429: %+v (simulator counted %d)", be, e.s.RateLimited(backend.FiveSim))
		}
		if e.budget.PausedUntil().IsZero() {
			t.Fatal("the budget did not pause")
		}
		assertPaused(t, e.s, e.p.Balance)
	})
	for name, kind := range map[string]sim.FaultKind{"injected 429 with a hint": sim.Fault429, "injected 429 without": sim.Fault429NoHint} {
		t.Run(name, func(t *testing.T) {
			e := newFsEnv(t, nil)
			e.s.Inject(backend.FiveSim, sim.Fault{Kind: kind, Path: "/user/profile", Times: 1, Retry: 9 * time.Second})
			_, err := e.p.Balance(ctxT(t))
			be := mustKind(t, err, backend.ErrRateLimited)
			if be.RetryAfter < time.Second || be.RetryAfter > 1250*time.Millisecond {
				t.Fatalf("RetryAfter %v: 5sim gives no hint, the budget backs off from 1 s", be.RetryAfter)
			}
			assertPaused(t, e.s, e.p.Balance)
		})
	}
}

func assertPaused[T any](t *testing.T, s *sim.Sim, call func(context.Context) (T, error)) {
	t.Helper()
	hits := s.Hits(backend.FiveSim)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := call(ctx); err == nil {
		t.Fatal("a call went through during the pause")
	}
	if s.Hits(backend.FiveSim) != hits {
		t.Fatal("a request reached the simulator during the pause")
	}
}

// --- catalogue -------------------------------------------------------------------------

// rawPrices reads /guest/prices without the adapter, for the rates the
// simulator exposes no hook for.
func rawPrices(t *testing.T, e *fsEnv, query string) map[string]map[string]map[string]map[string]any {
	t.Helper()
	resp, err := http.Get(e.s.URL(backend.FiveSim) + "/guest/prices?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]map[string]map[string]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestContractCatalog(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	// Known stock, set before the adapter caches the catalogue.
	e.s.FiveSim.SetStock("russia", "beeline", "telegram", 1234)
	e.s.FiveSim.SetStock("russia", "beeline", "1day", 7)

	cats, err := e.p.Catalog(ctx, backend.CatalogRequest{Step: backend.StepCategory})
	if err != nil || len(cats) != 2 {
		t.Fatalf("category step: %+v %v", cats, err)
	}
	for _, c := range cats {
		if !slices.Equal(e.p.BuySteps(c.ID), []string{backend.StepCountry, backend.StepOperator, backend.StepProduct}) {
			t.Fatalf("%s steps %v", c.ID, e.p.BuySteps(c.ID))
		}
	}

	// Countries: all seven sell activations, three sell hosting.
	cs, err := e.c.Countries(ctx)
	if err != nil || len(cs) != 7 {
		t.Fatalf("GET /guest/countries: %d %v", len(cs), err)
	}
	for _, c := range cs {
		if c.Name == "russia" && (c.TextEN != "Russia" || !slices.Equal(c.ISO, []string{"ru"}) || len(c.Operators) != 6 ||
			!slices.Contains(c.Operators["beeline"], "hosting")) {
			t.Fatalf("russia %+v", c)
		}
	}
	for cat, want := range map[string]int{"activation": 8, "hosting": 4} {
		items, err := e.p.Catalog(ctx, backend.CatalogRequest{Category: cat, Step: backend.StepCountry})
		if err != nil || len(items) != want || items[0].ID != "any" {
			t.Fatalf("%s country step: %+v %v", cat, items, err)
		}
	}
	chosen := map[string]string{backend.StepCountry: "russia"}
	for cat, want := range map[string]int{"activation": 7, "hosting": 5} {
		items, err := e.p.Catalog(ctx, backend.CatalogRequest{Category: cat, Step: backend.StepOperator, Chosen: chosen})
		if err != nil || len(items) != want {
			t.Fatalf("%s operator step: %+v %v", cat, items, err)
		}
	}

	// Products at one operator: price and stock from the simulator, the
	// rate from its price list.
	chosen[backend.StepOperator] = "beeline"
	items, err := e.p.Catalog(ctx, backend.CatalogRequest{Category: "activation", Step: backend.StepProduct, Chosen: chosen})
	if err != nil || len(items) == 0 {
		t.Fatalf("product step: %v", err)
	}
	raw := rawPrices(t, e, "country=russia")
	for _, it := range items {
		if !it.Price.Amount.Equal(dec(e.s.FiveSim.Price("russia", "beeline", it.ID))) {
			t.Errorf("%s price %v, simulator %v", it.ID, it.Price, e.s.FiveSim.Price("russia", "beeline", it.ID))
		}
		leaf := raw["russia"][it.ID]["beeline"]
		if rate, _ := leaf["rate"].(float64); it.Rate != rate || it.Stock != int(leaf["count"].(float64)) {
			t.Errorf("%s rate %v stock %d, price list %v", it.ID, it.Rate, it.Stock, leaf)
		}
		if it.ID == "1day" || it.ID == "3hours" {
			t.Errorf("hosting product %s in the activation step", it.ID)
		}
	}
	if i := slices.IndexFunc(items, func(it backend.CatalogItem) bool { return it.ID == "telegram" }); i < 0 || items[i].Stock != 1234 {
		t.Fatalf("telegram item %v", items)
	}
	hosting, err := e.p.Catalog(ctx, backend.CatalogRequest{Category: "hosting", Step: backend.StepProduct, Chosen: chosen})
	if err != nil || len(hosting) != 2 || hosting[0].ID != "1day" || hosting[0].Stock != 7 ||
		!hosting[0].Price.Amount.Equal(dec(e.s.FiveSim.Price("russia", "beeline", "1day"))) {
		t.Fatalf("hosting product step: %+v %v", hosting, err)
	}

	// The picker's choices buy what the picker showed.
	var req backend.BuyRequest
	req.Category = "activation"
	for _, step := range e.p.BuySteps("activation") {
		id := chosen[step]
		if step == backend.StepProduct {
			id = "telegram"
		}
		req.Chosen(step, id)
	}
	l := e.buy(t, req)
	if o := e.order(t, l.ID); o.Operator != "beeline" || o.Country != "russia" || !l.Price.Amount.Equal(dec(e.s.FiveSim.Price("russia", "beeline", "telegram"))) {
		t.Fatalf("bought %+v at %v", o, l.Price)
	}

	// The other documented price filters.
	byProduct, err := e.c.Prices(ctx, "", "telegram")
	if err != nil || !byProduct["telegram"]["russia"]["beeline"].Cost.Amount.Equal(dec(e.s.FiveSim.Price("russia", "beeline", "telegram"))) {
		t.Fatalf("prices?product=telegram: %v %v", byProduct["telegram"]["russia"], err)
	}
	both, err := e.c.Prices(ctx, "russia", "telegram")
	if err != nil || len(both["russia"]) != 1 || both["russia"]["telegram"]["beeline"].Count != 1233 {
		t.Fatalf("prices?country=russia&product=telegram: %v %v", both, err)
	}
	hits := e.s.Hits(backend.FiveSim)
	if _, err := e.c.Prices(ctx, "", ""); backend.KindOf(err) != backend.ErrInvalid || e.s.Hits(backend.FiveSim) != hits {
		t.Fatalf("unfiltered prices: %v", err)
	}
	ps, err := e.c.Products(ctx, "any", "any")
	if err != nil || !slices.ContainsFunc(ps, func(p fivesim.Product) bool { return p.Name == "3hours" && p.Category == "hosting" }) {
		t.Fatalf("GET /guest/products/any/any: %v", err)
	}
	for _, lang := range []string{"en", "ru"} {
		if f, err := e.c.Flash(ctx, lang); err != nil || f.Text == "" {
			t.Fatalf("GET /guest/flash/%s: %+v %v", lang, f, err)
		}
	}
}

// TestContractAllowedActions: every action a line offers is one the
// simulator accepts in that state.
func TestContractAllowedActions(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	e.s.FiveSim.SetBalance(e.acct, 10000)
	type order struct {
		name string
		make func() backend.Line
	}
	activation := func(sms bool) func() backend.Line {
		return func() backend.Line {
			l := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
			e.s.Advance(sim.FiveSimCancelWait) // past the early-cancel refusal
			if sms {
				if err := e.s.FiveSim.Deliver(l.ID, "Your code is 31337"); err != nil {
					t.Fatal(err)
				}
			}
			return l
		}
	}
	hosting := func(sms bool) func() backend.Line {
		return func() backend.Line {
			l := e.buy(t, backend.BuyRequest{Category: "hosting", Country: "russia", Product: "3hours"})
			e.s.Advance(sim.FiveSimCancelWait)
			if sms {
				if err := e.s.FiveSim.Deliver(l.ID, "Use 415127 as your login code"); err != nil {
					t.Fatal(err)
				}
			}
			return l
		}
	}
	for _, o := range []order{{"activation", activation(false)}, {"activation with an SMS", activation(true)},
		{"hosting", hosting(false)}, {"hosting with an SMS", hosting(true)}} {
		// One fresh order per action, each read back the way the engine
		// would have it.
		probe := o.make()
		lines, _, err := e.p.Check(ctx, []backend.Line{probe})
		if err != nil || len(lines) != 1 {
			t.Fatal(err)
		}
		allowed := lines[0].Allowed
		if allowed == 0 {
			t.Fatalf("%s allows nothing", o.name)
		}
		for _, kind := range allowed.Kinds() {
			l := probe
			if kind != backend.ActCheck {
				l = o.make()
				ls, _, err := e.p.Check(ctx, []backend.Line{l})
				if err != nil || len(ls) != 1 || ls[0].Allowed != allowed {
					t.Fatalf("%s: %v %v", o.name, ls, err)
				}
				l = ls[0]
			}
			act := backend.Action{ID: o.name + string(kind), Kind: kind, Target: l.Key, CreatedAt: e.s.Now()}
			if _, err := e.p.Do(ctx, act, backend.Target{Line: &l}); err != nil {
				t.Errorf("%s allows %s, the simulator refuses: %v", o.name, kind, err)
			}
		}
		t.Logf("%s allows %s", o.name, allowed)
	}
}

// TestContractExpiry: an order without an SMS times out and is refunded;
// one with an SMS is finished by 5sim itself.
func TestContractExpiry(t *testing.T) {
	e := newFsEnv(t, nil)
	ctx := ctxT(t)
	before := e.balance()
	silent := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	coded := e.buy(t, backend.BuyRequest{Country: "russia", Product: "telegram"})
	if err := e.s.FiveSim.Deliver(coded.ID, "Telegram code 77123"); err != nil {
		t.Fatal(err)
	}
	// The seeded open orders expire too: remember them for the money.
	var open []int
	for _, id := range e.s.FiveSim.OrderIDs(e.acct) {
		if o := e.order(t, id); o.Category == "activation" && (o.Status == "PENDING" || o.Status == "RECEIVED") {
			open = append(open, id)
		}
	}
	paid := before.Sub(e.balance())
	e.s.Advance(sim.FiveSimActivationLife)
	refunds := decimal.Zero
	for _, id := range open {
		if o := e.order(t, id); o.Status == "TIMEOUT" {
			refunds = refunds.Add(dec(o.Price))
		}
	}
	lines, msgs, err := e.p.Check(ctx, []backend.Line{silent, coded})
	if err != nil || len(lines) != 2 {
		t.Fatalf("Check: %v %v", lines, err)
	}
	for _, l := range lines {
		o := e.order(t, l.ID)
		checkLine(t, l, o)
		want := map[string]backend.LineState{silent.ID: backend.LineTimeout, coded.ID: backend.LineFinished}[l.ID]
		if l.State != want || l.State.Open() || l.Allowed.Has(backend.ActCancel) {
			t.Errorf("line %s after expiry: %s (%s) allows %s", l.ID, l.State, o.Status, l.Allowed)
		}
	}
	if len(msgs) != 1 || msgs[0].Code != "77123" {
		t.Fatalf("messages %+v", msgs)
	}
	spent := dec(e.order(t, coded.ID).Price)
	if !before.Sub(paid).Add(refunds).Equal(e.balance()) || !paid.Sub(dec(e.order(t, silent.ID).Price)).Equal(spent) {
		t.Fatalf("balance %v → %v: paid %v, refunds %v", before, e.balance(), paid, refunds)
	}
	if !e.frozen().IsZero() {
		t.Fatalf("frozen %v with every order closed", e.frozen())
	}
}
