package otp

import (
	"strings"
	"testing"

	"switchboard/backend/sanitize"
)

type sample struct {
	name, text, want string
}

// codes are messages that hold a code; many also hold a number that must
// not be taken for it (amount, card, phone, time, hash, URL).
var codes = []sample{
	{"whatsapp", "Your WhatsApp code: 482-193\nYou can also tap on this link to verify your phone: v.whatsapp.com/482193\nDon't share this code with others", "482193"},
	{"whatsapp app hash", "<#> Your WhatsApp code: 482-193\n\nDon't share this code with others\n4sgLq1p5sV6", "482193"},
	{"telegram", "Telegram code: 48291\n\nYou can also tap on this link to log in:\nhttps://t.me/login/48291", "48291"},
	{"telegram long", "Telegram code 52713. Do not give this code to anyone, even if they say they are from Telegram!\n\nThis code can be used to log in to your Telegram account. We never ask it for anything else.\n\nIf you didn't request this code by trying to log in on another device, simply ignore this message.", "52713"},
	{"google", "G-482913 is your Google verification code.", "482913"},
	{"facebook prefix", "FB-48291 is your Facebook confirmation code", "48291"},
	{"facebook hash", "48291 is your Facebook code Laz+nxCarLW", "48291"},
	{"instagram groups", "482 913 is your Instagram code. Don't share it.", "482913"},
	{"tiktok", "[TikTok] 482913 is your verification code, valid for 5 minutes. To keep your account safe, never forward this code.", "482913"},
	{"uber with phone", "Your Uber code: 4821. Never share this code. Reply STOP ALL to +1 415-237-0403 to unsubscribe.", "4821"},
	{"amazon", "482913 is your Amazon OTP. Do not share it with anyone.", "482913"},
	{"paypal", "PayPal: Your security code is: 482913. Your code expires in 10 minutes. Please don't reply.", "482913"},
	{"binance", "[Binance] Your verification code is: 482913. Don't share your code with anyone.", "482913"},
	{"microsoft", "Use 4821 as Microsoft account security code", "4821"},
	{"microsoft two lines", "Microsoft account\nSecurity code: 4821", "4821"},
	{"apple webotp", "Your Apple Account code is: 482913. Don't share it with anyone.\n\n@apple.com #482913 %apple.com", "482913"},
	{"webotp wins over keyword", "Your Example code is 111111.\n\n@www.example.com #482913", "482913"},
	{"webotp embedded origin", "Your code is 482913.\n\n@top.example #482913 @embedded.example", "482913"},
	{"webotp letters", "Sign in to Example\n@example.com #ABCD-EF", "ABCDEF"},
	{"steam letters", "Your Steam Guard code: BQDKR", "BQDKR"},
	{"steam mixed", "Steam verification code: F4K7Q", "F4K7Q"},
	{"mixed TF33", "Your Foo login code is TF33", "TF33"},
	{"mixed A1B2C3", "Verification code: A1B2C3. Expires in 10 min.", "A1B2C3"},
	{"x lowercase mixed", "Your X confirmation code is ab12cd", "ab12cd"},
	{"vk", "Ваш код подтверждения: 482913. Никому не сообщайте его.", "482913"},
	{"vk code first", "48291 — ваш код для входа во ВКонтакте", "48291"},
	{"yandex password", "Пароль для входа: 5829. Никому его не сообщайте.", "5829"},
	{"tinkoff with amount and card", "Код: 4821. Никому не говорите код! Перевод 5 000 ₽ на карту *1234", "4821"},
	{"sber with amount", "Сбербанк: Для подтверждения покупки 1 500 ₽ в магазине STORE введите код 58213. Никому его не сообщайте.", "58213"},
	{"wechat", "【微信】验证码：482913，用于登录，5分钟内有效。", "482913"},
	{"alipay", "【支付宝】您的校验码为482913，请勿泄露。", "482913"},
	{"traditional chinese", "您的驗證碼為 482913，10分鐘內有效。", "482913"},
	{"line", "[LINE] Your verification code is 4821", "4821"},
	{"line japanese", "[LINE] 認証番号：482913\nこの番号をLINEに入力してください。", "482913"},
	{"japanese", "認証コードは 482913 です。", "482913"},
	{"kakaotalk", "[Web발신]\n[카카오톡] 인증번호 [4829]를 입력해주세요.", "4829"},
	{"naver", "[네이버] 인증번호[482913]를 입력해주세요.", "482913"},
	{"mercado libre", "Tu código de verificación de Mercado Libre es 482913", "482913"},
	{"bbva clave", "BBVA: Tu clave de operaciones es 4821. No la compartas.", "4821"},
	{"ifood", "Seu código do iFood é 4829. Não compartilhe.", "4829"},
	{"airbnb french", "Votre code de vérification Airbnb est 482913.", "482913"},
	{"satispay", "Il tuo codice di verifica Satispay è 482913", "482913"},
	{"german compound", "Ihr Bestätigungscode lautet 482913.", "482913"},
	{"dutch compound", "Je verificatiecode is 482913", "482913"},
	{"turkish", "Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.", "482913"},
	{"allegro", "Twój kod weryfikacyjny Allegro to 482913", "482913"},
	{"hebrew", "קוד האימות שלך הוא 482913", "482913"},
	{"hebrew prefix", "הקוד שלך ל-Wolt: 4821", "4821"},
	{"persian digits", "کد تایید شما: ۴۸۲۹۱۳", "482913"},
	{"arabic", "رمز التحقق الخاص بك هو 482913", "482913"},
	{"arabic-indic digits", "رمز التحقق: ٤٨٢٩١٣", "482913"},
	{"vietnamese", "Ma xac thuc Zalo cua ban la 4829", "4829"},
	{"gojek", "Kode verifikasi Gojek Anda adalah 4829. JANGAN BERIKAN kode ini ke siapa pun.", "4829"},
	{"hindi", "आपका ओटीपी 482913 है", "482913"},
	{"czech", "Váš ověřovací kód je 482913", "482913"},
	{"glovo romanian", "Codul tau de verificare Glovo este 4829", "4829"},
	{"leading zeros", "Your Discord verification code: 004821", "004821"},
	{"otp glued", "OTP482913 for login to NetBanking. Do not share.", "482913"},
	{"fullwidth digits", "验证码：４８２９１３", "482913"},
	{"bidi marks around", "קוד: \u200f482913\u200f", "482913"},
	{"zero width inside", "Your code is 48\u200b2913", "482913"},
	{"crlf", "Your code:\r\n482913\r\n", "482913"},
	{"hdfc with amount and card", "HDFC Bank: OTP 482913 for txn of INR 5,000.00 at AMAZON on card XX1234. Valid 10 mins.", "482913"},
	{"coinbase", "Your Coinbase verification code is: 4821. Don't share this code with anyone; our employees will never ask for the code.", "4821"},
	{"airbnb", "Airbnb: Your security code is 482913. It expires in 10 minutes. Don't share this code with anyone.", "482913"},
	{"snapchat", "Snapchat code: 482913. Happy Snapping!", "482913"},
	{"signal with hash", "Your Signal code: 482913\nDo not share this code\n\ndoDiFGKPO1r", "482913"},
	{"viber", "Viber code: 4829", "4829"},
	{"yahoo fallback", "Use 48291 to verify your Yahoo account", "48291"},
	{"bolt fallback", "Bolt: 4821", "4821"},
	{"pin", "Your new PIN is 4821", "4821"},
	{"code then ref", "Your code: 4821\nRef: 99887766", "4821"},
	{"lyft dashes", "Your Lyft code is 482-913", "482913"},
	{"wolt with time", "Wolt: 4821 is your code. Valid until 14:32.", "4821"},
	{"epic with date", "Epic Games: Your security code is 482913 (expires 12/05/2026 14:32)", "482913"},
	{"nearest keyword wins", "Do not share this code. Order 5567 is ready. Your code is 4821.", "4821"},
	{"year as code", "Your Telegram code: 2019", "2019"},
	{"promo and real code", "Your promo code is SAVE20. Your verification code is 4821", "4821"},
	{"kaspi kazakh tenge", "Kaspi.kz: Код 4821. Покупка 15 000 ₸ в Magnum", "4821"},
	{"nonvoip style", "Your DoorDash verification code is: 482913\n\nReply STOP to 45678 to opt out", "482913"},
	{"wechat english", "[WeChat] Your verification code is 482913. Do not share it.", "482913"},
	{"microsoft authenticator style", "Microsoft: Use 48291 as your login code for account ***@outlook.com", "48291"},
	{"nul after code", "Код подтверждения: 4821\x00", "4821"},
	{"rlo before text", "\u202eYour code is 4821", "4821"},
	{"bank with card and time", "Monzo: Your code is 482913. We'll never call you to ask for it. Card ending 1234 at 14:32.", "482913"},
}

