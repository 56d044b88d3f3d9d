package webhook

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/config"
)

// recorder is a Receiver that keeps what it was handed.
type recorder struct {
	mu     sync.Mutex
	bodies map[string][]string
	err    error
}

func (r *recorder) Hint(account string, body []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bodies == nil {
		r.bodies = map[string][]string{}
	}
	r.bodies[account] = append(r.bodies[account], string(body))
	return r.err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.bodies {
		n += len(b)
	}
	return n
}

const (
	tokA = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"
	tokB = "YmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXg"
)

func newTestHandler(t *testing.T, public string) (http.Handler, *recorder) {
	t.Helper()
	rec := &recorder{}
	h, err := Handler(Options{PublicURL: public, Receiver: rec, Tokens: map[string]string{"piv-main": tokA, "nonvoip": tokB}})
	if err != nil {
		t.Fatal(err)
	}
	return h, rec
}

func do(h http.Handler, method, target, ctype, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestStrictRequests: only a POST of JSON, within the size limit, to an
// account's path with its token reaches the engine; every other request
// gets its own status and reaches nothing.
func TestStrictRequests(t *testing.T) {
	h, rec := newTestHandler(t, "")
	ok := "/hooks/piv-main/" + tokA
	big := `{"x":"` + strings.Repeat("a", DefaultMaxBody) + `"}`
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
	}{
		{"good", "POST", ok, "application/json", `{"event_type":"sms.received"}`, 204},
		{"charset is fine", "POST", ok, "application/json; charset=utf-8", `{}`, 204},
		{"wrong token", "POST", "/hooks/piv-main/" + tokB, "application/json", `{}`, 404},
		{"token of another account", "POST", "/hooks/nonvoip/" + tokA, "application/json", `{}`, 404},
		{"no token", "POST", "/hooks/piv-main", "application/json", `{}`, 404},
		{"empty token", "POST", "/hooks/piv-main/", "application/json", `{}`, 404},
		{"unknown account", "POST", "/hooks/5sim/" + tokA, "application/json", `{}`, 404},
		{"token with a tail", "POST", ok + "/x", "application/json", `{}`, 404},
		{"old path", "POST", "/hooks/piv-main", "application/json", `{}`, 404},
		{"GET", "GET", ok, "", "", 405},
		{"PUT", "PUT", ok, "application/json", `{}`, 405},
		{"text", "POST", ok, "text/plain", `{}`, 415},
		{"form", "POST", ok, "application/x-www-form-urlencoded", `a=1`, 415},
		{"no type", "POST", ok, "", `{}`, 415},
		{"big body", "POST", ok, "application/json", big, 413},
	}
	for _, c := range cases {
		w := do(h, c.method, c.path, c.ctype, c.body)
		if w.Code != c.status {
			t.Errorf("%s: status %d, want %d", c.name, w.Code, c.status)
		}
		if c.status == 405 && w.Header().Get("Allow") != "POST" {
			t.Errorf("%s: Allow %q", c.name, w.Header().Get("Allow"))
		}
	}
	if n := rec.count(); n != 2 {
		t.Fatalf("%d bodies reached the engine, want the 2 good ones", n)
	}
	// A wrong token and an unknown account look the same.
	a := do(h, "POST", "/hooks/piv-main/"+tokB, "application/json", `{}`)
	b := do(h, "POST", "/hooks/nobody/"+tokB, "application/json", `{}`)
	if a.Body.String() != b.Body.String() {
		t.Fatalf("404 bodies differ: %q / %q", a.Body, b.Body)
	}
}

// TestBodyLimitWithoutLength: a chunked body (no Content-Length) is read
// only to one byte past the limit and refused.
func TestBodyLimitWithoutLength(t *testing.T) {
	h, rec := newTestHandler(t, "")
	r := httptest.NewRequest("POST", "/hooks/piv-main/"+tokA, io.MultiReader(strings.NewReader(`{"x":"`), strings.NewReader(strings.Repeat("a", 2*DefaultMaxBody))))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 413 || rec.count() != 0 {
		t.Fatalf("status %d, %d bodies taken", w.Code, rec.count())
	}
}

