package market

// ============================================================================
// shapes.go — ASSUMED RESPONSE SHAPES OF THE MARKETPLACE "API v1".
//
// market.md documents paths, request bodies and the error body; it shows no
// successful answer at all. Every guess this adapter makes about an answer —
// envelopes, where a list sits, pagination meta, the several names a value
// may go by, status words, time layouts, currency symbols — is in THIS FILE
// and nowhere else, so a correction is one edit here. Each list of names is
// tried in order (exact key, then case-insensitively); the first present,
// non-null value wins. Unknown fields are ignored everywhere.
// ============================================================================

import (
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/otp"
	"switchboard/backend/sanitize"
)

// --- envelopes and lists ----------------------------------------------------

var (
	// {success: true, data: …} (or {status: "success", data: …}); answers
	// may also come bare.
	envelopeFlag = []string{"success", "status"}
	envelopeData = []string{"data", "result", "payload"}

	// Keys a list may sit under, after any envelope; a paginator object
	// under one of them is searched in turn (Laravel: data.data).
	commonListKeys    = []string{"data", "items", "results", "records", "list"}
	numberOrderLists  = append([]string{"orders", "number_orders", "numbers"}, commonListKeys...)
	boostOrderLists   = append([]string{"orders", "boost_orders"}, commonListKeys...)
	logsOrderLists    = append([]string{"orders", "log_orders", "logs_orders"}, commonListKeys...)
	countryLists      = append([]string{"countries"}, commonListKeys...)
	serviceLists      = append([]string{"services"}, commonListKeys...)
	areaCodeLists     = append([]string{"area_codes", "areaCodes", "codes"}, commonListKeys...)
	boostCategoryList = append([]string{"categories"}, commonListKeys...)
	logParentLists    = append([]string{"parent_categories", "parentCategories", "categories", "parents"}, commonListKeys...)
	logCategoryLists  = append([]string{"categories", "log_categories"}, commonListKeys...)

	// A PHP array serialised as {"12": {…}} gets its key as this field.
	keyedListID = []string{"id"}

	// Laravel pagination: top-level current_page/last_page/per_page/total
	// (LengthAwarePaginator) or the same under "meta", "next_page_url" or
	// links.next.
	pageMetaKeys  = []string{"meta", "pagination"}
	pageLinksKeys = []string{"links"}
	pageCurrent   = []string{"current_page", "currentPage", "page"}
	pageLast      = []string{"last_page", "lastPage", "total_pages", "pages"}
	pagePer       = []string{"per_page", "perPage", "limit"}
	pageTotal     = []string{"total", "total_count", "count"}
	pageNext      = []string{"next_page_url", "next"}

	// Where the one object of a single-object answer sits.
	walletContainers      = []string{"wallet", "data"}
	numberOrderContainers = []string{"order", "number_order", "data"}
	boostOrderContainers  = []string{"order", "boost_order", "data"}
	logsOrderContainers   = []string{"order", "log_order", "logs_order", "data"}
	boostServiceContainer = []string{"service", "data"}
	logCategoryContainer  = []string{"category", "data"}
	// A purchase answer may carry the new balance beside the order.
	purchaseLevel   = []string{"data"}
	balanceAfter    = []string{"balance", "wallet_balance", "new_balance", "balance_after", "remaining_balance"}
	balanceAfterObj = []string{"wallet"}
)

// --- common values ----------------------------------------------------------

var (
	idNames          = []string{"id", "uuid"}
	nameNames        = []string{"name", "title", "label"}
	currencyNames    = []string{"currency", "currency_code", "currencyCode", "wallet_currency"}
	currencyInner    = []string{"code", "iso", "name", "symbol"}
	moneyAmountInner = []string{"amount", "value", "balance"}
	createdNames     = []string{"created_at", "createdAt", "ordered_at", "purchased_at", "date"}
	updatedNames     = []string{"updated_at", "updatedAt"}
	idempotencyNames = []string{"idempotency_key", "idempotencyKey"}
	stockNames       = []string{"stock", "available", "in_stock", "quantity_available", "count", "qty", "quantity"}
	statusNames      = []string{"status", "state", "status_text"}
)

