package otp

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// currencySigns stand before or after an amount.
const currencySigns = "$€£¥￥₽₹₦₩₺₴₱₫฿₪₸₼₾¢"

// currencyCodes (ISO 4217 and common crypto), matched in capitals only.
var currencyCodes = setOf(
	"usd", "eur", "gbp", "rub", "rur", "ngn", "inr", "cny", "rmb", "jpy", "krw", "try", "uah", "kzt",
	"brl", "mxn", "idr", "php", "vnd", "thb", "ils", "irr", "irt", "aed", "sar", "qar", "kwd", "pln",
	"czk", "chf", "cad", "aud", "nzd", "hkd", "sgd", "zar", "egp", "pkr", "bdt", "lkr", "npr", "ghs",
	"kes", "ugx", "tzs", "uzs", "byn", "azn", "gel", "amd", "kgs", "tjs", "myr", "sek", "nok", "dkk",
	"huf", "ron", "bgn", "cop", "ars", "clp", "pen", "usdt", "usdc", "btc", "eth", "bnb", "trx", "sol",
	"ltc", "xrp", "doge", "ton",
)

// currencyBefore are words written before an amount ("Rs 500", "Rp 50.000").
var currencyBefore = setOf("rs", "rp", "rm", "inr")

// currencyAfter are words written after an amount, in any case.
var currencyAfter = setOf(
	"руб", "р", "грн", "тг", "сум", "zł", "zl", "kr", "kč", "ft", "lei", "tl", "rs", "dollar", "dollars",
	"euro", "euros", "naira", "rupee", "rupees", "peso", "pesos", "reais", "real", "yuan", "yen", "won",
	"تومان", "ریال", "ريال", "درهم", "دلار", "دينار", "جنيه",
)

// currencyAfterPrefixes start inflected currency words ("рублей", "лиры").
var currencyAfterPrefixes = []string{"рубл", "лир", "доллар", "евро", "тенге", "гривн"}

// cjkCurrency are currency characters glued to the following text.
const cjkCurrency = "元円원块塊圓"

// dateUnits follow the numbers of a CJK date or time ("2026年5月12日").
const dateUnits = "年년月월日일号號時时点點分분秒초시"

var months = setOf(
	"january", "jan", "february", "feb", "march", "mar", "april", "apr", "may", "june", "jun", "july",
	"jul", "august", "aug", "september", "sept", "sep", "october", "oct", "november", "nov", "december", "dec",
	"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря",
	"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
	"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre",
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre",
	"januar", "februar", "märz", "juni", "juli", "oktober", "dezember",
	"janeiro", "fevereiro", "março", "maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro",
	"gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre",
	"ocak", "şubat", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım", "aralık",
)

// yearBefore and yearAfter are words that make a 19xx/20xx number a year.
var (
	yearBefore = setOf("copyright", "year", "год", "año", "année", "jahr", "yil", "anno")
	yearAfter  = setOf("г", "год", "года", "году", "yr", "yrs", "year")
	ordinals   = setOf("st", "nd", "rd", "th")
	fillers    = setOf("de", "del", "of")
)

// cardWords come before the last digits of a card or account number.
var cardWords = setOf(
	"ending", "card", "visa", "mastercard", "master", "maestro", "amex", "mir", "мир", "ecmc", "unionpay",
	"rupay", "tarjeta", "cartão", "carte", "karte", "kart", "kartı", "kartınız", "acct", "account",
)

// cardEndings are the second word of "ending in", "ends with".
var (
	cardEndings     = setOf("in", "with", "en", "em")
	cardEndingHeads = setOf("ending", "ends", "terminada", "terminado", "terminación", "final")
)

// phoneWords introduce a phone number.
var phoneWords = setOf(
	"call", "tel", "phone", "telephone", "mobile", "mob", "hotline", "helpline", "fax", "тел", "телефон",
	"телефону", "телефона", "звоните", "позвоните", "перезвоните", "teléfono", "telefone", "téléphone",
	"telefono", "llame", "appelez",
)

