package pivday

import (
	"encoding/json"
	"errors"
	"fmt"

	"switchboard/backend"
	"switchboard/backend/sanitize"
	"switchboard/backend/transport"
)

// --- webhooks ---------------------------------------------------------------------

// ParseWebhook reads one piv.day webhook delivery (untrusted body). Events
// outside Switchboard's view (outbound SMS status, Google verification)
// yield nothing and no error; so does an unknown event type.
func (p *Provider) ParseWebhook(body []byte) ([]backend.Line, []backend.Message, []backend.Lease, []backend.Job, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, nil, nil, nil, p.webhookError("not a JSON event: " + err.Error())
	}
	now := p.now().UTC()
	at := ev.Timestamp.Time
	if at.IsZero() {
		at = now
	}
	decode := func(v any) error {
		if len(ev.Data) == 0 {
			return errors.New("no data")
		}
		return json.Unmarshal(ev.Data, v)
	}
	switch string(ev.Type) {
	case "sms.received":
		var d SMSReceived
		if err := decode(&d); err != nil || d.NumberID == "" {
			return nil, nil, nil, nil, p.webhookError("sms.received without a number")
		}
		raw := string(d.Text)
		when := d.ReceivedAt.Time
		if when.IsZero() {
			when = at
		}
		m := backend.Message{
			ID:         messageID(ident(d.NumberID), when, raw),
			Line:       p.lineKey(ident(d.NumberID)),
			Text:       sanitize.Text(raw),
			Code:       codeOf(string(d.Code), raw),
			ReceivedAt: when,
		}
		return nil, []backend.Message{m}, nil, nil, nil
	case "number.restore_completed":
		var d RestoreCompleted
		if err := decode(&d); err != nil {
			return nil, nil, nil, nil, p.webhookError("number.restore_completed: " + err.Error())
		}
		var ids []string
		status := map[string]string{}
		for _, n := range d.Restored {
			ids = append(ids, ident(n.ID))
			status[ident(n.ID)] = "active"
		}
		for _, n := range d.Failed {
			ids = append(ids, ident(n.ID))
			status[ident(n.ID)] = "expired"
		}
		if len(ids) == 0 {
			return nil, nil, nil, nil, nil
		}
		title := fmt.Sprintf("restore %d numbers", len(ids))
		if len(ids) == 1 {
			phone := d.Restored
			if len(phone) == 0 {
				phone = d.Failed
			}
			title = "restore " + labelOr(sanitize.Line(string(phone[0].Phone)), ids[0])
		}
		j := p.restoreJob(backend.Job{ID: restoreID(ids), Title: title, CreatedAt: at}, ids, status)
		if d.TotalRefunded.Valid && d.TotalRefunded.Value.IsPositive() {
			j.Detail += ", " + money(d.TotalRefunded).String() + " refunded"
		}
		j.UpdatedAt = at
		return nil, nil, nil, []backend.Job{j}, nil
	case "proxy.expires_soon":
		var d ProxyExpiresSoon
		if err := decode(&d); err != nil || d.OrderID == "" {
			return nil, nil, nil, nil, p.webhookError("proxy.expires_soon without an order")
		}
		l := p.proxyLease(ProxyOrder{ID: d.OrderID, Country: d.Country, Quantity: d.Quantity, Status: "active", ExpiresAt: d.ExpiresAt})
		return nil, nil, []backend.Lease{l}, nil, nil
	case "domain.registered", "domain.failed":
		var d DomainEvent
		if err := decode(&d); err != nil || d.DomainID == "" {
			return nil, nil, nil, nil, p.webhookError(string(ev.Type) + " without a domain")
		}
		id := kindID(idDomain, ident(d.DomainID))
		j := backend.Job{Key: p.jobKey(id), Account: p.account, Provider: backend.PivDay, ID: id,
			Kind: backend.JobDomainRegistration, Title: "register " + sanitize.Line(string(d.DomainName)), UpdatedAt: at}
		if ev.Type == "domain.registered" {
			j.State, j.RawState = backend.JobDone, "registered"
			j.Detail = "registered, expires " + day(d.ExpiresAt.Time)
		} else {
			j.State, j.RawState = backend.JobFailed, "failed"
			j.Detail = sanitize.Line(string(d.Error)) + " (refunded)"
		}
		return nil, nil, nil, []backend.Job{j}, nil
	case "domain.expires_soon":
		var d DomainEvent
		if err := decode(&d); err != nil || d.DomainID == "" {
			return nil, nil, nil, nil, p.webhookError("domain.expires_soon without a domain")
		}
		dom := Domain{ID: d.DomainID, Name: d.DomainName, Status: "active", ExpiresAt: d.ExpiresAt}
		if d.AutoRenew != nil {
			dom.AutoRenew = *d.AutoRenew
		}
		return nil, nil, []backend.Lease{p.domainLease(dom)}, nil, nil
	case "white.completed", "white.failed":
		var d WhiteEvent
		if err := decode(&d); err != nil || d.JobID == "" {
			return nil, nil, nil, nil, p.webhookError(string(ev.Type) + " without a job")
		}
		w := White{ID: d.JobID, Name: d.Name, TierKey: d.TierKey, Country: d.Country, Status: WhiteStatus{Word: "done"}}
		if ev.Type == "white.failed" {
			w.Status = WhiteStatus{Word: "failed"}
		}
		j := p.whiteJob(w)
		j.RawState = string(ev.Type)
		j.UpdatedAt = at
		if d.Error != "" {
			j.Detail = sanitize.Line(string(d.Error)) + " (refunded)"
		}
		return nil, nil, nil, []backend.Job{j}, nil
	}
	return nil, nil, nil, nil, nil
}

func (p *Provider) webhookError(msg string) error {
	return p.c.t.Error("read webhook", backend.ErrMalformed, 0, "", transport.Snippet(sanitize.Line(msg)))
}
