// Package webhook receives provider webhooks (piv.day events, NonVoip
// callbacks) and hands each body to the engine as a hint: the engine
// reads the items it names from the provider's API, so nothing a sender
// writes reaches the screen, the ledger or the state.
//
// The receiver is strict because anyone who can reach it can send: a
// request must name an account and its secret token in the path
// (/hooks/<account>/<token>; anything else is 404, revealing no account),
// be a POST (405) of application/json (415) no larger than MaxBody (413),
// and, with a public URL configured, carry its host (421). Connections are
// capped and every phase of a request has a timeout.
package webhook

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/netutil"
	"golang.org/x/time/rate"

	"switchboard/backend"
)

// Receiver takes a hint for an account (the engine). An error means the
// body could not be read.
type Receiver interface {
	Hint(account string, body []byte) error
}

// Limits of the receiver. Provider events are a few hundred bytes.
const (
	DefaultMaxBody  = 64 << 10
	DefaultMaxConns = 16
)

// Options configure a receiver.
type Options struct {
	Addr string // host:port to bind (config's resolved webhook_listen)
	// PublicURL is what the providers call (a reverse proxy's address);
	// when set, requests must carry its host and paths start with its
	// path. "" accepts any host.
	PublicURL string
	Tokens    map[string]string // account → secret token: the accounts served
	Receiver  Receiver
	Log       *slog.Logger
	MaxBody   int64 // default DefaultMaxBody
	MaxConns  int   // default DefaultMaxConns
}

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// handler serves /hooks/<account>/<token>.
type handler struct {
	o      Options
	host   string // required Host ("" = any)
	prefix string // path before /hooks/
	dummy  string // compared against for an unknown account, so both take as long
	warn   *rate.Limiter
}

// Handler is the receiver's HTTP handler (Listen serves it).
func Handler(o Options) (http.Handler, error) {
	o = o.withDefaults()
	h := &handler{o: o, prefix: "/hooks/", warn: rate.NewLimiter(rate.Every(time.Minute), 3)}
	if o.PublicURL != "" {
		u, err := url.Parse(o.PublicURL)
		if err != nil || u.Host == "" {
			return nil, errors.New("webhook: public URL without a host")
		}
		h.host, h.prefix = strings.ToLower(u.Host), strings.TrimRight(u.EscapedPath(), "/")+"/hooks/"
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h.dummy = base64.RawURLEncoding.EncodeToString(b)
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.host != "" && !strings.EqualFold(r.Host, h.host) {
		http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
		return
	}
	account, ok := h.account(r.URL.EscapedPath())
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "application/json only", http.StatusUnsupportedMediaType)
		return
	}
	if r.ContentLength > h.o.MaxBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.o.MaxBody+1))
	if err != nil {
		http.Error(w, "body unreadable", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > h.o.MaxBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := h.o.Receiver.Hint(account, body); err != nil {
		// A flood of bad bodies must not fill the log.
		if h.warn.Allow() {
			h.o.Log.Warn("webhook refused", "account", account, "err", err.Error())
		}
		http.Error(w, "event not understood", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// account returns the account a path names with its right token. Every
// miss looks the same (404), and the token is compared in constant time.
func (h *handler) account(path string) (string, bool) {
	// A reverse proxy may forward the public path or strip it.
	rest, ok := strings.CutPrefix(path, h.prefix)
	if !ok {
		if rest, ok = strings.CutPrefix(path, "/hooks/"); !ok {
			return "", false
		}
	}
	account, token, ok := strings.Cut(rest, "/")
	want, known := h.o.Tokens[account]
	if !known {
		want = h.dummy
	}
	match := subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
	return account, ok && known && match
}

// Server is a running receiver.
type Server struct {
	srv  *http.Server
	addr string
	done chan struct{}
}

// Listen binds o.Addr and serves the receiver until Close.
func Listen(o Options) (*Server, error) {
	o = o.withDefaults()
	h, err := Handler(o)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{addr: l.Addr().String(), done: make(chan struct{}), srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       5 * time.Second, // providers send one event per request
		MaxHeaderBytes:    16 << 10,
		// The terminal belongs to the dashboard: the server's own
		// complaints (bad TLS hellos, broken connections) go to the log.
		ErrorLog: slog.NewLogLogger(o.Log.Handler(), slog.LevelDebug),
	}}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(netutil.LimitListener(l, o.MaxConns))
	}()
	return s, nil
}

// Addr is the address bound (with the port chosen, for ":0").
func (s *Server) Addr() string { return s.addr }

// Close stops the receiver: requests being answered get two seconds.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.done
}

// URL is an account's hook address under base (the public URL, or
// http://<listen address>).
func URL(base, account, token string) string {
	return strings.TrimRight(base, "/") + "/hooks/" + url.PathEscape(account) + "/" + token
}

// ExposedWarning is said at start when the receiver binds an address
// other machines may reach.
func ExposedWarning(addr string) string {
	return "webhooks are reachable from the network on " + addr +
		"; they are only hints, but put them behind TLS/a reverse proxy (webhook_listen without a host binds loopback only)"
}

// Registration says whether a provider sends webhooks and how its
// document says to register the URL (its descriptor's words).
func Registration(k backend.ProviderKind) (string, bool) {
	d, _ := backend.Describe(k)
	return d.Webhooks, d.Webhooks != ""
}
