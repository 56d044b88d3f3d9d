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
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

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

// Viewer is one SSH dashboard as a benchmark watches it: it reads
// everything the server writes and notes when each awaited text first
// shows. It reads the byte stream, not a terminal's screen, so a text
// counts once it is written whole: a redraw that rewrites only the cells
// that changed writes a code whole only if it differs at every place
// from what the cells held (see RotatingCode).
type Viewer struct {
	Client *gossh.Client

	mu    sync.Mutex
	want  map[string]chan time.Time // awaited text → when it showed
	keep  int                       // bytes kept between reads: the longest text awaited
	tail  []byte                    // the last bytes, for a text split across two reads
	reads int                       // the server's writes read (about one a frame)
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
	v := &Viewer{Client: c, want: map[string]chan time.Time{}}
	drawn := v.Expect("filter") // the status bar (its last word is cut by a wrap-off sequence)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				v.read(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-drawn:
	case <-time.After(20 * time.Second):
		t.Fatal("a dashboard never drew")
	}
	return v
}

// Expect starts watching for text: the channel receives the moment the
// session first writes it from now on.
func (v *Viewer) Expect(text string) <-chan time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	seen := make(chan time.Time, 1)
	v.want[text] = seen
	v.keep = max(v.keep, len(text))
	return seen
}

func (v *Viewer) read(p []byte) {
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reads++
	v.tail = append(v.tail, p...)
	for text, seen := range v.want {
		if bytes.Contains(v.tail, []byte(text)) {
			seen <- now
			delete(v.want, text)
		}
	}
	if keep := v.keep + 64; len(v.tail) > keep {
		v.tail = append(v.tail[:0], v.tail[len(v.tail)-keep:]...)
	}
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
