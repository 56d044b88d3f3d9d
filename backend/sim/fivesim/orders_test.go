package fivesim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend/sim/simcore"
)

func TestFiveSimBuyActivationAndCancel(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	before, frozen0, orders0, rating0 := fs.Balance("5sim-main"), fs.Frozen("5sim-main"), fs.Orders("5sim-main"), fs.Rating("5sim-main")

	m := fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram?reuse=1")
	wantFields(t, m, map[string]string{
		"id": "number", "phone": "string", "operator": "string", "product": "string", "price": "number",
		"status": "string", "expires": "string", "sms": "null", "created_at": "string",
		"forwarding": "bool", "forwarding_number": "string", "country": "string",
	})
	if m["status"] != "PENDING" || m["product"] != "telegram" || m["country"] != "russia" || !strings.HasPrefix(m["phone"].(string), "+7") {
		t.Errorf("order %v", m)
	}
	created, err1 := time.Parse(time.RFC3339Nano, m["created_at"].(string))
	expires, err2 := time.Parse(time.RFC3339Nano, m["expires"].(string))
	if err1 != nil || err2 != nil || expires.Sub(created) != FiveSimActivationLife {
		t.Errorf("created %v expires %v: want +15 min", m["created_at"], m["expires"])
	}
	price := m["price"].(float64)
	if price <= 0 || !near(fs.Balance("5sim-main"), before-price) || !near(fs.Frozen("5sim-main"), frozen0+price) {
		t.Errorf("price %v: balance %v→%v frozen %v→%v", price, before, fs.Balance("5sim-main"), frozen0, fs.Frozen("5sim-main"))
	}
	if fs.Orders("5sim-main") != orders0+1 {
		t.Errorf("orders %d → %d, want exactly one more", orders0, fs.Orders("5sim-main"))
	}
	id := fsID(m)

	// Right after purchase a cancel is refused.
	wantText(t, fsGet(t, s, "/user/cancel/"+id, key), http.StatusBadRequest, "you need to wait time")
	s.Advance(FiveSimLiveAfter)
	if m := fsGet(t, s, "/user/check/"+id, key).object(t); m["status"] != "RECEIVED" || m["sms"] != nil {
		t.Errorf("after %s: status %v sms %v, want RECEIVED with sms null", FiveSimLiveAfter, m["status"], m["sms"])
	}
	s.Advance(FiveSimCancelWait)
	r := fsGet(t, s, "/user/cancel/"+id, key)
	if r.status != http.StatusOK || r.object(t)["status"] != "CANCELED" {
		t.Fatalf("cancel: %d %q", r.status, r.body)
	}
	if !near(fs.Balance("5sim-main"), before) || !near(fs.Frozen("5sim-main"), frozen0) {
		t.Errorf("cancel did not refund: balance %v (was %v), frozen %v (was %v)", fs.Balance("5sim-main"), before, fs.Frozen("5sim-main"), frozen0)
	}
	if !near(fs.Rating("5sim-main"), rating0-0.1) {
		t.Errorf("rating %v → %v, want −0.1", rating0, fs.Rating("5sim-main"))
	}
	// A closed order refuses every action.
	wantText(t, fsGet(t, s, "/user/cancel/"+id, key), http.StatusBadRequest, "order expired")
	wantText(t, fsGet(t, s, "/user/finish/"+id, key), http.StatusBadRequest, "order expired")
	wantText(t, fsGet(t, s, "/user/ban/"+id, key), http.StatusBadRequest, "order expired")
}

