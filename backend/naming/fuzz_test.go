package naming

import "testing"

var fuzzSeeds = []string{"tg", "Telegram", "WhatsApp, PayPal", "GMail", "england", "United Kingdom (GB)", "GB",
	"short_term", "3days", "1day", "_x_", "Côte d'Ivoire", "(", "()", " (GB)", "a,", ",", "1", "\xff", "the ", "&"}

func FuzzService(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := Service(raw)
		if twice := Service(once); twice != once {
			t.Fatalf("Service(%q) = %q, but Service(%q) = %q", raw, once, once, twice)
		}
	})
}

func FuzzCountry(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		code, name := Country(raw)
		if name == "" {
			if code != raw {
				t.Fatalf("Country(%q) = %q with no name: an unknown country must come back as given", raw, code)
			}
			return
		}
		for _, again := range []string{code, name} {
			if c, n := Country(again); c != code || n != name {
				t.Fatalf("Country(%q) = %q, %q, but Country(%q) = %q, %q", raw, code, name, again, c, n)
			}
		}
	})
}

func FuzzWord(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := Word(raw)
		if twice := Word(once); twice != once {
			t.Fatalf("Word(%q) = %q, but Word(%q) = %q", raw, once, once, twice)
		}
	})
}
