package ui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/backend"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
)

// Model tests of the lists: the ranked filter and its field filters,
// hiding closed lines, sorting, marks and bulk actions, and the columns
// that give way by importance. The root model is driven by key presses
// on a fixed clock.

// crowd is a state with lines of two accounts whose numbers differ in
// their last digits, one of them fresh with a code holding the digits
// the others' numbers end in.
func crowd(now time.Time) backend.Event {
	line := func(p backend.ProviderKind, account, id, number, service string, st backend.LineState, expires time.Duration) backend.Line {
		l := backend.Line{Key: backend.MakeKey(p, account, backend.ItemLine, id), Account: account, Provider: p, ID: id,
			Number: number, Service: service, State: st, CreatedAt: backend.InstantOf(now.Add(-time.Duration(len(id)) * time.Minute)),
			ExpiresAt: backend.InstantOf(now.Add(expires)), Allowed: backend.Allow(backend.ActCancel), Price: money("1.50", "USD"), Version: 1}
		if st == backend.LineReceived {
			l.Code, l.CodeAt, l.Allowed = "906156", backend.InstantOf(now.Add(-time.Minute)), backend.Allow(backend.ActFinish)
		}
		return l
	}
	return backend.Event{
		Accounts: []backend.Account{
			{Name: "fivesim-main-account", Provider: backend.FiveSim, Balance: money("40", "USD"), Health: backend.HealthOK, LastGood: now},
			{Name: "nv", Provider: backend.NonVoip, Balance: money("10", "USD"), Health: backend.HealthOK, LastGood: now},
		},
		Lines: []*backend.Line{
			new(line(backend.FiveSim, "fivesim-main-account", "1", "+79000381455", "telegram", backend.LineReceived, 20*time.Minute)),
			new(line(backend.FiveSim, "fivesim-main-account", "22", "+79000381456", "whatsapp", backend.LineWaiting, 5*time.Minute)),
			new(line(backend.NonVoip, "nv", "333", "+13050000021", "amazon", backend.LineWaiting, 9*time.Minute)),
			new(line(backend.NonVoip, "nv", "4444", "+13050000022", "telegram", backend.LineFinished, -time.Hour)),
			new(line(backend.NonVoip, "nv", "55555", "+13050000023", "google", backend.LineExpired, -2*time.Hour)),
		},
	}
}

// desk is the root model over the crowd, on a fixed clock.
func desk(t *testing.T, w, h int) *board {
	t.Helper()
	be := &nullBackend{}
	ev := crowd(t0)
	m := ui.New(ui.Options{Backend: be, Initial: ev, Accounts: []string{"fivesim-main-account", "nv"}, Theme: "dark",
		Keys: keymap.Default(), Thresholds: views.Thresholds{Warn: 7 * 24 * time.Hour, Urgent: 24 * time.Hour, Critical: time.Hour},
		Now: func() time.Time { return t0 }})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return &board{t: t, m: m, be: be}
}

