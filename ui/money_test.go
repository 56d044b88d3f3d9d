package ui_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// Model tests of the dialogs that spend money: the real root model over a
// scripted backend, driven by key presses, on a clock the test moves.

// flow is a scripted purchase: categories, steps per category, and the
// options of each step.
type flow struct {
	cats  []string
	steps map[string][]string
	items map[string][]backend.CatalogItem // by step
}

func (f flow) BuyCategories() []string           { return f.cats }
func (f flow) BuySteps(category string) []string { return f.steps[category] }

// scripted answers the UI from memory and records what it is asked to do.
type scripted struct {
	mu        sync.Mutex
	submitted []backend.Action
	flows     map[string]flow // by account
}

func (b *scripted) Submit(a backend.Action) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.submitted = append(b.submitted, a)
}
func (b *scripted) sent() []backend.Action {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]backend.Action(nil), b.submitted...)
}
func (b *scripted) Refresh(string)                                      {}
func (b *scripted) Copied(backend.Key)                                  {}
func (b *scripted) History(backend.Key, int) ([]backend.Message, error) { return nil, nil }
func (b *scripted) Journal(int) ([]backend.JournalEntry, error)         { return nil, nil }
func (b *scripted) Add(string, string)                                  {}
func (b *scripted) Catalog(_ context.Context, account string, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	return b.flows[account].items[req.Step], nil
}
func (b *scripted) BuyFlow(account string) (backend.BuyFlow, bool) {
	f, ok := b.flows[account]
	return f, ok
}

// tm is the dashboard running in a test program, on a clock the test
// moves.
type tm struct {
	t     *testing.T
	be    *scripted
	clock atomic.Int64 // unix nanos
	prog  *teatest.TestModel
}

func money(v string, cur string) backend.Money {
	return backend.NewMoney(decimal.RequireFromString(v), cur)
}

// world is the state every test starts from: one account per provider
// and an item for each money dialog.
func world(now time.Time) backend.Event {
	acc := func(name string, p backend.ProviderKind, bal backend.Money) backend.Account {
		return backend.Account{Name: name, Provider: p, Balance: bal, Health: backend.HealthOK, LastGood: now}
	}
	line := func(p backend.ProviderKind, account, id, number string, st backend.LineState, price backend.Money, allowed ...backend.ActionKind) backend.Line {
		return backend.Line{Key: backend.MakeKey(p, account, backend.ItemLine, id), Account: account, Provider: p, ID: id,
			Number: number, Service: "telegram", State: st, Price: price, CreatedAt: backend.InstantOf(now.Add(-5 * time.Minute)),
			ExpiresAt: backend.InstantOf(now.Add(10 * time.Minute)), Allowed: backend.Allow(allowed...), Version: 1}
	}
	lease := func(id, name string, price backend.Money, allowed ...backend.ActionKind) backend.Lease {
		return backend.Lease{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, id), Account: "piv",
			Provider: backend.PivDay, ID: id, Kind: backend.LeaseDomain, Name: name, State: "active",
			ExpiresAt: now.Add(40 * 24 * time.Hour), HasAuto: true, RenewPrice: price, Period: "year",
			Allowed: backend.Allow(allowed...), Version: 1}
	}
	expired := func(id, number string) backend.Line {
		l := line(backend.PivDay, "piv", id, number, backend.LineExpired, money("3.50", "USD"), backend.ActRestore)
		l.ExpiresAt = backend.InstantOf(now.Add(-24 * time.Hour))
		return l
	}
	return backend.Event{
		Accounts: []backend.Account{
			acc("piv", backend.PivDay, money("118.10", "USD")),
			acc("5s", backend.FiveSim, money("500", "")),
			acc("nv", backend.NonVoip, money("40", "USD")),
			acc("mk", backend.Market, money("21100", "NGN")),
		},
		Lines: []*backend.Line{
			new(line(backend.FiveSim, "5s", "11", "+79000000011", backend.LineWaiting, money("12.5", ""), backend.ActCancel, backend.ActBan)),
			new(line(backend.FiveSim, "5s", "12", "+79000000012", backend.LineReceived, money("12.5", ""), backend.ActFinish, backend.ActBan, backend.ActReuse)),
			new(line(backend.NonVoip, "nv", "21", "+13050000021", backend.LineWaiting, money("0.75", "USD"), backend.ActReject)),
			new(expired("31", "+46700000031")), new(expired("32", "+46700000032")),
		},
		Leases: []backend.Lease{
			lease("domain/1", "northwind-labs.com", money("12.00", "USD"), backend.ActRenew, backend.ActAutoRenewOn),
			lease("domain/2", "brightkettle.io", backend.Money{}, backend.ActRenew),
		},
	}
}

