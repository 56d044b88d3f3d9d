package engine

import (
	"slices"
	"time"

	"switchboard/backend"
	"switchboard/backend/otp"
)

// How a line's code is chosen, so the code on screen (and copied) is
// always the real one:
//
//   - Messages are ordered by when Switchboard first saw them (SeenAt, its
//     own clock), never by the provider's date, which can be wrong or
//     forged: the newest message seen that carries a code decides the
//     line's code. The provider's date is kept for display only, clamped
//     where the message enters.
//   - CodeAt is when the code arrived as far as anyone can tell: when
//     Switchboard saw it, or earlier when the provider's (clamped) date
//     says so. A provider can make a code look older, never newer: a code
//     found in a first read of old history is not shown as just arrived,
//     and no date can pin a code, since order follows SeenAt.
//   - The newest SMS wins even when it is ambiguous ("1234 or 5678"): Code
//     is cleared and Candidates hold its codes, so nothing is copied until
//     the operator chooses, and an older code is never shown as current.
//   - A line's receiving window: an action answer marked NewWindow (a
//     reuse, a renewal that re-arms the number) opens a new one at the
//     engine's now. The line waits again, its code is cleared, and only
//     messages seen at or after WindowAt can become its code; older ones
//     stay in the ledger as its history.
//   - A code a listing names without a new SMS (the provider's own code
//     field) fills a line that has none, and only outside a window: inside
//     one, a listing may still carry the previous window's code.

// maxSkew is how far ahead of Switchboard's clock a provider's date may be
// before it is not believed.
const maxSkew = 2 * time.Minute

// earliestSMS is older than any SMS a provider can still list: a date
// before it is a missing one (zero, the epoch).
var earliestSMS = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// clampProviderTime is a provider's date fit for display: a missing,
// absurdly old, or future date (beyond the skew) becomes now.
func clampProviderTime(t, now time.Time) time.Time {
	if t.Before(earliestSMS) || t.After(now.Add(maxSkew)) {
		return now
	}
	return t
}

// windowExtra are the Line.Extra keys that describe one receiving window
// and so end with it: NonVoip's "used" (an SMS arrived in this window:
// reject is no longer possible). Every other key adapters keep (5sim's
// "reuse" and "category", NonVoip's type, service, number, product and
// online_until, the marketplace's service, country and area code) is
// about the order, whatever window it is in.
var windowExtra = []string{"used"}

// prepare readies messages as they enter the engine, once for every
// adapter: an id before anything changes the date it may be derived from,
// the provider's date clamped, SeenAt stamped with the engine's clock (the
// store keeps it), and the candidates of an ambiguous SMS.
func prepare(msgs []backend.Message, now time.Time) []backend.Message {
	out := make([]backend.Message, len(msgs))
	for i, m := range msgs {
		if m.ID == "" {
			m.ID = backend.DerivedMessageID(m)
		}
		m.ReceivedAt = clampProviderTime(m.ReceivedAt, now)
		if m.SeenAt.IsZero() {
			m.SeenAt = now
		}
		if m.Code == "" && len(m.Candidates) == 0 {
			if r := otp.Pick(m.Text); r.Ambiguous {
				m.Candidates = r.Candidates
			}
		}
		out[i] = m
	}
	return out
}

// mergeListing merges what a provider says of a line with what the
// engine knew of it.
func mergeListing(prev, l backend.Line, now time.Time) backend.Line {
	merged := l
	merged.NewWindow = false // a signal, never stored
	merged.Code, merged.CodeAt, merged.Candidates, merged.CodeUnsaved = prev.Code, prev.CodeAt, prev.Candidates, prev.CodeUnsaved
	merged.WindowAt = prev.WindowAt
	prevExtra := prev.Extra
	if l.NewWindow {
		merged.WindowAt = backend.InstantOf(now)
		merged.Code, merged.CodeAt, merged.Candidates, merged.CodeUnsaved = "", 0, nil, false
		prevExtra = withoutWindowExtra(prev.Extra)
		merged.Extra = withoutWindowExtra(l.Extra)
		if merged.State == "" || merged.State == backend.LineReceived {
			merged.State = backend.LineWaiting
		}
	}
	// Details only Switchboard knows (e.g. bought with reuse=1) survive a
	// listing that does not carry them.
	if lacksAny(merged.Extra, prevExtra) {
		ex := make(map[string]string, len(prevExtra)+len(merged.Extra))
		for k, v := range prevExtra {
			ex[k] = v
		}
		for k, v := range merged.Extra {
			ex[k] = v
		}
		merged.Extra = ex
	}
	if merged.CooldownUntil.IsZero() || prev.CooldownUntil.After(merged.CooldownUntil.Time()) {
		merged.CooldownUntil = prev.CooldownUntil
	}
	return merged
}

