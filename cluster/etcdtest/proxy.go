package etcdtest

import (
	"io"
	"net"
	"sync"
)

// proxy forwards TCP connections from a loopback port to one etcd member.
// Cutting it closes every connection and refuses new ones at once, which
// is how a test cuts a client off from a member: the client keeps its
// endpoints and retries into nothing, exactly as across a partition.
type proxy struct {
	ln     net.Listener
	target func() string // the member's client address, read per dial (it may restart)

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
	done  bool
}

func newProxy(target func() string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	go p.serve()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue
		}
		go p.pipe(c)
	}
}

// track remembers a connection, or closes it when the proxy is cut.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.done {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) forget(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		_ = c.Close()
	}
}

func (p *proxy) pipe(down net.Conn) {
	up, err := net.Dial("tcp", p.target())
	if err != nil {
		p.forget(down)
		return
	}
	if !p.track(up) { // cut while dialing
		p.forget(down)
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, down)
		p.forget(up, down)
		close(done)
	}()
	_, _ = io.Copy(down, up)
	p.forget(up, down)
	<-done
}

// setCut cuts (closing every connection) or heals the proxy.
func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		p.closeConns()
	}
}

func (p *proxy) closeConns() {
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) close() {
	p.mu.Lock()
	p.done = true
	p.closeConns()
	p.mu.Unlock()
	_ = p.ln.Close()
}
