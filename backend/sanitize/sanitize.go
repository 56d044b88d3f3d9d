// Package sanitize neutralizes untrusted provider text where it enters the
// program, before it can reach the screen, the clipboard or a log.
//
// Nothing in the output can act on a terminal: every character that could
// (C0 and C1 controls, ESC and with it every escape sequence, DEL) and every
// invisible character that could hide or reorder text (bidi controls and
// other format characters) is rewritten as a visible escape in Go
// string-literal style:
//
//	\a \b \f \r \v     BEL, BS, FF, CR, VT
//	\xHH               other C0 controls and DEL (ESC is \x1b)
//	\uHHHH             C1 controls, bidi controls, format characters
//	\UHHHHHHHH         the same above U+FFFF (e.g. stray tag characters)
//
// Hex digits are lowercase. An escape sequence is not parsed away: once its
// ESC (or 8-bit introducer such as U+009B) is escaped, the rest of it is
// plain printable text and is shown as such, so `ESC ] 52 ; c ; <base64> BEL`
// becomes `\x1b]52;c;<base64>\a` — visible evidence, never a clipboard write.
//
// Escapes are for display only: a literal backslash in the input is kept as
// is, so `\x1b` in the output may also have been typed by the sender. That is
// the price of idempotence (Text(Text(x)) == Text(x)); escaping backslashes
// would double them on every pass.
//
// What is escaped besides controls:
//   - bidi controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
//   - every other format character (general category Cf): soft hyphen,
//     zero-width space, word joiner, invisible operators, BOM, interlinear
//     annotation, Mongolian vowel separator, deprecated shaping controls,
//     the language tag, and so on;
//   - default-ignorable characters that render as nothing or as blank cells
//     (Hangul fillers U+115F, U+1160, U+3164, U+FFA0, combining grapheme
//     joiner, Khmer inherent vowels, reserved ignorables);
//   - U+2028 and U+2029, which some renderers take as line breaks.
//
// Kept on purpose: U+200C and U+200D (ZWNJ/ZWJ are needed by Persian and
// Indic scripts and by emoji sequences), variation selectors, the visible
// Arabic number signs (U+0600–U+0605, U+06DD, U+070F, U+0890–U+0891,
// U+08E2, U+110BD, U+110CD), and tag characters that directly follow the
// black flag U+1F3F4 (subdivision flags such as England); tag characters
// anywhere else can smuggle invisible ASCII and are escaped.
//
// Runs of more than MaxMarks combining marks ("zalgo" text, which paints over
// the neighbouring rows) are cut to MaxMarks; no script needs more.
//
// Tab becomes one space. CRLF becomes LF; a lone CR is escaped, so
// "code 1234\rfake" can never be displayed as "fake 1234". Invalid UTF-8
// bytes become U+FFFD. Wide characters and emoji are kept intact, and output
// is cut on a grapheme-cluster boundary when one is near, with a visible
// marker "…[+N bytes]" that counts the input bytes left out.
package sanitize

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

const (
	// MaxText bounds the output of Text in bytes, marker included.
	MaxText = 4096
	// MaxLine bounds the output of Line in bytes, marker included.
	MaxLine = 512
	// MaxCode bounds the output of Code in bytes.
	MaxCode = 16
	// MaxMarks is the longest run of combining marks kept after one base.
	MaxMarks = 8
)

// LineBreak is what Line shows in place of a line break.
const LineBreak = "⏎"

// Text neutralizes multi-line text: the result holds no control character
// except '\n', no bidi control, no invisible format character, is valid UTF-8
// and at most MaxText bytes long.
func Text(s string) string { return clean(s, MaxText, false) }

// Line is Text for a single line: surrounding whitespace and line breaks are
// trimmed, inner line breaks (LF or CRLF) are shown as LineBreak, and the
// result is at most MaxLine bytes long.
func Line(s string) string { return clean(trimSpace(s), MaxLine, true) }

// codeScratch bounds the work Code does on a long input.
const codeScratch = 64

// Code keeps only what a verification code can hold: ASCII letters, digits
// and '-'. A value carrying ESC or another control character other than
// tab, CR and LF is not a code the provider meant to send and yields "" (the
// caller then falls back to extracting the code from the message). Fullwidth letters and digits and the common non-Latin decimal
// digits (Arabic-Indic, Persian, Devanagari, Bengali, Thai) are folded to
// ASCII; everything else is dropped. Leading and trailing dashes are trimmed.
// A result longer than MaxCode, or one without a letter or digit, is not a
// code and yields "" (a 40-character token cut to 16 would be displayed and
// copied as a code and be wrong). The result is plain ASCII, so what the
// dashboard shows is exactly what it stores and copies.
func Code(s string) string {
	var buf [codeScratch]byte
	n := 0
	alnum := false
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7F && r < 0xA0 {
			return ""
		}
		c, ok := codeByte(r)
		if !ok || (c == '-' && n == 0) {
			continue
		}
		if n == len(buf) {
			return ""
		}
		buf[n] = c
		n++
		alnum = alnum || c != '-'
	}
	for n > 0 && buf[n-1] == '-' {
		n--
	}
	if !alnum || n > MaxCode {
		return ""
	}
	return string(buf[:n])
}

