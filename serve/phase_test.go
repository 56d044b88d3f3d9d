package serve

import (
	"slices"
	"testing"
	"time"
)

// Any number of dashboards tick spread over the second: no two at once,
// and no gap between neighbours over twice an even share.
func TestDashboardsTickApart(t *testing.T) {
	for _, n := range []int{5, 17, 50, 256} {
		var phases []time.Duration
		for i := range n {
			p := tickPhase(int64(i + 1))
			if p < 0 || p >= time.Second {
				t.Fatalf("phase %v is not within a second", p)
			}
			phases = append(phases, p)
		}
		slices.Sort(phases)
		widest := phases[0] + time.Second - phases[n-1]
		for i := 1; i < n; i++ {
			widest = max(widest, phases[i]-phases[i-1])
			if phases[i] == phases[i-1] {
				t.Fatalf("%d dashboards: two tick at %v", n, phases[i])
			}
		}
		if even := time.Second / time.Duration(n); widest > 2*even {
			t.Errorf("%d dashboards: a gap of %v between ticks, an even share is %v", n, widest, even)
		}
	}
}
