package fivesim

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/otp"
	"switchboard/backend/sanitize"
)

// This file holds 5sim's wire formats and tolerant decoders. Every string
// leaves a decoder already sanitized (sanitize.Line for names, Text for SMS
// bodies, Code for codes), so nothing downstream sees raw provider text.
// Numbers may come as JSON numbers or strings and are all read by
// backend.ParseAmount (strict: a decimal comma is understood, "1,500" is
// ambiguous and so unknown, never misread); amounts are backend.Money,
// unknown when absent or unreadable. Unknown fields are ignored,
// unknown status words are kept, timestamps are RFC 3339 with or without
// fractional seconds and decoded to UTC (an unreadable timestamp is zero,
// not a failure: one odd field must not hide an order and its code).

// Order states as 5sim spells them. RECEIVED means "number live, collecting
// SMS", not "a code arrived".
const (
	StatusPending  = "PENDING"
	StatusReceived = "RECEIVED"
	StatusCanceled = "CANCELED"
	StatusTimeout  = "TIMEOUT"
	StatusFinished = "FINISHED"
	StatusBanned   = "BANNED"
)

// Order categories.
const (
	CategoryActivation = "activation"
	CategoryHosting    = "hosting"
)

// Profile is GET /user/profile.
type Profile struct {
	ID                      int64
	Email                   string
	Vendor                  string
	DefaultForwardingNumber string
	Balance                 backend.Money
	FrozenBalance           backend.Money
	Rating                  float64
	HasRating               bool
	DefaultCountry          CountryRef
	DefaultOperator         string
}

// CountryRef is the profile's default country.
type CountryRef struct{ Name, ISO, Prefix string }

// Order is one activation or hosting order (buy, check, finish, cancel,
// ban and the orders listing all answer with this shape).
type Order struct {
	ID               int64
	Phone            string
	Operator         string
	Product          string
	Price            backend.Money
	Status           string // as sent (sanitized), unknown words kept
	Expires          time.Time
	CreatedAt        time.Time
	SMS              []SMS // nil when 5sim sent null (a new order)
	Forwarding       bool
	ForwardingNumber string
	Country          string
}

// SMS is one message of an order or of a hosting inbox.
type SMS struct {
	ID        string // 5sim's id when it sends one (hosting, inbox), else ""
	CreatedAt time.Time
	Date      time.Time // when the SMS was received
	Sender    string
	Text      string // sanitize.Text
	// Code is 5sim's own code (sanitized); Extracted is otp.Extract on the
	// raw text, for when 5sim sent none.
	Code      string
	Extracted string
}

// BestCode is 5sim's code when it gave one, else the extracted one.
func (m SMS) BestCode() string {
	if m.Code != "" {
		return m.Code
	}
	return m.Extracted
}

// When is the time the SMS was received (date), else when 5sim stored it.
func (m SMS) When() time.Time {
	if !m.Date.IsZero() {
		return m.Date
	}
	return m.CreatedAt
}

// OrderList is GET /user/orders.
type OrderList struct {
	Data         []Order
	ProductNames []string
	Statuses     []string
	Total        int64 // unreliable: page until a short page instead
	// PageLen counts the entries the page carried, readable or not, so a
	// short page is recognised even when an entry was skipped.
	PageLen int
}

// Inbox is GET /user/sms/inbox/{id}.
type Inbox struct {
	Data  []SMS
	Total int64
}

// Product is one entry of GET /guest/products/{country}/{operator}.
type Product struct {
	Name     string
	Category string
	Qty      int64
	Price    backend.Money
}

// Price is one leaf of GET /guest/prices.
type Price struct {
	Cost    backend.Money
	Count   int64
	Rate    float64 // 0 when omitted (under 20 % or too few orders)
	HasRate bool
}

// Prices is GET /guest/prices: outer key → middle key → operator. With a
// country filter the outer key is the country and the middle one the
// product; with only a product filter it is product → country.
type Prices map[string]map[string]map[string]Price

// Country is one entry of GET /guest/countries.
type Country struct {
	Name      string // the key 5sim uses in paths ("russia")
	TextEN    string
	TextRU    string
	ISO       []string
	Prefixes  []string
	Operators map[string][]string // operator → categories it sells ("activation", "hosting")
}

