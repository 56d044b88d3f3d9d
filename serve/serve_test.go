package serve_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/backend"
	"switchboard/ctl"
	"switchboard/serve"
	"switchboard/serve/servetest"
)

// Only the configured keys get in; a password or keyboard-interactive
// login is not even offered. The engine polls on regardless.
func TestOnlyListedKeysGetIn(t *testing.T) {
	r := newRig(t, nil)
	hits := r.sim.Hits(backend.FiveSim)
	if _, err := r.dial(servetest.NewKey()); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("an unknown key: %v", err)
	}
	for name, auth := range map[string]gossh.AuthMethod{
		"password": gossh.Password("alice"),
		"keyboard-interactive": gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"alice"}, nil
		}),
	} {
		_, err := gossh.Dial("tcp", r.addr, &gossh.ClientConfig{User: "alice", Auth: []gossh.AuthMethod{auth},
			HostKeyCallback: gossh.FixedHostKey(r.host.PublicKey()), Timeout: 10 * time.Second})
		if err == nil || !strings.Contains(err.Error(), "no supported methods remain") {
			t.Errorf("a %s login: %v", name, err)
		}
	}
	if !strings.Contains(r.logs.String(), "unknown key refused") {
		t.Errorf("the refused key is not logged:\n%s", r.logs.String())
	}
	for who := range r.keys {
		if _, errOut, code := r.exec(who, "snapshot"); code != 0 {
			t.Errorf("%s: exit %d: %s", who, code, errOut)
		}
	}
	eventually(t, "another poll", func() bool { return r.sim.Hits(backend.FiveSim) > hits })
}

