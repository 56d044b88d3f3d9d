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
	"switchboard/config"
	"switchboard/keymap"
	simstack "switchboard/stack"
	"switchboard/ui"
	"switchboard/views"
)

// t0 is the simulators' start and the dashboard's fixed clock.
var t0 = time.Date(2026, 5, 22, 12, 0, 0, 0, time.UTC)

// stack is the real backend (engine, cache, adapters) against quiet
// simulators on a manual clock, so screens are the same on every run.
type stack struct {
	t     *testing.T
	sim   *sim.Sim
	opts  simstack.Options
	run   *simstack.Stack
	eng   *engine.Engine
	dir   string
	clock atomic.Int64 // the UI's clock, unix nanos
	clip  *clipboard
	evs   chan backend.Event
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
	st := openStack(t, dir, tweak)
	st.run.Start()
	return st
}

// openStack is newStack without starting the engine: the dashboard shows
// only what the cache gave back until st.run.Start.
func openStack(t *testing.T, dir string, tweak func(*sim.Sim)) *stack {
	t.Helper()
	// Roomy limits keep start-up fast; the limits themselves are tested
	// in the adapters and the engine.
	rates := map[backend.ProviderKind]int{}
	for _, k := range backend.Kinds() {
		rates[k] = 6000
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
	st.opts = simstack.Sim(s, 6000)
	st.opts.Store.FlushInterval = 20 * time.Millisecond
	st.clock.Store(t0.Add(30 * time.Second).UnixNano())
	run, err := simstack.Open(st.dir, st.opts)
	if err != nil {
		t.Fatal(err)
	}
	st.run, st.eng = run, run.Engine
	go func() {
		for ev := range run.Engine.Events() {
			st.evs <- ev
		}
	}()
	t.Cleanup(st.close)
	return st
}

// close quits the backend as the program does (cancel, wait, close the
// store).
func (st *stack) close() {
	if err := st.run.Stop(); err != nil {
		st.t.Error(err)
	}
}

func (st *stack) now() time.Time { return time.Unix(0, st.clock.Load()).UTC() }

// settle merges the engine's events until they show everything the
// simulators hold (read through adapters of the test's own) and every
// account has polled well.
func (st *stack) settle() backend.Event {
	st.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want, err := simstack.Read(ctx, st.opts)
	if err != nil {
		st.t.Fatalf("reading the simulators: %v", err)
	}
	var all backend.Event
	if err := simstack.Synced(ctx, st.evs, want, &all); err != nil {
		st.t.Fatal(err)
	}
	return all
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
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "ctrl+n", "ctrl+p":
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
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
