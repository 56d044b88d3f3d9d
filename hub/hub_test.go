package hub

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/goleak"

	"switchboard/backend"
)

// fakeSource is an engine stand-in: an initial state and a channel.
type fakeSource struct {
	init backend.Event
	ch   chan backend.Event
}

func (f *fakeSource) Initial() backend.Event       { return f.init }
func (f *fakeSource) Events() <-chan backend.Event { return f.ch }

func line(id, code string) backend.Line {
	return backend.Line{Key: backend.MakeKey(backend.FiveSim, "a", backend.ItemLine, id), Account: "a",
		Provider: backend.FiveSim, ID: id, Code: code}
}

// started runs a hub over a fake source until the test ends.
func started(t *testing.T, init backend.Event, o Options) (*Hub, chan backend.Event) {
	t.Helper()
	src := &fakeSource{init: init, ch: make(chan backend.Event)}
	h := New(src, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h, src.ch
}

func next(t *testing.T, s *Sub) backend.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, ok := s.Next(ctx)
	if !ok {
		t.Fatal("no event")
	}
	return ev
}

func TestSubscriberStartsFromTheCurrentStateThenGetsChanges(t *testing.T) {
	h, ch := started(t, backend.Event{Accounts: []backend.Account{{Name: "a"}}, Lines: []*backend.Line{new(line("1", ""))}}, Options{})
	early, snap := h.Subscribe("alice")
	if len(snap.Lines) != 1 || len(snap.Accounts) != 1 {
		t.Fatalf("first snapshot: %+v", snap)
	}
	ch <- backend.Event{Lines: []*backend.Line{new(line("1", "1234"))}, Actions: []backend.JournalEntry{
		{Action: backend.Action{ID: "x", Kind: backend.ActRenew}, State: backend.JournalPending}}}
	if ev := next(t, early); len(ev.Lines) != 1 || ev.Lines[0].Code != "1234" {
		t.Fatalf("change: %+v", ev)
	}
	// A later subscriber starts from the state as it is now, unsettled
	// actions included.
	_, snap = h.Subscribe("bob")
	if len(snap.Lines) != 1 || snap.Lines[0].Code != "1234" || len(snap.Actions) != 1 {
		t.Fatalf("late snapshot: %+v", snap)
	}
	ch <- backend.Event{Actions: []backend.JournalEntry{{Action: backend.Action{ID: "x"}, State: backend.JournalDone}},
		Removed: []backend.Key{line("1", "").Key}}
	next(t, early)
	if snap := h.Snapshot(); len(snap.Lines) != 0 || len(snap.Actions) != 0 {
		t.Fatalf("settled actions and removed lines stay: %+v", snap)
	}
}

// A notice answering one operator's action is told to that operator
// only; notices for everyone reach everyone.
func TestNoticesAnsweringAnActionGoToItsOperator(t *testing.T) {
	h, ch := started(t, backend.Event{}, Options{})
	alice, _ := h.Subscribe("alice")
	bob, _ := h.Subscribe("bob")
	ch <- backend.Event{Notices: []backend.Notice{{Text: "renew refused", Operator: "bob"}, {Text: "for all"}}}
	ch <- backend.Event{Notices: []backend.Notice{{Text: "last"}}}
	var got []string
	for len(got) < 2 {
		for _, n := range next(t, alice).Notices {
			got = append(got, n.Text)
		}
	}
	if fmt.Sprint(got) != "[for all last]" {
		t.Fatalf("alice was told %v", got)
	}
	if ev := next(t, bob); len(ev.Notices) < 2 || ev.Notices[0].Text != "renew refused" {
		t.Fatalf("bob was told %+v", ev.Notices)
	}
}

