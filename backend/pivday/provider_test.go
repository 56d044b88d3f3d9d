package pivday

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

var testNow = time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)

func (f *fake) fixedProvider(t *testing.T) *Provider {
	p := f.provider(t)
	p.now = func() time.Time { return testNow }
	return p
}

func usd(s string) backend.Money { return backend.NewMoney(decimal.RequireFromString(s), "USD") }

func sameMoney(a, b backend.Money) bool {
	return a.Known == b.Known && a.Currency == b.Currency && a.Amount.Equal(b.Amount)
}

func numberJSON(id, status, expires string, auto bool, name string) string {
	quoted, _ := json.Marshal(name)
	return fmt.Sprintf(`{"piv_num_id":%q,"phone_number":"+4670000%s","country_code":"SE","status":%q,"expires_at":%q,"auto_renew":%v,"custom_name":%s,"purchased_at":"2026-05-01T10:00:00Z"}`,
		id, id, status, expires, auto, quoted)
}

func numbersBody(items ...string) string {
	return `{"success":true,"data":{"numbers":[` + strings.Join(items, ",") + `],"pagination":{"total":` + fmt.Sprint(len(items)) + `,"limit":200,"offset":0}}}`
}

func TestBalance(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/account", "account.json")
	a, err := f.fixedProvider(t).Balance(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !sameMoney(a.Balance, usd("150.50")) || a.Email != "u***@example.com" || a.Name != "main" || a.Provider != backend.PivDay {
		t.Errorf("account %+v", a)
	}
	f.on("GET", "/account", 200, `{"success":true,"data":{"email":"x"}}`)
	if _, err := f.fixedProvider(t).Balance(ctx(t)); backend.KindOf(err) != backend.ErrMalformed {
		t.Errorf("no balance: %v", err)
	}
}

func TestLinesMapping(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/numbers", 200, numbersBody(
		numberJSON("far", "active", "2026-06-21T12:00:00Z", false, "Office\x1b[31m line"),
		numberJSON("soon", "active", "2026-05-23T12:00:00Z", false, ""),
		numberJSON("soonauto", "active", "2026-05-23T12:00:00Z", true, ""),
		numberJSON("exp2", "expired", "2026-05-20T12:00:00Z", false, ""),
		numberJSON("exp10", "expired", "2026-05-12T12:00:00Z", false, ""),
		numberJSON("rest", "pending_restore", "2026-05-20T12:00:00Z", false, ""),
		numberJSON("odd", "quarantined", "2026-06-20T12:00:00Z", false, ""),
	))
	lines, msgs, err := f.fixedProvider(t).Lines(ctx(t))
	if err != nil || msgs != nil {
		t.Fatal(err, msgs)
	}
	// Renew and the auto-renew toggle in every state (pivday.md refuses
	// them in none); restore only within 7 days of expiry.
	base := backend.Allow(backend.ActCheck, backend.ActRenew, backend.ActAutoRenewOn)
	want := map[string]struct {
		state   backend.LineState
		allowed backend.ActionSet
	}{
		"far":      {backend.LineActive, base},
		"soon":     {backend.LineExpiring, base},
		"soonauto": {backend.LineActive, backend.Allow(backend.ActCheck, backend.ActRenew, backend.ActAutoRenewOff)},
		"exp2":     {backend.LineExpired, base.With(backend.ActRestore)},
		"exp10":    {backend.LineExpired, base},
		"rest":     {backend.LinePending, base},
		"odd":      {backend.LineUnknown, base},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		w := want[l.ID]
		if l.State != w.state || l.Allowed != w.allowed {
			t.Errorf("%s: state %s allowed %s, want %s %s", l.ID, l.State, l.Allowed, w.state, w.allowed)
		}
		if l.Key != backend.MakeKey(backend.PivDay, "main", backend.ItemLine, l.ID) || l.Kind != "rental" || !l.HasAuto ||
			l.Country != "SE" || l.Number != "+4670000"+l.ID || !l.CreatedAt.Time().Equal(ts("2026-05-01T10:00:00Z")) {
			t.Errorf("line %+v", l)
		}
	}
	if strings.ContainsRune(lines[0].Name, 0x1b) || !strings.HasPrefix(lines[0].Name, "Office") || lines[6].RawState != "quarantined" {
		t.Errorf("name %q raw %q", lines[0].Name, lines[6].RawState)
	}
}

