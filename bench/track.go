package bench

import (
	"strings"
	"sync"
	"time"

	"switchboard/backend"
	"switchboard/backend/engine"
)

// codeRec is one delivered code and when each side saw it.
type codeRec struct {
	kind  backend.ProviderKind
	d     delivery
	sbKey backend.Key // the line on Switchboard's simulator
	nvID  string      // the same line on the naive side's simulator
	sit   situation   // Switchboard's scheduler when the code arrived
	sb    sideRec
	nv    sideRec
}

type sideRec struct {
	at   time.Time // just before the simulator was told to deliver
	seen time.Time // when the side first held a message with the code
	err  error     // the delivery failed
}

func (c *codeRec) matches(m backend.Message) bool {
	return m.Code == c.d.Code || strings.Contains(m.Text, c.d.Code)
}

// registry matches messages to delivered codes, for both sides.
type registry struct {
	mu   sync.Mutex
	sb   map[backend.Key][]*codeRec
	nv   map[string][]*codeRec // provider/id
	all  []*codeRec
	errs map[backend.ProviderKind][]string
}

func newRegistry() *registry {
	return &registry{sb: map[backend.Key][]*codeRec{}, nv: map[string][]*codeRec{}, errs: map[backend.ProviderKind][]string{}}
}

func naiveKey(k backend.ProviderKind, id string) string { return string(k) + "/" + id }

func (r *registry) add(c *codeRec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sb[c.sbKey] = append(r.sb[c.sbKey], c)
	r.nv[naiveKey(c.kind, c.nvID)] = append(r.nv[naiveKey(c.kind, c.nvID)], c)
	r.all = append(r.all, c)
}

// delivered records how one side's delivery went: a failed one is not a
// code to wait for.
func (r *registry) delivered(c *codeRec, side *sideRec, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		side.at, side.err = time.Time{}, err
		r.errs[c.kind] = append(r.errs[c.kind], err.Error())
	}
}

// stamp records the moment a side's delivery starts.
func (r *registry) stamp(side *sideRec) {
	r.mu.Lock()
	side.at = time.Now()
	r.mu.Unlock()
}

func (r *registry) seen(list []*codeRec, side func(*codeRec) *sideRec, msgs []backend.Message, at time.Time) {
	for _, m := range msgs {
		for _, c := range list {
			s := side(c)
			if !s.at.IsZero() && s.seen.IsZero() && c.matches(m) {
				s.seen = at
			}
		}
	}
}

// seenSB takes the messages of an engine event.
func (r *registry) seenSB(msgs []backend.Message, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		r.seen(r.sb[m.Line], func(c *codeRec) *sideRec { return &c.sb }, []backend.Message{m}, at)
	}
}

// seenNaive takes the messages one naive read returned.
func (r *registry) seenNaive(k backend.ProviderKind, id string, msgs []backend.Message, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen(r.nv[naiveKey(k, id)], func(c *codeRec) *sideRec { return &c.nv }, msgs, at)
}

// allSeen reports whether every delivered code reached both sides.
func (r *registry) allSeen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.all {
		if (!c.sb.at.IsZero() && c.sb.seen.IsZero()) || (!c.nv.at.IsZero() && c.nv.seen.IsZero()) {
			return false
		}
	}
	return true
}

func (r *registry) errors(k backend.ProviderKind) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs[k]...)
}

// situation is what the scheduler weighs when a code arrives: the total
// weight of the account's open lines, the weight of the line that gets the
// code and the heaviest weight.
type situation struct {
	Total, Own, Max float64
}

// watcher follows the engine's events: it keeps a shadow of every line
// (to weigh them as the scheduler does), the keys of lines it bought and
// the moment each code's message was emitted.
type watcher struct {
	reg *registry

	mu       sync.Mutex
	lines    map[string]map[backend.Key]*shadowLine // by account
	bought   map[string]backend.Key                 // action id → line
	failures []string
}

type shadowLine struct {
	line         backend.Line
	lastActivity time.Time // newest SMS, as the engine tracks it
}

func newWatcher(reg *registry) *watcher {
	return &watcher{reg: reg, lines: map[string]map[backend.Key]*shadowLine{}, bought: map[string]backend.Key{}}
}

func (w *watcher) run(events <-chan backend.Event) {
	for ev := range events {
		at := time.Now()
		w.reg.seenSB(ev.Messages, at)
		w.mu.Lock()
		for _, l := range ev.Lines {
			acct := w.lines[l.Account]
			if acct == nil {
				acct = map[backend.Key]*shadowLine{}
				w.lines[l.Account] = acct
			}
			if s := acct[l.Key]; s != nil {
				s.line = *l
			} else {
				acct[l.Key] = &shadowLine{line: *l}
			}
		}
		for _, k := range ev.Removed {
			delete(w.lines[k.Account()], k)
		}
		for _, m := range ev.Messages {
			if s := w.lines[m.Line.Account()][m.Line]; s != nil && m.ReceivedAt.After(s.lastActivity) {
				s.lastActivity = m.ReceivedAt
			}
		}
		for _, n := range ev.Notices {
			switch {
			case n.Action != nil && n.Action.Kind == backend.ActBuy && n.Level == backend.Success:
				w.bought[n.Action.ID] = n.Key
			case n.Level == backend.Failure:
				w.failures = append(w.failures, n.Text)
			}
		}
		w.mu.Unlock()
	}
}

// boughtKey returns the line the buy with this action id made, once it
// is known.
func (w *watcher) boughtKey(id string) (backend.Key, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k, ok := w.bought[id]
	return k, ok
}

func (w *watcher) failureText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.failures) == 0 {
		return "no failure reported"
	}
	return strings.Join(w.failures, "; ")
}

// situation weighs an account's lines at now with the scheduler's own
// rule (engine.LineWeight).
func (w *watcher) situation(acct string, k backend.Key, now time.Time) situation {
	w.mu.Lock()
	defer w.mu.Unlock()
	var s situation
	for key, l := range w.lines[acct] {
		x := engine.LineWeight(l.line, l.lastActivity, now)
		s.Total += x
		s.Max = max(s.Max, x)
		if key == k {
			s.Own = x
		}
	}
	return s
}
