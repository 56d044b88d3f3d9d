// Package transport is the HTTP plumbing every adapter shares: the
// account's rate budget, 429 pauses, per-attempt timeouts, retries of reads
// with jittered backoff, no blind retry of calls that spend money, no
// silent redirects, bounded bodies, and secrets redacted from every error.
// Adapters build requests and decode bodies; this package moves bytes.
package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
)

// Config sets up a Client for one account.
type Config struct {
	Provider backend.ProviderKind
	BaseURL  string // everything before the documented paths
	Budget   *backend.Budget
	// HTTP is optional; redirects are never followed. Calls that may spend
	// money go out on fresh connections only when its Transport is nil or
	// an *http.Transport: a custom RoundTripper keeps its own pooling.
	HTTP    *http.Client
	Timeout time.Duration // per attempt; default 20s
	// Secrets are redacted from every error and message this client
	// produces (API keys, passwords, e-mail addresses).
	Secrets []string
	// Auth adds credentials to a request (headers). Body credentials are
	// the adapter's business.
	Auth func(*http.Request)
	// RetryAfterBody reads a provider-specific pause hint from a 429 body
	// (NonVoip's retryAfter). Optional.
	RetryAfterBody func(body []byte) time.Duration
	// RateLimitAnswer recognises a provider's rate-limit answer that is not
	// a 429 (5sim's 503 per-IP and per-purchase limits): it is handled as
	// a 429, pausing the budget and never retried at once. Optional.
	RateLimitAnswer func(status int, body []byte) bool
	// MaxBody bounds a response body; default 16 MiB.
	MaxBody int64
	// Attempts bounds tries of a read; default 3.
	Attempts int
}

// Request is one call.
type Request struct {
	Op     string // operator-facing: "check order 123"
	Method string // default GET
	Path   string // appended to the base URL, e.g. "/user/check/123"
	Query  url.Values
	JSON   any        // marshalled as the JSON body
	Form   url.Values // or a form body
	// Read marks a call that changes nothing at the provider: it may be
	// retried. A call that is not a read is sent at most once once it may
	// have reached the provider.
	Read bool
}

// Response is a provider's answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Client sends requests for one account.
type Client struct {
	cfg  Config
	http *http.Client
	// single sends calls that may spend money, each on a fresh connection:
	// net/http silently re-sends an idempotent-looking request (5sim buys
	// with GET) when a kept-alive connection closes before the answer,
	// after the provider may have acted on it — a lost answer would become
	// a second purchase. It never re-sends on a connection of its own.
	single *http.Client
}

// UserAgent names Switchboard and its version.
func UserAgent() string {
	return "Switchboard/" + backend.Version + " (terminal dashboard; +https://github.com/switchboard)"
}

// New makes a Client.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 16 << 20
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.Budget == nil {
		cfg.Budget = backend.NewBudget(60)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	hc := &http.Client{}
	if cfg.HTTP != nil {
		*hc = *cfg.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	once := *hc
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t, ok := rt.(*http.Transport); ok {
		fresh := t.Clone()
		fresh.DisableKeepAlives = true
		once.Transport = fresh
	}
	return &Client{cfg: cfg, http: hc, single: &once}
}

// Budget is the account's rate budget.
func (c *Client) Budget() *backend.Budget { return c.cfg.Budget }

// BaseURL is the base the client sends to.
func (c *Client) BaseURL() string { return c.cfg.BaseURL }

// Redact removes every configured secret from s.
func (c *Client) Redact(s string) string { return Redact(s, c.cfg.Secrets) }

// Snippet is the package Snippet of s with this client's secrets removed
// first, so a secret cut at the excerpt's end cannot half-survive.
func (c *Client) Snippet(s string) string { return Snippet(c.Redact(s)) }

// Redact removes each secret (and its URL-encoded forms) from s.
func Redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < 3 {
			continue
		}
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			s = strings.ReplaceAll(s, form, "•••")
		}
		if b, err := json.Marshal(sec); err == nil {
			s = strings.ReplaceAll(s, strings.Trim(string(b), `"`), "•••")
		}
	}
	return s
}

