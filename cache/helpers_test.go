package cache

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// openStore opens a store in dir and closes it when the test ends.
func openStore(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fixedClock returns a clock that can be moved.
func fixedClock(start time.Time) (func() time.Time, func(time.Duration)) {
	now := start
	return func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) }
}

var t0 = time.Unix(1_750_000_000, 0)

func lineKey(i int) backend.Key {
	return backend.MakeKey(backend.FiveSim, "main", backend.ItemLine, strconv.Itoa(i))
}

func sampleAccount(i int) backend.Account {
	r := 4.5
	return backend.Account{
		Name:       fmt.Sprintf("acct-%02d", i),
		Provider:   []backend.ProviderKind{backend.PivDay, backend.FiveSim, backend.NonVoip, backend.Market}[i%4],
		Balance:    backend.NewMoney(decimal.New(int64(1000+i), -2), "USD"),
		Frozen:     backend.NewMoney(decimal.New(5, 0), ""),
		Rating:     &r,
		Health:     backend.HealthOK,
		LastError:  "",
		LastGood:   t0.Add(time.Duration(i) * time.Second),
		LowBalance: decimal.New(5, 0),
		HasLow:     true,
		Version:    uint64(i),
	}
}

func sampleLine(i int) backend.Line {
	return backend.Line{
		Key:       lineKey(i),
		Account:   "main",
		Provider:  backend.FiveSim,
		ID:        strconv.Itoa(i),
		Number:    fmt.Sprintf("+4479%08d", i),
		Service:   "telegram",
		Country:   "england",
		Operator:  "any",
		Kind:      "activation",
		State:     backend.LineWaiting,
		RawState:  "PENDING",
		Price:     backend.NewMoney(decimal.New(int64(120+i%50), -2), ""),
		CreatedAt: backend.InstantOf(t0.Add(time.Duration(i) * time.Minute)),
		ExpiresAt: backend.InstantOf(t0.Add(time.Duration(i)*time.Minute + 20*time.Minute)),
		Allowed:   backend.Allow(backend.ActCancel, backend.ActBan),
		Extra:     map[string]string{"type": "short_term"},
		Version:   uint64(i),
	}
}

func sampleLease(i int) backend.Lease {
	return backend.Lease{
		Key:        backend.MakeKey(backend.PivDay, "main", backend.ItemLease, "p"+strconv.Itoa(i)),
		Account:    "main",
		Provider:   backend.PivDay,
		ID:         "p" + strconv.Itoa(i),
		Kind:       backend.LeaseProxy,
		Name:       "DE ×10",
		State:      "active",
		ExpiresAt:  t0.Add(time.Duration(i) * time.Hour),
		AutoRenew:  i%2 == 0,
		HasAuto:    true,
		RenewPrice: backend.NewMoney(decimal.New(499, -2), "USD"),
		Period:     "month",
		Allowed:    backend.Allow(backend.ActRenew),
		Version:    uint64(i),
	}
}

func sampleJob(i int) backend.Job {
	return backend.Job{
		Key:       backend.MakeKey(backend.Market, "main", backend.ItemJob, "j"+strconv.Itoa(i)),
		Account:   "main",
		Provider:  backend.Market,
		ID:        "j" + strconv.Itoa(i),
		Kind:      backend.JobBoost,
		Title:     "boost 1000",
		State:     backend.JobRunning,
		RawState:  "in_progress",
		Detail:    "remains 120",
		CreatedAt: t0,
		UpdatedAt: t0.Add(time.Minute),
		Cost:      backend.NewMoney(decimal.New(300, -2), "USD"),
		Allowed:   backend.Allow(backend.ActCancel),
		Version:   uint64(i),
	}
}

func sampleMessage(line backend.Key, id string, at time.Time) backend.Message {
	return backend.Message{
		ID:         id,
		Line:       line,
		Sender:     "Telegram",
		Text:       "Your code is 12345 (" + id + ")",
		Code:       "12345",
		ReceivedAt: at,
	}
}

