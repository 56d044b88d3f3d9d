// Switchboard is a terminal dashboard for operators who rent phone
// numbers, proxies and domains from several providers: balances, live
// numbers with their codes (one key copies), countdowns to every expiry,
// queues, and one-key renew / cancel / finish / ban / buy.
//
//	switchboard                      the dashboard (the demo when no config exists)
//	switchboard --config FILE        against the configured providers
//	switchboard --demo               the demo, even with a config
//	switchboard sim                  serve the simulator and print a config for it
//	switchboard bench                measure time to code against the simulator
//	switchboard hooks                print the webhook URL to register for each account
//	switchboard serve                the dashboard over SSH and the scripts' socket, 24/7
//	switchboard snapshot|watch|code|act|buy   the script verbs (switchboard --help)
//	switchboard version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/ctl"
	"switchboard/hub"
	"switchboard/keymap"
	display "switchboard/serve/screen"
	"switchboard/stack"
	"switchboard/ui"
	"switchboard/views"
	"switchboard/webhook"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "sim":
			return runSim(args[1:], stdout, stderr)
		case "bench":
			return runBench(args[1:], stdout, stderr)
		case "hooks":
			return runHooks(args[1:], stdout, stderr)
		case "serve":
			return runServe(args[1:], stdout, stderr)
		case "version", "--version":
			fmt.Fprintln(stdout, "switchboard", backend.Version)
			return 0
		}
		if ctl.IsVerb(args[0]) {
			return runVerb(args, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("switchboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $XDG_CONFIG_HOME/switchboard/config.yaml)")
	stateDir := fs.String("state-dir", "", "where state.db and ledger.db live (default $XDG_STATE_HOME/switchboard)")
	demo := fs.Bool("demo", false, "run the built-in demo against the simulated providers")
	theme := fs.String("theme", "", "dark, light, high-contrast or plain (overrides the config)")
	mouse := fs.Bool("mouse", false, "start with mouse reporting on (M toggles)")
	print := fs.String("print", "", "print one frame from the cache at WxH (e.g. 160x48) and exit; no network")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: switchboard [flags]\n       switchboard sim [flags]   serve the simulator, print a config\n       switchboard bench [flags] time-to-code benchmark\n       switchboard hooks [flags] webhook URLs to register\n       switchboard serve [flags] the dashboard over SSH, 24/7\n\nflags:\n")
		fs.PrintDefaults()
		fmt.Fprintln(stderr)
		ctl.Usage(stderr)
	}
	if code, ok := parseFlags(fs, args, stderr, " (sub-commands: sim, bench, hooks, serve, version, and the verbs snapshot, watch, code, act, buy)"); !ok {
		return code
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	var printW, printH int
	if *print != "" {
		var err error
		if printW, printH, err = printSize(*print); err != nil {
			fmt.Fprintln(stderr, "switchboard:", err)
			return 2
		}
		// One frame, then exit: collecting the loading's garbage would
		// only delay it.
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
	}

	app, err := setup(ctx, *cfgPath, *stateDir, *demo, *print != "", stderr, nil, nil)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
	defer app.close()
	if *theme != "" {
		app.theme = *theme
	}
	if os.Getenv("NO_COLOR") != "" && *theme == "" {
		app.theme = "plain"
	}
	if *print == "" {
		app.socket = listenSocket(app) // scripts reach this dashboard
	}
	newModel := func(initial backend.Event) *ui.Model {
		return ui.New(ui.Options{
			Backend: app.engine.As(engine.LocalOperator), Initial: initial, Accounts: app.engine.Accounts(),
			Theme: app.theme, Keys: app.keys, Thresholds: app.thresholds, Demo: app.demo, Mouse: *mouse,
			Clipboard: systemClipboard, Alert: ui.TerminalAlert(app.notify, os.Getenv),
			Still: *print != "", StateDir: app.exportDir,
		})
	}
	if *print != "" {
		return printFrame(newModel(printedInitial(app.engine.Initial(), app.notices)), printW, printH, stdout)
	}
	// The hub is the engine's only reader; the dashboard is one of its
	// subscribers, as every SSH session and script is.
	fanout := hub.New(app.engine, hub.Options{Notices: app.notices})
	sub, initial := fanout.Subscribe(engine.LocalOperator)
	model := newModel(initial)
	settleMemory()
	// The terminal is drawn by a screen that sleeps while nothing
	// changes (Bubble Tea's renderer compares the frame 30 times a
	// second: most of an idle dashboard's CPU). Without its renderer
	// Bubble Tea leaves the terminal as it is: raw mode and the window's
	// size are set up here.
	scr, opts, restore, err := localScreen()
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
	defer restore()
	opts = append(opts, tea.WithContext(ctx), tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg { return scr.Filter(msg) }))
	p := tea.NewProgram(display.Drawn{Model: model, Screen: scr}, opts...)
	stopResizes := followResizes(p)
	defer stopResizes()
	// Quitting is cancel → wait for the engine (and its workers) → close
	// the store: app.stack.Stop, deferred here before app.close runs it
	// again (a no-op) and removes the rest. SIGTERM first drains: no new
	// action, the calls in the air answered.
	app.stack.Start()
	go fanout.Run(context.Background()) // ends with the engine's events
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		for {
			ev, ok := sub.Next(context.Background())
			if !ok {
				return
			}
			p.Send(ui.EventMsg{Event: ev})
		}
	}()
	stopSocket := openSocket(app, ctl.Local{Hub: fanout, Engine: app.engine})
	defer func() {
		if ctx.Err() != nil {
			drainCtx, cancelDrain := context.WithTimeout(context.Background(), drainFor)
			_ = app.engine.Drain(drainCtx)
			cancelDrain()
		}
		_ = app.stack.Stop()
		<-fanout.Done()
		<-relayDone
		stopSocket()
	}()
	_, err = p.Run()
	scr.Close() // the last frame, then the terminal's modes as they were
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
	return 0
}

