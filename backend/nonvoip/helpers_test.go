package nonvoip

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
)

// The document's request examples use these credentials, so a request
// body can be compared with the example byte for byte after decoding.
const (
	docEmail    = "user@example.com"
	docPassword = "your_password"
)

type seen struct {
	Method, Path, ContentType, UserAgent string
	Body                                 []byte
}

// fake is a scripted NonVoip server: route answers by path; it records
// every request.
type fake struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []seen
	routes map[string]http.HandlerFunc
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{routes: map[string]http.HandlerFunc{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), body})
		h := f.routes[r.URL.Path]
		f.mu.Unlock()
		if h == nil {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<!DOCTYPE html><html><body>404 Not Found</body></html>")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) on(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = h
}

// answer serves a fixed body with a status.
func (f *fake) answer(path string, status int, body []byte) {
	f.on(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	})
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) count(path string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func (f *fake) last(t *testing.T, path string) seen {
	t.Helper()
	rs := f.requests()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Path == path {
			return rs[i]
		}
	}
	t.Fatalf("no request to %s (got %+v)", path, rs)
	return seen{}
}

func newProvider(t *testing.T, f *fake) *Provider {
	t.Helper()
	p, err := New(Config{Account: "nv-test", BaseURL: f.URL, Email: docEmail, Password: docPassword,
		Budget: backend.NewBudget(6000), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return testNow }
	return p
}

// sameJSON asserts that a request body equals a document example as JSON.
func sameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %q", got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body\n got %s\nwant %s", got, want)
	}
}

func wantKind(t *testing.T, err error, want backend.ErrKind) *backend.Error {
	t.Helper()
	e, ok := backend.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *backend.Error, want kind %v", err, err, want)
	}
	if e.Kind != want {
		t.Fatalf("error kind %v (%v), want %v", e.Kind, e, want)
	}
	if e.Provider != backend.NonVoip {
		t.Errorf("error provider %q", e.Provider)
	}
	return e
}
