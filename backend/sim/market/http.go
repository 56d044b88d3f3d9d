package market

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// --- HTTP plumbing -----------------------------------------------------------

// mkResp is an answer built under s.Mu and written after it is released.
type mkResp struct {
	status int
	body   any
	header map[string]string
}

type mkReq struct {
	r    *http.Request
	a    *mkAccount
	now  time.Time
	body []byte
}

type mkHandler func(q *mkReq) mkResp

func mkErr(status int, code, msg string) mkResp {
	return mkResp{status: status, body: map[string]any{"success": false, "status": status, "message": msg, "code": code}}
}

func mkErrWith(status int, code, msg string, extra map[string]any) mkResp {
	b := map[string]any{"success": false, "status": status, "message": msg, "code": code}
	for k, v := range extra {
		b[k] = v
	}
	return mkResp{status: status, body: b}
}

// mkInvalid is Laravel's validation failure: the first message (with "and
// N more errors") and every field's messages.
func mkInvalid(errs map[string][]string) mkResp {
	keys := simcore.SortedKeys(errs)
	first := errs[keys[0]][0]
	n := 0
	for _, k := range keys {
		n += len(errs[k])
	}
	if n > 1 {
		first += fmt.Sprintf(" (and %d more error%s)", n-1, map[bool]string{true: "s"}[n > 2])
	}
	return mkErrWith(http.StatusUnprocessableEntity, "VALIDATION_FAILED", first, map[string]any{"errors": errs})
}

func mkOK(status int, data any) mkResp {
	return mkResp{status: status, body: map[string]any{"success": true, "data": data}}
}

func mkOKMsg(status int, msg string, data any) mkResp {
	return mkResp{status: status, body: map[string]any{"success": true, "message": msg, "data": data}}
}

func (r mkResp) write(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	simcore.WriteJSON(w, r.status, r.body)
}

func (p *Market) routes(mux *http.ServeMux) {
	table := []struct {
		method, pattern string
		h               mkHandler
	}{
		{"GET", "/wallet", p.wallet},
		{"GET", "/numbers/countries", p.numberCountries},
		{"GET", "/numbers/services", p.numberServices},
		{"GET", "/numbers/area-codes", p.numberAreaCodes},
		{"GET", "/numbers/orders", p.numberOrders},
		{"POST", "/numbers/orders", p.numberBuy},
		{"GET", "/numbers/orders/{id}", p.numberShow},
		{"POST", "/numbers/orders/{id}/check", p.numberCheck},
		{"POST", "/numbers/orders/{id}/cancel", p.numberCancel},
		{"GET", "/boost/categories", p.boostCategories},
		{"GET", "/boost/services", p.boostServicesList},
		{"GET", "/boost/services/{service}", p.boostServiceShow},
		{"GET", "/boost/orders", p.boostOrders},
		{"POST", "/boost/orders", p.boostBuy},
		{"GET", "/boost/orders/{id}", p.boostShow},
		{"POST", "/boost/orders/{id}/check", p.boostShow},
		{"POST", "/boost/orders/{id}/cancel", p.boostCancel},
		{"GET", "/logs/parent-categories", p.logsParents},
		{"GET", "/logs/categories", p.logsCategories},
		{"GET", "/logs/categories/{category}", p.logsCategoryShow},
		{"GET", "/logs/orders", p.logsOrders},
		{"POST", "/logs/orders", p.logsBuy},
	}
	byPattern := map[string]map[string]mkHandler{}
	var order []string
	for _, rt := range table {
		if byPattern[rt.pattern] == nil {
			byPattern[rt.pattern] = map[string]mkHandler{}
			order = append(order, rt.pattern)
		}
		byPattern[rt.pattern][rt.method] = rt.h
	}
	for _, pat := range order {
		mux.HandleFunc(p.prefix()+pat, p.serve(byPattern[pat]))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mkErr(http.StatusNotFound, "NOT_FOUND", "The route "+strings.TrimPrefix(r.URL.Path, "/")+" could not be found.").write(w)
	})
}

// mkWantsJSON is Laravel's: the first Accept type is JSON, or an XHR.
func mkWantsJSON(r *http.Request) bool {
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		return true
	}
	first := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Accept"), ",")[0]))
	return strings.Contains(first, "/json") || strings.Contains(first, "+json")
}

