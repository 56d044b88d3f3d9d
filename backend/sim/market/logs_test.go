package market

import (
	"testing"

	"switchboard/backend/sim/simcore"
)

func TestMarketLogs(t *testing.T) {
	c := newMarketSim(t, simcore.Options{})
	m := c.s.Market
	parents := mkArr(t, c.get("/logs/parent-categories").data(t))
	if len(parents) != 5 || mkObj(t, parents[1])["id"] != float64(2) {
		t.Fatalf("parents %v", parents)
	}
	pg := mkObj(t, c.get("/logs/categories?per_page=25&parent_category_id=2").data(t))
	items := mkArr(t, pg["data"])
	if len(items) != 2 || pg["total"] != float64(2) || pg["per_page"] != float64(25) {
		t.Errorf("categories %v", pg)
	}
	for _, it := range items {
		cat := mkObj(t, it)
		if cat["parent_category_id"] != float64(2) || cat["currency"] != "NGN" {
			t.Errorf("category %v", cat)
		}
		mkWantAmount(t, "price", cat["price"])
	}
	all := mkObj(t, c.get("/logs/categories?per_page=5").data(t))
	if all["total"] != float64(12) || all["last_page"] != float64(3) || len(mkArr(t, all["data"])) != 5 {
		t.Errorf("paging %v", all)
	}
	d := mkObj(t, c.get("/logs/categories/12").data(t))
	if d["id"] != float64(12) || d["description"] == nil || mkObj(t, d["parent_category"])["name"] != "Facebook" {
		t.Errorf("detail %v", d)
	}
	c.get("/logs/categories/999").wantError(t, 404, "LOG_CATEGORY_NOT_FOUND")

	before := m.Balance("market-main")
	stock := mkNum(d["stock"])
	a := c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "logs-order-20260503-0001"})
	if a.status != 201 {
		t.Fatalf("buy %d %s", a.status, a.raw)
	}
	o := mkObj(t, a.data(t))
	if o["total"] != d["price"] || o["quantity"] != float64(1) {
		t.Errorf("order %v", o)
	}
	if got := before.Sub(m.Balance("market-main")).StringFixed(2); got != d["price"] {
		t.Errorf("debited %s, price %v", got, d["price"])
	}
	if now := mkNum(mkObj(t, c.get("/logs/categories/12").data(t))["stock"]); now != stock-1 {
		t.Errorf("stock %d → %d", stock, now)
	}
	l := mkObj(t, c.get("/logs/orders?per_page=25").body)
	if l["success"] != true || mkObj(t, l["meta"])["total"] != float64(4) || mkNum(mkObj(t, mkArr(t, l["data"])[0])["id"]) != mkNum(o["id"]) {
		t.Errorf("orders %v", l)
	}
	m.SetStock("logs", "12", 0)
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "l2"}).wantError(t, 409, "OUT_OF_STOCK")
	c.post("/logs/orders", map[string]any{"category_id": 999, "quantity": 1, "idempotency_key": "l3"}).wantError(t, 404, "LOG_CATEGORY_NOT_FOUND")
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 0, "idempotency_key": "l4"}).wantError(t, 422, "VALIDATION_FAILED")
	m.SetStock("logs", "12", 10)
	m.SetBalance("market-main", "1.00")
	c.post("/logs/orders", map[string]any{"category_id": 12, "quantity": 1, "idempotency_key": "l5"}).wantError(t, 402, "INSUFFICIENT_BALANCE")
}