// phoneFillers may stand between a phone word and the number.
var phoneFillers = setOf("us", "at", "on", "me", "по", "номеру", "number", "no")

// labelWords name a number that is not a code.
var labelWords = setOf(
	"order", "ref", "reference", "txn", "trx", "transaction", "invoice", "inv", "ticket", "booking",
	"tracking", "awb", "receipt", "id", "acct", "account", "balance", "bal", "avl", "amount", "amt",
	"total", "sum", "price", "points", "miles", "saldo", "solde", "importe", "montant", "pedido",
	"commande", "bestellung", "ordine", "остаток", "сумма", "итого", "заказ", "заказа", "счет", "счёт",
	"баланс", "договор", "номер",
	// prizes and draws
	"prize", "lottery", "lotto", "draw", "raffle", "jackpot", "winning", "lucky", "coupon", "serial",
	"premio", "sorteo", "lotería", "loterie", "tirage", "lotterie", "verlosung", "prêmio", "sorteio",
	"lotteria", "приз", "розыгрыш", "билет", "лотерея", "лотереи",
	// post and parcels
	"zip", "plz", "postcode", "postleitzahl", "cep", "cap", "pincode", "postal", "индекс", "parcel", "package",
	"shipment", "consignment", "waybill", "pnr", "colis", "paquete", "envío", "envio", "paket",
	"sendung", "pacco", "spedizione", "encomenda", "посылка", "посылки", "отправление", "трек",
	// places, travel, and other numbered things
	"flight", "seat", "gate", "train", "bus", "room", "platform", "policy", "case", "bill",
	"transfer", "version", "model", "store", "shop",
	"branch", "score", "step", "extension", "ext", "apt", "suite", "unit", "floor", "building",
	"vuelo", "vol", "flug", "volo", "voo", "рейс", "billet", "boleto", "biglietto",
	// money moving
	"paid", "pay", "payment", "charged", "debited", "credited", "spent", "withdrawn", "deposited",
	"deposit", "refund", "refunded", "received", "pago", "paiement", "zahlung", "pagamento",
	"списано", "зачислено", "оплата", "оплачено", "перевод", "поступление",
)

// labelPrefixes start inflected label words ("заказу", "счета").
var labelPrefixes = []string{"заказ", "счет", "счёт", "баланс", "договор", "посылк", "билет"}

// labelSuffixes end a CJK run that labels the number after it ("您的邮编",
// "订单号").
var labelSuffixes = []string{
	"邮编", "郵編", "邮政编码", "郵便番号", "우편번호", "订单号", "訂單號", "单号", "單號", "快递", "快遞",
	"包裹", "注文番号", "お問い合わせ番号", "주문번호", "송장번호", "운송장", "奖号", "中奖号码", "彩票",
}

// labelFillers may stand between a label and its number.
var labelFillers = setOf("no", "number", "num", "nr", "id", "is", "was", "of")

// shortCodeVerbs start "Reply STOP to 45678".
var shortCodeVerbs = setOf("reply", "text", "send", "sms", "txt")

// maskJunk masks every number that is something other than a code.
// Amounts go first, so that "482913 5 000 ₽" is not read as one phone
// number; then chains of digit groups; then the rest.
func maskJunk(w []byte, l lexemes) {
	maskLinks(w)
	for i := 0; i < len(l); i++ {
		if l[i].kind == lexNum && w[l[i].start] != junk {
			last := numberGroup(l, i)
			if isAmount(w, l, i, last) {
				mask(w, l[i].start, l[last].end)
			}
			i = last
		}
	}
	maskPhoneChains(w, l)
	for i := 0; i < len(l); i++ {
		if w[l[i].start] == junk && l[i].kind != lexJunk {
			continue
		}
		switch l[i].kind {
		case lexNum:
			if end := dateAt(w, l, i); end >= 0 {
				mask(w, l[i].start, l[end].end)
				i = end
				continue
			}
			if isYear(w, l, i) || isCardEnd(w, l, i) || isCJKDatePart(w, l, i) {
				mask(w, l[i].start, l[i].end)
			}
		case lexSign:
			switch l[i].r {
			case '+':
				maskPhoneFrom(w, l, l.next(i), i, 7)
			case '№':
				maskValue(w, l, l.next(i))
			}
		case lexWord:
			maskLabelled(w, l, i)
		}
	}
}

