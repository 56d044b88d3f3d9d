package integration

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim"
)

// openFiveSimOrder is an open 5sim activation order without SMS that has
// minutes left (a seeded one).
func openFiveSimOrder(t *testing.T, s *sim.Sim, account string) string {
	t.Helper()
	for _, id := range s.FiveSim.OrderIDs(account) {
		o, ok := s.FiveSim.Order(id)
		if ok && o.Category == "activation" && (o.Status == "RECEIVED" || o.Status == "PENDING") &&
			o.SMS == 0 && time.Until(o.Expires) > 5*time.Minute {
			return strconv.Itoa(id)
		}
	}
	t.Fatalf("no open 5sim order without SMS in %s", account)
	return ""
}

// simGet reads a simulator endpoint directly (what another client of the
// same account would see), with the account's Bearer key.
func simGet(t *testing.T, s *sim.Sim, k backend.ProviderKind, key, path string, into any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL(k)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
}

// pendingMarketOrder is a pending marketplace number order with minutes
// left, read from the simulator's own listing.
func pendingMarketOrder(t *testing.T, s *sim.Sim, account string) string {
	t.Helper()
	var page struct {
		Data struct {
			Data []struct {
				ID        int64  `json:"id"`
				Status    string `json:"status"`
				ExpiresAt string `json:"expires_at"`
			} `json:"data"`
		} `json:"data"`
	}
	simGet(t, s, backend.Market, s.Market.Key(account), "/numbers/orders?per_page=100", &page)
	for _, o := range page.Data.Data {
		exp, err := time.Parse("2006-01-02T15:04:05.000000Z", o.ExpiresAt)
		if o.Status == "pending" && err == nil && time.Until(exp) > 5*time.Minute {
			return strconv.FormatInt(o.ID, 10)
		}
	}
	t.Fatalf("no pending marketplace order in %s", account)
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }
