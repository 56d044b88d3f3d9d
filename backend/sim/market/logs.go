package market

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// --- logs --------------------------------------------------------------------

func (p *Market) logsParents(q *mkReq) mkResp {
	out := []any{}
	for _, pc := range p.logParents {
		n := 0
		for _, c := range p.logCats {
			if c.parent == pc {
				n++
			}
		}
		out = append(out, map[string]any{"id": pc.id, "name": pc.name, "slug": pc.slug, "categories_count": n})
	}
	return mkOK(http.StatusOK, out)
}

func (p *Market) logsCategories(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	var parent int
	if v := q.r.URL.Query().Get("parent_category_id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return mkInvalid(map[string][]string{"parent_category_id": {"The parent category id field must be an integer."}})
		}
		parent = n
	}
	items := []any{}
	for _, c := range p.logCats {
		if parent == 0 || c.parent.id == parent {
			items = append(items, p.logsCategoryJSON(c, false))
		}
	}
	return mkOK(http.StatusOK, q.laravelPage(items, page, per))
}

func mkLogCategoryNotFound() mkResp {
	return mkErr(http.StatusNotFound, "LOG_CATEGORY_NOT_FOUND", "Log category not found.")
}

func (p *Market) logsCategoryShow(q *mkReq) mkResp {
	id, err := strconv.Atoi(q.r.PathValue("category"))
	if err != nil {
		return mkLogCategoryNotFound()
	}
	c := p.logCategory(id)
	if c == nil {
		return mkLogCategoryNotFound()
	}
	return mkOK(http.StatusOK, p.logsCategoryJSON(c, true))
}

func (p *Market) logsOrders(q *mkReq) mkResp {
	page, per, bad := q.page()
	if bad != nil {
		return *bad
	}
	items := make([]any, 0, len(q.a.logs))
	for i := len(q.a.logs) - 1; i >= 0; i-- {
		items = append(items, p.logsJSON(q.a.logs[i]))
	}
	return q.resourceCollection(items, page, per)
}

func (p *Market) logsBuy(q *mkReq) mkResp {
	in := q.input()
	errs := map[string][]string{}
	key := mkIdempotencyKey(in, errs)
	fp := "logs|" + mkText(in["category_id"]) + "|" + mkText(in["quantity"])
	if len(errs) > 0 {
		return mkInvalid(errs)
	}
	a := q.a
	perform := func(now time.Time) (mkResp, int64) {
		errs := map[string][]string{}
		cid := mkRequireInt(in, "category_id", errs)
		qty := mkRequireInt(in, "quantity", errs)
		if _, bad := errs["quantity"]; !bad && qty < 1 {
			errs["quantity"] = []string{"The quantity field must be at least 1."}
		}
		if len(errs) > 0 {
			return mkInvalid(errs), 0
		}
		c := p.logCategory(int(cid))
		if c == nil {
			return mkLogCategoryNotFound(), 0
		}
		if qty > int64(c.maxQty) {
			return mkInvalid(map[string][]string{"quantity": {fmt.Sprintf("The quantity field must not be greater than %d.", c.maxQty)}}), 0
		}
		if int64(c.stock) < qty {
			return mkErrWith(http.StatusConflict, "OUT_OF_STOCK", "Not enough stock for this category.",
				map[string]any{"available": c.stock}), 0
		}
		total := c.price * qty
		if a.balance < total {
			return mkErrWith(http.StatusPaymentRequired, "INSUFFICIENT_BALANCE", "Insufficient wallet balance.",
				map[string]any{"required": p.amount(total), "balance": p.amount(a.balance), "currency": MarketCurrency}), 0
		}
		o := p.placeLogs(a, c, int(qty), now)
		a.balance -= o.total
		return mkOKMsg(http.StatusCreated, "Logs order placed.", p.logsJSON(o)), o.id
	}
	return p.purchase(q, key, "logs", fp, perform)
}
