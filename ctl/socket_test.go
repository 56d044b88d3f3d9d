package ctl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/goleak"
)

func TestSocketAnswersVerbsAndEndsCleanly(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // last: after the hub stops
	f := newLive(t, world())
	dir := t.TempDir() // short enough for a socket path (about 100 bytes)
	ln, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, SocketName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v (%v), want 0600", st.Mode(), err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		Serve(ctx, ln, Env{Operator: "local", Live: f, Clock: clockwork.NewRealClock()})
	}()

	var out, errw bytes.Buffer
	code, err := Call(context.Background(), dir, []string{"code", "77"}, &out, &errw)
	if err != nil || code != ExitFailed || !strings.Contains(errw.String(), "no code yet") || out.Len() != 0 {
		t.Fatalf("code over the socket: %d %v %q %q", code, err, out.String(), errw.String())
	}
	out.Reset()
	if code, err := Call(context.Background(), dir, []string{"snapshot", "--json"}, &out, &errw); err != nil || code != 0 || !strings.Contains(out.String(), `"schema":"switchboard.snapshot/1"`) {
		t.Fatalf("snapshot over the socket: %d %v %q", code, err, out.String())
	}

	// A client interrupting a watch (ctrl-c) gets its exit code back.
	wctx, interrupt := context.WithCancel(context.Background())
	watched := make(chan int, 1)
	go func() {
		code, _ := Call(wctx, dir, []string{"watch"}, &bytes.Buffer{}, &bytes.Buffer{})
		watched <- code
	}()
	for f.h.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	interrupt()
	if code := <-watched; code != ExitOK {
		t.Fatalf("interrupted watch: %d", code)
	}

	// A malformed request is told so.
	c, err := net.Dial("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("GET / HTTP/1.0\n"))
	reply, _ := bufio.NewReader(c).ReadString(0)
	c.Close()
	if !strings.Contains(reply, "malformed request") || !strings.Contains(reply, `"exit":2`) {
		t.Fatalf("malformed request answered %q", reply)
	}

	// Another Serve cannot take the socket while this one answers.
	if _, err := Listen(dir); err == nil || !strings.Contains(err.Error(), "another Switchboard answers") {
		t.Fatalf("second Listen: %v", err)
	}
	// Ending Serve interrupts what runs and waits for it.
	go func() { _, _ = Call(context.Background(), dir, []string{"watch"}, &bytes.Buffer{}, &bytes.Buffer{}) }()
	for f.h.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	stop()
	<-served
	if _, err := Call(context.Background(), dir, []string{"snapshot"}, &out, &errw); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("after Serve ended: %v", err)
	}
	// The socket it left is stale: the next Listen replaces it.
	ln, err = Listen(dir)
	if err != nil {
		t.Fatalf("a stale socket was not replaced: %v", err)
	}
	ln.Close()
}
