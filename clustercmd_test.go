package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/cluster/etcdtest"
	"switchboard/ctl"
)

// Two `switchboard serve --etcd … --node …` on one etcd, each with its
// own path to it: a code shows on both nodes' SSH dashboards and sockets;
// the node that owns the account is then cut off from etcd — its screen
// says so — and the account's next code arrives on the other node's
// screen. SIGTERM stops both. Without --node serve refuses to start and
// says why.
func TestServeTeamNodesOverSSH(t *testing.T) {
	etcd := etcdtest.Start(t, 1)
	s, vic := serveSim(t, 5)
	dir := t.TempDir()
	// config is a node's own: its SSH port and its path to etcd.
	config := func(name string, link *etcdtest.Link) (cfg, addr string) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = l.Addr().String()
		l.Close()
		cfg = filepath.Join(dir, name+".yaml")
		text := SimConfig(s) + "serve:\n  ssh_listen: " + addr + "\n  cluster: test\n  etcd: " + strings.Join(link.Endpoints(), ",") +
			"\n  operators:\n    - name: vic\n      role: viewer\n      public_key: \"" +
			strings.TrimSpace(string(gossh.MarshalAuthorizedKey(vic.PublicKey()))) + "\"\n"
		if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg, addr
	}
	cfg, _ := config("x", etcd.Link(t))
	if code, _, errOut := runArgs("serve", "--config", cfg, "--state-dir", filepath.Join(dir, "x")); code != 1 || !strings.Contains(errOut, "--node NAME") {
		t.Fatalf("serve --etcd without a node name: %d %q", code, errOut)
	}

	type node struct {
		name, state, ssh string
		link             *etcdtest.Link
		log              *os.File
		done             chan int
		screen           *screen
	}
	var nodes []*node
	for _, name := range []string{"alpha", "beta"} {
		n := &node{name: name, state: filepath.Join(dir, name), link: etcd.Link(t), done: make(chan int, 1)}
		var err error
		if n.log, err = os.Create(filepath.Join(dir, name+".log")); err != nil {
			t.Fatal(err)
		}
		defer n.log.Close()
		var cfg string
		cfg, n.ssh = config(name, n.link)
		args := []string{"--config", cfg, "--state-dir", n.state, "--node", name}
		go func() { n.done <- runServe(args, &bytes.Buffer{}, n.log) }()
		nodes = append(nodes, n)
	}
	logs := func() string {
		var b strings.Builder
		for _, n := range nodes {
			out, _ := os.ReadFile(n.log.Name())
			b.Write(out)
		}
		return b.String()
	}
	var waiting ctl.Line
	etcdtest.Wait(t, 30*time.Second, "a waiting 5sim order on both nodes", func() bool {
		found := 0
		for _, n := range nodes {
			code, out, _ := runArgs("snapshot", "--json", "--state-dir", n.state)
			var snap ctl.Snapshot
			if code != 0 || json.Unmarshal([]byte(out), &snap) != nil || snap.Stale {
				return false
			}
			for _, l := range snap.Lines {
				if l.Provider == "fivesim" && l.State == "waiting" && l.Code == "" && (waiting.ID == "" || l.ID == waiting.ID) {
					waiting = l
					found++
					break
				}
			}
		}
		return found == len(nodes)
	})
	for _, n := range nodes {
		n.screen = openScreen(t, n.ssh, vic)
	}

	deliver := func(code string, on []*node) {
		t.Helper()
		for _, n := range on {
			n.screen.expect(code)
		}
		if err := s.FiveSim.Deliver(waiting.ID, "Your code is "+code); err != nil {
			t.Fatal(err)
		}
		for _, n := range on {
			n.screen.wait(t, "code "+code+" on "+n.name+"'s screen")
			etcdtest.Wait(t, 30*time.Second, "code "+code+" on "+n.name+"'s socket", func() bool {
				c, out, _ := runArgs("code", waiting.Number, "--state-dir", n.state)
				return c == 0 && out == code+"\n"
			})
		}
	}
	deliver("246810", nodes)

	// Cut off whichever node owns the account: the one whose engine
	// logged gaining it last.
	holds := func(n *node) bool {
		out, _ := os.ReadFile(n.log.Name())
		l := string(out)
		gained := strings.LastIndex(l, `msg="account gained" account=`+waiting.Account+"\n")
		return gained >= 0 && gained > strings.LastIndex(l, `msg="account lost" account=`+waiting.Account+" ")
	}
	owner, other := nodes[0], nodes[1]
	if holds(other) {
		owner, other = other, owner
	}
	if !holds(owner) {
		t.Fatalf("no node logged owning %s:\n%s", waiting.Account, logs())
	}
	owner.screen.expect("unreachable", "read-only", "etcd")
	owner.link.Cut()
	owner.screen.wait(t, "the etcd banner on the cut-off node's screen")
	deliver("135792", []*node{other})

	for _, n := range nodes {
		n.link.Heal(etcd)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		select {
		case code := <-n.done:
			if code != 0 {
				t.Fatalf("serve ended with %d:\n%s", code, logs())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("serve did not stop on SIGTERM:\n%s", logs())
		}
	}
	if l := logs(); !strings.Contains(l, "team node") || !strings.Contains(l, "node=alpha") || !strings.Contains(l, "node=beta") {
		t.Errorf("the logs do not name the team nodes:\n%s", l)
	}
}

// screen is one SSH dashboard: it reads everything the server writes
// and says when an awaited text has shown.
type screen struct {
	mu   sync.Mutex
	want [][]byte // any of them
	seen chan struct{}
	tail []byte // the last bytes, for a text split across two reads
}

func openScreen(t *testing.T, addr string, key gossh.Signer) *screen {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "vic", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 50, 200, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	sc := &screen{seen: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			sc.read(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return sc
}

// expect sets what to wait for: any of texts. (The renderer writes only
// the cells that changed, so a word may reach the client in pieces when
// the frame before had some of its letters in place: several words of
// the awaited text make the wait sure.)
func (sc *screen) expect(texts ...string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.want = nil
	for _, t := range texts {
		sc.want = append(sc.want, []byte(t))
	}
	select {
	case <-sc.seen:
	default:
	}
}

func (sc *screen) read(p []byte) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.tail = append(sc.tail, p...)
	for _, w := range sc.want {
		if bytes.Contains(sc.tail, w) {
			sc.want = nil
			sc.seen <- struct{}{}
			break
		}
	}
	if keep := 64; len(sc.tail) > keep {
		sc.tail = append(sc.tail[:0], sc.tail[len(sc.tail)-keep:]...)
	}
}

func (sc *screen) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-sc.seen:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: not within 30s", what)
	}
}
