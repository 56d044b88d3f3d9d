package integration

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/cache"
	"switchboard/stack"
	"switchboard/webhook"
	"switchboard/wiring"
)

// BenchmarkWebhookDelay measures what a webhook saves on piv.day at its
// documented limit (100/min, the default budget): the time from the
// simulator delivering an SMS — which sends its sms.received webhook —
// to the code in the engine's event stream, with the receiver on (the
// hint: one targeted read) and off (the same SMS found by polling five
// active numbers). One code per iteration, on the numbers in turn, each
// after an untimed random pause so deliveries do not fall in step with
// the polls. Figures: ms-mean, ms-p50, ms-p95, ms-max per code.
//
//	go test -run '^$' -bench WebhookDelay -benchtime 30x ./integration
func BenchmarkWebhookDelay(b *testing.B) {
	for _, hooked := range []bool{true, false} {
		name := "poll"
		if hooked {
			name = "hint"
		}
		b.Run(name, func(b *testing.B) { webhookDelay(b, hooked) })
	}
}

func webhookDelay(b *testing.B, hooked bool) {
	s := sim.New(sim.Options{Seed: 11, Quiet: true, Rates: map[backend.ProviderKind]int{backend.PivDay: 100}})
	defer s.Close()
	accs := wiring.SimAccounts(s, backend.PivDay)
	acct := accs[0].Name
	dir := b.TempDir()
	st, err := stack.Open(dir, stack.Options{Accounts: accs})
	if err != nil {
		b.Fatal(err)
	}
	seen := newCodeClock()
	go seen.read(st.Engine.Events())
	st.Start()
	defer st.Stop()
	if hooked {
		tokens, err := cache.WebhookTokens(dir, []string{acct})
		if err != nil {
			b.Fatal(err)
		}
		srv, err := webhook.Listen(webhook.Options{Addr: "127.0.0.1:0", Tokens: tokens, Receiver: st.Engine})
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Close()
		s.SetWebhook(backend.PivDay, webhook.URL("http://"+srv.Addr(), acct, tokens[acct]))
	}
	// The listing brings every number at once.
	seen.wait(30*time.Second, func() bool { return len(seen.lines) > 0 })
	var ids []string
	for _, id := range s.PivDay.NumberIDs(acct) {
		if seen.active(id) && len(ids) < 5 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		b.Fatal("the engine lists none of the simulator's numbers")
	}
	// Past the start-up reads, which spend the budget's burst.
	time.Sleep(30 * time.Second)
	rng := rand.New(rand.NewPCG(11, 12))
	var delays []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		time.Sleep(time.Duration(rng.Int64N(int64(2 * time.Second))))
		b.StartTimer()
		code := fmt.Sprintf("%06d", 300000+i)
		start := time.Now()
		if err := s.PivDay.Deliver(ids[i%len(ids)], "Your verification code is "+code); err != nil {
			b.Fatal(err)
		}
		at, ok := seen.code(code, 5*time.Minute)
		if !ok {
			b.Fatalf("code %s never reached the event stream", code)
		}
		delays = append(delays, at.Sub(start))
	}
	b.StopTimer()
	slices.Sort(delays)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	var sum time.Duration
	for _, d := range delays {
		sum += d
	}
	b.ReportMetric(ms(sum/time.Duration(len(delays))), "ms-mean")
	b.ReportMetric(ms(delays[len(delays)/2]), "ms-p50")
	b.ReportMetric(ms(delays[(len(delays)*95+99)/100-1]), "ms-p95")
	b.ReportMetric(ms(delays[len(delays)-1]), "ms-max")
	b.ReportMetric(0, "ns/op")
	if hooked {
		c := st.Engine.HintCounts(acct)
		b.ReportMetric(float64(c.Reads)/float64(b.N), "hint-reads/code")
	}
}

// codeClock notes when each code and each line first appeared in the
// engine's events.
type codeClock struct {
	mu     sync.Mutex
	codes  map[string]time.Time
	lines  map[string]bool
	signal chan struct{}
}

func newCodeClock() *codeClock {
	return &codeClock{codes: map[string]time.Time{}, lines: map[string]bool{}, signal: make(chan struct{}, 1)}
}

func (c *codeClock) read(events <-chan backend.Event) {
	for ev := range events {
		at := time.Now()
		c.mu.Lock()
		for _, m := range ev.Messages {
			if _, ok := c.codes[m.Code]; !ok && m.Code != "" {
				c.codes[m.Code] = at
			}
		}
		for _, l := range ev.Lines {
			c.lines[l.ID] = c.lines[l.ID] || l.State == backend.LineActive
		}
		c.mu.Unlock()
		select {
		case c.signal <- struct{}{}:
		default:
		}
	}
}

// wait waits until cond holds (checked after every event) or d passes.
func (c *codeClock) wait(d time.Duration, cond func() bool) bool {
	deadline := time.After(d)
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-c.signal:
		case <-deadline:
			return false
		}
	}
}

func (c *codeClock) active(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines[id]
}

func (c *codeClock) code(code string, d time.Duration) (time.Time, bool) {
	var at time.Time
	ok := c.wait(d, func() bool {
		var seen bool
		at, seen = c.codes[code]
		return seen
	})
	return at, ok
}