// serve dispatches one route: method, auth, throttle, then the handler
// under s.Mu; the answer is written after the lock is released.
func (p *Market) serve(methods map[string]mkHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := methods[r.Method]
		if h == nil {
			var allow []string
			for m := range methods {
				allow = append(allow, m)
			}
			sort.Strings(allow)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			mkErr(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				"The "+r.Method+" method is not supported for route "+strings.TrimPrefix(r.URL.Path, "/")+". Supported methods: "+strings.Join(allow, ", ")+".").write(w)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		resp := p.handle(r, body, h)
		if resp.status == http.StatusFound {
			http.Redirect(w, r, resp.header["Location"], http.StatusFound)
			return
		}
		resp.write(w)
	}
}

func (p *Market) handle(r *http.Request, body []byte, h mkHandler) mkResp {
	s := p.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	p.requests[r.Method+" "+strings.TrimPrefix(r.URL.Path, p.prefix())]++
	a := p.byKey[simcore.Bearer(r)]
	if a == nil {
		if !mkWantsJSON(r) {
			return mkResp{status: http.StatusFound, header: map[string]string{"Location": "/login"}}
		}
		return mkErr(http.StatusUnauthorized, "UNAUTHENTICATED", "Unauthenticated.")
	}
	now := s.Clock()
	limit := s.RateFor(backend.Market, MarketPerMinute)
	ok, remaining, reset := a.win.Hit(now, time.Minute, limit)
	hdr := map[string]string{"X-RateLimit-Limit": strconv.Itoa(limit), "X-RateLimit-Remaining": strconv.Itoa(remaining)}
	if !ok {
		s.CountLimited(backend.Market)
		retry := int(math.Ceil(reset.Sub(now).Seconds()))
		hdr["Retry-After"] = strconv.Itoa(max(retry, 1))
		// On the real clock, as the NonVoip simulator does: a client takes
		// the reset as an absolute time, and the scenario clock may run
		// ahead of it (Advance), which would make it wait that gap too.
		hdr["X-RateLimit-Reset"] = strconv.FormatInt(time.Now().Add(reset.Sub(now)).Unix(), 10)
		resp := mkErr(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too Many Attempts.")
		resp.header = hdr
		return resp
	}
	var resp mkResp
	switch a.blocked {
	case "USER_DISABLED":
		resp = mkErr(http.StatusForbidden, "USER_DISABLED", "Your account has been disabled.")
	case "USER_BANNED":
		resp = mkErr(http.StatusForbidden, "USER_BANNED", "Your account has been banned.")
	default:
		resp = h(&mkReq{r: r, a: a, now: now, body: body})
	}
	if resp.header == nil {
		resp.header = map[string]string{}
	}
	for k, v := range hdr {
		resp.header[k] = v
	}
	return resp
}

func (p *Market) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	p.s.Mu.Lock()
	limit := p.s.RateFor(backend.Market, MarketPerMinute)
	p.s.Mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", "0")
	if hint {
		secs := max(int(math.Ceil(retry.Seconds())), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(secs)*time.Second).Unix(), 10))
	}
	mkErr(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too Many Attempts.").write(w)
}

// --- input -------------------------------------------------------------------

