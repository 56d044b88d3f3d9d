package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

// hookFake is a fake provider that takes webhooks. Its parser believes
// the body, as a real adapter's does: a line with the claimed code and a
// message carrying it, a lease or a job; the engine must keep none of it.
type hookFake struct {
	*fakeProvider
	gate chan struct{} // when set, a Check returns only once it is closed
}

func (h *hookFake) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	got, msgs, err := h.fakeProvider.Check(ctx, lines)
	if h.gate != nil {
		select {
		case <-h.gate:
		case <-ctx.Done():
		}
	}
	return got, msgs, err
}

type fakeHook struct {
	Line, Code, Lease, Job string
}

func (h *hookFake) ParseWebhook(body []byte) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job, error) {
	var fh fakeHook
	if err := json.Unmarshal(body, &fh); err != nil {
		return nil, nil, nil, nil, err
	}
	var (
		lines  []backend.Line
		msgs   []backend.Message
		leases []backend.Lease
		jobs   []backend.Job
	)
	if fh.Line != "" {
		k := backend.MakeKey(h.kind, h.account, backend.ItemLine, fh.Line)
		now := h.clock.Now()
		lines = append(lines, backend.Line{Key: k, Account: h.account, Provider: h.kind, ID: fh.Line,
			Number: "+1999" + fh.Line, State: backend.LineReceived, Code: fh.Code, CodeAt: backend.InstantOf(now)})
		msgs = append(msgs, backend.Message{ID: "forged-" + fh.Code, Line: k, Text: "code " + fh.Code, Code: fh.Code, ReceivedAt: now})
	}
	if fh.Lease != "" {
		leases = append(leases, backend.Lease{Key: backend.MakeKey(h.kind, h.account, backend.ItemLease, fh.Lease), ID: fh.Lease})
	}
	if fh.Job != "" {
		jobs = append(jobs, backend.Job{Key: backend.MakeKey(h.kind, h.account, backend.ItemJob, fh.Job), ID: fh.Job})
	}
	return lines, msgs, leases, jobs, nil
}

func hookBody(h fakeHook) []byte {
	b, _ := json.Marshal(h)
	return b
}

// startFrozen runs an engine over a webhook-taking fake whose clock moves
// only when the test says: once the start-up reads are done nothing is
// due, so any read that follows was asked for by a hint. The fake's
// calls wait on a budget of their own (real clock, roomy), so a frozen
// clock cannot leave them waiting for a token; the engine plans with the
// spec's budget.
func startFrozen(t *testing.T, h *hookFake, store backend.Store) (*Engine, *collector) {
	t.Helper()
	f := h.fakeProvider
	spec := AccountSpec{Provider: h, Budget: f.budget}
	f.budget = backend.NewBudget(6000)
	f.clock.Advance(5 * time.Second) // the spec's bucket full, as a running account's is
	e, c, ctx := runEngine(t, []AccountSpec{spec}, Options{Store: store, Clock: f.clock})
	// Past every start-up read's stagger; from here on the clock stands.
	f.clock.BlockUntilContext(ctx, 1)
	f.clock.Advance(time.Second)
	return e, c
}

// waitChecks waits (in real time, the clock standing) until line id has
// been read n times.
func waitChecks(t *testing.T, f *fakeProvider, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.checkCounts()[id] < n {
		if time.Now().After(deadline) {
			t.Fatalf("line %s read %d times, want %d", id, f.checkCounts()[id], n)
		}
		time.Sleep(time.Millisecond)
	}
}

func hasCode(code string) func(backend.Event) bool {
	return func(ev backend.Event) bool {
		for _, m := range ev.Messages {
			if m.Code == code {
				return true
			}
		}
		return false
	}
}

