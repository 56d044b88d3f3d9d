package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/cluster/etcdtest"
	"switchboard/cluster/owner"
)

// Two nodes journaling actions on the same item at once: exactly one
// takes the item's single-flight key; every other is refused, naming the
// winner. Settling lets go of the key, and a purchase holds none of an
// item's.
func TestJournalTakesSingleFlightKeyAtomically(t *testing.T) {
	c1, c2 := etcd.Client(t), etcd.Client(t)
	f := elect(t, c1, "main")
	nodes := []*Store{open(t, c1, f, fixed(t0)), open(t, c2, f, fixed(t0))}
	item := lineKey("main", 7)

	const tries = 16
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Go(func() {
			errs[i] = nodes[i%2].Journal(entry("main", fmt.Sprintf("renew-%d", i), backend.ActRenew, item, backend.JournalPending, t0))
		})
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		var busy *InFlightError
		switch {
		case err == nil && winner != "":
			t.Errorf("renew-%d journaled too, after %s", i, winner)
		case err == nil:
			winner = fmt.Sprintf("renew-%d", i)
		case !errors.As(err, &busy):
			t.Errorf("renew-%d: %v", i, err)
		}
	}
	if winner == "" {
		t.Fatal("no action was journaled")
	}
	for i, err := range errs {
		var busy *InFlightError
		if errors.As(err, &busy) && busy.Holder != winner {
			t.Errorf("renew-%d was told %s holds the item, not %s", i, busy.Holder, winner)
		}
	}
	pending, err := nodes[0].Pending()
	if err != nil || len(pending) != 1 || pending[0].Action.ID != winner {
		t.Fatalf("pending %v, %v; want only %s", entryIDs(pending), err, winner)
	}

	// Another kind on the item, and purchases, are separate flights.
	must(t, nodes[1].Journal(entry("main", "cancel-1", backend.ActCancel, item, backend.JournalPending, t0)))
	must(t, nodes[0].Journal(entry("main", "buy-1", backend.ActBuy, "", backend.JournalPending, t0)))
	must(t, nodes[1].Journal(entry("main", "buy-2", backend.ActBuy, "", backend.JournalPending, t0)))

	// The winner settles: a new renew may go; still unknown keeps the key.
	unknown := entry("main", winner, backend.ActRenew, item, backend.JournalUnknown, t0.Add(time.Minute))
	must(t, nodes[1].Journal(unknown))
	if err := nodes[0].Journal(entry("main", "renew-late", backend.ActRenew, item, backend.JournalPending, t0)); !errors.Is(err, ErrInFlight) {
		t.Fatalf("a renew while the first is still unknown: %v", err)
	}
	done := entry("main", winner, backend.ActRenew, item, backend.JournalHappened, t0.Add(2*time.Minute))
	must(t, nodes[1].Journal(done))
	must(t, nodes[0].Journal(entry("main", "renew-late", backend.ActRenew, item, backend.JournalPending, t0)))
	// Writing the old entry again (settled) must not free the new holder's key.
	must(t, nodes[1].Journal(done))
	if err := nodes[0].Journal(entry("main", "renew-later", backend.ActRenew, item, backend.JournalPending, t0)); !errors.Is(err, ErrInFlight) {
		t.Errorf("a settled entry rewritten freed another action's key: %v", err)
	}
}

