// Package sim is a faithful in-process fake of the four providers' HTTP
// APIs, built from the documents in ../shared/providers and NOTES.md: the
// same paths, methods, auth checks, envelopes, error codes, text bodies and
// rate-limit headers. It is stateful (buying debits, cancelling refunds,
// renewing moves the expiry) and driven by a scenario clock that delivers
// SMS, moves jobs, brings leases toward expiry and injects faults on
// demand. It powers the demo, the tests and the benchmarks.
//
// The simulator shares no wire structs with the adapters: every body here
// is built from this package's own definitions, so a misreading of a
// document on one side cannot hide behind the same misreading on the other.
package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"switchboard/backend"
)

// Options shape a simulation.
type Options struct {
	Seed   uint64
	Start  time.Time // the scenario clock's start; zero = now
	Manual bool      // the clock moves only with Advance (tests)
	// Lively makes the demo scenario: new waiting orders keep appearing so
	// codes arrive every few seconds.
	Lively bool
	// Accounts per provider (default 1).
	Accounts int
	// SMSDelay bounds the delay before a waiting line's first SMS
	// (default 4s..40s).
	SMSDelay [2]time.Duration
	// NoSMS is the share of orders that never get an SMS (default 0.1);
	// SecondSMS the share that get a second, code-less SMS (default 0.3).
	NoSMS, SecondSMS float64
	// Quiet: no SMS are delivered by the scenario; tests deliver them with
	// the providers' Deliver methods.
	Quiet bool
	// Listen is the address each provider server binds (default
	// 127.0.0.1:0).
	Listen string
	// Rates override providers' rate limits (requests per minute) for
	// benchmarks; zero keeps the documented limits.
	Rates map[backend.ProviderKind]int
}

// Sim is the running simulation.
type Sim struct {
	mu   sync.Mutex
	opts Options
	rng  *rand.Rand
	now  time.Time // manual clock
	off  time.Duration

	faults   map[backend.ProviderKind][]*Fault
	down     map[backend.ProviderKind]bool
	hits     map[backend.ProviderKind]int
	limited  map[backend.ProviderKind]int
	webhooks map[backend.ProviderKind]string
	hookq    chan hook

	PivDay  *PivDay
	FiveSim *FiveSim
	NonVoip *NonVoip
	Market  *Market

	servers map[backend.ProviderKind]*httptest.Server
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  bool
}

// provider is what each provider's file implements.
type provider interface {
	kind() backend.ProviderKind
	prefix() string                                                // path before the documented paths: "/api/v1", "/v1", "/manager", "/api/v1"
	routes(mux *http.ServeMux)                                     // handlers, registered with the prefix
	tick(now time.Time)                                            // scenario step, called with s.mu held
	tooMany(w http.ResponseWriter, retry time.Duration, hint bool) // the provider's own 429 answer
	credentials() []Credential                                     // accounts it accepts
}

// Credential is one simulated account as the config file names it.
type Credential struct {
	Account  string
	Provider backend.ProviderKind
	// Env maps environment variable names to the secret values the
	// simulator accepts (e.g. SIM_PIV_KEY_1 → "piv-…").
	Env map[string]string
	// Fields are non-secret config fields (email) and which config key
	// takes each env var name (api_key_env, password_env).
	Fields map[string]string
}