// Flash is GET /guest/flash/{lang}.
type Flash struct{ Text string }

// --- wire structs -----------------------------------------------------------

type wireProfile struct {
	ID                      flexInt   `json:"id"`
	Email                   flexStr   `json:"email"`
	Vendor                  flexStr   `json:"vendor"`
	DefaultForwardingNumber flexStr   `json:"default_forwarding_number"`
	Balance                 flexNum   `json:"balance"`
	Rating                  flexNum   `json:"rating"`
	FrozenBalance           flexNum   `json:"frozen_balance"`
	DefaultCountry          *struct { // "array" in the document, an object in its example
		Name   flexStr `json:"name"`
		ISO    flexStr `json:"iso"`
		Prefix flexStr `json:"prefix"`
	} `json:"default_country"`
	DefaultOperator *struct {
		Name flexStr `json:"name"`
	} `json:"default_operator"`
}

type wireOrder struct {
	ID               flexInt   `json:"id"`
	Phone            flexStr   `json:"phone"`
	Operator         flexStr   `json:"operator"`
	Product          flexStr   `json:"product"`
	Price            flexNum   `json:"price"`
	Status           flexStr   `json:"status"`
	Expires          flexTime  `json:"expires"`
	SMS              []wireSMS `json:"sms"`
	CreatedAt        flexTime  `json:"created_at"`
	Forwarding       flexBool  `json:"forwarding"`
	ForwardingNumber flexStr   `json:"forwarding_number"`
	Country          flexStr   `json:"country"`
}

// wireSMS also matches the inbox's "ID" (encoding/json matches keys
// case-insensitively).
type wireSMS struct {
	ID        flexStr  `json:"id"`
	CreatedAt flexTime `json:"created_at"`
	Date      flexTime `json:"date"`
	Sender    flexStr  `json:"sender"`
	Text      flexStr  `json:"text"`
	Code      flexStr  `json:"code"`
}

type wireOrderList struct {
	Data         []json.RawMessage `json:"Data"`
	ProductNames []flexStr         `json:"ProductNames"`
	Statuses     []flexStr         `json:"Statuses"`
	Total        flexInt           `json:"Total"`
}

type wireInbox struct {
	Data  []json.RawMessage `json:"Data"`
	Total flexInt           `json:"Total"`
}

type wireProduct struct {
	Category flexStr `json:"Category"`
	Qty      flexInt `json:"Qty"`
	Price    flexNum `json:"Price"`
}

type wirePrice struct {
	Cost  flexNum `json:"cost"`
	Count flexInt `json:"count"`
	Rate  flexNum `json:"rate"`
}

// --- decoders ---------------------------------------------------------------

var errNotObject = errors.New("not a JSON object")

// isObject reports whether b is a JSON object (after whitespace).
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// DecodeProfile decodes GET /user/profile.
func DecodeProfile(b []byte) (Profile, error) {
	if !isObject(b) {
		return Profile{}, errNotObject
	}
	var w wireProfile
	if err := json.Unmarshal(b, &w); err != nil {
		return Profile{}, err
	}
	p := Profile{
		ID:                      int64(w.ID),
		Email:                   line(w.Email),
		Vendor:                  line(w.Vendor),
		DefaultForwardingNumber: line(w.DefaultForwardingNumber),
		Balance:                 w.Balance.money(),
		FrozenBalance:           w.FrozenBalance.money(),
		HasRating:               w.Rating.set,
	}
	p.Rating, _ = w.Rating.dec().Float64()
	if c := w.DefaultCountry; c != nil {
		p.DefaultCountry = CountryRef{Name: line(c.Name), ISO: line(c.ISO), Prefix: line(c.Prefix)}
	}
	if o := w.DefaultOperator; o != nil {
		p.DefaultOperator = line(o.Name)
	}
	return p, nil
}

// DecodeOrder decodes one order (buy, check, finish, cancel, ban). It
// fails unless the body is a JSON object with an id: that, not the HTTP
// status, is what a successful purchase looks like.
func DecodeOrder(b []byte) (Order, error) {
	if !isObject(b) {
		return Order{}, errNotObject
	}
	var w wireOrder
	if err := json.Unmarshal(b, &w); err != nil {
		return Order{}, err
	}
	if w.ID <= 0 {
		return Order{}, errors.New("order has no id")
	}
	return w.order(), nil
}

