package sanitize

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Your code is 1234", "Your code is 1234"},
		{"empty", "", ""},
		{"newline kept", "line1\nline2", "line1\nline2"},
		{"crlf normalised", "line1\r\nline2\r\n", "line1\nline2\n"},
		{"lone cr escaped", "code 1234\rfake", `code 1234\rfake`},
		{"cr before crlf", "a\r\r\nb", "a\\r\nb"},
		{"lf cr", "a\n\rb", "a\n\\rb"},
		{"tab to space", "a\tb", "a b"},
		{"nul", "a\x00b", `a\x00b`},
		{"bell", "a\x07", `a\a`},
		{"backspace", "1234\b\b\b\bfake", `1234\b\b\b\bfake`},
		{"vt ff", "\v\f", `\v\f`},
		{"other c0", "\x01\x1f", `\x01\x1f`},
		{"del", "a\x7fb", `a\x7fb`},
		{"csi sgr", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"csi cursor and erase", "ok\x1b[2K\x1b[1Ghidden", `ok\x1b[2K\x1b[1Ghidden`},
		{"osc 52 clipboard bel", "\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\a`},
		{"osc 52 clipboard st", "\x1b]52;c;ZXZpbA==\x1b\\", `\x1b]52;c;ZXZpbA==\x1b\`},
		{"osc 0 title", "\x1b]0;pwned\x07", `\x1b]0;pwned\a`},
		{"osc 2 title", "\x1b]2;pwned\x1b\\", `\x1b]2;pwned\x1b\`},
		{"osc 8 hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`},
		{"dcs", "\x1bPq#0;2;0;0;0\x1b\\", `\x1bPq#0;2;0;0;0\x1b\`},
		{"apc", "\x1b_Gf=100;AAAA\x1b\\", `\x1b_Gf=100;AAAA\x1b\`},
		{"pm", "\x1b^privacy\x1b\\", `\x1b^privacy\x1b\`},
		{"sos", "\x1bXstring\x1b\\", `\x1bXstring\x1b\`},
		{"unterminated osc keeps the rest visible", "\x1b]0;title code 1234", `\x1b]0;title code 1234`},
		{"8-bit csi rune", "\u009b31mred", `\u009b31mred`},
		{"8-bit osc and st runes", "\u009d0;t\u009c", `\u009d0;t\u009c`},
		{"8-bit csi raw byte is invalid utf-8", "\x9b31m", "\uFFFD31m"},
		{"c1 nel", "a\u0085b", `a\u0085b`},
		{"c1 range ends", "\u0080\u009f", `\u0080\u009f`},
		{"nbsp kept", "a\u00a0b", "a\u00a0b"},
		{"rlo", "code \u202e4321", `code \u202e4321`},
		{"bidi embeddings and pdf", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", `\u2066a\u2067b\u2068c\u2069`},
		{"bidi marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero width space", "12\u200b34", `12\u200b34`},
		{"soft hyphen", "12\u00ad34", `12\u00ad34`},
		{"word joiner and invisible operators", "\u2060\u2062", `\u2060\u2062`},
		{"bom", "\ufeffhello", `\ufeffhello`},
		{"mongolian vowel separator", "\u180e", `\u180e`},
		{"interlinear annotation", "\ufff9a\ufffab\ufffb", `\ufff9a\ufffab\ufffb`},
		{"hangul filler", "name\u3164", `name\u3164`},
		{"combining grapheme joiner", "a\u034fb", `a\u034fb`},
		{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"stray tag characters", "hi\U000E0041\U000E0042", `hi\U000e0041\U000e0042`},
		{"language tag", "\U000E0001en", `\U000e0001en`},
		{"england flag kept", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"},
		{"tags after cancel tag escaped", "🏴\U000E0067\U000E007F\U000E0041", "🏴\U000E0067\U000E007F" + `\U000e0041`},
		{"zwj emoji kept", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"},
		{"skin tone kept", "👍🏽", "👍🏽"},
		{"keycap kept", "1\ufe0f\u20e3", "1\ufe0f\u20e3"},
		{"zwnj persian kept", "می\u200cخواهم", "می\u200cخواهم"},
		{"arabic number sign kept", "\u0600١٢", "\u0600١٢"},
		{"cjk kept", "验证码：123456", "验证码：123456"},
		{"hebrew kept", "קוד: 1234", "קוד: 1234"},
		{"combining marks kept", "e\u0301\u0302", "e\u0301\u0302"},
		{"zalgo capped", "a" + strings.Repeat("\u0301", 20) + "b", "a" + strings.Repeat("\u0301", MaxMarks) + "b"},
		{"invalid utf-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"surrogate encoding invalid", "\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"literal backslash kept", `a\x1bb`, `a\x1bb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Text(tc.in)
			if got != tc.want {
				t.Fatalf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if again := Text(got); again != got {
				t.Fatalf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestTextTruncation(t *testing.T) {
	in := strings.Repeat("a", 5000)
	got := Text(in)
	limit := MaxText - markerLen(len(in))
	want := strings.Repeat("a", limit) + "…[+" + strconv.Itoa(5000-limit) + " bytes]"
	if got != want {
		t.Fatalf("got %d bytes ending %q, want %d bytes ending %q", len(got), tail(got), len(want), tail(want))
	}
	if len(got) > MaxText {
		t.Fatalf("len %d > MaxText", len(got))
	}
	if Text(got) != got {
		t.Fatal("truncated text not idempotent")
	}

	// Exactly MaxText bytes is not truncated.
	exact := strings.Repeat("b", MaxText)
	if Text(exact) != exact {
		t.Fatal("text of exactly MaxText bytes was changed")
	}
}

func TestTextTruncationKeepsClusters(t *testing.T) {
	const thumb = "👍🏽" // two runes, one cluster
	in := "x" + strings.Repeat(thumb, 1000)
	got := Text(in)
	body, marker, ok := strings.Cut(got, "…[+")
	if !ok {
		t.Fatalf("no marker in %q", tail(got))
	}
	if rest := strings.TrimPrefix(body, "x"); strings.ReplaceAll(rest, thumb, "") != "" {
		t.Fatalf("cut split a cluster: body ends %q", tail(body))
	}
	if !strings.HasSuffix(marker, " bytes]") || len(got) > MaxText {
		t.Fatalf("bad marker %q or size %d", marker, len(got))
	}
	if Text(got) != got {
		t.Fatal("not idempotent")
	}
}

func TestTextTruncationEscapesStayWhole(t *testing.T) {
	in := strings.Repeat("\x1b", 3000)
	got := Text(in)
	body, _, _ := strings.Cut(got, "…")
	if strings.ReplaceAll(body, `\x1b`, "") != "" {
		t.Fatalf("an escape was cut: %q", tail(body))
	}
	if len(got) > MaxText {
		t.Fatalf("len %d", len(got))
	}
}

func TestTextTruncationHugeCluster(t *testing.T) {
	// One grapheme cluster longer than MaxText: the cut falls on a rune.
	in := "👍" + strings.Repeat("\u200d👍", 2000)
	got := Text(in)
	if len(got) > MaxText || !utf8.ValidString(got) || !strings.Contains(got, "…[+") {
		t.Fatalf("bad result: %d bytes, ends %q", len(got), tail(got))
	}
	if len(got) < MaxText-clusterSlack-32 {
		t.Fatalf("cut too early: %d bytes", len(got))
	}
	if Text(got) != got {
		t.Fatal("not idempotent")
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Alice", "Alice"},
		{"breaks shown", "a\nb\r\nc", "a⏎b⏎c"},
		{"trimmed", "  \r\n error: bad key \n", "error: bad key"},
		{"lone cr escaped", "a\rb", `a\rb`},
		{"escape", "\x1b[2Jname", `\x1b[2Jname`},
		{"bidi", "\u202egnp.exe", `\u202egnp.exe`},
		{"tab", "a\tb", "a b"},
		{"leading control kept visible", "\x00a", `\x00a`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Line(tc.in)
			if got != tc.want {
				t.Fatalf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if Line(got) != got {
				t.Fatalf("not idempotent: %q", got)
			}
		})
	}
	long := Line(strings.Repeat("z", 2000))
	if len(long) > MaxLine || !strings.HasSuffix(long, " bytes]") {
		t.Fatalf("long line: %d bytes, ends %q", len(long), tail(long))
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"123456", "123456"},
		{"012345", "012345"},
		{" 12 34\n", "1234"},
		{"123-456", "123-456"},
		{"G-123456", "G-123456"},
		{"TF33", "TF33"},
		{"a1b2c3", "a1b2c3"},
		{"１２３４", "1234"},
		{"ＡＢ１２", "AB12"},
		{"۱۲۳۴۵", "12345"},
		{"١٢٣٤", "1234"},
		{"१२३४", "1234"},
		{"12\u200b34", "1234"},
		{"--12-34--", "12-34"},
		{"---", ""},
		{"", ""},
		{"验证码", ""},
		{"1234567890123456", "1234567890123456"},
		{"12345678901234567", ""},
		{strings.Repeat("9", 100), ""},
		{"\x1b[31m1234", ""},
		{"1234\x07", ""},
		{"\u009b1234", ""},
		{"12\u202e34", "1234"},
	}
	for _, tc := range tests {
		got := Code(tc.in)
		if got != tc.want {
			t.Errorf("Code(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if Code(got) != got {
			t.Errorf("Code not idempotent on %q", got)
		}
	}
}

// TestAnsiStripIsNotEnough documents why the package does more than
// ansi.Strip: Strip deletes escape sequences silently (the operator never
// sees that a message tried to write the clipboard or retitle the window),
// but it lets C0 controls through, so a carriage return or backspaces still
// redraw the line; it does nothing about C1 runes, bidi overrides, invisible
// format characters or invalid UTF-8; an unterminated OSC swallows the rest
// of the message; and it does not bound the size.
func TestAnsiStripIsNotEnough(t *testing.T) {
	for _, in := range []string{"code 1234\rfake", "1234\b\b\b\b5678", "\u202e4321"} {
		if stripped := ansi.Strip(in); stripped == Text(in) || !hasUnsafe(stripped, false) {
			t.Errorf("ansi.Strip(%q) = %q: expected it to keep something unsafe", in, stripped)
		}
		if hasUnsafe(Text(in), false) {
			t.Errorf("Text(%q) kept something unsafe", in)
		}
	}
}

func TestFastPathMatchesRewrite(t *testing.T) {
	for _, in := range []string{"plain", "emoji 👍🏽 and 验证码", "🏴\U000E0067\U000E007F", "e\u0301", "a\nb"} {
		if !untouched(in, MaxText, false) {
			t.Errorf("%q should take the fast path", in)
		}
		if got := rewrite(in, MaxText, false); got != in {
			t.Errorf("rewrite(%q) = %q", in, got)
		}
	}
}

// hasUnsafe reports a byte or rune Text must never emit.
func hasUnsafe(s string, oneLine bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && (c != '\n' || oneLine)) || c == 0x7f {
			return true
		}
	}
	for _, r := range s {
		if r >= 0x80 && r < 0xa0 || isBidi(r) || r == 0x200B || r == 0xFEFF || r == 0xAD {
			return true
		}
	}
	return false
}

