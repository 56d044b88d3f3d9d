package pivday

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// --- HTTP plumbing ------------------------------------------------------------

// pivReply is an answer built with s.Mu held and written after it is
// released.
type pivReply struct {
	status int
	body   any
	retry  int // Retry-After seconds (429)
}

// pivCall is one authenticated request.
type pivCall struct {
	a    *pivAccount
	r    *http.Request
	body []byte
	now  time.Time
}

type pivErr struct {
	status        int
	code, message string
}

func pivErrorBody(code, msg string) map[string]any {
	return map[string]any{"success": false, "error": map[string]any{"code": code, "message": msg}}
}

func (e *pivErr) reply() pivReply {
	return pivReply{status: e.status, body: pivErrorBody(e.code, e.message)}
}

func pivOK(data any) pivReply {
	return pivReply{status: http.StatusOK, body: map[string]any{"success": true, "data": data}}
}

func pivInvalid(format string, args ...any) *pivErr {
	return &pivErr{http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf(format, args...)}
}

func pivNotFound(what string) *pivErr {
	return &pivErr{http.StatusNotFound, "NOT_FOUND", what + " not found"}
}

func pivNumberNotFound() *pivErr {
	return &pivErr{http.StatusNotFound, "NUMBER_NOT_FOUND", "Number not found"}
}

func pivNoBalance(need, have float64) *pivErr {
	return &pivErr{http.StatusPaymentRequired, "INSUFFICIENT_BALANCE",
		fmt.Sprintf("Not enough balance: required $%.2f, available $%.2f", need, have)}
}

// route registers an authenticated, rate-limited handler.
func (p *PivDay) route(mux *http.ServeMux, pattern string, h func(c *pivCall) pivReply) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		p.s.Mu.Lock()
		rep := p.serve(r, body, h)
		p.s.Mu.Unlock()
		if rep.retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(rep.retry))
		}
		simcore.WriteJSON(w, rep.status, rep.body)
	})
}

func (p *PivDay) serve(r *http.Request, body []byte, h func(c *pivCall) pivReply) pivReply {
	a := p.byKey[simcore.Bearer(r)]
	if a == nil {
		return (&pivErr{http.StatusUnauthorized, "UNAUTHORIZED", "Missing, expired or revoked API key"}).reply()
	}
	now := p.s.Clock()
	if ok, _, reset := a.win.Hit(now, time.Minute, p.s.RateFor(backend.PivDay, pivRatePerMinute)); !ok {
		p.s.CountLimited(backend.PivDay)
		secs := max(int(math.Ceil(reset.Sub(now).Seconds())), 1)
		rep := (&pivErr{http.StatusTooManyRequests, "RATE_LIMITED", fmt.Sprintf("Rate limit exceeded, retry in %ds", secs)}).reply()
		rep.retry = secs
		return rep
	}
	return h(&pivCall{a: a, r: r, body: body, now: now})
}