func (w wireOrder) order() Order {
	o := Order{
		ID:               int64(w.ID),
		Phone:            line(w.Phone),
		Operator:         line(w.Operator),
		Product:          line(w.Product),
		Price:            w.Price.money(),
		Status:           strings.ToUpper(strings.TrimSpace(line(w.Status))),
		Expires:          w.Expires.t,
		CreatedAt:        w.CreatedAt.t,
		Forwarding:       bool(w.Forwarding),
		ForwardingNumber: line(w.ForwardingNumber),
		Country:          line(w.Country),
	}
	if w.SMS != nil {
		o.SMS = make([]SMS, 0, len(w.SMS))
		for _, m := range w.SMS {
			o.SMS = append(o.SMS, m.sms())
		}
	}
	return o
}

func (w wireSMS) sms() SMS {
	return SMS{
		ID:        strings.TrimSpace(line(w.ID)),
		CreatedAt: w.CreatedAt.t,
		Date:      w.Date.t,
		Sender:    line(w.Sender),
		Text:      sanitize.Text(string(w.Text)),
		Code:      sanitize.Code(string(w.Code)),
		Extracted: sanitize.Code(otp.Extract(string(w.Text))),
	}
}

// DecodeOrderList decodes GET /user/orders. An order that cannot be read
// is skipped rather than hiding the rest of the page; it still counts for
// the page length (see Short).
func DecodeOrderList(b []byte) (OrderList, int, error) {
	if !isObject(b) {
		return OrderList{}, 0, errNotObject
	}
	var w wireOrderList
	if err := json.Unmarshal(b, &w); err != nil {
		return OrderList{}, 0, err
	}
	l := OrderList{Total: int64(w.Total)}
	for _, raw := range w.Data {
		var o wireOrder
		if json.Unmarshal(raw, &o) != nil || o.ID <= 0 {
			continue
		}
		l.Data = append(l.Data, o.order())
	}
	for _, s := range w.ProductNames {
		l.ProductNames = append(l.ProductNames, line(s))
	}
	for _, s := range w.Statuses {
		l.Statuses = append(l.Statuses, line(s))
	}
	return l, len(w.Data), nil
}

// DecodeInbox decodes GET /user/sms/inbox/{id}.
func DecodeInbox(b []byte) (Inbox, error) {
	if !isObject(b) {
		return Inbox{}, errNotObject
	}
	var w wireInbox
	if err := json.Unmarshal(b, &w); err != nil {
		return Inbox{}, err
	}
	in := Inbox{Total: int64(w.Total)}
	for _, raw := range w.Data {
		var m wireSMS
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		in.Data = append(in.Data, m.sms())
	}
	return in, nil
}

