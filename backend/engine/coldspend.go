package engine

import "time"

// coldWindow is how far back the cold requests actually spent are summed
// to plan hot reads.
const coldWindow = time.Minute

// coldSpend sums the requests an account's periodic cold reads spent over
// the last coldWindow. Hot reads are planned with it rather than with each
// task's cost over its nominal period: cold reads run one at a time and
// yield, jobs stop running, so the nominal figure ran a few percent high
// and left that much of the hot share unspent.
type coldSpend struct {
	first time.Time // the first record: the window is full coldWindow after it
	spent []spent   // oldest first
	sum   float64
}

type spent struct {
	at time.Time
	n  float64
}

func (w *coldSpend) add(at time.Time, n float64) {
	if w.first.IsZero() {
		w.first = at
	}
	w.spent = append(w.spent, spent{at, n})
	w.sum += n
}

// perMinute is the requests spent over the last coldWindow, per minute;
// false until the window has been full once (at the start every task runs
// at once, and the sum would not be a rate yet).
func (w *coldSpend) perMinute(now time.Time) (float64, bool) {
	if w.first.IsZero() || now.Sub(w.first) < coldWindow {
		return 0, false
	}
	drop := 0
	for drop < len(w.spent) && now.Sub(w.spent[drop].at) >= coldWindow {
		w.sum -= w.spent[drop].n
		drop++
	}
	if drop > 0 {
		w.spent = append(w.spent[:0], w.spent[drop:]...)
		if len(w.spent) == 0 {
			w.sum = 0 // no drift from adding and taking away floats
		}
	}
	return w.sum / coldWindow.Minutes(), true
}
