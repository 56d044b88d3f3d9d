package engine

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

// lineIn returns the line with key k in ev, if the event carries it.
func lineIn(ev backend.Event, k backend.Key) (backend.Line, bool) {
	for _, l := range ev.Lines {
		if l.Key == k {
			return *l, true
		}
	}
	return backend.Line{}, false
}

// lineWhere waits for an event carrying line k in a state cond accepts.
func (c *collector) lineWhere(t *testing.T, k backend.Key, cond func(backend.Line) bool) backend.Line {
	t.Helper()
	var got backend.Line
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		l, ok := lineIn(ev, k)
		if ok && cond(l) {
			got = l
			return true
		}
		return false
	})
	return got
}

// lastSaved is the newest version of line k written to the store.
func lastSaved(t *testing.T, s *memStore, k backend.Key) backend.Line {
	t.Helper()
	lines := s.saved().Lines
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].Key == k {
			return lines[i]
		}
	}
	t.Fatalf("line %s never saved", k)
	return backend.Line{}
}

// oneLine runs an engine (with opts, store in opts.Store or a new one)
// over a fake provider of kind holding one waiting line.
func oneLine(t *testing.T, kind backend.ProviderKind, allowed backend.ActionSet, opts Options) (*fakeProvider, backend.Line, *memStore, *Engine, *collector) {
	t.Helper()
	f := newFake(kind, "a", kind != backend.NonVoip, 600)
	l := f.addLine("1", backend.LineWaiting, allowed)
	store := newMemStore()
	opts.Store = store
	e, c := startEngineWith(t, opts, AccountSpec{Provider: f, Budget: f.budget})
	return f, l, store, e, c
}

// idleEngine builds an engine over the given fakes (on the first one's
// clock) without running it: tests call its merge functions directly.
func idleEngine(t *testing.T, store *memStore, ps ...backend.Provider) *Engine {
	t.Helper()
	var specs []AccountSpec
	for _, p := range ps {
		specs = append(specs, AccountSpec{Provider: p, Budget: fakeOf(p).budget})
	}
	e, err := New(specs, Options{Store: store, Clock: fakeOf(ps[0]).clock})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A reuse opens a new receiving window: the old code goes to the
// history, the line waits, and a listing that still carries the old code
// and SMS does not bring it back. A new SMS then becomes the code.
func TestReuseOpensANewWindow(t *testing.T) {
	f, l, store, e, c := oneLine(t, backend.NonVoip, backend.Allow(backend.ActReject), Options{})
	f.deliver("1", "1111")
	c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code == "1111" && l.State == backend.LineReceived })

	// What the provider says now: a used order, its old code, reuse offered.
	old := l
	old.State, old.Code, old.CodeAt = backend.LineReceived, "1111", backend.InstantOf(f.clock.Now())
	old.Extra = map[string]string{"used": "1", "type": "short_term"}
	old.Allowed = backend.Allow(backend.ActReuse)
	f.setLine(old)
	c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Allowed.Has(backend.ActReuse) })

	// The reuse answer opens a new window on the same order id.
	reused := l
	reused.NewWindow = true
	reused.State = backend.LineWaiting
	reused.Extra = map[string]string{"type": "short_term"}
	reused.Allowed = backend.Allow(backend.ActReject, backend.ActCheck)
	f.mu.Lock()
	f.outcome = backend.Outcome{Done: true, Lines: []backend.Line{reused}}
	f.mu.Unlock()
	e.Submit(backend.Action{ID: "reuse-1", Kind: backend.ActReuse, Account: "a", Target: l.Key})
	w := c.lineWhere(t, l.Key, func(l backend.Line) bool { return !l.WindowAt.IsZero() })
	// From now on the provider's listing still carries the old code and
	// the old SMS (same id) comes back with every read.
	stale := reused
	stale.NewWindow = false
	stale.State, stale.Code, stale.CodeAt = backend.LineReceived, "1111", old.CodeAt
	f.setLine(stale)
	f.deliver("1", "1111")
	if w.Code != "" || w.State != backend.LineWaiting || w.Extra["used"] != "" || w.NewWindow {
		t.Fatalf("a new window still shows the old one: code %q state %s extra %v new-window %v", w.Code, w.State, w.Extra, w.NewWindow)
	}
	if w.Allowed != reused.Allowed {
		t.Fatalf("allowed %s, want the provider's %s", w.Allowed, reused.Allowed)
	}
	sleepFake(t, f.clock, 10*time.Second) // several reads of the stale listing
	if got := lastSaved(t, store, l.Key); got.Code != "" || got.State != backend.LineWaiting || got.NewWindow {
		t.Fatalf("the old code came back: code %q state %s new-window %v", got.Code, got.State, got.NewWindow)
	}
	if f.checkCounts()["1"] < 3 {
		t.Fatalf("the line was not read after the reuse: %v", f.checkCounts())
	}
	hist, _ := e.History(l.Key, 0)
	if len(hist) != 1 || hist[0].Code != "1111" {
		t.Fatalf("the old SMS is not kept as history: %+v", hist)
	}

	f.deliver("1", "2222")
	got := c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code != "" })
	if got.Code != "2222" || got.State != backend.LineReceived || got.CodeAt.Before(w.WindowAt.Time()) {
		t.Fatalf("the new window's code: %+v", got)
	}
}

