package pivday

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// DefaultBaseURL is the documented base: every path below lives under it.
const DefaultBaseURL = "https://app.piv.day/api/v1"

// Page sizes: the documented maxima, so a listing costs as few requests
// of the shared 100/min budget as possible.
const (
	maxNumbersPage = 200
	maxSMSPage     = 200
	maxListPage    = 500 // proxy orders, domains, whites
	maxPages       = 200 // a runaway paging loop stops here
)

// Client is a typed piv.day client: one method per documented call, built
// on transport.Client (rate budget, 429 pauses, timeouts, retries of reads
// only, no redirects, redaction of the API key).
type Client struct {
	t     *transport.Client
	label string
}

// Transport is the underlying transport client (budget, redaction).
func (c *Client) Transport() *transport.Client { return c.t }

// For returns a client whose operation names refer to the object by label
// (a phone number, a domain name) rather than by its opaque id, so errors
// read "renew number +46764794425".
func (c *Client) For(label string) *Client {
	cp := *c
	cp.label = label
	return &cp
}

func (c *Client) name(id string) string {
	if c.label != "" {
		return c.label
	}
	return id
}

// send performs req and decodes the answer's `data` block into out, or the
// whole body when whole is set (purchase and restore answers carry their
// fields beside `success`). out may be nil.
func (c *Client) send(ctx context.Context, req transport.Request, out any, whole bool) error {
	resp, err := c.t.Do(ctx, req)
	if err != nil {
		return err
	}
	var env envelope
	envErr := json.Unmarshal(resp.Body, &env)
	if resp.Status < 200 || resp.Status > 299 {
		if envErr != nil {
			return c.apiError(req, resp.Status, nil, resp.Body)
		}
		return c.apiError(req, resp.Status, &env, resp.Body)
	}
	if envErr != nil {
		return c.badAnswer(req, resp.Status, resp.Body, envErr)
	}
	if (env.Success != nil && !bool(*env.Success)) || (env.Success == nil && env.Error != nil) {
		return c.apiError(req, resp.Status, &env, resp.Body)
	}
	if out == nil {
		return nil
	}
	src := []byte(env.Data)
	if whole {
		src = resp.Body
	}
	if t := bytes.TrimSpace(src); len(t) == 0 || string(t) == "null" {
		return c.badAnswer(req, resp.Status, resp.Body, errors.New("no data"))
	}
	if err := json.Unmarshal(src, out); err != nil {
		return c.badAnswer(req, resp.Status, resp.Body, err)
	}
	return nil
}

// unwrap returns data[key] when data is an object holding key as an object
// ({"order": {...}}), else data itself: single-object answers come both
// ways in the document.
func unwrap(data json.RawMessage, key string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	if v, ok := m[key]; ok {
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '{' {
			return v
		}
	}
	return data
}

// one reads a single object that may be wrapped under key.
func (c *Client) one(ctx context.Context, req transport.Request, key string, out any) error {
	var raw json.RawMessage
	if err := c.send(ctx, req, &raw, false); err != nil {
		return err
	}
	if err := json.Unmarshal(unwrap(raw, key), out); err != nil {
		return c.badAnswer(req, http.StatusOK, raw, err)
	}
	return nil
}

// pages reads a paged listing with limit/offset until it is done: an empty
// page, the reported total reached, or (with no total) a short page.
func (c *Client) pages(ctx context.Context, op, path string, q url.Values, limit int, decode func(data []byte) (n int, p Pagination, err error)) error {
	offset := 0
	for range maxPages {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("limit", strconv.Itoa(limit))
		qq.Set("offset", strconv.Itoa(offset))
		req := transport.Request{Op: op, Path: path, Query: qq, Read: true}
		var raw json.RawMessage
		if err := c.send(ctx, req, &raw, false); err != nil {
			return err
		}
		n, p, err := decode(raw)
		if err != nil {
			return c.badAnswer(req, http.StatusOK, raw, err)
		}
		offset += n
		total := int(p.Total)
		switch {
		case n == 0:
			return nil
		case total > 0 && offset >= total:
			return nil
		case total <= 0 && n < limit:
			return nil
		}
	}
	return nil
}

// --- account --------------------------------------------------------------

// Account is GET /account: balance and (masked) e-mail.
func (c *Client) Account(ctx context.Context) (AccountInfo, error) {
	var a AccountInfo
	err := c.send(ctx, transport.Request{Op: "read balance", Path: "/account", Read: true}, &a, false)
	return a, err
}

