package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const oneAccount = "accounts:\n  - name: a\n    provider: pivday\n    api_key_env: K\n"

// TestWebhookListenDefaultsToLoopback: a webhook_listen without a host
// binds loopback, not every interface; a host other machines may reach
// is kept and marked exposed.
func TestWebhookListenDefaultsToLoopback(t *testing.T) {
	cases := []struct {
		listen, addr string
		exposed      bool
	}{
		{":18850", "127.0.0.1:18850", false},
		{"127.0.0.1:18850", "127.0.0.1:18850", false},
		{"[::1]:18850", "[::1]:18850", false},
		{"localhost:18850", "localhost:18850", false},
		{"0.0.0.0:18850", "0.0.0.0:18850", true},
		{"[::]:18850", "[::]:18850", true},
		{"192.168.1.20:18850", "192.168.1.20:18850", true},
		{"hooks.lan:18850", "hooks.lan:18850", true},
	}
	for _, c := range cases {
		cfg, err := Parse("/home/op/sb.yaml", []byte("webhook_listen: \""+c.listen+"\"\n"+oneAccount), 0o600, env(map[string]string{"K": "k"}))
		if err != nil {
			t.Fatalf("%s: %v", c.listen, err)
		}
		if cfg.Webhooks.Listen != c.addr || cfg.Webhooks.Exposed != c.exposed {
			t.Errorf("%s: listen %q exposed %v, want %q %v", c.listen, cfg.Webhooks.Listen, cfg.Webhooks.Exposed, c.addr, c.exposed)
		}
	}
}

// TestBadWebhookAddressesNameFileLineAndFix: a listen address or public
// URL that cannot work is refused with its line and a fix.
func TestBadWebhookAddressesNameFileLineAndFix(t *testing.T) {
	cases := []struct{ text, msg, fix string }{
		{"theme: dark\nwebhook_listen: 127.0.0.1\n", "not host:port", ":18850"},
		{"theme: dark\nwebhook_listen: \":0\"\n", "port", ":18850"},
		{"theme: dark\nwebhook_listen: \":99999\"\n", "port", ":18850"},
		{"theme: dark\nwebhook_listen: \"http://x:80\"\n", "webhook_listen", ":18850"},
		{"theme: dark\nwebhook_listen: \"ho st:80\"\n", "neither an IP address nor a host name", ":18850"},
		{"theme: dark\nwebhook_public_url: https://hooks.example.com\n", "webhook_listen is not", "webhook_listen: :18850"},
		{"theme: dark\nwebhook_listen: \":1\"\nwebhook_public_url: http://hooks.example.com\n", "https", "https://hooks.example.com"},
		{"theme: dark\nwebhook_listen: \":1\"\nwebhook_public_url: https://hooks.example.com/?a=1\n", "only scheme", "https://"},
		{"theme: dark\nwebhook_listen: \":1\"\nwebhook_public_url: /hooks\n", "no host", "https://"},
	}
	for _, c := range cases {
		_, err := Parse("/home/op/sb.yaml", []byte(c.text+oneAccount), 0o600, env(map[string]string{"K": "k"}))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%q: want a config error, got %v", c.text, err)
		}
		wantLine := 2
		if strings.Count(c.text, "\n") == 3 {
			wantLine = 3
		}
		if ce.File != "/home/op/sb.yaml" || ce.Line != wantLine || !strings.Contains(ce.Msg, c.msg) || !strings.Contains(ce.Fix, c.fix) {
			t.Errorf("%q: %s:%d %q / fix %q", c.text, ce.File, ce.Line, ce.Msg, ce.Fix)
		}
	}
}

func TestWebhookPublicURL(t *testing.T) {
	cfg, err := Parse("sb.yaml", []byte("webhook_listen: \":18850\"\nwebhook_public_url: https://hooks.example.com/sb/\n"+oneAccount), 0o600, env(map[string]string{"K": "k"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Webhooks.PublicURL != "https://hooks.example.com/sb" {
		t.Fatalf("public URL %q", cfg.Webhooks.PublicURL)
	}
	if u, err := PublicURL("http://127.0.0.1:18850"); err != nil || u != "http://127.0.0.1:18850" {
		t.Fatalf("loopback http: %q %v", u, err)
	}
}

// TestSkipSecretsResolvesNothing: `switchboard hooks` reads the accounts
// without reading a variable or running a command.
func TestSkipSecretsResolvesNothing(t *testing.T) {
	text := oneAccount + "  - name: b\n    provider: nonvoip\n    email: a@b.c\n    password_cmd: pass show nv\n"
	o := Options{SkipSecrets: true,
		Getenv: func(k string) string { t.Errorf("read %s", k); return "" },
		RunCmd: nil}
	o.RunCmd = func(_ context.Context, cmd string) (string, error) { t.Errorf("ran %s", cmd); return "", nil }
	cfg, err := Parse("sb.yaml", []byte(text), 0o600, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 2 || cfg.Accounts[0].APIKey != "" || cfg.Accounts[1].Password != "" {
		t.Fatalf("accounts: %+v", cfg.Accounts)
	}
}