// A forged or wrong provider date cannot pin a code: codes are ordered by
// when Switchboard saw them, and the provider's date is clamped where the
// message enters.
func TestFutureDatedMessageDoesNotPinTheCode(t *testing.T) {
	f, l, store, e, c := oneLine(t, backend.FiveSim, backend.Allow(backend.ActCancel), Options{})
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	f.deliverMsg("1", backend.Message{ID: "forged", Text: "code 999999", Code: "999999", ReceivedAt: far})
	c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code == "999999" })
	sleepFake(t, f.clock, 2*time.Second)
	f.deliver("1", "123456")
	got := c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code != "999999" })
	if got.Code != "123456" {
		t.Fatalf("code %q, want the newer real one", got.Code)
	}
	limit := f.clock.Now().Add(maxSkew)
	for _, s := range store.saved().Lines {
		if s.CodeAt.After(limit) || s.WindowAt.After(limit) {
			t.Fatalf("a provider's future date reached state.db: %+v", s)
		}
	}
	hist, _ := store.Messages(l.Key, 0)
	shown, _ := e.History(l.Key, 0) // what the screen shows
	if len(hist) != 2 || len(shown) != 2 {
		t.Fatalf("%d messages stored, %d shown, want 2", len(hist), len(shown))
	}
	for _, m := range append(hist, shown...) {
		if m.ReceivedAt.After(limit) || m.SeenAt.IsZero() {
			t.Fatalf("message %s kept with time %s, seen %s", m.ID, m.ReceivedAt, m.SeenAt)
		}
	}
}

// A date stored before dates were clamped where they enter is clamped
// when shown.
func TestHistoryClampsDatesStoredBefore(t *testing.T) {
	f := newFake(backend.FiveSim, "5sim", true, 600)
	store := newMemStore()
	k := backend.MakeKey(backend.FiveSim, "5sim", backend.ItemLine, "1")
	seen := testStart.Add(-time.Hour)
	_, _ = store.AddMessages([]backend.Message{{ID: "old", Line: k, Code: "999999",
		ReceivedAt: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), SeenAt: seen}})
	e := idleEngine(t, store, f)
	if hist, _ := e.History(k, 0); len(hist) != 1 || !hist[0].ReceivedAt.Equal(seen) {
		t.Fatalf("history %+v, want the 2099 date shown as when it was seen", hist)
	}
}