func TestCheckReadsInboundSMS(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/numbers/n1/sms", 200, `{"success":true,"data":{"messages":[
		{"id":"9","from_number":"+46700001","to_number":"+15550001","message_body":"hi","direction":"outbound","received_at":"2026-05-22T11:59:00Z"},
		{"id":"8","from_number":"Google","to_number":"+46700001","message_body":"G-482913 is your Google verification code.","direction":"inbound","received_at":"2026-05-22T11:58:00Z"},
		{"id":"7","from_number":"Bank\u001b]52;c;evil\u0007","to_number":"+46700001","message_body":"Your code is 1234\r\nbye","direction":"inbound","received_at":"2026-05-22T10:00:00.5Z"}]}}`)
	f.on("GET", "/numbers/gone/sms", 404, `{"success":false,"error":{"code":"NUMBER_NOT_FOUND","message":"nope"}}`)
	p := f.fixedProvider(t)
	in := []backend.Line{
		{ID: "n1", Number: "+46700001", State: backend.LineActive},
		{ID: "gone", Number: "+46700002", State: backend.LineActive},
		{ID: "old", Number: "+46700003", State: backend.LineExpired},
	}
	lines, msgs, err := p.Check(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	// The code is picked by the engine from the messages: piv.day's dates
	// set no Line.CodeAt.
	if len(lines) != 1 || lines[0].ID != "n1" || lines[0].Code != "" || !lines[0].CodeAt.IsZero() {
		t.Fatalf("lines %+v", lines)
	}
	if len(msgs) != 2 {
		t.Fatalf("messages %+v (outbound must be dropped)", msgs)
	}
	m := msgs[0]
	if m.Line != p.lineKey("n1") || m.Sender != "Google" || m.Code != "482913" || m.ID != messageID("n1", ts("2026-05-22T11:58:00Z"), "G-482913 is your Google verification code.") {
		t.Errorf("message %+v", m)
	}
	if strings.ContainsAny(msgs[1].Sender, "\x1b\x07") || strings.Contains(msgs[1].Text, "\r") || msgs[1].Code != "1234" {
		t.Errorf("untrusted text not sanitized: %+v", msgs[1])
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].RawQuery != "limit=20" {
		t.Errorf("requests %+v (the expired line must not be read)", reqs)
	}

	f.on("GET", "/numbers/n1/sms", 429, `{"success":false,"error":{"code":"RATE_LIMITED","message":"slow down"}}`)
	if _, _, err := p.Check(ctx(t), in); backend.KindOf(err) != backend.ErrRateLimited {
		t.Errorf("429 during a check: %v", err)
	}
}

func TestWebhookAndPollShareMessageID(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/sms", 200, `{"success":true,"data":{"messages":[
		{"id":"77","from_number":"AdNet","to_number":"+46764794425","message_body":"Your verification code is 123456","direction":"inbound","received_at":"2026-05-22T12:34:56Z"}]}}`)
	p := f.fixedProvider(t)
	_, polled, err := p.Check(ctx(t), []backend.Line{{ID: "vzPA1-kHKSg-EAL7e-Jqd3o", State: backend.LineActive}})
	if err != nil || len(polled) != 1 {
		t.Fatal(err, polled)
	}
	_, pushed, _, _, err := p.ParseWebhook(readFixture(t, "hook_sms_received.json"))
	if err != nil || len(pushed) != 1 {
		t.Fatal(err, pushed)
	}
	if polled[0].ID != pushed[0].ID || polled[0].Line != pushed[0].Line {
		t.Errorf("the same SMS has two ids: %s %s", polled[0].ID, pushed[0].ID)
	}
}

func TestLeases(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/numbers", "numbers_list.json")
	f.fixture("GET", "/proxy/orders", "proxy_orders.json")
	f.fixture("GET", "/domains", "domains_list.json")
	f.fixture("GET", "/numbers/countries", "countries.json")
	leases, err := f.fixedProvider(t).Leases(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]backend.Lease{}
	for _, l := range leases {
		byID[l.ID] = l
		if l.Key != backend.MakeKey(backend.PivDay, "main", backend.ItemLease, l.ID) || l.Provider != backend.PivDay || l.Account != "main" {
			t.Errorf("lease key %+v", l)
		}
	}
	if len(leases) != 4 {
		t.Fatalf("leases %+v", leases)
	}
	n := byID["number/vzPA1-kHKSg-EAL7e-Jqd3o"]
	if n.Kind != backend.LeaseNumber || n.Name != "+46764794425 · Office line" || !n.ExpiresAt.Equal(ts("2026-05-31T10:00:00Z")) ||
		!sameMoney(n.RenewPrice, usd("4")) || n.Period != "month" || !n.HasAuto || n.AutoRenew ||
		n.Line != backend.MakeKey(backend.PivDay, "main", backend.ItemLine, "vzPA1-kHKSg-EAL7e-Jqd3o") ||
		n.Allowed != backend.Allow(backend.ActCheck, backend.ActRenew, backend.ActAutoRenewOn) {
		t.Errorf("number lease %+v", n)
	}
	px := byID["proxy/ord-uuid-..."]
	if px.Kind != backend.LeaseProxy || px.Name != "proxy DE ×10" || px.State != "active" || !sameMoney(px.RenewPrice, usd("5")) ||
		px.Allowed != backend.Allow(backend.ActRenew, backend.ActExport, backend.ActCheck) || !px.ExpiresAt.Equal(ts("2026-02-01T00:00:00Z")) {
		t.Errorf("proxy lease %+v", px)
	}
	d := byID["domain/dom-uuid-..."]
	if d.Kind != backend.LeaseDomain || d.Name != "mysite.com" || !d.AutoRenew || !d.HasAuto || d.Period != "year" || d.RenewPrice.Known ||
		d.Allowed != backend.Allow(backend.ActCheck, backend.ActRenew, backend.ActAutoRenewOff) || !d.ExpiresAt.Equal(ts("2027-01-01T00:00:00Z")) {
		t.Errorf("domain lease %+v", d)
	}
	ssl := byID["ssl/dom-uuid-..."]
	if ssl.Kind != backend.LeaseSSL || ssl.Name != "SSL mysite.com" || ssl.State != "active" || !ssl.ExpiresAt.Equal(ts("2026-04-01T00:00:00Z")) ||
		ssl.Allowed != backend.Allow(backend.ActCheck) {
		t.Errorf("ssl lease %+v", ssl)
	}
}

// TestDomainRenewPrices: a domain lease carries GET /domains/search's
// renew_price, looked up at most once an hour per domain and for at most
// searchesPerListing domains per listing; a failed lookup never fails the
// listing.
func TestDomainRenewPrices(t *testing.T) {
	f := newFake(t)
	var domains []string
	for i := range 7 {
		domains = append(domains, fmt.Sprintf(`{"id":"d%d","domain_name":"site%d.com","status":"active","expires_at":"2027-01-01T00:00:00Z"}`, i, i))
	}
	domains = append(domains, `{"id":"dp","domain_name":"pending.com","status":"pending"}`)
	f.on("GET", "/domains", 200, `{"success":true,"data":{"domains":[`+strings.Join(domains, ",")+`]}}`)
	f.on("GET", "/numbers", 200, numbersBody())
	f.on("GET", "/proxy/orders", 200, `{"success":true,"data":{"orders":[]}}`)
	f.fixture("GET", "/numbers/countries", "countries.json")
	var searched []string
	fail := false
	f.handle("GET", "/domains/search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		searched = append(searched, q)
		w.Header().Set("Content-Type", "application/json")
		if fail {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"unsupported TLD"}}`)
			return
		}
		// The document's example, for this name; "site3.com" renews in a
		// decimal-comma string.
		price := "12.50"
		if q == "site3.com" {
			price = `"14,00"`
		}
		fmt.Fprintf(w, `{"success":true,"data":{"domain":%q,"available":false,"create_price":12.50,"renew_price":%s,"currency":"USD"}}`, q, price)
	})
	p := f.provider(t)
	now := testNow
	p.now = func() time.Time { return now }
	prices := func() map[string]backend.Money {
		t.Helper()
		leases, err := p.Leases(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]backend.Money{}
		for _, l := range leases {
			if l.Kind == backend.LeaseDomain {
				out[l.Name] = l.RenewPrice
			}
		}
		return out
	}

	got := prices()
	if len(searched) != searchesPerListing || len(got) != 7 {
		t.Fatalf("first listing searched %v, leases %v", searched, got)
	}
	for i, name := range searched {
		if want := fmt.Sprintf("site%d.com", i); name != want {
			t.Errorf("search %d for %q, want %q", i, name, want)
		}
	}
	if !sameMoney(got["site0.com"], usd("12.50")) || !sameMoney(got["site3.com"], usd("14")) || got["site6.com"].Known {
		t.Errorf("prices after the first listing: %v", got)
	}
	got = prices() // the rest, not the ones already known, nor the pending registration
	if len(searched) != 7 || searched[5] != "site5.com" || searched[6] != "site6.com" || !sameMoney(got["site6.com"], usd("12.50")) {
		t.Fatalf("second listing searched %v, prices %v", searched, got)
	}
	now = now.Add(59 * time.Minute)
	if got = prices(); len(searched) != 7 || !sameMoney(got["site0.com"], usd("12.50")) {
		t.Fatalf("within the hour: searched %v, prices %v", searched, got)
	}
	// An hour on, the oldest are looked up again; a failure stops the round,
	// keeps the prices known and fails nothing.
	now = now.Add(2 * time.Minute)
	fail = true
	if got = prices(); len(searched) != 8 || !sameMoney(got["site0.com"], usd("12.50")) {
		t.Fatalf("failed lookup: searched %v, prices %v", searched, got)
	}
	// A domain lease built from a webhook carries the known price too.
	_, _, leases, _, err := p.ParseWebhook([]byte(`{"event_type":"domain.expires_soon","data":{"domain_id":"d1","domain_name":"site1.com","expires_at":"2027-01-01T00:00:00Z"}}`))
	if err != nil || len(leases) != 1 || !sameMoney(leases[0].RenewPrice, usd("12.50")) {
		t.Errorf("webhook lease %+v %v", leases, err)
	}
}

