package backend

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	ok := map[string]string{
		"12":           "12",
		"12.5":         "12.5",
		"-3.25":        "-3.25",
		"+7":           "7",
		"4,00":         "4",
		"0,5":          "0.5",
		"1.500":        "1.5", // a lone point is always a decimal point
		"1,500.00":     "1500",
		"1.500,00":     "1500",
		"1 500,00":     "1500",
		"1'500.25":     "1500.25",
		"1\u00a0500,5": "1500.5",
		"1,500,000":    "1500000",
		"1.500.000":    "1500000",
		"12 500":       "12500",
		"58000.00":     "58000",
		" 3.10 ":       "3.1",
	}
	for in, want := range ok {
		d, err := ParseAmount(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseAmount(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	refused := []string{"", "-", "abc", "1,500", "12,345", "$4", "4 USD", "1e9", "1,50,000", "1.5.00,0",
		"1,500.000,00", "4,", "4.", ".5", "1..5", "1,,5", "12 50", "1.500,00,00", "0x10", "١٢"}
	for _, in := range refused {
		if d, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %s, want an error", in, d)
		}
	}
	if _, err := ParseAmount("1,500"); !errors.Is(err, ErrAmbiguousAmount) {
		t.Errorf("1,500: %v, want ErrAmbiguousAmount", err)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"4,00", "1.500,00", "1,500", "1 500,00", "-3.25", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAmount(s)
		if err != nil {
			return
		}
		// What is accepted reads back the same way.
		again, err := ParseAmount(d.String())
		if err != nil || !again.Equal(d) {
			t.Fatalf("%q → %s does not read back: %v", s, d, err)
		}
	})
}
