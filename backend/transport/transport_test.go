package transport_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"switchboard/backend"
	"switchboard/backend/transport"
)

// --- helpers -------------------------------------------------------------

// newClient is a client with a budget generous enough that the bucket
// never slows a test down unless the test means it to.
func newClient(base string, mod func(*transport.Config)) *transport.Client {
	cfg := transport.Config{
		Provider: backend.PivDay,
		BaseURL:  base,
		Budget:   backend.NewBudget(60000),
		Timeout:  2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	return transport.New(cfg)
}

func wantKind(t *testing.T, err error, kind backend.ErrKind) *backend.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", kind)
	}
	e, ok := backend.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *backend.Error", err, err)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %v, want %v (%v)", e.Kind, kind, err)
	}
	if e.Provider != backend.PivDay {
		t.Fatalf("provider = %q, want %q", e.Provider, backend.PivDay)
	}
	return e
}

// hit is one request as an httptest server saw it.
type hit struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	At                     time.Time
}

// recorder is an httptest server that records every request and lets
// answer write the n-th (1-based) answer.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	hits  []hit
	conns atomic.Int64
}

func newRecorder(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.hits = append(rec.hits, hit{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body, time.Now()})
		n := len(rec.hits)
		rec.mu.Unlock()
		answer(w, r, n)
	}))
	rec.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			rec.conns.Add(1)
		}
	}
	rec.Start()
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) seen() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

func (r *recorder) count() int { return len(r.seen()) }

// rawServer speaks HTTP/1.1 by hand so a test controls the connection:
// answer, hang, close or reset it after the request has been read.
type rawServer struct {
	URL   string
	ln    net.Listener
	conns atomic.Int64
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	paths []string
	open  []net.Conn
}

// rawHandler handles the nth request read on c; false ends the connection
// (the server closes it).
type rawHandler func(s *rawServer, c net.Conn, r *http.Request, nth int) bool

func newRawServer(t *testing.T, h rawHandler) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{URL: "http://" + ln.Addr().String(), ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for nth := 1; ; nth++ {
					r, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, r.Body)
					s.mu.Lock()
					s.paths = append(s.paths, r.URL.Path)
					s.mu.Unlock()
					if !h(s, c, r, nth) {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		s.mu.Lock()
		for _, c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// count is how many requests for path the server has read.
func (s *rawServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.paths {
		if p == path {
			n++
		}
	}
	return n
}

// settledCount waits a moment so a stray re-send would have arrived, then
// counts.
func (s *rawServer) settledCount(path string) int {
	time.Sleep(40 * time.Millisecond)
	return s.count(path)
}

func answer(c net.Conn, status int, body string) {
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

// Connection behaviours after the request has been read.
var (
	answer502 = func(_ *rawServer, c net.Conn, _ *http.Request, _ int) bool {
		answer(c, 502, "bad gateway")
		return true
	}
	hang = func(s *rawServer, _ net.Conn, _ *http.Request, _ int) bool {
		<-s.done
		return false
	}
	closeSilently = func(*rawServer, net.Conn, *http.Request, int) bool { return false }
	reset         = func(_ *rawServer, c net.Conn, _ *http.Request, _ int) bool {
		_ = c.(*net.TCPConn).SetLinger(0) // close with RST
		return false
	}
	closeMidAnswer = func(_ *rawServer, c net.Conn, _ *http.Request, _ int) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":12")
		return false
	}
)

// refusedURL is an address nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// countingDialer counts connection attempts.
func countingDialer(n *atomic.Int64) *http.Client {
	d := &net.Dialer{Timeout: time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			n.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// --- Redact ----------------------------------------------------------------

const secret = `s3cr3t/Key+1&"x<` // every escaping form differs from the raw text

func secretForms(sec string) []string {
	j, _ := json.Marshal(sec)
	return []string{sec, url.QueryEscape(sec), url.PathEscape(sec), strings.Trim(string(j), `"`)}
}

func assertNoSecret(t *testing.T, where, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		for _, form := range secretForms(sec) {
			if strings.Contains(s, form) {
				t.Errorf("%s leaks secret form %q: %q", where, form, s)
			}
		}
	}
}

func TestRedactRemovesEveryFormOfEverySecret(t *testing.T) {
	email := "ops+sim@example.com"
	forms := append(secretForms(secret), secretForms(email)...)
	if len(forms) != 8 || forms[0] == forms[1] || forms[1] == forms[2] || forms[0] == forms[3] {
		t.Fatalf("test secret must have distinct escaped forms: %q", forms)
	}
	text := "key=" + strings.Join(forms, " | ") + " short=ab keep=other"
	got := transport.Redact(text, []string{secret, email, "ab", ""})
	assertNoSecret(t, "Redact", got, secret, email)
	if n := strings.Count(got, "•••"); n != len(forms) {
		t.Errorf("redaction marks = %d, want %d: %q", n, len(forms), got)
	}
	if !strings.Contains(got, "short=ab") || !strings.Contains(got, "keep=other") {
		t.Errorf("short secrets must be ignored and other text kept: %q", got)
	}
	if got := transport.Redact("plain", nil); got != "plain" {
		t.Errorf("no secrets: %q", got)
	}
}

func TestClientErrorRedactsOpCodeAndMessage(t *testing.T) {
	c := newClient("http://example.invalid", func(cfg *transport.Config) { cfg.Secrets = []string{secret} })
	e := c.Error("buy with "+secret, backend.ErrAuth, 401, "BAD_KEY_"+url.QueryEscape(secret),
		"rejected "+url.PathEscape(secret)+` in {"k":"`+secretForms(secret)[3]+`"}`)
	for where, s := range map[string]string{"op": e.Op, "code": e.Code, "message": e.Message, "Error()": e.Error()} {
		assertNoSecret(t, where, s, secret)
	}
	if e.Kind != backend.ErrAuth || e.Status != 401 || e.Provider != backend.PivDay {
		t.Errorf("fields not kept: %+v", e)
	}
	if c.Redact("x "+secret) != "x •••" {
		t.Errorf("Client.Redact = %q", c.Redact("x "+secret))
	}
}

func TestWrappedTransportErrorsAreRedacted(t *testing.T) {
	t.Parallel()
	base := refusedURL(t)
	for _, read := range []bool{true, false} {
		c := newClient(base, func(cfg *transport.Config) {
			cfg.Secrets = []string{secret}
			cfg.Attempts = 1
		})
		_, err := c.Do(context.Background(), transport.Request{
			Op:    "check " + secret,
			Path:  "/keys/" + url.PathEscape(secret),
			Query: url.Values{"api_key": {secret}},
			Read:  read,
		})
		e := wantKind(t, err, backend.ErrUnavailable)
		if e.Err == nil {
			t.Fatal("the cause must be kept (redacted)")
		}
		if !strings.Contains(e.Err.Error(), "refused") || !strings.Contains(e.Message, "cannot connect") {
			t.Errorf("cause lost: message %q, err %q", e.Message, e.Err)
		}
		for where, s := range map[string]string{
			"Error()": err.Error(), "op": e.Op, "message": e.Message, "wrapped": e.Err.Error(),
			"unwrapped": errors.Unwrap(err).Error(), "%+v": fmt.Sprintf("%+v", e),
		} {
			assertNoSecret(t, where, s, secret)
		}
	}
}

func TestServerEchoedSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 110) + "key=" + secret // a snippet cut would keep half the secret
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Path {
		case "/echo":
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":"bad key %s","raw":"%s"}`, secretForms(secret)[3], url.QueryEscape(secret))
		case "/long":
			w.WriteHeader(503)
			io.WriteString(w, long)
		case "/redirect":
			w.Header().Set("Location", "/login/"+strings.Repeat("y", 100)+"?key="+url.QueryEscape(secret))
			w.WriteHeader(302)
		}
	})
	c := newClient(rec.URL, func(cfg *transport.Config) {
		cfg.Secrets = []string{secret}
		cfg.Attempts = 1
	})
	for _, path := range []string{"/echo", "/long", "/redirect"} {
		_, err := c.Do(context.Background(), transport.Request{Op: "poll", Path: path, Read: true})
		if err == nil {
			t.Fatalf("%s: no error", path)
		}
		assertNoSecret(t, path, err.Error(), secret)
		for _, part := range []string{secret[:5], url.QueryEscape(secret)[:5]} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("%s: a truncated secret %q survives in %q", path, part, err)
			}
		}
	}
}