func TestJobs(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/whites", "whites_list.json")
	f.on("GET", "/domains", 200, `{"success":true,"data":{"domains":[{"id":"dom-new","domain_name":"fresh.io","status":"pending","created_at":"2026-05-22T11:00:00Z"}]}}`)
	f.fixture("GET", "/domains/queue/que-1", "queue_completed.json")
	f.on("GET", "/numbers/a", 200, `{"success":true,"data":`+numberJSON("a", "active", "2026-06-22T12:00:00Z", false, "")+`}`)
	f.on("GET", "/numbers/b", 200, `{"success":true,"data":`+numberJSON("b", "expired", "2026-05-20T12:00:00Z", false, "")+`}`)
	p := f.fixedProvider(t)
	known := []backend.Job{
		{ID: "queue/que-1", Title: "renew mysite.com", State: backend.JobQueued},
		{ID: "restore/a,b", Title: "restore 2 numbers", State: backend.JobRunning},
		{ID: "domain/dom-gone", Title: "register gone.io", State: backend.JobRunning},
		{ID: "white/job-done", State: backend.JobDone}, // terminal: not read again
	}
	jobs, err := p.Jobs(ctx(t), known)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]backend.Job{}
	for _, j := range jobs {
		byID[j.ID] = j
		if j.Key != backend.MakeKey(backend.PivDay, "main", backend.ItemJob, j.ID) {
			t.Errorf("job key %s", j.Key)
		}
	}
	if w := byID["white/job-uuid-..."]; w.Kind != backend.JobWhite || w.State != backend.JobDone || w.RawState != "10" || w.Title != "white page My White" {
		t.Errorf("white %+v", w)
	}
	if d := byID["domain/dom-new"]; d.Kind != backend.JobDomainRegistration || d.State != backend.JobQueued || d.Title != "register fresh.io" {
		t.Errorf("pending domain %+v", d)
	}
	if q := byID["queue/que-1"]; q.State != backend.JobDone || q.Title != "renew mysite.com" || !strings.Contains(q.Detail, "1 Jan 2027") {
		t.Errorf("queue %+v", q)
	}
	if r := byID["restore/a,b"]; r.Kind != backend.JobRestore || r.State != backend.JobPartial || r.Detail != "1 restored, 1 not restored (refunded)" {
		t.Errorf("restore %+v", r)
	}
	if g := byID["domain/dom-gone"]; g.State != backend.JobFailed {
		t.Errorf("vanished registration %+v", g)
	}
	if _, ok := byID["white/job-done"]; ok {
		t.Error("a terminal job was read again")
	}
	for _, r := range f.requests() {
		if r.Path == "/whites/job-done" {
			t.Error("terminal job requested")
		}
		if r.Path == "/domains" && r.RawQuery != "limit=500&offset=0&status=pending" {
			t.Errorf("domains query %s", r.RawQuery)
		}
	}
}

