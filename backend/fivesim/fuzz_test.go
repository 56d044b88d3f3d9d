package fivesim

import (
	"reflect"
	"testing"
)

// noControl walks every exported string reachable from v (structs, slices,
// maps incl. keys) and fails on a control character other than '\n'.
func noControl(t *testing.T, v any) {
	t.Helper()
	var walk func(reflect.Value, string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.String:
			if containsControl(v.String()) {
				t.Fatalf("%s = %q holds a control character", path, v.String())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), path+"."+v.Type().Field(i).Name)
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path+"[]")
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Key(), path+"{key}")
				walk(it.Value(), path+"{}")
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		}
	}
	walk(reflect.ValueOf(v), "")
}

func seed(f *testing.F, files ...string) {
	for _, name := range files {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"id":"1","text":"a\u001b]52;c;AAAA\u0007b","sms":[{"text":"\u009b31m 1234\r"}]}`))
	f.Add([]byte(`no free phones`))
	f.Add([]byte(`{"Data":[{"id":1},{"id":"x"},null,7],"Total":"2"}`))
}

var orderFiles = []string{"buy_activation.json", "buy_hosting.json", "check.json", "finish.json", "cancel.json", "ban.json", "orders.json"}

func FuzzDecodeProfile(f *testing.F) {
	seed(f, "profile.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodeProfile(b); err == nil {
			noControl(t, p)
		}
	})
}

func FuzzDecodeOrder(f *testing.F) {
	seed(f, orderFiles...)
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeOrder(b)
		if err != nil {
			return
		}
		if o.ID <= 0 {
			t.Fatalf("accepted an order without id: %+v", o)
		}
		noControl(t, o)
	})
}

func FuzzDecodeOrderList(f *testing.F) {
	seed(f, "orders.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		l, n, err := DecodeOrderList(b)
		if err != nil {
			return
		}
		if len(l.Data) > n {
			t.Fatalf("%d orders from a page of %d", len(l.Data), n)
		}
		noControl(t, l)
	})
}

func FuzzDecodeInbox(f *testing.F) {
	seed(f, "inbox.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if in, err := DecodeInbox(b); err == nil {
			noControl(t, in)
		}
	})
}

func FuzzDecodeProducts(f *testing.F) {
	seed(f, "products.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if ps, err := DecodeProducts(b); err == nil {
			noControl(t, ps)
		}
	})
}

func FuzzDecodePrices(f *testing.F) {
	seed(f, "prices.json", "prices_country.json", "prices_product.json", "prices_country_product.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if ps, err := DecodePrices(b); err == nil {
			noControl(t, ps)
		}
	})
}

func FuzzDecodeCountries(f *testing.F) {
	seed(f, "countries.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if cs, err := DecodeCountries(b); err == nil {
			noControl(t, cs)
		}
	})
}

func FuzzDecodeFlash(f *testing.F) {
	seed(f, "flash.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if fl, err := DecodeFlash(b); err == nil {
			noControl(t, fl)
		}
	})
}

func FuzzBodyText(f *testing.F) {
	for k := range textErrors {
		f.Add([]byte(k))
	}
	f.Add([]byte(`"order has sms"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = bodyText(b)
	})
}
