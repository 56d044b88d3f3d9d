package market

import "switchboard/backend"

const (
	afterNumber = "The number appears at once as waiting and is checked for its code. " +
		"The purchase carries an idempotency key, so a retry can never buy twice."
	afterOrder = "The order joins the queues pane and is followed until it completes. " +
		"The purchase carries an idempotency key, so a retry can never buy twice."
)

// Descriptor is the marketplace "API v1" as the rest of the program knows
// it (see backend.Descriptor). It is white-label: no default address.
var Descriptor = backend.Descriptor{
	Kind:  backend.Market,
	Label: "market",
	// The documents state no limit; stay modest.
	Rate:        60,
	Credentials: backend.APIKey,
	Buy: []backend.BuyCategory{
		// Area codes are optional; the documents set no count, so the
		// picker keeps to a handful.
		{Name: CategoryNumbers, Steps: []string{backend.StepCountry, backend.StepProduct, backend.StepAreaCodes},
			Choices: map[string]int{backend.StepAreaCodes: 10}, After: afterNumber},
		{Name: CategoryBoost, Steps: []string{backend.StepCategory, backend.StepProduct}, After: afterOrder,
			Fields: []backend.BuyField{{Name: "link", Label: "link", Kind: "text", Required: true},
				{Name: "quantity", Label: "quantity", Kind: "int", Default: "1000", Required: true, Min: 1, Max: 10_000_000}}},
		{Name: CategoryLogs, Steps: []string{backend.StepParent, backend.StepProduct}, After: afterOrder,
			Fields: []backend.BuyField{{Name: "quantity", Label: "quantity", Kind: "int", Default: "1", Required: true, Min: 1, Max: 1000}}},
	},
}

// Open builds the adapter of one configured account (wiring's table).
func Open(a backend.AccountSetup) (backend.Provider, error) {
	cfg := Config{Account: a.Name, BaseURL: a.BaseURL, APIKey: a.APIKey, Budget: a.Budget, Now: a.Now, Timeout: a.Timeout}
	if a.Budget != nil {
		cfg.PerMinute = a.Budget.PerMinute()
	}
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return p, nil
}