func TestWhiteStates(t *testing.T) {
	for raw, want := range map[string]backend.JobState{`0`: backend.JobQueued, `5`: backend.JobRunning, `10`: backend.JobDone,
		`-1`: backend.JobFailed, `42`: backend.JobUnknown, `"processing"`: backend.JobRunning, `"failed"`: backend.JobFailed, `"weird"`: backend.JobUnknown} {
		var s WhiteStatus
		if err := s.UnmarshalJSON([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if got := whiteState(s); got != want {
			t.Errorf("%s → %s, want %s", raw, got, want)
		}
	}
}

var snapLine = backend.Line{Key: backend.MakeKey(backend.PivDay, "main", backend.ItemLine, "vzPA1-kHKSg-EAL7e-Jqd3o"),
	Account: "main", Provider: backend.PivDay, ID: "vzPA1-kHKSg-EAL7e-Jqd3o", Number: "+46764794425", Country: "SE", Kind: "rental",
	State: backend.LineExpiring, RawState: "active", ExpiresAt: backend.InstantOf(ts("2026-05-23T10:00:00Z")), HasAuto: true}

func TestDoRenewNumber(t *testing.T) {
	f := newFake(t)
	f.fixture("POST", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/renew", "number_renew.json")
	p := f.fixedProvider(t)
	line := snapLine
	out, err := p.Do(ctx(t), backend.Action{Kind: backend.ActRenew, Target: line.Key, Months: 3}, backend.Target{Line: &line})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.requests(); len(r) != 1 || r[0].Body != `{"duration_months":3}` {
		t.Fatalf("requests %+v", r)
	}
	if !out.Done || !sameMoney(out.Charged, usd("5")) || len(out.Lines) != 1 || len(out.Leases) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	l := out.Lines[0]
	if !l.ExpiresAt.Time().Equal(ts("2026-06-30T10:00:00Z")) || l.State != backend.LineActive || backend.InstantOf(out.Leases[0].ExpiresAt) != l.ExpiresAt {
		t.Errorf("renewed line %+v", l)
	}
	if !strings.Contains(out.Note, "+46764794425") || !strings.Contains(out.Note, "30 Jun 2026") {
		t.Errorf("note %q", out.Note)
	}

	f.on("POST", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/renew", 402, string(readFixture(t, "error_insufficient_balance.json")))
	_, err = p.Do(ctx(t), backend.Action{Kind: backend.ActRenew, Target: line.Key}, backend.Target{Line: &line})
	if backend.KindOf(err) != backend.ErrNoBalance || !strings.Contains(err.Error(), "renew number +46764794425 for 1 month") ||
		!strings.Contains(err.Error(), "needs $5.00, have $1.20") {
		t.Errorf("refused renew: %v", err)
	}
	if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActRenew, Months: -1}, backend.Target{Line: &line}); backend.KindOf(err) != backend.ErrInvalid {
		t.Errorf("negative months: %v", err)
	}
}

func TestDoLeases(t *testing.T) {
	f := newFake(t)
	f.fixture("POST", "/proxy/orders/ord-1/renew", "proxy_renew.json")
	f.fixture("POST", "/proxy/orders/ord-2/restore", "proxy_restore.json")
	f.fixture("GET", "/proxy/orders/ord-1/export", "proxy_export.json")
	f.fixture("POST", "/domains/dom-1/renew", "domain_renew.json")
	f.fixture("POST", "/domains/dom-1/auto-renew", "domain_autorenew.json")
	p := f.fixedProvider(t)
	proxy := p.proxyLease(ProxyOrder{ID: "ord-1", Country: "DE", Quantity: 10, Status: "active"})
	expired := p.proxyLease(ProxyOrder{ID: "ord-2", Country: "DE", Quantity: 10, Status: "expired"})
	domain := p.domainLease(Domain{ID: "dom-1", Name: "mysite.com", Status: "active"})
	ssl, _ := p.sslLease(Domain{ID: "dom-1", Name: "mysite.com", SSLExpiresAt: Time{ts("2026-06-01T00:00:00Z")}})

	out, err := p.Do(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Lease: &proxy})
	if err != nil || !out.Leases[0].ExpiresAt.Equal(ts("2026-03-01T00:00:00Z")) || !sameMoney(out.Charged, usd("5")) {
		t.Errorf("renew proxy %+v %v", out, err)
	}
	out, err = p.Do(ctx(t), backend.Action{Kind: backend.ActRestore}, backend.Target{Lease: &expired})
	if err != nil || out.Leases[0].State != "active" || out.Leases[0].Allowed != proxyAllowed("active") || !sameMoney(out.Charged, usd("5")) {
		t.Errorf("restore proxy %+v %v", out, err)
	}
	out, err = p.Do(ctx(t), backend.Action{Kind: backend.ActExport}, backend.Target{Lease: &proxy})
	if err != nil || out.Export != "user1:pass1@1.2.3.4:1080\nuser2:pass2@1.2.3.4:1080" {
		t.Errorf("export %+v %v", out, err)
	}
	out, err = p.Do(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Lease: &domain})
	if err != nil || len(out.Jobs) != 1 || out.Jobs[0].ID != "queue/que-uuid-..." || out.Jobs[0].State != backend.JobQueued || out.Jobs[0].Title != "renew mysite.com" {
		t.Errorf("renew domain %+v %v", out, err)
	}
	out, err = p.Do(ctx(t), backend.Action{Kind: backend.ActAutoRenewOn}, backend.Target{Lease: &domain})
	if err != nil || !out.Leases[0].AutoRenew || !out.Leases[0].Allowed.Has(backend.ActAutoRenewOff) {
		t.Errorf("domain auto-renew %+v %v", out, err)
	}
	n := len(f.requests())
	if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Lease: &ssl}); backend.KindOf(err) != backend.ErrUnsupported {
		t.Errorf("renew ssl: %v", err)
	}
	if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActAutoRenewOn}, backend.Target{Lease: &proxy}); backend.KindOf(err) != backend.ErrUnsupported {
		t.Errorf("proxy auto-renew: %v", err)
	}
	if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActCancel}, backend.Target{Lease: &proxy}); backend.KindOf(err) != backend.ErrUnsupported {
		t.Errorf("cancel: %v", err)
	}
	if len(f.requests()) != n {
		t.Error("unsupported actions reached the provider")
	}
	want := []string{"POST /proxy/orders/ord-1/renew {\"months\":1}", "POST /proxy/orders/ord-2/restore ", "GET /proxy/orders/ord-1/export ",
		"POST /domains/dom-1/renew {\"period\":1}", "POST /domains/dom-1/auto-renew {\"auto_renew\":true}"}
	for i, r := range f.requests() {
		if got := r.Method + " " + r.Path + " " + r.Body; got != want[i] {
			t.Errorf("request %d: %s, want %s", i, got, want[i])
		}
	}
}