// New builds a simulation and starts its servers.
func New(opts Options) *Sim {
	if opts.Accounts <= 0 {
		opts.Accounts = 1
	}
	if opts.SMSDelay[1] <= 0 {
		opts.SMSDelay = [2]time.Duration{4 * time.Second, 40 * time.Second}
	}
	if opts.NoSMS == 0 {
		opts.NoSMS = 0.1
	}
	if opts.SecondSMS == 0 {
		opts.SecondSMS = 0.3
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	s := &Sim{
		opts:     opts,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed)),
		faults:   map[backend.ProviderKind][]*Fault{},
		down:     map[backend.ProviderKind]bool{},
		hits:     map[backend.ProviderKind]int{},
		limited:  map[backend.ProviderKind]int{},
		webhooks: map[backend.ProviderKind]string{},
		hookq:    make(chan hook, 256),
		servers:  map[backend.ProviderKind]*httptest.Server{},
		stop:     make(chan struct{}),
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Now()
	}
	if opts.Manual {
		s.now = start.UTC()
	} else {
		s.off = time.Until(start)
	}
	s.PivDay = newPivDay(s)
	s.FiveSim = newFiveSim(s)
	s.NonVoip = newNonVoip(s)
	s.Market = newMarket(s)
	for _, p := range s.providers() {
		s.serve(p)
	}
	s.wg.Add(1)
	go s.sendHooks()
	if !opts.Manual {
		s.wg.Add(1)
		go s.run()
	}
	return s
}

func (s *Sim) providers() []provider {
	return []provider{s.PivDay, s.FiveSim, s.NonVoip, s.Market}
}

func (s *Sim) serve(p provider) {
	mux := http.NewServeMux()
	p.routes(mux)
	h := s.guard(p, mux)
	srv := httptest.NewUnstartedServer(h)
	if l, err := net.Listen("tcp", s.opts.Listen); err == nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	s.servers[p.kind()] = srv
}

// URL is the base URL an adapter is configured with for provider k:
// everything before the documented paths.
func (s *Sim) URL(k backend.ProviderKind) string {
	for _, p := range s.providers() {
		if p.kind() == k {
			return s.servers[k].URL + p.prefix()
		}
	}
	return ""
}

// Credentials lists every simulated account.
func (s *Sim) Credentials() []Credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Credential
	for _, p := range s.providers() {
		out = append(out, p.credentials()...)
	}
	return out
}

// Now is the scenario clock.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

// clock is Now with s.mu held.
func (s *Sim) clock() time.Time {
	if s.opts.Manual {
		return s.now
	}
	return time.Now().Add(s.off).UTC()
}

// Advance moves a manual clock forward in steps of at most a second,
// running the scenario at each step. On a real clock it shifts the
// scenario's time (leases come closer to expiry) and runs one step.
func (s *Sim) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.Manual {
		s.off += d
		s.step()
		return
	}
	for d > 0 {
		st := min(d, time.Second)
		s.now = s.now.Add(st)
		d -= st
		s.step()
	}
}

// Step runs one scenario step now (tests on a manual clock).
func (s *Sim) Step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step()
}

func (s *Sim) step() {
	now := s.clock()
	for _, p := range s.providers() {
		p.tick(now)
	}
}

func (s *Sim) run() {
	defer s.wg.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.step()
			s.mu.Unlock()
		}
	}
}

// Close stops the servers and the clock.
func (s *Sim) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	for _, srv := range s.servers {
		srv.CloseClientConnections()
		srv.Close()
	}
	s.wg.Wait()
}

// Hits counts requests a provider's server received (faults included).
func (s *Sim) Hits(k backend.ProviderKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[k]
}

// RateLimited counts 429s a provider's server sent.
func (s *Sim) RateLimited(k backend.ProviderKind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited[k]
}

// rand helpers (s.mu held).

func (s *Sim) chance(p float64) bool { return s.rng.Float64() < p }

func (s *Sim) between(a, b time.Duration) time.Duration {
	if b <= a {
		return a
	}
	return a + time.Duration(s.rng.Int64N(int64(b-a)))
}

func (s *Sim) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + s.rng.IntN(10)))
	}
	return b.String()
}

func (s *Sim) pick(xs []string) string { return xs[s.rng.IntN(len(xs))] }

// token makes an opaque credential.
func (s *Sim) token(prefix string) string {
	const abc = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b strings.Builder
	b.WriteString(prefix)
	for range 32 {
		b.WriteByte(abc[s.rng.IntN(len(abc))])
	}
	return b.String()
}