func TestClampProviderTime(t *testing.T) {
	now := testStart
	cases := map[string]struct{ in, want time.Time }{
		"ordinary":          {now.Add(-time.Hour), now.Add(-time.Hour)},
		"a little ahead":    {now.Add(time.Minute), now.Add(time.Minute)},
		"far ahead":         {now.Add(maxSkew + time.Second), now},
		"the year 2099":     {time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), now},
		"missing":           {time.Time{}, now},
		"the epoch":         {time.Unix(0, 0), now},
		"before any phones": {time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), now},
	}
	for name, c := range cases {
		if got := clampProviderTime(c.in, now); !got.Equal(c.want) {
			t.Errorf("%s: clampProviderTime(%s) = %s, want %s", name, c.in, got, c.want)
		}
	}
}

// logCounter counts log records at warning level and above.
type logCounter struct {
	mu   sync.Mutex
	msgs []string
}

func (h *logCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Level.String()+" "+r.Message)
	return nil
}
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logCounter) WithGroup(string) slog.Handler      { return h }

func (h *logCounter) about(sub string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, m := range h.msgs {
		if strings.Contains(m, sub) {
			out = append(out, m)
		}
	}
	return out
}

// A full disk does not hide codes: they reach the screen marked unsaved,
// the storage health says so once, and once the disk writes again the
// held messages are written and the mark clears.
func TestFullDiskShowsCodesUnsavedThenSavesThem(t *testing.T) {
	logs := &logCounter{}
	f, l, store, e, c := oneLine(t, backend.FiveSim, backend.Allow(backend.ActCancel), Options{Log: slog.New(logs)})
	c.lineWhere(t, l.Key, func(backend.Line) bool { return true })

	store.full.Store(true)
	f.deliver("1", "1111")
	var health *backend.StorageHealth
	var msgs []backend.Message
	var got backend.Line
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		if ev.Storage != nil {
			health = ev.Storage
		}
		msgs = append(msgs, ev.Messages...)
		if nl, ok := lineIn(ev, l.Key); ok {
			got = nl
		}
		return health != nil && got.Code == "1111" && len(msgs) > 0
	})
	if !health.Failing || !strings.Contains(health.Error, "no space left") || health.Since.IsZero() {
		t.Fatalf("storage health %+v", *health)
	}
	if !got.CodeUnsaved || !msgs[0].Unsaved || msgs[0].Code != "1111" {
		t.Fatalf("the code is not marked unsaved: line %+v, message %+v", got, msgs[0])
	}
	sleepFake(t, f.clock, time.Second) // a later SMS: History orders by the provider's date
	f.deliver("1", "2222")
	got = c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code == "2222" })
	if !got.CodeUnsaved {
		t.Fatal("the second code is not marked unsaved")
	}
	sleepFake(t, f.clock, 5*time.Second) // more failing polls
	if n := len(logs.about("ledger")); n != 1 {
		t.Fatalf("the failure was logged %d times, want once: %q", n, logs.about(""))
	}
	hist, err := e.History(l.Key, 0)
	if err != nil || len(hist) != 2 || hist[0].Code != "2222" || !hist[0].Unsaved || !hist[1].Unsaved {
		t.Fatalf("history while the disk is full: %+v, %v", hist, err)
	}

	store.full.Store(false)
	health = nil
	c.waitFor(t, 10*time.Second, func(ev backend.Event) bool {
		if ev.Storage != nil {
			health = ev.Storage
		}
		if nl, ok := lineIn(ev, l.Key); ok {
			got = nl
		}
		return health != nil && !got.CodeUnsaved
	})
	if health.Failing || got.Code != "2222" {
		t.Fatalf("after recovery: health %+v, line %+v", *health, got)
	}
	stored, _ := store.Messages(l.Key, 0)
	if len(stored) != 2 {
		t.Fatalf("held messages not written after recovery: %+v", stored)
	}
	for _, m := range stored {
		if m.Unsaved {
			t.Fatalf("a message was stored marked unsaved: %+v", m)
		}
	}
	if hist, _ := e.History(l.Key, 0); len(hist) != 2 || hist[0].Unsaved {
		t.Fatalf("history after recovery: %+v", hist)
	}
	if n := len(logs.about("ledger")); n != 2 {
		t.Fatalf("want one failure and one recovery in the log: %q", logs.about("ledger"))
	}
}

