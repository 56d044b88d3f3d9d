package backend

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/time/rate"
)

// Budget is one account's request budget: a token bucket shared by every
// call the account makes (polls and actions), plus the pause a 429 asks
// for. The engine reads it to plan polling; the transport waits on it
// before every request.
type Budget struct {
	mu          sync.Mutex
	lim         *rate.Limiter
	perMinute   float64
	pausedUntil time.Time
	strikes     int // 429s in a row without a hint from the provider
	used        int64
	clock       clockwork.Clock
}

// BudgetSafety keeps the bucket a little under the provider's per-minute
// limit, so a burst plus a full minute of refill never crosses it.
const BudgetSafety = 0.95

// NewBudget makes a budget of perMinute requests a minute on the real
// clock.
func NewBudget(perMinute float64) *Budget {
	return NewBudgetClock(perMinute, clockwork.NewRealClock())
}

// NewBudgetClock makes a budget that reads the given clock (tests pass
// a fake one): refills, pauses and waits all follow it.
func NewBudgetClock(perMinute float64, clock clockwork.Clock) *Budget {
	b := &Budget{clock: clock}
	b.lim = rate.NewLimiter(0, 1)
	b.SetPerMinute(perMinute)
	return b
}

func (b *Budget) now() time.Time { return b.clock.Now() }

// SetPerMinute changes the budget (e.g. from NonVoip's X-RateLimit-Limit).
func (b *Budget) SetPerMinute(perMinute float64) {
	if perMinute <= 0 {
		perMinute = 60
	}
	b.mu.Lock()
	b.perMinute = perMinute
	b.mu.Unlock()
	now := b.now()
	burst := bucketSize(perMinute)
	b.lim.SetBurstAt(now, burst)
	// A full bucket plus a minute of refill stays within perMinute.
	b.lim.SetLimitAt(now, rate.Limit(math.Min(perMinute*BudgetSafety, perMinute-float64(burst))/60))
}

// bucketSize is how many requests may go at once: a twentieth of the
// budget, 1 to 5 — and 2 from 20 a minute, so the token the polling's
// headroom leaves can wait in the bucket for a webhook's read instead of
// that read waiting for the next refill (2 s at 30 a minute).
func bucketSize(perMinute float64) int {
	burst := int(perMinute / 20)
	if perMinute >= 20 {
		burst = max(burst, 2)
	}
	return max(1, min(burst, 5))
}

// PerMinute is the configured budget.
func (b *Budget) PerMinute() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.perMinute
}

// Wait blocks until the account may send one request: past any pause and
// with a token in the bucket.
func (b *Budget) Wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		d := b.pausedUntil.Sub(b.now())
		b.mu.Unlock()
		if d <= 0 {
			break
		}
		if err := b.sleep(ctx, d); err != nil {
			return err
		}
	}
	u, _ := ctx.Value(urgencyKey{}).(*Urgency)
	if y, ok := ctx.Value(yieldKey{}).(yielding); ok {
		yielded, err := b.yield(ctx, y, u)
		if err != nil {
			return err
		}
		if !yielded {
			return b.Wait(context.WithValue(ctx, yieldKey{}, nil)) // hurried: the token at once, in turn
		}
	} else {
		now := b.now()
		r := b.lim.ReserveN(now, 1)
		if !r.OK() {
			return errors.New("budget: no token can ever be granted")
		}
		if err := b.sleep(ctx, r.DelayFrom(now)); err != nil {
			r.CancelAt(b.now())
			return err
		}
	}
	if u != nil {
		u.sent.Store(true)
	}
	b.mu.Lock()
	b.used++
	b.mu.Unlock()
	for c, _ := ctx.Value(counterKey{}).(*counter); c != nil; c = c.outer {
		c.n.Add(1)
	}
	if granted, ok := ctx.Value(grantKey{}).(func()); ok {
		granted()
	}
	return nil
}

// yield takes a token only while y.keep more stay in the bucket (at most
// what it can hold besides this one), and while the read planned next
// (y.next) would still find what it needs when it starts. It holds no
// reservation while it waits, so requests that do not yield never queue
// behind it. It returns false, taking nothing, when u is hurried
// meanwhile.
func (b *Budget) yield(ctx context.Context, y yielding, u *Urgency) (bool, error) {
	var hurry <-chan struct{}
	if u != nil {
		hurry = u.hurry
	}
	for {
		now := b.now()
		burst := float64(b.lim.Burst())
		perSecond := float64(b.lim.Limit())
		if perSecond <= 0 {
			return true, errors.New("budget: no token can ever be granted")
		}
		need := 1 + min(y.keep, burst-1)
		var until time.Time // when the planned read stops holding this one back
		if y.next != nil {
			// A token taken now is one fewer when the planned read starts,
			// less the refill until then. A read overdue by more than a
			// full bucket's refill is not waiting for tokens (the account
			// is paused or failing): it holds nothing back.
			n, at := y.next()
			if late := now.Sub(at).Seconds(); n > 0 && late < burst/perSecond {
				if ahead := 1 + min(n, burst) - perSecond*max(-late, 0); ahead > need {
					need, until = ahead, at
				}
			}
		}
		tokens := b.lim.TokensAt(now)
		if need <= burst && tokens >= need && b.lim.AllowN(now, 1) {
			return true, nil
		}
		// Rounded up: a wait a nanosecond short finds the token a hair
		// under whole, and waited again.
		wait := time.Duration(math.Ceil(max(min(need, burst)-tokens, 0) / perSecond * float64(time.Second)))
		if !until.IsZero() {
			// The refill that would cover it counts against it as well:
			// look again once the planned read has started.
			wait = max(wait, until.Sub(now), time.Duration(float64(time.Second)/perSecond/8))
		}
		t := b.clock.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return true, ctx.Err()
		case <-hurry:
			t.Stop()
			return false, nil
		case <-t.Chan():
		}
	}
}

