package ctl

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"switchboard/backend"
)

// BenchmarkCodeWaitOverSocket: `switchboard code <number> --wait` through
// the unix socket, as a script runs it; the engine's change carrying the
// code is handed to the hub; reported is how long after that the client
// returned with the code (p50, p99).
func BenchmarkCodeWaitOverSocket(b *testing.B) {
	f := newLive(b, world())
	dir := b.TempDir()
	ln, err := Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		Serve(ctx, ln, Env{Operator: "local", Live: f, Clock: clockwork.NewRealClock()})
	}()
	defer func() { stop(); <-served }()
	var after []time.Duration
	l := *world().Lines[0]
	for i := 0; b.Loop(); i++ {
		l.Key = backend.MakeKey(backend.FiveSim, "5s", backend.ItemLine, "w"+itoa(i)) // a new waiting line each time
		l.ID, l.Number, l.Code = "w"+itoa(i), "+7900"+itoa(1000000+i), ""
		f.src <- backend.Event{Lines: []*backend.Line{new(l)}}
		// The client must find the line: wait until the hub holds it.
		for !slices.ContainsFunc(f.h.Snapshot().Lines, func(x *backend.Line) bool { return x.Key == l.Key }) {
			time.Sleep(50 * time.Microsecond)
		}
		subs := f.h.Subscribers()
		done := make(chan time.Time, 1)
		var out bytes.Buffer
		number := l.Number
		go func() {
			_, _ = Call(context.Background(), dir, []string{"code", number, "--wait"}, &out, &bytes.Buffer{})
			done <- time.Now()
		}()
		for f.h.Subscribers() == subs {
			time.Sleep(50 * time.Microsecond)
		}
		l.Code = "4829" + itoa(10+i%90)
		sent := time.Now()
		f.src <- backend.Event{Lines: []*backend.Line{new(l)}}
		at := <-done
		if out.String() != l.Code+"\n" {
			b.Fatalf("printed %q, want %s", out.String(), l.Code)
		}
		after = append(after, at.Sub(sent))
	}
	slices.Sort(after)
	b.ReportMetric(float64(after[len(after)/2])/1e6, "ms-p50")
	b.ReportMetric(float64(after[min(len(after)-1, len(after)*99/100)])/1e6, "ms-p99")
}

func itoa(i int) string { return strconv.Itoa(i) }
