package pivday

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

func TestPivDayCountries(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1})
	st, _, m := p.do("GET", "/numbers/countries", nil)
	if st != 200 || m["success"] != true {
		t.Fatalf("%d %v", st, m)
	}
	list := objs(m["data"])
	if len(list) < 3 {
		t.Fatalf("countries = %v", list)
	}
	seen := map[string]map[string]any{}
	for _, c := range list {
		pivShape(t, "country", c, map[string]string{"country_code": "string", "price_per_month": "number",
			"base_price": "number", "can_send_sms": "bool", "can_receive_sms": "bool", "sms_send_price": "number|null"})
		if (c["sms_send_price"] == nil) == (c["can_send_sms"] == true) {
			t.Errorf("sms_send_price must be null exactly when sending is off: %v", c)
		}
		seen[c["country_code"].(string)] = c
	}
	if seen["SE"]["price_per_month"] != 4.0 || seen["SE"]["base_price"] != 5.0 {
		t.Errorf("SE = %v", seen["SE"])
	}
}

func TestPivDayNumbersListFiltersAndPaging(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1})
	d := p.ok("GET", "/numbers", nil)
	pivShape(t, "numbers page", d, map[string]string{"numbers": "array", "pagination": "object"})
	pivShape(t, "pagination", d["pagination"].(map[string]any), pivPaginationShape)
	all := objs(d["numbers"])
	states := map[string]int{}
	for _, n := range all {
		pivShape(t, "number", n, pivNumberShape)
		states[n["status"].(string)]++
	}
	if states["active"] < 3 || states["expired"] < 2 || states["pending_restore"] < 1 {
		t.Errorf("states = %v", states)
	}
	if pg := d["pagination"].(map[string]any); pg["total"] != float64(len(all)) || pg["limit"] != 50.0 || pg["offset"] != 0.0 {
		t.Errorf("pagination = %v", pg)
	}
	// Newest first.
	for i := 1; i < len(all); i++ {
		if pivTime(t, all[i-1]["created_at"]).Before(pivTime(t, all[i]["created_at"])) {
			t.Fatal("numbers not newest first")
		}
	}
	// Paging with offset walks the same list.
	var walked []string
	for off := 0; ; off += 3 {
		pg := p.ok("GET", "/numbers?limit=3&offset="+strconv.Itoa(off), nil)
		page := objs(pg["numbers"])
		for _, n := range page {
			walked = append(walked, n["piv_num_id"].(string))
		}
		if len(page) < 3 {
			break
		}
	}
	if len(walked) != len(all) || walked[0] != all[0]["piv_num_id"] {
		t.Errorf("paging walked %d of %d", len(walked), len(all))
	}
	for _, n := range objs(p.ok("GET", "/numbers?status=expired", nil)["numbers"]) {
		if n["status"] != "expired" {
			t.Errorf("status filter let through %v", n["status"])
		}
	}
	se := objs(p.ok("GET", "/numbers?country=SE", nil)["numbers"])
	if len(se) < 1 {
		t.Error("country filter found no SE number")
	}
	for _, n := range se {
		if n["country_code"] != "SE" {
			t.Errorf("country filter let through %v", n["country_code"])
		}
	}
	found := objs(p.ok("GET", "/numbers?search=office", nil)["numbers"])
	if len(found) != 1 || found[0]["custom_name"] != "Office line" || objs0(found[0]["tags"]) != "support" {
		t.Errorf("search = %v", found)
	}
	// "max 200": more is served as 200, not refused.
	if pg := p.ok("GET", "/numbers?limit=201", nil)["pagination"].(map[string]any); pg["limit"] != 200.0 {
		t.Errorf("limit=201 → %v", pg)
	}
	p.fail("GET", "/numbers?limit=abc", nil, 400, "VALIDATION_ERROR")
	p.fail("GET", "/numbers?status=gone", nil, 400, "VALIDATION_ERROR")
	if n := objs(p.ok("GET", "/numbers?limit=200", nil)["numbers"]); len(n) != len(all) {
		t.Errorf("limit=200 gave %d", len(n))
	}
}

