package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/cluster/etcdtest"
)

func TestStateRoundTripLatestWinsAndDeletes(t *testing.T) {
	c := etcd.Client(t)
	s := open(t, c, elect(t, c, "main", "other"), nil)
	acct := backend.Account{Name: "main", Provider: backend.FiveSim, Balance: backend.NewMoney(decimal.New(1234, -2), "RUB"), Version: 3}
	var ch backend.StateChange
	for i := 5; i >= 0; i-- { // out of order: Load sorts
		ch.Lines = append(ch.Lines, sampleLine("main", i))
	}
	ch.Accounts = []backend.Account{acct}
	ch.Lines = append(ch.Lines, sampleLine("other", 1))
	ch.Leases = []backend.Lease{{Key: backend.MakeKey(backend.PivDay, "main", backend.ItemLease, "p1"), Account: "main", ID: "p1", ExpiresAt: t0}}
	ch.Jobs = []backend.Job{{Key: backend.MakeKey(backend.Market, "main", backend.ItemJob, "j1"), Account: "main", ID: "j1", State: backend.JobRunning}}
	ch.Watch = []backend.Key{lineKey("main", 1), lineKey("main", 2)}
	s.Save(ch)
	newer := sampleLine("main", 3)
	newer.Version = 99
	newer.NewWindow = true // a signal, never stored
	s.Save(backend.StateChange{Lines: []backend.Line{newer}, DeleteLines: []backend.Key{lineKey("main", 4)},
		Unwatch: []backend.Key{lineKey("main", 2)}})

	snap, err := s.Load() // flushes first
	must(t, err)
	var got []string
	for _, l := range snap.Lines {
		got = append(got, string(l.Key)+"@"+strconv.FormatUint(l.Version, 10))
		if l.NewWindow {
			t.Errorf("%s stored with NewWindow", l.Key)
		}
	}
	want := []string{"fivesim/main/line/0@0", "fivesim/main/line/1@1", "fivesim/main/line/2@2",
		"fivesim/main/line/3@99", "fivesim/main/line/5@5", "fivesim/other/line/1@1"}
	if !slices.Equal(got, want) {
		t.Errorf("lines %v\nwant %v", got, want)
	}
	if len(snap.Accounts) != 1 || !snap.Accounts[0].Balance.Amount.Equal(acct.Balance.Amount) || snap.Accounts[0].Version != 3 {
		t.Errorf("accounts %+v", snap.Accounts)
	}
	if len(snap.Leases) != 1 || !snap.Leases[0].ExpiresAt.Equal(t0) || len(snap.Jobs) != 1 || snap.Jobs[0].State != backend.JobRunning {
		t.Errorf("leases %+v jobs %+v", snap.Leases, snap.Jobs)
	}
	if !slices.Equal(snap.Watched, []backend.Key{lineKey("main", 1)}) {
		t.Errorf("watched %v", snap.Watched)
	}
	if l := snap.Lines[0]; l.Extra["type"] != "short_term" || !l.Price.Amount.Equal(decimal.New(120, -2)) || !l.Allowed.Has(backend.ActCancel) {
		t.Errorf("line round trip lost fields: %+v", l)
	}
}

// Without the account's fence nothing is written: not state (the queued
// batch is dropped, not retried forever), not messages, not the journal.
func TestWritesWithoutFenceAreRefused(t *testing.T) {
	c := etcd.Client(t)
	s := open(t, c, elect(t, c, "mine"), nil)
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("theirs", 1), sampleLine("mine", 1)}})
	if err := s.Flush(); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("Flush with an unowned account: %v", err)
	}
	if err := s.Flush(); err != nil {
		t.Errorf("the refused batch was queued again: %v", err)
	}
	if _, err := s.AddMessages([]backend.Message{sampleMessage(lineKey("theirs", 1), "m", t0)}); !errors.Is(err, ErrNotOwner) {
		t.Errorf("AddMessages: %v", err)
	}
	err := s.Journal(entry("theirs", "a1", backend.ActRenew, lineKey("theirs", 1), backend.JournalPending, t0))
	var notOwner *NotOwnerError
	if !errors.As(err, &notOwner) || notOwner.Account != "theirs" {
		t.Errorf("Journal: %v", err)
	}
	snap, err := s.Load()
	must(t, err)
	if len(snap.Lines) != 1 || snap.Lines[0].Account != "mine" || len(snap.Pending) != 0 {
		t.Errorf("after refusals: lines %+v, pending %+v", snap.Lines, snap.Pending)
	}
	if msgs, _ := s.Messages(lineKey("theirs", 1), 0); len(msgs) != 0 {
		t.Errorf("messages written: %v", msgs)
	}
}

