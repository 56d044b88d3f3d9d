package otp

import "testing"

// Families of messages the picker once missed, each in several languages
// and shapes; TestFamilies runs them through Extract and Pick.

// replaced are messages that name an old code beside the new one: the
// new or current one wins, and an old code alone is no answer.
var replaced = []sample{
	{"old expired new", "Your old code 1111 has expired. Your new code is 2222", "2222"},
	{"ignore previous", "Ignore the previous code 1234; use 5678", "5678"},
	{"chinese expired new", "代码 1234 已失效，新验证码 5678", "5678"},
	{"chinese previous", "您之前的验证码1234已作废，本次验证码为5678，5分钟内有效。", "5678"},
	{"new first old after", "Your new code is 2222. The old code 1111 no longer works.", "2222"},
	{"no longer valid", "Code 1234 is no longer valid. Use code 5678 instead.", "5678"},
	{"new wins over plain", "Your code was 1111. Your new code is 2222.", "2222"},
	{"old and new labels", "Old code: 1111\nNew code: 2222", "2222"},
	{"russian", "Ваш старый код 1111 больше не действует. Новый код: 2222", "2222"},
	{"russian previous", "Предыдущий код 1234 недействителен. Ваш код: 5678", "5678"},
	{"french", "Votre ancien code 1234 a expiré. Nouveau code : 5678", "5678"},
	{"spanish", "Tu código anterior 1234 ha caducado. Tu nuevo código es 5678", "5678"},
	{"german", "Ihr alter Code 1234 ist abgelaufen. Neuer Code: 5678", "5678"},
	{"italian", "Il codice precedente 1234 non è più valido. Nuovo codice: 5678", "5678"},
	{"portuguese", "Seu código anterior 1234 expirou. Novo código: 5678", "5678"},
	{"turkish", "Önceki kodunuz 1234 geçersiz. Yeni kodunuz: 5678", "5678"},
	{"polish", "Poprzedni kod 1234 wygasł. Nowy kod: 5678", "5678"},
	{"korean", "이전 인증번호 1234는 만료되었습니다. 새 인증번호 [5678]", "5678"},
	{"japanese", "以前の認証番号 1234 は無効です。新しい認証番号は 5678 です", "5678"},
	{"only old", "Your old code 1111 has expired. Request a new one in the app.", ""},
	{"only expired", "Verification code 482913 has expired.", ""},
	{"future expiry is not stale", "Your code 4821 will be invalid after 10 minutes.", "4821"},
	{"chinese future expiry", "验证码4821，5分钟后失效。", "4821"},
	{"korean future expiry", "인증번호 4821 5분 후 만료", "4821"},
	{"old word elsewhere", "Your old phone number was removed. Your code is 4821.", "4821"},
	{"new device", "Code for your new device: 4821", "4821"},
}

func TestFamilies(t *testing.T) {
	for _, family := range []struct {
		name string
		set  []sample
	}{
		{"replaced", replaced},
	} {
		for _, tc := range family.set {
			t.Run(family.name+"/"+tc.name, func(t *testing.T) {
				got := Pick(tc.text)
				if got.Code != tc.want || got.Ambiguous {
					t.Errorf("Pick(%q) = %+v, want %q", tc.text, got, tc.want)
				}
				if ex := Extract(tc.text); ex != tc.want {
					t.Errorf("Extract(%q) = %q, want %q", tc.text, ex, tc.want)
				}
			})
		}
	}
}
