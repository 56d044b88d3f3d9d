package nonvoip

// Wire formats of the NonVoipUsNumber API (nonvoip.openapi.json) and their
// tolerant decoders. Everything the provider sends is decoded here into the
// client's types, with every string passed through sanitize where it
// enters: the rest of the package never sees raw provider text (except the
// SMS text, which only feeds the code extractor and the message id).
//
// Tolerance rules, because the document is thin and the server is a PHP
// application: numbers may arrive as strings and strings as numbers;
// unknown fields are ignored; a single object is accepted where a list is
// documented and the reverse; unknown status words are kept raw; times are
// "2006-01-02 15:04:05" (UTC) or RFC 3339 with or without fractions.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/otp"
	"switchboard/backend/sanitize"
)

// flexString is a JSON string, number or boolean kept as text. null, an
// object or an array decode to "" (never an error: an odd field must not
// sink the whole answer).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null" || b[0] == '{' || b[0] == '[':
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		*f = flexString(b)
	}
	return nil
}

// flexInt is an integer sent as a number or a numeric string. Anything else
// decodes to 0 with ok false.
type flexInt struct {
	V  int64
	OK bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = parseFlexInt(string(s))
	return nil
}

func parseFlexInt(s string) flexInt {
	s = strings.TrimSpace(s)
	if s == "" {
		return flexInt{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return flexInt{V: n, OK: true}
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) && math.Abs(x) < 1e15 {
		return flexInt{V: int64(x), OK: true}
	}
	return flexInt{}
}

// flexDecimal is an amount sent as "0.36" or 0.36, read strictly by
// backend.ParseAmount: anything it refuses ("1,500", "$4", "1e9") is
// unknown (OK false), never a guess.
type flexDecimal struct {
	V  decimal.Decimal
	OK bool
}

func (f *flexDecimal) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	d, err := backend.ParseAmount(string(s))
	*f = flexDecimal{V: d, OK: err == nil}
	return nil
}

// wireTimeLayouts are the date-time spellings the API uses; zone-less ones
// are UTC (the document says so for expires, end_on and X-RateLimit-Reset).
var wireTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseWireTime reads a provider date-time, in loc when it names no zone;
// the zero time when it cannot be read.
func parseWireTime(s string, loc *time.Location) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range wireTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// zoneNamed resolves the activate answer's "timezone"; unknown names fall
// back to UTC, which is what the provider documents everywhere else.
func zoneNamed(name string) *time.Location {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "UTC") || strings.EqualFold(name, "GMT") || len(name) > 64 {
		return time.UTC
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// envelope is every answer's outer shape: {status, message}. message is a
// list, an object or a sentence depending on the call.
type envelope struct {
	Status  flexString      `json:"status"`
	Message json.RawMessage `json:"message"`
}

func (e envelope) status() string { return strings.ToLower(strings.TrimSpace(string(e.Status))) }

// messageText is the envelope's message when it is a sentence (errors,
// reject); for anything else it is "".
func (e envelope) messageText() string {
	var s flexString
	_ = json.Unmarshal(e.Message, &s)
	return string(s)
}

var errNotJSON = errors.New("answer is not a JSON object")

func decodeEnvelope(body []byte) (envelope, error) {
	var e envelope
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return e, errNotJSON
	}
	if err := json.Unmarshal(t, &e); err != nil {
		return e, err
	}
	return e, nil
}