// lookupFake is a provider that cannot list its orders: the engine knows
// them only from the store, and looks them up by id.
type lookupFake struct {
	*fakeProvider
	mu     sync.Mutex
	looked []string
}

func (p *lookupFake) Lookup(ctx context.Context, id string) (backend.Line, []backend.Message, error) {
	p.mu.Lock()
	p.looked = append(p.looked, id)
	p.mu.Unlock()
	p.fakeProvider.mu.Lock()
	defer p.fakeProvider.mu.Unlock()
	l, ok := p.lines[id]
	if !ok {
		return backend.Line{}, nil, &backend.Error{Provider: p.kind, Kind: backend.ErrNotFound, Message: "no order " + id}
	}
	return l, nil, nil
}

// Lines lists nothing: the provider has no such call.
func (p *lookupFake) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	return nil, nil, p.wait(ctx)
}

func (p *lookupFake) lookups() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.looked)
}

func unlisted(account string) *lookupFake {
	f := newFake(backend.NonVoip, account, false, 600)
	f.traits.ListsLines = false
	return &lookupFake{fakeProvider: f}
}

// Orders of a provider that cannot list are known from the store only: a
// state.db that lost them (damaged, rebuilt) is made good from the
// ledger's list of watched orders.
func TestWatchedOrdersAreLookedUpWhenStateLostThem(t *testing.T) {
	t.Parallel()
	p := unlisted("nv")
	l := p.addLine("146185", backend.LineWaiting, backend.Allow(backend.ActReject))
	kept := p.addLine("146186", backend.LineWaiting, backend.Allow(backend.ActReject))
	store := newMemStore()
	store.snap.Lines = []backend.Line{kept}
	store.snap.Watched = []backend.Key{l.Key, kept.Key}
	_, c := startEngine(t, store, AccountSpec{Provider: p, Budget: p.budget})
	c.lineWhere(t, l.Key, func(backend.Line) bool { return true })
	if got := p.lookups(); !slices.Equal(got, []string{"146185"}) {
		t.Fatalf("looked up %v, want only the order state.db lost", got)
	}
}

// A watched order the provider no longer knows is forgotten, so it is
// not looked up at every start.
func TestWatchedOrderTheProviderForgotIsUnwatched(t *testing.T) {
	t.Parallel()
	p := unlisted("nv")
	gone := backend.MakeKey(backend.NonVoip, "nv", backend.ItemLine, "146100")
	store := newMemStore()
	store.snap.Watched = []backend.Key{gone}
	startEngine(t, store, AccountSpec{Provider: p, Budget: p.budget})
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(store.saved().Unwatch, gone) {
		if time.Now().After(deadline) {
			t.Fatalf("the gone order is still watched (looked up %v)", p.lookups())
		}
		time.Sleep(time.Millisecond)
	}
}

// The engine writes the watched set: when it first learns an order of a
// provider that cannot list, and when it stops showing it.
func TestUnlistedOrdersAreWatchedUntilDropped(t *testing.T) {
	p := unlisted("nv")
	listed := newFake(backend.FiveSim, "5sim", true, 600)
	store := newMemStore()
	old := p.addLine("1", backend.LineWaiting, 0)
	store.snap.Lines = []backend.Line{old} // known from before the watched set existed
	e := idleEngine(t, store, p, listed)
	if got := store.saved().Watch; !slices.Equal(got, []backend.Key{old.Key}) {
		t.Fatalf("orders from state.db not added to the watched set: %v", got)
	}
	nv := p.addLine("2", backend.LineWaiting, 0)
	e.mergeLines(e.accts["nv"], []backend.Line{nv}, nil)
	e.mergeLines(e.accts["5sim"], []backend.Line{listed.addLine("3", backend.LineWaiting, 0)}, nil)
	if got := store.saved().Watch; !slices.Equal(got, []backend.Key{old.Key, nv.Key}) {
		t.Fatalf("watched %v, want only the unlisted orders", got)
	}
	nv.State = backend.LineFinished
	e.mergeLines(e.accts["nv"], []backend.Line{nv}, nil)
	e.dropOldLines(e.accts["nv"], p.clock.Now().Add(closedLineKeep+time.Hour))
	if got := store.saved().Unwatch; !slices.Equal(got, []backend.Key{nv.Key}) {
		t.Fatalf("unwatched %v, want the dropped order", got)
	}
}

