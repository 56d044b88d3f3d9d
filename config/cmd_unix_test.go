//go:build unix

package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run runs runCmd with a timeout, failing the test if it does not return
// soon after (the old runner waited on the output pipe that a child of
// the shell kept open, long after the timeout).
func run(t *testing.T, timeout time.Duration, cmd string) (string, time.Duration, error) {
	t.Helper()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		out, err := runCmd(ctx, cmd)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, time.Since(start), r.err
	case <-time.After(timeout + 3*time.Second):
		t.Fatalf("%q: still waiting %s after a timeout of %s", cmd, timeout+3*time.Second, timeout)
		return "", 0, nil
	}
}

// gone waits until pid is dead (or a zombie no one reaped yet).
func gone(pid int) bool {
	for range 100 {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestCmdTimeoutKillsEverythingTheShellStarted(t *testing.T) {
	dir := t.TempDir() // a name the shell reads as is
	for i, cmd := range []string{
		"sleep 100 & echo $! > PID; wait",
		"(sleep 100; echo late) & echo $! > PID; wait",
		"(sleep 100 & echo $! > PID); sleep 100",
		`sh -c "echo \$\$ > PID; exec sleep 100"`,
		"exec 2>&1; sleep 100 & echo $! > PID; wait",
	} {
		t.Run(cmd, func(t *testing.T) {
			pidFile := filepath.Join(dir, strconv.Itoa(i))
			cmd := strings.ReplaceAll(cmd, "PID", "'"+pidFile+"'")
			_, took, err := run(t, 200*time.Millisecond, cmd)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want a timeout", err)
			}
			if took > 200*time.Millisecond+cmdWaitDelay+time.Second {
				t.Errorf("returned after %s", took)
			}
			b, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if pid <= 0 || !gone(pid) {
				t.Errorf("process %d outlived the timeout", pid)
			}
		})
	}
}

// A process that left the group (its own session) keeps the pipe open:
// Wait still returns, WaitDelay after the shell was killed.
func TestCmdTimeoutWithAnEscapedProcess(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	_, _, err := run(t, 200*time.Millisecond, "/usr/bin/setsid sleep 3 & wait")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestCmdOutputAndErrors(t *testing.T) {
	cases := []struct {
		cmd, out     string
		errHas       []string
		errHasNot    []string
		maxErrLength int
	}{
		{cmd: "printf 'abc\\nsecond\\n'", out: "abc\nsecond\n"},
		// The shell is done; a child it left holding stdout is not waited for.
		{cmd: "echo s3cret; sleep 100 &", out: "s3cret\n"},
		{cmd: "echo 'gpg: decryption failed: No secret key' >&2; exit 2",
			errHas: []string{"exit status 2", "gpg: decryption failed: No secret key"}},
		{cmd: "echo hunter2-secret; echo 'login: op@example.com'; echo 'token hunter2-secret rejected' >&2; echo 'entry: login: op@example.com' >&2; exit 1",
			errHas: []string{"token [redacted] rejected", "entry: [redacted]"}, errHasNot: []string{"hunter2", "op@example.com"}},
		{cmd: "i=0; while [ $i -lt 3000 ]; do echo \"spam line $i\" >&2; i=$((i+1)); done; exit 1",
			errHas: []string{"spam line 2999", "…"}, errHasNot: []string{"spam line 2996"}, maxErrLength: 400},
		{cmd: "printf '\\033[31mred\\033[0m\\a\\r\\n' >&2; exit 1", errHas: []string{"red"}, errHasNot: []string{"\x1b", "\a", "\r"}},
		{cmd: "echo 'entry not found' >&2", errHas: []string{"printed nothing", "entry not found"}},
		{cmd: "kill -9 $$", errHas: []string{"signal: killed"}},
		// No terminal: a prompt fails at once instead of waiting.
		{cmd: "read x < /dev/tty && echo $x", errHas: []string{"exit status", "/dev/tty"}},
	}
	for _, c := range cases {
		t.Run(c.cmd, func(t *testing.T) {
			out, took, err := run(t, 5*time.Second, c.cmd)
			if took > 3*time.Second {
				t.Errorf("took %s", took)
			}
			if c.errHas == nil {
				if err != nil || out != c.out {
					t.Fatalf("got %q, %v; want %q", out, err, c.out)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error (output %q)", out)
			}
			for _, s := range c.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q lacks %q", err, s)
				}
			}
			for _, s := range c.errHasNot {
				if strings.Contains(err.Error(), s) {
					t.Errorf("%q shows %q", err, s)
				}
			}
			if c.maxErrLength > 0 && len(err.Error()) > c.maxErrLength {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
}

// Through Load's path: the operator is told what is awaited, the timeout
// comes from Options, and the error has the line, the timeout and what the
// command said.
func TestHangingSecretCommand(t *testing.T) {
	text := "accounts:\n  - name: ok\n    provider: pivday\n    api_key_cmd: echo k1\n" +
		"  - name: vault\n    provider: nonvoip\n    email: a@example.com\n" +
		"    password_cmd: echo 'unlocking the vault' >&2; sleep 100 & wait\n"
	var progress []string
	start := time.Now()
	_, err := Parse("/home/op/sb.yaml", []byte(text), 0o600, Options{
		CmdTimeout: 200 * time.Millisecond,
		Progress:   func(m string) { progress = append(progress, m) },
	})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Parse took %s", took)
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a config error, got %v", err)
	}
	if ce.Line != 8 || !strings.Contains(ce.Msg, "account vault: password_cmd did not finish within 200ms") ||
		!strings.Contains(ce.Msg, "stderr: unlocking the vault") {
		t.Errorf("got %v", err)
	}
	want := []string{"waiting for api_key_cmd of ok…", "waiting for password_cmd of vault…"}
	if strings.Join(progress, "|") != strings.Join(want, "|") {
		t.Errorf("progress %q, want %q", progress, want)
	}
}
