package pivday

import (
	"context"
	"sort"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/sanitize"
)

// --- prices the operator confirms ----------------------------------------------

// numberPrices returns monthly number prices by country: GET
// /numbers/countries' price_per_month, "what actually gets charged on
// purchase", and what a renewal charges per month (the renew section's
// COUNTRY_NOT_AVAILABLE is "no pricing found for the number's country").
// The answer is reused for countriesTTL; a failed read keeps the last one.
func (p *Provider) numberPrices(ctx context.Context) map[string]backend.Money {
	p.mu.Lock()
	now := p.now()
	stale := p.prices == nil || now.Sub(p.pricesAt) >= countriesTTL
	try := stale && now.Sub(p.pricesTried) >= countriesRetry
	if try {
		p.pricesTried = now
	}
	prices := p.prices
	p.mu.Unlock()
	if try {
		if cs, err := p.c.Countries(ctx); err == nil {
			prices = p.storeCountries(cs)
		}
	}
	return prices
}

// storeCountries keeps the prices of a countries answer.
func (p *Provider) storeCountries(cs []Country) map[string]backend.Money {
	prices := make(map[string]backend.Money, len(cs))
	for _, c := range cs {
		prices[strings.ToUpper(string(c.Code))] = money(c.PricePerMonth)
	}
	p.mu.Lock()
	p.prices, p.pricesAt = prices, p.now()
	p.mu.Unlock()
	return prices
}

// numberLine maps a number with its country's monthly price.
func (p *Provider) numberLine(ctx context.Context, n Number, now time.Time) backend.Line {
	return p.line(n, p.numberPrices(ctx)[strings.ToUpper(string(n.Country))], now)
}

// renewQuote is a domain's yearly renewal price and when it was looked up
// (tried: a failed lookup waits as long as a good one).
type renewQuote struct {
	price backend.Money
	tried time.Time
}

// lookUpRenewPrices reads GET /domains/search's renew_price for the
// registered domains whose price is unknown or older than renewQuoteTTL,
// never-looked-up first, at most searchesPerListing of them. A failed
// lookup leaves the price unknown (or as it was) and stops the round: the
// listing itself never fails for it.
func (p *Provider) lookUpRenewPrices(ctx context.Context, domains []Domain) {
	now := p.now()
	var due []string
	p.mu.Lock()
	for _, d := range domains {
		name := domainKey(d.Name)
		q, ok := p.renewQuotes[name]
		if name != "" && !domainPending(lower(d.Status)) && (!ok || now.Sub(q.tried) >= renewQuoteTTL) {
			due = append(due, name)
		}
	}
	sort.SliceStable(due, func(i, j int) bool { return p.renewQuotes[due[i]].tried.Before(p.renewQuotes[due[j]].tried) })
	p.mu.Unlock()
	for _, name := range due[:min(len(due), searchesPerListing)] {
		av, err := p.c.For(name).SearchDomain(ctx, name)
		p.mu.Lock()
		if p.renewQuotes == nil {
			p.renewQuotes = map[string]renewQuote{}
		}
		q := p.renewQuotes[name]
		q.tried = now
		if err == nil && av.RenewPrice.Valid {
			currency := strings.ToUpper(sanitize.Line(strings.TrimSpace(string(av.Currency))))
			if currency == "" {
				currency = Currency
			}
			q.price = backend.NewMoney(av.RenewPrice.Value, currency)
		}
		p.renewQuotes[name] = q
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// renewPrice is a domain's last known yearly renewal price.
func (p *Provider) renewPrice(name Text) backend.Money {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.renewQuotes[domainKey(name)].price
}

func domainKey(name Text) string { return strings.ToLower(strings.TrimSpace(string(name))) }