func isBidi(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

func checkClean(t *testing.T, in, out string, max int, oneLine bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 output %q", out)
	}
	if len(out) > max {
		t.Fatalf("output %d bytes > %d", len(out), max)
	}
	if hasUnsafe(out, oneLine) {
		t.Fatalf("unsafe output %q for %q", out, in)
	}
	for _, r := range out {
		if unicode.Is(unicode.Cf, r) && r != 0x200C && r != 0x200D && !numberSign(r) &&
			!(r >= 0xE0020 && r <= 0xE007F) {
			t.Fatalf("format character %U in output %q", r, out)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		checkClean(t, in, out, MaxText, false)
		if again := Text(out); again != out {
			t.Fatalf("not idempotent:\n in  %q\n out %q\n 2nd %q", in, out, again)
		}
		if slow := rewrite(in, MaxText, false); slow != out {
			t.Fatalf("fast path %q differs from rewrite %q", out, slow)
		}
		// Fuzz inputs are short: a small limit exercises the cut too.
		small := clean(in, smallMax, false)
		checkClean(t, in, small, smallMax, false)
		if again := clean(small, smallMax, false); again != small {
			t.Fatalf("cut not idempotent:\n in  %q\n out %q\n 2nd %q", in, small, again)
		}
		// A short, already clean input comes back unchanged.
		if len(in) <= MaxText && utf8.ValidString(in) && !hasUnsafe(in, false) &&
			!strings.ContainsAny(in, "\t") && out != in && !changesPrintable(in) {
			t.Fatalf("clean input changed: %q -> %q", in, out)
		}
	})
}