// start opens the dashboard on world at 160×48.
func start(t *testing.T, flows map[string]flow) *tm {
	t.Helper()
	x := &tm{t: t, be: &scripted{flows: flows}}
	x.clock.Store(t0.UnixNano())
	ev := world(x.now())
	var names []string
	for _, a := range ev.Accounts {
		names = append(names, a.Name)
	}
	m := ui.New(ui.Options{Backend: x.be, Initial: ev, Accounts: names, Theme: "dark", Keys: keymap.Default(), StateDir: "/st",
		Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour}, Now: x.now})
	x.prog = teatest.NewTestModel(t, wrapper{m}, teatest.WithInitialTermSize(160, 48))
	t.Cleanup(func() { _ = x.prog.Quit() })
	return x
}

func (x *tm) now() time.Time { return time.Unix(0, x.clock.Load()).UTC() }

// later moves the dashboard's clock.
func (x *tm) later(d time.Duration) { x.clock.Add(int64(d)) }

// press sends keys ("enter", "esc", "backspace", single keys) or types
// longer text key by key.
func (x *tm) press(keys ...string) {
	for _, k := range keys {
		if len([]rune(k)) > 1 && keyMsg(k).Text != "" {
			for _, r := range k {
				x.prog.Send(keyMsg(string(r)))
			}
			continue
		}
		x.prog.Send(keyMsg(k))
	}
}

func (x *tm) send(msg tea.Msg) { x.prog.Send(msg) }

// screen is the frame once every message sent so far is handled.
func (x *tm) screen() string {
	ch := make(chan string, 1)
	x.prog.Send(probe{ch})
	select {
	case s := <-ch:
		return ansi.Strip(s)
	case <-time.After(5 * time.Second):
		x.t.Fatal("the dashboard did not answer")
		return ""
	}
}

