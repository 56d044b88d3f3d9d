// Package ctl is the door for scripts: the verbs snapshot, watch, code,
// act and buy, with stable JSON (schema.go) and exit codes — 0 done, 1
// failed (a refusal, a timeout, nothing running), 2 a bad argument. The
// same verbs answer on a unix socket in the state directory (socket.go)
// and over SSH (an exec session of package serve); the client side of the
// socket is Call.
package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"switchboard/backend"
)

// Exit codes of every verb.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Live is the running service as a verb sees it: the engine's state,
// followed as one operator, and the engine as that operator.
type Live interface {
	Subscribe(operator string) (Stream, backend.Event)
	As(operator string) Door
}

// Stream is a subscription to the live state (hub.Sub).
type Stream interface {
	Next(ctx context.Context) (backend.Event, bool)
	Close()
}

// Door is what a verb asks of the engine (engine.Door).
type Door interface {
	Submit(backend.Action)
	Catalog(ctx context.Context, account string, req backend.CatalogRequest) ([]backend.CatalogItem, error)
	BuyFlow(account string) (backend.BuyFlow, bool)
}

// Env is what a verb runs with.
type Env struct {
	Operator string
	// Live is the running engine; nil when nothing runs, and then
	// Offline reads what the last run left (snapshot), and the verbs that
	// need an engine say none is running.
	Live    Live
	Offline func() (backend.Snapshot, error)
	// NotRunning says why there is no engine (where the socket was looked
	// for).
	NotRunning string
	Stdout     io.Writer
	Stderr     io.Writer
	Clock      clockwork.Clock
	// Expiring is how far ahead `watch` announces a lease's expiry.
	Expiring time.Duration
}

// verb is one command.
type verb struct {
	name, args, what string
	run              func(ctx context.Context, env Env, a *args) int
	flags            func(fs *flag.FlagSet, a *args)
}

// args holds every verb's flags (each verb declares the ones it takes).
type args struct {
	json, wait, yes bool
	timeout         time.Duration
	maxPrice        string
	rest            []string
}

var verbs []verb

func init() {
	jsonFlag := func(fs *flag.FlagSet, a *args) {
		fs.BoolVar(&a.json, "json", false, "print JSON (the schema is in the README)")
	}
	verbs = []verb{
		{"snapshot", "[--json]", "accounts, lines with their codes, leases and jobs, once",
			runSnapshot, jsonFlag},
		{"watch", "[--json]", "what happens, one line each (code, balance, action, expiring), until interrupted",
			runWatch, jsonFlag},
		{"code", "<number|order id|account:service> [--wait] [--timeout 5m] [--json]",
			"print only a line's code; --wait waits for it to arrive", runCode, func(fs *flag.FlagSet, a *args) {
				jsonFlag(fs, a)
				fs.BoolVar(&a.wait, "wait", false, "wait for the code to arrive")
				fs.DurationVar(&a.timeout, "timeout", 5*time.Minute, "how long --wait waits")
			}},
		{"act", "renew|cancel|finish|ban|reuse <item> [--yes] [--json] [--timeout 2m]",
			"act on a line, lease or job; without --yes, say what would happen and the price", runAct, func(fs *flag.FlagSet, a *args) {
				jsonFlag(fs, a)
				fs.BoolVar(&a.yes, "yes", false, "do it (without: only say what would happen)")
				fs.DurationVar(&a.timeout, "timeout", 2*time.Minute, "how long to wait for the provider's answer")
			}},
		{"buy", "<account> <category> <choice…> [field=value…] --max-price X [--yes] [--json] [--timeout 2m]",
			"buy: one choice per step of the account's picker; without --yes, say what would happen and the price",
			runBuy, func(fs *flag.FlagSet, a *args) {
				jsonFlag(fs, a)
				fs.BoolVar(&a.yes, "yes", false, "buy (without: only say what would happen)")
				fs.StringVar(&a.maxPrice, "max-price", "", "the most to pay, in the account's currency (required)")
				fs.DurationVar(&a.timeout, "timeout", 2*time.Minute, "how long to wait for the provider's answer")
			}},
	}
}

