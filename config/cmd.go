package config

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// DefaultCmdTimeout bounds a *_cmd when Options.CmdTimeout is zero.
const DefaultCmdTimeout = 15 * time.Second

const (
	maxStdout = 64 << 10 // a secret is one line; the rest is dropped
	maxStderr = 4 << 10  // the tail of what the command said
	// cmdWaitDelay is how long Wait waits for the output pipes once the
	// shell has exited or been killed: a process that left the group
	// (setsid, a daemon) may hold them open for ever.
	cmdWaitDelay = 500 * time.Millisecond
)

// cmdError is a failed command with what it wrote on stderr (never what it
// wrote on stdout, which may hold the secret).
type cmdError struct {
	err    error  // exit status, context.DeadlineExceeded, errNoOutput…
	stderr string // cleaned and bounded; "" when it said nothing
}

func (e *cmdError) Error() string {
	if e.stderr == "" {
		return e.err.Error()
	}
	return e.err.Error() + "; stderr: " + e.stderr
}

func (e *cmdError) Unwrap() error { return e.err }

var errNoOutput = errors.New("printed nothing")

// runCmd runs a secret command with sh -c, without a terminal (its own
// session: it cannot prompt, and the whole process group is killed when
// ctx ends), and returns its stdout.
func runCmd(ctx context.Context, command string) (string, error) {
	c := exec.CommandContext(ctx, "sh", "-c", command)
	stdout := &capBuffer{max: maxStdout}
	stderr := &capBuffer{max: maxStderr, tail: true}
	c.Stdout, c.Stderr = stdout, stderr
	c.WaitDelay = cmdWaitDelay
	ownGroup(c)
	err := c.Run()
	out := stdout.String()
	if errors.Is(err, exec.ErrWaitDelay) {
		// The shell exited 0 but left a process holding the output (e.g.
		// `pass show x; sleep 100 &`): keep what it printed, end the rest.
		killGroup(c)
		err = nil
	}
	switch {
	case err != nil && ctx.Err() != nil:
		err = ctx.Err()
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			// Never the process's own text: keep to the status.
			err = errors.New(ee.ProcessState.String())
		}
	case strings.TrimSpace(out) == "":
		err = errNoOutput
	}
	if err != nil {
		return "", &cmdError{err: err, stderr: cleanStderr(stderr.String(), stderr.cut, out)}
	}
	return out, nil
}

// cmdFailure says why a command gave no secret, for the config error.
func cmdFailure(err error, timeout time.Duration) string {
	why := "failed: " + err.Error()
	var ce *cmdError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		why = fmt.Sprintf("did not finish within %s and was stopped", timeout)
		if errors.As(err, &ce) && ce.stderr != "" {
			why += "; stderr: " + ce.stderr
		}
	case errors.Is(err, errNoOutput):
		why = err.Error()
		if errors.As(err, &ce) && ce.stderr != "" {
			why += "; stderr: " + ce.stderr
		}
	}
	return why
}

// cleanStderr makes what a command said fit in an error: the secret lines
// of its stdout removed, escape sequences and control characters dropped,
// at most the last three lines of at most 200 characters each.
func cleanStderr(s string, cut bool, stdout string) string {
	if cut {
		// The first line may be the end of a longer one (or of a secret).
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		} else {
			s = ""
		}
	}
	for i, l := range strings.Split(stdout, "\n") {
		// The first line is the secret, however short; other lines can
		// hold more of the entry (pass prints the whole file).
		if l = strings.TrimSpace(l); l != "" && (i == 0 || len(l) >= 4) {
			s = strings.ReplaceAll(s, l, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, ansi.Strip(s))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > 200 {
				l = string(r[:200]) + "…"
			}
			lines = append(lines, l)
		}
	}
	if len(lines) > 3 {
		lines = append([]string{"…"}, lines[len(lines)-3:]...)
	}
	return strings.Join(lines, " / ")
}

// capBuffer keeps at most max bytes of what is written to it (the first
// ones, or the last with tail) and never refuses a write, so a chatty
// command is not blocked or killed by a full pipe.
type capBuffer struct {
	max  int
	tail bool
	buf  []byte
	cut  bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	switch {
	case !b.tail:
		if room := b.max - len(b.buf); room > 0 {
			b.buf = append(b.buf, p[:min(room, len(p))]...)
		}
		b.cut = b.cut || len(b.buf) == b.max
	default:
		b.buf = append(b.buf, p...)
		if over := len(b.buf) - b.max; over > 0 {
			b.buf = append(b.buf[:0], b.buf[over:]...)
			b.cut = true
		}
	}
	return len(p), nil
}

func (b *capBuffer) String() string { return string(b.buf) }