func TestDoAutoRenewAndRestoreNumbers(t *testing.T) {
	f := newFake(t)
	f.fixture("PATCH", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/auto-renewal", "number_autorenew.json")
	f.fixture("POST", "/numbers/restore", "numbers_restore.json")
	p := f.fixedProvider(t)
	line := snapLine
	out, err := p.Do(ctx(t), backend.Action{Kind: backend.ActAutoRenewOn, Target: line.Key}, backend.Target{Line: &line})
	if err != nil || !out.Lines[0].AutoRenew || out.Lines[0].State != backend.LineActive || !out.Lines[0].Allowed.Has(backend.ActAutoRenewOff) ||
		out.Lines[0].Allowed.Has(backend.ActAutoRenewOn) || !out.Leases[0].AutoRenew {
		t.Errorf("auto-renew on %+v %v", out, err)
	}

	exp1, exp2 := snapLine, snapLine
	exp1.State, exp1.RawState, exp1.ExpiresAt = backend.LineExpired, "expired", backend.InstantOf(ts("2026-05-20T00:00:00Z"))
	exp2.ID, exp2.Key, exp2.State = "abc12-defgh-ijklm-nopqr", backend.MakeKey(backend.PivDay, "main", backend.ItemLine, "abc12-defgh-ijklm-nopqr"), backend.LineExpired
	act := backend.Action{Kind: backend.ActRestore, Targets: []backend.Key{exp1.Key, exp2.Key}}
	out, err = p.Do(ctx(t), act, backend.Target{Lines: []backend.Line{exp1, exp2}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if last := reqs[len(reqs)-1]; last.Body != `{"piv_num_ids":["vzPA1-kHKSg-EAL7e-Jqd3o","abc12-defgh-ijklm-nopqr"]}` {
		t.Errorf("restore body %s", last.Body)
	}
	if !sameMoney(out.Charged, usd("9")) || len(out.Jobs) != 1 || out.Jobs[0].ID != "restore/abc12-defgh-ijklm-nopqr,vzPA1-kHKSg-EAL7e-Jqd3o" ||
		out.Jobs[0].Kind != backend.JobRestore || out.Jobs[0].State != backend.JobRunning || !sameMoney(out.Jobs[0].Cost, usd("9")) {
		t.Errorf("restore outcome %+v", out)
	}
	if len(out.Lines) != 1 || out.Lines[0].State != backend.LinePending || out.Lines[0].Allowed.Has(backend.ActRestore) {
		t.Errorf("restored lines %+v", out.Lines)
	}
	// Keys alone are enough.
	if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActRestore, Targets: []backend.Key{exp1.Key}}, backend.Target{}); err != nil {
		t.Errorf("restore by key: %v", err)
	}
	if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActRestore}, backend.Target{}); backend.KindOf(err) != backend.ErrInvalid {
		t.Errorf("restore of nothing: %v", err)
	}
}

func TestDoBuy(t *testing.T) {
	f := newFake(t)
	f.fixture("POST", "/numbers/purchase", "number_purchase.json")
	f.fixture("POST", "/proxy/purchase", "proxy_purchase.json")
	p := f.fixedProvider(t)
	posts := func() (out []recorded) {
		for _, r := range f.requests() {
			if r.Method == http.MethodPost {
				out = append(out, r)
			}
		}
		return out
	}
	out, err := p.Do(ctx(t), backend.Action{Kind: backend.ActBuy, Buy: &backend.BuyRequest{Category: "number", Country: "se", Name: "My Sweden Number", AutoRenew: true}}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if r := posts()[0]; r.Body != `{"country_code":"SE","duration_months":1,"auto_renew":true,"custom_name":"My Sweden Number"}` {
		t.Errorf("body %s", r.Body)
	}
	if !out.Done || !sameMoney(out.Charged, usd("5")) || len(out.Lines) != 1 || len(out.Leases) != 1 {
		t.Fatalf("outcome %+v", out)
	}
	if l := out.Lines[0]; l.ID != "vzPA1-kHKSg-EAL7e-Jqd3o" || l.State != backend.LineActive || l.Name != "My Sweden Number" || !strings.Contains(out.Note, "+46764794425") {
		t.Errorf("bought line %+v %q", l, out.Note)
	}

	out, err = p.Do(ctx(t), backend.Action{Kind: backend.ActBuy, Buy: &backend.BuyRequest{Category: "proxy", Product: "a1b2", Quantity: 5, Months: 2}}, backend.Target{})
	if err != nil {
		t.Fatal(err)
	}
	if r := posts()[1]; r.Body != `{"server_id":"a1b2","quantity":5,"months":2}` {
		t.Errorf("body %s", r.Body)
	}
	if len(out.Leases) != 1 || out.Leases[0].ID != "proxy/ord-uuid-..." || !sameMoney(out.Charged, usd("2.50")) {
		t.Errorf("proxy outcome %+v", out)
	}
	// The answer has no price_per_proxy: a month costs what the purchase
	// charged for one (2.50 for two months).
	if !sameMoney(out.Leases[0].RenewPrice, usd("1.25")) {
		t.Errorf("bought proxy order renews at %v, want $1.25 a month", out.Leases[0].RenewPrice)
	}

	for _, b := range []backend.BuyRequest{
		{Category: "number"},
		{Category: "number", Country: "SE", Months: -1},
		{Category: "proxy"},
		{Category: "proxy", Product: "x", Quantity: 501},
		{Category: "proxy", Product: "x", Months: 13},
		{Category: "domain", Product: "x"},
	} {
		if _, err := p.Do(ctx(t), backend.Action{Kind: backend.ActBuy, Buy: &b}, backend.Target{}); backend.KindOf(err) != backend.ErrInvalid {
			t.Errorf("%+v: %v", b, err)
		}
	}
	if len(posts()) != 2 {
		t.Errorf("invalid purchases reached the provider")
	}
}

func TestSettle(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o", "number_get.json")
	f.fixture("GET", "/numbers", "numbers_list.json")
	p := f.fixedProvider(t)
	line := snapLine

	// renew: the expiry moved past the snapshot's → it happened.
	line.ExpiresAt = backend.InstantOf(ts("2026-05-01T10:00:00Z"))
	got, out, err := p.Settle(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Line: &line})
	if err != nil || got != backend.SettledHappened || len(out.Lines) != 1 {
		t.Errorf("moved expiry: %v %v", got, err)
	}
	line.ExpiresAt = backend.InstantOf(ts("2026-05-31T10:00:00Z"))
	if got, _, _ := p.Settle(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Line: &line}); got != backend.SettledNotDone {
		t.Errorf("unmoved expiry: %v", got)
	}
	// auto-renew: the fixture says false.
	if got, _, _ := p.Settle(ctx(t), backend.Action{Kind: backend.ActAutoRenewOff}, backend.Target{Line: &line}); got != backend.SettledHappened {
		t.Errorf("auto-renew off: %v", got)
	}
	if got, _, _ := p.Settle(ctx(t), backend.Action{Kind: backend.ActAutoRenewOn}, backend.Target{Line: &line}); got != backend.SettledNotDone {
		t.Errorf("auto-renew on: %v", got)
	}
	// restore: the number is active again after being expired.
	line.State = backend.LineExpired
	got, out, _ = p.Settle(ctx(t), backend.Action{Kind: backend.ActRestore, CreatedAt: testNow}, backend.Target{Lines: []backend.Line{line}})
	if got != backend.SettledHappened || len(out.Jobs) != 1 || out.Jobs[0].State != backend.JobDone {
		t.Errorf("restore: %v %+v", got, out.Jobs)
	}

	buy := backend.Action{Kind: backend.ActBuy, CreatedAt: ts("2026-05-01T10:00:30Z"), Buy: &backend.BuyRequest{Category: "number", Country: "SE"}}
	got, out, err = p.Settle(ctx(t), buy, backend.Target{KnownIDs: map[string]bool{"other": true}})
	if err != nil || got != backend.SettledHappened || len(out.Lines) != 1 || out.Lines[0].ID != "vzPA1-kHKSg-EAL7e-Jqd3o" {
		t.Errorf("new number: %v %+v %v", got, out, err)
	}
	if r := f.requests(); r[len(r)-1].RawQuery != "country=SE&limit=200&offset=0" {
		t.Errorf("settle buy query %s", r[len(r)-1].RawQuery)
	}
	if got, _, _ := p.Settle(ctx(t), buy, backend.Target{KnownIDs: map[string]bool{"vzPA1-kHKSg-EAL7e-Jqd3o": true}}); got != backend.SettledNotDone {
		t.Errorf("known number: %v", got)
	}
	// piv.day's timestamps decide nothing: a number it dates before the
	// action is still the one the action bought when it was not known.
	late := buy
	late.CreatedAt = ts("2026-05-02T10:00:00Z")
	if got, _, _ := p.Settle(ctx(t), late, backend.Target{KnownIDs: map[string]bool{}}); got != backend.SettledHappened {
		t.Errorf("number piv.day dates before the action: %v", got)
	}
	// Without the ids known before the purchase nothing can be told.
	if got, _, err := p.Settle(ctx(t), buy, backend.Target{}); got != backend.SettledUnknown || err != nil {
		t.Errorf("no known ids: %v %v", got, err)
	}
}

