package stack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"sync"

	"switchboard/backend"
	"switchboard/wiring"
)

// Holdings is what the providers of a stack's accounts hold at one
// moment: the keys of their open lines, leases and jobs and the ids of
// the SMS those lines carry. Over a quiet simulator on a manual clock nothing
// changes by itself, so it is exactly what the engine shows once it has
// read everything: Synced waits for that, not for a pause in its events.
type Holdings struct {
	accounts []string
	keys     map[backend.Key]bool
	messages map[string]bool
}

// Read reads what every account of o holds now through adapters of its
// own: the listings, the orders o watches, the SMS of the open lines,
// leases and jobs.
func Read(ctx context.Context, o Options) (Holdings, error) {
	parts := make([]Holdings, len(o.Accounts))
	errs := make([]error, len(o.Accounts))
	var wg sync.WaitGroup
	for i, acc := range o.Accounts {
		spec, err := wiring.Build(acc, o.Adapters)
		if err != nil {
			return Holdings{}, err
		}
		parts[i] = Holdings{accounts: []string{acc.Name}, keys: map[backend.Key]bool{}, messages: map[string]bool{}}
		wg.Go(func() {
			if err := parts[i].read(ctx, spec.Provider, o.Watch[acc.Name]); err != nil {
				errs[i] = fmt.Errorf("account %s: %w", acc.Name, err)
			}
		})
	}
	wg.Wait()
	h := Holdings{keys: map[backend.Key]bool{}, messages: map[string]bool{}}
	for _, p := range parts {
		h.accounts = append(h.accounts, p.accounts...)
		maps.Copy(h.keys, p.keys)
		maps.Copy(h.messages, p.messages)
	}
	return h, errors.Join(errs...)
}

func (h Holdings) read(ctx context.Context, p backend.Provider, watched []string) error {
	lines, msgs, err := p.Lines(ctx)
	if err != nil {
		return err
	}
	if adder, ok := p.(backend.Adder); ok {
		for _, id := range watched {
			l, m, err := adder.Lookup(ctx, id)
			if err != nil {
				return err
			}
			lines, msgs = append(lines, l), append(msgs, m...)
		}
	}
	// Closed lines are the engine's to keep or drop (by age): only open
	// ones and their SMS are sure to show.
	var open []backend.Line
	for _, l := range lines {
		if l.State.Open() {
			h.keys[l.Key] = true
			open = append(open, l)
		}
	}
	if len(open) > 0 {
		_, m, err := p.Check(ctx, open)
		if err != nil {
			return err
		}
		msgs = append(msgs, m...)
	}
	for _, m := range msgs {
		if !h.keys[m.Line] {
			continue
		}
		if m.ID == "" {
			m.ID = backend.DerivedMessageID(m) // as the engine names it
		}
		h.messages[m.ID] = true
	}
	leases, err := p.Leases(ctx)
	if err != nil {
		return err
	}
	for _, l := range leases {
		h.keys[l.Key] = true
	}
	jobs, err := p.Jobs(ctx, nil)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		h.keys[j.Key] = true
	}
	return nil
}

// Missing says what of h the engine's merged state ev does not show yet,
// or "" when it shows everything and every account's last poll went
// well.
func (h Holdings) Missing(ev backend.Event) string {
	accounts := map[string]backend.Account{}
	for _, a := range ev.Accounts {
		accounts[a.Name] = a
	}
	for _, name := range h.accounts {
		if a := accounts[name]; a.Health != backend.HealthOK || !a.Balance.Known {
			return fmt.Sprintf("account %s polled well (health %s, balance %s)", name, a.Health, a.Balance)
		}
	}
	shown := map[backend.Key]bool{}
	for _, l := range ev.Lines {
		shown[l.Key] = true
	}
	for _, l := range ev.Leases {
		shown[l.Key] = true
	}
	for _, j := range ev.Jobs {
		shown[j.Key] = true
	}
	seen := map[string]bool{}
	for _, m := range ev.Messages {
		seen[m.ID] = true
	}
	var missing []string
	for k := range h.keys {
		if !shown[k] {
			missing = append(missing, string(k))
		}
	}
	for id := range h.messages {
		if !seen[id] {
			missing = append(missing, "SMS "+id)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	sort.Strings(missing)
	return fmt.Sprintf("%d items, e.g. %s", len(missing), missing[0])
}

// Synced merges events into state until it shows everything h holds
// (state is then what a dashboard opened now would start from). It gives
// up when ctx ends, saying what was still missing.
func Synced(ctx context.Context, events <-chan backend.Event, h Holdings, state *backend.Event) error {
	for {
		missing := h.Missing(*state)
		if missing == "" {
			return nil
		}
		select {
		case ev, ok := <-events:
			if !ok {
				return fmt.Errorf("the engine stopped before it showed %s", missing)
			}
			state.Merge(ev)
		case <-ctx.Done():
			return fmt.Errorf("the engine never showed %s", missing)
		}
	}
}