// fps is how often the terminal is redrawn at most, while it changes: a
// dashboard gains nothing from 60 a second.
const fps = 30

// localScreen draws on this process's terminal, its input in raw mode
// until restore; opts are the program's options for it (its size and
// colours as the screen found them).
func localScreen() (scr *display.Screen, opts []tea.ProgramOption, restore func(), err error) {
	w, h, err := term.GetSize(os.Stdout.Fd())
	if err != nil || w <= 0 || h <= 0 {
		w, h = 80, 24
	}
	restore = func() {}
	if term.IsTerminal(os.Stdin.Fd()) {
		was, err := term.MakeRaw(os.Stdin.Fd())
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cannot set the terminal up: %w", err)
		}
		restore = func() { _ = term.Restore(os.Stdin.Fd(), was) }
	}
	env := os.Environ()
	profile := colorprofile.Detect(os.Stdout, env)
	scr = display.New(os.Stdout, display.Options{Env: env, Profile: profile, Width: w, Height: h,
		Frame: time.Second / fps, Local: true})
	opts = append(display.ProgramOptions(), tea.WithWindowSize(w, h), tea.WithColorProfile(profile))
	return scr, opts, restore, nil
}

// followResizes tells the program the terminal's new size on SIGWINCH.
func followResizes(p *tea.Program) (stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-winch:
				if w, h, err := term.GetSize(os.Stdout.Fd()); err == nil && w > 0 && h > 0 {
					p.Send(tea.WindowSizeMsg{Width: w, Height: h})
				}
			}
		}
	}()
	return func() { signal.Stop(winch); close(done) }
}

// settleMemory sets the memory policy once the state is loaded. No fixed
// limit: a cap below the live heap (the 48 MiB cap was reached at
// 23,000 lines) makes the collector run without end. The garbage of
// loading goes back to the system now, and the heap may grow over what is
// live by a share that follows the live heap (gcPercent), unless GOGC or
// GOMEMLIMIT say otherwise.
func settleMemory() {
	debug.FreeOSMemory() // a full collection first: the live heap below is exact
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(gcPercent(liveHeap()))
	}
}

// gcPercent is how far, in per cent, the heap may grow over live bytes
// before the next collection: a third of the live MiB, kept within 10
// and 25. A small heap is collected often for little — 10,000 lines are
// 10 MiB live after loading, a cycle ~10 ms of CPU, one a minute at rest
// — so it holds little garbage; a large one keeps a quarter — 100,000
// lines are 86 MiB, a cycle ~100 ms. A share, never a cap, so the
// collector cannot run without end however the heap grows.
func gcPercent(live uint64) int {
	return min(max(int(live>>20)/3, 10), 25)
}

// liveHeap is the heap the last collection found live, in bytes.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// systemClipboard writes the OS clipboard when one is reachable; over SSH
// without a display it reports failure so the UI falls back to OSC 52.
func systemClipboard(s string) error {
	if clipboard.Unsupported {
		return errors.New("no clipboard tool")
	}
	if os.Getenv("SSH_CONNECTION") != "" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("remote session")
	}
	return clipboard.WriteAll(s)
}