// --- RetryAfter, ParseReset ---------------------------------------------

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	cases := []struct {
		name, retryAfter, reset string
		want                    time.Duration
	}{
		{"seconds", "5", "", 5 * time.Second},
		{"padded seconds", " 7 ", "", 7 * time.Second},
		{"zero", "0", "", 0},
		{"fractional seconds", "0.25", "", 250 * time.Millisecond},
		{"HTTP date", now.Add(30 * time.Second).Format(http.TimeFormat), "", 30 * time.Second},
		{"HTTP date in the past", now.Add(-time.Minute).Format(http.TimeFormat), "", 0},
		{"Retry-After wins over reset", "2", now.Add(time.Hour).Format(time.RFC3339), 2 * time.Second},
		{"junk Retry-After falls back to reset", "soon", now.Add(9 * time.Second).Format(time.RFC3339), 9 * time.Second},
		{"negative Retry-After is junk", "-3", "", 0},
		{"NaN is junk", "NaN", "", 0},
		{"infinity is junk", "Inf", "", 0},
		{"overflowing seconds are junk", "1e300", "", 0},
		{"overflowing integer is junk", "99999999999", "", 0},
		{"reset RFC 3339", "", now.Add(45 * time.Second).Format(time.RFC3339), 45 * time.Second},
		{"reset RFC 3339 fractional", "", now.Add(1500 * time.Millisecond).Format(time.RFC3339Nano), 1500 * time.Millisecond},
		{"reset with offset", "", now.Add(20 * time.Second).In(time.FixedZone("X", 2*3600)).Format(time.RFC3339), 20 * time.Second},
		{"reset plain UTC", "", "2025-03-04 05:07:07", time.Minute},
		{"reset Unix seconds", "", fmt.Sprint(now.Add(90 * time.Second).Unix()), 90 * time.Second},
		{"reset small delta", "", "12", 12 * time.Second},
		{"reset in the past", "", now.Add(-time.Hour).Format(time.RFC3339), 0},
		{"reset junk", "", "tomorrow", 0},
		{"nothing", "", "", 0},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.retryAfter != "" {
			h.Set("Retry-After", tc.retryAfter)
		}
		if tc.reset != "" {
			h.Set("X-RateLimit-Reset", tc.reset)
		}
		if got := transport.RetryAfter(h, now); got != tc.want {
			t.Errorf("%s: RetryAfter(%q, %q) = %v, want %v", tc.name, tc.retryAfter, tc.reset, got, tc.want)
		}
	}
}

