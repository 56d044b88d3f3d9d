package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"switchboard/bench"
)

// runBench measures time to code against the simulator: Switchboard's
// scheduler and a naive poller side by side (see BENCHMARKS.md).
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("switchboard bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 100*time.Second, "how long codes keep arriving (setup and the last codes add about a minute)")
	lines := fs.Int("lines", 25, "waiting lines per account")
	accounts := fs.Int("accounts", 1, "simulated accounts per provider, each with its own limit and budget")
	naive := fs.Bool("naive", true, "also run the naive poller (--naive=false skips it: at many accounts its pollers take the CPU)")
	seed := fs.Uint64("seed", 1, "simulator and delivery-schedule seed")
	scale := fs.Float64("scale", 1, "multiply every simulated limit and account budget (1 = the documented limits)")
	markdown := fs.Bool("markdown", false, "print the figures as Markdown tables")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: switchboard bench [flags]\n\n"+
			"Delivers codes at random times to waiting lines on simulated piv.day, 5sim, NonVoip and\n"+
			"marketplace accounts, and measures the delay until Switchboard's engine emits each one,\n"+
			"next to a naive poller reading every line every 5 s under the same limits.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stderr, ""); !ok {
		return code
	}
	if *duration < 10*time.Second || *lines < 1 || *accounts < 1 || *scale <= 0 {
		fmt.Fprintln(stderr, "switchboard bench: --duration must be at least 10s, --lines and --accounts at least 1, --scale positive")
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	opts := bench.Options{Duration: *duration, Lines: *lines, Accounts: *accounts, Seed: *seed, Scale: *scale, NoNaive: !*naive}
	if !*quiet {
		opts.Progress = stderr
	}
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard bench:", err)
		return 1
	}
	if *markdown {
		fmt.Fprint(stdout, rep.Markdown())
	} else {
		fmt.Fprint(stdout, rep.Text())
	}
	return 0
}
