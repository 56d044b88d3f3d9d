package fivesim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// DefaultBaseURL is 5sim's documented base (everything before /user/...).
const DefaultBaseURL = "https://5sim.net/v1"

// guestCacheTTL keeps catalogue answers (prices, products, countries) this
// long: /guest/prices is large even filtered and changes slowly.
const guestCacheTTL = 60 * time.Second

// Client is a typed client for 5sim's API v1: one method per documented
// call the program uses. All calls are GETs; those that change state
// (buy, reuse, finish, cancel, ban) are never retried once sent.
type Client struct {
	t   *transport.Client
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedBody
}

type cachedBody struct {
	at   time.Time
	body []byte
}

// NewClient builds a client on a transport configured for one account.
func NewClient(t *transport.Client) *Client {
	return &Client{t: t, now: time.Now, cache: map[string]cachedBody{}}
}

// Transport is the underlying HTTP client (budget, base URL).
func (c *Client) Transport() *transport.Client { return c.t }

// authorize adds the bearer key. The guest catalogue calls are public and
// documented without a key, so the key is not sent there; the flash call
// is documented with one.
func authorize(key string) func(*http.Request) {
	return func(r *http.Request) {
		p := r.URL.Path
		if i := strings.Index(p, "/guest/"); i >= 0 && !strings.HasPrefix(p[i:], "/guest/flash/") {
			return
		}
		r.Header.Set("Authorization", "Bearer "+key)
	}
}

// call sends one GET and returns the body when it is a JSON object with a
// 2xx status; anything else becomes a *backend.Error.
func (c *Client) call(ctx context.Context, op, path string, q url.Values, write bool) (*transport.Response, error) {
	r, err := c.t.Do(ctx, transport.Request{Op: op, Method: http.MethodGet, Path: path, Query: q, Read: !write})
	if err != nil {
		return nil, err
	}
	if r.Status < 200 || r.Status >= 300 || !isObject(r.Body) {
		return nil, c.answerError(op, r, write)
	}
	return r, nil
}

// guest is call for cacheable public catalogue reads.
func (c *Client) guest(ctx context.Context, op, path string, q url.Values) (*transport.Response, error) {
	key := path + "?" + q.Encode()
	c.mu.Lock()
	e, ok := c.cache[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < guestCacheTTL {
		return &transport.Response{Status: http.StatusOK, Body: e.body}, nil
	}
	r, err := c.call(ctx, op, path, q, false)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cache[key] = cachedBody{at: c.now(), body: r.Body}
	c.mu.Unlock()
	return r, nil
}

func idPath(verb string, id int64) string { return "/user/" + verb + "/" + strconv.FormatInt(id, 10) }

// Profile reads GET /user/profile: balance, frozen balance and rating.
func (c *Client) Profile(ctx context.Context) (Profile, error) {
	const op = "read profile"
	r, err := c.call(ctx, op, "/user/profile", nil, false)
	if err != nil {
		return Profile{}, err
	}
	p, err := DecodeProfile(r.Body)
	if err != nil {
		return Profile{}, c.decodeError(op, r, err, false)
	}
	return p, nil
}

// Orders reads one page of GET /user/orders?category=…, newest first
// (order=id, reverse=true).
func (c *Client) Orders(ctx context.Context, category string, limit, offset int) (OrderList, error) {
	op := "list " + category + " orders"
	q := url.Values{
		"category": {category},
		"limit":    {strconv.Itoa(limit)},
		"offset":   {strconv.Itoa(offset)},
		"order":    {"id"},
		"reverse":  {"true"},
	}
	r, err := c.call(ctx, op, "/user/orders", q, false)
	if err != nil {
		return OrderList{}, err
	}
	l, n, err := DecodeOrderList(r.Body)
	if err != nil {
		return OrderList{}, c.decodeError(op, r, err, false)
	}
	l.PageLen = n
	return l, nil
}

// AllOrders pages GET /user/orders until a short page (Total is not
// trusted), reading at most maxPages pages of pageSize.
func (c *Client) AllOrders(ctx context.Context, category string, pageSize, maxPages int) ([]Order, error) {
	var out []Order
	for page := 0; page < maxPages; page++ {
		l, err := c.Orders(ctx, category, pageSize, page*pageSize)
		if err != nil {
			return out, err
		}
		out = append(out, l.Data...)
		if l.PageLen < pageSize {
			break
		}
	}
	return out, nil
}

// Check reads GET /user/check/{id}.
func (c *Client) Check(ctx context.Context, id int64) (Order, error) {
	return c.order(ctx, fmt.Sprintf("check order %d", id), idPath("check", id), nil, false)
}

// Finish ends an order that got its code: GET /user/finish/{id}.
func (c *Client) Finish(ctx context.Context, id int64) (Order, error) {
	return c.order(ctx, fmt.Sprintf("finish order %d", id), idPath("finish", id), nil, true)
}

// Cancel cancels an order without SMS (refund): GET /user/cancel/{id}.
func (c *Client) Cancel(ctx context.Context, id int64) (Order, error) {
	return c.order(ctx, fmt.Sprintf("cancel order %d", id), idPath("cancel", id), nil, true)
}

// Ban reports the number as banned by the service: GET /user/ban/{id}.
func (c *Client) Ban(ctx context.Context, id int64) (Order, error) {
	return c.order(ctx, fmt.Sprintf("ban order %d", id), idPath("ban", id), nil, true)
}

// Inbox reads a hosting order's SMS: GET /user/sms/inbox/{id}.
func (c *Client) Inbox(ctx context.Context, id int64) (Inbox, error) {
	op := fmt.Sprintf("read SMS inbox of order %d", id)
	r, err := c.call(ctx, op, "/user/sms/inbox/"+strconv.FormatInt(id, 10), nil, false)
	if err != nil {
		return Inbox{}, err
	}
	in, err := DecodeInbox(r.Body)
	if err != nil {
		return Inbox{}, c.decodeError(op, r, err, false)
	}
	return in, nil
}

// BuyOptions are the optional query parameters of an activation purchase.
type BuyOptions struct {
	Forwarding       bool
	ForwardingNumber string // Russian numbers only, 11 digits, no '+'
	Reuse            bool   // reuse=1: the number can be bought again later
	Voice            bool   // voice=1: accept a call from a robot
	Ref              string // referral key
}

func (o BuyOptions) query() url.Values {
	q := url.Values{}
	if o.Forwarding {
		q.Set("forwarding", "1")
		if o.ForwardingNumber != "" {
			q.Set("number", strings.TrimPrefix(o.ForwardingNumber, "+"))
		}
	}
	if o.Reuse {
		q.Set("reuse", "1")
	}
	if o.Voice {
		q.Set("voice", "1")
	}
	if o.Ref != "" {
		q.Set("ref", o.Ref)
	}
	if len(q) == 0 {
		return nil
	}
	return q
}

// BuyActivation buys an activation number:
// GET /user/buy/activation/{country}/{operator}/{product}.
func (c *Client) BuyActivation(ctx context.Context, country, operator, product string, opt BuyOptions) (Order, error) {
	op := fmt.Sprintf("buy %s number (%s, %s)", product, country, operator)
	path := "/user/buy/activation/" + url.PathEscape(country) + "/" + url.PathEscape(operator) + "/" + url.PathEscape(product)
	return c.order(ctx, op, path, opt.query(), true)
}

// BuyHosting rents a hosting number for 3hours or 1day:
// GET /user/buy/hosting/{country}/{operator}/{product}.
func (c *Client) BuyHosting(ctx context.Context, country, operator, product string) (Order, error) {
	op := fmt.Sprintf("rent %s hosting number (%s, %s)", product, country, operator)
	path := "/user/buy/hosting/" + url.PathEscape(country) + "/" + url.PathEscape(operator) + "/" + url.PathEscape(product)
	return c.order(ctx, op, path, nil, true)
}

// Reuse buys a finished number again: GET /user/reuse/{product}/{number}
// (number without '+').
func (c *Client) Reuse(ctx context.Context, product, number string) (Order, error) {
	number = strings.TrimPrefix(strings.TrimSpace(number), "+")
	op := fmt.Sprintf("re-buy %s on +%s", product, number)
	return c.order(ctx, op, "/user/reuse/"+url.PathEscape(product)+"/"+url.PathEscape(number), nil, true)
}

// order sends a call answered by one order. Success is a JSON object with
// an id, whatever the status ("no free phones" may come with HTTP 200).
func (c *Client) order(ctx context.Context, op, path string, q url.Values, write bool) (Order, error) {
	r, err := c.call(ctx, op, path, q, write)
	if err != nil {
		return Order{}, err
	}
	o, err := DecodeOrder(r.Body)
	if err != nil {
		return Order{}, c.decodeError(op, r, err, write)
	}
	return o, nil
}

// Products reads GET /guest/products/{country}/{operator} ("any" allowed).
func (c *Client) Products(ctx context.Context, country, operator string) ([]Product, error) {
	op := fmt.Sprintf("read products (%s, %s)", country, operator)
	r, err := c.guest(ctx, op, "/guest/products/"+url.PathEscape(country)+"/"+url.PathEscape(operator), nil)
	if err != nil {
		return nil, err
	}
	ps, err := DecodeProducts(r.Body)
	if err != nil {
		return nil, c.decodeError(op, r, err, false)
	}
	return ps, nil
}

// Prices reads GET /guest/prices filtered by country and/or product. The
// unfiltered list is several megabytes, so at least one filter is needed.
func (c *Client) Prices(ctx context.Context, country, product string) (Prices, error) {
	op := "read prices"
	if country == "" && product == "" {
		return nil, c.t.Error(op, backend.ErrInvalid, 0, "", "prices need a country or a product filter")
	}
	q := url.Values{}
	if country != "" {
		q.Set("country", country)
	}
	if product != "" {
		q.Set("product", product)
	}
	op = "read prices (" + strings.Trim(country+" "+product, " ") + ")"
	r, err := c.guest(ctx, op, "/guest/prices", q)
	if err != nil {
		return nil, err
	}
	ps, err := DecodePrices(r.Body)
	if err != nil {
		return nil, c.decodeError(op, r, err, false)
	}
	return ps, nil
}

// Countries reads GET /guest/countries.
func (c *Client) Countries(ctx context.Context) ([]Country, error) {
	const op = "read countries"
	r, err := c.guest(ctx, op, "/guest/countries", nil)
	if err != nil {
		return nil, err
	}
	cs, err := DecodeCountries(r.Body)
	if err != nil {
		return nil, c.decodeError(op, r, err, false)
	}
	return cs, nil
}

// Flash reads the notification banner: GET /guest/flash/{lang} (ru|en).
func (c *Client) Flash(ctx context.Context, lang string) (Flash, error) {
	const op = "read notification"
	r, err := c.call(ctx, op, "/guest/flash/"+url.PathEscape(lang), nil, false)
	if err != nil {
		return Flash{}, err
	}
	f, err := DecodeFlash(r.Body)
	if err != nil {
		return Flash{}, c.decodeError(op, r, err, false)
	}
	return f, nil
}
