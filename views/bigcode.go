package views

import (
	"strings"

	"switchboard/backend"
	"switchboard/keymap"
)

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

// CopyableOf says what the copy key does on a line.
func CopyableOf(l backend.Line) keymap.Copyable {
	switch {
	case len(l.Candidates) > 0:
		return keymap.CodeChoice
	case l.Code != "":
		return keymap.OneCode
	}
	return keymap.NoCode
}

// chooseMark marks an ambiguous SMS with the key that chooses: "2 codes?
// c chooses".
func chooseMark(km *keymap.KeyMap, l backend.Line) string {
	if k := keymap.First(km.Copy); k != "" {
		return CodesMark(l) + " " + k + " chooses"
	}
	return CodesMark(l)
}

// hintText lists hints plainly: "c copy code · x cancel".
func hintText(hs []keymap.Hint) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.Key + " " + h.Desc
	}
	return strings.Join(parts, " · ")
}

// defaultKeys is the stock key map, for panes not given the operator's.
func defaultKeys() *keymap.KeyMap {
	km := keymap.Default()
	return &km
}