func (p *PivDay) routes(mux *http.ServeMux) {
	const v = "/api/v1"
	p.route(mux, "GET "+v+"/account", p.getAccount)

	p.route(mux, "GET "+v+"/numbers/countries", p.getCountries)
	p.route(mux, "GET "+v+"/numbers", p.listNumbers)
	p.route(mux, "GET "+v+"/numbers/{id}", p.getNumber)
	p.route(mux, "PATCH "+v+"/numbers/{id}", p.patchNumber)
	p.route(mux, "GET "+v+"/numbers/{id}/sms", p.listSMS)
	p.route(mux, "POST "+v+"/numbers/purchase", p.purchaseNumber)
	p.route(mux, "POST "+v+"/numbers/{id}/renew", p.renewNumber)
	p.route(mux, "PATCH "+v+"/numbers/{id}/auto-renewal", p.numberAutoRenew)
	p.route(mux, "POST "+v+"/numbers/restore", p.restoreNumbers)

	p.route(mux, "GET "+v+"/proxy/servers", p.listServers)
	p.route(mux, "GET "+v+"/proxy/orders", p.listProxyOrders)
	p.route(mux, "GET "+v+"/proxy/orders/{id}", p.getProxyOrder)
	p.route(mux, "GET "+v+"/proxy/orders/{id}/export", p.exportProxyOrder)
	p.route(mux, "POST "+v+"/proxy/purchase", p.purchaseProxy)
	p.route(mux, "POST "+v+"/proxy/orders/{id}/renew", p.renewProxyOrder)
	p.route(mux, "POST "+v+"/proxy/orders/{id}/restore", p.restoreProxyOrder)

	p.route(mux, "GET "+v+"/domains", p.listDomains)
	p.route(mux, "GET "+v+"/domains/search", p.searchDomain)
	p.route(mux, "GET "+v+"/domains/queue/{id}", p.getQueue)
	p.route(mux, "GET "+v+"/domains/{id}", p.getDomain)
	p.route(mux, "POST "+v+"/domains/{id}/renew", p.renewDomain)
	p.route(mux, "POST "+v+"/domains/{id}/auto-renew", p.domainAutoRenew)

	p.route(mux, "GET "+v+"/whites", p.listWhites)
	p.route(mux, "GET "+v+"/whites/{id}", p.getWhite)

	mux.HandleFunc(v+"/", func(w http.ResponseWriter, r *http.Request) {
		simcore.WriteJSON(w, http.StatusNotFound, pivErrorBody("NOT_FOUND", "Route not found: "+r.Method+" "+r.URL.Path))
	})
}

// paging reads limit and offset. limit defaults to def and is kept to
// 1..max: the document gives the maximum, not a refusal of more.
func paging(r *http.Request, def, maxLimit int) (int, int, *pivErr) {
	q := r.URL.Query()
	limit, offset := def, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, 0, pivInvalid("limit must be an integer")
		}
		limit = max(1, min(n, maxLimit))
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, pivInvalid("offset must be a non-negative integer")
		}
		offset = n
	}
	return limit, offset, nil
}

// pivNewestFirst orders a list by creation, newest first (ties: the later
// added first), without touching the stored order.
func pivNewestFirst[T any](items []T, created func(T) time.Time) []T {
	out := make([]T, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	sort.SliceStable(out, func(i, j int) bool { return created(out[i]).After(created(out[j])) })
	return out
}

// window of a list: items[offset:offset+limit].
func pivPage[T any](items []T, limit, offset int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(len(items), offset+limit)]
}

func pivPagination(total, limit, offset int) map[string]any {
	return map[string]any{"total": total, "limit": limit, "offset": offset}
}

// pivBody is a request body decoded field by field so that missing and
// mistyped fields are told apart.
type pivBody map[string]json.RawMessage

func parseBody(b []byte) (pivBody, *pivErr) {
	m := pivBody{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, pivInvalid("Request body must be a JSON object")
	}
	return m, nil
}

func (b pivBody) has(k string) bool {
	v, ok := b[k]
	return ok && string(v) != "null"
}

// integer reads a required integer field within [lo, hi].
func (b pivBody) integer(k string, lo, hi int) (int, *pivErr) {
	if !b.has(k) {
		return 0, pivInvalid("%s is required", k)
	}
	var f float64
	if err := json.Unmarshal(b[k], &f); err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, pivInvalid("%s must be an integer between %d and %d", k, lo, hi)
	}
	return int(f), nil
}

func (b pivBody) boolean(k string) (bool, *pivErr) {
	if !b.has(k) {
		return false, pivInvalid("%s is required", k)
	}
	var v bool
	if err := json.Unmarshal(b[k], &v); err != nil {
		return false, pivInvalid("%s must be a boolean", k)
	}
	return v, nil
}

func (b pivBody) str(k string, required bool) (string, *pivErr) {
	if !b.has(k) {
		if required {
			return "", pivInvalid("%s is required", k)
		}
		return "", nil
	}
	var v string
	if err := json.Unmarshal(b[k], &v); err != nil {
		return "", pivInvalid("%s must be a string", k)
	}
	return v, nil
}

// pivLater is the later of two times.
func pivLater(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func pivTS(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func pivTSOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return pivTS(t)
}

func pivNullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
