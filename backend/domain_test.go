package backend

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// leaves lists the leaf values of v (addressable): every field, and the
// fields of nested structs other than times and decimals, with its path.
func leaves(v reflect.Value, path string) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	switch v.Type() {
	case reflect.TypeFor[time.Time](), reflect.TypeFor[decimal.Decimal]():
		out[path] = v
		return out
	}
	if v.Kind() != reflect.Struct {
		out[path] = v
		return out
	}
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.IsExported() {
			maps.Copy(out, leaves(v.Field(i), path+"."+f.Name))
		}
	}
	return out
}

// change gives a leaf another value, never mutating what it shared
// (slices and maps are replaced, not written to).
func change(t *testing.T, path string, v reflect.Value) {
	switch x := v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(x.Add(time.Second)))
		return
	case decimal.Decimal:
		v.Set(reflect.ValueOf(x.Add(decimal.New(1, -2))))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Slice:
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len()+1)
		reflect.Copy(n, v)
		v.Set(reflect.Append(n, reflect.Zero(v.Type().Elem())))
	case reflect.Map:
		n := reflect.MakeMap(v.Type())
		for it := v.MapRange(); it.Next(); {
			n.SetMapIndex(it.Key(), it.Value())
		}
		k := reflect.New(v.Type().Key()).Elem()
		change(t, path+"[key]", k)
		n.SetMapIndex(k, reflect.Zero(v.Type().Elem()))
		v.Set(n)
	default:
		t.Fatalf("%s: change does not know %s; teach it", path, v.Type())
	}
}

// Every field of Line takes part in Line.Equal: a field added to Line and
// not to Equal fails here.
func TestLineEqualComparesEveryField(t *testing.T) {
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	base := Line{Key: "fivesim/a/line/1", Account: "a", Provider: FiveSim, ID: "1", Number: "+7900", Service: "telegram",
		Country: "russia", Operator: "beeline", Kind: "activation", Name: "n", State: LineReceived, RawState: "RECEIVED",
		Price: NewMoney(decimal.RequireFromString("12.50"), "RUB"), CreatedAt: InstantOf(now), ExpiresAt: InstantOf(now.Add(time.Hour)),
		AutoRenew: true, HasAuto: true, Allowed: Allow(ActCancel), Code: "1234", CodeAt: InstantOf(now), Candidates: []string{"1", "2"},
		WindowAt: InstantOf(now), CooldownUntil: InstantOf(now), Extra: map[string]string{"k": "v"}, Version: 7}
	for path := range leaves(reflect.ValueOf(&base).Elem(), "Line") {
		other := base
		change(t, path, leaves(reflect.ValueOf(&other).Elem(), "Line")[path])
		if base.Equal(other) || other.Equal(base) {
			t.Errorf("lines differing in %s are Equal: Line.Equal must compare it", path)
		}
	}
	// Equal compares values, not what they share.
	twin := base
	twin.Candidates = slices.Clone(base.Candidates)
	twin.Extra = maps.Clone(base.Extra)
	twin.CreatedAt = InstantOf(base.CreatedAt.Time().In(time.FixedZone("X", 3600)))
	twin.Price.Amount = decimal.RequireFromString("12.50")
	if !base.Equal(twin) {
		t.Error("copies of one line are not Equal")
	}
	twin.Price.Amount = decimal.RequireFromString("12.5") // the same amount, shown differently
	if base.Equal(twin) {
		t.Error("an amount with another exponent (shown differently) is Equal")
	}
	if !(Line{Candidates: []string{}, Extra: map[string]string{}}).Equal(Line{}) {
		t.Error("empty and nil collections differ")
	}
}
