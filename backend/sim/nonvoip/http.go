package nonvoip

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"switchboard/backend"
	"switchboard/backend/sim/simcore"
)

// --- provider interface -----------------------------------------------------

func (p *NonVoip) kind() backend.ProviderKind { return backend.NonVoip }
func (p *NonVoip) prefix() string             { return "/manager" }

func (p *NonVoip) credentials() []simcore.Credential {
	out := make([]simcore.Credential, 0, len(p.accounts))
	for i, a := range p.accounts {
		env := fmt.Sprintf("SIM_NONVOIP_%d_PASSWORD", i+1)
		out = append(out, simcore.Credential{Account: a.name, Provider: backend.NonVoip,
			Env:    map[string]string{env: a.password},
			Fields: map[string]string{"email": a.email, "password_env": env}})
	}
	return out
}

func (p *NonVoip) routes(mux *http.ServeMux) {
	mux.HandleFunc("/manager/", p.serve)
}

// nvLimited is the 429 body.
type nvLimited struct {
	Status     string `json:"status"`
	Message    string `json:"message"`
	Limit      int    `json:"limit"`
	RetryAfter *int   `json:"retryAfter,omitempty"`
}

func (p *NonVoip) tooMany(w http.ResponseWriter, retry time.Duration, hint bool) {
	p.s.Mu.Lock()
	limit := p.s.RateFor(backend.NonVoip, nvRateLimit)
	p.s.Mu.Unlock()
	p.write429(w, limit, retry, hint)
}

func (p *NonVoip) write429(w http.ResponseWriter, limit int, retry time.Duration, hint bool) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", "0")
	body := nvLimited{Status: "error", Message: "Rate limit exceeded. Please try again later.", Limit: limit}
	if hint {
		secs := max(1, int(math.Ceil(retry.Seconds())))
		h.Set("Retry-After", strconv.Itoa(secs))
		h.Set("X-RateLimit-Reset", time.Now().UTC().Add(retry).Format(time.RFC3339))
		body.RetryAfter = &secs
	}
	simcore.WriteJSON(w, http.StatusTooManyRequests, body)
}

// nvError is the error body.
type nvError struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func nvFail(status int, msg string) (int, any) {
	return status, nvError{Status: "error", Message: msg}
}

type nvHandler func(a *nvAccount, q nvReq, now time.Time) (int, any)

func (p *NonVoip) handler(path string) (nvHandler, bool) {
	switch path {
	case "/api/balance":
		return p.balance, true
	case "/api/products":
		return p.productsCall, true
	case "/api/order":
		return p.order, true
	case "/api/country/products":
		return p.countryProducts, true
	case "/api/country/order":
		return p.countryOrder, true
	case "/api/reuse":
		return p.reuse, true
	case "/api/activate":
		return p.activate, true
	case "/api/reject":
		return p.reject, true
	case "/api/renew":
		return p.renew, true
	case "/api/getsms":
		return p.getsms, true
	case "/api/saveurl":
		return nil, true // no e-mail/password: handled apart
	}
	return nil, false
}

func (p *NonVoip) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/manager")
	if !strings.HasPrefix(path, "/api/") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"+
			"<p>The requested URL was not found on this server.</p></body></html>")
		return
	}
	h, known := p.handler(path)
	q := nvParse(r) // before the lock: reading the body is I/O
	key := "addr:" + nvClientAddr(r)
	if e := strings.ToLower(strings.TrimSpace(q.str("email"))); e != "" {
		key = "email:" + e
	}

	s := p.s
	s.Mu.Lock()
	now := s.Clock()
	limit := s.RateFor(backend.NonVoip, nvRateLimit)
	win := p.windows[key]
	if win == nil {
		win = &simcore.Window{}
		p.windows[key] = win
	}
	ok, remaining, reset := win.Hit(now, time.Minute, limit)
	if !ok {
		s.CountLimited(backend.NonVoip)
		s.Mu.Unlock()
		p.write429(w, limit, reset.Sub(now), true)
		return
	}
	var status int
	var body any
	switch {
	case !known:
		status, body = nvFail(http.StatusNotFound, "Not Found")
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		status, body = nvFail(http.StatusMethodNotAllowed,
			fmt.Sprintf("The %s method is not supported for route %s. Supported methods: POST.", r.Method, strings.TrimPrefix(path, "/")))
	case path == "/api/saveurl":
		status, body = p.saveURL(q)
	default:
		a := p.auth(q)
		if a == nil {
			status, body = nvFail(http.StatusBadRequest, "Wrong Auth")
		} else {
			status, body = h(a, q, now)
		}
	}
	s.Mu.Unlock()

	hd := w.Header()
	hd.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	// The window ends on the scenario clock; the header says when on the
	// real one, so a client that waits for it waits the right time.
	hd.Set("X-RateLimit-Reset", time.Now().UTC().Add(reset.Sub(now)).Format(time.RFC3339))
	simcore.WriteJSON(w, status, body)
}

func nvClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (p *NonVoip) auth(q nvReq) *nvAccount {
	a := p.byEmail[strings.ToLower(strings.TrimSpace(q.str("email")))]
	if a == nil || q.str("password") != a.password {
		return nil
	}
	return a
}

