// Package market is Switchboard's adapter for the white-label marketplace
// "API v1" (numbers, boosting and logs orders behind one wallet; market.md,
// summarised in docs/providers.md, 'Marketplace "API v1"'). Its answers
// are mostly undocumented: every guess about their shape is in shapes.go.
package market

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// Client has one method per marketplace call in scope. Every failure is a
// *backend.Error.
type Client struct {
	t *transport.Client
}

func newClient(cfg Config, budget *backend.Budget) *Client {
	key := cfg.APIKey
	return &Client{t: transport.New(transport.Config{
		Provider: backend.Market,
		BaseURL:  cfg.BaseURL,
		Budget:   budget,
		HTTP:     cfg.HTTP,
		Timeout:  cfg.Timeout,
		Secrets:  []string{key},
		Auth: func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Accept", "application/json")
		},
	})}
}

// Budget is the account's request budget.
func (c *Client) Budget() *backend.Budget { return c.t.Budget() }

// call sends a request and returns the decoded body (nil for an empty
// 2xx body).
func (c *Client) call(ctx context.Context, req transport.Request) (any, error) {
	resp, err := c.t.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, c.statusError(req.Op, resp)
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return nil, nil
	}
	v, err := parseJSON(body)
	if err != nil {
		return nil, c.t.Unreadable(req.Op, req.Read, resp.Status, body, "not JSON")
	}
	if f := decodeFailure(v); f.Failed {
		return nil, c.failureError(req.Op, resp.Status, f)
	}
	return v, nil
}

func (c *Client) malformed(op, what string) *backend.Error {
	return c.t.Error(op, backend.ErrMalformed, 0, "", "the answer carries no "+what)
}

func (c *Client) get(ctx context.Context, op, path string, q url.Values) (any, error) {
	return c.call(ctx, transport.Request{Op: op, Method: http.MethodGet, Path: path, Query: q, Read: true})
}

func pageQuery(page, perPage int) url.Values {
	q := url.Values{}
	if perPage > 0 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return q
}

func esc(id string) string { return url.PathEscape(id) }

// --- wallet -------------------------------------------------------------------

// Wallet is GET /wallet.
func (c *Client) Wallet(ctx context.Context) (Wallet, error) {
	const op = "read wallet"
	v, err := c.get(ctx, op, "/wallet", nil)
	if err != nil {
		return Wallet{}, err
	}
	w, ok := decodeWallet(v)
	if !ok && w.Unreadable != "" {
		return Wallet{}, c.t.Error(op, backend.ErrMalformed, 0, "", fmt.Sprintf(
			"the balance %q cannot be read without guessing (\"1,500\" is 1500 or 1.5 depending on the writer)", w.Unreadable))
	}
	if !ok {
		return Wallet{}, c.malformed(op, "balance")
	}
	return w, nil
}

// --- numbers ------------------------------------------------------------------

// NumberCountries is GET /numbers/countries.
func (c *Client) NumberCountries(ctx context.Context) ([]Country, error) {
	const op = "list number countries"
	v, err := c.get(ctx, op, "/numbers/countries", nil)
	if err != nil {
		return nil, err
	}
	out, ok := decodeCountries(v)
	if !ok {
		return nil, c.malformed(op, "country list")
	}
	return out, nil
}

// NumberServices is GET /numbers/services?country_id=.
func (c *Client) NumberServices(ctx context.Context, countryID string) ([]NumberService, error) {
	op := "list number services for country " + countryID
	v, err := c.get(ctx, op, "/numbers/services", url.Values{"country_id": {countryID}})
	if err != nil {
		return nil, err
	}
	out, ok := decodeNumberServices(v)
	if !ok {
		return nil, c.malformed(op, "service list")
	}
	return out, nil
}

// NumberAreaCodes is GET /numbers/area-codes?country_id=&service_id=.
func (c *Client) NumberAreaCodes(ctx context.Context, countryID, serviceID string) ([]AreaCode, error) {
	op := "list area codes for service " + serviceID
	v, err := c.get(ctx, op, "/numbers/area-codes", url.Values{"country_id": {countryID}, "service_id": {serviceID}})
	if err != nil {
		return nil, err
	}
	out, ok := decodeAreaCodes(v)
	if !ok {
		return nil, c.malformed(op, "area code list")
	}
	return out, nil
}

