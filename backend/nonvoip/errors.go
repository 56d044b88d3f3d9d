package nonvoip

import (
	"net/http"
	"strings"

	"switchboard/backend"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// CodeRoute is the Error.Code of an HTML 404 page: the path does not exist
// at the configured base URL (not an order that is gone).
const CodeRoute = transport.CodeRoute

// errorRule maps provider sentences to a kind. The API publishes no error
// codes, only sentences ("Wrong Auth", "Insufficient balance."), so the
// match is on words; the first rule that matches wins.
type errorRule struct {
	kind  backend.ErrKind
	words []string
	say   string // operator-facing lead
}

var errorRules = []errorRule{
	{backend.ErrAuth, []string{"wrong auth", "unauthori", "unauthenticated", "invalid credential", "wrong password",
		"incorrect password", "invalid password", "invalid email", "login failed", "authentication"},
		"wrong e-mail or password"},
	{backend.ErrRateLimited, []string{"rate limit", "too many request"}, "rate limited"},
	{backend.ErrNoBalance, []string{"insufficient", "not enough balance", "not enough fund", "low balance",
		"balance is low", "balance too low", "top up"}, "not enough balance"},
	{backend.ErrForbidden, []string{"banned", "suspended", "disabled", "blocked", "forbidden", "permission"},
		"the account may not do this"},
	{backend.ErrOutOfStock, []string{"out of stock", "no number", "no stock", "sold out", "no free",
		"not available", "no available", "unavailable"}, "out of stock"},
	{backend.ErrNotFound, []string{"not found", "no such", "does not exist", "doesn't exist", "invalid order",
		"unknown order", "no order"}, "not found"},
	{backend.ErrRefused, []string{"already", "sms received", "received sms", "sms has", "has sms", "cannot",
		"can't", "can not", "not allowed", "expired", "not eligible", "not possible", "too late", "only "},
		"refused"},
	{backend.ErrInvalid, []string{"invalid", "required", "missing", "must be", "wrong", "bad request",
		"unknown product", "maximum"}, "invalid request"},
}

// classify picks the kind of an error sentence, falling back on the shared
// default for the HTTP status. The API answers 400 for every documented
// error ("Wrong Auth", "Insufficient balance.") and a 2xx envelope can say
// "error" too, so an unknown sentence there is a plain refusal, not a bad
// request.
func classify(status int, text string) (backend.ErrKind, string) {
	l := strings.ToLower(text)
	for _, r := range errorRules {
		for _, w := range r.words {
			if strings.Contains(l, w) {
				return r.kind, r.say
			}
		}
	}
	kind := transport.KindForStatus(status)
	if status == http.StatusBadRequest || (status >= 200 && status < 300) {
		kind = backend.ErrRefused
	}
	for _, r := range errorRules {
		if r.kind == kind {
			return kind, r.say
		}
	}
	return kind, kind.String()
}

// stateRules: refusals of an order action that say what the order has
// become ("This order has already been rejected.", "This number has
// expired."). The API publishes no codes, so the match is on phrases, not
// words: "it can no longer be rejected" (an SMS arrived) says nothing
// about the order's state.
var stateRules = []struct {
	state   backend.LineState
	phrases []string
}{
	{backend.LineCanceled, []string{"already rejected", "already been rejected", "has been rejected", "was rejected",
		"is rejected", "already refunded", "already been refunded", "has been refunded", "was refunded",
		"already cancel", "has been cancel", "was cancel"}},
	{backend.LineExpired, []string{"has expired", "is expired", "already expired", "was expired", "has been expired",
		"order expired", "number expired", "rental expired"}},
}

// refusalState is the state a refusal says the order is in, or "".
func refusalState(text string) backend.LineState {
	l := strings.ToLower(text)
	for _, r := range stateRules {
		for _, ph := range r.phrases {
			if strings.Contains(l, ph) {
				return r.state
			}
		}
	}
	return ""
}

// orderRefusal marks an order action's refusal with the state it states,
// so the engine closes the line instead of leaving it waiting.
func orderRefusal(err error) error {
	if e, ok := backend.AsError(err); ok && e.Kind != backend.ErrOutcomeUnknown {
		e.State = refusalState(e.Code)
	}
	return err
}

// noSMSYet reports an error sentence that only means "no SMS has arrived
// yet" (getsms; the document does not say how the server words it).
func noSMSYet(text string) bool {
	l := strings.ToLower(text)
	for _, w := range []string{"no sms", "sms not", "not received", "no message", "not yet", "waiting",
		"no new sms", "sms pending", "no code"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// mapError turns a provider error answer (JSON {status:"error", message},
// an HTML page, or anything else) into a *backend.Error for the operator.
func (c *Client) mapError(op string, resp *transport.Response) *backend.Error {
	if transport.LooksHTML(resp.Body) {
		return c.t.ErrorForStatus(op, resp.Status, resp.Body)
	}
	text := ""
	if w, ok := decodeError(resp.Body); ok {
		text = string(w.Message)
	} else {
		text = string(resp.Body)
	}
	text = clip(sanitize.Line(strings.TrimSpace(text)), 200)
	kind, say := classify(resp.Status, text)
	msg := say
	if text != "" && !strings.EqualFold(strings.TrimRight(text, ". "), say) {
		msg += " (" + text + ")"
	}
	return c.t.Error(op, kind, resp.Status, text, msg)
}

// undecodable is a 2xx answer that could not be read. For a call that may
// have spent money this is ErrOutcomeUnknown: the provider may have acted.
func (c *Client) undecodable(op string, resp *transport.Response, read bool, err error) *backend.Error {
	return c.t.Unreadable(op, read, resp.Status, resp.Body, err.Error())
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
