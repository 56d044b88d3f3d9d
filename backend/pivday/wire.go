package pivday

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"switchboard/backend"
)

// This file holds piv.day's wire format (pivday.md) and tolerant decoders:
// numbers may arrive as strings, strings as numbers, booleans as words,
// timestamps as RFC 3339 with or without fractional seconds; unknown fields
// are ignored and unknown status words are kept as sent.

// Amount is a money amount: a JSON number, or a string, both read by
// backend.ParseAmount (decimal comma, "1,500" refused as ambiguous). What
// it refuses — null, "", a currency sign, an ambiguous or malformed amount
// — is an unknown amount, never a misread one, and never breaks the answer.
type Amount struct {
	Value decimal.Decimal
	Valid bool
}

func (a *Amount) UnmarshalJSON(b []byte) error {
	*a = Amount{}
	if d, err := backend.ParseAmount(unquote(b)); err == nil {
		*a = Amount{Value: d, Valid: true}
	}
	return nil
}

// Time is a timestamp in UTC; zero when absent, null or unreadable.
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"}

func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	s := strings.TrimSpace(unquote(b))
	if s == "" || s == "null" {
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 { // milliseconds
			t.Time = time.UnixMilli(n).UTC()
		} else {
			t.Time = time.Unix(n, 0).UTC()
		}
	}
	return nil
}

// Text is a string that may arrive as a number (ids) or null.
type Text string

func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		*t = "" // an object where a string was expected: ignore it
		return nil
	}
	*t = Text(b)
	return nil
}

// Flag is a boolean that may arrive as true/false, "true"/"false", 1/0.
type Flag bool

func (f *Flag) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.TrimSpace(unquote(b))) {
	case "true", "1", "yes", "on":
		*f = true
	default:
		*f = false
	}
	return nil
}

// Count is an integer that may arrive as a string or a float.
type Count int

func (c *Count) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(unquote(b))
	*c = 0
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*c = Count(n)
	} else if f, err := strconv.ParseFloat(s, 64); err == nil {
		*c = Count(int64(f))
	}
	return nil
}

// unquote returns a JSON string's content, or the raw token otherwise.
func unquote(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
	}
	return string(b)
}

// envelope is every answer: {success, data} or {success:false, error}.
// Purchase and restore answers put their fields beside `success` instead
// of under `data`; those are decoded from the whole body.
type envelope struct {
	Success *Flag           `json:"success"`
	Data    json.RawMessage `json:"data"`
	Error   *wireError      `json:"error"`
	Message Text            `json:"message"`
}

type wireError struct {
	Code    Text `json:"code"`
	Message Text `json:"message"`
}

// UnmarshalJSON accepts `error` as an object or a bare string.
func (e *wireError) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = wireError{Message: Text(s)}
		return nil
	}
	type plain wireError
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = wireError(p)
	return nil
}

// Pagination is the `pagination` block of list answers.
type Pagination struct {
	Total  Count `json:"total"`
	Limit  Count `json:"limit"`
	Offset Count `json:"offset"`
}

// AccountInfo is GET /account.
type AccountInfo struct {
	UserID       Text   `json:"user_id"`
	Balance      Amount `json:"balance"`
	Email        Text   `json:"email"`
	TeamID       Text   `json:"team_id"`
	IsTeamMember Flag   `json:"is_team_member"`
}

// Country is one entry of GET /numbers/countries.
type Country struct {
	Code          Text   `json:"country_code"`
	PricePerMonth Amount `json:"price_per_month"`
	BasePrice     Amount `json:"base_price"`
	CanSendSMS    Flag   `json:"can_send_sms"`
	CanReceiveSMS Flag   `json:"can_receive_sms"`
	SMSSendPrice  Amount `json:"sms_send_price"`
}

// Number is a rented number (list, get and purchase answers).
type Number struct {
	ID              Text   `json:"piv_num_id"`
	Phone           Text   `json:"phone_number"`
	Country         Text   `json:"country_code"`
	Status          Text   `json:"status"`
	CreatedAt       Time   `json:"created_at"`
	ExpiresAt       Time   `json:"expires_at"`
	AutoRenew       Flag   `json:"auto_renew"`
	CustomName      Text   `json:"custom_name"`
	PurchasedAt     Time   `json:"purchased_at"`
	NextRenewalDate Time   `json:"next_renewal_date"`
	Tags            []Text `json:"tags"`
	CanSendSMS      Flag   `json:"can_send_sms"`
	CanReceiveSMS   Flag   `json:"can_receive_sms"`
}

type numbersPage struct {
	Numbers    []Number   `json:"numbers"`
	Pagination Pagination `json:"pagination"`
}

// NumberPurchase is POST /numbers/purchase (fields beside `success`).
type NumberPurchase struct {
	Cost    Amount   `json:"cost"`
	Numbers []Number `json:"numbers"`
}

// NumberRenewal is POST /numbers/{id}/renew.
type NumberRenewal struct {
	ID           Text   `json:"piv_num_id"`
	Phone        Text   `json:"phone_number"`
	OldExpiresAt Time   `json:"old_expires_at"`
	NewExpiresAt Time   `json:"new_expires_at"`
	Cost         Amount `json:"cost"`
}

