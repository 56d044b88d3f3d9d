package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/backend"
)

var slowFlush = Options{FlushInterval: time.Hour}

func TestStateRoundTripThroughFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, slowFlush)

	var want backend.StateChange
	for i := 5; i >= 0; i-- { // saved out of order: Load sorts
		want.Accounts = append(want.Accounts, sampleAccount(i))
		want.Lines = append(want.Lines, sampleLine(i))
		want.Leases = append(want.Leases, sampleLease(i))
		want.Jobs = append(want.Jobs, sampleJob(i))
	}
	nv := backend.Line{
		Key: backend.MakeKey(backend.NonVoip, "nv", backend.ItemLine, "146185"), Account: "nv",
		Provider: backend.NonVoip, ID: "146185", Number: "2025550123", State: backend.LineActive,
		Extra: map[string]string{"order_type": "long_term"},
	}
	want.Lines = append(want.Lines, nv)
	s.Save(want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dir, slowFlush)
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Notes) != 0 {
		t.Errorf("unexpected notes: %q", snap.Notes)
	}
	sortBy := func(key func(int) string, n int) []int {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(key(a), key(b)) })
		return idx
	}
	var wantAccounts []backend.Account
	for _, i := range sortBy(func(i int) string { return accountKey(want.Accounts[i]) }, len(want.Accounts)) {
		wantAccounts = append(wantAccounts, want.Accounts[i])
	}
	assertSame(t, "Accounts", wantAccounts, snap.Accounts)
	var wantLines []backend.Line
	for _, i := range sortBy(func(i int) string { return string(want.Lines[i].Key) }, len(want.Lines)) {
		wantLines = append(wantLines, want.Lines[i])
	}
	assertSame(t, "Lines", wantLines, snap.Lines)
	if len(snap.Leases) != 6 || len(snap.Jobs) != 6 {
		t.Fatalf("got %d leases, %d jobs; want 6 each", len(snap.Leases), len(snap.Jobs))
	}
	for i := range 6 {
		assertSame(t, "Lease", sampleLease(i), snap.Leases[i])
		assertSame(t, "Job", sampleJob(i), snap.Jobs[i])
	}
	if !slices.IsSortedFunc(snap.Lines, func(a, b backend.Line) int { return strings.Compare(string(a.Key), string(b.Key)) }) {
		t.Error("lines not sorted by key")
	}
}

func TestSaveCoalescesLatestWins(t *testing.T) {
	s := openStore(t, t.TempDir(), slowFlush)
	for v := range 500 {
		l := sampleLine(1)
		l.Version = uint64(v)
		s.Save(backend.StateChange{Lines: []backend.Line{l}})
	}
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(2)}})
	s.Save(backend.StateChange{DeleteLines: []backend.Key{lineKey(2)}})
	s.Save(backend.StateChange{DeleteLines: []backend.Key{lineKey(3)}})
	l3 := sampleLine(3)
	s.Save(backend.StateChange{Lines: []backend.Line{l3}})
	// Within one change, the deletion wins.
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(4)}, DeleteLines: []backend.Key{lineKey(4)}})

	s.mu.Lock()
	queued := len(s.pending[slotLines])
	s.mu.Unlock()
	if queued != 4 {
		t.Errorf("%d line writes queued, want 4 (one per key)", queued)
	}
	if n := countRecords(t, s, bucketLines); n != 0 {
		t.Fatalf("%d lines on disk before Flush; Save must only queue", n)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range snap.Lines {
		got = append(got, l.ID+"@v"+strconv.FormatUint(l.Version, 10))
	}
	if want := []string{"1@v499", "3@v3"}; !slices.Equal(got, want) {
		t.Errorf("lines after flush = %v, want %v", got, want)
	}
}

func countRecords(t *testing.T, s *Store, bucket []byte) int {
	t.Helper()
	n := 0
	if err := s.state.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackgroundWriterFlushesWithinInterval(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: 20 * time.Millisecond})
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}, Jobs: []backend.Job{sampleJob(1)}})
	deadline := time.Now().Add(5 * time.Second)
	for countRecords(t, s, bucketLines) == 0 || countRecords(t, s, bucketJobs) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("background writer did not flush within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Save completes while state.db's writer is stuck: it never waits for disk.
func TestSaveNeverWaitsForDisk(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: time.Millisecond})
	release := make(chan struct{})
	holding := make(chan struct{})
	go func() {
		_ = s.state.Update(func(*bolt.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	saved := make(chan struct{})
	go func() {
		for i := range 2000 {
			s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(i % 10)}})
		}
		close(saved)
	}()
	select {
	case <-saved:
	case <-time.After(20 * time.Second):
		t.Fatal("Save blocked while state.db was busy")
	}
	close(release)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(t, s, bucketLines); n != 10 {
		t.Errorf("%d lines stored, want 10", n)
	}
}

