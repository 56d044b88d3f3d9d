package pivday

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
	"switchboard/backend/naming"
	"switchboard/backend/otp"
	"switchboard/backend/sanitize"
)

// --- numbers → lines, leases, messages ---------------------------------------

func numberState(status string, exp time.Time, auto bool, now time.Time) backend.LineState {
	switch status {
	case "active":
		if !auto && !exp.IsZero() && exp.Sub(now) < expiringWindow {
			return backend.LineExpiring
		}
		return backend.LineActive
	case "expired":
		return backend.LineExpired
	case "pending_restore", "pending", "restoring":
		return backend.LinePending
	}
	return backend.LineUnknown
}

// numberAllowed offers what pivday.md does not refuse: renew and the
// auto-renew toggle in any state (their sections state no refusal; the
// renew error COUNTRY_NOT_AVAILABLE, or a NUMBER_EXPIRED the real piv.day
// may send, is shown as it comes), restore within 7 days of expiry (the
// window the restore section states), reading always.
func numberAllowed(state backend.LineState, auto bool, exp, now time.Time) backend.ActionSet {
	a := backend.Allow(backend.ActCheck, backend.ActRenew).With(autoToggle(auto))
	if state == backend.LineExpired && (exp.IsZero() || now.Before(exp.Add(restoreWindow))) {
		a = a.With(backend.ActRestore)
	}
	return a
}

// autoToggle is the auto-renew action that flips the flag.
func autoToggle(on bool) backend.ActionKind {
	if on {
		return backend.ActAutoRenewOff
	}
	return backend.ActAutoRenewOn
}

func (p *Provider) line(n Number, price backend.Money, now time.Time) backend.Line {
	id := ident(n.ID)
	status := lower(n.Status)
	if status == "" {
		status = "active" // purchase answers carry no status: a new number is live
	}
	created := n.PurchasedAt.Time
	if created.IsZero() {
		created = n.CreatedAt.Time
	}
	state := numberState(status, n.ExpiresAt.Time, bool(n.AutoRenew), now)
	return backend.Line{
		Key:       p.lineKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Number:    sanitize.Line(string(n.Phone)),
		Country:   naming.CountryCode(sanitize.Line(string(n.Country))),
		Kind:      "rental",
		Name:      sanitize.Line(string(n.CustomName)),
		State:     state,
		RawState:  sanitize.Line(status),
		Price:     price,
		CreatedAt: backend.InstantOf(created),
		ExpiresAt: backend.InstantOf(n.ExpiresAt.Time),
		AutoRenew: bool(n.AutoRenew),
		HasAuto:   true,
		Allowed:   numberAllowed(state, bool(n.AutoRenew), n.ExpiresAt.Time, now),
	}
}

// numberLease is the expiry side of a number; it shares the line's rules.
func (p *Provider) numberLease(l backend.Line) backend.Lease {
	name := l.Number
	if l.Name != "" {
		name += " · " + l.Name
	}
	id := kindID(idNumber, l.ID)
	return backend.Lease{
		Key:        p.leaseKey(id),
		Account:    p.account,
		Provider:   backend.PivDay,
		ID:         id,
		Kind:       backend.LeaseNumber,
		Name:       name,
		State:      l.RawState,
		ExpiresAt:  l.ExpiresAt.Time(),
		AutoRenew:  l.AutoRenew,
		HasAuto:    true,
		RenewPrice: l.Price,
		Period:     "month",
		Allowed:    l.Allowed,
		Line:       l.Key,
	}
}

// refreshLine recomputes what depends on the clock and the flags after an
// action changed a snapshot.
func (p *Provider) refreshLine(l backend.Line, now time.Time) backend.Line {
	l.State = numberState(l.RawState, l.ExpiresAt.Time(), l.AutoRenew, now)
	l.Allowed = numberAllowed(l.State, l.AutoRenew, l.ExpiresAt.Time(), now)
	return l
}

// messageID is the same for an SMS read from /numbers/{id}/sms and the
// same SMS pushed by the sms.received webhook (which carries no message
// id), so the ledger stores it once: a short hash of number, time and text.
func messageID(numberID string, at time.Time, text string) string {
	h := sha256.Sum256([]byte(numberID + "\x00" + at.UTC().Truncate(time.Second).Format(time.RFC3339) + "\x00" + text))
	return "h" + hex.EncodeToString(h[:8])
}

// codeOf: the provider's code wins, else the one extracted from the text.
func codeOf(provided, raw string) string {
	if c := sanitize.Code(provided); c != "" {
		return c
	}
	return sanitize.Code(otp.Extract(raw))
}

