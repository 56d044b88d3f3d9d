package simcore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"switchboard/backend"
)

type hook struct {
	url  string
	body []byte
	ua   string
}

// hookTarget is where a provider's events for one account go: each
// account (an API key's profile at piv.day, a user's saved callback at
// NonVoip) has its own URL; account "" is the URL of every account
// without one.
type hookTarget struct {
	kind    backend.ProviderKind
	account string
}

// SetWebhook makes provider k POST the events of every account that has
// no URL of its own to url ("" turns it off).
func (c *Core) SetWebhook(k backend.ProviderKind, url string) {
	c.SetAccountWebhook(k, "", url)
}

// SetAccountWebhook makes provider k POST one account's events to url
// ("" falls back to the provider's URL for every account).
func (c *Core) SetAccountWebhook(k backend.ProviderKind, account, url string) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.SetAccountWebhookLocked(k, account, url)
}

// SetAccountWebhookLocked is SetAccountWebhook with Mu held (a provider's
// own "save my callback URL" call).
func (c *Core) SetAccountWebhookLocked(k backend.ProviderKind, account, url string) {
	t := hookTarget{k, account}
	if url == "" {
		delete(c.webhooks, t)
		return
	}
	c.webhooks[t] = url
}

// webhookURL is where provider k sends an account's events (Mu held).
func (c *Core) webhookURL(k backend.ProviderKind, account string) string {
	if u, ok := c.webhooks[hookTarget{k, account}]; ok {
		return u
	}
	return c.webhooks[hookTarget{k, ""}]
}

// FireWebhook queues an event of one account of provider k (Mu held).
func (c *Core) FireWebhook(k backend.ProviderKind, account, ua string, payload any) {
	url := c.webhookURL(k, account)
	if url == "" {
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return
	}
	select {
	case c.hookq <- hook{url: url, body: b, ua: ua}:
	default: // a stuck receiver must not stall the scenario
	}
}

// ForgeWebhook POSTs body to provider k's webhook URL as JSON, at once,
// though the provider never sent it: what anyone who learns the URL can
// do. Tests use it for an order that does not exist or a code the API
// does not have. It returns the receiver's status code.
func (c *Core) ForgeWebhook(k backend.ProviderKind, body []byte) (int, error) {
	c.Mu.Lock()
	url := c.webhookURL(k, "")
	c.Mu.Unlock()
	if url == "" {
		return 0, fmt.Errorf("simcore: no webhook URL set for %s", k)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (c *Core) sendHooks() {
	defer c.wg.Done()
	cl := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-c.stop:
			return
		case h := <-c.hookq:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(h.body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				if h.ua != "" {
					req.Header.Set("User-Agent", h.ua)
				}
				if resp, err := cl.Do(req); err == nil {
					resp.Body.Close()
				}
			}
			cancel()
		}
	}
}