// app is everything wired for one run.
type app struct {
	stack      *stack.Stack
	engine     *engine.Engine // stack.Engine
	sim        *sim.Sim
	demo       bool
	theme      string
	keys       keymap.KeyMap
	thresholds views.Thresholds
	notify     string // the config's notify mode ("off" in the demo: its codes come every few seconds)
	exportDir  string // where exports are saved by default: the state directory (the user's, in the demo)
	tmpDir     string
	notices    []backend.Notice // said at start (an exposed webhook receiver)
	closers    []func()

	stateDir string
	serve    config.Serve // who may log in over SSH (`switchboard serve`)
	log      *slog.Logger
	socket   net.Listener // the scripts' socket, once open
	team     *teamNode    // this serve's part in a team cluster (--etcd), or nil
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// demoRate is the request budget, per minute, of the demo's simulated
// providers and of its accounts that watch seeded orders.
const demoRate = 180

// setup loads the config (or starts the demo), opens the cache and builds
// the engine. Nothing here touches the network except the demo's own
// loopback simulator. Printing reads the cache (of the running demo's,
// in the demo) in place or from a copy, and writes nothing. log is where
// warnings go; nil: switchboard.log in the state directory (the terminal
// belongs to the dashboard). team, for serve, names a team cluster to
// join (its flags); nil elsewhere.
func setup(ctx context.Context, cfgPath, stateDir string, forceDemo, printing bool, stderr io.Writer, log *slog.Logger, team *clusterFlags) (*app, error) {
	a := &app{keys: keymap.Default(), thresholds: views.Thresholds(config.DefaultThresholds), theme: "dark", notify: "off"}
	var accounts []config.Account
	retention := 90 * 24 * time.Hour
	var hooks config.Webhooks
	var caps backend.SpendCaps
	var roles map[string]backend.Role
	explicit := cfgPath != ""
	if cfgPath == "" {
		cfgPath = config.DefaultPath()
	}
	_, statErr := os.Stat(cfgPath)
	switch {
	case forceDemo || (!explicit && errors.Is(statErr, os.ErrNotExist)):
		a.demo = true
	default:
		cfg, err := config.Load(cfgPath, config.Options{Progress: func(m string) { fmt.Fprintln(stderr, "switchboard:", m) }})
		if err != nil {
			return nil, err
		}
		accounts = cfg.Accounts
		if cfg.Theme != "" {
			a.theme = cfg.Theme
		}
		if err := cfg.ApplyKeys(&a.keys); err != nil {
			return nil, err
		}
		a.thresholds = views.Thresholds(cfg.Expiry)
		retention = cfg.Retention
		hooks = cfg.Webhooks
		a.notify = cfg.Notify
		a.serve, caps, roles = cfg.Serve, cfg.SpendCaps, map[string]backend.Role{}
		for _, op := range cfg.Serve.Operators {
			roles[op.Name] = op.Role
		}
	}
	var o stack.Options
	if a.demo {
		// The simulated providers allow demoRate, and accounts with seeded
		// orders to watch by id (NonVoip's) use it, so watching them at
		// start does not leave those accounts stale for long.
		rates := map[backend.ProviderKind]int{}
		for _, k := range backend.Kinds() {
			rates[k] = demoRate
		}
		a.sim = sim.New(sim.Options{Seed: uint64(time.Now().UnixNano()), Lively: true, Accounts: 2, Rates: rates})
		a.closers = append(a.closers, a.sim.Close)
		o = stack.Sim(a.sim, 0)
		for i, acc := range o.Accounts {
			if len(o.Watch[acc.Name]) > 0 {
				o.Accounts[i].RatePerMinute = demoRate
			}
		}
		if stateDir == "" && printing {
			dir, err := runningDemo()
			if err != nil {
				return nil, err
			}
			stateDir = dir
		}
		if stateDir == "" {
			dir, err := os.MkdirTemp("", demoDirPattern)
			if err != nil {
				return nil, err
			}
			stateDir, a.tmpDir = dir, dir
			a.closers = append(a.closers, func() { os.RemoveAll(dir) })
		}
	} else {
		o.Accounts = accounts
	}
	if stateDir == "" {
		dir, err := cache.DefaultDir()
		if err != nil {
			return nil, err
		}
		stateDir = dir
	}
	a.exportDir = stateDir
	if a.tmpDir != "" { // the demo's state goes when it quits; an export should not
		if dir, err := cache.DefaultDir(); err == nil {
			a.exportDir = dir
		}
	}
	o.Store = cache.Options{Retention: retention}
	o.Engine = engine.Options{Retention: retention, Demo: a.demo, Log: log, Operators: roles, Caps: caps, Still: printing}
	if log == nil && !printing { // --print writes nothing in the state directory
		o.LogFile = "switchboard.log"
	}
	if printing {
		store, remove, err := openPrintStore(stateDir, o.Store)
		if err != nil {
			return nil, err
		}
		o.Shared, stateDir = store, store.Dir() // the copy's directory, when it reads one
		a.closers = append(a.closers, remove)   // after the store closes (closers run last first)
	}
	if team != nil && !a.demo {
		tn, err := joinCluster(a.serve.Etcd, *team, &o, log)
		if err != nil {
			return nil, err
		}
		if tn != nil {
			a.team = tn
			a.closers = append(a.closers, func() { _ = tn.client.Close() }) // after the store (closers run last first)
		}
	}
	st, err := stack.Open(stateDir, o)
	if err != nil {
		if a.team != nil {
			_ = a.team.client.Close()
		}
		return nil, err
	}
	a.stack, a.engine, a.stateDir = st, st.Engine, stateDir
	a.closers = append(a.closers, func() { _ = st.Stop() })
	logger := log
	if logger == nil {
		logger = st.Log
	}
	a.log = logger
	if hooks.Listen != "" && !printing { // the running dashboard serves them
		srv, err := serveHooks(hooks, stateDir, accounts, a.engine, logger)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, srv.Close)
		if hooks.Exposed {
			warn := webhook.ExposedWarning(hooks.Listen)
			fmt.Fprintln(stderr, "switchboard: WARNING:", warn)
			logger.Warn(warn)
			a.notices = append(a.notices, backend.Notice{Level: backend.Warning, Text: warn, At: time.Now()})
		}
	}
	return a, nil
}