// message maps an SMS; outbound messages are not Messages.
func (p *Provider) message(numberID, phone string, m SMS) (backend.Message, bool) {
	switch lower(m.Direction) {
	case "inbound", "incoming", "in", "received":
	case "":
		if phone != "" && string(m.From) == phone {
			return backend.Message{}, false // sent from the number itself
		}
	default:
		return backend.Message{}, false
	}
	raw := string(m.Body)
	return backend.Message{
		ID:         messageID(numberID, m.ReceivedAt.Time, raw),
		Line:       p.lineKey(numberID),
		Sender:     sanitize.Line(string(m.From)),
		Text:       sanitize.Text(raw),
		Code:       codeOf("", raw),
		ReceivedAt: m.ReceivedAt.Time,
	}, true
}

// --- proxies, domains, jobs ---------------------------------------------------

// proxyAllowed offers renew and export in any state (pivday.md refuses
// neither) and restore once the order expired, which is what restore is
// for; on a live order renew does the same and lets the months be chosen.
func proxyAllowed(status string) backend.ActionSet {
	a := backend.Allow(backend.ActRenew, backend.ActExport, backend.ActCheck)
	if status == "expired" {
		a = a.With(backend.ActRestore)
	}
	return a
}

func (p *Provider) proxyLease(o ProxyOrder) backend.Lease {
	id := kindID(idProxy, ident(o.ID))
	status := lower(o.Status)
	name := naming.CountryCode(sanitize.Line(string(o.Country)))
	if o.Quantity > 0 {
		name = fmt.Sprintf("%s ×%d", name, int(o.Quantity))
	}
	var renew backend.Money
	if o.PricePerProxy.Valid && o.Quantity > 0 {
		renew = backend.NewMoney(o.PricePerProxy.Value.Mul(decimal.NewFromInt(int64(o.Quantity))), Currency)
	}
	return backend.Lease{
		Key:        p.leaseKey(id),
		Account:    p.account,
		Provider:   backend.PivDay,
		ID:         id,
		Kind:       backend.LeaseProxy,
		Name:       "proxy " + name,
		State:      sanitize.Line(status),
		ExpiresAt:  o.ExpiresAt.Time,
		RenewPrice: renew,
		Period:     "month",
		Allowed:    proxyAllowed(status),
	}
}

// domainAllowed offers renew and the auto-renew toggle in any state of a
// registered domain: pivday.md refuses neither (a domain still being
// registered is a Job, not a Lease).
func domainAllowed(auto bool) backend.ActionSet {
	return backend.Allow(backend.ActCheck, backend.ActRenew).With(autoToggle(auto))
}

// domainPending reports a domain still being registered: a Job, not a
// Lease.
func domainPending(status string) bool {
	switch status {
	case "pending", "purchasing", "processing", "queued", "registering":
		return true
	}
	return false
}

func (p *Provider) domainLease(d Domain) backend.Lease {
	id := kindID(idDomain, ident(d.ID))
	status := lower(d.Status)
	return backend.Lease{
		Key:        p.leaseKey(id),
		Account:    p.account,
		Provider:   backend.PivDay,
		ID:         id,
		Kind:       backend.LeaseDomain,
		Name:       sanitize.Line(string(d.Name)),
		State:      sanitize.Line(status),
		ExpiresAt:  d.ExpiresAt.Time,
		AutoRenew:  bool(d.AutoRenew),
		HasAuto:    true,
		RenewPrice: p.renewPrice(d.Name),
		Period:     "year",
		Allowed:    domainAllowed(bool(d.AutoRenew)),
	}
}

// sslLease is a domain's certificate: it expires, piv.day renews it by
// itself (Let's Encrypt), the operator can only watch it.
func (p *Provider) sslLease(d Domain) (backend.Lease, bool) {
	if d.SSLExpiresAt.IsZero() {
		return backend.Lease{}, false
	}
	id := kindID(idSSL, ident(d.ID))
	return backend.Lease{
		Key:       p.leaseKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.LeaseSSL,
		Name:      "SSL " + sanitize.Line(string(d.Name)),
		State:     sanitize.Line(lower(d.SSLStatus)),
		ExpiresAt: d.SSLExpiresAt.Time,
		Allowed:   backend.Allow(backend.ActCheck),
	}, true
}

func (p *Provider) domainLeases(d Domain) []backend.Lease {
	var out []backend.Lease
	if !domainPending(lower(d.Status)) {
		out = append(out, p.domainLease(d))
	}
	if l, ok := p.sslLease(d); ok {
		out = append(out, l)
	}
	return out
}

// whiteState reads a white job's status. The document shows the numbers
// 0 (just queued) and 10 (in a "done" listing) and filters by the words
// queued|processing|done|failed; numbers in between are taken as progress,
// negative ones as failure, anything else stays unknown with its raw value.
func whiteState(s WhiteStatus) backend.JobState {
	if s.Numeric {
		switch {
		case s.Code == 0:
			return backend.JobQueued
		case s.Code == 10:
			return backend.JobDone
		case s.Code > 0 && s.Code < 10:
			return backend.JobRunning
		case s.Code < 0:
			return backend.JobFailed
		}
		return backend.JobUnknown
	}
	switch strings.ToLower(s.Word) {
	case "queued", "pending":
		return backend.JobQueued
	case "processing", "running", "generating":
		return backend.JobRunning
	case "done", "completed", "success":
		return backend.JobDone
	case "failed", "error":
		return backend.JobFailed
	}
	return backend.JobUnknown
}

