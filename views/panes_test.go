package views

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/themes"
)

// detailText is the detail page of k, as plain text.
func detailText(d *Data, k backend.Key) string {
	v := NewDetail(themes.New("dark"))
	v.SetSize(100, 40)
	v.Open(k, d)
	return ansi.Strip(strings.Join(v.View(t0), "\n"))
}

// TestDetailShowsPlainWords: a NonVoip line of type "country" reads as
// a kind (not a blank "country" field), its country by name, and a
// lease's raw period and a job's kind in plain words.
func TestDetailShowsPlainWords(t *testing.T) {
	d := manyLines(1, func(_ int, l *backend.Line) { l.Kind, l.Country = "country", "GB" })
	var line backend.Key
	for k := range d.Lines {
		line = k
	}
	lease := backend.Lease{Key: backend.MakeKey(backend.PivDay, "piv", backend.ItemLease, "7"), Account: "piv",
		Provider: backend.PivDay, ID: "7", Kind: backend.LeaseProxy, Name: "DE ×10", State: "active", Period: "3days"}
	job := backend.Job{Key: backend.MakeKey(backend.NonVoip, "nv", backend.ItemJob, "9"), Account: "nv",
		Provider: backend.NonVoip, ID: "9", Kind: "short_term", Title: "order 9"}
	d.Apply(backend.Event{Leases: []backend.Lease{lease}, Jobs: []backend.Job{job}})

	got := detailText(d, line)
	for _, want := range []string{"United Kingdom (GB)", "country-wise"} {
		if !strings.Contains(got, want) {
			t.Errorf("line detail lacks %q:\n%s", want, got)
		}
	}
	if got := detailText(d, lease.Key); !strings.Contains(got, "3 days") || strings.Contains(got, "3days") {
		t.Errorf("lease detail shows its period raw:\n%s", got)
	}
	if got := detailText(d, job.Key); !strings.Contains(got, "short-term") || strings.Contains(got, "short_term") {
		t.Errorf("job detail shows its kind raw:\n%s", got)
	}
}

// TestExpiriesSaysLoadingUntilTheLeasesAreListed: with no leases yet,
// the pane says "loading" until every account's leases have been listed
// once; an account turning healthy on its balance poll is not enough.
func TestExpiriesSaysLoadingUntilTheLeasesAreListed(t *testing.T) {
	d := NewData(nil)
	d.Apply(backend.Event{Accounts: []backend.Account{{Name: "piv", Provider: backend.PivDay}, {Name: "5sim", Provider: backend.FiveSim}}})
	p := NewExpiries(themes.New("dark"), Thresholds{})
	p.SetSize(60, 8)
	p.SetData(d, t0)
	screen := func() string { return ansi.Strip(strings.Join(p.View(t0), "\n")) }
	loading := func(when string) {
		t.Helper()
		if s := screen(); !strings.Contains(s, "loading") || strings.Contains(s, "nothing expires") {
			t.Fatalf("%s:\n%s", when, s)
		}
	}
	loading("before the first poll")
	d.Apply(backend.Event{Accounts: []backend.Account{{Name: "piv", Provider: backend.PivDay, Health: backend.HealthOK, LastGood: t0},
		{Name: "5sim", Provider: backend.FiveSim, Health: backend.HealthOK, LastGood: t0}}})
	p.Update(d, nil, nil, t0)
	loading("healthy after the balance poll, leases not listed")
	d.Apply(backend.Event{LeasesListed: []string{"piv"}})
	loading("one account's leases listed of two")
	d.Apply(backend.Event{Accounts: []backend.Account{{Name: "5sim", Provider: backend.FiveSim, Health: backend.HealthFailing}}})
	if s := screen(); !strings.Contains(s, "nothing expires") {
		t.Fatalf("the other account failing is not waited for:\n%s", s)
	}
	d.Apply(backend.Event{Accounts: []backend.Account{{Name: "5sim", Provider: backend.FiveSim, Health: backend.HealthOK, LastGood: t0}},
		LeasesListed: []string{"5sim"}})
	if s := screen(); !strings.Contains(s, "nothing expires") {
		t.Fatalf("after every account's leases were listed:\n%s", s)
	}
}

// TestDetailKeepsAMargin: the fields and the SMS stand one column off the
// border, as the big code does, not flush against it.
func TestDetailKeepsAMargin(t *testing.T) {
	d := manyLines(1, nil)
	var k backend.Key
	for k = range d.Lines {
	}
	for _, row := range strings.Split(detailText(d, k), "\n") {
		if row != "" && strings.TrimSpace(row) != "" && !strings.HasPrefix(row, " ") {
			t.Errorf("flush against the border: %q", row)
		}
	}
}

// TestNarrowBalancesKeepEveryAmountWhole: at 60 wide a balance with its
// currency and a 12-letter account name are whole (the row has room),
// and the amounts end in one column.
func TestNarrowBalancesKeepEveryAmountWhole(t *testing.T) {
	d := NewData(nil)
	d.Apply(backend.Event{Accounts: []backend.Account{
		{Name: "nonvoip-main", Provider: backend.NonVoip, Health: backend.HealthOK, LastGood: t0, Balance: backend.NewMoney(decimal.RequireFromString("55.55"), "USD")},
		{Name: "market-main", Provider: backend.Market, Health: backend.HealthOK, LastGood: t0, Balance: backend.NewMoney(decimal.NewFromInt(44700), "NGN")},
	}})
	p := NewBalances(themes.New("plain"))
	p.SetSize(58, 4)
	p.SetData(d)
	rows := p.View(t0)
	var ends []int
	for i, want := range []string{"$55.55", "44,700.00 NGN"} {
		row := ansi.Strip(rows[i])
		if !strings.Contains(row, want) || strings.Contains(row, "…") {
			t.Fatalf("row %d cut: %q", i, row)
		}
		ends = append(ends, strings.Index(row, want)+len(want))
	}
	if ends[0] != ends[1] {
		t.Fatalf("the amounts end in columns %v:\n%s\n%s", ends, ansi.Strip(rows[0]), ansi.Strip(rows[1]))
	}
}

// TestQueuesAccountsLineUp: in the 62-wide Queues pane of a 120- or
// 160-wide screen, a number with its service and a 12-letter account
// name both fit, so the account column starts in one place on every row.
func TestQueuesAccountsLineUp(t *testing.T) {
	d := manyLines(0, nil)
	var ev backend.Event
	for i, acc := range []string{"nonvoip-main", "nonvoip-alt"} {
		ev.Accounts = append(ev.Accounts, backend.Account{Name: acc, Provider: backend.NonVoip, Health: backend.HealthOK, LastGood: t0})
		ev.Lines = append(ev.Lines, &backend.Line{Key: backend.MakeKey(backend.NonVoip, acc, backend.ItemLine, acc), Account: acc,
			Provider: backend.NonVoip, ID: acc, Number: "+1312848859" + itoa(i), Service: []string{"Facebook", "Telegram"}[i],
			State: backend.LineWaiting, CreatedAt: backend.InstantOf(t0), Version: 1})
	}
	d.Apply(ev)
	q := NewQueues(themes.New("plain"))
	q.SetSize(62, 4)
	q.SetData(d)
	rows := q.View(t0)
	var at []int
	for _, r := range rows[:2] {
		r = ansi.Strip(r)
		at = append(at, strings.Index(r, "nonvoip-"))
	}
	if at[0] != at[1] || at[0] < 0 {
		t.Fatalf("the accounts start at %v:\n%s\n%s", at, ansi.Strip(rows[0]), ansi.Strip(rows[1]))
	}
}