// lacksAny reports whether extra lacks a key of prev (then the two are
// merged into a new map; otherwise extra already says it all).
func lacksAny(extra, prev map[string]string) bool {
	for k := range prev {
		if _, ok := extra[k]; !ok {
			return true
		}
	}
	return false
}

// withoutWindowExtra copies extra without the keys of a window.
func withoutWindowExtra(extra map[string]string) map[string]string {
	if extra == nil {
		return nil
	}
	out := make(map[string]string, len(extra))
	for k, v := range extra {
		out[k] = v
	}
	for _, k := range windowExtra {
		delete(out, k)
	}
	return out
}

// arrived is when something Switchboard saw at seen arrived: seen, or
// earlier when the provider's date says so (never later).
func arrived(seen, provider time.Time) time.Time {
	if provider = clampProviderTime(provider, seen); provider.Before(seen) {
		return provider
	}
	return seen
}

// takeMessage lets a message seen in the line's window decide its code.
func takeMessage(l *lineState, m backend.Message) {
	l.lastActivity = later(l.lastActivity, arrived(m.SeenAt, m.ReceivedAt))
	if m.SeenAt.Before(l.WindowAt.Time()) || (m.Code == "" && len(m.Candidates) == 0) {
		return // history of an earlier window, or no code at all
	}
	// codeSeen orders codes; after a restart only CodeAt (never later) is known.
	if m.SeenAt.Before(later(l.codeSeen, l.CodeAt)) {
		return // an older read answered late
	}
	v := l.edit()
	v.Code, v.Candidates, v.CodeUnsaved = m.Code, m.Candidates, m.Unsaved
	if m.Code != "" {
		v.Candidates = nil
	}
	v.CodeAt, l.codeSeen, l.codeFrom = backend.InstantOf(arrived(m.SeenAt, m.ReceivedAt)), backend.InstantOf(m.SeenAt), m.ID
}

// listedCode takes the code a listing names when the line has none and no
// window is open.
func listedCode(l *lineState, listed backend.Line, now time.Time) {
	if listed.Code != "" && l.Code == "" && len(l.Candidates) == 0 && l.WindowAt.IsZero() {
		v := l.edit()
		v.Code, v.CodeAt, l.codeSeen, l.codeFrom = listed.Code, backend.InstantOf(arrived(now, listed.CodeAt.Time())), backend.InstantOf(now), ""
	}
}

// stateFromCode: a waiting line with a code in its window has received
// it; a "received" line whose window has no code yet waits (the word was
// about the previous window).
func stateFromCode(l *backend.Line) backend.LineState {
	has := l.Code != "" || len(l.Candidates) > 0
	switch {
	case l.State == backend.LineWaiting && has:
		return backend.LineReceived
	case l.State == backend.LineReceived && !has && !l.WindowAt.IsZero():
		return backend.LineWaiting
	}
	return l.State
}

// sortBySeen orders messages as Switchboard saw them; those seen in the
// same read by the provider's (clamped) date.
func sortBySeen(msgs []backend.Message) {
	slices.SortStableFunc(msgs, func(a, b backend.Message) int {
		if c := a.SeenAt.Compare(b.SeenAt); c != 0 {
			return c
		}
		return a.ReceivedAt.Compare(b.ReceivedAt)
	})
}