// objects decodes a message that is documented as a list of objects but
// may arrive as a single object.
func objects[T any](raw json.RawMessage) ([]T, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	if t[0] == '{' {
		var one T
		if err := json.Unmarshal(t, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	}
	if t[0] != '[' {
		return nil, errors.New("message is neither a list nor an object")
	}
	// Decode item by item so one odd element does not sink the rest.
	var items []json.RawMessage
	if err := json.Unmarshal(t, &items); err != nil {
		return nil, err
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		var v T
		if err := json.Unmarshal(it, &v); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// --- balance --------------------------------------------------------------

type wireBalance struct {
	Status  flexString  `json:"status"`
	Balance flexDecimal `json:"balance"`
}

func decodeBalance(body []byte) (decimal.Decimal, error) {
	var w wireBalance
	if err := json.Unmarshal(bytes.TrimSpace(body), &w); err != nil {
		return decimal.Decimal{}, err
	}
	if !w.Balance.OK {
		return decimal.Decimal{}, errors.New("no balance in the answer")
	}
	return w.Balance.V, nil
}

// --- products ---------------------------------------------------------------

type wireProduct struct {
	ProductID flexString  `json:"product_id"`
	ID        flexString  `json:"id"`
	Name      flexString  `json:"name"`
	Price     flexDecimal `json:"price"`
	Available flexInt     `json:"available"`
	Category  flexString  `json:"category"`
	Country   flexString  `json:"country"`
}

func (w wireProduct) product(category string) (Product, bool) {
	id := strings.TrimSpace(string(w.ProductID))
	if id == "" {
		id = strings.TrimSpace(string(w.ID))
	}
	if id == "" {
		return Product{}, false
	}
	if c := string(w.Category); c != "" {
		category = c
	}
	p := Product{
		ID:        sanitize.Line(id),
		Name:      sanitize.Line(string(w.Name)),
		Price:     w.Price.V,
		HasPrice:  w.Price.OK,
		Available: -1,
		Category:  sanitize.Line(category),
		Type:      normalType(category),
		Country:   sanitize.Line(string(w.Country)),
	}
	if w.Available.OK {
		p.Available = int(max(min(w.Available.V, math.MaxInt32), 0))
	}
	return p, true
}

// decodeProducts reads /api/products and /api/country/products: message is
// a list, or (grouped=true) an object of category → list, whose keys
// become each product's Category.
func decodeProducts(body []byte) ([]Product, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return nil, err
	}
	t := bytes.TrimSpace(env.Message)
	var out []Product
	if len(t) > 0 && t[0] == '{' {
		var groups map[string]json.RawMessage
		if err := json.Unmarshal(t, &groups); err != nil {
			return nil, err
		}
		// A single product object (product_id query) also starts with '{'.
		if _, single := groups["product_id"]; single {
			return productList(t, "")
		}
		keys := make([]string, 0, len(groups))
		for k := range groups {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, err := productList(groups[k], k)
			if err != nil {
				continue
			}
			out = append(out, ps...)
		}
		return out, nil
	}
	return productList(t, "")
}

func productList(raw json.RawMessage, category string) ([]Product, error) {
	ws, err := objects[wireProduct](raw)
	if err != nil {
		return nil, err
	}
	out := make([]Product, 0, len(ws))
	for _, w := range ws {
		if p, ok := w.product(category); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// --- orders -----------------------------------------------------------------

type wireOrder struct {
	OrderID        flexString  `json:"order_id"`
	ID             flexString  `json:"id"`
	Status         flexString  `json:"status"`
	Number         flexString  `json:"number"`
	Service        flexString  `json:"service"`
	Type           flexString  `json:"type"`
	Country        flexString  `json:"country"`
	Expiration     flexInt     `json:"expiration"`      // short-term: seconds from now
	TillExpiration flexInt     `json:"till_expiration"` // reuse: seconds from now
	Expires        flexString  `json:"expires"`         // long-term / 1-day: UTC date-time
	ExpiresAt      flexString  `json:"expires_at"`      // country-wise
	Cost           flexDecimal `json:"cost"`
	Price          flexDecimal `json:"price"`
}

func (w wireOrder) order(now time.Time) (Order, bool) {
	id := strings.TrimSpace(string(w.OrderID))
	if id == "" {
		id = strings.TrimSpace(string(w.ID))
	}
	if id == "" {
		return Order{}, false
	}
	o := Order{
		ID:      sanitize.Line(id),
		Status:  sanitize.Line(strings.TrimSpace(string(w.Status))),
		Number:  sanitize.Line(strings.TrimSpace(string(w.Number))),
		Service: sanitize.Line(strings.TrimSpace(string(w.Service))),
		Type:    normalType(string(w.Type)),
		Country: sanitize.Line(strings.TrimSpace(string(w.Country))),
	}
	switch {
	case w.Cost.OK:
		o.Cost, o.HasCost = w.Cost.V, true
	case w.Price.OK:
		o.Cost, o.HasCost = w.Price.V, true
	}
	// Seconds-from-now wins over a wall-clock date: it cannot be skewed by
	// a zone the document does not state.
	secs := w.Expiration
	if !secs.OK || secs.V <= 0 {
		secs = w.TillExpiration
	}
	switch {
	case secs.OK && secs.V > 0 && secs.V < 10*365*24*3600:
		o.ExpiresAt = now.Add(time.Duration(secs.V) * time.Second).UTC()
	case string(w.Expires) != "":
		o.ExpiresAt = parseWireTime(string(w.Expires), time.UTC)
	case string(w.ExpiresAt) != "":
		o.ExpiresAt = parseWireTime(string(w.ExpiresAt), time.UTC)
	}
	return o, true
}

type wireInfo struct {
	Info           flexString  `json:"info"`
	QuotedPrice    flexDecimal `json:"quoted_price"`
	AllowedPrice   flexDecimal `json:"allowed_price"`
	AvailablePrice flexDecimal `json:"available_price"`
	RecommendedBid flexInt     `json:"recommended_bid"`
}

// decodeOrderResult reads /api/order and /api/reuse answers: a list of
// orders on success, or an "info" answer that asks the operator to accept
// a price change or a premium bid.
func decodeOrderResult(body []byte, now time.Time) (OrderResult, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return OrderResult{}, err
	}
	if env.status() == "info" {
		infos, err := objects[wireInfo](env.Message)
		if err != nil {
			return OrderResult{}, err
		}
		for _, in := range infos {
			word := strings.TrimSpace(string(in.Info))
			switch infoKey(word) {
			case "pricechangerequired":
				return OrderResult{Offer: &backend.Offer{
					Kind:      backend.OfferPriceChange,
					Quoted:    in.QuotedPrice.V,
					Allowed:   in.AllowedPrice.V,
					Available: in.AvailablePrice.V,
				}}, nil
			case "premiumavailable":
				bid := int(max(min(in.RecommendedBid.V, 100000), 0))
				return OrderResult{Offer: &backend.Offer{Kind: backend.OfferPremium, RecommendedBid: bid}}, nil
			}
			if word != "" {
				return OrderResult{Info: sanitize.Line(word)}, nil
			}
		}
		if s := env.messageText(); s != "" {
			return OrderResult{Info: sanitize.Line(s)}, nil
		}
		return OrderResult{}, errors.New("info answer without an info word")
	}
	ws, err := objects[wireOrder](env.Message)
	if err != nil {
		return OrderResult{}, err
	}
	var res OrderResult
	for _, w := range ws {
		if o, ok := w.order(now); ok {
			res.Orders = append(res.Orders, o)
		}
	}
	if len(res.Orders) == 0 {
		return OrderResult{}, errors.New("no order in the answer")
	}
	return res, nil
}

// infoKey folds "Price_Change_Required", "price change required", ... to
// one spelling.
func infoKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// --- activate, reject, renew ------------------------------------------------

type wireActivation struct {
	OnlineStatus flexString `json:"online_status"`
	EndOn        flexString `json:"end_on"`
	Timezone     flexString `json:"timezone"`
}

func decodeActivation(body []byte) (Activation, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return Activation{}, err
	}
	ws, err := objects[wireActivation](env.Message)
	if err != nil {
		return Activation{}, err
	}
	var a Activation
	for _, w := range ws {
		a.Online = sanitize.Line(strings.TrimSpace(string(w.OnlineStatus)))
		a.Until = parseWireTime(string(w.EndOn), zoneNamed(string(w.Timezone)))
		break
	}
	if a.Online == "" && a.Until.IsZero() {
		a.Note = sanitize.Line(env.messageText())
	}
	return a, nil
}

func decodeReject(body []byte) (string, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return "", err
	}
	return sanitize.Line(strings.TrimSpace(env.messageText())), nil
}

type wireRenew struct {
	Status     flexString `json:"status"`
	Expiration flexString `json:"expiration"`
	Expires    flexString `json:"expires"`
	Message    flexString `json:"message"`
}

// decodeRenew reads the new expiry: "expiration" is a UTC date-time in the
// document's example (not seconds as on orders); a bare number is taken as
// seconds from now all the same.
func decodeRenew(body []byte, now time.Time) (Renewal, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return Renewal{}, errNotJSON
	}
	var w wireRenew
	if err := json.Unmarshal(t, &w); err != nil {
		return Renewal{}, err
	}
	r := Renewal{Note: sanitize.Line(string(w.Message))}
	for _, v := range []string{string(w.Expiration), string(w.Expires)} {
		if v == "" {
			continue
		}
		if tm := parseWireTime(v, time.UTC); !tm.IsZero() {
			r.ExpiresAt = tm
			break
		}
		if n := parseFlexInt(v); n.OK && n.V > 0 && n.V < 10*365*24*3600 {
			r.ExpiresAt = now.Add(time.Duration(n.V) * time.Second).UTC()
			break
		}
	}
	return r, nil
}

