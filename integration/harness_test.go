package integration

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/config"
	"switchboard/stack"
	"switchboard/wiring"
)

// waitLimit bounds every wait: generous for a loaded machine running the
// race detector, yet a hang fails in well under a minute.
const waitLimit = 30 * time.Second

// simRates lift the simulator's rate limits so the only 429s a test sees
// are the ones it injects (5sim's per-second limit is already far away).
var simRates = map[backend.ProviderKind]int{backend.PivDay: 6000, backend.NonVoip: 6000, backend.Market: 6000}

// testRate is each account's request budget: quick polling without
// loading a two-core machine.
const testRate = 300

// setup says which accounts a harness runs and how.
type setup struct {
	kinds   []backend.ProviderKind
	tweak   func(*config.Account) // per-account config changes
	timeout time.Duration         // per HTTP attempt (0: the adapters' default)
	sim     sim.Options           // Quiet, Seed and Rates are set when zero
}

// harness is a running stack plus everything its engine has said.
type harness struct {
	t     *testing.T
	sim   *sim.Sim
	dir   string
	setup setup
	accts []config.Account
	stack *stack.Stack

	mu       sync.Mutex
	signal   chan struct{}
	readDone chan struct{}
	accounts map[string]backend.Account
	health   map[string][]backend.Health // every health an account showed, in order
	paused   map[string]bool             // an event showed the account paused by a 429
	lines    map[backend.Key]backend.Line
	messages []backend.Message
	notices  []backend.Notice
}

// newHarness starts a simulator and the stack over it.
func newHarness(t *testing.T, su setup) *harness {
	t.Helper()
	if su.sim.Seed == 0 {
		su.sim.Seed = 7
	}
	su.sim.Quiet = true
	if su.sim.Rates == nil {
		su.sim.Rates = simRates
	}
	s := sim.New(su.sim)
	t.Cleanup(s.Close)
	return newHarnessOn(t, s, su)
}

// newHarnessOn starts the stack over a simulator the test prepared.
func newHarnessOn(t *testing.T, s *sim.Sim, su setup) *harness {
	t.Helper()
	h := &harness{t: t, sim: s, dir: t.TempDir(), setup: su}
	h.accts = wiring.SimAccounts(s, su.kinds...)
	for i := range h.accts {
		h.accts[i].RatePerMinute = testRate
		if su.tweak != nil {
			su.tweak(&h.accts[i])
		}
	}
	h.open()
	h.run()
	if os.Getenv("INTEGRATION_DUMP") != "" {
		t.Cleanup(func() { t.Log(h.dump()) })
	}
	return h
}

// open builds a stack over the harness's directory without running it.
func (h *harness) open() {
	h.t.Helper()
	st, err := stack.Open(h.dir, stack.Options{Accounts: h.accts, Adapters: wiring.Options{Timeout: h.setup.timeout}})
	if err != nil {
		h.t.Fatalf("open stack: %v", err)
	}
	h.stack = st
	h.mu.Lock()
	if h.signal == nil {
		h.signal = make(chan struct{}, 1)
	}
	h.accounts = map[string]backend.Account{}
	h.health = map[string][]backend.Health{}
	h.paused = map[string]bool{}
	h.lines = map[backend.Key]backend.Line{}
	h.messages, h.notices = nil, nil
	h.mu.Unlock()
	h.t.Cleanup(func() { _ = st.Stop() })
}

// run starts the engine and a reader of its events.
func (h *harness) run() {
	h.stack.Start()
	h.readDone = make(chan struct{})
	go func(events <-chan backend.Event, done chan struct{}) {
		defer close(done)
		for ev := range events {
			h.take(ev)
		}
	}(h.stack.Engine.Events(), h.readDone)
}

// restart quits the running stack and starts a new one over the same
// state directory, as an operator restarting the program does.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.open()
	h.run()
}

// stop quits the running stack.
func (h *harness) stop() {
	h.t.Helper()
	if err := h.stack.Stop(); err != nil {
		h.t.Fatalf("stop: %v", err)
	}
	<-h.readDone
}

func (h *harness) take(ev backend.Event) {
	h.mu.Lock()
	for _, a := range ev.Accounts {
		h.accounts[a.Name] = a
		if !a.PausedUntil.IsZero() {
			h.paused[a.Name] = true
		}
		hs := h.health[a.Name]
		if len(hs) == 0 || hs[len(hs)-1] != a.Health {
			h.health[a.Name] = append(hs, a.Health)
		}
	}
	for _, l := range ev.Lines {
		h.lines[l.Key] = *l
	}
	for _, k := range ev.Removed {
		delete(h.lines, k)
	}
	h.messages = append(h.messages, ev.Messages...)
	h.notices = append(h.notices, ev.Notices...)
	h.mu.Unlock()
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

func (h *harness) eng() *engine.Engine { return h.stack.Engine }

// use makes a subtest's t the one the harness reports to (subtests that
// share a harness run one after another); the returned func restores it.
func (h *harness) use(t *testing.T) func() {
	prev := h.t
	h.t = t
	return func() { h.t = prev }
}

// account is an account's latest event (ok false before the first).
func (h *harness) account(name string) (backend.Account, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, ok := h.accounts[name]
	return a, ok
}

func (h *harness) healthOf(name string) backend.Health {
	a, _ := h.account(name)
	return a.Health
}

// wasPaused reports whether an event showed the account paused by a 429.
func (h *harness) wasPaused(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.paused[name]
}

// healthHistory lists the healths an account went through.
func (h *harness) healthHistory(name string) []backend.Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]backend.Health(nil), h.health[name]...)
}

