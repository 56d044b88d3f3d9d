package fivesim

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// --- HTTP ---------------------------------------------------------------

// fsReply is an answer built under s.Mu and written after it is released.
type fsReply struct {
	status   int
	json     any
	text     string
	empty    bool
	location string
}

func (r fsReply) write(w http.ResponseWriter) {
	switch {
	case r.location != "":
		w.Header().Set("Location", r.location)
		w.WriteHeader(r.status)
	case r.empty:
		w.WriteHeader(r.status)
	case r.json != nil:
		simcore.WriteJSON(w, r.status, r.json)
	default:
		simcore.WriteText(w, r.status, r.text)
	}
}

func fsText(status int, text string) fsReply { return fsReply{status: status, text: text} }
func fsRefuse(text string) fsReply           { return fsText(http.StatusBadRequest, text) }
func fsOK(v any) fsReply                     { return fsReply{status: http.StatusOK, json: v} }

func (p *FiveSim) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/guest/products/{country}/{operator}", p.guest(p.handleProducts))
	mux.HandleFunc("GET /v1/guest/prices", p.guest(p.handlePrices))
	mux.HandleFunc("GET /v1/guest/countries", p.guest(p.handleCountries))
	mux.HandleFunc("GET /v1/guest/flash/{lang}", p.guest(p.handleFlash))
	mux.HandleFunc("GET /v1/user/profile", p.user(p.handleProfile))
	mux.HandleFunc("GET /v1/user/orders", p.user(p.handleOrders))
	mux.HandleFunc("GET /v1/user/check/{id}", p.user(p.handleCheck))
	mux.HandleFunc("GET /v1/user/finish/{id}", p.user(p.handleFinish))
	mux.HandleFunc("GET /v1/user/cancel/{id}", p.user(p.handleCancel))
	mux.HandleFunc("GET /v1/user/ban/{id}", p.user(p.handleBan))
	mux.HandleFunc("GET /v1/user/sms/inbox/{id}", p.user(p.handleInbox))
	mux.HandleFunc("GET /v1/user/buy/activation/{country}/{operator}/{product}", p.user(p.purchase(p.handleBuyActivation)))
	mux.HandleFunc("GET /v1/user/buy/hosting/{country}/{operator}/{product}", p.user(p.purchase(p.handleBuyHosting)))
	mux.HandleFunc("GET /v1/user/reuse/{product}/{number}", p.user(p.purchase(p.handleReuse)))
	mux.HandleFunc("GET /404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>404 — page not found · 5SIM</title></head>"+
			"<body><div class=\"error-page\"><h1>404</h1><p>Page not found</p><a href=\"/\">Go to the main page</a></div></body></html>")
	})
	// Anything else (unknown route, wrong method) is redirected to the
	// HTML 404 page, as 5sim does.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fsReply{status: http.StatusFound, location: "/404"}.write(w)
	})
}

// userHandler answers a /v1/user/* request for an account (s.Mu held).
type userHandler func(r *http.Request, a *fsAccount, now time.Time) fsReply

// user wraps a /v1/user/* handler: the Bearer key (401, empty body, when
// missing or unknown), the per-key limit, then the handler under s.Mu.
func (p *FiveSim) user(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.s.Mu.Lock()
		now := p.s.Clock()
		var rep fsReply
		a := p.byKey[simcore.Bearer(r)]
		switch {
		case a == nil:
			rep = fsReply{status: http.StatusUnauthorized, empty: true}
		case !p.allowKey("key:"+a.key, now):
			rep = fsText(http.StatusTooManyRequests, fsKeyLimitText)
		default:
			rep = h(r, a, now)
		}
		p.s.Mu.Unlock()
		rep.write(w)
	}
}

// purchase wraps a purchase (buy, reuse) with NOTES.md's per-purchase
// limit: FiveSimPurchasesPerSecond a second per key, then 503 with a
// plain-text body, nothing placed. Its hits are strikes against the key.
// LimitPurchases injects the same answer.
func (p *FiveSim) purchase(h userHandler) userHandler {
	return func(r *http.Request, a *fsAccount, now time.Time) fsReply {
		limited := p.limitBuys > 0
		if limited {
			p.limitBuys--
			p.s.CountLimited(backend.FiveSim)
		} else {
			limited = !p.allow("buy:"+a.key, "key:"+a.key, time.Second, FiveSimPurchasesPerSecond, now)
		}
		if limited {
			return fsText(http.StatusServiceUnavailable, fsBuyLimitText)
		}
		return h(r, a, now)
	}
}

// guest wraps a /v1/guest/* handler: no auth; limited per key when one is
// sent, else per remote IP.
func (p *FiveSim) guest(h func(r *http.Request, now time.Time) fsReply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.s.Mu.Lock()
		now := p.s.Clock()
		var rep fsReply
		if a := p.byKey[simcore.Bearer(r)]; a != nil {
			if !p.allowKey("key:"+a.key, now) {
				rep = fsText(http.StatusTooManyRequests, fsKeyLimitText)
			}
		} else {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			// NOTES.md: the per-IP limit answers 503, not 429.
			if !p.allowKey("ip:"+host, now) {
				rep = fsText(http.StatusServiceUnavailable, fsIPLimitText)
			}
		}
		if rep.status == 0 {
			rep = h(r, now)
		}
		p.s.Mu.Unlock()
		rep.write(w)
	}
}