// TestGenuineHintReadsTheLineAtOnce: a webhook about a line makes the
// engine read that line from the provider at once — the clock does not
// move, so no poll can come due — and the code the read returns reaches
// the event stream.
func TestGenuineHintReadsTheLineAtOnce(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 60)
	f.addLine("1", backend.LineWaiting, 0)
	e, c := startFrozen(t, &hookFake{fakeProvider: f}, newMemStore())
	waitChecks(t, f, "1", 1) // the first poll, before any SMS
	at := f.clock.Now()
	f.deliver("1", "424242")
	if err := e.Hint("piv", hookBody(fakeHook{Line: "1", Code: "424242"})); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, 5*time.Second, hasCode("424242"))
	if !f.clock.Now().Equal(at) {
		t.Fatal("the clock moved: the code may have come from a poll")
	}
	if n := f.checkCounts()["1"]; n != 2 {
		t.Fatalf("line read %d times, want the first poll and one hint read", n)
	}
	if got := e.HintCounts("piv"); got.Hints != 1 || got.Reads != 1 {
		t.Fatalf("hint counts %+v", got)
	}
}

// TestForgedHintCannotPlantACode: a body claiming a code the provider
// does not have changes nothing; the line and the ledger hold what the
// provider's API answers.
func TestForgedHintCannotPlantACode(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 60)
	l := f.addLine("1", backend.LineWaiting, 0)
	store := newMemStore()
	e, c := startFrozen(t, &hookFake{fakeProvider: f}, store)
	waitChecks(t, f, "1", 1)
	f.deliver("1", "111111") // what the API will answer
	if err := e.Hint("piv", hookBody(fakeHook{Line: "1", Code: "999999"})); err != nil {
		t.Fatal(err)
	}
	ev := c.waitFor(t, 5*time.Second, hasCode("111111"))
	for _, m := range ev.Messages {
		if m.Code == "999999" {
			t.Fatal("the forged message reached the event stream")
		}
	}
	stored, _ := store.Messages(l.Key, 0)
	if len(stored) != 1 || stored[0].Code != "111111" {
		t.Fatalf("ledger holds %+v, want only the API's message", stored)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	for _, sl := range store.state.Lines {
		if sl.Code == "999999" || sl.Number == "+1999"+sl.ID {
			t.Fatalf("the body reached the state: %+v", sl)
		}
	}
}

// TestHintForUnknownItemsIsIgnored: a body about a line, lease or job the
// account does not hold creates nothing and reads nothing.
func TestHintForUnknownItemsIsIgnored(t *testing.T) {
	f := newFake(backend.NonVoip, "nv", false, 60)
	f.addLine("1", backend.LineWaiting, 0)
	store := newMemStore()
	e, c := startFrozen(t, &hookFake{fakeProvider: f}, store)
	waitChecks(t, f, "1", 1)
	if err := e.Hint("nv", hookBody(fakeHook{Line: "777", Code: "555555", Lease: "p1", Job: "j1"})); err != nil {
		t.Fatal(err)
	}
	// A genuine hint after it shows the first one was handled.
	f.deliver("1", "123456")
	if err := e.Hint("nv", hookBody(fakeHook{Line: "1"})); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, 5*time.Second, hasCode("123456"))
	if got := e.HintCounts("nv"); got.Unknown != 3 || got.Reads != 1 {
		t.Fatalf("hint counts %+v, want 3 unknown items and one read", got)
	}
	if f.checkCounts()["777"] != 0 {
		t.Fatal("an unknown order was read")
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	for _, sl := range store.state.Lines {
		if sl.ID == "777" {
			t.Fatal("an unknown order became a line")
		}
	}
	if len(store.msgs) != 1 {
		t.Fatalf("ledger has messages of %d lines", len(store.msgs))
	}
}

// TestHintsWhileReadingCoalesce: hints that arrive while the line is
// being read wait for that read (it may have started before the news)
// and become one more read, not one each.
func TestHintsWhileReadingCoalesce(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 60)
	f.addLine("1", backend.LineWaiting, 0)
	h := &hookFake{fakeProvider: f, gate: make(chan struct{})}
	e, c := startFrozen(t, h, newMemStore())
	waitChecks(t, f, "1", 1) // the first poll, held in flight
	body := hookBody(fakeHook{Line: "1"})
	for range 50 {
		if err := e.Hint("piv", body); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.HintCounts("piv").Coalesced < 49 {
		if time.Now().After(deadline) {
			t.Fatalf("hints not coalesced: %+v", e.HintCounts("piv"))
		}
		time.Sleep(time.Millisecond)
	}
	f.deliver("1", "654321")
	close(h.gate)
	c.waitFor(t, 5*time.Second, hasCode("654321"))
	if got := e.HintCounts("piv"); got.Reads != 1 || got.Coalesced != 49 || f.checkCounts()["1"] != 2 {
		t.Fatalf("50 hints during a read: %+v, %d reads of the line; want one hint read after the poll", got, f.checkCounts()["1"])
	}
}

// TestHintFloodStaysInsideThePollShare: a steady flood of hints about a
// held line makes at most the capped share of hint reads, and every one
// of them replaces a poll: the account's reads per minute stay within
// the poll rate, so the operator's headroom is untouched.
func TestHintFloodStaysInsideThePollShare(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 60)
	f.addLine("1", backend.LineWaiting, 0)
	e, _ := startEngine(t, newMemStore(), AccountSpec{Provider: &hookFake{fakeProvider: f}, Budget: f.budget})
	sleepFake(t, f.clock, 10*time.Second) // start-up reads done
	start, before := f.clock.Now(), f.checkCounts()["1"]
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		body := hookBody(fakeHook{Line: "1"})
		for ctx.Err() == nil {
			_ = e.Hint("piv", body)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	sleepFake(t, f.clock, time.Minute)
	cancel()
	wg.Wait()
	minutes := f.clock.Now().Sub(start).Minutes()
	got := e.HintCounts("piv")
	// The poll rate of a 60/min account with its cold reads (HotRate).
	poll := HotRate(60, 0.2, 1.9)
	if max := HintBurst + HintShare*poll*minutes + 1; float64(got.Reads) > max {
		t.Errorf("%d hint reads in %.2f min, cap %.1f (%+v)", got.Reads, minutes, max, got)
	}
	reads := f.checkCounts()["1"] - before
	if max := poll*minutes + HintBurst + 2; float64(reads) > max {
		t.Errorf("%d reads of the line in %.2f min: more than the poll share allows (%.1f)", reads, minutes, max)
	}
	if got.Reads == 0 || got.Limited == 0 {
		t.Errorf("the flood was neither read nor limited: %+v", got)
	}
	t.Logf("%d hint reads, %d reads of the line in %.2f fake minutes, counts %+v", got.Reads, reads, minutes, got)
}

// TestNewsEarnsHintReadsBack: hints whose reads find a new message keep
// getting read at once, past the cap's burst; hints whose reads find
// nothing (forged) are capped.
func TestNewsEarnsHintReadsBack(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 60)
	f.addLine("1", backend.LineWaiting, 0)
	e, c := startFrozen(t, &hookFake{fakeProvider: f}, newMemStore())
	waitChecks(t, f, "1", 1)
	body := hookBody(fakeHook{Line: "1"})
	for i := range 3 * HintBurst {
		code := fmt.Sprintf("%06d", 500000+i)
		f.deliver("1", code)
		if err := e.Hint("piv", body); err != nil {
			t.Fatal(err)
		}
		c.waitFor(t, 5*time.Second, hasCode(code))
	}
	if got := e.HintCounts("piv"); got.Reads != 3*HintBurst || got.Limited != 0 {
		t.Fatalf("genuine hints: %+v, want every one read", got)
	}
	// Forged: nothing new to find. The earned reads and the burst go,
	// then the cap holds (the clock stands, so nothing refills).
	for i := range 4 * HintBurst {
		before := e.HintCounts("piv")
		if err := e.Hint("piv", body); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for got := e.HintCounts("piv"); got.Reads+got.Limited+got.Coalesced == before.Reads+before.Limited+before.Coalesced; got = e.HintCounts("piv") {
			if time.Now().After(deadline) {
				t.Fatalf("forged hint %d not handled: %+v", i, got)
			}
			time.Sleep(time.Millisecond)
		}
	}
	got := e.HintCounts("piv")
	if forged := got.Reads - 3*HintBurst; forged > HintBurst+1 || got.Limited+got.Coalesced < 3*HintBurst-1 {
		t.Fatalf("forged hints: %d read, counts %+v; want at most the burst and the earned reads", forged, got)
	}
}