func TestFiveSimSMSFinishAndRefusals(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	fs.SetRating("5sim-main", 90)
	m := fsBuy(t, s, key, "/user/buy/activation/russia/beeline/telegram")
	id, price := fsID(m), m["price"].(float64)
	after := fs.Balance("5sim-main")

	if err := fs.Deliver(id, "Telegram code 48213. Do not give it to anyone"); err != nil {
		t.Fatal(err)
	}
	c := fsGet(t, s, "/user/check/"+id, key).object(t)
	sms, _ := c["sms"].([]any)
	if c["status"] != "RECEIVED" || len(sms) != 1 {
		t.Fatalf("check after an SMS: %v", c)
	}
	wantFields(t, sms[0].(map[string]any), map[string]string{"created_at": "string", "date": "string", "sender": "string", "text": "string", "code": "string"})
	if sms[0].(map[string]any)["code"] != "48213" {
		t.Errorf("sms %v", sms[0])
	}
	s.Advance(FiveSimCancelWait)
	wantText(t, fsGet(t, s, "/user/cancel/"+id, key), http.StatusBadRequest, "order has sms")

	r := fsGet(t, s, "/user/finish/"+id, key)
	if r.status != http.StatusOK || r.object(t)["status"] != "FINISHED" {
		t.Fatalf("finish: %d %q", r.status, r.body)
	}
	if !near(fs.Balance("5sim-main"), after) {
		t.Errorf("finish changed the spendable balance: %v → %v", after, fs.Balance("5sim-main"))
	}
	if got, _ := fs.Order(id); got.Status != "FINISHED" || !near(got.Price, price) {
		t.Errorf("order %+v", got)
	}
	if !near(fs.Rating("5sim-main"), 90.5) {
		t.Errorf("rating %v, want 90.5 after a finish", fs.Rating("5sim-main"))
	}
	// A late SMS after the order closed is still kept; the status stays.
	if err := fs.Deliver(id, "late"); err != nil {
		t.Fatal(err)
	}
	if o, _ := fs.Order(id); o.Status != "FINISHED" || o.SMS != 2 {
		t.Errorf("late SMS: %+v", o)
	}
	if fs.Deliver(1, "x") == nil {
		t.Error("Deliver to a missing order must fail")
	}

	// 5sim.md's "Finish order" sets no condition: an order without an SMS
	// may be finished too; the money is spent and the rating moves as for
	// any finish.
	early := fsBuy(t, s, key, "/user/buy/activation/russia/beeline/telegram")
	balance, frozen := fs.Balance("5sim-main"), fs.Frozen("5sim-main")
	r = fsGet(t, s, "/user/finish/"+fsID(early), key)
	if r.status != http.StatusOK || r.object(t)["status"] != "FINISHED" {
		t.Fatalf("finish before an SMS: %d %q", r.status, r.body)
	}
	if !near(fs.Balance("5sim-main"), balance) || !near(fs.Frozen("5sim-main"), frozen-early["price"].(float64)) || !near(fs.Rating("5sim-main"), 91) {
		t.Errorf("balance %v (was %v), frozen %v (was %v), rating %v", fs.Balance("5sim-main"), balance,
			fs.Frozen("5sim-main"), frozen, fs.Rating("5sim-main"))
	}
}

func TestFiveSimBan(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	before, rating0 := fs.Balance("5sim-main"), fs.Rating("5sim-main")
	id := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	r := fsGet(t, s, "/user/ban/"+id, key)
	if r.status != http.StatusOK || r.object(t)["status"] != "BANNED" {
		t.Fatalf("ban: %d %q", r.status, r.body)
	}
	if !near(fs.Balance("5sim-main"), before) || !near(fs.Rating("5sim-main"), rating0-0.1) {
		t.Errorf("ban: balance %v (was %v), rating %v (was %v)", fs.Balance("5sim-main"), before, fs.Rating("5sim-main"), rating0)
	}
}

func TestFiveSimExpiry(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	s.Advance(FiveSimActivationLife) // the seeded activations close first
	fs.SetRating("5sim-main", 50)
	before := fs.Balance("5sim-main")
	quiet := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	coded := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	price, _ := fs.Order(coded)
	s.Advance(time.Minute)
	if err := fs.Deliver(coded, "code 1234"); err != nil {
		t.Fatal(err)
	}
	s.Advance(FiveSimActivationLife - time.Minute - time.Second)
	if o, _ := fs.Order(quiet); o.Status != "RECEIVED" {
		t.Fatalf("one second before expiry: %s", o.Status)
	}
	s.Advance(time.Second)
	if o, _ := fs.Order(quiet); o.Status != "TIMEOUT" {
		t.Errorf("no SMS at expiry: %s, want TIMEOUT", o.Status)
	}
	if o, _ := fs.Order(coded); o.Status != "FINISHED" {
		t.Errorf("SMS at expiry: %s, want FINISHED", o.Status)
	}
	if !near(fs.Balance("5sim-main"), before-price.Price) {
		t.Errorf("balance %v: want %v (timeout refunded, finished debited)", fs.Balance("5sim-main"), before-price.Price)
	}
	if !near(fs.Rating("5sim-main"), 50-0.15+0.4) {
		t.Errorf("rating %v, want 50.25", fs.Rating("5sim-main"))
	}
	if m := fsGet(t, s, "/user/check/"+quiet, key).object(t); m["status"] != "TIMEOUT" {
		t.Errorf("check: %v", m["status"])
	}
}