// changesPrintable reports input that is free of controls but still
// rewritten: invisible characters, tags, or long mark runs.
func changesPrintable(s string) bool {
	var st state
	for _, r := range s {
		if r < 0x80 {
			st = state{}
			continue
		}
		if judge(r, &st) != verbatim {
			return true
		}
	}
	return false
}

func FuzzLine(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Line(in)
		checkClean(t, in, out, MaxLine, true)
		if again := Line(out); again != out {
			t.Fatalf("not idempotent:\n in  %q\n out %q\n 2nd %q", in, out, again)
		}
		if strings.ContainsAny(out, "\n\r") {
			t.Fatalf("line break in %q", out)
		}
		small := clean(trimSpace(in), smallMax, true)
		checkClean(t, in, small, smallMax, true)
		if again := clean(trimSpace(small), smallMax, true); again != small {
			t.Fatalf("cut not idempotent:\n in  %q\n out %q\n 2nd %q", in, small, again)
		}
	})
}

func FuzzCode(f *testing.F) {
	for _, s := range append(fuzzSeeds, "G-123456", "１２３４", "--a--") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Code(in)
		if len(out) > MaxCode {
			t.Fatalf("code %q longer than %d", out, MaxCode)
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
				t.Fatalf("byte %q in code %q", c, out)
			}
		}
		if strings.HasPrefix(out, "-") || strings.HasSuffix(out, "-") {
			t.Fatalf("dash at an end of %q", out)
		}
		if Code(out) != out {
			t.Fatalf("not idempotent: %q", out)
		}
		if Text(out) != out || Line(out) != out {
			t.Fatalf("a code changes when displayed: %q", out)
		}
	})
}

