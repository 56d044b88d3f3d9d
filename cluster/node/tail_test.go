package node

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend/engine"
)

// stepLog keeps what every node's engine said about its line reads and
// webhook hints (engine.Options.Trace), by line id, so the benchmark can
// split a webhook code's time into its shares.
type stepLog struct {
	mu    sync.Mutex
	steps map[string][]nodeStep
}

type nodeStep struct {
	node string
	engine.ReadStep
}

func newStepLog() *stepLog { return &stepLog{steps: map[string][]nodeStep{}} }

// tracer is node's engine.Options.Trace (nil without a log).
func (s *stepLog) tracer(node string) func(engine.ReadStep) {
	if s == nil {
		return nil
	}
	return func(st engine.ReadStep) {
		s.mu.Lock()
		s.steps[st.Line] = append(s.steps[st.Line], nodeStep{node, st})
		s.mu.Unlock()
	}
}

// of lists a line's steps from since on, in time order.
func (s *stepLog) of(line string, since time.Time) []nodeStep {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []nodeStep
	for _, st := range s.steps[line] {
		if !st.At.Before(since) {
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(a, b nodeStep) int { return a.At.Compare(b.At) })
	return out
}

// tail is a webhook code's way split into shares, and which case each
// code was.
type tail struct {
	shares map[string][]time.Duration
	cases  map[string]map[string]int // by slowest-dashboard class (all, > 1 s, > 20 s), then case
}

// shareNames are the shares of a webhook code's way, in order.
var shareNames = []string{
	"webhook at a node → hint noted at the owner's engine",
	"hint noted → its read started",
	"read started → token granted",
	"token granted → provider's answer at the engine",
	"answer → the owner's engine event",
	"owner's engine event → every other engine (etcd write + watch)",
	"owner's engine event → every dashboard",
}

// webhookTail splits every hooked piv.day code of codes.
func (tm *team) webhookTail(b *testing.B, codes []*sent, front *hookFront, r run) tail {
	tl := tail{shares: map[string][]time.Duration{}, cases: map[string]map[string]int{}}
	count := func(class, c string) {
		if tl.cases[class] == nil {
			tl.cases[class] = map[string]int{}
		}
		tl.cases[class][c]++
	}
	for i, c := range codes {
		hit, hooked := front.hit(c.line.ID, c.code)
		if !hooked {
			continue
		}
		steps := tm.steps.of(c.line.ID, c.at)
		// The read that brought the code: the first answer with news.
		ans := slices.IndexFunc(steps, func(s nodeStep) bool { return s.Step == engine.StepAnswer && s.News })
		var hint, start, granted *nodeStep
		what := "no hint noted"
		for j := range steps {
			s := &steps[j]
			if ans >= 0 && j > ans {
				break
			}
			switch s.Step {
			case engine.StepHint, engine.StepHintWaits, engine.StepCoalesced, engine.StepLimited, engine.StepRide:
				if hint == nil && s.Step != engine.StepLimited {
					hint = s
					what = map[engine.Step]string{engine.StepHint: "hint read at once",
						engine.StepHintWaits: "line's read queued or in the air at the hint",
						engine.StepCoalesced: "hint coalesced", engine.StepRide: "hint rode on the line's queued poll"}[s.Step]
				}
				if s.Step == engine.StepLimited {
					what += ", limited"
				}
			case engine.StepHintRead, engine.StepPollRead:
				start, granted = s, nil
			case engine.StepGranted:
				if granted == nil {
					granted = s
				}
			}
		}
		switch {
		case ans < 0:
			what += ", no read found it"
		case start == nil:
			what += ", found by a read started before the code"
		case start.Step == engine.StepPollRead:
			what += ", found by a poll read"
		default:
			what += ", found by the hint's read"
		}
		class := "≤ 1 s"
		switch {
		case r.late[i]:
			class = "not within 20 s"
		case r.slowest[i] > time.Second:
			class = "> 1 s"
		}
		count(class, what)
		add := func(k int, from, to time.Time) {
			if !from.IsZero() && !to.IsZero() {
				tl.shares[shareNames[k]] = append(tl.shares[shareNames[k]], to.Sub(from))
			}
		}
		at := func(s *nodeStep) time.Time {
			if s == nil {
				return time.Time{}
			}
			return s.At
		}
		if start != nil && granted != nil && granted.At.Sub(start.At) > time.Second {
			b.Logf("slow token: %s %s: budget wait at the read's start %v; the account's reads before it: %s", c.line.Account, c.line.ID,
				start.Ready.Round(time.Millisecond), tm.steps.around(c.line.Account, start.At))
		}
		add(0, hit.at, at(hint))
		if start != nil && hint != nil && start.At.After(hint.At) {
			add(1, hint.At, start.At)
		}
		if start != nil {
			add(2, start.At, at(granted))
		}
		if ans >= 0 {
			add(3, at(granted), steps[ans].At)
			if own := tm.engineSaw(steps[ans].node, c); !own.IsZero() {
				add(4, steps[ans].At, own)
			}
		}
	}
	tl.shares[shareNames[5]] = r.spreadWebhook
	tl.shares[shareNames[6]] = r.ownerToScreens
	return tl
}

// engineSaw is when node's engine first showed c.
func (tm *team) engineSaw(node string, c *sent) time.Time {
	for _, m := range tm.nodesSnapshot() {
		if m.name == node {
			m.mu.Lock()
			defer m.mu.Unlock()
			return m.codes[string(c.line.Key)+" "+c.code]
		}
	}
	return time.Time{}
}

func (tl tail) log(b *testing.B) {
	for _, name := range shareNames {
		b.Logf("webhook code share: %s: %s", name, summary(tl.shares[name]))
	}
	for _, class := range []string{"≤ 1 s", "> 1 s", "not within 20 s"} {
		b.Logf("webhook codes whose slowest dashboard was %s: %s", class, fmt.Sprint(tl.cases[class]))
	}
}

// around lists the account's steps in the 6 s before at, for the log.
func (s *stepLog) around(account string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []nodeStep
	for _, steps := range s.steps {
		for _, st := range steps {
			if st.Account == account && st.At.After(at.Add(-6*time.Second)) && !st.At.After(at) {
				out = append(out, st)
			}
		}
	}
	slices.SortFunc(out, func(a, b nodeStep) int { return a.At.Compare(b.At) })
	var sb strings.Builder
	for _, st := range out {
		fmt.Fprintf(&sb, " %s:%s:%d@-%v(ready %v)", st.node, st.Line, st.Step, at.Sub(st.At).Round(time.Millisecond), st.Ready.Round(time.Millisecond))
	}
	return sb.String()
}

// firstListings waits until the owner of every account has polled it
// after its first jobs listing started: polls wait until an account's
// first listings are done and its bucket holds a read's tokens and the
// hints' spare, which the first listings take as they come (a hint read
// 5 s after the jobs listing started found the bucket still empty, and
// the start-up's wait counted as the steady state's).
func (tm *team) firstListings(b *testing.B, accounts []string) {
	owners := map[string]string{}
	for _, a := range accounts {
		owners[a] = tm.owner(a).name
	}
	polled := func() int {
		tm.steps.mu.Lock()
		defer tm.steps.mu.Unlock()
		listed := map[string]time.Time{}
		for _, st := range tm.steps.steps["jobs"] { // a cold read's step names its task
			if st.node == owners[st.Account] && listed[st.Account].IsZero() {
				listed[st.Account] = st.At
			}
		}
		done := map[string]bool{}
		for _, steps := range tm.steps.steps {
			for _, st := range steps {
				if at, ok := listed[st.Account]; ok && st.Step == engine.StepPollRead && st.node == owners[st.Account] && st.At.After(at) {
					done[st.Account] = true
				}
			}
		}
		return len(done)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for n := polled(); n < len(accounts); n = polled() {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d accounts polled after their owners' first listings", n, len(accounts))
		}
		time.Sleep(250 * time.Millisecond) // each look reads every step so far
	}
}