// The partition test: node A owns the account, journals an action and is
// cut off from etcd. B takes over within the TTL, and A's writes are
// refused even after its link comes back and it writes with the fence it
// had (it never noticed). B settles A's action (by reading, in the
// engine; here it writes the outcome), which frees the item.
func TestCutOffOwnerCannotWriteWithItsOldFence(t *testing.T) {
	const ttl = 2 * time.Second
	accounts := []string{"main"}
	linkA, linkB := etcd.Link(t), etcd.Link(t)
	a := runNode(t, linkA, "a", accounts, ttl)
	etcdtest.Wait(t, 10*time.Second, "a owns main", func() bool { _, _, ok := a.Fence("main"); return ok })
	b := runNode(t, linkB, "b", accounts, ttl)

	key, rev, _ := a.Fence("main")
	stale := &fences{m: map[string]fence{"main": {key, rev}}} // A's view, frozen
	storeA := open(t, linkA.Client, stale, fixed(t0))
	storeB := open(t, linkB.Client, b, fixed(t0))
	item := lineKey("main", 1)
	lost := entry("main", "renew-by-a", backend.ActRenew, item, backend.JournalPending, t0)
	must(t, storeA.Journal(lost))
	_, err := storeA.AddMessages([]backend.Message{sampleMessage(item, "before", t0)})
	must(t, err)

	linkA.Cut()
	etcdtest.Wait(t, ttl+1500*time.Millisecond, "b owns main", func() bool { _, _, ok := b.Fence("main"); return ok })
	if _, _, ok := a.Fence("main"); ok {
		t.Fatal("a still believes it owns main after b took it")
	}
	linkA.Heal(etcd)

	// A, back, with the fence it had: every write is refused.
	settle := lost
	settle.State, settle.Note = backend.JournalHappened, "a says it renewed"
	if err := storeA.Journal(settle); !errors.Is(err, ErrNotOwner) {
		t.Errorf("A settled its action after losing the account: %v", err)
	}
	if err := storeA.Journal(entry("main", "renew-by-a-2", backend.ActRenew, item, backend.JournalPending, t0)); !errors.Is(err, ErrNotOwner) {
		t.Errorf("A journaled a new action after losing the account: %v", err)
	}
	if _, err := storeA.AddMessages([]backend.Message{sampleMessage(item, "after", t0)}); !errors.Is(err, ErrNotOwner) {
		t.Errorf("A added messages after losing the account: %v", err)
	}
	storeA.Save(backend.StateChange{Lines: []backend.Line{sampleLine("main", 1)}})
	if err := storeA.Flush(); !errors.Is(err, ErrNotOwner) {
		t.Errorf("A wrote state after losing the account: %v", err)
	}

	// B finds A's action unsettled, holding the item: a new renew waits.
	pending, err := storeB.Pending()
	if err != nil || len(pending) != 1 || pending[0].Action.ID != "renew-by-a" {
		t.Fatalf("B's pending: %v, %v", entryIDs(pending), err)
	}
	if err := storeB.Journal(entry("main", "renew-by-b", backend.ActRenew, item, backend.JournalPending, t0)); !errors.Is(err, ErrInFlight) {
		t.Fatalf("B journaled a renew while A's was unsettled: %v", err)
	}
	settled := lost
	settled.State, settled.Note = backend.JournalNotDone, "settled by b: the provider shows no renewal"
	must(t, storeB.Journal(settled))
	must(t, storeB.Journal(entry("main", "renew-by-b", backend.ActRenew, item, backend.JournalPending, t0)))
	if msgs, _ := storeB.Messages(item, 0); len(msgs) != 1 || msgs[0].ID != "before" {
		t.Errorf("messages %v", ids(msgs))
	}
}

func runNode(t *testing.T, link *etcdtest.Link, name string, accounts []string, ttl time.Duration) *owner.Node {
	t.Helper()
	n, err := owner.New(owner.Options{Client: link.Client, Cluster: etcdtest.Name(t), Node: name, Accounts: accounts,
		TTL: ttl, Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	etcdtest.Go(t, func(ctx context.Context) { _ = n.Run(ctx) })
	return n
}

// Messages and the journal are committed when the call returns: they
// survive every member being killed and restarted.
func TestLedgerSurvivesRestartOfEveryMember(t *testing.T) {
	c := etcd.Client(t)
	s := open(t, c, elect(t, c, "main"), fixed(t0))
	item := lineKey("main", 1)
	_, err := s.AddMessages([]backend.Message{sampleMessage(item, "m1", t0), sampleMessage(item, "m2", t0.Add(time.Second))})
	must(t, err)
	must(t, s.Journal(entry("main", "renew-1", backend.ActRenew, item, backend.JournalPending, t0)))
	// Committed on return: another node reads them at once.
	other := open(t, etcd.Client(t), &fences{m: map[string]fence{}}, nil)
	if msgs, err := other.Messages(item, 0); err != nil || len(msgs) != 2 {
		t.Fatalf("another node right after AddMessages: %v, %v", ids(msgs), err)
	}
	if pending, err := other.Pending(); err != nil || len(pending) != 1 {
		t.Fatalf("another node right after Journal: %v, %v", entryIDs(pending), err)
	}

	must(t, etcd.RestartAll())

	msgs, err := s.Messages(item, 0)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("messages after the restart: %v, %v", ids(msgs), err)
	}
	fresh, err := s.AddMessages([]backend.Message{sampleMessage(item, "m2", t0.Add(time.Second)), sampleMessage(item, "m3", t0)})
	if err != nil || len(fresh) != 1 || fresh[0].ID != "m3" {
		t.Errorf("dedup after the restart: %v, %v", ids(fresh), err)
	}
	pending, err := s.Pending()
	if err != nil || len(pending) != 1 {
		t.Errorf("pending after the restart: %v, %v", entryIDs(pending), err)
	}
	if err := s.Journal(entry("main", "renew-2", backend.ActRenew, item, backend.JournalPending, t0)); !errors.Is(err, ErrInFlight) {
		t.Errorf("the single-flight key did not survive the restart: %v", err)
	}
}
