package engine

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"switchboard/backend"
)

// published keeps every line value the engine handed out, with a copy of
// what it said when it was handed out.
type published struct {
	ptrs []*backend.Line
	saw  []backend.Line
}

func (p *published) keep(ev backend.Event) {
	for _, l := range ev.Lines {
		p.ptrs = append(p.ptrs, l)
		p.saw = append(p.saw, *l)
	}
}

// changed lists the handed-out values that no longer say what they said.
func (p *published) changed() []string {
	var out []string
	for i, l := range p.ptrs {
		if !reflect.DeepEqual(*l, p.saw[i]) {
			out = append(out, string(l.Key))
		}
	}
	return out
}

// cachedLines is a store holding lines 1..3 of fake account "a".
func cachedLines(f *fakeProvider) *memStore {
	store := newMemStore()
	for _, id := range []string{"1", "2", "3"} {
		l := f.addLine(id, backend.LineWaiting, backend.Allow(backend.ActCancel, backend.ActCheck))
		store.snap.Lines = append(store.snap.Lines, l)
	}
	return store
}

// The engine publishes its own line values (one copy of each line in the
// process: the engine's, the hub's and every screen's are the same), so it
// must never change one it has handed out: every change makes a new value.
// This runs every kind of change on an idle engine and compares what was
// handed out with what it said then.
func TestEngineNeverChangesALineItPublished(t *testing.T) {
	f := newFake(backend.FiveSim, "a", true, 600)
	store := cachedLines(f)
	e := idleEngine(t, store, f)
	a := e.accts["a"]
	var p published
	take := func() { p.keep(e.out.pending.Take()) }
	p.keep(e.Initial())
	if len(p.ptrs) != 3 {
		t.Fatalf("the cached lines were not published: %d", len(p.ptrs))
	}
	listing := func() []backend.Line {
		var ls []backend.Line
		for _, id := range []string{"1", "2", "3"} {
			ls = append(ls, f.lines[id])
		}
		return ls
	}
	msg := func(id, code string, unsaved bool) backend.Message {
		now := f.clock.Now()
		return backend.Message{ID: "m-" + id + "-" + code, Line: f.lines[id].Key, Code: code, Text: "code " + code,
			ReceivedAt: now, SeenAt: now, Unsaved: unsaved}
	}

	e.mergeLines(a, listing(), nil) // nothing new: merged in place
	take()
	f.clock.Advance(time.Second)
	e.mergeLines(a, nil, []backend.Message{msg("1", "1111", false)}) // a code
	take()
	f.clock.Advance(time.Second)
	l2 := f.lines["2"]
	l2.State, l2.Allowed = backend.LineActive, backend.Allow(backend.ActFinish)
	l3 := f.lines["3"]
	l3.Code, l3.CodeAt = "3333", backend.InstantOf(f.clock.Now()) // a code the listing names
	f.setLine(l2)
	f.setLine(l3)
	e.mergeLines(a, listing(), nil) // changes merged in place
	take()
	f.clock.Advance(time.Second)
	l1 := f.lines["1"]
	l1.NewWindow = true
	e.mergeLines(a, []backend.Line{l1, l1}, []backend.Message{msg("1", "1112", true)}) // a new window, listed twice, and its code
	take()
	if !e.takeState(a, backend.Action{Kind: backend.ActCancel, Target: l1.Key}, backend.LineCanceled) { // a refusal saying what the line is
		t.Fatal("no line took the refused state")
	}
	take()
	cooling := backend.Action{ID: "c-3", Kind: backend.ActCancel, Account: "a", Target: l3.Key}
	e.actionDone(a, backend.JournalEntry{Action: cooling, State: backend.JournalFailed}, backend.Outcome{}, nil,
		&backend.Error{Kind: backend.ErrRefused, RetryAfter: time.Minute}) // a refusal with a cooldown
	take()
	e.saved([]backend.Message{msg("1", "1112", true)}, f.clock.Now()) // the unsaved code is written
	take()

	if len(p.ptrs) < 8 {
		t.Fatalf("the scenario published too little to tell: %d values", len(p.ptrs))
	}
	if got := p.changed(); len(got) > 0 {
		t.Fatalf("the engine changed lines it had published: %v", got)
	}
}