func TestParseReset(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2025-03-04T05:07:00Z", time.Date(2025, 3, 4, 5, 7, 0, 0, time.UTC)},
		{"2025-03-04T05:07:00.123456789Z", time.Date(2025, 3, 4, 5, 7, 0, 123456789, time.UTC)},
		{"2025-03-04T07:07:00+02:00", time.Date(2025, 3, 4, 5, 7, 0, 0, time.UTC)},
		{"2025-03-04 05:07:00", time.Date(2025, 3, 4, 5, 7, 0, 0, time.UTC)},
		{"Tue, 04 Mar 2025 05:07:00 UTC", time.Date(2025, 3, 4, 5, 7, 0, 0, time.UTC)},
		{"1741064820", time.Unix(1741064820, 0)},
		{"30", now.Add(30 * time.Second)},
		{" 0 ", now},
		{"", time.Time{}},
		{"tomorrow", time.Time{}},
		{"-5", time.Time{}},
		{"1.5", time.Time{}},
		{"2025-13-45 99:99:99", time.Time{}},
	}
	for _, tc := range cases {
		got := transport.ParseReset(tc.in, now)
		if !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() {
			t.Errorf("ParseReset(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// --- LooksHTML, Snippet ----------------------------------------------------

func TestLooksHTML(t *testing.T) {
	for _, s := range []string{"<!DOCTYPE html><html>", "  \r\n<html lang=en>", "<HEAD><title>x", "<body>404", "\t<!doctype HTML>"} {
		if !transport.LooksHTML([]byte(s)) {
			t.Errorf("LooksHTML(%q) = false", s)
		}
	}
	for _, s := range []string{`{"html":"<html>"}`, "no free phones", "", "<xml/>", "text <html>"} {
		if transport.LooksHTML([]byte(s)) {
			t.Errorf("LooksHTML(%q) = true", s)
		}
	}
}

func TestSnippet(t *testing.T) {
	got := transport.Snippet("a\x1b[31mb\r\nc\x00d\u0085e\x7f\t  f")
	if got != "a [31mb c d e f" {
		t.Errorf("Snippet = %q", got)
	}
	for _, r := range got {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Errorf("control %U left in %q", r, got)
		}
	}
	long := transport.Snippet(strings.Repeat("é", 300))
	if n := utf8.RuneCountInString(long); n != 121 || !strings.HasSuffix(long, "…") || !utf8.ValidString(long) {
		t.Errorf("long snippet: %d runes, %q…", n, long[:10])
	}
	exact := strings.Repeat("z", 120)
	if transport.Snippet(exact) != exact {
		t.Error("a 120-rune text must be kept whole")
	}
	if transport.Snippet(" \n\t ") != "" {
		t.Error("blank text must give an empty snippet")
	}
}

// --- Do: headers, bodies, query --------------------------------------------

func TestDoSendsHeadersBodiesAndQuery(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(200)
		io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	})
	var auths atomic.Int64
	c := newClient(rec.URL+"/v1/", func(cfg *transport.Config) {
		cfg.Auth = func(r *http.Request) {
			auths.Add(1)
			r.Header.Set("Authorization", "Bearer tok")
		}
	})
	ctx := context.Background()
	query := url.Values{"country": {"united states"}, "q": {"a&b=c/d"}, "multi": {"1", "2"}}
	resp, err := c.Do(ctx, transport.Request{Op: "check", Path: "/user/check/123", Query: query, Read: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != `{"path":"/v1/user/check/123"}` || resp.Header.Get("X-Answer") != "yes" {
		t.Errorf("response = %d %q %v", resp.Status, resp.Body, resp.Header)
	}
	jsonBody := map[string]any{"product": "telegram", "count": 2.0, "note": "ü & <x>"}
	if _, err := c.Do(ctx, transport.Request{Op: "buy", Method: http.MethodPost, Path: "/buy", JSON: jsonBody}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"email": {"a@b.c"}, "service": {"tg bot"}}
	if _, err := c.Do(ctx, transport.Request{Op: "order", Method: http.MethodPost, Path: "/order", Form: form}); err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != rec.URL+"/v1" {
		t.Errorf("BaseURL = %q", c.BaseURL())
	}

	hits := rec.seen()
	if len(hits) != 3 || auths.Load() != 3 {
		t.Fatalf("%d requests, %d auth calls, want 3 and 3", len(hits), auths.Load())
	}
	for _, h := range hits {
		ua := h.Header.Get("User-Agent")
		if !strings.HasPrefix(ua, "Switchboard/"+backend.Version) || ua != transport.UserAgent() {
			t.Errorf("%s: User-Agent %q", h.Path, ua)
		}
		if h.Header.Get("Accept") != "application/json" {
			t.Errorf("%s: Accept %q", h.Path, h.Header.Get("Accept"))
		}
		if h.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("%s: Authorization %q", h.Path, h.Header.Get("Authorization"))
		}
	}
	get, post, postForm := hits[0], hits[1], hits[2]
	if get.Method != "GET" || get.Path != "/v1/user/check/123" || get.RawQuery != query.Encode() {
		t.Errorf("GET = %s %s?%s", get.Method, get.Path, get.RawQuery)
	}
	if parsed, _ := url.ParseQuery(get.RawQuery); parsed.Get("q") != "a&b=c/d" || len(parsed["multi"]) != 2 {
		t.Errorf("query decoded as %v", parsed)
	}
	if get.Header.Get("Content-Type") != "" || len(get.Body) != 0 {
		t.Errorf("GET without body sent Content-Type %q body %q", get.Header.Get("Content-Type"), get.Body)
	}
	var gotJSON map[string]any
	if post.Method != "POST" || post.Header.Get("Content-Type") != "application/json" || json.Unmarshal(post.Body, &gotJSON) != nil {
		t.Errorf("JSON POST = %s %q %q", post.Method, post.Header.Get("Content-Type"), post.Body)
	}
	if fmt.Sprint(gotJSON) != fmt.Sprint(jsonBody) {
		t.Errorf("JSON body = %v, want %v", gotJSON, jsonBody)
	}
	gotForm, _ := url.ParseQuery(string(postForm.Body))
	if postForm.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || gotForm.Encode() != form.Encode() {
		t.Errorf("form POST = %q %q", postForm.Header.Get("Content-Type"), postForm.Body)
	}
}

func TestDoRejectsUnencodableBodyWithoutSending(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) {})
	c := newClient(rec.URL, nil)
	_, err := c.Do(context.Background(), transport.Request{Op: "buy", Method: "POST", JSON: map[string]any{"c": make(chan int)}})
	wantKind(t, err, backend.ErrInvalid)
	if rec.count() != 0 {
		t.Errorf("%d requests sent", rec.count())
	}
}