func (p *Provider) whiteJob(w White) backend.Job {
	id := kindID(idWhite, ident(w.ID))
	title := "white page " + sanitize.Line(string(w.Name))
	var detail []string
	for _, s := range []Text{w.TierKey, w.Niche, w.Country, w.Domain} {
		if v := sanitize.Line(string(s)); v != "" {
			detail = append(detail, v)
		}
	}
	return backend.Job{
		Key:       p.jobKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.JobWhite,
		Title:     title,
		State:     whiteState(w.Status),
		RawState:  sanitize.Line(w.Status.Raw()),
		Detail:    strings.Join(detail, " · "),
		CreatedAt: w.CreatedAt.Time,
		UpdatedAt: p.now().UTC(),
	}
}

// domainJob is a domain still being registered (GET /domains?status=pending).
func (p *Provider) domainJob(d Domain) backend.Job {
	id := kindID(idDomain, ident(d.ID))
	status := lower(d.Status)
	state := backend.JobQueued
	switch {
	case status == "purchasing" || status == "processing" || status == "registering":
		state = backend.JobRunning
	case status == "active" || status == "expired":
		state = backend.JobDone
	case !domainPending(status):
		state = backend.JobUnknown
	}
	j := backend.Job{
		Key:       p.jobKey(id),
		Account:   p.account,
		Provider:  backend.PivDay,
		ID:        id,
		Kind:      backend.JobDomainRegistration,
		Title:     "register " + sanitize.Line(string(d.Name)),
		State:     state,
		RawState:  sanitize.Line(status),
		CreatedAt: d.CreatedAt.Time,
		UpdatedAt: p.now().UTC(),
	}
	if state == backend.JobDone {
		j.Detail = "registered, expires " + day(d.ExpiresAt.Time)
	}
	return j
}

func queueState(status string) backend.JobState {
	switch status {
	case "pending", "queued":
		return backend.JobQueued
	case "processing", "running", "purchasing":
		return backend.JobRunning
	case "completed", "done", "success":
		return backend.JobDone
	case "failed", "error", "canceled", "cancelled":
		return backend.JobFailed
	}
	return backend.JobUnknown
}

// queueJob maps a registration/renewal queue entry; prev keeps the id,
// title and start the engine knew.
func (p *Provider) queueJob(q QueueEntry, prev backend.Job) backend.Job {
	id := prev.ID
	if id == "" {
		id = kindID(idQueue, ident(q.ID))
	}
	status := lower(q.Status)
	j := prev
	j.Key, j.Account, j.Provider, j.ID = p.jobKey(id), p.account, backend.PivDay, id
	j.Kind = backend.JobDomainRegistration
	if j.Title == "" {
		j.Title = "domain " + sanitize.Line(q.DomainName)
	}
	j.State = queueState(status)
	j.RawState = sanitize.Line(status)
	j.UpdatedAt = p.now().UTC()
	switch {
	case q.Domain != nil && j.State == backend.JobDone:
		j.Detail = "done, expires " + day(q.Domain.ExpiresAt.Time)
	case q.Error != "":
		j.Detail = sanitize.Line(string(q.Error))
	}
	return j
}

// restoreJob sums up a restore batch from its numbers' statuses now.
func (p *Provider) restoreJob(prev backend.Job, ids []string, status map[string]string) backend.Job {
	j := prev
	j.Key, j.Account, j.Provider = p.jobKey(prev.ID), p.account, backend.PivDay
	j.Kind = backend.JobRestore
	if j.Title == "" {
		j.Title = fmt.Sprintf("restore %d numbers", len(ids))
	}
	var pending, restored, failed int
	for _, id := range ids {
		switch status[id] {
		case "pending_restore", "pending", "restoring":
			pending++
		case "active":
			restored++
		default: // still expired, gone, or unknown: not restored
			failed++
		}
	}
	switch {
	case pending > 0:
		j.State, j.Detail = backend.JobRunning, fmt.Sprintf("%d restored, %d pending", restored, pending)
	case failed == 0:
		j.State, j.Detail = backend.JobDone, fmt.Sprintf("%d restored", restored)
	case restored == 0:
		j.State, j.Detail = backend.JobFailed, "not restored (piv.day refunds failed restores)"
	default:
		j.State, j.Detail = backend.JobPartial, fmt.Sprintf("%d restored, %d not restored (refunded)", restored, failed)
	}
	j.RawState = string(j.State)
	j.UpdatedAt = p.now().UTC()
	return j
}
