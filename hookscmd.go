package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"

	"switchboard/backend"
	"switchboard/cache"
	"switchboard/config"
	"switchboard/webhook"
)

// runHooks prints the webhook URL to register for every account whose
// provider sends webhooks: `switchboard hooks`. It reads the config
// without resolving secrets and makes missing tokens; it may run while
// the dashboard does.
func runHooks(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("switchboard hooks", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $XDG_CONFIG_HOME/switchboard/config.yaml)")
	stateDir := fs.String("state-dir", "", "where the webhook tokens live (default $XDG_STATE_HOME/switchboard)")
	if code, ok := parseFlags(fs, args, stderr, ""); !ok {
		return code
	}
	if *cfgPath == "" {
		*cfgPath = config.DefaultPath()
	}
	cfg, err := config.Load(*cfgPath, config.Options{SkipSecrets: true})
	if err != nil {
		fmt.Fprintln(stderr, "switchboard hooks:", err)
		return 1
	}
	if cfg.Webhooks.Listen == "" {
		fmt.Fprintf(stderr, "switchboard hooks: %s: webhook_listen is not set, so nothing would receive webhooks\n"+
			"  fix: add webhook_listen: \":18850\" (loopback) and webhook_public_url: https://… (your reverse proxy)\n", *cfgPath)
		return 1
	}
	accounts := hookAccounts(cfg.Accounts)
	if len(accounts) == 0 {
		fmt.Fprintln(stdout, "No account takes webhooks: only piv.day and NonVoip send them; the others are polled.")
		return 0
	}
	if *stateDir == "" {
		if *stateDir, err = cache.DefaultDir(); err != nil {
			fmt.Fprintln(stderr, "switchboard hooks:", err)
			return 1
		}
	}
	tokens, err := cache.WebhookTokens(*stateDir, accountNames(accounts))
	if err != nil {
		fmt.Fprintln(stderr, "switchboard hooks:", err)
		return 1
	}
	base := cfg.Webhooks.PublicURL
	if base == "" {
		base = "http://" + cfg.Webhooks.Listen
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tPROVIDER\tURL")
	seen := map[backend.ProviderKind]bool{}
	for _, a := range accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, a.Provider.Label(), webhook.URL(base, a.Name, tokens[a.Name]))
		seen[a.Provider] = true
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nRegister each URL with its provider:")
	for _, k := range backend.Kinds() {
		if note, ok := webhook.Registration(k); ok && seen[k] {
			fmt.Fprintln(stdout, "  "+note)
		}
	}
	if cfg.Webhooks.PublicURL == "" {
		fmt.Fprintln(stdout, "\nThese are local addresses: providers need a public https address that forwards here.\n"+
			"Put a TLS reverse proxy in front and set webhook_public_url to its address.")
	}
	fmt.Fprintf(stdout, "\nKeep the URLs secret: the token in each is what lets a request in. A webhook is only a hint:\n"+
		"Switchboard reads the provider's API and shows only what it answers. To change a token, delete\n"+
		"%s and register the new URL.\n", filepath.Join(*stateDir, cache.TokenDir, "<account>"))
	return 0
}

// hookAccounts are the accounts whose provider sends webhooks.
func hookAccounts(accounts []config.Account) []config.Account {
	var out []config.Account
	for _, a := range accounts {
		if _, ok := webhook.Registration(a.Provider); ok {
			out = append(out, a)
		}
	}
	return out
}

func accountNames(accounts []config.Account) []string {
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = a.Name
	}
	return names
}

// serveHooks starts the webhook receiver for the accounts that take
// webhooks, each at its own secret path.
func serveHooks(h config.Webhooks, stateDir string, accounts []config.Account, rcv webhook.Receiver, log *slog.Logger) (*webhook.Server, error) {
	tokens, err := cache.WebhookTokens(stateDir, accountNames(hookAccounts(accounts)))
	if err != nil {
		return nil, err
	}
	srv, err := webhook.Listen(webhook.Options{Addr: h.Listen, PublicURL: h.PublicURL, Tokens: tokens, Receiver: rcv, Log: log})
	if err != nil {
		return nil, fmt.Errorf("webhook_listen %s: %w", h.Listen, err)
	}
	return srv, nil
}
