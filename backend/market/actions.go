package market

import (
	"context"
	"strings"

	"switchboard/backend"
)

// --- actions --------------------------------------------------------------------

// Do carries out buy, cancel and check.
func (p *Provider) Do(ctx context.Context, act backend.Action, t backend.Target) (backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy:
		return p.buy(ctx, act, t)
	case backend.ActCancel, backend.ActCheck:
		if id, ok := p.lineTarget(act, t); ok {
			if act.Kind == backend.ActCancel {
				return p.cancelNumber(ctx, id, t)
			}
			return p.checkNumber(ctx, id)
		}
		if kind, id, ok := p.jobTarget(act, t); ok {
			if kind != backend.JobBoost {
				return backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrUnsupported, "logs orders cannot be %sed", act.Kind)
			}
			if act.Kind == backend.ActCancel {
				return p.cancelBoost(ctx, id, t)
			}
			return p.checkBoost(ctx, id)
		}
		return backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrInvalid, "no marketplace order to %s", act.Kind)
	}
	return backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrUnsupported, "the marketplace has no %q action", act.Kind.Verb())
}

func (p *Provider) lineTarget(act backend.Action, t backend.Target) (string, bool) {
	if t.Line != nil && t.Line.ID != "" {
		return t.Line.ID, true
	}
	if pk, _, kind, id := act.Target.Parts(); pk == backend.Market && kind == backend.ItemLine && id != "" {
		return id, true
	}
	return "", false
}

func (p *Provider) jobTarget(act backend.Action, t backend.Target) (backend.JobKind, string, bool) {
	if t.Job != nil {
		kind, id := splitJobID(*t.Job)
		return kind, id, id != ""
	}
	if pk, _, kind, id := act.Target.Parts(); pk == backend.Market && kind == backend.ItemJob && id != "" {
		k, rest := splitJobID(backend.Job{ID: id})
		return k, rest, rest != ""
	}
	return "", "", false
}

func (p *Provider) cancelNumber(ctx context.Context, id string, t backend.Target) (backend.Outcome, error) {
	o, ok, err := p.client.CancelNumber(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	if !ok { // the answer named no order: read it back
		o, err = p.client.NumberOrder(ctx, id)
		ok = err == nil
	}
	out := backend.Outcome{Done: true, Note: "cancelled"}
	if ok {
		l, m := p.line(o)
		out.Lines, out.Messages = []backend.Line{l}, m
	} else if t.Line != nil {
		l := *t.Line
		l.State, l.Allowed = backend.LineCanceled, 0
		out.Lines = []backend.Line{l}
	}
	if len(out.Lines) > 0 && out.Lines[0].Number != "" {
		out.Note = "cancelled " + out.Lines[0].Number
	}
	// A marketplace may answer a cancel of an order that closed by itself
	// with the order as it is: say so rather than "cancelled".
	if len(out.Lines) > 0 && !out.Lines[0].State.Open() && out.Lines[0].State != backend.LineCanceled {
		out.Note = strings.TrimSpace("nothing to cancel: " + out.Lines[0].Number + " is already " + string(out.Lines[0].State))
	}
	return out, nil
}

func (p *Provider) checkNumber(ctx context.Context, id string) (backend.Outcome, error) {
	p.markPulled(id)
	o, err := p.client.CheckNumber(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	l, m := p.line(o)
	note := "no code yet"
	if l.Code != "" {
		note = "code " + l.Code
	}
	return backend.Outcome{Done: true, Note: note, Lines: []backend.Line{l}, Messages: m}, nil
}

func (p *Provider) cancelBoost(ctx context.Context, id string, t backend.Target) (backend.Outcome, error) {
	o, ok, err := p.client.CancelBoost(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	if !ok {
		o, err = p.client.BoostOrder(ctx, id)
		ok = err == nil
	}
	out := backend.Outcome{Done: true, Note: "cancel requested"}
	if ok {
		j := p.boostJob(o)
		out.Jobs = []backend.Job{j}
		if j.State == backend.JobCanceled {
			out.Note = "cancelled"
		}
	} else if t.Job != nil {
		out.Jobs = []backend.Job{*t.Job}
	}
	return out, nil
}

func (p *Provider) checkBoost(ctx context.Context, id string) (backend.Outcome, error) {
	o, err := p.client.CheckBoost(ctx, id)
	if err != nil {
		return backend.Outcome{}, err
	}
	j := p.boostJob(o)
	return backend.Outcome{Done: true, Note: strings.TrimSpace(string(j.State) + " " + j.Detail), Jobs: []backend.Job{j}}, nil
}
