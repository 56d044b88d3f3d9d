package node

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/backend"
	"switchboard/config"
	"switchboard/ctl"
	"switchboard/hub"
	"switchboard/keymap"
	"switchboard/serve"
	"switchboard/serve/servetest"
	"switchboard/ui"
	"switchboard/views"
	"switchboard/webhook"
)

// A member with team.screens is the hub's source: its engine's events,
// after the member has noted them.
func (m *member) Initial() backend.Event       { return m.initial }
func (m *member) Events() <-chan backend.Event { return m.feed }

// screens are a node's SSH service, as `switchboard serve` runs it (a hub
// over the engine, the SSH server), its webhook receiver, and the
// dashboards the benchmark watches on it.
type screens struct {
	addr    string
	host    gossh.Signer
	hooks   *webhook.Server
	viewers []*servetest.Viewer

	mu     sync.Mutex
	passed map[string]time.Time // "<line key> <code>": when the hub, the dashboards' source, first passed it on
}

// serveScreens starts m's hub, SSH server and webhook receiver (tokens:
// every piv.day account's); stopping m then stops them first, as a dying
// process takes its sessions and receiver with it.
func (tm *team) serveScreens(m *member, viewer gossh.Signer, tokens map[string]string) *screens {
	t := tm.t
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	fanout := hub.New(m, hub.Options{})
	sc := &screens{host: servetest.NewKey(), passed: map[string]time.Time{}}
	probe, _ := fanout.Subscribe("probe") // subscribed before any event: it misses none
	srv, ln := servetest.Listen(t, serve.Options{HostKey: sc.host,
		Operators: []config.Operator{{Name: "vic", Role: backend.RoleViewer, Key: viewer.PublicKey()}},
		Live:      ctl.Local{Hub: fanout, Engine: m.eng},
		Door:      func(op string) ui.Backend { return m.eng.As(op) },
		UI: ui.Options{Accounts: m.eng.Accounts(), Theme: "plain", Keys: keymap.Default(),
			Thresholds: views.Thresholds(config.DefaultThresholds)},
		Log: quiet})
	sc.addr = ln.Addr().String()
	sc.hooks = servetest.ListenHooks(t, tokens, m.eng)
	m.screens = sc
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); fanout.Run(context.Background()) }() // ends when the engine's events do
	go func() { defer wg.Done(); sc.watch(probe) }()
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	stopNode := m.stop
	m.stop = sync.OnceFunc(func() {
		sc.hooks.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = srv.Shutdown(ctx) // sessions cut, as a dead process's are
		cancel()
		stopNode()
		wg.Wait()
	})
	return sc
}

// watch notes when the hub first passes on each line's code, as it does
// to every dashboard; it ends with the hub.
func (sc *screens) watch(sub *hub.Sub) {
	for {
		ev, ok := sub.Next(context.Background())
		if !ok {
			return
		}
		now := time.Now()
		sc.mu.Lock()
		for _, l := range ev.Lines {
			if k := string(l.Key) + " " + l.Code; l.Code != "" && sc.passed[k].IsZero() {
				sc.passed[k] = now
			}
		}
		sc.mu.Unlock()
	}
}

// hubPassed is when the hub passed c on to the dashboards.
func (sc *screens) hubPassed(c *sent) (time.Time, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	t, ok := sc.passed[string(c.line.Key)+" "+c.code]
	return t, ok
}

// open starts n dashboards of 200×50 cells on the node.
func (sc *screens) open(t testing.TB, viewer gossh.Signer, n int) {
	t.Helper()
	for range n {
		c, err := servetest.Dial(sc.addr, sc.host.PublicKey(), viewer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		sc.viewers = append(sc.viewers, servetest.Open(t, c, 200, 50))
	}
}

// hookFront stands where a load balancer would in front of the nodes:
// the simulator posts every piv.day webhook to it, and it passes each on
// to a random running node's receiver, at the account's secret path. The
// simulator has one webhook URL per provider where piv.day has one per
// API key, so the front learns the account from the number the event
// names.
type hookFront struct {
	tm        *team
	srv       *httptest.Server
	tokens    map[string]string // account → its webhook token
	accountOf map[string]string // piv.day number id → account

	mu   sync.Mutex
	hits map[string]hookHit // "<number id> <code>" → where it went
}

// hookHit is one webhook as the front passed it on.
type hookHit struct {
	node  string
	owner bool      // the node owned the account when the webhook reached it
	at    time.Time // when the front received it
}

func newHookFront(tm *team, accounts []string) *hookFront {
	f := &hookFront{tm: tm, tokens: map[string]string{}, accountOf: map[string]string{}, hits: map[string]hookHit{}}
	for _, a := range accounts {
		f.tokens[a] = "token-" + a // unguessable does not matter here
		for _, id := range tm.sim.PivDay.NumberIDs(a) {
			f.accountOf[id] = a
		}
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.pass))
	tm.t.Cleanup(f.srv.Close)
	tm.sim.SetWebhook(backend.PivDay, f.srv.URL)
	return f
}

func (f *hookFront) pass(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(r.Body)
	number, code := servetest.PivDaySMS(body)
	account, ok := f.accountOf[number]
	nodes := f.tm.running()
	if !ok || len(nodes) == 0 {
		http.Error(w, "no node", http.StatusBadGateway)
		return
	}
	m := nodes[rand.IntN(len(nodes))]
	owner := m.node.Owned(account)
	req, _ := http.NewRequest(http.MethodPost, webhook.URL("http://"+m.screens.hooks.Addr(), account, f.tokens[account]), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp.Body.Close()
	f.mu.Lock()
	f.hits[number+" "+code] = hookHit{node: m.name, owner: owner, at: at}
	f.mu.Unlock()
	w.WriteHeader(resp.StatusCode)
}

func (f *hookFront) hit(number, code string) (hookHit, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hits[number+" "+code]
	return h, ok
}

// running lists the nodes not killed, in a stable order.
func (tm *team) running() []*member {
	return slices.DeleteFunc(tm.nodesSnapshot(), func(m *member) bool { return m.dead.Load() })
}
