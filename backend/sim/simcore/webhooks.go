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

// SetWebhook makes provider k POST its events to url ("" turns it off).
func (c *Core) SetWebhook(k backend.ProviderKind, url string) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.SetWebhookLocked(k, url)
}

// SetWebhookLocked is SetWebhook with Mu held (a provider's own "save my
// callback URL" call).
func (c *Core) SetWebhookLocked(k backend.ProviderKind, url string) {
	c.webhooks[k] = url
}

// FireWebhook queues an event for provider k (Mu held).
func (c *Core) FireWebhook(k backend.ProviderKind, ua string, payload any) {
	url := c.webhooks[k]
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
	url := c.webhooks[k]
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
