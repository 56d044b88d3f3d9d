package engine

import "time"

// coldWindow is how far back the cold requests actually spent are summed
// to plan hot reads.
const coldWindow = time.Minute

// costWindow is how far back hot reads' costs are averaged to space them
// (see acct.costTook).
const costWindow = 20 * time.Second

// spendLog keeps the requests spent by some kind of read over the last
// span. Periodic cold reads are summed with it (coldWindow) rather than
// taking each task's cost over its nominal period: cold reads run one at
// a time and yield, jobs stop running, so the nominal figure ran a few
// percent high and left that much of the hot share unspent. Hot reads'
// costs are averaged with it (costWindow).
type spendLog struct {
	span  time.Duration
	first time.Time // the first record: the log is full span after it
	spent []spent   // oldest first
	sum   float64
}

type spent struct {
	at time.Time
	n  float64
}

func (w *spendLog) add(at time.Time, n float64) {
	if w.first.IsZero() {
		w.first = at
	}
	w.spent = append(w.spent, spent{at, n})
	w.sum += n
}

// perMinute is the requests spent over the last span, per minute; false
// until the log has been full once (at the start every cold task runs at
// once, and the sum would not be a rate yet).
func (w *spendLog) perMinute(now time.Time) (float64, bool) {
	if w.first.IsZero() || now.Sub(w.first) < w.span {
		return 0, false
	}
	w.forget(now)
	return w.sum / w.span.Minutes(), true
}

// mean is the requests per read over the last span; false when no read
// is that recent.
func (w *spendLog) mean(now time.Time) (float64, bool) {
	w.forget(now)
	if len(w.spent) == 0 {
		return 0, false
	}
	return w.sum / float64(len(w.spent)), true
}

// forget drops the records older than span.
func (w *spendLog) forget(now time.Time) {
	drop := 0
	for drop < len(w.spent) && now.Sub(w.spent[drop].at) >= w.span {
		w.sum -= w.spent[drop].n
		drop++
	}
	if drop > 0 {
		w.spent = append(w.spent[:0], w.spent[drop:]...)
		if len(w.spent) == 0 {
			w.sum = 0 // no drift from adding and taking away floats
		}
	}
}
