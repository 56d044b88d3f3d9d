package market

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"time"

	"switchboard/backend"
	"switchboard/backend/naming"
)

// --- lines --------------------------------------------------------------------

// Lines lists recent number orders, paging on while a page still holds an
// open order (older pages hold only closed ones).
func (p *Provider) Lines(ctx context.Context) ([]backend.Line, []backend.Message, error) {
	var lines []backend.Line
	var msgs []backend.Message
	for page := 1; page <= maxListPages; page++ {
		orders, pg, err := p.client.NumberOrders(ctx, page, listPerPage)
		if err != nil {
			return nil, nil, err
		}
		open := false
		for _, o := range orders {
			l, m := p.line(o)
			lines = append(lines, l)
			msgs = append(msgs, m...)
			open = open || l.State.Open()
		}
		if !pg.HasNext || !open || len(orders) == 0 {
			break
		}
	}
	return lines, msgs, nil
}

// Check refreshes waiting lines. Decision (the document is silent on what
// the listing and /check do):
//   - one GET /numbers/orders page (newest first, sized to cover the lines)
//     is the source for every line it holds;
//   - a line missing from that page is read with GET /numbers/orders/{id}
//     (a plain read, at most maxSingleReads per call);
//   - POST /numbers/orders/{id}/check asks the marketplace to fetch the
//     code from its supplier. It is decided per order: an order whose code
//     the listing (or its own read) shows needs none; every other waiting
//     order gets one once it is pullAfter old, at most every pullEvery, at
//     most maxPulls per call, least recently checked first. A code in the
//     listing for one order proves nothing about another (the operator may
//     have pressed check on the web dashboard), so the budget stays
//     bounded by those limits, not by a guess about the listing.
func (p *Provider) Check(ctx context.Context, lines []backend.Line) ([]backend.Line, []backend.Message, error) {
	if len(lines) == 0 {
		return nil, nil, nil
	}
	per := min(max(len(lines)+10, recentPerPage), 100)
	orders, _, err := p.client.NumberOrders(ctx, 1, per)
	if err != nil {
		return nil, nil, err
	}
	want := make(map[string]bool, len(lines))
	for _, l := range lines {
		want[l.ID] = true
	}
	now := p.now()
	p.mu.Lock()
	pulled := make(map[string]time.Time, len(p.pulled))
	for id, t := range p.pulled {
		if now.Sub(t) > time.Hour {
			delete(p.pulled, id)
			continue
		}
		pulled[id] = t
	}
	p.mu.Unlock()

	got := map[string]int{} // id → index in out
	var out []backend.Line
	var msgs []backend.Message
	add := func(l backend.Line, m []backend.Message) {
		if i, ok := got[l.ID]; ok {
			out[i] = l
		} else {
			got[l.ID] = len(out)
			out = append(out, l)
		}
		msgs = append(msgs, m...)
	}
	for _, o := range orders {
		if want[o.ID] {
			add(p.line(o))
		}
	}
	reads := 0
	unreadable := map[string]bool{} // missing from the page, and its own read failed
	for _, l := range lines {
		if _, ok := got[l.ID]; ok || reads >= maxSingleReads {
			continue
		}
		reads++
		o, err := p.client.NumberOrder(ctx, l.ID)
		if err != nil {
			unreadable[l.ID] = true
			if k := backend.KindOf(err); k == backend.ErrRateLimited || ctx.Err() != nil {
				break
			}
			continue // unchanged; a vanished order stays as the engine knows it
		}
		add(p.line(o))
	}

	// Orders still without a code, as read now or (not read) as the engine
	// knows them.
	var due []backend.Line
	for _, l := range lines {
		if i, ok := got[l.ID]; ok {
			l = out[i]
		} else if unreadable[l.ID] {
			continue
		}
		if l.State != backend.LineWaiting || l.Code != "" {
			continue
		}
		if !l.CreatedAt.IsZero() && now.Sub(l.CreatedAt.Time()) < pullAfter {
			continue
		}
		if t := pulled[l.ID]; !t.IsZero() && now.Sub(t) < pullEvery {
			continue
		}
		due = append(due, l)
	}
	sort.SliceStable(due, func(i, j int) bool { return pulled[due[i].ID].Before(pulled[due[j].ID]) })
	for i, l := range due {
		if i == maxPulls {
			break
		}
		p.markPulled(l.ID)
		o, err := p.client.CheckNumber(ctx, l.ID)
		if err != nil {
			if k := backend.KindOf(err); k == backend.ErrRateLimited || ctx.Err() != nil {
				break
			}
			continue
		}
		add(p.line(o))
	}
	return out, msgs, nil
}

