package market

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend/sim/simcore"
)

func TestMarketBoostCatalogue(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
	cats := mkArr(t, c.get("/boost/categories").body) // a bare list
	if len(cats) == 0 || mkObj(t, cats[0])["name"] != "Instagram Followers" {
		t.Fatalf("categories %s", c.get("/boost/categories").raw)
	}
	svcs := mkArr(t, c.get("/boost/services?category=Instagram%20Followers").data(t))
	if len(svcs) != 3 {
		t.Fatalf("services %v", svcs)
	}
	s0 := mkObj(t, svcs[0])
	if s0["id"] != "101" || s0["category"] != "Instagram Followers" || s0["min"] == nil || s0["max"] == nil || s0["currency"] != "NGN" {
		t.Errorf("service %v", s0)
	}
	mkWantAmount(t, "rate", s0["rate"])
	if all := mkArr(t, c.get("/boost/services").data(t)); len(all) <= len(svcs) {
		t.Error("no filter should list every service")
	}
	if none := mkArr(t, c.get("/boost/services?category=Nope").data(t)); len(none) != 0 {
		t.Error("unknown category lists services")
	}
	if d := mkObj(t, c.get("/boost/services/101").data(t)); d["id"] != "101" {
		t.Errorf("detail %v", d)
	}
	c.get("/boost/services/999").wantError(t, 404, "BOOST_SERVICE_NOT_FOUND")
}

func TestMarketBoostOrders(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
	m := c.s.Market
	before := m.Balance("market-main")
	buy := map[string]any{"service_id": "101", "link": "https://instagram.com/p/example", "quantity": 1000,
		"idempotency_key": "boost-order-20260503-0001"}
	a := c.post("/boost/orders", buy)
	if a.status != 201 {
		t.Fatalf("buy %d %s", a.status, a.raw)
	}
	o := mkObj(t, a.data(t))
	id := strconv.FormatInt(mkNum(o["id"]), 10)
	if o["charge"] != "1250.00" || o["quantity"] != float64(1000) || o["remains"] != float64(1000) || o["service_id"] != "101" {
		t.Errorf("order %v", o)
	}
	if st := strings.ToLower(o["status"].(string)); st != "pending" {
		t.Errorf("status %v", o["status"])
	}
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != "1250.00" {
		t.Errorf("debited %s", got)
	}
	if c.post("/boost/orders", buy).status != 200 || m.BoostOrders("market-main") != 8 {
		t.Error("boost replay placed another order")
	}
	// The list is a resource collection with meta.
	l := mkObj(t, c.get("/boost/orders?per_page=5").body)
	if l["success"] != true || len(mkArr(t, l["data"])) != 5 || mkObj(t, l["meta"])["total"] != float64(8) || l["links"] == nil {
		t.Errorf("list %s", c.get("/boost/orders?per_page=5").raw)
	}
	// Cancel while pending: refunded.
	d := mkObj(t, c.post("/boost/orders/"+id+"/cancel", nil).data(t))
	if s := strings.ToLower(d["status"].(string)); s != "canceled" && s != "cancelled" {
		t.Errorf("cancelled status %v", d["status"])
	}
	if !m.Balance("market-main").Equal(before) {
		t.Error("boost cancel did not refund")
	}
	c.post("/boost/orders/"+id+"/cancel", nil).wantError(t, 409, "BOOST_CANCEL_UNAVAILABLE")

	// In progress: rejected by the supplier. Service without cancel: unavailable.
	buy["idempotency_key"] = "b2"
	id2 := strconv.FormatInt(mkNum(mkObj(t, c.post("/boost/orders", buy).data(t))["id"]), 10)
	m.SetBoostState(id2, "processing")
	c.post("/boost/orders/"+id2+"/cancel", nil).wantError(t, 409, "BOOST_CANCEL_REJECTED")
	nocancel := map[string]any{"service_id": 102, "link": "https://instagram.com/p/x", "quantity": 100, "idempotency_key": "b3"}
	id3 := strconv.FormatInt(mkNum(mkObj(t, c.post("/boost/orders", nocancel).data(t))["id"]), 10)
	c.post("/boost/orders/"+id3+"/cancel", nil).wantError(t, 409, "BOOST_CANCEL_UNAVAILABLE")

	c.get("/boost/orders/1").wantError(t, 404, "BOOST_ORDER_NOT_FOUND")
	c.post("/boost/orders/1/check", nil).wantError(t, 404, "BOOST_ORDER_NOT_FOUND")
	c.post("/boost/orders/1/cancel", nil).wantError(t, 404, "BOOST_ORDER_NOT_FOUND")
	c.post("/boost/orders", map[string]any{"service_id": "999", "link": "https://x.io/a", "quantity": 100, "idempotency_key": "b4"}).
		wantError(t, 404, "BOOST_SERVICE_NOT_FOUND")
	c.post("/boost/orders", map[string]any{"service_id": "101", "link": "not a link", "quantity": 100, "idempotency_key": "b5"}).
		wantError(t, 422, "VALIDATION_FAILED")
	c.post("/boost/orders", map[string]any{"service_id": "101", "link": "https://x.io/a", "quantity": 5, "idempotency_key": "b6"}).
		wantError(t, 422, "VALIDATION_FAILED")
	m.SetBalance("market-main", "1.00")
	c.post("/boost/orders", map[string]any{"service_id": "101", "link": "https://x.io/a", "quantity": 100, "idempotency_key": "b7"}).
		wantError(t, 402, "INSUFFICIENT_BALANCE")
}

