package pivday

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

func TestPivDayAuthAndRoutes(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1})
	for _, key := range []string{"", "piv_live_wrong"} {
		st, _, m := p.doKey(key, "GET", "/account", nil)
		pivCheckError(t, "auth "+key, st, m, http.StatusUnauthorized, "UNAUTHORIZED")
	}
	p.fail("GET", "/nope", nil, http.StatusNotFound, "NOT_FOUND")
	d := p.ok("GET", "/account", nil)
	pivShape(t, "account", d, map[string]string{"user_id": "string", "balance": "number", "email": "string",
		"team_id": "null", "is_team_member": "bool"})
	if d["balance"].(float64) != p.s.PivDay.Balance("piv-main") || d["balance"].(float64) <= 0 {
		t.Errorf("balance = %v", d["balance"])
	}
}

func TestPivDayCredentialsAndDeterminism(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 7, Accounts: 3})
	var names []string
	for _, c := range p.s.Credentials() {
		if c.Provider != backend.PivDay {
			continue
		}
		names = append(names, c.Account)
		env := c.Fields["api_key_env"]
		if !strings.HasPrefix(env, "SIM_PIVDAY_") || !strings.HasSuffix(env, "_KEY") || c.Env[env] == "" || len(c.Env) != 1 {
			t.Errorf("credential %+v", c)
		}
	}
	if strings.Join(names, ",") != "piv-main,piv-alt,piv-3" {
		t.Errorf("accounts = %v", names)
	}
	// Keys are per account: the alt key sees the alt account's numbers.
	alt := pivKey(t, p.s, "piv-alt")
	_, _, m := p.doKey(alt, "GET", "/numbers?limit=200", nil)
	ids := map[string]bool{}
	for _, n := range objs(m["data"].(map[string]any)["numbers"]) {
		ids[n["piv_num_id"].(string)] = true
	}
	for _, id := range p.s.PivDay.NumberIDs("piv-main") {
		if ids[id] {
			t.Fatal("accounts share numbers")
		}
	}
	same := newSim(simcore.Options{Seed: 7, Accounts: 3, Manual: true, Start: pivStart})
	defer same.Close()
	other := newSim(simcore.Options{Seed: 8, Accounts: 3, Manual: true, Start: pivStart})
	defer other.Close()
	a, b, c := p.s.PivDay.NumberIDs("piv-main"), same.PivDay.NumberIDs("piv-main"), other.PivDay.NumberIDs("piv-main")
	if strings.Join(a, ",") != strings.Join(b, ",") || strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("seeding not deterministic per seed: %v %v %v", a, b, c)
	}
}

func TestPivDayRateLimit(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true, Accounts: 2, Start: pivStart.Add(15 * time.Second)})
	paths := []string{"/account", "/numbers", "/proxy/orders", "/domains", "/whites"}
	for i := 0; i < 100; i++ {
		if st, _, m := p.do("GET", paths[i%len(paths)], nil); st != 200 {
			t.Fatalf("request %d: %d %v", i+1, st, m)
		}
	}
	st, hdr, m := p.do("GET", "/numbers/countries", nil)
	pivCheckError(t, "101st", st, m, http.StatusTooManyRequests, "RATE_LIMITED")
	if hdr.Get("Retry-After") != "45" {
		t.Errorf("Retry-After = %q, want 45 (seconds to the window's end)", hdr.Get("Retry-After"))
	}
	if p.s.RateLimited(backend.PivDay) != 1 {
		t.Errorf("limited count = %d", p.s.RateLimited(backend.PivDay))
	}
	// Per key: the other account is not affected.
	if st, _, _ := p.doKey(pivKey(t, p.s, "piv-alt"), "GET", "/account", nil); st != 200 {
		t.Errorf("other key limited: %d", st)
	}
	p.s.Advance(44 * time.Second)
	st, hdr, _ = p.do("GET", "/account", nil)
	if st != 429 || hdr.Get("Retry-After") != "1" {
		t.Errorf("before the window ends: %d %q", st, hdr.Get("Retry-After"))
	}
	p.s.Advance(time.Second)
	if st, _, _ := p.do("GET", "/account", nil); st != 200 {
		t.Errorf("new window still limited: %d", st)
	}
}

func TestPivDayFaults(t *testing.T) {
	p := newPivT(t, simcore.Options{Seed: 1, Quiet: true})
	p.s.Inject(backend.PivDay, simcore.Fault{Kind: simcore.Fault429, Path: "/account", Times: 1, Retry: 3 * time.Second})
	st, hdr, m := p.do("GET", "/account", nil)
	pivCheckError(t, "fault 429", st, m, 429, "RATE_LIMITED")
	if hdr.Get("Retry-After") != "3" {
		t.Errorf("Retry-After = %q", hdr.Get("Retry-After"))
	}
	p.s.Inject(backend.PivDay, simcore.Fault{Kind: simcore.Fault429NoHint, Times: 1})
	st, hdr, m = p.do("GET", "/account", nil)
	pivCheckError(t, "fault 429 no hint", st, m, 429, "RATE_LIMITED")
	if hdr.Get("Retry-After") != "" {
		t.Errorf("no-hint 429 carries Retry-After %q", hdr.Get("Retry-After"))
	}
	if st, _, _ := p.do("GET", "/account", nil); st != 200 {
		t.Errorf("faults did not clear: %d", st)
	}
	// A lost response still changes state: the purchase happened once.
	p.s.Inject(backend.PivDay, simcore.Fault{Kind: simcore.FaultLoseResponse, Path: "/numbers/purchase", Times: 1})
	req, _ := http.NewRequest("POST", p.s.URL(backend.PivDay)+"/numbers/purchase",
		strings.NewReader(`{"country_code":"US","duration_months":1,"auto_renew":false}`))
	req.Header.Set("Authorization", "Bearer "+p.key)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("lost response arrived")
	}
	if n := p.s.PivDay.Purchases("piv-main"); n != 1 {
		t.Errorf("purchases after a lost response = %d", n)
	}
}