// TestSettleBuyClaims: identical lost purchases are matched to different
// orders — never the same one twice, never one the account already had —
// and one more finds nothing. The engine passes the orders earlier entries
// settled onto as Target.Claimed.
func TestSettleBuyClaims(t *testing.T) {
	f := newFake(t)
	f.on("GET", "/numbers", 200, numbersBody(
		numberJSON("newer", "active", "2026-06-21T12:00:00Z", false, ""),
		numberJSON("named", "active", "2026-06-21T12:00:00Z", false, "Ads"),
		numberJSON("older", "active", "2026-06-21T12:00:00Z", false, ""),
		numberJSON("had", "active", "2026-06-21T12:00:00Z", false, "")))
	f.fixture("GET", "/proxy/servers", "proxy_servers.json")
	f.on("GET", "/proxy/orders", 200, `{"success":true,"data":{"orders":[
		{"id":"p3","country":"DE","quantity":10,"price_per_proxy":0.5,"status":"active"},
		{"id":"p2","country":"NL","quantity":10,"price_per_proxy":0.45,"status":"active"},
		{"id":"p1","country":"DE","quantity":10,"price_per_proxy":0.5,"status":"active"},
		{"id":"p0","country":"DE","quantity":10,"price_per_proxy":0.5,"status":"active"}]}}`)
	p := f.fixedProvider(t)

	claimAll := func(buy *backend.BuyRequest, known map[string]bool) []string {
		t.Helper()
		act := backend.Action{Kind: backend.ActBuy, Buy: buy}
		claimed := map[string]bool{}
		var got []string
		for range 5 {
			st, out, err := p.Settle(ctx(t), act, backend.Target{KnownIDs: known, Claimed: claimed})
			if err != nil {
				t.Fatal(err)
			}
			if st == backend.SettledNotDone {
				return got
			}
			var id string
			switch {
			case st != backend.SettledHappened:
				t.Fatalf("settle %d: %v", len(got)+1, st)
			case len(out.Lines) == 1 && len(out.Leases) == 1:
				id = out.Lines[0].ID
			case len(out.Lines) == 0 && len(out.Leases) == 1:
				id = out.Leases[0].ID
			default:
				t.Fatalf("settle %d returned %d lines, %d leases: want the one order matched", len(got)+1, len(out.Lines), len(out.Leases))
			}
			claimed[id] = true
			got = append(got, id)
		}
		t.Fatalf("never ran out of orders: %v", got)
		return nil
	}

	// Numbers: the named purchase gets its named number; the other lost
	// purchases get the rest, newest listed first; "had" was known.
	known := map[string]bool{"had": true}
	if got := claimAll(&backend.BuyRequest{Category: "number", Country: "SE", Name: "Ads"}, known); strings.Join(got, ",") != "named,newer,older" {
		t.Errorf("number claims %v, want named,newer,older", got)
	}
	if got := claimAll(&backend.BuyRequest{Category: "number", Country: "SE"}, known); strings.Join(got, ",") != "newer,named,older" {
		t.Errorf("number claims %v, want newer,named,older", got)
	}
	// Proxies: same quantity and the server's country (DE); p0 was known,
	// as a lease id.
	known = map[string]bool{"proxy/p0": true}
	buy := &backend.BuyRequest{Category: "proxy", Product: "a1b2c3d4-e5f6-7890-abcd-ef1234567890", Quantity: 10}
	if got := claimAll(buy, known); strings.Join(got, ",") != "proxy/p3,proxy/p1" {
		t.Errorf("proxy claims %v, want proxy/p3,proxy/p1", got)
	}
	buy.Quantity = 3
	if got := claimAll(buy, known); len(got) != 0 {
		t.Errorf("another quantity matched %v", got)
	}
}

