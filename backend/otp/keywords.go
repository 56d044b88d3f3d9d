package otp

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a keyword's place in the working copy.
type span struct{ start, end int }

// keywordWords are whole words that announce a code.
var keywordWords = setOf(
	// English
	"code", "codes", "otp", "passcode", "passcodes", "pin", "verification", "password",
	// Russian, Ukrainian
	"код", "кода", "коду", "кодом", "коде", "коды", "пароль", "пароля", "паролю", "паролем", "пароле",
	// Spanish, Portuguese, Catalan
	"código", "codigo", "códigos", "clave", "contraseña", "senha", "codi",
	// Italian
	"codice", "codici",
	// Polish, Czech, Slovak, Croatian
	"kod", "kodu", "kodem", "kodzie", "hasło", "hasła", "kód", "kódu", "kódem", "heslo", "lozinka",
	// Turkish
	"kodu", "kodun", "kodunuz", "kodunuzu", "kodunu", "koduyla", "şifre", "şifreniz", "şifresi", "şifrenizi", "şifreyi",
	// Romanian
	"cod", "codul", "codului",
	// Indonesian, Malay, Scandinavian, Finnish, Hungarian
	"kode", "koden", "koodi", "koodisi", "koodin", "kódja", "kódod", "kódot",
	// Greek, Hindi
	"κωδικός", "κωδικό", "κωδικού", "कोड", "ओटीपी",
	// Persian, Arabic (see also arabicStems)
	"کد", "کدتان", "کدت",
)

// codeSuffixes end a compound word that may be a keyword
// ("Bestätigungscode", "verificatiecode", "engångskod").
var codeSuffixes = []string{"codes", "code", "koden", "kode", "kod", "koodi"}

// compoundStems are what the first part of such a compound must contain to
// make it a keyword; "promocode" and "barcode" are not.
var compoundStems = []string{
	"bestätig", "bestaetig", "sicherheit", "zugang", "anmelde", "einmal", "aktivier", "freischalt",
	"login", "logg", "verif", "authent", "auth", "pass", "sms", "otp", "inlog", "bevestig",
	"beveilig", "toegang", "engång", "engang", "bekräft", "bekreft", "bekræft", "säkerhet",
	"sikkerhet", "sikkerheds", "vahvistus", "tunnistus", "turva", "kertakäyttö", "varmennus",
	"sign", "access", "secur", "confirm", "activ", "valid", "bestät", "zwei",
}

// cyrillicCompoundPrefixes make "…код" a keyword ("пинкод"); any other
// Cyrillic compound ending in код ("промокод", "штрихкод") is not.
var cyrillicCompoundPrefixes = setOf("пин", "смс", "sms")

// arabicStems are the Arabic and Persian keywords once the article and
// conjunctions are stripped.
var arabicStems = setOf("رمز", "كود", "کد", "كد", "کود")

// denyBefore are words that, placed before "code", name another kind of
// code ("promo code", "zip code", "error code").
var denyBefore = setOf(
	"promo", "promotional", "promotion", "discount", "coupon", "voucher", "referral", "refer", "gift",
	"invite", "invitation", "area", "zip", "postal", "post", "country", "dialing", "dial", "qr",
	"bar", "error", "status", "source", "dress", "tracking", "reference", "booking", "sale",
	"bonus", "offer", "reward", "rewards", "redeem", "redemption", "cheat", "product", "item",
	"sku", "hs", "swift", "sort", "bank", "branch", "ifsc", "campaign", "partner", "affiliate",
	"member", "customer", "client", "store", "shop", "department", "course", "class", "color",
	"colour", "morse", "machine", "html", "css", "bug", "response", "http", "reason", "tax",
	"fiscal", "event", "room", "game", "friend", "share", "sharing", "unicode", "zipcode",
	"prize", "lottery", "ticket", "draw", "raffle", "claim", "winning", "lucky", "post", "postal",
	"промо", "скидочный", "подарочный", "бонусный", "реферальный", "пригласительный", "почтовый", "штрих",
)

