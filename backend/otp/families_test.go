package otp

import "testing"

// Families of messages the picker once missed, each in several languages
// and shapes; TestFamilies runs them through Extract and Pick.

// replaced are messages that name an old code beside the new one: the
// new or current one wins, and an old code alone is no answer.
var replaced = []sample{
	{"old expired new", "Your old code 1111 has expired. Your new code is 2222", "2222"},
	{"ignore previous", "Ignore the previous code 1234; use 5678", "5678"},
	{"chinese expired new", "验证码 1234 已失效，新验证码：5678", "5678"},
	{"chinese previous", "您之前的验证码1234已作废，本次验证码为5678，5分钟内有效。", "5678"},
	{"new first old after", "Your new code is 2222. The old code 1111 no longer works.", "2222"},
	{"no longer valid", "Code 1234 is no longer valid. Use code 5678 instead.", "5678"},
	{"new wins over plain", "Code: 1111 (sent in error). New code: 2222", "2222"},
	{"old and new labels", "Old code: 1111\nNew code: 2222", "2222"},
	{"russian", "Ваш старый код 1111 больше не действует. Новый код: 2222", "2222"},
	{"russian previous", "Предыдущий код 1234 недействителен. Ваш код: 5678", "5678"},
	{"french", "Votre ancien code 1234 a expiré. Nouveau code : 5678", "5678"},
	{"spanish", "Código 1234 caducado. Tu nuevo código es 5678", "5678"},
	{"german", "Ihr alter Code 1234 ist abgelaufen. Neuer Code: 5678", "5678"},
	{"italian", "Codice 1234 non più valido. Nuovo codice: 5678", "5678"},
	{"portuguese", "Código 1234 expirou. Novo código: 5678", "5678"},
	{"turkish", "Önceki kodunuz 1234 geçersiz. Yeni kodunuz: 5678", "5678"},
	{"polish", "Poprzedni kod 1234 wygasł. Nowy kod: 5678", "5678"},
	{"korean", "이전 인증번호 1234는 만료되었습니다. 새 인증번호 [5678]", "5678"},
	{"polish stale after", "Kod weryfikacyjny: 1234. Poprzedni kod 5678 wygasł.", "1234"},
	{"replaced by", "Code 1234 has been replaced by 5678", "5678"},
	{"japanese", "以前の認証番号 1234 は無効です。新しい認証番号は 5678 です", "5678"},
	{"only old", "Your old code 1111 has expired. Request a new one in the app.", ""},
	{"only expired", "Verification code 482913 has expired.", ""},
}

// digitGroupCodes are codes written in digit groups of one width, returned
// without the separators; groups of mixed widths are not one code.
var digitGroupCodes = []sample{
	{"2-2-2 english", "Your code: 48 21 93", "482193"},
	{"2-2-2 french", "Votre code : 48 21 93", "482193"},
	{"2-2-2 french words between", "Votre code de vérification : 48 21 93", "482193"},
	{"2-2-2-2 russian", "Ваш код: 48 21 93 17", "48219317"},
	{"4-4 english", "Your verification code is 4821 9301. Valid 5 minutes.", "48219301"},
	{"4-4 hyphen spanish", "Tu código es 4821-9301", "48219301"},
	{"2-2 italian", "Il tuo codice è 12 34", "1234"},
	{"2-2-2 before keyword", "48 21 93 is your Uber code", "482193"},
	{"2-2-2 chinese", "验证码：48 21 93，5分钟内有效", "482193"},
	{"2-2-2 hyphen polish", "Twój kod: 48-21-93", "482193"},
	{"4-4 turkish", "Doğrulama kodunuz: 4821 9301", "48219301"},
	{"2-2-2 hebrew", "הקוד שלך: 48 21 93", "482193"},
	{"mixed widths 3-3-2", "Your code is 482 913 77", ""},
}

// spacedDigitCodes are codes written as single digits, CJK style, right after a
// keyword.
var spacedDigitCodes = []sample{
	{"chinese colon", "验证码：1 2 3 4 5 6", "123456"},
	{"japanese wa", "認証番号は 4 8 2 1 です", "4821"},
	{"korean brackets", "인증번호 [1 2 3 4]", "1234"},
	{"korean neun", "인증번호는 4 8 2 1 9 3 입니다", "482193"},
	{"chinese shi", "您的验证码是 4 8 2 1 9 3，请勿泄露", "482193"},
	{"taobao", "【淘宝】验证码 8 2 9 1，5分钟内有效", "8291"},
	{"traditional", "驗證碼：7 7 1 2 0 4", "771204"},
	{"japanese code", "確認コード：5 5 2 1", "5521"},
	{"english", "Your code is 1 2 3 4 5 6", "123456"},
	{"russian", "Код: 4 8 2 1", "4821"},
}

// hyphenatedCodes are letter-and-digit codes in hyphenated groups,
// returned as written.
var hyphenatedCodes = []sample{
	{"english", "Your code: 8H4K-2M9P", "8H4K-2M9P"},
	{"end of sentence", "Your verification code is AB12-CD34.", "AB12-CD34"},
	{"french", "Votre code : 8H4K-2M9P", "8H4K-2M9P"},
	{"spanish 3-3", "Tu código de acceso: X7K-9QP", "X7K-9QP"},
	{"russian", "Код подтверждения: AB12-CD34", "AB12-CD34"},
	{"chinese", "验证码：AB12-CD34，10分钟内有效", "AB12-CD34"},
	{"german", "Dein Bestätigungscode lautet 4KX9-P2M7", "4KX9-P2M7"},
	{"letters then digits", "Your recovery code: ABCD-1234", "ABCD-1234"},
	{"three groups lowercase", "Your code: ab12-cd34-ef56", "ab12-cd34-ef56"},
	{"italian", "Il tuo codice è A1B2-C3D4", "A1B2-C3D4"},
	{"turkish", "Kodunuz: 9F3K-7QZ2", "9F3K-7QZ2"},
	{"group ending like a unit", "Código de verificación: 7KX-92P", "7KX-92P"},
}

