package nonvoip

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// Sim is the NonVoip simulator alone on a started core (sim.New runs all four).
type Sim struct {
	*simcore.Core
	NonVoip *NonVoip
}

func newSim(opts simcore.Options) *Sim { c, p := simcore.Run(opts, New); return &Sim{c, p} }

type nvResp struct {
	status int
	header http.Header
	body   []byte
}

func (r nvResp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func nvDo(t *testing.T, req *http.Request) nvResp {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return nvResp{status: resp.StatusCode, header: resp.Header, body: b}
}

func nvPost(t *testing.T, s *Sim, path string, body map[string]any) nvResp {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL(backend.NonVoip)+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return nvDo(t, req)
}

// nvCall posts JSON with account i's credentials plus fields.
func nvCall(t *testing.T, s *Sim, i int, path string, fields map[string]any) nvResp {
	t.Helper()
	c := s.Credentials()
	var creds []simcore.Credential
	for _, x := range c {
		if x.Provider == backend.NonVoip {
			creds = append(creds, x)
		}
	}
	body := map[string]any{"email": creds[i].Fields["email"], "password": nvPassword(creds[i])}
	for k, v := range fields {
		body[k] = v
	}
	return nvPost(t, s, path, body)
}

func nvPassword(c simcore.Credential) string { return c.Env[c.Fields["password_env"]] }

func nvMain(t *testing.T, s *Sim) simcore.Credential {
	t.Helper()
	for _, c := range s.Credentials() {
		if c.Provider == backend.NonVoip && c.Account == "nonvoip-main" {
			return c
		}
	}
	t.Fatal("no nonvoip-main")
	return simcore.Credential{}
}

func newNV(t *testing.T, opts simcore.Options) *Sim {
	t.Helper()
	opts.Manual = true
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 5, 17, 7, 20, 0, 0, time.UTC)
	}
	s := newSim(opts)
	t.Cleanup(s.Close)
	return s
}

func nvWant(t *testing.T, r nvResp, status int, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	m := r.obj(t)
	if m["status"] != "error" || m["message"] != message {
		t.Fatalf("body %s, want error %q", r.body, message)
	}
}

// nvFirst is message[0] of a success answer.
func nvFirst(t *testing.T, r nvResp) map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	m := r.obj(t)
	list, ok := m["message"].([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("message is not a non-empty list: %s", r.body)
	}
	return list[0].(map[string]any)
}

func nvClose(a, b float64) bool { return a-b < 0.0001 && b-a < 0.0001 }

func nvOrderID(t *testing.T, v any) string {
	t.Helper()
	switch id := v.(type) {
	case float64:
		return strconv.Itoa(int(id))
	case string:
		return id
	}
	t.Fatalf("order_id %v (%T)", v, v)
	return ""
}

type nvHooks struct {
	srv *httptest.Server
	ch  chan map[string]any
}

func newNVHooks(t *testing.T, s *Sim) *nvHooks {
	h := &nvHooks{ch: make(chan map[string]any, 64)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		m["_ua"] = r.Header.Get("User-Agent")
		h.ch <- m
	}))
	t.Cleanup(h.srv.Close)
	s.SetWebhook(backend.NonVoip, h.srv.URL)
	return h
}

func (h *nvHooks) next(t *testing.T, event string) map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-h.ch:
			if m["event"] == event {
				return m
			}
		case <-deadline:
			t.Fatalf("no %s callback", event)
		}
	}
}
