// Package serve is the dashboard over SSH (charm.land/wish/v2): only the
// configured operators' keys get in (no password, no keyboard-interactive
// at all), each session runs its own dashboard model fed by its own hub
// subscription and acts through its operator's door, and an exec session
// (`ssh host code +7…`) runs one of the script verbs of package ctl.
package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	charmlog "charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/colorprofile"
	"github.com/jonboulle/clockwork"
	gossh "golang.org/x/crypto/ssh"

	"switchboard/backend"
	"switchboard/config"
	"switchboard/ctl"
	"switchboard/serve/screen"
	"switchboard/ui"
)

// Options configure the SSH service.
type Options struct {
	HostKey   gossh.Signer
	Operators []config.Operator
	// Live is the running engine as the verbs see it; Door is the
	// dashboard's door for an operator (engine.Door).
	Live ctl.Live
	Door func(operator string) ui.Backend
	// UI is every session's dashboard before its own operator, role,
	// door and state are filled in (theme, keys, thresholds, accounts).
	UI  ui.Options
	Log *slog.Logger
	// Expiring is how far ahead `watch` announces an expiry.
	Expiring time.Duration
	// WriteStall is how long a write to a client that stopped reading
	// may block before its connection is closed (0: 30 s).
	WriteStall time.Duration
	// MaxConns bounds open connections, MaxSessions open sessions
	// (0: 256 each); HandshakeTimeout bounds the time to log in (0: 10 s).
	MaxConns, MaxSessions int
	HandshakeTimeout      time.Duration
	// FPS caps each dashboard's frame rate (0: 60): a change is drawn at
	// once, and the frames of a burst at most this often. A session whose
	// screen does not change draws nothing and never wakes for it.
	FPS int
}

// Server is the running SSH service.
type Server struct {
	o   Options
	srv *ssh.Server

	conns    atomic.Int32
	sessions atomic.Int32
	stopping atomic.Bool
	opened   atomic.Int64 // dashboards opened so far: each ticks at its own phase

	mu       sync.Mutex
	dash     map[ssh.Session]*dashboard
	closing  bool           // Shutdown waits: no session may start
	handlers sync.WaitGroup // sessions being handled
	work     sync.WaitGroup // dashboard relays
	clock    clockwork.Clock
}

// New builds the server; Serve starts it.
func New(o Options) (*Server, error) {
	if o.HostKey == nil || o.Live == nil || o.Door == nil {
		return nil, errors.New("serve: a host key, the live engine and a door are needed")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.WriteStall = cmp.Or(o.WriteStall, 30*time.Second)
	o.MaxConns, o.MaxSessions = cmp.Or(o.MaxConns, 256), cmp.Or(o.MaxSessions, 256)
	o.HandshakeTimeout = cmp.Or(o.HandshakeTimeout, 10*time.Second)
	o.FPS = cmp.Or(o.FPS, 60)
	s := &Server{o: o, dash: map[ssh.Session]*dashboard{}, clock: clockwork.NewRealClock()}
	// wish logs through charm's default logger: into ours, one record a line.
	charmlog.SetReportTimestamp(false)
	charmlog.SetOutput(writerFunc(func(p []byte) (int, error) {
		line := strings.TrimSpace(string(p))
		if strings.Contains(line, "program was killed: context canceled") {
			// A client that went away (a closed laptop, a dropped link)
			// ends its program this way: nothing went wrong here.
			o.Log.Info("ssh: session ended: the client went away")
			return len(p), nil
		}
		o.Log.Warn("ssh: " + line)
		return len(p), nil
	}))
	srv, err := wish.NewServer(
		wish.WithVersion("Switchboard_"+backend.Version),
		wish.WithPublicKeyAuth(s.knownKey),
		func(srv *ssh.Server) error {
			srv.AddHostKey(o.HostKey)
			srv.HandshakeTimeout = o.HandshakeTimeout
			srv.ConnCallback = s.admit
			return nil
		},
		// The last runs first: route → the dashboard → its cleanup.
		wish.WithMiddleware(s.cleanup, bm.MiddlewareWithProgramHandler(s.program), s.route),
	)
	if err != nil {
		return nil, err
	}
	// No password or keyboard-interactive handler is set: the SSH layer
	// offers public keys only. No forwarding either (nil callbacks deny).
	s.srv = srv
	return s, nil
}

// Serve takes connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Refuse turns new connections away (Switchboard is stopping); the open
// sessions carry on until Shutdown.
func (s *Server) Refuse() { s.stopping.Store(true) }

// Shutdown refuses new connections, ends every dashboard (each is told
// why), waits until ctx ends for the sessions to finish, then closes
// every connection.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Refuse()
	s.mu.Lock()
	s.closing = true
	for _, d := range s.dash {
		d.cancel()
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(finished)
	}()
	var err error
	select {
	case <-finished:
	case <-ctx.Done():
		err = ctx.Err()
	}
	err = errors.Join(err, s.srv.Close())
	<-finished // closed connections end their sessions
	s.work.Wait()
	return err
}

