package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"switchboard/backend"
)

// runWatch prints one line per thing that happens — a code arrives, a
// balance changes, an action is sent or settles, a lease comes within
// Env.Expiring of its expiry — until interrupted or the engine stops.
func runWatch(ctx context.Context, env Env, a *args) int {
	if len(a.rest) > 0 {
		return usageError(env, "watch takes no argument, not %q", a.rest[0])
	}
	if env.Live == nil {
		return notRunning(env)
	}
	sub, st := live(env)
	defer sub.Close()
	w := &watcher{env: env, json: a.json, codes: map[backend.Key]string{}, balances: map[string]string{},
		actions: map[string]backend.JournalState{}, expiring: map[backend.Key]time.Time{}}
	if err := w.emit(Event{Type: "hello", Schema: SchemaWatch}); err != nil {
		return ExitOK // the reader went away
	}
	w.note(st, backend.Event{Accounts: mapValues(st.Accounts), Lines: mapValues(st.Lines)}, false)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan backend.Event)
	done := make(chan struct{})
	go func() { // the subscription's reader; ends with ctx or the engine
		defer close(done)
		defer close(events)
		for {
			ev, ok := sub.Next(ctx)
			if !ok {
				return
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() { cancel(); <-done }()
	for {
		if code, more := w.next(ctx, st, events); !more {
			return code
		}
	}
}

// next waits for the subscription's next event or the next lease to come
// within Expiring, and says it; more is false when the watch is over.
func (w *watcher) next(ctx context.Context, st *state, events <-chan backend.Event) (code int, more bool) {
	var alarm <-chan time.Time
	if wake := w.leases(st); wake > 0 {
		t := w.env.Clock.NewTimer(wake)
		defer t.Stop()
		alarm = t.Chan()
	}
	select {
	case <-ctx.Done():
		return ExitOK, false
	case <-alarm:
	case ev, ok := <-events:
		if !ok {
			if ctx.Err() != nil {
				return ExitOK, false
			}
			return failed(w.env, "the engine stopped"), false
		}
		st.Apply(ev)
		if err := w.note(st, ev, true); err != nil {
			return ExitOK, false // the reader went away
		}
	}
	return ExitOK, true
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// watcher remembers what it has said, so each thing is said once.
type watcher struct {
	env      Env
	json     bool
	codes    map[backend.Key]string // line → code (or candidates) said
	balances map[string]string      // account → balance said
	actions  map[string]backend.JournalState
	expiring map[backend.Key]time.Time // lease → the expiry announced
}

// note says what an event changed; with tell false it only remembers
// (the state a watch starts from is not news).
func (w *watcher) note(st *state, ev backend.Event, tell bool) error {
	for _, acc := range ev.Accounts {
		b := money(acc.Balance)
		said := fmt.Sprint(b)
		if b != nil {
			said = b.Amount + " " + b.Currency
		}
		if prev, ok := w.balances[acc.Name]; ok && prev != said && tell && b != nil {
			if err := w.emit(Event{Type: "balance", Account: acc.Name, Balance: b}); err != nil {
				return err
			}
		}
		w.balances[acc.Name] = said
	}
	for _, l := range ev.Lines {
		code := l.Code + "|" + strings.Join(l.Candidates, ",")
		if code != "|" && w.codes[l.Key] != code && tell {
			if err := w.emit(Event{Type: "code", Account: l.Account, Key: string(l.Key), Number: l.Number,
				Service: l.Service, Code: l.Code, Candidates: l.Candidates}); err != nil {
				return err
			}
		}
		w.codes[l.Key] = code
	}
	for _, e := range ev.Actions {
		if w.actions[e.Action.ID] == e.State {
			continue
		}
		w.actions[e.Action.ID] = e.State
		if err := w.emit(Event{Type: "action", Account: e.Action.Account, Action: actionJSON(e)}); err != nil {
			return err
		}
	}
	return nil
}

// leases announces the leases that came within Expiring of their expiry
// and returns how long until the next one does (0: none will).
func (w *watcher) leases(st *state) time.Duration {
	now := w.env.Clock.Now()
	var next time.Duration
	for _, k := range sortedKeys(st.Leases) {
		l := st.Leases[k]
		if l.ExpiresAt.IsZero() || !l.ExpiresAt.After(now) || w.expiring[k].Equal(l.ExpiresAt) {
			continue
		}
		left := l.ExpiresAt.Sub(now)
		if left > w.env.Expiring {
			if wait := left - w.env.Expiring; next == 0 || wait < next {
				next = wait
			}
			continue
		}
		w.expiring[k] = l.ExpiresAt
		_ = w.emit(Event{Type: "expiring", Account: l.Account, Key: string(k), Name: l.Name,
			ExpiresAt: when(l.ExpiresAt), LeftSeconds: int64(left / time.Second)})
	}
	return next
}

// emit prints one event: a JSON line, or a line for a person.
func (w *watcher) emit(e Event) error {
	e.At = w.env.Clock.Now().UTC()
	if w.json {
		return json.NewEncoder(w.env.Stdout).Encode(e)
	}
	var what string
	switch e.Type {
	case "hello":
		what = "watching (interrupt to stop)"
	case "code":
		what = strings.TrimSpace(e.Code+" "+strings.Join(e.Candidates, " or ")) + " · " + e.Number + " " + e.Service
	case "balance":
		what = strings.TrimSpace(e.Balance.Amount + " " + e.Balance.Currency)
	case "action":
		what = e.Action.Operator + ": " + e.Action.Kind + " " + e.Action.Label + " — " + e.Action.State
		if e.Action.Note != "" {
			what += " (" + e.Action.Note + ")"
		}
	case "expiring":
		what = e.Name + " expires " + e.ExpiresAt.Format("2006-01-02 15:04 UTC")
	}
	_, err := fmt.Fprintf(w.env.Stdout, "%s %-8s %s %s\n", e.At.Format(time.TimeOnly), e.Type, e.Account, what)
	return err
}