// NumberOrders is one page of GET /numbers/orders (newest first, as the
// marketplace lists them).
func (c *Client) NumberOrders(ctx context.Context, page, perPage int) ([]NumberOrder, Page, error) {
	const op = "list number orders"
	v, err := c.get(ctx, op, "/numbers/orders", pageQuery(page, perPage))
	if err != nil {
		return nil, Page{}, err
	}
	out, p, ok := decodeNumberOrders(v)
	if !ok {
		return nil, Page{}, c.malformed(op, "order list")
	}
	return out, p, nil
}

// NumberOrder is GET /numbers/orders/{id}.
func (c *Client) NumberOrder(ctx context.Context, id string) (NumberOrder, error) {
	op := "read number order " + id
	v, err := c.get(ctx, op, "/numbers/orders/"+esc(id), nil)
	if err != nil {
		return NumberOrder{}, err
	}
	return c.oneNumberOrder(op, v)
}

func (c *Client) oneNumberOrder(op string, v any) (NumberOrder, error) {
	o, ok := objectOf(v, numberOrderContainers)
	if !ok {
		return NumberOrder{}, c.malformed(op, "order")
	}
	n := decodeNumberOrder(o)
	if n.ID == "" {
		return NumberOrder{}, c.malformed(op, "order id")
	}
	return n, nil
}

// NumberPurchase is the body of POST /numbers/orders.
type NumberPurchase struct {
	CountryID, ServiceID string
	AreaCodes            []string
	IdempotencyKey       string
}

// numberPurchaseBody follows market.md's example: ids as numbers,
// selected_area_codes as strings, the key in the body.
type numberPurchaseBody struct {
	CountryID      idValue  `json:"country_id"`
	ServiceID      idValue  `json:"service_id"`
	AreaCodes      []string `json:"selected_area_codes,omitempty"`
	IdempotencyKey string   `json:"idempotency_key"`
}

// BuyNumber is POST /numbers/orders. The idempotency key travels in the
// body (never a header); it is the action's id, one per operator action.
func (c *Client) BuyNumber(ctx context.Context, p NumberPurchase) (Placed[NumberOrder], error) {
	op := "buy number (service " + p.ServiceID + ", country " + p.CountryID + ")"
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/numbers/orders",
		JSON: numberPurchaseBody{CountryID: idValue(p.CountryID), ServiceID: idValue(p.ServiceID),
			AreaCodes: p.AreaCodes, IdempotencyKey: p.IdempotencyKey}})
	if err != nil {
		return Placed[NumberOrder]{}, err
	}
	return decodePlaced(v, numberOrderContainers, decodeNumberOrder, func(n NumberOrder) string { return n.ID }), nil
}

// CheckNumber is POST /numbers/orders/{id}/check: it asks the marketplace
// to look for the code now. It changes nothing the operator owns and is
// safe to repeat, so it is sent as a read (retried on 5xx).
func (c *Client) CheckNumber(ctx context.Context, id string) (NumberOrder, error) {
	op := "check number order " + id
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/numbers/orders/" + esc(id) + "/check", Read: true})
	if err != nil {
		return NumberOrder{}, err
	}
	return c.oneNumberOrder(op, v)
}

// CancelNumber is POST /numbers/orders/{id}/cancel. The answer may or may
// not carry the order (ok reports whether it did).
func (c *Client) CancelNumber(ctx context.Context, id string) (order NumberOrder, ok bool, err error) {
	op := "cancel number order " + id
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/numbers/orders/" + esc(id) + "/cancel"})
	if err != nil {
		return NumberOrder{}, false, err
	}
	if o, has := objectOf(v, numberOrderContainers); has {
		if n := decodeNumberOrder(o); n.ID != "" {
			return n, true, nil
		}
	}
	return NumberOrder{}, false, nil
}

// --- boost --------------------------------------------------------------------