func TestAddMessagesDeduplicatesAndOrdersNewestFirst(t *testing.T) {
	c := etcd.Client(t)
	now := t0.Add(time.Hour)
	s := open(t, c, elect(t, c, "main"), fixed(now))
	a, longer := backend.Key("fivesim/main/line/1"), backend.Key("fivesim/main/line/10") // a's key is a prefix of longer's
	fresh, err := s.AddMessages([]backend.Message{
		sampleMessage(a, "old", t0),
		sampleMessage(a, "tie-1", t0.Add(time.Minute)),
		sampleMessage(a, "tie-2", t0.Add(time.Minute)), // same instant: arrival order
		sampleMessage(a, "old", t0),                    // twice in one batch
		sampleMessage(longer, "old", t0),               // same id, other line: another message
		sampleMessage(a, "before-1970", time.Unix(-86400, 0)),
	})
	must(t, err)
	if got := ids(fresh); !slices.Equal(got, []string{"old", "tie-1", "tie-2", "old", "before-1970"}) || fresh[3].Line != longer {
		t.Fatalf("fresh %v", got)
	}
	for _, m := range fresh {
		if !m.SeenAt.Equal(now) {
			t.Errorf("SeenAt %v, want the store clock", m.SeenAt)
		}
	}
	rewritten := sampleMessage(a, "old", t0)
	rewritten.Text, rewritten.Code = "rewritten", "99999"
	fresh, err = s.AddMessages([]backend.Message{rewritten, sampleMessage(a, "newest", t0.Add(time.Hour))})
	must(t, err)
	if got := ids(fresh); !slices.Equal(got, []string{"newest"}) {
		t.Errorf("second batch fresh %v, want [newest]", got)
	}
	all, err := s.Messages(a, 0)
	must(t, err)
	if got, want := ids(all), []string{"newest", "tie-2", "tie-1", "old", "before-1970"}; !slices.Equal(got, want) {
		t.Errorf("Messages(a) = %v, want %v", got, want)
	}
	if old := all[3]; old.Code != "12345" || old.Text != sampleMessage(a, "old", t0).Text {
		t.Errorf("a stored message was rewritten: %+v", old)
	}
	two, err := s.Messages(a, 2)
	must(t, err)
	if got := ids(two); !slices.Equal(got, []string{"newest", "tie-2"}) {
		t.Errorf("Messages(a, 2) = %v", got)
	}
	if other, _ := s.Messages(longer, 0); !slices.Equal(ids(other), []string{"old"}) {
		t.Errorf("Messages(longer) = %v", ids(other))
	}
	noID := backend.Message{Line: a, Text: "no id", ReceivedAt: t0}
	first, err := s.AddMessages([]backend.Message{noID})
	must(t, err)
	again, err := s.AddMessages([]backend.Message{noID})
	if err != nil || len(first) != 1 || first[0].ID == "" || len(again) != 0 {
		t.Errorf("a message without an id: first %+v, again %+v, %v", first, again, err)
	}
	if _, err := s.AddMessages([]backend.Message{{ID: "x"}}); err == nil {
		t.Error("a message without a line was accepted")
	}
}

// Two nodes adding the same SMS at once (an owner and its successor
// during a handover, say) store it once: each reports only what it added.
func TestConcurrentAddMessagesStoreEachOnce(t *testing.T) {
	c1, c2 := etcd.Client(t), etcd.Client(t)
	f := elect(t, c1, "main")
	s1, s2 := open(t, c1, f, nil), open(t, c2, f, nil)
	var batch []backend.Message
	for i := range 40 {
		batch = append(batch, sampleMessage(lineKey("main", i%4), fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)))
	}
	var wg sync.WaitGroup
	got := make([][]backend.Message, 2)
	for i, s := range []*Store{s1, s2} {
		wg.Go(func() {
			fresh, err := s.AddMessages(batch)
			if err != nil {
				t.Error(err)
			}
			got[i] = fresh
		})
	}
	wg.Wait()
	if n := len(got[0]) + len(got[1]); n != len(batch) {
		t.Errorf("%d + %d messages reported new, want %d in all", len(got[0]), len(got[1]), len(batch))
	}
}