// denyAfter are words that, placed after "code" (Romance and Russian word
// order), name another kind of code ("código promocional", "code postal").
var denyAfter = setOf(
	"promo", "promotional", "promocional", "promozionale", "promoção", "promocao", "promotion",
	"promoción", "promocion", "postal", "postale", "sconto", "fiscale", "réduction", "reduction",
	"réduc", "descuento", "desconto", "cadeau", "regalo", "presente", "parrainage", "referido",
	"indicação", "pays", "país", "erreur", "error", "erro", "barres", "barras", "barre", "cupón",
	"cupom", "coupon", "avantage", "invitación", "convite", "producto", "produto", "produit",
	"cliente", "client", "qr", "скидки", "купона", "промо", "подарка", "ошибки",
)

// fillerWords are skipped when looking at the word after "code".
var fillerWords = setOf("de", "di", "da", "do", "du", "des", "del", "a", "à")

// findKeywords returns the keywords of w, masking the value that follows a
// word naming another kind of code ("promo code SAVE20", "barcode 4821").
func findKeywords(w []byte, l lexemes) []span {
	var found []span
	for i, lx := range l {
		if lx.kind != lexWord || w[lx.start] == junk {
			continue
		}
		switch classify(lx.lower) {
		case isKeyword:
			if denied, valueFrom := deniedInContext(l, i); denied {
				maskValueAfter(w, valueFrom)
				continue
			}
			found = append(found, span{lx.start, lx.end})
		case isOtherCode:
			maskValueAfter(w, lx.end)
		default:
			if start, ok := phraseEndingAt(l, i); ok {
				found = append(found, span{start, lx.end})
			}
		}
	}
	if hasWideScript(w) {
		for _, phrase := range keywordPhrases {
			for off := 0; ; {
				k := bytes.Index(w[off:], phrase)
				if k < 0 {
					break
				}
				found = append(found, span{off + k, off + k + len(phrase)})
				off += k + len(phrase)
			}
		}
	}
	return found
}

// keywordPhrases are keywords in scripts written without spaces between
// words, found as substrings.
var keywordPhrases = func() [][]byte {
	var out [][]byte
	for _, p := range []string{
		"验证码", "校验码", "驗證碼", "验证代码", "认证码", "認證碼", "動態碼", "动态码", "动态密码", "確認碼", "确认码",
		"認証番号", "認証コード", "確認コード", "確認番号", "ワンタイムパスワード", "パスコード", "暗証番号",
		"인증번호", "인증 번호", "인증코드", "인증 코드", "확인코드", "확인 코드", "확인번호", "보안코드",
		"รหัส",
	} {
		out = append(out, []byte(p))
	}
	return out
}()

// phraseEndingAt recognises keywords of several words ending at lexeme i
// ("mot de passe", "mã xác thực") and returns where they start.
func phraseEndingAt(l lexemes, i int) (int, bool) {
	p := prevWord(l, i)
	if p < 0 {
		return 0, false
	}
	pp := prevWord(l, p)
	if pp < 0 {
		return 0, false
	}
	switch {
	case l[i].lower == "passe" && l[p].lower == "de" && l[pp].lower == "mot":
		return l[pp].start, true
	case l.isWord(i, vietnameseThirds) && l.isWord(p, vietnameseSeconds) && l.isWord(pp, vietnameseFirsts):
		return l[pp].start, true
	}
	return 0, false
}

var (
	vietnameseFirsts  = setOf("mã", "ma")
	vietnameseSeconds = setOf("xác", "xac")
	vietnameseThirds  = setOf("thực", "thuc", "nhận", "nhan", "minh")
)

// prevWord and nextWord return the word joined to lexeme i by one space or
// a hyphen, or -1.
func prevWord(l lexemes, i int) int {
	j := i - 1
	if j >= 0 && (l[j].kind == lexSpace && l[j].len() == 1 || l.isSign(j, "-")) {
		j--
	}
	if j >= 0 && l[j].kind == lexWord {
		return j
	}
	return -1
}

func nextWord(l lexemes, i int) int {
	j := i + 1
	if j < len(l) && (l[j].kind == lexSpace && l[j].len() == 1 || l.isSign(j, "-")) {
		j++
	}
	if j < len(l) && l[j].kind == lexWord {
		return j
	}
	return -1
}

