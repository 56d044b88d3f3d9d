package cache

import (
	"testing"

	"switchboard/backend"
)

// A journal entry written before layout 3 (no operator) still decodes,
// as the local operator's; a layout-3 one keeps who asked.
func TestJournalEntryKeepsItsOperator(t *testing.T) {
	e := backend.JournalEntry{Action: backend.Action{ID: "renew-1", Kind: backend.ActRenew, Operator: "alice"},
		State: backend.JournalDone, Claimed: []string{"7"}}
	rec := encodeJournal(e)
	got, err := decodeJournal(rec)
	if err != nil || got.Action.Operator != "alice" {
		t.Fatalf("layout-3 entry: %+v, %v", got.Action, err)
	}
	// The same record as layout 2 wrote it: without the operator's bytes.
	body := append([]byte(nil), rec[:len(rec)-4-len("alice")-1]...)
	body[0] = 2
	old := (&encoder{b: body}).seal()
	got, err = decodeJournal(old)
	if err != nil || got.Action.Operator != "" || got.Action.ID != "renew-1" || len(got.Claimed) != 1 {
		t.Fatalf("layout-2 entry: %+v, %v", got, err)
	}
}