// --- reads: retries -------------------------------------------------------

func TestReadRetriesServerErrorsWithBackoff(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n < 3 {
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	})
	var counted atomic.Int64
	c := newClient(rec.URL, func(cfg *transport.Config) {
		cfg.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok") }
	})
	resp, err := c.Do(backend.WithCounter(context.Background(), &counted), transport.Request{Op: "list", Path: "/orders", Read: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 {
		t.Errorf("status %d", resp.Status)
	}
	hits := rec.seen()
	if len(hits) != 3 {
		t.Fatalf("%d requests, want 3", len(hits))
	}
	// backoff(1) is at least 125ms, backoff(2) at least 250ms.
	if gap := hits[1].At.Sub(hits[0].At); gap < 125*time.Millisecond {
		t.Errorf("first retry after %v, want backoff ≥ 125ms", gap)
	}
	if gap := hits[2].At.Sub(hits[1].At); gap < 250*time.Millisecond {
		t.Errorf("second retry after %v, want backoff ≥ 250ms", gap)
	}
	for i, h := range hits {
		if h.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("attempt %d lost its credentials", i+1)
		}
	}
	if counted.Load() != 3 || c.Budget().Used() != 3 {
		t.Errorf("counter %d, budget used %d, want every attempt (3) counted", counted.Load(), c.Budget().Used())
	}
}

func TestReadGivesUpAfterAttempts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		h       rawHandler
		kind    backend.ErrKind
		status  int
		message string
	}{
		{"server error", answer502, backend.ErrUnavailable, 502, "server error 502: bad gateway"},
		{"timeout", hang, backend.ErrTimeout, 0, "timed out"},
		{"reset", reset, backend.ErrUnavailable, 0, ""},
		{"closed before answer", closeSilently, backend.ErrUnavailable, 0, ""},
		{"closed mid-answer", closeMidAnswer, backend.ErrUnavailable, 0, "connection closed mid-answer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRawServer(t, tc.h)
			c := newClient(srv.URL, func(cfg *transport.Config) {
				cfg.Attempts = 2
				cfg.Timeout = 150 * time.Millisecond
			})
			start := time.Now()
			resp, err := c.Do(context.Background(), transport.Request{Op: "check order 9", Path: "/check", Read: true})
			if resp != nil {
				t.Errorf("response %+v with error", resp)
			}
			e := wantKind(t, err, tc.kind)
			if e.Status != tc.status {
				t.Errorf("status %d, want %d", e.Status, tc.status)
			}
			if !strings.HasPrefix(err.Error(), backend.PivDay.Label()+": check order 9: ") || !strings.Contains(e.Message, tc.message) {
				t.Errorf("message %q, want it to name the call and say %q", err, tc.message)
			}
			if n := srv.settledCount("/check"); n != 2 {
				t.Errorf("server saw %d requests, want Attempts = 2", n)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("took %v", el)
			}
		})
	}
}

func TestReadRetriesWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	var dials atomic.Int64
	c := newClient(refusedURL(t), func(cfg *transport.Config) {
		cfg.HTTP = countingDialer(&dials)
		cfg.Attempts = 2
	})
	_, err := c.Do(context.Background(), transport.Request{Op: "balance", Path: "/balance", Read: true})
	e := wantKind(t, err, backend.ErrUnavailable)
	if e.Message != "cannot connect" || dials.Load() != 2 {
		t.Errorf("message %q after %d dials, want \"cannot connect\" after 2", e.Message, dials.Load())
	}
}

func TestClientErrorStatusIsAResponseNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 422} {
		for _, read := range []bool{true, false} {
			rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.WriteHeader(status)
				io.WriteString(w, `{"error":"nope"}`)
			})
			c := newClient(rec.URL, nil)
			resp, err := c.Do(context.Background(), transport.Request{Op: "x", Method: "POST", Path: "/x", Read: read})
			if err != nil {
				t.Fatalf("%d read=%v: %v", status, read, err)
			}
			if resp.Status != status || string(resp.Body) != `{"error":"nope"}` || rec.count() != 1 {
				t.Errorf("%d read=%v: got %d %q after %d requests", status, read, resp.Status, resp.Body, rec.count())
			}
		}
	}
}