// operator is who a session's key belongs to. The key is the one the
// client proved it holds (the SSH layer records the key of the method
// that succeeded), never one it only offered.
func (s *Server) operator(key ssh.PublicKey) (config.Operator, bool) {
	if key == nil {
		return config.Operator{}, false
	}
	for _, op := range s.o.Operators {
		if ssh.KeysEqual(key, op.Key) {
			return op, true
		}
	}
	return config.Operator{}, false
}

func (s *Server) knownKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, ok := s.operator(key); ok {
		return true
	}
	s.o.Log.Warn("ssh: unknown key refused", "remote", ctx.RemoteAddr().String(), "user", ctx.User(),
		"key", gossh.FingerprintSHA256(key))
	return false
}

// admit bounds the open connections: one past the limit is closed at
// once, before any handshake work.
func (s *Server) admit(ctx ssh.Context, c net.Conn) net.Conn {
	if int(s.conns.Add(1)) > s.o.MaxConns || s.stopping.Load() {
		s.conns.Add(-1)
		s.o.Log.Warn("ssh: connection refused: too many open", "remote", c.RemoteAddr().String(), "limit", s.o.MaxConns)
		return nil
	}
	return &counted{Conn: c, done: func() { s.conns.Add(-1) }}
}

// counted gives its slot back once, when closed.
type counted struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *counted) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}

// route sends an exec session to its verb, refuses a session without a
// terminal and passes a dashboard on.
func (s *Server) route(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			fmt.Fprintln(sess.Stderr(), "switchboard: stopping; no new session")
			_ = sess.Exit(ctl.ExitFailed)
			return
		}
		s.handlers.Add(1)
		s.mu.Unlock()
		defer s.handlers.Done()
		op, ok := s.operator(sess.PublicKey())
		if !ok { // not reachable through auth; refuse all the same
			wish.Fatalln(sess, "switchboard: who are you?")
			return
		}
		if int(s.sessions.Add(1)) > s.o.MaxSessions {
			s.sessions.Add(-1)
			fmt.Fprintln(sess.Stderr(), "switchboard: too many sessions open; try again later")
			_ = sess.Exit(ctl.ExitFailed)
			return
		}
		defer s.sessions.Add(-1)
		s.o.Log.Info("ssh: session", "operator", op.Name, "role", op.Role, "remote", sess.RemoteAddr().String(),
			"command", sess.RawCommand())
		if cmd := sess.Command(); len(cmd) > 0 {
			_ = sess.Exit(s.verb(sess, op, cmd))
			return
		}
		if _, _, tty := sess.Pty(); !tty {
			fmt.Fprintln(sess.Stderr(), "switchboard: no terminal: use ssh -t for the dashboard, or give a verb:")
			ctl.Usage(sess.Stderr())
			_ = sess.Exit(ctl.ExitUsage)
			return
		}
		next(sess)
	}
}

// verb runs a script verb as the session's operator.
func (s *Server) verb(sess ssh.Session, op config.Operator, argv []string) int {
	out, errOut := s.outbox(sess, sess), s.outbox(sess, sess.Stderr())
	code := ctl.Run(sess.Context(), ctl.Env{Operator: op.Name, Live: s.o.Live, Stdout: out, Stderr: errOut,
		Clock: s.clock, Expiring: s.o.Expiring}, argv)
	out.Close()
	errOut.Close()
	return code
}

// dashboard is one SSH session's running dashboard.
type dashboard struct {
	out     *outbox
	screen  *screen.Screen
	resizes <-chan ssh.Window // the session's window changes
	cancel  context.CancelFunc
	relay   chan struct{} // closed when its relay has returned
	ended   atomic.Bool   // the engine stopped
}

// tickPhase spreads the n-th dashboard's ticks over the second (by the
// golden ratio: any number of them lands evenly), so that fifty sessions'
// countdowns are drawn one after another, not fifty at once.
func tickPhase(n int64) time.Duration {
	return time.Duration(n*618_034%1_000_000) * time.Microsecond
}

