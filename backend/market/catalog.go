package market

import (
	"context"
	"fmt"
	"strings"

	"switchboard/backend"
)

// --- catalog --------------------------------------------------------------------

// Catalog answers the buy picker:
//
//	numbers: country (/numbers/countries) → product (/numbers/services) → area_codes (/numbers/area-codes)
//	boost:   category (/boost/categories; its name is the services filter) → product (/boost/services; price per 1000)
//	logs:    parent (/logs/parent-categories) → product (/logs/categories of that parent)
//
// A product step with Chosen[product] already set answers that one item
// fresh (/boost/services/{id}, /logs/categories/{id}) to confirm price and
// stock before buying.
func (p *Provider) Catalog(ctx context.Context, req backend.CatalogRequest) ([]backend.CatalogItem, error) {
	ch := req.Chosen
	switch req.Category {
	case CategoryNumbers:
		switch req.Step {
		case backend.StepCountry:
			cs, err := p.client.NumberCountries(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(cs))
			for _, c := range cs {
				label := c.Name
				if c.Code != "" && !strings.EqualFold(c.Code, c.Name) {
					label = strings.TrimSpace(label + " (" + c.Code + ")")
				}
				if label == "" {
					label = c.ID
				}
				out = append(out, backend.CatalogItem{ID: c.ID, Label: label, Stock: -1})
			}
			return out, nil
		case backend.StepProduct:
			if ch[backend.StepCountry] == "" {
				return nil, p.errorf("list services", backend.ErrInvalid, "choose a country first")
			}
			ss, err := p.client.NumberServices(ctx, ch[backend.StepCountry])
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(ss))
			for _, s := range ss {
				out = append(out, backend.CatalogItem{ID: s.ID, Label: s.Name, Price: p.money(s.Price, s.HasPrice, s.Currency),
					Stock: s.Stock, Rate: s.SuccessRate})
			}
			return out, nil
		case backend.StepAreaCodes:
			if ch[backend.StepCountry] == "" || ch[backend.StepProduct] == "" {
				return nil, p.errorf("list area codes", backend.ErrInvalid, "choose a country and a service first")
			}
			as, err := p.client.NumberAreaCodes(ctx, ch[backend.StepCountry], ch[backend.StepProduct])
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(as))
			for _, a := range as {
				out = append(out, backend.CatalogItem{ID: a.Code, Label: strings.TrimSpace(a.Code + " " + a.Name),
					Price: p.money(a.Price, a.HasPrice, a.Currency), Stock: a.Stock, Note: "optional"})
			}
			return out, nil
		}
	case CategoryBoost:
		switch req.Step {
		case backend.StepCategory, backend.StepParent:
			cs, err := p.client.BoostCategories(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(cs))
			for _, c := range cs {
				out = append(out, backend.CatalogItem{ID: c.Name, Label: c.Name, Stock: -1})
			}
			return out, nil
		case backend.StepProduct:
			if id := ch[backend.StepProduct]; id != "" {
				s, err := p.client.BoostService(ctx, id)
				if err != nil {
					return nil, err
				}
				return []backend.CatalogItem{p.boostItem(s)}, nil
			}
			cat := ch[backend.StepCategory]
			if cat == "" {
				cat = ch[backend.StepParent]
			}
			if cat == "" {
				return nil, p.errorf("list boost services", backend.ErrInvalid, "choose a category first")
			}
			ss, err := p.client.BoostServices(ctx, cat)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(ss))
			for _, s := range ss {
				out = append(out, p.boostItem(s))
			}
			return out, nil
		}
	case CategoryLogs:
		switch req.Step {
		case backend.StepParent:
			ps, err := p.client.LogParentCategories(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]backend.CatalogItem, 0, len(ps))
			for _, pc := range ps {
				out = append(out, backend.CatalogItem{ID: pc.ID, Label: pc.Name, Stock: -1})
			}
			return out, nil
		case backend.StepProduct:
			if id := ch[backend.StepProduct]; id != "" {
				c, err := p.client.LogCategory(ctx, id)
				if err != nil {
					return nil, err
				}
				return []backend.CatalogItem{p.logsItem(c)}, nil
			}
			if ch[backend.StepParent] == "" {
				return nil, p.errorf("list logs categories", backend.ErrInvalid, "choose a parent category first")
			}
			var out []backend.CatalogItem
			for page := 1; page <= maxListPages; page++ {
				cs, pg, err := p.client.LogCategories(ctx, ch[backend.StepParent], page, 100)
				if err != nil {
					return nil, err
				}
				for _, c := range cs {
					out = append(out, p.logsItem(c))
				}
				if !pg.HasNext || len(cs) == 0 {
					break
				}
			}
			return out, nil
		}
	default:
		return nil, p.errorf("catalog", backend.ErrInvalid, "unknown category %q (numbers, boost or logs)", req.Category)
	}
	return nil, p.errorf("catalog", backend.ErrInvalid, "%s has no %q step", req.Category, req.Step)
}

func (p *Provider) boostItem(s BoostService) backend.CatalogItem {
	var notes []string
	if s.HasRate {
		notes = append(notes, "price per 1000")
	}
	if s.Min > 0 || s.Max > 0 {
		notes = append(notes, fmt.Sprintf("min %d, max %d", s.Min, s.Max))
	}
	if s.Refill {
		notes = append(notes, "refill")
	}
	label := s.Name
	if label == "" {
		label = "service " + s.ID
	}
	per := 0
	if s.HasRate {
		per = 1000
	}
	return backend.CatalogItem{ID: s.ID, Label: label, Price: p.money(s.Rate, s.HasRate, s.Currency), Stock: -1,
		Per: per, Min: s.Min, Max: s.Max, Note: strings.Join(notes, " · ")}
}

func (p *Provider) logsItem(c LogCategory) backend.CatalogItem {
	label := c.Name
	if label == "" {
		label = "category " + c.ID
	}
	return backend.CatalogItem{ID: c.ID, Label: label, Price: p.money(c.Price, c.HasPrice, c.Currency), Stock: c.Stock}
}