// Error builds a redacted *backend.Error for this client's provider.
func (c *Client) Error(op string, kind backend.ErrKind, status int, code, msg string) *backend.Error {
	return &backend.Error{Provider: c.cfg.Provider, Op: c.Redact(op), Kind: kind, Status: status,
		Code: c.Redact(code), Message: c.Redact(msg)}
}

// Do sends req and returns the answer. It returns *backend.Error for
// transport failures, 429s, redirects and 5xx; any other status comes back
// as a Response for the adapter to decode.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	body, ctype, err := encodeBody(req)
	if err != nil {
		return nil, c.Error(req.Op, backend.ErrInvalid, 0, "", "cannot encode request: "+err.Error())
	}
	attempts := c.cfg.Attempts
	if !req.Read {
		attempts = 2 // only a request that never left may go again
	}
	var last error
	for try := 0; try < attempts; try++ {
		if try > 0 {
			if err := Sleep(ctx, backoff(try)); err != nil {
				return nil, c.ctxError(req, err, false)
			}
		}
		if err := c.cfg.Budget.Wait(ctx); err != nil {
			return nil, c.ctxError(req, err, false)
		}
		resp, sent, err := c.once(ctx, req, body, ctype)
		if err == nil {
			if r, retry, err := c.judge(req, resp); !retry || try == attempts-1 {
				return r, err
			} else {
				last = err
			}
			continue
		}
		last = err
		if !req.Read && sent {
			// It may have reached the provider: the engine must re-read
			// state before anything is sent again.
			return nil, c.unknown(req, err)
		}
		if e, ok := err.(*backend.Error); ok {
			return nil, e // an oversized or unusable answer: asking again repeats it
		}
		if ctx.Err() != nil {
			break
		}
	}
	if last == nil {
		last = ctx.Err()
	}
	if e, ok := last.(*backend.Error); ok {
		return nil, e
	}
	return nil, c.ctxError(req, last, false)
}

// once sends one attempt. sent reports whether the request may have
// reached the provider.
func (c *Client) once(ctx context.Context, req Request, body []byte, ctype string) (*Response, bool, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := c.cfg.BaseURL + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(actx, req.Method, u, rd)
	if err != nil {
		return nil, false, c.Error(req.Op, backend.ErrInvalid, 0, "", "bad request URL: "+err.Error())
	}
	hr.Header.Set("User-Agent", UserAgent())
	hr.Header.Set("Accept", "application/json")
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if c.cfg.Auth != nil {
		c.cfg.Auth(hr)
	}
	hc := c.http
	if !req.Read {
		hc = c.single
	}
	hresp, err := hc.Do(hr)
	if err != nil {
		return nil, !neverSent(err), err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.cfg.MaxBody+1))
	if err != nil {
		return nil, true, err
	}
	if int64(len(data)) > c.cfg.MaxBody {
		return nil, true, c.Error(req.Op, backend.ErrMalformed, hresp.StatusCode, "",
			fmt.Sprintf("answer larger than %d KiB", c.cfg.MaxBody>>10))
	}
	c.observe(hresp.Header)
	return &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: data}, true, nil
}

// judge turns statuses the adapters need not see into errors, and says
// whether the attempt may be retried.
func (c *Client) judge(req Request, r *Response) (*Response, bool, error) {
	switch {
	case r.Status == http.StatusTooManyRequests || c.cfg.RateLimitAnswer != nil && c.cfg.RateLimitAnswer(r.Status, r.Body):
		hint := RetryAfter(r.Header, time.Now())
		if hint <= 0 && c.cfg.RetryAfterBody != nil {
			hint = c.cfg.RetryAfterBody(r.Body)
		}
		d := c.cfg.Budget.RateLimited(hint)
		e := c.Error(req.Op, backend.ErrRateLimited, r.Status, strconv.Itoa(r.Status),
			fmt.Sprintf("rate limited, paused %s", d.Round(time.Second)))
		e.RetryAfter = d
		return nil, false, e
	case r.Status >= 300 && r.Status < 400:
		loc := r.Header.Get("Location")
		return nil, false, c.Error(req.Op, backend.ErrNotFound, r.Status, "redirect",
			"unexpected redirect to "+Snippet(c.Redact(loc))+" (unknown route or wrong base URL)")
	case r.Status >= 500:
		msg := fmt.Sprintf("server error %d", r.Status)
		// Redact before cutting: a cut secret no longer matches.
		if s := Snippet(c.Redact(string(r.Body))); s != "" && !LooksHTML(r.Body) {
			msg += ": " + s
		}
		if !req.Read {
			e := c.Error(req.Op, backend.ErrOutcomeUnknown, r.Status, strconv.Itoa(r.Status),
				msg+outcomeUnknown)
			return nil, false, e
		}
		return nil, true, c.Error(req.Op, backend.ErrUnavailable, r.Status, strconv.Itoa(r.Status), msg)
	}
	c.cfg.Budget.Succeeded()
	return r, false, nil
}

