package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"switchboard/backend/sim"
)

// runSim serves the simulator on loopback and prints a ready-to-use
// config to stdout: `switchboard sim > sim.yaml`, then in another shell
// export the variables it names and run `switchboard --config sim.yaml`.
func runSim(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("switchboard sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address of each provider's server (port 0 = any free port)")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "scenario seed (same seed, same starting state)")
	accounts := fs.Int("accounts", 2, "accounts per provider")
	quiet := fs.Bool("quiet", false, "no codes arrive by themselves")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s := sim.New(sim.Options{Seed: *seed, Lively: !*quiet, Quiet: *quiet, Accounts: *accounts, Listen: *listen})
	defer s.Close()
	fmt.Fprint(stdout, SimConfig(s))
	fmt.Fprintln(stderr, "simulator running; press ctrl+c to stop. To use it:")
	fmt.Fprintln(stderr, `  switchboard sim > sim.yaml   # (this command)`)
	fmt.Fprintln(stderr, `  eval "$(sed -n 's/^#   export /export /p' sim.yaml)"; switchboard --config sim.yaml`)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return 0
}

// SimConfig is a config file for a running simulator. Secrets stay out of
// the YAML: they are listed as exports in its header.
func SimConfig(s *sim.Sim) string {
	creds := s.Credentials()
	var b strings.Builder
	b.WriteString("# Switchboard simulator config — secrets are environment variables:\n")
	var envs []string
	for _, c := range creds {
		for k, v := range c.Env {
			envs = append(envs, fmt.Sprintf("#   export %s=%s\n", k, shellQuote(v)))
		}
	}
	sort.Strings(envs)
	for _, e := range envs {
		b.WriteString(e)
	}
	unlisted := s.Unlisted()
	var adds []string
	for _, c := range creds {
		for _, id := range unlisted[c.Account] {
			adds = append(adds, ":add "+c.Account+" "+id)
		}
	}
	if len(adds) > 0 {
		b.WriteString("# Their providers cannot list these orders; watch them with:\n")
		for _, l := range adds {
			b.WriteString("#   " + l + "\n")
		}
	}
	b.WriteString("accounts:\n")
	for _, c := range creds {
		fmt.Fprintf(&b, "  - name: %s\n    provider: %s\n    base_url: %s\n", c.Account, c.Provider, s.URL(c.Provider))
		keys := make([]string, 0, len(c.Fields))
		for k := range c.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s: %s\n", k, c.Fields[k])
		}
	}
	return b.String()
}

// shellQuote makes a value safe to paste into a shell (tokens may hold
// '|' or '$').
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
