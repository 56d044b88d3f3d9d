package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// Records are a hand-rolled binary layout: Load decodes tens of thousands
// of them at start-up and JSON is several times slower. Each record is
//
//	[layout byte][fields in a fixed order][CRC-32C of everything before]
//
// The checksum makes a damaged page an error rather than silently wrong
// data (bbolt does not checksum its pages). A change to the layout is a
// schema migration (schema.go) that rewrites the records, or, for fields
// appended to a record, a new layout number: records keep the layout they
// were written with and the decoder reads appended fields only from
// layouts that have them, so a large ledger needs no rewrite.
//
// Layout 2 appends: to a line, its ambiguous candidates, the unsaved
// mark and the receiving window; to a message, its candidates and the
// unsaved mark; to a target, the claimed order ids; to a journal entry,
// its claimed order ids.
//
// Layout 3 appends to a journal entry the operator who asked for it.
const recordLayout = 3

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errRecord marks a record that fails its checksum or does not decode.
var errRecord = errors.New("damaged record")

type encoder struct{ b []byte }

func newRecord() *encoder { return &encoder{b: append(make([]byte, 0, 256), recordLayout)} }

// seal appends the checksum and returns the finished record.
func (e *encoder) seal() []byte {
	return binary.LittleEndian.AppendUint32(e.b, crc32.Checksum(e.b, castagnoli))
}

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.int(t.Unix())
	e.uint(uint64(t.Nanosecond()))
}

func (e *encoder) instant(i backend.Instant) { e.time(i.Time()) }

// Decimal tags: the zero Decimal{}, a coefficient that fits int64, a big one.
const (
	decZero  = 0
	decSmall = 1
	decBig   = 2
)

func (e *encoder) decimal(d decimal.Decimal) {
	exp := d.Exponent()
	coef := d.Coefficient()
	switch {
	case coef.Sign() == 0 && exp == 0:
		e.b = append(e.b, decZero)
	case coef.IsInt64():
		e.b = append(e.b, decSmall)
		e.int(coef.Int64())
		e.int(int64(exp))
	default:
		e.b = append(e.b, decBig)
		e.bool(coef.Sign() < 0)
		e.str(string(coef.Bytes()))
		e.int(int64(exp))
	}
}

func (e *encoder) money(m backend.Money) {
	e.bool(m.Known)
	e.str(m.Currency)
	e.decimal(m.Amount)
}

