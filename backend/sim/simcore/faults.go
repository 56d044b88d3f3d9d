package simcore

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"switchboard/backend"
)

// FaultKind is a failure the simulator can inject.
type FaultKind int

const (
	Fault429       FaultKind = iota // 429 in the provider's own format, with its pause hint
	Fault429NoHint                  // 429 without Retry-After / retryAfter
	Fault500                        // 500 with a short JSON or text body
	FaultTimeout                    // no answer until the client gives up
	FaultMalformed                  // 200 with a truncated JSON body
	FaultHTML                       // 502 with an HTML error page
	FaultDrop                       // the connection closes without an answer
	// FaultLoseResponse runs the request (state changes happen) and then
	// drops the connection: the caller cannot know it succeeded.
	FaultLoseResponse
)

// Fault is an injected failure. It matches requests whose path (after the
// provider prefix) starts with Path and whose method equals Method (both
// optional) and fires Times times (0: until cleared).
type Fault struct {
	Kind   FaultKind
	Path   string
	Method string
	Times  int
	Retry  time.Duration // pause hint for Fault429 (default 2s)
	fired  int
}

// Inject queues a fault for provider k.
func (c *Core) Inject(k backend.ProviderKind, f Fault) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.faults[k] = append(c.faults[k], &f)
}

// ClearFaults removes provider k's faults.
func (c *Core) ClearFaults(k backend.ProviderKind) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	delete(c.faults, k)
}

// SetDown makes every request to provider k fail with a dropped
// connection until SetDown(k, false).
func (c *Core) SetDown(k backend.ProviderKind, down bool) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.down[k] = down
}

func (c *Core) takeFault(p Provider, r *http.Request) *Fault {
	path := strings.TrimPrefix(r.URL.Path, p.Prefix)
	list := c.faults[p.Kind]
	for i, f := range list {
		if f.Path != "" && !strings.HasPrefix(path, f.Path) {
			continue
		}
		if f.Method != "" && f.Method != r.Method {
			continue
		}
		f.fired++
		if f.Times > 0 && f.fired >= f.Times {
			c.faults[p.Kind] = append(list[:i:i], list[i+1:]...)
		}
		return f
	}
	return nil
}

// guard counts hits and applies faults before the provider's handler.
func (c *Core) guard(p Provider, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.Mu.Lock()
		c.hits[p.Kind]++
		down := c.down[p.Kind]
		f := c.takeFault(p, r)
		c.Mu.Unlock()
		if down {
			drop(w)
			return
		}
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch f.Kind {
		case Fault429, Fault429NoHint:
			retry := f.Retry
			if retry <= 0 {
				retry = 2 * time.Second
			}
			c.Mu.Lock()
			c.limited[p.Kind]++
			c.Mu.Unlock()
			p.TooMany(w, retry, f.Kind == Fault429)
		case Fault500:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "internal server error")
		case FaultTimeout:
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Minute):
			case <-c.stop:
			}
		case FaultMalformed:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"success": true, "data": {"balance": 12.`)
		case FaultHTML:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>")
		case FaultDrop:
			drop(w)
		case FaultLoseResponse:
			next.ServeHTTP(&discard{h: http.Header{}}, r)
			drop(w)
		}
	})
}

// drop closes the connection without writing an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// discard is a ResponseWriter that forgets the answer (FaultLoseResponse:
// the handler runs, its answer is lost).
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