func TestPivDayNumberGetAndSMS(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	n := p.numberWith("active", "SE")
	id := n["piv_num_id"].(string)
	got := p.ok("GET", "/numbers/"+id, nil)
	pivShape(t, "number", got, pivNumberShape)
	if got["phone_number"] != n["phone_number"] {
		t.Errorf("get = %v", got)
	}
	p.fail("GET", "/numbers/nope1-nope2-nope3-nope4", nil, 404, "NUMBER_NOT_FOUND")
	p.fail("GET", "/numbers/nope1-nope2-nope3-nope4/sms", nil, 404, "NUMBER_NOT_FOUND")

	d := p.ok("GET", "/numbers/"+id+"/sms", nil)
	pivShape(t, "sms page", d, map[string]string{"messages": "array", "pagination": "object"})
	msgs := objs(d["messages"])
	dirs := map[string]bool{}
	for _, m := range msgs {
		pivShape(t, "sms", m, map[string]string{"id": "string", "from_number": "string", "to_number": "string",
			"message_body": "string", "direction": "string", "status": "string", "received_at": "string"})
		dirs[m["direction"].(string)] = true
	}
	if !dirs["inbound"] || !dirs["outbound"] {
		t.Errorf("directions = %v", dirs)
	}
	p.s.Advance(2 * time.Second)
	if err := p.s.PivDay.Deliver(id, "Your verification code is 123456"); err != nil {
		t.Fatal(err)
	}
	if p.s.PivDay.Deliver("nope", "x") == nil {
		t.Error("Deliver to an unknown number succeeded")
	}
	d = p.ok("GET", "/numbers/"+id+"/sms?limit=1", nil)
	first := objs(d["messages"])
	if len(first) != 1 || first[0]["message_body"] != "Your verification code is 123456" || first[0]["direction"] != "inbound" ||
		first[0]["to_number"] != n["phone_number"] {
		t.Errorf("newest = %v", first)
	}
	if pg := d["pagination"].(map[string]any); pg["total"] != float64(len(msgs)+1) || pg["limit"] != 1.0 {
		t.Errorf("pagination = %v", pg)
	}
	second := objs(p.ok("GET", "/numbers/"+id+"/sms?limit=1&offset=1", nil)["messages"])
	if len(second) != 1 || second[0]["id"] != msgs[0]["id"] {
		t.Errorf("offset=1 = %v, want %v", second, msgs[0])
	}
	for i := 1; i < len(msgs); i++ {
		if pivTime(t, msgs[i-1]["received_at"]).Before(pivTime(t, msgs[i]["received_at"])) {
			t.Error("sms not newest first")
		}
	}
	if pg := p.ok("GET", "/numbers/"+id+"/sms?limit=500", nil)["pagination"].(map[string]any); pg["limit"] != 200.0 {
		t.Errorf("sms limit=500 → %v", pg)
	}
}

