package views

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTimeTextsChangeOnlyWhenTheClockSaysSo: for targets from seconds to
// months away on either side, every time text stays as drawn until the
// moment its rowClock names (so a cached row is never stale), and changes
// at that moment or within a second of it (so rows showing minutes or
// hours are not redrawn every second).
func TestTimeTextsChangeOnlyWhenTheClockSaysSo(t *testing.T) {
	base := time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)
	texts := map[string]func(c *rowClock, at time.Time) string{
		"left":             func(c *rowClock, at time.Time) string { return c.left(at) },
		"ago":              func(c *rowClock, at time.Time) string { return c.ago(at) },
		"since":            func(c *rowClock, at time.Time) string { return c.since(at) },
		"countdown":        func(c *rowClock, at time.Time) string { return c.countdown(at) },
		"countdownMinutes": func(c *rowClock, at time.Time) string { return c.countdownMinutes(at) },
	}
	plain := map[string]func(at, now time.Time) string{
		"left":             func(at, now time.Time) string { return Left(at, now) },
		"ago":              func(at, now time.Time) string { return Ago(at, now) },
		"since":            func(at, now time.Time) string { return Span(now.Sub(at)) },
		"countdown":        func(at, now time.Time) string { return Span(at.Sub(now)) },
		"countdownMinutes": func(at, now time.Time) string { return Span(at.Sub(now).Truncate(time.Minute)) },
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	scales := []time.Duration{time.Second, time.Minute, time.Hour, 24 * time.Hour, 200 * 24 * time.Hour}
	for name, text := range texts {
		for range 4000 {
			span := scales[rnd.IntN(len(scales))]
			target := base.Add(time.Duration(rnd.Int64N(int64(2*span))) - span)
			if rnd.IntN(4) == 0 {
				target = target.Truncate(time.Second) // whole seconds, as providers send
			}
			now := base.Add(time.Duration(rnd.Int64N(int64(time.Second))))
			if rnd.IntN(4) == 0 {
				now = now.Truncate(time.Second).Add(time.Second / 2)
			}
			c := rowClock{now: now}
			drawn := text(&c, target)
			if drawn != plain[name](target, now) {
				t.Fatalf("%s(%v) at %v: %q, want %q", name, target, now, drawn, plain[name](target, now))
			}
			if c.next.IsZero() {
				for _, d := range []time.Duration{time.Second, time.Hour, 400 * 24 * time.Hour} {
					if got := plain[name](target, now.Add(d)); got != drawn {
						t.Fatalf("%s(%v) at %v: %q never changes, says the clock, but is %q %v later", name, target, now, drawn, got, d)
					}
				}
				continue
			}
			// Unchanged until next (a millisecond before it — Ago's float
			// hours turn a few nanoseconds early — and on the way).
			for _, at := range []time.Time{c.next.Add(-time.Millisecond), now.Add(c.next.Sub(now) / 2), now.Add(c.next.Sub(now) / 3)} {
				if at.Before(now) {
					continue
				}
				if got := plain[name](target, at); got != drawn {
					t.Fatalf("%s(%v): drawn %q at %v, but it is %q at %v, before the change noted at %v", name, target, drawn, now, got, at, c.next)
				}
			}
			// Changed at next, or within a second after it (a boundary where
			// only the format's cut point moves).
			changed := false
			for d := time.Duration(0); d <= time.Second; d += 100 * time.Millisecond {
				if plain[name](target, c.next.Add(d)) != drawn {
					changed = true
					break
				}
			}
			if !changed && name != "left" {
				t.Fatalf("%s(%v) drawn %q at %v: nothing changes at the noted %v", name, target, drawn, now, c.next)
			}
		}
	}
}

// TestSpinnersTurnOnTheSecond: a spinner's frame changes at every whole
// second, and the clock says so.
func TestSpinnersTurnOnTheSecond(t *testing.T) {
	now := time.Date(2026, 5, 22, 12, 0, 7, 300_000_000, time.UTC)
	c := rowClock{now: now}
	c.everySecond()
	if want := time.Date(2026, 5, 22, 12, 0, 8, 0, time.UTC); !c.next.Equal(want) {
		t.Fatalf("next change %v, want %v", c.next, want)
	}
}