// --- getsms -----------------------------------------------------------------

type wireSMS struct {
	Status      flexString `json:"status"`
	OrderID     flexString `json:"order_id"`
	Number      flexString `json:"number"`
	Service     flexString `json:"service"`
	SMS         flexString `json:"sms"`
	Pin         flexString `json:"pin"`
	Code        flexString `json:"code"`
	Sender      flexString `json:"sender"`
	From        flexString `json:"from"`
	Type        flexString `json:"type"`
	OrderStatus flexString `json:"order_status"`
	// Undocumented but plausible: an expiry on the SMS answer. Read when
	// present (Settle uses it to see a renewal).
	Expires    flexString `json:"expires"`
	ExpiresAt  flexString `json:"expires_at"`
	Expiration flexString `json:"expiration"`
	Message    flexString `json:"message"`
}

// decodeSMS reads /api/getsms for order id. An answer without sms text is
// "no SMS yet" (the document does not say what that looks like).
func decodeSMS(body []byte, orderID string, now time.Time) (SMS, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return SMS{}, errNotJSON
	}
	var w wireSMS
	if err := json.Unmarshal(t, &w); err != nil {
		return SMS{}, err
	}
	s := SMS{
		OrderID:     sanitize.Line(strings.TrimSpace(string(w.OrderID))),
		Number:      sanitize.Line(strings.TrimSpace(string(w.Number))),
		Service:     sanitize.Line(strings.TrimSpace(string(w.Service))),
		Type:        normalType(string(w.Type)),
		OrderStatus: sanitize.Line(strings.TrimSpace(string(w.OrderStatus))),
	}
	if s.OrderID == "" {
		s.OrderID = sanitize.Line(orderID)
	}
	for _, v := range []string{string(w.Expires), string(w.ExpiresAt), string(w.Expiration)} {
		if tm := parseWireTime(v, time.UTC); !tm.IsZero() {
			s.ExpiresAt = tm
			break
		}
	}
	raw := clipText(string(w.SMS))
	if strings.TrimSpace(raw) == "" {
		s.Waiting = true
		return s, nil
	}
	sender := string(w.Sender)
	if sender == "" {
		sender = string(w.From)
	}
	pin := string(w.Pin)
	if pin == "" {
		pin = string(w.Code)
	}
	s.Text = sanitize.Text(raw)
	s.Sender = sanitize.Line(strings.TrimSpace(sender))
	s.Code = pickCode(pin, raw)
	s.MessageID = messageID(orderID, raw)
	return s, nil
}