// rows are the lines pane's numbers, top to bottom.
func (b *board) rows() []string {
	var out []string
	for _, l := range strings.Split(b.screen(), "\n") {
		for _, f := range strings.Fields(l) {
			if strings.HasPrefix(f, "+") && len(f) > 8 {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// "/79000381456" selected +79000381455 (first in the pane; its code
// holds the remaining digit), so x cancelled the wrong line. The exact
// number ranks first and takes the cursor as it is typed; enter keeps
// it.
func TestFilterEnterTakesTheExactNumber(t *testing.T) {
	b := desk(t, 160, 48)
	b.press("/", "79000381456")
	b.shows("Lines & codes 1/2")
	b.press("enter", "x")
	b.shows("Cancel +79000381456 whatsapp")
	b.press("esc")
	// The operator had moved the cursor: typing still goes to the best.
	b.press("esc", "j", "j", "/", "0381456", "enter", "x")
	b.shows("Cancel +79000381456 whatsapp")
}

// Field filters narrow the big lists by state, account, provider and
// service, with free text.
func TestFieldFiltersNarrowTheLines(t *testing.T) {
	b := desk(t, 160, 48)
	for q, want := range map[string]int{
		"state:waiting":               2,
		"state:waiting account:nv":    1,
		"provider:5sim":               2,
		"provider:nonvoip telegram":   1,
		"service:telegram":            2,
		"service:tele state:finished": 1,
	} {
		b.press("esc", "/", q, "enter")
		b.shows("Lines & codes 1/" + itoa(want) + " ")
	}
	// Nothing matches: the title has no position and no stray separator.
	b.press("esc", "/", "state:waiting zzzz")
	b.shows("Lines & codes 2 waiting in all · /state:waiting zzzz ─", "no line matches")
}

// h hides finished and expired lines (the title says so) and shows them
// again; o sorts by expiry, account and service, then back to newest
// code first.
func TestHideClosedAndSortLines(t *testing.T) {
	b := desk(t, 160, 48)
	b.shows("Lines & codes 1/5")
	b.press("h")
	b.shows("Lines & codes 1/3 · 2 waiting · closed hidden")
	b.lacks("+13050000022", "+13050000023")
	b.press("h")
	b.shows("Lines & codes 1/5")
	b.lacks("closed hidden")
	for _, c := range []struct {
		title string
		first []string
	}{
		{"by expiry", []string{"+79000381456", "+13050000021", "+79000381455"}},
		{"by account", []string{"+79000381455", "+79000381456", "+13050000021"}},
		{"by service", []string{"+13050000021", "+13050000023", "+79000381455"}},
		{"· 2 waiting ─", []string{"+79000381455", "+79000381456", "+13050000021"}},
	} {
		b.press("o")
		b.shows(c.title)
		if got := b.rows(); len(got) < 3 || strings.Join(got[:3], " ") != strings.Join(c.first, " ") {
			t.Fatalf("%s: rows %v, want %v first", c.title, got, c.first)
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

// space marks lines across panes' refreshes; x asks once for every
// marked line that can be cancelled (a NonVoip line is rejected), shows
// what each account paid and the balance after, lists the line that
// cannot be cancelled as skipped with why, and takes y only after the
// grace period; esc drops the marks.
func TestBulkCancelConfirmsTheTotal(t *testing.T) {
	x := start(t, nil)
	x.press("2", " ", " ", " ") // the three lines at the top, each marked as the cursor moves on
	x.sees("3 marked")
	// A refresh of a marked line keeps the marks.
	ev := world(x.now())
	l := *ev.Lines[0]
	l.Version = 2
	x.send(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}}})
	x.sees("3 marked")
	x.press("x")
	x.sees("Cancel 2 marked items", "2 items", "+79000000011 telegram  12.50", "+13050000021 telegram  $0.75",
		"12.50 back · 500.00 → 512.50", "$0.75 back · $40.00 → $40.75", "count each refund",
		"1 skipped", "+79000000012 telegram", "an SMS has arrived, so it cannot be cancelled")
	x.press("y", "enter", "enter")
	if n := len(x.sent()); n != 0 {
		t.Fatalf("%d actions sent during the grace period", n)
	}
	x.later(time.Second)
	x.press("y")
	sent := x.sent()
	if len(sent) != 2 || sent[0].Kind != backend.ActCancel || sent[1].Kind != backend.ActReject {
		t.Fatalf("sent %+v, want a cancel and a reject", sent)
	}
	x.lacks("marked")
	x.press(" ", "esc")
	x.lacks("marked")
}

// r on marked leases renews each for one period: the confirmation sums
// the known prices, says which price is unknown, and the balance after.
func TestBulkRenewSumsPerAccount(t *testing.T) {
	x := start(t, nil)
	x.press("3", " ", " ", "r")
	x.sees("Renew 2 marked items", "piv", "$12.00 · $118.10 → $106.10", "total", "$12.00 + 1 at an unknown price", "Price unknown")
	x.later(time.Second)
	x.press("y")
	if sent := x.sent(); len(sent) != 2 || sent[0].Kind != backend.ActRenew || sent[1].Kind != backend.ActRenew {
		t.Fatalf("sent %+v", sent)
	}
}

// At 120 wide, Expiries and Queues keep the account column; a long
// account name and the words "code" and "left" are not cut while the
// row has room; numbers are never cut.
func TestColumnsGiveWayByImportance(t *testing.T) {
	b := desk(t, 160, 40)
	// Columns are as wide as what they hold: no blank after a code or a
	// number that the account or the state could use.
	b.shows("✓ 906156  +79000381455 telegram     fivesim-main-account  ", "code 1m ago · 20m 00s left", "amazon       nv")
	// Narrow, the country gives way first; the account stays beside the
	// whole state while it fits.
	b = desk(t, 70, 20)
	b.shows("+79000381456 whatsapp fivesim-main-… waiting · 5m 00s left", "+13050000021 amazon   nv             waiting")
	// At 120 wide the queues' kind and age give their room to the account.
	b = desk(t, 120, 40)
	b.shows("⠋ waiting   +79000381456 whatsa… fivesim-main…│")
	b = newBoard(t, 120, 40)
	for _, l := range strings.Split(b.screen(), "\n") {
		if _, right, ok := strings.Cut(l, "││"); ok && strings.Contains(right, " +7900") && !strings.HasSuffix(right, "5s│") {
			t.Errorf("a queue row at 120 wide lacks its account: %s", right)
		}
		if _, right, ok := strings.Cut(l, "││"); ok && strings.Contains(right, "northwind-labs.com") && !strings.HasSuffix(right, "piv│") {
			t.Errorf("an expiries row at 120 wide lacks its account: %s", right)
		}
	}
	b.shows("northwind-labs.com", "+79000000011 telegram")
	for _, w := range []int{60, 70, 86, 100} {
		b := desk(t, w, 20)
		b.shows("+79000381455", "+79000381456", "+13050000021")
	}
}

// The buy picker's highlight goes to the best match as one types, even
// after the operator moved it: "telegram" highlights Telegram itself,
// not Telegram Premium listed above it; enter takes it.
func TestBuyPickerHighlightsTheBestMatch(t *testing.T) {
	items := []backend.CatalogItem{{ID: "wa", Label: "WhatsApp", Stock: 5}, {ID: "tgp", Label: "Telegram Premium", Stock: 5},
		{ID: "vb", Label: "Viber", Stock: 5}, {ID: "tg", Label: "Telegram", Stock: 5}}
	x := start(t, map[string]flow{"5s": {cats: []string{"activation"}, steps: map[string][]string{"activation": {backend.StepProduct}},
		items: map[string][]backend.CatalogItem{backend.StepProduct: items}}})
	x.press("n")
	x.sees("▸  WhatsApp")
	x.press("down", "down", "telegram")
	x.sees("▸  Telegram  ", "   Telegram Premium")
	x.press("enter")
	x.sees("Buy › 5s › activation › Telegram")
}

// The picker finds what its rows show beside the name: "+7" (a country's
// dialling code, in the row's note) finds Russia.
func TestBuyPickerFindsTheNote(t *testing.T) {
	items := []backend.CatalogItem{{ID: "us", Label: "USA", Note: "us +1", Stock: -1}, {ID: "ru", Label: "Russia", Note: "ru +7", Stock: -1}}
	x := start(t, map[string]flow{"5s": {cats: []string{"activation"}, steps: map[string][]string{"activation": {backend.StepCountry}},
		items: map[string][]backend.CatalogItem{backend.StepCountry: items}}})
	x.press("n", "+7")
	x.sees("▸  Russia")
	x.lacks("USA")
}

// The `:` completions are ranked (a command starting with what is typed
// first) with the best highlighted; ctrl+n moves the highlight and tab
// completes the highlighted one.
func TestCommandCompletionHighlightsTheBestMatch(t *testing.T) {
	b := newBoard(t, 160, 48)
	b.press(":", "re")
	b.shows("▸ renew", "  refresh")
	b.press("ctrl+n")
	b.shows("▸ refresh")
	b.press("tab")
	b.shows(":refresh ")
	b.press("esc", ":", "jour")
	b.shows("▸ journal")
}

// The marks count comes first in the title, so a narrow pane with
// closed lines hidden and a sort still says how many are marked.
func TestNarrowTitleShowsTheMarks(t *testing.T) {
	b := desk(t, 60, 15)
	b.press("h", "o", " ")
	b.shows("Lines & codes 2/3 · 1 marked · 2 waiting")
}

// On a short screen the bulk confirmation lists fewer items and still
// shows its title, the total and the confirm key; the reasons wrap to
// the dialog's width and long account names are not cut.
func TestBulkConfirmFitsAShortScreen(t *testing.T) {
	b := desk(t, 60, 15)
	b.press(" ", " ", " ", " ", " ", "x")
	b.shows("Cancel 4 marked items", "4 items", "… and 3 more", "back in all", "1 skipped", "refuse")
	// Why an item is skipped wraps to the dialog, not past it.
	b = desk(t, 80, 24)
	b.press(" ", " ", " ", " ", " ", "x")
	b.shows("… and 2 more", "an SMS has arrived, so it    │", "cannot be cancelled — press  │")
	// A long account name gets a row of its own rather than be cut.
	b.shows("│                 fivesim-main-account           │", "│                 $1.50 back · $40.00 → $41.50   │")
}

// TestBulkCancelAtUnknownPricesSpeaksOfRefunds: cancelling lines whose
// price is unknown gives money back; the note does not speak of a charge.
func TestBulkCancelAtUnknownPricesSpeaksOfRefunds(t *testing.T) {
	x := start(t, nil)
	l := *world(x.now()).Lines[0]
	l.Price, l.Version = backend.Money{}, 2
	x.send(ui.EventMsg{Event: backend.Event{Lines: []*backend.Line{new(l)}}})
	x.pick("2", l.Number)
	x.press(" ", "x")
	x.sees("Cancel 1 marked item", "1 at an unknown price", "what comes back is too")
	x.lacks("charge")
}
