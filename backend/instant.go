package backend

import (
	"math"
	"time"
)

// Instant is a moment as Unix nanoseconds, 0 for none: 8 bytes where a
// time.Time takes 24 (a Line holds five, and the program holds 100,000
// lines). It keeps no location and no monotonic reading; Time gives the
// moment back in the local zone. Moments outside 1678–2262 (a forged
// provider date) are clamped to the nearest one it can hold, and the Unix
// epoch itself reads as none.
type Instant int64

// InstantOf is t as an Instant.
func InstantOf(t time.Time) Instant {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minInstant):
		return math.MinInt64
	case t.After(maxInstant):
		return math.MaxInt64
	}
	return Instant(t.UnixNano())
}

var (
	minInstant = time.Unix(0, math.MinInt64)
	maxInstant = time.Unix(0, math.MaxInt64)
)

// Time is the moment as a time.Time (the zero Time for none).
func (i Instant) Time() time.Time {
	if i == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(i))
}

// IsZero reports whether there is no moment.
func (i Instant) IsZero() bool { return i == 0 }

// Before and After compare with a time.Time as time.Time's own do (none
// is the earliest moment).
func (i Instant) Before(t time.Time) bool { return i.Time().Before(t) }
func (i Instant) After(t time.Time) bool  { return i.Time().After(t) }

// String is the moment as time.Time prints it.
func (i Instant) String() string { return i.Time().String() }

// MarshalJSON writes the moment as time.Time does (RFC 3339), so JSON
// written before Instant (the cluster store's records) and after it read
// alike.
func (i Instant) MarshalJSON() ([]byte, error) { return i.Time().MarshalJSON() }

// UnmarshalJSON reads what MarshalJSON, or a time.Time, wrote.
func (i *Instant) UnmarshalJSON(b []byte) error {
	var t time.Time
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	*i = InstantOf(t)
	return nil
}