// allowKey counts one request against a key's (or an IP's) window:
// FiveSimPerSecond a second, or a Rates override per minute (s.Mu held).
func (p *FiveSim) allowKey(id string, now time.Time) bool {
	per, limit := time.Second, FiveSimPerSecond
	if n := p.s.RateFor(backend.FiveSim, 0); n > 0 {
		per, limit = time.Minute, n
	}
	return p.allow(id, id, per, limit, now)
}

// allow counts one request against the window id (limit requests per
// per) and reports whether it fits (s.Mu held). A window overflowed in
// FiveSimBanStrikes windows within 10 minutes bans banID for
// FiveSimBanFor.
func (p *FiveSim) allow(id, banID string, per time.Duration, limit int, now time.Time) bool {
	l, ban := p.limit(id), p.limit(banID)
	if now.Before(ban.bannedUntil) {
		p.s.CountLimited(backend.FiveSim)
		return false
	}
	ok, _, _ := l.win.Hit(now, per, limit)
	if ok {
		return true
	}
	p.s.CountLimited(backend.FiveSim)
	if !l.overWindow.Equal(l.win.Start()) {
		l.overWindow = l.win.Start()
		recent := ban.strikes[:0]
		for _, t := range ban.strikes {
			if now.Sub(t) < 10*time.Minute {
				recent = append(recent, t)
			}
		}
		ban.strikes = append(recent, now)
		if len(ban.strikes) >= FiveSimBanStrikes {
			ban.bannedUntil = now.Add(FiveSimBanFor)
			ban.strikes = nil
		}
	}
	return false
}

func (p *FiveSim) limit(id string) *fsLimit {
	l := p.limits[id]
	if l == nil {
		l = &fsLimit{}
		p.limits[id] = l
	}
	return l
}

// --- bodies -------------------------------------------------------------

type fsSMSBody struct {
	ID        int    `json:"id,omitempty"`
	CreatedAt string `json:"created_at"`
	Date      string `json:"date"`
	Sender    string `json:"sender"`
	Text      string `json:"text"`
	Code      string `json:"code"`
}

type fsInboxSMS struct {
	ID        int    `json:"ID"`
	CreatedAt string `json:"created_at"`
	Date      string `json:"date"`
	Sender    string `json:"sender"`
	Text      string `json:"text"`
	Code      string `json:"code"`
	IsWave    bool   `json:"is_wave"`
	WaveUUID  string `json:"wave_uuid"`
}

// fsOrderBody covers the order shapes of the document; pointer fields are
// present only in the shapes whose examples carry them.
type fsOrderBody struct {
	ID               int         `json:"id"`
	Phone            string      `json:"phone"`
	Operator         *string     `json:"operator,omitempty"`
	Product          string      `json:"product"`
	Price            float64     `json:"price"`
	Status           string      `json:"status"`
	Expires          string      `json:"expires"`
	SMS              []fsSMSBody `json:"sms"`
	CreatedAt        string      `json:"created_at"`
	Forwarding       *bool       `json:"forwarding,omitempty"`
	ForwardingNumber *string     `json:"forwarding_number,omitempty"`
	Country          *string     `json:"country,omitempty"`
}

type fsShape int

const (
	fsShapeList    fsShape = iota // orders history: operator, country, sms [] when empty
	fsShapeBuy                    // buy activation / reuse: everything
	fsShapeOrder                  // check / finish / cancel / ban: no operator
	fsShapeHosting                // buy hosting: no operator, country, forwarding
)

// stamp writes a time as 5sim's clock shows it (SetClockOffset), with
// nanoseconds; stampSecond as an SMS `date`, to the second.
func (p *FiveSim) stamp(t time.Time) string {
	return t.Add(p.clockOffset).UTC().Format(time.RFC3339Nano)
}

func (p *FiveSim) stampSecond(t time.Time) string {
	return t.Add(p.clockOffset).UTC().Format(time.RFC3339)
}

func fsAmount(cents int64) float64 { return float64(cents) / 100 }

func (p *FiveSim) orderBody(o *fsOrder, shape fsShape) fsOrderBody {
	b := fsOrderBody{
		ID:        o.id,
		Phone:     o.phone,
		Product:   o.product,
		Price:     fsAmount(o.price),
		Status:    o.status,
		Expires:   p.stamp(o.expires),
		CreatedAt: p.stamp(o.created),
	}
	if len(o.sms) > 0 || shape == fsShapeList {
		b.SMS = []fsSMSBody{}
	}
	for _, m := range o.sms {
		sb := fsSMSBody{CreatedAt: p.stamp(m.created), Date: p.stampSecond(m.date),
			Sender: m.sender, Text: m.text, Code: m.code}
		if o.category == "hosting" {
			sb.ID = m.id
		}
		b.SMS = append(b.SMS, sb)
	}
	op, country, fwd, fwdNum := o.operator, o.country, o.forwarding, o.forwardingNumber
	switch shape {
	case fsShapeList:
		b.Operator, b.Country = &op, &country
	case fsShapeBuy:
		b.Operator, b.Country, b.Forwarding, b.ForwardingNumber = &op, &country, &fwd, &fwdNum
	case fsShapeOrder:
		b.Country, b.Forwarding, b.ForwardingNumber = &country, &fwd, &fwdNum
	}
	return b
}