func (e *encoder) strs(list []string) {
	e.uint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

func (e *encoder) keys(list []backend.Key) {
	e.uint(uint64(len(list)))
	for _, k := range list {
		e.str(string(k))
	}
}

// decoder reads fields from a record copied once into a string, so every
// string field is a substring of it instead of its own allocation (a
// line's are read in place and copied out by detach).
type decoder struct {
	s   string
	i   int
	err error
	// layout is the record's layout: fields appended in a later layout
	// are read only from records that have them.
	layout byte
	// held, when set, gives the words and amounts many records repeat,
	// one of each for all (see detach); its lock is the caller's.
	held *sharedWords
}

// openRecord checks a record's checksum and layout and returns a decoder
// positioned on its first field, reading a copy of it.
func openRecord(v []byte) (*decoder, error) {
	d, err := viewRecord(v)
	if err != nil {
		return nil, err
	}
	d.s = strings.Clone(d.s)
	return d, nil
}

// viewRecord is openRecord reading v itself: every string it decodes is
// a view of v (for bbolt, a page valid only in its transaction) until
// copied.
func viewRecord(v []byte) (*decoder, error) {
	if len(v) < 5 {
		return nil, fmt.Errorf("%w: %d bytes", errRecord, len(v))
	}
	body := v[:len(v)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(v[len(v)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errRecord)
	}
	if body[0] == 0 || body[0] > recordLayout {
		return nil, fmt.Errorf("%w: unknown layout %d", errRecord, body[0])
	}
	return &decoder{s: unsafe.String(&body[0], len(body)), i: 1, layout: body[0]}, nil
}

// checkRecord verifies a record without decoding it.
func checkRecord(v []byte) error {
	if len(v) < 5 {
		return fmt.Errorf("%w: %d bytes", errRecord, len(v))
	}
	body := v[:len(v)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(v[len(v)-4:]) {
		return fmt.Errorf("%w: checksum mismatch", errRecord)
	}
	if body[0] == 0 || body[0] > recordLayout {
		return fmt.Errorf("%w: unknown layout %d", errRecord, body[0])
	}
	return nil
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s at byte %d", errRecord, what, d.i)
	}
}

// done reports the first error, or an error if bytes are left over.
func (d *decoder) done() error {
	if d.err == nil && d.i != len(d.s) {
		d.err = fmt.Errorf("%w: %d trailing bytes", errRecord, len(d.s)-d.i)
	}
	return d.err
}

func (d *decoder) uint() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.err != nil || d.i >= len(d.s) {
			d.fail("varint")
			return 0
		}
		c := d.s[d.i]
		d.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	d.fail("varint")
	return 0
}

func (d *decoder) int() int64 {
	u := d.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil || d.i >= len(d.s) {
		d.fail("byte")
		return 0
	}
	c := d.s[d.i]
	d.i++
	return c
}

func (d *decoder) str() string {
	n := d.uint()
	if d.err != nil || n > uint64(len(d.s)-d.i) {
		d.fail("string")
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

// word is a string field that many records repeat (an account, a state).
func (d *decoder) word() string {
	s := d.str()
	if d.held != nil {
		return d.held.word(s)
	}
	return s
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bool")
	return false
}

func (d *decoder) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	sec := d.int()
	nsec := d.uint()
	if nsec >= 1e9 {
		d.fail("time")
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec))
}

// instant is a time field holding a backend.Instant (the same bytes).
func (d *decoder) instant() backend.Instant { return backend.InstantOf(d.time()) }

func (d *decoder) decimal() decimal.Decimal {
	switch d.byte() {
	case decZero:
		return decimal.Decimal{}
	case decSmall:
		coef := d.int()
		exp := d.int32()
		if d.held != nil {
			return d.held.amount(coef, exp)
		}
		return decimal.New(coef, exp)
	case decBig:
		neg := d.bool()
		coef := new(big.Int).SetBytes([]byte(d.str()))
		if neg {
			coef.Neg(coef)
		}
		return decimal.NewFromBigInt(coef, d.int32())
	}
	d.fail("decimal")
	return decimal.Decimal{}
}

func (d *decoder) int32() int32 {
	v := d.int()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail("int32")
		return 0
	}
	return int32(v)
}

// count reads a collection length, refusing lengths the record cannot
// hold (each element takes at least one byte) so junk cannot make a huge
// allocation.
func (d *decoder) count() int {
	n := d.uint()
	if d.err != nil || n > uint64(len(d.s)-d.i) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) money() backend.Money {
	var m backend.Money
	m.Known = d.bool()
	m.Currency = d.word()
	m.Amount = d.decimal()
	return m
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) keys() []backend.Key {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]backend.Key, n)
	for i := range out {
		out[i] = backend.Key(d.str())
	}
	return out
}

// ---- domain types ----

func accountKey(a backend.Account) string { return string(a.Provider) + "/" + a.Name }

func encodeAccount(a backend.Account) []byte {
	e := newRecord()
	e.str(a.Name)
	e.str(string(a.Provider))
	e.money(a.Balance)
	e.money(a.Frozen)
	e.bool(a.Rating != nil)
	if a.Rating != nil {
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(*a.Rating))
	}
	// A provider that logs in with an e-mail address (NonVoip) makes the
	// e-mail half of the credential: it never reaches the disk.
	if d, _ := backend.Describe(a.Provider); d.Credentials == backend.EmailPassword {
		e.str("")
	} else {
		e.str(a.Email)
	}
	e.int(int64(a.Health))
	e.str(a.LastError)
	e.time(a.LastGood)
	e.time(a.PausedUntil)
	e.decimal(a.LowBalance)
	e.bool(a.HasLow)
	e.bool(a.ReadOnly)
	e.bool(a.Demo)
	e.uint(a.Version)
	return e.seal()
}

func decodeAccount(v []byte) (backend.Account, error) {
	d, err := openRecord(v)
	if err != nil {
		return backend.Account{}, err
	}
	var a backend.Account
	a.Name = d.str()
	a.Provider = backend.ProviderKind(d.str())
	a.Balance = d.money()
	a.Frozen = d.money()
	if d.bool() {
		if d.i+8 > len(d.s) {
			d.fail("rating")
		} else {
			r := math.Float64frombits(binary.LittleEndian.Uint64([]byte(d.s[d.i : d.i+8])))
			d.i += 8
			a.Rating = &r
		}
	}
	a.Email = d.str()
	a.Health = backend.Health(d.int())
	if a.Health < backend.HealthUnknown || a.Health > backend.HealthFailing {
		d.fail("health")
	}
	a.LastError = d.str()
	a.LastGood = d.time()
	a.PausedUntil = d.time()
	a.LowBalance = d.decimal()
	a.HasLow = d.bool()
	a.ReadOnly = d.bool()
	a.Demo = d.bool()
	a.Version = d.uint()
	return a, d.done()
}

