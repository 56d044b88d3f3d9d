package nonvoip

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// Product is one orderable product (/api/products, /api/country/products).
type Product struct {
	ID        string
	Name      string
	Price     decimal.Decimal
	HasPrice  bool
	Available int    // -1 when not given
	Category  string // the provider's group: "10-minutes", "30-days", "1-day", ...
	Type      string // Category folded to short_term / long_term / one_day / 3days
	Country   string // country-wise products
}

// Order is a placed (or reused) order as the provider answers it.
type Order struct {
	ID        string
	Status    string // the provider's word, kept raw: "Reserved", "Active", ...
	Number    string
	Service   string
	Type      string // short_term, long_term, one_day, 3days ("" when not given)
	Country   string
	ExpiresAt time.Time // from expiration seconds or the expires date-time
	Cost      decimal.Decimal
	HasCost   bool
}

// OrderResult is /api/order's answer: orders, or an offer that needs the
// operator's decision (Price_Change_Required, Premium_Available), or
// another info word the document does not list.
type OrderResult struct {
	Orders []Order
	Offer  *backend.Offer
	Info   string
}

// Activation is /api/activate's answer.
type Activation struct {
	Online string    // "online"
	Until  time.Time // end_on
	Note   string    // the sentence, when the answer has no details
}

// Renewal is /api/renew's answer.
type Renewal struct {
	ExpiresAt time.Time
	Note      string
}

// SMS is /api/getsms's answer: the latest SMS of an order, or Waiting when
// none has arrived yet.
type SMS struct {
	OrderID     string
	Number      string
	Service     string
	Type        string
	OrderStatus string // undocumented; kept when the server sends one
	Waiting     bool
	Text        string // sanitized
	Sender      string
	Code        string // pin when given, else extracted from the text
	MessageID   string
	ExpiresAt   time.Time // undocumented; zero unless the server sends one
}

// OrderRef names an order for the order actions: order_id when known (the
// document prefers it), else service and number.
type OrderRef struct {
	OrderID string
	Service string
	Number  string
}

func (r OrderRef) String() string {
	if r.OrderID != "" {
		return "order " + r.OrderID
	}
	return r.Service + " " + r.Number
}

// ProductQuery filters /api/products.
type ProductQuery struct {
	Type      string // short_term | long_term | one_day | 3days
	Grouped   bool
	ProductID string
}

// OrderParams is one /api/order call.
type OrderParams struct {
	ProductID        string
	ProductIDs       []string // 30-day multi-service, at most MaxProducts
	Auction          int      // premium bid percentage (10..2000)
	AcceptedMaxPrice *decimal.Decimal
}

// MaxProducts bounds product_ids on a 30-day order (the document: "Maximum
// 5 services").
const MaxProducts = 5

// Client is a typed client of the NonVoipUsNumber API for one account.
// Every call is a POST with the credentials in the JSON body; the body is
// never logged and both credentials are redacted from every error.
type Client struct {
	t        *transport.Client
	email    string
	password string
	now      func() time.Time
}

// auth is in every request body.
type auth struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type productsBody struct {
	auth
	Type      string      `json:"type,omitempty"`
	Grouped   bool        `json:"grouped,omitempty"`
	ProductID json.Number `json:"product_id,omitempty"`
}

type orderBody struct {
	auth
	ProductID        json.Number   `json:"product_id,omitempty"`
	ProductIDs       []json.Number `json:"product_ids,omitempty"`
	Auction          int           `json:"auction,omitempty"`
	AcceptedMaxPrice json.Number   `json:"accepted_max_price,omitempty"`
}

type countryOrderBody struct {
	auth
	ProductID json.Number `json:"product_id"`
}

type lookupBody struct {
	auth
	OrderID string `json:"order_id,omitempty"`
	Service string `json:"service,omitempty"`
	Number  string `json:"number,omitempty"`
}

type renewBody struct {
	lookupBody
	Duration string `json:"duration,omitempty"`
}

func (c *Client) auth() auth { return auth{Email: c.email, Password: c.password} }

// Transport is the underlying transport client (its budget and redaction).
func (c *Client) Transport() *transport.Client { return c.t }

// Balance reads the account balance (/api/balance).
func (c *Client) Balance(ctx context.Context) (decimal.Decimal, error) {
	const op = "read balance"
	resp, err := c.post(ctx, op, "/api/balance", c.auth(), true)
	if err != nil {
		return decimal.Decimal{}, err
	}
	b, err := decodeBalance(resp.Body)
	if err != nil {
		return decimal.Decimal{}, c.undecodable(op, resp, true, err)
	}
	return b, nil
}