// hintWaits runs a piv.day-like account of 20 waiting lines at 30
// requests a minute, polled as usual, and hints a code on the next line
// every hintEvery (fake time) for a few minutes; it returns how long each
// hint's read waited from the hint to its first token.
func hintWaits(t *testing.T, hintEvery time.Duration, headroom float64) []time.Duration {
	f := newFake(backend.PivDay, "piv", false, 30)
	for i := range 20 {
		f.addLine(fmt.Sprint(i), backend.LineWaiting, 0)
	}
	var mu sync.Mutex
	hinted := map[string]time.Time{}
	var waits []time.Duration
	trace := func(s ReadStep) {
		mu.Lock()
		defer mu.Unlock()
		if at, ok := hinted[s.Line]; ok && s.Step == StepGranted {
			waits = append(waits, s.At.Sub(at))
			delete(hinted, s.Line)
		}
	}
	e, _ := startEngineWith(t, Options{Store: newMemStore(), Trace: trace, Headroom: headroom}, AccountSpec{Provider: &hookFake{fakeProvider: f}, Budget: f.budget})
	sleepFake(t, f.clock, 30*time.Second) // start-up reads done
	for i := range int(3 * time.Minute / hintEvery) {
		id := fmt.Sprint(i % 20)
		f.deliver(id, fmt.Sprintf("%06d", 700000+i))
		mu.Lock()
		hinted[id] = f.clock.Now()
		mu.Unlock()
		if err := e.Hint("piv", hookBody(fakeHook{Line: id})); err != nil {
			t.Fatal(err)
		}
		sleepFake(t, f.clock, hintEvery)
	}
	mu.Lock()
	defer mu.Unlock()
	return waits
}

// TestHintReadFindsATokenWhilePolling: on an account polled at its full
// share, a webhook's read finds a token at once — polling leaves one in
// the bucket once the account takes webhooks — instead of waiting ~2 s
// for a refill or behind a poll's reservation.
func TestHintReadFindsATokenWhilePolling(t *testing.T) {
	t.Parallel()
	waits := hintWaits(t, 7*time.Second, 0.02) // polling takes nearly all the refill
	slow := 0
	for _, w := range waits {
		if w > 500*time.Millisecond {
			slow++
		}
	}
	t.Logf("waits %v", waits)
	if len(waits) < 20 || slow > 0 {
		t.Fatalf("%d of %d hint reads waited over 500 ms for a token: %v", slow, len(waits), waits)
	}
}

// steps passes an engine's read steps to a test (Options.Trace).
type steps chan ReadStep

func (s steps) trace(st ReadStep) {
	select {
	case s <- st:
	default: // the test is not listening: polling goes on
	}
}

// await reads steps until one of line is step, and returns it.
func (s steps) await(t *testing.T, line string, step Step) ReadStep {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case st := <-s:
			if st.Line == line && st.Step == step {
				return st
			}
		case <-deadline:
			t.Fatalf("line %s: no step %d within 10 s", line, step)
		}
	}
}

// TestLimitedHintBringsThePollForward: a hint over the cap is not read,
// but its line becomes the next one polled, so the code comes within a
// poll slot or two instead of at the line's turn a round of 20 lines
// later.
func TestLimitedHintBringsThePollForward(t *testing.T) {
	t.Parallel()
	f := newFake(backend.PivDay, "piv", false, 30)
	for i := range 20 {
		f.addLine(fmt.Sprintf("%02d", i), backend.LineWaiting, 0)
	}
	s := make(steps, 4096)
	e, c := startEngineWith(t, Options{Store: newMemStore(), Trace: s.trace}, AccountSpec{Provider: &hookFake{fakeProvider: f}, Budget: f.budget})
	sleepFake(t, f.clock, 30*time.Second) // start-up reads done
	// Right after the line's poll, hints that find nothing spend the cap;
	// then a code and its hint, over the cap.
	for st := s.await(t, "05", StepPollRead); st.At.Before(f.clock.Now().Add(-time.Second)); st = s.await(t, "05", StepPollRead) {
	}
	s.await(t, "05", StepAnswer)
	body := hookBody(fakeHook{Line: "05"})
	for limited := e.HintCounts("piv").Limited; e.HintCounts("piv").Limited == limited; time.Sleep(time.Millisecond) {
		if err := e.Hint("piv", body); err != nil {
			t.Fatal(err)
		}
	}
	f.deliver("05", "313131")
	if err := e.Hint("piv", body); err != nil {
		t.Fatal(err)
	}
	at := f.clock.Now()
	c.waitFor(t, 10*time.Second, hasCode("313131"))
	if took := f.clock.Now().Sub(at); took > 8*time.Second {
		t.Fatalf("the code of a limited hint took %v (fake): it waited for the line's turn", took)
	}
}