func TestPivDayPurchaseNumber(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	before := pd.Balance("piv-main")
	st, _, m := p.do("POST", "/numbers/purchase", map[string]any{"country_code": "SE", "duration_months": 2,
		"auto_renew": true, "custom_name": "My Sweden Number"})
	if st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	pivShape(t, "purchase", m, map[string]string{"success": "bool", "cost": "number", "numbers": "array"})
	if m["cost"] != 8.0 || pd.Balance("piv-main") != simcore.Money(before-8) || pd.Purchases("piv-main") != 1 {
		t.Errorf("cost %v, balance %v → %v, purchases %d", m["cost"], before, pd.Balance("piv-main"), pd.Purchases("piv-main"))
	}
	nums := objs(m["numbers"])
	pivShape(t, "purchased number", nums[0], map[string]string{"piv_num_id": "string", "country_code": "string",
		"phone_number": "string", "created_at": "string", "expires_at": "string", "auto_renew": "bool", "custom_name": "string|null"})
	if !strings.HasPrefix(nums[0]["phone_number"].(string), "+46") || nums[0]["custom_name"] != "My Sweden Number" || nums[0]["auto_renew"] != true {
		t.Errorf("number = %v", nums[0])
	}
	if exp := pivTime(t, nums[0]["expires_at"]); !exp.Equal(pivStart.Add(60 * 24 * time.Hour)) {
		t.Errorf("expires = %v", exp)
	}
	id := nums[0]["piv_num_id"].(string)
	if st, _, ok := pd.Number(id); !ok || st != "active" {
		t.Errorf("new number %s: %v", st, ok)
	}

	bal := pd.Balance("piv-main")
	p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "XX", "duration_months": 1, "auto_renew": false}, 400, "COUNTRY_NOT_AVAILABLE")
	p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "CA", "duration_months": 1, "auto_renew": false}, 400, "NO_NUMBERS_AVAILABLE")
	pd.SetStock("GB", 0)
	p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "GB", "duration_months": 1, "auto_renew": false}, 400, "NO_NUMBERS_AVAILABLE")
	for _, bad := range []any{
		map[string]any{"country_code": "SE", "duration_months": 1},                      // auto_renew missing
		map[string]any{"country_code": "SE", "duration_months": 0, "auto_renew": false}, // below minimum
		map[string]any{"country_code": "SE", "duration_months": "1", "auto_renew": false},
		map[string]any{"duration_months": 1, "auto_renew": false},
		`{"country_code":`,
	} {
		p.fail("POST", "/numbers/purchase", bad, 400, "VALIDATION_ERROR")
	}
	if pd.Balance("piv-main") != bal || pd.Purchases("piv-main") != 1 {
		t.Error("a refused purchase moved money")
	}
	pd.SetBalance("piv-main", 1.20)
	msg := p.fail("POST", "/numbers/purchase", map[string]any{"country_code": "SE", "duration_months": 1, "auto_renew": false}, 402, "INSUFFICIENT_BALANCE")
	if !strings.Contains(msg, "required $4.00, available $1.20") {
		t.Errorf("message = %q", msg)
	}
	if pd.Balance("piv-main") != 1.20 || pd.Purchases("piv-main") != 1 {
		t.Error("a refused purchase moved money")
	}
}

func TestPivDayRenewNumber(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	n := p.numberWith("active", "GB")
	id := n["piv_num_id"].(string)
	old := pivTime(t, n["expires_at"])
	before := pd.Balance("piv-main")
	d := p.ok("POST", "/numbers/"+id+"/renew", map[string]any{"duration_months": 2})
	pivShape(t, "renew", d, map[string]string{"piv_num_id": "string", "phone_number": "string", "old_expires_at": "string",
		"new_expires_at": "string", "cost": "number"})
	if !pivTime(t, d["old_expires_at"]).Equal(old) || !pivTime(t, d["new_expires_at"]).Equal(old.Add(60*24*time.Hour)) || d["cost"] != 6.0 {
		t.Errorf("renew = %v", d)
	}
	if _, exp, _ := pd.Number(id); !exp.Equal(old.Add(60 * 24 * time.Hour)) {
		t.Errorf("expiry not moved: %v", exp)
	}
	if pd.Balance("piv-main") != simcore.Money(before-6) || pd.Renewals("piv-main") != 1 {
		t.Errorf("balance %v → %v", before, pd.Balance("piv-main"))
	}
	// The renew document refuses no state: a lapsed number runs again from
	// now; one being restored is extended and keeps its restore.
	expired := p.numberWith("expired", "")["piv_num_id"].(string)
	p.ok("POST", "/numbers/"+expired+"/renew", map[string]any{"duration_months": 1})
	if st, exp, _ := pd.Number(expired); st != "active" || !exp.Equal(pivStart.Add(30*24*time.Hour)) {
		t.Errorf("renewed expired number: %s %v", st, exp)
	}
	pending := p.numberWith("pending_restore", "")["piv_num_id"].(string)
	p.ok("POST", "/numbers/"+pending+"/renew", map[string]any{"duration_months": 1})
	if st, exp, _ := pd.Number(pending); st != "pending_restore" || !exp.Equal(pivStart.Add(30*24*time.Hour)) {
		t.Errorf("renewed number being restored: %s %v", st, exp)
	}
	p.s.Advance(30 * time.Second) // the restore completes: its month comes on top
	if st, exp, _ := pd.Number(pending); st != "active" || !exp.Equal(pivStart.Add(60*24*time.Hour)) {
		t.Errorf("restored after a renewal: %s %v", st, exp)
	}
	bal := pd.Balance("piv-main")
	p.ok("POST", "/numbers/"+id+"/renew", map[string]any{"duration_months": 48}) // no documented maximum
	if pd.Balance("piv-main") != simcore.Money(bal-48*3) {
		t.Errorf("48 months cost %v", bal-pd.Balance("piv-main"))
	}
	renewed := pivTime(t, p.ok("GET", "/numbers/"+id, nil)["expires_at"])
	fi := p.numberWith("active", "FI")["piv_num_id"].(string)
	p.fail("POST", "/numbers/"+fi+"/renew", map[string]any{"duration_months": 1}, 400, "COUNTRY_NOT_AVAILABLE")
	p.fail("POST", "/numbers/xxxxx-xxxxx-xxxxx-xxxxx/renew", map[string]any{"duration_months": 1}, 404, "NUMBER_NOT_FOUND")
	p.fail("POST", "/numbers/"+id+"/renew", map[string]any{}, 400, "VALIDATION_ERROR")
	pd.SetBalance("piv-main", 0.5)
	p.fail("POST", "/numbers/"+id+"/renew", map[string]any{"duration_months": 1}, 402, "INSUFFICIENT_BALANCE")
	if _, exp, _ := pd.Number(id); !exp.Equal(renewed) {
		t.Error("a refused renewal moved the expiry")
	}
}