// sees waits until the screen shows every part (catalogue pages load in
// commands).
func (x *tm) sees(parts ...string) {
	x.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := x.screen()
		missing := ""
		for _, p := range parts {
			if !strings.Contains(s, p) {
				missing = p
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("screen lacks %q:\n%s", missing, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lacks checks the screen once every message sent so far is handled.
func (x *tm) lacks(parts ...string) {
	x.t.Helper()
	s := x.screen()
	for _, p := range parts {
		if strings.Contains(s, p) {
			x.t.Fatalf("screen shows %q:\n%s", p, s)
		}
	}
}

// sent is what the dashboard submitted once every message so far is
// handled.
func (x *tm) sent() []backend.Action {
	x.screen()
	return x.be.sent()
}

// pick focuses a pane and selects the first item matching q.
func (x *tm) pick(pane, q string) {
	x.press(pane, "esc", "/", q, "enter")
}

var (
	fiveSimFlow = flow{cats: []string{"activation"}, steps: map[string][]string{"activation": {backend.StepProduct}},
		items: map[string][]backend.CatalogItem{backend.StepProduct: {{ID: "telegram", Label: "Telegram", Price: money("12.5", ""), Stock: 12000}}}}
	pivFlow = flow{cats: []string{"number"}, steps: map[string][]string{"number": {backend.StepCountry}},
		items: map[string][]backend.CatalogItem{backend.StepCountry: {{ID: "SE", Label: "SE per month", Price: money("3.50", "USD"), Stock: -1}}}}
	boostFlow = flow{cats: []string{"boost"}, steps: map[string][]string{"boost": {backend.StepProduct}},
		items: map[string][]backend.CatalogItem{backend.StepProduct: {{ID: "svc1", Label: "Instagram Followers",
			Price: money("2000", "NGN"), Per: 1000, Min: 100, Max: 5000, Stock: -1}}}}
)

// buy5sim walks the picker to the 5sim confirmation.
func (x *tm) buy5sim() {
	x.press("n")
	x.sees("Telegram", "12,000 in stock")
	x.press("enter", "enter")
	x.sees("Buy activation Telegram")
}

// boost walks the picker to the quantity of a marketplace boost.
func (x *tm) boost() {
	x.press("n")
	x.sees("Instagram Followers")
	x.press("enter", "https://example.test/p", "enter")
}

// loaded waits until the picker's current step has its options.
func (x *tm) loaded() {
	x.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(x.screen(), "loading live prices") {
		if time.Now().After(deadline) {
			x.t.Fatal("the catalogue never loaded")
		}
		time.Sleep(time.Millisecond)
	}
}

// Every dialog that spends or forfeits money, finish and auto-renew on:
// Enter pressed fast and often decides nothing, y during the grace
// period decides nothing, y after it sends exactly one action.
func TestMoneyDialogsTakeYAfterGrace(t *testing.T) {
	offer := backend.Action{ID: "buy-offer", Kind: backend.ActBuy, Account: "nv", Label: "short_term Telegram",
		Buy: &backend.BuyRequest{Category: "short_term", Product: "22"}}
	cases := []struct {
		name  string
		flows map[string]flow
		open  func(x *tm)
		title string
		kind  backend.ActionKind
	}{
		{"renew", nil, func(x *tm) { x.pick("3", "northwind"); x.press("r") }, "Renew domain northwind-labs.com", backend.ActRenew},
		{"auto-renew on", nil, func(x *tm) { x.pick("3", "northwind"); x.press("a") }, "Turn auto-renew on", backend.ActAutoRenewOn},
		{"cancel", nil, func(x *tm) { x.pick("2", "79000000011"); x.press("x") }, "Cancel", backend.ActCancel},
		{"reject", nil, func(x *tm) { x.pick("2", "13050000021"); x.press("x") }, "Reject", backend.ActReject},
		{"ban", nil, func(x *tm) { x.pick("2", "79000000011"); x.press("b") }, "Ban", backend.ActBan},
		{"finish", nil, func(x *tm) { x.pick("2", "79000000012"); x.press("f") }, "Finish", backend.ActFinish},
		{"reuse", nil, func(x *tm) { x.pick("2", "79000000012"); x.press("N") }, "Buy again", backend.ActReuse},
		{"restore", nil, func(x *tm) { x.pick("2", "46700000031"); x.press("u", "enter") }, "Restore 1 number", backend.ActRestore},
		{"buy", map[string]flow{"5s": fiveSimFlow}, func(x *tm) { x.buy5sim() }, "Buy activation Telegram", backend.ActBuy},
		{"buy again", map[string]flow{"5s": fiveSimFlow}, func(x *tm) {
			x.buy5sim()
			x.later(time.Second)
			x.press("y")
			x.later(time.Minute)
			x.press(".")
		}, "Buy activation Telegram", backend.ActBuy},
		{"offer", nil, func(x *tm) {
			x.send(ui.EventMsg{Event: backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Action: &offer,
				Offer: &backend.Offer{Kind: backend.OfferPriceChange, Quoted: decimal.RequireFromString("0.75"),
					Available: decimal.RequireFromString("0.95")}}}}})
		}, "Price changed", backend.ActBuy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := start(t, tc.flows)
			tc.open(x)
			before := len(x.sent())
			x.sees(tc.title)
			for range 10 {
				x.press("enter")
			}
			if n := len(x.sent()); n != before {
				t.Fatalf("%d actions sent by Enter", n-before)
			}
			x.sees(tc.title, "y confirm (ready in 0.6s)")
			x.later(300 * time.Millisecond)
			x.press("y")
			if n := len(x.sent()); n != before {
				t.Fatalf("%d actions sent by a y during the grace period", n-before)
			}
			x.sees(tc.title, "ready in 0.3s")
			x.later(400 * time.Millisecond)
			x.sees("y confirm   n/esc refuse")
			x.press("enter")
			if n := len(x.sent()); n != before {
				t.Fatal("Enter confirmed after the grace period")
			}
			x.press("y")
			sent := x.sent()
			if len(sent) != before+1 || sent[len(sent)-1].Kind != tc.kind {
				t.Fatalf("sent %+v, want one %s", sent[before:], tc.kind)
			}
			x.lacks(tc.title)
		})
	}
}