// settle waits until the engine goroutine has handled what was posted so
// far and the schedule pass after it.
func settle(e *Engine) {
	for range 2 {
		done := make(chan struct{})
		e.post(func() { close(done) })
		<-done
	}
}

// TestHintDuringAReadThatFindsTheCode: a hint that comes while the line's
// read is out waits for that read; when the read brings the line's news,
// no second read follows (it would spend the token the next hint wants).
func TestHintDuringAReadThatFindsTheCode(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 60)
	f.addLine("1", backend.LineWaiting, 0)
	f.deliver("1", "246810") // the first poll takes it, and is held
	h := &hookFake{fakeProvider: f, gate: make(chan struct{})}
	e, c := startFrozen(t, h, newMemStore())
	waitChecks(t, f, "1", 1)
	if err := e.Hint("piv", hookBody(fakeHook{Line: "1"})); err != nil {
		t.Fatal(err)
	}
	settle(e)
	close(h.gate)
	c.waitFor(t, 5*time.Second, hasCode("246810"))
	settle(e)
	if n, got := f.checkCounts()["1"], e.HintCounts("piv"); n != 1 || got.Reads != 0 || got.Coalesced != 1 {
		t.Fatalf("line read %d times, hint counts %+v: want the poll that found the code alone", n, got)
	}
}

// TestHintRidesOnAQueuedPoll: a hint about a line whose poll is still
// waiting for its token (yielding the spare) hurries that poll, which
// then reads the news itself: no wait for the refill, no read after it.
func TestHintRidesOnAQueuedPoll(t *testing.T) {
	f := newFake(backend.PivDay, "piv", false, 30) // a new bucket holds 1 of 2; the clock stands
	l := f.addLine("1", backend.LineWaiting, 0)
	a := newAcct(AccountSpec{Provider: &hookFake{fakeProvider: f}, Budget: f.budget}, false)
	s := newLineState(&l)
	s.checking = true
	a.lines[l.ID] = s
	poll := a.pollCtx(context.Background(), f.clock.Now(), []backend.Line{l})
	sent := make(chan error, 1)
	go func() { sent <- f.budget.Wait(poll) }()
	select {
	case <-sent:
		t.Fatal("the poll took the spare token")
	case <-time.After(50 * time.Millisecond):
	}
	e := &Engine{clock: f.clock}
	e.noteHint(a, hintRef{lines: []backend.Key{l.Key}})
	select {
	case err := <-sent:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hint did not hurry the poll")
	}
	if a.hint.lines[l.ID] {
		t.Fatal("a hint read is still due after the poll that reads the news")
	}
}

// hookedPages is pagedLists (leases of three pages, jobs of two) taking
// webhooks.
type hookedPages struct{ *pagedLists }

func (h hookedPages) ParseWebhook(body []byte) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job, error) {
	return (&hookFake{fakeProvider: h.fakeProvider}).ParseWebhook(body)
}

// TestHintReadGoesBeforeFirstListings: an account just taken over (its
// line known from the store, its bucket full) lists everything once:
// balance, lines, then leases and jobs of several pages, its requests
// taking every token as it comes, and no poll taking one before them. A
// hint that arrives meanwhile has its line read with the first token
// that frees, not after the listing's request already waiting for it
// (reservations are first come, first served: a refill more, 2 s at 30 a
// minute — what a moved account's codes met after a failover). The
// listings still fill the screen as fast as the tokens come.
func TestHintReadGoesBeforeFirstListings(t *testing.T) {
	t.Parallel()
	f, store, p := pagedPiv()
	f.clock.Advance(5 * time.Second) // a full bucket
	start := f.clock.Now()
	w := listingWatch{t: t, s: make(steps, 4096), start: start}
	e, _ := startEngineWith(t, Options{Store: store, Trace: w.s.trace}, AccountSpec{Provider: p, Budget: f.budget})
	w.until("leases") // balance and lines took the bucket; the leases' first page waits
	if err := e.Hint("piv", hookBody(fakeHook{Line: "1"})); err != nil {
		t.Fatal(err)
	}
	w.until("jobs")
	refill := time.Minute / (30 - 2) // a token (30 a minute less the bucket: BudgetSafety)
	if wait := w.hintWait(); wait > refill+300*time.Millisecond {
		t.Errorf("the hint's read waited %v for its token, over a refill (%v): it queued behind a listing", wait, refill)
	}
	// Balance and lines at once, then 3 pages of leases, the hint's read
	// and 2 pages of jobs: 6 refills.
	sleepFake(t, f.clock, 6*refill+time.Second)
	p.mu.Lock()
	defer p.mu.Unlock()
	if at, ok := p.first["jobs"]; !ok || at.Sub(start) > 6*refill+500*time.Millisecond {
		t.Errorf("jobs listed %v after the start (ok %v), want by %v: the first listings waited for more than tokens", at.Sub(start), ok, 6*refill)
	}
}

