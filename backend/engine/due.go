package engine

import (
	"container/heap"

	"switchboard/backend"
)

// An account's hot reads pick the line with the smallest stride pass
// (ties to the lower id). The lines they may pick sit in a min-heap, so
// the pick costs O(log n) however many lines the account holds, and a
// merge touches only the lines it changes. A line is in the heap while it
// can receive (open, not pending) and is not being read; every change to
// a line's State or checking flag is followed by acct.queue, and a line
// that left those conditions without it is dropped when it comes to the
// top.

// dueLines is the heap; lineState.slot is each line's place in it.
type dueLines []*lineState

func (h dueLines) Len() int { return len(h) }

func (h dueLines) Less(i, j int) bool {
	a, b := h[i], h[j]
	return a.pass < b.pass || (a.pass == b.pass && a.ID < b.ID)
}

func (h dueLines) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].slot, h[j].slot = i, j
}

func (h *dueLines) Push(x any) {
	l := x.(*lineState)
	l.slot = len(*h)
	*h = append(*h, l)
}

func (h *dueLines) Pop() any {
	old := *h
	l := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	l.slot = -1
	return l
}

// readable: a line in this state can receive an SMS worth reading for.
func readable(s backend.LineState) bool { return s.Open() && s != backend.LinePending }

// ready: hot reads may pick the line now.
func (a *acct) ready(l *lineState) bool { return readable(l.State) && !l.checking }

// forget takes a line the account drops out of the heap.
func (a *acct) forget(l *lineState) {
	if l.slot >= 0 {
		heap.Remove(&a.due, l.slot)
	}
}

// queue puts a line in the heap or takes it out, as ready says. A line
// that joins (new, back from a read, open again) starts no earlier than
// the pass hot reads have reached, so it does not take a run of reads to
// catch up on time it was not readable.
func (a *acct) queue(l *lineState) {
	switch in, want := l.slot >= 0, a.ready(l); {
	case want && !in:
		l.pass = max(l.pass, a.floor)
		heap.Push(&a.due, l)
	case !want && in:
		heap.Remove(&a.due, l.slot)
	}
}

// nextDue is the line hot reads pick next, nil when none can be read.
func (a *acct) nextDue() *lineState {
	for len(a.due) > 0 {
		if l := a.due[0]; a.ready(l) {
			return l
		}
		heap.Pop(&a.due) // closed or being read without queue
	}
	return nil
}

// takeAllDue empties the heap for a batch read and returns the lines it
// held that can be read.
func (a *acct) takeAllDue() []*lineState {
	out := make([]*lineState, 0, len(a.due))
	for _, l := range a.due {
		l.slot = -1
		if a.ready(l) {
			out = append(out, l)
		}
	}
	clear(a.due)
	a.due = a.due[:0]
	return out
}