func encodeLine(l backend.Line) []byte {
	e := newRecord()
	e.lineFields(l)
	return e.seal()
}

func (e *encoder) lineFields(l backend.Line) {
	e.str(string(l.Key))
	e.str(l.Account)
	e.str(string(l.Provider))
	e.str(l.ID)
	e.str(l.Number)
	e.str(l.Service)
	e.str(l.Country)
	e.str(l.Operator)
	e.str(l.Kind)
	e.str(l.Name)
	e.str(string(l.State))
	e.str(l.RawState)
	e.money(l.Price)
	e.instant(l.CreatedAt)
	e.instant(l.ExpiresAt)
	e.bool(l.AutoRenew)
	e.bool(l.HasAuto)
	e.uint(uint64(l.Allowed))
	e.str(l.Code)
	e.instant(l.CodeAt)
	e.instant(l.CooldownUntil)
	names := make([]string, 0, len(l.Extra))
	for k := range l.Extra {
		names = append(names, k)
	}
	slices.Sort(names) // same line, same bytes
	e.uint(uint64(len(names)))
	for _, k := range names {
		e.str(k)
		e.str(l.Extra[k])
	}
	e.uint(l.Version)
	// layout 2 (NewWindow is a signal between adapter and engine, never stored)
	e.strs(l.Candidates)
	e.bool(l.CodeUnsaved)
	e.instant(l.WindowAt)
}

// decodeLine reads a line from v in place; detach then copies out what
// it keeps, so the line holds nothing of v (see detach).
func decodeLine(v []byte) (backend.Line, error) {
	d, err := viewRecord(v)
	if err != nil {
		return backend.Line{}, err
	}
	held.mu.Lock()
	defer held.mu.Unlock()
	d.held = &held
	l := d.lineFields()
	if err := d.done(); err != nil {
		return backend.Line{}, err
	}
	detach(&l)
	return l, nil
}

func (d *decoder) lineFields() backend.Line {
	var l backend.Line
	l.Key = backend.Key(d.str())
	l.Account = d.word()
	l.Provider = backend.ProviderKind(d.word())
	l.ID = d.str()
	l.Number = d.str()
	l.Service = d.word()
	l.Country = d.word()
	l.Operator = d.word()
	l.Kind = d.word()
	l.Name = d.str()
	l.State = backend.LineState(d.word())
	l.RawState = d.word()
	l.Price = d.money()
	l.CreatedAt = d.instant()
	l.ExpiresAt = d.instant()
	l.AutoRenew = d.bool()
	l.HasAuto = d.bool()
	l.Allowed = d.actionSet()
	l.Code = d.str()
	l.CodeAt = d.instant()
	l.CooldownUntil = d.instant()
	if n := d.count(); n > 0 {
		l.Extra = make(map[string]string, n)
		for range n {
			k := d.word()
			l.Extra[k] = d.str()
		}
	}
	l.Version = d.uint()
	if d.layout >= 2 {
		l.Candidates = d.strs()
		l.CodeUnsaved = d.bool()
		l.WindowAt = d.instant()
	}
	return l
}

func (d *decoder) actionSet() backend.ActionSet {
	v := d.uint()
	if v > math.MaxUint32 {
		d.fail("action set")
		return 0
	}
	return backend.ActionSet(v)
}

func encodeLease(l backend.Lease) []byte {
	e := newRecord()
	e.leaseFields(l)
	return e.seal()
}

func (e *encoder) leaseFields(l backend.Lease) {
	e.str(string(l.Key))
	e.str(l.Account)
	e.str(string(l.Provider))
	e.str(l.ID)
	e.str(string(l.Kind))
	e.str(l.Name)
	e.str(l.State)
	e.time(l.ExpiresAt)
	e.bool(l.AutoRenew)
	e.bool(l.HasAuto)
	e.money(l.RenewPrice)
	e.str(l.Period)
	e.uint(uint64(l.Allowed))
	e.str(string(l.Line))
	e.uint(l.Version)
}

// decodeLease reads a lease as decodeLine reads a line: nothing of v kept.
func decodeLease(v []byte) (backend.Lease, error) {
	return decodeHeld(v, (*decoder).leaseFields, func(l *backend.Lease) {
		copyOut((*string)(&l.Key), &l.ID, &l.Name, (*string)(&l.Line))
	})
}

