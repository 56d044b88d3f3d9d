package etcdtest

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func put(ctx context.Context, c *clientv3.Client, k, v string) error {
	_, err := c.Put(ctx, k, v)
	return err
}

// The harness's promises, each on the real thing: three members serve;
// a killed member leaves a quorum that still writes; a cut link fails its
// client's calls while other links work; a healed link and a restarted
// member catch up with what was written meanwhile.
func TestKillCutHealRestart(t *testing.T) {
	c := Start(t, 3)
	a, b := c.Link(t), c.Link(t)
	if err := put(Ctx(t), a.Client, "k", "1"); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	c.Kill(0)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Kill took %v", took)
	}
	if err := put(Ctx(t), b.Client, "k", "2"); err != nil {
		t.Fatalf("two of three members did not take a write: %v", err)
	}

	a.Cut()
	short, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := put(short, a.Client, "k", "cut"); err == nil {
		t.Fatal("a cut link still wrote")
	}
	if err := put(Ctx(t), b.Client, "k", "3"); err != nil {
		t.Fatalf("the other link failed while a was cut: %v", err)
	}

	if err := c.Restart(0); err != nil {
		t.Fatal(err)
	}
	a.Heal(c)
	c.Kill(1) // member 0 is now needed for a quorum: it caught up
	resp, err := a.Client.Get(Ctx(t), "k")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "3" {
		t.Fatalf("after heal and restart: %v, %v", resp, err)
	}
}
