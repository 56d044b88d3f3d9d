package simcore

import (
	"strings"
	"time"
)

// Random helpers (Mu held).

// Chance is true with probability p.
func (c *Core) Chance(p float64) bool { return c.Rng.Float64() < p }

// Between draws a duration in [a, b).
func (c *Core) Between(a, b time.Duration) time.Duration {
	if b <= a {
		return a
	}
	return a + time.Duration(c.Rng.Int64N(int64(b-a)))
}

// Digits draws n decimal digits.
func (c *Core) Digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + c.Rng.IntN(10)))
	}
	return b.String()
}

// Pick draws one of xs.
func (c *Core) Pick(xs []string) string { return xs[c.Rng.IntN(len(xs))] }

// Token makes an opaque credential.
func (c *Core) Token(prefix string) string {
	const abc = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	b.WriteString(prefix)
	for range 32 {
		b.WriteByte(abc[c.Rng.IntN(len(abc))])
	}
	return b.String()
}