// --- writes: at most once ------------------------------------------------

func TestWriteWithoutClearAnswerIsOutcomeUnknownAfterOneRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		h       rawHandler
		status  int
		message string
	}{
		{"server error", answer502, 502, "server error 502: bad gateway"},
		{"timeout", hang, 0, "timed out"},
		{"reset", reset, 0, ""},
		{"closed before answer", closeSilently, 0, ""},
		{"closed mid-answer", closeMidAnswer, 0, "connection closed mid-answer"},
	}
	for _, tc := range cases {
		for _, method := range []string{"GET", "POST"} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				t.Parallel()
				srv := newRawServer(t, tc.h)
				c := newClient(srv.URL, func(cfg *transport.Config) { cfg.Timeout = 150 * time.Millisecond })
				req := transport.Request{Op: "buy telegram", Method: method, Path: "/buy"}
				if method == "POST" {
					req.Form = url.Values{"service": {"telegram"}}
				}
				start := time.Now()
				_, err := c.Do(context.Background(), req)
				e := wantKind(t, err, backend.ErrOutcomeUnknown)
				if e.Status != tc.status || !strings.Contains(e.Message, tc.message) || !strings.Contains(e.Message, "outcome unknown") {
					t.Errorf("status %d message %q, want %d and %q", e.Status, e.Message, tc.status, tc.message)
				}
				if n := srv.settledCount("/buy"); n != 1 {
					t.Errorf("server saw %d requests, want exactly 1", n)
				}
				if el := time.Since(start); el > time.Second {
					t.Errorf("took %v: a write must not back off and retry", el)
				}
			})
		}
	}
}

func TestWriteRefusedConnectionIsRetriedOnce(t *testing.T) {
	t.Parallel()
	var dials atomic.Int64
	c := newClient(refusedURL(t), func(cfg *transport.Config) {
		cfg.HTTP = countingDialer(&dials)
		cfg.Attempts = 5 // reads only: a write gets one more try at most
	})
	_, err := c.Do(context.Background(), transport.Request{Op: "buy", Method: "POST", Path: "/buy"})
	e := wantKind(t, err, backend.ErrUnavailable)
	if e.Message != "cannot connect" || dials.Load() != 2 {
		t.Errorf("message %q after %d dials, want \"cannot connect\" after 2", e.Message, dials.Load())
	}
}

