package ui_test

import (
	"testing"

	"switchboard/backend"
)

// The buy picker asks what the provider's descriptor says: how many
// options a step takes (several services on one NonVoip 30-day number,
// area codes on a marketplace number) and which fields follow.
func TestBuyPickerFollowsTheDescriptor(t *testing.T) {
	products := []backend.CatalogItem{{ID: "1", Label: "Telegram", Price: money("1", "USD"), Stock: 5},
		{ID: "2", Label: "WhatsApp", Price: money("1", "USD"), Stock: 5}}
	one := func(cat, step string, items []backend.CatalogItem) flow {
		return flow{cats: []string{cat}, steps: map[string][]string{cat: {step}},
			items: map[string][]backend.CatalogItem{step: items}}
	}
	cases := []struct {
		name    string
		account string
		flow    flow
		want    string
	}{
		{"nonvoip 30-day", "nv", one("long_term", backend.StepProduct, products), "Choose product (space picks up to 5, enter goes on)"},
		{"nonvoip 10-minute", "nv", one("short_term", backend.StepProduct, products), "Choose product"},
		{"market area codes", "mk", one("numbers", backend.StepAreaCodes, []backend.CatalogItem{{ID: "917", Label: "917", Stock: -1}}),
			"Choose area codes (space picks up to 10, enter goes on)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := start(t, map[string]flow{tc.account: tc.flow})
			x.press("n")
			x.sees(tc.want)
			if tc.want == "Choose product" {
				x.lacks("space picks")
			}
		})
	}
	// The fields after the steps are the descriptor's: a 5sim activation
	// asks whether the number may be reused.
	x := start(t, map[string]flow{"5s": fiveSimFlow})
	x.press("n")
	x.sees("Telegram")
	x.press("enter")
	x.sees("reusable (yes/no)")
}