// --- numbers --------------------------------------------------------------

// Countries is GET /numbers/countries: where numbers can be bought and
// their monthly price (plan discount applied).
func (c *Client) Countries(ctx context.Context) ([]Country, error) {
	var out []Country
	err := c.send(ctx, transport.Request{Op: "list number countries", Path: "/numbers/countries", Read: true}, &out, false)
	return out, err
}

// NumberFilter narrows GET /numbers.
type NumberFilter struct {
	Country string // ISO code
	Status  string // active | expired | pending_restore
	Search  string
}

// Numbers lists every number of the account (GET /numbers, paged by 200).
func (c *Client) Numbers(ctx context.Context, f NumberFilter) ([]Number, error) {
	q := url.Values{}
	setIf(q, "country", f.Country)
	setIf(q, "status", f.Status)
	setIf(q, "search", f.Search)
	var out []Number
	err := c.pages(ctx, "list numbers", "/numbers", q, maxNumbersPage, func(data []byte) (int, Pagination, error) {
		var p numbersPage
		err := json.Unmarshal(data, &p)
		out = append(out, p.Numbers...)
		return len(p.Numbers), p.Pagination, err
	})
	return out, err
}

// Number is GET /numbers/{id}.
func (c *Client) Number(ctx context.Context, id string) (Number, error) {
	var n Number
	err := c.one(ctx, transport.Request{Op: "read number " + c.name(id), Path: "/numbers/" + url.PathEscape(id), Read: true}, "number", &n)
	return n, err
}

// NumberSMS is GET /numbers/{id}/sms: inbound and outbound messages, newest
// first. limit is clamped to 1..200.
func (c *Client) NumberSMS(ctx context.Context, id string, limit, offset int) ([]SMS, error) {
	limit = max(1, min(limit, maxSMSPage))
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	var p smsPage
	err := c.send(ctx, transport.Request{Op: "read SMS of number " + c.name(id), Path: "/numbers/" + url.PathEscape(id) + "/sms", Query: q, Read: true}, &p, false)
	return p.Messages, err
}

// NumberOrder is the body of POST /numbers/purchase.
type NumberOrder struct {
	Country    string `json:"country_code"`
	Months     int    `json:"duration_months"`
	AutoRenew  bool   `json:"auto_renew"`
	CustomName string `json:"custom_name,omitempty"`
}

// PurchaseNumber is POST /numbers/purchase. It spends money: a timeout
// gives ErrOutcomeUnknown and it is never re-sent.
func (c *Client) PurchaseNumber(ctx context.Context, o NumberOrder) (NumberPurchase, error) {
	var out NumberPurchase
	err := c.send(ctx, transport.Request{
		Op:     fmt.Sprintf("buy a %s number for %s", o.Country, months(o.Months)),
		Method: http.MethodPost, Path: "/numbers/purchase", JSON: o,
	}, &out, true)
	return out, err
}

// RenewNumber is POST /numbers/{id}/renew.
func (c *Client) RenewNumber(ctx context.Context, id string, monthsN int) (NumberRenewal, error) {
	var out NumberRenewal
	err := c.send(ctx, transport.Request{
		Op:     fmt.Sprintf("renew number %s for %s", c.name(id), months(monthsN)),
		Method: http.MethodPost, Path: "/numbers/" + url.PathEscape(id) + "/renew",
		JSON: map[string]int{"duration_months": monthsN},
	}, &out, false)
	return out, err
}

// SetNumberAutoRenew is PATCH /numbers/{id}/auto-renewal.
func (c *Client) SetNumberAutoRenew(ctx context.Context, id string, on bool) (AutoRenewal, error) {
	var out AutoRenewal
	err := c.send(ctx, transport.Request{
		Op:     fmt.Sprintf("turn auto-renew %s for number %s", onOff(on), c.name(id)),
		Method: http.MethodPatch, Path: "/numbers/" + url.PathEscape(id) + "/auto-renewal",
		JSON: map[string]bool{"auto_renew": on},
	}, &out, false)
	return out, err
}

// RestoreNumbers is POST /numbers/restore for expired numbers (7-day
// window). The final result arrives by the number.restore_completed
// webhook or by re-reading the numbers.
func (c *Client) RestoreNumbers(ctx context.Context, ids []string) (Restore, error) {
	var out Restore
	what := "restore " + strconv.Itoa(len(ids)) + " numbers"
	if len(ids) == 1 {
		what = "restore number " + c.name(ids[0])
	}
	err := c.send(ctx, transport.Request{
		Op: what, Method: http.MethodPost, Path: "/numbers/restore",
		JSON: map[string][]string{"piv_num_ids": ids},
	}, &out, true)
	return out, err
}

