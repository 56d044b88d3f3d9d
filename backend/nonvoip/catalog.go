package nonvoip

import (
	"context"
	"fmt"

	"switchboard/backend"
)

// --- buying -----------------------------------------------------------------

// BuyCategories and BuySteps are the descriptor's: the four USA product
// types and the country-wise inventory, each one product choice
// (long_term may take up to MaxProducts on one number:
// BuyRequest.Products).
func (p *Provider) BuyCategories() []string      { return Descriptor.BuyCategories() }
func (p *Provider) BuySteps(cat string) []string { return Descriptor.BuySteps(normalType(cat)) }

var categoryLabels = map[string]string{
	TypeShortTerm: "10-minute number (one code)",
	TypeLongTerm:  "30-day rental (up to 5 services)",
	TypeOneDay:    "1-day rental",
	TypeThreeDays: "3-day rental (legacy)",
	TypeCountry:   "country-wise number",
}

// Catalog answers the buy picker: the categories, then the products of one
// with price and stock.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	switch req.Step {
	case backend.StepCategory:
		var items []backend.CatalogItem
		for _, c := range p.BuyCategories() {
			items = append(items, backend.CatalogItem{ID: c, Label: categoryLabels[c], Stock: -1})
		}
		return items, nil
	case backend.StepProduct:
	default:
		return nil, p.c.t.Error("list products", backend.ErrInvalid, 0, "", "NonVoip has no "+req.Step+" step")
	}
	cat := req.Category
	if cat == "" {
		cat = req.Chosen[backend.StepCategory]
	}
	cat = normalType(cat)
	var (
		ps  []Product
		err error
	)
	switch cat {
	case TypeCountry:
		ps, err = p.c.CountryProducts(ctx)
	case TypeShortTerm, TypeLongTerm, TypeOneDay, TypeThreeDays:
		ps, err = p.c.Products(ctx, ProductQuery{Type: cat})
	default:
		return nil, p.c.t.Error("list products", backend.ErrInvalid, 0, "", fmt.Sprintf("unknown NonVoip category %q", cat))
	}
	if err != nil {
		return nil, err
	}
	items := make([]backend.CatalogItem, 0, len(ps))
	for _, pr := range ps {
		if cat != TypeCountry && pr.Type != "" && pr.Type != cat {
			continue // the server ignored the type filter
		}
		it := backend.CatalogItem{ID: pr.ID, Label: pr.Name, Stock: pr.Available}
		if it.Label == "" {
			it.Label = "product " + pr.ID
		}
		if pr.Country != "" {
			it.Label += " · " + pr.Country
		}
		if pr.HasPrice {
			it.Price = backend.NewMoney(pr.Price, Currency)
		}
		if cat == TypeShortTerm {
			it.Note = "route price; NonVoip asks before charging over 30% more"
		}
		items = append(items, it)
	}
	return items, nil
}
