package simcore

import (
	"time"

	"switchboard/backend"
)

// Window counts requests per key in fixed windows of the scenario clock.
type Window struct {
	start time.Time
	n     int
}

// Hit counts one request; it reports whether the request is within limit,
// how many remain and when the window resets.
func (w *Window) Hit(now time.Time, per time.Duration, limit int) (ok bool, remaining int, reset time.Time) {
	if w.start.IsZero() || now.Sub(w.start) >= per || now.Before(w.start) {
		w.start = now.Truncate(per)
		w.n = 0
	}
	reset = w.start.Add(per)
	if w.n >= limit {
		return false, 0, reset
	}
	w.n++
	return true, limit - w.n, reset
}

// Start is when the current window began (zero before the first hit).
func (w *Window) Start() time.Time { return w.start }

// RateFor is the per-minute limit of provider k (Mu held).
func (c *Core) RateFor(k backend.ProviderKind, def int) int {
	if n := c.Opts.Rates[k]; n > 0 {
		return n
	}
	return def
}

// CountLimited records a 429 the provider itself decided (Mu held).
func (c *Core) CountLimited(k backend.ProviderKind) { c.limited[k]++ }