// --- proxy ----------------------------------------------------------------

// ProxyServers is GET /proxy/servers.
func (c *Client) ProxyServers(ctx context.Context) ([]ProxyServer, error) {
	var out struct {
		Servers []ProxyServer `json:"servers"`
	}
	err := c.send(ctx, transport.Request{Op: "list proxy servers", Path: "/proxy/servers", Read: true}, &out, false)
	return out.Servers, err
}

// ListFilter narrows the proxy, domain and white listings.
type ListFilter struct {
	Status string
	Search string
}

// ProxyOrders lists every proxy order (GET /proxy/orders, paged by 500).
func (c *Client) ProxyOrders(ctx context.Context, f ListFilter) ([]ProxyOrder, error) {
	q := url.Values{}
	setIf(q, "status", f.Status)
	setIf(q, "search", f.Search)
	var out []ProxyOrder
	err := c.pages(ctx, "list proxy orders", "/proxy/orders", q, maxListPage, func(data []byte) (int, Pagination, error) {
		var p proxyOrdersPage
		err := json.Unmarshal(data, &p)
		out = append(out, p.Orders...)
		return len(p.Orders), p.Pagination, err
	})
	return out, err
}

// ProxyOrder is GET /proxy/orders/{id}.
func (c *Client) ProxyOrder(ctx context.Context, id string) (ProxyOrder, error) {
	var o ProxyOrder
	err := c.one(ctx, transport.Request{Op: "read proxy order " + c.name(id), Path: "/proxy/orders/" + url.PathEscape(id), Read: true}, "order", &o)
	return o, err
}

// Export formats of GET /proxy/orders/{id}/export.
const (
	ExportSOCKS5 = "socks5"
	ExportHTTP   = "http"
	ExportBoth   = "both"
)

// ProxyExport is GET /proxy/orders/{id}/export (format socks5|http|both,
// default socks5).
func (c *Client) ProxyExport(ctx context.Context, id, format string) (ProxyExport, error) {
	if format == "" {
		format = ExportSOCKS5
	}
	op := "export proxy order " + c.name(id)
	if format != ExportSOCKS5 && format != ExportHTTP && format != ExportBoth {
		return ProxyExport{}, c.t.Error(op, backend.ErrInvalid, 0, "", "export format must be socks5, http or both")
	}
	var out ProxyExport
	err := c.send(ctx, transport.Request{Op: op, Path: "/proxy/orders/" + url.PathEscape(id) + "/export",
		Query: url.Values{"format": {format}}, Read: true}, &out, false)
	return out, err
}

// ProxyPurchase is the body of POST /proxy/purchase.
type ProxyPurchase struct {
	ServerID string `json:"server_id"`
	Quantity int    `json:"quantity"`
	Months   int    `json:"months"`
}

// PurchaseProxy is POST /proxy/purchase: one order of Quantity proxies.
func (c *Client) PurchaseProxy(ctx context.Context, p ProxyPurchase) (ProxyOrder, error) {
	req := transport.Request{
		Op:     fmt.Sprintf("buy %d proxies for %s", p.Quantity, months(p.Months)),
		Method: http.MethodPost, Path: "/proxy/purchase", JSON: p,
	}
	var raw json.RawMessage
	if err := c.send(ctx, req, &raw, false); err != nil {
		return ProxyOrder{}, err
	}
	var o ProxyOrder
	if err := json.Unmarshal(unwrap(raw, "order"), &o); err != nil {
		return o, c.badAnswer(req, http.StatusOK, raw, err)
	}
	return o, nil
}

// RenewProxy is POST /proxy/orders/{id}/renew.
func (c *Client) RenewProxy(ctx context.Context, id string, monthsN int) (ProxyRenewal, error) {
	var out ProxyRenewal
	err := c.send(ctx, transport.Request{
		Op:     fmt.Sprintf("renew proxy order %s for %s", c.name(id), months(monthsN)),
		Method: http.MethodPost, Path: "/proxy/orders/" + url.PathEscape(id) + "/renew",
		JSON: map[string]int{"months": monthsN},
	}, &out, false)
	return out, err
}

