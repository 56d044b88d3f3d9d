package serve_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/ctl"
	"switchboard/hub"
	"switchboard/keymap"
	"switchboard/serve"
	"switchboard/serve/servetest"
	"switchboard/stack"
	"switchboard/ui"
	"switchboard/views"
	"switchboard/webhook"
	"switchboard/wiring"
)

// rig is `switchboard serve` in a test: the real engine, adapters and
// cache over the simulator (5sim and piv.day), a hub, and the SSH server
// on a loopback port, with three operators.
type rig struct {
	t     testing.TB
	sim   *sim.Sim
	eng   *engine.Engine
	hub   *hub.Hub
	store backend.Store
	srv   *serve.Server
	addr  string
	host  gossh.Signer
	keys  map[string]gossh.Signer // operator → the key they log in with
	logs  *syncBuffer
	stop  func()
}

var roles = map[string]backend.Role{"alice": backend.RoleAdmin, "olga": backend.RoleOperator, "vic": backend.RoleViewer}

func newRig(t testing.TB, tweak func(*serve.Options)) *rig { return newRigAt(t, 1200, tweak) }

// newRigAt is newRig with every account's rate (requests per minute) at
// the simulator and in the engine.
func newRigAt(t testing.TB, rate int, tweak func(*serve.Options)) *rig {
	t.Helper()
	rates := map[backend.ProviderKind]int{backend.FiveSim: rate, backend.PivDay: rate}
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 7, Rates: rates})
	r := &rig{t: t, sim: s, keys: map[string]gossh.Signer{}, host: servetest.NewKey(), logs: &syncBuffer{}}
	so := stack.Sim(s, float64(rate))
	so.Accounts, so.Watch = wiring.SimAccounts(s, backend.FiveSim, backend.PivDay), nil // both list their orders
	for i := range so.Accounts {
		so.Accounts[i].RatePerMinute = float64(rate)
	}
	so.Store = cache.Options{FlushInterval: 20 * time.Millisecond}
	so.Engine = engine.Options{Operators: roles}
	st, err := stack.Open(t.TempDir(), so)
	if err != nil {
		t.Fatal(err)
	}
	eng := st.Engine
	r.store, r.eng, r.hub = st.Store, eng, hub.New(eng, hub.Options{})
	var ops []config.Operator
	for _, name := range []string{"alice", "olga", "vic"} {
		r.keys[name] = servetest.NewKey()
		ops = append(ops, config.Operator{Name: name, Role: roles[name], Key: r.keys[name].PublicKey()})
	}
	o := serve.Options{HostKey: r.host, Operators: ops, Live: ctl.Local{Hub: r.hub, Engine: eng},
		Door: func(op string) ui.Backend { return eng.As(op) },
		UI: ui.Options{Accounts: eng.Accounts(), Theme: "plain", Keys: keymap.Default(), Now: s.Now,
			Thresholds: views.Thresholds(config.DefaultThresholds)},
		Log: slog.New(slog.NewTextHandler(r.logs, nil))}
	if tweak != nil {
		tweak(&o)
	}
	var ln net.Listener
	r.srv, ln = servetest.Listen(t, o)
	r.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	st.Start()
	go func() { defer wg.Done(); r.hub.Run(ctx) }()
	go func() { defer wg.Done(); _ = r.srv.Serve(ln) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			sctx, done := context.WithTimeout(context.Background(), 5*time.Second)
			defer done()
			_ = r.srv.Shutdown(sctx)
			_ = st.Stop() // the engine, then the store
			cancel()
			wg.Wait()
			s.Close()
		})
	}
	t.Cleanup(r.stop)
	r.polled()
	return r
}

