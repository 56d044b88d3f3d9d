package backend

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Credentials is what an account of a provider logs in with.
type Credentials int

const (
	// APIKey: api_key, api_key_env or api_key_cmd.
	APIKey Credentials = iota + 1
	// EmailPassword: email plus password, password_env or password_cmd.
	// The e-mail is then half of the secret: it is never stored.
	EmailPassword
)

// Descriptor is everything the program knows of a provider before any
// account of it exists: what the config file accepts, what the buy
// picker asks and the provider's own words. Each adapter exports one
// (backend/<provider>/descriptor.go); wiring's table registers them, and
// the config, the buy picker, the cache and the webhook notes read them
// through Describe and Descriptors, so none of them names a provider.
type Descriptor struct {
	Kind  ProviderKind // the config's spelling: provider: pivday
	Label string       // as operators know it: piv.day
	// BaseURL is the documented base every path follows; "" when there
	// is none (a white-label marketplace): the config must give base_url.
	BaseURL string
	// Rate is the request budget per minute when the config sets none
	// (the adapter's Traits().PerMinute is the same figure).
	Rate        float64
	Credentials Credentials
	// FinishOnCopy: an order is finished once its code is used, so an
	// account may set auto_finish_on_copy (5sim).
	FinishOnCopy bool
	// Buy lists what can be bought, in the picker's order.
	Buy []BuyCategory
	// Webhooks says how to register an account's webhook URL with the
	// provider (`switchboard hooks` prints it); "" when it sends none.
	Webhooks string
}

// BuyCategory is one thing a provider sells and how the picker asks for
// it.
type BuyCategory struct {
	Name  string   // activation, hosting, proxy, ...
	Steps []string // the catalogue steps, in order (StepCountry, ...)
	// Fields are the values asked after the steps (months, quantity, ...).
	Fields []BuyField
	// Choices is how many options a step takes at once (several services
	// on one number); a step not named takes one.
	Choices map[string]int
	// After tells the operator what happens once it is bought (the
	// purchase confirmation's note).
	After string
}

// BuyCategories lists what can be bought (backend.BuyFlow).
func (d Descriptor) BuyCategories() []string {
	out := make([]string, len(d.Buy))
	for i, c := range d.Buy {
		out[i] = c.Name
	}
	return out
}

// BuySteps lists the picker steps of a category (backend.BuyFlow).
func (d Descriptor) BuySteps(category string) []string {
	c, _ := d.Category(category)
	return c.Steps
}

// Category finds a buy category by name.
func (d Descriptor) Category(name string) (BuyCategory, bool) {
	for _, c := range d.Buy {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return BuyCategory{}, false
}

// ChoicesAt is how many options a step of the category takes at once.
func (c BuyCategory) ChoicesAt(step string) int {
	return max(c.Choices[step], 1)
}

// Check reports what is missing or wrong in a descriptor, so a table of
// them can be tested once for every provider.
func (d Descriptor) Check() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if d.Kind == "" || strings.ToLower(string(d.Kind)) != string(d.Kind) || strings.ContainsAny(string(d.Kind), " /") {
		bad("kind %q: lower case, no spaces or slashes (it is the config's spelling and part of every key)", d.Kind)
	}
	if d.Label == "" {
		bad("no label")
	}
	if d.BaseURL != "" && !strings.HasPrefix(d.BaseURL, "https://") {
		bad("base URL %q is not https", d.BaseURL)
	}
	if !(d.Rate > 0) {
		bad("rate %v is not above 0", d.Rate)
	}
	if d.Credentials != APIKey && d.Credentials != EmailPassword {
		bad("credentials not set")
	}
	steps := map[string]bool{StepCategory: true, StepCountry: true, StepOperator: true, StepProduct: true, StepAreaCodes: true, StepParent: true}
	seen := map[string]bool{}
	for _, c := range d.Buy {
		if c.Name == "" || seen[c.Name] {
			bad("buy category %q is empty or named twice", c.Name)
		}
		seen[c.Name] = true
		if c.After == "" {
			bad("buy category %s: no note on what happens after the purchase", c.Name)
		}
		for _, s := range c.Steps {
			if !steps[s] {
				bad("buy category %s: unknown step %q", c.Name, s)
			}
		}
		for s, n := range c.Choices {
			if n < 1 || !strings.Contains(" "+strings.Join(c.Steps, " ")+" ", " "+s+" ") {
				bad("buy category %s: %d choices at %q, which is not one of its steps", c.Name, n, s)
			}
		}
		for _, f := range c.Fields {
			if err := f.Check(); err != nil {
				bad("buy category %s: %v", c.Name, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("provider %s: %s", d.Kind, strings.Join(errs, "; "))
	}
	return nil
}

// AccountSetup is what an adapter is built from: one configured account,
// the budget its requests draw on and the program's options. Each
// adapter's Open takes it, so wiring's table can hold every constructor.
type AccountSetup struct {
	Name     string
	BaseURL  string // "" = the descriptor's
	APIKey   string // APIKey providers
	Email    string // EmailPassword providers
	Password string
	Budget   *Budget
	Now      func() time.Time // the clock for times a provider does not state; nil = time.Now
	Timeout  time.Duration    // per HTTP attempt; 0 = the transport's default
}

// The registered providers, in display order. wiring fills it at start
// from its table; tests may add a fictional one.
var registry struct {
	mu   sync.RWMutex
	list []Descriptor
}

// Register makes a provider known to the whole program. Registering a
// kind twice is a programming error (two tables) and panics.
func Register(d Descriptor) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	for _, have := range registry.list {
		if have.Kind == d.Kind {
			panic("backend: provider " + string(d.Kind) + " registered twice")
		}
	}
	registry.list = append(registry.list, d)
}

// Describe returns the descriptor of a provider kind.
func Describe(k ProviderKind) (Descriptor, bool) {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for _, d := range registry.list {
		if d.Kind == k {
			return d, true
		}
	}
	return Descriptor{}, false
}

// Descriptors lists every registered provider in display order.
func Descriptors() []Descriptor {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	return append([]Descriptor(nil), registry.list...)
}

// Kinds lists every registered provider kind in display order.
func Kinds() []ProviderKind {
	ds := Descriptors()
	out := make([]ProviderKind, len(ds))
	for i, d := range ds {
		out[i] = d.Kind
	}
	return out
}
