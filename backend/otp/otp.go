// Package otp picks the verification code out of an SMS when the provider
// gives none (the provider's own code field wins, elsewhere).
//
// Extract works on the raw provider text and tries, in order:
//
//  1. the origin-bound last line of the WebOTP format, "@example.com #123456"
//     (an optional trailing "@embedded.example" or "%example" is allowed);
//  2. a code anchored to a keyword ("code", "OTP", "код", "验证码", …): the
//     candidate nearest to a keyword wins, before or after it, and the
//     value right after a keyword ("code: 4821") counts as nearest;
//  3. a plain number of 4–6 digits, only when the message holds exactly
//     one, reads like a verification message (it says what the number is
//     for: verify, log in, enter, do not share, expires…, or it is little
//     more than the number, "Bolt: 4821"), and is no advert or prize
//     notice. A longer number standing alone is a ticket, prize, account or
//     tracking number, and "Your ride 4821 has arrived" holds no code.
//
// Pick does the same and also says when a message offers several codes
// equally well: two or more different candidates that tie for the best
// anchor (each the value right after its own keyword, "Your code is 1234.
// Your code is 5678."), or that are offered as alternatives of the best
// one ("code 1234 or 5678", "код: 1234 или 5678", "1234 / 5678", "use 4821
// or 9934"). Such a message is Ambiguous: Pick lists the candidates and
// names no code, and Extract returns "". The same code twice is not
// ambiguous, and numbers masked as something else (a phone number, an
// amount, an order number…) are never candidates.
//
// A code that the message calls old, previous or expired ("Your old code
// 1111 has expired", "Предыдущий код 1234 недействителен", "代码 1234
// 已失效") is never picked, and one it calls new or current ("new code",
// "nouveau code", "新验证码") wins over the others.
//
// Before matching it masks what is never a code: app-hash tokens ("<#>" and
// the 11-character SMS Retriever hash at the end), URLs, e-mail addresses,
// amounts with a currency, dates, times, years that are clearly years,
// masked card numbers, phone numbers, and numbers labelled as something else
// (order, ref, balance, account, promo code, prize, ticket, ZIP, PLZ,
// postcode, parcel, flight, room, bill, …).
//
// Where this departs from the notes: they name "a plain 4–8 digit
// fallback"; the fallback here takes 4–6 digits and only from a message
// that reads like a verification message (see 3 above), because a lone 7-
// or 8-digit number, or a number in a delivery, payment or prize notice, is
// far more often something else. A keyword still anchors 4–8 digits.
//
// Decisions where the notes are silent:
//   - Digit groups of one width joined by single spaces or hyphens are one
//     code, returned without the separators: the dashboard copies what
//     Extract returns and services take digits only. "123-456" and
//     "123 456" count wherever they stand; groups of two or four ("48 21
//     93", "4821 9301") only near a keyword, in the same sentence; single
//     digits ("验证码：1 2 3 4 5 6", "인증번호 [1 2 3 4]") only right after
//     one. Groups of mixed widths ("4821 93", "482 913 77") are not joined
//     (the 4821 of "4821 93" is read on its own), and chains of nine digits
//     or more are phone numbers.
//   - Google's "G-123456" yields "123456": Google's form shows the "G-"
//     itself, and digits are what every other service wants too. The same
//     goes for "FB-12345".
//   - Letter-and-digit codes in hyphenated groups ("8H4K-2M9P", "AB12-CD34")
//     are returned as written, hyphen included: the hyphen is part of how
//     the service prints the code, sanitize.Code keeps it, and the operator
//     sees what the message shows. A short letter prefix before a digit code
//     ("G-", "FB-") is not part of the code, and the WebOTP line's code is
//     returned without hyphens as before.
//   - Mixed codes ("TF33", "A1B2C3") are accepted only after a keyword and
//     close to it; letter-only codes only right after a keyword and a colon
//     or "is" ("code: ABCDEF"), and in capitals. Neither is accepted in a
//     message that reads like an advert (a percentage, "off", "sale", …),
//     where "code" is most likely a promo code.
//   - The plain fallback refuses 1900–2099: in a message without a keyword
//     such a number is more likely a year than a code.
//   - Fullwidth, Arabic-Indic, Persian, Devanagari, Bengali and Thai digits
//     are read as ASCII digits, and the result is ASCII.
//   - Invisible format characters (bidi marks, zero-width space) are ignored,
//     so "48\u200b2913" reads "482913"; control characters and escape
//     sequences end a token, and a token touching an escape sequence is not
//     trusted.
package otp

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"switchboard/backend/sanitize"
)

const (
	minLen = 4
	maxLen = 8
	// maxHyphenated bounds the letters and digits of a hyphenated code
	// ("AB12-CD34-EF56").
	maxHyphenated = 12
	// maxInput bounds the work on hostile input; an SMS of ten segments is
	// about 1600 characters.
	maxInput = 4096
	// maxWebOTPLine bounds the last line looked at for the WebOTP format.
	maxWebOTPLine = 256
)

// Bytes that replace text in the working copy of the message.
const (
	junk = 0x01 // masked text (amount, URL, escape sequence…): a token touching it is part of it
	hard = 0x02 // a control character: ends a token
)