func TestMarketBoostStatesMove(t *testing.T) {
	c := newMarketSim(t, simcore.Options{Seed: 3})
	m := c.s.Market
	m.SetBalance("market-main", "900000.00")
	var ids []string
	for i := range 12 {
		a := c.post("/boost/orders", map[string]any{"service_id": "106", "link": "https://tiktok.com/@a/video/1",
			"quantity": 1000, "idempotency_key": fmt.Sprintf("mv-%d", i)})
		ids = append(ids, strconv.FormatInt(mkNum(mkObj(t, a.data(t))["id"]), 10))
	}
	c.Advance(25 * time.Second)
	moving := 0
	for _, id := range ids {
		o := mkObj(t, c.post("/boost/orders/"+id+"/check", nil).data(t))
		if s := strings.ToLower(o["status"].(string)); s != "pending" {
			moving++
		}
	}
	if moving != len(ids) {
		t.Errorf("%d of %d orders left Pending after 25 s", moving, len(ids))
	}
	c.Advance(4 * time.Minute)
	spell := map[string]bool{}
	final := map[string]int{}
	for _, id := range ids {
		o := mkObj(t, c.get("/boost/orders/"+id).data(t))
		st := o["status"].(string)
		spell[st] = true
		low := strings.ToLower(st)
		final[low]++
		switch low {
		case "completed":
			if o["remains"] != float64(0) {
				t.Errorf("completed with remains %v", o["remains"])
			}
		case "partial":
			if mkNum(o["remains"]) <= 0 || o["refunded_amount"] == nil {
				t.Errorf("partial %v", o)
			}
		case "error":
			if o["refunded_amount"] != o["charge"] {
				t.Errorf("error without full refund %v", o)
			}
		default:
			t.Errorf("order %s still %q after 4 minutes", id, st)
		}
	}
	if final["completed"] == 0 {
		t.Errorf("no order completed: %v", final)
	}
	// Seeded orders cover every state, spelled in more than one style.
	words := map[string]bool{}
	for _, it := range mkArr(t, mkObj(t, newMarketSim(t, simcore.Options{Seed: 5}).get("/boost/orders?per_page=100").body)["data"]) {
		words[mkObj(t, it)["status"].(string)] = true
	}
	if len(words) < 6 {
		t.Errorf("seeded boost states %v", words)
	}
}