// RestoreProxy is POST /proxy/orders/{id}/restore: an expired order comes
// back with the same credentials for one month.
func (c *Client) RestoreProxy(ctx context.Context, id string) (ProxyRestore, error) {
	var out ProxyRestore
	err := c.send(ctx, transport.Request{
		Op:     "restore proxy order " + c.name(id),
		Method: http.MethodPost, Path: "/proxy/orders/" + url.PathEscape(id) + "/restore",
	}, &out, false)
	return out, err
}

// --- domains --------------------------------------------------------------

// Domains lists every domain (GET /domains, paged by 500).
func (c *Client) Domains(ctx context.Context, f ListFilter) ([]Domain, error) {
	q := url.Values{}
	setIf(q, "status", f.Status)
	setIf(q, "search", f.Search)
	var out []Domain
	err := c.pages(ctx, "list domains", "/domains", q, maxListPage, func(data []byte) (int, Pagination, error) {
		var p domainsPage
		err := json.Unmarshal(data, &p)
		out = append(out, p.Domains...)
		return len(p.Domains), p.Pagination, err
	})
	return out, err
}

// Domain is GET /domains/{id}.
func (c *Client) Domain(ctx context.Context, id string) (Domain, error) {
	var d Domain
	err := c.one(ctx, transport.Request{Op: "read domain " + c.name(id), Path: "/domains/" + url.PathEscape(id), Read: true}, "domain", &d)
	return d, err
}

// DomainQueue is GET /domains/queue/{id}: a registration or renewal queue
// entry.
func (c *Client) DomainQueue(ctx context.Context, id string) (QueueEntry, error) {
	var q QueueEntry
	err := c.send(ctx, transport.Request{Op: "read domain queue entry " + c.name(id), Path: "/domains/queue/" + url.PathEscape(id), Read: true}, &q, false)
	return q, err
}

// SearchDomain is GET /domains/search?q=: availability and prices.
func (c *Client) SearchDomain(ctx context.Context, name string) (DomainAvailability, error) {
	var out DomainAvailability
	err := c.send(ctx, transport.Request{Op: "look up domain " + name, Path: "/domains/search",
		Query: url.Values{"q": {name}}, Read: true}, &out, false)
	return out, err
}

// RenewDomain is POST /domains/{id}/renew (years). It answers with a queue
// entry to follow.
func (c *Client) RenewDomain(ctx context.Context, id string, years int) (DomainRenewal, error) {
	var out DomainRenewal
	unit := "years"
	if years == 1 {
		unit = "year"
	}
	err := c.send(ctx, transport.Request{
		Op:     fmt.Sprintf("renew domain %s for %d %s", c.name(id), years, unit),
		Method: http.MethodPost, Path: "/domains/" + url.PathEscape(id) + "/renew",
		JSON: map[string]int{"period": years},
	}, &out, false)
	return out, err
}

// SetDomainAutoRenew is POST /domains/{id}/auto-renew.
func (c *Client) SetDomainAutoRenew(ctx context.Context, id string, on bool) (DomainAutoRenewal, error) {
	var out DomainAutoRenewal
	err := c.send(ctx, transport.Request{
		Op:     fmt.Sprintf("turn auto-renew %s for domain %s", onOff(on), c.name(id)),
		Method: http.MethodPost, Path: "/domains/" + url.PathEscape(id) + "/auto-renew",
		JSON: map[string]bool{"auto_renew": on},
	}, &out, false)
	return out, err
}

// --- whites ---------------------------------------------------------------

// Whites lists white-page generation jobs (GET /whites, paged by 500).
func (c *Client) Whites(ctx context.Context, f ListFilter) ([]White, error) {
	q := url.Values{}
	setIf(q, "status", f.Status)
	var out []White
	err := c.pages(ctx, "list white pages", "/whites", q, maxListPage, func(data []byte) (int, Pagination, error) {
		var p whitesPage
		err := json.Unmarshal(data, &p)
		out = append(out, p.Whites...)
		return len(p.Whites), p.Pagination, err
	})
	return out, err
}

// White is GET /whites/{id}.
func (c *Client) White(ctx context.Context, id string) (White, error) {
	var w White
	err := c.one(ctx, transport.Request{Op: "read white page " + c.name(id), Path: "/whites/" + url.PathEscape(id), Read: true}, "white", &w)
	return w, err
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func months(n int) string {
	if n == 1 {
		return "1 month"
	}
	return strconv.Itoa(n) + " months"
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