// deniedInContext reports a keyword that, with its neighbours, names
// another kind of code, and where the value of that code would start.
func deniedInContext(l lexemes, i int) (bool, int) {
	if p := prevWord(l, i); p >= 0 && l.isWord(p, denyBefore) {
		return true, l[i].end
	}
	n := nextWord(l, i)
	if n >= 0 && l.isWord(n, fillerWords) {
		n = nextWord(l, n)
	}
	if n >= 0 && l.isWord(n, denyAfter) {
		return true, l[n].end
	}
	return false, 0
}

type wordClass uint8

const (
	notKeyword wordClass = iota
	isKeyword
	isOtherCode // a compound ending in "code" that names something else
)

func classify(lower string) wordClass {
	if _, ok := keywordWords[lower]; ok {
		return isKeyword
	}
	if r, _ := utf8.DecodeRuneInString(lower); r >= 0x05D0 && r <= 0x05EA && isHebrewCode(lower) {
		return isKeyword
	}
	if stem := stripArabic(lower); stem != "" {
		if _, ok := arabicStems[stem]; ok {
			return isKeyword
		}
	}
	for _, suffix := range codeSuffixes {
		prefix, ok := strings.CutSuffix(lower, suffix)
		if !ok || prefix == "" {
			continue
		}
		for _, stem := range compoundStems {
			if strings.Contains(prefix, stem) {
				return isKeyword
			}
		}
		return isOtherCode
	}
	for _, suffix := range []string{"код", "кода", "коду", "кодом"} {
		prefix, ok := strings.CutSuffix(lower, suffix)
		if !ok || prefix == "" {
			continue
		}
		if _, ok := cyrillicCompoundPrefixes[prefix]; ok {
			return isKeyword
		}
		return isOtherCode
	}
	return notKeyword
}

// stripArabic removes the article, a leading conjunction or preposition and
// a trailing possessive from an Arabic-script word; "" if it is not one.
func stripArabic(lower string) string {
	r, _ := utf8.DecodeRuneInString(lower)
	if r < 0x0600 || r > 0x06FF {
		return ""
	}
	for _, p := range []string{"وال", "بال", "لل", "ال", "و", "ب", "ل"} {
		if rest, ok := strings.CutPrefix(lower, p); ok && utf8.RuneCountInString(rest) >= 2 {
			lower = rest
			break
		}
	}
	for _, s := range []string{"كم", "ك", "تان", "ت"} {
		if rest, ok := strings.CutSuffix(lower, s); ok {
			if _, known := arabicStems[rest]; known {
				return rest
			}
		}
	}
	return lower
}

// hebrewCode are the Hebrew words for code, with possessive endings; the
// word may carry up to two prefix letters (ה, ב, ל, ו, ש, מ, כ): "הקוד",
// "והקוד". "קודם" (before) is not one of them.
var hebrewCode = setOf("קוד", "קודך", "קודכם", "קודכן", "קודו", "קודה", "קודים", "קודי")

func isHebrewCode(lower string) bool {
	for strip := 0; strip <= 2; strip++ {
		if _, ok := hebrewCode[lower]; ok {
			return true
		}
		r, size := utf8.DecodeRuneInString(lower)
		if !strings.ContainsRune("הבלושמכ", r) {
			return false
		}
		lower = lower[size:]
	}
	return false
}

// maskValueAfter masks the token that a keyword-like word introduces.
func maskValueAfter(w []byte, at int) {
	if start, end, _ := valueAfter(w, at); end > start {
		mask(w, start, end)
	}
}

// copulas may stand between a keyword and its value ("code is ABCDEF").
var copulas = setOf("is", "es", "est", "ist", "lautet", "è", "é", "är", "er", "on", "jest", "je", "là", "la", "это", "为", "是", "為",
	"は", "が", "는", "은")