// net/http re-sends an idempotent-looking request (a GET) on a new
// connection when a kept-alive one closes before the answer. The control
// proves that hazard is real on this server; the client must not have it.
func TestGetWriteIsNotResentWhenKeptAliveConnectionCloses(t *testing.T) {
	t.Parallel()
	buyDropsConnection := func(_ *rawServer, c net.Conn, r *http.Request, _ int) bool {
		if r.URL.Path == "/buy" {
			return false // the provider read the request, acted, and hung up
		}
		answer(c, 200, `{}`)
		return true
	}

	t.Run("control: plain net/http re-sends", func(t *testing.T) {
		t.Parallel()
		srv := newRawServer(t, buyDropsConnection)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		for _, path := range []string{"/warm", "/buy"} {
			resp, err := hc.Get(srv.URL + path)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		if n := srv.settledCount("/buy"); n != 2 {
			t.Fatalf("control: server saw %d purchases, want net/http's silent re-send (2)", n)
		}
	})

	t.Run("client", func(t *testing.T) {
		t.Parallel()
		srv := newRawServer(t, buyDropsConnection)
		c := newClient(srv.URL, func(cfg *transport.Config) { cfg.HTTP = nil })
		ctx := context.Background()
		if _, err := c.Do(ctx, transport.Request{Op: "warm", Path: "/warm", Read: true}); err != nil {
			t.Fatal(err)
		}
		_, err := c.Do(ctx, transport.Request{Op: "buy", Path: "/buy"})
		wantKind(t, err, backend.ErrOutcomeUnknown)
		if n := srv.settledCount("/buy"); n != 1 {
			t.Errorf("server saw %d purchases, want exactly 1", n)
		}
		if n := srv.conns.Load(); n != 2 {
			t.Errorf("%d connections, want 2 (the write on a fresh one)", n)
		}
	})
}

func TestWritesUseFreshConnectionsReadsReuse(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) { io.WriteString(w, `{}`) })
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := newClient(rec.URL, func(cfg *transport.Config) { cfg.HTTP = &http.Client{Transport: tr} })
	ctx := context.Background()
	for range 3 {
		if _, err := c.Do(ctx, transport.Request{Op: "poll", Path: "/poll", Read: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n := rec.conns.Load(); n != 1 {
		t.Errorf("3 reads used %d connections, want 1 kept alive", n)
	}
	for _, m := range []string{"GET", "POST", "GET"} {
		if _, err := c.Do(ctx, transport.Request{Op: "buy", Method: m, Path: "/buy"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := rec.conns.Load(); n != 4 {
		t.Errorf("3 writes after 3 reads: %d connections in all, want 4 (one fresh per write)", n)
	}
	if _, err := c.Do(ctx, transport.Request{Op: "poll", Path: "/poll", Read: true}); err != nil {
		t.Fatal(err)
	}
	if n := rec.conns.Load(); n != 4 {
		t.Errorf("a read after the writes opened a connection (%d): the read pool was disturbed", n)
	}
}

// --- 429 ------------------------------------------------------------------

// rateLimitedOnce answers the first request with a 429 shaped by first and
// every later one with 200.
func rateLimitedOnce(t *testing.T, first func(w http.ResponseWriter)) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			first(w)
			return
		}
		io.WriteString(w, `{}`)
	})
}

// assertPausedThenResumes checks that nothing reaches the server during the
// budget's pause and that the next call goes out only after it.
func assertPausedThenResumes(t *testing.T, c *transport.Client, rec *recorder) {
	t.Helper()
	until := c.Budget().PausedUntil()
	if until.IsZero() {
		t.Fatal("the budget is not paused after a 429")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	_, err := c.Do(ctx, transport.Request{Op: "poll", Path: "/poll", Read: true})
	cancel()
	wantKind(t, err, backend.ErrTimeout)
	if n := rec.count(); n != 1 {
		t.Fatalf("%d requests reached the server during the pause", n)
	}
	if _, err := c.Do(context.Background(), transport.Request{Op: "poll", Path: "/poll", Read: true}); err != nil {
		t.Fatal(err)
	}
	hits := rec.seen()
	if len(hits) != 2 || hits[1].At.Before(until) {
		t.Errorf("request after the pause arrived at %v, pause ended at %v", hits[len(hits)-1].At, until)
	}
}

func TestRateLimitHonoursHints(t *testing.T) {
	t.Parallel()
	retryAfterField := func(body []byte) time.Duration {
		var v struct{ RetryAfter float64 }
		if json.Unmarshal(body, &v) != nil {
			return 0
		}
		return time.Duration(v.RetryAfter * float64(time.Second))
	}
	cases := []struct {
		name     string
		first    func(w http.ResponseWriter)
		hook     func([]byte) time.Duration
		min, max time.Duration
	}{
		{"Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0.3")
			w.WriteHeader(429)
		}, nil, 300 * time.Millisecond, 300 * time.Millisecond},
		{"X-RateLimit-Reset", func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Reset", time.Now().Add(400*time.Millisecond).UTC().Format(time.RFC3339Nano))
			w.WriteHeader(429)
		}, nil, 200 * time.Millisecond, 400 * time.Millisecond},
		{"body hook", func(w http.ResponseWriter) {
			w.WriteHeader(429)
			io.WriteString(w, `{"status":"error","retryAfter":0.35}`)
		}, retryAfterField, 350 * time.Millisecond, 350 * time.Millisecond},
		{"header wins over body", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0.2")
			w.WriteHeader(429)
			io.WriteString(w, `{"retryAfter":10}`)
		}, retryAfterField, 200 * time.Millisecond, 200 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := rateLimitedOnce(t, tc.first)
			c := newClient(rec.URL, func(cfg *transport.Config) { cfg.RetryAfterBody = tc.hook })
			start := time.Now()
			_, err := c.Do(context.Background(), transport.Request{Op: "poll", Path: "/poll", Read: true})
			e := wantKind(t, err, backend.ErrRateLimited)
			if e.Status != 429 || e.RetryAfter < tc.min || e.RetryAfter > tc.max {
				t.Errorf("status %d RetryAfter %v, want 429 and %v..%v", e.Status, e.RetryAfter, tc.min, tc.max)
			}
			if until := c.Budget().PausedUntil(); until.Before(start.Add(tc.min-50*time.Millisecond)) || until.After(time.Now().Add(tc.max)) {
				t.Errorf("paused until %v, want about %v from now", until.Sub(start), e.RetryAfter)
			}
			assertPausedThenResumes(t, c, rec)
		})
	}
}

func TestRateLimitWithoutHintBacksOffExponentially(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(429) })
	c := newClient(rec.URL, nil)
	ctx := context.Background()
	_, err := c.Do(ctx, transport.Request{Op: "poll", Path: "/poll", Read: true})
	first := wantKind(t, err, backend.ErrRateLimited).RetryAfter
	if first < time.Second || first > 1250*time.Millisecond {
		t.Fatalf("first pause %v, want 1s..1.25s", first)
	}
	until := c.Budget().PausedUntil()
	_, err = c.Do(ctx, transport.Request{Op: "poll", Path: "/poll", Read: true})
	second := wantKind(t, err, backend.ErrRateLimited).RetryAfter
	if second < 2*time.Second || second > 2500*time.Millisecond {
		t.Errorf("second pause %v, want 2s..2.5s", second)
	}
	hits := rec.seen()
	if len(hits) != 2 || hits[1].At.Before(until) {
		t.Errorf("second request went out before the first pause ended")
	}
}

// --- X-RateLimit-* on ordinary answers -----------------------------------