// IsVerb reports whether name is one of the verbs.
func IsVerb(name string) bool {
	_, ok := find(name)
	return ok
}

func find(name string) (verb, bool) {
	for _, v := range verbs {
		if v.name == name {
			return v, true
		}
	}
	return verb{}, false
}

// Usage lists the verbs.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "verbs (locally through the running Switchboard's socket, or over SSH as an exec command):")
	for _, v := range verbs {
		fmt.Fprintf(w, "  %-9s %s\n            %s\n", v.name, v.args, v.what)
	}
	fmt.Fprintln(w, "exit codes: 0 done, 1 failed (refused, timed out, nothing running), 2 bad argument")
}

// Run runs one verb: argv is its name and arguments.
func Run(ctx context.Context, env Env, argv []string) int {
	if env.Clock == nil {
		env.Clock = clockwork.NewRealClock()
	}
	if env.Expiring <= 0 {
		env.Expiring = 24 * time.Hour
	}
	v, a, code := Parse(argv, env.Stdout, env.Stderr)
	if a == nil {
		return code
	}
	return v.run(ctx, env, a)
}

// Parse checks a verb's arguments: a nil args means it is answered
// already (help: 0; a bad argument: 2, said on stderr).
func Parse(argv []string, stdout, stderr io.Writer) (verb, *args, int) {
	if len(argv) == 0 || argv[0] == "help" || argv[0] == "--help" || argv[0] == "-h" {
		Usage(stdout)
		if len(argv) == 0 {
			return verb{}, nil, ExitUsage
		}
		return verb{}, nil, ExitOK
	}
	v, ok := find(argv[0])
	if !ok {
		fmt.Fprintf(stderr, "switchboard: unknown verb %q\n", argv[0])
		Usage(stderr)
		return verb{}, nil, ExitUsage
	}
	a := &args{}
	fs := flag.NewFlagSet(v.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	v.flags(fs, a)
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: switchboard %s %s\n  %s\n\nflags:\n", v.name, v.args, v.what)
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	fs.Usage = func() {} // said below: --help on stdout, a mistake on stderr
	if err := fs.Parse(interleaved(fs, argv[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return v, nil, ExitOK
		}
		usage(stderr)
		return v, nil, ExitUsage
	}
	a.rest = fs.Args()
	return v, a, ExitOK
}

// interleaved moves the flags before the positional arguments, so
// `code +7900… --wait` reads as written ("--" ends the flags).
func interleaved(fs *flag.FlagSet, in []string) []string {
	var flags, pos []string
	for i := 0; i < len(in); i++ {
		s := in[i]
		if s == "--" {
			pos = append(pos, in[i+1:]...)
			break
		}
		if !strings.HasPrefix(s, "-") || s == "-" {
			pos = append(pos, s)
			continue
		}
		flags = append(flags, s)
		name := strings.TrimLeft(s, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBool(f) && i+1 < len(in) {
			i++
			flags = append(flags, in[i])
		}
	}
	return append(append(flags, "--"), pos...)
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// usageError says what is wrong with an argument (exit 2).
func usageError(env Env, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "switchboard: "+format+"\n", a...)
	return ExitUsage
}

// failed says why a verb did not do what it was asked (exit 1).
func failed(env Env, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "switchboard: "+format+"\n", a...)
	return ExitFailed
}

// notRunning is the answer of a verb that needs a running engine.
func notRunning(env Env) int {
	why := env.NotRunning
	if why == "" {
		why = "no engine is running"
	}
	return failed(env, "%s: start `switchboard` (the dashboard) or `switchboard serve` first", why)
}

// live subscribes as the env's operator and returns the state it starts
// from, kept up to date by follow.
func live(env Env) (Stream, *state) {
	sub, snap := env.Live.Subscribe(env.Operator)
	st := newState()
	st.Apply(snap)
	return sub, st
}

// sortedKeys lists a map's keys in order (stable output).
func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