// AutoRenewal is PATCH /numbers/{id}/auto-renewal.
type AutoRenewal struct {
	ID        Text `json:"piv_num_id"`
	Phone     Text `json:"phone_number"`
	AutoRenew Flag `json:"auto_renew"`
}

// Restore is POST /numbers/restore (fields beside `success`).
type Restore struct {
	Queued       Count           `json:"queued"`
	Skipped      Count           `json:"skipped"`
	TotalCharged Amount          `json:"total_charged"`
	Numbers      []RestoreNumber `json:"numbers"`
}

// RestoreNumber is one number of a restore answer.
type RestoreNumber struct {
	ID     Text `json:"piv_num_id"`
	Phone  Text `json:"phone_number"`
	Status Text `json:"status"`
}

// SMS is one message of GET /numbers/{id}/sms.
type SMS struct {
	ID         Text `json:"id"`
	From       Text `json:"from_number"`
	To         Text `json:"to_number"`
	Body       Text `json:"message_body"`
	Direction  Text `json:"direction"`
	Status     Text `json:"status"`
	ReceivedAt Time `json:"received_at"`
}

type smsPage struct {
	Messages   []SMS      `json:"messages"`
	Pagination Pagination `json:"pagination"`
}

// ProxyServer is one entry of GET /proxy/servers.
type ProxyServer struct {
	ID            Text   `json:"id"`
	Name          Text   `json:"name"`
	Country       Text   `json:"country"`
	SOCKS5Port    Count  `json:"socks5_port"`
	HTTPPort      Count  `json:"http_port"`
	PricePerProxy Amount `json:"price_per_proxy"`
}

// ProxyOrder is a proxy order (list, get and purchase answers). Items
// carry proxy credentials: they never leave the adapter except through an
// explicit export.
type ProxyOrder struct {
	ID            Text        `json:"id"`
	Country       Text        `json:"country"`
	Quantity      Count       `json:"quantity"`
	PricePerProxy Amount      `json:"price_per_proxy"`
	PriceTotal    Amount      `json:"price_total"`
	Status        Text        `json:"status"`
	PurchasedAt   Time        `json:"purchased_at"`
	ExpiresAt     Time        `json:"expires_at"`
	CreatedAt     Time        `json:"created_at"`
	Items         []ProxyItem `json:"items"`
}

// ProxyItem is one proxy of an order.
type ProxyItem struct {
	Login      Text  `json:"login"`
	Password   Text  `json:"password"`
	Host       Text  `json:"host"`
	SOCKS5Port Count `json:"socks5_port"`
	HTTPPort   Count `json:"http_port"`
	IPv6       Text  `json:"ipv6"`
}

// ProxyRenewal is POST /proxy/orders/{id}/renew.
type ProxyRenewal struct {
	OrderID      Text   `json:"order_id"`
	Cost         Amount `json:"cost"`
	NewExpiresAt Time   `json:"new_expires_at"`
}

// ProxyRestore is POST /proxy/orders/{id}/restore.
type ProxyRestore struct {
	OrderID   Text   `json:"order_id"`
	Quantity  Count  `json:"quantity"`
	TotalCost Amount `json:"total_cost"`
	ExpiresAt Time   `json:"expires_at"`
}

// ProxyExport is GET /proxy/orders/{id}/export.
type ProxyExport struct {
	Content  Text  `json:"content"`
	Filename Text  `json:"filename"`
	Format   Text  `json:"format"`
	Count    Count `json:"count"`
}

// Domain is a registered domain (list, get and completed queue answers).
type Domain struct {
	ID                Text   `json:"id"`
	Name              Text   `json:"domain_name"`
	Status            Text   `json:"status"`
	RegisteredAt      Time   `json:"registered_at"`
	ExpiresAt         Time   `json:"expires_at"`
	AutoRenew         Flag   `json:"auto_renew"`
	CloudflareEnabled Flag   `json:"cloudflare_enabled"`
	CloudflareStatus  Text   `json:"cloudflare_status"`
	SSLType           Text   `json:"ssl_type"`
	SSLStatus         Text   `json:"ssl_status"`
	SSLMode           Text   `json:"ssl_mode"`
	SSLExpiresAt      Time   `json:"ssl_expires_at"`
	Period            Count  `json:"period"`
	CreatedAt         Time   `json:"created_at"`
	UpdatedAt         Time   `json:"updated_at"`
	Nameservers       []Text `json:"nameservers"`
}

// DomainAvailability is GET /domains/search.
type DomainAvailability struct {
	Domain      Text   `json:"domain"`
	Available   Flag   `json:"available"`
	CreatePrice Amount `json:"create_price"`
	RenewPrice  Amount `json:"renew_price"`
	Currency    Text   `json:"currency"`
}

// QueueEntry is GET /domains/queue/{id}. `domain` is the domain name while
// the entry is pending and the full domain card once completed.
type QueueEntry struct {
	ID         Text
	Status     Text
	DomainName string
	Domain     *Domain
	Error      Text
}