func codeByte(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r == '-':
		return byte(r), true
	case r >= 'Ａ' && r <= 'Ｚ':
		return byte(r - 'Ａ' + 'A'), true
	case r >= 'ａ' && r <= 'ｚ':
		return byte(r - 'ａ' + 'a'), true
	}
	if d, ok := DigitValue(r); ok {
		return '0' + byte(d), true
	}
	return 0, false
}

// digitZeros are the zeros of the decimal digit blocks DigitValue folds.
var digitZeros = [...]rune{
	'０',      // fullwidth
	'\u0660', // Arabic-Indic
	'\u06F0', // Extended Arabic-Indic (Persian, Urdu)
	'\u0966', // Devanagari
	'\u09E6', // Bengali
	'\u0E50', // Thai
}

// DigitValue returns the value of r if it is an ASCII digit or a digit of one
// of the scripts SMS codes are commonly written in.
func DigitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x0660 {
		return 0, false
	}
	for _, zero := range digitZeros {
		if r >= zero && r <= zero+9 {
			return int(r - zero), true
		}
	}
	return 0, false
}

func trimSpace(s string) string {
	isSpace := func(c byte) bool {
		return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
	}
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// state is what the rewriting of one rune depends on: what was emitted just
// before it.
type state struct {
	marks    int  // combining marks emitted since the last base
	flagTags bool // last emitted rune is U+1F3F4 or a tag kept after it
}

// verdict says what becomes of one input rune.
type verdict uint8

const (
	verbatim verdict = iota // copied as is
	escaped                 // shown as a visible escape
	dropped                 // removed (combining marks beyond MaxMarks)
)

// judge decides the fate of a non-ASCII rune and advances st accordingly.
func judge(r rune, st *state) verdict {
	if r >= 0xE0020 && r <= 0xE007F {
		if st.flagTags {
			st.flagTags = r != 0xE007F // CANCEL TAG ends the sequence
			st.marks = 0
			return verbatim
		}
		st.marks = 0
		return escaped
	}
	st.flagTags = r == 0x1F3F4
	if invisible(r) {
		st.marks = 0
		return escaped
	}
	if r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Me) {
		if st.marks >= MaxMarks {
			return dropped
		}
		st.marks++
		return verbatim
	}
	st.marks = 0
	return verbatim
}

// invisible reports whether a non-ASCII rune is a control, or a character
// that renders as nothing (or as blank) and so can hide or reorder text.
func invisible(r rune) bool {
	switch {
	case r < 0xA0: // C1 controls
		return true
	case r < 0x300:
		return r == 0xAD // soft hyphen
	case r == 0x200C || r == 0x200D: // ZWNJ, ZWJ: needed by scripts and emoji
		return false
	case r == 0x2028 || r == 0x2029:
		return true
	case unicode.Is(unicode.Cf, r):
		return !numberSign(r)
	}
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// numberSign reports the visible Arabic and Kaithi number signs, which are
// format characters that print a glyph.
func numberSign(r rune) bool {
	switch {
	case r >= 0x0600 && r <= 0x0605, r == 0x06DD, r == 0x070F,
		r == 0x0890, r == 0x0891, r == 0x08E2, r == 0x110BD, r == 0x110CD:
		return true
	}
	return false
}

// untouched reports whether rewrite(s, max, oneLine) would return s itself; it
// is the allocation-free path for the common, harmless message.
func untouched(s string, max int, oneLine bool) bool {
	if len(s) > max {
		return false
	}
	var st state
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7F {
				if c != '\n' || oneLine {
					return false
				}
			}
			st = state{}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if judge(r, &st) != verbatim {
			return false
		}
		i += size
	}
	return true
}

// boundary is a place where output may be cut: out bytes of output made of
// the first in bytes of input.
type boundary struct{ out, in int }

// clusterSlack is how far back from the byte limit a cut may move to land on
// a grapheme-cluster boundary; past it the cut falls on a rune boundary.
const clusterSlack = 64

func clean(s string, max int, oneLine bool) string {
	if untouched(s, max, oneLine) {
		return s
	}
	return rewrite(s, max, oneLine)
}

