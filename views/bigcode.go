package views

import "strings"

// bigDigits is a three-row font for codes, so the code reads at a glance.
var bigDigits = map[rune][3]string{
	'0': {"█▀█", "█ █", "▀▀▀"},
	'1': {"▀█ ", " █ ", "▀▀▀"},
	'2': {"▀▀█", "█▀▀", "▀▀▀"},
	'3': {"▀▀█", " ▀█", "▀▀▀"},
	'4': {"█ █", "▀▀█", "  ▀"},
	'5': {"█▀▀", "▀▀█", "▀▀▀"},
	'6': {"█▀▀", "█▀█", "▀▀▀"},
	'7': {"▀▀█", "  █", "  ▀"},
	'8': {"█▀█", "█▀█", "▀▀▀"},
	'9': {"█▀█", "▀▀█", "▀▀▀"},
}

// BigCode renders a code three rows high when it is all digits, else
// nil. Digits are evenly spaced: the code shown is exactly the code that
// is copied, with no grouping an operator might type.
func BigCode(code string) []string {
	if code == "" || len(code) > 10 {
		return nil
	}
	var rows [3]strings.Builder
	for i, r := range code {
		g, ok := bigDigits[r]
		if !ok {
			return nil
		}
		if i > 0 {
			for k := range rows {
				rows[k].WriteString(" ")
			}
		}
		for k := range rows {
			rows[k].WriteString(g[k])
		}
	}
	return []string{rows[0].String(), rows[1].String(), rows[2].String()}
}
