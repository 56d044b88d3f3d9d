package nonvoip

import "switchboard/backend"

const after = "The order appears at once and is watched for its code; Switchboard keeps it across restarts " +
	"(NonVoip cannot list orders). Reject refunds it until an SMS arrives."

// productStep is every category's one step: the product (the service).
var productStep = []string{backend.StepProduct}

// Descriptor is NonVoipUsNumber as the rest of the program knows it (see
// backend.Descriptor).
var Descriptor = backend.Descriptor{
	Kind:    backend.NonVoip,
	Label:   "NonVoip",
	BaseURL: DefaultBaseURL,
	// The budget starts here and follows X-RateLimit-Limit once the
	// server sends it.
	Rate:        60,
	Credentials: backend.EmailPassword,
	Buy: []backend.BuyCategory{
		{Name: TypeShortTerm, Steps: productStep, After: after},
		// A 30-day rental may take several services on one number.
		{Name: TypeLongTerm, Steps: productStep, Choices: map[string]int{backend.StepProduct: MaxProducts}, After: after},
		{Name: TypeOneDay, Steps: productStep, After: after},
		{Name: TypeThreeDays, Steps: productStep, After: after},
		{Name: TypeCountry, Steps: productStep, After: after},
	},
	Webhooks: "NonVoip: save the URL as the account's callback URL — POST /api/saveurl with url=<URL> and userId=<your NonVoip user id>; " +
		"it receives incoming_message and auction_wining callbacks",
}

// Open builds the adapter of one configured account (wiring's table).
func Open(a backend.AccountSetup) (backend.Provider, error) {
	p, err := New(Config{Account: a.Name, BaseURL: a.BaseURL, Email: a.Email, Password: a.Password, Budget: a.Budget,
		Now: a.Now, Timeout: a.Timeout})
	if err != nil {
		return nil, err
	}
	return p, nil
}
