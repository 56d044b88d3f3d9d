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
//	switchboard version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/keymap"
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
		case "version", "--version":
			fmt.Fprintln(stdout, "switchboard", backend.Version)
			return 0
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
		fmt.Fprintf(stderr, "usage: switchboard [flags]\n       switchboard sim [flags]   serve the simulator, print a config\n       switchboard bench [flags] time-to-code benchmark\n       switchboard hooks [flags] webhook URLs to register\n\nflags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stderr, " (sub-commands: sim, bench, hooks, version)"); !ok {
		return code
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	if *print != "" {
		// One frame, then exit: collecting the loading's garbage would
		// only delay it.
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
	}

	app, err := setup(ctx, *cfgPath, *stateDir, *demo, stderr)
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
	initial := app.engine.Initial()
	initial.Notices = append(initial.Notices, app.notices...)
	model := ui.New(ui.Options{
		Backend: app.engine, Initial: initial, Accounts: app.engine.Accounts(),
		Theme: app.theme, Keys: app.keys, Thresholds: app.thresholds, Demo: app.demo, Mouse: *mouse,
		Clipboard: systemClipboard,
	})
	if *print != "" {
		return printFrame(model, *print, stdout, stderr)
	}
	settleMemory()
	p := tea.NewProgram(model, tea.WithContext(ctx), tea.WithFPS(fps))
	// Quitting is cancel → wait for the engine (and its workers) → close
	// the store: app.stack.Stop, deferred here before app.close runs it
	// again (a no-op) and removes the rest.
	app.stack.Start()
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		for ev := range app.engine.Events() {
			p.Send(ui.EventMsg{Event: ev})
		}
	}()
	defer func() {
		_ = app.stack.Stop()
		<-relayDone
	}()
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
	return 0
}

// fps is how often the terminal is redrawn at most: a dashboard gains
// nothing from 60 a second, and each check for a change costs a compare
// of the whole screen.
const fps = 30

// settleMemory sets the memory policy once the state is loaded. No fixed
// limit: a cap below the live heap (the 48 MiB cap was reached at
// 23,000 lines) makes the collector run without end. The heap may grow to
// half again what is live (GOGC 50, unless GOGC or GOMEMLIMIT say
// otherwise), and the garbage of loading goes back to the system now.
func settleMemory() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(50)
	}
	debug.FreeOSMemory()
}

// printFrame renders the dashboard once, from the cache alone, and exits
// (a snapshot for scripts; also how the first-frame time is measured).
func printFrame(m *ui.Model, size string, stdout, stderr io.Writer) int {
	var w, h int
	if _, err := fmt.Sscanf(size, "%dx%d", &w, &h); err != nil || w < 40 || h < 10 {
		fmt.Fprintf(stderr, "switchboard: --print wants a size like 160x48 (at least 40x10), not %q\n", size)
		return 2
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	fmt.Fprintln(stdout, m.View().Content)
	return 0
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
	tmpDir     string
	notices    []backend.Notice // said at start (an exposed webhook receiver)
	closers    []func()
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
// loopback simulator.
func setup(ctx context.Context, cfgPath, stateDir string, forceDemo bool, stderr io.Writer) (*app, error) {
	a := &app{keys: keymap.Default(), thresholds: views.Thresholds(config.DefaultThresholds), theme: "dark"}
	var accounts []config.Account
	retention := 90 * 24 * time.Hour
	var hooks config.Webhooks
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
		if stateDir == "" {
			dir, err := os.MkdirTemp("", "switchboard-demo-")
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
	o.Store = cache.Options{Retention: retention}
	o.Engine = engine.Options{Retention: retention, Demo: a.demo}
	o.LogFile = "switchboard.log"
	st, err := stack.Open(stateDir, o)
	if err != nil {
		return nil, err
	}
	a.stack, a.engine = st, st.Engine
	a.closers = append(a.closers, func() { _ = st.Stop() })
	logger := st.Log
	if hooks.Listen != "" {
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