// smallMax is the output limit the fuzz targets also try, so that short
// inputs reach the truncation code.
const smallMax = 48

// fuzzSeeds stay short: the fuzzer minimizes every interesting input, and
// long seeds make that crawl. Long inputs are covered by the tests above.
var fuzzSeeds = []string{
	"",
	"Your code is 1234",
	"code 1234\rfake",
	"\x1b]52;c;ZXZpbA==\x07",
	"\x1b]8;;https://x\x1b\\y\x1b]8;;\x1b\\",
	"\u009b31m\u202e\u2066",
	"\xff\xfe\x9b",
	"a" + strings.Repeat("\u0301", 12),
	"🏴\U000E0067\U000E0062\U000E007F\U000E0041",
	"👨\u200d👩\u200d👧 验证码 ١٢٣",
	"a\r\n\r\rb\n",
	strings.Repeat("👍🏽", 12),
	strings.Repeat("\x1b", 30),
	"x" + strings.Repeat("\u200d👍", 20),
}

func BenchmarkText(b *testing.B) {
	// A typical 160-byte SMS.
	sms := "Your WhatsApp code: 482-193. You can also tap on this link to verify your phone: v.whatsapp.com/482193 Don't share this code with others. 4sgLq1p5sV6"
	sms += strings.Repeat(".", 160-len(sms))
	b.ReportAllocs()
	b.SetBytes(int64(len(sms)))
	for b.Loop() {
		Text(sms)
	}
}

func BenchmarkTextEscaped(b *testing.B) {
	sms := "Your code is 482193\r\n\x1b]52;c;ZXZpbA==\x07 Don't share it \u202e with anyone. Valid for 10 minutes. Ref: 4sgLq1p5sV6 Приятного дня! 验证码"
	b.ReportAllocs()
	b.SetBytes(int64(len(sms)))
	for b.Loop() {
		Text(sms)
	}
}

func tail(s string) string {
	if len(s) > 40 {
		return s[len(s)-40:]
	}
	return s
}