// refiningFake re-derives reuse from what only Switchboard remembers.
type refiningFake struct{ *fakeProvider }

func (refiningFake) Refine(l backend.Line) backend.Line {
	if l.Extra["reuse"] == "1" && l.State == backend.LineFinished {
		l.Allowed |= backend.Allow(backend.ActReuse)
	}
	return l
}

// After merging a listing with what the engine knew (Extra included), the
// provider re-derives what the line allows.
func TestMergeAsksTheProviderToRefine(t *testing.T) {
	p := refiningFake{newFake(backend.FiveSim, "5sim", true, 600)}
	e := idleEngine(t, newMemStore(), p)
	ac := e.accts["5sim"]
	bought := p.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel))
	bought.Extra = map[string]string{"reuse": "1"}
	e.mergeLines(ac, []backend.Line{bought}, nil)
	listed := bought
	listed.Extra = nil // the listing does not know how it was bought
	listed.State, listed.Allowed = backend.LineFinished, 0
	e.mergeLines(ac, []backend.Line{listed}, nil)
	if got := ac.lines["1"].Allowed; !got.Has(backend.ActReuse) {
		t.Fatalf("allowed %s after the listing: reuse lost", got)
	}
}

// An SMS with two candidate codes is shown with both and copies neither:
// it is the newest SMS, so it replaces the line's earlier code; a clear
// code after it wins again.
func TestAmbiguousSMSShowsItsCandidates(t *testing.T) {
	f, l, store, _, c := oneLine(t, backend.FiveSim, backend.Allow(backend.ActCancel), Options{})
	f.deliver("1", "1111")
	c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code == "1111" })
	sleepFake(t, f.clock, time.Second)
	f.deliverMsg("1", backend.Message{ID: "amb", Text: "Your code is 4821 or 7730", ReceivedAt: f.clock.Now()})
	var msg backend.Message
	got := c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code != "1111" })
	if got.Code != "" || !slices.Equal(got.Candidates, []string{"4821", "7730"}) || got.State != backend.LineReceived {
		t.Fatalf("ambiguous SMS: code %q candidates %v state %s", got.Code, got.Candidates, got.State)
	}
	stored, _ := store.Messages(l.Key, 1)
	if msg = stored[0]; msg.ID != "amb" || !slices.Equal(msg.Candidates, []string{"4821", "7730"}) {
		t.Fatalf("the stored SMS lacks its candidates: %+v", msg)
	}
	sleepFake(t, f.clock, time.Second)
	f.deliver("1", "5555")
	got = c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code == "5555" })
	if got.Candidates != nil {
		t.Fatalf("candidates %v stayed after a clear code", got.Candidates)
	}
}

// Every new line of one listing is kept, saved and emitted.
func TestListingOfNewLinesKeepsEveryOne(t *testing.T) {
	f := newFake(backend.FiveSim, "5sim", true, 600)
	store := newMemStore()
	e := idleEngine(t, store, f)
	var lines []backend.Line
	for _, id := range []string{"1", "2", "3"} {
		lines = append(lines, f.addLine(id, backend.LineWaiting, 0))
	}
	e.mergeLines(e.accts["5sim"], lines, nil)
	if n := len(store.saved().Lines); n != 3 {
		t.Fatalf("%d of 3 new lines saved", n)
	}
	ev := e.out.pending.Take()
	if len(ev.Lines) != 3 {
		t.Fatalf("%d of 3 new lines emitted", len(ev.Lines))
	}
}

// The auto-cancel policy applies to a reused line again, counting from
// when its new window opened.
func TestAutoCancelCountsFromTheWindow(t *testing.T) {
	t.Parallel()
	f := newFake(backend.NonVoip, "nv", false, 600)
	l := f.addLine("1", backend.LineReceived, backend.Allow(backend.ActReuse))
	l.CreatedAt = backend.InstantOf(f.clock.Now().Add(-time.Hour))
	f.setLine(l)
	f.deliver("1", "1111")
	reused := l
	reused.NewWindow, reused.State, reused.Allowed = true, backend.LineWaiting, backend.Allow(backend.ActReject)
	f.outcome = backend.Outcome{Done: true, Lines: []backend.Line{reused}}
	e, c := startEngine(t, newMemStore(), AccountSpec{Provider: f, Budget: f.budget, AutoCancelAfter: time.Minute})
	c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code == "1111" })
	stale := reused
	stale.NewWindow = false
	f.setLine(stale)
	e.Submit(backend.Action{ID: "reuse-1", Kind: backend.ActReuse, Account: "nv", Target: l.Key})
	w := c.lineWhere(t, l.Key, func(l backend.Line) bool { return !l.WindowAt.IsZero() })
	f.mu.Lock()
	f.outcome = backend.Outcome{Done: true} // what the reject answers
	f.mu.Unlock()
	c.waitFor(t, 10*time.Second, hasNotice("auto-cancel"))
	f.mu.Lock()
	defer f.mu.Unlock()
	var kinds []backend.ActionKind
	for _, a := range f.doCalls {
		kinds = append(kinds, a.Kind)
	}
	if !slices.Equal(kinds, []backend.ActionKind{backend.ActReuse, backend.ActReject}) {
		t.Fatalf("calls %v, want the reuse then one reject", kinds)
	}
	if at := f.doCalls[1].CreatedAt; at.Sub(w.WindowAt.Time()) < time.Minute {
		t.Fatalf("auto-cancel %s after the window opened, want a minute", at.Sub(w.WindowAt.Time()))
	}
}

// A code saved in state.db with a future date (before dates were clamped)
// does not stay pinned after the upgrade.
func TestCodeSavedWithAFutureDateIsNotPinned(t *testing.T) {
	t.Parallel()
	f := newFake(backend.FiveSim, "5sim", true, 600)
	l := f.addLine("1", backend.LineWaiting, backend.Allow(backend.ActCancel))
	saved := l
	saved.State, saved.Code, saved.CodeAt = backend.LineReceived, "999999", backend.InstantOf(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	store := newMemStore()
	store.snap.Lines = []backend.Line{saved}
	_, c := startEngine(t, store, AccountSpec{Provider: f, Budget: f.budget})
	f.deliver("1", "123456")
	if got := c.lineWhere(t, l.Key, func(l backend.Line) bool { return l.Code != "999999" }); got.Code != "123456" {
		t.Fatalf("code %q, want the new one", got.Code)
	}
}

// An SMS no line can show is dropped where it enters: it must not make
// the ledger refuse every later write.
func TestMessageWithoutALineDoesNotBlockTheLedger(t *testing.T) {
	f := newFake(backend.FiveSim, "5sim", true, 600)
	store := newMemStore()
	e := idleEngine(t, store, f)
	k := backend.MakeKey(backend.FiveSim, "5sim", backend.ItemLine, "1")
	fresh := e.admit([]backend.Message{{ID: "lost", Text: "code 1111"}, {ID: "ok", Line: k, Text: "code 2222", Code: "2222"}})
	if len(fresh) != 1 || fresh[0].ID != "ok" || fresh[0].Unsaved {
		t.Fatalf("admitted %+v", fresh)
	}
	if stored, _ := store.Messages(k, 0); len(stored) != 1 {
		t.Fatalf("stored %+v", stored)
	}
}