func TestRateLimitHeadersFeedTheBudget(t *testing.T) {
	t.Parallel()
	var reset atomic.Value // the X-RateLimit-Reset to send
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Path {
		case "/limit":
			w.Header().Set("X-RateLimit-Limit", "3000")
			w.Header().Set("X-RateLimit-Remaining", "50")
		case "/higher":
			w.Header().Set("X-RateLimit-Limit", "100000")
		case "/exhausted":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset.Load().(string))
		case "/exhausted-no-reset":
			w.Header().Set("X-RateLimit-Remaining", "0")
		}
		io.WriteString(w, `{}`)
	})
	c := newClient(rec.URL, func(cfg *transport.Config) { cfg.Budget = backend.NewBudget(6000) })
	do := func(path string) {
		t.Helper()
		if _, err := c.Do(context.Background(), transport.Request{Op: "poll", Path: path, Read: true}); err != nil {
			t.Fatal(err)
		}
	}
	do("/limit")
	if pm := c.Budget().PerMinute(); pm != 3000 {
		t.Errorf("PerMinute %v after X-RateLimit-Limit 3000, want 3000", pm)
	}
	do("/higher")
	if pm := c.Budget().PerMinute(); pm != 3000 {
		t.Errorf("PerMinute %v: a higher announced limit must not raise the budget", pm)
	}
	do("/exhausted-no-reset")
	reset.Store("soon")
	do("/exhausted")
	if !c.Budget().PausedUntil().IsZero() {
		t.Fatal("paused without a usable reset")
	}
	resetAt := time.Now().Add(300 * time.Millisecond)
	reset.Store(resetAt.UTC().Format(time.RFC3339Nano))
	do("/exhausted")
	if until := c.Budget().PausedUntil(); !until.Equal(resetAt) {
		t.Fatalf("paused until %v, want the reset %v", until, resetAt)
	}
	do("/poll")
	hits := rec.seen()
	if last := hits[len(hits)-1]; last.Path != "/poll" || last.At.Before(resetAt.Add(-time.Millisecond)) {
		t.Errorf("request went out %v before the window reset", resetAt.Sub(last.At))
	}
}

// --- redirects, size, timeout --------------------------------------------

func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 307, 308} {
		for _, read := range []bool{true, false} {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if r.URL.Path == "/moved-here" {
					io.WriteString(w, `{}`)
					return
				}
				w.Header().Set("Location", "/moved-here?from=x")
				w.WriteHeader(status)
			})
			c := newClient(rec.URL, nil)
			_, err := c.Do(context.Background(), transport.Request{Op: "buy", Method: "POST", Path: "/old", Read: read})
			e := wantKind(t, err, backend.ErrNotFound)
			if e.Status != status || e.Code != "redirect" || !strings.Contains(e.Message, "/moved-here?from=x") {
				t.Errorf("%d: status %d code %q message %q", status, e.Status, e.Code, e.Message)
			}
			if hits := rec.seen(); len(hits) != 1 || hits[0].Path != "/old" {
				t.Errorf("%d read=%v: requests %v, want only /old", status, read, hits)
			}
		}
	}
}

func TestBodyOverMaxBody(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		n := 1024
		if r.URL.Path == "/big" {
			n++
		}
		io.WriteString(w, strings.Repeat("a", n))
	})
	c := newClient(rec.URL, func(cfg *transport.Config) {
		cfg.MaxBody = 1024
		cfg.Attempts = 1
	})
	ctx := context.Background()
	resp, err := c.Do(ctx, transport.Request{Op: "list", Path: "/fits", Read: true})
	if err != nil || len(resp.Body) != 1024 {
		t.Fatalf("a body of exactly MaxBody: %v", err)
	}
	_, err = c.Do(ctx, transport.Request{Op: "list", Path: "/big", Read: true})
	if e := wantKind(t, err, backend.ErrMalformed); e.Status != 200 {
		t.Errorf("status %d", e.Status)
	}
	// A write whose answer cannot be read may still have spent money.
	before := rec.count()
	_, err = c.Do(ctx, transport.Request{Op: "buy", Method: "POST", Path: "/big"})
	wantKind(t, err, backend.ErrOutcomeUnknown)
	if rec.count() != before+1 {
		t.Errorf("the write was sent %d times", rec.count()-before)
	}
}

func TestTimeoutBoundsAHungServer(t *testing.T) {
	t.Parallel()
	srv := newRawServer(t, hang)
	c := newClient(srv.URL, func(cfg *transport.Config) {
		cfg.Timeout = 100 * time.Millisecond
		cfg.Attempts = 1
	})
	start := time.Now()
	_, err := c.Do(context.Background(), transport.Request{Op: "balance", Path: "/balance", Read: true})
	wantKind(t, err, backend.ErrTimeout)
	if el := time.Since(start); el < 100*time.Millisecond || el > time.Second {
		t.Errorf("gave up after %v, want about the 100ms timeout", el)
	}
}

func TestCanceledContextStopsRetries(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(503) })
	c := newClient(rec.URL, func(cfg *transport.Config) { cfg.Attempts = 10 })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, transport.Request{Op: "poll", Path: "/poll", Read: true})
	if err == nil || time.Since(start) > time.Second || rec.count() != 1 {
		t.Errorf("err %v after %v and %d requests, want a prompt stop after 1", err, time.Since(start), rec.count())
	}
}

// --- Budget ---------------------------------------------------------------

