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
const CodeRoute = "route not found"

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

// classify picks the kind of an error sentence, falling back on the HTTP
// status (the API answers 400 for every documented error, so an unknown
// sentence at 400 is a plain refusal).
func classify(status int, text string) (backend.ErrKind, string) {
	l := strings.ToLower(text)
	for _, r := range errorRules {
		for _, w := range r.words {
			if strings.Contains(l, w) {
				return r.kind, r.say
			}
		}
	}
	switch status {
	case http.StatusUnauthorized:
		return backend.ErrAuth, "wrong e-mail or password"
	case http.StatusPaymentRequired:
		return backend.ErrNoBalance, "not enough balance"
	case http.StatusForbidden:
		return backend.ErrForbidden, "the account may not do this"
	case http.StatusNotFound:
		return backend.ErrNotFound, "not found"
	case http.StatusUnprocessableEntity:
		return backend.ErrInvalid, "invalid request"
	}
	return backend.ErrRefused, "refused"
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
		if resp.Status == http.StatusNotFound {
			return c.t.Error(op, backend.ErrNotFound, resp.Status, CodeRoute,
				"the provider answered with an HTML 404 page (unknown route or wrong base URL)")
		}
		return c.t.Error(op, backend.ErrUnavailable, resp.Status, "html",
			"the provider answered with an HTML page: "+sanitize.Line(c.t.Snippet(string(resp.Body))))
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
	excerpt := sanitize.Line(c.t.Snippet(string(resp.Body)))
	switch {
	case !read:
		e := c.t.Error(op, backend.ErrOutcomeUnknown, resp.Status, "",
			"the answer could not be read ("+excerpt+") — outcome unknown, checking before anything is sent again")
		return e
	case transport.LooksHTML(resp.Body):
		return c.t.Error(op, backend.ErrUnavailable, resp.Status, "html",
			"the provider answered with an HTML page: "+excerpt)
	}
	return c.t.Error(op, backend.ErrMalformed, resp.Status, "", "the answer could not be read: "+err.Error()+": "+excerpt)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