func (d *decoder) leaseFields() backend.Lease {
	var l backend.Lease
	l.Key = backend.Key(d.str())
	l.Account = d.word()
	l.Provider = backend.ProviderKind(d.word())
	l.ID = d.str()
	l.Kind = backend.LeaseKind(d.word())
	l.Name = d.str()
	l.State = d.word()
	l.ExpiresAt = d.time()
	l.AutoRenew = d.bool()
	l.HasAuto = d.bool()
	l.RenewPrice = d.money()
	l.Period = d.word()
	l.Allowed = d.actionSet()
	l.Line = backend.Key(d.str())
	l.Version = d.uint()
	return l
}

func encodeJob(j backend.Job) []byte {
	e := newRecord()
	e.jobFields(j)
	return e.seal()
}

func (e *encoder) jobFields(j backend.Job) {
	e.str(string(j.Key))
	e.str(j.Account)
	e.str(string(j.Provider))
	e.str(j.ID)
	e.str(string(j.Kind))
	e.str(j.Title)
	e.str(string(j.State))
	e.str(j.RawState)
	e.str(j.Detail)
	e.time(j.CreatedAt)
	e.time(j.UpdatedAt)
	e.money(j.Cost)
	e.uint(uint64(j.Allowed))
	e.uint(j.Version)
}

// decodeJob reads a job as decodeLine reads a line: nothing of v kept.
func decodeJob(v []byte) (backend.Job, error) {
	return decodeHeld(v, (*decoder).jobFields, func(j *backend.Job) {
		copyOut((*string)(&j.Key), &j.ID, &j.Title, &j.Detail)
	})
}

func (d *decoder) jobFields() backend.Job {
	var j backend.Job
	j.Key = backend.Key(d.str())
	j.Account = d.word()
	j.Provider = backend.ProviderKind(d.word())
	j.ID = d.str()
	j.Kind = backend.JobKind(d.word())
	j.Title = d.str()
	j.State = backend.JobState(d.word())
	j.RawState = d.word()
	j.Detail = d.str()
	j.CreatedAt = d.time()
	j.UpdatedAt = d.time()
	j.Cost = d.money()
	j.Allowed = d.actionSet()
	j.Version = d.uint()
	return j
}

func encodeMessage(m backend.Message) []byte {
	e := newRecord()
	e.str(m.ID)
	e.str(string(m.Line))
	e.str(m.Sender)
	e.str(m.Text)
	e.str(m.Code)
	e.time(m.ReceivedAt)
	e.time(m.SeenAt)
	// layout 2
	e.strs(m.Candidates)
	e.bool(m.Unsaved)
	return e.seal()
}

func decodeMessage(v []byte) (backend.Message, error) {
	d, err := openRecord(v)
	if err != nil {
		return backend.Message{}, err
	}
	var m backend.Message
	m.ID = d.str()
	m.Line = backend.Key(d.str())
	m.Sender = d.str()
	m.Text = d.str()
	m.Code = d.str()
	m.ReceivedAt = d.time()
	m.SeenAt = d.time()
	if d.layout >= 2 {
		m.Candidates = d.strs()
		m.Unsaved = d.bool()
	}
	return m, d.done()
}

func encodeJournal(j backend.JournalEntry) []byte {
	e := newRecord()
	e.action(j.Action)
	e.target(j.Target)
	e.str(string(j.State))
	e.str(j.Note)
	e.int(int64(j.Attempts))
	e.time(j.UpdatedAt)
	// layout 2
	e.strs(j.Claimed)
	// layout 3
	e.str(j.Action.Operator)
	return e.seal()
}

func decodeJournal(v []byte) (backend.JournalEntry, error) {
	d, err := openRecord(v)
	if err != nil {
		return backend.JournalEntry{}, err
	}
	var j backend.JournalEntry
	j.Action = d.action()
	j.Target = d.target()
	j.State = backend.JournalState(d.str())
	j.Note = d.str()
	j.Attempts = int(d.int())
	j.UpdatedAt = d.time()
	if d.layout >= 2 {
		j.Claimed = d.strs()
	}
	if d.layout >= 3 {
		j.Action.Operator = d.str()
	}
	return j, d.done()
}

