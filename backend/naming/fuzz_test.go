package naming

import "testing"

var fuzzSeeds = []string{"tg", "Telegram", "WhatsApp, PayPal", "GMail", "england", "United Kingdom (GB)", "GB",
	"short_term", "3days", "1day", "_x_", "Côte d'Ivoire", "(", "()", " (GB)", "a,", ",", "1", "\xff", "the ", "&"}

func FuzzService(f *testing.F) { fuzzIdempotent(f, "Service", Service) }

func FuzzWord(f *testing.F) { fuzzIdempotent(f, "Word", Word) }

// fuzzIdempotent: name never panics, and naming its own answer changes
// nothing.
func fuzzIdempotent(f *testing.F, name string, fn func(string) string) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := fn(raw)
		if twice := fn(once); twice != once {
			t.Fatalf("%s(%q) = %q, but %s(%q) = %q", name, raw, once, name, once, twice)
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
