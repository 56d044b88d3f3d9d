package fivesim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// Sim is the 5sim simulator alone on a started core (sim.New runs all four).
type Sim struct {
	*simcore.Core
	FiveSim *FiveSim
}

func newSim(opts simcore.Options) *Sim { c, p := simcore.Run(opts, New); return &Sim{c, p} }

// fsClient never follows redirects: the 302 of an unknown route is part
// of what is tested.
var fsClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type fsResp struct {
	status int
	header http.Header
	body   []byte
}

func fsGet(t *testing.T, s *Sim, path, key string) fsResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL(backend.FiveSim)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := fsClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fsResp{status: resp.StatusCode, header: resp.Header, body: b}
}

func (r fsResp) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %q", r.status, r.body)
	}
	return m
}

func newFiveSimTest(t *testing.T, opts simcore.Options) (*Sim, string) {
	t.Helper()
	opts.Manual = true
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := newSim(opts)
	t.Cleanup(s.Close)
	return s, s.FiveSim.Key("5sim-main")
}

// wantText asserts a plain-text refusal.
func wantText(t *testing.T, r fsResp, status int, text string) {
	t.Helper()
	if r.status != status || string(r.body) != text {
		t.Fatalf("got %d %q, want %d %q", r.status, r.body, status, text)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q, want text/plain", ct)
	}
}

// wantFields asserts that m has each field with the JSON type named.
func wantFields(t *testing.T, m map[string]any, fields map[string]string) {
	t.Helper()
	for name, typ := range fields {
		v, ok := m[name]
		if !ok {
			t.Errorf("missing field %q in %v", name, m)
			continue
		}
		got := "null"
		switch v.(type) {
		case float64:
			got = "number"
		case string:
			got = "string"
		case bool:
			got = "bool"
		case []any:
			got = "array"
		case map[string]any:
			got = "object"
		}
		if got != typ {
			t.Errorf("field %q is %s, want %s", name, got, typ)
		}
	}
}

func fsBuy(t *testing.T, s *Sim, key, path string) map[string]any {
	t.Helper()
	r := fsGet(t, s, path, key)
	if r.status != http.StatusOK {
		t.Fatalf("buy %s: %d %q", path, r.status, r.body)
	}
	return r.object(t)
}

func fsID(m map[string]any) string { return strconv.Itoa(int(m["id"].(float64))) }

func near(a, b float64) bool { return a-b < 0.001 && b-a < 0.001 }

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