// Result is what Pick found in a message.
type Result struct {
	// Code is the code to use, as Extract returns it; "" when the message
	// holds none or is Ambiguous.
	Code string
	// Candidates are the different codes that rank best, in the order of
	// the text: just Code when the pick is clear, two or more when the
	// message is Ambiguous, none when it holds no code. Each is 4–8 ASCII
	// letters and digits, or letter-and-digit groups joined by hyphens as
	// written ("AB12-CD34").
	Candidates []string
	// Ambiguous reports two or more different codes anchored equally well
	// ("code 1234 or 5678"): the caller shows Candidates and copies none
	// until the operator chooses.
	Ambiguous bool
}

// Extract returns the verification code in text, or "" when there is none
// it can name with confidence, or when the message offers several (see
// Pick). It is Pick(text).Code.
func Extract(text string) string {
	return Pick(text).Code
}

// Pick finds the verification code in text, and says when the message
// offers several equally well. Extract(text) is always Pick(text).Code.
func Pick(text string) Result {
	if len(text) > maxInput {
		if code := webOTP(fold(lastLine(text))); code != "" {
			return found(code)
		}
		cut := maxInput
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	w := fold(text)
	maskAppHash(w)
	if code := webOTP(lastLineBytes(w)); code != "" {
		return found(code)
	}
	l := lexemes(lex(w))
	maskJunk(w, l)
	advert := isAdvert(w, l)
	keywords := findKeywords(w, l)
	cands := markFreshness(w, l, keywords, candidates(w))
	best := byKeyword(w, keywords, cands, advert)
	if len(best) == 0 {
		best = fallback(w, l, cands, advert)
	}
	return result(cands, best)
}

func found(code string) Result { return Result{Code: code, Candidates: []string{code}} }

// result names the chosen candidates: one code, or several and ambiguous.
func result(cands []candidate, chosen []int) Result {
	var codes []string
	for _, ci := range chosen {
		if !slices.Contains(codes, cands[ci].code) {
			codes = append(codes, cands[ci].code)
		}
	}
	switch len(codes) {
	case 0:
		return Result{}
	case 1:
		return found(codes[0])
	}
	return Result{Candidates: codes, Ambiguous: true}
}

// fold makes the working copy: line breaks become '\n', other white space
// ' ', control characters hard, escape sequences and C1 controls junk,
// invisible format characters nothing, and non-ASCII digits ASCII.
func fold(text string) []byte {
	w := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n' || c == '\r' || c == '\v' || c == '\f':
				w = append(w, '\n')
			case c == '\t' || c == ' ':
				w = append(w, ' ')
			case c == 0x1b:
				w = append(w, junk)
				i += escapeLen(text[i:])
				continue
			case c < 0x20 || c == 0x7f:
				w = append(w, hard)
			default:
				w = append(w, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			w = append(w, hard)
		case r < 0xA0:
			w = append(w, junk)
			i += c1Len(text[i:], r)
			continue
		case r == 0x2028 || r == 0x2029:
			w = append(w, '\n')
		case unicode.IsSpace(r):
			w = append(w, ' ')
		case unicode.Is(unicode.Cf, r):
			// invisible: read through it
		default:
			if d, ok := sanitize.DigitValue(r); ok {
				w = append(w, byte('0'+d))
			} else {
				w = append(w, text[i:i+size]...)
			}
		}
		i += size
	}
	return w
}

// escapeLen is the length of the escape sequence at the start of s (s[0] is
// ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + stringLen(s[2:])
	}
	i := 1
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// c1Len is the length of the C1 control r at the start of s, with the
// sequence it introduces.
func c1Len(s string, r rune) int {
	switch r {
	case 0x9B: // CSI
		return 2 + csiLen(s[2:])
	case 0x90, 0x98, 0x9D, 0x9E, 0x9F: // DCS, SOS, OSC, PM, APC
		return 2 + stringLen(s[2:])
	}
	return 2
}

// csiLen is the length of a CSI sequence's parameters and final byte.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c > 0x3f {
			return i
		}
	}
	return len(s)
}

// stringLen is the length of a control string's body and terminator (BEL or
// ST); an unterminated string is left as text.
func stringLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0x07:
			return i + 1
		case 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case 0xc2:
			if i+1 < len(s) && s[i+1] == 0x9c {
				return i + 2
			}
		}
	}
	return 0
}

// mask replaces w[start:end] with junk, keeping line breaks.
func mask(w []byte, start, end int) {
	for k := start; k < end; k++ {
		if w[k] != '\n' {
			w[k] = junk
		}
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\n' || c == junk || c == hard }

var webOTPLine = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})? +#([A-Za-z0-9-]+)(?: +[@%][A-Za-z0-9.:-]+)* *$`)

// webOTP reads the code from an origin-bound line "@host #code".
func webOTP(line []byte) string {
	m := webOTPLine.FindSubmatch(bytes.Trim(line, " "))
	if m == nil {
		return ""
	}
	code := strings.ReplaceAll(string(m[1]), "-", "")
	if len(code) < minLen || len(code) > maxLen {
		return ""
	}
	return code
}

// lastLineBytes returns the last line of w that holds anything.
func lastLineBytes(w []byte) []byte {
	end := len(w)
	for end > 0 && isBlank(w[end-1]) {
		end--
	}
	start := bytes.LastIndexByte(w[:end], '\n') + 1
	if end-start > maxWebOTPLine {
		return nil
	}
	return w[start:end]
}

// lastLine returns the raw last line of a long text.
func lastLine(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	if len(text) > maxWebOTPLine*2 {
		text = text[len(text)-maxWebOTPLine*2:]
	}
	if i := strings.LastIndexAny(text, "\r\n"); i >= 0 {
		text = text[i+1:]
	}
	if !utf8.ValidString(text) {
		return ""
	}
	return text
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
