package serve_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/serve"
	"switchboard/serve/servetest"
)

// benchRate is the simulator's and the engine's rate for the benchmarks:
// high enough that a waiting line is read every few milliseconds, so the
// figures are about the fan-out more than the polling (the time-to-code
// benchmark, `switchboard bench`, measures the polling).
const benchRate = 3000 // 50/s: under the 5sim simulator's 100/s, with room for bursts

// viewer opens a dashboard of w×h cells as the viewer vic.
func (r *rig) viewer(b testing.TB, w, h int) *servetest.Viewer {
	b.Helper()
	c, err := r.dial(r.keys["vic"])
	if err != nil {
		b.Fatal(err)
	}
	return servetest.Open(b, c, w, h)
}

// realClock gives the screens the real clock, as `switchboard serve`
// does (the tests' screens follow the simulator's manual one).
func realClock(o *serve.Options) { o.UI.Now = nil }

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
	// Each code waits a random part of a read interval first: sent as soon
	// as the last was shown, it would come just after a read and wait a
	// whole interval for the next.
	codes := r.codeOnScreens(b, line, 0, readPhase, func(code string) error {
		return r.sim.FiveSim.Deliver(line.ID, "Your Telegram code is "+code)
	})
	codes.report(b)
}

// BenchmarkCodeOnFiftyScreensByWebhook is BenchmarkCodeOnFiftyScreens
// with the code delivered on a piv.day number whose account has its
// webhook registered with the serve process's receiver: the simulator
// POSTs sms.received to it, and the hint makes the engine read the
// number at once (polling goes on as well; whichever read comes first
// finds the code). Reported besides: simulator → receiver and receiver →
// engine (the hub), one sample an iteration.
func BenchmarkCodeOnFiftyScreensByWebhook(b *testing.B) {
	r := newRigAt(b, benchRate, realClock)
	line := r.line(livePivDay)
	hooks := r.webhooks(line.Account)
	deliver := func(code string) error { return r.sim.PivDay.Deliver(line.ID, "Your Telegram code is "+code) }
	// A number with a new code moves up among the lines with codes, into
	// a row whose old code may share digits with it (the redraw would not
	// write it whole): one code first, untimed, puts it in its row.
	warm := servetest.RotatingCode(5)
	r.sim.Advance(time.Second)
	if err := deliver(warm); err != nil {
		b.Fatal(err)
	}
	eventually(b, "the first code reaching the engine", func() bool {
		return slices.ContainsFunc(r.hub.Snapshot().Lines, func(l *backend.Line) bool { return l.Key == line.Key && l.Code == warm })
	})
	reads := r.eng.HintCounts(line.Account).Reads
	// Codes a frame period apart or less would wait for the screens' frame
	// cap (serve.Options.FPS): one code is measured, not a burst.
	codes := r.codeOnScreens(b, line, 50*time.Millisecond, 0, deliver)
	var toHook, hookToEngine []time.Duration
	for _, c := range codes.sent {
		came, ok := hooks.came(line.ID, c.code, c.at)
		if !ok {
			b.Fatalf("the webhook for code %s never reached the receiver", c.code)
		}
		toHook = append(toHook, came.Sub(c.at))
		hookToEngine = append(hookToEngine, c.engine.Sub(came))
	}
	codes.report(b)
	b.ReportMetric(ms(percentile(toHook, 0.5)), "ms-sim-hook-p50")
	b.ReportMetric(ms(percentile(toHook, 0.99)), "ms-sim-hook-p99")
	b.ReportMetric(ms(percentile(hookToEngine, 0.5)), "ms-hook-engine-p50")
	b.ReportMetric(ms(percentile(hookToEngine, 0.99)), "ms-hook-engine-p99")
	// Hint reads an iteration: under 1, polling found some codes first.
	b.ReportMetric(float64(r.eng.HintCounts(line.Account).Reads-reads)/float64(len(codes.sent)), "hint-reads/code")
}

// delivery is one code the simulator took, and when the engine had it.
type delivery struct {
	code       string
	at, engine time.Time
}

// screenTimes is what codes took to reach 50 screens.
type screenTimes struct {
	sent                []delivery
	fromSim, fromEngine []time.Duration // one sample a screen an iteration
}

// readPhase spans the engine's reads of the waiting line at benchRate
// (about one each 50 ms).
const readPhase = 100 * time.Millisecond

// codeOnScreens opens 50 dashboards and, each iteration, has deliver put
// a new code on line at the simulator, gap and a random part of phase
// after the last one was shown, and waits until every screen shows it.
func (r *rig) codeOnScreens(b *testing.B, line backend.Line, gap, phase time.Duration, deliver func(code string) error) screenTimes {
	var screens []*servetest.Viewer
	for range 50 {
		screens = append(screens, r.viewer(b, 200, 50))
	}
	var st screenTimes
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		code := servetest.RotatingCode(i)
		seen := make([]<-chan time.Time, len(screens))
		for j, v := range screens {
			seen[j] = v.Expect(code)
		}
		// The same code comes back every ten; a second later it is another
		// SMS, not the same one again.
		r.sim.Advance(time.Second)
		wait := gap
		if phase > 0 {
			wait += rand.N(phase)
		}
		time.Sleep(wait)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		engine := r.engineSaw(ctx, line.Key, code)
		sent := time.Now()
		if err := deliver(code); err != nil {
			b.Fatal(err)
		}
		var at time.Time
		select {
		case at = <-engine:
		case <-ctx.Done():
			b.Fatalf("the engine never saw code %s", code)
		}
		for _, shownAt := range seen {
			select {
			case shown := <-shownAt:
				st.fromSim = append(st.fromSim, shown.Sub(sent))
				st.fromEngine = append(st.fromEngine, shown.Sub(at))
			case <-ctx.Done():
				b.Fatalf("a screen never showed code %s", code)
			}
		}
		cancel()
		st.sent = append(st.sent, delivery{code: code, at: sent, engine: at})
	}
	b.StopTimer()
	return st
}

// report gives both spans over every screen, and the poll's share (the
// simulator to the engine, one sample an iteration): the tail of the
// first is the two others' added.
func (st screenTimes) report(b *testing.B) {
	var poll []time.Duration
	for _, d := range st.sent {
		poll = append(poll, d.engine.Sub(d.at))
	}
	b.ReportMetric(ms(percentile(poll, 0.5)), "ms-poll-p50")
	b.ReportMetric(ms(slices.Max(poll)), "ms-poll-max")
	b.ReportMetric(ms(percentile(st.fromSim, 0.5)), "ms-sim-p50")
	b.ReportMetric(ms(percentile(st.fromSim, 0.99)), "ms-sim-p99")
	b.ReportMetric(ms(percentile(st.fromEngine, 0.5)), "ms-engine-p50")
	b.ReportMetric(ms(percentile(st.fromEngine, 0.99)), "ms-engine-p99")
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

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
				var screens []*servetest.Viewer
				for range 50 {
					screens = append(screens, r.viewer(b, size[0], size[1]))
				}
				time.Sleep(2 * time.Second) // let each dashboard settle (first frames, history loads)
				for _, v := range screens {
					v.Forget() // the clients' emulated screens are not the server's
				}
				after := heap()
				b.ReportMetric(float64(after-before)/50/(1<<20), "MB/session")
				for _, v := range screens {
					v.Client.Close()
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
		line, code := lines[i], servetest.RotatingCode(i)
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