// Products lists products with price and stock (/api/products).
func (c *Client) Products(ctx context.Context, q ProductQuery) ([]Product, error) {
	op := "list products"
	if q.Type != "" {
		op = "list " + q.Type + " products"
	}
	body := productsBody{auth: c.auth(), Type: q.Type, Grouped: q.Grouped}
	if q.ProductID != "" {
		n, err := productNumber(q.ProductID)
		if err != nil {
			return nil, c.t.Error(op, backend.ErrInvalid, 0, "", err.Error())
		}
		body.ProductID = n
		op = "read product " + q.ProductID
	}
	resp, err := c.post(ctx, op, "/api/products", body, true)
	if err != nil {
		return nil, err
	}
	ps, err := decodeProducts(resp.Body)
	if err != nil {
		return nil, c.undecodable(op, resp, true, err)
	}
	return ps, nil
}

// CountryProducts lists the country-wise inventory (/api/country/products).
func (c *Client) CountryProducts(ctx context.Context) ([]Product, error) {
	const op = "list country-wise products"
	resp, err := c.post(ctx, op, "/api/country/products", c.auth(), true)
	if err != nil {
		return nil, err
	}
	ps, err := decodeProducts(resp.Body)
	if err != nil {
		return nil, c.undecodable(op, resp, true, err)
	}
	for i := range ps {
		if ps[i].Type == "" {
			ps[i].Type = TypeCountry
		}
	}
	return ps, nil
}

// Order places a USA order (/api/order). It spends money: it is sent once,
// and a lost answer is ErrOutcomeUnknown.
func (c *Client) Order(ctx context.Context, p OrderParams) (OrderResult, error) {
	op := "order product " + p.ProductID
	if len(p.ProductIDs) > 0 {
		op = "order products " + strings.Join(p.ProductIDs, ", ")
	}
	body := orderBody{auth: c.auth(), Auction: p.Auction}
	switch {
	case len(p.ProductIDs) > MaxProducts:
		return OrderResult{}, c.t.Error(op, backend.ErrInvalid, 0, "",
			"at most "+strconv.Itoa(MaxProducts)+" services on one 30-day number")
	case len(p.ProductIDs) > 0:
		for _, id := range p.ProductIDs {
			n, err := productNumber(id)
			if err != nil {
				return OrderResult{}, c.t.Error(op, backend.ErrInvalid, 0, "", err.Error())
			}
			body.ProductIDs = append(body.ProductIDs, n)
		}
	default:
		n, err := productNumber(p.ProductID)
		if err != nil {
			return OrderResult{}, c.t.Error(op, backend.ErrInvalid, 0, "", err.Error())
		}
		body.ProductID = n
	}
	if p.Auction != 0 && (p.Auction < 10 || p.Auction > 2000) {
		return OrderResult{}, c.t.Error(op, backend.ErrInvalid, 0, "", "a premium bid is 10 to 2000 percent")
	}
	if p.AcceptedMaxPrice != nil {
		if !p.AcceptedMaxPrice.IsPositive() {
			return OrderResult{}, c.t.Error(op, backend.ErrInvalid, 0, "", "the accepted price must be above zero")
		}
		body.AcceptedMaxPrice = json.Number(p.AcceptedMaxPrice.String())
	}
	resp, err := c.post(ctx, op, "/api/order", body, false)
	if err != nil {
		return OrderResult{}, err
	}
	res, err := decodeOrderResult(resp.Body, c.now())
	if err != nil {
		return OrderResult{}, c.undecodable(op, resp, false, err)
	}
	if res.Offer == nil && res.Info != "" {
		return OrderResult{}, c.t.Error(op, backend.ErrRefused, resp.Status, res.Info,
			"the provider answered "+res.Info+" and placed no order")
	}
	return res, nil
}

// CountryOrder places a country-wise order (/api/country/order). Its
// success message is one object and its order_id may be a string
// ("sb_102030").
func (c *Client) CountryOrder(ctx context.Context, productID string) (Order, error) {
	op := "order country-wise product " + productID
	n, err := productNumber(productID)
	if err != nil {
		return Order{}, c.t.Error(op, backend.ErrInvalid, 0, "", err.Error())
	}
	resp, err := c.post(ctx, op, "/api/country/order", countryOrderBody{auth: c.auth(), ProductID: n}, false)
	if err != nil {
		return Order{}, err
	}
	res, err := decodeOrderResult(resp.Body, c.now())
	if err != nil {
		return Order{}, c.undecodable(op, resp, false, err)
	}
	if len(res.Orders) == 0 {
		word := res.Info
		if word == "" {
			word = "an offer"
		}
		return Order{}, c.t.Error(op, backend.ErrRefused, resp.Status, word,
			"the provider answered "+word+" and placed no order")
	}
	o := res.Orders[0]
	if o.Type == "" {
		o.Type = TypeCountry
	}
	return o, nil
}

// Reuse orders a short-term number again (/api/reuse). It spends money.
func (c *Client) Reuse(ctx context.Context, ref OrderRef) (OrderResult, error) {
	op := "reuse " + ref.String()
	resp, err := c.post(ctx, op, "/api/reuse", c.lookup(ref), false)
	if err != nil {
		return OrderResult{}, orderRefusal(err)
	}
	res, err := decodeOrderResult(resp.Body, c.now())
	if err != nil {
		return OrderResult{}, c.undecodable(op, resp, false, err)
	}
	if res.Offer == nil && res.Info != "" {
		return OrderResult{}, c.t.Error(op, backend.ErrRefused, resp.Status, res.Info,
			"the provider answered "+res.Info+" and did not reuse the number")
	}
	return res, nil
}