func (q *QueueEntry) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID     Text            `json:"queue_id"`
		Status Text            `json:"status"`
		Domain json.RawMessage `json:"domain"`
		Error  Text            `json:"error"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*q = QueueEntry{ID: raw.ID, Status: raw.Status, Error: raw.Error}
	d := bytes.TrimSpace(raw.Domain)
	switch {
	case len(d) > 0 && d[0] == '{':
		var dom Domain
		if err := json.Unmarshal(d, &dom); err != nil {
			return err
		}
		q.Domain = &dom
		q.DomainName = string(dom.Name)
	case len(d) > 0:
		var name Text
		if err := json.Unmarshal(d, &name); err != nil {
			return err
		}
		q.DomainName = string(name)
	}
	return nil
}

// DomainRenewal is POST /domains/{id}/renew.
type DomainRenewal struct {
	QueueID   Text `json:"queue_id"`
	DomainID  Text `json:"domain_id"`
	ExpiresAt Time `json:"expires_at"`
}

// DomainAutoRenewal is POST /domains/{id}/auto-renew.
type DomainAutoRenewal struct {
	ID        Text `json:"id"`
	AutoRenew Flag `json:"auto_renew"`
}

// White is a white-page generation job. Its status arrives as a number
// (0, 10 in the document) or, defensively, as a word.
type White struct {
	ID        Text        `json:"id"`
	Name      Text        `json:"name"`
	Status    WhiteStatus `json:"status"`
	TierKey   Text        `json:"tier_key"`
	Quality   Text        `json:"quality"`
	Niche     Text        `json:"niche"`
	Country   Text        `json:"country"`
	Language  Text        `json:"language"`
	Domain    Text        `json:"domain"`
	ResultURL Text        `json:"result_url"`
	CreatedAt Time        `json:"created_at"`
}

// WhiteStatus keeps the status as sent: Code when numeric, Word otherwise.
type WhiteStatus struct {
	Code    int
	Numeric bool
	Word    string
}

func (w *WhiteStatus) UnmarshalJSON(b []byte) error {
	*w = WhiteStatus{}
	s := strings.TrimSpace(unquote(b))
	if s == "" || s == "null" {
		return nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		*w = WhiteStatus{Code: n, Numeric: true}
		return nil
	}
	w.Word = s
	return nil
}

// Raw is the status as the provider sent it.
func (w WhiteStatus) Raw() string {
	if w.Numeric {
		return strconv.Itoa(w.Code)
	}
	return w.Word
}

type whitesPage struct {
	Whites     []White    `json:"whites"`
	Pagination Pagination `json:"pagination"`
}

type proxyOrdersPage struct {
	Orders     []ProxyOrder `json:"orders"`
	Pagination Pagination   `json:"pagination"`
}

type domainsPage struct {
	Domains    []Domain   `json:"domains"`
	Pagination Pagination `json:"pagination"`
}

// --- webhooks -------------------------------------------------------------

// Event is a webhook delivery: the same shape for every event.
type Event struct {
	Type      Text            `json:"event_type"`
	Timestamp Time            `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// SMSReceived is the data of sms.received.
type SMSReceived struct {
	NumberID   Text `json:"piv_num_id"`
	Text       Text `json:"text"`
	Code       Text `json:"code"`
	Country    Text `json:"country"`
	ReceivedAt Time `json:"received_at"`
}

// RestoreCompleted is the data of number.restore_completed.
type RestoreCompleted struct {
	Restored      []RestoredNumber `json:"restored"`
	Failed        []RestoredNumber `json:"failed"`
	TotalRestored Count            `json:"total_restored"`
	TotalFailed   Count            `json:"total_failed"`
	TotalRefunded Amount           `json:"total_refunded"`
}

// RestoredNumber is one number of a restore_completed event.
type RestoredNumber struct {
	ID       Text   `json:"piv_num_id"`
	Phone    Text   `json:"phone_number"`
	Country  Text   `json:"country"`
	Refunded Amount `json:"refunded"`
}

// ProxyExpiresSoon is the data of proxy.expires_soon.
type ProxyExpiresSoon struct {
	OrderID   Text  `json:"order_id"`
	Country   Text  `json:"country"`
	Quantity  Count `json:"quantity"`
	ExpiresAt Time  `json:"expires_at"`
}

// DomainEvent is the data of domain.registered, domain.failed and
// domain.expires_soon.
type DomainEvent struct {
	DomainID          Text  `json:"domain_id"`
	DomainName        Text  `json:"domain_name"`
	RegisteredAt      Time  `json:"registered_at"`
	ExpiresAt         Time  `json:"expires_at"`
	CloudflareEnabled Flag  `json:"cloudflare_enabled"`
	AutoRenew         *Flag `json:"auto_renew"`
	Error             Text  `json:"error"`
}

// WhiteEvent is the data of white.completed and white.failed.
type WhiteEvent struct {
	JobID   Text `json:"job_id"`
	Name    Text `json:"name"`
	TierKey Text `json:"tier_key"`
	Country Text `json:"country"`
	Error   Text `json:"error"`
}