// traps are messages whose numbers are not codes.
var traps = []sample{
	{"meeting", "Meeting at 14:32 on 12/05/2026, room 5", ""},
	{"phone ru", "Call me at 8 800 555 35 35", ""},
	{"balance dollars", "Your balance is $1,234.56", ""},
	{"year", "Happy New Year 2026!", ""},
	{"url", "Visit https://example.com/verify?id=482913 to continue", ""},
	{"email", "Write to john.doe1234@example.com", ""},
	{"barcode", "Show barcode 48213957 at the pickup point", ""},
	{"promo code", "Use promo code SAVE20 for 20% off your next ride!", ""},
	{"discount code digits", "Use discount code 4821 at checkout", ""},
	{"unicode", "Unicode escape U+1234 decode error", ""},
	{"chase charge", "Chase: A $12.50 charge on card ending in 1234 was approved on 05/12/2026.", ""},
	{"sber purchase", "Sberbank: Покупка 1 500 ₽ карта *1234 12.05 14:32 Баланс: 25 340,50 ₽", ""},
	{"order number", "Your order #4821 has shipped", ""},
	{"amazon order", "Amazon: Order 123-4567890-1234567 delivered.", ""},
	{"code expiry date", "Your code expires on 12/05/2026", ""},
	{"pin changed", "Your PIN was changed at 14:32 on 2026-05-12", ""},
	{"verification from phone", "Verification request from +1 415 555 1234", ""},
	{"code validity", "Your code is valid for 10 minutes", ""},
	{"copyright", "© 2026 Example Inc. All rights reserved.", ""},
	{"eur before", "Payment of EUR 20 received. Thanks!", ""},
	{"usd after", "You received 20 USD from Alice", ""},
	{"ngn debit", "NGN 5,000 debited from A/c XX1234 on 12-05-2026", ""},
	{"flight", "Flight BA2490 departs 12 May 2026 at 14:32 from gate 12", ""},
	{"rub balance", "Balance: 48213 RUB", ""},
	{"package", "Your package #4821 will arrive on 12.05.", ""},
	{"qr code amount", "Scan the QR code to pay 1 500 ₽", ""},
	{"us toll free", "Call 1-800-555-0199 for help", ""},
	{"uber receipt", "Your Uber trip on May 12, 2026 cost $23.40", ""},
	{"gutscheincode", "Ihr Gutscheincode: SOMMER24", ""},
	{"promokod", "Промокод: SALE2026 — скидка 20%", ""},
	{"codigo promocional", "Código promocional: VERANO50", ""},
	{"zip code", "Your zip code 94107 is not valid", ""},
	{"us phone", "Call 415 555 1234 to confirm", ""},
	{"short code", "Reply STOP to 45678 to unsubscribe", ""},
	{"ticket number", "Your ticket number is 482913", ""},
	{"btc decimal", "Bitcoin: you received 0.00482913 BTC", ""},
	{"decimals", "Temperature 36.6, pulse 72", ""},
	{"account credited", "Your account 48213957 was credited", ""},
	{"invoice", "Invoice INV-4821 is due 12/05", ""},
	{"price rub", "Price: 4821 руб.", ""},
	{"backup codes date", "Your 2FA backup codes were regenerated on 2026-05-12", ""},
	{"zoom meeting", "Zoom meeting ID: 482 913 7755, passcode: abc", ""},
	{"unicode letters", "Unicode characters: ABCDEF", ""},
	{"decode", "Decode this: AB12CD", ""},
	{"unicode mixed", "Unicode: U1F600 grinning face", ""},
	{"steam expiry", "Your Steam Guard code will expire soon", ""},
	{"uk phone", "Enter the code sent to +44 7700 900123", ""},
	{"sale", "Sale! 50% off all items until 31.12.2026", ""},
	{"ref", "Your verification is pending. Ref: 4821", ""},
	{"kod skidki", "Код скидки: 4821", ""},
	{"card blocked", "Card *4821 blocked. Call 8 800 100 00 00", ""},
	{"ride total", "Your ride with Uber on 12 May 2026: total 1234 INR", ""},
	{"russian phone", "Версия 2026. Перезвоните по тел. 88005553535", ""},
	{"transaction id", "Transaction ID: TXN48213957", ""},
	{"cjk date", "Your appointment is on 2026年5月12日 14:30", ""},
	{"yen", "お支払い金額 4,821円", ""},
	{"won", "결제금액 48,210원", ""},
	{"pin reminder phone", "Your PIN reminder: call 0800 123 4567", ""},
	{"text to short code", "Text WIN to 82913 to enter the draw", ""},
	{"ip address", "IP 192.168.14.32 logged in", ""},
	{"version", "Version 4.8.2.1 is available", ""},
	{"ean", "Barcode: 4600000048213", ""},
	{"card ending", "Your card ending 4821 was charged", ""},
	{"otp later", "OTP will be sent shortly", ""},
	{"mir card", "1 500 ₽ списано с карты MIR-1234", ""},
	{"confirm order", "Reply YES to confirm order #48213", ""},
	{"delivery window", "Delivery window 14:00-16:00 on 12.05.2026", ""},
	{"two numbers", "Bus 4821 leaves at 9, bus 4822 at 10", ""},
	{"time pm", "Your table is booked for 7:30 pm, 4 guests", ""},
	{"escape wrapped", "Your code is \x1b[1m482913\x1b[0m", ""},
	{"escape splits code", "Your code is 48\x1b[0m2913", ""},
	{"osc payload", "\x1b]52;c;NDgyOTEz\x07", ""},
	{"rupees", "Rs.4821 debited from your account", ""},
	{"percentage", "Battery at 4821%", ""},
	{"empty", "", ""},
}

