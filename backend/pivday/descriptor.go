package pivday

import "switchboard/backend"

// monthsField is how many months a number or a proxy order is bought for.
var monthsField = backend.BuyField{Name: "months", Label: "months", Kind: "int", Default: "1", Required: true, Min: 1, Max: 12}

// Descriptor is piv.day as the rest of the program knows it (see
// backend.Descriptor).
var Descriptor = backend.Descriptor{
	Kind:    backend.PivDay,
	Label:   "piv.day",
	BaseURL: DefaultBaseURL,
	// piv.day documents 100 requests a minute per key.
	Rate:        100,
	Credentials: backend.APIKey,
	Buy: []backend.BuyCategory{
		{Name: CategoryNumber, Steps: []string{backend.StepCountry}, Fields: []backend.BuyField{monthsField,
			{Name: "auto_renew", Label: "auto-renew", Kind: "bool", Default: "no"},
			{Name: "name", Label: "name (optional)", Kind: "text"}}, After: after},
		{Name: CategoryProxy, Steps: []string{backend.StepProduct}, Fields: []backend.BuyField{
			{Name: "quantity", Label: "proxies", Kind: "int", Default: "1", Required: true, Min: 1, Max: 500}, monthsField}, After: after},
	},
	Webhooks: "piv.day: set the URL as the webhook URL of that account's API key profile (dashboard, API keys page); " +
		"piv.day wants https and sends every event there",
}

const after = "The new item appears in the dashboard at once with its expiry; renewals show in the expiries pane."

// Open builds the adapter of one configured account (wiring's table).
func Open(a backend.AccountSetup) (backend.Provider, error) {
	p, err := New(Config{Account: a.Name, BaseURL: a.BaseURL, APIKey: a.APIKey, Budget: a.Budget, Now: a.Now, Timeout: a.Timeout})
	if err != nil {
		return nil, err
	}
	return p, nil
}