func TestJournalPendingRecentAndPrune(t *testing.T) {
	c := etcd.Client(t)
	s := open(t, c, elect(t, c, "main"), fixed(t0))
	line := lineKey("main", 1)
	for i, st := range []backend.JournalState{backend.JournalPending, backend.JournalPending, backend.JournalUnknown, backend.JournalDone} {
		id := string(rune('a' + i))
		must(t, s.Journal(entry("main", id, backend.ActBuy, "", st, t0.Add(time.Duration(i)*time.Minute))))
	}
	settledA := entry("main", "a", backend.ActBuy, "", backend.JournalHappened, t0.Add(10*time.Minute))
	settledA.Note, settledA.Attempts, settledA.Claimed = "bought", 1, []string{"order-7"}
	must(t, s.Journal(settledA))

	pending, err := s.Pending()
	must(t, err)
	if got := entryIDs(pending); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Pending = %v, want [b c]", got)
	}
	recent, err := s.RecentJournal(0)
	must(t, err)
	if got := entryIDs(recent); !slices.Equal(got, []string{"a", "d", "c", "b"}) {
		t.Errorf("RecentJournal(0) = %v, want [a d c b]", got)
	}
	if r := recent[0]; r.Note != "bought" || r.State != backend.JournalHappened || !slices.Equal(r.Claimed, []string{"order-7"}) {
		t.Errorf("entry a = %+v", r)
	}
	if top, _ := s.RecentJournal(2); !slices.Equal(entryIDs(top), []string{"a", "d"}) {
		t.Errorf("RecentJournal(2) = %v", entryIDs(top))
	}
	snap, err := s.Load()
	must(t, err)
	if got := entryIDs(snap.Pending); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Load().Pending = %v", got)
	}
	if err := s.Journal(backend.JournalEntry{State: backend.JournalPending}); err == nil {
		t.Error("an entry without an action id was accepted")
	}

	// Prune: messages before the cutoff go unless their line is kept;
	// settled entries before it go, unsettled ones stay.
	cutoff := t0.Add(5 * time.Minute)
	kept := lineKey("main", 2)
	_, err = s.AddMessages([]backend.Message{sampleMessage(line, "old", t0), sampleMessage(line, "new", cutoff),
		sampleMessage(kept, "kept", t0)})
	must(t, err)
	n, err := s.Prune(cutoff, map[backend.Key]bool{kept: true})
	must(t, err)
	if n != 1 {
		t.Errorf("Prune dropped %d messages, want 1", n)
	}
	if msgs, _ := s.Messages(line, 0); !slices.Equal(ids(msgs), []string{"new"}) {
		t.Errorf("line kept %v", ids(msgs))
	}
	all, _ := s.RecentJournal(0)
	if got := entryIDs(all); !slices.Equal(got, []string{"a", "c", "b"}) {
		t.Errorf("journal after prune %v, want [a c b] (d was settled before the cutoff)", got)
	}
	if again, _ := s.AddMessages([]backend.Message{sampleMessage(line, "old", t0)}); len(again) != 1 {
		t.Error("a pruned message could not be stored again")
	}
}

// Prune leaves the accounts other nodes own to them.
func TestPruneOnlyOwnedAccounts(t *testing.T) {
	c := etcd.Client(t)
	mine := elect(t, c, "mine")
	theirs := elect(t, c, "theirs")
	s := open(t, c, mine, nil)
	other := open(t, c, theirs, nil)
	_, err := s.AddMessages([]backend.Message{sampleMessage(lineKey("mine", 1), "m", t0)})
	must(t, err)
	_, err = other.AddMessages([]backend.Message{sampleMessage(lineKey("theirs", 1), "m", t0)})
	must(t, err)
	n, err := s.Prune(t0.Add(time.Hour), nil)
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1 (only the owned account's)", n, err)
	}
	if msgs, _ := s.Messages(lineKey("theirs", 1), 0); len(msgs) != 1 {
		t.Error("pruned another owner's messages")
	}
}

func TestClosedStoreRefusesCalls(t *testing.T) {
	c := etcd.Client(t)
	s := open(t, c, elect(t, c, "main"), nil)
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 1)}})
	must(t, s.Close())
	must(t, s.Close())
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 2)}}) // must not panic or block
	if _, err := s.Load(); !errors.Is(err, ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
	if err := s.Journal(entry("main", "x", backend.ActRenew, lineKey("main", 1), backend.JournalPending, t0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Journal after Close: %v", err)
	}
	reopened := open(t, c, elect(t, c, "main"), nil)
	snap, err := reopened.Load()
	if err != nil || len(snap.Lines) != 1 {
		t.Errorf("Close did not write the queued line: %+v, %v", snap.Lines, err)
	}
}

// Saved state reaches etcd by itself FlushInterval after the first change;
// what could not be written (etcd out of reach) is written once it can.
func TestBackgroundFlush(t *testing.T) {
	link := etcd.Link(t)
	s, err := Open(Options{Client: link.Client, Cluster: etcdtest.Name(t), Fence: elect(t, link.Client, "main"),
		FlushInterval: 20 * time.Millisecond, Timeout: 200 * time.Millisecond})
	must(t, err)
	defer s.Close()
	reader := open(t, etcd.Client(t), &fences{m: map[string]fence{}}, nil)
	lines := func(n int) func() bool {
		return func() bool {
			snap, err := reader.Load()
			return err == nil && len(snap.Lines) == n
		}
	}
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 1)}})
	etcdtest.Wait(t, 5*time.Second, "the line flushed in the background", lines(1))

	link.Cut()
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 2)}})
	time.Sleep(500 * time.Millisecond) // a few failed flushes
	link.Heal(etcd)
	etcdtest.Wait(t, 5*time.Second, "the line kept and flushed once etcd answers", lines(2))
}
