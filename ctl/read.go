package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"switchboard/backend"
)

// runSnapshot prints the whole state once: live, or from the cache
// (stale) when nothing runs.
func runSnapshot(ctx context.Context, env Env, a *args) int {
	if len(a.rest) > 0 {
		return usageError(env, "snapshot takes no argument, not %q", a.rest[0])
	}
	st, stale, code := current(env)
	if st == nil {
		return code
	}
	out := Snapshot{Schema: SchemaSnapshot, At: env.Clock.Now().UTC(), Stale: stale,
		Accounts: []Account{}, Lines: []Line{}, Leases: []Lease{}, Jobs: []Job{}}
	for _, n := range st.Order {
		acc := st.Accounts[n]
		out.Accounts = append(out.Accounts, accountJSON(acc, stale || acc.Health == backend.HealthUnknown))
	}
	for _, k := range sortedKeys(st.Lines) {
		out.Lines = append(out.Lines, lineJSON(*st.Lines[k]))
	}
	for _, k := range sortedKeys(st.Leases) {
		out.Leases = append(out.Leases, leaseJSON(st.Leases[k]))
	}
	for _, k := range sortedKeys(st.Jobs) {
		out.Jobs = append(out.Jobs, jobJSON(st.Jobs[k]))
	}
	if a.json {
		return printJSON(env, out)
	}
	printSnapshot(env.Stdout, out)
	return ExitOK
}

// current is the state to answer from: the live one, or the cache's when
// nothing runs (stale, said on stderr).
func current(env Env) (*state, bool, int) {
	st := newState()
	if env.Live != nil {
		sub, snap := env.Live.Subscribe(env.Operator)
		sub.Close()
		st.Apply(snap)
		return st, false, ExitOK
	}
	if env.Offline == nil {
		return nil, true, notRunning(env)
	}
	snap, err := env.Offline()
	if err != nil {
		return nil, true, failed(env, "nothing is running, and the cache cannot be read: %v", err)
	}
	st.Apply(backend.Event{Accounts: snap.Accounts, Lines: backend.LineRefs(snap.Lines), Leases: snap.Leases, Jobs: snap.Jobs})
	fmt.Fprintln(env.Stderr, "switchboard: nothing is running: this is what the last run left in the cache (stale)")
	return st, true, ExitOK
}

func printJSON(env Env, v any) int {
	if err := json.NewEncoder(env.Stdout).Encode(v); err != nil {
		return failed(env, "%v", err)
	}
	return ExitOK
}

// printSnapshot is the snapshot for a person: one table per kind.
func printSnapshot(w io.Writer, s Snapshot) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	amount := func(m *Money) string {
		if m == nil {
			return "?"
		}
		return strings.TrimSpace(m.Amount + " " + m.Currency)
	}
	stamp := func(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04 UTC") }
	fmt.Fprintln(tw, "ACCOUNT\tPROVIDER\tBALANCE\tHEALTH")
	for _, a := range s.Accounts {
		health := a.Health
		if a.Stale {
			health += " (stale)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, a.Provider, amount(a.Balance), health)
	}
	fmt.Fprintln(tw, "\nNUMBER\tSERVICE\tACCOUNT\tSTATE\tCODE")
	for _, l := range s.Lines {
		code := l.Code
		if code == "" && len(l.Candidates) > 0 {
			code = strings.Join(l.Candidates, " or ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Number, l.Service, l.Account, l.State, code)
	}
	fmt.Fprintln(tw, "\nLEASE\tKIND\tACCOUNT\tSTATE\tEXPIRES")
	for _, l := range s.Leases {
		exp := ""
		if l.ExpiresAt != nil {
			exp = stamp(l.ExpiresAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Name, l.Kind, l.Account, l.State, exp)
	}
	fmt.Fprintln(tw, "\nJOB\tKIND\tACCOUNT\tSTATE\tDETAIL")
	for _, j := range s.Jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.Title, j.Kind, j.Account, j.State, j.Detail)
	}
	_ = tw.Flush()
}

// runCode prints a line's code and only the code.
func runCode(ctx context.Context, env Env, a *args) int {
	if len(a.rest) != 1 {
		return usageError(env, "code takes one argument: a number, an order id or account:service")
	}
	arg := a.rest[0]
	if env.Live == nil {
		if a.wait {
			return notRunning(env)
		}
		st, _, code := current(env)
		if st == nil {
			return code
		}
		return printCode(env, a, st, arg)
	}
	sub, st := live(env)
	defer sub.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	expired := false
	timer := env.Clock.AfterFunc(a.timeout, func() { expired = true; cancel() })
	defer timer.Stop()
	for {
		l, found, bad := st.codeLine(arg)
		switch {
		case bad != "" && !found:
			return usageError(env, "%s", bad)
		case found && (l.Code != "" || len(l.Candidates) > 0 || !a.wait):
			return printCode(env, a, st, arg)
		case found && !l.State.Open():
			return failed(env, "%s is %s: no code will come", strings.TrimSpace(l.Number+" "+l.Service), l.State)
		case !a.wait:
			return failed(env, "no open %s line yet", arg)
		}
		ev, ok := sub.Next(ctx)
		switch {
		case !ok && expired:
			return failed(env, "no code for %s within %s", arg, a.timeout)
		case !ok && ctx.Err() != nil:
			return failed(env, "interrupted before a code arrived for %s", arg)
		case !ok:
			return failed(env, "the engine stopped before a code arrived for %s", arg)
		}
		st.Apply(ev)
	}
}

// printCode prints the code of the line arg names, if it has one.
func printCode(env Env, a *args, st *state, arg string) int {
	l, found, bad := st.codeLine(arg)
	switch {
	case !found && bad != "":
		return usageError(env, "%s", bad)
	case !found:
		return failed(env, "no open %s line yet", arg)
	case len(l.Candidates) > 0:
		return failed(env, "the SMS on %s holds several codes (%s): choose one in the dashboard", l.Number, strings.Join(l.Candidates, " or "))
	case l.Code == "":
		return failed(env, "no code yet on %s", strings.TrimSpace(l.Number+" "+l.Service))
	}
	if a.json {
		return printJSON(env, Code{Schema: SchemaCode, Key: string(l.Key), Number: l.Number, Code: l.Code, CodeAt: when(l.CodeAt.Time())})
	}
	fmt.Fprintln(env.Stdout, l.Code)
	return ExitOK
}
