package naming

import "strings"

// Country is the ISO 3166-1 alpha-2 code of a country and its one display
// name, from any spelling a provider sends: a code in either case ("GB",
// 5sim's "gb"), an alpha-3 code ("GBR"), a name ("United Kingdom",
// 5sim's "england" and "usa", NonVoip's and the marketplace's "United
// States") or a name with its code in brackets ("United Kingdom (GB)").
// Anything else, numeric country ids included (they are each provider's
// own numbering), comes back as given with an empty name.
func Country(raw string) (code, name string) {
	s := strings.TrimSpace(raw)
	if c, ok := lookupCountry(s); ok {
		return c.code, c.name
	}
	if open := strings.LastIndexByte(s, '('); open > 0 && strings.HasSuffix(s, ")") {
		inside := strings.TrimSpace(s[open+1 : len(s)-1])
		if c, ok := countryByCode[strings.ToUpper(inside)]; len(inside) == 2 && ok {
			return c.code, c.name
		}
		if c, ok := lookupCountry(strings.TrimSpace(s[:open])); ok { // "Germany (Europe)"
			return c.code, c.name
		}
	}
	return raw, ""
}

// CountryCode is Country's code alone: what a Line or Lease holds, so
// every provider's country reads and filters the same.
func CountryCode(raw string) string {
	code, _ := Country(raw)
	return code
}

type country struct{ code, name string }

func lookupCountry(s string) (country, bool) {
	switch len(s) {
	case 2:
		if c, ok := countryByCode[strings.ToUpper(s)]; ok {
			return c, true
		}
	case 3:
		if c, ok := countryByAlpha3[strings.ToUpper(s)]; ok {
			return c, true
		}
	}
	k := key(s)
	if k == "" {
		return country{}, false
	}
	c, ok := countryByKey[k]
	return c, ok
}

var countryByCode, countryByAlpha3, countryByKey = func() (byCode, byAlpha3, byKey map[string]country) {
	byCode, byAlpha3, byKey = map[string]country{}, map[string]country{}, map[string]country{}
	for _, e := range countries {
		c := country{e.code, e.name}
		byCode[e.code], byAlpha3[e.alpha3] = c, c
		for _, spelling := range append([]string{e.name}, e.also...) {
			byKey[key(spelling)] = c
		}
	}
	return byCode, byAlpha3, byKey
}()

