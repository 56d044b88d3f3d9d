package serve_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/backend"
	"switchboard/serve"
)

// benchRate is the simulator's and the engine's rate for the benchmarks:
// high enough that a waiting line is read every few milliseconds, so the
// figures are about the fan-out more than the polling (the time-to-code
// benchmark, `switchboard bench`, measures the polling).
const benchRate = 3000 // 50/s: under the 5sim simulator's 100/s, with room for bursts

// viewer is one SSH dashboard as a benchmark watches it: it reads
// everything the server writes and notes when the awaited text shows.
type viewer struct {
	client *gossh.Client
	mu     sync.Mutex
	want   []byte
	seen   chan time.Time
	tail   []byte // the last bytes, for a code split across two reads
}

func (r *rig) viewer(b testing.TB, w, h int) *viewer {
	b.Helper()
	c, err := r.dial(r.keys["vic"])
	if err != nil {
		b.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		b.Fatal(err)
	}
	out, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		b.Fatal(err)
	}
	v := &viewer{client: c, seen: make(chan time.Time, 1)}
	v.expect("filter") // the status bar (its last word is cut by a wrap-off sequence)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				v.read(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-v.seen:
	case <-time.After(20 * time.Second):
		b.Fatal("a dashboard never drew")
	}
	return v
}

// expect sets the text to wait for.
func (v *viewer) expect(text string) {
	v.mu.Lock()
	v.want = []byte(text)
	v.mu.Unlock()
}

func (v *viewer) read(p []byte) {
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tail = append(v.tail, p...)
	if v.want != nil && bytes.Contains(v.tail, v.want) {
		v.want = nil
		v.seen <- now
	}
	if keep := 64; len(v.tail) > keep {
		v.tail = append(v.tail[:0], v.tail[len(v.tail)-keep:]...)
	}
}

// realClock gives the screens the real clock, as `switchboard serve`
// does (the tests' screens follow the simulator's manual one).
func realClock(o *serve.Options) { o.UI.Now = nil }

// rotatingCode is the i-th of a series of codes in which every digit
// differs from the previous code's at its place (so a screen's redraw
// writes the whole code) and from its neighbour (so no repeat of a
// character is compressed): a code-like base shifted by i.
func rotatingCode(i int) string {
	const base = "394817"
	var b strings.Builder
	for _, c := range base {
		b.WriteByte(byte('0' + (int(c-'0')+i)%10))
	}
	return b.String()
}

// engineSaw returns a channel that receives when the hub (the engine's
// reader) first holds line k with code.
func (r *rig) engineSaw(ctx context.Context, k backend.Key, code string) <-chan time.Time {
	sub, snap := r.hub.Subscribe("probe")
	at := make(chan time.Time, 1)
	has := func(ev backend.Event) bool {
		return slices.ContainsFunc(ev.Lines, func(l *backend.Line) bool { return l.Key == k && l.Code == code })
	}
	go func() {
		defer sub.Close()
		for ev := snap; !has(ev); {
			var ok bool
			if ev, ok = sub.Next(ctx); !ok {
				return
			}
		}
		at <- time.Now()
	}()
	return at
}

func percentile(xs []time.Duration, p float64) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkCodeOnFiftyScreens: 50 SSH dashboards (200×50) on one engine;
// each iteration the simulator delivers a code to a waiting 5sim order
// and waits until all 50 screens show it. Reported: from the delivery at
// the simulator (polling included) and from the moment the engine's
// change reached the hub (the fan-out alone), p50 and p99 over every
// screen of every iteration.
func BenchmarkCodeOnFiftyScreens(b *testing.B) {
	r := newRigAt(b, benchRate, realClock)
	line := r.line(waiting5sim)
	var screens []*viewer
	for range 50 {
		screens = append(screens, r.viewer(b, 200, 50))
	}
	var fromSim, fromEngine []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		code := rotatingCode(i)
		for _, v := range screens {
			v.expect(code)
		}
		// The same code comes back every ten; a second later it is another
		// SMS, not the same one again.
		r.sim.Advance(time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		engine := r.engineSaw(ctx, line.Key, code)
		sent := time.Now()
		if err := r.sim.FiveSim.Deliver(line.ID, "Your Telegram code is "+code); err != nil {
			b.Fatal(err)
		}
		var at time.Time
		select {
		case at = <-engine:
		case <-ctx.Done():
			b.Fatalf("the engine never saw code %s", code)
		}
		for _, v := range screens {
			select {
			case shown := <-v.seen:
				fromSim = append(fromSim, shown.Sub(sent))
				fromEngine = append(fromEngine, shown.Sub(at))
			case <-ctx.Done():
				b.Fatalf("a screen never showed code %s", code)
			}
		}
		cancel()
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(fromSim, 0.5))/1e6, "ms-sim-p50")
	b.ReportMetric(float64(percentile(fromSim, 0.99))/1e6, "ms-sim-p99")
	b.ReportMetric(float64(percentile(fromEngine, 0.5))/1e6, "ms-engine-p50")
	b.ReportMetric(float64(percentile(fromEngine, 0.99))/1e6, "ms-engine-p99")
}

// BenchmarkIdleSessionMemory: the heap 50 idle SSH dashboards add, per
// session, at several terminal sizes (bubbletea keeps two cell buffers
// of the terminal's size per program, 112 bytes a cell). The SSH clients
// run in this process too, so it is an upper bound of the server's share
// (BENCHMARKS.md also has the RSS of the real binary under 50 OpenSSH
// sessions).
func BenchmarkIdleSessionMemory(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 45}, {200, 50}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			r := newRigAt(b, benchRate, realClock)
			for b.Loop() {
				before := heap()
				var screens []*viewer
				for range 50 {
					screens = append(screens, r.viewer(b, size[0], size[1]))
				}
				time.Sleep(2 * time.Second) // let each dashboard settle (first frames, history loads)
				after := heap()
				b.ReportMetric(float64(after-before)/50/(1<<20), "MB/session")
				for _, v := range screens {
					v.client.Close()
				}
				eventually(b, "the sessions closing", func() bool { return r.hub.Subscribers() == 0 })
			}
		})
	}
}

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkCodeWaitOverSSH: `ssh host code <key> --wait` on a waiting
// line; the simulator delivers its code; reported is how long after the
// code reached the engine (the hub) the command returned. One iteration
// a waiting line: the seed's waiting 5sim orders bound the iterations.
func BenchmarkCodeWaitOverSSH(b *testing.B) {
	r := newRigAt(b, benchRate, nil)
	r.line(waiting5sim)
	var lines []backend.Line
	for _, l := range r.hub.Snapshot().Lines {
		if waiting5sim(*l) && l.Code == "" {
			lines = append(lines, *l)
		}
	}
	var after []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N && i < len(lines); i++ {
		line, code := lines[i], rotatingCode(i)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := r.dial(r.keys["vic"])
		if err != nil {
			b.Fatal(err)
		}
		sess, _ := c.NewSession()
		var out bytes.Buffer
		sess.Stdout = &out
		subs := r.hub.Subscribers()
		if err := sess.Start("code " + string(line.Key) + " --wait"); err != nil {
			b.Fatal(err)
		}
		eventually(b, "code --wait subscribing", func() bool { return r.hub.Subscribers() > subs })
		engine := r.engineSaw(ctx, line.Key, code)
		if err := r.sim.FiveSim.Deliver(line.ID, "Your Telegram code is "+code); err != nil {
			b.Fatal(err)
		}
		at := <-engine
		_ = sess.Wait()
		done := time.Now()
		c.Close()
		cancel()
		if strings.TrimSpace(out.String()) != code {
			b.Fatalf("code --wait printed %q, want %s", out.String(), code)
		}
		after = append(after, done.Sub(at))
	}
	b.StopTimer()
	if len(after) > 0 {
		b.ReportMetric(float64(percentile(after, 0.5))/1e6, "ms-after-engine-p50")
		b.ReportMetric(float64(slices.Max(after))/1e6, "ms-after-engine-max")
		b.ReportMetric(float64(len(after)), "samples")
	}
}