// An account taken over from another node that polled it has its state
// on screen already: its first listings keep the hints' spare token, so
// a hint that comes while they run is read at once, not a refill later.
// (One never polled lists as fast as the tokens come: the screen fills
// first; without the account's last good poll in the store this fails.)
func TestTakenOverAccountKeepsATokenForHints(t *testing.T) {
	t.Parallel()
	f, store, p := pagedPiv()
	store.snap.Accounts = []backend.Account{{Name: "piv", Provider: backend.PivDay, LastGood: f.clock.Now(), Health: backend.HealthOK}}
	own := newStubOwnership()
	w := listingWatch{t: t, s: make(steps, 4096)}
	e, _ := startEngineWith(t, Options{Store: store, Ownership: own, Trace: w.s.trace}, AccountSpec{Provider: p, Budget: f.budget})
	sleepFake(t, f.clock, 5*time.Second) // a full bucket, nothing spent: another node polled it
	w.start = f.clock.Now()
	own.set("piv", true)
	e.Gained("piv")
	w.until("leases") // balance and lines have run
	if err := e.Hint("piv", hookBody(fakeHook{Line: "1"})); err != nil {
		t.Fatal(err)
	}
	w.until("jobs")
	if wait := w.hintWait(); wait > 300*time.Millisecond {
		t.Errorf("the hint's read waited %v for its token: the taken-over account's first listings left none", wait)
	}
}

// pagedPiv is a piv.day account at 30 requests a minute (a bucket of 2)
// whose listings come in pages, with a waiting line in the store.
func pagedPiv() (*fakeProvider, *memStore, hookedPages) {
	f := newFake(backend.PivDay, "piv", false, 30)
	store := newMemStore()
	store.snap.Lines = []backend.Line{f.addLine("1", backend.LineWaiting, 0)}
	return f, store, hookedPages{&pagedLists{fakeProvider: f, first: map[string]time.Time{}}}
}

// listingWatch follows an account's first listings in the engine's read
// steps, noting a hint's read and its first token, and that no poll
// starts before the listings are done.
type listingWatch struct {
	t             *testing.T
	s             steps
	start         time.Time
	read, granted ReadStep
}

// until reads the steps up to the start of a listing.
func (w *listingWatch) until(task string) {
	w.t.Helper()
	for {
		var st ReadStep
		select {
		case st = <-w.s:
		case <-time.After(10 * time.Second):
			w.t.Fatalf("no %s listing within 10 s", task)
		}
		switch {
		case st.Line == task:
			return
		case st.Step == StepPollRead:
			w.t.Errorf("a poll started %v after the start, before the first listings were done", st.At.Sub(w.start))
		case st.Step == StepHintRead:
			w.read = st
		case st.Step == StepGranted && w.read.Line == st.Line && w.granted.At.IsZero():
			w.granted = st
		}
	}
}

// hintWait is how long the hint's read waited for its first token.
func (w *listingWatch) hintWait() time.Duration {
	w.t.Helper()
	if w.read.At.IsZero() || w.granted.At.IsZero() {
		w.t.Fatalf("the hint's read started at %v, got its token at %v: not before the jobs listing", w.read.At, w.granted.At)
	}
	return w.granted.At.Sub(w.read.At)
}
