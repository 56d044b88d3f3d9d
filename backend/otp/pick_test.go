package otp

import (
	"slices"
	"testing"
)

// choice is a message that offers several codes, or looks as if it did.
type choice struct {
	name, text string
	want       []string // Pick's Candidates; ambiguous when more than one
}

// ambiguous are messages with two or more different codes anchored
// equally well: Extract returns "" and Pick names them all.
var ambiguous = []choice{
	{"or after keyword", "Your code is 1234 or 5678", []string{"1234", "5678"}},
	{"use or", "use 4821 or 9934", []string{"4821", "9934"}},
	{"or before keyword", "1234 or 5678 is your verification code", []string{"1234", "5678"}},
	{"russian ili", "Ваш код: 1234 или 5678", []string{"1234", "5678"}},
	{"spanish o", "Tu código es 1234 o 5678", []string{"1234", "5678"}},
	{"french ou", "Votre code : 1234 ou 5678", []string{"1234", "5678"}},
	{"german oder", "Ihr Code lautet 1234 oder 5678", []string{"1234", "5678"}},
	{"turkish veya", "Doğrulama kodunuz 1234 veya 5678", []string{"1234", "5678"}},
	{"hebrew", "קוד: 1234 או 5678", []string{"1234", "5678"}},
	{"chinese huo", "验证码：1234或5678", []string{"1234", "5678"}},
	{"japanese mataha", "認証番号は 1234 または 5678 です", []string{"1234", "5678"}},
	{"korean ttoneun", "인증번호 1234 또는 5678", []string{"1234", "5678"}},
	{"list of three", "Codes: 1234, 5678 or 9012", []string{"1234", "5678", "9012"}},
	{"slash", "Your code: 482913 / 771204", []string{"482913", "771204"}},
	{"two sentences tie", "Your code is 1234. Your code is 5678.", []string{"1234", "5678"}},
	{"two lines tie", "Login code: 48291\nLogin code: 77120", []string{"48291", "77120"}},
	{"mixed or digits", "Your code is TF33 or 4821", []string{"TF33", "4821"}},
	{"comma or use", "Your code: 1234, or use 5678", []string{"1234", "5678"}},
	{"chinese huozhe after comma", "您的验证码是1234，或者5678", []string{"1234", "5678"}},
	{"polish lub", "Kod: 1234 lub 5678", []string{"1234", "5678"}},
	{"italian oppure", "Il tuo codice è 1234 oppure 5678", []string{"1234", "5678"}},
	{"portuguese ou", "Seu código: 482913 ou 771204", []string{"482913", "771204"}},
}

// unambiguous look like ambiguous messages but name one code: the same
// code twice, or one code beside numbers that are something else.
var unambiguous = []choice{
	{"same code or", "Your code is 4821 or 4821", []string{"4821"}},
	{"same code twice", "Your code is 4821. Again, your code is 4821.", []string{"4821"}},
	{"code and phones", "Your code is 4821. Call 555-1234 or 555-9999 for help.", []string{"4821"}},
	{"code and amounts", "Your code is 4821. Pay $12 or $15 at the desk.", []string{"4821"}},
	{"code and order", "Your code is 4821 for order 5567.", []string{"4821"}},
	{"code or call", "Your code 4821 or call +1 415 555 1234", []string{"4821"}},
	{"code and time", "Code 4821 expires at 14:30 or after 3 attempts", []string{"4821"}},
	{"reply stop", "Enter 4821 or reply STOP to 45678", []string{"4821"}},
	{"code and pin words", "Your code is 4821 and it expires in 10 minutes", []string{"4821"}},
	{"russian sum", "Код 4821. Сумма 1500 или 2000 руб.", []string{"4821"}},
	{"nearer wins", "Code: 4821. Ticket 5567 or 5568.", []string{"4821"}},
	{"no keyword two numbers", "Bus 4821 leaves at 9, bus 4822 at 10", nil},
}

// Checks from outside the project call Extract with exactly this signature.
var _ func(string) string = Extract

func TestPickAmbiguous(t *testing.T) {
	for _, set := range [][]choice{ambiguous, unambiguous} {
		for _, tc := range set {
			t.Run(tc.name, func(t *testing.T) {
				got := Pick(tc.text)
				wantAmbiguous := len(tc.want) > 1
				wantCode := ""
				if len(tc.want) == 1 {
					wantCode = tc.want[0]
				}
				if !slices.Equal(got.Candidates, tc.want) || got.Ambiguous != wantAmbiguous || got.Code != wantCode {
					t.Errorf("Pick(%q) = %+v, want candidates %q", tc.text, got, tc.want)
				}
				if ex := Extract(tc.text); ex != got.Code {
					t.Errorf("Extract(%q) = %q, Pick's code %q", tc.text, ex, got.Code)
				}
			})
		}
	}
}

// TestPickTables checks Pick against the Extract tables: one candidate,
// the code, never ambiguous.
func TestPickTables(t *testing.T) {
	for _, set := range [][]sample{codes, traps} {
		for _, tc := range set {
			got := Pick(tc.text)
			if got.Code != tc.want || got.Ambiguous {
				t.Errorf("%s: Pick(%q) = %+v, want %q", tc.name, tc.text, got, tc.want)
			}
			if want := []string{tc.want}; tc.want == "" && len(got.Candidates) != 0 || tc.want != "" && !slices.Equal(got.Candidates, want) {
				t.Errorf("%s: Pick(%q).Candidates = %q", tc.name, tc.text, got.Candidates)
			}
		}
	}
}