// A failed write puts the batch back (under newer writes) for the next try.
func TestFailedFlushKeepsChanges(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, slowFlush)
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1), sampleLine(2)}})

	if err := s.state.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err == nil {
		t.Fatal("Flush on a closed state.db succeeded")
	}
	newer := sampleLine(2)
	newer.Version = 99
	s.Save(backend.StateChange{Lines: []backend.Line{newer}})

	db, err := bolt.Open(filepath.Join(dir, stateFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.state = db
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Lines) != 2 || snap.Lines[1].Version != 99 {
		t.Errorf("after retry: %+v; want lines 1 and 2 (version 99)", snap.Lines)
	}
}

func TestCloseFlushesQueuedState(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, slowFlush)
	s.Save(backend.StateChange{Leases: []backend.Lease{sampleLease(3)}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, slowFlush)
	snap, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Leases) != 1 || snap.Leases[0].ID != "p3" {
		t.Errorf("leases after reopen = %+v", snap.Leases)
	}
}

func TestClosedStoreRefusesCalls(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}}) // must not panic or block
	if _, err := s.Load(); !errors.Is(err, ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
	if _, err := s.AddMessages([]backend.Message{sampleMessage(lineKey(1), "a", t0)}); !errors.Is(err, ErrClosed) {
		t.Errorf("AddMessages after Close: %v", err)
	}
	if err := s.Journal(sampleEntry("x", backend.JournalPending, t0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Journal after Close: %v", err)
	}
	if err := s.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close: %v", err)
	}
}

