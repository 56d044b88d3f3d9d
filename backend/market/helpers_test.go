package market

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

const testKey = "mk_live_Secret123456789abcdef"

// recorded is one request the fake marketplace received.
type recorded struct {
	Method, Path, Query, Body, Auth, Accept, UA, ContentType string
	Header                                                   http.Header
}

// fakeMarket is an httptest server with per-route handlers that records
// every request.
type fakeMarket struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	routes map[string]http.HandlerFunc
}

func newFake(t *testing.T) *fakeMarket {
	t.Helper()
	f := &fakeMarket{t: t, routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v1"), Query: r.URL.RawQuery,
			Body: string(body), Auth: r.Header.Get("Authorization"), Accept: r.Header.Get("Accept"),
			UA: r.Header.Get("User-Agent"), ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone()}
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		h := f.routes[r.Method+" "+rec.Path]
		f.mu.Unlock()
		if h == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"success":false,"status":404,"message":"Route not found.","code":"NOT_FOUND"}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMarket) on(method, path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+path] = h
}

// answer serves a fixed body.
func (f *fakeMarket) answer(method, path string, status int, body string) {
	f.on(method, path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

func (f *fakeMarket) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeMarket) count(method, path string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func (f *fakeMarket) last() recorded {
	rs := f.requests()
	if len(rs) == 0 {
		f.t.Fatal("no request reached the server")
	}
	return rs[len(rs)-1]
}

func (f *fakeMarket) provider(t *testing.T, mods ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{Account: "shop", BaseURL: f.srv.URL + "/api/v1", APIKey: testKey,
		Budget: backend.NewBudget(60000), Timeout: 2 * time.Second}
	for _, m := range mods {
		m(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.progressWait = 10 * time.Millisecond
	return p
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compact is the document's example without layout whitespace.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func mustParse(t *testing.T, s string) any {
	t.Helper()
	v, err := parseJSON([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func kindOf(t *testing.T, err error) backend.ErrKind {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	e, ok := backend.AsError(err)
	if !ok {
		t.Fatalf("error %T is not *backend.Error: %v", err, err)
	}
	return e.Kind
}
