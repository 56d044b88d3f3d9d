package market

import (
	"context"

	"switchboard/backend"
)

// --- settling -------------------------------------------------------------------

// Settle learns whether an action with an unknown outcome happened. It
// only reads: nothing is bought without the operator present.
//   - buy: re-read recent orders (see searchOrders). Found: happened, with
//     that order (the engine claims it). Not found while the marketplace
//     may still be processing the purchase (settleGrace), or with more new
//     orders than the pages read: still unknown. Otherwise not done.
//   - cancel: re-read the order (number or boost) and compare states.
//   - check changes nothing: there is nothing to settle.
func (p *Provider) Settle(ctx context.Context, act backend.Action, t backend.Target) (backend.Settled, backend.Outcome, error) {
	switch act.Kind {
	case backend.ActBuy:
		if err := p.validBuy(act); err != nil {
			return backend.SettledUnknown, backend.Outcome{}, err
		}
		s, err := p.findPurchase(ctx, act, t)
		switch {
		case err != nil:
			return backend.SettledUnknown, backend.Outcome{}, err
		case s.found:
			s.out.Note += " (found after an unclear answer)"
			return backend.SettledHappened, s.out, nil
		case !s.covered || (!act.CreatedAt.IsZero() && p.now().Sub(act.CreatedAt) < settleGrace):
			return backend.SettledUnknown, backend.Outcome{}, nil
		}
		return backend.SettledNotDone, backend.Outcome{}, nil
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
