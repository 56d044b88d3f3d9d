package bench

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"switchboard/backend"
)

// delivery is one code the benchmark makes arrive on one line.
type delivery struct {
	Line int           // index of the line on its account
	At   time.Duration // after the first moment codes may arrive
	Code string        // unique on the account
}

// Text is the SMS carrying the code, as a service would write it.
func (d delivery) Text() string {
	return fmt.Sprintf("Your Bench verification code is %s. Do not share it.", d.Code)
}

// pacing is how codes follow each other on one line: the first within
// Spread of the start, each next one MinGap plus up to Spread after the
// previous. The times are uniformly random and never depend on when
// anybody polls.
type pacing struct {
	MinGap, Spread time.Duration
}

// makePlan draws the deliveries of a provider's account (the index-th)
// over window, sorted by time. The same seed gives the same plan, which
// both sides of the run share.
func makePlan(seed uint64, k backend.ProviderKind, index, lines int, window time.Duration, p pacing) []delivery {
	rng := rand.New(rand.NewPCG(seed, seedOf(k)+uint64(index)))
	used := map[string]bool{}
	code := func() string {
		for {
			c := fmt.Sprintf("%06d", 100000+rng.IntN(900000))
			if !used[c] {
				used[c] = true
				return c
			}
		}
	}
	between := func(d time.Duration) time.Duration {
		if d <= 0 {
			return 0
		}
		return time.Duration(rng.Int64N(int64(d)))
	}
	var out []delivery
	for i := range lines {
		for at := between(p.Spread); at < window; at += p.MinGap + between(p.Spread) {
			out = append(out, delivery{Line: i, At: at, Code: code()})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// seedOf gives each provider its own stream from one seed.
func seedOf(k backend.ProviderKind) uint64 {
	var h uint64 = 14695981039346656037
	for _, c := range []byte(k) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}
