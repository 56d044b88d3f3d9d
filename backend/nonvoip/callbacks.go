package nonvoip

import (
	"context"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// --- adding by id and callbacks ---------------------------------------------

// Lookup builds a line from getsms for an order the operator names
// (`:add nonvoip 146185`).
func (p *Provider) Lookup(ctx context.Context, id string) (backend.Line, []backend.Message, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/ \t\r\n") {
		return backend.Line{}, nil, p.c.t.Error("add order", backend.ErrInvalid, 0, "", "give the NonVoip order id, e.g. 146185")
	}
	s, err := p.c.GetSMS(ctx, OrderRef{OrderID: id})
	if err != nil {
		if orderGone(err) {
			e, _ := backend.AsError(err)
			e.Message = "NonVoip knows no order " + id
			return backend.Line{}, nil, e
		}
		return backend.Line{}, nil, err
	}
	l := backend.Line{Key: p.key(id), Account: p.account, Provider: backend.NonVoip, ID: id,
		Kind: s.Type, CreatedAt: backend.InstantOf(p.clock()), Extra: map[string]string{}}
	if isRental(s.Type) || s.Type == TypeShortTerm {
		l.Country = "US"
	}
	nl, msgs := p.applySMS(l, s)
	return nl, msgs, nil
}

// ParseWebhook reads a callback: incoming_message gives a line with its SMS
// (the callback's code wins over extraction), auction_wining gives the
// number a premium bid won. The lines carry only what the callback says;
// the engine merges them with the lines it holds.
func (p *Provider) ParseWebhook(body []byte) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job, error) {
	now := p.clock()
	cb, err := decodeCallback(body, now)
	if err != nil {
		return nil, nil, nil, nil, &backend.Error{Provider: backend.NonVoip, Op: "read callback", Kind: backend.ErrMalformed,
			Message: "the callback could not be read: " + sanitize.Line(transport.Snippet(string(body)))}
	}
	var (
		lines []backend.Line
		msgs  []backend.Message
	)
	switch infoKey(cb.Event) {
	case "incomingmessage":
		for _, it := range cb.Items {
			l := p.callbackLine(it, now)
			if it.Text != "" {
				l.Extra[ExtraUsed] = "1"
				if it.Code != "" {
					l.Code, l.CodeAt = it.Code, backend.InstantOf(now)
				}
				msgs = append(msgs, backend.Message{ID: it.MessageID, Line: l.Key, Sender: it.Sender,
					Text: it.Text, Code: it.Code, ReceivedAt: now})
			}
			p.settleState(&l, now)
			if it.Coarse {
				// State and actions follow the class the word names; the
				// type stays unknown so the engine keeps the one it holds
				// (getsms fills it for a line it does not hold).
				l.Kind = ""
			}
			lines = append(lines, l)
		}
	case "auctionwining", "auctionwinning":
		for _, it := range cb.Items {
			l := p.callbackLine(it, now)
			if l.Kind == "" || it.Coarse {
				l.Kind, l.Extra[ExtraType] = TypeShortTerm, TypeShortTerm // premium bids are for 10-minute numbers
			}
			l.ExpiresAt = backend.InstantOf(it.ExpiresAt)
			l.CreatedAt = backend.InstantOf(now)
			p.settleState(&l, now)
			lines = append(lines, l)
		}
	default:
		return nil, nil, nil, nil, &backend.Error{Provider: backend.NonVoip, Op: "read callback", Kind: backend.ErrUnsupported,
			Message: "unknown callback event " + strconv.Quote(cb.Event)}
	}
	return lines, msgs, nil, nil, nil
}

func (p *Provider) callbackLine(it CallbackItem, now time.Time) backend.Line {
	l := backend.Line{
		Key: p.key(it.OrderID), Account: p.account, Provider: backend.NonVoip, ID: it.OrderID,
		Number: displayNumber(it.Number), Service: naming.Service(it.Service), Kind: it.Type,
		Extra: map[string]string{ExtraNumber: it.Number, ExtraService: it.Service},
	}
	if it.Type != "" && !it.Coarse {
		l.Extra[ExtraType] = it.Type
	}
	return l
}