// BoostCategories is GET /boost/categories.
func (c *Client) BoostCategories(ctx context.Context) ([]BoostCategory, error) {
	const op = "list boost categories"
	v, err := c.get(ctx, op, "/boost/categories", nil)
	if err != nil {
		return nil, err
	}
	out, ok := decodeBoostCategories(v)
	if !ok {
		return nil, c.malformed(op, "category list")
	}
	return out, nil
}

// BoostServices is GET /boost/services?category=.
func (c *Client) BoostServices(ctx context.Context, category string) ([]BoostService, error) {
	op := "list boost services in " + category
	var q url.Values
	if category != "" {
		q = url.Values{"category": {category}}
	}
	v, err := c.get(ctx, op, "/boost/services", q)
	if err != nil {
		return nil, err
	}
	out, ok := decodeBoostServices(v)
	if !ok {
		return nil, c.malformed(op, "service list")
	}
	return out, nil
}

// BoostService is GET /boost/services/{id}.
func (c *Client) BoostService(ctx context.Context, id string) (BoostService, error) {
	op := "read boost service " + id
	v, err := c.get(ctx, op, "/boost/services/"+esc(id), nil)
	if err != nil {
		return BoostService{}, err
	}
	o, ok := objectOf(v, boostServiceContainer)
	if !ok {
		return BoostService{}, c.malformed(op, "service")
	}
	s := decodeBoostService(o)
	if s.ID == "" {
		s.ID = id
	}
	return s, nil
}

// BoostOrders is one page of GET /boost/orders.
func (c *Client) BoostOrders(ctx context.Context, page, perPage int) ([]BoostOrder, Page, error) {
	const op = "list boost orders"
	v, err := c.get(ctx, op, "/boost/orders", pageQuery(page, perPage))
	if err != nil {
		return nil, Page{}, err
	}
	out, p, ok := decodeBoostOrders(v)
	if !ok {
		return nil, Page{}, c.malformed(op, "order list")
	}
	return out, p, nil
}

// BoostOrder is GET /boost/orders/{id}.
func (c *Client) BoostOrder(ctx context.Context, id string) (BoostOrder, error) {
	op := "read boost order " + id
	v, err := c.get(ctx, op, "/boost/orders/"+esc(id), nil)
	if err != nil {
		return BoostOrder{}, err
	}
	return c.oneBoostOrder(op, v)
}

func (c *Client) oneBoostOrder(op string, v any) (BoostOrder, error) {
	o, ok := objectOf(v, boostOrderContainers)
	if !ok {
		return BoostOrder{}, c.malformed(op, "order")
	}
	b := decodeBoostOrder(o)
	if b.ID == "" {
		return BoostOrder{}, c.malformed(op, "order id")
	}
	return b, nil
}

// BoostPurchase is the body of POST /boost/orders.
type BoostPurchase struct {
	ServiceID, Link string
	Quantity        int
	IdempotencyKey  string
}

// boostPurchaseBody follows market.md's example, where service_id is a
// string ("101").
type boostPurchaseBody struct {
	ServiceID      string `json:"service_id"`
	Link           string `json:"link"`
	Quantity       int    `json:"quantity"`
	IdempotencyKey string `json:"idempotency_key"`
}

// BuyBoost is POST /boost/orders.
func (c *Client) BuyBoost(ctx context.Context, p BoostPurchase) (Placed[BoostOrder], error) {
	op := fmt.Sprintf("buy boost (service %s ×%d)", p.ServiceID, p.Quantity)
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/boost/orders",
		JSON: boostPurchaseBody(p)})
	if err != nil {
		return Placed[BoostOrder]{}, err
	}
	return decodePlaced(v, boostOrderContainers, decodeBoostOrder, func(b BoostOrder) string { return b.ID }), nil
}

// CheckBoost is POST /boost/orders/{id}/check (a refresh, safe to repeat).
func (c *Client) CheckBoost(ctx context.Context, id string) (BoostOrder, error) {
	op := "check boost order " + id
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/boost/orders/" + esc(id) + "/check", Read: true})
	if err != nil {
		return BoostOrder{}, err
	}
	return c.oneBoostOrder(op, v)
}

