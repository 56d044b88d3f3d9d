package views

import (
	"math"
	"time"
)

// rowClock is the moment a row is drawn and the earliest later moment
// its text or style changes with time (zero: never), so the row cache
// keeps a row exactly as long as it is right, and the root's clock ticks
// only when something on screen changes. Its methods format as Left,
// Span and Ago do, noting when their text changes next.
type rowClock struct {
	now, next time.Time
}

// at notes a change at t; a boundary at or before now means the change
// is due at once (safe: the row is redrawn on the next frame).
func (c *rowClock) at(t time.Time) {
	if !t.After(c.now) {
		t = c.now.Add(1)
	}
	if c.next.IsZero() || t.Before(c.next) {
		c.next = t
	}
}

// before reports whether now is before t: a condition that turns at t.
func (c *rowClock) before(t time.Time) bool {
	if c.now.Before(t) {
		c.at(t)
		return true
	}
	return false
}

// reached reports whether now is t or later: a condition that turns at
// t.
func (c *rowClock) reached(t time.Time) bool { return !c.before(t) }

// after reports whether now is after t: a condition that turns just
// after t.
func (c *rowClock) after(t time.Time) bool {
	if c.now.After(t) {
		return true
	}
	c.at(t.Add(1))
	return false
}

// everySecond notes a change at the next whole second (spinners).
func (c *rowClock) everySecond() { c.at(c.now.Truncate(time.Second).Add(time.Second)) }

// spanUnit is the smallest unit Span shows for a (rounded) duration.
func spanUnit(r time.Duration) time.Duration {
	switch {
	case r < time.Hour:
		return time.Second
	case r < 24*time.Hour:
		return time.Minute
	case r < 100*24*time.Hour:
		return time.Hour
	}
	return 24 * time.Hour
}

// countdown is Span(t − now): it steps down when the rounded time left
// falls below a multiple of its unit ("0s" once t has passed).
func (c *rowClock) countdown(t time.Time) string {
	d := t.Sub(c.now)
	if r := max(d, 0).Round(time.Second); r > 0 {
		u := spanUnit(r)
		c.at(t.Add(-(r/u)*u + time.Second/2))
	}
	return Span(d)
}

// since is Span(now − t): it steps up when the rounded time since
// reaches the next multiple of its unit.
func (c *rowClock) since(t time.Time) string {
	d := c.now.Sub(t)
	r := max(d, 0).Round(time.Second)
	u := spanUnit(r)
	c.at(t.Add((r/u+1)*u - time.Second/2))
	return Span(d)
}

// countdownMinutes is Span of the time left cut to the minute (far
// expiries show no seconds).
func (c *rowClock) countdownMinutes(t time.Time) string {
	d := t.Sub(c.now).Truncate(time.Minute)
	if d > 0 {
		u := spanUnit(d)
		c.at(t.Add(-(d / u) * u))
	}
	return Span(d)
}

// ago is Ago(t, now).
func (c *rowClock) ago(t time.Time) string {
	if !t.IsZero() {
		d := max(c.now.Sub(t), 0)
		u := time.Second
		switch {
		case d >= 48*time.Hour:
			u = 24 * time.Hour
		case d >= time.Hour:
			u = time.Hour
		case d >= time.Minute:
			u = time.Minute
		}
		c.at(t.Add((d/u + 1) * u))
	}
	return Ago(t, c.now)
}

// left is Left(t, now): a countdown, then "expired … ago".
func (c *rowClock) left(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if c.now.After(t) {
		return "expired " + c.since(t) + " ago"
	}
	c.at(t.Add(1)) // it turns to "expired" just after t
	return c.countdown(t)
}

// nanos is t in unix nanoseconds for sorting, clamped to what an int64
// holds (the zero time sorts first).
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var minNanos, maxNanos = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
