package market

import (
	"context"

	"switchboard/backend"
)

// --- settling -------------------------------------------------------------------

// Settle learns whether an action with an unknown outcome happened.
//   - buy: re-read recent orders (see findPurchase). Not there and the
//     purchase is recent: re-send the SAME request with the SAME key — the
//     marketplace deduplicates, so this returns the original order or
//     places it exactly once; a plain refusal now (no balance, out of stock,
//     invalid) means nothing was bought with that key. Not there and old:
//     not done when the listing reaches back past it, else still unknown.
//   - cancel: re-read the order (number or boost) and compare states.
//   - check changes nothing: there is nothing to settle.
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy:
		if err := p.validBuy(act); err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		s, err := p.findPurchase(ctx, act, t)
		if err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		if s.found {
			s.out.Note += " (found after an unclear answer)"
			return backend.SettledHappened, s.out, nil
		}
		if !act.CreatedAt.IsZero() && p.now().Sub(act.CreatedAt) < resendWindow {
			out, err := p.place(ctx, act, t)
			if err == nil {
				return backend.SettledHappened, out, nil
			}
			switch backend.KindOf(err) {
			case backend.ErrNoBalance, backend.ErrOutOfStock, backend.ErrNotFound:
				return backend.SettledNotDone, backend.Outcome{}, nil
			case backend.ErrInvalid:
				if !isCode(err, codeKeyReused) {
					return backend.SettledNotDone, backend.Outcome{}, nil
				}
			}
			return backend.SettledUnknown, backend.Outcome{}, nil
		}
		if s.covered {
			return backend.SettledNotDone, backend.Outcome{}, nil
		}
		return backend.SettledUnknown, backend.Outcome{}, nil
	case backend.ActCancel:
		if id, ok := p.lineTarget(act, t); ok {
			o, err := p.client.NumberOrder(ctx, id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			l, m := p.line(o)
			out := backend.Outcome{Lines: []backend.Line{l}, Messages: m}
			switch l.State {
			case backend.LineCanceled:
				out.Done, out.Note = true, "cancelled"
				return backend.SettledHappened, out, nil
			case backend.LineWaiting, backend.LineReceived, backend.LineUnknown:
				return backend.SettledNotDone, out, nil
			}
			// Expired / finished: the order closed by itself; the cancel
			// did not do it, and there is nothing left to cancel.
			return backend.SettledNotDone, out, nil
		}
		if kind, id, ok := p.jobTarget(act, t); ok && kind == backend.JobBoost {
			o, err := p.client.BoostOrder(ctx, id)
			if err != nil {
				return backend.SettledUnknown, backend.Outcome{}, err
			}
			j := p.boostJob(o)
			out := backend.Outcome{Jobs: []backend.Job{j}}
			was := backend.JobUnknown
			if t.Job != nil {
				was = t.Job.State
			}
			if j.State == backend.JobCanceled || (j.State == backend.JobPartial && was != backend.JobPartial) {
				out.Done, out.Note = true, "cancelled"
				return backend.SettledHappened, out, nil
			}
			return backend.SettledNotDone, out, nil
		}
		return backend.SettledUnknown, backend.Outcome{}, p.errorf("cancel", backend.ErrInvalid, "no marketplace order to settle")
	case backend.ActCheck:
		return backend.SettledNotDone, backend.Outcome{}, nil
	}
	return backend.SettledUnknown, backend.Outcome{}, p.errorf(string(act.Kind), backend.ErrUnsupported, "the marketplace has no %q action", act.Kind.Verb())
}
