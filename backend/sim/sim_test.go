package sim

import (
	"net/http"
	"testing"
	"time"

	"switchboard/backend"
)

// TestManualClockStartsAtDefaultStart: a manual simulation without a Start
// is the same at any second of the minute.
func TestManualClockStartsAtDefaultStart(t *testing.T) {
	s := New(Options{Manual: true, Quiet: true, Seed: 1})
	defer s.Close()
	if got := s.Now(); !got.Equal(DefaultStart) {
		t.Fatalf("Now = %s, want %s", got, DefaultStart)
	}
	s.Advance(90 * time.Second)
	if got := s.Now(); !got.Equal(DefaultStart.Add(90 * time.Second)) {
		t.Fatalf("after Advance: %s", got)
	}
	start := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	s2 := New(Options{Manual: true, Quiet: true, Seed: 1, Start: start})
	defer s2.Close()
	if got := s2.Now(); !got.Equal(start) {
		t.Fatalf("Now = %s, want the given Start %s", got, start)
	}
}

// TestRealClockStartsNow: without Manual the scenario runs on the wall
// clock.
func TestRealClockStartsNow(t *testing.T) {
	s := New(Options{Quiet: true, Seed: 1})
	defer s.Close()
	if d := time.Since(s.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("Now is %s off the wall clock", d)
	}
}

// TestFacadeServesAllFour: every provider answers on its URL, has an
// account, and the seed decides them.
func TestFacadeServesAllFour(t *testing.T) {
	s := New(Options{Manual: true, Quiet: true, Seed: 9})
	defer s.Close()
	same := New(Options{Manual: true, Quiet: true, Seed: 9})
	defer same.Close()
	creds, again := s.Credentials(), same.Credentials()
	if len(creds) != 4 || len(again) != 4 {
		t.Fatalf("%d and %d credentials, want 4", len(creds), len(again))
	}
	for i, c := range creds {
		if c.Account != again[i].Account || len(c.Env) == 0 {
			t.Fatalf("credential %d: %+v vs %+v", i, c, again[i])
		}
		for k, v := range c.Env {
			if again[i].Env[k] != v {
				t.Errorf("%s: the same seed gave another secret", c.Account)
			}
		}
	}
	// 5sim redirects unknown routes: count the first request only.
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, k := range []backend.ProviderKind{backend.PivDay, backend.FiveSim, backend.NonVoip, backend.Market} {
		u := s.URL(k)
		if u == "" {
			t.Fatalf("no URL for %s", k)
		}
		resp, err := cl.Get(u + "/nowhere")
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		resp.Body.Close()
		if s.Hits(k) != 1 {
			t.Errorf("%s: %d hits, want 1", k, s.Hits(k))
		}
	}
	s.Close() // a second Close (deferred) is harmless
}