// valueAfter finds the ASCII token that follows position at, past
// separators and at most one copula; strong reports a colon, an equals sign,
// a dash or a copula on the way ("code: ABCDEF", not "code ABCDEF").
func valueAfter(w []byte, at int) (start, end int, strong bool) {
	i := at
	copula := false
	for i < len(w) && i-at < 24 {
		c := w[i]
		switch {
		case c == ' ' || c == '"' || c == '\'' || c == '(' || c == '[' || c == '#':
			i++
		case c == ':' || c == '=' || c == '-':
			strong = true
			i++
		case isAlnum(c):
			end = i
			for end < len(w) && isAlnum(w[end]) {
				end++
			}
			if !copula {
				if _, ok := copulas[strings.ToLower(string(w[i:end]))]; ok && end < len(w) && w[end] == ' ' {
					copula, strong = true, true
					i = end
					continue
				}
			}
			return i, end, strong
		default:
			r, size := utf8.DecodeRune(w[i:])
			switch {
			case r == '：' || r == '—' || r == '–' || r == '«' || r == '»' || r == '“' || r == '”' || r == '【' || r == '「':
				strong = strong || r == '：' || r == '—' || r == '–'
				i += size
			case !copula && unicode.IsLetter(r):
				// one non-ASCII copula ("为", "là", "это")
				e := i
				for e < len(w) {
					r2, s2 := utf8.DecodeRune(w[e:])
					if !unicode.IsLetter(r2) || r2 < utf8.RuneSelf {
						break
					}
					e += s2
				}
				if _, ok := copulas[strings.ToLower(string(w[i:e]))]; !ok {
					return 0, 0, false
				}
				copula, strong = true, true
				i = e
			default:
				return 0, 0, false
			}
		}
	}
	return 0, 0, false
}

// A message without a keyword yields its one plain number only if it reads
// like a verification message: it says what the number is for (verify,
// log in, confirm, do not share, expires…), or it is little more than the
// number ("Bolt: 4821"). "Your ride 4821 has arrived" is not one.

// contextWords and contextStems are (the starts of) words of a
// verification message.
var contextWords = setOf("log", "sign", "signin", "enter", "use", "2fa", "mfa")

var contextStems = []string{
	"verif", "confirm", "login", "logg", "authent", "authori", "access", "activat", "validat",
	"secur", "passw", "share", "expir", "valid", "one-time", "onetime",
	"подтвер", "вход", "войт", "актив", "авториз", "введите", "сообща", "действ",
	"verific", "acceso", "acced", "ingres", "inici", "introduc", "compart", "válid", "caduc",
	"acess", "entrar", "digite", "vérif", "connex", "connect", "identif", "saisi", "partag",
	"bestätig", "anmeld", "verifiz", "freischalt", "eingeb", "gültig",
	"conferm", "inserisc", "condivid", "doğrula", "giriş", "onay", "paylaş",
	"weryfik", "potwierdz", "logow", "wpisz", "masuk", "bagikan", "berlaku", "xác",
	"تحقق", "تأكيد", "אימות", "सत्यापन",
}

// contextPhrases are the same in scripts written without spaces.
var contextPhrases = [][]byte{
	[]byte("验证"), []byte("驗證"), []byte("登录"), []byte("登錄"), []byte("确认"), []byte("確認"),
	[]byte("認証"), []byte("인증"), []byte("로그인"), []byte("ログイン"), []byte("有效"), []byte("泄露"),
}

// maxBareWords is how many words a message may hold beside its number and
// still read as just the number ("Bolt: 4821", "Tinder 482913").
const maxBareWords = 2

// readsLikeVerification reports whether a message without a keyword may
// hand its plain number over as the code.
func readsLikeVerification(w []byte, l lexemes) bool {
	words := 0
	for i, lx := range l {
		if lx.kind != lexWord || w[lx.start] == junk {
			continue
		}
		words++
		if l.isWord(i, contextWords) {
			return true
		}
		for _, stem := range contextStems {
			if strings.HasPrefix(lx.lower, stem) {
				return true
			}
		}
	}
	if words <= maxBareWords {
		return true
	}
	if hasWideScript(w) {
		for _, p := range contextPhrases {
			if bytes.Contains(w, p) {
				return true
			}
		}
	}
	return false
}
