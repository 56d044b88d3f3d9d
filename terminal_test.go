package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

const ttyArgsEnv = "SB_TEST_TTY_ARGS"

// TestHelperRunsTheDashboard is the dashboard process of
// TestDashboardOnATerminal.
func TestHelperRunsTheDashboard(t *testing.T) {
	args := os.Getenv(ttyArgsEnv)
	if args == "" {
		t.Skip("helper for TestDashboardOnATerminal")
	}
	os.Exit(run(strings.Fields(args), os.Stdout, os.Stderr))
}

// TestDashboardOnATerminal runs the dashboard on a real terminal (a pty):
// Bubble Tea's renderer is off, so the dashboard itself sets raw mode,
// draws, follows a resize, and gives the terminal back as it found it.
func TestDashboardOnATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRunsTheDashboard$")
	cmd.Env = append(os.Environ(), ttyArgsEnv+"=--state-dir "+t.TempDir(), "TERM=xterm-256color")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 120, Rows: 36})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := tty.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// await waits until what the terminal received since from contains s.
	await := func(from int, s, what string) int {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := out.Bytes()[from:]
			i := bytes.Index(got, []byte(s))
			mu.Unlock()
			if i >= 0 {
				return from + i + len(s)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: %q never arrived", what, s)
		return 0
	}
	raw := func() bool {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		return tio.Lflag&(unix.ICANON|unix.ECHO) == 0
	}

	at := await(0, "Balances", "the first frame")
	if !raw() {
		t.Fatal("the dashboard is up, its terminal is not in raw mode: keys would echo and wait for Enter")
	}
	if err := pty.Setsize(tty, &pty.Winsize{Cols: 90, Rows: 30}); err != nil {
		t.Fatal(err)
	}
	at = await(at, "\x1b[2J", "the whole frame again after a resize")
	at = await(at, "Balances", "the frame after a resize")
	if _, err := tty.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the dashboard ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("q did not end the dashboard")
	}
	await(at, "\x1b[?1049l", "leaving the alternate screen")
	if raw() {
		t.Fatal("the dashboard ended and left its terminal in raw mode")
	}
}
