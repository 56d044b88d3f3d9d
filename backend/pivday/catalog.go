package pivday

import (
	"context"
	"fmt"
	"strings"

	"switchboard/backend"
	"switchboard/backend/sanitize"
)

// --- buy picker -------------------------------------------------------------------

// BuyCategories and BuySteps are the descriptor's: a number needs a
// country (months, auto-renew and the name are fields); a proxy order
// needs a server (quantity and months are fields).
func (p *Provider) BuyCategories() []string      { return Descriptor.BuyCategories() }
func (p *Provider) BuySteps(cat string) []string { return Descriptor.BuySteps(cat) }

// Catalog answers one step of the buy picker.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	switch {
	case req.Step == backend.StepCategory:
		return []backend.CatalogItem{
			{ID: CategoryNumber, Label: "phone number (monthly rental)", Stock: -1},
			{ID: CategoryProxy, Label: "IPv6 proxies (monthly)", Stock: -1},
		}, nil
	case req.Category == CategoryNumber && req.Step == backend.StepCountry:
		cs, err := p.c.Countries(ctx)
		if err != nil {
			return nil, err
		}
		p.storeCountries(cs)
		var out []backend.CatalogItem
		for _, c := range cs {
			code := sanitize.Line(strings.ToUpper(string(c.Code)))
			var notes []string
			if !c.CanReceiveSMS {
				notes = append(notes, "no inbound SMS")
			}
			if c.CanSendSMS {
				s := "can send SMS"
				if c.SMSSendPrice.Valid {
					s += " (" + money(c.SMSSendPrice).String() + " each)"
				}
				notes = append(notes, s)
			}
			if c.BasePrice.Valid && c.PricePerMonth.Valid && !c.BasePrice.Value.Equal(c.PricePerMonth.Value) {
				notes = append(notes, "list price "+money(c.BasePrice).String())
			}
			out = append(out, backend.CatalogItem{ID: code, Label: code + " per month", Price: money(c.PricePerMonth), Stock: -1,
				Note: strings.Join(notes, " · ")})
		}
		return out, nil
	case req.Category == CategoryProxy && req.Step == backend.StepProduct:
		servers, err := p.c.ProxyServers(ctx)
		if err != nil {
			return nil, err
		}
		var out []backend.CatalogItem
		for _, s := range servers {
			out = append(out, backend.CatalogItem{
				ID:    sanitize.Line(string(s.ID)),
				Label: fmt.Sprintf("%s (%s)", sanitize.Line(string(s.Name)), sanitize.Line(string(s.Country))),
				Price: money(s.PricePerProxy),
				Stock: -1,
				Note:  fmt.Sprintf("per proxy per month · socks5 %d · http %d", int(s.SOCKS5Port), int(s.HTTPPort)),
			})
		}
		return out, nil
	}
	return nil, p.c.t.Error("buy picker", backend.ErrInvalid, 0, "", fmt.Sprintf("no step %q for %q", req.Step, req.Category))
}