// n and esc refuse at once, even during the grace period.
func TestMoneyDialogRefusesDuringGrace(t *testing.T) {
	for _, k := range []string{"esc", "n"} {
		x := start(t, nil)
		x.pick("2", "79000000011")
		x.press("b")
		x.sees("Ban ", "y confirm (ready in 0.6s)")
		x.press(k)
		x.lacks("y confirm")
		x.later(time.Second)
		x.press("y")
		if len(x.sent()) != 0 {
			t.Fatalf("%s did not refuse: %+v", k, x.sent())
		}
	}
}

// Enter, Enter, … through the whole buy picker never buys.
func TestEnterThroughBuyPickerNeverBuys(t *testing.T) {
	x := start(t, map[string]flow{"5s": fiveSimFlow, "piv": pivFlow})
	x.press("n")
	for range 30 {
		x.press("enter")
		x.later(100 * time.Millisecond)
		x.loaded()
	}
	if len(x.sent()) != 0 {
		t.Fatalf("Enter bought: %+v", x.sent())
	}
	x.sees("Buy number SE per month", "y confirm   n/esc refuse")
}

// A pre-filled value is replaced by the first key typed, not appended to.
func TestPrefilledFieldIsReplaced(t *testing.T) {
	x := start(t, map[string]flow{"piv": pivFlow})
	x.press("n")
	x.sees("SE per month")
	x.press("enter")
	x.sees("months", "› 1")
	x.press("2", "enter", "enter", "enter")
	x.sees("Buy number SE per month", "months         2")
	x.lacks("months         12")

	x = start(t, map[string]flow{"mk": boostFlow})
	x.boost()
	x.sees("quantity", "› 1000")
	x.press("500", "enter")
	x.sees("Buy boost Instagram Followers", "quantity       500")
}

// A quantity outside the product's min and max is refused in the field,
// with the reason shown, and Enter does not go on until it is valid.
func TestQuantityOutsideProductLimitsIsRefused(t *testing.T) {
	x := start(t, map[string]flow{"mk": boostFlow})
	x.boost()
	x.press("50")
	x.sees("quantity: a whole number from 100 to 5000")
	x.press("enter")
	x.sees("quantity: a whole number from 100 to 5000")
	x.lacks("Buy boost")
	x.press("backspace", "backspace", "6000", "enter")
	x.sees("quantity: a whole number from 100 to 5000")
	x.lacks("Buy boost")
	x.press("backspace", "backspace", "backspace", "backspace", "4000")
	x.lacks("a whole number")
	x.press("enter")
	x.sees("Buy boost Instagram Followers", "quantity       4000", "price          8000.00 NGN")
}

// The purchase confirmation shows the price the picker showed: piv.day
// prices a number per country and month.
func TestPivDayNumberPurchaseShowsPickerPrice(t *testing.T) {
	x := start(t, map[string]flow{"piv": pivFlow})
	x.press("n")
	x.sees("SE per month")
	x.press("enter", "2", "enter", "enter", "enter")
	x.sees("Buy number SE per month", "price          $7.00", "balance after  $118.10 → $111.10")
	x.lacks("unknown", "set by piv.day")
}

// A renewal shows what one period costs and the balance after; without a
// price it says the provider charges its current one.
func TestDomainRenewShowsPrice(t *testing.T) {
	x := start(t, nil)
	x.pick("3", "northwind")
	x.press("r")
	x.sees("Renew domain northwind-labs.com", "price          $12.00 for 1 year", "balance after  $118.10 → $106.10")
	x.press("esc")
	x.pick("3", "brightkettle")
	x.press("r")
	x.sees("Renew domain brightkettle.io", "price          unknown", "Price unknown — the provider will charge its current price.")
	x.lacks("not given")
}