// numberGroup returns the last lexeme of the number starting at i: "1 500",
// "5,000.00", "25 340,50", "0.00482913".
func numberGroup(l lexemes, i int) int {
	last := i
	for sep := last + 1; sep+1 < len(l) && l[sep+1].kind == lexNum; sep = last + 1 {
		switch s := l[sep]; {
		case s.kind == lexSign && (s.r == ',' || s.r == '.'):
		case (s.kind == lexSpace && s.len() == 1 || s.kind == lexSign && (s.r == '\'' || s.r == '’')) &&
			l[i].len() <= 3 && l[sep+1].len() == 3:
		default:
			return last
		}
		last = sep + 1
	}
	return last
}

func isAmount(w []byte, l lexemes, first, last int) bool {
	p := l.prev(first)
	if l.isSign(p, "-") {
		p = l.prev(p)
	}
	if l.isSign(p, currencySigns) {
		return true
	}
	if l.isSign(p, ".") && p > 0 && l.isWord(p-1, currencyBefore) {
		return true
	}
	if p >= 0 && l[p].kind == lexWord && (l.isWord(p, currencyBefore) || isCurrencyCode(w, l[p])) {
		return true
	}
	n := l.next(last)
	if l.isSign(n, currencySigns) {
		return true
	}
	if n >= len(l) || l[n].kind != lexWord {
		return false
	}
	word := l[n].lower
	if isCurrencyCode(w, l[n]) || l.isWord(n, currencyAfter) {
		return true
	}
	for _, prefix := range currencyAfterPrefixes {
		if strings.HasPrefix(word, prefix) {
			return true
		}
	}
	r, _ := utf8.DecodeRune(w[l[n].start:])
	if strings.ContainsRune(cjkCurrency, r) {
		return true
	}
	// ש"ח, the shekel
	return word == "ש" && l.isSign(n+1, `"״`)
}

