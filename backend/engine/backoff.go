package engine

import (
	"math/rand/v2"
	"time"

	"switchboard/backend"
)

// maxBackoff caps the wait between tries of an account whose calls fail:
// an unreachable provider costs one call every 2.5–5 minutes, not one a
// minute or two (200 such accounts kept the dashboard busy), and Refresh
// tries at once.
const maxBackoff = 5 * time.Minute

// backoffAfter is how long an account waits after a failed call, with
// jitter: doubling from a second with each failure in a row, up to
// maxBackoff; bad credentials wait the cap at once.
func backoffAfter(failures int, kind backend.ErrKind) time.Duration {
	d := min(time.Second<<min(failures, 10), maxBackoff)
	if kind == backend.ErrAuth {
		d = maxBackoff
	}
	return d/2 + time.Duration(rand.Int64N(int64(d)/2+1))
}

// noteError keeps err as the account's error and reports whether that
// is news: the first error of a trouble, or one of another kind. Failing
// calls word the same outage each their own way ("balance: …", "check
// order 12: …"); taking each new wording would re-announce (redraw and
// save) the account on every failure.
func (a *acct) noteError(err error, wasFailing bool) bool {
	kind := backend.KindOf(err)
	if wasFailing && kind == a.errKind && a.info.LastError != "" {
		return false
	}
	a.errKind, a.info.LastError = kind, err.Error()
	return true
}

// probing reports whether the account should start no other call now: a
// failing account tries one call at a time, so each round of its backoff
// costs one call, not a cold and a hot read.
func (a *acct) probing() bool {
	return a.failures > 0 && (a.coldBusy || a.inflight > 0)
}