// notCodes hold only numbers that are something else: prize, lottery and
// ticket numbers, postal codes, parcels, bookings, bills, long bare
// numbers. Some hold a keyword, whose nearest number is still not a code.
var notCodes = []sample{
	{"prize number", "You won! Prize number 4829173, claim at prizes.example/claim", ""},
	{"lottery drawn", "Congratulations! Your lottery number 4829173 has been drawn", ""},
	{"lucky draw", "Lucky draw winner: 4829173", ""},
	{"spanish prize", "¡Felicidades! Ganaste un premio. Número 4829173", ""},
	{"russian prize", "Поздравляем! Вы выиграли приз, номер участника 4829173", ""},
	{"chinese lottery", "恭喜您中奖！中奖号码 4829173", ""},
	{"prize after keyword", "Code sent! Your prize number is 4829173", ""},
	{"prize code", "Claim your prize with code 4829173", ""},
	{"zip", "Delivery to ZIP 90210", ""},
	{"plz", "PLZ 10115 Berlin", ""},
	{"zip colon", "ZIP: 30510", ""},
	{"cep", "Entrega para o CEP 01310", ""},
	{"cap", "Indirizzo: CAP 00100 Roma", ""},
	{"russian index", "Ваш индекс 101000", ""},
	{"chinese postcode", "邮编 100000", ""},
	{"zip after keyword", "Your code will arrive soon. Delivery to ZIP 90210", ""},
	{"parcel", "Your parcel 48291734 is out for delivery", ""},
	{"shipment", "Shipment 48291 delivered", ""},
	{"colis", "Votre colis 48291 est en route", ""},
	{"posylka", "Посылка 48291734 прибыла", ""},
	{"kuaidi", "您的快递 482913 已送达", ""},
	{"parcel after keyword", "Verification complete. Your parcel 482913 ships today", ""},
	{"pnr", "PNR 4821", ""},
	{"policy", "Policy 48213957 renewed", ""},
	{"flight", "Flight BA 2490 departs at 14:30", ""},
	{"room", "Room 4821 is ready", ""},
	{"bill", "Your bill of 4821 is due", ""},
	{"transfer", "Transfer of 4821 received", ""},
	{"paid", "You paid 4821", ""},
	{"received", "Received 4821", ""},
	{"spisano", "Списано 4821", ""},
	{"pago", "Pago 4821 recibido", ""},
	{"ride", "Your ride 4821 has arrived", ""},
	{"compact date", "Today is 20260512", ""},
	{"bare long number", "Reminder: 48213957", ""},
}

// guards are the look-alikes of the families above that the picker
// already got right before them: stale words that must not fire (a future
// expiry, "new device"), digit groups that must not join (mixed widths, a
// date, no keyword), hyphenated names and prefixes that are not codes, and
// numbers that other rules already refuse. They keep the new rules from
// reaching too far.
var guards = []sample{
	{"chinese expired new, brief", "代码 1234 已失效，新验证码 5678", "5678"},
	{"previous before keyword", "Tu código anterior 1234 ha caducado. Tu nuevo código es 5678", "5678"},
	{"precedente", "Il codice precedente 1234 non è più valido. Nuovo codice: 5678", "5678"},
	{"future expiry is not stale", "Your code 4821 will be invalid after 10 minutes.", "4821"},
	{"warning is not stale", "OTP 482913 invalid after 3 wrong attempts", "482913"},
	{"chinese future expiry", "验证码4821，5分钟后失效。", "4821"},
	{"korean future expiry", "인증번호 4821 5분 후 만료", "4821"},
	{"old word elsewhere", "Your old phone number was removed. Your code is 4821.", "4821"},
	{"new device", "Code for your new device: 4821", "4821"},
	{"3-3 german", "Ihr Code lautet 482 193", "482193"},
	{"mixed widths 4-2", "Your code: 4821 93", "4821"},
	{"minutes after code", "Ваш код 4821 10 минут", "4821"},
	{"groups far from keyword", "Your code will follow. Call 48 21 93 now", ""},
	{"groups without keyword", "Meeting 12 30 45", ""},
	{"scores", "Scores: 48 21 93 17", ""},
	{"date after keyword", "Twój kod wygasa 12-05-26", ""},
	{"not right after keyword", "Code steps: follow 1 2 3 4", ""},
	{"no keyword", "Rate us 1 2 3 4 5 stars", ""},
	{"too many digits", "验证码：1 2 3 4 5 6 7 8 9", ""},
	{"brand prefix stays a prefix", "FB-48291 is your Facebook code", "48291"},
	{"name with a number", "Your code for the COVID-19 test: 4821", "4821"},
	{"promo", "Use promo code SAVE-20OFF for 20% off", ""},
	{"measures", "Your code plan: 5GB-10GB", ""},
	{"raffle ticket", "Your raffle ticket 482917 is in the draw", ""},
	{"postcode", "postcode 2000", ""},
}

func TestFamilies(t *testing.T) {
	for _, family := range []struct {
		name string
		set  []sample
	}{
		{"replaced", replaced},
		{"grouped", digitGroupCodes},
		{"spaced", spacedDigitCodes},
		{"hyphenated", hyphenatedCodes},
		{"not codes", notCodes},
		{"guards", guards},
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
