// Package etcdtest runs real etcd members inside the test process, on
// loopback, for the cluster packages' tests: start n members, kill or stop
// one, restart it on its own data, and give each simulated node its own
// client link that the test can cut (a partition) and heal.
//
// Clients never talk to a member directly: every member sits behind
// proxies, one per link. That makes a partition a matter of closing
// sockets, and it makes Kill fast: a member whose client connections are
// already gone has no streams to wait for when it closes.
package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startTimeout bounds the wait for members to elect a leader.
const startTimeout = 30 * time.Second

// Member is one etcd server of a Cluster.
type Member struct {
	Name    string
	Dir     string
	peerURL url.URL
	client  url.URL // the member's own client port; only proxies dial it

	mu   sync.Mutex
	etcd *embed.Etcd // nil while stopped
}

// ClientAddr is the member's own client address (host:port).
func (m *Member) ClientAddr() string { return m.client.Host }

// Running reports whether the member is up.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.etcd != nil
}

// Cluster is a set of embedded etcd members.
type Cluster struct {
	Members []*Member

	root    string
	ownRoot bool
	initial string // the initial-cluster string every member starts with

	mu      sync.Mutex
	links   []*Link
	clients []*clientv3.Client
}

// Main runs a test package's tests on one cluster of n members that
// *shared points to, then stops it and exits: call it from TestMain.
func Main(m *testing.M, n int, shared **Cluster) {
	c, err := New(n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcdtest:", err)
		os.Exit(1)
	}
	*shared = c
	code := m.Run()
	c.Close()
	os.Exit(code)
}

// Start runs n members in t's temporary directory and stops them when
// the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := startIn(t.TempDir(), false, n)
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// New runs n members in a new temporary directory, for a cluster shared
// by a whole test package (TestMain); Close removes the directory.
func New(n int) (*Cluster, error) {
	root, err := os.MkdirTemp("", "etcdtest-")
	if err != nil {
		return nil, err
	}
	c, err := startIn(root, true, n)
	if err != nil {
		_ = os.RemoveAll(root)
		return nil, err
	}
	return c, nil
}

func startIn(root string, ownRoot bool, n int) (*Cluster, error) {
	if n < 1 {
		return nil, errors.New("a cluster needs at least one member")
	}
	c := &Cluster{root: root, ownRoot: ownRoot}
	var initial []string
	for i := range n {
		peer, err := freeURL()
		if err != nil {
			return nil, err
		}
		client, err := freeURL()
		if err != nil {
			return nil, err
		}
		m := &Member{Name: fmt.Sprintf("m%d", i), Dir: filepath.Join(root, fmt.Sprintf("m%d", i)), peerURL: peer, client: client}
		c.Members = append(c.Members, m)
		initial = append(initial, m.Name+"="+peer.String())
	}
	c.initial = strings.Join(initial, ",")
	if err := c.startAll(c.Members); err != nil {
		c.Close()
		return nil, err
	}
	c.waitLeader()
	return c, nil
}

// freeURL picks a free loopback port. Another process could take it
// before the member listens; on loopback in a test that is rare enough.
func freeURL() (url.URL, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return url.URL{}, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return url.URL{Scheme: "http", Host: addr}, nil
}

// config tunes a member for tests: fast elections, no fsync, no metrics
// endpoint, no gateway, quiet logs (ETCDTEST_LOG=1 shows them).
func (c *Cluster) config(m *Member) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = m.Name
	cfg.Dir = m.Dir
	cfg.ListenPeerUrls = []url.URL{m.peerURL}
	cfg.AdvertisePeerUrls = []url.URL{m.peerURL}
	cfg.ListenClientUrls = []url.URL{m.client}
	cfg.AdvertiseClientUrls = []url.URL{m.client}
	cfg.InitialCluster = c.initial
	cfg.InitialClusterToken = "etcdtest"
	cfg.ClusterState = embed.ClusterStateFlagNew // ignored once the member has a WAL
	cfg.TickMs = 25
	cfg.ElectionMs = 250
	cfg.UnsafeNoFsync = true
	cfg.EnableGRPCGateway = false
	cfg.StrictReconfigCheck = false
	cfg.LogLevel = "error"
	if os.Getenv("ETCDTEST_LOG") == "" {
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	}
	return cfg
}

