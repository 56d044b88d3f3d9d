package engine

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
)

// A still engine (--print) hands over the same initial state as one that
// will run — a read-only account's lines without their actions, a code
// time from the future clamped, the lines of an account no longer
// configured left out — without the polling state it never uses.
func TestStillEngineHandsOverTheSameInitial(t *testing.T) {
	initial := func(still bool) (backend.Event, *Engine) {
		f := newFake(backend.FiveSim, "a", true, 600)
		ro := newFake(backend.FiveSim, "ro", true, 600)
		gone := newFake(backend.FiveSim, "gone", true, 600)
		store := cachedLines(f)
		future := f.lines["1"]
		future.Code, future.CodeAt = "1234", f.clock.Now().Add(time.Hour)
		store.snap.Lines[0] = future
		store.snap.Lines = append(store.snap.Lines,
			ro.addLine("7", backend.LineWaiting, backend.Allow(backend.ActCancel)),
			gone.addLine("9", backend.LineWaiting, backend.Allow(backend.ActCancel)))
		e, err := New([]AccountSpec{{Provider: f, Budget: f.budget}, {Provider: ro, Budget: ro.budget, ReadOnly: true}},
			Options{Store: store, Clock: f.clock, Still: still})
		if err != nil {
			t.Fatal(err)
		}
		return e.Initial(), e
	}
	lines := func(ev backend.Event) []backend.Line {
		var out []backend.Line
		for _, l := range ev.Lines {
			out = append(out, *l)
		}
		slices.SortFunc(out, func(a, b backend.Line) int { return strings.Compare(string(a.Key), string(b.Key)) })
		return out
	}
	running, _ := initial(false)
	still, e := initial(true)
	if got, want := lines(still), lines(running); !reflect.DeepEqual(got, want) {
		t.Fatalf("a still engine's lines:\n%+v\na running one's:\n%+v", got, want)
	}
	if len(running.Lines) != 4 || !reflect.DeepEqual(still.Accounts, running.Accounts) {
		t.Fatalf("%d lines; accounts %+v / %+v", len(running.Lines), still.Accounts, running.Accounts)
	}
	if n := len(e.accts["a"].lines) + len(e.accts["a"].due); n != 0 {
		t.Fatalf("a still engine keeps polling state for %d lines", n)
	}
}