// input reads a JSON or form body as Laravel would: a body that is not
// valid JSON counts as empty input (and so fails validation).
func (q *mkReq) input() map[string]any {
	ct := strings.ToLower(q.r.Header.Get("Content-Type"))
	if strings.Contains(ct, "application/x-www-form-urlencoded") {
		vals, err := url.ParseQuery(string(q.body))
		if err != nil {
			return map[string]any{}
		}
		m := map[string]any{}
		for k, vs := range vals {
			if strings.HasSuffix(k, "[]") {
				var list []any
				for _, v := range vs {
					list = append(list, v)
				}
				m[strings.TrimSuffix(k, "[]")] = list
			} else if len(vs) > 0 {
				m[k] = vs[len(vs)-1]
			}
		}
		return m
	}
	dec := json.NewDecoder(strings.NewReader(string(q.body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// mkText is a scalar input as text ("" for absent, null, arrays, objects).
func mkText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return ""
}

// mkInt reads an integer input: a JSON integer or a numeric string.
func mkInt(v any) (int64, bool) {
	t := mkText(v)
	if t == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(t, 10, 64)
	return n, err == nil
}

func mkFieldName(k string) string { return strings.ReplaceAll(k, "_", " ") }

// mkRequireInt validates a required integer field.
func mkRequireInt(in map[string]any, k string, errs map[string][]string) int64 {
	v, present := in[k]
	if !present || v == nil || mkText(v) == "" {
		errs[k] = append(errs[k], "The "+mkFieldName(k)+" field is required.")
		return 0
	}
	n, ok := mkInt(v)
	if !ok {
		errs[k] = append(errs[k], "The "+mkFieldName(k)+" field must be an integer.")
	}
	return n
}

// mkIdempotencyKey validates the purchase key.
func mkIdempotencyKey(in map[string]any, errs map[string][]string) string {
	v, present := in["idempotency_key"]
	key := mkText(v)
	switch {
	case !present || v == nil || key == "":
		errs["idempotency_key"] = append(errs["idempotency_key"], "The idempotency key field is required.")
	case len(key) > 255:
		errs["idempotency_key"] = append(errs["idempotency_key"], "The idempotency key field must not be greater than 255 characters.")
	}
	return key
}

// page reads per_page and page.
func (q *mkReq) page() (page, per int, bad *mkResp) {
	per, page = MarketDefaultPerPage, 1
	qv := q.r.URL.Query()
	errs := map[string][]string{}
	if v := qv.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			errs["per_page"] = []string{"The per page field must be an integer."}
		case n < 1:
			errs["per_page"] = []string{"The per page field must be at least 1."}
		default:
			per = min(n, MarketMaxPerPage)
		}
	}
	if v := qv.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 {
			page = n
		}
	}
	if len(errs) > 0 {
		r := mkInvalid(errs)
		return 0, 0, &r
	}
	return page, per, nil
}

func (q *mkReq) base() string { return "http://" + q.r.Host + q.r.URL.Path }

func (q *mkReq) pageURL(page, per int) any {
	v := q.r.URL.Query()
	v.Set("page", strconv.Itoa(page))
	v.Set("per_page", strconv.Itoa(per))
	return q.base() + "?" + v.Encode()
}

// laravelPage is Laravel's LengthAwarePaginator as JSON.
func (q *mkReq) laravelPage(items []any, page, per int) map[string]any {
	total := len(items)
	last := max(1, (total+per-1)/per)
	lo := min((page-1)*per, total)
	hi := min(lo+per, total)
	var from, to any
	if hi > lo {
		from, to = lo+1, hi
	}
	var next, prev any
	if page < last {
		next = q.pageURL(page+1, per)
	}
	if page > 1 {
		prev = q.pageURL(page-1, per)
	}
	links := []map[string]any{{"url": prev, "label": "&laquo; Previous", "active": false}}
	for i := 1; i <= last; i++ {
		links = append(links, map[string]any{"url": q.pageURL(i, per), "label": strconv.Itoa(i), "active": i == page})
	}
	links = append(links, map[string]any{"url": next, "label": "Next &raquo;", "active": false})
	return map[string]any{
		"current_page": page, "data": mkSlice(items[lo:hi]), "first_page_url": q.pageURL(1, per), "from": from,
		"last_page": last, "last_page_url": q.pageURL(last, per), "links": links, "next_page_url": next,
		"path": q.base(), "per_page": per, "prev_page_url": prev, "to": to, "total": total,
	}
}

// resourceCollection is Laravel's paginated API resource collection.
func (q *mkReq) resourceCollection(items []any, page, per int) mkResp {
	pg := q.laravelPage(items, page, per)
	return mkResp{status: http.StatusOK, body: map[string]any{
		"success": true,
		"data":    pg["data"],
		"links": map[string]any{"first": pg["first_page_url"], "last": pg["last_page_url"],
			"prev": pg["prev_page_url"], "next": pg["next_page_url"]},
		"meta": map[string]any{"current_page": page, "from": pg["from"], "last_page": pg["last_page"],
			"path": pg["path"], "per_page": per, "to": pg["to"], "total": pg["total"]},
	}}
}