// The verbs answer over SSH with the same JSON and exit codes as on the
// socket; a viewer's money verb is refused by the engine and nothing
// reaches the provider.
func TestVerbsOverSSH(t *testing.T) {
	r := newRig(t, nil)
	waiting := r.line(waiting5sim)
	out, errOut, code := r.exec("vic", "snapshot --json")
	var snap ctl.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil || code != 0 || snap.Schema != ctl.SchemaSnapshot || snap.Stale || len(snap.Lines) == 0 {
		t.Fatalf("snapshot --json: exit %d %v %s", code, err, errOut)
	}
	for cmd, want := range map[string]int{"code": ctl.ExitUsage, "frobnicate now": ctl.ExitUsage, "code nobody:telegram": ctl.ExitUsage,
		"code " + waiting.ID: ctl.ExitFailed, "act renew": ctl.ExitUsage, "buy x y --max-price nope": ctl.ExitUsage} {
		if _, errOut, code := r.exec("vic", cmd); code != want || errOut == "" {
			t.Errorf("%q: exit %d (want %d): %q", cmd, code, want, errOut)
		}
	}
	before, _ := r.sim.FiveSim.Order(waiting.ID)
	_, errOut, code = r.exec("vic", "act cancel "+waiting.ID+" --yes")
	if code != ctl.ExitFailed || !strings.Contains(errOut, "vic is a viewer: cancel not sent") {
		t.Fatalf("a viewer's cancel: exit %d %q", code, errOut)
	}
	if o, _ := r.sim.FiveSim.Order(waiting.ID); o.Status != before.Status {
		t.Fatalf("the order went from %s to %s after a refused cancel", before.Status, o.Status)
	}
	if es, _ := r.store.RecentJournal(0); len(es) != 0 {
		t.Fatalf("a refused action was journaled: %+v", es)
	}
	// An operator's renew goes through and is journaled as hers.
	number := r.line(renewable)
	out, errOut, code = r.exec("olga", "act renew "+string(number.Key)+" --yes --json")
	var res ctl.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.State != "done" {
		t.Fatalf("olga's renew: exit %d %v %q %q", code, err, out, errOut)
	}
	if es, _ := r.store.RecentJournal(0); len(es) != 1 || es[0].Action.Operator != "olga" {
		t.Fatalf("journal: %+v", es)
	}
	if n := r.sim.PivDay.Renewals(number.Account); n != 1 {
		t.Fatalf("%d renewals at the provider", n)
	}
	// A session with neither a terminal nor a verb is told how to use it.
	c, err := r.dial(r.keys["vic"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, _ := c.NewSession()
	var stderr syncBuffer
	sess.Stderr = &stderr
	_ = sess.Shell()
	var exit *gossh.ExitError
	if err := sess.Wait(); !asExit(err, &exit) || exit.ExitStatus() != ctl.ExitUsage || !strings.Contains(stderr.String(), "no terminal") {
		t.Fatalf("no terminal, no verb: %v %q", err, stderr.String())
	}
}

func asExit(err error, exit **gossh.ExitError) bool {
	e, ok := err.(*gossh.ExitError)
	*exit = e
	return ok
}

// `ssh host code … --wait` prints the code when the simulator delivers
// it.
func TestCodeWaitOverSSH(t *testing.T) {
	r := newRig(t, nil)
	l := r.line(waiting5sim)
	type result struct {
		out, err string
		code     int
	}
	got := make(chan result, 1)
	subs := r.hub.Subscribers()
	go func() {
		out, errOut, code := r.exec("vic", "code "+l.Number+" --wait --timeout 1m")
		got <- result{out, errOut, code}
	}()
	eventually(t, "code --wait subscribing", func() bool { return r.hub.Subscribers() > subs })
	if err := r.sim.FiveSim.Deliver(l.ID, "Your Telegram code is 482917"); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-got:
		if res.code != 0 || res.out != "482917\n" {
			t.Fatalf("code --wait: %+v", res)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("code --wait never printed the code")
	}
}

// Two operators on two keys see the same codes live; a renew by one shows
// on the other's screen, which is looking at that number; the viewer is
// refused a cancel.
func TestTwoSessionsSeeTheSameCodesAndEachOthersActions(t *testing.T) {
	r := newRig(t, nil)
	waiting, number := r.line(waiting5sim), r.line(renewable)
	alice, vic := r.dashboard("alice"), r.dashboard("vic")
	if err := r.sim.FiveSim.Deliver(waiting.ID, "Your Telegram code is 395172"); err != nil {
		t.Fatal(err)
	}
	alice.waitFor("the code on alice's screen", "395172")
	vic.waitFor("the code on vic's screen", "395172")

	// vic looks at the number alice renews, and presses x: a viewer's
	// refusal (which also says the keys before it were read).
	vic.keys("/" + number.Number + "\rx")
	vic.waitFor("the viewer's refusal", "vic is a viewer")
	vic.mark()
	alice.keys(":renew " + number.Number + "\r")
	alice.waitFor("the renew confirmation", "Renew")
	r.sim.Advance(time.Second) // the screens' clock: past the dialog's grace period
	alice.keys("y")
	// "alice is renewing" shows while it is in the air, unless vic's screen
	// gets the sending and the ending in one change (coalesced): the end
	// always shows.
	vic.waitFor("alice's renew on vic's screen", "alice: renew")
	if n := r.sim.PivDay.Renewals(number.Account); n != 1 {
		t.Fatalf("%d renewals", n)
	}
	if es, _ := r.store.RecentJournal(0); len(es) != 1 || es[0].Action.Operator != "alice" {
		t.Fatalf("journal: %+v", es)
	}
}

// A client that reports no terminal size (`ssh -tt` from a script or a
// pipe says 0×0) still gets a dashboard, at 80×24, rather than a blank
// screen.
func TestSessionWithoutTerminalSizeDraws(t *testing.T) {
	r := newRig(t, nil)
	r.dashboardSized("vic", 0, 0)
}

// A client that disconnects with a confirmation open leaves nothing
// behind: nothing is sent, the session and its subscription end.
func TestDisconnectMidConfirmationSendsNothing(t *testing.T) {
	r := newRig(t, nil)
	number := r.line(renewable)
	subs := r.hub.Subscribers()
	olga := r.dashboard("olga")
	olga.keys(":renew " + number.Number + "\r")
	olga.waitFor("the confirmation", "Renew")
	r.sim.Advance(time.Second)
	olga.client.Close()
	eventually(t, "the session ending", func() bool { return r.hub.Subscribers() == subs })
	if n := r.sim.PivDay.Renewals(number.Account); n != 0 {
		t.Fatalf("%d renewals after a disconnect", n)
	}
	if es, _ := r.store.RecentJournal(0); len(es) != 0 {
		t.Fatalf("journaled: %+v", es)
	}
	// A client going away is no error in the log.
	eventually(t, "the session's end logged", func() bool {
		return strings.Contains(r.logs.String(), "session ended: the client went away")
	})
	if logs := r.logs.String(); strings.Contains(logs, "level=WARN") && strings.Contains(logs, "program was killed") {
		t.Fatalf("a client going away logged as a warning:\n%s", logs)
	}
}

// A session that stops reading is closed once its writes stall; it never
// holds up the engine or another session.
func TestStalledSessionIsClosed(t *testing.T) {
	r := newRig(t, func(o *serve.Options) { o.WriteStall, o.FPS = 300*time.Millisecond, 120 })
	subs := r.hub.Subscribers()
	c, err := r.dial(r.keys["vic"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, _ := c.NewSession()
	if err := sess.RequestPty("xterm", 60, 200, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAtLeast(out, make([]byte, 4096), 1); err != nil { // the dashboard is up; then no more reading
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	stop := make(chan struct{})
	var resizing sync.WaitGroup
	resizing.Add(1)
	go func() { // a resize a frame, each a full frame: megabytes the client never reads
		defer resizing.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if sess.WindowChange(60+i%2, 200+i%3) != nil {
				return
			}
		}
	}()
	defer func() { close(stop); resizing.Wait() }()
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the stalled session was never closed")
	}
	if _, errOut, code := r.exec("alice", "snapshot"); code != 0 {
		t.Fatalf("another session after the stall: %d %s", code, errOut)
	}
	eventually(t, "the stalled session's subscription ending", func() bool { return r.hub.Subscribers() == subs })
	if !strings.Contains(r.logs.String(), "stopped reading") {
		t.Errorf("the close is not logged:\n%s", r.logs.String())
	}
}

// 200 connections at once, half with unknown keys: every one is answered
// or refused, and afterwards no goroutine or file is left over.
func TestTwoHundredConnectionsAtOnce(t *testing.T) {
	r := newRig(t, nil)
	r.exec("vic", "snapshot") // warm: the first session's one-time goroutines
	// and the engine's pooled connections: a 5sim read sends its two
	// listings at once, over two kept-alive connections.
	polled := r.sim.Hits(backend.FiveSim)
	eventually(t, "two 5sim reads", func() bool { return r.sim.Hits(backend.FiveSim) >= polled+4 })
	files, routines := openFiles(t), runtime.NumGoroutine()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fails := map[string]int{}
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := servetest.NewKey()
			if i%2 == 0 {
				key = r.keys["vic"]
			}
			c, err := r.dial(key)
			if err != nil {
				if i%2 == 0 {
					mu.Lock()
					fails["login: "+err.Error()]++
					mu.Unlock()
				}
				return
			}
			defer c.Close()
			if i%2 != 0 {
				mu.Lock()
				fails["an unknown key got in"]++
				mu.Unlock()
				return
			}
			sess, _ := c.NewSession()
			out, err := sess.Output("snapshot --json")
			if err != nil || !strings.Contains(string(out), ctl.SchemaSnapshot) {
				mu.Lock()
				fails["snapshot: "+errString(err)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("failures: %v", fails)
	}
	eventually(t, "connections closing", func() bool {
		return openFiles(t) <= files+2 && runtime.NumGoroutine() <= routines+5
	})
	hits := r.sim.Hits(backend.FiveSim)
	eventually(t, "the engine polling on", func() bool { return r.sim.Hits(backend.FiveSim) > hits })
}

func errString(err error) string {
	if err == nil {
		return "no schema"
	}
	return err.Error()
}

// Stopping tells each dashboard why it closes.
func TestShutdownTellsSessions(t *testing.T) {
	r := newRig(t, nil)
	vic := r.dashboard("vic")
	ended := make(chan error, 1)
	go func() { ended <- vic.sess.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	vic.waitFor("the reason", "switchboard is stopping: this session is closed")
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end")
	}
	if _, err := r.dial(r.keys["vic"]); err == nil {
		t.Fatal("a new connection got in after Shutdown")
	}
}

// The host key is made once, private, and kept.
func TestHostKeyIsMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), serve.HostKeyName)
	k1, created, err := serve.HostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: %v %v", created, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	k2, created, err := serve.HostKey(path)
	if err != nil || created || serve.Fingerprint(k1) != serve.Fingerprint(k2) {
		t.Fatalf("second start: %v %v", created, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("a readable key was not made private: %v", st.Mode())
	}
	if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := serve.HostKey(path); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("a damaged key: %v", err)
	}
}
