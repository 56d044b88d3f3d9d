package market

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// The marketplace's documented error codes (market.md) and the ones
// NOTES.md adds.
const (
	codeUnauthenticated     = "UNAUTHENTICATED"
	codeValidation          = "VALIDATION_FAILED"
	codeUserDisabled        = "USER_DISABLED"
	codeUserBanned          = "USER_BANNED"
	codeNoBalance           = "INSUFFICIENT_BALANCE"
	codeKeyReused           = "IDEMPOTENCY_KEY_REUSED"
	codeKeyInProgress       = "IDEMPOTENCY_KEY_IN_PROGRESS"
	codeLogCategoryNotFound = "LOG_CATEGORY_NOT_FOUND"
	codeOutOfStock          = "OUT_OF_STOCK"
	codeNumberServiceNF     = "NUMBER_SERVICE_NOT_FOUND"
	codeNumberOrderNF       = "NUMBER_ORDER_NOT_FOUND"
	codeNumberOutOfStock    = "NUMBER_OUT_OF_STOCK"
	codeCodeReceived        = "NUMBER_CODE_ALREADY_RECEIVED"
	codeEarlyCancel         = "EARLY_CANCEL_DENIED"
	codeBoostServiceNF      = "BOOST_SERVICE_NOT_FOUND"
	codeBoostOrderNF        = "BOOST_ORDER_NOT_FOUND"
	codeBoostCancelNA       = "BOOST_CANCEL_UNAVAILABLE"
	codeBoostCancelRejected = "BOOST_CANCEL_REJECTED"
)

// known says, per code, the kind and the operator's sentence. withText
// appends the provider's own message when it adds something; it is off
// where our sentence must stand alone (a cancel after a code offers
// nothing else).
var known = map[string]struct {
	kind     backend.ErrKind
	text     string
	withText bool
}{
	codeUnauthenticated:     {backend.ErrAuth, "API key rejected (a newly generated key revokes the previous one)", false},
	codeValidation:          {backend.ErrInvalid, "request rejected", true},
	codeUserDisabled:        {backend.ErrForbidden, "this marketplace account is disabled", true},
	codeUserBanned:          {backend.ErrForbidden, "this marketplace account is banned", true},
	codeNoBalance:           {backend.ErrNoBalance, "not enough balance", true},
	codeKeyReused:           {backend.ErrInvalid, "this purchase's idempotency key was already used for a different request; nothing was bought by this request — start a new purchase", false},
	codeKeyInProgress:       {backend.ErrRefused, "the marketplace is still processing this purchase", false},
	codeLogCategoryNotFound: {backend.ErrNotFound, "logs category not found", false},
	codeOutOfStock:          {backend.ErrOutOfStock, "out of stock", true},
	codeNumberServiceNF:     {backend.ErrNotFound, "number service not found for this country", false},
	codeNumberOrderNF:       {backend.ErrNotFound, "number order not found", false},
	codeNumberOutOfStock:    {backend.ErrOutOfStock, "no numbers in stock for this service", true},
	codeCodeReceived:        {backend.ErrRefused, "a code already arrived on this number, so it cannot be cancelled", false},
	codeEarlyCancel:         {backend.ErrRefused, "too early to cancel this number", false},
	codeBoostServiceNF:      {backend.ErrNotFound, "boost service not found", false},
	codeBoostOrderNF:        {backend.ErrNotFound, "boost order not found", false},
	codeBoostCancelNA:       {backend.ErrRefused, "this boost service cannot be cancelled", true},
	codeBoostCancelRejected: {backend.ErrRefused, "the marketplace refused to cancel this boost order", true},
}

// statusError turns a non-2xx answer into an error: the marketplace's
// {success:false, code} body by its code, anything else (a web page, an
// empty body, text) by the shared default.
func (c *Client) statusError(op string, r *transport.Response) *backend.Error {
	v, err := parseJSON(bytes.TrimSpace(r.Body))
	if err != nil {
		e := c.t.ErrorForStatus(op, r.Status, r.Body)
		if e.Code == transport.CodeRoute {
			e.Message += " (base_url normally ends in /api/v1)"
		}
		return e
	}
	f := decodeFailure(v)
	if f.Status == 0 {
		f.Status = r.Status
	}
	return c.failureError(op, r.Status, f)
}

// failureError maps the provider's error body to an error.
func (c *Client) failureError(op string, httpStatus int, f failure) *backend.Error {
	status := httpStatus
	if status < 400 && f.Status >= 400 { // a 2xx body that says it failed
		status = f.Status
	}
	code := strings.ToUpper(strings.TrimSpace(f.Code))
	provider := strings.TrimSpace(sanitize.Line(f.Message))
	if f.Field != "" && !strings.EqualFold(f.Field, provider) {
		if provider == "" || strings.EqualFold(provider, "The given data was invalid.") {
			provider = f.Field
		} else {
			provider += " (" + f.Field + ")"
		}
	}
	k, isKnown := known[code]
	var kind backend.ErrKind
	var msg string
	if isKnown {
		kind, msg = k.kind, k.text
		if code == codeNoBalance && f.HasNeeded {
			msg += " (needs " + f.Needed.String() + ")"
		}
		if k.withText && provider != "" && !strings.EqualFold(strings.TrimRight(provider, "."), msg) {
			msg += ": " + provider
		}
	} else {
		kind = transport.KindForStatus(status)
		msg = provider
		if msg == "" {
			msg = code
		}
		if msg == "" {
			msg = fmt.Sprintf("HTTP %d", status)
		}
		if status == http.StatusForbidden && code == "" {
			msg = "the API key lacks the ability for this call or the account is blocked: " + msg
		}
	}
	if code == "" {
		code = strconv.Itoa(status)
	}
	e := c.t.Error(op, kind, status, code, msg)
	if code == codeEarlyCancel && f.HasWait && f.WaitSeconds > 0 {
		e.RetryAfter = time.Duration(f.WaitSeconds) * time.Second
		e.Message = "too early to cancel this number: try again in " + e.RetryAfter.String()
	}
	return e
}

// isCode reports whether err is the provider's code.
func isCode(err error, code string) bool {
	e, ok := backend.AsError(err)
	return ok && e.Code == code
}
