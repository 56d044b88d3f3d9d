package simcore

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/backend"
)

// fake is a provider with one route that counts the calls it answers.
type fake struct {
	kind  backend.ProviderKind
	calls atomic.Int32
}

func (f *fake) provider() Provider {
	return Provider{Kind: f.kind, Prefix: "/api",
		Routes: func(mux *http.ServeMux) {
			mux.HandleFunc("/api/ping", func(w http.ResponseWriter, r *http.Request) {
				f.calls.Add(1)
				WriteText(w, http.StatusOK, "pong")
			})
		},
		Tick: func(time.Time) {},
		TooMany: func(w http.ResponseWriter, _ time.Duration, _ bool) {
			WriteText(w, http.StatusTooManyRequests, "slow down")
		},
		Credentials: func() []Credential { return []Credential{{Account: string(f.kind), Provider: f.kind}} },
	}
}

func start(t *testing.T, opts Options, kinds ...backend.ProviderKind) (*Core, []*fake) {
	t.Helper()
	c, fs := Run(opts, func(c *Core) []*fake {
		var fs []*fake
		for _, k := range kinds {
			f := &fake{kind: k}
			c.Register(f.provider())
			fs = append(fs, f)
		}
		return fs
	})
	t.Cleanup(c.Close)
	return c, fs
}

func get(t *testing.T, url string) (string, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestFixedListenFallsBack: every provider binds Options.Listen; when the
// port is taken (by the first provider) the others get a free port.
func TestFixedListenFallsBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, _ := start(t, Options{Manual: true, Listen: addr}, backend.PivDay, backend.FiveSim)
	if got := c.URL(backend.PivDay); got != "http://"+addr+"/api" {
		t.Fatalf("first provider at %s, want the fixed address %s", got, addr)
	}
	for _, k := range []backend.ProviderKind{backend.PivDay, backend.FiveSim} {
		if body, err := get(t, c.URL(k)+"/ping"); err != nil || body != "pong" {
			t.Fatalf("%s: %q %v", k, body, err)
		}
	}
	if c.URL(backend.PivDay) == c.URL(backend.FiveSim) {
		t.Fatal("two providers on one address")
	}
}

// TestLoseResponseRunsTheRequest: the handler runs, the caller gets no
// answer.
func TestLoseResponseRunsTheRequest(t *testing.T) {
	c, fs := start(t, Options{Manual: true}, backend.PivDay)
	c.Inject(backend.PivDay, Fault{Kind: FaultLoseResponse, Path: "/ping", Times: 1})
	if _, err := get(t, c.URL(backend.PivDay)+"/ping"); err == nil {
		t.Fatal("the answer was not lost")
	}
	if fs[0].calls.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", fs[0].calls.Load())
	}
	if body, err := get(t, c.URL(backend.PivDay)+"/ping"); err != nil || body != "pong" {
		t.Fatalf("after the fault: %q %v", body, err)
	}
	if c.Hits(backend.PivDay) != 2 {
		t.Fatalf("%d hits, want 2", c.Hits(backend.PivDay))
	}
}

// TestCloseEndsHangingRequests: Close does not wait for a FaultTimeout
// request's two minutes.
func TestCloseEndsHangingRequests(t *testing.T) {
	c, _ := start(t, Options{Manual: true}, backend.PivDay)
	c.Inject(backend.PivDay, Fault{Kind: FaultTimeout})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = get(t, c.URL(backend.PivDay)+"/ping") // any outcome; it must end
	}()
	for c.Hits(backend.PivDay) == 0 {
		time.Sleep(time.Millisecond)
	}
	t0 := time.Now()
	c.Close()
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("Close took %s", d)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging request did not end")
	}
}

// TestCloseDoesNotWaitForSilentConnections: a client that opened a
// connection and stopped before sending (an engine cancelled between dial
// and request) does not hold Close for Shutdown's five seconds.
func TestCloseDoesNotWaitForSilentConnections(t *testing.T) {
	c, _ := start(t, Options{Manual: true}, backend.PivDay)
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(c.URL(backend.PivDay), "/api"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server accepts in order: once a later connection is answered,
	// the silent one has been accepted.
	if body, err := get(t, c.URL(backend.PivDay)+"/ping"); err != nil || body != "pong" {
		t.Fatalf("%q %v", body, err)
	}
	t0 := time.Now()
	c.Close()
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("Close took %s waiting for a connection that sent nothing", d)
	}
}