func (c *Client) unknown(req Request, err error) error {
	e := c.Error(req.Op, backend.ErrOutcomeUnknown, 0, "",
		"no clear answer ("+describe(err)+")"+outcomeUnknown)
	e.Err = errors.New(c.Redact(err.Error()))
	return e
}

func (c *Client) ctxError(req Request, err error, _ bool) error {
	kind := backend.ErrUnavailable
	if isTimeout(err) {
		kind = backend.ErrTimeout
	}
	e := c.Error(req.Op, kind, 0, "", describe(err))
	e.Err = errors.New(c.Redact(err.Error()))
	return e
}

// observe feeds X-RateLimit-* headers into the budget.
func (c *Client) observe(h http.Header) {
	limit, lerr := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rem, rerr := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if lerr != nil && rerr != nil {
		return
	}
	if lerr != nil {
		limit = 0
	}
	if rerr != nil {
		rem = -1
	}
	reset := ParseReset(h.Get("X-RateLimit-Reset"), time.Now())
	c.cfg.Budget.Observe(limit, rem, reset)
}

func encodeBody(req Request) ([]byte, string, error) {
	switch {
	case req.JSON != nil:
		b, err := json.Marshal(req.JSON)
		return b, "application/json", err
	case req.Form != nil:
		return []byte(req.Form.Encode()), "application/x-www-form-urlencoded", nil
	}
	return nil, "", nil
}

// RetryAfter reads a pause from Retry-After (seconds or HTTP date) or
// X-RateLimit-Reset (date-time or Unix seconds).
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		// Bounded: a float beyond int64 nanoseconds (Inf, 1e300) converts
		// to an implementation-defined Duration (negative on amd64).
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && n < 1e9 {
			return time.Duration(n * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if t := ParseReset(h.Get("X-RateLimit-Reset"), now); !t.IsZero() {
		return max(t.Sub(now), 0)
	}
	return 0
}

// ParseReset reads an X-RateLimit-Reset value: RFC 3339, "2006-01-02
// 15:04:05" (UTC), Unix seconds, or seconds from now when small.
func ParseReset(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", time.RFC1123} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		switch {
		case n < 1e9: // a delta in seconds
			return now.Add(time.Duration(n) * time.Second)
		case n >= 1e12: // Unix milliseconds
			return time.UnixMilli(n)
		}
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// LooksHTML reports whether a body is an HTML page rather than data.
func LooksHTML(b []byte) bool {
	t := bytes.TrimSpace(b)
	if len(t) > 64 {
		t = t[:64]
	}
	l := bytes.ToLower(t)
	return bytes.HasPrefix(l, []byte("<!doctype html")) || bytes.HasPrefix(l, []byte("<html")) ||
		bytes.HasPrefix(l, []byte("<head")) || bytes.HasPrefix(l, []byte("<body"))
}

// Snippet is a short single-line excerpt of untrusted text for an error
// message (control characters dropped; the UI sanitizes again).
func Snippet(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

func backoff(try int) time.Duration {
	d := 250 * time.Millisecond << min(try-1, 5)
	d = min(d, 5*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d)/2+1))
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// neverSent reports errors that prove the request did not leave: the
// connection could not be made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func describe(err error) string {
	switch {
	case isTimeout(err):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case neverSent(err):
		return "cannot connect"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed mid-answer"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
