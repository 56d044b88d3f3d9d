package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/hub"
)

var t0 = time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)

// fakeLive is a hub over a test-fed source and a door that records what
// is submitted and answers as the test says.
type fakeLive struct {
	h     *hub.Hub
	src   chan backend.Event
	mu    sync.Mutex
	sent  []backend.Action
	reply func(backend.Action) []backend.Event
	items map[string][]backend.CatalogItem // picker step → choices
}

type source struct {
	init backend.Event
	ch   chan backend.Event
}

func (s source) Initial() backend.Event       { return s.init }
func (s source) Events() <-chan backend.Event { return s.ch }

func newLive(t testing.TB, init backend.Event) *fakeLive {
	t.Helper()
	f := &fakeLive{src: make(chan backend.Event)}
	f.h = hub.New(source{init, f.src}, hub.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

func (f *fakeLive) Subscribe(op string) (Stream, backend.Event) {
	s, snap := f.h.Subscribe(op)
	return s, snap
}
func (f *fakeLive) As(op string) Door { return door{f, op} }

func (f *fakeLive) submitted() []backend.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backend.Action(nil), f.sent...)
}

type door struct {
	f  *fakeLive
	op string
}

func (d door) Submit(a backend.Action) {
	a.Operator = d.op
	d.f.mu.Lock()
	d.f.sent = append(d.f.sent, a)
	reply := d.f.reply
	d.f.mu.Unlock()
	if reply != nil {
		for _, ev := range reply(a) {
			d.f.src <- ev
		}
	}
}

func (d door) Catalog(_ context.Context, _ string, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	return d.f.items[req.Step], nil
}

func (d door) BuyFlow(string) (backend.BuyFlow, bool) { return flow{}, true }

type flow struct{}

func (flow) BuyCategories() []string { return []string{"activation"} }
func (flow) BuySteps(string) []string {
	return []string{backend.StepCountry, backend.StepOperator, backend.StepProduct}
}

func usd(n int64) backend.Money { return backend.NewMoney(decimal.NewFromInt(n), "USD") }

// world is one 5sim account with a waiting line and a piv.day lease.
func world() backend.Event {
	return backend.Event{
		Accounts: []backend.Account{{Name: "5s", Provider: backend.FiveSim, Balance: usd(40), Health: backend.HealthOK},
			{Name: "piv", Provider: backend.PivDay, Balance: usd(9), Health: backend.HealthOK}},
		Lines: []*backend.Line{{Key: "fivesim/5s/line/77", Account: "5s", Provider: backend.FiveSim, ID: "77",
			Number: "+79001234567", Service: "telegram", State: backend.LineWaiting, CreatedAt: backend.InstantOf(t0),
			Price: usd(2), Allowed: backend.Allow(backend.ActCancel)}},
		Leases: []backend.Lease{{Key: "pivday/piv/lease/p1", Account: "piv", Provider: backend.PivDay, ID: "p1",
			Kind: backend.LeaseProxy, Name: "DE x10", State: "active", ExpiresAt: t0.Add(48 * time.Hour),
			RenewPrice: usd(3), Allowed: backend.Allow(backend.ActRenew)}},
	}
}

// run runs a verb as alice and returns its exit code and output.
type ran struct {
	code           int
	stdout, stderr string
}

func runVerb(ctx context.Context, live Live, clock clockwork.Clock, argv ...string) ran {
	var out, errw bytes.Buffer
	env := Env{Operator: "alice", Live: live, Stdout: &out, Stderr: &errw, Clock: clock}
	if live == nil {
		env.Live = nil
	}
	code := Run(ctx, env, argv)
	return ran{code, out.String(), errw.String()}
}

// background runs a verb while the test feeds events; wait returns its
// result once it has subscribed and finished.
func background(t *testing.T, f *fakeLive, clock clockwork.Clock, argv ...string) func() ran {
	t.Helper()
	before := f.h.Subscribers()
	res := make(chan ran, 1)
	go func() { res <- runVerb(context.Background(), f, clock, argv...) }()
	for f.h.Subscribers() == before {
		time.Sleep(time.Millisecond)
	}
	return func() ran {
		select {
		case r := <-res:
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("%v did not finish", argv)
			return ran{}
		}
	}
}

