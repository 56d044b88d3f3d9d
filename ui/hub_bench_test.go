package ui_test

import (
	"context"
	"fmt"
	"testing"

	"switchboard/backend"
	"switchboard/hub"
	"switchboard/ui"
)

type benchSource struct {
	init backend.Event
	ch   chan backend.Event
}

func (s benchSource) Initial() backend.Event       { return s.init }
func (s benchSource) Events() <-chan backend.Event { return s.ch }

// runningHub is a hub started from ev and following src until the test
// ends; ctx ends with it.
func runningHub(tb testing.TB, ev backend.Event) (h *hub.Hub, src benchSource, ctx context.Context) {
	src = benchSource{init: ev, ch: make(chan backend.Event)}
	h = hub.New(src, hub.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	return h, src, ctx
}

// BenchmarkEventThroughHubAndView is BenchmarkEventAndView with the
// event taking the path it takes in the program: the engine hands it to
// the hub, the terminal's subscription takes it, then the model applies
// it and draws the frame. The difference between the two is what the
// fan-out adds to a single terminal.
func BenchmarkEventThroughHubAndView(b *testing.B) {
	m, now := bigModel(b, 200, 60)
	ev, _ := bigState(now, lines10k)
	h, src, ctx := runningHub(b, ev)
	sub, _ := h.Subscribe("local")
	l := *ev.Lines[5000]
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Version = uint64(100000 + i)
		l.Code, l.CodeAt, l.State = fmt.Sprintf("%06d", i%999999), backend.InstantOf(now), backend.LineReceived
		src.ch <- backend.Event{Lines: []*backend.Line{new(l)}}
		got, ok := sub.Next(ctx)
		if !ok {
			b.Fatal("the subscription ended")
		}
		m.Update(ui.EventMsg{Event: got})
		_ = m.View()
	}
}