// --- request bodies -----------------------------------------------------------

// nvReq holds a body's fields whatever its encoding: values as strings,
// arrays as several values, keys without their "[]" / "[0]" suffix.
type nvReq struct{ vals map[string][]string }

func nvParse(r *http.Request) nvReq {
	q := nvReq{vals: map[string][]string{}}
	if r.Body == nil || r.Method != http.MethodPost {
		return q
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err == nil {
			q.addForm(r.PostForm)
		}
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err == nil {
			q.addForm(r.PostForm)
		}
	default: // JSON, declared or not
		var m map[string]any
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		if d.Decode(&m) == nil {
			for k, v := range m {
				q.addJSON(k, v)
			}
		}
	}
	return q
}

func (q nvReq) addForm(f url.Values) {
	for k, vs := range f {
		if i := strings.IndexByte(k, '['); i > 0 {
			k = k[:i]
		}
		q.vals[k] = append(q.vals[k], vs...)
	}
}

func (q nvReq) addJSON(k string, v any) {
	switch t := v.(type) {
	case string:
		q.vals[k] = append(q.vals[k], t)
	case json.Number:
		q.vals[k] = append(q.vals[k], t.String())
	case bool:
		q.vals[k] = append(q.vals[k], strconv.FormatBool(t))
	case []any:
		for _, e := range t {
			q.addJSON(k, e)
		}
	}
}

func (q nvReq) has(k string) bool { return len(q.vals[k]) > 0 }

func (q nvReq) str(k string) string {
	if v := q.vals[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

func (q nvReq) integer(k string) (int, bool) {
	s := q.str(k)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e9 {
		return int(f), true
	}
	return 0, false
}

// ints reads a list given as several values or one "9044,8555".
func (q nvReq) ints(k string) ([]int, bool) {
	var out []int
	for _, v := range q.vals[k] {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return nil, false
			}
			out = append(out, n)
		}
	}
	return out, true
}

func (q nvReq) cents(k string) (int64, bool) {
	f, err := strconv.ParseFloat(q.str(k), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e6 {
		return 0, false
	}
	return int64(math.Round(f * 100)), true
}

func (q nvReq) boolean(k string) bool {
	switch strings.ToLower(q.str(k)) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// --- bodies -------------------------------------------------------------------

type nvProductJSON struct {
	ProductID int    `json:"product_id"`
	Name      string `json:"name"`
	Price     string `json:"price"`
	Available int    `json:"available"`
	Category  string `json:"category,omitempty"`
}

type nvShortJSON struct {
	OrderID    any    `json:"order_id"`
	Status     string `json:"status"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Expiration int    `json:"expiration"`
	Type       string `json:"type"`
}

type nvRentalJSON struct {
	OrderID any    `json:"order_id"`
	Status  string `json:"status"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Type    string `json:"type"`
	Expires string `json:"expires"`
}

type nvReuseJSON struct {
	OrderID        any    `json:"order_id"`
	Status         string `json:"status"`
	Number         string `json:"number"`
	Service        string `json:"service"`
	TillExpiration int    `json:"till_expiration"`
	Type           string `json:"type"`
}

type nvCountryProductJSON struct {
	ProductID int    `json:"product_id"`
	Name      string `json:"name"`
	Country   string `json:"country"`
	Price     string `json:"price"`
	Available int    `json:"available"`
}

type nvCountryOrderJSON struct {
	OrderID    string `json:"order_id"`
	Status     string `json:"status"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Country    string `json:"country"`
	Expiration int    `json:"expiration"`
	ExpiresAt  string `json:"expires_at"`
	Cost       string `json:"cost"`
}

type nvPriceChange struct {
	Info           string  `json:"info"`
	QuotedPrice    float64 `json:"quoted_price"`
	AllowedPrice   float64 `json:"allowed_price"`
	AvailablePrice float64 `json:"available_price"`
}

type nvPremium struct {
	Info           string `json:"info"`
	RecommendedBid int    `json:"recommended_bid"`
}

type nvActivation struct {
	OnlineStatus string `json:"online_status"`
	EndOn        string `json:"end_on"`
	Timezone     string `json:"timezone"`
}

type nvSMSJSON struct {
	Status  string `json:"status"`
	Number  string `json:"number"`
	Service string `json:"service"`
	SMS     string `json:"sms"`
	Pin     string `json:"pin"`
	Type    string `json:"type"`
}

type nvIncoming struct {
	OrderID any    `json:"order_id"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Sender  string `json:"sender"`
	SMS     string `json:"sms"`
	Code    string `json:"code"`
	Type    string `json:"type"`
}

type nvWinning struct {
	OrderID    any    `json:"order_id"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Expiration int    `json:"expiration"`
}

func nvSuccess(message any) (int, any) {
	return http.StatusOK, map[string]any{"status": "success", "message": message}
}

func nvMoney(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func nvTime(t time.Time) string { return t.UTC().Format(nvTimeLayout) }

// nvIDValue is a numeric order id as a JSON number ("sb_…" stays a string).
func nvIDValue(id string) any {
	if n, err := strconv.Atoi(id); err == nil {
		return n
	}
	return id
}

func nvSeconds(d time.Duration) int { return max(0, int(math.Ceil(d.Seconds()))) }
