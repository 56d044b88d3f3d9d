package fivesim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

const testKey = "test-key-Zq8xW2pL9sV4"

// seen is one request as the fake server received it.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
}

// fake5sim is an httptest server with per-path handlers (paths after /v1)
// that records every request.
type fake5sim struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []seen
	routes map[string]http.HandlerFunc
	// fallback answers paths without a route.
	fallback http.HandlerFunc
}

func newFake(t *testing.T) *fake5sim {
	f := &fake5sim{routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone()})
		h := f.routes[strings.TrimPrefix(r.URL.Path, "/v1")]
		fb := f.fallback
		f.mu.Unlock()
		switch {
		case h != nil:
			h(w, r)
		case fb != nil:
			fb(w, r)
		default:
			http.Error(w, "no route "+r.URL.Path, http.StatusTeapot)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake5sim) on(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = h
}

// json answers a fixed body with a status.
func (f *fake5sim) json(path string, status int, body string) {
	f.on(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

func (f *fake5sim) text(path string, status int, body string) {
	f.on(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

func (f *fake5sim) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake5sim) count(path string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Path == "/v1"+path {
			n++
		}
	}
	return n
}

func (f *fake5sim) last(t *testing.T) seen {
	t.Helper()
	rs := f.requests()
	if len(rs) == 0 {
		t.Fatal("no request reached the server")
	}
	return rs[len(rs)-1]
}

func newTestProvider(t *testing.T, f *fake5sim) *Provider {
	t.Helper()
	p, err := New(Config{Account: "main", BaseURL: f.srv.URL + "/v1", APIKey: testKey,
		Budget: backend.NewBudget(60000), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantKind(t *testing.T, err error, kind backend.ErrKind) *backend.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", kind)
	}
	e, ok := backend.AsError(err)
	if !ok {
		t.Fatalf("error %T %v is not *backend.Error", err, err)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %v (%v), want %v", e.Kind, err, kind)
	}
	if e.Provider != backend.FiveSim {
		t.Errorf("provider = %q", e.Provider)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error leaks the key: %v", err)
	}
	return e
}