func TestPivDayAutoRenewal(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	var us map[string]any
	for _, n := range objs(p.ok("GET", "/numbers?country=US", nil)["numbers"]) {
		if n["auto_renew"] == true {
			us = n
		}
	}
	if us == nil {
		t.Fatal("no auto-renewing number seeded")
	}
	id := us["piv_num_id"].(string)
	exp := pivTime(t, us["expires_at"])
	// Let the seeded jobs settle first (their refunds move the balance).
	p.s.Advance(6 * time.Minute)
	before := pd.Balance("piv-main")
	p.s.Advance(exp.Add(-24*time.Hour).Sub(p.s.Now()) - 2*time.Second)
	if _, e, _ := pd.Number(id); !e.Equal(exp) {
		t.Fatal("renewed before 24 h ahead of expiry")
	}
	p.s.Advance(3 * time.Second)
	if _, e, _ := pd.Number(id); !e.Equal(exp.Add(30 * 24 * time.Hour)) {
		t.Errorf("auto-renewal did not move expiry: %v", e)
	}
	if pd.Balance("piv-main") != simcore.Money(before-2.5) {
		t.Errorf("auto-renewal debit: %v → %v", before, pd.Balance("piv-main"))
	}

	// The toggle.
	gb := p.numberWith("active", "GB")["piv_num_id"].(string)
	d := p.ok("PATCH", "/numbers/"+gb+"/auto-renewal", map[string]any{"auto_renew": true})
	pivShape(t, "auto-renewal", d, map[string]string{"piv_num_id": "string", "phone_number": "string", "auto_renew": "bool"})
	if d["auto_renew"] != true || p.ok("GET", "/numbers/"+gb, nil)["auto_renew"] != true {
		t.Errorf("toggle = %v", d)
	}
	p.fail("PATCH", "/numbers/"+gb+"/auto-renewal", map[string]any{"auto_renew": "yes"}, 400, "VALIDATION_ERROR")
	p.fail("PATCH", "/numbers/nope/auto-renewal", map[string]any{"auto_renew": true}, 404, "NUMBER_NOT_FOUND")
}

func TestPivDayNumberExpiresWithoutAutoRenew(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	gb := p.numberWith("active", "GB")
	id := gb["piv_num_id"].(string)
	p.s.Advance(pivTime(t, gb["expires_at"]).Sub(pivStart) + time.Second)
	if st, _, _ := p.s.PivDay.Number(id); st != "expired" {
		t.Errorf("status after expiry = %s", st)
	}
}