// A subscriber that stops reading never holds up publishing or the
// others; it is dropped to reload and catches up from a snapshot that
// also removes what went away meanwhile.
func TestStalledSubscriberIsDroppedToReload(t *testing.T) {
	h, ch := started(t, backend.Event{Lines: []*backend.Line{new(line("keep", "")), new(line("drop", ""))}}, Options{MaxPending: 10})
	stalled, _ := h.Subscribe("viewer")
	live, _ := h.Subscribe("alice")
	for i := range 100 {
		ch <- backend.Event{Notices: []backend.Notice{{Text: fmt.Sprint(i)}}, Lines: []*backend.Line{new(line("keep", fmt.Sprint(i)))}}
		next(t, live)
	}
	ch <- backend.Event{Removed: []backend.Key{line("drop", "").Key}}
	next(t, live)
	stalled.mu.Lock()
	dropped, held := stalled.dropped, stalled.pending.Take()
	stalled.mu.Unlock()
	if !dropped || !held.Empty() {
		t.Fatalf("stalled subscriber not dropped (dropped %v, holding %d notices)", dropped, len(held.Notices))
	}
	ev := next(t, stalled)
	if len(ev.Lines) != 1 || ev.Lines[0].Code != "99" || len(ev.Removed) != 1 || stalled.Reloads() != 1 {
		t.Fatalf("reload: lines %+v removed %v", ev.Lines, ev.Removed)
	}
}

// Changes left untaken longer than MaxLag drop the subscriber even when
// they are few.
func TestLaggingSubscriberIsDropped(t *testing.T) {
	clock := clockwork.NewFakeClock()
	h, ch := started(t, backend.Event{}, Options{MaxLag: time.Second, Clock: clock})
	s, _ := h.Subscribe("x")
	live, _ := h.Subscribe("y") // its Next returns once a publish is over
	ch <- backend.Event{Lines: []*backend.Line{new(line("1", "1"))}}
	next(t, live)
	clock.Advance(2 * time.Second)
	ch <- backend.Event{Lines: []*backend.Line{new(line("1", "2"))}}
	next(t, live)
	next(t, s)
	if s.Reloads() != 1 {
		t.Fatal("a subscriber that left its changes for 2 s was not reloaded")
	}
}

// When the engine stops, every subscriber gets what was pending, then the
// end; nothing is left running.
func TestSubscribersEndWithTheSource(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := &fakeSource{ch: make(chan backend.Event)}
	h := New(src, Options{})
	done := make(chan struct{})
	go func() { defer close(done); h.Run(context.Background()) }()
	s, _ := h.Subscribe("a")
	src.ch <- backend.Event{Lines: []*backend.Line{new(line("1", ""))}}
	close(src.ch)
	<-done
	if ev := next(t, s); len(ev.Lines) != 1 {
		t.Fatalf("pending change lost at the end: %+v", ev)
	}
	if _, ok := s.Next(context.Background()); ok {
		t.Fatal("Next after the end reported an event")
	}
	late, _ := h.Subscribe("late")
	if _, ok := late.Next(context.Background()); ok {
		t.Fatal("a subscriber joining after the end waits forever")
	}
	closed, _ := h.Subscribe("c")
	closed.Close()
	if _, ok := closed.Next(context.Background()); ok {
		t.Fatal("Next after Close reported an event")
	}
}

// TestLateSubscriberKnowsWhichLeasesWereListed: a session that joins after
// the engine listed an account's leases is told so in its snapshot (or
// its Expiries pane would say "loading…" for good).
func TestLateSubscriberKnowsWhichLeasesWereListed(t *testing.T) {
	h, ch := started(t, backend.Event{Accounts: []backend.Account{{Name: "a"}, {Name: "b"}}}, Options{})
	early, _ := h.Subscribe("alice")
	ch <- backend.Event{LeasesListed: []string{"a"}}
	if ev := next(t, early); len(ev.LeasesListed) != 1 || ev.LeasesListed[0] != "a" {
		t.Fatalf("change: %+v", ev)
	}
	ch <- backend.Event{LeasesListed: []string{"b", "a"}}
	next(t, early)
	if _, snap := h.Subscribe("bob"); len(snap.LeasesListed) != 2 {
		t.Fatalf("late snapshot lists %v, want a and b", snap.LeasesListed)
	}
}