// rewrite builds the neutralized copy of s.
func rewrite(s string, max int, oneLine bool) string {
	// The marker's length depends on how much is left out; reserving room
	// for the largest possible count keeps every cut below max.
	reserve := markerLen(len(s))
	limit := max - reserve

	// Room for the input plus a few escapes, so that the common message is
	// built in one allocation.
	var b strings.Builder
	b.Grow(min(len(s)+len(s)/8+16, max))
	var st state
	var cuts [clusterSlack + 2]boundary
	ncuts := 0
	i := 0
	for i < len(s) {
		unitStart := b.Len()
		if unitStart >= limit-clusterSlack && unitStart <= limit {
			// A dropped mark leaves the output where it was: keep the
			// later input position for the same output length.
			if ncuts > 0 && cuts[ncuts-1].out == unitStart {
				cuts[ncuts-1].in = i
			} else if ncuts < len(cuts) {
				cuts[ncuts] = boundary{unitStart, i}
				ncuts++
			}
		}
		var unit [12]byte
		piece := unit[:0]
		c := s[i]
		consumed := 1
		switch {
		case c >= 0x20 && c < 0x7F:
			piece = append(piece, c)
			st = state{}
		case c == '\n' || (c == '\r' && i+1 < len(s) && s[i+1] == '\n'):
			if c == '\r' {
				consumed = 2
			}
			if oneLine {
				piece = append(piece, LineBreak...)
			} else {
				piece = append(piece, '\n')
			}
			st = state{}
		case c == '\t':
			piece = append(piece, ' ')
			st = state{}
		case c < utf8.RuneSelf:
			piece = appendEscape(piece, rune(c))
			st = state{}
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			consumed = n
			if r == utf8.RuneError && n == 1 {
				piece = utf8.AppendRune(piece, utf8.RuneError)
				st = state{}
				break
			}
			switch judge(r, &st) {
			case verbatim:
				piece = append(piece, s[i:i+n]...)
			case escaped:
				piece = appendEscape(piece, r)
			}
		}
		if b.Len()+len(piece) > max {
			return truncate(b.String(), cuts[:ncuts], limit, len(s))
		}
		b.Write(piece)
		i += consumed
	}
	return b.String()
}

// truncate cuts b at the last cut that is at most limit bytes long,
// preferring one on a grapheme-cluster boundary, and appends the marker.
func truncate(b string, cuts []boundary, limit, inputLen int) string {
	best := boundary{}
	for _, c := range cuts {
		if c.out <= limit {
			best = c
		}
	}
	if clustered, ok := lastClusterCut(b, cuts, limit); ok {
		best = clustered
	}
	var out strings.Builder
	out.Grow(best.out + markerLen(inputLen))
	out.WriteString(b[:best.out])
	out.WriteString("…[+")
	out.WriteString(strconv.Itoa(inputLen - best.in))
	out.WriteString(" bytes]")
	return out.String()
}

// lastClusterCut returns the last cut at most limit bytes long that is also
// a grapheme-cluster boundary of b.
func lastClusterCut(b string, cuts []boundary, limit int) (boundary, bool) {
	if len(cuts) == 0 {
		return boundary{}, false
	}
	// Segment from a position known to be a cluster boundary: between two
	// ASCII bytes there always is one (CR LF never occurs in the output).
	start := cuts[0].out
	for start > 0 && !(b[start-1] < utf8.RuneSelf && b[start] < utf8.RuneSelf) {
		start--
	}
	var found boundary
	ok := false
	next := 0
	mark := func(pos int) {
		for next < len(cuts) && cuts[next].out <= pos {
			if cuts[next].out == pos && pos <= limit {
				found, ok = cuts[next], true
			}
			next++
		}
	}
	mark(start)
	rest, pos, st := b[start:], start, -1
	for len(rest) > 0 && pos < limit {
		var cluster string
		cluster, rest, _, st = uniseg.FirstGraphemeClusterInString(rest, st)
		pos += len(cluster)
		mark(pos)
	}
	return found, ok
}

func markerLen(inputLen int) int {
	digits := 1
	for n := inputLen; n >= 10; n /= 10 {
		digits++
	}
	return len("…[+") + digits + len(" bytes]")
}

const hexDigits = "0123456789abcdef"

// appendEscape appends the Go string-literal escape of r.
func appendEscape(b []byte, r rune) []byte {
	switch r {
	case '\a':
		return append(b, `\a`...)
	case '\b':
		return append(b, `\b`...)
	case '\f':
		return append(b, `\f`...)
	case '\r':
		return append(b, `\r`...)
	case '\v':
		return append(b, `\v`...)
	}
	switch {
	case r < utf8.RuneSelf:
		return append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xF])
	case r <= 0xFFFF:
		b = append(b, '\\', 'u')
		for shift := 12; shift >= 0; shift -= 4 {
			b = append(b, hexDigits[(r>>shift)&0xF])
		}
		return b
	default:
		b = append(b, '\\', 'U')
		for shift := 28; shift >= 0; shift -= 4 {
			b = append(b, hexDigits[(r>>shift)&0xF])
		}
		return b
	}
}
