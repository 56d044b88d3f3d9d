package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/engine"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/wiring"
)

// warm writes a config of 20 accounts and a cache of the size the
// performance targets name: 10,000 lines, 50,000 messages, 1,000 leases
// and 1,000 jobs. It returns the config path and the state dir.
func warm(tb testing.TB, dir string) (string, string) {
	tb.Helper()
	state := filepath.Join(dir, "state")
	var cfg strings.Builder
	cfg.WriteString("accounts:\n")
	type acc struct {
		name string
		kind backend.ProviderKind
	}
	var accs []acc
	for i := range 20 {
		k := backend.Kinds[i%4]
		a := acc{fmt.Sprintf("%s-%02d", k, i), k}
		accs = append(accs, a)
		// Unreachable addresses: --print never calls them.
		fmt.Fprintf(&cfg, "  - name: %s\n    provider: %s\n    base_url: http://127.0.0.1:9/api\n", a.name, k)
		if k == backend.NonVoip {
			cfg.WriteString("    email: op@example.com\n    password: pw-secret\n")
		} else {
			cfg.WriteString("    api_key: key-secret\n")
		}
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	store, err := cache.Open(state, cache.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	now := time.Now().UTC()
	var ch backend.StateChange
	for i, a := range accs {
		ch.Accounts = append(ch.Accounts, backend.Account{Name: a.name, Provider: a.kind, LastGood: now,
			Balance: backend.NewMoney(decimal.NewFromInt(int64(100+i)), "USD")})
	}
	var msgs []backend.Message
	for i := range 10_000 {
		a := accs[i%20]
		k := backend.MakeKey(a.kind, a.name, backend.ItemLine, fmt.Sprint(i))
		l := backend.Line{Key: k, Account: a.name, Provider: a.kind, ID: fmt.Sprint(i), Number: fmt.Sprintf("+7900%07d", i),
			Service: "telegram", Country: "russia", State: backend.LineWaiting, CreatedAt: now.Add(-time.Duration(i) * time.Second),
			ExpiresAt: now.Add(15 * time.Minute), Allowed: backend.Allow(backend.ActCancel)}
		if i%2 == 0 {
			l.State, l.Code, l.CodeAt = backend.LineReceived, fmt.Sprintf("%06d", i), now.Add(-time.Duration(i)*time.Second)
		}
		ch.Lines = append(ch.Lines, l)
		for j := range 5 {
			msgs = append(msgs, backend.Message{ID: fmt.Sprintf("%d-%d", i, j), Line: k, Sender: "Telegram",
				Text: fmt.Sprintf("Telegram code %06d. Do not give it to anyone.", i*5+j), Code: fmt.Sprintf("%06d", i*5+j),
				ReceivedAt: now.Add(-time.Duration(i*5+j) * time.Second)})
		}
	}
	for i := range 1000 {
		a := accs[i%20]
		ch.Leases = append(ch.Leases, backend.Lease{Key: backend.MakeKey(a.kind, a.name, backend.ItemLease, fmt.Sprint(i)),
			Account: a.name, Provider: a.kind, ID: fmt.Sprint(i), Kind: backend.LeaseProxy, Name: fmt.Sprintf("proxy DE ×%d", i),
			ExpiresAt: now.Add(time.Duration(i) * time.Hour)})
		ch.Jobs = append(ch.Jobs, backend.Job{Key: backend.MakeKey(a.kind, a.name, backend.ItemJob, fmt.Sprint(i)),
			Account: a.name, Provider: a.kind, ID: fmt.Sprint(i), Kind: backend.JobBoost, Title: fmt.Sprintf("followers ×%d", i),
			State: backend.JobRunning, CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	store.Save(ch)
	if err := store.Flush(); err != nil {
		tb.Fatal(err)
	}
	for len(msgs) > 0 {
		n := min(len(msgs), 2000)
		if _, err := store.AddMessages(msgs[:n]); err != nil {
			tb.Fatal(err)
		}
		msgs = msgs[n:]
	}
	return path, state
}

// TestPrintShowsTheCachedState: --print renders the first frame from the
// cache alone.
func TestPrintShowsTheCachedState(t *testing.T) {
	dir := t.TempDir()
	cfg, state := warm(t, dir)
	var out, errb bytes.Buffer
	if code := run([]string{"--config", cfg, "--state-dir", state, "--print", "200x60", "--theme", "plain"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := ansi.Strip(out.String())
	for _, want := range []string{"Balances", "Lines & codes", "20 accounts", "1/10000", "Expiries", "Queues", "stale"} {
		if !strings.Contains(s, want) {
			t.Errorf("the first frame lacks %q", want)
		}
	}
	if strings.Contains(s, "key-secret") || strings.Contains(s, "pw-secret") {
		t.Fatal("a secret reached the screen")
	}
}

// BenchmarkFirstFrame is start-up to the first frame from a warm cache of
// the target size: open both files, load the state, build the engine and
// the dashboard, render once. (`hyperfine` on `switchboard --print` adds
// the process start; see BENCHMARKS.md.)
func BenchmarkFirstFrame(b *testing.B) {
	dir := b.TempDir()
	cfg, state := warm(b, dir)
	b.ResetTimer()
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := run([]string{"--config", cfg, "--state-dir", state, "--print", "200x60"}, &out, &errb); code != 0 {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
}

// TestMakeWarmState keeps a warm state for measuring the real process:
// SB_WARM_DIR=/tmp/warm go test -run TestMakeWarmState .
func TestMakeWarmState(t *testing.T) {
	dir := os.Getenv("SB_WARM_DIR")
	if dir == "" {
		t.Skip("set SB_WARM_DIR to write a warm state there")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, state := warm(t, dir)
	t.Logf("hyperfine 'switchboard --config %s --state-dir %s --print 200x60'", cfg, state)
}

// TestSimConfigExportsEvalInAShell: the printed exports survive a shell
// (the marketplace's tokens hold a '|').
func TestSimConfigExportsEvalInAShell(t *testing.T) {
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 3})
	defer s.Close()
	cfg := SimConfig(s)
	var exports []string
	for _, l := range strings.Split(cfg, "\n") {
		if strings.HasPrefix(l, "#   export ") {
			exports = append(exports, strings.TrimPrefix(l, "#   "))
		}
	}
	script := strings.Join(exports, "\n") + "\nenv | grep '^SIM_' | sort\n"
	out, err := exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("the exports do not run in sh: %v\n%s", err, out)
	}
	for _, c := range s.Credentials() {
		for k, v := range c.Env {
			if !strings.Contains(string(out), k+"="+v+"\n") {
				t.Errorf("%s did not survive the shell", k)
			}
		}
	}
}

// TestWebhooksReachTheEngine: a piv.day sms.received push arrives at
// /hooks/<account> and its code is stored and announced without a poll.
func TestWebhooksReachTheEngine(t *testing.T) {
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 5})
	defer s.Close()
	accs := wiring.SimAccounts(s, backend.PivDay)
	// A budget too small to poll SMS within the test: the code must come
	// by the webhook.
	accs[0].RatePerMinute = 600
	spec, err := wiring.BuildAccount(accs[0])
	if err != nil {
		t.Fatal(err)
	}
	store, err := cache.Open(t.TempDir(), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	eng, err := engine.New([]engine.AccountSpec{spec}, engine.Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go eng.Run(ctx)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	stop, err := serveWebhooks(ctx, addr, eng, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	s.SetWebhook(backend.PivDay, "http://"+addr+"/hooks/"+accs[0].Name)
	ids := s.PivDay.NumberIDs(accs[0].Name)
	if len(ids) == 0 {
		t.Fatal("the simulator has no numbers")
	}
	if err := s.PivDay.Deliver(ids[0], "Your code is 771204"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-eng.Events():
			for _, m := range ev.Messages {
				if m.Code == "771204" {
					stored, _ := store.Messages(m.Line, 0)
					if len(stored) == 0 {
						t.Fatal("the pushed SMS was announced before it was stored")
					}
					return
				}
			}
		case <-deadline:
			t.Fatal("the webhook's code never reached the engine")
		}
	}
}