func TestFiveSimPurchaseRefusals(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	orders0, balance0 := fs.Orders("5sim-main"), fs.Balance("5sim-main")

	wantText(t, fsGet(t, s, "/user/buy/activation/atlantis/any/telegram", key), http.StatusBadRequest, "bad country")
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/nocarrier/telegram", key), http.StatusBadRequest, "bad operator")
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/any/nosuchapp", key), http.StatusBadRequest, "no product")
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/mts/1day", key), http.StatusBadRequest, "no product")

	for _, op := range []string{"beeline", "megafon", "mts", "tele2", "virtual15", "yota"} {
		fs.SetStock("russia", op, "telegram", 0)
	}
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/any/telegram", key), http.StatusOK, "no free phones")
	fs.SetStock("russia", "mts", "telegram", 3)

	fs.SetBalance("5sim-main", 0.5)
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/any/telegram", key), http.StatusBadRequest, "not enough user balance")
	fs.SetBalance("5sim-main", balance0)

	fs.SetRating("5sim-main", 0)
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/any/telegram", key), http.StatusBadRequest, "not enough rating")
	fs.SetRating("5sim-main", 96)

	fs.SetOffline(true)
	wantText(t, fsGet(t, s, "/user/buy/activation/russia/any/telegram", key), http.StatusServiceUnavailable, "server offline")
	fs.SetOffline(false)

	if fs.Orders("5sim-main") != orders0 || !near(fs.Balance("5sim-main"), balance0) {
		t.Errorf("refused purchases changed state: orders %d→%d balance %v→%v", orders0, fs.Orders("5sim-main"), balance0, fs.Balance("5sim-main"))
	}
	// The operator with stock is the one sold.
	if m := fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"); m["operator"] != "mts" {
		t.Errorf("operator %v, want the only one with stock", m["operator"])
	}
	wantText(t, fsGet(t, s, "/user/check/999", key), http.StatusBadRequest, "order not found")
}

func TestFiveSimOrdersOfOthersAreNotFound(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true, Accounts: 2})
	id := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	alt := s.FiveSim.Key("5sim-alt")
	wantText(t, fsGet(t, s, "/user/check/"+id, alt), http.StatusBadRequest, "order not found")
	wantText(t, fsGet(t, s, "/user/cancel/"+id, alt), http.StatusBadRequest, "order not found")
}

func TestFiveSimHosting(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	s.Advance(FiveSimActivationLife) // the seeded activations close first
	before := fs.Balance("5sim-main")
	m := fsBuy(t, s, key, "/user/buy/hosting/russia/any/1day")
	wantFields(t, m, map[string]string{"id": "number", "phone": "string", "product": "string", "price": "number",
		"status": "string", "expires": "string", "sms": "null", "created_at": "string"})
	for _, absent := range []string{"operator", "country", "forwarding"} {
		if _, ok := m[absent]; ok {
			t.Errorf("hosting purchase carries %q", absent)
		}
	}
	created, _ := time.Parse(time.RFC3339Nano, m["created_at"].(string))
	expires, _ := time.Parse(time.RFC3339Nano, m["expires"].(string))
	if expires.Sub(created) != 24*time.Hour {
		t.Errorf("1day lives %s", expires.Sub(created))
	}
	id, price := fsID(m), m["price"].(float64)
	if !near(fs.Balance("5sim-main"), before-price) {
		t.Errorf("hosting not paid at purchase")
	}
	inbox := fsGet(t, s, "/user/sms/inbox/"+id, key).object(t)
	if d, _ := inbox["Data"].([]any); len(d) != 0 || inbox["Total"].(float64) != 0 {
		t.Errorf("empty inbox %v", inbox)
	}
	fs.Deliver(id, "Use 415127 as your login code")
	fs.Deliver(id, "Welcome!")
	inbox = fsGet(t, s, "/user/sms/inbox/"+id, key).object(t)
	data := inbox["Data"].([]any)
	if len(data) != 2 || inbox["Total"].(float64) != 2 {
		t.Fatalf("inbox %v", inbox)
	}
	wantFields(t, data[0].(map[string]any), map[string]string{"ID": "number", "created_at": "string", "date": "string",
		"sender": "string", "text": "string", "code": "string", "is_wave": "bool", "wave_uuid": "string"})
	if data[0].(map[string]any)["code"] != "415127" {
		t.Errorf("inbox sms %v", data[0])
	}
	// Hosting SMS carry an id inside the order too.
	sms := fsGet(t, s, "/user/check/"+id, key).object(t)["sms"].([]any)
	if _, ok := sms[0].(map[string]any)["id"]; !ok {
		t.Errorf("hosting order sms without id: %v", sms[0])
	}
	// NOTES.md's `order has sms` holds for hosting orders too.
	wantText(t, fsGet(t, s, "/user/cancel/"+id, key), http.StatusBadRequest, "order has sms")

	act := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	wantText(t, fsGet(t, s, "/user/sms/inbox/"+act, key), http.StatusNotFound, "order not found")
	wantText(t, fsGet(t, s, "/user/buy/hosting/russia/any/telegram", key), http.StatusBadRequest, "no product")

	paid := fs.Balance("5sim-main")
	s.Advance(24 * time.Hour / 4)
	if o, _ := fs.Order(id); o.Status != "RECEIVED" {
		t.Errorf("hosting mid-life: %s", o.Status)
	}
	h3 := fsID(fsBuy(t, s, key, "/user/buy/hosting/russia/any/3hours"))
	h3price, _ := fs.Order(h3)
	s.Advance(3 * time.Hour)
	if o, _ := fs.Order(h3); o.Status != "FINISHED" {
		t.Errorf("3hours after 3h: %s", o.Status)
	}
	// The activation timed out (refund); hosting running out is not.
	actPrice, _ := fs.Order(act)
	if !near(fs.Balance("5sim-main"), paid+actPrice.Price-h3price.Price) {
		t.Errorf("balance %v, want %v", fs.Balance("5sim-main"), paid+actPrice.Price-h3price.Price)
	}
}

