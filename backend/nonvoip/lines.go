package nonvoip

import (
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/naming"
)

// --- lines ----------------------------------------------------------------

// Keys of Line.Extra (what later calls need; never secrets).
const (
	ExtraType        = "type"         // short_term, long_term, one_day, 3days, country
	ExtraService     = "service"      // the provider's service name (reuse/activate by service+number); Line.Service is the display name
	ExtraNumber      = "number"       // the provider's number spelling ("16095550123")
	ExtraProduct     = "product_id"   // what was ordered
	ExtraUsed        = "used"         // "1" once an SMS arrived in the current window, "0" after a reuse
	ExtraOnlineUntil = "online_until" // RFC 3339: activation's end_on
	// ExtraStaleSMS is the id of the SMS getsms answered when the current
	// window opened (a reuse): the previous window's, never this one's code.
	ExtraStaleSMS = "stale_sms"
)

func refOf(l backend.Line) OrderRef {
	r := OrderRef{OrderID: l.ID, Service: l.Extra[ExtraService], Number: l.Extra[ExtraNumber]}
	if r.Service == "" {
		r.Service = l.Service
	}
	if r.Number == "" {
		r.Number = strings.TrimPrefix(l.Number, "+")
	}
	return r
}

func (p *Provider) key(id string) backend.Key {
	return backend.MakeKey(backend.NonVoip, p.account, backend.ItemLine, id)
}

func cloneLine(l backend.Line) backend.Line {
	extra := make(map[string]string, len(l.Extra)+4)
	for k, v := range l.Extra {
		extra[k] = v
	}
	l.Extra = extra
	return l
}

// lineFromOrder builds a new line from an order answer. typ is the bought
// category when the answer names none.
func (p *Provider) lineFromOrder(o Order, typ, product string, price backend.Money, now time.Time) backend.Line {
	if o.Type != "" {
		typ = o.Type
	}
	l := backend.Line{
		Key:       p.key(o.ID),
		Account:   p.account,
		Provider:  backend.NonVoip,
		ID:        o.ID,
		Number:    displayNumber(o.Number),
		Service:   naming.Service(o.Service),
		Country:   naming.CountryCode(o.Country),
		Kind:      typ,
		RawState:  o.Status,
		Price:     price,
		CreatedAt: backend.InstantOf(now),
		ExpiresAt: backend.InstantOf(o.ExpiresAt),
		Extra: map[string]string{
			ExtraType:    typ,
			ExtraService: o.Service,
			ExtraNumber:  o.Number,
		},
	}
	if o.HasCost {
		l.Price = backend.NewMoney(o.Cost, Currency)
	}
	if l.Country == "" && typ != TypeCountry {
		l.Country = "US" // /api/order places USA orders only
	}
	if product != "" {
		l.Extra[ExtraProduct] = product
	}
	p.settleState(&l, now)
	return l
}

// applySMS maps a getsms answer onto a line: fills what the line lacks,
// records the message and recomputes state and actions.
func (p *Provider) applySMS(l backend.Line, s SMS) (backend.Line, []backend.Message) {
	now := p.clock()
	nl := cloneLine(l)
	if nl.Key == "" {
		nl.Key = p.key(nl.ID)
	}
	nl.Account, nl.Provider = p.account, backend.NonVoip
	if nl.Number == "" && s.Number != "" {
		nl.Number = displayNumber(s.Number)
	}
	if s.Number != "" && nl.Extra[ExtraNumber] == "" {
		nl.Extra[ExtraNumber] = s.Number
	}
	if nl.Service == "" {
		nl.Service = s.Service
	}
	nl.Service = naming.Service(nl.Service) // a line cached before names were one may hold the raw one
	if s.Service != "" && nl.Extra[ExtraService] == "" {
		nl.Extra[ExtraService] = s.Service
	}
	if nl.Kind == "" && s.Type != "" {
		nl.Kind = s.Type
	}
	if nl.Extra[ExtraType] == "" && nl.Kind != "" {
		nl.Extra[ExtraType] = nl.Kind
	}
	if s.OrderStatus != "" {
		nl.RawState = s.OrderStatus
	}
	if !s.ExpiresAt.IsZero() {
		nl.ExpiresAt = backend.InstantOf(s.ExpiresAt)
	}
	if !s.Waiting && s.MessageID == nl.Extra[ExtraStaleSMS] {
		s.Waiting = true // the previous window's SMS, answered until a new one arrives
	}
	var msgs []backend.Message
	if !s.Waiting {
		nl.Extra[ExtraUsed] = "1"
		if s.Code != "" && s.Code != nl.Code {
			nl.Code, nl.CodeAt = s.Code, backend.InstantOf(now)
		}
		msgs = append(msgs, backend.Message{
			ID:         s.MessageID,
			Line:       nl.Key,
			Sender:     s.Sender,
			Text:       s.Text,
			Code:       s.Code,
			ReceivedAt: now, // getsms carries no date: first seen is the best we know
		})
	}
	p.settleState(&nl, now)
	return nl, msgs
}

