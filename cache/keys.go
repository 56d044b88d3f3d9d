package cache

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"switchboard/backend"
)

// Bucket names.
var (
	bucketMeta = []byte("meta")

	// state.db
	bucketAccounts = []byte("accounts") // provider/name → account
	bucketLines    = []byte("lines")    // line key → line
	bucketLeases   = []byte("leases")   // lease key → lease
	bucketJobs     = []byte("jobs")     // job key → job

	// ledger.db
	bucketMsgByLine = []byte("msg-by-line") // line · time · seq → message (newest-first reads)
	bucketMsgByID   = []byte("msg-by-id")   // line · id → time · seq (deduplication)
	bucketMsgByTime = []byte("msg-by-time") // time · seq → line · id (retention)

	bucketJournal        = []byte("journal")         // action id → entry
	bucketJournalByTime  = []byte("journal-by-time") // updated · action id → nothing
	bucketJournalPending = []byte("journal-pending") // action id → nothing, while not settled

	// Orders of providers that cannot list them (NonVoip), so a rebuilt
	// state.db can look them up again (schema 2).
	bucketWatched = []byte("watched") // line key → nothing
)

var keySchema = []byte("schema")

// timeKeyLen is a sortable instant: seconds with the sign bit flipped (so
// times before 1970 sort first), then nanoseconds, both big-endian.
const timeKeyLen = 12

// stampLen is a message's place in time: the instant plus a sequence number
// that orders messages received in the same nanosecond by arrival.
const stampLen = timeKeyLen + 8

func appendTime(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

func appendStamp(b []byte, t time.Time, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(appendTime(b, t), seq)
}

// appendLine writes a line key with its length first, so that no line's
// prefix is another line's prefix ("a/b" and "a/bc" stay apart).
func appendLine(b []byte, line backend.Key) []byte {
	b = binary.AppendUvarint(b, uint64(len(line)))
	return append(b, line...)
}

func messageIDKey(line backend.Key, id string) []byte {
	return append(appendLine(make([]byte, 0, len(line)+len(id)+2), line), id...)
}

func messageLineKey(line backend.Key, stamp []byte) []byte {
	return append(appendLine(make([]byte, 0, len(line)+stampLen+2), line), stamp...)
}

// splitMessageIDKey reverses messageIDKey.
func splitMessageIDKey(k []byte) (backend.Key, string, error) {
	n, w := binary.Uvarint(k)
	if w <= 0 || n > uint64(len(k)-w) {
		return "", "", fmt.Errorf("%w: message index key", errRecord)
	}
	return backend.Key(k[w : w+int(n)]), string(k[w+int(n):]), nil
}

func journalTimeKey(at time.Time, id string) []byte {
	return append(appendTime(make([]byte, 0, timeKeyLen+len(id)), at), id...)
}

// before reports whether a time-ordered key is earlier than cutoff.
func before(k []byte, cutoff []byte) bool {
	return len(k) >= timeKeyLen && bytes.Compare(k[:timeKeyLen], cutoff) < 0
}