// program builds a session's dashboard: its own model on its own hub
// subscription, acting through its operator's door.
func (s *Server) program(sess ssh.Session) *tea.Program {
	op, _ := s.operator(sess.PublicKey())
	stream, snap := s.o.Live.Subscribe(op.Name)
	o := s.o.UI
	o.Backend, o.Initial, o.Operator, o.Role = s.o.Door(op.Name), snap, op.Name, op.Role
	o.TickPhase = tickPhase(s.opened.Add(1))
	ctx, cancel := context.WithCancel(sess.Context())
	pty, resizes, _ := sess.Pty()
	d := &dashboard{out: s.outbox(sess, sess), resizes: resizes, cancel: cancel, relay: make(chan struct{})}
	w, h := pty.Window.Width, pty.Window.Height
	if w <= 0 || h <= 0 {
		w, h = fallbackWidth, fallbackHeight
	}
	env := append(sess.Environ(), "TERM="+pty.Term)
	d.screen = screen.New(d.out, screen.Options{Env: env, Profile: colorprofile.Env(env), Width: w, Height: h,
		Frame: time.Second / time.Duration(s.o.FPS), Clock: s.clock})
	// The program runs without its renderer (see drawn); its frame ticker
	// still runs, at its slowest, flushing nothing (see filter).
	opts := append(append(bm.MakeOptions(sess), screen.ProgramOptions()...), tea.WithContext(ctx), tea.WithoutSignalHandler(),
		tea.WithOutput(d.out), tea.WithWindowSize(w, h),
		tea.WithFilter(d.filter)) // in place of wish's, which it includes
	p := tea.NewProgram(screen.Drawn{Model: ui.New(o), Screen: d.screen}, opts...)
	s.mu.Lock()
	s.dash[sess] = d
	s.mu.Unlock()
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		defer close(d.relay)
		defer stream.Close()
		for {
			ev, ok := stream.Next(ctx)
			if !ok {
				if ctx.Err() == nil { // the engine stopped: end the dashboard
					d.ended.Store(true)
					p.Quit()
				}
				return
			}
			p.Send(ui.EventMsg{Event: ev})
		}
	}()
	if s.stopping.Load() {
		cancel()
	}
	return p
}

// A client without a terminal of its own (ssh -tt in a script) says its
// window is 0×0, at the start and in every change: a dashboard of no size
// would draw nothing at all, so it gets 80×24.
const fallbackWidth, fallbackHeight = 80, 24

// filter is wish's (a suspend key resumes at once: there is no shell to
// go back to) plus the fallback size for a window of no size; and what
// Bubble Tea would write to the terminal itself goes to the screen, which
// sends it at once (Bubble Tea holds it until its frame ticker flushes).
func (d *dashboard) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	case tea.WindowSizeMsg:
		if m.Width <= 0 || m.Height <= 0 {
			return tea.WindowSizeMsg{Width: fallbackWidth, Height: fallbackHeight}
		}
	}
	return d.screen.Filter(msg)
}

// cleanup runs when a dashboard's program has returned: it ends the relay
// and says why the session closes when Switchboard is stopping.
func (s *Server) cleanup(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		d := s.dash[sess]
		delete(s.dash, sess)
		s.mu.Unlock()
		if d != nil {
			d.cancel()
			<-d.relay
			if d.resizes != nil {
				// Nothing reads the window changes once the program is over;
				// left unread they would hold the connection's request loop,
				// which then never sees the connection close. They end with
				// the session.
				s.work.Add(1)
				go func() {
					defer s.work.Done()
					for range d.resizes {
					}
				}()
			}
			d.screen.Close() // the last frame, then the terminal as it was
			if s.stopping.Load() || d.ended.Load() {
				fmt.Fprint(d.out, "\r\nswitchboard is stopping: this session is closed\r\n")
			}
			d.out.Close() // all of it reaches the client
		}
		next(sess)
	}
}

// outbox queues what a session writes to w (see outbox.go); a client
// that stops reading has its connection closed.
func (s *Server) outbox(sess ssh.Session, w io.Writer) *outbox {
	var once sync.Once
	return newOutbox(w, s.o.WriteStall, maxQueued, func() {
		once.Do(func() {
			s.o.Log.Warn("ssh: client stopped reading; closing its connection", "remote", sess.RemoteAddr().String())
			if c, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
				_ = c.Close()
			}
		})
	})
}

// maxQueued bounds what waits for a slow client (a few full frames).
const maxQueued = 4 << 20

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }
