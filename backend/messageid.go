package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// DerivedMessageID is the id of a message its provider gave none: a hash
// of its line, the provider's time as given, its sender and its text, so
// the same SMS read again is stored once. Derive it before the time is
// clamped: a clamped time moves with the clock.
func DerivedMessageID(m Message) string {
	h := sha256.New()
	for _, part := range []string{string(m.Line), m.ReceivedAt.UTC().Format(time.RFC3339Nano), m.Sender, m.Text} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "h:" + hex.EncodeToString(h.Sum(nil)[:16])
}
