package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/ctl"
	"switchboard/serve"
)

func runArgs(args ...string) (int, string, string) {
	var out, errw bytes.Buffer
	code := run(args, &out, &errw)
	return code, out.String(), errw.String()
}

// The verbs answer --help and bad arguments from the shell, running or
// not; with nothing running they say so, and snapshot reads the cache.
func TestVerbsFromTheShellWithNothingRunning(t *testing.T) {
	if code, out, _ := runArgs("code", "--help"); code != ctl.ExitOK || !strings.Contains(out, "usage: switchboard code") {
		t.Fatalf("code --help: %d %q", code, out)
	}
	if code, _, errOut := runArgs("act", "explode", "x", "--bogus"); code != ctl.ExitUsage || !strings.Contains(errOut, "-bogus") {
		t.Fatalf("a bad flag: %d %q", code, errOut)
	}
	dir := t.TempDir()
	if code, _, errOut := runArgs("code", "+79001234567", "--wait", "--state-dir", dir); code != ctl.ExitFailed ||
		!strings.Contains(errOut, "no engine is running (nothing answers on "+filepath.Join(dir, ctl.SocketName)+")") {
		t.Fatalf("code --wait: %d %q", code, errOut)
	}
	if code, _, errOut := runArgs("snapshot", "--state-dir="+dir); code != ctl.ExitFailed || !strings.Contains(errOut, "cache cannot be read") {
		t.Fatalf("snapshot of an empty directory: %d %q", code, errOut)
	}
	store, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store.Save(backend.StateChange{Accounts: []backend.Account{{Name: "a", Provider: backend.FiveSim}},
		Lines: []backend.Line{{Key: "fivesim/a/line/1", Account: "a", Provider: backend.FiveSim, ID: "1", Code: "1234"}}})
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runArgs("snapshot", "--json", "--state-dir", dir)
	var snap ctl.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil || code != 0 || !snap.Stale || len(snap.Lines) != 1 || !strings.Contains(errOut, "stale") {
		t.Fatalf("a stale snapshot: %d %v %q %q", code, err, out, errOut)
	}
	if code, out, _ := runArgs("code", "1", "--state-dir", dir); code != 0 || out != "1234\n" {
		t.Fatalf("code from the cache: %d %q", code, out)
	}
	if code, _, errOut := runArgs("serve", "--config", filepath.Join(dir, "none.yaml"), "--state-dir", dir); code != 1 || !strings.Contains(errOut, "cannot read the config") {
		t.Fatalf("serve without a config: %d %q", code, errOut)
	}
}

// serveSim is a quiet simulator whose accounts' secrets are in the
// environment (as its config names them), and an operator's key.
func serveSim(t *testing.T, seed uint64) (*sim.Sim, gossh.Signer) {
	s := sim.New(sim.Options{Quiet: true, Accounts: 1, Seed: seed})
	t.Cleanup(s.Close)
	for _, c := range s.Credentials() {
		for k, v := range c.Env {
			t.Setenv(k, v)
		}
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key, _ := gossh.NewSignerFromKey(priv)
	return s, key
}

// `switchboard serve` over the simulator: the verbs answer on the socket
// and over SSH; SIGTERM stops it cleanly and leaves the store closed.
func TestServeAnswersThenStopsOnSIGTERM(t *testing.T) {
	s, key := serveSim(t, 3)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "serve.yaml")
	text := SimConfig(s) + "serve:\n  ssh_listen: " + addr + "\n  operators:\n    - name: vic\n      role: viewer\n      public_key: \"" +
		strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key.PublicKey()))) + "\"\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	errw, err := os.Create(filepath.Join(dir, "serve.log")) // serve logs to it while the test reads it
	if err != nil {
		t.Fatal(err)
	}
	defer errw.Close()
	logged := func() string { b, _ := os.ReadFile(errw.Name()); return string(b) }
	done := make(chan int, 1)
	go func() { done <- runServe([]string{"--config", cfg, "--state-dir", state}, &bytes.Buffer{}, errw) }()
	deadline := time.Now().Add(20 * time.Second)
	var out string
	for {
		code, o, _ := runArgs("snapshot", "--json", "--state-dir", state)
		if code == 0 && strings.Contains(o, `"stale":false`) {
			out = o
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered on its socket:\n%s", logged())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out, ctl.SchemaSnapshot) {
		t.Fatalf("snapshot: %s", out)
	}
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "vic", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := c.NewSession()
	if o, err := sess.Output("snapshot --json"); err != nil || !strings.Contains(string(o), ctl.SchemaSnapshot) {
		t.Fatalf("over SSH: %v %s", err, o)
	}
	c.Close()
	if st, err := os.Stat(filepath.Join(state, serve.HostKeyName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", st, err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve ended with %d:\n%s", code, logged())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	log := logged()
	for _, want := range []string{"ssh host key", "fingerprint=SHA256:", "stopping: no new actions", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	store, err := cache.Open(state, cache.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("the store was left open: %v", err)
	}
	store.Close()
}