// While an identical purchase is being checked, buying the same again
// says so and shows the balance after both; once it settles the warning
// goes.
func TestBuyAgainWarnsOfIdenticalUnsettledBuy(t *testing.T) {
	x := start(t, map[string]flow{"5s": fiveSimFlow})
	x.buy5sim()
	x.later(time.Second)
	x.press("y")
	first := x.sent()[0]
	entry := backend.JournalEntry{Action: first, State: backend.JournalUnknown}
	x.send(ui.EventMsg{Event: backend.Event{Actions: []backend.JournalEntry{entry}}})
	x.press(".")
	x.sees("an identical purchase is still being checked", "balance after  500.00 → 475.00 if both went through")
	x.press("esc")
	x.buy5sim() // the same purchase through the picker
	x.sees("an identical purchase is still being checked", "475.00 if both went through")
	x.press("esc")
	entry.State = backend.JournalHappened
	x.send(ui.EventMsg{Event: backend.Event{Actions: []backend.JournalEntry{entry}}})
	x.press(".")
	x.sees("Buy activation Telegram", "balance after  500.00 → 487.50")
	x.lacks("still being checked")
}

// A purchase the last session left unsettled, found not to have
// happened, can be bought again with `.`: exactly the same request,
// through the confirmation.
func TestNotDonePurchaseCanBeBoughtAgain(t *testing.T) {
	x := start(t, nil)
	buy := backend.Action{ID: "buy-old", Kind: backend.ActBuy, Account: "5s", Label: "activation Telegram",
		Cost: money("12.5", ""), Buy: &backend.BuyRequest{Category: "activation", Country: "any", Operator: "any", Product: "telegram"}}
	x.send(ui.EventMsg{Event: backend.Event{
		Actions: []backend.JournalEntry{{Action: buy, State: backend.JournalNotDone}},
		Notices: []backend.Notice{{Level: backend.Warning, Action: &buy, At: x.now(),
			Text: "buy activation Telegram did not go through (checked with the provider); nothing was charged for it"}}}})
	x.sees("press . to buy it again")
	x.press(".")
	x.sees("Buy activation Telegram", "product        telegram", "price          12.50")
	x.later(time.Second)
	x.press("y")
	sent := x.sent()
	if len(sent) != 1 || sent[0].ID == buy.ID || !reflect.DeepEqual(sent[0].Buy, buy.Buy) {
		t.Fatalf("sent %+v, want the same purchase under a new id", sent)
	}
}

// A price-change offer prints its prices as every other amount: with
// the account's currency and thousands separators.
func TestPriceChangeOfferShowsMoney(t *testing.T) {
	x := start(t, nil)
	offer := backend.Action{ID: "buy-offer", Kind: backend.ActBuy, Account: "nv", Label: "short_term Telegram",
		Buy: &backend.BuyRequest{Category: "short_term", Product: "22"}}
	x.send(ui.EventMsg{Event: backend.Event{Notices: []backend.Notice{{Level: backend.Warning, Action: &offer,
		Offer: &backend.Offer{Kind: backend.OfferPriceChange, Quoted: decimal.RequireFromString("12500"),
			Available: decimal.RequireFromString("0.95")}}}}})
	x.sees("Price changed", "$12,500.00", "$0.95")
}

// TestBuyConfirmationFitsAShortScreen: at 60×15 the purchase
// confirmation (six rows and a note) fits above the status bar: the
// price, the balance after and the confirming key show, the note gives
// way.
func TestBuyConfirmationFitsAShortScreen(t *testing.T) {
	x := start(t, map[string]flow{"piv": pivFlow})
	x.send(tea.WindowSizeMsg{Width: 60, Height: 15})
	x.press("n")
	x.sees("SE per month")
	x.press("enter", "2", "enter", "enter", "enter")
	x.sees("Buy number SE per month", "$7.00", "$118.10 → $111.10", "confirm", "refuse")
	rows := strings.Split(x.screen(), "\n")
	if last := rows[len(rows)-1]; strings.ContainsAny(last, "│╰╯") {
		t.Fatalf("the confirmation runs into the status bar:\n%s", strings.Join(rows, "\n"))
	}
}
