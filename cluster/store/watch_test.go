package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/backend"
)

// next reads one change or fails the test.
func next(t *testing.T, ch <-chan Change) Change {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("the watch closed")
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no change within 10 s")
	}
	return Change{}
}

func describe(c Change) string {
	s := fmt.Sprintf("%s %s", c.Kind, c.Key)
	if c.Deleted {
		s += " deleted"
	}
	return s
}

// Another node sees every change after the revision it loaded at, typed
// and in order; it resumes from any revision it saw; once the revisions
// it needs are compacted it is told to reload.
func TestWatchResumesFromARevisionAndReportsCompaction(t *testing.T) {
	c := etcd.Client(t)
	f := elect(t, c, "main")
	s := open(t, c, f, fixed(t0))
	reader := open(t, etcd.Client(t), &fences{m: map[string]fence{}}, nil) // a node owning nothing
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 0)}})
	_, loadedAt, err := reader.LoadRev()
	must(t, err)
	snap, _ := reader.Load()
	if len(snap.Lines) != 0 {
		t.Fatal("the reader flushed the writer's queue?")
	}

	item := lineKey("main", 1)
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 1)}})
	must(t, s.Flush())
	_, err = s.AddMessages([]backend.Message{sampleMessage(item, "m1", t0)})
	must(t, err)
	must(t, s.Journal(entry("main", "renew-1", backend.ActRenew, item, backend.JournalPending, t0)))
	s.Save(backend.StateChange{DeleteLines: []backend.Key{item}, Accounts: []backend.Account{{Name: "main", Provider: backend.FiveSim}},
		Watch: []backend.Key{item}})
	must(t, s.Flush())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	all := reader.Watch(ctx, loadedAt+1)
	want := []string{
		"lines fivesim/main/line/0", // saved before the load, flushed after it
		"lines fivesim/main/line/1",
		"messages fivesim/main/line/1/m1",
		"journal renew-1",
		"accounts fivesim/main",
		"lines fivesim/main/line/1 deleted",
		"watched fivesim/main/line/1",
	}
	var got []Change
	for range want {
		got = append(got, next(t, all))
	}
	var names []string
	for _, c := range got {
		names = append(names, describe(c))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("changes\n%q\nwant\n%q", names, want)
	}
	if m := got[2].Message; m == nil || m.ID != "m1" || m.Code != "12345" {
		t.Errorf("message change %+v", got[2])
	}
	if j := got[3].Journal; j == nil || j.State != backend.JournalPending || j.Action.Target != item {
		t.Errorf("journal change %+v", got[3])
	}
	if l := got[1].Line; l == nil || l.Number != sampleLine("main", 1).Number {
		t.Errorf("line change %+v", got[1])
	}
	for i := 1; i < len(got); i++ {
		if got[i].Rev < got[i-1].Rev {
			t.Errorf("revisions out of order: %d after %d", got[i].Rev, got[i-1].Rev)
		}
	}

	// Resume after the message: the journal entry comes first again.
	resumed := reader.Watch(ctx, got[2].Rev+1)
	if c := next(t, resumed); describe(c) != "journal renew-1" {
		t.Errorf("resumed at %q, want the journal entry", describe(c))
	}
	// Changes made later still arrive on the first stream.
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 2)}})
	must(t, s.Flush())
	if c := next(t, all); describe(c) != "lines fivesim/main/line/2" {
		t.Errorf("live change %q", describe(c))
	}

	// Compact everything up to now: a watch from before must reload.
	resp, err := c.Get(ctxFor(t), "compact-me")
	must(t, err)
	_, err = c.Compact(ctxFor(t), resp.Header.Revision)
	must(t, err)
	stale := reader.Watch(ctx, loadedAt+1)
	end := next(t, stale)
	var compacted *CompactedError
	if !errors.As(end.Err, &compacted) || !errors.Is(end.Err, ErrCompacted) || compacted.Rev != resp.Header.Revision {
		t.Fatalf("watch from a compacted revision: %+v", end)
	}
	if _, open := <-stale; open {
		t.Error("the watch went on after reporting compaction")
	}
	// Reload, then watch from the new revision: nothing is missed.
	_, rev, err := reader.LoadRev()
	must(t, err)
	fresh := reader.Watch(ctx, rev+1)
	s.Save(backend.StateChange{DeleteLines: []backend.Key{lineKey("main", 2)}})
	must(t, s.Flush())
	if c := next(t, fresh); describe(c) != "lines fivesim/main/line/2 deleted" {
		t.Errorf("after reload %q", describe(c))
	}
}