// maxSMSText bounds an SMS text: a real one is a few hundred bytes, and a
// hostile answer must not make the code extractor or the screen chew
// megabytes.
const maxSMSText = 4096

// clipText cuts s to maxSMSText bytes on a rune boundary.
func clipText(s string) string {
	if len(s) <= maxSMSText {
		return s
	}
	cut := maxSMSText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// pickCode: the provider's own code wins, else the one extracted from the
// raw text.
func pickCode(providerCode, rawText string) string {
	if c := sanitize.Code(strings.TrimSpace(providerCode)); c != "" {
		return c
	}
	return sanitize.Code(otp.Extract(rawText))
}

// messageID is a message's stable id. getsms and the callback carry no
// message id and no date, so it is a hash of the order id and the raw
// text: the same SMS seen by polling and by callback gets the same id.
func messageID(orderID, rawText string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(orderID) + "\x00" + rawText))
	return "nv-" + hex.EncodeToString(h[:8])
}

// --- errors -----------------------------------------------------------------

type wireError struct {
	Status     flexString `json:"status"`
	Message    flexString `json:"message"`
	Error      flexString `json:"error"`
	Limit      flexInt    `json:"limit"`
	RetryAfter flexInt    `json:"retryAfter"`
}

// decodeError reads {status:"error", message}; the text is raw (the error
// mapper sanitizes it).
func decodeError(body []byte) (wireError, bool) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return wireError{}, false
	}
	var w wireError
	if err := json.Unmarshal(t, &w); err != nil {
		return wireError{}, false
	}
	if w.Message == "" {
		w.Message = w.Error
	}
	return w, true
}