func TestAddMessagesDeduplicatesAndNeverRewrites(t *testing.T) {
	now, _ := fixedClock(t0.Add(time.Hour))
	s := openStore(t, t.TempDir(), Options{Now: now})
	a, b := lineKey(1), lineKey(2)

	first := []backend.Message{
		sampleMessage(a, "m1", t0),
		sampleMessage(a, "m2", t0.Add(time.Second)),
		sampleMessage(a, "m1", t0), // twice in one batch
		sampleMessage(b, "m1", t0), // same id, other line: a different message
	}
	fresh, err := s.AddMessages(first)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(fresh); !slices.Equal(got, []string{"m1", "m2", "m1"}) || fresh[2].Line != b {
		t.Fatalf("fresh = %v, want m1 m2 (line a) and m1 (line b)", got)
	}
	for _, m := range fresh {
		if !m.SeenAt.Equal(now()) {
			t.Errorf("SeenAt = %v, want the store clock %v", m.SeenAt, now())
		}
	}

	changed := sampleMessage(a, "m1", t0)
	changed.Text = "rewritten"
	changed.Code = "99999"
	fresh, err = s.AddMessages([]backend.Message{changed, sampleMessage(a, "m3", t0.Add(2*time.Second))})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(fresh); !slices.Equal(got, []string{"m3"}) {
		t.Errorf("second batch fresh = %v, want [m3]", got)
	}
	msgs, err := s.Messages(a, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(msgs); !slices.Equal(got, []string{"m3", "m2", "m1"}) {
		t.Fatalf("messages of a = %v", got)
	}
	if msgs[2].Code != "12345" || msgs[2].Text != sampleMessage(a, "m1", t0).Text {
		t.Errorf("stored message was rewritten: %+v", msgs[2])
	}
}

func ids(msgs []backend.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func TestMessagesNewestFirstWithLimit(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	a := backend.Key("pivday/main/line/1")
	longer := backend.Key("pivday/main/line/10") // a's key is its prefix
	batch := []backend.Message{
		sampleMessage(a, "old", t0),
		sampleMessage(a, "newest", t0.Add(3*time.Hour)),
		sampleMessage(a, "tie-1", t0.Add(time.Hour)),
		sampleMessage(a, "tie-2", t0.Add(time.Hour)), // same instant: arrival order
		sampleMessage(longer, "other", t0.Add(5*time.Hour)),
		sampleMessage(a, "before-1970", time.Unix(-86400, 0)),
	}
	if _, err := s.AddMessages(batch); err != nil {
		t.Fatal(err)
	}
	all, err := s.Messages(a, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(all), []string{"newest", "tie-2", "tie-1", "old", "before-1970"}; !slices.Equal(got, want) {
		t.Errorf("Messages(a, 0) = %v, want %v", got, want)
	}
	two, err := s.Messages(a, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(two); !slices.Equal(got, []string{"newest", "tie-2"}) {
		t.Errorf("Messages(a, 2) = %v", got)
	}
	other, _ := s.Messages(longer, 0)
	if got := ids(other); !slices.Equal(got, []string{"other"}) {
		t.Errorf("Messages(longer) = %v", got)
	}
	none, err := s.Messages("fivesim/main/line/nothing", 0)
	if err != nil || len(none) != 0 {
		t.Errorf("unknown line: %v, %v", none, err)
	}
	assertSame(t, "message", batch[1], withoutSeen(all[0]))
}

func withoutSeen(m backend.Message) backend.Message { m.SeenAt = time.Time{}; return m }

func TestMessagesSurviveReopenAndLoadDoesNotReadThem(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	if _, err := s.AddMessages([]backend.Message{sampleMessage(lineKey(1), "m", t0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, Options{})
	msgs, err := s.Messages(lineKey(1), 0)
	if err != nil || len(msgs) != 1 || msgs[0].Code != "12345" {
		t.Fatalf("after reopen: %v, %v", msgs, err)
	}
}

func TestMessageWithoutIDGetsAStableOne(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	m := sampleMessage(lineKey(1), "", t0)
	fresh, err := s.AddMessages([]backend.Message{m})
	if err != nil || len(fresh) != 1 || fresh[0].ID == "" {
		t.Fatalf("fresh = %+v, %v", fresh, err)
	}
	again, err := s.AddMessages([]backend.Message{m})
	if err != nil || len(again) != 0 {
		t.Errorf("same message without an id stored twice: %+v, %v", again, err)
	}
	if _, err := s.AddMessages([]backend.Message{{ID: "x"}}); err == nil {
		t.Error("a message without a line was accepted")
	}
}

func TestPruneKeepsLiveLinesAndRecentMessages(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	live, dead := lineKey(1), lineKey(2)
	cutoff := t0.Add(24 * time.Hour)
	_, err := s.AddMessages([]backend.Message{
		sampleMessage(live, "live-old", t0),
		sampleMessage(dead, "dead-old-1", t0),
		sampleMessage(dead, "dead-old-2", cutoff.Add(-time.Nanosecond)),
		sampleMessage(dead, "dead-at-cutoff", cutoff),
		sampleMessage(dead, "dead-new", cutoff.Add(time.Hour)),
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune(cutoff, map[backend.Key]bool{live: true})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Prune dropped %d messages, want 2", n)
	}
	liveMsgs, _ := s.Messages(live, 0)
	deadMsgs, _ := s.Messages(dead, 0)
	if got := ids(liveMsgs); !slices.Equal(got, []string{"live-old"}) {
		t.Errorf("live line kept %v", got)
	}
	if got := ids(deadMsgs); !slices.Equal(got, []string{"dead-new", "dead-at-cutoff"}) {
		t.Errorf("dead line kept %v", got)
	}
	// Every index went: the pruned id can be stored again, the others not.
	fresh, err := s.AddMessages([]backend.Message{sampleMessage(dead, "dead-old-1", t0), sampleMessage(dead, "dead-new", cutoff.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(fresh); !slices.Equal(got, []string{"dead-old-1"}) {
		t.Errorf("after prune, re-adding gave %v", got)
	}
	if n, _ := s.Prune(cutoff, nil); n != 2 { // live-old (no longer kept) and dead-old-1 again
		t.Errorf("second prune dropped %d, want 2", n)
	}
}

func TestRetentionCutoffUsesOptions(t *testing.T) {
	now, _ := fixedClock(t0)
	s := openStore(t, t.TempDir(), Options{Now: now})
	if got := s.RetentionCutoff(); !got.Equal(t0.Add(-90 * 24 * time.Hour)) {
		t.Errorf("default cutoff %v", got)
	}
	s2 := openStore(t, t.TempDir(), Options{Now: now, Retention: time.Hour})
	if got := s2.RetentionCutoff(); !got.Equal(t0.Add(-time.Hour)) {
		t.Errorf("cutoff %v", got)
	}
}

func TestJournalPendingSettledAndRecent(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Journal(sampleEntry("a", backend.JournalPending, t0)))
	must(s.Journal(sampleEntry("b", backend.JournalPending, t0.Add(time.Minute))))
	must(s.Journal(sampleEntry("c", backend.JournalUnknown, t0.Add(2*time.Minute))))
	must(s.Journal(sampleEntry("d", backend.JournalDone, t0.Add(3*time.Minute))))

	// a settles later: it is no longer pending and is now the newest.
	a := sampleEntry("a", backend.JournalHappened, t0.Add(10*time.Minute))
	a.Note = "renewed to 30 Jun"
	a.Attempts = 2
	must(s.Journal(a))

	pending, err := s.Pending()
	must(err)
	if got := entryIDs(pending); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Pending = %v, want [b c]", got)
	}
	recent, err := s.RecentJournal(0)
	must(err)
	if got := entryIDs(recent); !slices.Equal(got, []string{"a", "d", "c", "b"}) {
		t.Errorf("RecentJournal(0) = %v, want [a d c b] (a rewritten, not duplicated)", got)
	}
	assertSame(t, "entry", a, recent[0])
	top2, _ := s.RecentJournal(2)
	if got := entryIDs(top2); !slices.Equal(got, []string{"a", "d"}) {
		t.Errorf("RecentJournal(2) = %v", got)
	}

	must(s.Close())
	s = openStore(t, dir, Options{})
	snap, err := s.Load()
	must(err)
	if got := entryIDs(snap.Pending); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Load().Pending after reopen = %v", got)
	}
	if err := s.Journal(backend.JournalEntry{State: backend.JournalPending}); err == nil {
		t.Error("an entry without an action id was accepted")
	}
}

func TestJournalStampsMissingTime(t *testing.T) {
	now, _ := fixedClock(t0)
	s := openStore(t, t.TempDir(), Options{Now: now})
	e := sampleEntry("x", backend.JournalPending, t0)
	e.UpdatedAt = time.Time{}
	if err := s.Journal(e); err != nil {
		t.Fatal(err)
	}
	got, _ := s.RecentJournal(1)
	if len(got) != 1 || !got[0].UpdatedAt.Equal(t0) {
		t.Errorf("entry = %+v", got)
	}
}

func entryIDs(es []backend.JournalEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action.ID
	}
	return out
}

func TestPruneDropsOnlyOldSettledJournal(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	cutoff := t0.Add(time.Hour)
	for _, e := range []backend.JournalEntry{
		sampleEntry("old-done", backend.JournalDone, t0),
		sampleEntry("old-failed", backend.JournalFailed, t0),
		sampleEntry("old-pending", backend.JournalPending, t0),
		sampleEntry("old-unknown", backend.JournalUnknown, t0),
		sampleEntry("new-done", backend.JournalDone, cutoff.Add(time.Minute)),
	} {
		if err := s.Journal(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Prune(cutoff, nil); err != nil {
		t.Fatal(err)
	}
	all, _ := s.RecentJournal(0)
	got := entryIDs(all)
	slices.Sort(got)
	if want := []string{"new-done", "old-pending", "old-unknown"}; !slices.Equal(got, want) {
		t.Errorf("journal after prune = %v, want %v", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: time.Millisecond})
	done := make(chan error, 4)
	go func() {
		for i := range 200 {
			s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(i % 20)}})
		}
		done <- nil
	}()
	go func() {
		for i := range 50 {
			if _, err := s.AddMessages([]backend.Message{sampleMessage(lineKey(i%3), fmt.Sprint(i), t0)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() {
		for i := range 50 {
			if err := s.Journal(sampleEntry(fmt.Sprint(i), backend.JournalPending, t0)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() {
		for range 20 {
			if _, err := s.Load(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileAndDirectoryModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "switchboard")
	s := openStore(t, dir, Options{})
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, stateFile), 0o600)
	assertMode(t, filepath.Join(dir, ledgerFile), 0o600)
	assertMode(t, filepath.Join(dir, pidFile), 0o600)
	if b, err := os.ReadFile(filepath.Join(dir, pidFile)); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file = %q, %v", b, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, pidFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file left after Close: %v", err)
	}

	for _, f := range []string{stateFile, ledgerFile} {
		if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	openStore(t, dir, Options{})
	assertMode(t, filepath.Join(dir, stateFile), 0o600)
	assertMode(t, filepath.Join(dir, ledgerFile), 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if d, err := DefaultDir(); err != nil || d != "/x/state/switchboard" {
		t.Errorf("with XDG_STATE_HOME: %q, %v", d, err)
	}
	t.Setenv("HOME", "/home/op")
	for _, xdg := range []string{"", "relative/state"} {
		t.Setenv("XDG_STATE_HOME", xdg)
		if d, err := DefaultDir(); err != nil || d != "/home/op/.local/state/switchboard" {
			t.Errorf("XDG_STATE_HOME=%q: %q, %v", xdg, d, err)
		}
	}
}

func TestSecondOpenInSameProcessFailsFast(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir, Options{})
	start := time.Now()
	_, err := Open(dir, Options{LockTimeout: 200 * time.Millisecond})
	elapsed := time.Since(start)
	var inUse *InUseError
	if !errors.As(err, &inUse) || !errors.Is(err, ErrInUse) || inUse.PID != os.Getpid() {
		t.Fatalf("second Open: %v", err)
	}
	if want := fmt.Sprintf("state is in use by another switchboard (pid %d)", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if elapsed < 100*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("second Open took %v, want about its 200 ms lock timeout", elapsed)
	}
}
