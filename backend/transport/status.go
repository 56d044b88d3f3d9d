package transport

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"switchboard/backend"
	"switchboard/backend/sanitize"
)

// The one default mapping of answers to *backend.Error kinds. Every adapter
// reads its provider's own error first (5sim's plain-text bodies, NonVoip's
// sentences, the marketplace's and piv.day's codes) and falls back on this
// for whatever its documents leave to the HTTP status.

// Codes (backend.Error.Code) of answers that are not the provider's API
// talking.
const (
	// CodeRoute: an HTML 404 page, the path does not exist at the
	// configured base URL (a wrong base URL, not a missing order).
	CodeRoute = "route not found"
	// CodeHTML: any other web page in place of data (a proxy, a
	// challenge page, maintenance).
	CodeHTML = "html"
)

// KindForStatus is what an HTTP status means when the body names nothing
// the provider documents. 429 and 5xx seldom reach an adapter (Do turns
// them into errors itself) but map here too, for a body that carries its
// own status.
func KindForStatus(status int) backend.ErrKind {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnprocessableEntity:
		return backend.ErrInvalid
	case http.StatusUnauthorized:
		return backend.ErrAuth
	case http.StatusPaymentRequired:
		return backend.ErrNoBalance
	case http.StatusForbidden:
		return backend.ErrForbidden
	case http.StatusNotFound, http.StatusGone:
		return backend.ErrNotFound
	case http.StatusConflict, http.StatusLocked, http.StatusTooEarly:
		return backend.ErrRefused
	case http.StatusTooManyRequests:
		return backend.ErrRateLimited
	}
	if status >= 500 && status < 600 {
		return backend.ErrUnavailable
	}
	return backend.ErrOther
}

// ErrorForStatus is the default error for an answer with an error status
// whose body the adapter does not recognise as its provider's error:
//   - an HTML page is not the API talking: a 404 page is an unknown route
//     (CodeRoute), a 401 page still a refusal of the credentials, any
//     other page ErrUnavailable (CodeHTML);
//   - an empty body: KindForStatus, Code the status number;
//   - text: KindForStatus, Code the provider's text.
func (c *Client) ErrorForStatus(op string, status int, body []byte) *backend.Error {
	body = bytes.TrimSpace(body)
	kind := KindForStatus(status)
	html := LooksHTML(body)
	switch {
	case html && status == http.StatusNotFound:
		return c.Error(op, backend.ErrNotFound, status, CodeRoute,
			fmt.Sprintf("unknown route (HTML %d page): check the base URL", status))
	case html && kind != backend.ErrAuth:
		return c.Error(op, backend.ErrUnavailable, status, CodeHTML,
			fmt.Sprintf("HTML page instead of data (HTTP %d): %s", status, c.excerpt(body)))
	case html || len(body) == 0:
		msg := fmt.Sprintf("HTTP %d", status)
		if kind == backend.ErrAuth {
			msg = fmt.Sprintf("credentials rejected (HTTP %d)", status)
		}
		return c.Error(op, kind, status, strconv.Itoa(status), msg)
	}
	text := c.excerpt(body)
	return c.Error(op, kind, status, text, fmt.Sprintf("HTTP %d: %s", status, text))
}

// Unreadable is the error for a 2xx answer the adapter could not decode
// (why says what was wrong, "" when nothing more is known). On a read it is
// ErrMalformed, or ErrUnavailable for an HTML page; on a call that may have
// changed something at the provider it is ErrOutcomeUnknown whatever the
// body: the provider may have acted, so nothing is sent again before the
// engine has re-read what is there.
func (c *Client) Unreadable(op string, read bool, status int, body []byte, why string) *backend.Error {
	body = bytes.TrimSpace(body)
	kind, code, msg := backend.ErrMalformed, "", "unreadable answer"
	switch {
	case LooksHTML(body):
		kind, code, msg = backend.ErrUnavailable, CodeHTML, fmt.Sprintf("HTML page instead of data (HTTP %d)", status)
	case why != "":
		msg += " (" + why + ")"
	}
	if len(body) == 0 {
		msg += ": empty answer"
	} else {
		msg += ": " + c.excerpt(body)
	}
	if !read {
		kind, code = backend.ErrOutcomeUnknown, ""
		msg += outcomeUnknown
	}
	return c.Error(op, kind, status, code, msg)
}

// outcomeUnknown ends the message of every ErrOutcomeUnknown.
const outcomeUnknown = " — outcome unknown, checking before anything is sent again"

// excerpt is a short, redacted, neutralized line of an untrusted body.
func (c *Client) excerpt(body []byte) string { return sanitize.Line(c.Snippet(string(body))) }
