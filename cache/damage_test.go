package cache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
)

const damageLines = 400

// populate writes state (enough lines to span many pages), messages and a
// journal with pending and settled entries, then closes the store.
func populate(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(dir, slowFlush)
	if err != nil {
		t.Fatal(err)
	}
	var ch backend.StateChange
	for i := range damageLines {
		l := sampleLine(i)
		l.Name = fmt.Sprintf("marker-%04d", i)
		ch.Lines = append(ch.Lines, l)
	}
	ch.Accounts = []backend.Account{sampleAccount(1)}
	s.Save(ch)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	var msgs []backend.Message
	for i := range 50 {
		msgs = append(msgs, sampleMessage(lineKey(i%5), fmt.Sprintf("msg-%d", i), t0.Add(time.Duration(i)*time.Second)))
	}
	if _, err := s.AddMessages(msgs); err != nil {
		t.Fatal(err)
	}
	for _, e := range []backend.JournalEntry{
		sampleEntry("pending-buy", backend.JournalPending, t0),
		sampleEntry("unknown-renew", backend.JournalUnknown, t0.Add(time.Minute)),
		sampleEntry("done-cancel", backend.JournalDone, t0.Add(2*time.Minute)),
	} {
		if err := s.Journal(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// pagesHolding returns the offsets of the pages that contain marker.
func pagesHolding(t *testing.T, data []byte, marker string) []int {
	t.Helper()
	size := os.Getpagesize()
	var out []int
	for off := 0; off+size <= len(data); off += size {
		if bytes.Contains(data[off:off+size], []byte(marker)) {
			out = append(out, off)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no page holds %q", marker)
	}
	return out
}

func TestDamagedStateIsMovedAsideAndRebuilt(t *testing.T) {
	pageSize := os.Getpagesize()
	cases := map[string]func(t *testing.T, data []byte) []byte{
		"random junk": func(t *testing.T, data []byte) []byte {
			r := rand.New(rand.NewPCG(3, 4))
			junk := make([]byte, len(data))
			for i := range junk {
				junk[i] = byte(r.Uint32())
			}
			return junk
		},
		"zeros": func(t *testing.T, data []byte) []byte {
			return make([]byte, len(data))
		},
		"truncated mid-file": func(t *testing.T, data []byte) []byte {
			return data[:len(data)/2]
		},
		"truncated to a few bytes": func(t *testing.T, data []byte) []byte {
			return data[:100]
		},
		"record bytes corrupted after valid writes": func(t *testing.T, data []byte) []byte {
			// Page headers and element tables intact; only values change.
			// Only the record checksums can see this.
			for _, off := range pagesHolding(t, data, "marker-0200") {
				i := off + bytes.Index(data[off:off+pageSize], []byte("marker-0200"))
				copy(data[i:], "MARKER")
			}
			return data
		},
		"page overwritten after valid writes": func(t *testing.T, data []byte) []byte {
			r := rand.New(rand.NewPCG(5, 6))
			for _, off := range pagesHolding(t, data, "marker-0100") {
				for i := off; i < off+pageSize; i++ {
					data[i] = byte(r.Uint32())
				}
			}
			return data
		},
		"page zeroed after valid writes": func(t *testing.T, data []byte) []byte {
			for _, off := range pagesHolding(t, data, "marker-0300") {
				clear(data[off : off+pageSize])
			}
			return data
		},
		"freelist page zeroed": func(t *testing.T, data []byte) []byte {
			// The freelist is read inside bbolt's Open, so this exercises
			// a panic there rather than in our own reads.
			for _, meta := range []int{0, pageSize} {
				freelist := int(binary.LittleEndian.Uint64(data[meta+16+32:]))
				clear(data[freelist*pageSize : (freelist+1)*pageSize])
			}
			return data
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			populate(t, dir)
			statePath := filepath.Join(dir, stateFile)
			ledgerPath := filepath.Join(dir, ledgerFile)
			data, err := os.ReadFile(statePath)
			if err != nil {
				t.Fatal(err)
			}
			damaged := damage(t, data)
			if err := os.WriteFile(statePath, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			ledgerBefore, _ := os.ReadFile(ledgerPath)

			clock, _ := fixedClock(time.Date(2026, 5, 4, 3, 2, 1, 0, time.Local))
			s, err := Open(dir, Options{Now: clock, FlushInterval: time.Hour})
			if err != nil {
				t.Fatalf("Open with a damaged state.db: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			snap, err := s.Load()
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			aside := statePath + ".damaged-20260504T030201"
			t.Logf("notes: %q", snap.Notes)
			if len(snap.Notes) != 1 || !strings.Contains(snap.Notes[0], "state.db was damaged") ||
				!strings.Contains(snap.Notes[0], "moved aside to "+aside) ||
				!strings.Contains(snap.Notes[0], "rebuilding from the providers") {
				t.Errorf("notes = %q", snap.Notes)
			}
			if got, err := os.ReadFile(aside); err != nil || !bytes.Equal(got, damaged) {
				t.Errorf("damaged file not kept as %s (err %v)", aside, err)
			}
			if len(snap.Lines)+len(snap.Accounts)+len(snap.Leases)+len(snap.Jobs) != 0 {
				t.Errorf("fresh state is not empty: %d lines", len(snap.Lines))
			}
			if got := entryIDs(snap.Pending); !slices.Equal(got, []string{"pending-buy", "unknown-renew"}) {
				t.Errorf("pending from the ledger = %v", got)
			}
			if ledgerAfter, _ := os.ReadFile(ledgerPath); !bytes.Equal(ledgerBefore, ledgerAfter) {
				t.Error("ledger.db changed while state.db was repaired")
			}
			msgs, err := s.Messages(lineKey(0), 0)
			if err != nil || len(msgs) != 10 {
				t.Errorf("messages of line 0: %d, %v", len(msgs), err)
			}
			assertMode(t, aside, 0o600)

			// The fresh file works and the note does not outlive the repair.
			s.Save(backend.StateChange{Lines: []backend.Line{sampleLine(1)}})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2 := openStore(t, dir, Options{})
			snap, err = s2.Load()
			if err != nil || len(snap.Notes) != 0 || len(snap.Lines) != 1 {
				t.Errorf("reopen after repair: %d lines, notes %q, %v", len(snap.Lines), snap.Notes, err)
			}
		})
	}
}

// Two repairs in the same second do not overwrite the first damaged file.
func TestSecondDamageGetsItsOwnName(t *testing.T) {
	dir := t.TempDir()
	clock, _ := fixedClock(time.Date(2026, 5, 4, 3, 2, 1, 0, time.Local))
	statePath := filepath.Join(dir, stateFile)
	for round := range 2 {
		populate(t, dir)
		if err := os.WriteFile(statePath, []byte(strings.Repeat("junk", 5000)), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{Now: clock})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		_ = s.Close()
	}
	for _, name := range []string{"state.db.damaged-20260504T030201", "state.db.damaged-20260504T030201-2"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A damaged ledger is never moved: Open says what to do and leaves both
// files alone.
func TestDamagedLedgerIsAnErrorAndLeftInPlace(t *testing.T) {
	dir := t.TempDir()
	populate(t, dir)
	ledgerPath := filepath.Join(dir, ledgerFile)
	junk := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 8192)
	if err := os.WriteFile(ledgerPath, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	stateBefore, _ := os.ReadFile(filepath.Join(dir, stateFile))

	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrLedgerDamaged) {
		t.Fatalf("Open: %v, want ErrLedgerDamaged", err)
	}
	for _, want := range []string{ledgerPath, "SMS code", "journal", "will not move", "backup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if got, _ := os.ReadFile(ledgerPath); !bytes.Equal(got, junk) {
		t.Error("ledger.db was modified")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, stateFile)); !bytes.Equal(got, stateBefore) {
		t.Error("state.db was modified")
	}
	assertNoDamagedFiles(t, dir)
	// The failed Open released its locks.
	if err := os.WriteFile(ledgerPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir, Options{LockTimeout: 100 * time.Millisecond})
}

// Damage inside the message pages (not checked on open, to keep start-up
// fast) is reported when read, as ledger damage, without a crash.
func TestDamagedMessagePageIsAnErrorWhenRead(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	var msgs []backend.Message
	for i := range 300 {
		m := sampleMessage(lineKey(1), fmt.Sprintf("msg-%03d", i), t0.Add(time.Duration(i)*time.Second))
		m.Text = fmt.Sprintf("code %03d ", i) + strings.Repeat("x", 100)
		msgs = append(msgs, m)
	}
	if _, err := s.AddMessages(msgs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ledgerFile)
	data, _ := os.ReadFile(path)
	for _, off := range pagesHolding(t, data, "code 150 ") {
		i := off + bytes.Index(data[off:off+os.Getpagesize()], []byte("code 150 "))
		copy(data[i:], "CODE")
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dir, Options{})
	if _, err := s.Messages(lineKey(1), 0); !errors.Is(err, ErrLedgerDamaged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Messages over a damaged page: %v", err)
	}
	// The rest of the store still works.
	if got, err := s.Messages(lineKey(1), 10); err != nil || len(got) != 10 {
		t.Errorf("newest 10 (undamaged): %d, %v", len(got), err)
	}
}

// The journal is checked on open: an unreadable entry stops Open with the
// ledger error rather than losing a pending action silently.
func TestDamagedJournalStopsOpen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	e := sampleEntry("buy-1", backend.JournalPending, t0)
	e.Note = "NOTE-MARKER-123"
	if err := s.Journal(e); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ledgerFile)
	data, _ := os.ReadFile(path)
	for _, off := range pagesHolding(t, data, "NOTE-MARKER") {
		i := off + bytes.Index(data[off:off+os.Getpagesize()], []byte("NOTE-MARKER"))
		copy(data[i:], "note")
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLedgerDamaged) {
		t.Fatalf("Open over a damaged journal entry: %v", err)
	}
	assertNoDamagedFiles(t, dir)
}
