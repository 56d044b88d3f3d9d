package ctl

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The socket protocol: the client sends one JSON line {"args": [verb,
// arguments…]}; the server answers with JSON lines {"out": text},
// {"err": text} and last {"exit": code}. Closing its side of the
// connection interrupts the verb (watch, code --wait).

// SocketName is the socket's file in the state directory.
const SocketName = "switchboard.sock"

// ErrNotRunning means no Switchboard answers on the socket.
var ErrNotRunning = errors.New("no Switchboard is running")

type request struct {
	Args []string `json:"args"`
}

type frame struct {
	Out  *string `json:"out,omitempty"`
	Err  *string `json:"err,omitempty"`
	Exit *int    `json:"exit,omitempty"`
}

// maxRequest bounds a request line; frameTimeout bounds each write to a
// client that stopped reading.
const (
	maxRequest   = 64 << 10
	requestWait  = 10 * time.Second
	frameTimeout = 10 * time.Second
)

// Listen opens the socket in the state directory dir (which the cache
// keeps 0700) and makes it 0600: only its owner may connect. A socket a
// previous run left is replaced; one that answers is another running
// Switchboard's.
func Listen(dir string) (net.Listener, error) {
	path := filepath.Join(dir, SocketName)
	if len(path) > 100 {
		return nil, fmt.Errorf("the socket path %s is too long for a unix socket: use a shorter --state-dir", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("another Switchboard answers on %s", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing the old socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// Serve answers verbs on ln as env.Operator until ctx ends; then it
// closes ln, interrupts the verbs running and waits for them.
func Serve(ctx context.Context, ln net.Listener, env Env) {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // a transient accept error (too many files)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			answer(ctx, conn, env)
		}()
	}
}

// answer runs one client's verb.
func answer(ctx context.Context, conn net.Conn, env Env) {
	defer conn.Close()
	out := &frames{conn: conn}
	if err := checkPeer(conn); err != nil {
		out.send(frame{Err: ptr("switchboard: " + err.Error() + "\n")})
		out.exit(ExitFailed)
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(requestWait))
	r := bufio.NewReader(io.LimitReader(conn, maxRequest))
	line, err := r.ReadBytes('\n')
	var req request
	if err != nil || json.Unmarshal(line, &req) != nil {
		out.send(frame{Err: ptr("switchboard: malformed request on the socket\n")})
		out.exit(ExitUsage)
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gone := make(chan struct{})
	go func() { // the client closing its side interrupts the verb
		defer close(gone)
		_, _ = io.Copy(io.Discard, conn)
		cancel()
	}()
	env.Stdout, env.Stderr = out.stream("out"), out.stream("err")
	code := Run(ctx, env, req.Args)
	out.exit(code)
	conn.Close()
	<-gone
}

// frames writes a verb's output as JSON lines; a client that stops
// reading is given up on after frameTimeout.
type frames struct {
	mu   sync.Mutex
	conn net.Conn
	dead bool
}

func (f *frames) send(fr frame) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return net.ErrClosed
	}
	_ = f.conn.SetWriteDeadline(time.Now().Add(frameTimeout))
	b, _ := json.Marshal(fr)
	if _, err := f.conn.Write(append(b, '\n')); err != nil {
		f.dead = true
		return err
	}
	return nil
}

func (f *frames) exit(code int) { _ = f.send(frame{Exit: &code}) }

// stream is an io.Writer that sends each write as one frame.
func (f *frames) stream(kind string) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		s := string(p)
		fr := frame{Out: &s}
		if kind == "err" {
			fr = frame{Err: &s}
		}
		if err := f.send(fr); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

func ptr[T any](v T) *T { return &v }

// Call runs a verb on the Switchboard whose state directory is dir: its
// output goes to stdout and stderr and its exit code is returned. When
// ctx ends the verb is interrupted and its answer still read. The error
// wraps ErrNotRunning when nothing answers.
func Call(ctx context.Context, dir string, argv []string, stdout, stderr io.Writer) (int, error) {
	path := filepath.Join(dir, SocketName)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return ExitFailed, fmt.Errorf("%w (nothing answers on %s)", ErrNotRunning, path)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() {
		if uc, ok := conn.(*net.UnixConn); ok {
			_ = uc.CloseWrite()
		}
	})
	defer stop()
	if err := json.NewEncoder(conn).Encode(request{Args: argv}); err != nil {
		return ExitFailed, err
	}
	dec := json.NewDecoder(bufio.NewReader(conn))
	for {
		var fr frame
		if err := dec.Decode(&fr); err != nil {
			return ExitFailed, fmt.Errorf("the connection to %s ended before the answer: %w", path, err)
		}
		switch {
		case fr.Out != nil:
			_, _ = io.WriteString(stdout, *fr.Out)
		case fr.Err != nil:
			_, _ = io.WriteString(stderr, *fr.Err)
		case fr.Exit != nil:
			return *fr.Exit, nil
		}
	}
}
