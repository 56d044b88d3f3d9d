package naming

import (
	"strings"
	"testing"
)

func TestService(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		// the trade's two-letter codes (NonVoip's country-wise products)
		{"tg", "Telegram"}, {"wa", "WhatsApp"}, {"ig", "Instagram"}, {"fb", "Facebook"},
		{"go", "Google"}, {"ds", "Discord"}, {"tw", "Twitter"}, {"dr", "OpenAI"}, {"oi", "Tinder"},
		{"vk", "VK"}, {"lf", "TikTok"}, {"TG", "Telegram"},
		// 5sim's lowercase products
		{"telegram", "Telegram"}, {"whatsapp", "WhatsApp"}, {"vkontakte", "VK"}, {"google", "Google"},
		{"facebook", "Facebook"}, {"instagram", "Instagram"}, {"amazon", "Amazon"}, {"aliexpress", "AliExpress"},
		{"discord", "Discord"}, {"openai", "OpenAI"}, {"tiktok", "TikTok"}, {"microsoft", "Microsoft"},
		{"uber", "Uber"}, {"other", "Other"}, {"twitter", "Twitter"}, {"x", "Twitter"},
		// the marketplace's and NonVoip's names
		{"Telegram", "Telegram"}, {"WhatsApp", "WhatsApp"}, {"PayPal", "PayPal"}, {"Venmo", "Venmo"},
		{"Coinbase", "Coinbase"}, {"Tinder", "Tinder"}, {"Whats App", "WhatsApp"}, {" telegram ", "Telegram"},
		// Gmail is not Google: NonVoip sells both
		{"GMail", "Gmail"}, {"gmail", "Gmail"}, {"Google", "Google"}, {"Google Voice", "Google Voice"},
		// a 30-days multi-service order
		{"WhatsApp, PayPal", "WhatsApp, PayPal"}, {"wa,tg", "WhatsApp, Telegram"}, {"tg, , x", "Telegram, Twitter"},
		// unknown: raw, first letter as given
		{"1688", "1688"}, {"someApp", "someApp"}, {"zalando", "zalando"}, {"", ""}, {"  ", ""},
	} {
		if got := Service(tc.raw); got != tc.want {
			t.Errorf("Service(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestCountry(t *testing.T) {
	for _, tc := range []struct{ raw, code, name string }{
		// ISO codes in either case, alpha-3
		{"GB", "GB", "United Kingdom"}, {"gb", "GB", "United Kingdom"}, {"SE", "SE", "Sweden"}, {"us", "US", "United States"},
		{"GBR", "GB", "United Kingdom"}, {"rus", "RU", "Russia"},
		// 5sim's lowercase names, its odd ones included
		{"russia", "RU", "Russia"}, {"england", "GB", "United Kingdom"}, {"usa", "US", "United States"},
		{"southafrica", "ZA", "South Africa"}, {"hongkong", "HK", "Hong Kong"}, {"czech", "CZ", "Czechia"},
		{"bih", "BA", "Bosnia and Herzegovina"}, {"tit", "TT", "Trinidad and Tobago"}, {"bhutane", "BT", "Bhutan"},
		{"ivorycoast", "CI", "Ivory Coast"}, {"easttimor", "TL", "East Timor"}, {"salvador", "SV", "El Salvador"},
		{"dominicana", "DO", "Dominican Republic"}, {"swaziland", "SZ", "Eswatini"}, {"macau", "MO", "Macau"},
		{"saudiarabia", "SA", "Saudi Arabia"}, {"newzealand", "NZ", "New Zealand"}, {"kazakhstan", "KZ", "Kazakhstan"},
		{"congo", "CG", "Congo"},
		// names as NonVoip, the marketplace and 5sim's text_en give them
		{"United States", "US", "United States"}, {"United Kingdom", "GB", "United Kingdom"}, {"England", "GB", "United Kingdom"},
		{"UK", "GB", "United Kingdom"}, {"Russian Federation", "RU", "Russia"}, {"Korea, Republic of", "KR", "South Korea"},
		{"Viet Nam", "VN", "Vietnam"}, {"Côte d'Ivoire", "CI", "Ivory Coast"}, {"Türkiye", "TR", "Turkey"},
		{"Bosnia & Herzegovina", "BA", "Bosnia and Herzegovina"}, {"The Netherlands", "NL", "Netherlands"},
		{"  germany  ", "DE", "Germany"},
		// a code in brackets decides; a note in brackets does not hide the name
		{"United Kingdom (GB)", "GB", "United Kingdom"}, {"Britain (gb)", "GB", "United Kingdom"},
		{"Somewhere (DE)", "DE", "Germany"}, {"Germany (Europe)", "DE", "Germany"},
		{"Falkland Islands (Malvinas)", "FK", "Falkland Islands"},
		// unknown: as given, no name; ids are each provider's own numbering
		{"Atlantis", "Atlantis", ""}, {"1", "1", ""}, {"any", "any", ""}, {"XX", "XX", ""}, {"", "", ""},
		{"Narnia (ZZ)", "Narnia (ZZ)", ""},
	} {
		code, name := Country(tc.raw)
		if code != tc.code || name != tc.name {
			t.Errorf("Country(%q) = %q, %q, want %q, %q", tc.raw, code, name, tc.code, tc.name)
		}
	}
}

func TestWord(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		// NonVoip's order types and its callbacks' classes
		{"short_term", "short-term"}, {"long_term", "long-term"}, {"one_day", "1 day"}, {"3days", "3 days"},
		{"country", "country-wise"}, {"str", "short-term"}, {"ltr", "rental"}, {"SHORT_TERM", "short-term"},
		// durations: 5sim's hosting products, NonVoip's renewals and groups
		{"1day", "1 day"}, {"3hours", "3 hours"}, {"30d", "30 days"}, {"10-minutes", "10 minutes"},
		{"30-days", "30 days"}, {"1-day", "1 day"}, {"2 weeks", "2 weeks"}, {"1m", "1 minute"}, {"1mo", "1 month"},
		{"01day", "1 day"},
		// categories
		{"activation", "activation"}, {"hosting", "hosting"}, {"rental", "rental"}, {"number", "number"},
		// unknown: underscores read as spaces
		{"pending_restore", "pending restore"}, {"Reserved", "Reserved"}, {"", ""}, {"_x_", "x"},
	} {
		if got := Word(tc.raw); got != tc.want {
			t.Errorf("Word(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// TestTablesAgree: every spelling in the tables names its own entry, so
// no two entries claim one spelling, and a short spelling that reads as
// a code names the code's own country.
func TestTablesAgree(t *testing.T) {
	for _, e := range services {
		for _, s := range e {
			if got := Service(s); got != e[0] {
				t.Errorf("Service(%q) = %q, want %q", s, got, e[0])
			}
		}
	}
	for _, e := range countries {
		for _, s := range append([]string{e.code, strings.ToLower(e.code), e.alpha3, e.name}, e.also...) {
			if code, name := Country(s); code != e.code || name != e.name {
				t.Errorf("Country(%q) = %q, %q, want %q, %q", s, code, name, e.code, e.name)
			}
		}
		for _, r := range e.name {
			if r > 0x7e {
				t.Errorf("display name %q is not plain ASCII", e.name)
			}
		}
	}
	if len(countries) != 249 || len(countryByCode) != 249 || len(countryByAlpha3) != 249 {
		t.Fatalf("ISO 3166-1 has 249 countries; the table has %d rows, %d codes, %d alpha-3 codes",
			len(countries), len(countryByCode), len(countryByAlpha3))
	}
}

func TestCountryCode(t *testing.T) {
	for raw, want := range map[string]string{"england": "GB", "United Kingdom (GB)": "GB", "gb": "GB", "Atlantis": "Atlantis", "": ""} {
		if got := CountryCode(raw); got != want {
			t.Errorf("CountryCode(%q) = %q, want %q", raw, got, want)
		}
	}
}