// DecodeProducts decodes GET /guest/products/{country}/{operator}, sorted
// by name.
func DecodeProducts(b []byte) ([]Product, error) {
	if !isObject(b) {
		return nil, errNotObject
	}
	var w map[string]json.RawMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	out := make([]Product, 0, len(w))
	for name, raw := range w {
		var p wireProduct
		if json.Unmarshal(raw, &p) != nil {
			continue
		}
		out = append(out, Product{Name: line(flexStr(name)), Category: strings.ToLower(line(p.Category)),
			Qty: int64(p.Qty), Price: p.Price.money()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DecodePrices decodes GET /guest/prices (any filter). Leaves that are not
// price objects are skipped.
func DecodePrices(b []byte) (Prices, error) {
	if !isObject(b) {
		return nil, errNotObject
	}
	var w map[string]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	out := Prices{}
	for k1, m1 := range w {
		o1 := map[string]map[string]Price{}
		for k2, m2 := range m1 {
			o2 := map[string]Price{}
			for k3, raw := range m2 {
				var p wirePrice
				if json.Unmarshal(raw, &p) != nil {
					continue
				}
				rate, _ := p.Rate.dec().Float64()
				o2[line(flexStr(k3))] = Price{Cost: p.Cost.money(), Count: int64(p.Count), Rate: rate, HasRate: p.Rate.set}
			}
			o1[line(flexStr(k2))] = o2
		}
		out[line(flexStr(k1))] = o1
	}
	return out, nil
}

// DecodeCountries decodes GET /guest/countries: every key of a country
// other than iso, prefix and text_* is an operator with the categories it
// sells. Sorted by name.
func DecodeCountries(b []byte) ([]Country, error) {
	if !isObject(b) {
		return nil, errNotObject
	}
	var w map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	out := make([]Country, 0, len(w))
	for name, fields := range w {
		c := Country{Name: line(flexStr(name)), Operators: map[string][]string{}}
		for k, raw := range fields {
			switch k {
			case "iso":
				c.ISO = flagKeys(raw)
			case "prefix":
				c.Prefixes = flagKeys(raw)
			case "text_en":
				var s flexStr
				_ = json.Unmarshal(raw, &s)
				c.TextEN = line(s)
			case "text_ru":
				var s flexStr
				_ = json.Unmarshal(raw, &s)
				c.TextRU = line(s)
			default:
				if cats := flagKeys(raw); cats != nil {
					c.Operators[line(flexStr(k))] = cats
				}
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// flagKeys reads {"af":1} style objects: the keys whose value is truthy.
// It returns nil when raw is not such an object.
func flagKeys(raw json.RawMessage) []string {
	var m map[string]flexNum
	if !isObject(raw) || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := []string{}
	for k, v := range m {
		if !v.set || !v.dec().IsZero() {
			out = append(out, line(flexStr(k)))
		}
	}
	sort.Strings(out)
	return out
}

// DecodeFlash decodes GET /guest/flash/{lang}.
func DecodeFlash(b []byte) (Flash, error) {
	if !isObject(b) {
		return Flash{}, errNotObject
	}
	var w struct {
		Text flexStr `json:"text"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return Flash{}, err
	}
	return Flash{Text: sanitize.Text(string(w.Text))}, nil
}

func line(s flexStr) string { return sanitize.Line(string(s)) }

// --- tolerant scalars -------------------------------------------------------

// flexStr accepts a string, a number or a bool (as its JSON text) and null.
type flexStr string

func (s *flexStr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	if b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexStr(v)
		return nil
	}
	if b[0] == '{' || b[0] == '[' {
		return nil // not a scalar: ignore rather than fail the whole body
	}
	*s = flexStr(b)
	return nil
}

// flexNum is a number sent as a JSON number or a string, read by
// backend.ParseAmount; set reports that it was present and readable. A
// non-number, an ambiguous "1,500" or an exponent counts as absent: one
// odd field must not hide the rest of the body, and a guess must not
// become an amount.
type flexNum struct {
	d   decimal.Decimal
	set bool
}

func (n *flexNum) UnmarshalJSON(b []byte) error {
	var s flexStr
	if err := s.UnmarshalJSON(b); err != nil {
		return nil
	}
	if d, err := backend.ParseAmount(string(s)); err == nil {
		n.d, n.set = d, true
	}
	return nil
}

// money is the number as an amount in 5sim's unnamed currency, unknown
// when it was absent or unreadable.
func (n flexNum) money() backend.Money {
	if !n.set {
		return backend.Money{}
	}
	return backend.NewMoney(n.d, "")
}

func (n flexNum) dec() decimal.Decimal { return n.d }

// flexInt is an integer id or count sent as a number or a string.
type flexInt int64

func (i *flexInt) UnmarshalJSON(b []byte) error {
	var n flexNum
	if err := n.UnmarshalJSON(b); err != nil || !n.set {
		return err
	}
	if n.d.GreaterThan(decimal.NewFromInt(1<<62)) || n.d.LessThan(decimal.NewFromInt(-(1 << 62))) {
		return nil
	}
	*i = flexInt(n.d.IntPart())
	return nil
}

// flexBool accepts true/false, "true"/"false", 1/0 and null.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*v = true
	default:
		*v = false
	}
	return nil
}

// flexTime is an RFC 3339 time with or without fractional seconds (5sim
// sends nanoseconds), decoded to UTC; zero when absent or unreadable.
type flexTime struct{ t time.Time }

func (ft *flexTime) UnmarshalJSON(b []byte) error {
	var s flexStr
	if err := s.UnmarshalJSON(b); err != nil {
		return nil
	}
	ft.t = parseTime(string(s))
	return nil
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 1e9 && n < 1e11 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}