func TestSettleLeases(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/proxy/orders", "proxy_orders.json")
	f.fixture("GET", "/proxy/orders/ord-1", "proxy_order_get.json")
	f.fixture("GET", "/domains/dom-1", "domain_get.json")
	p := f.fixedProvider(t)
	f.fixture("GET", "/proxy/servers", "proxy_servers.json")
	buy := backend.Action{Kind: backend.ActBuy, CreatedAt: ts("2026-01-01T00:00:10Z"),
		Buy: &backend.BuyRequest{Category: "proxy", Product: "a1b2c3d4-e5f6-7890-abcd-ef1234567890", Quantity: 10}}
	if got, out, err := p.Settle(ctx(t), buy, backend.Target{KnownIDs: map[string]bool{}}); err != nil || got != backend.SettledHappened || len(out.Leases) != 1 {
		t.Errorf("new proxy order: %v %v", got, err)
	}
	if got, _, _ := p.Settle(ctx(t), buy, backend.Target{KnownIDs: map[string]bool{"proxy/ord-uuid-...": true}}); got != backend.SettledNotDone {
		t.Errorf("known proxy order: %v", got)
	}
	other := buy
	other.Buy = &backend.BuyRequest{Category: "proxy", Product: "b2c3d4e5-f6a7-8901-bcde-f12345678901", Quantity: 10}
	if got, _, _ := p.Settle(ctx(t), other, backend.Target{KnownIDs: map[string]bool{}}); got != backend.SettledNotDone {
		t.Errorf("a server in another country: %v", got)
	}

	lease := p.proxyLease(ProxyOrder{ID: "ord-1", Status: "active", ExpiresAt: Time{ts("2026-01-15T00:00:00Z")}})
	if got, _, _ := p.Settle(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Lease: &lease}); got != backend.SettledHappened {
		t.Errorf("proxy renew: %v", got)
	}
	dom := p.domainLease(Domain{ID: "dom-1", Status: "active", ExpiresAt: Time{ts("2027-01-01T12:00:00Z")}})
	if got, _, err := p.Settle(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Lease: &dom}); got != backend.SettledUnknown || err != nil {
		t.Errorf("queued domain renewal with an unmoved expiry must stay unknown: %v %v", got, err)
	}
	dom.ExpiresAt = ts("2026-01-01T12:00:00Z")
	if got, _, _ := p.Settle(ctx(t), backend.Action{Kind: backend.ActRenew}, backend.Target{Lease: &dom}); got != backend.SettledHappened {
		t.Errorf("domain renewed: %v", got)
	}
}

func TestCatalog(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/numbers/countries", "countries.json")
	f.fixture("GET", "/proxy/servers", "proxy_servers.json")
	p := f.fixedProvider(t)
	if got := p.BuyCategories(); strings.Join(got, ",") != "number,proxy" {
		t.Errorf("categories %v", got)
	}
	if s := p.BuySteps("number"); len(s) != 1 || s[0] != backend.StepCountry {
		t.Errorf("number steps %v", s)
	}
	if s := p.BuySteps("proxy"); len(s) != 1 || s[0] != backend.StepProduct {
		t.Errorf("proxy steps %v", s)
	}
	items, err := p.Catalog(ctx(t), backend.CatalogRequest{Category: "number", Step: backend.StepCountry})
	if err != nil || len(items) != 2 {
		t.Fatal(items, err)
	}
	if items[0].ID != "SE" || !sameMoney(items[0].Price, usd("4")) || items[0].Stock != -1 || !strings.Contains(items[0].Note, "list price $5.00") ||
		!strings.Contains(items[0].Note, "can send SMS ($0.25 each)") {
		t.Errorf("SE %+v", items[0])
	}
	if strings.Contains(items[1].Note, "list price") {
		t.Errorf("GB has no discount: %+v", items[1])
	}
	items, err = p.Catalog(ctx(t), backend.CatalogRequest{Category: "proxy", Step: backend.StepProduct})
	if err != nil || len(items) != 2 || items[0].ID != "a1b2c3d4-e5f6-7890-abcd-ef1234567890" || items[0].Label != "EU-DE-01 (DE)" ||
		!sameMoney(items[0].Price, usd("0.50")) {
		t.Errorf("servers %+v %v", items, err)
	}
	if _, err := p.Catalog(ctx(t), backend.CatalogRequest{Category: "number", Step: backend.StepOperator}); backend.KindOf(err) != backend.ErrInvalid {
		t.Errorf("bad step: %v", err)
	}
	// The countries read by the picker price the number leases later,
	// without another read.
	reads := len(f.requests())
	if pr := p.numberPrices(ctx(t))["SE"]; !sameMoney(pr, usd("4")) || len(f.requests()) != reads {
		t.Errorf("cached SE price %v after %d more reads", pr, len(f.requests())-reads)
	}
}