// gone closes a line whose order the provider no longer knows.
func (p *Provider) gone(l backend.Line) backend.Line {
	nl := cloneLine(l)
	nl.RawState = CodeOrderNotFound
	switch {
	case !isRental(nl.Kind) && used(nl):
		nl.State = backend.LineFinished
	default:
		nl.State = backend.LineExpired
	}
	nl.Allowed = allowed(nl, p.clock())
	return nl
}

// used reports an SMS in the line's current window; a code seen before
// the window opened (WindowAt) belongs to an earlier one.
func used(l backend.Line) bool {
	return l.Extra[ExtraUsed] == "1" || (l.Code != "" && !l.CodeAt.Before(l.WindowAt.Time())) || l.State == backend.LineReceived
}

func isRental(kind string) bool {
	switch kind {
	case TypeLongTerm, TypeOneDay, TypeThreeDays:
		return true
	}
	return false
}

// settleState derives the state from the raw word (when it is one we
// know), the expiry and whether an SMS arrived, then the allowed actions.
// Unknown words are kept in RawState and do not override what the SMS and
// the expiry say.
func (p *Provider) settleState(l *backend.Line, now time.Time) {
	l.State = deriveState(l.Kind, l.RawState, used(*l), l.ExpiresAt.Time(), now)
	l.Allowed = allowed(*l, now)
}

func deriveState(kind, raw string, hasSMS bool, expires, now time.Time) backend.LineState {
	rental := isRental(kind)
	switch infoKey(raw) {
	case "expired", "timeout", "timedout":
		return backend.LineExpired
	case "rejected", "cancelled", "canceled", "refunded", "stopped":
		return backend.LineCanceled
	case "banned", "blocked":
		return backend.LineBanned
	case "completed", "finished", "done", "closed":
		if rental {
			return backend.LineExpired
		}
		return backend.LineFinished
	case infoKey(CodeOrderNotFound):
		if !rental && hasSMS {
			return backend.LineFinished
		}
		return backend.LineExpired
	}
	if !expires.IsZero() && !now.Before(expires) {
		if !rental && hasSMS {
			return backend.LineFinished
		}
		return backend.LineExpired
	}
	if rental {
		if !expires.IsZero() && expires.Sub(now) < expiringWindow(kind) {
			return backend.LineExpiring
		}
		return backend.LineActive
	}
	if hasSMS {
		return backend.LineReceived
	}
	return backend.LineWaiting
}

// expiringWindow is when a rental starts showing as "expiring".
func expiringWindow(kind string) time.Duration {
	if kind == TypeLongTerm {
		return 24 * time.Hour
	}
	return 2 * time.Hour
}

// allowed states what NonVoip accepts for a line now:
//   - reject for any open order before its SMS: the document's /api/reject
//     is "Reject a reserved number before receiving SMS" for every order
//     type (its example answer stops a "rental"), and NOTES.md says it
//     works only before an SMS;
//   - reuse for a short-term number once it has been used;
//   - renew for rentals (30-day, 1-day, 3-day) while they live and once
//     expired (the document sets no limit; the provider says when it is
//     too late), not once rejected;
//   - activate for live rentals not known to be online;
//   - check while open.
func allowed(l backend.Line, now time.Time) backend.ActionSet {
	var s backend.ActionSet
	open := l.State.Open()
	if open {
		s = s.With(backend.ActCheck)
		if !used(l) {
			s = s.With(backend.ActReject)
		}
	}
	switch {
	case l.Kind == TypeShortTerm:
		if used(l) && (l.State == backend.LineReceived || l.State == backend.LineFinished) {
			s = s.With(backend.ActReuse)
		}
	case isRental(l.Kind):
		if open || l.State == backend.LineExpired {
			s = s.With(backend.ActRenew)
		}
		if open {
			if until, err := time.Parse(time.RFC3339, l.Extra[ExtraOnlineUntil]); err != nil || !now.Before(until) {
				s = s.With(backend.ActActivate)
			}
		}
	}
	return s
}

// displayNumber shows a full international number with "+"; the provider
// sends "16095550123".
func displayNumber(n string) string {
	if len(n) >= 11 && strings.Trim(n, "0123456789") == "" {
		return "+" + n
	}
	return n
}
