// Package servetest is what tests and benchmarks of `switchboard serve`
// share, in serve's own package and in a team cluster's: SSH keys, a
// client login, a dashboard session watched from the client side for
// the texts (codes) a benchmark awaits, and the webhook receiver.
package servetest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"switchboard/serve"
	"switchboard/webhook"
)

// NewKey is a fresh ed25519 key, for a host or an operator.
func NewKey() gossh.Signer {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, _ := gossh.NewSignerFromKey(priv)
	return s
}

// Dial logs in to the server at addr, whose host key is host, with key.
func Dial(addr string, host gossh.PublicKey, key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "anyone", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(host), Timeout: 10 * time.Second})
}

// Viewer is one SSH dashboard as a benchmark watches it: it feeds
// everything the server writes to a terminal emulator and notes when
// each awaited text first shows on the emulated screen. A redraw that
// rewrites only the cells that changed shows a code as a terminal does,
// though its bytes hold only the digits that differ from what the cells
// held.
type Viewer struct {
	Client *gossh.Client

	mu     sync.Mutex
	want   map[string]chan time.Time // awaited text → when it showed
	term   *vt.Emulator              // the client's terminal (80×24 until Open sizes it)
	keep   int                       // cells searched either side of a change: the longest text awaited
	row    []byte                    // the cells searched, reused
	reads  int                       // the server's writes read (about one a frame)
	forgot bool                      // Forget was called: writes are counted, not drawn
}

// Writes counts the server's writes read so far (about one a frame).
func (v *Viewer) Writes() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reads
}

// Open starts a dashboard of w×h cells on the client's connection and
// waits until it has drawn.
func Open(t testing.TB, c *gossh.Client, w, h int) *Viewer {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	v := &Viewer{Client: c, want: map[string]chan time.Time{}, term: newTerm(w, h)}
	drawn := v.Expect("filter") // the status bar
	go v.follow(out)
	select {
	case <-drawn:
	case <-time.After(20 * time.Second):
		t.Fatal("a dashboard never drew")
	}
	return v
}

// follow reads what the server writes until the stream ends, then
// forgets the screen.
func (v *Viewer) follow(out io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := out.Read(buf)
		if n > 0 {
			v.read(buf[:n])
		}
		if err != nil {
			v.Forget()
			return
		}
	}
}

// newTerm is a w×h terminal with one screen and no scrollback: the
// emulator would copy every row a scroll region drops, or a clear
// erases, into up to 10,000 lines of history no benchmark reads, and
// this version cannot turn the alternate screen's off, so a switch to
// the alternate screen keeps the one screen (the program clears it).
// The terminal's answers to the server's queries are read and dropped,
// as the byte-stream viewer before it never answered either.
func newTerm(w, h int) *vt.Emulator {
	term := vt.NewEmulator(w, h)
	*term.Scrollback() = vt.Scrollback{} // holds no line
	term.RegisterCsiHandler(ansi.Command('?', 0, 'h'), oneScreen)
	term.RegisterCsiHandler(ansi.Command('?', 0, 'l'), oneScreen)
	go func() { _, _ = io.Copy(io.Discard, term) }()
	return term
}

// oneScreen takes a set or reset of the alternate screen alone (what
// Bubble Tea sends) and does nothing; any other mode goes on to the
// emulator's own handler.
func oneScreen(params ansi.Params) bool {
	mode, _, _ := params.Param(0, 0)
	return len(params) == 1 && (mode == ansi.ModeAltScreenSaveCursor.Mode() || mode == ansi.ModeAltScreen.Mode())
}

// Forget drops the viewer's terminal (6.4 MB at 200×50, most of it the
// emulator's 4 MiB parser buffer) and from then on only counts the
// session's writes, so a benchmark of the server's memory does not count
// the client's screens. Nothing awaited shows after it.
func (v *Viewer) Forget() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.term != nil {
		// Ends newTerm's reader (Emulator.Close would race with its Read).
		_ = v.term.InputPipe().(io.Closer).Close()
	}
	v.term, v.want, v.forgot = nil, map[string]chan time.Time{}, true
}

// Expect starts watching for text: the channel receives the moment a
// write after this call leaves text on a screen row the write changed.
func (v *Viewer) Expect(text string) <-chan time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	seen := make(chan time.Time, 1)
	if v.forgot {
		return seen
	}
	v.want[text] = seen
	v.keep = max(v.keep, len(text))
	return seen
}

func (v *Viewer) read(p []byte) {
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reads++
	if v.forgot {
		return
	}
	if v.term == nil {
		v.term = newTerm(80, 24)
	}
	_, _ = v.term.Write(p)
	// Only the cells a write touched can complete a new text: each
	// touched row is searched around them, and its mark is reset in
	// place (a nil one would be allocated anew on every touch).
	w := v.term.Width()
	for y, touched := range v.term.Touched() {
		if touched == nil || touched.LastCell < 0 || y >= v.term.Height() {
			continue
		}
		from, to := max(touched.FirstCell-v.keep, 0), min(touched.LastCell+v.keep, w)
		touched.FirstCell, touched.LastCell = w, -1
		if len(v.want) == 0 {
			continue
		}
		cells := v.cells(y, from, to)
		for text, seen := range v.want {
			if bytes.Contains(cells, []byte(text)) {
				seen <- now
				delete(v.want, text)
			}
		}
	}
}

// cells is what row y of the screen reads from cell from to cell to (a
// wide character's trailing cell adds nothing).
func (v *Viewer) cells(y, from, to int) []byte {
	v.row = v.row[:0]
	for x := from; x < to; x++ {
		if c := v.term.CellAt(x, y); c != nil {
			v.row = append(v.row, c.Content...)
		}
	}
	return v.row
}

// RotatingCode is the i-th of a series of codes in which every digit
// differs from the digit at its place in each of the nine codes before
// and after it (so a screen's redraw over any of them writes the whole
// code) and from its neighbour (so no repeat of a character is
// compressed): a code-like base shifted by i.
func RotatingCode(i int) string {
	const base = "394817"
	var b strings.Builder
	for _, c := range base {
		b.WriteByte(byte('0' + (int(c-'0')+i)%10))
	}
	return b.String()
}

// Listen builds the server o describes and a loopback listener for it;
// the caller serves (srv.Serve(ln)) and shuts the server down.
func Listen(t testing.TB, o serve.Options) (*serve.Server, net.Listener) {
	t.Helper()
	srv, err := serve.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, ln
}

// ListenHooks starts a webhook receiver on a loopback port for the
// accounts in tokens (account → secret token), handing bodies to rcv, as
// `switchboard serve` runs it; it closes when the test ends.
func ListenHooks(t testing.TB, tokens map[string]string, rcv webhook.Receiver) *webhook.Server {
	t.Helper()
	srv, err := webhook.Listen(webhook.Options{Addr: "127.0.0.1:0", Tokens: tokens, Receiver: rcv,
		Log: slog.New(slog.DiscardHandler), MaxConns: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// PivDaySMS reads the number and code a piv.day sms.received webhook
// names ("" for what it does not name), so a benchmark can tell which
// delivery a webhook carried.
func PivDaySMS(body []byte) (number, code string) {
	var ev struct {
		Data struct {
			Number string `json:"piv_num_id"`
			Code   string `json:"code"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &ev)
	return ev.Data.Number, ev.Data.Code
}
