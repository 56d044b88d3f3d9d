package pivday

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// data decodes a fixture's envelope and its `data` into out.
func data(t *testing.T, name string, out any) {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(readFixture(t, name), &env); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if env.Success == nil || !bool(*env.Success) {
		t.Fatalf("%s: success not true", name)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		t.Fatalf("%s data: %v", name, err)
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func amt(t *testing.T, a Amount, want string) {
	t.Helper()
	if !a.Valid || !a.Value.Equal(decimal.RequireFromString(want)) {
		t.Errorf("amount %v (valid %v), want %s", a.Value, a.Valid, want)
	}
}

func eqTime(t *testing.T, name string, got Time, want string) {
	t.Helper()
	if !got.Equal(ts(want)) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %s UTC", name, got.Time, want)
	}
}

func TestDecodeAccount(t *testing.T) {
	var a AccountInfo
	data(t, "account.json", &a)
	amt(t, a.Balance, "150.50")
	if a.Email != "u***@example.com" || a.UserID != "usr-uuid-..." || a.TeamID != "" || a.IsTeamMember {
		t.Errorf("account %+v", a)
	}
}

func TestDecodeCountries(t *testing.T) {
	var cs []Country
	data(t, "countries.json", &cs)
	if len(cs) != 2 || cs[0].Code != "SE" || cs[1].Code != "GB" {
		t.Fatalf("countries %+v", cs)
	}
	amt(t, cs[0].PricePerMonth, "4")
	amt(t, cs[0].BasePrice, "5")
	amt(t, cs[0].SMSSendPrice, "0.25")
	if !cs[0].CanSendSMS || !cs[0].CanReceiveSMS {
		t.Errorf("SE capabilities %+v", cs[0])
	}
	amt(t, cs[1].PricePerMonth, "3")
}

func checkNumber(t *testing.T, n Number, name string) {
	t.Helper()
	if n.ID != "vzPA1-kHKSg-EAL7e-Jqd3o" || n.Phone != "+46764794425" || n.Country != "SE" || n.Status != "active" ||
		n.AutoRenew || n.CustomName != Text(name) || !n.CanSendSMS || !n.CanReceiveSMS {
		t.Errorf("number %+v", n)
	}
	eqTime(t, "created_at", n.CreatedAt, "2026-05-01T10:00:00Z")
	eqTime(t, "expires_at", n.ExpiresAt, "2026-05-31T10:00:00Z")
	eqTime(t, "purchased_at", n.PurchasedAt, "2026-05-01T10:00:00Z")
	eqTime(t, "next_renewal_date", n.NextRenewalDate, "2026-05-31T10:00:00Z")
	if len(n.Tags) != 1 || n.Tags[0] != "support" {
		t.Errorf("tags %v", n.Tags)
	}
}

func TestDecodeNumbers(t *testing.T) {
	var page numbersPage
	data(t, "numbers_list.json", &page)
	if len(page.Numbers) != 1 || page.Pagination.Total != 1 || page.Pagination.Limit != 10 || page.Pagination.Offset != 0 {
		t.Fatalf("page %+v", page)
	}
	checkNumber(t, page.Numbers[0], "Office line")

	var one Number
	data(t, "number_get.json", &one)
	checkNumber(t, one, "Office line")
}

func TestDecodeNumberPurchase(t *testing.T) {
	var p NumberPurchase
	if err := json.Unmarshal(readFixture(t, "number_purchase.json"), &p); err != nil {
		t.Fatal(err)
	}
	amt(t, p.Cost, "5.00")
	if len(p.Numbers) != 1 {
		t.Fatalf("numbers %+v", p.Numbers)
	}
	n := p.Numbers[0]
	if n.ID != "vzPA1-kHKSg-EAL7e-Jqd3o" || n.Phone != "+46764794425" || n.Country != "SE" || n.CustomName != "My Sweden Number" || n.AutoRenew || n.Status != "" {
		t.Errorf("number %+v", n)
	}
	eqTime(t, "expires_at", n.ExpiresAt, "2026-05-31T10:00:00Z")
	eqTime(t, "created_at", n.CreatedAt, "2026-05-01T10:00:00Z")
}

func TestDecodeNumberRenewAutoRenewRestore(t *testing.T) {
	var r NumberRenewal
	data(t, "number_renew.json", &r)
	if r.ID != "vzPA1-kHKSg-EAL7e-Jqd3o" || r.Phone != "+46764794425" {
		t.Errorf("renewal %+v", r)
	}
	eqTime(t, "old", r.OldExpiresAt, "2026-05-31T10:00:00Z")
	eqTime(t, "new", r.NewExpiresAt, "2026-06-30T10:00:00Z")
	amt(t, r.Cost, "5.00")

	var a AutoRenewal
	data(t, "number_autorenew.json", &a)
	if a.ID != "vzPA1-kHKSg-EAL7e-Jqd3o" || a.Phone != "+46764794425" || !a.AutoRenew {
		t.Errorf("auto-renewal %+v", a)
	}

	var rs Restore
	if err := json.Unmarshal(readFixture(t, "numbers_restore.json"), &rs); err != nil {
		t.Fatal(err)
	}
	amt(t, rs.TotalCharged, "9.00")
	if rs.Queued != 2 || rs.Skipped != 0 || len(rs.Numbers) != 1 || rs.Numbers[0].ID != "vzPA1-kHKSg-EAL7e-Jqd3o" ||
		rs.Numbers[0].Phone != "+46764794425" || rs.Numbers[0].Status != "pending" {
		t.Errorf("restore %+v", rs)
	}
}

func TestDecodeSMS(t *testing.T) {
	var page smsPage
	data(t, "number_sms.json", &page)
	if len(page.Messages) != 2 || page.Pagination.Total != 2 || page.Pagination.Limit != 20 {
		t.Fatalf("page %+v", page)
	}
	out, in := page.Messages[0], page.Messages[1]
	if out.ID != "42" || out.Direction != "outbound" || out.From != "+46764794425" || out.To != "+14155551234" ||
		out.Body != "Hello from piv.day" || out.Status != "delivered" {
		t.Errorf("outbound %+v", out)
	}
	if in.ID != "41" || in.Direction != "inbound" || in.From != "+14155551234" || in.Body != "Hey, got your message!" || in.Status != "received" {
		t.Errorf("inbound %+v", in)
	}
	eqTime(t, "received_at", in.ReceivedAt, "2026-05-22T11:35:00Z")
}

func TestDecodeProxy(t *testing.T) {
	var servers struct {
		Servers []ProxyServer `json:"servers"`
	}
	data(t, "proxy_servers.json", &servers)
	if len(servers.Servers) != 2 {
		t.Fatalf("servers %+v", servers)
	}
	s := servers.Servers[0]
	if s.ID != "a1b2c3d4-e5f6-7890-abcd-ef1234567890" || s.Name != "EU-DE-01" || s.Country != "DE" || s.SOCKS5Port != 1080 || s.HTTPPort != 3128 {
		t.Errorf("server %+v", s)
	}
	amt(t, s.PricePerProxy, "0.50")
	amt(t, servers.Servers[1].PricePerProxy, "0.45")

	var list proxyOrdersPage
	data(t, "proxy_orders.json", &list)
	if len(list.Orders) != 1 || list.Pagination.Total != 1 {
		t.Fatalf("orders %+v", list)
	}
	o := list.Orders[0]
	if o.ID != "ord-uuid-..." || o.Country != "DE" || o.Quantity != 10 || o.Status != "active" {
		t.Errorf("order %+v", o)
	}
	amt(t, o.PricePerProxy, "0.50")
	amt(t, o.PriceTotal, "5.00")
	eqTime(t, "purchased_at", o.PurchasedAt, "2026-01-01T00:00:00Z")
	eqTime(t, "expires_at", o.ExpiresAt, "2026-02-01T00:00:00Z")

	var one struct {
		Order ProxyOrder `json:"order"`
	}
	data(t, "proxy_order_get.json", &one)
	if len(one.Order.Items) != 1 {
		t.Fatalf("items %+v", one.Order.Items)
	}
	it := one.Order.Items[0]
	if it.Login != "user1" || it.Password != "pass1" || it.Host != "185.1.2.3" || it.SOCKS5Port != 1080 || it.HTTPPort != 3128 || it.IPv6 != "2a00:1:2:3::1" {
		t.Errorf("item %+v", it)
	}
	eqTime(t, "created_at", one.Order.CreatedAt, "2026-01-01T00:00:00Z")

	var bought struct {
		Order ProxyOrder `json:"order"`
	}
	data(t, "proxy_purchase.json", &bought)
	if bought.Order.Quantity != 5 || len(bought.Order.Items) != 2 || bought.Order.Items[1].IPv6 != "2a00:1:2:3::2" {
		t.Errorf("purchase %+v", bought.Order)
	}
	amt(t, bought.Order.PriceTotal, "2.50")

	var renew ProxyRenewal
	data(t, "proxy_renew.json", &renew)
	if renew.OrderID != "ord-uuid-..." {
		t.Errorf("renew %+v", renew)
	}
	amt(t, renew.Cost, "5.00")
	eqTime(t, "new_expires_at", renew.NewExpiresAt, "2026-03-01T00:00:00Z")

	var restore ProxyRestore
	data(t, "proxy_restore.json", &restore)
	if restore.OrderID != "ord-uuid-..." || restore.Quantity != 10 {
		t.Errorf("restore %+v", restore)
	}
	amt(t, restore.TotalCost, "5.00")
	eqTime(t, "expires_at", restore.ExpiresAt, "2026-03-01T00:00:00Z")

	var ex ProxyExport
	data(t, "proxy_export.json", &ex)
	if ex.Content != "user1:pass1@1.2.3.4:1080\nuser2:pass2@1.2.3.4:1080" || ex.Filename != "piv-day-proxy-ord-uuid--socks5.txt" || ex.Format != "socks5" || ex.Count != 2 {
		t.Errorf("export %+v", ex)
	}
}

func checkDomain(t *testing.T, d Domain, registered string) {
	t.Helper()
	if d.ID != "dom-uuid-..." || d.Name != "mysite.com" || d.Status != "active" || !d.AutoRenew || !d.CloudflareEnabled ||
		d.CloudflareStatus != "active" || d.SSLType != "lets_encrypt" || d.SSLStatus != "active" || d.SSLMode != "full" {
		t.Errorf("domain %+v", d)
	}
	eqTime(t, "registered_at", d.RegisteredAt, registered)
	eqTime(t, "ssl_expires_at", d.SSLExpiresAt, "2026-04-01T00:00:00Z")
	eqTime(t, "created_at", d.CreatedAt, "2026-01-01T00:00:00Z")
}

func TestDecodeDomains(t *testing.T) {
	var list domainsPage
	data(t, "domains_list.json", &list)
	if len(list.Domains) != 1 || list.Pagination.Total != 1 {
		t.Fatalf("domains %+v", list)
	}
	checkDomain(t, list.Domains[0], "2026-01-01T00:00:00Z")
	eqTime(t, "expires_at", list.Domains[0].ExpiresAt, "2027-01-01T00:00:00Z")
	eqTime(t, "updated_at", list.Domains[0].UpdatedAt, "2026-01-01T00:00:00Z")

	var one struct {
		Domain Domain `json:"domain"`
	}
	data(t, "domain_get.json", &one)
	checkDomain(t, one.Domain, "2026-01-01T12:00:00Z")
	eqTime(t, "expires_at", one.Domain.ExpiresAt, "2027-01-01T12:00:00Z")

	var pending QueueEntry
	data(t, "queue_pending.json", &pending)
	if pending.ID != "que-uuid-..." || pending.Status != "pending" || pending.DomainName != "mysite.com" || pending.Domain != nil {
		t.Errorf("pending queue entry %+v", pending)
	}
	var done QueueEntry
	data(t, "queue_completed.json", &done)
	if done.ID != "que-uuid-..." || done.Status != "completed" || done.DomainName != "mysite.com" || done.Domain == nil {
		t.Fatalf("completed queue entry %+v", done)
	}
	checkDomain(t, *done.Domain, "2026-01-01T12:00:00Z")

	var renew DomainRenewal
	data(t, "domain_renew.json", &renew)
	if renew.QueueID != "que-uuid-..." || renew.DomainID != "dom-uuid-..." {
		t.Errorf("renew %+v", renew)
	}
	eqTime(t, "expires_at", renew.ExpiresAt, "2027-01-01T12:00:00Z")

	var auto DomainAutoRenewal
	data(t, "domain_autorenew.json", &auto)
	if auto.ID != "dom-uuid-..." || !auto.AutoRenew {
		t.Errorf("auto-renew %+v", auto)
	}

	var search DomainAvailability
	data(t, "domain_search.json", &search)
	if search.Domain != "mysite.com" || !search.Available || search.Currency != "USD" {
		t.Errorf("search %+v", search)
	}
	amt(t, search.CreatePrice, "12.50")
	amt(t, search.RenewPrice, "12.50")
}

func TestDecodeWhites(t *testing.T) {
	var list whitesPage
	data(t, "whites_list.json", &list)
	if len(list.Whites) != 1 {
		t.Fatalf("whites %+v", list)
	}
	w := list.Whites[0]
	if w.ID != "job-uuid-..." || w.Name != "My White" || !w.Status.Numeric || w.Status.Code != 10 || w.TierKey != "v2_tier3" ||
		w.Quality != "standard" || w.Niche != "IT Consulting" || w.Country != "DE" || w.Language != "de" || w.Domain != "mysite.com" || w.ResultURL != "" {
		t.Errorf("white %+v", w)
	}
	eqTime(t, "created_at", w.CreatedAt, "2026-01-01T00:00:00Z")

	var one struct {
		White White `json:"white"`
	}
	data(t, "white_get.json", &one)
	if one.White.Name != "Tech Blog DE" || one.White.Status.Code != 10 || one.White.Quality != "premium" {
		t.Errorf("white %+v", one.White)
	}
	var started struct {
		Status Text  `json:"status"`
		White  White `json:"white"`
	}
	data(t, "white_start.json", &started)
	if started.Status != "queued" || !started.White.Status.Numeric || started.White.Status.Code != 0 {
		t.Errorf("started %+v", started)
	}
}

func TestDecodeErrorBodies(t *testing.T) {
	for name, code := range map[string]string{"error_insufficient_balance.json": "INSUFFICIENT_BALANCE", "rate_limited.json": "RATE_LIMITED"} {
		var env envelope
		if err := json.Unmarshal(readFixture(t, name), &env); err != nil {
			t.Fatal(err)
		}
		if env.Success == nil || bool(*env.Success) || env.Error == nil || string(env.Error.Code) != code || env.Error.Message == "" {
			t.Errorf("%s: %+v", name, env)
		}
	}
}

func TestDecodeWebhooks(t *testing.T) {
	var ev Event
	if err := json.Unmarshal(readFixture(t, "hook_sms_received.json"), &ev); err != nil {
		t.Fatal(err)
	}
	var sms SMSReceived
	if err := json.Unmarshal(ev.Data, &sms); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "sms.received" || sms.NumberID != "vzPA1-kHKSg-EAL7e-Jqd3o" || sms.Text != "Your verification code is 123456" ||
		sms.Code != "123456" || sms.Country != "SE" {
		t.Errorf("sms.received %+v %+v", ev, sms)
	}
	eqTime(t, "timestamp", ev.Timestamp, "2026-05-22T12:34:56Z")
	eqTime(t, "received_at", sms.ReceivedAt, "2026-05-22T12:34:56Z")

	json.Unmarshal(readFixture(t, "hook_number_restore_completed.json"), &ev)
	var rc RestoreCompleted
	if err := json.Unmarshal(ev.Data, &rc); err != nil {
		t.Fatal(err)
	}
	if len(rc.Restored) != 1 || len(rc.Failed) != 1 || rc.TotalRestored != 1 || rc.TotalFailed != 1 ||
		rc.Restored[0].ID != "vzPA1-kHKSg-EAL7e-Jqd3o" || rc.Failed[0].Phone != "+46123456789" || rc.Failed[0].Country != "SE" {
		t.Errorf("restore_completed %+v", rc)
	}
	amt(t, rc.Failed[0].Refunded, "7.50")
	amt(t, rc.TotalRefunded, "7.50")

	json.Unmarshal(readFixture(t, "hook_proxy_expires_soon.json"), &ev)
	var px ProxyExpiresSoon
	json.Unmarshal(ev.Data, &px)
	if px.OrderID != "ord-uuid-..." || px.Country != "DE" || px.Quantity != 10 {
		t.Errorf("proxy.expires_soon %+v", px)
	}
	eqTime(t, "expires_at", px.ExpiresAt, "2026-05-25T00:00:00Z")

	json.Unmarshal(readFixture(t, "hook_domain_expires_soon.json"), &ev)
	var de DomainEvent
	json.Unmarshal(ev.Data, &de)
	if de.DomainID != "dom-uuid-..." || de.DomainName != "mysite.com" || de.AutoRenew == nil || bool(*de.AutoRenew) {
		t.Errorf("domain.expires_soon %+v", de)
	}

	json.Unmarshal(readFixture(t, "hook_domain_failed.json"), &ev)
	de = DomainEvent{}
	json.Unmarshal(ev.Data, &de)
	if de.Error != "Domain is no longer available" {
		t.Errorf("domain.failed %+v", de)
	}

	json.Unmarshal(readFixture(t, "hook_white_completed.json"), &ev)
	var we WhiteEvent
	json.Unmarshal(ev.Data, &we)
	if we.JobID != "job-uuid-..." || we.Name != "My White" || we.TierKey != "t1" || we.Country != "DE" {
		t.Errorf("white.completed %+v", we)
	}
}

// Tolerance: numbers as strings, strings as numbers, booleans as words,
// fractional seconds and offsets, unknown fields and unknown statuses.
func TestDecodeTolerant(t *testing.T) {
	body := `{"piv_num_id": 12345, "phone_number": "+4670", "status": "frozen_by_carrier", "auto_renew": "true",
		"expires_at": "2026-05-31T12:00:00.123456789+02:00", "created_at": "2026-05-01 10:00:00", "purchased_at": null,
		"surprise": {"nested": [1, 2]}, "tags": null}`
	var n Number
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		t.Fatal(err)
	}
	if n.ID != "12345" || n.Status != "frozen_by_carrier" || !bool(n.AutoRenew) || !n.PurchasedAt.IsZero() {
		t.Errorf("number %+v", n)
	}
	if want := time.Date(2026, 5, 31, 10, 0, 0, 123456789, time.UTC); !n.ExpiresAt.Equal(want) || n.ExpiresAt.Location() != time.UTC {
		t.Errorf("expires %v, want %v UTC", n.ExpiresAt.Time, want)
	}
	if !n.CreatedAt.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("created %v", n.CreatedAt.Time)
	}
	var c Country
	json.Unmarshal([]byte(`{"country_code":"SE","price_per_month":"4.50","can_receive_sms":1,"sms_send_price":null}`), &c)
	amt(t, c.PricePerMonth, "4.50")
	if !bool(c.CanReceiveSMS) || c.SMSSendPrice.Valid {
		t.Errorf("country %+v", c)
	}
	var o ProxyOrder
	json.Unmarshal([]byte(`{"quantity":"7","price_total":"garbage"}`), &o)
	if o.Quantity != 7 || o.PriceTotal.Valid {
		t.Errorf("order %+v", o)
	}
	var w White
	json.Unmarshal([]byte(`{"status":"processing"}`), &w)
	if w.Status.Numeric || w.Status.Word != "processing" {
		t.Errorf("white status %+v", w.Status)
	}
	var e envelope
	json.Unmarshal([]byte(`{"success":false,"error":"plain text error"}`), &e)
	if e.Error == nil || e.Error.Message != "plain text error" {
		t.Errorf("string error %+v", e.Error)
	}
}

// Amounts are read strictly by backend.ParseAmount: the document's JSON
// numbers, numeric strings, a decimal comma; what could be misread ("1,500"
// is 1500 or 1.5) or is not a plain number is an unknown amount.
func TestDecodeAmounts(t *testing.T) {
	for in, want := range map[string]string{
		`150.50`: "150.5", `4.00`: "4", `0.25`: "0.25", `12.50`: "12.5", `7.50`: "7.5", // the document's examples
		`"4.50"`: "4.5", `"4,00"`: "4", `"0,5"`: "0.5", `"1.500,00"`: "1500", `"1,500.00"`: "1500", `"1 500,00"`: "1500",
		`-3.25`: "-3.25", `"58000.00"`: "58000",
	} {
		var a Amount
		if err := json.Unmarshal([]byte(in), &a); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		amt(t, a, want)
	}
	for _, in := range []string{`null`, `""`, `"1,500"`, `"12,345"`, `"$5.00"`, `"5 USD"`, `1e3`, `"garbage"`, `"1,50,000"`, `{}`, `[1]`} {
		var a Amount
		if err := json.Unmarshal([]byte(in), &a); err != nil || a.Valid {
			t.Errorf("%s → %v (valid %v), %v; want an unknown amount", in, a.Value, a.Valid, err)
		}
	}
	// In context: an ambiguous price leaves the country's price unknown.
	var c Country
	if err := json.Unmarshal([]byte(`{"country_code":"SE","price_per_month":"1,500","base_price":"4,00"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.PricePerMonth.Valid {
		t.Errorf("price_per_month \"1,500\" read as %v", c.PricePerMonth.Value)
	}
	amt(t, c.BasePrice, "4")
}

// The amounts of an INSUFFICIENT_BALANCE message go through ParseAmount
// too: an ambiguous one leaves piv.day's words as they are.
func TestBalanceAmounts(t *testing.T) {
	for msg, want := range map[string][2]string{
		"Not enough balance: required $5.00, available $1.20": {"$5.00", "$1.20"}, // the document's example
		"required 4,00, available 1,5":                        {"$4.00", "$1.50"},
		"required: $12, available: $0":                        {"$12.00", "$0.00"},
		"required $5.00":                                      {"$5.00", ""},
	} {
		needs, have, ok := balanceAmounts(msg)
		if !ok || needs != want[0] || have != want[1] {
			t.Errorf("%q → %q %q %v, want %q %q", msg, needs, have, ok, want[0], want[1])
		}
	}
	for _, msg := range []string{"required $1,500, available $20.00", "required $5.00, available $1,200", "Balance too low"} {
		if needs, have, ok := balanceAmounts(msg); ok {
			t.Errorf("%q → %q %q: want the message kept as written", msg, needs, have)
		}
	}
}
