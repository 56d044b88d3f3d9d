package store

import (
	"encoding/json"
	"fmt"
	"time"

	"switchboard/backend"
)

// Records are JSON of the domain types. The cache package's binary layout
// would be smaller and faster, but it is private to that package; JSON is
// readable with etcdctl, which matters more for a store an operator backs
// up and inspects.

// storedMessage is a ledger entry: the message and its place in the batch
// that stored it, which with the key's create revision orders messages
// received at the same instant by arrival.
type storedMessage struct {
	backend.Message
	Seq int `json:"seq"`
}

func encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// The domain types are plain data: this cannot happen.
		panic(fmt.Sprintf("cluster store: encoding %T: %v", v, err))
	}
	return string(b)
}

func decode[T any](what string, b []byte) (T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("cluster store: damaged %s record: %w", what, err)
	}
	return v, nil
}

// encodeLine stores a line without NewWindow, a signal between adapter and
// engine that is never stored.
func encodeLine(l backend.Line) string {
	l.NewWindow = false
	return encode(l)
}

func accountID(a backend.Account) string { return string(a.Provider) + "/" + a.Name }

// timeKey is a sortable text form of an instant, times before 1970 first.
func timeKey(t time.Time) string {
	return fmt.Sprintf("%016x%08x", uint64(t.Unix())^(1<<63), t.Nanosecond())
}
