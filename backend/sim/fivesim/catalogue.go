package fivesim

import (
	"regexp"
	"sort"
	"time"

	"switchboard/backend/sim/simcore"
)

// --- catalogue and seed -------------------------------------------------

func (p *FiveSim) seedCatalogue() {
	s := p.s
	for _, c := range p.countries {
		ops := map[string]map[string]*fsOffer{}
		for _, op := range c.operators {
			jitter := 0.8 + s.Rng.Float64()*0.4
			prods := map[string]*fsOffer{}
			for _, pr := range fsProducts {
				if s.Chance(0.1) && pr.name != "telegram" {
					continue // not every operator sells every product
				}
				o := &fsOffer{cents: fsCents(pr.base * c.factor * jitter), count: s.Rng.IntN(3000)}
				if s.Chance(0.15) {
					o.count = 0
				}
				if !s.Chance(0.2) {
					o.rate = float64(2000+s.Rng.IntN(8000)) / 100
				}
				prods[pr.name] = o
			}
			for _, h := range c.hosting {
				if h != op {
					continue
				}
				for _, name := range simcore.SortedKeys(fsHostingProducts) { // map order would break the seed
					prods[name] = &fsOffer{cents: fsCents(fsHostingProducts[name].base * c.factor), count: 5 + s.Rng.IntN(60)}
				}
			}
			ops[op] = prods
		}
		p.stock[c.name] = ops
	}
	// The products tests and the demo reach for first always have stock.
	if o := p.stock["russia"]["beeline"]["telegram"]; o.count == 0 {
		o.count = 1260
	}
	if o := p.stock["russia"]["mts"]["1day"]; o != nil && o.count == 0 {
		o.count = 14
	}
}

func fsCents(f float64) int64 { return int64(f*100 + 0.5) }

func (p *FiveSim) country(name string) *fsCountry {
	for _, c := range p.countries {
		if c.name == name {
			return c
		}
	}
	return nil
}

// seedOrders gives every account a believable history: closed orders of
// every kind, a line with a code, waiting lines and a live hosting order.
func (p *FiveSim) seedOrders(now time.Time) {
	s := p.s
	type spec struct {
		a        *fsAccount
		ago      time.Duration
		category string
		product  string
		status   string
		sms      int // SMS already there
		reuse    bool
	}
	var specs []spec
	for _, a := range p.accounts {
		specs = append(specs,
			spec{a, 26 * time.Hour, "activation", "vkontakte", fsStatusBanned, 0, false},
			spec{a, 20 * time.Hour, "activation", "telegram", fsStatusFinished, 1, true},
			spec{a, 9 * time.Hour, "activation", "whatsapp", fsStatusTimeout, 0, false},
			spec{a, 5 * time.Hour, "activation", "google", fsStatusFinished, 2, false},
			spec{a, 4 * time.Hour, "hosting", "3hours", fsStatusFinished, 2, false},
			spec{a, 3 * time.Hour, "activation", "amazon", fsStatusCanceled, 0, true},
			spec{a, 2 * time.Hour, "hosting", "1day", fsStatusReceived, 1, false},
			spec{a, 6 * time.Minute, "activation", "telegram", fsStatusReceived, 1, false},
			spec{a, 4 * time.Minute, "activation", "openai", fsStatusReceived, 2, false},
			spec{a, time.Minute + s.Between(0, 30*time.Second), "activation", "discord", fsStatusReceived, 0, false},
			spec{a, 5 * time.Second, "activation", "instagram", fsStatusPending, 0, true},
		)
	}
	sort.SliceStable(specs, func(i, j int) bool { return specs[i].ago > specs[j].ago })
	for _, sp := range specs {
		created := now.Add(-sp.ago - s.Between(0, 50*time.Millisecond))
		c, op := p.pickOffer(sp.product)
		o := p.newOrder(sp.a, sp.category, c, op, sp.product, created)
		o.reuse = sp.reuse
		o.status = sp.status
		for i := range sp.sms {
			at := created.Add(time.Duration(i+1) * 40 * time.Second)
			msg := p.s.CodeSMS(fsServiceFor(o))
			if i > 0 {
				msg = p.s.FollowUpSMS(fsServiceFor(o))
			}
			p.addSMS(o, at, msg.Sender, msg.Text, msg.Code)
		}
		o.firstDone = sp.sms > 0
		o.secondDone = sp.sms > 1
		switch {
		case o.status == fsStatusPending || o.status == fsStatusReceived:
			if sp.sms == 0 {
				o.plan = s.PlanSMS(created)
			} else if sp.sms == 1 && o.category == "activation" && !s.Opts.Quiet && s.Chance(s.Opts.SecondSMS) {
				o.plan.Second = now.Add(s.Between(3*time.Second, 20*time.Second))
			}
			if o.category == "hosting" {
				o.nextHostSMS = now.Add(s.Between(20*time.Second, 3*time.Minute))
			}
			p.open = append(p.open, o)
		}
	}
	// The seeded balance is what is left after every seeded order: closed
	// ones were settled before the simulation began, open ones are frozen.
}

// pickOffer chooses a country and operator that sell product, preferring
// Russia (5sim's default country).
func (p *FiveSim) pickOffer(product string) (*fsCountry, string) {
	for _, name := range []string{"russia", "england", "kazakhstan"} {
		c := p.country(name)
		ops := append([]string(nil), c.operators...)
		p.s.Rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		for _, op := range ops {
			if p.stock[c.name][op][product] != nil {
				return c, op
			}
		}
	}
	return p.country("russia"), "beeline"
}

// newOrder creates an order (s.Mu held); price and expiry come from the
// catalogue, the caller sets the status.
func (p *FiveSim) newOrder(a *fsAccount, category string, c *fsCountry, op, product string, created time.Time) *fsOrder {
	p.nextID += 1 + p.s.Rng.IntN(40)
	o := &fsOrder{
		id:       p.nextID,
		acct:     a,
		category: category,
		phone:    c.prefix + c.lead + p.s.Digits(c.digits-len(c.lead)),
		country:  c.name,
		operator: op,
		product:  product,
		status:   fsStatusPending,
		created:  created,
	}
	if off := p.stock[c.name][op][product]; off != nil {
		o.price = off.cents
	}
	if category == "hosting" {
		o.expires = created.Add(fsHostingProducts[product].life)
	} else {
		o.expires = created.Add(FiveSimActivationLife)
	}
	p.orders[o.id] = o
	a.orders = append(a.orders, o)
	return o
}

func fsServiceFor(o *fsOrder) string {
	if o.category == "hosting" {
		return ""
	}
	return o.product
}

var fsCodeRe = regexp.MustCompile(`\b\d{4,8}\b`)

// addSMS appends an SMS; code "" lets the simulator detect one as 5sim
// does (its own simple reading, not the adapter's).
func (p *FiveSim) addSMS(o *fsOrder, at time.Time, sender, text, code string) {
	p.nextSMS += 1 + p.s.Rng.IntN(30)
	o.sms = append(o.sms, fsSMS{
		id:      p.nextSMS,
		created: at, // stored by 5sim now; `date` is the handset's (earlier) clock
		date:    at.Add(-time.Duration(p.s.Rng.IntN(4000)) * time.Millisecond).Truncate(time.Second),
		sender:  sender,
		text:    text,
		code:    code,
	})
}