// CancelBoost is POST /boost/orders/{id}/cancel; ok reports whether the
// answer carried the order.
func (c *Client) CancelBoost(ctx context.Context, id string) (order BoostOrder, ok bool, err error) {
	op := "cancel boost order " + id
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/boost/orders/" + esc(id) + "/cancel"})
	if err != nil {
		return BoostOrder{}, false, err
	}
	if o, has := objectOf(v, boostOrderContainers); has {
		if b := decodeBoostOrder(o); b.ID != "" {
			return b, true, nil
		}
	}
	return BoostOrder{}, false, nil
}

// --- logs ---------------------------------------------------------------------

// LogParentCategories is GET /logs/parent-categories.
func (c *Client) LogParentCategories(ctx context.Context) ([]LogParent, error) {
	const op = "list logs parent categories"
	v, err := c.get(ctx, op, "/logs/parent-categories", nil)
	if err != nil {
		return nil, err
	}
	out, ok := decodeLogParents(v)
	if !ok {
		return nil, c.malformed(op, "category list")
	}
	return out, nil
}

// LogCategories is one page of GET /logs/categories?per_page=&parent_category_id=.
func (c *Client) LogCategories(ctx context.Context, parentID string, page, perPage int) ([]LogCategory, Page, error) {
	const op = "list logs categories"
	q := pageQuery(page, perPage)
	if parentID != "" {
		q.Set("parent_category_id", parentID)
	}
	v, err := c.get(ctx, op, "/logs/categories", q)
	if err != nil {
		return nil, Page{}, err
	}
	out, p, ok := decodeLogCategories(v)
	if !ok {
		return nil, Page{}, c.malformed(op, "category list")
	}
	return out, p, nil
}

// LogCategory is GET /logs/categories/{id}.
func (c *Client) LogCategory(ctx context.Context, id string) (LogCategory, error) {
	op := "read logs category " + id
	v, err := c.get(ctx, op, "/logs/categories/"+esc(id), nil)
	if err != nil {
		return LogCategory{}, err
	}
	o, ok := objectOf(v, logCategoryContainer)
	if !ok {
		return LogCategory{}, c.malformed(op, "category")
	}
	lc := decodeLogCategory(o)
	if lc.ID == "" {
		lc.ID = id
	}
	return lc, nil
}

// LogOrders is one page of GET /logs/orders.
func (c *Client) LogOrders(ctx context.Context, page, perPage int) ([]LogOrder, Page, error) {
	const op = "list logs orders"
	v, err := c.get(ctx, op, "/logs/orders", pageQuery(page, perPage))
	if err != nil {
		return nil, Page{}, err
	}
	out, p, ok := decodeLogOrders(v)
	if !ok {
		return nil, Page{}, c.malformed(op, "order list")
	}
	return out, p, nil
}

// LogsPurchase is the body of POST /logs/orders.
type LogsPurchase struct {
	CategoryID     string
	Quantity       int
	IdempotencyKey string
}

type logsPurchaseBody struct {
	CategoryID     idValue `json:"category_id"`
	Quantity       int     `json:"quantity"`
	IdempotencyKey string  `json:"idempotency_key"`
}

// BuyLogs is POST /logs/orders.
func (c *Client) BuyLogs(ctx context.Context, p LogsPurchase) (Placed[LogOrder], error) {
	op := fmt.Sprintf("buy logs (category %s ×%d)", p.CategoryID, p.Quantity)
	v, err := c.call(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/logs/orders",
		JSON: logsPurchaseBody{CategoryID: idValue(p.CategoryID), Quantity: p.Quantity, IdempotencyKey: p.IdempotencyKey}})
	if err != nil {
		return Placed[LogOrder]{}, err
	}
	return decodePlaced(v, logsOrderContainers, decodeLogOrder, func(l LogOrder) string { return l.ID }), nil
}

// idValue is an id sent as a JSON number when it is one (market.md's
// examples send country_id 1, service_id 123, category_id 12) and as a
// string otherwise.
type idValue string

var plainInt = regexp.MustCompile(`^(0|[1-9][0-9]{0,14})$`)

func (v idValue) MarshalJSON() ([]byte, error) {
	if plainInt.MatchString(string(v)) {
		return []byte(v), nil
	}
	return json.Marshal(string(v))
}
