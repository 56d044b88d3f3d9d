package node

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"switchboard/backend"
	"switchboard/cluster/etcdtest"
)

// TestForwardedHintReachesTheOwnerBeforeItsKeyIsTaken: a webhook that
// reaches a node not owning its account is read by the owner as soon as
// the owner sees its key — the fenced delete that takes the key is not in
// the code's way (here it is held until the code has shown).
func TestForwardedHintReachesTheOwnerBeforeItsKeyIsTaken(t *testing.T) {
	t.Parallel() // its own team and prefix; no etcd member is stopped
	// 40 numbers at 30 requests a minute: a number's own poll is a minute
	// or two away.
	tm := newTeamOf(t, 1, 30, backend.PivDay)
	acct := tm.accounts(backend.PivDay)[0]
	if err := tm.sim.PivDay.SeedNumbers(acct, 40-len(tm.sim.PivDay.NumberIDs(acct))); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	tm.wrapKV = func(kv clientv3.KV) clientv3.KV { return holdHintDeletes{kv, release} }
	for _, name := range nodeNames[:2] {
		tm.start(name)
	}
	tm.balanced()
	owner := tm.owner(acct)
	other := tm.others(owner)[0]
	line := owner.waitLine(t, "a number of "+acct, func(l backend.Line) bool {
		return l.Account == acct && l.Provider == backend.PivDay && l.State.Open()
	})
	if err := tm.sim.PivDay.Deliver(line.ID, "Your code is 482913"); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"event_type": "sms.received", "timestamp": time.Now().UTC().Format(time.RFC3339),
		"data": map[string]any{"piv_num_id": line.ID, "text": "Your code is 482913", "code": "482913"}})
	if err := other.eng.Hint(acct, body); err != nil {
		t.Fatal(err)
	}
	etcdtest.Wait(t, 10*time.Second, "the hinted code at the owner", func() bool {
		return owner.line(line.Key).Code == "482913"
	})
}

// holdHintDeletes holds every transaction that deletes a hints/ key until
// release closes.
type holdHintDeletes struct {
	clientv3.KV
	release chan struct{}
}

func (k holdHintDeletes) Txn(ctx context.Context) clientv3.Txn {
	return &heldTxn{Txn: k.KV.Txn(ctx), release: k.release}
}

type heldTxn struct {
	clientv3.Txn
	release chan struct{}
	hint    bool
}

func (t *heldTxn) If(cs ...clientv3.Cmp) clientv3.Txn { t.Txn = t.Txn.If(cs...); return t }

func (t *heldTxn) Then(ops ...clientv3.Op) clientv3.Txn {
	for _, op := range ops {
		t.hint = t.hint || (op.IsDelete() && strings.Contains(string(op.KeyBytes()), "/hints/"))
	}
	t.Txn = t.Txn.Then(ops...)
	return t
}

func (t *heldTxn) Else(ops ...clientv3.Op) clientv3.Txn { t.Txn = t.Txn.Else(ops...); return t }

func (t *heldTxn) Commit() (*clientv3.TxnResponse, error) {
	if t.hint {
		<-t.release
	}
	return t.Txn.Commit()
}