// countries is ISO 3166-1 with one display name per country: the short
// English name operators know (Debian's iso-codes list, with the common
// name where the formal one is long: "Russia", not "Russian Federation";
// ASCII only, so every terminal and the screenshots' font show it) and
// the other spellings providers send. A spelling matches whatever its
// case, spaces, punctuation and accents, so 5sim's "southafrica" needs no
// entry of its own.
var countries = []struct {
	code, alpha3, name string
	also               []string
}{
	{"AD", "AND", "Andorra", nil},
	{"AE", "ARE", "United Arab Emirates", []string{"UAE", "Emirates"}},
	{"AF", "AFG", "Afghanistan", nil},
	{"AG", "ATG", "Antigua and Barbuda", nil},
	{"AI", "AIA", "Anguilla", nil},
	{"AL", "ALB", "Albania", nil},
	{"AM", "ARM", "Armenia", nil},
	{"AO", "AGO", "Angola", nil},
	{"AQ", "ATA", "Antarctica", nil},
	{"AR", "ARG", "Argentina", nil},
	{"AS", "ASM", "American Samoa", nil},
	{"AT", "AUT", "Austria", nil},
	{"AU", "AUS", "Australia", nil},
	{"AW", "ABW", "Aruba", nil},
	{"AX", "ALA", "Aland Islands", nil},
	{"AZ", "AZE", "Azerbaijan", nil},
	{"BA", "BIH", "Bosnia and Herzegovina", []string{"Bosnia", "BiH"}},
	{"BB", "BRB", "Barbados", nil},
	{"BD", "BGD", "Bangladesh", nil},
	{"BE", "BEL", "Belgium", nil},
	{"BF", "BFA", "Burkina Faso", nil},
	{"BG", "BGR", "Bulgaria", nil},
	{"BH", "BHR", "Bahrain", nil},
	{"BI", "BDI", "Burundi", nil},
	{"BJ", "BEN", "Benin", nil},
	{"BL", "BLM", "Saint Barthelemy", nil},
	{"BM", "BMU", "Bermuda", nil},
	{"BN", "BRN", "Brunei", []string{"Brunei Darussalam"}},
	{"BO", "BOL", "Bolivia", []string{"Bolivia, Plurinational State of"}},
	{"BQ", "BES", "Caribbean Netherlands", []string{"Bonaire, Sint Eustatius and Saba"}},
	{"BR", "BRA", "Brazil", nil},
	{"BS", "BHS", "Bahamas", nil},
	{"BT", "BTN", "Bhutan", []string{"Bhutane"}},
	{"BV", "BVT", "Bouvet Island", nil},
	{"BW", "BWA", "Botswana", nil},
	{"BY", "BLR", "Belarus", nil},
	{"BZ", "BLZ", "Belize", nil},
	{"CA", "CAN", "Canada", nil},
	{"CC", "CCK", "Cocos Islands", []string{"Cocos (Keeling) Islands"}},
	{"CD", "COD", "DR Congo", []string{"Congo, The Democratic Republic of the", "Democratic Republic of the Congo", "DRC", "Congo-Kinshasa"}},
	{"CF", "CAF", "Central African Republic", nil},
	{"CG", "COG", "Congo", []string{"Republic of the Congo", "Congo-Brazzaville"}},
	{"CH", "CHE", "Switzerland", nil},
	{"CI", "CIV", "Ivory Coast", []string{"Côte d'Ivoire", "Ivory"}},
	{"CK", "COK", "Cook Islands", nil},
	{"CL", "CHL", "Chile", nil},
	{"CM", "CMR", "Cameroon", nil},
	{"CN", "CHN", "China", nil},
	{"CO", "COL", "Colombia", nil},
	{"CR", "CRI", "Costa Rica", nil},
	{"CU", "CUB", "Cuba", nil},
	{"CV", "CPV", "Cape Verde", []string{"Cabo Verde"}},
	{"CW", "CUW", "Curacao", nil},
	{"CX", "CXR", "Christmas Island", nil},
	{"CY", "CYP", "Cyprus", nil},
	{"CZ", "CZE", "Czechia", []string{"Czech", "Czech Republic"}},
	{"DE", "DEU", "Germany", nil},
	{"DJ", "DJI", "Djibouti", nil},
	{"DK", "DNK", "Denmark", nil},
	{"DM", "DMA", "Dominica", nil},
	{"DO", "DOM", "Dominican Republic", []string{"Dominicana", "Dominican"}},
	{"DZ", "DZA", "Algeria", nil},
	{"EC", "ECU", "Ecuador", nil},
	{"EE", "EST", "Estonia", nil},
	{"EG", "EGY", "Egypt", nil},
	{"EH", "ESH", "Western Sahara", nil},
	{"ER", "ERI", "Eritrea", nil},
	{"ES", "ESP", "Spain", nil},
	{"ET", "ETH", "Ethiopia", nil},
	{"FI", "FIN", "Finland", nil},
	{"FJ", "FJI", "Fiji", nil},
	{"FK", "FLK", "Falkland Islands", []string{"Falkland Islands (Malvinas)"}},
	{"FM", "FSM", "Micronesia", []string{"Micronesia, Federated States of"}},
	{"FO", "FRO", "Faroe Islands", nil},
	{"FR", "FRA", "France", nil},
	{"GA", "GAB", "Gabon", nil},
	{"GB", "GBR", "United Kingdom", []string{"England", "UK", "Great Britain", "Britain", "Scotland", "Wales", "Northern Ireland"}},
	{"GD", "GRD", "Grenada", nil},
	{"GE", "GEO", "Georgia", nil},
	{"GF", "GUF", "French Guiana", nil},
	{"GG", "GGY", "Guernsey", nil},
	{"GH", "GHA", "Ghana", nil},
	{"GI", "GIB", "Gibraltar", nil},
	{"GL", "GRL", "Greenland", nil},
	{"GM", "GMB", "Gambia", nil},
	{"GN", "GIN", "Guinea", nil},
	{"GP", "GLP", "Guadeloupe", nil},
	{"GQ", "GNQ", "Equatorial Guinea", nil},
	{"GR", "GRC", "Greece", nil},
	{"GS", "SGS", "South Georgia", []string{"South Georgia and the South Sandwich Islands"}},
	{"GT", "GTM", "Guatemala", nil},
	{"GU", "GUM", "Guam", nil},
	{"GW", "GNB", "Guinea-Bissau", nil},
	{"GY", "GUY", "Guyana", nil},
	{"HK", "HKG", "Hong Kong", nil},
	{"HM", "HMD", "Heard and McDonald Islands", []string{"Heard Island and McDonald Islands"}},
	{"HN", "HND", "Honduras", nil},
	{"HR", "HRV", "Croatia", nil},
	{"HT", "HTI", "Haiti", nil},
	{"HU", "HUN", "Hungary", nil},
	{"ID", "IDN", "Indonesia", nil},
	{"IE", "IRL", "Ireland", nil},
	{"IL", "ISR", "Israel", nil},
	{"IM", "IMN", "Isle of Man", nil},
	{"IN", "IND", "India", nil},
	{"IO", "IOT", "British Indian Ocean Territory", nil},
	{"IQ", "IRQ", "Iraq", nil},
	{"IR", "IRN", "Iran", []string{"Iran, Islamic Republic of"}},
	{"IS", "ISL", "Iceland", nil},
	{"IT", "ITA", "Italy", nil},
	{"JE", "JEY", "Jersey", nil},
	{"JM", "JAM", "Jamaica", nil},
	{"JO", "JOR", "Jordan", nil},
	{"JP", "JPN", "Japan", nil},
	{"KE", "KEN", "Kenya", nil},
	{"KG", "KGZ", "Kyrgyzstan", nil},
	{"KH", "KHM", "Cambodia", nil},
	{"KI", "KIR", "Kiribati", nil},
	{"KM", "COM", "Comoros", nil},
	{"KN", "KNA", "Saint Kitts and Nevis", []string{"Saint Kitts"}},
	{"KP", "PRK", "North Korea", []string{"Korea, Democratic People's Republic of"}},
	{"KR", "KOR", "South Korea", []string{"Korea, Republic of", "Korea"}},
	{"KW", "KWT", "Kuwait", nil},
	{"KY", "CYM", "Cayman Islands", nil},
	{"KZ", "KAZ", "Kazakhstan", nil},
	{"LA", "LAO", "Laos", []string{"Lao People's Democratic Republic", "Lao"}},
	{"LB", "LBN", "Lebanon", nil},
	{"LC", "LCA", "Saint Lucia", nil},
	{"LI", "LIE", "Liechtenstein", nil},
	{"LK", "LKA", "Sri Lanka", nil},
	{"LR", "LBR", "Liberia", nil},
	{"LS", "LSO", "Lesotho", nil},
	{"LT", "LTU", "Lithuania", nil},
	{"LU", "LUX", "Luxembourg", nil},
	{"LV", "LVA", "Latvia", nil},
	{"LY", "LBY", "Libya", nil},
	{"MA", "MAR", "Morocco", nil},
	{"MC", "MCO", "Monaco", nil},
	{"MD", "MDA", "Moldova", []string{"Moldova, Republic of"}},
	{"ME", "MNE", "Montenegro", nil},
	{"MF", "MAF", "Saint Martin", []string{"Saint Martin (French part)"}},
	{"MG", "MDG", "Madagascar", nil},
	{"MH", "MHL", "Marshall Islands", nil},
	{"MK", "MKD", "North Macedonia", []string{"Macedonia"}},
	{"ML", "MLI", "Mali", nil},
	{"MM", "MMR", "Myanmar", []string{"Burma"}},
	{"MN", "MNG", "Mongolia", nil},
	{"MO", "MAC", "Macau", []string{"Macao"}},
	{"MP", "MNP", "Northern Mariana Islands", nil},
	{"MQ", "MTQ", "Martinique", nil},
	{"MR", "MRT", "Mauritania", nil},
	{"MS", "MSR", "Montserrat", nil},
	{"MT", "MLT", "Malta", nil},
	{"MU", "MUS", "Mauritius", nil},
	{"MV", "MDV", "Maldives", nil},
	{"MW", "MWI", "Malawi", nil},
	{"MX", "MEX", "Mexico", nil},
	{"MY", "MYS", "Malaysia", nil},
	{"MZ", "MOZ", "Mozambique", nil},
	{"NA", "NAM", "Namibia", nil},
	{"NC", "NCL", "New Caledonia", nil},
	{"NE", "NER", "Niger", nil},
	{"NF", "NFK", "Norfolk Island", nil},
	{"NG", "NGA", "Nigeria", nil},
	{"NI", "NIC", "Nicaragua", nil},
	{"NL", "NLD", "Netherlands", []string{"Holland"}},
	{"NO", "NOR", "Norway", nil},
	{"NP", "NPL", "Nepal", nil},
	{"NR", "NRU", "Nauru", nil},
	{"NU", "NIU", "Niue", nil},
	{"NZ", "NZL", "New Zealand", nil},
	{"OM", "OMN", "Oman", nil},
	{"PA", "PAN", "Panama", nil},
	{"PE", "PER", "Peru", nil},
	{"PF", "PYF", "French Polynesia", nil},
	{"PG", "PNG", "Papua New Guinea", []string{"Papua"}},
	{"PH", "PHL", "Philippines", nil},
	{"PK", "PAK", "Pakistan", nil},
	{"PL", "POL", "Poland", nil},
	{"PM", "SPM", "Saint Pierre and Miquelon", nil},
	{"PN", "PCN", "Pitcairn", nil},
	{"PR", "PRI", "Puerto Rico", nil},
	{"PS", "PSE", "Palestine", []string{"Palestine, State of"}},
	{"PT", "PRT", "Portugal", nil},
	{"PW", "PLW", "Palau", nil},
	{"PY", "PRY", "Paraguay", nil},
	{"QA", "QAT", "Qatar", nil},
	{"RE", "REU", "Reunion", nil},
	{"RO", "ROU", "Romania", nil},
	{"RS", "SRB", "Serbia", nil},
	{"RU", "RUS", "Russia", []string{"Russian Federation"}},
	{"RW", "RWA", "Rwanda", nil},
	{"SA", "SAU", "Saudi Arabia", nil},
	{"SB", "SLB", "Solomon Islands", nil},
	{"SC", "SYC", "Seychelles", nil},
	{"SD", "SDN", "Sudan", nil},
	{"SE", "SWE", "Sweden", nil},
	{"SG", "SGP", "Singapore", nil},
	{"SH", "SHN", "Saint Helena", []string{"Saint Helena, Ascension and Tristan da Cunha"}},
	{"SI", "SVN", "Slovenia", nil},
	{"SJ", "SJM", "Svalbard and Jan Mayen", nil},
	{"SK", "SVK", "Slovakia", nil},
	{"SL", "SLE", "Sierra Leone", nil},
	{"SM", "SMR", "San Marino", nil},
	{"SN", "SEN", "Senegal", nil},
	{"SO", "SOM", "Somalia", nil},
	{"SR", "SUR", "Suriname", nil},
	{"SS", "SSD", "South Sudan", nil},
	{"ST", "STP", "Sao Tome and Principe", nil},
	{"SV", "SLV", "El Salvador", []string{"Salvador"}},
	{"SX", "SXM", "Sint Maarten", []string{"Sint Maarten (Dutch part)"}},
	{"SY", "SYR", "Syria", []string{"Syrian Arab Republic"}},
	{"SZ", "SWZ", "Eswatini", []string{"Swaziland"}},
	{"TC", "TCA", "Turks and Caicos Islands", nil},
	{"TD", "TCD", "Chad", nil},
	{"TF", "ATF", "French Southern Territories", nil},
	{"TG", "TGO", "Togo", nil},
	{"TH", "THA", "Thailand", nil},
	{"TJ", "TJK", "Tajikistan", nil},
	{"TK", "TKL", "Tokelau", nil},
	{"TL", "TLS", "East Timor", []string{"Timor-Leste"}},
	{"TM", "TKM", "Turkmenistan", nil},
	{"TN", "TUN", "Tunisia", nil},
	{"TO", "TON", "Tonga", nil},
	{"TR", "TUR", "Turkey", []string{"Türkiye"}},
	{"TT", "TTO", "Trinidad and Tobago", []string{"Trinidad", "TiT"}},
	{"TV", "TUV", "Tuvalu", nil},
	{"TW", "TWN", "Taiwan", []string{"Taiwan, Province of China"}},
	{"TZ", "TZA", "Tanzania", []string{"Tanzania, United Republic of"}},
	{"UA", "UKR", "Ukraine", nil},
	{"UG", "UGA", "Uganda", nil},
	{"UM", "UMI", "US Minor Outlying Islands", []string{"United States Minor Outlying Islands"}},
	{"US", "USA", "United States", []string{"USA", "United States of America", "America"}},
	{"UY", "URY", "Uruguay", nil},
	{"UZ", "UZB", "Uzbekistan", nil},
	{"VA", "VAT", "Vatican City", []string{"Holy See (Vatican City State)", "Vatican", "Holy See"}},
	{"VC", "VCT", "Saint Vincent and the Grenadines", []string{"Saint Vincent"}},
	{"VE", "VEN", "Venezuela", []string{"Venezuela, Bolivarian Republic of"}},
	{"VG", "VGB", "British Virgin Islands", []string{"Virgin Islands, British"}},
	{"VI", "VIR", "US Virgin Islands", []string{"Virgin Islands, U.S."}},
	{"VN", "VNM", "Vietnam", nil},
	{"VU", "VUT", "Vanuatu", nil},
	{"WF", "WLF", "Wallis and Futuna", nil},
	{"WS", "WSM", "Samoa", nil},
	{"YE", "YEM", "Yemen", nil},
	{"YT", "MYT", "Mayotte", nil},
	{"ZA", "ZAF", "South Africa", nil},
	{"ZM", "ZMB", "Zambia", nil},
	{"ZW", "ZWE", "Zimbabwe", nil},
}