// retryAfterBody is transport's hook for the 429 body's retryAfter
// (seconds).
func retryAfterBody(body []byte) time.Duration {
	w, ok := decodeError(body)
	if !ok || !w.RetryAfter.OK || w.RetryAfter.V <= 0 {
		return 0
	}
	return time.Duration(min(w.RetryAfter.V, 3600)) * time.Second
}

// --- callbacks --------------------------------------------------------------

type wireCallback struct {
	Event   flexString      `json:"event"`
	Message json.RawMessage `json:"message"`
}

type wireCallbackItem struct {
	OrderID    flexString `json:"order_id"`
	Number     flexString `json:"number"`
	Service    flexString `json:"service"`
	Sender     flexString `json:"sender"`
	SMS        flexString `json:"sms"`
	Code       flexString `json:"code"`
	Type       flexString `json:"type"`
	Expiration flexInt    `json:"expiration"`
}

// Callback is one decoded callback event.
type Callback struct {
	Event string
	Items []CallbackItem
}

// CallbackItem is one order a callback speaks of; SMS fields are set for
// incoming_message.
type CallbackItem struct {
	OrderID string
	Number  string
	Service string
	Type    string
	// Coarse: Type came as an abbreviation (see coarseType), a class
	// rather than the order's type.
	Coarse    bool
	Sender    string
	Text      string // sanitized
	Code      string
	MessageID string
	ExpiresAt time.Time
}

func decodeCallback(body []byte, now time.Time) (Callback, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return Callback{}, errNotJSON
	}
	var w wireCallback
	if err := json.Unmarshal(t, &w); err != nil {
		return Callback{}, err
	}
	cb := Callback{Event: sanitize.Line(strings.TrimSpace(string(w.Event)))}
	items, err := objects[wireCallbackItem](w.Message)
	if err != nil {
		return Callback{}, err
	}
	for _, it := range items {
		id := strings.TrimSpace(string(it.OrderID))
		if id == "" {
			continue
		}
		ci := CallbackItem{
			OrderID: sanitize.Line(id),
			Number:  sanitize.Line(strings.TrimSpace(string(it.Number))),
			Service: sanitize.Line(strings.TrimSpace(string(it.Service))),
			Type:    normalType(string(it.Type)),
			Coarse:  coarseType(string(it.Type)),
			Sender:  sanitize.Line(strings.TrimSpace(string(it.Sender))),
		}
		if raw := clipText(string(it.SMS)); strings.TrimSpace(raw) != "" {
			ci.Text = sanitize.Text(raw)
			ci.Code = pickCode(string(it.Code), raw)
			ci.MessageID = messageID(id, raw)
		}
		if it.Expiration.OK && it.Expiration.V > 0 && it.Expiration.V < 10*365*24*3600 {
			ci.ExpiresAt = now.Add(time.Duration(it.Expiration.V) * time.Second).UTC()
		}
		cb.Items = append(cb.Items, ci)
	}
	return cb, nil
}

// coarseType reports the callbacks' abbreviated type words. The document's
// only example sends "str" (short-term rental) and defines no list; "ltr"
// is its plausible long-term counterpart. Such a word tells a 10-minute
// number from a rental but not the order's type (a country-wise order, a
// 1-day or a 3-day rental are not 30-day numbers), so it must not replace
// the type Switchboard knows: a 1-day line retyped long_term would renew
// for 30 days.
func coarseType(s string) bool {
	switch infoKey(s) {
	case "str", "ltr":
		return true
	}
	return false
}

// --- order types ------------------------------------------------------------

// Order types as Switchboard names them (BuyRequest.Category, Line.Kind).
const (
	TypeShortTerm = "short_term"
	TypeLongTerm  = "long_term"
	TypeOneDay    = "one_day"
	TypeThreeDays = "3days"
	TypeCountry   = "country"
)

// normalType folds the provider's spellings of an order type ("str" in the
// callback example, "10-minutes" in grouped products, ...) to one word;
// unknown words are kept (sanitized).
func normalType(s string) string {
	k := infoKey(s)
	switch k {
	case "":
		return ""
	case "shortterm", "short", "str", "10minutes", "10minute", "tenminutes":
		return TypeShortTerm
	case "longterm", "long", "ltr", "30days", "30day", "monthly":
		return TypeLongTerm
	case "oneday", "1day", "day", "24hours":
		return TypeOneDay
	case "3days", "3day", "threedays", "legacy":
		return TypeThreeDays
	case "country", "countrywise", "country_wise":
		return TypeCountry
	}
	return sanitize.Line(strings.TrimSpace(s))
}