// startAll starts members together (a new cluster needs a quorum before
// any of them is ready) and waits until each serves.
func (c *Cluster) startAll(ms []*Member) error {
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() { errs[i] = c.start(m) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Cluster) start(m *Member) error {
	e, err := embed.StartEtcd(c.config(m))
	if err != nil {
		return fmt.Errorf("member %s: %w", m.Name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return fmt.Errorf("member %s: %w", m.Name, err)
	case <-time.After(startTimeout):
		e.Server.HardStop()
		e.Close()
		return fmt.Errorf("member %s: not ready after %v", m.Name, startTimeout)
	}
	m.mu.Lock()
	m.etcd = e
	m.mu.Unlock()
	c.cutMember(m, false)
	return nil
}

// Kill stops member i abruptly: its clients are cut first, and it hands
// over no leadership, like a process killed with -9. It returns once the
// members left agree on a leader (if they are a quorum), so the test's
// next write does not die with the old leader.
func (c *Cluster) Kill(i int) {
	c.kill(i)
	c.waitLeader()
}

func (c *Cluster) kill(i int) {
	if e := c.take(i); e != nil {
		e.Server.HardStop()
		e.Close()
	}
}

// Stop stops member i gracefully (a leader hands over first).
func (c *Cluster) Stop(i int) {
	if e := c.take(i); e != nil {
		e.Close()
	}
	c.waitLeader()
}

// waitLeader waits until every running member follows the same running
// leader, when the running members are a quorum; it gives up after
// startTimeout (the test's own calls then fail and say why).
func (c *Cluster) waitLeader() {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		running := make(map[uint64]bool)
		var leaders []uint64
		for _, m := range c.Members {
			m.mu.Lock()
			if m.etcd != nil {
				running[uint64(m.etcd.Server.MemberID())] = true
				leaders = append(leaders, uint64(m.etcd.Server.Leader()))
			}
			m.mu.Unlock()
		}
		if len(running) <= len(c.Members)/2 {
			return
		}
		agreed := running[leaders[0]]
		for _, l := range leaders[1:] {
			agreed = agreed && l == leaders[0]
		}
		if agreed {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// take cuts member i's clients and returns its server for stopping (nil
// when it is stopped already).
func (c *Cluster) take(i int) *embed.Etcd {
	m := c.Members[i]
	c.cutMember(m, true)
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.etcd
	m.etcd = nil
	return e
}

// Restart starts a stopped member i again on its data and ports.
func (c *Cluster) Restart(i int) error {
	m := c.Members[i]
	if m.Running() {
		return fmt.Errorf("member %s is running", m.Name)
	}
	if err := c.start(m); err != nil {
		return err
	}
	c.waitLeader()
	return nil
}

// RestartAll kills every member and starts them again together on their
// data: a whole-cluster restart.
func (c *Cluster) RestartAll() error {
	for i := range c.Members {
		c.kill(i)
	}
	errs := make([]error, len(c.Members))
	var wg sync.WaitGroup
	for i := range c.Members {
		wg.Go(func() { errs[i] = c.Restart(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close stops every member (in parallel: each close can take a while),
// closes the clients and links it made, and removes a directory New made.
func (c *Cluster) Close() {
	c.mu.Lock()
	clients, links := c.clients, c.links
	c.clients, c.links = nil, nil
	c.mu.Unlock()
	for _, cl := range clients {
		_ = cl.Close()
	}
	for _, l := range links {
		l.close()
	}
	var wg sync.WaitGroup
	for i := range c.Members {
		wg.Go(func() { c.kill(i) })
	}
	wg.Wait()
	if c.ownRoot {
		_ = os.RemoveAll(c.root)
	}
}

// Link is one client's path to the cluster: a proxy in front of every
// member. Cut partitions the client from all of etcd at once.
type Link struct {
	proxies []*proxy // by member index
	Client  *clientv3.Client
}

// Dial makes a new link and a client over it. Both close with the
// cluster.
func (c *Cluster) Dial() (*Link, error) {
	l := &Link{}
	for _, m := range c.Members {
		p, err := newProxy(func() string { return m.client.Host })
		if err != nil {
			l.close()
			return nil, err
		}
		p.setCut(!m.Running())
		l.proxies = append(l.proxies, p)
	}
	client, err := NewClient(l.Endpoints())
	if err != nil {
		l.close()
		return nil, err
	}
	l.Client = client
	c.mu.Lock()
	c.links = append(c.links, l)
	c.mu.Unlock()
	return l, nil
}

// Link is Dial for a test: it fails the test on error.
func (c *Cluster) Link(t testing.TB) *Link {
	t.Helper()
	l, err := c.Dial()
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(l.close)
	return l
}

// Client is a client of its own link, for a test that never cuts it.
func (c *Cluster) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	return c.Link(t).Client
}

// Endpoints are the link's addresses, one per member.
func (l *Link) Endpoints() []string {
	out := make([]string, len(l.proxies))
	for i, p := range l.proxies {
		out[i] = "http://" + p.addr()
	}
	return out
}

// Cut partitions the link's client from every member.
func (l *Link) Cut() {
	for _, p := range l.proxies {
		p.setCut(true)
	}
}

// Heal reconnects the link to the members that are running.
func (l *Link) Heal(c *Cluster) {
	for i, p := range l.proxies {
		p.setCut(!c.Members[i].Running())
	}
}

func (l *Link) close() {
	if l.Client != nil {
		_ = l.Client.Close()
	}
	for _, p := range l.proxies {
		p.close()
	}
}

// cutMember cuts or heals every link's proxy to m.
func (c *Cluster) cutMember(m *Member, cut bool) {
	idx := -1
	for i, mm := range c.Members {
		if mm == m {
			idx = i
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.links {
		l.proxies[idx].setCut(cut)
	}
}

// NewClient connects to endpoints with settings for tests: quiet, and
// quick to notice a dead connection.
func NewClient(endpoints []string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:            endpoints,
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    time.Second,
		DialKeepAliveTimeout: time.Second,
		Logger:               zap.NewNop(),
	})
}

// Wait polls until ok holds or the timeout passes (a helper for tests that
// wait on etcd, whose leases run on real time).
func Wait(t testing.TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("etcdtest: %s: not within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Go runs fn in a goroutine until the test ends (or stop is called):
// then its context is canceled and Go waits for it to return.
func Go(t testing.TB, fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	stop = sync.OnceFunc(func() {
		cancel()
		<-done
	})
	t.Cleanup(stop)
	return stop
}

// names holds each test's cluster name.
var names sync.Map // testing.TB → string

// Name is a cluster name of the test's own, new for each run of it (so
// -count=N and a shared etcd never mix runs).
func Name(t testing.TB) string {
	name, _ := names.LoadOrStore(t, fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()))
	return name.(string)
}

// Ctx is a context for one call in a test.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