func (p *Provider) markPulled(id string) {
	p.mu.Lock()
	p.pulled[id] = p.now()
	p.mu.Unlock()
}

// line maps a number order onto a Line and its messages.
func (p *Provider) line(o NumberOrder) (backend.Line, []backend.Message) {
	key := backend.MakeKey(backend.Market, p.cfg.Account, backend.ItemLine, o.ID)
	msgs := p.messages(key, o)
	code, codeAt := o.Code, time.Time{}
	for _, m := range msgs { // newest message with a code wins
		if m.Code != "" && (codeAt.IsZero() || !m.ReceivedAt.Before(codeAt)) {
			code, codeAt = m.Code, m.ReceivedAt
		}
	}
	state := numberState(o.Status, code != "")
	now := p.now()
	if (state == backend.LineWaiting || state == backend.LineUnknown) && !o.ExpiresAt.IsZero() && now.After(o.ExpiresAt.Add(expirySlack)) {
		state = backend.LineExpired
	}
	service := naming.Service(o.Service)
	if service == "" && o.ServiceID != "" {
		service = "service " + o.ServiceID
	}
	l := backend.Line{
		Key: key, Account: p.cfg.Account, Provider: backend.Market, ID: o.ID,
		Number: o.Number, Service: service, Country: naming.CountryCode(o.Country), Kind: "number",
		State: state, RawState: o.Status, Price: p.money(o.Price, o.HasPrice, o.Currency),
		CreatedAt: backend.InstantOf(o.CreatedAt), ExpiresAt: backend.InstantOf(o.ExpiresAt), Code: code, CodeAt: backend.InstantOf(codeAt),
		Allowed: lineActions(state),
	}
	if o.CancelAt.After(now) && state == backend.LineWaiting {
		l.CooldownUntil = backend.InstantOf(o.CancelAt)
	}
	extra := map[string]string{}
	for k, v := range map[string]string{"service_id": o.ServiceID, "country_id": o.CountryID, "area_code": o.AreaCode} {
		if v != "" {
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		l.Extra = extra
	}
	return l, msgs
}

// lineActions: a waiting order can be cancelled or checked; once a code
// arrived the marketplace refuses a cancel (NUMBER_CODE_ALREADY_RECEIVED)
// but still answers a check; closed orders take nothing.
func lineActions(s backend.LineState) backend.ActionSet {
	switch s {
	case backend.LineWaiting:
		return backend.Allow(backend.ActCancel, backend.ActCheck)
	case backend.LineReceived, backend.LineUnknown:
		return backend.Allow(backend.ActCheck)
	}
	return 0
}

// messages turns an order's SMS into Messages with stable ids: the
// provider's message id, else a hash of order id, the SMS's own date and
// text (never a time of our own, which would change every poll).
func (p *Provider) messages(line backend.Key, o NumberOrder) []backend.Message {
	var out []backend.Message
	seen := map[string]bool{}
	for _, s := range o.SMS {
		id := s.ID
		if id == "" {
			h := sha256.Sum256([]byte(o.ID + "\x00" + s.RawDate + "\x00" + s.Text + "\x00" + s.Code))
			id = "h" + hex.EncodeToString(h[:8])
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		at := s.At
		if at.IsZero() {
			at = o.UpdatedAt
		}
		text := s.Text
		if text == "" {
			text = s.Code // the marketplace gave only the code
		}
		sender := s.Sender
		if sender == "" {
			sender = naming.Service(o.Service)
		}
		out = append(out, backend.Message{ID: id, Line: line, Sender: sender, Text: text, Code: s.Code, ReceivedAt: at})
	}
	return out
}
