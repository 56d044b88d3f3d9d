package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/sim"
	"switchboard/cluster/etcdtest"
	"switchboard/ctl"
)

// Two `switchboard serve --etcd … --node …` processes on one etcd: each
// answers for every account, a code at any account's owner shows on
// both, and SIGTERM stops both cleanly. Without --node it refuses to
// start and says why.
func TestServeTeamNodesShareAccounts(t *testing.T) {
	etcd := etcdtest.Start(t, 1)
	link := etcd.Link(t)
	endpoints := strings.Join(link.Endpoints(), ",")
	s := sim.New(sim.Options{Quiet: true, Accounts: 1, Seed: 5})
	defer s.Close()
	for _, c := range s.Credentials() {
		for k, v := range c.Env {
			t.Setenv(k, v)
		}
	}
	dir := t.TempDir()
	config := func(name string) string { // each node's own: its SSH port
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		cfg := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(cfg, []byte(SimConfig(s)+"serve:\n  ssh_listen: "+addr+"\n  cluster: test\n  etcd: "+endpoints+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := config("x")
	if code, _, errOut := runArgs("serve", "--config", cfg, "--state-dir", filepath.Join(dir, "x")); code != 1 || !strings.Contains(errOut, "--node NAME") {
		t.Fatalf("serve --etcd without a node name: %d %q", code, errOut)
	}

	type proc struct {
		state string
		log   *os.File
		done  chan int
	}
	var procs []proc
	for _, name := range []string{"alpha", "beta"} {
		p := proc{state: filepath.Join(dir, name), done: make(chan int, 1)}
		var err error
		if p.log, err = os.Create(filepath.Join(dir, name+".log")); err != nil {
			t.Fatal(err)
		}
		defer p.log.Close()
		args := []string{"--config", config(name), "--state-dir", p.state, "--node", name}
		go func() {
			p.done <- runServe(args, &bytes.Buffer{}, p.log)
		}()
		procs = append(procs, p)
	}
	logs := func() string {
		var b strings.Builder
		for _, p := range procs {
			out, _ := os.ReadFile(p.log.Name())
			b.Write(out)
		}
		return b.String()
	}
	snapshot := func(state string) (ctl.Snapshot, bool) {
		code, out, _ := runArgs("snapshot", "--json", "--state-dir", state)
		var snap ctl.Snapshot
		return snap, code == 0 && json.Unmarshal([]byte(out), &snap) == nil && !snap.Stale
	}
	var waiting ctl.Line
	etcdtest.Wait(t, 30*time.Second, "a waiting 5sim order on the first node", func() bool {
		snap, ok := snapshot(procs[0].state)
		for _, l := range snap.Lines {
			if ok && l.Provider == "fivesim" && l.State == "waiting" && l.Code == "" {
				waiting = l
				return true
			}
		}
		return false
	})
	if err := s.FiveSim.Deliver(waiting.ID, "Your code is 246810"); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		etcdtest.Wait(t, 30*time.Second, "the code on "+p.state, func() bool {
			code, out, _ := runArgs("code", waiting.Number, "--state-dir", p.state)
			return code == 0 && out == "246810\n"
		})
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		select {
		case code := <-p.done:
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