func TestPivDayRestore(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	h := p.hooks()
	var recent, old string
	for _, n := range objs(p.ok("GET", "/numbers?status=expired", nil)["numbers"]) {
		if pivStart.Sub(pivTime(t, n["expires_at"])) < 7*24*time.Hour {
			recent = n["piv_num_id"].(string)
		} else {
			old = n["piv_num_id"].(string)
		}
	}
	if recent == "" || old == "" {
		t.Fatal("seed lacks a restorable and an unrestorable number")
	}
	p.fail("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{old}}, 404, "NO_RESTORABLE_NUMBERS")
	p.fail("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{}}, 400, "VALIDATION_ERROR")
	before := pd.Balance("piv-main")
	st, _, m := p.do("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{recent, old, "nope"}})
	if st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	pivShape(t, "restore", m, map[string]string{"success": "bool", "queued": "number", "skipped": "number",
		"total_charged": "number", "numbers": "array"})
	// NL: 5.00 a month × 1.5.
	if m["queued"] != 1.0 || m["skipped"] != 2.0 || m["total_charged"] != 7.5 {
		t.Errorf("restore = %v", m)
	}
	item := objs(m["numbers"])[0]
	pivShape(t, "restored", item, map[string]string{"piv_num_id": "string", "phone_number": "string", "status": "string"})
	if item["status"] != "pending" || pd.Balance("piv-main") != simcore.Money(before-7.5) {
		t.Errorf("item %v balance %v", item, pd.Balance("piv-main"))
	}
	if s, _, _ := pd.Number(recent); s != "pending_restore" {
		t.Errorf("status = %s", s)
	}
	p.s.Advance(20 * time.Second)
	if s, exp, _ := pd.Number(recent); s != "active" || !exp.After(p.s.Now().Add(29*24*time.Hour)) {
		t.Errorf("after restore: %s %v", s, exp)
	}
	d := h.wait(t, "number.restore_completed", func(d map[string]any) bool {
		for _, r := range objs(d["restored"]) {
			if r["piv_num_id"] == recent {
				return true
			}
		}
		return false
	})
	pivShape(t, "restore_completed", d, map[string]string{"restored": "array", "failed": "array", "total_restored": "number",
		"total_failed": "number", "total_refunded": "number"})
	pivShape(t, "restored entry", objs(d["restored"])[0], map[string]string{"piv_num_id": "string", "phone_number": "string", "country": "string"})

	// A failed restore is refunded and reported.
	active := p.numberWith("active", "DE")["piv_num_id"].(string)
	if err := pd.ExpireNumber(active); err != nil {
		t.Fatal(err)
	}
	if err := pd.FailRestore(active); err != nil {
		t.Fatal(err)
	}
	p.s.Advance(6 * time.Minute) // the seeded jobs' refunds must not blur the balance below
	bal := pd.Balance("piv-main")
	p.ok2("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{active}})
	if pd.Balance("piv-main") != simcore.Money(bal-9) {
		t.Errorf("DE restore charge: %v → %v", bal, pd.Balance("piv-main"))
	}
	p.s.Advance(20 * time.Second)
	d = h.wait(t, "number.restore_completed", func(d map[string]any) bool { return len(objs2(d["failed"])) > 0 })
	f := objs(d["failed"])[0]
	pivShape(t, "failed entry", f, map[string]string{"piv_num_id": "string", "phone_number": "string", "country": "string", "refunded": "number"})
	if f["piv_num_id"] != active || f["refunded"] != 9.0 || d["total_refunded"] != 9.0 || pd.Balance("piv-main") != bal {
		t.Errorf("failed restore = %v, balance %v (was %v)", d, pd.Balance("piv-main"), bal)
	}
	if s, _, _ := pd.Number(active); s != "expired" {
		t.Errorf("failed restore left %s", s)
	}
}

func TestPivDayScenarioDeliversSMS(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 3, NoSMS: 0.01})
	h := p.hooks()
	before := pivInboundCount(t, p)
	p.s.Advance(70 * time.Second)
	after := pivInboundCount(t, p)
	if after <= before {
		t.Fatalf("no SMS delivered: %d → %d", before, after)
	}
	d := h.wait(t, "sms.received", func(d map[string]any) bool { return d["code"] != nil })
	pivShape(t, "sms.received", d, map[string]string{"piv_num_id": "string", "text": "string", "code": "string|null",
		"country": "string", "received_at": "string"})
	if !strings.Contains(strings.ReplaceAll(d["text"].(string), "-", ""), d["code"].(string)) {
		t.Errorf("code %v not in text %q", d["code"], d["text"])
	}
	// Without Lively, each number hears from a service once: quiet later.
	p.s.Advance(70 * time.Second)
	if again := pivInboundCount(t, p); again > after+len(objs(p.ok("GET", "/numbers?status=active", nil)["numbers"])) {
		t.Errorf("non-lively scenario keeps sending: %d → %d", after, again)
	}
}

func TestPivDayQuietDeliversNothing(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 3, Quiet: true})
	before := pivInboundCount(t, p)
	p.s.Advance(90 * time.Second)
	if after := pivInboundCount(t, p); after != before {
		t.Errorf("quiet scenario delivered %d SMS", after-before)
	}
	// Deliver still works and fires the webhook with the detected code.
	h := p.hooks()
	id := p.numberWith("active", "SE")["piv_num_id"].(string)
	_ = p.s.PivDay.Deliver(id, "G-482913 is your Google verification code.")
	d := h.wait(t, "sms.received", func(d map[string]any) bool { return d["piv_num_id"] == id })
	if d["code"] != "482913" || d["country"] != "SE" {
		t.Errorf("sms.received = %v", d)
	}
}