func isCurrencyCode(w []byte, lx lexeme) bool {
	if _, ok := currencyCodes[lx.lower]; !ok {
		return false
	}
	for _, c := range w[lx.start:lx.end] {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// dateAt returns the last lexeme of a date or time starting at i
// ("2026-05-12", "12/05/2026", "12.05.", "14:32", "14:32:05"), or -1.
func dateAt(w []byte, l lexemes, i int) int {
	numLen := func(j int) int {
		if !l.isNum(j) {
			return 0
		}
		return l[j].len()
	}
	a, b, c := numLen(i), numLen(i+2), numLen(i+4)
	within := func(n, lo, hi int) bool { return n >= lo && n <= hi }
	for _, sep := range "-/." {
		if !l.isSign(i+1, string(sep)) || b == 0 {
			continue
		}
		if l.isSign(i+3, string(sep)) && c > 0 &&
			(a == 4 && within(b, 1, 2) && within(c, 1, 2) ||
				within(a, 1, 2) && within(b, 1, 2) && (c == 2 || c == 4) && dayAndMonth(w, l[i], l[i+2])) {
			return i + 4
		}
		if sep == '.' && within(a, 1, 2) && within(b, 1, 2) && l.isSign(i+3, ".") && c == 0 {
			return i + 3 // "12.05."
		}
		if sep == '/' && within(a, 1, 2) && within(b, 1, 2) && !l.isSign(i+3, "/") {
			return i + 2 // "12/05"
		}
	}
	if l.isSign(i+1, ":") && within(a, 1, 2) && b == 2 {
		if l.isSign(i+3, ":") && c == 2 {
			return i + 4
		}
		return i + 2
	}
	return -1
}

// dayAndMonth reports whether two numbers of one or two digits can be a
// day and a month, in either order: "48-21-93" is no date.
func dayAndMonth(w []byte, x, y lexeme) bool {
	value := func(lx lexeme) int {
		n := 0
		for _, c := range w[lx.start:lx.end] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	a, b := value(x), value(y)
	return a >= 1 && b >= 1 && min(a, b) <= 12 && max(a, b) <= 31
}

// isCJKDatePart reports a number followed by a CJK date or time unit.
func isCJKDatePart(w []byte, l lexemes, i int) bool {
	n := l.next(i)
	if n >= len(l) || l[n].kind != lexWord {
		return false
	}
	r, _ := utf8.DecodeRune(w[l[n].start:])
	return strings.ContainsRune(dateUnits, r)
}

// isYear reports a 19xx or 20xx number that is clearly a year: next to a
// month ("12 May 2026", "May 12, 2026", "12 de mayo de 2026"), after "©" or
// "year", or before "г." or "年".
func isYear(w []byte, l lexemes, i int) bool {
	if l[i].len() != 4 || !(w[l[i].start] == '1' && w[l[i].start+1] == '9' || w[l[i].start] == '2' && w[l[i].start+1] == '0') {
		return false
	}
	if n := l.next(i); n < len(l) && l[n].kind == lexWord {
		if l.isWord(n, yearAfter) {
			return true
		}
		r, _ := utf8.DecodeRune(w[l[n].start:])
		if r == '年' || r == '년' {
			return true
		}
	}
	p := l.prev(i)
	if l.isSign(p, "©") || l.isWord(p, yearBefore) {
		return true
	}
	if l.isSign(p, ")") && p >= 1 && l[p-1].lower == "c" && l.isSign(p-2, "(") {
		return true
	}
	if l.isSign(p, ",.") {
		p = l.prev(p)
	}
	if l.isWord(p, ordinals) && l.isNum(p-1) {
		p--
	}
	if l.isNum(p) && l[p].len() <= 2 {
		p = l.prev(p)
		if l.isSign(p, ",") {
			p = l.prev(p)
		}
	}
	if l.isWord(p, fillers) {
		p = l.prev(p)
	}
	if l.isSign(p, ".") {
		p--
	}
	return l.isWord(p, months)
}

// isCardEnd reports the visible end of a masked card or account number:
// "*1234", "**** 1234", "XX1234", "card ending in 1234", "карта *1234".
func isCardEnd(w []byte, l lexemes, i int) bool {
	if n := l[i].len(); n < 2 || n > 6 {
		return false
	}
	p := l.prev(i)
	if l.isSign(p, "*•●∙·…") || l.isSign(p, ".") && l.isSign(p-1, ".") || isXWord(w, l, p) {
		return true
	}
	for steps := 0; steps < 3 && p >= 0 && l[p].kind == lexSign && strings.ContainsRune(":#№-", l[p].r); steps++ {
		p = l.prev(p)
	}
	if p < 0 || l[p].kind != lexWord {
		return false
	}
	word := l[p].lower
	if l.isWord(p, cardWords) || strings.HasPrefix(word, "карт") || strings.HasPrefix(word, "счет") || strings.HasPrefix(word, "счёт") {
		return true
	}
	if l.isWord(p, cardEndings) && l.isWord(l.prev(p), cardEndingHeads) {
		return true
	}
	// a/c 1234
	return word == "c" && l.isSign(p-1, "/") && p >= 2 && l[p-2].lower == "a"
}

// isXWord reports a word made only of x's ("XXXX1234", "xx 1234").
func isXWord(w []byte, l lexemes, p int) bool {
	if p < 0 || l[p].kind != lexWord {
		return false
	}
	for _, c := range w[l[p].start:l[p].end] {
		if c != 'x' && c != 'X' {
			return false
		}
	}
	return true
}

// phoneChain returns the last lexeme and the digit count of a run of digit
// groups from lexeme i, separated by one space, '-', '.', or parentheses.
func phoneChain(w []byte, l lexemes, i int) (last, groups, digits int) {
	if !l.isNum(i) || w[l[i].start] == junk {
		return -1, 0, 0
	}
	last, groups, digits = i, 1, l[i].len()
	for {
		j := last + 1
		seps := 0
		for j < len(l) && seps < 2 && (l[j].kind == lexSpace && l[j].len() == 1 || l.isSign(j, "-.()")) {
			j++
			seps++
		}
		if seps == 0 || !l.isNum(j) || w[l[j].start] == junk {
			return last, groups, digits
		}
		last = j
		groups++
		digits += l[j].len()
	}
}

// maskPhoneFrom masks the digit chain at lexeme i (begun at lexeme from)
// when it holds at least minDigits digits.
func maskPhoneFrom(w []byte, l lexemes, i, from, minDigits int) {
	last, _, digits := phoneChain(w, l, i)
	if last >= 0 && digits >= minDigits {
		mask(w, l[from].start, l[last].end)
	}
}

// maskPhoneChains masks three or more digit groups holding nine or more
// digits ("8 800 555 35 35", "(415) 555-1234", "482 913 7755").
func maskPhoneChains(w []byte, l lexemes) {
	for i := 0; i < len(l); i++ {
		last, groups, digits := phoneChain(w, l, i)
		if last < 0 {
			continue
		}
		if groups >= 3 && digits >= 9 || groups == 2 && digits >= 10 {
			mask(w, l[i].start, l[last].end)
		}
		i = last
	}
}

// maskLabelled masks the number after a word that says what it is
// ("order 4821", "Ref: 4821", "ticket number is 4821", "call 0800 123 4567",
// "reply STOP to 45678").
func maskLabelled(w []byte, l lexemes, i int) {
	word := l[i].lower
	switch {
	case l.isWord(i, phoneWords):
		j := l.next(i)
		for steps := 0; steps < 4 && j < len(l) && (l.isSign(j, ":.") || l.isWord(j, phoneFillers)); steps++ {
			j = l.next(j)
		}
		if l.isSign(j, "+") {
			maskPhoneFrom(w, l, l.next(j), j, 3)
		} else if l.isSign(j, "(") {
			maskPhoneFrom(w, l, j+1, j, 3)
		} else {
			maskPhoneFrom(w, l, j, j, 3)
		}
	case l.isWord(i, shortCodeVerbs):
		for j := i + 1; j < len(l) && j <= i+10 && l[j].kind != lexBreak; j++ {
			if l[j].kind == lexWord && l[j].lower == "to" {
				if n := l.next(j); l.isNum(n) {
					mask(w, l[n].start, l[n].end)
				}
				return
			}
		}
	case isLabel(l, i, word):
		j := l.next(i)
		for steps := 0; steps < 4 && j < len(l) && (l.isSign(j, ":#№=-.") || l.isWord(j, labelFillers)); steps++ {
			j = l.next(j)
		}
		maskValue(w, l, j)
	}
}

func isLabel(l lexemes, i int, word string) bool {
	if l.isWord(i, labelWords) {
		return true
	}
	if (word == "no" || word == "nr") && l.isSign(i+1, ".") {
		return true
	}
	for _, prefix := range labelPrefixes {
		if strings.HasPrefix(word, prefix) {
			return true
		}
	}
	if len(word) > 3 && word[0] >= 0xE0 {
		for _, suffix := range labelSuffixes {
			if strings.HasSuffix(word, suffix) {
				return true
			}
		}
	}
	return false
}

// maskValue masks the letters, digits and dashes starting at lexeme j if
// they hold a digit ("4821", "INV-4821", "TXN48213957").
func maskValue(w []byte, l lexemes, j int) {
	if j < 0 || j >= len(l) || (l[j].kind != lexNum && l[j].kind != lexWord) {
		return
	}
	start := l[j].start
	end := start
	digit := false
	for end < len(w) && (isAlnum(w[end]) || w[end] == '-') {
		digit = digit || isDigit(w[end])
		end++
	}
	if digit {
		mask(w, start, end)
	}
}

// maskLinks masks URLs and e-mail addresses: runs of printable ASCII that
// hold "://", start with "www.", hold an '@' followed by a dot, or a
// host.tld followed by a path.
func maskLinks(w []byte) {
	for i := 0; i < len(w); {
		if w[i] <= ' ' || w[i] >= 0x7f {
			i++
			continue
		}
		j := i
		for j < len(w) && w[j] > ' ' && w[j] < 0x7f {
			j++
		}
		if isLink(w[i:j]) {
			mask(w, i, j)
		}
		i = j
	}
}

func isLink(run []byte) bool {
	if bytes.Contains(run, []byte("://")) {
		return true
	}
	if len(run) > 4 && bytes.EqualFold(run[:4], []byte("www.")) {
		return true
	}
	if at := bytes.IndexByte(run, '@'); at >= 0 && bytes.IndexByte(run[at:], '.') > 1 {
		return true
	}
	slash := bytes.IndexByte(run, '/')
	if slash < 0 {
		return false
	}
	host := run[:slash]
	dot := bytes.LastIndexByte(host, '.')
	if dot < 0 || len(host)-dot-1 < 2 {
		return false
	}
	for _, c := range host[dot+1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// maskAppHash masks the "<#>" prefix and the 11-character app hash the
// Android SMS Retriever API expects as the last token of the message.
func maskAppHash(w []byte) {
	for _, marker := range [][]byte{[]byte("<#>"), []byte("&lt;#&gt;"), []byte("[#]")} {
		for off := 0; ; {
			k := bytes.Index(w[off:], marker)
			if k < 0 {
				break
			}
			mask(w, off+k, off+k+len(marker))
			off += k + len(marker)
		}
	}
	end := len(w)
	for end > 0 && isBlank(w[end-1]) {
		end--
	}
	start := end
	for start > 0 && !isBlank(w[start-1]) {
		start--
	}
	if end-start != 11 {
		return
	}
	for _, c := range w[start:end] {
		if !isAlnum(c) && c != '+' && c != '/' {
			return
		}
	}
	mask(w, start, end)
}

// advertWords mark a message in which "code" is most likely a promo code,
// and a number most likely a prize or ticket number.
var advertWords = setOf(
	"off", "discount", "sale", "promo", "coupon", "voucher", "deal", "offer", "cashback",
	"descuento", "oferta", "rabatt", "réduction", "sconto", "promoção", "desconto",
	"won", "win", "winner", "winners", "prize", "prizes", "lottery", "lotto", "jackpot", "raffle",
	"sweepstakes", "giveaway", "congratulations", "congrats", "ganador", "ganaste", "premio",
	"sorteo", "gagné", "gagnant", "loterie", "gewonnen", "gewinner", "gewinn", "lotterie",
	"prêmio", "sorteio", "ganhou", "vinto", "lotteria", "приз", "розыгрыш",
)

var advertPrefixes = []string{"скидк", "акци", "распродаж", "выигр", "лотере", "поздравля"}

var advertPhrases = [][]byte{[]byte("优惠"), []byte("折扣"), []byte("할인"), []byte("割引"), []byte("中奖"),
	[]byte("抽奖"), []byte("奖品"), []byte("당첨"), []byte("当選"), []byte("恭喜")}

func isAdvert(w []byte, l lexemes) bool {
	for i, lx := range l {
		if w[lx.start] == junk {
			continue // inside a URL or an amount
		}
		switch lx.kind {
		case lexSign:
			if lx.r == '%' && l.isNum(l.prev(i)) {
				return true
			}
		case lexWord:
			if l.isWord(i, advertWords) {
				return true
			}
			for _, prefix := range advertPrefixes {
				if strings.HasPrefix(lx.lower, prefix) {
					return true
				}
			}
		}
	}
	if hasWideScript(w) {
		for _, p := range advertPhrases {
			if bytes.Contains(w, p) {
				return true
			}
		}
	}
	return false
}

// hasWideScript reports characters of three or more UTF-8 bytes (CJK,
// Hangul, Thai…), the scripts whose keywords are found by substring.
func hasWideScript(w []byte) bool {
	for _, c := range w {
		if c >= 0xE0 {
			return true
		}
	}
	return false
}
