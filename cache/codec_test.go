package cache

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

func filled[T any]() T {
	var v T
	seed := 0
	fill(reflect.ValueOf(&v).Elem(), &seed)
	return v
}

// Every field of every stored type survives a round trip: a field added to
// the domain and not to codec.go fails here.
func TestRoundTripEveryFieldOfEveryType(t *testing.T) {
	acct := filled[backend.Account]()
	gotAcct, err := decodeAccount(encodeAccount(acct))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "Account", acct, gotAcct)

	line := filled[backend.Line]()
	line.NewWindow = false // a signal from adapter to engine, never stored
	gotLine, err := decodeLine(encodeLine(line))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "Line", line, gotLine)

	lease := filled[backend.Lease]()
	gotLease, err := decodeLease(encodeLease(lease))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "Lease", lease, gotLease)

	job := filled[backend.Job]()
	gotJob, err := decodeJob(encodeJob(job))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "Job", job, gotJob)

	msg := filled[backend.Message]()
	gotMsg, err := decodeMessage(encodeMessage(msg))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "Message", msg, gotMsg)

	entry := filled[backend.JournalEntry]()
	entry.Target.Line.NewWindow = false
	for i := range entry.Target.Lines {
		entry.Target.Lines[i].NewWindow = false
	}
	gotEntry, err := decodeJournal(encodeJournal(entry))
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "JournalEntry", entry, gotEntry)
}

func TestRoundTripZeroValues(t *testing.T) {
	a, err := decodeAccount(encodeAccount(backend.Account{}))
	if err != nil || !reflect.DeepEqual(a, backend.Account{}) {
		t.Errorf("zero Account came back as %+v, %v", a, err)
	}
	l, err := decodeLine(encodeLine(backend.Line{}))
	if err != nil || !reflect.DeepEqual(l, backend.Line{}) {
		t.Errorf("zero Line came back as %+v, %v", l, err)
	}
	e, err := decodeJournal(encodeJournal(backend.JournalEntry{}))
	if err != nil || !reflect.DeepEqual(e, backend.JournalEntry{}) {
		t.Errorf("zero JournalEntry came back as %+v, %v", e, err)
	}
	if !l.CreatedAt.IsZero() || !l.ExpiresAt.IsZero() {
		t.Error("zero times must stay zero (the UI tests IsZero)")
	}
}

func TestMoneyKeepsValueExponentAndCurrency(t *testing.T) {
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	for _, m := range []backend.Money{
		{},
		backend.NewMoney(decimal.RequireFromString("1.50"), "USD"),
		backend.NewMoney(decimal.RequireFromString("0.000123"), ""),
		backend.NewMoney(decimal.RequireFromString("-7"), "RUB"),
		backend.NewMoney(decimal.RequireFromString("1200"), "EUR"),
		backend.NewMoney(decimal.NewFromBigInt(huge, -4), "USD"),
		{Amount: decimal.New(0, -2), Known: true},
	} {
		l := backend.Line{Price: m}
		got, err := decodeLine(encodeLine(l))
		if err != nil {
			t.Fatal(err)
		}
		if got.Price.String() != m.String() || got.Price.Known != m.Known || got.Price.Currency != m.Currency ||
			!got.Price.Amount.Equal(m.Amount) || got.Price.Amount.Exponent() != m.Amount.Exponent() {
			t.Errorf("money %s (exp %d) came back as %s (exp %d)", m, m.Amount.Exponent(), got.Price, got.Price.Amount.Exponent())
		}
	}
}

func TestTimesKeepInstantAcrossRange(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 3, 1, 12, 0, 0, 1, time.FixedZone("MSK", 3*3600)),
		time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC), // beyond UnixNano's range
	} {
		got, err := decodeMessage(encodeMessage(backend.Message{ReceivedAt: at}))
		if err != nil {
			t.Fatal(err)
		}
		if !got.ReceivedAt.Equal(at) {
			t.Errorf("time %v came back as %v", at, got.ReceivedAt)
		}
	}
}

// A NonVoip account's e-mail may be its login: it must not reach the disk.
func TestNonVoipEmailIsNotStored(t *testing.T) {
	a := backend.Account{Name: "nv", Provider: backend.NonVoip, Email: "operator@example.com"}
	rec := encodeAccount(a)
	if containsBytes(rec, []byte("operator@example.com")) {
		t.Fatal("NonVoip e-mail found in the encoded record")
	}
	got, _ := decodeAccount(rec)
	if got.Email != "" {
		t.Errorf("Email = %q, want empty", got.Email)
	}
	p := backend.Account{Name: "p", Provider: backend.PivDay, Email: "u***@example.com"}
	if got, _ := decodeAccount(encodeAccount(p)); got.Email != p.Email {
		t.Errorf("piv.day display e-mail lost: %q", got.Email)
	}
}

func containsBytes(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return true
		}
	}
	return false
}

// Any single flipped byte or lost tail is caught by the checksum.
func TestDamagedRecordIsRejected(t *testing.T) {
	rec := encodeLine(sampleLine(7))
	for i := range rec {
		bad := append([]byte(nil), rec...)
		bad[i] ^= 0x5a
		if _, err := decodeLine(bad); !errors.Is(err, errRecord) {
			t.Fatalf("flipping byte %d: err = %v, want errRecord", i, err)
		}
	}
	for n := range len(rec) {
		if _, err := decodeLine(rec[:n]); !errors.Is(err, errRecord) {
			t.Fatalf("record cut to %d bytes: err = %v, want errRecord", n, err)
		}
	}
}

// Junk that happens to carry a valid checksum must still fail cleanly (no
// panic, no giant allocation).
func TestJunkWithValidChecksumFailsCleanly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		body := make([]byte, 1+r.IntN(200))
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		body[0] = recordLayout
		e := &encoder{b: body}
		rec := e.seal()
		// Only the absence of a panic matters; some junk decodes.
		_, _ = decodeLine(rec)
		_, _ = decodeJournal(rec)
		_, _ = decodeAccount(rec)
		_, _ = decodeMessage(rec)
	}
}

// Records written before layout 2 (no candidates, windows, unsaved marks
// or claims) still decode: the ledger is never rewritten for an appended
// field.
func TestLayoutOneRecordsStillDecode(t *testing.T) {
	line := backend.Line{Key: "fivesim/a/line/1", ID: "1", Code: "1234", Version: 7}
	rec := encodeLine(line)
	v1 := layoutOne(rec, 1+1+1) // strs(nil), bool, zero time
	got, err := decodeLine(v1)
	if err != nil || got.Code != "1234" || got.Version != 7 {
		t.Fatalf("layout-1 line: %+v, %v", got, err)
	}
	msg := backend.Message{ID: "m", Line: "fivesim/a/line/1", Text: "code 1234", Code: "1234"}
	got2, err := decodeMessage(layoutOne(encodeMessage(msg), 1+1))
	if err != nil || got2.Code != "1234" {
		t.Fatalf("layout-1 message: %+v, %v", got2, err)
	}
	if _, err := decodeLine(layoutOne(rec, 0)); err == nil {
		t.Fatal("a layout-1 record with layout-2 fields must not decode silently")
	}
}

// layoutOne turns a layout-2 record into the layout-1 record it would
// have been: drop the appended bytes, set the layout byte, re-seal.
func layoutOne(rec []byte, appended int) []byte {
	body := append([]byte(nil), rec[:len(rec)-4-appended]...)
	body[0] = 1
	e := &encoder{b: body}
	return e.seal()
}