func TestPivDayLivelyKeepsCodesComing(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 5, Lively: true})
	active := len(objs(p.ok("GET", "/numbers?status=active", nil)["numbers"]))
	before := pivInboundCount(t, p)
	p.s.Advance(4 * time.Minute)
	if got := pivInboundCount(t, p) - before; got < 2*active {
		t.Errorf("lively scenario delivered %d SMS in 4 minutes over %d numbers", got, active)
	}
}

func TestPivDayPatchNumberName(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	id := p.numberWith("active", "SE")["piv_num_id"].(string)
	d := p.ok("PATCH", "/numbers/"+id, map[string]any{"custom_name": "Support line"})
	if d["custom_name"] != "Support line" || p.ok("GET", "/numbers/"+id, nil)["custom_name"] != "Support line" {
		t.Errorf("patch = %v", d)
	}
	p.fail("PATCH", "/numbers/"+id, map[string]any{}, 400, "VALIDATION_ERROR")
}

// TestPivDayNoInventedNumberRefusals: what the document does not refuse,
// the simulator accepts (a refusal it invented would become a rule the
// product enforces on the real piv.day).
func TestPivDayNoInventedNumberRefusals(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	pd := p.s.PivDay
	// The auto-renewal toggle lists no errors: an expired number takes it.
	expired := p.numberWith("expired", "")["piv_num_id"].(string)
	if d := p.ok("PATCH", "/numbers/"+expired+"/auto-renewal", map[string]any{"auto_renew": true}); d["auto_renew"] != true {
		t.Errorf("auto-renew on an expired number = %v", d)
	}
	// A number whose country is no longer sold can still be restored (at
	// the price it was bought at × 1.5); only its renewal lacks pricing.
	fi := p.numberWith("active", "FI")["piv_num_id"].(string)
	if err := pd.ExpireNumber(fi); err != nil {
		t.Fatal(err)
	}
	before := pd.Balance("piv-main")
	r := p.ok2("POST", "/numbers/restore", map[string]any{"piv_num_ids": []string{fi}})
	if r["queued"] != 1.0 || r["total_charged"] != simcore.Money(pivLegacyPrice*pivRestoreFactor) ||
		pd.Balance("piv-main") != simcore.Money(before-pivLegacyPrice*pivRestoreFactor) {
		t.Errorf("restore of a number no longer sold = %v", r)
	}
	// A name has no documented length limit.
	long := strings.Repeat("n", 100)
	se := p.numberWith("active", "SE")["piv_num_id"].(string)
	if d := p.ok("PATCH", "/numbers/"+se, map[string]any{"custom_name": long}); d["custom_name"] != long {
		t.Errorf("a 100-character name = %v", d["custom_name"])
	}
	// Numbers are bought for "minimum 1" month, with no maximum.
	if m := p.ok2("POST", "/numbers/purchase", map[string]any{"country_code": "US", "duration_months": 48, "auto_renew": false}); m["cost"] != 48*2.5 {
		t.Errorf("a 48-month purchase = %v", m)
	}
}