func TestExtract(t *testing.T) {
	if len(codes)+len(traps) < 80 {
		t.Fatalf("only %d samples", len(codes)+len(traps))
	}
	for _, set := range [][]sample{codes, traps} {
		for _, tc := range set {
			t.Run(tc.name, func(t *testing.T) {
				if got := Extract(tc.text); got != tc.want {
					t.Errorf("Extract(%q) = %q, want %q", tc.text, got, tc.want)
				}
			})
		}
	}
}

func TestExtractThroughSanitize(t *testing.T) {
	// What the adapters do: Extract on raw text, then sanitize.Code.
	for _, tc := range codes {
		if got := sanitize.Code(Extract(tc.text)); got != tc.want {
			t.Errorf("%s: sanitize.Code(Extract) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestExtractLongInput(t *testing.T) {
	long := "Your code is 482913. " + strings.Repeat("lorem ipsum ", 1000)
	if got := Extract(long); got != "482913" {
		t.Errorf("long input: %q", got)
	}
	webotp := strings.Repeat("filler text ", 1000) + "\n@example.com #778899"
	if got := Extract(webotp); got != "778899" {
		t.Errorf("long input with WebOTP line: %q", got)
	}
}

func BenchmarkExtract(b *testing.B) {
	msgs := []string{
		"Your WhatsApp code: 482-193\nYou can also tap on this link to verify your phone: v.whatsapp.com/482193\nDon't share this code with others",
		"Сбербанк: Для подтверждения покупки 1 500 ₽ в магазине STORE введите код 58213. Никому его не сообщайте.",
		"【微信】验证码：482913，用于登录，5分钟内有效。",
		"Chase: A $12.50 charge on card ending in 1234 was approved on 05/12/2026.",
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			Extract(m)
		}
	}
}
