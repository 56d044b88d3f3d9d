package ui_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/keymap"
	"switchboard/ui"
	"switchboard/views"
	"switchboard/wiring"
)

// t0 is the simulators' start and the dashboard's fixed clock.
var t0 = time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)

// stack is the real backend (engine, cache, adapters) against quiet
// simulators on a manual clock, so screens are the same on every run.
type stack struct {
	t     *testing.T
	sim   *sim.Sim
	eng   *engine.Engine
	store *cache.Store
	dir   string
	clock atomic.Int64 // the UI's clock, unix nanos
	clip  *clipboard
	evs   chan backend.Event
	stop  context.CancelFunc
}

type clipboard struct {
	mu   sync.Mutex
	last string
	fail bool
}

func (c *clipboard) write(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return errNoClipboard
	}
	c.last = s
	return nil
}

func (c *clipboard) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

type clipErr string

func (e clipErr) Error() string { return string(e) }

const errNoClipboard = clipErr("no clipboard")

// newStack starts simulators and the engine; the state dir may be reused
// to restart from the cache.
func newStack(t *testing.T, dir string, tweak func(*sim.Sim)) *stack {
	t.Helper()
	// Roomy limits keep start-up fast; the limits themselves are tested
	// in the adapters and the engine.
	rates := map[backend.ProviderKind]int{}
	for _, k := range backend.Kinds() {
		rates[k] = 1200
	}
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 7, Start: t0, Rates: rates})
	t.Cleanup(s.Close)
	if tweak != nil {
		tweak(s)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	st := &stack{t: t, sim: s, dir: dir, clip: &clipboard{}, evs: make(chan backend.Event, 1024)}
	st.clock.Store(t0.Add(30 * time.Second).UnixNano())
	st.start()
	return st
}

func (st *stack) start() {
	t := st.t
	store, err := cache.Open(st.dir, cache.Options{FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st.store = store
	var specs []engine.AccountSpec
	for _, acc := range wiring.SimAccounts(st.sim) {
		acc.RatePerMinute = 1200
		spec, err := wiring.Build(acc, wiring.Options{Now: st.sim.Now})
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, spec)
	}
	eng, err := engine.New(specs, engine.Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	st.eng = eng
	for _, c := range st.sim.Credentials() {
		if c.Provider == backend.NonVoip {
			for _, id := range st.sim.NonVoip.OrderIDs(c.Account) {
				eng.Watch(c.Account, id)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	st.stop = cancel
	go eng.Run(ctx)
	go func() {
		for ev := range eng.Events() {
			st.evs <- ev
		}
	}()
	t.Cleanup(st.close)
}

func (st *stack) close() {
	if st.stop != nil {
		st.stop()
		st.stop = nil
		time.Sleep(50 * time.Millisecond)
		_ = st.store.Close()
	}
}

func (st *stack) now() time.Time { return time.Unix(0, st.clock.Load()).UTC() }

// settle merges the engine's events until every account has polled and
// nothing has changed for a while.
func (st *stack) settle() backend.Event {
	st.t.Helper()
	var all backend.Event
	ok := map[string]bool{}
	deadline := time.After(20 * time.Second)
	quiet := time.NewTimer(time.Hour)
	for {
		select {
		case ev := <-st.evs:
			all.Merge(ev)
			for _, a := range ev.Accounts {
				ok[a.Name] = a.Health == backend.HealthOK
			}
			if len(ok) == len(st.eng.Accounts()) && allTrue(ok) {
				quiet.Reset(1500 * time.Millisecond)
			}
		case <-quiet.C:
			return all
		case <-deadline:
			st.t.Fatalf("the engine did not settle: health %v", ok)
		}
	}
}

func allTrue(m map[string]bool) bool {
	for _, v := range m {
		if !v {
			return false
		}
	}
	return true
}

// probe asks the running model for its screen, in message order.
type probe struct{ ch chan string }

// wrapper adds the probe to the root model.
type wrapper struct{ m *ui.Model }

func (w wrapper) Init() tea.Cmd { return w.m.Init() }
func (w wrapper) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if p, ok := msg.(probe); ok {
		p.ch <- w.m.View().Content
		return w, nil
	}
	_, cmd := w.m.Update(msg)
	return w, cmd
}
func (w wrapper) View() tea.View { return w.m.View() }

// dash is the dashboard running in a teatest program.
type dash struct {
	t  *testing.T
	tm *teatest.TestModel
}

// open starts the dashboard on the settled state, relaying later engine
// events.
func (st *stack) open(w, h int, initial backend.Event) *dash {
	d := openDash(st.t, w, h, ui.Options{Backend: st.eng, Initial: initial, Accounts: st.eng.Accounts(),
		Now: st.now, Clipboard: st.clip.write})
	go func() {
		for ev := range st.evs {
			d.tm.Send(ui.EventMsg{Event: ev})
		}
	}()
	return d
}

// openDash runs a dashboard (dark theme, default keys and thresholds) in
// a teatest program.
func openDash(t *testing.T, w, h int, o ui.Options) *dash {
	o.Theme, o.Keys, o.Thresholds = "dark", keymap.Default(), views.Thresholds(config.DefaultThresholds)
	tm := teatest.NewTestModel(t, wrapper{ui.New(o)}, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI256)))
	t.Cleanup(func() { _ = tm.Quit() })
	return &dash{t: t, tm: tm}
}

// screen is the current frame with styles removed.
func (d *dash) screen() string { return ansi.Strip(d.raw()) }

// still is the screen once the selected line's SMS have loaded (they are
// read from the ledger in a command).
func (d *dash) still() string {
	return d.waitFor("the SMS history", func(s string) bool { return !strings.Contains(s, "loading SMS…") })
}

// raw is the current frame with its styles.
func (d *dash) raw() string {
	ch := make(chan string, 1)
	d.tm.Send(probe{ch})
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		d.t.Fatal("the dashboard did not answer")
		return ""
	}
}

// waitFor polls the screen until cond holds.
func (d *dash) waitFor(what string, cond func(string) bool) string {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := d.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("screen never showed %s:\n%s", what, s)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (d *dash) key(keys ...string) {
	for _, k := range keys {
		d.tm.Send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func (d *dash) typeText(s string) {
	for _, r := range s {
		d.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

// later moves the simulators' clock (and the dashboard's with it) so what
// happens next is newer than the seed.
func (st *stack) later(d time.Duration) {
	st.sim.Advance(d)
	st.clock.Store(st.sim.Now().Add(5 * time.Second).UnixNano())
}