// SMSPlan is when a waiting line hears from the service.
type SMSPlan struct {
	First  time.Time // zero: never (the order will time out)
	Second time.Time // a follow-up, code-less SMS; zero: none
}

// planSMS draws a delivery plan for an order placed at t (s.mu held).
func (s *Sim) planSMS(t time.Time) SMSPlan {
	if s.opts.Quiet || s.chance(s.opts.NoSMS) {
		return SMSPlan{}
	}
	p := SMSPlan{First: t.Add(s.between(s.opts.SMSDelay[0], s.opts.SMSDelay[1]))}
	if s.chance(s.opts.SecondSMS) {
		p.Second = p.First.Add(s.between(3*time.Second, 20*time.Second))
	}
	return p
}

// SMS is one generated message.
type SMS struct{ Sender, Text, Code string }

// codeSMS writes a realistic verification SMS for a service (s.mu held).
func (s *Sim) codeSMS(service string) SMS {
	name := serviceName(service)
	n := 4 + s.rng.IntN(3)
	if s.chance(0.5) {
		n = 6
	}
	code := s.digits(n)
	tmpl := []string{
		"Your %s verification code is %s. Do not share it with anyone.",
		"%s: %s is your code. Expires in 10 minutes.",
		"<#> %s code: %s\nFA+9qCX9VSu",
		"Use %s login code %s to sign in.",
		"%s security code: %s. If you did not request it, ignore this message.",
		"Код подтверждения %s: %s",
		"Tu código de %s es %s",
		"[%s] 验证码 %s，5分钟内有效。",
	}
	t := s.pick(tmpl)
	text := fmt.Sprintf(t, name, code)
	if s.chance(0.15) && n == 6 {
		code = code[:3] + "-" + code[3:]
		text = fmt.Sprintf("%s: your code is %s", name, code)
	}
	return SMS{Sender: name, Text: text, Code: strings.ReplaceAll(code, "-", "")}
}

// followUpSMS is a code-less message that often follows a code.
func (s *Sim) followUpSMS(service string) SMS {
	name := serviceName(service)
	t := s.pick([]string{
		"Welcome to %s! Your account is ready.",
		"%s: a new device signed in to your account on 12/05 at 14:32.",
		"Thanks for joining %s. Reply STOP to opt out.",
		"%s: your number was confirmed.",
	})
	return SMS{Sender: name, Text: fmt.Sprintf(t, name)}
}

func serviceName(service string) string {
	switch strings.ToLower(service) {
	case "", "any":
		return "Service"
	case "vkontakte", "vk":
		return "VK"
	case "tg":
		return "Telegram"
	}
	r := []rune(service)
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// --- faults -------------------------------------------------------------

// FaultKind is a failure the simulator can inject.
type FaultKind int

const (
	Fault429       FaultKind = iota // 429 in the provider's own format, with its pause hint
	Fault429NoHint                  // 429 without Retry-After / retryAfter
	Fault500                        // 500 with a short JSON or text body
	FaultTimeout                    // no answer until the client gives up
	FaultMalformed                  // 200 with a truncated JSON body
	FaultHTML                       // 502 with an HTML error page
	FaultDrop                       // the connection closes without an answer
	// FaultLoseResponse runs the request (state changes happen) and then
	// drops the connection: the caller cannot know it succeeded.
	FaultLoseResponse
)

// Fault is an injected failure. It matches requests whose path (after the
// provider prefix) starts with Path and whose method equals Method (both
// optional) and fires Times times (0: until cleared).
type Fault struct {
	Kind   FaultKind
	Path   string
	Method string
	Times  int
	Retry  time.Duration // pause hint for Fault429 (default 2s)
	fired  int
}

// Inject queues a fault for provider k.
func (s *Sim) Inject(k backend.ProviderKind, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[k] = append(s.faults[k], &f)
}

// ClearFaults removes provider k's faults.
func (s *Sim) ClearFaults(k backend.ProviderKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, k)
}