func TestParseWebhooks(t *testing.T) {
	p := newFake(t).fixedProvider(t)
	parse := func(name string) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job) {
		t.Helper()
		l, m, le, j, err := p.ParseWebhook(readFixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return l, m, le, j
	}
	_, msgs, _, _ := parse("hook_sms_received.json")
	if len(msgs) != 1 || msgs[0].Code != "123456" || msgs[0].Text != "Your verification code is 123456" ||
		msgs[0].Line != p.lineKey("vzPA1-kHKSg-EAL7e-Jqd3o") || !msgs[0].ReceivedAt.Equal(ts("2026-05-22T12:34:56Z")) {
		t.Errorf("sms.received %+v", msgs)
	}
	_, _, _, jobs := parse("hook_number_restore_completed.json")
	if len(jobs) != 1 || jobs[0].State != backend.JobPartial || jobs[0].ID != "restore/abc12-defgh-ijklm-nopqr,vzPA1-kHKSg-EAL7e-Jqd3o" ||
		!strings.Contains(jobs[0].Detail, "$7.50 refunded") {
		t.Errorf("restore_completed %+v", jobs)
	}
	_, _, leases, _ := parse("hook_proxy_expires_soon.json")
	if len(leases) != 1 || leases[0].ID != "proxy/ord-uuid-..." || leases[0].Name != "proxy DE ×10" || !leases[0].ExpiresAt.Equal(ts("2026-05-25T00:00:00Z")) ||
		!leases[0].Allowed.Has(backend.ActRenew) {
		t.Errorf("proxy.expires_soon %+v", leases)
	}
	_, _, _, jobs = parse("hook_domain_registered.json")
	if len(jobs) != 1 || jobs[0].ID != "domain/dom-uuid-..." || jobs[0].State != backend.JobDone || !strings.Contains(jobs[0].Detail, "22 May 2027") {
		t.Errorf("domain.registered %+v", jobs)
	}
	_, _, _, jobs = parse("hook_domain_failed.json")
	if len(jobs) != 1 || jobs[0].State != backend.JobFailed || !strings.Contains(jobs[0].Detail, "Domain is no longer available") {
		t.Errorf("domain.failed %+v", jobs)
	}
	_, _, leases, _ = parse("hook_domain_expires_soon.json")
	if len(leases) != 1 || leases[0].ID != "domain/dom-uuid-..." || leases[0].AutoRenew || !leases[0].Allowed.Has(backend.ActAutoRenewOn) ||
		!leases[0].ExpiresAt.Equal(ts("2026-05-29T00:00:00Z")) {
		t.Errorf("domain.expires_soon %+v", leases)
	}
	_, _, _, jobs = parse("hook_white_completed.json")
	if len(jobs) != 1 || jobs[0].ID != "white/job-uuid-..." || jobs[0].State != backend.JobDone || jobs[0].Title != "white page My White" {
		t.Errorf("white.completed %+v", jobs)
	}
	_, _, _, jobs = parse("hook_white_failed.json")
	if len(jobs) != 1 || jobs[0].State != backend.JobFailed || !strings.Contains(jobs[0].Detail, "Generation failed") {
		t.Errorf("white.failed %+v", jobs)
	}
	for _, quiet := range []string{"hook_sms_status_updated.json", "hook_verify_completed.json", "hook_verify_failed.json"} {
		l, m, le, j := parse(quiet)
		if len(l)+len(m)+len(le)+len(j) != 0 {
			t.Errorf("%s produced objects", quiet)
		}
	}
	if _, _, _, _, err := p.ParseWebhook([]byte(`<html>`)); backend.KindOf(err) != backend.ErrMalformed {
		t.Errorf("garbage: %v", err)
	}
	if _, _, _, _, err := p.ParseWebhook([]byte(`{"event_type":"sms.received","data":{}}`)); backend.KindOf(err) != backend.ErrMalformed {
		t.Errorf("sms without number: %v", err)
	}
	// The provider's code wins; text is neutralized.
	_, msgs, _, _, err := p.ParseWebhook([]byte(`{"event_type":"sms.received","timestamp":"2026-05-22T12:00:00Z","data":{"piv_num_id":"n1","text":"code 111111\u001b[2J","code":"222222"}}`))
	if err != nil || msgs[0].Code != "222222" || strings.Contains(msgs[0].Text, "\x1b") || !msgs[0].ReceivedAt.Equal(ts("2026-05-22T12:00:00Z")) {
		t.Errorf("code precedence %+v %v", msgs, err)
	}
}

func TestDoCheck(t *testing.T) {
	f := newFake(t)
	f.fixture("GET", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o", "number_get.json")
	f.fixture("GET", "/numbers/vzPA1-kHKSg-EAL7e-Jqd3o/sms", "number_sms.json")
	f.on("GET", "/whites/job-1", http.StatusOK, `{"success":true,"data":{"white":{"id":"job-1","name":"W","status":10}}}`)
	p := f.fixedProvider(t)
	line := snapLine
	out, err := p.Do(ctx(t), backend.Action{Kind: backend.ActCheck}, backend.Target{Line: &line})
	if err != nil || len(out.Lines) != 1 || len(out.Messages) != 1 || len(out.Leases) != 1 || out.Lines[0].Name != "Office line" {
		t.Errorf("check number %+v %v", out, err)
	}
	job := backend.Job{ID: "white/job-1", State: backend.JobRunning}
	out, err = p.Do(ctx(t), backend.Action{Kind: backend.ActCheck}, backend.Target{Job: &job})
	if err != nil || len(out.Jobs) != 1 || out.Jobs[0].State != backend.JobDone {
		t.Errorf("check job %+v %v", out, err)
	}
}

// TestCountriesNamedOneWay: a country piv.day spells another way (lower
// case, a name) reaches the line and the proxy lease as its ISO code, the
// way every provider's lines show and filter.
func TestCountriesNamedOneWay(t *testing.T) {
	p := newFake(t).fixedProvider(t)
	for raw, want := range map[string]string{"SE": "SE", "se": "SE", "Sweden": "SE", "United Kingdom (GB)": "GB", "Atlantis": "Atlantis"} {
		if l := p.line(Number{ID: "n1", Phone: "+46700001", Country: Text(raw)}, backend.Money{}, testNow); l.Country != want {
			t.Errorf("number in %q: line country %q, want %q", raw, l.Country, want)
		}
	}
	if l := p.proxyLease(ProxyOrder{ID: "o1", Country: "germany", Quantity: 10}); l.Name != "proxy DE ×10" {
		t.Errorf("proxy lease %q, want \"proxy DE ×10\"", l.Name)
	}
}