// polled waits until every account has had a good poll and the leases
// are listed (a screen looking at a number looks at its lease too; the
// leases' first listing can come seconds after the first polls under
// -race).
func (r *rig) polled() {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		snap := r.hub.Snapshot()
		ok := len(snap.Accounts) > 0
		for _, a := range snap.Accounts {
			ok = ok && a.Health == backend.HealthOK
		}
		if ok && len(snap.Lines) > 0 && len(snap.Leases) > 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the engine never polled every account: %+v", snap.Accounts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// line waits for a line the engine shows that satisfies ok.
func (r *rig) line(ok func(backend.Line) bool) backend.Line {
	r.t.Helper()
	var found backend.Line
	eventually(r.t, "a line of the kind the test needs", func() bool {
		for _, l := range r.hub.Snapshot().Lines {
			if ok(*l) {
				found = *l
				return true
			}
		}
		return false
	})
	return found
}

func waiting5sim(l backend.Line) bool {
	return l.Provider == backend.FiveSim && l.State == backend.LineWaiting && l.Allowed.Has(backend.ActCancel)
}

// renewable: a piv.day number the simulator prices (it refuses to renew
// a number of a country it has no price for).
func renewable(l backend.Line) bool {
	return l.Provider == backend.PivDay && l.Allowed.Has(backend.ActRenew) && l.Price.Known
}

// dial logs in with a key.
func (r *rig) dial(key gossh.Signer) (*gossh.Client, error) {
	return servetest.Dial(r.addr, r.host.PublicKey(), key)
}

// exec runs a command as an operator, as `ssh host cmd` does.
func (r *rig) exec(who, cmd string) (stdout, stderr string, code int) {
	r.t.Helper()
	c, err := r.dial(r.keys[who])
	if err != nil {
		r.t.Fatalf("%s cannot log in: %v", who, err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		r.t.Fatal(err)
	}
	var out, errw bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errw
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	case err != nil:
		r.t.Fatalf("%s: %v", cmd, err)
	}
	return out.String(), errw.String(), code
}

// screen is a dashboard session seen from the client: everything the
// server wrote, with the terminal's escape codes taken out.
type screen struct {
	t      testing.TB
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	out    *syncBuffer
}

func (r *rig) dashboard(who string) *screen { return r.dashboardSized(who, 180, 50) }

// dashboardSized is dashboard on a terminal of w×h cells as the client
// reports it (0×0: a client with no terminal of its own, as `ssh -tt`).
func (r *rig) dashboardSized(who string, w, h int) *screen {
	r.t.Helper()
	c, err := r.dial(r.keys[who])
	if err != nil {
		r.t.Fatalf("%s cannot log in: %v", who, err)
	}
	sess, err := c.NewSession()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		r.t.Fatal(err)
	}
	s := &screen{t: r.t, client: c, sess: sess, out: &syncBuffer{}}
	sess.Stdout, sess.Stderr = s.out, s.out
	if s.in, err = sess.StdinPipe(); err != nil {
		r.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	s.waitFor("a dashboard", "? help") // the status bar, at any width
	return s
}

// waitFor waits until the session has shown text.
func (s *screen) waitFor(what, text string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(s.text(), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %s (%q); it shows:\n%s", what, text, tail(s.text(), 3000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *screen) text() string { return ansi.Strip(s.out.String()) }

// mark forgets what was shown so far: waitFor then looks only at what
// comes next.
func (s *screen) mark() { s.out.Reset() }

func (s *screen) keys(k string) {
	if _, err := s.in.Write([]byte(k)); err != nil {
		s.t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

// openFiles counts this process's open file descriptors (Linux).
func openFiles(t testing.TB) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count open files")
	}
	return len(fds)
}

// eventually waits for cond, failing with what after 15 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hintClock stands in the receiver's place before the engine: it notes
// when each piv.day sms.received webhook reached the serve process
// (number and code), then hands the body on.
type hintClock struct {
	engine webhook.Receiver
	mu     sync.Mutex
	hits   []hookHit // in the order they came
}

type hookHit struct {
	number, code string
	at           time.Time
}

func (h *hintClock) Hint(account string, body []byte) error {
	hit := hookHit{at: time.Now()}
	hit.number, hit.code = servetest.PivDaySMS(body)
	h.mu.Lock()
	h.hits = append(h.hits, hit)
	h.mu.Unlock()
	return h.engine.Hint(account, body)
}

// came says when the first webhook for code on number since a time
// reached the receiver (codes come back: RotatingCode).
func (h *hintClock) came(number, code string, since time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hit := range h.hits {
		if hit.number == number && hit.code == code && !hit.at.Before(since) {
			return hit.at, true
		}
	}
	return time.Time{}, false
}

// webhooks starts the serve process's webhook receiver for a piv.day
// account and registers its URL at the simulator, as an operator does
// in the account's API key profile (the simulator has one URL per
// provider: only this account's events reach it rightly).
func (r *rig) webhooks(account string) *hintClock {
	r.t.Helper()
	h := &hintClock{engine: r.eng}
	token := "token-" + account
	srv := servetest.ListenHooks(r.t, map[string]string{account: token}, h)
	r.sim.SetWebhook(backend.PivDay, webhook.URL("http://"+srv.Addr(), account, token))
	return h
}

// livePivDay: a piv.day number that takes SMS (not one waiting to be
// restored).
func livePivDay(l backend.Line) bool {
	return l.Provider == backend.PivDay && (l.State == backend.LineActive || l.State == backend.LineExpiring)
}
