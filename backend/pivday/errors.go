package pivday

import (
	"fmt"
	"regexp"
	"strings"

	"switchboard/backend"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// codeKinds maps piv.day's documented error codes (pivday.md, "Error codes"
// and the per-endpoint tables) to what the engine and the operator can do
// about them.
var codeKinds = map[string]backend.ErrKind{
	"UNAUTHORIZED":             backend.ErrAuth,
	"INSUFFICIENT_PERMISSIONS": backend.ErrForbidden,
	"PERMISSION_DENIED":        backend.ErrForbidden,
	"VALIDATION_ERROR":         backend.ErrInvalid,
	"NUMBER_NOT_FOUND":         backend.ErrNotFound,
	"NOT_FOUND":                backend.ErrNotFound,
	"NUMBER_EXPIRED":           backend.ErrRefused, // restore it (within 7 days) instead
	"NUMBER_NOT_ACTIVE":        backend.ErrRefused,
	"INSUFFICIENT_BALANCE":     backend.ErrNoBalance,
	"INVALID_MESSAGE_FORMAT":   backend.ErrInvalid,
	"COUNTRY_NOT_AVAILABLE":    backend.ErrInvalid,
	"NO_NUMBERS_AVAILABLE":     backend.ErrOutOfStock,
	"NO_RESTORABLE_NUMBERS":    backend.ErrRefused, // window passed: the numbers exist but cannot come back
	"RATE_LIMITED":             backend.ErrRateLimited,
	"INTERNAL_ERROR":           backend.ErrUnavailable,
	"DOMAIN_NOT_AVAILABLE":     backend.ErrRefused,
	"INVALID_TIER":             backend.ErrInvalid,
	"NOT_READY":                backend.ErrRefused,
	"SMS_DISABLED":             backend.ErrRefused,
	"PROXY_DEAD":               backend.ErrUnavailable,
	"QUEUE_FULL":               backend.ErrUnavailable,
	"SERVER_UNAVAILABLE":       backend.ErrUnavailable,
}

// codeNotes are operator-facing explanations of codes whose own message
// may be terse.
var codeNotes = map[string]string{
	"UNAUTHORIZED":             "API key missing, expired or revoked",
	"INSUFFICIENT_PERMISSIONS": "the API key lacks the scope for this action",
	"PERMISSION_DENIED":        "the account does not allow this action",
	"NUMBER_NOT_FOUND":         "number not found on this account",
	"NUMBER_EXPIRED":           "number expired: restore it within 7 days",
	"NUMBER_NOT_ACTIVE":        "number is not active",
	"COUNTRY_NOT_AVAILABLE":    "country not available",
	"NO_NUMBERS_AVAILABLE":     "no free numbers in that country right now",
	"NO_RESTORABLE_NUMBERS":    "none of these numbers can be restored any more",
	"NOT_FOUND":                "not found",
}

// balanceNeeds finds the amounts in piv.day's INSUFFICIENT_BALANCE message
// ("required $5.00, available $1.20").
var balanceNeeds = regexp.MustCompile(`(?i)required\s*:?\s*\$?\s*([0-9]+(?:[.,][0-9]+)*)(?:.*?available\s*:?\s*\$?\s*([0-9]+(?:[.,][0-9]+)*))?`)

// balanceAmounts reads the needed and available amounts of an
// INSUFFICIENT_BALANCE message with backend.ParseAmount; ok is false when
// either cannot be read for certain ("1,500"), and the message is then
// shown as piv.day wrote it.
func balanceAmounts(msg string) (needs, have string, ok bool) {
	m := balanceNeeds.FindStringSubmatch(msg)
	if m == nil {
		return "", "", false
	}
	for i, s := range m[1:] {
		if s == "" {
			continue
		}
		d, err := backend.ParseAmount(s)
		if err != nil {
			return "", "", false
		}
		if i == 0 {
			needs = backend.NewMoney(d, Currency).String()
		} else {
			have = backend.NewMoney(d, Currency).String()
		}
	}
	return needs, have, true
}

// apiError turns an error answer into a *backend.Error: the documented
// code decides the kind (the HTTP status when the code is unknown), the
// provider's message is kept sanitized on one line.
func (c *Client) apiError(req transport.Request, status int, env *envelope, body []byte) *backend.Error {
	code, msg := "", ""
	if env != nil && env.Error != nil {
		code = strings.ToUpper(strings.TrimSpace(string(env.Error.Code)))
		msg = string(env.Error.Message)
	} else if env != nil {
		msg = string(env.Message)
	}
	if env == nil {
		return c.t.ErrorForStatus(req.Op, status, body)
	}
	code = errorCode(code)
	kind, known := codeKinds[code]
	if !known {
		kind = transport.KindForStatus(status)
	}
	msg = c.t.Snippet(sanitize.Line(msg))
	text := msg
	switch {
	case code == "INSUFFICIENT_BALANCE":
		text = "not enough balance"
		if needs, have, ok := balanceAmounts(msg); ok {
			text += " (needs " + needs
			if have != "" {
				text += ", have " + have
			}
			text += ")"
		} else if msg != "" {
			text += ": " + msg
		}
	case codeNotes[code] != "" && msg == "":
		text = codeNotes[code]
	case codeNotes[code] != "" && !strings.EqualFold(msg, codeNotes[code]):
		text = codeNotes[code] + ": " + msg
	case text == "":
		text = fmt.Sprintf("HTTP %d", status)
		if code != "" {
			text = code
		}
	}
	e := c.t.Error(req.Op, kind, status, code, text)
	if code == "NUMBER_EXPIRED" {
		// The refusal says what the number has become: the engine marks
		// it expired instead of leaving it live.
		e.State = backend.LineExpired
	}
	return e
}

// badAnswer reports a 2xx answer that could not be read. For a call that
// may have changed something (spent money) that is not a clear answer: the
// outcome is unknown and the engine re-reads before anything is sent again.
func (c *Client) badAnswer(req transport.Request, status int, body []byte, err error) *backend.Error {
	why := ""
	if err != nil {
		why = err.Error()
	}
	return c.t.Unreadable(req.Op, req.Read, status, body, why)
}

// errorCode keeps an error code to the characters codes are made of
// (A–Z, digits, '_', '-', '.'), at most 64 of them.
func errorCode(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return -1
	}, strings.ToUpper(s))
	if len(out) > 64 {
		out = out[:64]
	}
	return out
}
