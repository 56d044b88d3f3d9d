package fivesim

import "switchboard/backend"

// orderSteps pick country, operator and product, for either category.
var orderSteps = []string{backend.StepCountry, backend.StepOperator, backend.StepProduct}

const after = "The number appears at once as waiting and is checked for its code as fast as the budget allows. " +
	"Cancel is free until an SMS arrives; after it, finish."

// Descriptor is 5sim as the rest of the program knows it (see
// backend.Descriptor).
var Descriptor = backend.Descriptor{
	Kind:    backend.FiveSim,
	Label:   "5sim",
	BaseURL: DefaultBaseURL,
	// 5sim allows far more per second but bans keys that keep hitting
	// its limits: 120 a minute is a comfortable default.
	Rate:         120,
	Credentials:  backend.APIKey,
	FinishOnCopy: true,
	Buy: []backend.BuyCategory{
		{Name: CategoryActivation, Steps: orderSteps, After: after,
			Fields: []backend.BuyField{{Name: "reuse", Label: "reusable", Kind: "bool", Default: "no"}}},
		{Name: CategoryHosting, Steps: orderSteps, After: after},
	},
}

// Open builds the adapter of one configured account (wiring's table).
func Open(a backend.AccountSetup) (backend.Provider, error) {
	p, err := New(Config{Account: a.Name, BaseURL: a.BaseURL, APIKey: a.APIKey, Budget: a.Budget, Timeout: a.Timeout})
	if err != nil {
		return nil, err
	}
	return p, nil
}