// SetDown makes every request to provider k fail with a dropped
// connection until SetDown(k, false).
func (s *Sim) SetDown(k backend.ProviderKind, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[k] = down
}

func (s *Sim) takeFault(p provider, r *http.Request) *Fault {
	path := strings.TrimPrefix(r.URL.Path, p.prefix())
	list := s.faults[p.kind()]
	for i, f := range list {
		if f.Path != "" && !strings.HasPrefix(path, f.Path) {
			continue
		}
		if f.Method != "" && f.Method != r.Method {
			continue
		}
		f.fired++
		if f.Times > 0 && f.fired >= f.Times {
			s.faults[p.kind()] = append(list[:i:i], list[i+1:]...)
		}
		return f
	}
	return nil
}

// guard counts hits and applies faults before the provider's handler.
func (s *Sim) guard(p provider, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[p.kind()]++
		down := s.down[p.kind()]
		f := s.takeFault(p, r)
		s.mu.Unlock()
		if down {
			drop(w)
			return
		}
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch f.Kind {
		case Fault429, Fault429NoHint:
			retry := f.Retry
			if retry <= 0 {
				retry = 2 * time.Second
			}
			s.mu.Lock()
			s.limited[p.kind()]++
			s.mu.Unlock()
			p.tooMany(w, retry, f.Kind == Fault429)
		case Fault500:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "internal server error")
		case FaultTimeout:
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Minute):
			case <-s.stop:
			}
		case FaultMalformed:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"success": true, "data": {"balance": 12.`)
		case FaultHTML:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>")
		case FaultDrop:
			drop(w)
		case FaultLoseResponse:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			drop(w)
		}
	})
}

// drop closes the connection without writing an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// window counts requests per key in fixed windows of the scenario clock.
type window struct {
	start time.Time
	n     int
}

// hit counts one request; it reports whether the request is within limit,
// how many remain and when the window resets.
func (w *window) hit(now time.Time, per time.Duration, limit int) (ok bool, remaining int, reset time.Time) {
	if w.start.IsZero() || now.Sub(w.start) >= per || now.Before(w.start) {
		w.start = now.Truncate(per)
		w.n = 0
	}
	reset = w.start.Add(per)
	if w.n >= limit {
		return false, 0, reset
	}
	w.n++
	return true, limit - w.n, reset
}

// rateFor is the per-minute limit of provider k (s.mu held).
func (s *Sim) rateFor(k backend.ProviderKind, def int) int {
	if n := s.opts.Rates[k]; n > 0 {
		return n
	}
	return def
}

// countLimited records a 429 the provider itself decided (s.mu held).
func (s *Sim) countLimited(k backend.ProviderKind) { s.limited[k]++ }

// --- webhooks -----------------------------------------------------------

type hook struct {
	url  string
	body []byte
	ua   string
}

// SetWebhook makes provider k POST its events to url ("" turns it off).
func (s *Sim) SetWebhook(k backend.ProviderKind, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks[k] = url
}

// fireWebhook queues an event for provider k (s.mu held).
func (s *Sim) fireWebhook(k backend.ProviderKind, ua string, payload any) {
	url := s.webhooks[k]
	if url == "" {
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return
	}
	select {
	case s.hookq <- hook{url: url, body: b, ua: ua}:
	default: // a stuck receiver must not stall the scenario
	}
}

func (s *Sim) sendHooks() {
	defer s.wg.Done()
	c := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-s.stop:
			return
		case h := <-s.hookq:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(h.body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				if h.ua != "" {
					req.Header.Set("User-Agent", h.ua)
				}
				if resp, err := c.Do(req); err == nil {
					resp.Body.Close()
				}
			}
			cancel()
		}
	}
}

// --- small JSON helpers -------------------------------------------------

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, text)
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// sortedKeys returns a map's keys in order (stable bodies).
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// money rounds a float to cents for bodies.
func money(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}
