package cache

import (
	"fmt"
	"testing"
	"time"

	"switchboard/backend"
)

// BenchmarkLoad: the start-up read of 50 accounts, 10,000 lines, 1,000
// leases and 1,000 jobs (plus the pending journal).
func BenchmarkLoad(b *testing.B) {
	s := openStore(b, b.TempDir(), slowFlush)
	var ch backend.StateChange
	for i := range 50 {
		ch.Accounts = append(ch.Accounts, sampleAccount(i))
	}
	for i := range 10_000 {
		ch.Lines = append(ch.Lines, sampleLine(i))
	}
	for i := range 1_000 {
		ch.Leases = append(ch.Leases, sampleLease(i))
		ch.Jobs = append(ch.Jobs, sampleJob(i))
	}
	s.Save(ch)
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		if err := s.Journal(sampleEntry(fmt.Sprint(i), backend.JournalPending, t0)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		snap, err := s.Load()
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Lines) != 10_000 || len(snap.Leases) != 1_000 || len(snap.Jobs) != 1_000 || len(snap.Accounts) != 50 {
			b.Fatalf("loaded %d lines", len(snap.Lines))
		}
	}
}

// BenchmarkOpen: opening (and fully checking) the same state.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, slowFlush)
	if err != nil {
		b.Fatal(err)
	}
	var ch backend.StateChange
	for i := range 10_000 {
		ch.Lines = append(ch.Lines, sampleLine(i))
	}
	for i := range 1_000 {
		ch.Leases = append(ch.Leases, sampleLease(i))
		ch.Jobs = append(ch.Jobs, sampleJob(i))
	}
	s.Save(ch)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(dir, slowFlush)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddMessages: one durable batch of 20 new messages.
func BenchmarkAddMessages(b *testing.B) {
	s := openStore(b, b.TempDir(), Options{})
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		batch := make([]backend.Message, 20)
		for j := range batch {
			batch[j] = sampleMessage(lineKey(n%100), fmt.Sprint(n), t0.Add(time.Duration(n)*time.Second))
			n++
		}
		fresh, err := s.AddMessages(batch)
		if err != nil || len(fresh) != 20 {
			b.Fatalf("%d fresh, %v", len(fresh), err)
		}
	}
}

// BenchmarkSave: queueing one line change (what the engine pays per Save).
func BenchmarkSave(b *testing.B) {
	s := openStore(b, b.TempDir(), slowFlush)
	l := sampleLine(1)
	b.ReportAllocs()
	for b.Loop() {
		s.Save(backend.StateChange{Lines: []backend.Line{l}})
	}
}

// BenchmarkMessages: the full history (100 messages) of one line among
// 50,000.
func BenchmarkMessages(b *testing.B) {
	s := openStore(b, b.TempDir(), Options{})
	const lines, total = 500, 50_000
	batch := make([]backend.Message, 0, 1000)
	for i := range total {
		batch = append(batch, sampleMessage(lineKey(i%lines), fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)))
		if len(batch) == cap(batch) {
			if _, err := s.AddMessages(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	line := lineKey(lines / 2)
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := s.Messages(line, 0)
		if err != nil || len(msgs) != total/lines {
			b.Fatalf("%d messages, %v", len(msgs), err)
		}
	}
}
