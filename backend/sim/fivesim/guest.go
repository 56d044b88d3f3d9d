package fivesim

import (
	"net/http"
	"strings"
	"time"
)

// --- guest handlers -----------------------------------------------------

func (p *FiveSim) handleProducts(r *http.Request, now time.Time) fsReply {
	country, operator := strings.ToLower(r.PathValue("country")), strings.ToLower(r.PathValue("operator"))
	if country != "any" && p.country(country) == nil {
		return fsRefuse(fsBadCountry)
	}
	type product struct {
		Category string  `json:"Category"`
		Qty      int     `json:"Qty"`
		Price    float64 `json:"Price"`
	}
	out := map[string]product{}
	seen := false
	for _, c := range p.countries {
		if country != "any" && c.name != country {
			continue
		}
		for _, op := range c.operators {
			if operator != "any" && op != operator {
				continue
			}
			seen = true
			for name, off := range p.stock[c.name][op] {
				cat := "activation"
				if _, ok := fsHostingProducts[name]; ok {
					cat = "hosting"
				}
				cur, ok := out[name]
				price := fsAmount(off.cents)
				if ok && cur.Price < price {
					price = cur.Price
				}
				out[name] = product{Category: cat, Qty: cur.Qty + off.count, Price: price}
			}
		}
	}
	if !seen {
		return fsRefuse(fsBadOperator)
	}
	return fsOK(out)
}

type fsPrice struct {
	Cost  float64  `json:"cost"`
	Count int      `json:"count"`
	Rate  *float64 `json:"rate,omitempty"`
}

func (p *FiveSim) priceOf(off *fsOffer) fsPrice {
	pr := fsPrice{Cost: fsAmount(off.cents), Count: off.count}
	if off.rate > 0 {
		rate := off.rate
		pr.Rate = &rate
	}
	return pr
}

// handlePrices answers country → product → operator, or with only a
// product filter product → country → operator (the document's shapes).
// Unfiltered it returns the whole (small) catalogue; an unknown filter is
// refused with `bad country` / `no product`.
func (p *FiveSim) handlePrices(r *http.Request, now time.Time) fsReply {
	q := r.URL.Query()
	country, product := strings.ToLower(q.Get("country")), strings.ToLower(q.Get("product"))
	if country != "" && p.country(country) == nil {
		return fsRefuse(fsBadCountry)
	}
	out := map[string]map[string]map[string]fsPrice{}
	found := false
	for _, c := range p.countries {
		if country != "" && c.name != country {
			continue
		}
		for _, op := range c.operators {
			for name, off := range p.stock[c.name][op] {
				if product != "" && name != product {
					continue
				}
				found = true
				outer, inner := c.name, name
				if product != "" && country == "" {
					outer, inner = name, c.name
				}
				if out[outer] == nil {
					out[outer] = map[string]map[string]fsPrice{}
				}
				if out[outer][inner] == nil {
					out[outer][inner] = map[string]fsPrice{}
				}
				out[outer][inner][op] = p.priceOf(off)
			}
		}
	}
	if product != "" && !found {
		return fsRefuse(fsNoProduct)
	}
	return fsOK(out)
}

func (p *FiveSim) handleCountries(r *http.Request, now time.Time) fsReply {
	out := map[string]map[string]any{}
	for _, c := range p.countries {
		e := map[string]any{
			"iso":     map[string]int{c.iso: 1},
			"prefix":  map[string]int{c.prefix: 1},
			"text_en": c.en,
			"text_ru": c.ru,
		}
		for _, op := range c.operators {
			cats := map[string]int{"activation": 1}
			for _, h := range c.hosting {
				if h == op {
					cats["hosting"] = 1
				}
			}
			e[op] = cats
		}
		out[c.name] = e
	}
	return fsOK(out)
}

func (p *FiveSim) handleFlash(r *http.Request, now time.Time) fsReply {
	if r.PathValue("lang") == "ru" {
		return fsOK(map[string]string{"text": "Технические работы на операторе virtual15 завершены, номера снова доступны."})
	}
	return fsOK(map[string]string{"text": "Maintenance on operator virtual15 is over; numbers are available again."})
}
