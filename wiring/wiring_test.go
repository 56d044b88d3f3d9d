package wiring

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"switchboard/backend"
	"switchboard/backend/sim"
	"switchboard/config"
)

// credentials fills what a descriptor says its accounts log in with.
func credentials(acc *config.Account, c backend.Credentials) {
	switch c {
	case backend.APIKey:
		acc.APIKey = "key"
	case backend.EmailPassword:
		acc.Email, acc.Password = "me@example.com", "secret"
	}
}

// Every row of the table is complete, registered, and says what its
// adapter does: kind, default rate (Traits().PerMinute), credentials,
// default address, buy categories and steps, webhooks.
func TestEveryDescriptorIsCompleteAndMatchesItsAdapter(t *testing.T) {
	kinds, labels := map[backend.ProviderKind]bool{}, map[string]bool{}
	for _, row := range table {
		d := row.Descriptor
		t.Run(string(d.Kind), func(t *testing.T) {
			if err := d.Check(); err != nil {
				t.Fatal(err)
			}
			if kinds[d.Kind] || labels[d.Label] {
				t.Fatalf("kind %q or label %q used twice", d.Kind, d.Label)
			}
			kinds[d.Kind], labels[d.Label] = true, true
			if got, ok := backend.Describe(d.Kind); !ok || got.Label != d.Label || d.Kind.Label() != d.Label {
				t.Fatalf("not registered: %+v", got)
			}

			acc := config.Account{Name: "acct", Provider: d.Kind}
			if d.BaseURL == "" {
				acc.BaseURL = "https://example.test/api/v1"
			}
			credentials(&acc, d.Credentials)
			p, err := row.open(backend.AccountSetup{Name: acc.Name, BaseURL: acc.BaseURL, APIKey: acc.APIKey,
				Email: acc.Email, Password: acc.Password})
			if err != nil {
				t.Fatalf("the adapter refuses the credentials its descriptor names: %v", err)
			}
			if p.Kind() != d.Kind {
				t.Errorf("adapter kind %q", p.Kind())
			}
			if r := p.Traits().PerMinute; r != d.Rate {
				t.Errorf("adapter's default rate %v, descriptor's %v", r, d.Rate)
			}
			if r := DefaultRate(d.Kind); r != d.Rate {
				t.Errorf("DefaultRate %v", r)
			}
			if spec, err := Build(acc, Options{}); err != nil || spec.Budget.PerMinute() != d.Rate {
				t.Errorf("Build without a rate: %v, budget %v", err, spec.Budget)
			}

			// The other kind of credentials alone is refused.
			other := acc
			other.APIKey, other.Email, other.Password = "", "", ""
			credentials(&other, map[backend.Credentials]backend.Credentials{backend.APIKey: backend.EmailPassword,
				backend.EmailPassword: backend.APIKey}[d.Credentials])
			if _, err := Build(other, Options{}); err == nil {
				t.Error("the adapter accepts credentials its descriptor does not name")
			}
			if d.BaseURL == "" {
				noBase := acc
				noBase.BaseURL = ""
				if _, err := Build(noBase, Options{}); err == nil {
					t.Error("no default address, yet the adapter starts without base_url")
				}
			}

			flow, ok := p.(backend.BuyFlow)
			if !ok {
				t.Fatal("the adapter has no buy flow")
			}
			if !slices.Equal(flow.BuyCategories(), d.BuyCategories()) {
				t.Errorf("adapter sells %v, descriptor %v", flow.BuyCategories(), d.BuyCategories())
			}
			for _, c := range d.Buy {
				if !slices.Equal(flow.BuySteps(c.Name), c.Steps) {
					t.Errorf("%s: adapter steps %v, descriptor %v", c.Name, flow.BuySteps(c.Name), c.Steps)
				}
			}
			if _, hooks := p.(backend.WebhookParser); hooks != (d.Webhooks != "") {
				t.Errorf("adapter parses webhooks: %v; descriptor says how to register them: %q", hooks, d.Webhooks)
			}
		})
	}
	var order []backend.ProviderKind
	for _, row := range table {
		order = append(order, row.Kind)
	}
	if !slices.Equal(backend.Kinds(), order) {
		t.Fatalf("registered %v, not the table's order %v", backend.Kinds(), order)
	}
}

// The simulator offers an account of every provider in the table, with
// the credentials its descriptor names, and the program can build it.
func TestSimulatorAccountsFitTheDescriptors(t *testing.T) {
	s := sim.New(sim.Options{Manual: true, Quiet: true, Seed: 1})
	defer s.Close()
	for _, row := range table {
		accs := SimAccounts(s, row.Kind)
		if len(accs) == 0 {
			t.Errorf("the simulator has no %s account", row.Kind)
			continue
		}
		a := accs[0]
		if (a.APIKey != "") != (row.Credentials == backend.APIKey) || (a.Password != "") != (row.Credentials == backend.EmailPassword) {
			t.Errorf("%s: simulated account %s has the wrong credentials", row.Kind, a.Name)
		}
		if _, err := Build(a, Options{}); err != nil {
			t.Errorf("%s: %v", row.Kind, err)
		}
	}
}

// The README lists every provider by its config spelling, its default
// address and its default rate, so the table and the manual agree.
func TestReadmeListsEveryProvider(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	var spellings []string
	for _, row := range table {
		spellings = append(spellings, string(row.Kind))
		if row.BaseURL != "" && !strings.Contains(readme, "`"+row.BaseURL+"`") {
			t.Errorf("README lacks %s's default base_url %s", row.Label, row.BaseURL)
		}
		if rate := row.Label + " " + strconv.FormatFloat(row.Rate, 'f', -1, 64); !strings.Contains(readme, rate) {
			t.Errorf("README lacks %s's default rate (%q)", row.Label, rate)
		}
	}
	if list := strings.Join(spellings, " | "); !strings.Contains(readme, "provider: pivday          # "+list) {
		t.Errorf("README's config example lacks the provider list %q", list)
	}
}
