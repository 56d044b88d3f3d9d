package hub

import (
	"context"
	"fmt"
	"testing"

	"switchboard/backend"
)

// BenchmarkPublishOneLine: one changed line handed to a hub holding
// 10,000 lines, until every subscriber has taken it — the fan-out's own
// cost per event, with 1 subscriber (the terminal) and 50 (SSH sessions).
func BenchmarkPublishOneLine(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			var init backend.Event
			for i := range 10_000 {
				init.Lines = append(init.Lines, new(line(fmt.Sprint(i), "")))
			}
			src := &fakeSource{init: init, ch: make(chan backend.Event)}
			h := New(src, Options{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); h.Run(ctx) }()
			defer func() { cancel(); <-done }()
			var subs []*Sub
			for range n {
				s, _ := h.Subscribe("x")
				subs = append(subs, s)
			}
			l := line("5000", "")
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				l.Code, l.Version = fmt.Sprint(100000+i%900000), uint64(i)
				src.ch <- backend.Event{Lines: []*backend.Line{new(l)}}
				for _, s := range subs {
					if _, ok := s.Next(ctx); !ok {
						b.Fatal("subscription ended")
					}
				}
			}
		})
	}
}
