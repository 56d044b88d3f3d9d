package otp

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"switchboard/backend/sanitize"
)

// normalize is the input as the fuzz properties read it: the digits Pick
// reads as ASCII made ASCII, and the separators it reads through removed.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '-' || unicode.Is(unicode.Cf, r) {
			continue
		}
		if d, ok := sanitize.DigitValue(r); ok {
			b.WriteByte(byte('0' + d))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// seeds are the table messages, the corpus both fuzz targets start from.
func seeds(f *testing.F) {
	for _, set := range [][]sample{codes, traps, replaced, digitGroupCodes, spacedDigitCodes, hyphenatedCodes, notCodes, guards} {
		for _, tc := range set {
			f.Add(tc.text)
		}
	}
	for _, set := range [][]choice{ambiguous, unambiguous} {
		for _, tc := range set {
			f.Add(tc.text)
		}
	}
}

// checkCode fails unless code is a well-formed code found in text: 4–8
// letters and digits, or letter-and-digit groups joined by single hyphens;
// present in the text once separators are removed; unchanged by
// sanitize.Code, which the adapters apply.
func checkCode(t *testing.T, text, code string) {
	t.Helper()
	plain := strings.ReplaceAll(code, "-", "")
	hyphens := len(code) - len(plain)
	switch {
	case hyphens == 0 && (len(code) < minLen || len(code) > maxLen):
		t.Fatalf("%q from %q: length %d", code, text, len(code))
	case hyphens > 0 && (len(plain) < minLen || len(plain) > maxHyphenated):
		t.Fatalf("%q from %q: length %d", code, text, len(plain))
	case strings.HasPrefix(code, "-") || strings.HasSuffix(code, "-") || strings.Contains(code, "--"):
		t.Fatalf("%q from %q: misplaced hyphen", code, text)
	}
	for i := 0; i < len(plain); i++ {
		if !isAlnum(plain[i]) {
			t.Fatalf("%q from %q: byte %q", code, text, plain[i])
		}
	}
	if !strings.Contains(normalize(text), plain) {
		t.Fatalf("%q is not in %q", code, text)
	}
	if sanitize.Code(code) != code {
		t.Fatalf("sanitize.Code changes %q", code)
	}
}

func FuzzExtract(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		got := Extract(text)
		if got != Extract(text) {
			t.Fatalf("not deterministic on %q", text)
		}
		if got != "" {
			checkCode(t, text, got)
		}
	})
}

func FuzzPick(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		r := Pick(text)
		if again := Pick(text); again.Code != r.Code || again.Ambiguous != r.Ambiguous || !slices.Equal(again.Candidates, r.Candidates) {
			t.Fatalf("not deterministic on %q: %+v then %+v", text, r, again)
		}
		if ex := Extract(text); ex != r.Code {
			t.Fatalf("Extract(%q) = %q, Pick's code %q", text, ex, r.Code)
		}
		switch {
		case r.Ambiguous && (r.Code != "" || len(r.Candidates) < 2):
			t.Fatalf("Pick(%q) = %+v: ambiguous with a code or fewer than two candidates", text, r)
		case !r.Ambiguous && r.Code == "" && len(r.Candidates) != 0:
			t.Fatalf("Pick(%q) = %+v: candidates without a code", text, r)
		case !r.Ambiguous && r.Code != "" && !slices.Equal(r.Candidates, []string{r.Code}):
			t.Fatalf("Pick(%q) = %+v: the code is not the one candidate", text, r)
		}
		for i, c := range r.Candidates {
			checkCode(t, text, c)
			if slices.Contains(r.Candidates[:i], c) {
				t.Fatalf("Pick(%q) = %+v: %q twice", text, r, c)
			}
		}
	})
}