// Activate brings a long-term, 1-day or 3-day number online
// (/api/activate).
func (c *Client) Activate(ctx context.Context, ref OrderRef) (Activation, error) {
	op := "activate " + ref.String()
	resp, err := c.post(ctx, op, "/api/activate", c.lookup(ref), false)
	if err != nil {
		return Activation{}, orderRefusal(err)
	}
	a, err := decodeActivation(resp.Body)
	if err != nil {
		return Activation{}, c.undecodable(op, resp, false, err)
	}
	return a, nil
}

// Reject stops a reserved number before any SMS, with a refund
// (/api/reject). It returns the provider's sentence.
func (c *Client) Reject(ctx context.Context, ref OrderRef) (string, error) {
	op := "reject " + ref.String()
	resp, err := c.post(ctx, op, "/api/reject", c.lookup(ref), false)
	if err != nil {
		return "", orderRefusal(err)
	}
	msg, err := decodeReject(resp.Body)
	if err != nil {
		return "", c.undecodable(op, resp, false, err)
	}
	return msg, nil
}

// Renew extends a rented number (/api/renew); duration is optional ("30d").
func (c *Client) Renew(ctx context.Context, ref OrderRef, duration string) (Renewal, error) {
	op := "renew " + ref.String()
	resp, err := c.post(ctx, op, "/api/renew", renewBody{lookupBody: c.lookup(ref), Duration: duration}, false)
	if err != nil {
		return Renewal{}, orderRefusal(err)
	}
	r, err := decodeRenew(resp.Body, c.now())
	if err != nil {
		return Renewal{}, c.undecodable(op, resp, false, err)
	}
	return r, nil
}

// GetSMS reads an order's latest SMS (/api/getsms). "No SMS yet" comes back
// as SMS{Waiting: true} whatever its spelling (an empty sms or pin, or an
// error sentence meaning so); an order the provider does not know is
// ErrNotFound with Code CodeOrderNotFound.
func (c *Client) GetSMS(ctx context.Context, ref OrderRef) (SMS, error) {
	op := "read SMS of " + ref.String()
	resp, err := c.t.Do(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/api/getsms",
		JSON: c.lookup(ref), Read: true})
	if err != nil {
		return SMS{}, err
	}
	if w, ok := decodeError(resp.Body); ok && (resp.Status >= 400 || strings.EqualFold(strings.TrimSpace(string(w.Status)), "error")) {
		if noSMSYet(string(w.Message)) {
			return SMS{OrderID: ref.OrderID, Number: ref.Number, Service: ref.Service, Waiting: true}, nil
		}
		e := c.mapError(op, resp)
		if resp.Status == http.StatusNotFound || e.Kind == backend.ErrNotFound {
			// The document lists 404 for getsms: the order is gone.
			e.Kind, e.Code = backend.ErrNotFound, CodeOrderNotFound
		}
		return SMS{}, orderRefusal(e)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return SMS{}, orderRefusal(c.mapError(op, resp))
	}
	if transport.LooksHTML(resp.Body) {
		return SMS{}, c.undecodable(op, resp, true, errNotJSON)
	}
	s, err := decodeSMS(resp.Body, ref.OrderID, c.now())
	if err != nil {
		return SMS{}, c.undecodable(op, resp, true, err)
	}
	if s.Number == "" {
		s.Number = ref.Number
	}
	if s.Service == "" {
		s.Service = ref.Service
	}
	return s, nil
}

// CodeOrderNotFound is the Error.Code of a getsms answer saying the order
// does not exist (any JSON 404, or an error sentence saying so).
const CodeOrderNotFound = "order not found"

func (c *Client) lookup(ref OrderRef) lookupBody {
	b := lookupBody{auth: c.auth(), OrderID: ref.OrderID}
	if ref.OrderID == "" {
		b.Service, b.Number = ref.Service, ref.Number
	}
	return b
}

// post sends one call and returns a 2xx answer whose envelope is not an
// error; everything else becomes a *backend.Error.
func (c *Client) post(ctx context.Context, op, path string, body any, read bool) (*transport.Response, error) {
	resp, err := c.t.Do(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: path, JSON: body, Read: read})
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, c.mapError(op, resp)
	}
	if transport.LooksHTML(resp.Body) {
		return nil, c.undecodable(op, resp, read, errNotJSON)
	}
	if env, err := decodeEnvelope(resp.Body); err == nil && env.status() == "error" {
		return nil, c.mapError(op, resp)
	}
	return resp, nil
}

// productNumber checks a product id: the document types it as an integer.
func productNumber(id string) (json.Number, error) {
	id = strings.TrimSpace(id)
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return "", &numberError{id}
	}
	return json.Number(id), nil
}

type numberError struct{ id string }

func (e *numberError) Error() string {
	return "product id " + strconv.Quote(transport.Snippet(e.id)) + " is not a number"
}