// A bucket admits at most burst + rate·W requests in any window W, so a
// minute stays within the limit when burst + 60·rate ≤ perMinute. The test
// measures the burst (what passes at once from a full bucket) and the
// refill rate, and projects a full minute from them.
func TestBudgetKeepsAMinuteWithinTheLimit(t *testing.T) {
	t.Parallel()
	const perMinute = 1200
	b := backend.NewBudget(perMinute)
	time.Sleep(350 * time.Millisecond) // let the bucket fill
	start := time.Now()
	burst := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := b.Wait(ctx) // fails at once when a token is more than 20ms away
		cancel()
		if err != nil {
			break
		}
		burst++
	}
	if burst < 1 || burst > perMinute/20 {
		t.Fatalf("burst %d, want 1..%d", burst, perMinute/20)
	}
	const more = 10
	for range more {
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	rate := float64(more) / elapsed.Seconds()
	minute := float64(burst) + 60*rate
	if minute > perMinute {
		t.Errorf("burst %d + refill %.2f/s = %.0f requests a minute, over the %d limit", burst, rate, minute, perMinute)
	}
	if minute < 0.8*perMinute {
		t.Errorf("only %.0f requests a minute of %d: the budget wastes the limit", minute, perMinute)
	}
	if b.Used() != int64(burst+more) {
		t.Errorf("Used %d, want %d", b.Used(), burst+more)
	}
}

func TestBudgetPerMinute(t *testing.T) {
	b := backend.NewBudget(0)
	if b.PerMinute() != 60 {
		t.Errorf("default PerMinute %v", b.PerMinute())
	}
	b.SetPerMinute(100)
	if b.PerMinute() != 100 {
		t.Errorf("PerMinute %v", b.PerMinute())
	}
	b.Observe(30, -1, time.Time{})
	if b.PerMinute() != 30 || !b.PausedUntil().IsZero() {
		t.Errorf("after Observe(30): PerMinute %v paused %v", b.PerMinute(), b.PausedUntil())
	}
}

func TestBudgetPauseExtendsNeverShortens(t *testing.T) {
	t.Parallel()
	b := backend.NewBudget(60000)
	now := time.Now()
	b.PauseUntil(now.Add(-time.Second))
	if !b.PausedUntil().IsZero() {
		t.Error("a pause in the past must read as none")
	}
	b.PauseUntil(now.Add(200 * time.Millisecond))
	b.PauseUntil(now.Add(50 * time.Millisecond))
	if got := b.PausedUntil(); !got.Equal(now.Add(200 * time.Millisecond)) {
		t.Errorf("a shorter pause shortened it: %v", got.Sub(now))
	}
	if d := b.RateLimited(10 * time.Millisecond); d != 10*time.Millisecond {
		t.Errorf("RateLimited with a hint chose %v", d)
	}
	if got := b.PausedUntil(); !got.Equal(now.Add(200 * time.Millisecond)) {
		t.Errorf("a 429 with a short hint shortened the pause: %v", got.Sub(now))
	}
	b.PauseUntil(now.Add(250 * time.Millisecond))
	if got := b.PausedUntil(); !got.Equal(now.Add(250 * time.Millisecond)) {
		t.Errorf("a longer pause did not extend it: %v", got.Sub(now))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait during the pause = %v, want the context's deadline", err)
	}
	cancel()
	if b.Used() != 0 {
		t.Errorf("a refused Wait was counted")
	}
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if early := time.Until(now.Add(250 * time.Millisecond)); early > 0 {
		t.Errorf("Wait returned %v before the pause ended", early)
	}
}

func TestBudgetBackoffGrowsAndSucceededResets(t *testing.T) {
	b := backend.NewBudget(60)
	within := func(d, lo time.Duration) bool { return d >= lo && d <= lo+lo/4 }
	for i, lo := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if d := b.RateLimited(0); !within(d, lo) {
			t.Errorf("strike %d: %v, want %v..%v", i+1, d, lo, lo+lo/4)
		}
	}
	if d := b.RateLimited(3 * time.Second); d != 3*time.Second {
		t.Errorf("a hint must be taken exactly: %v", d)
	}
	if d := b.RateLimited(0); !within(d, 16*time.Second) {
		t.Errorf("a hinted 429 must not reset the strikes: %v", d)
	}
	b.Succeeded()
	if d := b.RateLimited(0); !within(d, time.Second) {
		t.Errorf("after Succeeded: %v, want 1s..1.25s", d)
	}
	for range 20 {
		if d := b.RateLimited(0); d > 5*time.Minute {
			t.Fatalf("backoff %v beyond the 5 minute cap", d)
		}
	}
	if d := b.RateLimited(0); d != 5*time.Minute {
		t.Errorf("capped backoff %v, want 5m", d)
	}
}

func TestWithCounterCountsRequestsPerContext(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) { io.WriteString(w, `{}`) })
	c := newClient(rec.URL, nil)
	var polls, actions atomic.Int64
	pollCtx := backend.WithCounter(context.Background(), &polls)
	actionCtx := backend.WithCounter(context.Background(), &actions)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, req := pollCtx, transport.Request{Op: "poll", Path: "/poll", Read: true}
			if i%3 == 0 {
				ctx, req = actionCtx, transport.Request{Op: "buy", Method: "POST", Path: "/buy"}
			}
			if _, err := c.Do(ctx, req); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if polls.Load() != 4 || actions.Load() != 2 || c.Budget().Used() != 6 || rec.count() != 6 {
		t.Errorf("polls %d actions %d used %d sent %d, want 4 2 6 6", polls.Load(), actions.Load(), c.Budget().Used(), rec.count())
	}
	if _, err := c.Do(context.Background(), transport.Request{Op: "poll", Path: "/poll", Read: true}); err != nil {
		t.Fatal(err)
	}
	if polls.Load() != 4 || c.Budget().Used() != 7 {
		t.Errorf("an uncounted context touched a counter: polls %d used %d", polls.Load(), c.Budget().Used())
	}
}