func mkSlice(items []any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

// --- formatting --------------------------------------------------------------

// amount renders kobo as the marketplace writes amounts: a decimal string
// with two places, "1500.00", or "1.500,00" in decimal-comma mode
// (SetDecimalComma).
func (p *Market) amount(kobo int64) string {
	if p.decimalComma {
		return mkGrouped(kobo, ".", ",")
	}
	return mkGrouped(kobo, "", ".")
}

// formatted is the balance for display: "₦25,000.00" ("₦25.000,00" in
// decimal-comma mode).
func (p *Market) formatted(kobo int64) string {
	sign := ""
	if kobo < 0 {
		sign, kobo = "-", -kobo
	}
	if p.decimalComma {
		return sign + "₦" + mkGrouped(kobo, ".", ",")
	}
	return sign + "₦" + mkGrouped(kobo, ",", ".")
}

// mkGrouped renders kobo with two decimal places after point and the
// whole part in groups of three after group: mkGrouped(150000, ",", ".")
// is "1,500.00", mkGrouped(150000, "", ".") is "1500.00".
func mkGrouped(kobo int64, group, point string) string {
	sign := ""
	if kobo < 0 {
		sign, kobo = "-", -kobo
	}
	digits := strconv.FormatInt(kobo/100, 10)
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s%s%02d", sign, b.String(), point, kobo%100)
}

func mkTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func (p *Market) numberJSON(o *mkNumberOrder) map[string]any {
	var code, text any
	msgs := []any{}
	for _, m := range o.sms {
		var c any
		if m.code != "" {
			c = m.code
			code = m.code
		}
		text = m.text
		msgs = append(msgs, map[string]any{"id": m.id, "sender": m.sender, "text": m.text, "code": c, "received_at": mkTime(m.at)})
	}
	var area any
	if o.area != "" {
		area = o.area
	}
	var refunded any
	if o.refunded > 0 {
		refunded = p.amount(o.refunded)
	}
	return map[string]any{
		"id": o.id, "country_id": o.service.country.id, "country": o.service.country.name,
		"service_id": o.service.id, "service": o.service.name, "phone_number": o.number, "area_code": area,
		"status": o.status, "code": code, "sms": text, "messages": msgs,
		"price": p.amount(o.price), "currency": MarketCurrency, "refunded_amount": refunded,
		"expires_at": mkTime(o.expires), "created_at": mkTime(o.created), "updated_at": mkTime(o.updated),
	}
}

func (p *Market) boostJSON(o *mkBoostOrder) map[string]any {
	var refunded any
	if o.refunded > 0 {
		refunded = p.amount(o.refunded)
	}
	return map[string]any{
		"id": o.id, "service_id": o.service.id, "service": o.service.name, "category": o.service.category.name,
		"link": o.link, "quantity": o.quantity, "start_count": o.startCount, "remains": o.remains,
		"charge": p.amount(o.charge), "currency": MarketCurrency, "refunded_amount": refunded,
		"status":     mkBoostSpellings[o.spelling][o.state],
		"created_at": mkTime(o.created), "updated_at": mkTime(o.updated),
	}
}

func (p *Market) boostServiceJSON(s *mkBoostService) map[string]any {
	return map[string]any{
		"id": s.id, "name": s.name, "category": s.category.name, "rate": p.amount(s.rate), "rate_per": 1000,
		"currency": MarketCurrency, "min": s.min, "max": s.max, "refill": s.refill, "cancel": s.cancel,
		"average_time": s.avg, "type": "Default",
	}
}

func (p *Market) logsCategoryJSON(c *mkLogsCategory, detail bool) map[string]any {
	m := map[string]any{
		"id": c.id, "parent_category_id": c.parent.id, "name": c.name, "price": p.amount(c.price),
		"currency": MarketCurrency, "stock": c.stock, "delivery": map[bool]string{true: "manual", false: "instant"}[c.manual],
	}
	if detail {
		m["description"] = c.description
		m["parent_category"] = map[string]any{"id": c.parent.id, "name": c.parent.name, "slug": c.parent.slug}
		m["min_quantity"] = 1
		m["max_quantity"] = c.maxQty
	}
	return m
}

func (p *Market) logsJSON(o *mkLogsOrder) map[string]any {
	var items any
	if o.status == "completed" {
		items = append([]string(nil), o.items...)
	}
	return map[string]any{
		"id": o.id, "category_id": o.category.id, "category": o.category.name, "parent_category": o.category.parent.name,
		"quantity": o.quantity, "unit_price": p.amount(o.unit), "total": p.amount(o.total), "currency": MarketCurrency,
		"status": o.status, "items": items, "created_at": mkTime(o.created), "updated_at": mkTime(o.updated),
	}
}
