package simcore

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// server is one provider's plain net/http server (the simulator runs in the
// production binary for the demo, so it stays off net/http/httptest).
type server struct {
	srv  *http.Server
	url  string
	done chan struct{} // closed when Serve has returned

	mu      sync.Mutex
	closing bool
	fresh   map[net.Conn]bool // connections that have sent nothing yet
}

// track notes connections that have sent nothing yet; once the server is
// closing it cuts them off. Shutdown would wait up to 5 s for each, yet
// a client that stopped (an engine cancelled between dial and request)
// never sends on it.
func (s *server) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case st != http.StateNew:
		delete(s.fresh, c)
	case s.closing:
		c.Close()
	default:
		s.fresh[c] = true
	}
}

// serve starts provider p's server on Opts.Listen. Every provider binds
// the same address, so with a fixed port only the first gets it: the
// others (and any provider whose address is taken) fall back to a free
// loopback port, as before.
func (c *Core) serve(p Provider) {
	mux := http.NewServeMux()
	p.Routes(mux)
	l, err := net.Listen("tcp", c.Opts.Listen)
	if err != nil {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		if l, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("simcore: cannot listen for %s: %v", p.Kind, err))
		}
	}
	s := &server{
		srv:   &http.Server{Handler: c.guard(p, mux), ReadHeaderTimeout: 30 * time.Second},
		url:   "http://" + l.Addr().String(),
		done:  make(chan struct{}),
		fresh: map[net.Conn]bool{},
	}
	s.srv.ConnState = s.track
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(l) // http.ErrServerClosed once close has begun
	}()
	c.servers[p.Kind] = s
}

// close shuts the server down gracefully: no new connections, the
// requests being answered finish (a FaultTimeout request ends with the
// core's stop), idle connections and those that have sent nothing close.
// A client that holds a request open past a few seconds is cut off.
func (s *server) close() {
	s.mu.Lock()
	s.closing = true
	for c := range s.fresh {
		c.Close()
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
	}
	<-s.done
}