func (h *harness) line(k backend.Key) (backend.Line, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.lines[k]
	return l, ok
}

// findLine returns the first line (in key order) matching f.
func (h *harness) findLine(f func(backend.Line) bool) (backend.Line, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, len(h.lines))
	for k := range h.lines {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l := h.lines[backend.Key(k)]; f(l) {
			return l, true
		}
	}
	return backend.Line{}, false
}

// messagesFor lists the emitted messages of one line.
func (h *harness) messagesFor(k backend.Key) []backend.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []backend.Message
	for _, m := range h.messages {
		if m.Line == k {
			out = append(out, m)
		}
	}
	return out
}

// notice returns the first notice whose text contains every part.
func (h *harness) notice(parts ...string) (backend.Notice, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.notices {
		if containsAll(n.Text, parts...) {
			return n, true
		}
	}
	return backend.Notice{}, false
}

// countNotices counts notices whose text contains every part.
func (h *harness) countNotices(parts ...string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, no := range h.notices {
		if containsAll(no.Text, parts...) {
			n++
		}
	}
	return n
}

// countNoticesFor counts notices of one level about an action.
func (h *harness) countNoticesFor(actionID string, l backend.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, no := range h.notices {
		if no.Action != nil && no.Action.ID == actionID && no.Level == l {
			n++
		}
	}
	return n
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// waitFor waits until cond holds: it is checked after every event and,
// for conditions on the simulator or the store, every 25 ms.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-h.signal:
		case <-tick.C:
		case <-deadline.C:
			h.t.Fatalf("timed out after %s waiting for %s\n%s", waitLimit, what, h.dump())
		}
	}
}

// waitNotice waits for a notice containing every part and returns it.
func (h *harness) waitNotice(parts ...string) backend.Notice {
	h.t.Helper()
	var n backend.Notice
	h.waitFor(fmt.Sprintf("a notice with %q", parts), func() bool {
		var ok bool
		n, ok = h.notice(parts...)
		return ok
	})
	return n
}

// waitHealth waits until an account's health is one of want.
func (h *harness) waitHealth(name string, want ...backend.Health) backend.Account {
	h.t.Helper()
	var a backend.Account
	h.waitFor(fmt.Sprintf("%s health in %v", name, want), func() bool {
		a, _ = h.account(name)
		for _, w := range want {
			if a.Health == w {
				return true
			}
		}
		return false
	})
	return a
}

// waitLine waits for a line matching f.
func (h *harness) waitLine(what string, f func(backend.Line) bool) backend.Line {
	h.t.Helper()
	var l backend.Line
	h.waitFor(what, func() bool {
		var ok bool
		l, ok = h.findLine(f)
		return ok
	})
	return l
}

// waitJournal waits until the journal entry of an action is in one of
// the given states and returns it.
func (h *harness) waitJournal(id string, states ...backend.JournalState) backend.JournalEntry {
	h.t.Helper()
	var e backend.JournalEntry
	h.waitFor(fmt.Sprintf("journal entry %s in %v", id, states), func() bool {
		var ok bool
		e, ok = h.journal(id)
		if !ok {
			return false
		}
		for _, s := range states {
			if e.State == s {
				return true
			}
		}
		return false
	})
	return e
}

// journal reads an action's entry from the store.
func (h *harness) journal(id string) (backend.JournalEntry, bool) {
	h.t.Helper()
	entries, err := h.stack.Store.RecentJournal(0)
	if err != nil {
		h.t.Fatalf("journal: %v", err)
	}
	for _, e := range entries {
		if e.Action.ID == id {
			return e, true
		}
	}
	return backend.JournalEntry{}, false
}

// stored reads a line's messages from the ledger.
func (h *harness) stored(k backend.Key) []backend.Message {
	h.t.Helper()
	ms, err := h.stack.Store.Messages(k, 0)
	if err != nil {
		h.t.Fatalf("ledger: %v", err)
	}
	return ms
}

// waitReady waits for every account's first good poll.
func (h *harness) waitReady() {
	h.t.Helper()
	for _, a := range h.accts {
		h.waitHealth(a.Name, backend.HealthOK)
	}
}

// accountName is the first configured account of a provider.
func (h *harness) accountName(k backend.ProviderKind) string {
	h.t.Helper()
	for _, a := range h.accts {
		if a.Provider == k {
			return a.Name
		}
	}
	h.t.Fatalf("no %s account configured", k)
	return ""
}

// submit hands an action to the engine with a fresh id and returns it.
func (h *harness) submit(a backend.Action) backend.Action {
	if a.ID == "" {
		a.ID = backend.NewActionID(a.Kind)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	h.eng().Submit(a)
	return a
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	h.t.Cleanup(cancel)
	return ctx
}

// dump describes what the engine said, for a failure message.
func (h *harness) dump() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	names := make([]string, 0, len(h.accounts))
	for n := range h.accounts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := h.accounts[n]
		fmt.Fprintf(&b, "account %s: health %s (history %v) error %q balance %s paused until %s\n",
			n, a.Health, h.health[n], a.LastError, a.Balance, a.PausedUntil.Format(time.TimeOnly))
	}
	fmt.Fprintf(&b, "%d lines, %d messages\n", len(h.lines), len(h.messages))
	for _, no := range h.notices {
		fmt.Fprintf(&b, "notice [%d] %s: %s\n", no.Level, no.Key, no.Text)
	}
	return b.String()
}
