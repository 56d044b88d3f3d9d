package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"switchboard/backend"
)

// checkDue reports where an account's heap of due lines disagrees with
// its lines: every line that can be read and is not being read is in it,
// no other, in heap order.
func checkDue(a *acct) []string {
	var bad []string
	for id, l := range a.lines {
		in := l.slot >= 0 && l.slot < len(a.due) && a.due[l.slot] == l
		if want := readable(l.State) && !l.checking; in != want {
			bad = append(bad, fmt.Sprintf("line %s (%s, checking %v): in the heap %v", id, l.State, l.checking, in))
		}
	}
	for i, l := range a.due {
		if a.lines[l.ID] != l {
			bad = append(bad, fmt.Sprintf("heap holds line %s the account dropped", l.ID))
		}
		if p := (i - 1) / 2; i > 0 && a.due.Less(i, p) {
			bad = append(bad, fmt.Sprintf("heap order broken at %d", i))
		}
	}
	return bad
}

// The heap follows every change the engine makes to a line: listings,
// codes, reads in flight and back, lines closing, dropped and reopened.
func TestDueLinesFollowEveryChange(t *testing.T) {
	t.Parallel()
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			f := newFake(backend.PivDay, "piv", batch, 1200)
			states := []backend.LineState{backend.LineWaiting, backend.LinePending, backend.LineActive, backend.LineFinished}
			for i := range 12 {
				f.addLine(fmt.Sprintf("l%02d", i), states[i%len(states)], 0)
			}
			e, _ := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget})
			check := func(step string) {
				t.Helper()
				done := make(chan []string)
				e.post(func() { done <- checkDue(e.accts["piv"]) })
				select {
				case bad := <-done:
					for _, b := range bad {
						t.Errorf("%s: %s", step, b)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s: the engine did not answer", step)
				}
			}
			for round := range 6 {
				sleepFake(t, f.clock, 3*time.Second)
				check(fmt.Sprintf("round %d", round))
				// Lines change under the engine: codes, closings, reopenings.
				f.deliver(fmt.Sprintf("l%02d", round*2%12), fmt.Sprintf("%04d", round))
				f.mu.Lock()
				for id, l := range f.lines {
					if (len(id)+round)%3 == 0 {
						l.State = states[(round+int(id[2]))%len(states)]
						f.lines[id] = l
					}
				}
				f.mu.Unlock()
				e.Refresh("piv")
			}
			// Closed lines a day old leave the account, and the heap.
			f.clock.Advance(25 * time.Hour)
			e.Refresh("piv")
			sleepFake(t, f.clock, 3*time.Second)
			check("after the day")
		})
	}
}

// A line that could not be read for a while (pending) and opens again
// takes its turn with the others: it does not get a run of reads to catch
// up on the pass it did not advance while it waited.
func TestLineOpenAgainWaitsItsTurn(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 1200) // about 15 hot reads a second
	f.addLine("a", backend.LineWaiting, 0)
	f.addLine("b", backend.LineWaiting, 0)
	p := f.addLine("p", backend.LinePending, 0)
	rec := &orderRecorder{fakeProvider: f}
	e, _ := startEngine(t, newMemStore(), AccountSpec{Provider: rec, Budget: f.budget})
	reads := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(rec.sequence()) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		seq := rec.sequence()
		if len(seq) < n {
			t.Fatalf("only %d reads", len(seq))
		}
		return seq
	}
	reads(40) // a and b: 20 reads each while p waits
	p.State = backend.LineWaiting
	f.setLine(p)
	e.Refresh("piv") // the listing tells the engine p is open
	var from int
	for from = len(rec.sequence()); ; {
		seq := reads(from + 1)
		if seq[from] == "p" {
			break
		}
		from++
	}
	seq := reads(from + 9)[from : from+9]
	n := 0
	for _, id := range seq {
		if id == "p" {
			n++
		}
	}
	if n > 4 {
		t.Errorf("p, open again, took %d of the 9 reads after it joined (%v); three lines share them", n, seq)
	}
}

// Merging a listing of 10,000 lines the engine holds, one of them
// changed, allocates for the change only: no copy of every line.
func TestListingWithOneChangeAllocatesForTheChange(t *testing.T) {
	clock := clockwork.NewFakeClockAt(testStart)
	f := newFake(backend.FiveSim, "5sim", true, 120)
	e, err := New([]AccountSpec{{Provider: f, Budget: backend.NewBudgetClock(120, clock)}},
		Options{Store: discardStore{newMemStore()}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ac := e.accts["5sim"]
	lines := listing(10000, clock.Now())
	e.mergeLines(ac, lines, nil)
	e.out.pending.Take()
	lines[1234].ExpiresAt = backend.InstantOf(lines[1234].ExpiresAt.Time().Add(time.Hour))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	e.mergeLines(ac, lines, nil)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
		t.Errorf("merging a listing with one change allocated %d KB", got>>10)
	}
	if ev := e.out.pending.Take(); len(ev.Lines) != 1 || ev.Lines[0].ID != lines[1234].ID {
		t.Errorf("emitted %d lines, want the one that changed", len(ev.Lines))
	}
}
