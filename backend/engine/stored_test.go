package engine

import (
	"context"
	"testing"
	"time"

	"switchboard/backend"
)

// repeater answers every read of its lines with the same SMS, as a listing
// repeats the messages of its orders.
type repeater struct {
	*fakeProvider
	msg backend.Message
}

func (r *repeater) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	got, _, err := r.fakeProvider.Check(ctx, lines)
	return got, []backend.Message{r.msg}, err
}

// A read that brings back only messages the ledger holds writes nothing:
// the ledger works once per new SMS, not once per read.
func TestRepeatedMessagesAreWrittenOnce(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim", true, 1200)
	l := f.addLine("1", backend.LineWaiting, 0)
	store := newMemStore()
	r := &repeater{fakeProvider: f, msg: backend.Message{ID: "m1", Line: l.Key, Text: "code 4821", Code: "4821"}}
	_, c := startEngine(t, store, AccountSpec{Provider: r, Budget: f.budget})
	c.waitFor(t, 5*time.Second, func(ev backend.Event) bool { return len(ev.Messages) > 0 })
	reads := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.checks["1"]
	}
	from := reads()
	for reads() < from+10 {
		time.Sleep(time.Millisecond)
	}
	if n := store.adds.Load(); n != 1 {
		t.Errorf("the ledger was written %d times for one SMS read %d times", n, reads())
	}
	if stored, _ := store.Messages(l.Key, 0); len(stored) != 1 {
		t.Errorf("ledger holds %d messages, want 1", len(stored))
	}
}
