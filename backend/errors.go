package backend

import (
	"errors"
	"fmt"
	"time"
)

// ErrKind classifies a provider error so the engine and the UI can act on
// it without parsing text.
type ErrKind int

const (
	ErrOther          ErrKind = iota
	ErrAuth                   // bad or missing credentials
	ErrRateLimited            // 429: wait RetryAfter
	ErrNotFound               // order / number / route does not exist
	ErrNoBalance              // not enough money
	ErrOutOfStock             // no free numbers, out of stock
	ErrInvalid                // bad request: validation, bad country, bad product
	ErrRefused                // not allowed now (order has sms, cooldown, already received)
	ErrUnavailable            // provider down: 5xx, HTML error page, server offline
	ErrTimeout                // no answer in time (reads only; writes become ErrOutcomeUnknown)
	ErrMalformed              // the answer could not be decoded
	ErrOutcomeUnknown         // a call that may have spent money got no clear answer
	ErrForbidden              // scope / permission / account banned
	ErrUnsupported            // the provider has no such action
)

func (k ErrKind) String() string {
	return [...]string{"error", "auth", "rate limited", "not found", "no balance", "out of stock",
		"invalid", "refused", "unavailable", "timeout", "malformed", "outcome unknown",
		"forbidden", "unsupported"}[k]
}

// Error is every adapter's error type. Message is written for the operator
// and never carries a secret.
type Error struct {
	Provider   ProviderKind
	Op         string // what was being done: "check order 123"
	Kind       ErrKind
	Code       string // the provider's own code or text: "INSUFFICIENT_BALANCE", "no free phones"
	Status     int    // HTTP status, 0 when none
	Message    string // operator-facing detail
	RetryAfter time.Duration
	// State is set when the refusal says what the item has become ("order
	// already rejected", "expired"): the engine updates the item instead
	// of leaving it waiting.
	State LineState
	Err   error // underlying cause (already redacted)
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Code != "" {
		msg = e.Code
	}
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Op != "" {
		return fmt.Sprintf("%s: %s: %s", e.Provider.Label(), e.Op, msg)
	}
	return fmt.Sprintf("%s: %s", e.Provider.Label(), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is match on kind: errors.Is(err, &Error{Kind: ErrNoBalance}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Provider == "" || t.Provider == e.Provider)
}

// KindOf returns the ErrKind of err, or ErrOther.
func KindOf(err error) ErrKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ErrOther
}

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