// currencySymbols names the currency behind a sign the API may use instead
// of a code (the marketplace often prices in naira).
var currencySymbols = map[string]string{
	"₦": "NGN", "N": "NGN", "$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₹": "INR",
	"₽": "RUB", "GH₵": "GHS", "₵": "GHS", "KSh": "KES", "R": "ZAR",
}

// timeLayouts are tried in order; layouts without a zone are read as UTC
// (Laravel's default application time zone).
var timeLayouts = []string{
	time.RFC3339Nano, // also "2026-05-03T12:34:56.000000Z", Laravel's serialisation
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05.000000",
	"2006-01-02 15:04",
	"2006-01-02",
}

// --- wallet -----------------------------------------------------------------

var walletBalance = []string{"balance", "available_balance", "wallet_balance", "main_balance", "amount"}

// Wallet is GET /wallet. Unreadable is the balance as sent when it is not
// an amount that reads one way only ("1,500").
type Wallet struct {
	Balance              decimal.Decimal
	Currency, Unreadable string
}

func decodeWallet(v any) (Wallet, bool) {
	o, ok := objectOf(v, walletContainers)
	if !ok {
		return Wallet{}, false
	}
	bal, ok := o.amount(walletBalance)
	if !ok {
		return Wallet{Unreadable: sanitize.Line(o.raw(walletBalance))}, false
	}
	cur := currencyOf(o)
	if cur == "" {
		if b := o.child(walletBalance); b != nil {
			cur = currencyOf(b)
		}
	}
	if cur == "" {
		cur = currencyInAmount(o.raw(walletBalance))
	}
	return Wallet{Balance: bal, Currency: cur}, true
}

// currencyOf reads a currency code, an object carrying one, or a sign.
func currencyOf(o obj) string {
	var s string
	if c := o.child(currencyNames); c != nil {
		s = c.str(currencyInner)
	} else {
		s = o.str(currencyNames)
	}
	return normCurrency(s)
}

func normCurrency(s string) string {
	s = strings.TrimSpace(s)
	if code, ok := currencySymbols[s]; ok {
		return code
	}
	if len(s) == 3 && isLetters(s) {
		return strings.ToUpper(s)
	}
	return sanitize.Line(s)
}

// currencyInAmount reads "₦1,500.00", "NGN 1500" or "1.500,00 NGN" as NGN.
func currencyInAmount(s string) string {
	s = strings.TrimSpace(s)
	lead := strings.TrimSpace(strings.TrimRightFunc(s, amountRune))
	trail := strings.TrimSpace(strings.TrimLeftFunc(s, amountRune))
	for _, c := range []string{lead, trail} {
		if c == "" {
			continue
		}
		if code, ok := currencySymbols[c]; ok {
			return code
		}
		if len(c) == 3 && isLetters(c) {
			return strings.ToUpper(c)
		}
	}
	return ""
}