// Urgency lets a read that yields stop yielding: a webhook's hint about a
// line whose poll waits for its token rides on that poll.
type Urgency struct {
	sent  atomic.Bool // a request of the read got its token
	hurry chan struct{}
	once  sync.Once
}

// NewUrgency makes an Urgency for one read.
func NewUrgency() *Urgency { return &Urgency{hurry: make(chan struct{})} }

type urgencyKey struct{}

// WithUrgency returns a context whose requests u can hurry.
func WithUrgency(ctx context.Context, u *Urgency) context.Context {
	return context.WithValue(ctx, urgencyKey{}, u)
}

// Hurry makes the read's requests stop yielding and reports whether none
// of them had got its token yet: then every one goes after this call,
// and the read sees what happened before it. (It looks before letting
// them go: looking after, a request freed by the hurry that took its
// token at once counted as one gone before it.)
func (u *Urgency) Hurry() bool {
	unsent := !u.sent.Load()
	u.once.Do(func() { close(u.hurry) })
	return unsent
}

// Ready is how long until n requests (at most what the bucket holds) may
// go at once without waiting: 0 when they may now.
func (b *Budget) Ready(n float64) time.Duration {
	n = min(n, float64(b.lim.Burst()))
	short := n - b.lim.TokensAt(b.now())
	perSecond := float64(b.lim.Limit())
	if short <= 0 || perSecond <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(short / perSecond * float64(time.Second))) // up: by then they may
}

type yieldKey struct{}

// Yielding returns a context whose requests give way to the others: each
// waits until the bucket would still hold keep tokens after it, so reads
// that should not wait (the engine's hot reads) find them. The engine's
// periodic listings use YieldingAhead.
func Yielding(ctx context.Context, keep float64) context.Context {
	return context.WithValue(ctx, yieldKey{}, yielding{keep: keep})
}

// YieldingAhead is Yielding that also gives way to the read planned next:
// next tells how many requests it needs and when it starts (need 0: none
// planned). A request waits while taking a token would leave the bucket
// short of them then. (Keeping a bucketful could not protect a read that
// costs a bucketful: a cold request took the token that refilled just
// before it, and the read came a token late.)
func YieldingAhead(ctx context.Context, keep float64, next func() (need float64, at time.Time)) context.Context {
	return context.WithValue(ctx, yieldKey{}, yielding{keep: keep, next: next})
}

type yielding struct {
	keep float64
	next func() (float64, time.Time)
}

// sleep waits d on the budget's clock, or until ctx ends.
func (b *Budget) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := b.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.Chan():
		return nil
	}
}

type grantKey struct{}

// OnGrant returns a context whose requests call granted as the budget
// lets each go, so a benchmark can tell a read's wait for its token from
// the provider's answer.
func OnGrant(ctx context.Context, granted func()) context.Context {
	return context.WithValue(ctx, grantKey{}, granted)
}

type counterKey struct{}

// counter is one WithCounter's count and the one it was made inside.
type counter struct {
	n     *atomic.Int64
	outer *counter
}

// WithCounter returns a context whose requests are counted in c (and in
// every counter of ctx), so the engine learns what each kind of poll
// costs even with calls in parallel, and a wrapper can count them too.
func WithCounter(ctx context.Context, c *atomic.Int64) context.Context {
	outer, _ := ctx.Value(counterKey{}).(*counter)
	return context.WithValue(ctx, counterKey{}, &counter{n: c, outer: outer})
}

// Used counts requests sent through the budget.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// PausedUntil is when a 429 pause ends (zero when none).
func (b *Budget) PausedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pausedUntil.Before(b.now()) {
		return time.Time{}
	}
	return b.pausedUntil
}

// PauseUntil stops all requests until t (extends, never shortens, a pause).
func (b *Budget) PauseUntil(t time.Time) {
	b.mu.Lock()
	if t.After(b.pausedUntil) {
		b.pausedUntil = t
	}
	b.mu.Unlock()
}

// maxBackoff caps the pause after repeated 429s that carry no hint;
// maxHint caps a pause the provider asks for.
const (
	maxBackoff = 5 * time.Minute
	maxHint    = 30 * time.Minute
)

// RateLimited records a 429. With a hint from the provider the account
// pauses exactly that long; without one it backs off exponentially from one
// second, with jitter, up to five minutes. It returns the pause chosen.
func (b *Budget) RateLimited(hint time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	// A provider's own hint is honoured up to maxHint: a wild header must
	// not freeze an account for a day; after it, a 429 pauses again.
	d := min(hint, maxHint)
	if d <= 0 {
		b.strikes++
		d = time.Second << min(b.strikes-1, 9)
		d += time.Duration(rand.Int64N(int64(d)/4 + 1))
		d = min(d, maxBackoff)
	}
	if t := b.now().Add(d); t.After(b.pausedUntil) {
		b.pausedUntil = t
	}
	return d
}

// Succeeded resets the 429 backoff.
func (b *Budget) Succeeded() {
	b.mu.Lock()
	b.strikes = 0
	b.mu.Unlock()
}

// Observe takes the provider's own accounting (X-RateLimit-Remaining and
// -Reset): with nothing left, the account pauses until the window resets.
func (b *Budget) Observe(limit, remaining int, reset time.Time) {
	if limit > 0 && float64(limit) < b.PerMinute() {
		b.SetPerMinute(float64(limit))
	}
	if remaining == 0 && !reset.IsZero() {
		if limit := b.now().Add(maxHint); reset.After(limit) {
			reset = limit
		}
		b.PauseUntil(reset)
	}
}
