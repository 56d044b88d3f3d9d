package engine

import (
	"slices"
	"sort"
	"sync"
	"time"

	"switchboard/backend"
)

// When the ledger cannot write (a full disk), codes still reach the
// screen: their messages are held in memory, marked Unsaved, and written
// together with the next read's until a write succeeds. The UI hears of
// the ledger's health (Event.Storage) and the log says it once per
// episode.

// heldMessages is what the ledger could not write yet. Workers store
// messages, so it has its own locks: writing serializes admit's writes
// (so a held message is written once), mu guards the fields and is held
// only briefly, never over disk I/O (the engine goroutine reads it).
type heldMessages struct {
	writing sync.Mutex
	mu      sync.Mutex
	msgs    []backend.Message // oldest first
	failing bool
}

// msgRef identifies a message across lines.
type msgRef struct {
	line backend.Key
	id   string
}

func refOf(m backend.Message) msgRef { return msgRef{m.Line, m.ID} }

// admit stores messages as they enter the engine (worker goroutines):
// prepared once (see prepare), then written to the ledger after any held
// ones, or held and marked Unsaved when the ledger cannot write. It
// returns the messages not seen before.
func (e *Engine) admit(msgs []backend.Message) []backend.Message {
	now := e.now()
	msgs = slices.DeleteFunc(prepare(msgs, now), func(m backend.Message) bool {
		if m.Line == "" { // no line shows it, and the ledger would refuse the whole batch every time
			e.log.Warn("an SMS without a line was dropped", "id", m.ID, "sender", m.Sender)
			return true
		}
		return false
	})
	msgs = e.stored.unknown(msgs)
	h := &e.held
	h.writing.Lock()
	defer h.writing.Unlock()
	h.mu.Lock()
	retry := slices.Clone(h.msgs)
	h.mu.Unlock()
	if len(msgs)+len(retry) == 0 {
		return nil
	}
	batch := make([]backend.Message, 0, len(retry)+len(msgs))
	for _, m := range retry {
		m.Unsaved = false
		batch = append(batch, m)
	}
	batch = append(batch, msgs...)
	fresh, err := e.store.AddMessages(batch)
	if err != nil {
		if msgs = e.ownedOnly(msgs); len(msgs)+len(retry) == 0 {
			return nil // an answer after the account was lost: its new owner writes it
		}
		return e.hold(msgs, err, now)
	}
	e.stored.add(batch)
	h.mu.Lock()
	h.msgs = nil
	recovered := h.failing
	h.failing = false
	h.mu.Unlock()
	if recovered {
		e.log.Info("the ledger writes again: held codes are saved", "count", len(retry))
		e.post(func() { e.saved(retry, now) })
	}
	// Held messages were announced when first seen.
	again := map[msgRef]bool{}
	for _, m := range retry {
		again[refOf(m)] = true
	}
	return slices.DeleteFunc(fresh, func(m backend.Message) bool { return again[refOf(m)] })
}

// hold keeps what the ledger could not write. A message neither held
// already nor in the ledger (a full disk still reads) is new: it is marked
// Unsaved and returned. The first failure of an episode is logged and
// told.
func (e *Engine) hold(msgs []backend.Message, err error, now time.Time) []backend.Message {
	h := &e.held
	known := map[msgRef]bool{}
	h.mu.Lock()
	for _, m := range h.msgs {
		known[refOf(m)] = true
	}
	h.mu.Unlock()
	stored := map[backend.Key]bool{} // lines whose stored ids are in known
	var fresh []backend.Message
	for _, m := range msgs {
		if !stored[m.Line] {
			stored[m.Line] = true
			if old, err := e.store.Messages(m.Line, 0); err == nil {
				for _, o := range old {
					known[refOf(o)] = true
				}
			}
		}
		if known[refOf(m)] {
			continue
		}
		known[refOf(m)] = true
		m.Unsaved = true
		fresh = append(fresh, m)
	}
	h.mu.Lock()
	h.msgs = append(h.msgs, fresh...)
	first := !h.failing
	h.failing = true
	h.mu.Unlock()
	if first {
		e.log.Error("the ledger cannot write: codes are shown but not saved", "err", err.Error())
		health := &backend.StorageHealth{Failing: true, Error: err.Error(), Since: now}
		e.post(func() { e.out.push(backend.Event{Storage: health}) })
	}
	return fresh
}

// markHeld keeps the Unsaved mark only on messages still held: a later
// read may have written them before this merge runs (engine goroutine).
func (e *Engine) markHeld(msgs []backend.Message) []backend.Message {
	if !slices.ContainsFunc(msgs, func(m backend.Message) bool { return m.Unsaved }) {
		return msgs
	}
	held := e.heldRefs()
	out := slices.Clone(msgs)
	for i := range out {
		out[i].Unsaved = out[i].Unsaved && held[refOf(out[i])]
	}
	return out
}

func (e *Engine) heldRefs() map[msgRef]bool {
	e.held.mu.Lock()
	defer e.held.mu.Unlock()
	refs := make(map[msgRef]bool, len(e.held.msgs))
	for _, m := range e.held.msgs {
		refs[refOf(m)] = true
	}
	return refs
}

// saved clears the unsaved mark of the codes that came from msgs, now
// written, and tells the UI the ledger writes again (engine goroutine).
func (e *Engine) saved(msgs []backend.Message, now time.Time) {
	var ch backend.StateChange
	ev := backend.Event{Storage: &backend.StorageHealth{Since: now}}
	for _, m := range msgs {
		ac := e.accountOf(m.Line)
		if ac == nil {
			continue
		}
		if l := ac.lineByKey(m.Line); l != nil && l.CodeUnsaved && l.codeFrom == m.ID {
			n := l.edit()
			n.CodeUnsaved = false
			n.Version = e.nextVersion()
			ch.Lines = append(ch.Lines, *n)
			ev.Lines = append(ev.Lines, ac.lineView(l))
		}
	}
	if !ch.Empty() {
		e.store.Save(ch)
	}
	e.out.push(ev)
}

// History reads a line's SMS, newest first, with those the ledger could
// not write yet. It does disk I/O: call it from a command goroutine, never
// from the UI's Update.
func (e *Engine) History(k backend.Key, limit int) ([]backend.Message, error) {
	msgs, err := e.store.Messages(k, limit)
	if err != nil {
		return nil, err
	}
	e.held.mu.Lock()
	for _, m := range e.held.msgs {
		if m.Line == k {
			msgs = append(msgs, m)
		}
	}
	e.held.mu.Unlock()
	for i, m := range msgs {
		if !m.SeenAt.IsZero() {
			// Stored before dates were clamped where they enter.
			msgs[i].ReceivedAt = clampProviderTime(m.ReceivedAt, m.SeenAt)
		}
	}
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].ReceivedAt.After(msgs[j].ReceivedAt) })
	if limit > 0 && len(msgs) > limit {
		msgs = msgs[:limit]
	}
	return msgs, nil
}
