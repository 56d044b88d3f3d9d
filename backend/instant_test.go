package backend

import (
	"encoding/json"
	"testing"
	"time"
	"unsafe"
)

// TestInstantKeepsTheMoment: an Instant gives back the moment it was made
// from to the nanosecond, none stays none, and a date outside what it can
// hold (a forged provider date) is clamped, never wrapped around.
func TestInstantKeepsTheMoment(t *testing.T) {
	at := time.Date(2026, 12, 6, 22, 5, 7, 123456789, time.FixedZone("X", 3600))
	if got := InstantOf(at).Time(); !got.Equal(at) {
		t.Errorf("round trip: %v, want %v", got, at)
	}
	if i := InstantOf(time.Time{}); !i.IsZero() || !i.Time().IsZero() {
		t.Errorf("the zero time is %d (%v), want none", i, i.Time())
	}
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := InstantOf(far); got.IsZero() || !got.After(at) || !got.Time().After(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("year 9999 became %v: want the latest moment an Instant holds", got)
	}
	early := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := InstantOf(early); got.IsZero() || !got.Before(at) || got.Time().Year() != 1677 {
		t.Errorf("year 1000 became %v: want the earliest moment an Instant holds", got)
	}
	if a, b := InstantOf(at), InstantOf(at.Add(time.Nanosecond)); !(a < b) || !a.Before(b.Time()) || !b.After(a.Time()) {
		t.Error("instants a nanosecond apart do not order")
	}
}

// TestLineSize: a Line is held for every number (100,000 at the
// dashboard's scale, once, shared by the engine, the hub and every
// screen), so its size is the program's size: 432 bytes (a 448-byte
// allocation, 45 MB at 100k) with time.Time fields. Grow it past 336 bytes
// (a 352-byte allocation) only knowing that.
func TestLineSize(t *testing.T) {
	if got := unsafe.Sizeof(Line{}); got > 336 {
		t.Fatalf("a Line is %d bytes, want at most 336", got)
	}
}

// TestInstantJSONIsTimeJSON: a Line's times are written to JSON as
// time.Time writes them (the cluster store keeps lines as JSON in etcd),
// so records written before the times were Instants read back, and
// records written now read as times.
func TestInstantJSONIsTimeJSON(t *testing.T) {
	at := time.Date(2026, 12, 6, 22, 5, 7, 123456789, time.UTC)
	old, err := json.Marshal(struct{ T, Z time.Time }{T: at})
	if err != nil {
		t.Fatal(err)
	}
	var now struct{ T, Z Instant }
	if err := json.Unmarshal(old, &now); err != nil {
		t.Fatalf("a time.Time's JSON %s does not read as an Instant: %v", old, err)
	}
	if !now.T.Time().Equal(at) || !now.Z.IsZero() {
		t.Fatalf("read %s as %v and %v", old, now.T, now.Z)
	}
	b, err := json.Marshal(now)
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ T, Z time.Time }
	if err := json.Unmarshal(b, &back); err != nil || !back.T.Equal(at) || !back.Z.IsZero() {
		t.Fatalf("an Instant's JSON %s reads as time.Time %v, %v (%v)", b, back.T, back.Z, err)
	}
}