func (e *encoder) action(a backend.Action) {
	e.str(a.ID)
	e.str(string(a.Kind))
	e.str(a.Account)
	e.str(string(a.Target))
	e.keys(a.Targets)
	e.bool(a.Buy != nil)
	if a.Buy != nil {
		e.buy(*a.Buy)
	}
	e.int(int64(a.Months))
	e.str(a.Format)
	e.money(a.Cost)
	e.str(a.Label)
	e.time(a.CreatedAt)
}

func (d *decoder) action() backend.Action {
	var a backend.Action
	a.ID = d.str()
	a.Kind = backend.ActionKind(d.str())
	a.Account = d.str()
	a.Target = backend.Key(d.str())
	a.Targets = d.keys()
	if d.bool() {
		b := d.buy()
		a.Buy = &b
	}
	a.Months = int(d.int())
	a.Format = d.str()
	a.Cost = d.money()
	a.Label = d.str()
	a.CreatedAt = d.time()
	return a
}

func (e *encoder) buy(b backend.BuyRequest) {
	e.str(b.Category)
	e.str(b.Country)
	e.str(b.Operator)
	e.str(b.Product)
	e.strs(b.Products)
	e.strs(b.AreaCodes)
	e.str(b.Link)
	e.int(int64(b.Quantity))
	e.int(int64(b.Months))
	e.bool(b.AutoRenew)
	e.str(b.Name)
	e.bool(b.Reuse)
	e.bool(b.Voice)
	e.bool(b.AcceptedMaxPrice != nil)
	if b.AcceptedMaxPrice != nil {
		e.decimal(*b.AcceptedMaxPrice)
	}
	e.int(int64(b.Auction))
	e.str(b.ReuseNumber)
	e.str(b.ReuseOrder)
}

func (d *decoder) buy() backend.BuyRequest {
	var b backend.BuyRequest
	b.Category = d.str()
	b.Country = d.str()
	b.Operator = d.str()
	b.Product = d.str()
	b.Products = d.strs()
	b.AreaCodes = d.strs()
	b.Link = d.str()
	b.Quantity = int(d.int())
	b.Months = int(d.int())
	b.AutoRenew = d.bool()
	b.Name = d.str()
	b.Reuse = d.bool()
	b.Voice = d.bool()
	if d.bool() {
		p := d.decimal()
		b.AcceptedMaxPrice = &p
	}
	b.Auction = int(d.int())
	b.ReuseNumber = d.str()
	b.ReuseOrder = d.str()
	return b
}

func (e *encoder) target(t backend.Target) {
	e.bool(t.Line != nil)
	if t.Line != nil {
		e.lineFields(*t.Line)
	}
	e.bool(t.Lease != nil)
	if t.Lease != nil {
		e.leaseFields(*t.Lease)
	}
	e.bool(t.Job != nil)
	if t.Job != nil {
		e.jobFields(*t.Job)
	}
	e.uint(uint64(len(t.Lines)))
	for _, l := range t.Lines {
		e.lineFields(l)
	}
	ids := make([]string, 0, len(t.KnownIDs))
	for id := range t.KnownIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	e.uint(uint64(len(ids)))
	for _, id := range ids {
		e.str(id)
		e.bool(t.KnownIDs[id])
	}
	e.bool(t.Balance != nil)
	if t.Balance != nil {
		e.money(*t.Balance)
	}
	// layout 2
	claimed := make([]string, 0, len(t.Claimed))
	for id := range t.Claimed {
		claimed = append(claimed, id)
	}
	slices.Sort(claimed)
	e.strs(claimed)
}

func (d *decoder) target() backend.Target {
	var t backend.Target
	if d.bool() {
		l := d.lineFields()
		t.Line = &l
	}
	if d.bool() {
		l := d.leaseFields()
		t.Lease = &l
	}
	if d.bool() {
		j := d.jobFields()
		t.Job = &j
	}
	if n := d.count(); n > 0 {
		t.Lines = make([]backend.Line, 0, n)
		for range n {
			if d.err != nil {
				break
			}
			t.Lines = append(t.Lines, d.lineFields())
		}
	}
	if n := d.count(); n > 0 {
		t.KnownIDs = make(map[string]bool, n)
		for range n {
			id := d.str()
			t.KnownIDs[id] = d.bool()
		}
	}
	if d.bool() {
		b := d.money()
		t.Balance = &b
	}
	if d.layout >= 2 {
		if ids := d.strs(); len(ids) > 0 {
			t.Claimed = make(map[string]bool, len(ids))
			for _, id := range ids {
				t.Claimed[id] = true
			}
		}
	}
	return t
}