// TestBadBodyIs400: a body the adapter cannot read is refused.
func TestBadBodyIs400(t *testing.T) {
	h, rec := newTestHandler(t, "")
	rec.err = errors.New("not a JSON event")
	if w := do(h, "POST", "/hooks/piv-main/"+tokA, "application/json", `nope`); w.Code != 400 {
		t.Fatalf("status %d", w.Code)
	}
}

// TestPublicURLHostAndPath: with a public URL, only its host is served,
// under its path or with the path stripped by the proxy.
func TestPublicURLHostAndPath(t *testing.T) {
	h, rec := newTestHandler(t, "https://hooks.example.com/sb")
	cases := []struct {
		host, path string
		status     int
	}{
		{"hooks.example.com", "/sb/hooks/piv-main/" + tokA, 204},
		{"HOOKS.example.com", "/hooks/piv-main/" + tokA, 204},
		{"evil.example.net", "/sb/hooks/piv-main/" + tokA, http.StatusMisdirectedRequest},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", c.path, strings.NewReader(`{}`))
		r.Host = c.host
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("%s%s: %d, want %d", c.host, c.path, w.Code, c.status)
		}
	}
	if rec.count() != 2 {
		t.Fatalf("%d bodies taken, want 2", rec.count())
	}
}

// freePort finds a port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// TestPortWithoutHostBindsLoopback: webhook_listen ":<port>" serves on
// loopback and on no other interface.
func TestPortWithoutHostBindsLoopback(t *testing.T) {
	port := freePort(t)
	addr, exposed, err := config.ListenAddress(":" + port)
	if err != nil || exposed {
		t.Fatalf("%q exposed=%v err=%v", addr, exposed, err)
	}
	s, err := Listen(Options{Addr: addr, Receiver: &recorder{}, Tokens: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host, _, _ := net.SplitHostPort(s.Addr())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Fatalf("bound %s, not loopback", s.Addr())
	}
	// Reachable on loopback, refused on the machine's other addresses.
	if c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second); err != nil {
		t.Fatalf("not reachable on loopback: %v", err)
	} else {
		c.Close()
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
			continue
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), port), 5*time.Second); err == nil {
			c.Close()
			t.Fatalf("reachable from the network on %s", ipn.IP)
		}
	}
}

// TestConnectionCap: connections past the cap wait until one closes.
func TestConnectionCap(t *testing.T) {
	rec := &recorder{}
	s, err := Listen(Options{Addr: "127.0.0.1:0", Receiver: rec, Tokens: map[string]string{"a": tokA}, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Two connections that never finish their request hold both slots.
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /hooks/a/%s HTTP/1.1\r\nHost: x\r\n", tokA)
		held = append(held, c)
	}
	third, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	fmt.Fprintf(third, "POST /hooks/a/%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", tokA)
	answered := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(third).ReadString('\n')
		answered <- line
	}()
	select {
	case line := <-answered:
		t.Fatalf("a third connection was served past the cap of 2: %q", line)
	case <-time.After(200 * time.Millisecond):
	}
	held[0].Close()
	select {
	case line := <-answered:
		if !strings.Contains(line, "204") {
			t.Fatalf("answer %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting connection was never served")
	}
	held[1].Close()
}

func TestURLAndRegistration(t *testing.T) {
	if u := URL("https://h.example.com/sb/", "piv-main", tokA); u != "https://h.example.com/sb/hooks/piv-main/"+tokA {
		t.Fatalf("url %q", u)
	}
	if w := ExposedWarning("0.0.0.0:18850"); !strings.Contains(w, "reachable from the network on 0.0.0.0:18850") || !strings.Contains(w, "TLS") {
		t.Fatalf("warning %q", w)
	}
}