// TestPivDayDeliverAtFutureDate: the DeliverAt hook gives a message a date
// the provider's clock says, even one in the future; the listing and the
// webhook's data carry it, the webhook itself is stamped now.
func TestPivDayDeliverAtFutureDate(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	h := p.hooks()
	id := p.numberWith("active", "GB")["piv_num_id"].(string)
	ahead := pivStart.Add(2 * time.Hour)
	if err := p.s.PivDay.DeliverAt(id, "Your code is 771234", ahead); err != nil {
		t.Fatal(err)
	}
	newest := objs(p.ok("GET", "/numbers/"+id+"/sms?limit=1", nil)["messages"])[0]
	if newest["message_body"] != "Your code is 771234" || !pivTime(t, newest["received_at"]).Equal(ahead) {
		t.Errorf("newest SMS %v, want it dated %v", newest, ahead)
	}
	d := h.wait(t, "sms.received", func(d map[string]any) bool { return d["piv_num_id"] == id })
	if d["code"] != "771234" || !pivTime(t, d["received_at"]).Equal(ahead) {
		t.Errorf("sms.received data %v", d)
	}
	h.mu.Lock()
	stamp := h.got[len(h.got)-1]["timestamp"]
	h.mu.Unlock()
	if !pivTime(t, stamp).Equal(pivStart) {
		t.Errorf("sms.received stamped %v, want now (%v)", stamp, pivStart)
	}
	if err := p.s.PivDay.DeliverAt("nope0-nope0-nope0-nope0", "x", ahead); err == nil {
		t.Error("an unknown number took a message")
	}
}

// SeedNumbers adds active numbers the API lists like any other.
func TestPivDaySeedNumbers(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	before := len(p.s.PivDay.NumberIDs("piv-main"))
	if err := p.s.PivDay.SeedNumbers("piv-main", 12); err != nil {
		t.Fatal(err)
	}
	if err := p.s.PivDay.SeedNumbers("nobody", 1); err == nil {
		t.Error("an unknown account was seeded")
	}
	ids := p.s.PivDay.NumberIDs("piv-main")
	if len(ids) != before+12 {
		t.Fatalf("%d numbers, want %d", len(ids), before+12)
	}
	for _, id := range ids[before:] {
		if st, exp, ok := p.s.PivDay.Number(id); !ok || st != "active" || !exp.After(p.s.Clock()) {
			t.Errorf("seeded number %s: %s until %v", id, st, exp)
		}
	}
	n := p.ok("GET", "/numbers?limit=50", nil)
	if got := len(objs(n["numbers"])); got != before+12 {
		t.Errorf("%d numbers listed, want %d", got, before+12)
	}
}

// TestWebhookURLIsTheKeys: the webhook URL is set in each API key's
// profile, so an account's events go to its own URL, and only there.
func TestWebhookURLIsTheKeys(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true, Accounts: 2})
	mine := p.hooks()
	others := p.hooks() // every account without a URL of its own
	p.s.SetAccountWebhook(backend.PivDay, "piv-main", mine.srv.URL)
	mainID, altID := p.s.PivDay.NumberIDs("piv-main")[0], p.s.PivDay.NumberIDs("piv-alt")[0]
	if err := p.s.PivDay.Deliver(mainID, "code 111111"); err != nil {
		t.Fatal(err)
	}
	if err := p.s.PivDay.Deliver(altID, "code 222222"); err != nil {
		t.Fatal(err)
	}
	mine.wait(t, "sms.received", func(d map[string]any) bool { return d["code"] == "111111" })
	others.wait(t, "sms.received", func(d map[string]any) bool { return d["code"] == "222222" })
	time.Sleep(100 * time.Millisecond) // anything misdirected arrives by now
	for h, wrong := range map[*pivHooks]string{mine: "222222", others: "111111"} {
		h.mu.Lock()
		for _, m := range h.got {
			if d, _ := m["data"].(map[string]any); d["code"] == wrong {
				t.Errorf("code %s reached another account's URL", wrong)
			}
		}
		h.mu.Unlock()
	}
}