func sampleEntry(id string, state backend.JournalState, at time.Time) backend.JournalEntry {
	l := sampleLine(1)
	return backend.JournalEntry{
		Action: backend.Action{
			ID:        id,
			Kind:      backend.ActCancel,
			Account:   "main",
			Target:    l.Key,
			Cost:      backend.NewMoney(decimal.New(120, -2), ""),
			Label:     "cancel " + l.Number,
			CreatedAt: at,
		},
		Target:    backend.Target{Line: &l},
		State:     state,
		UpdatedAt: at,
	}
}

// fill sets every field of v (recursively) to a non-zero value, so a
// round trip that drops a field — say one added to the domain later and
// forgotten in codec.go — shows up as a difference.
func fill(v reflect.Value, seed *int) {
	*seed++
	n := *seed
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(1_700_000_000+int64(n), int64(n))))
		return
	case reflect.TypeFor[decimal.Decimal]():
		v.Set(reflect.ValueOf(decimal.New(int64(n)*12345, -3)))
		return
	case reflect.TypeFor[backend.Health]():
		v.SetInt(int64(backend.HealthDegraded))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d/ü\x00\x1b", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n) + 0.25)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), seed)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), seed)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			fill(k, seed)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, seed)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), seed)
			}
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String() + " in " + v.Type().String())
	}
}

// differences lists where got differs from want: times compare as
// instants, decimals by value and exponent, nil and empty collections
// alike.
func differences(path string, want, got reflect.Value) []string {
	switch want.Type() {
	case reflect.TypeFor[time.Time]():
		w, g := want.Interface().(time.Time), got.Interface().(time.Time)
		if !w.Equal(g) || w.IsZero() != g.IsZero() {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, w, g)}
		}
		return nil
	case reflect.TypeFor[decimal.Decimal]():
		w, g := want.Interface().(decimal.Decimal), got.Interface().(decimal.Decimal)
		if !w.Equal(g) || w.Exponent() != g.Exponent() {
			return []string{fmt.Sprintf("%s: want %s (exp %d), got %s (exp %d)", path, w, w.Exponent(), g, g.Exponent())}
		}
		return nil
	}
	var out []string
	switch want.Kind() {
	case reflect.Pointer:
		if want.IsNil() != got.IsNil() {
			return []string{fmt.Sprintf("%s: want nil=%t, got nil=%t", path, want.IsNil(), got.IsNil())}
		}
		if !want.IsNil() {
			out = differences(path, want.Elem(), got.Elem())
		}
	case reflect.Slice:
		if want.Len() != got.Len() {
			return []string{fmt.Sprintf("%s: want %d elements, got %d", path, want.Len(), got.Len())}
		}
		for i := range want.Len() {
			out = append(out, differences(fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i))...)
		}
	case reflect.Map:
		if want.Len() != got.Len() {
			return []string{fmt.Sprintf("%s: want %d entries, got %d", path, want.Len(), got.Len())}
		}
		for _, k := range want.MapKeys() {
			g := got.MapIndex(k)
			if !g.IsValid() {
				out = append(out, fmt.Sprintf("%s[%v]: missing", path, k))
				continue
			}
			out = append(out, differences(fmt.Sprintf("%s[%v]", path, k), want.MapIndex(k), g)...)
		}
	case reflect.Struct:
		for i := range want.NumField() {
			if want.Type().Field(i).IsExported() {
				out = append(out, differences(path+"."+want.Type().Field(i).Name, want.Field(i), got.Field(i))...)
			}
		}
	default:
		if want.Interface() != got.Interface() {
			out = append(out, fmt.Sprintf("%s: want %#v, got %#v", path, want.Interface(), got.Interface()))
		}
	}
	return out
}

func assertSame[T any](t testing.TB, what string, want, got T) {
	t.Helper()
	if d := differences(what, reflect.ValueOf(want), reflect.ValueOf(got)); len(d) > 0 {
		t.Errorf("%s differs:\n  %s", what, joinLines(d))
	}
}

func joinLines(lines []string) string {
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("… and %d more", len(lines)-20))
	}
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}