func TestCodeWaitPrintsOnlyTheCode(t *testing.T) {
	f := newLive(t, world())
	clock := clockwork.NewFakeClockAt(t0)
	wait := background(t, f, clock, "code", "+7 900 123-45-67", "--wait")
	l := world().Lines[0]
	l.Code, l.State = "483920", backend.LineReceived
	f.src <- backend.Event{Lines: []*backend.Line{l}}
	if r := wait(); r.code != ExitOK || r.stdout != "483920\n" || r.stderr != "" {
		t.Fatalf("code --wait: %+v", r)
	}
	// The same by order id, the code already there; and as JSON.
	if r := runVerb(context.Background(), f, clock, "code", "77", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"code":"483920"`) {
		t.Fatalf("code --json: %+v", r)
	}
}

// account:service waits for the account's newest open line of that
// service, which may not exist yet (a purchase on its way).
func TestCodeWaitsForAnAccountsServiceLine(t *testing.T) {
	f := newLive(t, world())
	clock := clockwork.NewFakeClockAt(t0)
	wait := background(t, f, clock, "code", "5s:whatsapp", "--wait")
	f.src <- backend.Event{Lines: []*backend.Line{{Key: "fivesim/5s/line/78", Account: "5s", ID: "78", Number: "+79001112233",
		Service: "whatsapp", State: backend.LineWaiting, CreatedAt: backend.InstantOf(t0.Add(time.Minute))}}}
	f.src <- backend.Event{Lines: []*backend.Line{{Key: "fivesim/5s/line/78", Account: "5s", ID: "78", Number: "+79001112233",
		Service: "whatsapp", State: backend.LineReceived, CreatedAt: backend.InstantOf(t0.Add(time.Minute)), Code: "1122"}}}
	if r := wait(); r.code != ExitOK || r.stdout != "1122\n" {
		t.Fatalf("%+v", r)
	}
}

func TestCodeExitCodes(t *testing.T) {
	f := newLive(t, world())
	clock := clockwork.NewFakeClockAt(t0)
	cases := []struct {
		argv []string
		code int
		say  string
	}{
		{[]string{"code"}, ExitUsage, "one argument"},
		{[]string{"code", "+44 20 0000 0000"}, ExitUsage, "no line has the number or order id"},
		{[]string{"code", "nope:telegram", "--wait"}, ExitUsage, `no account is named "nope"`},
		{[]string{"code", "77", "--bogus"}, ExitUsage, "flag provided but not defined"},
		{[]string{"code", "77"}, ExitFailed, "no code yet on +79001234567 telegram"},
		{[]string{"sing"}, ExitUsage, `unknown verb "sing"`},
	}
	for _, c := range cases {
		r := runVerb(context.Background(), f, clock, c.argv...)
		if r.code != c.code || !strings.Contains(r.stderr, c.say) || r.stdout != "" && c.code != 0 && c.argv[0] != "sing" {
			t.Errorf("%v: %+v, want exit %d saying %q", c.argv, r, c.code, c.say)
		}
	}
	if r := runVerb(context.Background(), f, clock, "code", "--help"); r.code != ExitOK || !strings.Contains(r.stdout, "usage: switchboard code") {
		t.Errorf("--help: %+v", r)
	}
	// --wait gives up after --timeout (on the verb's clock).
	wait := background(t, f, clock, "code", "77", "--wait", "--timeout", "90s")
	clock.BlockUntilContext(context.Background(), 1)
	clock.Advance(91 * time.Second)
	if r := wait(); r.code != ExitFailed || !strings.Contains(r.stderr, "no code for 77 within 1m30s") {
		t.Fatalf("timeout: %+v", r)
	}
}

// With nothing running, snapshot reads the cache and says it is stale;
// the verbs that need an engine say none is running.
func TestNothingRunning(t *testing.T) {
	var out, errw bytes.Buffer
	env := Env{Operator: "local", Stdout: &out, Stderr: &errw, NotRunning: "nothing answers on /s/switchboard.sock",
		Offline: func() (backend.Snapshot, error) {
			w := world()
			return backend.Snapshot{Accounts: w.Accounts, Lines: []backend.Line{*w.Lines[0]}, Leases: w.Leases}, nil
		}}
	if code := Run(context.Background(), env, []string{"snapshot", "--json"}); code != ExitOK {
		t.Fatalf("snapshot: %d %s", code, errw.String())
	}
	var snap Snapshot
	if err := json.Unmarshal(out.Bytes(), &snap); err != nil || !snap.Stale || len(snap.Lines) != 1 || snap.Schema != SchemaSnapshot {
		t.Fatalf("offline snapshot %s: %v", out.String(), err)
	}
	if !strings.Contains(errw.String(), "stale") {
		t.Fatalf("no word that it is stale: %q", errw.String())
	}
	for _, argv := range [][]string{{"code", "77", "--wait"}, {"watch"}, {"act", "renew", "p1"}, {"buy", "5s", "activation", "--max-price", "1"}} {
		errw.Reset()
		if code := Run(context.Background(), env, argv); code != ExitFailed || !strings.Contains(errw.String(), "nothing answers on /s/switchboard.sock") {
			t.Errorf("%v: %d %q", argv, code, errw.String())
		}
	}
}

func TestWatchStreamsNDJSON(t *testing.T) {
	f := newLive(t, world())
	clock := clockwork.NewFakeClockAt(t0)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errw bytes.Buffer
	var mu sync.Mutex
	env := Env{Operator: "alice", Live: f, Clock: clock,
		Stdout: writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) }), Stderr: &errw}
	done := make(chan int, 1)
	go func() { done <- Run(ctx, env, []string{"watch", "--json"}) }()
	for f.h.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	l := world().Lines[0]
	l.Code = "5550"
	acc := world().Accounts[0]
	acc.Balance = usd(38)
	f.src <- backend.Event{Lines: []*backend.Line{l}, Accounts: []backend.Account{acc}, Actions: []backend.JournalEntry{
		{Action: backend.Action{ID: "r1", Kind: backend.ActRenew, Account: "piv", Operator: "bob"}, State: backend.JournalDone}}}
	clock.BlockUntilContext(ctx, 1) // the expiry alarm
	clock.Advance(25 * time.Hour)   // the lease comes within a day of its expiry
	var types []string
	for deadline := time.Now().Add(10 * time.Second); len(types) < 5 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		types = types[:0]
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var e Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				mu.Unlock()
				t.Fatalf("not a JSON line: %q", line)
			}
			types = append(types, e.Type)
		}
		mu.Unlock()
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("watch ended with %d: %s", code, errw.String())
	}
	sort.Strings(types[1:]) // the expiry and the event may be said in either order
	if got := strings.Join(types, " "); got != "hello action balance code expiring" {
		t.Fatalf("events %q:\n%s", got, out.String())
	}
}

// act without --yes only says what would happen and the price; with it
// the engine's answer decides the exit code.
func TestActPreviewDoneAndRefused(t *testing.T) {
	f := newLive(t, world())
	clock := clockwork.NewFakeClockAt(t0)
	// A rented number is a line and a lease: naming it is not ambiguous.
	number := backend.Line{Key: "pivday/piv/line/n1", Account: "piv", Provider: backend.PivDay, ID: "n1", Number: "+447700900123",
		State: backend.LineActive, Price: usd(3), Allowed: backend.Allow(backend.ActRenew)}
	f.src <- backend.Event{Lines: []*backend.Line{new(number)}, Leases: []backend.Lease{{Key: "pivday/piv/lease/number/n1", Account: "piv",
		Provider: backend.PivDay, ID: "n1", Kind: backend.LeaseNumber, Name: number.Number, Line: number.Key, Allowed: backend.Allow(backend.ActRenew)}}}
	if r := runVerb(context.Background(), f, clock, "act", "renew", "+447700900123"); r.code != ExitOK || !strings.Contains(r.stdout, "would renew +447700900123 on piv") {
		t.Fatalf("a rented number: %+v", r)
	}
	r := runVerb(context.Background(), f, clock, "act", "renew", "DE x10")
	if r.code != ExitOK || !strings.Contains(r.stdout, "would renew proxy DE x10 on piv (piv.day) for $3.00; balance $9.00 → $6.00; add --yes") {
		t.Fatalf("preview: %+v", r)
	}
	if len(f.submitted()) != 0 {
		t.Fatal("a preview submitted the action")
	}
	f.reply = func(a backend.Action) []backend.Event {
		if a.Kind == backend.ActCancel {
			return []backend.Event{{Notices: []backend.Notice{{Level: backend.Warning, Action: &a, Operator: a.Operator,
				Text: "alice is a viewer: cancel not sent"}}}}
		}
		return []backend.Event{
			{Actions: []backend.JournalEntry{{Action: a, State: backend.JournalPending}}},
			{Actions: []backend.JournalEntry{{Action: a, State: backend.JournalDone, Note: "renewed to 30 Jun"}}},
		}
	}
	r = runVerb(context.Background(), f, clock, "act", "renew", "pivday/piv/lease/p1", "--yes", "--json")
	var res Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != ExitOK || res.State != "done" || res.Note != "renewed to 30 Jun" {
		t.Fatalf("renew --yes: %+v %v", r, err)
	}
	if a := f.submitted()[0]; a.Operator != "alice" || a.Target != "pivday/piv/lease/p1" || a.Months != 1 {
		t.Fatalf("submitted %+v", a)
	}
	r = runVerb(context.Background(), f, clock, "act", "cancel", "+79001234567", "--yes")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "refused: alice is a viewer: cancel not sent") {
		t.Fatalf("refused cancel: %+v", r)
	}
	for _, argv := range [][]string{{"act", "explode", "77"}, {"act", "renew"}, {"act", "renew", "nothing-here"}} {
		if r := runVerb(context.Background(), f, clock, argv...); r.code != ExitUsage {
			t.Errorf("%v: %+v", argv, r)
		}
	}
	if r := runVerb(context.Background(), f, clock, "act", "finish", "77"); r.code != ExitFailed || !strings.Contains(r.stderr, "cannot finish") {
		t.Errorf("finish a waiting 5sim line: %+v", r)
	}
}

func TestBuyHoldsToMaxPrice(t *testing.T) {
	f := newLive(t, world())
	f.items = map[string][]backend.CatalogItem{
		backend.StepCountry:  {{ID: "russia", Label: "Russia"}},
		backend.StepOperator: {{ID: "any", Label: "any operator"}},
		backend.StepProduct:  {{ID: "telegram", Label: "Telegram", Price: usd(5)}},
	}
	clock := clockwork.NewFakeClockAt(t0)
	r := runVerb(context.Background(), f, clock, "buy", "5s", "activation", "Russia", "any", "telegram", "--max-price", "4")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "it costs $5.00, more than --max-price 4: not bought") {
		t.Fatalf("over the max price: %+v", r)
	}
	r = runVerb(context.Background(), f, clock, "buy", "5s", "activation", "russia", "any", "telegram", "--max-price", "5")
	if r.code != ExitOK || !strings.Contains(r.stdout, "would buy activation Telegram · any operator · Russia on 5s (5sim) for $5.00; balance $40.00 → $35.00") {
		t.Fatalf("preview: %+v", r)
	}
	f.reply = func(a backend.Action) []backend.Event {
		return []backend.Event{{Actions: []backend.JournalEntry{{Action: a, State: backend.JournalDone}},
			Notices: []backend.Notice{{Level: backend.Success, Action: &a, Key: "fivesim/5s/line/99", Text: "buy — done"}}}}
	}
	r = runVerb(context.Background(), f, clock, "buy", "5s", "activation", "russia", "any", "telegram", "reuse=yes", "--max-price", "5", "--yes", "--json")
	var res Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != ExitOK || res.Target != "fivesim/5s/line/99" {
		t.Fatalf("buy --yes: %+v %v", r, err)
	}
	a := f.submitted()[0]
	if a.Kind != backend.ActBuy || a.Buy.Product != "telegram" || a.Buy.Country != "russia" || !a.Buy.Reuse || !a.Cost.Amount.Equal(decimal.NewFromInt(5)) {
		t.Fatalf("submitted %+v %+v", a, a.Buy)
	}
	for _, argv := range [][]string{
		{"buy", "5s", "activation", "russia", "any", "telegram"},                                   // no --max-price
		{"buy", "5s", "activation", "russia", "telegram", "--max-price", "9"},                      // a step missing
		{"buy", "5s", "hosting", "russia", "any", "telegram", "--max-price", "9"},                  // not sold
		{"buy", "5s", "activation", "mars", "any", "telegram", "--max-price", "9"},                 // no such country
		{"buy", "5s", "activation", "russia", "any", "telegram", "colour=red", "--max-price", "9"}, // no such field
		{"buy", "nobody", "activation", "russia", "any", "telegram", "--max-price", "9"},
	} {
		if r := runVerb(context.Background(), f, clock, argv...); r.code != ExitUsage {
			t.Errorf("%v: %+v", argv[2:], r)
		}
	}
	if n := len(f.submitted()); n != 1 {
		t.Fatalf("%d purchases submitted, want 1", n)
	}
}
