package market

import (
	"context"
	"fmt"
	"strings"

	"switchboard/backend"
)

// --- jobs -----------------------------------------------------------------------

// Jobs lists recent boost and logs orders. A listing the API key has no
// ability for (403) is skipped for a while instead of failing the account;
// a known open boost order missing from the listing is read by id; a known
// open logs order missing from it (logs have no read-by-id) is kept as is.
func (p *Provider) Jobs(ctx context.Context, known []backend.Job) ([]backend.Job, error) {
	var jobs []backend.Job
	seen := map[backend.Key]bool{}
	add := func(j backend.Job) {
		if !seen[j.Key] {
			seen[j.Key] = true
			jobs = append(jobs, j)
		}
	}
	if p.listing(CategoryBoost) {
		orders, _, err := p.client.BoostOrders(ctx, 1, listPerPage)
		switch {
		case backend.KindOf(err) == backend.ErrForbidden:
			p.forbid(CategoryBoost)
		case err != nil:
			return nil, err
		}
		for _, o := range orders {
			add(p.boostJob(o))
		}
	}
	if p.listing(CategoryLogs) {
		orders, _, err := p.client.LogOrders(ctx, 1, listPerPage)
		switch {
		case backend.KindOf(err) == backend.ErrForbidden:
			p.forbid(CategoryLogs)
		case err != nil:
			return nil, err
		}
		for _, o := range orders {
			add(p.logsJob(o))
		}
	}
	reads := 0
	for _, j := range known {
		if seen[j.Key] || j.State.Terminal() {
			continue
		}
		kind, id := splitJobID(j)
		if kind == backend.JobBoost && reads < maxSingleReads {
			reads++
			o, err := p.client.BoostOrder(ctx, id)
			if err == nil {
				add(p.boostJob(o))
				continue
			}
			if backend.KindOf(err) == backend.ErrNotFound {
				continue
			}
		}
		add(j)
	}
	return jobs, nil
}

func (p *Provider) listing(what string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.forbidden[what].After(p.now())
}

func (p *Provider) forbid(what string) {
	p.mu.Lock()
	p.forbidden[what] = p.now().Add(forbiddenPause)
	p.mu.Unlock()
}

// Job ids carry their kind ("boost/55", "logs/55"): the two order kinds
// number independently.
func jobID(kind backend.JobKind, id string) string { return string(kind) + "/" + id }

func splitJobID(j backend.Job) (backend.JobKind, string) {
	id := j.ID
	if id == "" {
		id = j.Key.ID()
	}
	if k, rest, ok := strings.Cut(id, "/"); ok {
		return backend.JobKind(k), rest
	}
	return j.Kind, id
}

func (p *Provider) boostJob(o BoostOrder) backend.Job {
	id := jobID(backend.JobBoost, o.ID)
	st := jobState(o.Status)
	title := o.Service
	if title == "" {
		title = "boost service " + o.ServiceID
	}
	if o.Quantity > 0 {
		title += fmt.Sprintf(" ×%d", o.Quantity)
	}
	if o.Link != "" {
		title += " · " + shortLink(o.Link)
	}
	var detail string
	switch {
	case st == backend.JobPartial && o.HasRemains && o.Quantity > 0:
		detail = fmt.Sprintf("remains %d of %d", o.Remains, o.Quantity)
	case (st == backend.JobPartial || st == backend.JobRunning) && o.HasRemains:
		detail = fmt.Sprintf("remains %d", o.Remains)
	case st == backend.JobFailed && o.Reason != "":
		detail = o.Reason
	}
	if detail == "" && st == backend.JobUnknown && o.Status != "" {
		detail = "status " + o.Status
	}
	allowed := backend.Allow(backend.ActCheck)
	if (st == backend.JobQueued || st == backend.JobRunning || st == backend.JobUnknown) && (o.CanCancel == nil || *o.CanCancel) {
		allowed = allowed.With(backend.ActCancel)
	}
	updated := o.UpdatedAt
	if updated.IsZero() {
		updated = o.CreatedAt
	}
	return backend.Job{
		Key: backend.MakeKey(backend.Market, p.cfg.Account, backend.ItemJob, id), Account: p.cfg.Account,
		Provider: backend.Market, ID: id, Kind: backend.JobBoost, Title: title, State: st, RawState: o.Status,
		Detail: detail, CreatedAt: o.CreatedAt, UpdatedAt: updated,
		Cost: p.money(o.Charge, o.HasCharge, o.Currency), Allowed: allowed,
	}
}

func (p *Provider) logsJob(o LogOrder) backend.Job {
	id := jobID(backend.JobLogs, o.ID)
	title := o.Category
	if title == "" {
		title = "logs category " + o.CategoryID
	}
	if o.Quantity > 0 {
		title += fmt.Sprintf(" ×%d", o.Quantity)
	}
	var detail string
	if o.Items >= 0 {
		detail = fmt.Sprintf("%d delivered", o.Items)
	}
	updated := o.UpdatedAt
	if updated.IsZero() {
		updated = o.CreatedAt
	}
	return backend.Job{
		Key: backend.MakeKey(backend.Market, p.cfg.Account, backend.ItemJob, id), Account: p.cfg.Account,
		Provider: backend.Market, ID: id, Kind: backend.JobLogs, Title: title, State: jobState(o.Status),
		RawState: o.Status, Detail: detail, CreatedAt: o.CreatedAt, UpdatedAt: updated,
		Cost: p.money(o.Total, o.HasTotal, o.Currency),
	}
}

// shortLink drops the scheme and a trailing slash and keeps it short.
func shortLink(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.TrimPrefix(s, "www.")
	s = strings.TrimRight(s, "/")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return s
}
