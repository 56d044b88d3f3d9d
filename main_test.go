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
	"switchboard/config"
	"switchboard/webhook"
	"switchboard/wiring"
)

// warmSize is the size of a warm cache: lines, with five SMS each, a
// lease and a job for every ten lines and an account for every 500.
type warmSize struct {
	lines int
	// quiet: nothing on screen counts down (codes hours old, no line
	// waiting, leases days away, jobs done), for measuring idle CPU.
	quiet bool
}

// warm10k is the size the dashboard's first targets name: 10,000 lines,
// 50,000 messages, 1,000 leases and 1,000 jobs over 20 accounts.
var warm10k = warmSize{lines: 10_000}

// warm writes a config and a cache of the given size. It returns the
// config path and the state dir.
func warm(tb testing.TB, dir string, size warmSize) (string, string) {
	tb.Helper()
	accounts := max(size.lines/500, 1)
	state := filepath.Join(dir, "state")
	var cfg strings.Builder
	cfg.WriteString("accounts:\n")
	type acc struct {
		name string
		kind backend.ProviderKind
	}
	var accs []acc
	for i := range accounts {
		k := backend.Kinds()[i%4]
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
	ago := time.Duration(0) // how old the codes and jobs are
	if size.quiet {
		ago = 3 * time.Hour
	}
	var ch backend.StateChange
	for i, a := range accs {
		ch.Accounts = append(ch.Accounts, backend.Account{Name: a.name, Provider: a.kind, LastGood: now.Add(-ago),
			Balance: backend.NewMoney(decimal.NewFromInt(int64(100+i)), "USD")})
	}
	var msgs []backend.Message
	for i := range size.lines {
		a := accs[i%accounts]
		k := backend.MakeKey(a.kind, a.name, backend.ItemLine, fmt.Sprint(i))
		l := backend.Line{Key: k, Account: a.name, Provider: a.kind, ID: fmt.Sprint(i), Number: fmt.Sprintf("+7900%07d", i),
			Service: "telegram", Country: "russia", State: backend.LineWaiting, CreatedAt: now.Add(-time.Duration(i) * time.Second),
			ExpiresAt: now.Add(15 * time.Minute), Allowed: backend.Allow(backend.ActCancel)}
		if i%2 == 0 || size.quiet {
			l.State, l.Code, l.CodeAt = backend.LineReceived, fmt.Sprintf("%06d", i), now.Add(-ago-time.Duration(i)*time.Second)
		}
		if size.quiet {
			l.ExpiresAt = time.Time{}
			if i%2 == 1 {
				l.State = backend.LineFinished
			}
		}
		ch.Lines = append(ch.Lines, l)
		for j := range 5 {
			msgs = append(msgs, backend.Message{ID: fmt.Sprintf("%d-%d", i, j), Line: k, Sender: "Telegram",
				Text: fmt.Sprintf("Telegram code %06d. Do not give it to anyone.", i*5+j), Code: fmt.Sprintf("%06d", i*5+j),
				ReceivedAt: now.Add(-ago - time.Duration(i*5+j)*time.Second)})
		}
	}
	leaseIn, jobState := time.Duration(0), backend.JobRunning
	if size.quiet {
		leaseIn, jobState = 30*24*time.Hour, backend.JobDone
	}
	for i := range size.lines / 10 {
		a := accs[i%accounts]
		ch.Leases = append(ch.Leases, backend.Lease{Key: backend.MakeKey(a.kind, a.name, backend.ItemLease, fmt.Sprint(i)),
			Account: a.name, Provider: a.kind, ID: fmt.Sprint(i), Kind: backend.LeaseProxy, Name: fmt.Sprintf("proxy DE ×%d", i),
			ExpiresAt: now.Add(leaseIn + time.Duration(i)*time.Hour)})
		ch.Jobs = append(ch.Jobs, backend.Job{Key: backend.MakeKey(a.kind, a.name, backend.ItemJob, fmt.Sprint(i)),
			Account: a.name, Provider: a.kind, ID: fmt.Sprint(i), Kind: backend.JobBoost, Title: fmt.Sprintf("followers ×%d", i),
			State: jobState, CreatedAt: now.Add(-ago - time.Duration(i)*time.Minute)})
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
	cfg, state := warm(t, dir, warm10k)
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
// 10,000 and 100,000 lines: open both files, load the state, build the
// dashboard, render once. (`hyperfine` on `switchboard --print` adds the
// process start; see BENCHMARKS.md.)
func BenchmarkFirstFrame(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("lines=%dk", n/1000), func(b *testing.B) {
			cfg, state := warm(b, b.TempDir(), warmSize{lines: n})
			var peak uint64
			for b.Loop() {
				// Each run starts from a clean heap, as a new process does.
				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				var out, errb bytes.Buffer
				if code := run([]string{"--config", cfg, "--state-dir", state, "--print", "200x60"}, &out, &errb); code != 0 {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
		})
	}
}

// TestMakeWarmState keeps a warm state for measuring the real process:
// SB_WARM_DIR=/tmp/warm go test -run TestMakeWarmState . (10,000 lines;
// SB_WARM_LINES=100000 for more, SB_WARM_QUIET=1 for nothing counting
// down on screen).
func TestMakeWarmState(t *testing.T) {
	dir := os.Getenv("SB_WARM_DIR")
	if dir == "" {
		t.Skip("set SB_WARM_DIR to write a warm state there")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	size := warm10k
	if n := os.Getenv("SB_WARM_LINES"); n != "" {
		if _, err := fmt.Sscan(n, &size.lines); err != nil || size.lines < 1 {
			t.Fatalf("SB_WARM_LINES=%q is not a number of lines", n)
		}
	}
	size.quiet = os.Getenv("SB_WARM_QUIET") != ""
	cfg, state := warm(t, dir, size)
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

// TestWebhooksReachTheEngine: a piv.day sms.received push to the
// account's secret path is a hint the engine acts on: it reads the number
// and the code arrives (stored before it is announced).
func TestWebhooksReachTheEngine(t *testing.T) {
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 5})
	defer s.Close()
	accs := wiring.SimAccounts(s, backend.PivDay)
	accs[0].RatePerMinute = 600
	spec, err := wiring.BuildAccount(accs[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := cache.Open(dir, cache.Options{})
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
	srv, err := serveHooks(config.Webhooks{Listen: "127.0.0.1:0"}, dir, accs, eng, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tokens, err := cache.WebhookTokens(dir, []string{accs[0].Name})
	if err != nil {
		t.Fatal(err)
	}
	s.SetWebhook(backend.PivDay, webhook.URL("http://"+srv.Addr(), accs[0].Name, tokens[accs[0].Name]))
	ids := s.PivDay.NumberIDs(accs[0].Name)
	if len(ids) == 0 {
		t.Fatal("the simulator has no numbers")
	}
	// Wait until the engine holds the number: a hint about a number it
	// does not hold is ignored.
	deadline := time.After(10 * time.Second)
	for held := false; !held; {
		select {
		case ev := <-eng.Events():
			for _, l := range ev.Lines {
				held = held || l.ID == ids[0]
			}
		case <-deadline:
			t.Fatal("the engine never listed the number")
		}
	}
	if err := s.PivDay.Deliver(ids[0], "Your code is 771204"); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-eng.Events():
			for _, m := range ev.Messages {
				if m.Code == "771204" {
					stored, _ := store.Messages(m.Line, 0)
					if len(stored) == 0 {
						t.Fatal("the SMS was announced before it was stored")
					}
					if eng.HintCounts(accs[0].Name).Hints == 0 {
						t.Fatal("the webhook never reached the engine")
					}
					return
				}
			}
		case <-deadline:
			t.Fatal("the code never reached the engine")
		}
	}
}

// hooksConfig writes a config with a piv.day, a NonVoip and a 5sim
// account and the given webhook lines.
func hooksConfig(t *testing.T, dir, hooks string) string {
	t.Helper()
	path := filepath.Join(dir, "config.yaml")
	text := "accounts:\n" +
		"  - name: piv-main\n    provider: pivday\n    api_key_env: SB_TEST_UNSET_KEY\n    base_url: http://127.0.0.1:9/api\n" +
		"  - name: nv\n    provider: nonvoip\n    email: op@example.com\n    password_cmd: exit 1\n    base_url: http://127.0.0.1:9/m\n" +
		"  - name: five\n    provider: fivesim\n    api_key_env: SB_TEST_UNSET_KEY\n    base_url: http://127.0.0.1:9/v1\n" + hooks
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHooksCommandPrintsStableURLs: `switchboard hooks` prints one secret
// URL per account that takes webhooks, the same on every run, without
// needing the accounts' secrets.
func TestHooksCommandPrintsStableURLs(t *testing.T) {
	dir := t.TempDir()
	cfg := hooksConfig(t, dir, "webhook_listen: \":18850\"\nwebhook_public_url: https://hooks.example.com/sb\n")
	state := filepath.Join(dir, "state")
	var runs []string
	for range 2 {
		var out, errb bytes.Buffer
		if code := run([]string{"hooks", "--config", cfg, "--state-dir", state}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		runs = append(runs, out.String())
	}
	if runs[0] != runs[1] {
		t.Fatalf("URLs changed between runs:\n%s\n---\n%s", runs[0], runs[1])
	}
	out := runs[0]
	for _, want := range []string{"https://hooks.example.com/sb/hooks/piv-main/", "https://hooks.example.com/sb/hooks/nv/", "API key profile", "/api/saveurl"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/hooks/five/") {
		t.Errorf("5sim sends no webhooks but got a URL:\n%s", out)
	}
	tokens, err := cache.WebhookTokens(state, []string{"piv-main"})
	if err != nil || !strings.Contains(out, "/hooks/piv-main/"+tokens["piv-main"]) {
		t.Fatalf("printed URL is not the stored token (%v):\n%s", err, out)
	}
	// Without webhook_listen nothing would receive them: say so.
	var o, e bytes.Buffer
	if code := run([]string{"hooks", "--config", hooksConfig(t, t.TempDir(), ""), "--state-dir", state}, &o, &e); code != 1 || !strings.Contains(e.String(), "webhook_listen") {
		t.Fatalf("without webhook_listen: exit %d, %q", code, e.String())
	}
}

// TestExposedReceiverWarnsLoudly: a receiver bound to every interface
// starts, and says so on stderr before the dashboard and in a toast.
func TestExposedReceiverWarnsLoudly(t *testing.T) {
	t.Setenv("SB_TEST_UNSET_KEY", "k")
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	cfg := hooksConfig(t, dir, "webhook_listen: \"0.0.0.0:"+port+"\"\n")
	cfgText, _ := os.ReadFile(cfg)
	_ = os.WriteFile(cfg, []byte(strings.Replace(string(cfgText), "password_cmd: exit 1", "password_cmd: echo pw", 1)), 0o600)
	var errb bytes.Buffer
	a, err := setup(context.Background(), cfg, filepath.Join(dir, "state"), false, false, &errb, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if !strings.Contains(errb.String(), "reachable from the network on 0.0.0.0:"+port) {
		t.Fatalf("stderr: %q", errb.String())
	}
	if len(a.notices) != 1 || !strings.Contains(a.notices[0].Text, "TLS") {
		t.Fatalf("notices: %+v", a.notices)
	}
}

// TestPrintWhileTheDashboardRuns: --print reads the cache while another
// Switchboard holds it, at once, and leaves its files as they were.
func TestPrintWhileTheDashboardRuns(t *testing.T) {
	dir := t.TempDir()
	cfg, state := warm(t, dir, warmSize{lines: 50})
	running, err := cache.Open(state, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	var out, errb bytes.Buffer
	if code := run([]string{"--config", cfg, "--state-dir", state, "--print", "120x40", "--theme", "plain"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := ansi.Strip(out.String()); !strings.Contains(s, "1/50") {
		t.Fatalf("the frame lacks the cached lines:\n%s", s)
	}
}

// TestPrintRefusesAbsurdSizes: a size no terminal has is refused with
// the range, before anything is opened.
func TestPrintRefusesAbsurdSizes(t *testing.T) {
	for _, size := range []string{"39x20", "120x9", "1001x40", "120x1001", "160x48x2", "big"} {
		var out, errb bytes.Buffer
		code := run([]string{"--state-dir", t.TempDir(), "--demo", "--print", size}, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), "--print") || out.Len() != 0 {
			t.Errorf("%s: exit %d, %q", size, code, errb.String())
		}
	}
}

// TestPrintDemoShowsTheRunningDemo: --print --demo shows the state of
// the demo that runs, or says none does.
func TestPrintDemoShowsTheRunningDemo(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var out, errb bytes.Buffer
	if code := run([]string{"--demo", "--print", "120x40"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no demo running") {
		t.Fatalf("no demo: exit %d, %q", code, errb.String())
	}
	demo, err := os.MkdirTemp("", demoDirPattern)
	if err != nil {
		t.Fatal(err)
	}
	running, err := cache.Open(demo, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	running.Save(backend.StateChange{Accounts: []backend.Account{{Name: "5sim-main", Provider: backend.FiveSim,
		Balance: backend.NewMoney(decimal.NewFromInt(12345), "")}}})
	if err := running.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"--demo", "--print", "120x40", "--theme", "plain"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := ansi.Strip(out.String()); !strings.Contains(s, "12,345.00") {
		t.Fatalf("the frame lacks the running demo's balance:\n%s", s)
	}
}