// TestFiveSimHostingCancelAndBan: 5sim.md's "Cancel order" and "Ban order"
// name no category, so a hosting order may be cancelled (before an SMS,
// after the wait, as NOTES.md says for any cancel) or banned; both refund
// the price and cost 0.1 rating.
func TestFiveSimHostingCancelAndBan(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	fs.SetRating("5sim-main", 90)
	for i, verb := range []string{"cancel", "ban"} {
		before := fs.Balance("5sim-main")
		id := fsID(fsBuy(t, s, key, "/user/buy/hosting/russia/any/3hours"))
		if verb == "cancel" {
			wantText(t, fsGet(t, s, "/user/cancel/"+id, key), http.StatusBadRequest, "you need to wait time")
			s.Advance(FiveSimCancelWait)
		}
		want := map[string]string{"cancel": "CANCELED", "ban": "BANNED"}[verb]
		r := fsGet(t, s, "/user/"+verb+"/"+id, key)
		if r.status != http.StatusOK || r.object(t)["status"] != want {
			t.Fatalf("%s a hosting order: %d %q", verb, r.status, r.body)
		}
		if o, _ := fs.Order(id); o.Status != want || !near(fs.Balance("5sim-main"), before) ||
			!near(fs.Rating("5sim-main"), 90-0.1*float64(i+1)) {
			t.Errorf("%s: order %+v, balance %v (was %v), rating %v", verb, o, fs.Balance("5sim-main"), before, fs.Rating("5sim-main"))
		}
	}
}

func TestFiveSimReuse(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	m := fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram?reuse=1")
	id, phone := fsID(m), strings.TrimPrefix(m["phone"].(string), "+")
	plain := fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram")
	plainID, plainPhone := fsID(plain), strings.TrimPrefix(plain["phone"].(string), "+")

	// "Re-buy number" names no state: an open order can be bought again.
	open := fsGet(t, s, "/user/reuse/telegram/"+phone, key)
	if open.status != http.StatusOK || open.object(t)["phone"] != "+"+phone {
		t.Fatalf("reuse of an open order: %d %q", open.status, open.body)
	}
	fs.Deliver(id, "code 5555")
	fs.Deliver(plainID, "code 6666")
	fsGet(t, s, "/user/finish/"+id, key)
	fsGet(t, s, "/user/finish/"+plainID, key)

	orders := fs.Orders("5sim-main")
	r := fsGet(t, s, "/user/reuse/telegram/"+phone, key)
	if r.status != http.StatusOK {
		t.Fatalf("reuse: %d %q", r.status, r.body)
	}
	n := r.object(t)
	if n["phone"] != "+"+phone || n["status"] != "PENDING" || fsID(n) == id {
		t.Errorf("reused order %v", n)
	}
	if fs.Orders("5sim-main") != orders+1 {
		t.Error("reuse must add exactly one order")
	}
	wantText(t, fsGet(t, s, "/user/reuse/telegram/"+plainPhone, key), http.StatusBadRequest, "reuse false")
	wantText(t, fsGet(t, s, "/user/reuse/whatsapp/"+plainPhone, key), http.StatusBadRequest, "reuse not possible")
	wantText(t, fsGet(t, s, "/user/reuse/telegram/123", key), http.StatusBadRequest, "reuse not possible")
}