func isLetters(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// --- numbers catalogue ------------------------------------------------------

var (
	countryID    = []string{"id", "country_id", "countryId"}
	countryName  = []string{"name", "country", "country_name", "title"}
	countryCode  = []string{"code", "iso", "iso2", "iso_code", "short_name", "country_code"}
	serviceID    = []string{"id", "service_id", "serviceId"}
	serviceName  = []string{"name", "service", "service_name", "title"}
	priceNames   = []string{"price", "selling_price", "amount", "cost", "unit_price", "rate"}
	successRate  = []string{"success_rate", "delivery_rate", "successRate"}
	areaCodeCode = []string{"code", "area_code", "areaCode", "value", "id"}
	areaCodeName = []string{"name", "city", "region", "state", "label", "location"}
)

// Country is one entry of GET /numbers/countries.
type Country struct{ ID, Name, Code string }

// NumberService is one entry of GET /numbers/services.
type NumberService struct {
	ID, Name, Currency string
	Price              decimal.Decimal
	HasPrice           bool
	Stock              int // -1 when unknown
	SuccessRate        float64
}

// AreaCode is one entry of GET /numbers/area-codes.
type AreaCode struct {
	Code, Name, Currency string
	Price                decimal.Decimal
	HasPrice             bool
	Stock                int
}

func decodeCountries(v any) ([]Country, bool) {
	l, _, ok := listOf(v, countryLists)
	if !ok {
		return nil, false
	}
	var out []Country
	for _, o := range objects(l, "name") {
		c := Country{ID: o.str(countryID), Name: o.named(countryName, nameNames), Code: o.str(countryCode)}
		if c.ID == "" {
			c.ID = c.Code
		}
		if c.ID != "" {
			out = append(out, c)
		}
	}
	return out, true
}

func decodeNumberServices(v any) ([]NumberService, bool) {
	l, _, ok := listOf(v, serviceLists)
	if !ok {
		return nil, false
	}
	var out []NumberService
	for _, o := range objects(l, "name") {
		s := NumberService{ID: o.str(serviceID), Name: o.named(serviceName, nameNames), Currency: currencyOf(o), Stock: stockOf(o)}
		s.Price, s.HasPrice = o.amount(priceNames)
		if s.Currency == "" {
			s.Currency = currencyInAmount(o.raw(priceNames))
		}
		if r, ok := o.amount(successRate); ok {
			s.SuccessRate, _ = r.Float64()
		}
		if s.ID == "" {
			s.ID = s.Name
		}
		if s.ID != "" {
			out = append(out, s)
		}
	}
	return out, true
}

func decodeAreaCodes(v any) ([]AreaCode, bool) {
	l, _, ok := listOf(v, areaCodeLists)
	if !ok {
		return nil, false
	}
	var out []AreaCode
	for _, o := range objects(l, "code") {
		a := AreaCode{Code: o.str(areaCodeCode), Name: o.str(areaCodeName), Currency: currencyOf(o), Stock: stockOf(o)}
		a.Price, a.HasPrice = o.amount(priceNames)
		if a.Code != "" {
			out = append(out, a)
		}
	}
	return out, true
}

func stockOf(o obj) int {
	if n, ok := o.integer(stockNames); ok && n >= 0 {
		return n
	}
	return -1
}

// --- number orders ----------------------------------------------------------

var (
	orderID        = []string{"id", "order_id", "orderId", "uuid", "reference"}
	orderNumber    = []string{"phone", "number", "phone_number", "phoneNumber", "msisdn", "phone_no"}
	orderService   = []string{"service", "service_name", "serviceName", "product"}
	orderServiceID = []string{"service_id", "serviceId"}
	orderCountry   = []string{"country", "country_name", "countryName"}
	orderCountryID = []string{"country_id", "countryId"}
	orderAreaCode  = []string{"area_code", "selected_area_code", "areaCode"}
	orderPrice     = []string{"price", "amount", "cost", "charge", "charged", "total", "total_price"}
	orderExpires   = []string{"expires_at", "expire_at", "expiresAt", "expiry", "expires", "valid_until", "expiration"}
	// When an early cancel becomes possible, if the order says.
	orderCancelAt = []string{"cancel_available_at", "can_cancel_at", "cancellable_at"}
	// The order's own code and SMS text ("message" is left out on purpose:
	// on an order it is as likely to be an envelope's "Order created").
	orderCode   = []string{"otp", "sms_code", "otp_code", "verification_code", "code", "pin"}
	orderSMS    = []string{"sms", "sms_text", "full_sms", "sms_message", "sms_content", "otp_message", "text"}
	orderSMSAt  = []string{"code_received_at", "sms_received_at", "otp_received_at", "received_at"}
	orderSMSFrm = []string{"sender", "sms_sender", "from"}
	// A list of SMS on the order.
	smsLists  = []string{"messages", "sms_messages", "smses", "sms_list", "otps", "sms"}
	smsID     = []string{"id", "sms_id", "message_id"}
	smsText   = []string{"text", "message", "sms", "body", "content", "full_sms"}
	smsCode   = []string{"code", "otp", "pin", "sms_code"}
	smsSender = []string{"sender", "from", "originator"}
	smsAt     = []string{"received_at", "created_at", "date", "time", "receivedAt"}
)

// SMS is one message on a number order.
type SMS struct {
	ID, Sender, Text, Code string
	RawDate                string // as sent, for stable message ids
	At                     time.Time
}

// NumberOrder is one number order.
type NumberOrder struct {
	ID, Number, Service, ServiceID, Country, CountryID string
	Status, AreaCode, Currency, IdempotencyKey         string
	Code                                               string // the order's own code field
	Price                                              decimal.Decimal
	HasPrice                                           bool
	CreatedAt, UpdatedAt, ExpiresAt, CancelAt          time.Time
	SMS                                                []SMS
}

func decodeNumberOrder(o obj) NumberOrder {
	n := NumberOrder{
		ID:             o.str(orderID),
		Number:         o.str(orderNumber),
		Service:        o.named(orderService, nameNames),
		ServiceID:      o.str(orderServiceID),
		Country:        o.named(orderCountry, nameNames),
		CountryID:      o.str(orderCountryID),
		Status:         o.str(statusNames),
		AreaCode:       o.str(orderAreaCode),
		Currency:       currencyOf(o),
		IdempotencyKey: o.str(idempotencyNames),
		Code:           sanitize.Code(o.raw(orderCode)),
		CreatedAt:      o.when(createdNames),
		UpdatedAt:      o.when(updatedNames),
		ExpiresAt:      o.when(orderExpires),
		CancelAt:       o.when(orderCancelAt),
	}
	if n.ServiceID == "" {
		if s := o.child(orderService); s != nil {
			n.ServiceID = s.str(idNames)
		}
	}
	if n.CountryID == "" {
		if c := o.child(orderCountry); c != nil {
			n.CountryID = c.str(idNames)
		}
	}
	n.Price, n.HasPrice = o.amount(orderPrice)
	if n.Currency == "" {
		n.Currency = currencyInAmount(o.raw(orderPrice))
	}
	if v, ok := o.get(smsLists); ok {
		switch t := v.(type) {
		case []any:
			for _, m := range objects(t, "text") {
				n.SMS = append(n.SMS, decodeSMS(m))
			}
		case map[string]any:
			n.SMS = append(n.SMS, decodeSMS(obj(t)))
		}
	}
	if len(n.SMS) == 0 {
		if text := o.text(orderSMS); text != "" || n.Code != "" {
			raw := o.raw(orderSMSAt)
			n.SMS = append(n.SMS, SMS{Text: text, Code: codeOf(n.Code, o.raw(orderSMS)), Sender: o.str(orderSMSFrm),
				RawDate: sanitize.Line(raw), At: parseTime(raw)})
		}
	}
	// Messages with neither text nor code say nothing.
	kept := n.SMS[:0]
	for _, m := range n.SMS {
		if m.Text != "" || m.Code != "" {
			kept = append(kept, m)
		}
	}
	n.SMS = kept
	return n
}

func decodeSMS(o obj) SMS {
	raw := o.raw(smsAt)
	return SMS{ID: o.str(smsID), Sender: o.str(smsSender), Text: o.text(smsText),
		Code: codeOf(sanitize.Code(o.raw(smsCode)), o.raw(smsText)), RawDate: sanitize.Line(raw), At: parseTime(raw)}
}

// codeOf: the provider's code wins; else the code picked out of the raw
// SMS text.
func codeOf(provider, rawText string) string {
	if provider != "" {
		return provider
	}
	return sanitize.Code(otp.Extract(rawText))
}

func decodeNumberOrders(v any) ([]NumberOrder, Page, bool) {
	l, page, ok := listOf(v, numberOrderLists)
	if !ok {
		return nil, page, false
	}
	var out []NumberOrder
	for _, o := range objects(l, "") {
		if n := decodeNumberOrder(o); n.ID != "" {
			out = append(out, n)
		}
	}
	return out, page, true
}

// numberState maps the order's status word. A waiting order with a code
// counts as received.
func numberState(raw string, hasCode bool) backend.LineState {
	w := normWord(raw)
	switch w {
	case "pending", "waiting", "active", "processing", "awaiting", "awaiting sms", "waiting sms",
		"waiting for sms", "in progress", "inprogress", "ongoing", "new", "reserved", "open", "live":
		if hasCode {
			return backend.LineReceived
		}
		return backend.LineWaiting
	case "received", "code received", "sms received", "otp received", "delivered":
		return backend.LineReceived
	case "completed", "complete", "finished", "done", "success", "successful", "closed", "used":
		return backend.LineFinished
	case "cancelled", "canceled", "refunded", "rejected", "failed", "error", "declined":
		return backend.LineCanceled
	case "expired", "expire":
		return backend.LineExpired
	case "timeout", "timed out", "time out":
		return backend.LineTimeout
	case "banned", "blocked":
		return backend.LineBanned
	case "":
		if hasCode {
			return backend.LineReceived
		}
	}
	return backend.LineUnknown
}

// --- boost ------------------------------------------------------------------

var (
	boostCategoryName = []string{"name", "category", "title", "label"}
	boostServiceID    = []string{"id", "service_id", "serviceId", "service"}
	boostServiceName  = []string{"name", "title", "service_name"}
	boostServiceCat   = []string{"category", "category_name"}
	// SMM panels price boosts per 1000.
	boostRate      = []string{"rate", "price", "price_per_1000", "rate_per_1000", "cost"}
	boostMin       = []string{"min", "min_quantity", "minimum", "min_order"}
	boostMax       = []string{"max", "max_quantity", "maximum", "max_order"}
	boostRefill    = []string{"refill", "refillable", "has_refill"}
	boostCancel    = []string{"cancel", "cancellable", "cancelable", "can_cancel", "is_cancellable"}
	boostOrderSvc  = []string{"service", "service_name", "serviceName"}
	boostOrderSID  = []string{"service_id", "serviceId"}
	boostLink      = []string{"link", "url", "target", "target_url"}
	boostQuantity  = []string{"quantity", "qty", "amount_ordered"}
	boostRemains   = []string{"remains", "remaining", "remain"}
	boostStart     = []string{"start_count", "startCount", "start"}
	boostCharge    = []string{"charge", "price", "amount", "cost", "total", "total_price"}
	boostCanCancel = []string{"can_cancel", "cancellable", "cancelable", "is_cancellable"}
	boostReason    = []string{"error", "reason", "failure_reason", "error_message", "note"}
)

// BoostCategory is one entry of GET /boost/categories. Name is what
// /boost/services?category= takes.
type BoostCategory struct{ ID, Name string }

// BoostService is one boosting service; Rate is its price per 1000.
type BoostService struct {
	ID, Name, Category, Currency string
	Rate                         decimal.Decimal
	HasRate                      bool
	Min, Max                     int
	Refill, Cancel               bool
}

// BoostOrder is one boosting order.
type BoostOrder struct {
	ID, ServiceID, Service, Link, Status, Currency, Reason, IdempotencyKey string
	Quantity, Remains, StartCount                                          int
	HasRemains                                                             bool
	Charge                                                                 decimal.Decimal
	HasCharge                                                              bool
	CanCancel                                                              *bool
	CreatedAt, UpdatedAt                                                   time.Time
}

func decodeBoostCategories(v any) ([]BoostCategory, bool) {
	l, _, ok := listOf(v, boostCategoryList)
	if !ok {
		return nil, false
	}
	var out []BoostCategory
	for _, o := range objects(l, "name") {
		c := BoostCategory{ID: o.str(idNames), Name: o.str(boostCategoryName)}
		if c.Name != "" {
			out = append(out, c)
		}
	}
	return out, true
}

func decodeBoostService(o obj) BoostService {
	s := BoostService{ID: o.str(boostServiceID), Name: o.str(boostServiceName),
		Category: o.named(boostServiceCat, nameNames), Currency: currencyOf(o)}
	s.Rate, s.HasRate = o.amount(boostRate)
	if s.Currency == "" {
		s.Currency = currencyInAmount(o.raw(boostRate))
	}
	s.Min, _ = o.integer(boostMin)
	s.Max, _ = o.integer(boostMax)
	s.Refill, _ = o.boolean(boostRefill)
	s.Cancel, _ = o.boolean(boostCancel)
	return s
}

func decodeBoostServices(v any) ([]BoostService, bool) {
	l, _, ok := listOf(v, serviceLists)
	if !ok {
		return nil, false
	}
	var out []BoostService
	for _, o := range objects(l, "") {
		if s := decodeBoostService(o); s.ID != "" {
			out = append(out, s)
		}
	}
	return out, true
}

func decodeBoostOrder(o obj) BoostOrder {
	b := BoostOrder{
		ID:             o.str(orderID),
		ServiceID:      o.str(boostOrderSID),
		Service:        o.named(boostOrderSvc, append(append([]string{}, nameNames...), "service_name")),
		Link:           o.str(boostLink),
		Status:         o.str(statusNames),
		Currency:       currencyOf(o),
		Reason:         o.str(boostReason),
		IdempotencyKey: o.str(idempotencyNames),
		CreatedAt:      o.when(createdNames),
		UpdatedAt:      o.when(updatedNames),
	}
	if b.ServiceID == "" {
		if s := o.child(boostOrderSvc); s != nil {
			b.ServiceID = s.str(idNames)
		}
	}
	b.Quantity, _ = o.integer(boostQuantity)
	b.Remains, b.HasRemains = o.integer(boostRemains)
	b.StartCount, _ = o.integer(boostStart)
	b.Charge, b.HasCharge = o.amount(boostCharge)
	if b.Currency == "" {
		b.Currency = currencyInAmount(o.raw(boostCharge))
	}
	if c, ok := o.boolean(boostCanCancel); ok {
		b.CanCancel = &c
	}
	return b
}

func decodeBoostOrders(v any) ([]BoostOrder, Page, bool) {
	l, page, ok := listOf(v, boostOrderLists)
	if !ok {
		return nil, page, false
	}
	var out []BoostOrder
	for _, o := range objects(l, "") {
		if b := decodeBoostOrder(o); b.ID != "" {
			out = append(out, b)
		}
	}
	return out, page, true
}

// jobState normalises boost and logs order states, which vary by spelling
// and case ("In progress", "in_progress", "Cancelled", "Refill pending").
func jobState(raw string) backend.JobState {
	w := normWord(raw)
	switch w {
	case "pending", "queued", "new", "awaiting", "waiting", "created", "on hold", "scheduled":
		return backend.JobQueued
	case "processing", "in progress", "inprogress", "running", "active", "started", "ongoing":
		return backend.JobRunning
	case "completed", "complete", "success", "successful", "done", "delivered", "finished", "paid", "fulfilled":
		return backend.JobDone
	case "partial", "partially completed", "partially delivered", "partial refund", "partially refunded":
		return backend.JobPartial
	case "canceled", "cancelled", "refunded", "canceled and refunded":
		return backend.JobCanceled
	case "error", "failed", "fail", "failure", "rejected", "declined":
		return backend.JobFailed
	}
	if strings.HasPrefix(w, "refill") {
		// A refill re-delivers a completed order: the order itself is done
		// once the refill has ended, whatever its outcome.
		switch w {
		case "refilled", "refill completed", "refill complete", "refill done", "refill rejected", "refill failed", "refill error":
			return backend.JobDone
		}
		return backend.JobRunning
	}
	return backend.JobUnknown
}

// normWord lowercases a status word and turns _ and - into spaces.
func normWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("_", " ", "-", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// --- logs ---------------------------------------------------------------------

var (
	logParentID      = []string{"id", "parent_category_id", "category_id"}
	logCategoryID    = []string{"id", "category_id", "categoryId"}
	logCategoryPar   = []string{"parent_category_id", "parent_id", "parentId"}
	logCategoryStock = []string{"stock", "available", "in_stock", "logs_count", "available_count", "count", "quantity"}
	logOrderCat      = []string{"category", "category_name", "categoryName", "product"}
	logOrderCatID    = []string{"category_id", "categoryId"}
	logOrderQuantity = []string{"quantity", "qty"}
	logOrderTotal    = []string{"total", "total_price", "amount", "price", "cost", "charge"}
	// Purchased logs are goods (account credentials): only their number is
	// read, never their content.
	logOrderItems = []string{"items", "logs", "details", "accounts"}
)

// LogParent is one entry of GET /logs/parent-categories.
type LogParent struct{ ID, Name string }

// LogCategory is one logs category (a product).
type LogCategory struct {
	ID, Name, ParentID, Currency string
	Price                        decimal.Decimal
	HasPrice                     bool
	Stock                        int
}

// LogOrder is one logs order.
type LogOrder struct {
	ID, CategoryID, Category, Status, Currency, IdempotencyKey string
	Quantity                                                   int
	Items                                                      int // -1 when the order does not list them
	Total                                                      decimal.Decimal
	HasTotal                                                   bool
	CreatedAt, UpdatedAt                                       time.Time
}

func decodeLogParents(v any) ([]LogParent, bool) {
	l, _, ok := listOf(v, logParentLists)
	if !ok {
		return nil, false
	}
	var out []LogParent
	for _, o := range objects(l, "name") {
		p := LogParent{ID: o.str(logParentID), Name: o.str(nameNames)}
		if p.ID == "" {
			p.ID = p.Name
		}
		if p.ID != "" {
			out = append(out, p)
		}
	}
	return out, true
}

func decodeLogCategory(o obj) LogCategory {
	c := LogCategory{ID: o.str(logCategoryID), Name: o.str(nameNames), ParentID: o.str(logCategoryPar),
		Currency: currencyOf(o), Stock: -1}
	if n, ok := o.integer(logCategoryStock); ok && n >= 0 {
		c.Stock = n
	}
	c.Price, c.HasPrice = o.amount(priceNames)
	if c.Currency == "" {
		c.Currency = currencyInAmount(o.raw(priceNames))
	}
	return c
}

func decodeLogCategories(v any) ([]LogCategory, Page, bool) {
	l, page, ok := listOf(v, logCategoryLists)
	if !ok {
		return nil, page, false
	}
	var out []LogCategory
	for _, o := range objects(l, "") {
		if c := decodeLogCategory(o); c.ID != "" {
			out = append(out, c)
		}
	}
	return out, page, true
}

func decodeLogOrder(o obj) LogOrder {
	lo := LogOrder{
		ID:             o.str(orderID),
		CategoryID:     o.str(logOrderCatID),
		Category:       o.named(logOrderCat, nameNames),
		Status:         o.str(statusNames),
		Currency:       currencyOf(o),
		IdempotencyKey: o.str(idempotencyNames),
		CreatedAt:      o.when(createdNames),
		UpdatedAt:      o.when(updatedNames),
		Items:          -1,
	}
	if lo.CategoryID == "" {
		if c := o.child(logOrderCat); c != nil {
			lo.CategoryID = c.str(idNames)
		}
	}
	lo.Quantity, _ = o.integer(logOrderQuantity)
	lo.Total, lo.HasTotal = o.amount(logOrderTotal)
	if lo.Currency == "" {
		lo.Currency = currencyInAmount(o.raw(logOrderTotal))
	}
	if v, ok := o.get(logOrderItems); ok {
		if l, ok := v.([]any); ok {
			lo.Items = len(l)
		}
	}
	return lo
}

func decodeLogOrders(v any) ([]LogOrder, Page, bool) {
	l, page, ok := listOf(v, logsOrderLists)
	if !ok {
		return nil, page, false
	}
	var out []LogOrder
	for _, o := range objects(l, "") {
		if lo := decodeLogOrder(o); lo.ID != "" {
			out = append(out, lo)
		}
	}
	return out, page, true
}

// --- purchases ----------------------------------------------------------------

// Placed is a purchase answer: the order it created (when the answer
// carries one) and the balance after it (when it says).
type Placed[T any] struct {
	Order      T
	HasOrder   bool
	Balance    decimal.Decimal
	HasBalance bool
	Currency   string
}

func decodePlaced[T any](v any, containers []string, decode func(obj) T, id func(T) string) Placed[T] {
	var p Placed[T]
	if o, ok := objectOf(v, containers); ok {
		p.Order = decode(o)
		p.HasOrder = id(p.Order) != ""
	}
	if level, ok := objectOf(v, purchaseLevel); ok {
		if b, ok := level.amount(balanceAfter); ok {
			p.Balance, p.HasBalance = b, true
			p.Currency = currencyOf(level)
		} else if w := level.child(balanceAfterObj); w != nil {
			if b, ok := w.amount(walletBalance); ok {
				p.Balance, p.HasBalance = b, true
				p.Currency = currencyOf(w)
			}
		}
	}
	return p
}

// --- errors -------------------------------------------------------------------

var (
	errCode    = []string{"code", "error_code", "errorCode"}
	errMessage = []string{"message", "error", "msg", "detail"}
	errStatus  = []string{"status", "status_code"}
	errInner   = []string{"error"} // {"error": {"code": …, "message": …}}
	// Laravel validation: {"message": …, "errors": {"field": ["…"]}}.
	errFields = []string{"errors", "validation_errors"}
	// Extra data on an error (NOTES: EARLY_CANCEL_DENIED with wait_seconds,
	// unverified; maybe under "data").
	errData   = []string{"data", "meta", "details"}
	errWait   = []string{"wait_seconds", "retry_after", "seconds", "wait"}
	errNeeded = []string{"required", "required_amount", "needed", "amount_required", "price", "amount"}
	// The words a 2xx error body may carry in place of success:false.
	errStatusWords = []string{"error", "failed", "fail"}
)

// failure is the provider's error body.
type failure struct {
	Failed      bool // the body says it is an error
	Code        string
	Message     string
	Status      int
	Field       string // first validation message
	WaitSeconds int
	HasWait     bool
	Needed      decimal.Decimal
	HasNeeded   bool
}

func decodeFailure(v any) failure {
	var f failure
	o, ok := asObj(v)
	if !ok {
		return f
	}
	if s, ok := o.get([]string{"success"}); ok {
		if b, isBool := s.(bool); isBool && !b {
			f.Failed = true
		}
	}
	// {"status": "error", "message": …}; a bare order whose own status is
	// "failed" is not an error answer, so an id rules this out.
	if w := normWord(o.raw(errStatus)); w != "" && o.raw(orderID) == "" {
		if _, has := o.get(append(append([]string{}, errCode...), errMessage...)); has {
			for _, e := range errStatusWords {
				if w == e {
					f.Failed = true
				}
			}
		}
	}
	f.Code = o.str(errCode)
	f.Status, _ = o.integer(errStatus)
	if inner := o.child(errInner); inner != nil {
		if f.Code == "" {
			f.Code = inner.str(errCode)
		}
		f.Message = inner.str([]string{"message", "msg", "detail"})
		f.Failed = true
	} else {
		f.Message = o.str(errMessage)
	}
	if fields := o.child(errFields); fields != nil {
		for _, k := range sortedObjKeys(fields) {
			switch t := fields[k].(type) {
			case []any:
				if len(t) > 0 {
					if s, ok := rawString(t[0]); ok {
						f.Field = sanitize.Line(s)
					}
				}
			case string:
				f.Field = sanitize.Line(t)
			}
			if f.Field != "" {
				break
			}
		}
	}
	for _, src := range []obj{o, o.child(errData)} {
		if src == nil {
			continue
		}
		if n, ok := src.integer(errWait); ok && n >= 0 && !f.HasWait {
			f.WaitSeconds, f.HasWait = n, true
		}
		if d, ok := src.amount(errNeeded); ok && !f.HasNeeded {
			f.Needed, f.HasNeeded = d, true
		}
	}
	return f
}

func sortedObjKeys(o obj) []string {
	ks := make([]string, 0, len(o))
	for k := range o {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
