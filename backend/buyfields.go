package backend

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// BuyField is a value the buy picker asks for after the catalogue steps
// (months, quantity, a link, ...).
type BuyField struct {
	Name     string // months, quantity, link, name, auto_renew, reuse (see buyFieldKinds)
	Label    string
	Kind     string // int, text, bool
	Default  string
	Required bool
	Min, Max int
}

// buyFieldKinds are the values Set knows how to put in a BuyRequest, by
// name, with the kind each is asked as. A provider that needs another
// value adds a BuyRequest field and a name here.
var buyFieldKinds = map[string]string{
	"months": "int", "quantity": "int", "auto_renew": "bool", "reuse": "bool", "link": "text", "name": "text",
}

// Check reports a field Set could not fill: an unknown name, a kind that
// is not the name's, bounds the wrong way round, a default it refuses.
func (f BuyField) Check() error {
	kind, ok := buyFieldKinds[f.Name]
	switch {
	case !ok:
		return fmt.Errorf("buy field %q: not a value a purchase carries", f.Name)
	case f.Kind != kind:
		return fmt.Errorf("buy field %s: kind %q, want %q", f.Name, f.Kind, kind)
	case f.Label == "":
		return fmt.Errorf("buy field %s: no label", f.Name)
	case f.Kind == "int" && f.Max > 0 && f.Min > f.Max:
		return fmt.Errorf("buy field %s: min %d above max %d", f.Name, f.Min, f.Max)
	}
	if f.Default != "" {
		if err := f.Set(&BuyRequest{}, f.Default); err != nil {
			return fmt.Errorf("buy field %s: default %q refused: %v", f.Name, f.Default, err)
		}
	}
	return nil
}

// Set checks a value and puts it in the request.
func (f BuyField) Set(req *BuyRequest, value string) error {
	value = strings.TrimSpace(value)
	if value == "" {
		value = f.Default
	}
	if value == "" {
		if f.Required {
			return fmt.Errorf("%s is required", f.Label)
		}
		return nil
	}
	switch f.Kind {
	case "int":
		n, err := strconv.Atoi(value)
		if err != nil || n < f.Min || (f.Max > 0 && n > f.Max) {
			return fmt.Errorf("%s: a whole number from %d to %d", f.Label, f.Min, f.Max)
		}
		switch f.Name {
		case "months":
			req.Months = n
		case "quantity":
			req.Quantity = n
		}
	case "bool":
		var on bool
		switch strings.ToLower(value) {
		case "y", "yes", "on", "true", "1":
			on = true
		case "n", "no", "off", "false", "0":
		default:
			return fmt.Errorf("%s: yes or no", f.Label)
		}
		switch f.Name {
		case "auto_renew":
			req.AutoRenew = on
		case "reuse":
			req.Reuse = on
		}
	case "text":
		switch f.Name {
		case "link":
			if !strings.HasPrefix(value, "https://") && !strings.HasPrefix(value, "http://") {
				return fmt.Errorf("link: a full URL starting with https://")
			}
			req.Link = value
		case "name":
			req.Name = value
		}
	}
	return nil
}

// Chosen puts a picker step's choice in the request.
func (req *BuyRequest) Chosen(step, id string) {
	switch step {
	case StepCountry:
		req.Country = id
	case StepOperator:
		req.Operator = id
	case StepProduct:
		req.Product = id
		if strings.Contains(id, ",") { // several services on one number (NonVoip 30-day)
			req.Products = strings.Split(id, ",")
			req.Product = req.Products[0]
		}
	case StepAreaCodes:
		if id != "" {
			req.AreaCodes = strings.Split(id, ",")
		}
	}
}

// Multiplier is how many units of the listed price a request buys
// (months × quantity where they apply).
func (req BuyRequest) Multiplier() decimal.Decimal {
	n := decimal.NewFromInt(1)
	if req.Months > 0 {
		n = n.Mul(decimal.NewFromInt(int64(req.Months)))
	}
	if req.Quantity > 0 {
		n = n.Mul(decimal.NewFromInt(int64(req.Quantity)))
	}
	return n
}