func TestFiveSimOrdersPaging(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	for range 3 {
		fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram")
	}
	ids := s.FiveSim.OrderIDs("5sim-main")
	var all []float64
	for offset := 0; ; offset += 4 {
		m := fsGet(t, s, "/user/orders?category=activation&limit=4&offset="+strconv.Itoa(offset)+"&order=id&reverse=true", key).object(t)
		wantFields(t, m, map[string]string{"Data": "array", "ProductNames": "array", "Statuses": "array", "Total": "number"})
		data := m["Data"].([]any)
		for _, d := range data {
			o := d.(map[string]any)
			wantFields(t, o, map[string]string{"id": "number", "phone": "string", "operator": "string", "product": "string",
				"price": "number", "status": "string", "expires": "string", "sms": "array", "created_at": "string", "country": "string"})
			all = append(all, o["id"].(float64))
		}
		if len(data) < 4 {
			break
		}
	}
	activations := 0
	for _, id := range ids {
		if o, _ := s.FiveSim.Order(id); o.Category == "activation" {
			activations++
		}
	}
	if len(all) != activations {
		t.Fatalf("paged %d orders, the account has %d activations", len(all), activations)
	}
	for i := 1; i < len(all); i++ {
		if all[i] >= all[i-1] {
			t.Fatalf("not newest first: %v", all)
		}
	}
	// Total lags behind the newest orders.
	m := fsGet(t, s, "/user/orders?category=activation", key).object(t)
	if int(m["Total"].(float64)) != activations-3-1 {
		t.Errorf("Total %v with %d activations (3 bought now, 1 seeded seconds ago)", m["Total"], activations)
	}
	if len(m["Data"].([]any)) > 15 {
		t.Errorf("default page longer than 15")
	}
	// Ascending by default.
	asc := fsGet(t, s, "/user/orders?category=hosting&order=id", key).object(t)["Data"].([]any)
	if len(asc) < 2 || asc[0].(map[string]any)["id"].(float64) > asc[1].(map[string]any)["id"].(float64) {
		t.Errorf("hosting list %v", asc)
	}
	wantText(t, fsGet(t, s, "/user/orders", key), http.StatusBadRequest, "bad category")
}

func TestFiveSimScenarioDeliversSMS(t *testing.T) {
	waiting := func(s *Sim) []int {
		var ids []int
		for _, id := range s.FiveSim.OrderIDs("5sim-main") {
			if o, _ := s.FiveSim.Order(id); o.Category == "activation" && o.SMS == 0 && (o.Status == "PENDING" || o.Status == "RECEIVED") {
				ids = append(ids, id)
			}
		}
		return ids
	}
	delay := [2]time.Duration{10 * time.Second, 20 * time.Second}
	s, key := newFiveSimTest(t, simcore.Options{NoSMS: 0.0000001, SMSDelay: delay})
	bought := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	ids := waiting(s)
	if len(ids) == 0 || ids[len(ids)-1] != mustAtoi(t, bought) {
		t.Fatalf("waiting lines %v, want the new order %s among them", ids, bought)
	}
	s.Advance(delay[1] + time.Second)
	for _, id := range ids {
		o, _ := s.FiveSim.Order(id)
		if o.SMS == 0 || o.Status != "RECEIVED" {
			t.Errorf("order %d after the SMS delay: %+v", id, o)
		}
	}
	sms := fsGet(t, s, "/user/check/"+bought, key).object(t)["sms"].([]any)
	if text := sms[0].(map[string]any)["text"].(string); text == "" {
		t.Error("empty SMS text")
	}

	q, qkey := newFiveSimTest(t, simcore.Options{Quiet: true})
	fsBuy(t, q, qkey, "/user/buy/activation/russia/any/telegram")
	ids = waiting(q)
	q.Advance(2 * time.Minute)
	for _, id := range ids {
		if o, _ := q.FiveSim.Order(id); o.SMS != 0 {
			t.Errorf("Quiet delivered an SMS to %d", id)
		}
	}
}