// The engine holds the very values it publishes: the initial snapshot's
// lines and each changed line are not copied on the way out.
func TestEnginePublishesItsOwnLines(t *testing.T) {
	f := newFake(backend.FiveSim, "a", true, 600)
	e := idleEngine(t, cachedLines(f), f)
	a := e.accts["a"]
	for _, l := range e.Initial().Lines {
		if a.lines[l.ID].Line != l {
			t.Fatalf("line %s: the engine published a copy of its value", l.ID)
		}
	}
	now := f.clock.Now()
	k := f.lines["2"].Key
	e.mergeLines(a, nil, []backend.Message{{ID: "m", Line: k, Code: "2222", ReceivedAt: now, SeenAt: now}})
	ev := e.out.pending.Take()
	if len(ev.Lines) != 1 || ev.Lines[0] != a.lines["2"].Line || ev.Lines[0].Code != "2222" {
		t.Fatalf("the changed line was not published as the engine's own value: %+v", ev.Lines)
	}
}

// Loading takes the cached lines as they were decoded: one object a line
// (what the scheduler keeps beside it), no copy of the line itself for the
// engine nor for the first event.
func TestStartDoesNotCopyTheCachedLines(t *testing.T) {
	const n = 2000
	f := newFake(backend.FiveSim, "a", true, 600)
	store := newMemStore()
	for i := range n {
		id := "n" + strconv.Itoa(i)
		store.snap.Lines = append(store.snap.Lines, backend.Line{Key: backend.MakeKey(f.kind, f.account, backend.ItemLine, id),
			Account: f.account, Provider: f.kind, ID: id, State: backend.LineWaiting, CreatedAt: backend.InstantOf(testStart)})
	}
	allocs := testing.AllocsPerRun(3, func() {
		e, err := New([]AccountSpec{{Provider: f, Budget: f.budget}}, Options{Store: store, Clock: f.clock})
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Initial().Lines) != n {
			t.Fatal("lines missing")
		}
	})
	if perLine := allocs / n; perLine > 1.5 {
		t.Fatalf("starting allocates %.2f objects a cached line, want one (the scheduler's state)", perLine)
	}
}

// A listing that changes nothing keeps every published value and
// allocates nothing a line: each line is merged into one scratch value
// and compared, and only a changed line gets a value of its own.
func TestUnchangedListingKeepsThePublishedValues(t *testing.T) {
	const n = 500
	f := newFake(backend.FiveSim, "a", true, 600)
	store := newMemStore()
	var listing []backend.Line
	for i := range n {
		l := f.addLine("n"+strconv.Itoa(i), backend.LineWaiting, backend.Allow(backend.ActCheck))
		store.snap.Lines = append(store.snap.Lines, l)
		listing = append(listing, l)
	}
	e := idleEngine(t, store, f)
	a := e.accts["a"]
	held := map[string]*backend.Line{}
	for _, l := range e.Initial().Lines {
		held[l.ID] = l
	}
	allocs := testing.AllocsPerRun(5, func() { e.mergeLines(a, listing, nil) })
	if allocs > n/10 {
		t.Fatalf("merging an unchanged listing of %d lines allocates %.0f times", n, allocs)
	}
	for id, l := range held {
		if a.lines[id].Line != l {
			t.Fatalf("line %s: an unchanged listing replaced its published value", id)
		}
	}
	if ev := e.out.pending.Take(); len(ev.Lines) != 0 {
		t.Fatalf("an unchanged listing published %d lines", len(ev.Lines))
	}
}
