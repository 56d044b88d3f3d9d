// Package naming gives every service and country one name, whatever the
// provider calls it, and turns raw API words into plain words: "tg",
// "telegram" and "Telegram" are all "Telegram"; "england", "United
// Kingdom (GB)" and "GB" are all GB, shown as "United Kingdom";
// "short_term" is "short-term". Pure functions over fixed tables: the
// adapters call them where they map a provider's answer, the views where
// they show a word.
package naming

import (
	"strings"
)

// Service is the display name of a provider's service or product, given
// by code ("tg") or by name ("telegram", "Telegram"). A multi-service
// order's comma-separated list ("WhatsApp, PayPal") is named part by part.
// An unknown service keeps its raw form, trimmed: guessing a capital could
// misspell a brand.
func Service(raw string) string {
	if !strings.Contains(raw, ",") {
		return oneService(raw)
	}
	var names []string
	for _, part := range strings.Split(raw, ",") {
		if name := oneService(part); name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

func oneService(raw string) string {
	s := strings.TrimSpace(raw)
	if name, ok := serviceByKey[key(s)]; ok {
		return name
	}
	return s
}

// services lists each service's display name first, then the codes and
// other spellings providers use for it. The codes are the two-letter ones
// of the SMS-activation trade (NonVoip's country-wise products use them:
// "tg", "wa", "ig", "go", "fb"); there "oi" is Tinder and "dr" OpenAI.
// Google and Gmail stay apart: NonVoip sells "GMail" and "Google" as
// different products.
var services = [][]string{
	{"Telegram", "tg"},
	{"WhatsApp", "wa"},
	{"Instagram", "ig", "insta"},
	{"Facebook", "fb"},
	{"Google", "go"},
	{"Gmail"},
	{"Google Voice"},
	{"YouTube"},
	{"Discord", "ds"},
	{"Twitter", "tw", "x", "x.com"},
	{"OpenAI", "dr", "chatgpt"},
	{"Tinder", "oi"},
	{"VK", "vkontakte", "vk.com"},
	{"Odnoklassniki", "ok"},
	{"Microsoft", "mm"},
	{"Amazon", "am"},
	{"AliExpress", "hx"},
	{"Uber", "ub"},
	{"TikTok", "lf"},
	{"PayPal", "ts"},
	{"Yahoo", "mb"},
	{"Yandex", "ya"},
	{"WeChat", "wb"},
	{"Snapchat", "fu"},
	{"Netflix", "nf"},
	{"Viber", "vi"},
	{"Shopee", "ka"},
	{"KakaoTalk", "kt"},
	{"Steam", "mt"},
	{"Coinbase", "re"},
	{"Line", "me"},
	{"Mail.ru", "ma"},
	{"Avito", "av"},
	{"Badoo", "qv"},
	{"Apple", "wx"},
	{"Twitch", "hb"},
	{"LinkedIn"},
	{"Signal"},
	{"Venmo"},
	{"Airbnb"},
	{"eBay"},
	{"Other", "ot", "any other"},
}

var serviceByKey = index(services)

// Word is a raw API word in plain words: order types and durations
// ("short_term" → "short-term", "3days" → "3 days", "1day" → "1 day",
// "30d" → "30 days"). Words it does not know lose their underscores and
// keep the rest.
func Word(raw string) string {
	s := strings.TrimSpace(strings.ReplaceAll(raw, "_", " "))
	if w, ok := words[strings.ToLower(s)]; ok {
		return w
	}
	if d, ok := duration(s); ok {
		return d
	}
	return s
}

// words are the providers' words that need more than their underscores
// read as spaces (keys are written that way): NonVoip's order types
// (short_term, long_term, one_day, 3days, country, and its callbacks'
// str/ltr) and 5sim's categories.
var words = map[string]string{
	"short term": "short-term",
	"short-term": "short-term",
	"str":        "short-term",
	"long term":  "long-term",
	"long-term":  "long-term",
	"ltr":        "rental",
	"one day":    "1 day",
	"three days": "3 days",
	"country":    "country-wise",
	"activation": "activation",
	"hosting":    "hosting",
	"rental":     "rental",
}

// duration reads "3days", "1day", "30d", "10-minutes", "3 hours": a count
// and a unit, however joined, as "3 days".
func duration(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 6 {
		return "", false
	}
	n, rest := s[:i], strings.ToLower(strings.TrimLeft(s[i:], " -_"))
	unit, ok := units[rest]
	if !ok {
		return "", false
	}
	n = strings.TrimLeft(n, "0")
	if n == "" {
		n = "0"
	}
	if n != "1" {
		unit += "s"
	}
	return n + " " + unit, true
}

// units maps the spellings of a time unit to its singular name.
var units = func() map[string]string {
	m := map[string]string{}
	for unit, spellings := range map[string][]string{
		"minute": {"m", "min", "mins", "minute", "minutes"},
		"hour":   {"h", "hr", "hrs", "hour", "hours"},
		"day":    {"d", "day", "days"},
		"week":   {"w", "week", "weeks"},
		"month":  {"mo", "month", "months"},
		"year":   {"y", "year", "years"},
	} {
		for _, s := range spellings {
			m[s] = unit
		}
	}
	return m
}()

// index maps every spelling's key to the entry's first name.
func index(entries [][]string) map[string]string {
	m := map[string]string{}
	for _, e := range entries {
		for _, spelling := range e {
			m[key(spelling)] = e[0]
		}
	}
	return m
}

// key folds a spelling to what matches: lower case, accents dropped, "&"
// read as "and", a leading "the" dropped, only letters and digits kept.
// So "Saudi Arabia", 5sim's "saudiarabia" and "SAUDI-ARABIA" are one key.
func key(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "the ")
	var b strings.Builder
	for _, r := range s {
		if p, ok := unaccented[r]; ok {
			r = p
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '&':
			b.WriteString("and")
		}
	}
	return b.String()
}

// unaccented maps the accented letters of country names ("Côte d'Ivoire",
// "Türkiye", "Curaçao") to plain ones.
var unaccented = func() map[rune]rune {
	m := map[rune]rune{}
	for plain, accented := range map[rune]string{'a': "àáâãäå", 'e': "èéêë", 'i': "ìíîï", 'o': "òóôõöø",
		'u': "ùúûü", 'y': "ýÿ", 'c': "ç", 'n': "ñ"} {
		for _, r := range accented {
			m[r] = plain
		}
	}
	return m
}()