func TestFiveSimLivelyKeepsOrdersComing(t *testing.T) {
	s, _ := newFiveSimTest(t, simcore.Options{Lively: true, Accounts: 2})
	main0, alt0 := s.FiveSim.Orders("5sim-main"), s.FiveSim.Orders("5sim-alt")
	s.Advance(time.Minute)
	if s.FiveSim.Orders("5sim-main") <= main0 || s.FiveSim.Orders("5sim-alt") <= alt0 {
		t.Errorf("Lively: orders main %d→%d alt %d→%d", main0, s.FiveSim.Orders("5sim-main"), alt0, s.FiveSim.Orders("5sim-alt"))
	}
	q, _ := newFiveSimTest(t, simcore.Options{Quiet: true})
	n := q.FiveSim.Orders("5sim-main")
	q.Advance(time.Minute)
	if q.FiveSim.Orders("5sim-main") != n {
		t.Error("new orders appeared without Lively")
	}
}

// TestFiveSimDeliverAt: DeliverAt dates an SMS as told, a future date
// included.
func TestFiveSimDeliverAt(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	id := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	at := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := fs.DeliverAt(id, "Telegram code 424242", at); err != nil {
		t.Fatal(err)
	}
	m := fsGet(t, s, "/user/check/"+id, key).object(t)
	sms := m["sms"].([]any)[0].(map[string]any)
	if sms["date"] != "2099-01-01T00:00:00Z" || sms["created_at"] != "2099-01-01T00:00:00Z" || sms["code"] != "424242" || m["status"] != "RECEIVED" {
		t.Fatalf("future-dated SMS: %v (order %v)", sms, m["status"])
	}
	if fs.DeliverAt(id, "x", time.Time{}) == nil {
		t.Error("DeliverAt without a date must fail")
	}
}

// TestFiveSimClockOffset: SetClockOffset shifts every time 5sim writes
// while its rules and the Order hook keep the scenario clock.
func TestFiveSimClockOffset(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	id := fsID(fsBuy(t, s, key, "/user/buy/activation/russia/any/telegram"))
	if err := fs.DeliverAt(id, "Telegram code 424242", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	o, _ := fs.Order(id)
	fs.SetClockOffset(-time.Minute)
	m := fsGet(t, s, "/user/check/"+id, key).object(t)
	created, _ := time.Parse(time.RFC3339Nano, m["created_at"].(string))
	expires, _ := time.Parse(time.RFC3339Nano, m["expires"].(string))
	sms := m["sms"].([]any)[0].(map[string]any)
	if !created.Equal(o.Created.Add(-time.Minute)) || !expires.Equal(o.Expires.Add(-time.Minute)) || sms["date"] != "2098-12-31T23:59:00Z" {
		t.Fatalf("a minute behind: created %v expires %v sms %v; scenario %v %v", created, expires, sms["date"], o.Created, o.Expires)
	}
	if got, _ := fs.Order(id); !got.Created.Equal(o.Created) {
		t.Errorf("the Order hook moved to 5sim's clock: %v", got.Created)
	}
}

// SeedWaiting adds waiting activations the API lists like any other,
// without touching the balance.
func TestFiveSimSeedWaiting(t *testing.T) {
	s, key := newFiveSimTest(t, simcore.Options{Quiet: true})
	fs := s.FiveSim
	before, balance := fs.Orders("5sim-main"), fs.Balance("5sim-main")
	if err := fs.SeedWaiting("5sim-main", 9); err != nil {
		t.Fatal(err)
	}
	if err := fs.SeedWaiting("nobody", 1); err == nil {
		t.Error("an unknown account was seeded")
	}
	if got := fs.Orders("5sim-main"); got != before+9 {
		t.Fatalf("%d orders, want %d", got, before+9)
	}
	if fs.Balance("5sim-main") != balance {
		t.Errorf("balance %v, want %v", fs.Balance("5sim-main"), balance)
	}
	data := fsGet(t, s, "/user/orders?category=activation&limit=9&order=id&reverse=true", key).object(t)["Data"].([]any)
	for _, o := range data {
		if st := o.(map[string]any)["status"]; st != "PENDING" {
			t.Errorf("a seeded order is %v, want PENDING", st)
		}
	}
	if len(data) != 9 {
		t.Errorf("%d orders listed, want 9", len(data))
	}
}
