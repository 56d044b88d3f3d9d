package fivesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// CancelCooldown is the pause suggested after "you need to wait time" (5sim
// refuses to cancel an order right after purchase and does not say for how
// long). Thirty seconds is long enough not to burn the budget on repeated
// refusals and short enough that the operator is not kept waiting; the UI
// counts it down from Error.RetryAfter.
const CancelCooldown = 30 * time.Second

// textError is what one of 5sim's plain-text error bodies means.
type textError struct {
	kind backend.ErrKind
	msg  string
}

// textErrors maps 5sim's plain-text error bodies (NOTES.md) to kinds and
// operator-facing messages. Matching is case-insensitive on the trimmed
// body.
var textErrors = map[string]textError{
	"no free phones":          {backend.ErrOutOfStock, "no free numbers for this product right now"},
	"not enough user balance": {backend.ErrNoBalance, "not enough balance"},
	"not enough rating":       {backend.ErrForbidden, "rating too low to buy (at rating 0 5sim blocks purchases for 24 h)"},
	"order not found":         {backend.ErrNotFound, "order not found"},
	"order has sms":           {backend.ErrRefused, "the order already has an SMS: finish it instead"},
	"order expired":           {backend.ErrRefused, "the order has expired"},
	"you need to wait time":   {backend.ErrRefused, "too early to cancel this order"},
	"bad country":             {backend.ErrInvalid, "unknown country"},
	"bad operator":            {backend.ErrInvalid, "unknown operator"},
	"no product":              {backend.ErrInvalid, "unknown product"},
	"server offline":          {backend.ErrUnavailable, "5sim server offline"},
}

// bodyText is a plain-text body as 5sim sends it, also when it arrives as
// a JSON string.
func bodyText(b []byte) string {
	t := strings.TrimSpace(string(b))
	if strings.HasPrefix(t, `"`) {
		var s string
		if json.Unmarshal([]byte(t), &s) == nil {
			t = strings.TrimSpace(s)
		}
	}
	return t
}

// isLimitAnswer recognises 5sim's 503 limit answers. NOTES.md: the per-key
// limit answers 429, the per-IP and per-purchase limits 503, both with a
// plain-text body and no Retry-After, and repeated hits ban the key for
// about ten minutes; its only documented outage text is `server offline`.
// So a 503 is a limit unless it says `server offline` or is a web page (a
// proxy's error, not 5sim's): the transport then pauses the budget with
// backoff from one second, as for a 429, and never retries at once. An
// outage read as a limit only waits a little longer; a limit read as an
// outage would be retried into a ban.
func isLimitAnswer(status int, body []byte) bool {
	return status == http.StatusServiceUnavailable && !transport.LooksHTML(body) &&
		!strings.EqualFold(bodyText(body), "server offline")
}

// answerError turns an answer that is not the expected JSON object into a
// *backend.Error: 5sim's plain-text errors by their text, a 2xx that is
// none of them as unreadable, anything else by the shared default.
// write marks a call that changes state at 5sim (buy, finish, cancel, ban,
// reuse): a 2xx answer that cannot be read there may hide a success, so it
// is ErrOutcomeUnknown and never re-sent.
func (c *Client) answerError(op string, r *transport.Response, write bool) error {
	if r.Status == http.StatusUnauthorized {
		// 5sim answers a bad key with 401 and an empty body.
		return c.t.Error(op, backend.ErrAuth, r.Status, "401", "API key rejected")
	}
	text := bodyText(r.Body)
	if te, ok := textErrors[strings.ToLower(text)]; ok {
		e := c.t.Error(op, te.kind, r.Status, strings.ToLower(text), te.msg)
		if te.kind == backend.ErrRefused && strings.EqualFold(text, "you need to wait time") {
			e.RetryAfter = CancelCooldown
			e.Message += fmt.Sprintf(": try again in %s", CancelCooldown)
		}
		return e
	}
	if r.Status >= 200 && r.Status < 300 {
		// "no free phones" comes with a 200 too: success is a JSON object.
		return c.t.Unreadable(op, !write, r.Status, r.Body, "")
	}
	return c.t.ErrorForStatus(op, r.Status, []byte(text))
}

// decodeError is a 2xx JSON body that did not decode into what the call
// answers.
func (c *Client) decodeError(op string, r *transport.Response, err error, write bool) error {
	return c.t.Unreadable(op, !write, r.Status, r.Body, err.Error())
}
