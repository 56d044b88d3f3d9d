package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/ctl"
	"switchboard/hub"
	"switchboard/serve"
	"switchboard/ui"
)

// drainFor bounds how long stopping waits for actions whose call is in
// the air; what is still in the air is journaled as interrupted and
// settled by reading at the next start.
const drainFor = 30 * time.Second

// runServe is `switchboard serve`: the engine with no terminal (logs to
// stderr), the dashboard over SSH for the configured operators, the
// verbs over SSH and on the unix socket. SIGTERM (or ctrl-c) drains: no
// new actions, calls in the air answered and journaled, every session
// told, the store closed after the engine has stopped.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("switchboard serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $XDG_CONFIG_HOME/switchboard/config.yaml)")
	stateDir := fs.String("state-dir", "", "where state.db, ledger.db, the host key and the socket live (default $XDG_STATE_HOME/switchboard)")
	var team clusterFlags
	fs.StringVar(&team.etcd, "etcd", "", "etcd client URLs, comma-separated: run as a node of a team cluster (default serve.etcd)")
	fs.StringVar(&team.node, "node", "", "this node's name in the team cluster, unique (default serve.node)")
	if code, ok := parseFlags(fs, args, stderr, ""); !ok {
		return code
	}
	if *cfgPath == "" {
		*cfgPath = config.DefaultPath()
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The laptop dashboard's small memory limit would make the collector
		// spin under a service holding many sessions: no limit unless asked.
		debug.SetMemoryLimit(math.MaxInt64)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	signals, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	app, err := setup(signals, *cfgPath, *stateDir, false, false, stderr, log, &team)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 1
	}
	defer app.close() // last: the store closes after the engine has stopped
	if app.demo {
		fmt.Fprintln(stderr, "switchboard serve: no config at", *cfgPath, "— serve needs one with serve.operators (switchboard sim prints one to start from)")
		return 1
	}
	key, created, err := serve.HostKey(filepath.Join(app.stateDir, serve.HostKeyName))
	if err != nil {
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 1
	}
	log.Info("ssh host key", "fingerprint", serve.Fingerprint(key), "new", created)
	if app.serve.Exposed {
		warn := fmt.Sprintf("ssh_listen %s is not loopback: other machines can reach the SSH port (keys are still required)", app.serve.SSHListen)
		fmt.Fprintln(stderr, "switchboard serve: WARNING:", warn)
		log.Warn(warn)
	}
	if len(app.serve.Operators) == 0 {
		log.Warn("no serve.operators in the config: nobody can log in over SSH; the socket still answers")
	}
	ln, err := net.Listen("tcp", app.serve.SSHListen)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 1
	}
	fanout := hub.New(app.engine, hub.Options{Notices: app.notices})
	live := ctl.Local{Hub: fanout, Engine: app.engine}
	srv, err := serve.New(serve.Options{HostKey: key, Operators: app.serve.Operators, Live: live,
		Door: func(op string) ui.Backend { return app.engine.As(op) },
		UI: ui.Options{Accounts: app.engine.Accounts(), Theme: app.theme, Keys: app.keys, Thresholds: app.thresholds,
			Started: time.Now()},
		Log: log, Expiring: app.thresholds.Urgent})
	if err != nil {
		ln.Close()
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 1
	}

	hubDone, sshDone := make(chan struct{}), make(chan struct{})
	app.stack.Start()
	stopTeam := func() {}
	if app.team != nil {
		stopTeam = app.team.run(app)
	}
	go func() { defer close(hubDone); fanout.Run(context.Background()) }()
	go func() {
		defer close(sshDone)
		if err := srv.Serve(ln); err != nil {
			log.Error("ssh server", "err", err)
		}
	}()
	stopSocket := openSocket(app, live)
	log.Info("serving", "ssh", ln.Addr().String(), "operators", len(app.serve.Operators), "accounts", len(app.engine.Accounts()),
		"socket", filepath.Join(app.stateDir, ctl.SocketName))

	<-signals.Done()
	log.Info("stopping: no new actions; waiting for the calls in the air")
	srv.Refuse()
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), drainFor)
	if err := app.engine.Drain(drainCtx); err != nil {
		log.Warn("actions still in the air: they are journaled as interrupted and checked at the next start", "after", drainFor)
	}
	cancelDrain()
	// The engine and every worker return, then the store closes (a team
	// node's last writes still under its fences), then a team node
	// resigns: the other nodes take its accounts at once.
	if err := app.stack.Stop(); err != nil {
		log.Warn("closing the store", "err", err)
	}
	stopTeam()
	<-hubDone // every subscriber has its last change: sessions close
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("ssh sessions cut", "err", err)
	}
	cancelShutdown()
	<-sshDone
	stopSocket()
	log.Info("stopped")
	return 0
}

// listenSocket opens the scripts' socket in the state directory; a
// failure is said and the dashboard or service runs on without it.
func listenSocket(a *app) net.Listener {
	ln, err := ctl.Listen(a.stateDir)
	if err != nil {
		text := "scripts cannot reach this Switchboard: " + err.Error()
		a.log.Warn(text)
		a.notices = append(a.notices, backend.Notice{Level: backend.Warning, Text: text, At: time.Now()})
		return nil
	}
	return ln
}

// openSocket answers the verbs on the state directory's socket as the
// local operator (opening it unless listenSocket has); the returned func
// stops it and waits.
func openSocket(a *app, live ctl.Live) func() {
	ln := a.socket
	if ln == nil {
		ln = listenSocket(a)
	}
	if ln == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctl.Serve(ctx, ln, ctl.Env{Operator: engine.LocalOperator, Live: live, Expiring: a.thresholds.Urgent})
	}()
	return func() {
		cancel()
		<-done
	}
}

// runVerb is a script verb run from a shell: through the running
// dashboard's or service's socket, or, with nothing running, from the
// cache (snapshot) or with a word that nothing runs.
func runVerb(args []string, stdout, stderr io.Writer) int {
	args, dir, err := stateDirFlag(args)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return ctl.ExitUsage
	}
	if _, a, code := ctl.Parse(args, stdout, stderr); a == nil {
		return code // --help, or a bad argument: answered here, running or not
	}
	if dir == "" {
		if dir, err = cache.DefaultDir(); err != nil {
			fmt.Fprintln(stderr, "switchboard:", err)
			return ctl.ExitFailed
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	code, err := ctl.Call(ctx, dir, args, stdout, stderr)
	if errors.Is(err, ctl.ErrNotRunning) {
		return ctl.Run(ctx, ctl.Env{Operator: engine.LocalOperator, Stdout: stdout, Stderr: stderr,
			NotRunning: "no engine is running (nothing answers on " + filepath.Join(dir, ctl.SocketName) + ")",
			Offline:    func() (backend.Snapshot, error) { return cache.ReadSnapshot(dir) }}, args)
	}
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return ctl.ExitFailed
	}
	return code
}

// stateDirFlag takes --state-dir DIR (where to find the socket) out of
// a verb's arguments.
func stateDirFlag(args []string) (rest []string, dir string, err error) {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--state-dir" || a == "-state-dir":
			if i+1 >= len(args) {
				return nil, "", errors.New("--state-dir needs a directory")
			}
			dir = args[i+1]
			i++
		case len(a) > len("--state-dir=") && a[:len("--state-dir=")] == "--state-dir=":
			dir = a[len("--state-dir="):]
		default:
			rest = append(rest, a)
		}
	}
	return rest, dir, nil
}
